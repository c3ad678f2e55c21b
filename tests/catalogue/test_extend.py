"""`qualification extend`: a centre's file giving the criteria the source document lacks.

The EDI support pack stops inside unit CU810: 25 units (all of groups D and E among
them) have no criteria, so no EDI learner could reach the full award without a centre
file that extends the shipped one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evitrack.cli import app

runner = CliRunner()
QID = "edi-l2-nvq-customer-service"
SHIPPED = Path(__file__).parents[2] / "src" / "evitrack" / "catalogue" / f"{QID}.yaml"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


NO_CRITERIA = [
    "CU811", "CU812", "CU821", "CU822", "CU823", "CU813", "CU814", "CU815", "CU816",
    "CU756", "CU817", "CU824", "CU825", "CU826", "CU827", "CU828", "CU829", "CU830",
    "CU831", "CU832", "CU833", "CU834", "CU835", "CU836", "CU837",
]  # fmt: skip
STUB_HINT = (
    "    hint: copy the unit's outcomes and criteria from your copy of the specification, "
    "word for word, in place of the TODO placeholders; or remove the unit from this file to "
    "keep it as shipped (without criteria)\n"
)
CU815_FILLED = """\
    outcomes:
      - id: "1"
        title: "Solve customer service problems"
        criteria:
          - id: "1.1"
            text: "Identify the problem"
          - id: "1.2"
            text: "Solve the problem"
"""


def _extend(*args: str) -> object:
    return runner.invoke(app, ["qualification", "extend", QID, *args])


def _fill(path: Path, uid: str, outcomes: str = CU815_FILLED) -> None:
    """Replace a stub's placeholder outcome with real ones (what the centre does)."""
    text = path.read_text()
    start = text.index(f'  - id: "{uid}"')
    at = text.index("    outcomes:\n", start)
    end = text.find("\n  # CU", at)
    end = len(text) if end < 0 else end + 1
    path.write_text(text[:at] + outcomes + text[end:])


def test_extend_writes_a_stub_for_each_unit_without_criteria(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = _extend("-o", "qualifications/edi.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout == "qualifications/edi.yaml\n"
    assert result.stderr.startswith(
        "qualifications/edi.yaml: edi-l2-nvq-customer-service-centre, extending "
        f"{QID}, with a stub for each of the 25 units without criteria in the source: "
        + ", ".join(NO_CRITERIA)
        + "\n"
    )
    text = (tmp_path / "qualifications" / "edi.yaml").read_text()
    assert 'id: "edi-l2-nvq-customer-service-centre"\nextends: "edi-l2-nvq-customer-service"\n' in (
        text
    )
    assert text.count("  # TODO: replace the outcome and criterion below") == 25
    assert (
        "  # CU815 (C3) Resolve customer service problems: group D, level 2, 6 credits\n"
        "  # TODO: replace the outcome and criterion below with the unit's own, word for word.\n"
        '  - id: "CU815"\n'
        '    aliases: ["C3"]\n'
        '    title: "Resolve customer service problems"\n'
        "    level: 2\n"
        "    credit: 6\n"
        "    glh: null\n"
        '    group: "D"\n'
    ) in text
    assert '      forbidden_methods: ["simulation"]\n' in text
    checked = runner.invoke(app, ["qualification", "check", "qualifications/edi.yaml"])
    assert checked.exit_code == 0
    assert checked.stdout.count("warning[W508]") == 25

    # the file loads as the qualification it extends: same groups, rules and number
    shown = runner.invoke(app, ["qualification", "show", "qualifications/edi.yaml", "-f", "json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    shipped = json.loads(runner.invoke(app, ["qualification", "show", QID, "-f", "json"]).stdout)
    assert data["id"] == "edi-l2-nvq-customer-service-centre"
    assert data["extends"] == QID
    for key in ("title", "awarding_body", "number", "level", "framework", "groups", "rules"):
        assert data[key] == shipped[key], key
    assert [u["id"] for u in data["units"]] == [u["id"] for u in shipped["units"]]
    # an unfilled stub is still a unit without criteria
    assert [u["id"] for u in data["units"] if not u["criteria_in_source"]] == NO_CRITERIA


def test_check_warns_at_each_stub_until_it_is_filled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _extend("-o", "edi.yaml").exit_code == 0
    result = runner.invoke(app, ["qualification", "check", "edi.yaml"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines(keepends=True)
    assert len(lines) == 50
    assert lines[:2] == [
        "edi.yaml:36:16: warning[W508]: unit CU811 is still a stub: the title of outcome 1 and "
        "criterion 1.1 are placeholders\n",
        STUB_HINT,
    ]
    _fill(tmp_path / "edi.yaml", "CU815")
    after = runner.invoke(app, ["qualification", "check", "edi.yaml"])
    assert after.exit_code == 0
    assert "CU815" not in after.stdout
    assert after.stdout.count("warning[W508]") == 24
    # every stub filled in or removed: the file checks clean
    text = (tmp_path / "edi.yaml").read_text()
    start = text.index("  # CU811")
    end = text.index("  # CU815")
    cut = text[:start] + text[end:]
    cut = cut[: cut.index("  # CU816")]
    (tmp_path / "edi.yaml").write_text(cut)
    clean = runner.invoke(app, ["qualification", "check", "edi.yaml"])
    assert (clean.exit_code, clean.stdout) == (0, "")
    units = json.loads(
        runner.invoke(app, ["qualification", "show", "edi.yaml", "-f", "json"]).stdout
    )["units"]
    assert [u["id"] for u in units if not u["criteria_in_source"]] == [
        u for u in NO_CRITERIA if u != "CU815"
    ]


def test_an_extending_file_replaces_units_and_keeps_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("q.yaml").write_text(
        "format: 1\nid: edi-centre\nextends: edi-l2-nvq-customer-service\ntitle: EDI NVQ\n"
        "units:\n"
        '  - {id: CU815, title: Resolve, level: 2, credit: 6, group: "Q", '
        'outcomes: [{id: "1", title: t, criteria: [{id: "1.1", text: x}]}]}\n'
    )
    result = runner.invoke(app, ["qualification", "check", "q.yaml"])
    assert (result.exit_code, result.stdout) == (
        1,
        'q.yaml:6:61: error[E503]: unit CU815 says it is in group "Q", which is not defined\n'
        "    hint: define the group under `groups:`\n",
    )
    Path("q.yaml").write_text(Path("q.yaml").read_text().replace('"Q"', '"D"'))
    assert runner.invoke(app, ["qualification", "check", "q.yaml"]).exit_code == 0
    Path("r.yaml").write_text("format: 1\nid: r-centre\nextends: nowhere.yaml\ntitle: R\n")
    missing = runner.invoke(app, ["qualification", "check", "r.yaml"])
    assert (missing.exit_code, missing.stdout) == (
        1,
        'r.yaml:3:10: error[E506]: r.yaml: include "nowhere.yaml" not found\n',
    )


def test_extend_refuses_to_overwrite_leave_the_folder_or_follow_a_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _extend("-o", "edi.yaml").exit_code == 0
    Path("edi.yaml").write_text("# the centre's work\n")
    again = _extend("-o", "edi.yaml")
    assert (again.exit_code, again.stderr) == (
        2,
        "evitrack: error: edi.yaml exists: not replaced\n"
        "    hint: give --force to replace it (the units filled in there are lost), or "
        "another -o\n",
    )
    assert Path("edi.yaml").read_text() == "# the centre's work\n"
    assert _extend("-o", "edi.yaml", "--force").exit_code == 0
    assert "extends:" in Path("edi.yaml").read_text()

    outside = _extend("-o", "../edi.yaml")
    assert outside.exit_code == 2
    assert "outside the current folder" in outside.stderr
    assert not (tmp_path.parent / "edi.yaml").exists()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, tmp_path / "linked")
    through = _extend("-o", "linked/edi.yaml")
    assert through.exit_code == 2
    assert "a link: nothing is written through it" in through.stderr
    os.symlink(elsewhere / "x.yaml", tmp_path / "x.yaml")
    onto = _extend("-o", "x.yaml", "--force")
    assert onto.exit_code == 2
    assert "x.yaml: a link: not replaced" in onto.stderr
    assert list(elsewhere.iterdir()) == []

    shipped_only = runner.invoke(app, ["qualification", "extend", "edi.yaml"])
    assert shipped_only.exit_code == 2
    assert "is not a shipped qualification" in shipped_only.stderr
    nothing = runner.invoke(app, ["qualification", "extend", "ncfe-l3-diploma-customer-service"])
    assert nothing.exit_code == 2
    assert "there is nothing to fill in" in nothing.stderr


def _portfolio(root: Path, units: list[str]) -> Path:
    result = runner.invoke(
        app,
        ["init", str(root), "-q", QID, "--name", "Ann Lee", "--registration", "R1",
         "--units", ",".join(units)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return root


@pytest.mark.slow
def test_a_learner_completes_and_signs_a_unit_once_the_centre_gives_its_criteria(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _portfolio(tmp_path / "p", ["CU815"])
    monkeypatch.chdir(root)
    add = runner.invoke(
        app,
        ["add", "-t", "Solved a delivery problem", "-m", "Obs", "-c", "CU815/1.1",
         "-c", "CU815/1.2", "--description", "Found and solved it"],
    )  # fmt: skip
    assert add.exit_code == 0, add.output
    runner.invoke(app, ["assess", "E0002", "--accept", "--assessor", "Jo Smith"])

    # on the shipped file: cited, listed by the matrix, but never complete
    matrix = runner.invoke(app, ["matrix", "-u", "CU815", "-f", "markdown"])
    assert matrix.exit_code == 0, matrix.output
    assert (
        "| Portfolio ref | Evidence description | Ass meth | Criteria cited |\n"
        "|---|---|---|---|\n"
        "| E0002 | Solved a delivery problem ("
    ) in matrix.stdout
    assert "| Obs | 1.1, 1.2 |\n" in matrix.stdout
    refused = runner.invoke(app, ["sign", "CU815", "--as", "learner", "--initials", "AL"])
    assert (refused.exit_code, refused.stderr) == (
        1,
        "evitrack: unit CU815 was not signed off:\n"
        "  unit CU815 has no criteria text in the source: it cannot be shown complete\n"
        "    hint: the source document prints no criteria for CU815: a centre can give them "
        f"in a file of its own, `evitrack qualification extend {QID} -o "
        f"qualifications/{QID}.yaml`, and set the portfolio's `qualification:` to it\n",
    )

    # the centre's file, filled in for CU815, and the portfolio pointed at it
    assert _extend().exit_code == 0
    centre = root / "qualifications" / f"{QID}.yaml"
    _fill(centre, "CU815")
    config = root / "evitrack.yaml"
    config.write_text(
        config.read_text().replace(
            f"qualification: {QID}", f"qualification: qualifications/{centre.name}"
        )
    )
    check = runner.invoke(app, ["check"])
    assert "W206" not in check.stdout and "E203" not in check.stdout, check.stdout
    gaps = json.loads(runner.invoke(app, ["gaps", "-f", "json"]).stdout)
    assert gaps["qualification"] == "edi-l2-nvq-customer-service-centre"
    (cu815,) = [u for u in gaps["units"] if u["unit"] == "CU815"]
    assert (cu815["accepted"], cu815["complete"]) == (["1.1", "1.2"], True)
    signed = runner.invoke(app, ["sign", "CU815", "--as", "learner", "--initials", "AL"])
    assert signed.exit_code == 0, signed.output
    matrix = runner.invoke(app, ["matrix", "-u", "CU815", "-f", "markdown"])
    assert "| E0002 | Solved a delivery problem" in matrix.stdout
    assert "| Portfolio ref | Evidence description | Ass meth | 1.1 | 1.2 |" in matrix.stdout

    # the pack names the qualification as the awarding body knows it, and the centre's file
    # (init's untouched sample record never goes into a pack: the learner removes it first)
    (root / "evidence" / "E0001.yaml").unlink()
    claim = runner.invoke(app, ["claim", "build", "--draft", "-o", "pack"])
    assert claim.exit_code == 0, claim.output
    summary = json.loads((root / "pack" / "summary.json").read_text())
    assert summary["qualification"] == {
        "id": "edi-l2-nvq-customer-service-centre",
        "title": "EDI Level 2 NVQ Certificate in Customer Service",
        "awarding_body": "EDI",
        "number": None,
        "level": 2,
        "extends": QID,
        "files": [
            {"path": f"qualifications/{QID}.yaml", "shipped": False, "sha256": sha256(centre)},
            {"path": f"evitrack/catalogue/{QID}.yaml", "shipped": True, "sha256": sha256(SHIPPED)},
        ],
    }


def test_an_extending_file_keeps_the_qualification_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("q.yaml").write_text(
        "format: 1\nid: ncfe-centre\nextends: ncfe-l3-diploma-customer-service\n"
        "title: NCFE Level 3 Diploma in Customer Service\n"
    )
    result = runner.invoke(app, ["qualification", "show", "q.yaml", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["id"], data["number"], data["level"], data["awarding_body"]) == (
        "ncfe-centre",
        "601/3974/2",
        3,
        "NCFE",
    )
    assert len(data["units"]) == 45 and [r["id"] for r in data["rules"]][-1] == "R6"


def test_init_and_plan_say_which_units_have_no_criteria(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["init", str(tmp_path / "p"), "-q", QID, "--name", "A B", "--registration", "R"]
    )
    assert result.exit_code == 0
    assert (
        "\nnote: 25 units of edi-l2-nvq-customer-service have no criteria text in the source "
        f"document ({', '.join(NO_CRITERIA)}): evidence can cite them, but they cannot be shown "
        "complete, signed off or claimed\n"
        "    hint: the source document prints no criteria for them: a centre can give them in "
        f"a file of its own, `evitrack qualification extend {QID} -o qualifications/{QID}.yaml`"
        ", and set the portfolio's `qualification:` to it\n"
    ) in result.stderr
    ncfe = runner.invoke(
        app,
        ["init", str(tmp_path / "n"), "-q", "ncfe-l3-diploma-customer-service", "--name", "A B",
         "--registration", "R"],
    )  # fmt: skip
    assert "note:" not in ncfe.stderr
    plan = runner.invoke(app, ["plan", str(tmp_path / "p"), "-f", "markdown"])
    assert plan.exit_code in (0, 1), plan.output
    assert "(not in the source)" in plan.stdout
    assert "\nhint: the source document prints no criteria for CU" in plan.stdout
    # markdown: the command's backticks are the hint's own text, escaped
    assert f"\\`evitrack qualification extend {QID} -o qualifications/{QID}.yaml\\`" in plan.stdout


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"c.yaml": "c.yaml"},
            'c.yaml:3:10: error[E506]: "c.yaml" extends itself\n',
        ),
        (
            {"c.yaml": "b.yaml", "b.yaml": "c.yaml"},
            "c.yaml:3:10: error[E506]: qualification file b.yaml has a problem: b.yaml:3:10: "
            "error[E506]: include cycle: c.yaml -> b.yaml -> c.yaml\n"
            "    hint: see them all with `evitrack qualification check b.yaml`\n",
        ),
        (
            {"c.yaml": "pearson-btec-l3-css-units"},
            'c.yaml:3:10: error[E506]: extends "pearson-btec-l3-css-units", which is a unit '
            "library, not a qualification\n"
            "    hint: extend a qualification; bring a library's units in with `include:`\n",
        ),
    ],
)
def test_what_an_extending_file_may_not_extend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, base in files.items():
        Path(name).write_text(f"format: 1\nid: {name[0]}-x\nextends: {base}\ntitle: T\n")
    checked = runner.invoke(app, ["qualification", "check", "c.yaml"])
    assert (checked.exit_code, checked.stdout) == (1, expected)
    shown = runner.invoke(app, ["qualification", "show", "c.yaml"])
    assert shown.exit_code == 2
    assert shown.stderr.startswith("evitrack: error: qualification file ")
    assert "error[E506]" in shown.stderr
