"""evitrack qualification list / show / check."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evitrack.cli import app

runner = CliRunner()
CATALOGUE = Path(__file__).resolve().parents[1] / "src" / "evitrack" / "catalogue"


def test_list_json_contract() -> None:
    result = runner.invoke(app, ["qualification", "list", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [set(r) for r in rows] == [{"id", "title", "awarding_body", "level", "units"}] * 6
    assert {r["id"]: r["units"] for r in rows} == {
        "cg-svq-customer-service-scqf8": 19,
        "edi-l2-nvq-customer-service": 49,
        "ncfe-l3-diploma-customer-service": 45,
        "pearson-btec-l3-certificate-customer-service-specialists": 4,
        "pearson-btec-l3-diploma-customer-service-specialists": 8,
        "unit-fragment-customer-service-standards": 1,
    }


def test_show_json_contract_and_one_unit_by_alias() -> None:
    result = runner.invoke(
        app,
        [
            "qualification",
            "show",
            "ncfe-l3-diploma-customer-service",
            "--unit",
            "L/506/2150",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"id", "title", "groups", "units", "rules"} <= set(data)
    (unit,) = data["units"]
    assert {"id", "aliases", "title", "level", "credit", "glh", "outcomes", "knowledge"} <= set(
        unit
    )
    assert unit["id"] == "01"
    assert unit["outcomes"][0]["criteria"][0] == {
        "id": "1.1",
        "text": "Explain how different methods of promoting products and/or services impact on customer service delivery",
        "guidance": unit["outcomes"][0]["criteria"][0]["guidance"],
    }


def test_show_text_and_unknown_unit() -> None:
    result = runner.invoke(
        app, ["qualification", "show", "unit-fragment-customer-service-standards"]
    )
    assert result.exit_code == 0
    assert "5.4 Analyse and monitor customer service." in result.stdout
    bad = runner.invoke(
        app, ["qualification", "show", "ncfe-l3-diploma-customer-service", "--unit", "7"]
    )
    assert bad.exit_code == 2
    assert 'unknown unit "7"' in bad.stderr and 'did you mean "07"?' in bad.stderr


def test_every_shipped_file_checks_clean() -> None:
    files = sorted(str(p) for p in CATALOGUE.glob("*.yaml"))
    result = runner.invoke(app, ["qualification", "check", *files])
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""


GOOD = """\
format: 1
id: centre-award
title: Centre Award in Service
awarding_body: Centre
level: 2
groups:
  - id: A
    title: Mandatory
    units: ["U1", "U2"]
  - id: B
    title: Optional
    units: ["U3", "U4"]
units:
  - id: "U1"
    title: One
    level: 2
    credit: 3
    outcomes:
      - id: "1"
        title: Do one
        criteria:
          - {id: "1.1", text: Do it}
          - {id: "1.2", text: Do it again}
  - {id: "U2", title: Two, level: 2, credit: 3, outcomes: []}
  - {id: "U3", title: Three, level: 2, credit: 4, outcomes: []}
  - {id: "U4", title: Four, level: 3, credit: 4, outcomes: []}
rules:
  - {id: R1, kind: mandatory, groups: [A]}
  - {id: R2, kind: min_credit, min: 10}
"""


@pytest.fixture
def qcheck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)

    def run(text: str) -> tuple[int, str]:
        Path("q.yaml").write_text(text)
        result = runner.invoke(app, ["qualification", "check", "q.yaml"])
        return result.exit_code, result.stdout

    return run


def test_a_centre_file_that_is_right(qcheck) -> None:  # type: ignore[no-untyped-def]
    assert qcheck(GOOD) == (0, "")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('- {id: "1.2", text: Do it again}', '- {id: "1.1", text: Do it again}'),
            'error[E501]: unit U1: criterion id "1.1" is used twice',
        ),
        (
            (
                '- {id: "1.1", text: Do it}\n          - {id: "1.2"',
                '- {id: "1.2", text: Do it}\n          - {id: "1.1"',
            ),
            'error[E502]: unit U1: criterion "1.1" comes after "1.2"',
        ),
        (
            ('units: ["U3", "U4"]', 'units: ["U3", "U5"]'),
            'error[E503]: group B names unit "U5", which is not defined',
        ),
        (
            ("kind: mandatory, groups: [A]", "kind: mandatory, groups: [C]"),
            'error[E503]: rule R1 names group "C", which is not defined',
        ),
        (
            (
                '{id: "U3", title: Three, level: 2, credit: 4',
                '{id: "U3", title: Three, level: 2, credit: null',
            ),
            "error[E504]: rule R2 (min_credit) needs the credit of unit U3",
        ),
        (
            ("  - {id: R2, kind: min_credit, min: 10}", "  - {id: R2, kind: min_credit, min: 99}"),
            "error[E505]",
        ),
        (
            ("  - {id: R2, kind: min_credit, min: 10}", "  - {id: R2, kind: max_units, max: 1}"),
            "error[E505]",
        ),
        (("title: Centre Award", "titel: Centre Award"), 'error[E101]: unknown key "titel"'),
    ],
)
def test_a_centre_file_with_a_problem(qcheck, change: tuple[str, str], expected: str) -> None:  # type: ignore[no-untyped-def]
    old, new = change
    assert old in GOOD
    code, out = qcheck(GOOD.replace(old, new))
    assert code == 1
    assert expected in out
    assert out.startswith("q.yaml:")


def test_check_of_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["qualification", "check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_portfolio_with_a_local_qualification_file(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "evidence").mkdir(parents=True)
    (root / "centre.yaml").write_text(GOOD)
    (root / "evitrack.yaml").write_text(
        textwrap.dedent("""\
        qualification: centre.yaml
        learner: {name: Ann, registration: "C1"}
        units: ["U3"]
        """)
    )
    (root / "evidence" / "E1.yaml").write_text(
        textwrap.dedent("""\
        id: E1
        title: t
        date: 2026-01-05
        methods: [product]
        description: d
        criteria:
          U1: ["1.1", "1.3"]
        """)
    )
    result = runner.invoke(app, ["check", str(root)])
    assert result.exit_code == 1
    assert 'error[E203]: unit U1 has no criterion "1.3"' in result.stdout
