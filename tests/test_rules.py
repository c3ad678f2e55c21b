"""Rules of combination, explained: the shipped qualifications and edge cases.

For each shipped qualification, selections that pass and selections that fail
each rule, checked through the real CLI (`evitrack plan --qualification ID
--units ... --format json`). The selections and the expected outcomes were
worked out from the seed documents (shared/seeds/), not from the YAML files:

- NCFE (601/3974/2), "Achieving this qualification": a minimum of 55 credits;
  31 credits from Group A; a minimum of 15 credits from Group B; "a maximum of 9
  credits can come from Group C"; a minimum of 40 credits at level 3 or above.
  Group A: 01 (5), 02 (5), 03 (4), 04 (10), 05 (3), 06 (4) = 31. Group B: 07 (5),
  08 (3), 10 (5), 11 (5) at level 3; 12, 13, 15, 17-20 (3 each) and 16 (4) at
  level 2; 22 (4) at level 4. Group C: 29 (4), 30 (3), 31 (4), 32 (4), 33 (3),
  37 (6) at level 3; 39 (2), 40 (3), 41 (3) at level 2.
- SVQ (4427): "Minimum of 8 units of which: Three units must be completed from
  Group A ... One unit must be selected from Group B ... One unit must be
  selected from Group C ... One unit must be completed in Group D ... Two further
  units can be selected from any of Groups B, C and D". A: 810, 811, 815;
  B: 403, 404; C: 405, 812, 813, 814, 409; D: 411, 412, 800, ...
- EDI Level 2 NVQ Certificate: "a minimum of twenty eight credits ... eight
  credits from the Mandatory Units [CU791 (level 1, 4), CU792 (level 2, 4)] and a
  further twenty credits ... by completing a minimum of one unit from each
  Optional Group. A minimum of eleven credits must be achieved at level 2 from
  optional groups B to E." Impression and Image: CU793, CU794 (level 1, 5 each),
  CU795 (2, 5), CU796 (2, 5), CU818 (3, 6); Delivery: CU805 (1, 5), CU806 (2, 5),
  CU810 (2, 4), CU821 (3, 6); Handling Problems: CU813 (1, 5), CU814 (1, 4),
  CU815 (2, 6), CU756 (3, 6); Development and Improvement: CU826 (2, 5),
  CU832 (3, 8).
- Pearson BTEC Level 3 Certificate / Diploma for Customer Service Specialists:
  minimum units 4 / 8, minimum guided learning hours 143 / 243; all units
  mandatory. GLH: units 1 and 2 28, unit 3 42, unit 4 45, units 5, 6, 8 24,
  unit 7 28.
- The stand-alone unit: one unit, no rules printed (taken as mandatory).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evitrack import catalogue, rules
from evitrack.cli import app
from evitrack.model import Group, Qualification, Unit

runner = CliRunner()

NCFE = "ncfe-l3-diploma-customer-service"
SVQ = "cg-svq-customer-service-scqf8"
EDI = "edi-l2-nvq-customer-service"
CERT = "pearson-btec-l3-certificate-customer-service-specialists"
DIPLOMA = "pearson-btec-l3-diploma-customer-service-specialists"
FRAGMENT = "unit-fragment-customer-service-standards"

A = ["01", "02", "03", "04", "05", "06"]
SVQ_A = ["810", "811", "815"]


def check(qid: str, units: list[str]) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(
        app, ["plan", "--qualification", qid, "--units", ",".join(units), "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def outcome(qid: str, units: list[str]) -> dict[str, tuple[bool, str]]:
    code, data = check(qid, units)
    assert code == (0 if data["satisfied"] else 1)
    assert data["satisfied"] == all(r["satisfied"] for r in data["rules"])
    return {r["rule"]: (r["satisfied"], r["detail"]) for r in data["rules"]}


# ---- NCFE Level 3 Diploma ---------------------------------------------------------------


def test_ncfe_a_selection_that_meets_every_rule() -> None:
    assert outcome(NCFE, [*A, "07", "10", "11", "22", "29", "30"]) == {
        "R1": (True, "57 credits (at least 55 needed)"),
        "R2": (True, "31 credits from group A, exactly as required"),
        "R3": (True, "19 credits from group B (at least 15 needed)"),
        "R4": (True, "7 credits from group C (at most 9 count towards the total)"),
        "R5": (True, "57 credits at level 3 or above (at least 40 needed)"),
        "R6": (True, "all 6 mandatory units are taken"),
    }


def test_ncfe_two_credits_short_of_55() -> None:
    got = outcome(NCFE, [*A, "07", "10", "11", "29", "30"])  # 31 + 15 + 7 = 53
    assert got["R1"] == (False, "53 of 55 credits: add a unit of 2+ credits")
    assert [r for r, (ok, _) in got.items() if not ok] == ["R1"]


def test_ncfe_group_c_credit_above_9_does_not_count_but_does_not_fail() -> None:
    # B 15, C 4 + 4 + 6 = 14: 31 + 15 + 9 = 55 count
    got = outcome(NCFE, [*A, "07", "10", "11", "29", "31", "37"])
    assert got["R1"] == (
        True,
        "55 credits count (at least 55 needed); "
        "5 credits from group C above its maximum of 9 do not count",
    )
    assert got["R4"] == (
        True,
        "14 credits from group C: 9 count towards the total, 5 above the maximum of 9 do not",
    )
    assert all(ok for ok, _ in got.values())


def test_ncfe_group_c_cannot_make_up_for_group_b() -> None:
    # B 10, C 18: 59 credits in all, but only 31 + 10 + 9 = 50 count
    got = outcome(NCFE, [*A, "07", "10", "29", "30", "31", "32", "33"])
    assert got["R1"] == (
        False,
        "50 of 55 credits (9 credits from group C above its maximum of 9 do not count): "
        "add a unit of 5+ credits",
    )
    assert got["R3"] == (
        False,
        "10 of 15 credits from group B: add a unit of 5+ credits from group B",
    )
    assert got["R4"][0] is True


def test_ncfe_group_b_short() -> None:
    got = outcome(NCFE, [*A, "07", "08", "29", "30"])
    assert got["R3"] == (
        False,
        "8 of 15 credits from group B: add units from group B worth 7+ credits in all",
    )


def test_ncfe_without_a_mandatory_unit() -> None:
    got = outcome(NCFE, ["01", "02", "03", "05", "06", "07", "10", "11", "22", "29", "30"])
    assert got["R2"] == (
        False,
        "21 of exactly 31 credits from group A: add a unit of exactly 10 credits from group A",
    )
    assert got["R6"] == (False, "5 of 6 mandatory units: add 04")


def test_ncfe_too_little_at_level_3_or_above() -> None:
    # every optional unit at level 2: 64 credits, but only group A's 31 at level 3
    got = outcome(NCFE, [*A, "12", "13", "15", "16", "17", "18", "19", "20", "39", "40", "41"])
    assert got["R1"] == (True, "64 credits (at least 55 needed)")
    assert got["R5"] == (
        False,
        "31 of 40 credits at level 3 or above: add units at level 3 or above worth 9+ credits "
        "in all",
    )


def test_ncfe_readings_are_reported() -> None:
    _, data = check(NCFE, A)
    reading = {r["rule"]: r["reading"] for r in data["rules"]}
    assert "does not count" in reading["R4"]
    assert reading["R3"] is None
    r4 = next(r for r in data["rules"] if r["rule"] == "R4")
    assert r4["kind"] == "group_credit"
    assert r4["asks"] == (
        "at most 9 credits from group C (credit above it does not count towards the total)"
    )


# ---- City & Guilds SVQ ---------------------------------------------------------------------


def test_svq_eight_units_one_from_each_optional_group_and_two_more() -> None:
    got = outcome(SVQ, [*SVQ_A, "403", "405", "411", "404", "812"])
    assert got == {
        "R1": (True, "8 units (at least 8 needed)"),
        "R2": (True, "all 3 mandatory units are taken"),
        "R3": (True, "2 units from group B (at least 1 needed)"),
        "R4": (True, "2 units from group C (at least 1 needed)"),
        "R5": (True, "1 unit from group D (at least 1 needed)"),
        "R6": (True, "5 units from groups B–D (at least 5 needed)"),
    }


def test_svq_seven_units() -> None:
    got = outcome(SVQ, [*SVQ_A, "403", "405", "411", "412"])
    assert got["R1"] == (False, "7 of 8 units: add a unit")
    assert got["R6"] == (False, "4 of 5 units from groups B–D: add a unit from groups B–D")


@pytest.mark.parametrize(
    ("optional", "rule", "group"),
    [
        (["405", "812", "411", "412", "800"], "R3", "B"),
        (["403", "404", "411", "412", "800"], "R4", "C"),
        (["403", "404", "405", "812", "813"], "R5", "D"),
    ],
)
def test_svq_nothing_from_one_optional_group(optional: list[str], rule: str, group: str) -> None:
    got = outcome(SVQ, [*SVQ_A, *optional])
    assert got["R1"][0] is True
    assert got[rule] == (False, f"0 of 1 unit from group {group}: add a unit from group {group}")
    assert [r for r, (ok, _) in got.items() if not ok] == [rule]


def test_svq_without_a_core_unit() -> None:
    got = outcome(SVQ, ["810", "811", "403", "404", "405", "812", "411", "412"])
    assert got["R2"] == (False, "2 of 3 mandatory units: add 815")


# ---- EDI Level 2 NVQ Certificate -----------------------------------------------------------


def test_edi_one_unit_from_each_optional_group() -> None:
    assert outcome(EDI, ["CU791", "CU792", "CU795", "CU806", "CU815", "CU826"]) == {
        "R1": (True, "29 credits (at least 28 needed)"),
        "R2": (True, "both mandatory units are taken"),
        "R3": (True, "21 credits from groups B–E (at least 20 needed)"),
        "R4": (True, "at least 1 unit from each of groups B–E: met"),
        "R5": (True, "21 credits at level 2 or above from groups B–E (at least 11 needed)"),
    }


def test_edi_optional_credit_mostly_at_level_1() -> None:
    got = outcome(EDI, ["CU791", "CU792", "CU793", "CU794", "CU805", "CU813", "CU826"])
    assert got["R5"] == (
        False,
        "5 of 11 credits at level 2 or above from groups B–E: add a unit of 6+ credits at "
        "level 2 or above",
    )
    assert [r for r, (ok, _) in got.items() if not ok] == ["R5"]


def test_edi_level_3_optional_credit_counts_under_the_reading_taken() -> None:
    # "at level 2" is read as "at level 2 or above": all-level-3 optional credit passes
    _, data = check(EDI, ["CU791", "CU792", "CU818", "CU821", "CU756", "CU832"])
    assert data["satisfied"] is True
    r5 = next(r for r in data["rules"] if r["rule"] == "R5")
    # ... and the sentence says that the verdict rests on that reading
    assert r5["detail"] == (
        "26 credits at level 2 or above from groups B–E (at least 11 needed); only 0 of them "
        "at level 2 itself: met only because credit above level 2 counts, as this file reads "
        "the rule's words (check that reading with the awarding body)"
    )
    assert "level 2 OR ABOVE" in r5["reading"]


def test_edi_level_2_credit_alone_meets_r5_without_a_caveat() -> None:
    # 16 level-2 credits and 8 at level 3: the rule holds at level 2 itself
    got = outcome(EDI, ["CU791", "CU792", "CU795", "CU806", "CU815", "CU832"])
    assert got["R5"] == (
        True,
        "24 credits at level 2 or above from groups B–E (at least 11 needed)",
    )


def test_a_rule_whose_words_say_or_above_gets_no_caveat() -> None:
    # NCFE R5 says "at level 3 or above": level-4 credit counts by the spec's own words
    _, data = check(NCFE, ["01", "02", "03", "04", "05", "06", "12", "13", "35"])
    r5 = next(r for r in data["rules"] if r["rule"] == "R5")
    assert "awarding body" not in r5["detail"]


def test_edi_nothing_from_group_e() -> None:
    got = outcome(EDI, ["CU791", "CU792", "CU795", "CU796", "CU806", "CU815"])
    assert got["R4"] == (False, "at least 1 unit from each of groups B–E: add a unit from group E")


def test_edi_optional_credit_short_of_twenty() -> None:
    got = outcome(EDI, ["CU791", "CU792", "CU814", "CU810", "CU795", "CU826"])
    assert got["R1"] == (False, "26 of 28 credits: add a unit of 2+ credits")
    assert got["R3"] == (
        False,
        "18 of 20 credits from groups B–E: add a unit of 2+ credits from groups B–E",
    )


def test_edi_without_a_mandatory_unit() -> None:
    got = outcome(EDI, ["CU791", "CU795", "CU806", "CU815", "CU826"])
    assert got["R2"] == (False, "1 of 2 mandatory units: add CU792")


# ---- Pearson and the stand-alone unit --------------------------------------------------------


def test_pearson_certificate() -> None:
    assert outcome(CERT, ["1", "2", "3", "4"]) == {
        "R1": (True, "4 units (at least 4 needed)"),
        "R2": (True, "143 guided learning hours (at least 143 needed)"),
        "R3": (True, "all 4 mandatory units are taken"),
    }
    assert outcome(CERT, ["1", "2", "3"]) == {
        "R1": (False, "3 of 4 units: add a unit"),
        "R2": (False, "98 of 143 guided learning hours: add a unit of 45+ guided learning hours"),
        "R3": (False, "3 of 4 mandatory units: add 4"),
    }


def test_pearson_diploma() -> None:
    got = outcome(DIPLOMA, ["1", "2", "3", "4", "5", "6", "7", "8"])
    assert got["R2"] == (True, "243 guided learning hours (at least 243 needed)")
    assert all(ok for ok, _ in got.values())
    got = outcome(DIPLOMA, ["1", "2", "3", "4", "5", "6", "7"])
    assert got["R1"] == (False, "7 of 8 units: add a unit")
    assert got["R2"] == (
        False,
        "219 of 243 guided learning hours: add a unit of 24+ guided learning hours",
    )


def test_fragment() -> None:
    assert outcome(FRAGMENT, ["1"]) == {"R1": (True, "the mandatory unit is taken")}
    assert outcome(FRAGMENT, []) == {"R1": (False, "0 of 1 mandatory unit: add 1")}


# ---- edge cases, on qualification files written here ------------------------------------------

HEAD = """\
format: 1
kind: qualification
id: toy
title: Toy Certificate
awarding_body: Test
number: null
level: 2
framework: other
"""


def unit_yaml(uid: str, credit: int | None, level: int | None = 2, glh: int | None = 10) -> str:
    return (
        f'  - id: "{uid}"\n    title: Unit {uid}\n    level: {"null" if level is None else level}\n'
        f"    credit: {'null' if credit is None else credit}\n"
        f"    glh: {'null' if glh is None else glh}\n"
        '    outcomes:\n      - id: "1"\n        title: Know\n        criteria:\n'
        '          - {id: "1.1", text: Explain}\n'
    )


def toy(
    tmp_path: Path, groups: dict[str, list[tuple[str, int | None, int | None]]], rules_yaml: str
):
    text = HEAD + "groups:\n"
    for gid, units in groups.items():
        ids = ", ".join(f'"{u}"' for u, _, _ in units)
        text += f"  - id: {gid}\n    title: Group {gid}\n    units: [{ids}]\n"
    text += "units:\n" + "".join(unit_yaml(u, c, lv) for us in groups.values() for u, c, lv in us)
    text += "rules:\n" + rules_yaml
    path = tmp_path / "toy.yaml"
    path.write_text(text)
    return catalogue.load_file(path)


def details(q: Any, units: list[str]) -> list[tuple[bool, str]]:
    return [(r.satisfied, r.detail) for r in rules.evaluate(q, units)]


def test_maximum_and_exact_credit_and_units(tmp_path: Path) -> None:
    q = toy(
        tmp_path,
        {"A": [("a1", 4, 2), ("a2", 5, 2)], "B": [("b1", 3, 1), ("b2", 2, 3), ("b3", 6, 3)]},
        "  - {id: R1, kind: group_credit, groups: [B], max: 6, text: as printed}\n"
        "  - {id: R2, kind: group_credit, groups: [A], exact: 4, text: as printed}\n"
        "  - {id: R3, kind: group_units, groups: [B], exact: 2, text: as printed}\n"
        "  - {id: R4, kind: group_units, groups: [A, B], min: 1, max: 3, text: as printed}\n"
        "  - {id: R5, kind: max_units, max: 3, text: as printed}\n",
    )
    assert details(q, ["a1", "b1", "b2"]) == [
        (True, "5 credits from group B (at most 6 allowed)"),
        (True, "4 credits from group A, exactly as required"),
        (True, "2 units from group B, exactly as required"),
        (True, "3 units from groups A and B (between 1 and 3 needed)"),
        (True, "3 units (at most 3 allowed)"),
    ]
    assert details(q, ["a1", "a2", "b1", "b2", "b3"]) == [
        (
            False,
            "11 credits from group B, 5 more than the maximum of 6: "
            "drop units worth 5+ credits from group B",
        ),
        (
            False,
            "9 credits from group A, 5 more than exactly 4: drop units worth 5+ credits from group A",
        ),
        (False, "3 units from group B, 1 more than exactly 2: drop 1 unit from group B"),
        (
            False,
            "5 units from groups A and B, 2 more than the maximum of 3: drop 2 units from groups A and B",
        ),
        (False, "5 units, 2 more than the maximum of 3: drop 2 units"),
    ]
    assert details(q, [])[1:3] == [
        (
            False,
            "0 of exactly 4 credits from group A: add a unit of exactly 4 credits from group A",
        ),
        (False, "0 of exactly 2 units from group B: add 2 more units from group B"),
    ]


def test_level_at_each_group_barred_and_glh(tmp_path: Path) -> None:
    q = toy(
        tmp_path,
        {"A": [("a1", 4, 2), ("a2", 0, 1)], "B": [("b1", 3, 1), ("b2", 2, 2)], "C": [("c1", 1, 2)]},
        "  - {id: R1, kind: level_credit, level: 2, comparison: at, min: 5, text: as printed}\n"
        "  - {id: R2, kind: each_group_units, groups: [A, B, C], min: 1, text: as printed}\n"
        "  - {id: R3, kind: barred, units: [a1, b2], text: as printed}\n"
        "  - {id: R4, kind: min_glh, min: 25, text: as printed}\n"
        "  - {id: R5, kind: level_credit, level: 2, min: 1, groups: [B], text: as printed}\n"
        "  - {id: R6, kind: min_units, min: 5, text: as printed}\n",
    )
    # a group left with no units: a file may not say so (E105), but the engine copes
    q.groups[-1].units.clear()
    del q.units["c1"]
    assert details(q, ["a1", "a2", "b1"]) == [
        (False, "4 of 5 credits at level 2: add a level-2 unit of 1+ credits"),
        (False, "at least 1 unit from each of groups A–C: group C has no units"),
        (True, "at most one of a1 and b2: a1 taken"),
        (True, "30 guided learning hours (at least 25 needed)"),
        (False, "0 of 1 credit at level 2 from group B: add a level-2 unit of 1+ credits"),
        (False, "3 of 5 units: only 1 unit is not yet chosen"),
    ]
    got = details(q, ["a1", "b2"])
    assert got[0] == (True, "6 credits at level 2 (at least 5 needed)")
    assert got[1] == (False, "at least 1 unit from each of groups A–C: group C has no units")
    assert got[2] == (False, "a1 and b2 are taken, but they cannot be combined: drop one of them")
    assert got[3] == (
        False,
        "20 of 25 guided learning hours: add a unit of 5+ guided learning hours",
    )


def test_two_capping_rules_never_discount_a_unit_twice(tmp_path: Path) -> None:
    q = toy(
        tmp_path,
        {"A": [("a1", 6, 2), ("a2", 6, 2)], "B": [("b1", 5, 2)]},
        "  - {id: R1, kind: min_credit, min: 10, text: as printed}\n"
        "  - {id: R2, kind: group_credit, groups: [A], max: 8, cap: true, text: as printed}\n"
        "  - {id: R3, kind: group_credit, groups: [A, B], max: 10, cap: true, text: as printed}\n",
    )
    # A: 12, of which 8 count (R2); B's 5 is capped by R3 only: 8 + 5 = 13, not 13 - 2 - 4
    got = rules.evaluate(q, ["a1", "a2", "b1"])
    assert got[0].gives == 13
    assert got[0].detail == (
        "13 credits count (at least 10 needed); 4 credits from group A above its maximum of 8 "
        "do not count"
    )
    assert got[2].satisfied


def model_toy(rule_list: list[dict[str, Any]]) -> Qualification:
    """A qualification no file would pass `qualification check` with (built in memory)."""
    units = {
        "a1": Unit(id="a1", title="One", level=2, credit=4, glh=10),
        "a2": Unit(id="a2", title="Two", level=None, credit=None, glh=None),
    }
    return Qualification(
        id="m",
        title="M",
        awarding_body="T",
        number=None,
        level=2,
        framework=None,
        groups=[Group("A", "A", ["a1", "a2"])],
        units=units,
        rules=rule_list,
    )


def test_a_rule_naming_a_unit_the_qualification_lacks() -> None:
    q = model_toy([{"id": "R1", "kind": "mandatory", "units": ["a1", "zz"]}])
    got = rules.evaluate(q, ["a1", "zz"])
    assert got[0].satisfied is False
    assert got[0].detail == "1 of 2 mandatory units: add zz (zz not in the qualification)"
    assert got[0].units == ("zz",)


def test_units_without_credit_level_or_glh_count_nothing() -> None:
    q = model_toy(
        [
            {"id": "R1", "kind": "min_credit", "min": 5},
            {"id": "R2", "kind": "level_credit", "level": 2, "comparison": "at_or_above", "min": 1},
            {"id": "R3", "kind": "min_glh", "min": 11},
            {"id": "R4", "kind": "frobnicate"},
        ]
    )
    assert details(q, ["a1", "a2"]) == [
        (False, "4 of 5 credits: the units not yet chosen cannot make up 1 credit"),
        (True, "4 credits at level 2 or above (at least 1 needed)"),
        (
            False,
            "10 of 11 guided learning hours: the units not yet chosen cannot make up "
            "1 guided learning hour",
        ),
        (False, "evitrack does not know the rule kind 'frobnicate': it cannot be checked"),
    ]


def test_every_result_has_the_contract_fields() -> None:
    for q in catalogue.shipped_qualifications():
        for r in rules.evaluate(q, []):
            data = r.to_json()
            assert list(data)[:3] == ["rule", "satisfied", "detail"]
            assert {"kind", "asks", "gives", "shortfall", "reading"} <= set(data)
            assert (r.shortfall == 0) == r.satisfied


def test_the_rules_module_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    heavy = ("highspy", "numpy", "typer", "rich", "ruamel.yaml")
    code = f"import sys, evitrack.rules; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---- the registry: a new kind is one class ------------------------------------------------


def test_every_kind_is_documented_and_in_the_schema() -> None:
    from evitrack.schema import RULE

    doc = (Path(__file__).parents[1] / "docs" / "qualification-format.md").read_text()
    assert set(rules.KINDS) == set(rules.REGISTRY)
    assert RULE.keys is not None and RULE.keys["kind"].enum == rules.KINDS
    for name, kind in rules.REGISTRY.items():
        assert f"| `{name}` |" in doc, f"{name} is not in the rule kinds table"
        assert kind.name == name and kind.__doc__, f"{name} says what it is in a docstring"


def test_a_new_kind_is_one_class_that_the_engine_and_the_planner_read() -> None:
    from evitrack import planner
    from evitrack.rules.base import Ctx, Model, RuleKind, Shape, Verdict, amount, register

    class MaxCredit(RuleKind):
        """At most `max` credits in all."""

        name = "max_credit_test"
        shape = Shape(needs=("max",))
        fact = "credit"

        def counts_every_unit(self, rule: dict[str, Any]) -> bool:
            return True

        def asks(self, q: Qualification, rule: dict[str, Any]) -> str:
            return f"at most {amount(rule['max'], 'credits')}"

        def evaluate(self, ctx: Ctx, rule: dict[str, Any], asked: str) -> Verdict:
            got = ctx.sum_credit(list(ctx.q.units))
            over = max(0, got - rule["max"])
            return Verdict(not over, f"{got} credits", got, over, "credits")

        def encode(self, m: Model, rule: dict[str, Any], rules: list[dict[str, Any]]) -> None:
            m.row(None, rule["max"], m.credits(m.ids))

    register(MaxCredit)
    try:
        q = catalogue.load("ncfe-l3-diploma-customer-service")
        capped = dataclasses.replace(
            q, rules=[*q.rules, {"id": "X", "kind": "max_credit_test", "max": 58, "text": None}]
        )
        [res] = rules.evaluate(capped, q.units, [capped.rules[-1]])
        assert (res.satisfied, res.asks, res.measure) == (False, "at most 58 credits", "credits")
        best = planner.plan(capped, [], {})
        assert best.feasible and best.credit <= 58
        assert rules.satisfied(rules.evaluate(capped, best.units))
        assert planner.plan(q, [], {}).credit > 0  # the shipped file is untouched
    finally:
        del rules.REGISTRY["max_credit_test"]


def test_the_units_a_kind_makes_mandatory_come_from_the_kind() -> None:
    from evitrack.rules.base import Ctx, Model, RuleKind, Shape, Verdict, register

    class CoreUnit(RuleKind):
        """One named unit every learner takes."""

        name = "core_unit_test"
        shape = Shape(needs=("unit",))
        minimum = True
        forces_units = True

        def forced(self, q: Qualification, rule: dict[str, Any]) -> list[str]:
            return [rule["unit"]]

        def asks(self, q: Qualification, rule: dict[str, Any]) -> str:
            return f"unit {rule['unit']}"

        def evaluate(self, ctx: Ctx, rule: dict[str, Any], asked: str) -> Verdict:
            got = int(rule["unit"] in ctx.selected)
            return Verdict(bool(got), asked, got, 1 - got, "units")

        def encode(self, m: Model, rule: dict[str, Any], rules: list[dict[str, Any]]) -> None:
            m.require(rule["unit"])

    register(CoreUnit)
    try:
        q = catalogue.load("ncfe-l3-diploma-customer-service")
        optional = next(u for u in q.units if u not in rules.mandatory_units(q))
        core = dataclasses.replace(
            q, rules=[*q.rules, {"id": "C", "kind": "core_unit_test", "unit": optional}]
        )
        assert rules.mandatory_units(core) == [*rules.mandatory_units(q), optional]
    finally:
        del rules.REGISTRY["core_unit_test"]
