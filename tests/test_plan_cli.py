"""`evitrack plan` through the real CLI: the JSON contract, exit codes, errors, the plan.

Small qualifications are written as files inside portfolios in tmp_path (a
portfolio may name a qualification file by relative path); the NCFE portfolio
is started with `evitrack init`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evitrack.cli import app

runner = CliRunner()
NCFE = "ncfe-l3-diploma-customer-service"
SVQ = "cg-svq-customer-service-scqf8"
A = ["01", "02", "03", "04", "05", "06"]


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["plan", *args])


def as_json(result: Any) -> dict[str, Any]:
    return json.loads(result.stdout)


# ---- checking a selection without a portfolio ---------------------------------------------


def test_contract_for_a_satisfied_selection() -> None:
    result = invoke(
        "--qualification",
        NCFE,
        "--units",
        ",".join([*A, "07", "10", "11", "22", "29", "30"]),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = as_json(result)
    assert data["satisfied"] is True
    assert [r["rule"] for r in data["rules"]] == ["R1", "R2", "R3", "R4", "R5", "R6"]
    assert all(r["satisfied"] is True and r["detail"] for r in data["rules"])
    assert "plan" not in data
    assert data["units"] == [*A, "07", "10", "11", "22", "29", "30"]


def test_contract_for_a_selection_that_fails() -> None:
    result = invoke("-q", NCFE, "--units", "01,02,03", "--format", "json")
    assert result.exit_code == 1
    data = as_json(result)
    assert data["satisfied"] is False
    r6 = data["rules"][-1]
    assert r6 == {
        "rule": "R6",
        "satisfied": False,
        "detail": "3 of 6 mandatory units: add 04, 05, 06",
        "kind": "mandatory",
        "asks": "every mandatory unit: 01, 02, 03, 04, 05, 06",
        "gives": 3,
        "shortfall": 3,
        "measure": "units",
        "reading": r6["reading"],
        "text": "Group A mandatory units",
        "units": ["04", "05", "06"],
    }


def test_aliases_are_accepted_and_resolved() -> None:
    # SVQ: NOS codes; NCFE: the regulator's unit numbers
    result = invoke(
        "-q", SVQ, "--units", "F5, F6, C8, A17, B12, D14, 4427-404, 812", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    assert as_json(result)["units"] == ["403", "404", "405", "411", "810", "811", "812", "815"]
    result = invoke("-q", NCFE, "--units", "L/506/2150,Y/506/2152,01", "--format", "json")
    assert as_json(result)["units"] == ["01", "02"]


def test_an_unknown_unit_says_did_you_mean() -> None:
    result = invoke("-q", SVQ, "--units", "810,F55", "--format", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f'evitrack: error: unknown unit "F55" in {SVQ}\n    hint: did you mean "F5"?\n'
    )


def test_an_unknown_qualification_and_both_sources_are_usage_errors(tmp_path: Path) -> None:
    result = invoke("-q", "ncfe-l3-diploma", "--units", "01")
    assert result.exit_code == 2
    assert 'unknown qualification "ncfe-l3-diploma"' in result.stderr
    result = invoke(str(tmp_path), "-q", NCFE)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "evitrack: error: give a portfolio or --qualification, not both"
    )


def test_no_portfolio_here_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke()
    assert result.exit_code == 2
    assert "no portfolio found" in result.stderr


def test_text_markdown_and_csv() -> None:
    args = ["-q", SVQ, "--units", "810,811,815,403,405,411,412"]
    text = invoke(*args)
    assert text.exit_code == 1
    assert "✗ │ R1   │ 7 of 8 units: add a unit" in text.stdout
    assert "✓ │ R2   │ all 3 mandatory units are taken" in text.stdout
    assert "reading: Group A holds exactly three units" in text.stdout
    assert text.stdout.rstrip().endswith("✗ 2 of 6 rules not met.")
    md = invoke(*args, "--format", "markdown")
    assert md.exit_code == 1
    assert "| ✗ | R1 | 7 of 8 units: add a unit |" in md.stdout.splitlines()
    csv = invoke(*args, "--format", "csv")
    assert csv.stdout.splitlines()[:2] == [
        "rule,kind,satisfied,asks,gives,shortfall,detail",
        "R1,min_units,no,at least 8 units,7,1,7 of 8 units: add a unit",
    ]


# ---- planning a portfolio --------------------------------------------------------------------

QUALIFICATION = """\
format: 1
kind: qualification
id: toy-certificate
title: Toy Certificate in Customer Service
awarding_body: Test
number: null
level: 2
framework: other
groups:
  - {{id: A, title: Mandatory, units: [M1]}}
  - {{id: B, title: Optional, units: [{optional}]}}
units:
{units}
rules:
{rules}
"""


def unit(uid: str, credit: int, criteria: int, known: bool = True) -> str:
    text = (
        f"  - id: {uid}\n    title: Unit {uid}\n    level: 2\n    credit: {credit}\n    glh: 10\n"
    )
    if not known:
        return text + "    criteria_in_source: false\n"
    text += '    outcomes:\n      - id: "1"\n        title: Know\n        criteria:\n'
    return text + "".join(
        f'          - {{id: "1.{i + 1}", text: Explain {i + 1}}}\n' for i in range(criteria)
    )


def portfolio(
    tmp_path: Path,
    optional: dict[str, tuple[int, int, bool]],
    rules: str,
    chosen: list[str],
    evidence: dict[str, dict[str, list[str]]],
) -> Path:
    """A portfolio with its own qualification file: M1 (4 credits, 3 criteria) is mandatory."""
    root = tmp_path / "learner"
    (root / "evidence").mkdir(parents=True)
    units = unit("M1", 4, 3) + "".join(unit(u, c, n, k) for u, (c, n, k) in optional.items())
    (root / "toy.yaml").write_text(
        QUALIFICATION.format(optional=", ".join(optional), units=units.rstrip("\n"), rules=rules)
    )
    (root / "evitrack.yaml").write_text(
        "qualification: toy.yaml\nlearner:\n  name: Sam Patel\n  registration: T0001\n"
        f"units: {json.dumps(['M1', *chosen])}\n"
    )
    for i, (rid, cites) in enumerate(evidence.items()):
        lines = [
            f"id: {rid}",
            f"title: Evidence {i + 1}",
            "date: 2026-01-10",
            "methods: [observation]",
            "description: Did the work.",
            "criteria:",
        ]
        lines += [f"  {u}: {json.dumps(ids)}" for u, ids in cites.items()]
        (root / "evidence" / f"{rid}.yaml").write_text("\n".join(lines) + "\n")
    return root


MIN_10 = "  - {id: R1, kind: min_credit, min: 10, text: as printed}\n  - {id: R2, kind: mandatory, groups: [A], text: as printed}"


def test_the_plan_uses_evidence_for_a_unit_not_chosen(tmp_path: Path) -> None:
    # 10 credits: M1 (4) + 6 from group B. U1 (6 credits, 5 criteria) is chosen, but two of
    # U2's three criteria are already evidenced: M1 + U2 leaves 2 + 1 = 3 criteria, M1 + U1
    # leaves 7, U3 + U4 (barred together) cannot be combined, X1's criteria are unknown.
    root = portfolio(
        tmp_path,
        {
            "U1": (6, 5, True),
            "U2": (6, 3, True),
            "U3": (3, 2, True),
            "U4": (3, 2, True),
            "X1": (6, 0, False),
        },
        MIN_10 + "\n  - {id: R3, kind: barred, units: [U3, U4], text: as printed}",
        ["U1"],
        {"E0001": {"M1": ["1.1"]}, "E0002": {"U2": ["1.1", "1.2"]}},
    )
    result = invoke(str(root), "--format", "json")
    assert result.exit_code == 0, result.output  # M1 + U1 already satisfies the rules
    data = as_json(result)
    assert data["satisfied"] is True
    assert data["plan"] == {
        "feasible": True,
        "units": ["M1", "U2"],
        "add": ["U2"],
        "drop": ["U1"],
        "remaining": 3,
        "criteria_left": {"M1": ["1.2", "1.3"], "U2": ["1.3"]},
        "unknown_criteria": [],
        "credit": 10,
        "problems": [],
    }


def test_ties_fewest_units_added_then_least_credit(tmp_path: Path) -> None:
    # U5 (6 credits), U6 (8) and U7 + U8 (3 + 3) each leave 2 criteria and reach 10 credits:
    # one unit beats two, and 10 credits beat 12
    optional = {"U5": (6, 2, True), "U6": (8, 2, True), "U7": (3, 1, True), "U8": (3, 1, True)}
    root = portfolio(tmp_path, optional, MIN_10, [], {})
    data = as_json(invoke(str(root), "--format", "json"))
    assert data["satisfied"] is False
    assert data["plan"]["units"] == ["M1", "U5"]
    assert data["plan"]["remaining"] == 5
    # with U7 and U8 chosen (a what-if through --units), keeping them adds nothing
    result = invoke(str(root), "--units", "M1,U7,U8", "--format", "json")
    assert result.exit_code == 0
    plan = as_json(result)["plan"]
    assert (plan["units"], plan["add"], plan["drop"]) == (["M1", "U7", "U8"], [], [])


def test_units_without_criteria_in_the_source_are_not_free(tmp_path: Path) -> None:
    # X1's criteria are unknown: it costs more than any unit whose criteria are known (6)
    root = portfolio(tmp_path, {"X1": (6, 0, False), "U9": (6, 6, True)}, MIN_10, [], {})
    assert as_json(invoke(str(root), "--format", "json"))["plan"]["units"] == ["M1", "U9"]
    # when only X1 can reach the total, it is planned, and reported as unknown
    other = portfolio(tmp_path / "b", {"X1": (6, 0, False), "U9": (5, 6, True)}, MIN_10, [], {})
    plan = as_json(invoke(str(other), "--format", "json"))["plan"]
    assert (plan["units"], plan["unknown_criteria"], plan["remaining"]) == (["M1", "X1"], ["X1"], 3)
    text = invoke(str(other)).stdout
    assert (
        "3 criteria left to evidence in the best selection of 2 units (10 credits), plus the "
        "criteria of X1 (not in the source)." in " ".join(text.split())
    )


def test_a_plan_no_selection_can_satisfy(tmp_path: Path) -> None:
    root = portfolio(
        tmp_path,
        {"U1": (6, 2, True)},
        "  - {id: R1, kind: min_credit, min: 30, text: as printed}\n  - {id: R2, kind: mandatory, groups: [A], text: as printed}",
        [],
        {},
    )
    result = invoke(str(root), "--format", "json")
    assert result.exit_code == 1
    assert as_json(result)["plan"] == {
        "feasible": False,
        "units": [],
        "add": [],
        "drop": [],
        "remaining": 0,
        "criteria_left": {},
        "unknown_criteria": [],
        "credit": 0,
        "problems": [
            {
                "rules": ["R1"],
                "message": "R1 asks for at least 30 credits, but all the "
                "units together give only 10 credits",
            }
        ],
    }
    text = invoke(str(root))
    assert "No selection of units satisfies every rule:" in text.stdout
    assert "R1: R1 asks for at least 30 credits" in text.stdout


def test_qualification_check_reports_rules_that_cannot_be_met(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = portfolio(
        tmp_path,
        {"U1": (6, 2, True)},
        MIN_10 + "\n  - {id: R3, kind: group_credit, groups: [A], max: 3, text: as printed}",
        [],
        {},
    )
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["qualification", "check", "toy.yaml"])
    assert result.exit_code == 1
    assert result.stdout == (
        "toy.yaml:38:5: error[E505]: the mandatory units (M1) of R2 already break R3: 4 credits "
        "from group A, 1 more than the maximum of 3: drop units worth 1+ credits from group A\n"
        "    hint: rules involved: R2, R3\n"
    )


def test_an_ncfe_portfolio_started_with_init(tmp_path: Path) -> None:
    root = tmp_path / "sam"
    result = runner.invoke(
        app,
        [
            "init",
            str(root),
            "--qualification",
            NCFE,
            "--name",
            "Sam Patel",
            "--registration",
            "NC12345",
            "--units",
            "12,29",
        ],
    )
    assert result.exit_code == 0, result.output
    for sample in (root / "evidence").glob("*.yaml"):
        sample.unlink()
    # all of unit 01 and unit 28 (group B, not chosen) evidenced, and some of unit 12
    show = runner.invoke(app, ["qualification", "show", NCFE, "--format", "json"])
    units = {u["id"]: u for u in json.loads(show.stdout)["units"]}

    def ids(uid: str) -> list[str]:
        return [c["id"] for o in units[uid]["outcomes"] for c in o["criteria"]]

    (root / "evidence" / "E0001.yaml").write_text(
        "id: E0001\ntitle: Observed at the service desk\ndate: 2026-01-12\n"
        "methods: [observation]\ndescription: Handled queries.\ncriteria:\n"
        f'  "01": {json.dumps(ids("01"))}\n  "28": {json.dumps(ids("28"))}\n'
        '  "12": ["1.1", "1.2"]\n'
    )
    result = invoke(str(root), "--format", "json")
    assert result.exit_code == 1  # 01-06 + 12 + 29 = 38 credits
    data = as_json(result)
    plan = data["plan"]
    assert data["units"] == [*A, "12", "29"]
    assert plan["units"][:6] == A
    assert "28" in plan["add"]  # fully evidenced already: it costs nothing
    assert plan["criteria_left"]["01"] == [] and plan["criteria_left"]["28"] == []
    assert set(plan["add"]) == set(plan["units"]) - {*A, "12", "29"}
    assert set(plan["drop"]) == {*A, "12", "29"} - set(plan["units"])
    cited = {"01": set(ids("01")), "28": set(ids("28")), "12": {"1.1", "1.2"}}
    assert plan["remaining"] == sum(
        len([c for c in ids(u) if c not in cited.get(u, set())]) for u in plan["units"]
    )
    # the plan's own selection passes every rule
    check = invoke("-q", NCFE, "--units", ",".join(plan["units"]), "--format", "json")
    assert check.exit_code == 0


@pytest.mark.slow
def test_the_console_output_is_pure_json(tmp_path: Path) -> None:
    # HiGHS prints a banner on the C stdout when an instance is made: it must not reach ours
    import subprocess
    import sys

    root = portfolio(tmp_path, {"U1": (6, 2, True)}, MIN_10, [], {})
    proc = subprocess.run(
        [sys.executable, "-m", "evitrack", "plan", str(root), "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["plan"]["units"] == ["M1", "U1"]
    assert "HiGHS" not in proc.stdout + proc.stderr
