"""evitrack init: a portfolio a learner can start from, never overwriting one."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evitrack.cli import app
from helpers import init_portfolio

runner = CliRunner()
NCFE = "ncfe-l3-diploma-customer-service"


def init(tmp_path: Path, *extra: str) -> Path:
    return init_portfolio(tmp_path / "sam", NCFE, *extra, registration="NC12345", sample=True)


def test_init_creates_a_portfolio_that_checks_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = init(tmp_path, "--units", "09,29")
    names = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert names == [
        ".gitignore",
        ".pre-commit-config.yaml",
        ".schemas/portfolio.schema.json",
        ".schemas/record.schema.json",
        "README.md",
        "evidence/E0001.yaml",
        "evitrack.yaml",
        "files/.gitkeep",
    ]
    text = (target / "evitrack.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=.schemas/portfolio.schema.json\n")
    # mandatory units 01-06 are always included, then the chosen ones in document order
    assert '  - "06"  # Understand customers and customer retention\n  - "09"' in text
    assert '  - "29"  # Negotiate in a business environment\n' in text
    record = (target / "evidence" / "E0001.yaml").read_text()
    assert record.startswith("# yaml-language-server: $schema=../.schemas/record.schema.json\n")
    assert f"date: {dt.date.today().isoformat()}\n" in record
    assert '  "01": ["1.1"]\n' in record
    assert ".evitrack-cache/" in (target / ".gitignore").read_text()
    assert "entry: evitrack check" in (target / ".pre-commit-config.yaml").read_text()
    schema = json.loads((target / ".schemas" / "record.schema.json").read_text())
    assert schema["required"] == ["id", "title", "date", "methods", "description", "criteria"]

    monkeypatch.chdir(target / "evidence")  # found from a subfolder, as git finds its repo
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0
    assert result.stdout == (  # the sample is there to be edited: until it is, check says so
        "E0001.yaml:8:14: warning[W109]: this record still holds the sample text that "
        "`evitrack init` wrote: it describes no real evidence\n"
        "    hint: describe the real evidence in your own words, or delete this record\n"
    )


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    target = init(tmp_path)
    before = (target / "evitrack.yaml").read_text()
    result = runner.invoke(app, ["init", str(target), "--qualification", NCFE])
    assert result.exit_code == 2
    assert f"evitrack: error: {target.resolve()} is already a portfolio" in result.stderr
    assert (target / "evitrack.yaml").read_text() == before


def test_init_refuses_inside_an_existing_portfolio(tmp_path: Path) -> None:
    target = init(tmp_path)
    result = runner.invoke(app, ["init", str(target / "files"), "--qualification", NCFE])
    assert result.exit_code == 2
    assert "is already a portfolio" in result.stderr


def test_init_refuses_when_its_files_exist(tmp_path: Path) -> None:
    target = tmp_path / "p"
    target.mkdir()
    (target / "README.md").write_text("mine\n")
    result = runner.invoke(app, ["init", str(target), "--qualification", NCFE])
    assert result.exit_code == 2
    assert "README.md already exist; nothing was changed" in result.stderr
    assert (target / "README.md").read_text() == "mine\n"
    assert not (target / "evitrack.yaml").exists()


def test_init_unknown_qualification_suggests(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "x"), "--qualification", "ncfe-l3-diploma"])
    assert result.exit_code == 2
    assert 'evitrack: error: unknown qualification "ncfe-l3-diploma"' in result.stderr
    assert f'hint: did you mean "{NCFE}"?' in result.stderr
    assert not (tmp_path / "x").exists()


def test_init_unknown_unit(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["init", str(tmp_path / "x"), "--qualification", NCFE, "--units", "9"]
    )
    assert result.exit_code == 2
    assert 'unknown unit "9"' in result.stderr
    assert 'did you mean "09"?' in result.stderr


def test_no_portfolio_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 2
    assert "no portfolio found at or above here: there is no evitrack.yaml" in result.stderr
    assert "Traceback" not in result.output


def test_check_a_caseload_folder(tmp_path: Path) -> None:
    for name in ("a", "b"):
        runner.invoke(app, ["init", str(tmp_path / "case" / name), "--qualification", NCFE])
    (tmp_path / "case" / "b" / "evidence" / "E0001.yaml").write_text("id: [\n")
    result = runner.invoke(app, ["check", str(tmp_path / "case"), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert len(data["portfolios"]) == 2
    errors = [d for d in data["diagnostics"] if d["severity"] == "error"]
    assert [d["code"] for d in errors] == ["E002"]
    assert errors[0]["file"].endswith("case/b/evidence/E0001.yaml")
    # placeholders written by init without a name: warned of in each portfolio
    assert sorted({d["code"] for d in data["diagnostics"]} - {"E002"}) == ["W109"]


def test_check_a_caseload_keeps_the_order_of_its_portfolios(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six portfolios (checked on several processes): reported in the order found, each
    portfolio's problems together, the exit code that of the whole."""
    names = ["f", "a", "e", "c", "b", "d"]
    for name in names:
        runner.invoke(app, ["init", str(tmp_path / "case" / name), "--qualification", NCFE])
    for name in ("e", "b"):
        (tmp_path / "case" / name / "evidence" / "E0001.yaml").write_text("id: [\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", "case", "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["portfolios"] == [f"case/{n}" for n in sorted(names)]
    record = {n: ("E002", 1) if n in ("b", "e") else ("W109", 8) for n in names}
    expected = [
        (f"case/{n}/{file}", code, line)
        for n in sorted(names)
        for file, code, line in (
            ("evidence/E0001.yaml", *record[n]),
            ("evitrack.yaml", "W109", 6),
            ("evitrack.yaml", "W109", 7),
        )
    ]
    assert [(d["file"], d["code"], d["line"]) for d in data["diagnostics"]] == expected
    text = runner.invoke(app, ["check", "case"])
    assert text.exit_code == 1
    shown = [line.split(":")[:2] for line in text.stdout.splitlines() if line.startswith("case/")]
    assert [(f, int(n)) for f, n in shown] == [(f, line) for f, _, line in expected]
    assert text.stderr == "2 errors, 16 warnings in 6 portfolios\n"


def test_git_ignores_the_cache_rendered_output_and_leftovers_of_a_cut_write(
    tmp_path: Path,
) -> None:
    import subprocess

    target = init(tmp_path)
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    paths = [
        ".evitrack-cache/records.json",
        "out/claim.zip",
        "evidence/.E0001.yaml.k2j4x9qa.tmp",  # atomic writes' temporary name
        "evidence/E0001.yaml",
        "evitrack.yaml",
        "files/notes.tmp.txt",
    ]
    result = subprocess.run(
        ["git", "-C", str(target), "check-ignore", "--no-index", *paths],
        capture_output=True,
        text=True,
    )
    assert result.stdout.splitlines() == paths[:3]


CENTRE_FILE = """\
format: 1
id: centre-retail
title: Centre Award in Retail
groups:
  - {id: A, title: Mandatory, units: ["R01"]}
units:
  - id: R01
    title: Serve customers
    credit: 3
    outcomes:
      - id: "1"
        title: Serve
        criteria:
          - {id: "1.1", text: Greet the customer}
rules:
  - {id: R1, kind: mandatory, groups: [A], text: Unit R01 is mandatory}
"""


def centre_folder(tmp_path: Path) -> Path:
    """A folder the exams officer made, holding the centre's qualification file."""
    target = tmp_path / "ann"
    (target / "qualifications").mkdir(parents=True)
    (target / "qualifications" / "retail.yaml").write_text(CENTRE_FILE)
    return target


@pytest.mark.parametrize("absolute", [False, True], ids=["relative-to-DIR", "absolute-inside"])
def test_init_with_a_centre_file_inside_the_folder(tmp_path: Path, absolute: bool) -> None:
    target = centre_folder(tmp_path)
    ref = (
        str(target / "qualifications" / "retail.yaml") if absolute else "qualifications/retail.yaml"
    )
    result = runner.invoke(
        app, ["init", str(target), "-q", ref, "--name", "Ann Lee", "--registration", "C1"]
    )
    assert result.exit_code == 0, result.output
    text = (target / "evitrack.yaml").read_text()
    assert 'qualification: "qualifications/retail.yaml"\n' in text
    assert '  - "R01"  # Serve customers\n' in text
    assert (target / "qualifications" / "retail.yaml").read_text() == CENTRE_FILE
    assert '  "R01": ["1.1"]\n' in (target / "evidence" / "E0001.yaml").read_text()
    check = runner.invoke(app, ["check", str(target), "--format", "json"])
    assert check.exit_code == 0
    assert [d["code"] for d in json.loads(check.stdout)["diagnostics"]] == ["W109"]  # the sample


def test_init_with_a_centre_file_outside_the_folder(tmp_path: Path) -> None:
    elsewhere = tmp_path / "retail.yaml"
    elsewhere.write_text(CENTRE_FILE)
    target = tmp_path / "ann"
    target.mkdir()
    result = runner.invoke(app, ["init", str(target), "-q", str(elsewhere)])
    assert result.exit_code == 2
    assert result.stderr == (
        f'evitrack: error: qualification file "{elsewhere}" is outside the portfolio folder '
        f"{target}: evitrack reads nothing from outside a portfolio\n"
        "    hint: copy the file into the portfolio folder first (e.g. to "
        f"{target}/qualifications/retail.yaml, then pass -q qualifications/retail.yaml)\n"
    )
    assert list(target.iterdir()) == []


def test_init_with_a_centre_file_still_refuses_to_overwrite(tmp_path: Path) -> None:
    target = centre_folder(tmp_path)
    (target / "README.md").write_text("mine\n")
    result = runner.invoke(app, ["init", str(target), "-q", "qualifications/retail.yaml"])
    assert result.exit_code == 2
    assert "README.md already exist; nothing was changed" in result.stderr
    assert (target / "README.md").read_text() == "mine\n"
    assert not (target / "evitrack.yaml").exists()


def test_init_unknown_qualification_suggests_the_id_that_holds_the_word(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "x"), "-q", "edi"])
    assert result.exit_code == 2
    assert result.stderr == (
        'evitrack: error: unknown qualification "edi"\n'
        '    hint: did you mean "edi-l2-nvq-customer-service"?\n'
    )


def test_the_next_step_can_be_pasted_for_a_folder_with_spaces(tmp_path: Path) -> None:
    target = tmp_path / "my portfolio"
    result = runner.invoke(
        app, ["init", str(target), "-q", NCFE, "--name", "Sam Patel", "--registration", "NC1"]
    )
    assert result.exit_code == 0, result.output
    assert f"Next: cd '{target}' && evitrack check" in result.stderr


def test_init_refuses_a_centre_file_whose_rules_cannot_be_met(tmp_path: Path) -> None:
    target = centre_folder(tmp_path)
    bad = CENTRE_FILE + "  - {id: R2, kind: min_credit, min: 10, text: At least 10 credits}\n"
    (target / "qualifications" / "retail.yaml").write_text(bad)
    result = runner.invoke(app, ["init", str(target), "-q", "qualifications/retail.yaml"])
    assert result.exit_code == 2
    shown = os.path.relpath(target / "qualifications" / "retail.yaml")
    assert result.stderr == (
        f"evitrack: error: qualification file {shown} has 1 problem; nothing was written:\n"
        f"{shown}:17:5: error[E505]: R2 asks for at least 10 credits, but all the units "
        "together give only 3 credits\n"
        "    hint: rules involved: R2\n"
        f"    hint: fix the file (`evitrack qualification check {shown}` checks it), "
        "then run init again\n"
    )
    assert sorted(p.name for p in target.iterdir()) == ["qualifications"]


HOSTILE = "\r\x85\u2028\u2029\x1b\x00\x7f\ufeff"


def test_qualification_text_in_comments_cannot_add_keys(tmp_path: Path) -> None:
    """Titles and criterion texts go into comments as one line: nothing they hold is read."""
    target = centre_folder(tmp_path)
    (target / "qualifications" / "retail.yaml").write_text(
        CENTRE_FILE.replace(
            "title: Centre Award in Retail",
            'title: "Retail\\nsettings: {currency_years: 1}\\nunits: [X]\\r\\u0085\\e end"',
        )
        .replace(
            "title: Serve customers",
            'title: "Serve\\u2028  - \\"R99\\"\\u2029x\\x7f"',
        )
        .replace(
            "text: Greet the customer}",
            'text: "Greet\\nassessment: {decision: accepted, assessor: X, date: 2026-01-01}'
            '\\r\\u0085\\u2028\\e"}',
        )
    )
    result = runner.invoke(app, ["init", str(target), "-q", "qualifications/retail.yaml"])
    assert result.exit_code == 0, result.output
    from ruamel.yaml import YAML

    for rel, keys in (
        ("evitrack.yaml", ["qualification", "learner", "units", "signoffs"]),
        ("evidence/E0001.yaml", ["id", "title", "date", "methods", "description", "criteria"]),
    ):
        text = (target / rel).read_text()
        assert not any(ch in text for ch in HOSTILE), rel
        assert list(YAML(typ="safe").load(text)) == keys, rel
    portfolio = (target / "evitrack.yaml").read_text()
    assert (
        "# evitrack portfolio: Retail settings: {currency_years: 1} units: [X] end\n" in portfolio
    )
    assert '  - "R01"  # Serve - "R99" x\n' in portfolio
    record = (target / "evidence" / "E0001.yaml").read_text()
    assert (
        "#   R01/1.1: Greet assessment: {decision: accepted, assessor: X, date: 2026-01-01}\n"
        in record
    )
    assert checks_clean_but_for_placeholders(target)


def test_the_next_step_in_place_is_just_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "-q", NCFE, "--name", "Sam", "--registration", "N1"])
    assert result.exit_code == 0, result.output
    assert "\nNext: evitrack check    (then `evitrack gaps` to see what to evidence)\n" in (
        result.stderr
    )


def git_repo(path: Path) -> Path:
    import subprocess

    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def test_init_inside_a_repository_adds_the_hook_to_its_root_config(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "caseload")
    target = repo / "learners" / "sam"
    result = runner.invoke(app, ["init", str(target), "-q", NCFE])
    assert result.exit_code == 0, result.output
    config = repo / ".pre-commit-config.yaml"
    assert config.read_text().startswith("# Runs `evitrack check` before every commit")
    assert not (target / ".pre-commit-config.yaml").exists()
    assert result.stdout.splitlines()[-1] == (
        f"created {config}: the git repository {repo} holds this portfolio, and pre-commit "
        "reads its hooks from .pre-commit-config.yaml at the repository's root; it is the "
        f"only file written outside the portfolio (set the hook up once with "
        f"`pre-commit install` in {repo})"
    )
    again = runner.invoke(app, ["init", str(repo / "learners" / "ann"), "-q", NCFE])
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[-1] == (
        f"{config} runs the evitrack-check hook already, for every portfolio in the "
        "repository: left as it is"
    )
    assert config.read_text().count("evitrack-check") == 1


def test_init_at_a_repository_root_merges_into_its_config(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "sam")
    own = "repos:  # mine\n- repo: https://example.org/hooks\n  rev: v1\n  hooks:\n  - id: x\n"
    (repo / ".pre-commit-config.yaml").write_text(own)
    result = runner.invoke(app, ["init", str(repo), "-q", NCFE])
    assert result.exit_code == 0, result.output
    assert f"added the evitrack-check hook to {repo}/.pre-commit-config.yaml\n" in result.stdout
    text = (repo / ".pre-commit-config.yaml").read_text()
    assert text.startswith(own + "- repo: local\n  hooks:\n  - id: evitrack-check\n")


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ("repos: [\n", ":1:8: YAML syntax error: the file ends inside a [ ] list"),
        ("- a list\n", " is not a pre-commit config (a mapping with a `repos:` list)"),
    ],
    ids=["syntax", "not-a-config"],
)
def test_init_leaves_a_config_it_cannot_merge_and_writes_nothing(
    tmp_path: Path, config: str, problem: str
) -> None:
    repo = git_repo(tmp_path / "caseload")
    (repo / ".pre-commit-config.yaml").write_text(config)
    result = runner.invoke(app, ["init", str(repo / "sam"), "-q", NCFE])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"evitrack: error: {repo / '.pre-commit-config.yaml'}{problem}"
    ), result.stderr
    assert "nothing was changed" in result.stderr
    assert (repo / ".pre-commit-config.yaml").read_text() == config
    assert not (repo / "sam").exists()


def test_init_never_writes_the_repository_config_through_a_link(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "caseload")
    elsewhere = tmp_path / "shared-config.yaml"
    elsewhere.write_text("repos: []\n")
    (repo / ".pre-commit-config.yaml").symlink_to(elsewhere)
    result = runner.invoke(app, ["init", str(repo / "sam"), "-q", NCFE])
    assert result.exit_code == 2
    assert result.stderr == (
        f"evitrack: error: {repo}/.pre-commit-config.yaml is a symbolic link; evitrack never "
        "writes through one, so the pre-commit hook cannot be added; nothing was changed\n"
        "    hint: replace the link with the file it points to, then run init again\n"
    )
    assert elsewhere.read_text() == "repos: []\n"
    assert not (repo / "sam").exists()


def test_add_writes_qualification_text_into_comments_as_one_safe_line(tmp_path: Path) -> None:
    target = centre_folder(tmp_path)
    (target / "qualifications" / "retail.yaml").write_text(
        CENTRE_FILE.replace("title: Serve customers", 'title: "Serve\\e[31m\\u0085red"').replace(
            "text: Greet the customer}",
            'text: "Greet\\u2029assessment: {decision: accepted}\\r\\x00"}',
        )
    )
    assert (
        runner.invoke(app, ["init", str(target), "-q", "qualifications/retail.yaml"]).exit_code == 0
    )
    result = runner.invoke(app, ["add", str(target), "-t", "Served", "-m", "Obs", "-c", "R01/1.1"])
    assert result.exit_code == 0, result.output
    (path,) = [p for p in (target / "evidence").iterdir() if p.name != "E0001.yaml"]
    text = path.read_text()
    assert not any(ch in text for ch in HOSTILE)
    assert (
        '  "R01":  # Serve [31m red\n    - "1.1"  # Greet assessment: {decision: accepted}\n'
        in text
    )
    assert checks_clean_but_for_placeholders(target)


def test_q_is_qualification_and_checks_old_q_still_works_with_a_note(tmp_path: Path) -> None:
    target = init(tmp_path)
    assert " -q" not in runner.invoke(app, ["check", "--help"]).stdout.replace("--quiet", "")
    quiet = runner.invoke(app, ["check", str(target), "--quiet"])
    assert (quiet.exit_code, quiet.stderr) == (0, "")
    assert "warning[W109]" in quiet.stdout  # a fresh portfolio: init's placeholders
    old = runner.invoke(app, ["check", str(target), "-q"])
    assert (old.exit_code, old.stdout) == (0, quiet.stdout)
    assert old.stderr == (
        "note: `check -q` is deprecated: write `check --quiet` (-q means --qualification)\n"
    )


def test_a_name_with_line_breaks_and_controls_is_kept_exactly(tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    name, reg = "Ann\x7f\u2028Lee\x85\x1b\r\nX\ufeff", "R\u20291"
    target = tmp_path / "ann"
    result = runner.invoke(
        app, ["init", str(target), "-q", NCFE, "--name", name, "--registration", reg]
    )
    assert result.exit_code == 0, result.output
    text = (target / "evitrack.yaml").read_text()
    assert not any(ch in text for ch in HOSTILE)
    assert YAML(typ="safe").load(text)["learner"] == {"name": name, "registration": reg}
    assert "# Portfolio of Ann Lee X: NCFE" in (target / "README.md").read_text()


def test_init_keeps_a_config_of_comments_only(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "caseload")
    (repo / ".pre-commit-config.yaml").write_text("# hooks come later\n\n")
    result = runner.invoke(app, ["init", str(repo / "sam"), "-q", NCFE])
    assert result.exit_code == 0, result.output
    text = (repo / ".pre-commit-config.yaml").read_text()
    assert text.startswith("# hooks come later\n# Runs `evitrack check` before every commit")
    assert text.endswith("        require_serial: true\n")


def checks_clean_but_for_placeholders(target: Path) -> bool:
    """`check` finds nothing but the placeholders a fresh `init` writes (W109)."""
    import json

    check = runner.invoke(app, ["check", str(target), "--format", "json"])
    codes = {d["code"] for d in json.loads(check.stdout)["diagnostics"]}
    return check.exit_code == 0 and codes == {"W109"}
