"""evitrack gaps and evitrack status: one portfolio, a caseload, every format."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from effort import examples
from evitrack.cli import app
from helpers import init_portfolio

runner = CliRunner()
FRAGMENT = "unit-fragment-customer-service-standards"
ENV = {"COLUMNS": "100", "NO_COLOR": "1"}


def unpadded(text: str) -> str:
    """Rich pads a table's title to the table's width: compare without trailing spaces."""
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def init(
    folder: Path,
    name: str = "Tom Whitfield",
    reg: str = "CSS-031",
    qualification: str = FRAGMENT,
    units: str = "",
) -> Path:
    return init_portfolio(folder, qualification, name=name, registration=reg, units=units)


def add(root: Path, title: str, method: str, refs: str, date: str = "2026-03-02") -> None:
    result = runner.invoke(
        app, ["add", str(root), "-t", title, "-m", method, "-c", refs, "--date", date]
    )
    assert result.exit_code == 0, result.output


def assess(root: Path, rid: str, *args: str) -> None:
    result = runner.invoke(
        app, ["assess", rid, str(root), "--assessor", "Helen Carter", "--date", "2026-03-09", *args]
    )
    assert result.exit_code == 0, result.output


@pytest.fixture
def tom(tmp_path: Path) -> Path:
    """A learner part-way through the stand-alone unit, with one of everything."""
    root = init(tmp_path / "tom")
    add(root, "Service standards", "product", "1/1.1,1/1.2")
    assess(root, "E0001", "--accept")
    add(root, "Sustainability plan", "product", "1/2.1")
    assess(root, "E0002", "--refer", "--comment", "Say which environmental issues.")
    add(root, "Duty manager's statement", "witness-testimony", "1/3.1,1/2.2")
    assess(root, "E0003", "--accept")
    add(root, "Team culture", "reflective-account", "1/4.1")
    (root / "evidence" / "E0005-later.yaml").write_text(
        'id: E0005\ntitle: Later\ndate: 2999-01-01\nmethods: [product]\ndescription: ""\n'
        'criteria:\n  "1": ["5.4"]\n'
    )
    return root


TEXT = """\
Tom Whitfield (CSS-031): Customer service standards (stand-alone unit)
4 of 15 criteria accepted; 0 of 1 units complete; rules of combination: 1 of 1 satisfied

1 Customer service standards: 4 of 15 accepted, 3 awaiting assessment, 8 with no evidence
  Outcome 2: Be able to implement sustainable processes for customer satisfaction
    2.1    not yet accepted: E0002 referred
           Define sustainable processes taking into account environmental issues
    2.3    no evidence
           Produce a plan for implementation
    2.4    no evidence
           State customer service standards with relevant key stakeholders
    2.5    no evidence
           Ensure resources are provided to deliver agreed standards of customer service.
  Outcome 4: Be able to manage and develop a culture in own organisation to deliver customer service standards
    4.1    not yet accepted: E0004 not yet assessed
           Evaluate the culture in own organisation
    4.2    no evidence
           Identify techniques for improving motivation amongst employees
    4.3    no evidence
           Describe motivational strategies for improving customer service standards.
  Outcome 5: Be able to monitor customer service levels for continuous improvement
    5.1    no evidence
           Describe methods of measuring customer satisfaction
    5.2    no evidence
           Develop processes for monitoring customer satisfaction, including customer feedback mechanisms
    5.3    no evidence
           Review employee performance to ensure customer service standards and organisational values are met
    5.4    not yet accepted: E0005 not yet assessed
           Analyse and monitor customer service.
  E0002 referred by Helen Carter on 2026-03-09: Say which environmental issues.

Complete units: none yet
Rules of combination: all satisfied
Evidence quality (validity, authenticity, currency, reliability, sufficiency):
  currency: E0005: evidence is dated 2999-01-01, in the future
  reliability: 1/2.2 is evidenced by witness testimony only (E0003)
  reliability: 1/3.1 is evidenced by witness testimony only (E0003)
Award: not complete yet
"""


def test_gaps_text_groups_unmet_criteria_by_outcome_and_says_why(
    tom: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tom)
    result = runner.invoke(app, ["gaps"], env=ENV)
    assert result.exit_code == 1
    assert result.stdout == TEXT
    assert result.stderr == ""


def test_gaps_json_keeps_the_contract(tom: Path) -> None:
    result = runner.invoke(app, ["gaps", str(tom), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    for key in ("qualification", "units", "rules_satisfied", "complete"):
        assert key in data
    assert data["qualification"] == FRAGMENT
    assert (data["rules_satisfied"], data["complete"]) == (True, False)
    [unit] = data["units"]
    assert {
        k: unit[k]
        for k in ("unit", "title", "total", "missing", "evidenced", "accepted", "complete")
    } == {
        "unit": "1",
        "title": "Customer service standards",
        "total": 15,
        "missing": ["2.3", "2.4", "2.5", "4.2", "4.3", "5.1", "5.2", "5.3"],
        "evidenced": ["2.1", "4.1", "5.4"],
        "accepted": ["1.1", "1.2", "2.2", "3.1"],
        "complete": False,
    }
    assert unit["reasons"]["2.1"] == ["E0002 referred: Say which environmental issues."]
    assert [(f["aspect"], f["code"], f["record"]) for f in data["findings"]] == [
        ("currency", "W402", "E0005"),
        ("reliability", "W404", None),
        ("reliability", "W404", None),
    ]
    assert data["problems"] == {"errors": 0, "warnings": 1}


def test_gaps_csv_and_markdown(tom: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tom)
    result = runner.invoke(app, ["gaps", "--format", "csv"])
    assert result.exit_code == 1
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == [
        "path",
        "learner",
        "registration",
        "qualification",
        "unit",
        "outcome",
        "criterion",
        "status",
        "why",
        "detail",
        "text",
    ]
    assert rows[1] == [
        ".",
        "Tom Whitfield",
        "CSS-031",
        FRAGMENT,
        "1",
        "2",
        "2.1",
        "evidenced",
        "not yet accepted",
        "E0002 referred: Say which environmental issues.",
        "Define sustainable processes taking into account environmental issues",
    ]
    assert [r[6] for r in rows[1:]] == [
        "2.1",
        "2.3",
        "2.4",
        "2.5",
        "4.1",
        "4.2",
        "4.3",
        "5.1",
        "5.2",
        "5.3",
        "5.4",
    ]
    result = runner.invoke(app, ["gaps", "--format", "markdown"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:7] == [
        "# Gaps: Tom Whitfield (CSS-031): Customer service standards (stand-alone unit)",
        "",
        "4 of 15 criteria accepted; 0 of 1 units complete; rules of combination: 1 of 1 satisfied",
        "",
        "## 1 Customer service standards: 4 of 15 accepted, 3 awaiting assessment, 8 with no evidence",
        "",
        "| outcome | criterion | why | text |",
    ]
    assert (
        "| 2 | 2.1 | not yet accepted: E0002 referred: Say which environmental issues. | "
        "Define sustainable processes taking into account environmental issues |" in lines
    )
    assert lines[-1] == "**Award: not complete yet**"


def test_gaps_reports_unit_requirements(tmp_path: Path) -> None:
    # SVQ: a candidate report per unit; knowledge items beside performance criteria
    svq = init(
        tmp_path / "svq",
        "Morag Campbell",
        "SVQ-1",
        "cg-svq-customer-service-scqf8",
        "403,813,411,417,814",
    )
    add(svq, "Observed briefing", "observation", "811/1f,811/a")
    assess(svq, "E0001", "--accept")
    data = json.loads(runner.invoke(app, ["gaps", str(svq), "--format", "json"]).stdout)
    u811 = next(u for u in data["units"] if u["unit"] == "811")
    assert (u811["accepted"], u811["total"]) == (["1f", "a"], 21)
    assert u811["requirements"] == [
        {
            "what": "candidate report",
            "satisfied": False,
            "detail": "a candidate report is required: no accepted record with method candidate-report",
            "criterion": None,
        }
    ]
    # EDI: simulation only where the assessment strategy allows it
    edi = init(tmp_path / "edi", "Chloe Adeyemi", "EDI-1", "edi-l2-nvq-customer-service", "CU802")
    add(edi, "Role-play", "Sim", "CU802/1.8")
    assess(edi, "E0001", "--accept")
    result = runner.invoke(app, ["gaps", str(edi)], env=ENV)
    assert (
        "  requirement not met: simulation is not allowed for unit CU802: used by E0001\n"
        in result.stdout
    )
    assert (
        "  validity: unit CU802: simulation is not allowed for unit CU802: used by E0001\n"
        in result.stdout
    )


def caseload(tmp_path: Path) -> Path:
    folder = tmp_path / "caseload"
    a = init(folder / "a-tom", "Tom Whitfield", "CSS-031")
    add(a, "Standards", "product", "1/1.1,1/1.2,1/2.1")
    assess(a, "E0001", "--accept")
    b = init(folder / "b-amy", "Amy Lo", "CSS-032")
    add(b, "Standards", "product", "1/1.1,1/5.4")
    c = init(folder / "c-raj", "Raj Singh", "CSS-033")
    add(c, "All of outcome 5", "observation", "1/5.1,1/5.2,1/5.3,1/5.4,1/1.2")
    assess(c, "E0001", "--accept")
    return folder


def test_gaps_over_a_caseload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = caseload(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["gaps", "caseload", "--format", "json", "--top", "4"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert sorted(data) == ["most_missing", "portfolios"]
    assert [
        (
            p["path"],
            p["learner"]["name"],
            len(p["units"][0]["accepted"]),
            len(p["units"][0]["evidenced"]),
        )
        for p in data["portfolios"]
    ] == [
        ("caseload/a-tom", "Tom Whitfield", 3, 0),
        ("caseload/b-amy", "Amy Lo", 0, 2),
        ("caseload/c-raj", "Raj Singh", 5, 0),
    ]
    for p in data["portfolios"]:
        assert {"qualification", "units", "rules_satisfied", "complete", "path"} <= set(p)
    # 2.2-4.3 are missing everywhere; 1.1 and 5.x are cited somewhere
    assert data["most_missing"] == [
        {"qualification": FRAGMENT, "unit": "1", "criterion": c, "text": t, "count": 3, "of": 3}
        for c, t in [
            ("2.2", "Identify sustainable processes to support customer service standards"),
            ("2.3", "Produce a plan for implementation"),
            ("2.4", "State customer service standards with relevant key stakeholders"),
            (
                "2.5",
                "Ensure resources are provided to deliver agreed standards of customer service.",
            ),
        ]
    ]
    # a single portfolio keeps the single-object contract
    single = json.loads(
        runner.invoke(app, ["gaps", str(folder / "b-amy"), "--format", "json"]).stdout
    )
    assert single["qualification"] == FRAGMENT and "portfolios" not in single
    # several portfolios named one by one are a caseload too
    two = runner.invoke(
        app, ["gaps", str(folder / "a-tom"), str(folder / "c-raj"), "--format", "json"]
    )
    assert [p["learner"]["name"] for p in json.loads(two.stdout)["portfolios"]] == [
        "Tom Whitfield",
        "Raj Singh",
    ]

    result = runner.invoke(app, ["gaps", "caseload", "--top", "2"], env=ENV)
    assert result.exit_code == 1
    assert (
        unpadded(result.stdout)
        == """\
Caseload
┏━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━┓
┃ learner       ┃ qualification            ┃ accepted ┃ units (accepted/total, ✓ complete) ┃ award ┃
┡━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━┩
│ Tom Whitfield │ unit-fragment-customer-s │     3/15 │ 1 3/15                             │ no    │
│ CSS-031       │ ervice-standards         │      20% │                                    │       │
├───────────────┼──────────────────────────┼──────────┼────────────────────────────────────┼───────┤
│ Amy Lo        │ unit-fragment-customer-s │     0/15 │ 1 0/15                             │ no    │
│ CSS-032       │ ervice-standards         │       0% │                                    │       │
├───────────────┼──────────────────────────┼──────────┼────────────────────────────────────┼───────┤
│ Raj Singh     │ unit-fragment-customer-s │     5/15 │ 1 5/15                             │ no    │
│ CSS-033       │ ervice-standards         │      33% │                                    │       │
└───────────────┴──────────────────────────┴──────────┴────────────────────────────────────┴───────┘
Criteria most often missing
┏━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ criterion ┃ missing in ┃ text                                                                 ┃
┡━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ 1/2.2     │ 3 of 3     │ Identify sustainable processes to support customer service standards │
│ 1/2.3     │ 3 of 3     │ Produce a plan for implementation                                    │
└───────────┴────────────┴──────────────────────────────────────────────────────────────────────┘
"""
    )
    result = runner.invoke(app, ["gaps", "caseload", "--format", "csv"])
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert sorted({(r[0], r[1]) for r in rows[1:]}) == [
        ("caseload/a-tom", "Tom Whitfield"),
        ("caseload/b-amy", "Amy Lo"),
        ("caseload/c-raj", "Raj Singh"),
    ]
    result = runner.invoke(app, ["gaps", "caseload", "--format", "markdown", "--top", "1"])
    assert result.stdout.splitlines()[:5] == [
        "# Caseload",
        "",
        "| learner | registration | qualification | accepted | units | award |",
        "|---|---|---|---|---|---|",
        f"| Tom Whitfield | CSS-031 | {FRAGMENT} | 3/15 | 1 3/15 | no |",
    ]


def test_a_broken_portfolio_in_a_caseload_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = caseload(tmp_path)
    (folder / "b-amy" / "evitrack.yaml").write_text("qualification: [oops\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["gaps", "caseload", "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    broken = data["portfolios"][1]
    assert sorted(broken) == ["error", "path"]
    assert broken["path"] == "caseload/b-amy"
    assert broken["error"].startswith("caseload/b-amy/evitrack.yaml:")
    assert "evitrack: caseload/b-amy: cannot be loaded: " in result.stderr
    # one portfolio named: every command refuses it in the same words, exit 2
    refusal = (
        "evitrack: error: the portfolio at caseload/b-amy cannot be used: "
        f"{broken['error']}\n"
        "    hint: run `evitrack check` to see every problem and how to fix it\n"
    )
    for command in ("gaps", "status", "plan", "matrix", "claim"):
        result = runner.invoke(app, [command, "caseload/b-amy"])
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", refusal), command
    result = runner.invoke(app, ["gaps", "nowhere"])
    assert result.exit_code == 2
    assert result.stderr == "evitrack: error: nowhere: no such file or folder\n"


STATUS = """\
Tom Whitfield (CSS-031): Customer service standards (stand-alone unit)
unit ┃ title                      ┃ progress             ┃ accepted ┃ done
━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━
1    │ Customer service standards │ █████▒▒▒▒··········· │     4/15 │
█ accepted  ▒ awaiting assessment  · no evidence yet
Rules of combination: 1 of 1 satisfied
  ✓ R1: the mandatory unit is taken
Evidence quality: 3 findings (see `evitrack gaps`)
Award: not complete yet; 4/15 criteria accepted (26%), 0/1 units complete
"""


def test_status(tom: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tom / "files")
    result = runner.invoke(app, ["status"], env=ENV)
    assert result.exit_code == 0
    assert unpadded(result.stdout) == STATUS
    data = json.loads(runner.invoke(app, ["status", "--format", "json"]).stdout)
    assert data["units"] == [
        {
            "unit": "1",
            "title": "Customer service standards",
            "total": 15,
            "accepted": 4,
            "evidenced": 3,
            "missing": 8,
            "complete": False,
            "requirements_unmet": [],
        }
    ]
    assert (data["accepted"], data["total"], data["complete"], data["findings"]) == (
        4,
        15,
        False,
        3,
    )
    md = runner.invoke(app, ["status", "--format", "markdown"]).stdout
    assert "| 1 | Customer service standards | █████▒▒▒▒··········· | 4/15 | no |" in md
    csv_out = runner.invoke(app, ["status", "--format", "csv"]).stdout
    assert csv_out == (
        "unit,title,total,accepted,evidenced,missing,complete\n"
        "1,Customer service standards,15,4,3,8,no\n"
    )


def test_status_marks_complete_units_and_unmet_requirements(tmp_path: Path) -> None:
    root = init(tmp_path / "p")
    refs = ",".join(
        f"1/{c}"
        for c in (
            "1.1",
            "1.2",
            "2.1",
            "2.2",
            "2.3",
            "2.4",
            "2.5",
            "3.1",
            "4.1",
            "4.2",
            "4.3",
            "5.1",
            "5.2",
            "5.3",
            "5.4",
        )
    )
    add(root, "All", "product", refs)
    assess(root, "E0001", "--accept")
    result = runner.invoke(app, ["status", str(root)], env=ENV)
    assert "│ ████████████████████ │    15/15 │ ✓" in result.stdout
    assert result.stdout.endswith(
        "Award: complete; 15/15 criteria accepted (100%), 1/1 units complete\n"
    )


def test_commands_that_go_on_name_the_files_with_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = Path(__file__).parent / "cases" / "check" / "01_clean"
    root = tmp_path / "p"
    shutil.copytree(clean, root, ignore=shutil.ignore_patterns("expected.txt"))
    template = (root / "evidence" / "E0001.yaml").read_text().replace('"1.2"', '"1.9"')
    for i in range(1, 6):
        (root / "evidence" / f"E000{i}.yaml").write_text(template.replace("E0001", f"E000{i}"))
    monkeypatch.chdir(root)
    note = (
        "note: 5 errors in the portfolio; what they affect is left out:\n"
        + "".join(
            f'  evidence/E000{i}.yaml:8:17: error[E203]: unit 09 has no criterion "1.9"\n'
            for i in range(1, 4)
        )
        + "  ... and 2 more\n"
        "    hint: run `evitrack check` to see every problem and how to fix it\n"
    )
    for command in (["gaps"], ["status"], ["matrix", "-f", "markdown"]):
        result = runner.invoke(app, command)
        assert result.exit_code == (1 if command == ["gaps"] else 0), command
        assert result.stderr == note, command
    # a caseload: one line per portfolio, the hint once
    shutil.copytree(root, tmp_path / "q")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["gaps", "p", "q", "--format", "json"])
    assert result.exit_code == 1
    assert result.stderr == (
        'note: p: 5 errors, the first: p/evidence/E0001.yaml:8:17: error[E203]: unit 09 has no criterion "1.9"\n'
        'note: q: 5 errors, the first: q/evidence/E0001.yaml:8:17: error[E203]: unit 09 has no criterion "1.9"\n'
        "    hint: run `evitrack check` to see every problem and how to fix it\n"
    )


def test_a_caseload_csv_keeps_every_learner_and_a_learner_in_two_folders_is_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = caseload(tmp_path)
    (folder / "b-amy" / "evitrack.yaml").write_text("qualification: [oops\n")
    shutil.copytree(folder / "a-tom", folder / "d-tom-copy")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["gaps", "caseload", "--format", "csv"])
    assert result.exit_code == 1
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert sorted({r[0] for r in rows[1:]}) == [
        "caseload/a-tom",
        "caseload/b-amy",
        "caseload/c-raj",
        "caseload/d-tom-copy",
    ]
    broken = [r for r in rows if r[0] == "caseload/b-amy"]
    assert broken == [
        [
            "caseload/b-amy",
            "",
            "",
            "",
            "",
            "",
            "",
            "error",
            "cannot be loaded",
            "caseload/b-amy/evitrack.yaml:1:16: error[E002]: YAML syntax error: the file ends "
            "inside a [ ] list that starts here",
            "",
        ]
    ]
    md = runner.invoke(app, ["gaps", "caseload", "--format", "markdown"]).stdout
    assert "| Tom Whitfield (caseload/a-tom) | CSS-031 |" in md
    assert "| Tom Whitfield (caseload/d-tom-copy) | CSS-031 |" in md
    assert "| Raj Singh | CSS-033 |" in md
    text = runner.invoke(app, ["gaps", "caseload"], env=ENV).stdout
    assert "(caseload/d-tom-copy)" in text and "(caseload/c-raj)" not in text


@pytest.mark.parametrize("lines", [True, False])
@pytest.mark.parametrize("width", [50, 80, 120, 200])
def test_the_caseload_table_drawn_without_rich_s_layout_is_rich_s(width: int, lines: bool) -> None:
    """Where no styles are shown the caseload table is drawn from rich's widths, header
    and rules without laying out every cell through rich: the same characters, also for
    wide characters, long words, tabs, spaces at the ends, brackets and empty cells."""
    import io
    import random

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from evitrack.cli.gaps import _plain_table

    names = ["Amy", "李小龍 Bruce Lee", "A" * 60, "Zoë  O'Brien ", " lead", "x\ty", ""]
    names += ["a long name with many words in it, longer than the column", "[bold]no[/bold]"]

    def table() -> Table:
        rng = random.Random(width)
        t = Table(title="Caseload", title_justify="left", show_lines=lines)
        t.add_column("learner", overflow="fold")
        t.add_column("qualification", overflow="fold", max_width=24)
        t.add_column("accepted", justify="right", no_wrap=True)
        t.add_column("units (accepted/total, ✓ complete)", overflow="fold")
        t.add_column("award", no_wrap=True)
        for i in range(40):
            units = "  ".join(
                f"{u:02d} ✓" if rng.random() < 0.3 else f"{u:02d} {rng.randint(0, 9)}/12"
                for u in range(rng.randint(0, 15))
            )
            who = f"{rng.choice(names)}\nR{i:05d}" + ("\n(folder/x)" if i % 4 == 0 else "")
            qualification = rng.choice(["q", "ncfe-l3-diploma-customer-service", "x" * 40])
            t.add_row(Text(who), Text(qualification), f"{i}/{i * 3}\n{i}%", Text(units), "no")
        return t

    def console() -> Console:
        return Console(
            file=io.StringIO(), width=width, highlight=False, soft_wrap=False, color_system=None
        )

    by_rich, ours = console(), console()
    by_rich.print(table())
    assert _plain_table(ours, table())
    assert ours.file.getvalue() == by_rich.file.getvalue()  # type: ignore[attr-defined]


@settings(deadline=None, max_examples=examples(300))  # rich is imported on the first example
@given(
    text=st.lists(
        st.sampled_from(["a", "b", " ", "\n", "\t", "李", "✓", "é", "\u00a0", "\u3000", "x" * 9]),
        max_size=40,
    ).map("".join),
    inner=st.integers(1, 24),
    justify=st.sampled_from(["left", "right"]),
    no_wrap=st.booleans(),
    overflow=st.sampled_from(["fold", "crop", "ellipsis"]),
)
def test_a_caseload_cell_is_wrapped_as_rich_wraps_it(
    text: str, inner: int, justify: str, no_wrap: bool, overflow: str
) -> None:
    """Plain text, wrapped without rich's layout, has the lines rich's `Text.wrap` gives."""
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Column
    from rich.text import Text

    from evitrack.cli.gaps import _shape

    out = Console(file=io.StringIO(), width=80, color_system=None)
    column = Column(justify=justify, overflow=overflow, no_wrap=no_wrap)  # type: ignore[arg-type]
    by_rich = Text(text).wrap(out, inner, justify=justify, overflow=overflow, no_wrap=no_wrap)  # type: ignore[arg-type]
    assert _shape(out, Text(text), column, inner) == [
        line.plain + " " * (inner - cell_len(line.plain)) for line in by_rich
    ]


@pytest.mark.slow
def test_a_caseload_large_enough_for_the_pool_answers_as_each_of_its_portfolios_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sixteen portfolios are loaded on several processes (`parallel.POOL_FROM`): check and
    gaps over the caseload say, in order, what each says alone."""
    from evitrack.parallel import POOL_FROM

    example = Path(__file__).parents[1] / "examples" / "caseload-riverside" / "jade-morris"
    names = [f"learner-{i:02d}" for i in range(POOL_FROM)]
    for name in names:
        shutil.copytree(example, tmp_path / "caseload" / name)
    record = sorted((tmp_path / "caseload" / "learner-07" / "evidence").glob("*.yaml"))[0]
    record.write_text(record.read_text().replace("title:", "titel:", 1))
    monkeypatch.chdir(tmp_path)

    def json_of(*args: str) -> Any:
        return json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)

    together = json_of("check", "caseload")["diagnostics"]
    alone = [d for n in names for d in json_of("check", f"caseload/{n}")["diagnostics"]]
    assert together == alone
    assert together and all(d["file"].startswith("caseload/learner-07/") for d in together)
    gaps = json_of("gaps", "caseload")["portfolios"]
    assert [g["path"] for g in gaps] == [f"caseload/{n}" for n in names]
    for shown, name in zip(gaps, names, strict=True):
        assert shown["findings"] == json_of("gaps", f"caseload/{name}")["findings"], name
