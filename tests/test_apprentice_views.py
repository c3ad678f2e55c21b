"""KSBs where a learner and a provider look: `add --ksbs`, `status`, `matrix --form ksb`.

Built on the helpers of test_apprenticeship.py: a Diploma apprentice on the shipped
Customer Service Specialist standard, records written with `evitrack add`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evitrack.cli import app
from test_apprenticeship import DIPL, accept, portfolio, unit_criteria

runner = CliRunner()


def cli(*args: str, code: int = 0):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (args, result.output)
    return result


def add(root: Path, refs: str, *extra: str) -> str:
    """`evitrack add` a record on 2 March 2026; its path as printed."""
    result = cli(
        "add",
        str(root),
        "-t",
        "Evidence",
        "-m",
        "product",
        "-c",
        refs,
        "--date",
        "2026-03-02",
        *extra,
    )
    return result.stdout.strip()


@pytest.fixture
def apprentice(tmp_path: Path) -> Path:
    """K1 accepted (E0001); S6 and B11 evidenced (E0002); unit 7 covered (E0003): S5, S7, S9
    through it."""
    root = portfolio(tmp_path / "aisha")
    add(root, "1/1.1", "--ksbs", "K1")
    accept(root, "E0001")
    add(root, "5/1.1", "--ksbs", "S6", "--ksbs", "B11")
    add(root, ",".join(f"7/{c}" for c in unit_criteria(DIPL, "7")))
    return root


# ---- add --ksbs ------------------------------------------------------------------------


def test_add_ksbs_writes_each_with_its_title(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = portfolio(tmp_path / "p")
    monkeypatch.chdir(tmp_path)
    result = cli(
        "add",
        "p",
        "-t",
        "Observed at the counter",
        "-m",
        "O",
        "-c",
        "5/1.1",
        "--date",
        "2026-03-02",
        "--ksbs",
        "S6, 11",
        "--ksbs",
        "K1,S6",
    )
    assert result.stdout == "p/evidence/E0001-observed-at-the-counter.yaml\n"
    assert result.stderr == "added E0001: 1 criterion, 3 KSBs\n"
    text = (root / "evidence" / "E0001-observed-at-the-counter.yaml").read_text()
    assert text.split("criteria:\n", 1)[1].split("# Attach", 1)[0] == (
        '  "5":  # Delivering Solution-focused Customer Service\n'
        '    - "1.1"  # Identify when customer issues, problems and complaints impact the '
        "customer and the orga…\n"
        "# The apprenticeship standard's KSBs this evidence shows.\n"
        "ksbs:\n"
        '  - "S6"  # Providing a positive customer experience\n'
        '  - "B11"  # Ownership/ responsibility\n'  # the alias "11", written by its id
        '  - "K1"  # Business knowledge and understanding\n'
    )
    checked = cli("check", str(root), "--format", "json")
    # hours behind and no minimum entered (W709 twice), no progress review yet (W710), and
    # the planned end passed with KSBs no record cites (W713)
    codes = [d["code"] for d in json.loads(checked.stdout)["diagnostics"]]
    assert codes == ["W709", "W709", "W710", "W713"]
    gaps = json.loads(cli("gaps", str(root), "--format", "json", code=1).stdout)
    assert {k["ksb"]: k["records"] for k in gaps["ksbs"] if k["records"]} == {
        "K1": ["E0001"],
        "S6": ["E0001"],
        "B11": ["E0001"],
    }


@pytest.mark.parametrize(
    ("ksbs", "message"),
    [
        (
            "K1,S66",
            "evitrack: error: the apprenticeship standard customer-service-specialist "
            'has no KSB "S66"\n    hint: did you mean "S6"?\n',
        ),
        (
            "k1",
            "evitrack: error: the apprenticeship standard customer-service-specialist "
            'has no KSB "k1"\n    hint: did you mean "K1"?\n',
        ),
        (
            "Q99",
            "evitrack: error: the apprenticeship standard customer-service-specialist "
            'has no KSB "Q99"\n    hint: its KSBs: K1, K2, K3, K4, S5, S6, S7, S8, S9, B10, '
            "B11, B12, B13, B14\n",
        ),
    ],
)
def test_add_an_unknown_ksb_is_refused_and_nothing_written(
    tmp_path: Path, ksbs: str, message: str
) -> None:
    root = portfolio(tmp_path / "p")
    result = runner.invoke(
        app,
        [
            "add",
            str(root),
            "-t",
            "T",
            "-m",
            "O",
            "-c",
            "5/1.1",
            "--date",
            "2026-03-02",
            "--ksbs",
            ksbs,
        ],
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message
    assert list((root / "evidence").iterdir()) == []


def test_add_ksbs_in_a_portfolio_that_is_not_an_apprenticeship(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p", apprenticeship="")
    result = runner.invoke(
        app,
        [
            "add",
            str(root),
            "-t",
            "T",
            "-m",
            "O",
            "-c",
            "5/1.1",
            "--date",
            "2026-03-02",
            "--ksbs",
            "K1",
        ],
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "evitrack: error: --ksbs: this portfolio is not an apprenticeship (evitrack.yaml has "
        "no `apprenticeship:`, or its standard cannot be loaded)\n"
        "    hint: add `apprenticeship:` with its `standard:` and `start:` to evitrack.yaml "
        "(`evitrack check` says what is wrong with it), or leave out --ksbs\n"
    )
    assert list((root / "evidence").iterdir()) == []


# ---- status ------------------------------------------------------------------------------


def test_status_text_shows_the_ksbs_under_the_units(apprentice: Path) -> None:
    result = cli("status", str(apprentice))
    tail = result.stdout.split("  ✓ R3: all 8 mandatory units are taken\n", 1)[1]
    assert tail == (
        "KSBs: 1 of 14 accepted, 2 evidenced, 3 through units only, 8 missing\n"
        "  missing: K2, K3, K4, S8, B10, B12, B13, B14 (see `evitrack gaps`)\n"
        "Award: not complete yet; 1/149 criteria accepted (0%), 0/8 units complete\n"
    )


def test_status_json_adds_ksbs_and_keeps_every_key(apprentice: Path) -> None:
    data = json.loads(cli("status", str(apprentice), "--format", "json").stdout)
    assert list(data) == [
        "qualification",
        "learner",
        "units",
        "accepted",
        "total",
        "units_complete",
        "rules",
        "rules_satisfied",
        "findings",
        "complete",
        "ksbs",
    ]
    assert data["ksbs"] == {
        "standard": "customer-service-specialist",
        "total": 14,
        "accepted": 1,
        "evidenced": 2,
        "unit": 3,
        "missing": 8,
        "missing_ids": ["K2", "K3", "K4", "S8", "B10", "B12", "B13", "B14"],
    }


def test_status_markdown_and_csv(apprentice: Path) -> None:
    md = cli("status", str(apprentice), "--format", "markdown").stdout
    assert md.split("## KSBs\n\n", 1)[1] == (
        "1 of 14 accepted, 2 evidenced, 3 through units only, 8 missing\n\n"
        "Missing:\n\n"
        "- K2 Customer journey knowledge\n"
        "- K3 Knowing your customers and their needs/customer insight\n"
        "- K4 Customer service culture and environment awareness\n"
        "- S8 Customer service performance\n"
        "- B10 Develop self\n"
        "- B12 Team working\n"
        "- B13 Equality\n"
        "- B14 Presentation\n\n"
        "Award: not complete yet; 1/149 criteria accepted (0%), 0/8 units complete\n"
    )
    csv_out = cli("status", str(apprentice), "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "unit,title,total,accepted,evidenced,missing,complete,kind,status"
    assert (
        csv_out[1]
        == "1,Understanding the Customer Service Environment,20,1,0,19,no,unit,in progress"
    )
    assert csv_out[9:] == [
        "K1,Business knowledge and understanding,,,,,yes,knowledge,accepted",
        "K2,Customer journey knowledge,,,,,no,knowledge,missing",
        "K3,Knowing your customers and their needs/customer insight,,,,,no,knowledge,missing",
        "K4,Customer service culture and environment awareness,,,,,no,knowledge,missing",
        "S5,Business focused service delivery,,,,,no,skill,unit",
        "S6,Providing a positive customer experience,,,,,no,skill,evidenced",
        "S7,Working with your customers/customer insights,,,,,no,skill,unit",
        "S8,Customer service performance,,,,,no,skill,missing",
        "S9,Service improvement,,,,,no,skill,unit",
        "B10,Develop self,,,,,no,behaviour,missing",
        "B11,Ownership/ responsibility,,,,,no,behaviour,evidenced",
        "B12,Team working,,,,,no,behaviour,missing",
        "B13,Equality,,,,,no,behaviour,missing",
        "B14,Presentation,,,,,no,behaviour,missing",
    ]


def test_status_of_a_portfolio_that_is_not_an_apprenticeship_is_unchanged(
    tmp_path: Path,
) -> None:
    root = portfolio(tmp_path / "p", apprenticeship="")
    add(root, "5/1.1")
    assert "ksbs" not in json.loads(cli("status", str(root), "--format", "json").stdout)
    assert "KSB" not in cli("status", str(root)).stdout
    assert "KSB" not in cli("status", str(root), "--format", "markdown").stdout
    csv_out = cli("status", str(root), "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "unit,title,total,accepted,evidenced,missing,complete"
    assert len(csv_out) == 9 and not any(re.match(r"[KSB]\d", line) for line in csv_out)


# ---- matrix --form ksb -----------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "ext"), [("html", "html"), ("markdown", "md")])
def test_ksb_mapping_matches_golden(
    apprentice: Path, fmt: str, ext: str, update_golden: bool
) -> None:
    from test_render import golden

    result = cli("matrix", str(apprentice), "--form", "ksb", "--format", fmt)
    assert result.stderr == ""
    golden(f"apprentice-ksb.{ext}", result.stdout, update_golden)


def test_ksb_mapping_says_how_each_ksb_is_evidenced(apprentice: Path) -> None:
    md = cli("matrix", str(apprentice), "--form", "ksb", "--format", "markdown").stdout
    s5 = md.split("### S5 ", 1)[1].split("### S6 ", 1)[0]
    assert s5.split("Status:", 1)[1] == (
        " **Covered through a mapped unit**\n\n"
        "Mapped units: unit 6 Managing Challenging Customers and Situations; unit 7 "
        "Influencing Change and Improvement in Customer Service (covered).\n\n"
        "Through unit 7's criteria:\n\n"
        "- E0003 Evidence (2026-03-02; not yet assessed)\n\n"
    )
    k1 = md.split("### K1 ", 1)[1].split("### K2 ", 1)[0]
    assert k1.split("Status:", 1)[1] == (
        " **Accepted**\n\n"
        "Mapped units: unit 1 Understanding the Customer Service Environment; unit 3 "
        "Understanding Continuous Improvement in Customer Service; unit 4 Understanding "
        "Personal Effectiveness in a Customer Service Work Environment; unit 8 Managing "
        "Personal Effectiveness in a Customer Service Specialist Job Role.\n\n"
        "Cited directly:\n\n"
        "- E0001 Evidence (2026-03-02; accepted by Lisa Grant on 2026-03-09)\n\n"
        "Through unit 1's criteria:\n\n"
        "- E0001 Evidence (2026-03-02; accepted by Lisa Grant on 2026-03-09)\n\n"
    )
    assert "KSBs: 1 of 14 accepted, 2 evidenced and awaiting assessment, 3 covered only " in md


def test_ksb_mapping_escapes_record_text(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    cli(
        "add",
        str(root),
        "-t",
        "<b>bold</b> | *x*",
        "-m",
        "O",
        "-c",
        "5/1.1",
        "--date",
        "2026-03-02",
        "--ksbs",
        "S6",
    )
    html = cli("matrix", str(root), "--form", "ksb").stdout
    assert "<li>E0001 &lt;b&gt;bold&lt;/b&gt; | *x* (2026-03-02; not yet assessed)</li>" in html
    assert "<b>bold" not in html
    md = cli("matrix", str(root), "--form", "ksb", "--format", "markdown").stdout
    assert "- E0001 \\<b\\>bold\\</b\\> \\| \\*x\\* (2026-03-02; not yet assessed)\n" in md


def test_ksb_mapping_refused_for_a_portfolio_that_is_not_an_apprenticeship(
    tmp_path: Path,
) -> None:
    root = portfolio(tmp_path / "p", apprenticeship="")
    out = tmp_path / "ksb.html"
    result = runner.invoke(app, ["matrix", str(root), "--form", "ksb", "-o", str(out)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "evitrack: error: the KSB mapping is for an apprenticeship: this portfolio's "
        "evitrack.yaml has no `apprenticeship:` (or its standard cannot be loaded)\n"
        "    hint: add `apprenticeship:` with its `standard:` and `start:` to evitrack.yaml "
        "(`evitrack check` says what is wrong with it)\n"
    )
    assert not out.exists()


def test_ksb_mapping_takes_no_units(apprentice: Path) -> None:
    result = runner.invoke(app, ["matrix", str(apprentice), "--form", "ksb", "--unit", "5"])
    assert result.exit_code == 2
    assert result.stderr == (
        "evitrack: error: --unit does not apply to the KSB mapping: it maps every KSB of the "
        "standard\n    hint: leave out --unit\n"
    )


# ---- otj add --logged ------------------------------------------------------------------


def test_otj_add_logged_records_when_the_entry_was_first_written(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    args = ["otj", "add", str(root), "--date", "2025-10-01", "--hours", "3"]
    args += ["--activity", "Complaints workshop", "--type", "training"]
    cli(*args, "--logged", "2025-11-20", "--confirmed-by", "Imran Shah")
    assert (root / "otj" / "2025-10-01-1.yaml").read_text() == (
        "- date: 2025-10-01\n"
        "  hours: 3\n"
        '  activity: "Complaints workshop"\n'
        "  type: training\n"
        "  logged: 2025-11-20\n"
        '  confirmed_by: "Imran Shah"\n'
    )
    checked = json.loads(cli("check", str(root), "--format", "json").stdout)["diagnostics"]
    late = [d for d in checked if d["code"] == "W706"]
    assert [(d["line"], d["message"]) for d in late] == [
        (5, "logged 50 days after the training (more than 30; settings.otj_late_days)")
    ]


@pytest.mark.parametrize(
    ("logged", "message"),
    [
        (
            "2025-09-30",
            "evitrack: error: --logged 2025-09-30 is before the training\n"
            "    hint: give the day the entry was first recorded, from 2025-10-01 to today\n",
        ),
        (
            "2999-01-01",
            "evitrack: error: --logged 2999-01-01 is in the future\n"
            "    hint: give the day the entry was first recorded, from 2025-10-01 to today\n",
        ),
        (
            "1 Oct",
            'evitrack: error: --logged "1 Oct" is not a date in the form YYYY-MM-DD\n',
        ),
    ],
)
def test_otj_add_refuses_a_logged_day_that_cannot_be(
    tmp_path: Path, logged: str, message: str
) -> None:
    root = portfolio(tmp_path / "p")
    args = ["otj", "add", str(root), "--date", "2025-10-01", "--hours", "3"]
    args += ["--activity", "Complaints workshop", "--type", "training", "--logged", logged]
    result = cli(*args, code=2)
    assert result.stderr == message
    assert not (root / "otj").exists()


# ---- the worked example: Aisha Rahman, apprentice ---------------------------------------

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pearson-diploma-aisha-rahman"


@pytest.fixture
def aisha(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "aisha"  # tests never write into the examples
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".evitrack-cache"))
    return root


@pytest.mark.slow
def test_the_example_apprentice_is_part_way(aisha: Path) -> None:
    gaps = json.loads(cli("gaps", str(aisha), "--format", "json", code=1).stdout)
    assert {k["ksb"]: (k["status"], k["records"]) for k in gaps["ksbs"]} == {
        "K1": ("evidenced", ["E0005"]),  # the referred assignment
        "K2": ("accepted", ["E0002", "E0004"]),
        "K3": ("missing", []),
        "K4": ("evidenced", ["E0005"]),
        "S5": ("accepted", ["E0002"]),
        "S6": ("accepted", ["E0001"]),
        "S7": ("missing", []),
        "S8": ("accepted", ["E0003", "E0004"]),
        "S9": ("missing", []),
        "B10": ("missing", []),
        "B11": ("accepted", ["E0001", "E0003"]),
        "B12": ("accepted", ["E0002"]),
        "B13": ("accepted", ["E0001"]),
        "B14": ("missing", []),
    }
    status = json.loads(cli("status", str(aisha), "--format", "json").stdout)
    assert status["ksbs"] == {
        "standard": "customer-service-specialist",
        "total": 14,
        "accepted": 7,
        "evidenced": 2,
        "unit": 0,
        "missing": 5,
        "missing_ids": ["K3", "S7", "S9", "B10", "B14"],
    }
    otj = json.loads(cli("otj", "status", str(aisha), "--format", "json", code=1).stdout)
    # what is due by today grows with the days; the rest is the log's
    assert otj["expected_to_date"] > otj["actual_hours"]
    assert {k: otj[k] for k in ("rule_id", "planned_hours", "minimum_hours", "actual_hours")} == {
        "rule_id": "otj-6-hours",  # started 2025-07-28, before 1 August 2025
        "planned_hours": 360,
        "minimum_hours": 350.5,  # 25 paid hours a week: 5 hours a week, leave excluded
        "actual_hours": 243.5,  # the progress review's 1.5 hours left out
    }
    assert (otj["entries"], otj["on_track"]) == (44, False)
    assert [(w["code"], w["where"]) for w in otj["warnings"]] == [
        ("W708", "otj/2025-12-03-1.yaml:4"),
        ("W707", "otj/2026-02-24-1.yaml:1"),
        ("W706", "otj/2026-09-22-1.yaml:6"),
        ("W709", "otj"),
    ]


def test_the_example_ksb_mapping(aisha: Path) -> None:
    md = cli("matrix", str(aisha), "--form", "ksb", "--format", "markdown").stdout
    assert (
        "KSBs: 7 of 14 accepted, 2 evidenced and awaiting assessment, 0 covered only through "
        "a mapped unit, 5 missing.\n"
    ) in md
    b14 = md.split("### B14 ", 1)[1].split("\n\n|", 1)[0]
    assert b14.split("Status:", 1)[1] == (
        " **Missing**\n\n"
        "Mapped units: unit 8 Managing Personal Effectiveness in a Customer Service Specialist "
        "Job Role."
    )


# ---- the README's worked example ---------------------------------------------------------


@pytest.mark.slow
def test_the_readme_apprentice_commands_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex
    import shutil

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Apprentices: a worked example\n", 1)[1].split("\n## ", 1)[0]
    lines = [
        line
        for block in re.findall(r"```sh\n(.*?)```", section, re.S)
        for line in block.splitlines()
    ]
    assert lines[0] == "cp -r examples/pearson-diploma-aisha-rahman aisha && cd aisha"
    shutil.copytree(EXAMPLE, tmp_path / "aisha", ignore=shutil.ignore_patterns(".evitrack-*"))
    monkeypatch.chdir(tmp_path / "aisha")
    try:
        import weasyprint  # noqa: F401

        pdf = True
    except (ImportError, OSError):  # the optional extra evitrack[pdf] is not usable here
        pdf = False
    codes = []
    for line in lines[1:]:
        words = shlex.split(line)
        assert words[0] == "evitrack"
        if "pdf" in words and not pdf:
            continue
        result = runner.invoke(app, words[1:])
        codes.append(result.exit_code)
        assert result.exit_code in (0, 1), (line, result.output)
    # otj status exits 1 (the hours are behind), gaps 1 (criteria are missing)
    assert codes == [0, 1, 0, 1, 0, 0] + ([0] if pdf else [])
    added = json.loads(runner.invoke(app, ["gaps", "--format", "json"]).stdout)["ksbs"]
    assert {k["ksb"]: k["records"] for k in added if k["ksb"] in ("K3", "S7")} == {
        "K3": ["E0006"],
        "S7": ["E0006"],
    }
    assert Path("ksb-mapping.html").read_text().startswith("<!DOCTYPE html>")


@pytest.mark.slow
def test_the_example_ksb_mapping_as_pdf(aisha: Path, tmp_path: Path) -> None:
    from test_pdf import NO_POPPLER, NO_WEASYPRINT, info, pdftext

    if NO_WEASYPRINT or NO_POPPLER:
        pytest.skip(NO_WEASYPRINT or NO_POPPLER)
    out = tmp_path / "ksb.pdf"
    cli("matrix", str(aisha), "--form", "ksb", "--format", "pdf", "-o", str(out))
    meta = info(out)
    # looked at (pdftoppm -png -r 70): K1-K2, K3-K4 and S5, S6-S7, S8-S9, B10-B14, then the
    # signatures, kept whole on a page of their own; a group's header repeated on its
    # continued pages
    assert (meta["Pages"], meta["Page size"]) == ("6", "841.89 x 595.276 pts (A4)")
    assert meta["Title"] == "KSB mapping – Aisha Rahman (PB-2026-1172)"
    text = pdftext(out)
    for n in range(1, 7):
        assert f"Page {n} of 6" in text
    assert text.count("KSB mapping – Pearson BTEC Level 3 Diploma") == 6  # the running header


def test_add_on_a_terminal_asks_an_apprentice_for_ksbs(tmp_path: Path) -> None:
    from test_add import run_on_a_terminal

    root = portfolio(tmp_path / "p")
    answers = [
        "Observed at the counter",  # title
        "2026-03-02",  # date
        "O",  # methods
        "5/1.1",  # criteria
        "S66",  # KSBs: not the standard's, asked again
        "S6,B11",  # KSBs
        "",  # files
        "",  # description
    ]
    output, code = run_on_a_terminal(["add"], root, answers)
    assert code == 0, output
    assert output.split("Criteria (UNIT/ID, comma-separated): ", 1)[1] == (
        "KSBs this evidence shows (e.g. K1,S6; Enter for none): "
        '  the apprenticeship standard customer-service-specialist has no KSB "S66" '
        '(did you mean "S6"?)\n'
        "KSBs this evidence shows (e.g. K1,S6; Enter for none): Files under files/ to attach "
        "(comma-separated, Enter for none): Description (one paragraph; edit the file for "
        "more): evidence/E0001-observed-at-the-counter.yaml\n"
        "added E0001: 1 criterion, 2 KSBs\n"
    )
    text = (root / "evidence" / "E0001-observed-at-the-counter.yaml").read_text()
    assert '\nksbs:\n  - "S6"  # Providing a positive customer experience\n' in text


def test_ksbs_complete_from_the_portfolios_standard(
    apprentice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evitrack.cli import _complete

    assert _complete.ksb_ids("s", apprentice) == [
        ("S5", "Business focused service delivery"),
        ("S6", "Providing a positive customer experience"),
        ("S7", "Working with your customers/customer insights"),
        ("S8", "Customer service performance"),
        ("S9", "Service improvement"),
    ]
    assert [k for k, _ in _complete.ksb_ids("K1,K", apprentice)] == ["K1,K2", "K1,K3", "K1,K4"]
    assert _complete.ksb_ids("", apprentice.parent) == []  # no portfolio here
    plain = portfolio(apprentice.parent / "plain", apprenticeship="")
    assert _complete.ksb_ids("", plain) == []  # not an apprenticeship: nothing, no error
    monkeypatch.chdir(apprentice)
    for words in ("evitrack add --ksbs B1", "evitrack otj add --ksbs B1"):
        result = runner.invoke(
            app,
            [],
            prog_name="evitrack",
            env={
                "_EVITRACK_COMPLETE": "complete_bash",
                "COMP_WORDS": words,
                "COMP_CWORD": str(len(words.split()) - 1),
            },
        )
        assert (result.exit_code, result.stdout) == (0, "B10\nB11\nB12\nB13\nB14\n"), words


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from evitrack.records import load_portfolio

    return load_portfolio(portfolio(tmp_path_factory.mktemp("p") / "p"))[0]


def test_cited_ksbs_by_id_or_alias_each_once_in_order(loaded) -> None:  # type: ignore[no-untyped-def]
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from effort import examples
    from evitrack.apprenticeship.ksbs import cited
    from evitrack.errors import UserError

    std = loaded.apprenticeship.standard
    by_ref = {ref: k.id for k in std.ksbs for ref in (k.id, *k.aliases)}

    @settings(max_examples=examples(200), deadline=None)
    @given(st.lists(st.sampled_from(sorted(by_ref)) | st.text(max_size=4), max_size=8))
    def prop(refs: list[str]) -> None:
        if all(r in by_ref for r in refs):
            got = cited(loaded, refs)
            assert [kid for kid, _ in got] == list(dict.fromkeys(by_ref[r] for r in refs))
            assert all(title == " ".join(std.ksb(kid).title.split()) for kid, title in got)
        else:
            with pytest.raises(UserError) as e:
                cited(loaded, refs)
            wrong = next(r for r in refs if r not in by_ref)
            assert e.value.message.endswith(f'has no KSB "{wrong}"')

    prop()
