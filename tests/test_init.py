"""evitrack init: a portfolio a learner can start from, never overwriting one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evitrack.cli import app

runner = CliRunner()
NCFE = "ncfe-l3-diploma-customer-service"


def init(tmp_path: Path, *extra: str) -> Path:
    target = tmp_path / "sam"
    result = runner.invoke(
        app,
        [
            "init",
            str(target),
            "--qualification",
            NCFE,
            "--name",
            "Sam Patel",
            "--registration",
            "NC12345",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return target


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
        "./E0001.yaml:8:14: warning[W109]: this record still holds the sample text that "
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
