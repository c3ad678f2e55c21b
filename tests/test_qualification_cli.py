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


def test_an_unknown_id_is_answered_with_shipped_qualifications_never_a_unit_library() -> None:
    from evitrack import catalogue

    kinds = {p.stem: catalogue.load_file(p).kind for p in CATALOGUE.glob("*.yaml")}
    libraries = sorted(i for i, kind in kinds.items() if kind == "units")
    assert libraries == ["pearson-btec-l3-css-units"]  # the one a suggestion must leave out
    assert set(kinds.values()) == {"qualification", "units"}  # each file says which it is
    result = runner.invoke(app, ["qualification", "show", "pearson-btec-l3"])
    assert result.exit_code == 2
    assert 'unknown qualification "pearson-btec-l3"' in result.stderr
    assert (
        "did you mean one of: pearson-btec-l3-certificate-customer-service-specialists, "
        "pearson-btec-l3-diploma-customer-service-specialists?"
    ) in " ".join(result.stderr.split())


@pytest.mark.slow
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
  - {id: R1, kind: mandatory, groups: [A], text: Units U1 and U2 are mandatory}
  - {id: R2, kind: min_credit, min: 10, text: at least 10 credits}
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
            ("kind: mandatory, groups: [A],", "kind: mandatory, groups: [C],"),
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
            ("kind: min_credit, min: 10,", "kind: min_credit, min: 99,"),
            "error[E505]",
        ),
        (
            ("kind: min_credit, min: 10,", "kind: max_units, max: 1,"),
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


NO_CRITERIA_HINT = (
    "list its criteria; if the document has no pages for the unit, say so with "
    "`criteria_in_source: false` on the unit"
)
BOTH_METHODS_HINT = (
    "no evidence could meet both: keep the method in required_methods or in "
    "forbidden_methods, not in both"
)
ID_HINT = "(ASCII letters, digits and punctuation, no spaces)"
UNIT_U1 = "    credit: 3\n    outcomes:"
RULE_R2 = "kind: min_credit, min: 10,"
U3 = 'credit: 4, outcomes: []}\n  - {id: "U4"'


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            UNIT_U1,
            "    credit: 3\n    evidence: {required_methods: [observaton]}\n    outcomes:",
            'q.yaml:18:35: error[E207]: unknown assessment method "observaton"\n'
            '    hint: did you mean "observation"?\n',
            id="method-unknown",
        ),
        pytest.param(
            UNIT_U1,
            "    credit: 3\n    evidence: {required_methods: [Obs], forbidden_methods: [Sim]}\n"
            "    outcomes:",
            "",
            id="method-form-codes-are-known",
        ),
        pytest.param(
            UNIT_U1,
            "    credit: 3\n    evidence: {required_methods: [Obs], forbidden_methods: "
            "[observation]}\n    outcomes:",
            'q.yaml:18:35: error[E105]: unit U1: "observation" is both required and forbidden\n'
            f"    hint: {BOTH_METHODS_HINT}\n",
            id="method-required-and-forbidden",
        ),
        pytest.param(
            '{id: "1.2", text: Do it again}',
            '{id: "1.2\\u00a0", text: Do it again}',
            'q.yaml:23:18: error[E107]: units[1].outcomes[1].criteria[2].id "1.2\u00a0" holds the '
            "character U+00A0 no-break space at the end\n"
            f'    hint: write it as "1.2" {ID_HINT}\n',
            id="id-no-break-space",
        ),
        pytest.param(
            '{id: "1.2", text: Do it again}',
            '{id: "1.\\uff12", text: Do it again}',
            'q.yaml:23:18: error[E107]: units[1].outcomes[1].criteria[2].id "1.\uff12" holds the '
            "character U+FF12 fullwidth digit two at the end\n"
            f'    hint: write it as "1.2" {ID_HINT}\n',
            id="id-full-width-digit",
        ),
        pytest.param(
            '      - id: "1"\n',
            '      - id: "1\\u20132"\n',
            'q.yaml:19:13: error[E107]: units[1].outcomes[1].id "1\u20132" holds the character '
            "U+2013 en dash\n"
            f'    hint: write it as "1-2" {ID_HINT}\n',
            id="id-en-dash",
        ),
        pytest.param(
            '  - id: "U1"\n',
            '  - id: "U1"\n    aliases: ["U2"]\n',
            'q.yaml:15:15: error[E501]: unit U1: alias "U2" is also the id of unit U2 (defined at line 25)\n'
            "    hint: an alias must name one unit only: remove it from one of them\n",
            id="alias-is-another-units-id",
        ),
        pytest.param(
            '  - {id: "U2", title: Two, level: 2, credit: 3, outcomes: []}\n  - {id: "U3", title:',
            '  - {id: "U2", aliases: [F1], title: Two, level: 2, credit: 3, outcomes: []}\n'
            '  - {id: "U3", aliases: [F1], title:',
            'q.yaml:25:26: error[E501]: unit U3: alias "F1" is also an alias of unit U2 (defined at line 24)\n'
            "    hint: an alias must name one unit only: remove it from one of them\n",
            id="alias-is-another-units-alias",
        ),
        pytest.param(
            RULE_R2,
            "kind: min_credit, min: 10, groups: [B],",
            "q.yaml:29:41: error[E101]: rule R2: groups is not used by min_credit\n"
            "    hint: did you mean kind: group_credit?\n",
            id="key-meaningless-for-the-kind",
        ),
        pytest.param(
            RULE_R2,
            "kind: group_credit, groups: [B], min: 1, cap: true,",
            "q.yaml:29:55: error[E102]: rule R2: cap: true needs `max` (credit above it does not "
            "count)\n"
            "    hint: add `max:` the most credit from the groups that counts, or remove `cap`\n",
            id="cap-without-max",
        ),
        pytest.param(
            "format: 1",
            "format: 2",
            "q.yaml:1:9: error[E105]: format is 2: it must be 1\n"
            "    hint: the version of the file format: write `format: 1`, the version this "
            "evitrack reads\n",
            id="format-another-version",
        ),
        pytest.param(
            U3,
            U3.replace("credit: 4", "credit: -4"),
            "q.yaml:25:48: error[E105]: units[3].credit is -4: it must be from 0 to 100,000\n"
            "    hint: a whole number from 0 to 100,000, or null\n",
            id="credit-negative",
        ),
        pytest.param(
            "level: 2\ngroups:",
            "level: 13\ngroups:",
            "q.yaml:5:8: error[E105]: level is 13: it must be from 1 to 12\n"
            "    hint: a level from 1 to 12 (RQF and QCF 1-8, SCQF 1-12), or null\n",
            id="level-out-of-range",
        ),
        pytest.param(
            RULE_R2,
            "kind: barred, units: [U3],",
            "q.yaml:29:28: error[E105]: rule R2 (barred) lists 1 unit: it bars taking 2 or more "
            "units together\n"
            "    hint: list the units that may not be taken together\n",
            id="barred-one-unit",
        ),
        pytest.param(
            RULE_R2,
            "kind: barred, units: [U3, U3],",
            "q.yaml:29:28: error[E501]: rule R2 (barred) lists unit U3 twice\n"
            "    hint: list each unit once: barred names 2 or more different units\n",
            id="barred-same-unit-twice",
        ),
        pytest.param(
            ", text: at least 10 credits}",
            "}",
            'q.yaml:29:5: error[E102]: required field "rules[2].text" is missing\n'
            "    hint: add `text:` (the specification's words, or null when it states none, "
            "with `reading` saying why)\n",
            id="rule-without-text",
        ),
        pytest.param(
            'units: ["U3", "U4"]',
            "units: []",
            "q.yaml:12:12: error[E105]: group B lists no units\n"
            "    hint: list the group's unit ids, or remove the group\n",
            id="group-without-units",
        ),
        pytest.param(
            '        criteria:\n          - {id: "1.1", text: Do it}\n'
            '          - {id: "1.2", text: Do it again}\n',
            "        criteria: []\n",
            'q.yaml:21:19: error[E105]: unit U1: outcome "1" has no criteria\n'
            f"    hint: {NO_CRITERIA_HINT}\n",
            id="outcome-without-criteria",
        ),
        pytest.param(
            "rules:\n",
            "mappings: {K1: U1}\nrules:\n",
            "q.yaml:27:11: error[E103]: mappings must be a list, not a mapping\n",
            id="mappings-of-the-wrong-type",
        ),
        pytest.param(
            "rules:\n",
            "mappings:\n  - id: std\n    items:\n"
            "      - {id: K1, kind: knowlege, text: Know it, covered_by: [U1]}\nrules:\n",
            'q.yaml:30:24: error[E105]: mappings[1].items[1].kind: "knowlege" is not one of '
            "knowledge, skill, behaviour, other\n"
            '    hint: did you mean "knowledge"?\n',
            id="mapping-item-unknown-kind",
        ),
        pytest.param(
            "rules:\n",
            "mappings:\n  - id: std\n    items:\n"
            "      - {id: K1, kind: knowledge, text: Know it, covered_by: [U1/1.3, U9]}\nrules:\n",
            'q.yaml:30:63: error[E503]: mapping std item K1: covered_by "U1/1.3": unit U1 has no '
            'criterion "1.3"\n'
            '    hint: did you mean "1.2"?\n'
            'q.yaml:30:71: error[E503]: mapping std item K1: covered_by "U9" names unit "U9", '
            "which is not defined\n"
            "    hint: name a unit of this qualification\n",
            id="mapping-covered-by-what-does-not-exist",
        ),
        pytest.param(
            RULE_R2,
            "kind: min_credit, min: 99,",
            "q.yaml:29:5: error[E505]: R2 asks for at least 99 credits, but all the units "
            "together give only 14 credits\n"
            "    hint: rules involved: R2\n",
            id="unsatisfiable-rules-at-the-first-rule",
        ),
        pytest.param(
            '          - {id: "1.2", text: Do it again}\n',
            '          - {id: "1.2", text: Do it again}\n      - id: "1"\n        title: Again\n'
            '        criteria:\n          - {id: "1.3", text: Do it thrice}\n',
            'q.yaml:24:9: error[E501]: unit U1: outcome id "1" is used twice (first at line 19)\n'
            "    hint: give each outcome its own id\n",
            id="outcome-id-twice",
        ),
        pytest.param(
            '{id: "1.2", text: Do it again}',
            '{id: "1.1", text: Do it again}',
            'q.yaml:23:13: error[E501]: unit U1: criterion id "1.1" is used twice (first at '
            "line 22)\n"
            '    hint: give the second a distinct id (e.g. "2.3(2)") and record `printed_id`\n',
            id="criterion-id-twice-once-only",
        ),
        pytest.param(
            RULE_R2,
            "kind: min_credit, min: -1,",
            "q.yaml:29:37: error[E105]: rules[2].min is -1: it must be from 0 to 100,000\n"
            "    hint: a whole number from 0 to 100,000, or null\n",
            id="min-negative",
        ),
        pytest.param(
            RULE_R2,
            "kind: min_credit, min: 12.5,",
            "q.yaml:29:37: error[E103]: rules[2].min must be a whole number, not the number 12.5\n"
            "    hint: write a whole number, without a decimal point\n",
            id="min-a-fraction",
        ),
        pytest.param(
            U3,
            U3.replace("credit: 4", 'credit: "4"'),
            "q.yaml:25:48: error[E103]: units[3].credit must be a whole number, not text\n"
            "    hint: write the number without quotes: 4\n",
            id="credit-a-quoted-number-once",
        ),
    ],
)
def test_a_centre_file_refused_with_what_is_wrong(
    qcheck, old: str, new: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    assert old in GOOD
    new = new.encode().decode("unicode_escape") if "\\u" in new else new
    assert qcheck(GOOD.replace(old, new)) == (1 if expected else 0, expected)


def test_a_unit_without_criteria_in_the_source_may_have_an_outcome_without_criteria(qcheck) -> None:  # type: ignore[no-untyped-def]
    text = GOOD.replace(
        '        criteria:\n          - {id: "1.1", text: Do it}\n'
        '          - {id: "1.2", text: Do it again}\n',
        "        criteria: []\n",
    ).replace(
        "    credit: 3\n    outcomes:",
        "    credit: 3\n    criteria_in_source: false\n    outcomes:",
    )
    assert qcheck(text) == (0, "")


def test_a_unit_defined_here_and_included_is_reported(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    Path("lib.yaml").write_text(
        "format: 1\nkind: units\nid: lib\ntitle: Library\nunits:\n"
        '  - {id: "U3", title: Three, level: 2, credit: 4, outcomes: []}\n'
    )
    Path("q.yaml").write_text(GOOD.replace("groups:", "include:\n  - from: lib.yaml\ngroups:", 1))
    result = runner.invoke(app, ["qualification", "check", "q.yaml"])
    assert (result.exit_code, result.stdout) == (
        1,
        'q.yaml:7:5: error[E501]: unit "U3" is included from lib.yaml (line 7) and also defined '
        "at line 27\n"
        "    hint: keep one of them: remove the unit defined here, or name the include's "
        "`units:` without it\n",
    )


BAD_FORMAT = GOOD.replace("format: 1", "format: 2")


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (
            "csv",
            "file,line,col,severity,code,message,hint\n"
            "q.yaml,1,9,error,E105,format is 2: it must be 1,"
            '"the version of the file format: write `format: 1`, the version this evitrack reads"\n',
        ),
        ("markdown", "- `q.yaml:1:9: error[E105]: format is 2: it must be 1`\n"),
    ],
)
def test_check_speaks_every_format_check_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("q.yaml").write_text(BAD_FORMAT)
    result = runner.invoke(app, ["qualification", "check", "q.yaml", "--format", fmt])
    assert (result.exit_code, result.stdout) == (1, expected)


@pytest.mark.slow
def test_check_of_a_shipped_id_checks_the_shipped_file() -> None:
    result = runner.invoke(app, ["qualification", "check", "ncfe-l3-diploma-customer-service"])
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "ok: 1 file checked, no problems\n"


def test_one_missing_file_among_several_is_named_and_the_others_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("q.yaml").write_text(BAD_FORMAT)
    result = runner.invoke(app, ["qualification", "check", "nope.yaml", "q.yaml"])
    assert result.exit_code == 2
    assert result.stdout == (
        "q.yaml:1:9: error[E105]: format is 2: it must be 1\n"
        "    hint: the version of the file format: write `format: 1`, the version this "
        "evitrack reads\n"
    )
    assert result.stderr == (
        "evitrack: error: nope.yaml: no such file\n"
        "    hint: pass the path of a qualification file (or a shipped id: "
        "`evitrack qualification list`)\n"
    )


def test_a_file_named_on_the_command_line_is_read_wherever_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    there, here = tmp_path / "centre", tmp_path / "work"
    there.mkdir()
    here.mkdir()
    (there / "lib.yaml").write_text(
        "format: 1\nkind: units\nid: lib\ntitle: Library\nunits:\n"
        '  - {id: "U5", title: Five, level: 2, credit: 1, outcomes: []}\n'
    )
    (there / "q.yaml").write_text(
        GOOD.replace("groups:", "include:\n  - from: lib.yaml\ngroups:", 1)
    )
    monkeypatch.chdir(here)
    shown = runner.invoke(app, ["qualification", "show", str(there / "q.yaml"), "-u", "U1"])
    assert (shown.exit_code, shown.stdout) == (
        0,
        "Centre Award in Service (centre-award; Centre, level 2)\n"
        "└── U1 One — level 2, credit 3\n"
        "    └── 1 Do one\n"
        "        ├── 1.1 Do it\n"
        "        └── 1.2 Do it again\n",
    )
    relative = runner.invoke(app, ["qualification", "show", "../centre/q.yaml", "-f", "json"])
    assert relative.exit_code == 0, relative.output
    assert [u["id"] for u in json.loads(relative.stdout)["units"]] == ["U5", "U1", "U2", "U3", "U4"]
    checked = runner.invoke(app, ["qualification", "check", str(there / "q.yaml")])
    assert (checked.exit_code, checked.stdout) == (0, "")
    planned = runner.invoke(
        app, ["plan", "--qualification", "../centre/q.yaml", "--units", "U1,U2,U3"]
    )
    assert planned.exit_code == 0, planned.output


def test_the_includes_of_a_named_file_stay_in_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lib.yaml").write_text(
        "format: 1\nkind: units\nid: lib\ntitle: Library\nunits:\n"
        '  - {id: "U5", title: Five, level: 2, credit: 1, outcomes: []}\n'
    )
    (tmp_path / "centre").mkdir()
    (tmp_path / "centre" / "q.yaml").write_text(
        GOOD.replace("groups:", "include:\n  - from: ../lib.yaml\ngroups:", 1)
    )
    monkeypatch.chdir(tmp_path)
    shown = runner.invoke(app, ["qualification", "show", "centre/q.yaml"])
    assert shown.exit_code == 2
    assert 'include "../lib.yaml" leads outside the folder' in shown.stderr


def test_a_rule_key_no_kind_reads_is_reported_once_as_unknown(qcheck) -> None:  # type: ignore[no-untyped-def]
    code, out = qcheck(GOOD.replace(RULE_R2, "kind: min_credit, min: 10, credit: 2,"))
    assert (code, out) == (
        1,
        'q.yaml:29:41: error[E101]: unknown key "rules[2].credit"\n'
        '    hint: did you mean "reading"?\n',
    )
