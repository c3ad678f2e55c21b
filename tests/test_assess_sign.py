"""evitrack assess and evitrack sign: decisions and sign-offs that leave the rest of the file alone."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from effort import examples
from evitrack import portfolio as pf
from evitrack import yamlio
from evitrack.cli import app
from helpers import init_portfolio

runner = CliRunner()
FRAGMENT = "unit-fragment-customer-service-standards"
NCFE = "ncfe-l3-diploma-customer-service"
TODAY = dt.date.today().isoformat()


def init(tmp_path: Path, qualification: str = FRAGMENT, units: str = "") -> Path:
    return init_portfolio(
        tmp_path / "p", qualification, name="Tom Whitfield", registration="CSS-031", units=units
    )


ODD = """\
# A record written by hand, with comments and odd quoting.
id: "E0007"   # quoted id
title: 'Observed: the "heads of department" meeting'
date: 2026-03-30
methods:
- observation        # dash at the key's column
description: >-
  Folded text,
    with an indented line.
criteria:
  '1':   [ "2.4", '2.5',   "3.1" ]   # flow with odd spacing
# a comment before the end
location: ~
"""


def test_assess_appends_the_decision_and_keeps_every_other_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init(tmp_path)
    record = root / "evidence" / "E0007-meeting.yaml"
    record.write_text(ODD)
    monkeypatch.chdir(root)
    monkeypatch.setenv("EVITRACK_ASSESSOR", "Helen Carter")
    result = runner.invoke(
        app,
        [
            "assess",
            "E0007",
            "--accept",
            "--date",
            "2026-04-02",
            "--comment",
            "Clear, confident presentation: well done",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "evidence/E0007-meeting.yaml\n"
    assert result.stderr == "E0007 accepted by Helen Carter on 2026-04-02\n"
    fingerprint = pf.fingerprint(
        pf.as_written(yamlio.parse(ODD), ODD),
        {
            "decision": "accepted",
            "assessor": "Helen Carter",
            "date": dt.date(2026, 4, 2),
            "comment": "Clear, confident presentation: well done",
        },
    )
    assert fingerprint.startswith("v2:")
    assert record.read_text() == ODD + (
        "assessment:  # written by `evitrack assess`; the fingerprint covers the record and "
        "this decision\n"
        "  decision: accepted\n"
        "  assessor: Helen Carter\n"
        "  date: 2026-04-02\n"
        '  comment: "Clear, confident presentation: well done"\n'
        f"  fingerprint: {fingerprint}\n"
    )
    check = runner.invoke(app, ["check"])
    assert (check.exit_code, check.stdout) == (0, "")

    # a new decision replaces the block, wherever it is, and nothing else
    moved = record.read_text().replace(ODD, "")
    record.write_text(
        ODD.replace("# a comment before the end\n", moved + "# a comment before the end\n")
    )
    before = record.read_text()
    result = runner.invoke(
        app,
        [
            "assess",
            str(record),
            "--refer",
            "--assessor",
            "H. Carter",
            "--comment",
            "Line one.\nLine two: details.",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"E0007 referred by H. Carter on {TODAY} (was accepted)\n"
        '  note: this replaces the earlier comment: "Clear, confident presentation: well done"\n'
    )
    after = record.read_text()
    fingerprint = pf.fingerprint(
        pf.as_written(yamlio.parse(ODD), ODD),
        {
            "decision": "referred",
            "assessor": "H. Carter",
            "date": dt.date.today(),
            "comment": "Line one.\nLine two: details.\n",
        },
    )
    assert after == before.replace(
        moved,
        (
            "assessment:  # written by `evitrack assess`; the fingerprint covers the record and "
            "this decision\n"
            "  decision: referred\n"
            "  assessor: H. Carter\n"
            f"  date: {TODAY}\n"
            "  comment: |\n"
            "    Line one.\n"
            "    Line two: details.\n"
            f"  fingerprint: {fingerprint}\n"
        ),
    )
    assert yamlio.parse(after)["assessment"]["comment"] == "Line one.\nLine two: details.\n"


def test_a_change_after_acceptance_is_reported_until_assessed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init(tmp_path)
    monkeypatch.chdir(root)
    assert (
        runner.invoke(
            app, ["add", "-t", "Plan", "-m", "product", "-c", "1/2.3", "--date", "2026-03-01"]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app, ["assess", "E0001", "--accept", "--assessor", "Jo Smith", "--date", "2026-03-05"]
        ).exit_code
        == 0
    )
    path = root / "evidence" / "E0001-plan.yaml"
    path.write_text(path.read_text().replace("title: Plan", "title: Plan (revised)"))
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0
    assert (
        "warning[W401]: record or its assessment changed after the decision was recorded "
        "(it reads: accepted by Jo Smith on 2026-03-05)" in result.stdout
    )
    gaps = runner.invoke(app, ["gaps", "--format", "json"]).stdout
    assert '"2.3": [\n          "E0001 changed after it was accepted"\n        ]' in gaps
    assert (
        runner.invoke(app, ["assess", "E0001", "--accept", "--assessor", "Jo Smith"]).exit_code == 0
    )
    result = runner.invoke(app, ["check"])
    assert (result.exit_code, result.stdout) == (0, "")


def test_a_record_with_errors_is_not_assessed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init(tmp_path)
    monkeypatch.chdir(root)
    bad = root / "evidence" / "E0002-bad.yaml"
    text = (
        'id: E0002\ntitle: Bad\ndate: 2026-03-01\nmethods: [product]\ndescription: ""\n'
        'criteria:\n  "1": ["9.9"]\n'
    )
    bad.write_text(text)
    result = runner.invoke(app, ["assess", "E0002", "--accept", "--assessor", "Jo Smith"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "evitrack: E0002 was not assessed: the record has problems an assessor must not sign off\n"
        'evidence/E0002-bad.yaml:7:9: error[E203]: unit 1 has no criterion "9.9"\n'
        "    hint: unit 1 has: 1.1, 1.2, 2.1, 2.2, 2.3, 2.4, 2.5, 3.1, 4.1, 4.2, 4.3, 5.1 ...\n"
    )
    assert bad.read_text() == text
    # an attached file without its sha256 cannot be pinned by the acceptance
    (root / "files" / "a.txt").write_text("a\n")
    bad.write_text(text.replace('["9.9"]', '["1.1"]') + "files:\n  - path: files/a.txt\n")
    result = runner.invoke(app, ["assess", "E0002", "--accept", "--assessor", "Jo Smith"])
    assert result.exit_code == 1
    assert "warning[W304]" in result.stderr
    assert runner.invoke(app, ["hash", "E0002"]).exit_code == 0
    assert (
        runner.invoke(app, ["assess", "E0002", "--accept", "--assessor", "Jo Smith"]).exit_code == 0
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["--accept"],
            {},
            "evitrack: error: who is assessing? give --assessor NAME\n"
            "    hint: or set EVITRACK_ASSESSOR once in your shell profile\n",
        ),
        (["--assessor", "J"], {}, "evitrack: error: give one of --accept or --refer\n"),
        (
            ["--accept", "--refer", "--assessor", "J"],
            {},
            "evitrack: error: give one of --accept or --refer\n",
        ),
        (
            ["--refer"],
            {"EVITRACK_ASSESSOR": "Jo"},
            "evitrack: error: a referral needs --comment saying what the learner should do\n",
        ),
        (
            ["--accept", "--date", "2026-02-01"],
            {"EVITRACK_ASSESSOR": "Jo"},
            "evitrack: error: assessment date 2026-02-01 is before the evidence date 2026-03-01\n"
            "    hint: evidence is assessed after it exists: check both dates\n",
        ),
        (
            ["--accept", "--date", "2999-01-01"],
            {"EVITRACK_ASSESSOR": "Jo"},
            "evitrack: error: assessment date 2999-01-01 is in the future\n",
        ),
    ],
)
def test_assess_usage_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    root = init(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.delenv("EVITRACK_ASSESSOR", raising=False)
    assert (
        runner.invoke(
            app, ["add", "-t", "Plan", "-m", "product", "-c", "1/2.3", "--date", "2026-03-01"]
        ).exit_code
        == 0
    )
    before = (root / "evidence" / "E0001-plan.yaml").read_text()
    result = runner.invoke(app, ["assess", "E0001", *args], env=env)
    assert result.exit_code == 2
    assert result.stderr == message
    assert (root / "evidence" / "E0001-plan.yaml").read_text() == before


def test_unknown_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = init(tmp_path)
    monkeypatch.chdir(root)
    assert runner.invoke(app, ["add", "-t", "Plan", "-m", "product", "-c", "1/2.3"]).exit_code == 0
    result = runner.invoke(app, ["assess", "E001", "--accept", "--assessor", "Jo"])
    assert result.exit_code == 2
    assert (
        result.stderr == 'evitrack: error: no record "E001" in .\n    hint: did you mean "E0001"?\n'
    )


# ---- sign -----------------------------------------------------------------------------


def complete_the_unit(root: Path) -> None:
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
    result = runner.invoke(
        app,
        ["add", str(root), "-t", "Everything", "-m", "product", "-c", refs, "--date", "2026-05-01"],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app,
        [
            "assess",
            "E0001",
            str(root),
            "--accept",
            "--assessor",
            "Helen Carter",
            "--date",
            "2026-05-04",
        ],
    )
    assert result.exit_code == 0, result.output


def test_sign_writes_the_signoffs_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init(tmp_path)
    complete_the_unit(root)
    portfolio = root / "evitrack.yaml"
    original = portfolio.read_text()
    assert "signoffs: {}\n" in original
    result = runner.invoke(
        app,
        ["sign", "1", str(root), "--as", "assessor", "--initials", "HC", "--date", "2026-05-04"],
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "unit 1 signed off by the assessor: assessor HC, assessor_date 2026-05-04, assessed 2026-05-04\n"
    )
    loaded = pf.load(root)
    assert loaded.portfolio is not None
    evidence = pf.signoff_fingerprint("1", loaded.portfolio.records)
    assert evidence.startswith("v2:")
    assert portfolio.read_text() == original.replace(
        "signoffs: {}\n",
        (
            "signoffs:\n"
            '  "1":\n'
            "    assessed: 2026-05-04\n"
            "    assessor: HC\n"
            "    assessor_date: 2026-05-04\n"
            f"    fingerprint: {evidence}\n"
        ),
    )
    monkeypatch.chdir(root / "evidence")
    assert (
        runner.invoke(
            app, ["sign", "1", "--as", "learner", "--initials", "TW", "--date", "2026-05-05"]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app, ["sign", "1", "--as", "iv", "--initials", "PK", "--date", "2026-05-20"]
        ).exit_code
        == 0
    )
    assert portfolio.read_text() == original.replace(
        "signoffs: {}\n",
        (
            "signoffs:\n"
            '  "1":\n'
            "    assessed: 2026-05-04\n"
            "    learner: TW\n"
            "    learner_date: 2026-05-05\n"
            "    assessor: HC\n"
            "    assessor_date: 2026-05-04\n"
            "    iv: PK\n"
            "    iv_date: 2026-05-20\n"
            f"    fingerprint: {evidence}\n"
        ),
    )
    check = runner.invoke(app, ["check"])
    assert (check.exit_code, check.stdout) == (0, "")


def test_sign_keeps_comments_and_an_alias_key(tmp_path: Path) -> None:
    root = init(tmp_path, NCFE, "09")
    portfolio = root / "evitrack.yaml"
    text = portfolio.read_text().replace(
        "signoffs: {}\n",
        (
            "signoffs:\n"
            "  # unit 01 was signed on paper first\n"
            "  L/506/2150:   # alias of 01\n"
            "    assessed: 2026-01-10\n"
            "    assessor: 'JS'   # quoted initials\n"
            "    assessor_date: 2026-01-10\n"
            "# trailing comment that belongs to what follows\n"
            "settings:\n"
            "  currency_years: 3\n"
        ),
    )
    portfolio.write_text(text)
    # make 01 complete: every criterion accepted
    from evitrack import catalogue

    unit = catalogue.load(NCFE).units["01"]
    refs = ",".join(f"01/{c.id}" for c in unit.criteria)
    assert (
        runner.invoke(
            app,
            [
                "add",
                str(root),
                "-t",
                "All of 01",
                "-m",
                "observation",
                "-c",
                refs,
                "--date",
                "2026-01-05",
            ],
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app,
            [
                "assess",
                "E0001",
                str(root),
                "--accept",
                "--assessor",
                "Jo Smith",
                "--date",
                "2026-01-10",
            ],
        ).exit_code
        == 0
    )
    # the paper sign-off, tied to the evidence it rests on
    loaded = pf.load(root)
    assert loaded.portfolio is not None
    evidence = pf.signoff_fingerprint("01", loaded.portfolio.records)
    text = text.replace(
        "    assessor_date: 2026-01-10\n",
        f"    assessor_date: 2026-01-10\n    fingerprint: {evidence}  # of 01's evidence\n",
    )
    portfolio.write_text(text)
    result = runner.invoke(
        app,
        ["sign", "01", str(root), "--as", "learner", "--initials", "SP", "--date", "2026-01-11"],
    )
    assert result.exit_code == 0, result.output
    assert portfolio.read_text() == text.replace(
        "    assessed: 2026-01-10\n",
        "    assessed: 2026-01-10\n    learner: SP\n    learner_date: 2026-01-11\n",
    )


def test_sign_refuses_incomplete_units_unknown_units_and_iv_first(tmp_path: Path) -> None:
    root = init(tmp_path, NCFE, "09")
    before = (root / "evitrack.yaml").read_text()
    result = runner.invoke(app, ["sign", "09", str(root), "--as", "assessor", "--initials", "JS"])
    assert result.exit_code == 1
    assert result.stderr == (
        "evitrack: unit 09 was not signed off:\n"
        "  unit 09 is not complete: 17 of 17 criteria not accepted "
        "(1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 2.1, 2.2 ...)\n"
        "    hint: `evitrack gaps` shows what is left\n"
    )
    result = runner.invoke(app, ["sign", "10", str(root), "--as", "assessor", "--initials", "JS"])
    assert result.exit_code == 2
    assert result.stderr == (
        "evitrack: error: unit 10 (Gather, analyse and interpret customer feedback) is not among "
        "the chosen units\n    hint: chosen units: 01, 02, 03, 04, 05, 06, 09\n"
    )
    result = runner.invoke(app, ["sign", "9", str(root), "--as", "learner", "--initials", "SP"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        'evitrack: error: unknown unit "9" in ncfe-l3-diploma-customer-service\n'
    )
    assert 'did you mean "09"?' in result.stderr
    result = runner.invoke(app, ["sign", "09", str(root), "--as", "tutor", "--initials", "SP"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["sign", "09", str(root), "--as", "learner", "--initials", "12"])
    assert result.exit_code == 2
    assert result.stderr == 'evitrack: error: initials "12" should be letters, e.g. "JS"\n'
    assert (root / "evitrack.yaml").read_text() == before

    root2 = init(tmp_path / "b")
    complete_the_unit(root2)
    result = runner.invoke(app, ["sign", "1", str(root2), "--as", "iv", "--initials", "PK"])
    assert result.exit_code == 1
    assert (
        "unit 1 has no assessor sign-off yet: the internal verifier countersigns it"
        in result.stderr
    )


def test_an_acceptance_typed_in_by_hand_does_not_count_until_assess_records_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init(tmp_path)
    record = root / "evidence" / "E0007-meeting.yaml"
    record.write_text(
        ODD + "assessment:\n  decision: accepted\n  assessor: Helen Carter\n  date: 2026-04-02\n"
    )
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0
    assert result.stdout == (
        "evidence/E0007-meeting.yaml:14:1: warning[W406]: marked accepted by Helen Carter "
        "without a fingerprint, so it does not count: a change made since could not be seen\n"
        "    hint: ask the assessor to record the decision: `evitrack assess E0007 --accept`\n"
    )
    gaps = runner.invoke(app, ["gaps", "--format", "json"])
    unit = json.loads(gaps.stdout)["units"][0]
    assert "2.4" in unit["evidenced"]
    assert unit["reasons"]["2.4"] == ["E0007 marked accepted without a fingerprint"]
    result = runner.invoke(app, ["assess", "E0007", "--accept", "--assessor", "Helen Carter"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["check"]).stdout == ""
    gaps = runner.invoke(app, ["gaps", "--format", "json"])
    assert "2.4" in json.loads(gaps.stdout)["units"][0]["accepted"]


def test_sign_says_what_it_replaces_and_refuses_dates_out_of_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init(tmp_path)
    complete_the_unit(root)
    monkeypatch.chdir(root)

    def sign(*args: str) -> Any:
        return runner.invoke(app, ["sign", "1", *args])

    assert sign("--as", "assessor", "--initials", "HC", "--date", "2026-05-04").exit_code == 0
    assert sign("--as", "learner", "--initials", "TW", "--date", "2026-05-05").exit_code == 0
    again = sign("--as", "learner", "--initials", "TW", "--date", "2026-05-06")
    assert again.exit_code == 0
    assert again.stderr == (
        "unit 1 signed off by the learner: learner TW, learner_date 2026-05-06\n"
        "  note: this replaces the earlier learner_date 2026-05-05\n"
    )
    before = (root / "evitrack.yaml").read_text()
    early = sign("--as", "iv", "--initials", "PK", "--date", "2026-05-01")
    assert early.exit_code == 1
    assert early.stderr == (
        "evitrack: unit 1 was not signed off:\n"
        "  iv date 2026-05-01 is before assessor date 2026-05-04: "
        "the internal verifier countersigns after the assessor\n"
        "  --date 2026-05-01 is before unit 1 was complete: E0001 was accepted on 2026-05-04\n"
        "    hint: give the right date with --date YYYY-MM-DD\n"
    )
    assert (root / "evitrack.yaml").read_text() == before
    iv = sign("--as", "iv", "--initials", "PK", "--date", "2026-05-20")
    assert iv.stderr == "unit 1 signed off by the IV: iv PK, iv_date 2026-05-20\n"

    # dates put out of order by hand: check warns, at the date
    (root / "evitrack.yaml").write_text(
        (root / "evitrack.yaml").read_text().replace("iv_date: 2026-05-20", "iv_date: 2026-05-02")
    )
    lines = (root / "evitrack.yaml").read_text().splitlines()
    n = next(i for i, line in enumerate(lines, 1) if "iv_date:" in line)
    result = runner.invoke(app, ["check"])
    assert (result.exit_code, result.stdout) == (
        0,
        f"evitrack.yaml:{n}:14: warning[W407]: sign-off of unit 1: iv date 2026-05-02 is "
        "before assessor date 2026-05-04: the internal verifier countersigns after the assessor\n"
        "    hint: check the dates against the signed form and correct the one that is wrong\n",
    )


def test_a_new_decision_says_which_comment_it_replaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init(tmp_path)
    (root / "evidence" / "E0007-meeting.yaml").write_text(ODD)
    monkeypatch.chdir(root)
    refer = ["assess", "E0007", "--refer", "--assessor", "Jo", "--comment", "Add the  minutes."]
    assert runner.invoke(app, refer).exit_code == 0
    result = runner.invoke(app, ["assess", "E0007", "--accept", "--assessor", "Jo"])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"E0007 accepted by Jo on {TODAY} (was referred)\n"
        '  note: this replaces the earlier comment: "Add the minutes."\n'
    )


# ---- what a decision and a sign-off rest on ------------------------------------------


def ncfe_record(tmp_path: Path, criteria: str) -> Path:
    root = init(tmp_path, NCFE, "09,12")
    (root / "evidence" / "E0001-plan.yaml").write_text(
        "id: E0001\n"
        "title: Plan\n"
        "date: 2026-03-01\n"
        "methods: [product]\n"
        "description: A plan.\n"
        f"criteria:\n  {criteria}\n"
    )
    return root


def accept(root: Path, *extra: str) -> None:
    args = ["assess", "E0001", str(root), "--accept", "--assessor", "Jo Smith"]
    result = runner.invoke(app, [*args, "--date", "2026-03-05", *extra])
    assert result.exit_code == 0, result.output


def gaps(root: Path, unit: str) -> dict[str, Any]:
    result = runner.invoke(app, ["gaps", str(root), "--format", "json"])
    return next(u for u in json.loads(result.stdout)["units"] if u["unit"] == unit)


def test_a_criterion_written_as_a_number_is_fingerprinted_as_written(tmp_path: Path) -> None:
    root = ncfe_record(tmp_path, '"12": [2.10]')
    accept(root)
    assert gaps(root, "12")["accepted"] == ["2.10"]
    record = root / "evidence" / "E0001-plan.yaml"
    record.write_text(record.read_text().replace("[2.10]", "[2.1]"))
    result = runner.invoke(app, ["check", str(root)])
    assert result.exit_code == 0
    assert "warning[W401]: record or its assessment changed after the decision" in result.stdout
    assert gaps(root, "12")["accepted"] == []
    assert gaps(root, "12")["evidenced"] == ["2.1"]


@pytest.mark.parametrize(
    ("was", "now", "reads"),
    [
        ("decision: referred", "decision: accepted", "accepted by Jo Smith on 2026-03-05"),
        ("assessor: Jo Smith", "assessor: Sam Lee", "accepted by Sam Lee on 2026-03-05"),
        ("date: 2026-03-05", "date: 2026-03-02", "accepted by Jo Smith on 2026-03-02"),
        ("comment: Add the dates", "comment: Well done", "accepted by Jo Smith on 2026-03-05"),
    ],
)
def test_a_decision_edited_by_hand_does_not_count(
    tmp_path: Path, was: str, now: str, reads: str
) -> None:
    root = ncfe_record(tmp_path, '"09": ["1.1"]')
    verb = "--refer" if was.startswith("decision") else "--accept"
    args = ["assess", "E0001", str(root), verb, "--assessor", "Jo Smith", "--date", "2026-03-05"]
    result = runner.invoke(app, [*args, "--comment", "Add the dates"])
    assert result.exit_code == 0, result.output
    record = root / "evidence" / "E0001-plan.yaml"
    text = record.read_text()
    assert was in text
    record.write_text(text.replace(was, now))
    result = runner.invoke(app, ["check", str(root)])
    assert (result.exit_code, result.stdout) == (
        0,
        f"{pf.display_path(record)}:8:1: warning[W401]: record or its assessment changed after "
        f"the decision was recorded (it reads: {reads})\n"
        "    hint: ask the assessor to look again: `evitrack assess E0001 --accept`\n",
    )
    unit = gaps(root, "09")
    assert (unit["accepted"], unit["evidenced"]) == ([], ["1.1"])


def test_an_old_scheme_fingerprint_is_reported_and_does_not_count_until_recorded_again(
    tmp_path: Path,
) -> None:
    root = ncfe_record(tmp_path, '"09": ["1.1"]')
    record = root / "evidence" / "E0001-plan.yaml"
    record.write_text(
        record.read_text()
        + "assessment:\n  decision: accepted\n  assessor: Jo Smith\n  date: 2026-03-05\n"
        + "  fingerprint: 3f1c2a9e8b7d6c5f4e3d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7\n"
    )
    result = runner.invoke(app, ["check", str(root)])
    assert (result.exit_code, result.stdout) == (
        0,
        f"{pf.display_path(record)}:8:1: warning[W408]: accepted by Jo Smith on 2026-03-05 with "
        "an older fingerprint, which does not cover the decision itself, so it does not count\n"
        "    hint: ask the assessor to record the decision again with "
        "`evitrack assess E0001 --accept` (keep its date with --date)\n",
    )
    unit = gaps(root, "09")
    assert (unit["accepted"], unit["evidenced"]) == ([], ["1.1"])
    accept(root)
    result = runner.invoke(app, ["check", str(root)])
    assert (result.exit_code, result.stdout) == (0, "")
    assert gaps(root, "09")["accepted"] == ["1.1"]


@pytest.mark.slow
def test_the_fast_and_the_round_trip_parse_give_the_same_fingerprints(tmp_path: Path) -> None:
    root = ncfe_record(tmp_path, '"12": ["2.10", "2.1"]')
    accept(root)
    examples = Path(__file__).resolve().parents[1] / "examples"
    portfolios = [root, *sorted(p for p in examples.iterdir() if (p / "evitrack.yaml").is_file())]
    compared = 0
    for folder in portfolios:
        fast = pf.load(folder, use_cache=False, fast=True).portfolio
        slow = pf.load(folder, use_cache=False, fast=False).portfolio
        assert fast is not None and slow is not None
        got = {r.id: r.fingerprint for r in fast.records}
        assert got == {r.id: r.fingerprint for r in slow.records}, folder
        for r in fast.records:
            if r.assessment is not None:
                assert r.fingerprint == r.assessment.fingerprint, (folder, r.id)
                compared += 1
    assert compared > 20


def signed_unit(root: Path) -> None:
    """Unit 1 complete (E0001) plus E0002 with an attached file; signed by all three."""
    complete_the_unit(root)
    (root / "files").mkdir(exist_ok=True)
    (root / "files" / "plan.txt").write_text("the plan\n")
    args = ["add", str(root), "-t", "Plan", "-m", "product", "-c", "1/1.1", "-F", "files/plan.txt"]
    assert runner.invoke(app, [*args, "--date", "2026-05-01"]).exit_code == 0
    args = ["assess", "E0002", str(root), "--accept", "--assessor", "Helen Carter"]
    assert runner.invoke(app, [*args, "--date", "2026-05-04"]).exit_code == 0
    for role, initials, day in (
        ("assessor", "HC", "2026-05-04"),
        ("learner", "TW", "2026-05-05"),
        ("iv", "PK", "2026-05-20"),
    ):
        args = ["sign", "1", str(root), "--as", role, "--initials", initials, "--date", day]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "change",
    [
        *(pytest.param(c, marks=pytest.mark.slow) for c in ("refer", "edit")),
        "file",
        pytest.param("accept another", marks=pytest.mark.slow),
    ],
)
def test_a_signoff_is_void_once_the_evidence_it_rests_on_changes(
    tmp_path: Path, change: str
) -> None:
    root = init(tmp_path)
    signed_unit(root)
    assert runner.invoke(app, ["check", str(root)]).stdout == ""
    claimed = runner.invoke(app, ["claim", str(root), "-o", str(tmp_path / "pack")])
    assert claimed.exit_code == 0, claimed.output
    matrix = runner.invoke(app, ["matrix", str(root), "--format", "markdown"]).stdout
    assert "| Learner signature | TW | 2026-05-05 |" in matrix
    record = next((root / "evidence").glob("E0002-*.yaml"))
    if change == "refer":
        args = ["assess", "E0002", str(root), "--refer", "--assessor", "Helen Carter"]
        assert runner.invoke(app, [*args, "--comment", "Date it"]).exit_code == 0
    elif change == "edit":
        record.write_text(record.read_text().replace("title: Plan", "title: Plan B"))
    elif change == "file":
        (root / "files" / "plan.txt").write_text("the plan, changed\n")
    else:
        args = ["add", str(root), "-t", "More", "-m", "product", "-c", "1/1.2"]
        assert runner.invoke(app, [*args, "--date", "2026-05-21"]).exit_code == 0
        args = ["assess", "E0003", str(root), "--accept", "--assessor", "Helen Carter"]
        assert runner.invoke(app, [*args, "--date", "2026-05-22"]).exit_code == 0
    lines = (root / "evitrack.yaml").read_text().splitlines()
    n = lines.index('  "1":') + 1
    check = runner.invoke(app, ["check", str(root)])
    assert (
        f"evitrack.yaml:{n}:3: warning[W409]: sign-off of unit 1 is void: the unit's accepted "
        "evidence changed after it was signed (a record referred, edited, accepted since, or a "
        "file changed)\n"
        "    hint: see `evitrack gaps`; once the unit is complete, sign it again: "
        "`evitrack sign 1 --as assessor`, then learner (and IV if sampled)\n"
    ) in check.stdout
    matrix = runner.invoke(app, ["matrix", str(root), "--format", "markdown"]).stdout
    assert "| Learner signature | void | |" in matrix
    assert "| Assessor signature | void | |" in matrix
    assert "TW" not in matrix and "HC" not in matrix
    recording = runner.invoke(
        app, ["matrix", str(root), "--form", "recording", "--format", "markdown"]
    ).stdout
    assert "TW" not in recording and "void" in recording
    refused = runner.invoke(app, ["claim", str(root), "-o", str(tmp_path / "pack2")])
    assert refused.exit_code == 1
    assert (
        "  unit 1: the sign-off is void, the unit's accepted evidence changed after it was "
        "signed (sign again: `evitrack sign 1 --as assessor`, then learner)\n"
    ) in refused.stdout
    if change == "file":  # a draft refuses too: the file is not what was hashed
        return
    draft = runner.invoke(app, ["claim", str(root), "--draft", "-o", str(tmp_path / "d")])
    assert draft.exit_code == 0, draft.output
    statement = (tmp_path / "d" / "claim-to-competence.html").read_text()
    assert statement.count('<td class="c">void</td>') == 3  # learner, assessor, IV
    assert ">TW<" not in statement


def test_signing_again_on_changed_evidence_removes_the_earlier_signatures(
    tmp_path: Path,
) -> None:
    root = init(tmp_path)
    signed_unit(root)
    record = next((root / "evidence").glob("E0002-*.yaml"))
    record.write_text(record.read_text().replace("title: Plan", "title: Plan B"))
    args = ["assess", "E0002", str(root), "--accept", "--assessor", "Helen Carter"]
    assert runner.invoke(app, [*args, "--date", "2026-05-25"]).exit_code == 0
    args = ["sign", "1", str(root), "--as", "iv", "--initials", "PK", "--date", "2026-05-26"]
    iv = runner.invoke(app, args)
    assert (iv.exit_code, iv.stderr) == (
        1,
        "evitrack: unit 1 was not signed off:\n"
        "  unit 1's sign-off is void (its evidence changed after it was signed): the assessor "
        "signs again first, then the internal verifier countersigns\n"
        "    hint: `evitrack gaps` shows what is left\n",
    )
    args = ["sign", "1", str(root), "--as", "assessor", "--initials", "HC", "--date", "2026-05-26"]
    result = runner.invoke(app, args)
    assert (result.exit_code, result.stderr) == (
        0,
        "unit 1 signed off by the assessor: assessor HC, assessor_date 2026-05-26, "
        "assessed 2026-05-26\n"
        "  note: the unit's evidence changed after the earlier sign-off, so its signatures "
        "were removed (assessed 2026-05-04, learner TW, learner_date 2026-05-05, assessor HC, "
        "assessor_date 2026-05-04, iv PK, iv_date 2026-05-20): each signs again\n",
    )
    _, raw = yamlio.load(root / "evitrack.yaml")
    entry = dict(raw["signoffs"]["1"])
    loaded = pf.load(root).portfolio
    assert loaded is not None
    assert entry == {
        "assessed": dt.date(2026, 5, 26),
        "assessor": "HC",
        "assessor_date": dt.date(2026, 5, 26),
        "fingerprint": pf.signoff_fingerprint("1", loaded.records),
    }
    assert runner.invoke(app, ["check", str(root)]).stdout == ""


def test_a_signoff_dated_before_the_decisions_that_complete_the_unit(tmp_path: Path) -> None:
    root = init(tmp_path)
    complete_the_unit(root)  # accepted on 2026-05-04
    portfolio = root / "evitrack.yaml"
    before = portfolio.read_text()
    for args, wrong in (
        (["--date", "2026-05-03"], "--date 2026-05-03"),
        (["--date", "2026-05-06", "--assessed", "2026-05-02"], "--assessed 2026-05-02"),
    ):
        result = runner.invoke(
            app, ["sign", "1", str(root), "--as", "assessor", "--initials", "HC", *args]
        )
        assert (result.exit_code, result.stderr) == (
            1,
            "evitrack: unit 1 was not signed off:\n"
            f"  {wrong} is before unit 1 was complete: E0001 was accepted on 2026-05-04\n"
            "    hint: give the right date with --date YYYY-MM-DD\n",
        )
        assert portfolio.read_text() == before

    # the assessor signs again later: the summative assessment date follows
    for day in ("2026-05-04", "2026-05-09"):
        args = ["sign", "1", str(root), "--as", "assessor", "--initials", "HC", "--date", day]
        assert runner.invoke(app, args).exit_code == 0
    _, raw = yamlio.load(portfolio)
    assert raw["signoffs"]["1"]["assessed"] == dt.date(2026, 5, 9)

    # a date typed in by hand before the decision: check warns at it
    portfolio.write_text(
        portfolio.read_text().replace("assessed: 2026-05-09", "assessed: 2026-05-01")
    )
    n = portfolio.read_text().splitlines().index("    assessed: 2026-05-01") + 1
    check = runner.invoke(app, ["check", str(root)])
    assert (check.exit_code, check.stdout) == (
        0,
        f"{pf.display_path(portfolio)}:{n}:15: warning[W407]: sign-off of unit 1: assessed 2026-05-01 is before "
        "the unit was complete (E0001 accepted on 2026-05-04)\n"
        "    hint: a unit is signed off after the decisions that complete it: check the date\n",
    )


@settings(max_examples=examples(15), suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    title=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")),
        min_size=1,
        max_size=30,
    ).filter(lambda t: t.strip() != ""),
    ids=st.lists(
        st.sampled_from(["1.1", "2.1", "2.10", "3.1", "4.2", "5.4"]), min_size=1, max_size=4
    ),
    bare=st.booleans(),
    comment=st.one_of(st.none(), st.text(alphabet="abc :#'\"-\n", max_size=20)),
)
def test_both_parsers_fingerprint_any_record_alike(
    tmp_path_factory: pytest.TempPathFactory,
    title: str,
    ids: list[str],
    bare: bool,
    comment: str | None,
) -> None:
    from evitrack.record_text import dq, yaml_str

    root = tmp_path_factory.getbasetemp() / "fingerprints"
    if not root.exists():
        root = init(tmp_path_factory.mktemp("base"))
        root = root.rename(tmp_path_factory.getbasetemp() / "fingerprints")
    cited = ", ".join(i if bare else f'"{i}"' for i in ids)
    text = (
        f"id: E0001\ntitle: {yaml_str(title)}\ndate: 2026-03-01\nmethods: [product]\n"
        f'description: A plan.\ncriteria:\n  "1": [{cited}]\n'
        "assessment:\n  decision: accepted\n  assessor: Jo Smith\n  date: 2026-03-05\n"
        + (f"  comment: {dq(comment)}\n" if comment is not None else "")
        + "  fingerprint: v2:0\n"
    )
    # the two readings themselves: libyaml's, used for clean files, and the round-trip one
    from evitrack import fastyaml
    from evitrack.schema import RECORD, Validator

    slow_data = pf.as_written(yamlio.parse(text), text)
    expected = pf.fingerprint(slow_data, slow_data["assessment"])
    v = Validator("", "")
    fast_data = v.mapping(fastyaml.parse(text), RECORD, (1, 1), "")
    if v.diagnostics:  # the fast path hands such a file to the round-trip parse
        assert bare and {d.code for d in v.diagnostics} == {"W205"}
    else:
        assert pf.fingerprint(fast_data, fast_data["assessment"]) == expected

    # and whole loads, with the fingerprint the assessor would have written
    (root / "evidence" / "E0001.yaml").write_text(text.replace("v2:0", expected))
    fast = pf.load(root, use_cache=False, fast=True)
    slow = pf.load(root, use_cache=False, fast=False)
    assert fast.portfolio is not None and slow.portfolio is not None
    assert [r.fingerprint for r in fast.portfolio.records] == [expected]
    assert [r.fingerprint for r in slow.portfolio.records] == [expected]
    assert not {"W401", "W408"} & {d.code for d in fast.diagnostics}  # 2.10: E203 here


@pytest.mark.slow
def test_concurrent_signs_on_different_units_keep_every_signoff(tmp_path: Path) -> None:
    import subprocess
    import sys

    from evitrack import catalogue

    root = init(tmp_path, NCFE, "09")
    units = ["01", "02", "03", "09"]
    q = catalogue.load(NCFE)
    refs = ",".join(f"{u}/{c.id}" for u in units for c in q.units[u].criteria)
    args = ["add", str(root), "-t", "All", "-m", "observation", "-c", refs]
    assert runner.invoke(app, [*args, "--date", "2026-05-01"]).exit_code == 0
    args = ["assess", "E0001", str(root), "--accept", "--assessor", "Jo Smith"]
    assert runner.invoke(app, [*args, "--date", "2026-05-04"]).exit_code == 0
    portfolio = root / "evitrack.yaml"
    unsigned = portfolio.read_text()
    command, date = [sys.executable, "-m", "evitrack", "sign"], ["--date", "2026-05-05"]
    for _ in range(3):
        portfolio.write_text(unsigned)
        procs = [
            subprocess.Popen(
                [*command, u, str(root), "--as", "assessor", "--initials", "JS", *date],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for u in units
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        _, raw = yamlio.load(portfolio)
        assert sorted(raw["signoffs"]) == units
        assert all(raw["signoffs"][u]["assessor"] == "JS" for u in units)
        assert not (root / ".evitrack.lock").exists()


def test_a_lock_left_by_a_dead_process_does_not_hold_its_id(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = init(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (root / "evidence" / ".E0001.lock").write_text(f"{dead.pid}\n")  # killed while adding
    (root / "evidence" / ".E0002.lock").write_text(f"{os.getpid()}\n")  # adding right now
    args = ["add", str(root), "-t", "Plan", "-m", "product", "-c", "1/1.1"]
    result = runner.invoke(app, [*args, "--date", "2026-05-01"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{pf.display_path(root / 'evidence' / 'E0001-plan.yaml')}\n"
    assert not (root / "evidence" / ".E0001.lock").exists()
    result = runner.invoke(app, [*args, "--date", "2026-05-01"])
    assert result.stdout == f"{pf.display_path(root / 'evidence' / 'E0003-plan.yaml')}\n"
    assert (root / "evidence" / ".E0002.lock").read_text() == f"{os.getpid()}\n"


def test_assess_on_an_explicit_key_works_and_on_a_flow_record_says_why_not(
    tmp_path: Path,
) -> None:
    root = init(tmp_path)
    explicit = root / "evidence" / "E0001.yaml"
    head = (
        "id: E0001\ntitle: Plan\ndate: 2026-03-01\nmethods: [product]\ndescription: A plan.\n"
        'criteria:\n  "1": ["1.1"]\n'
    )
    explicit.write_text(
        head + "? assessment\n: decision: referred\n  assessor: Jo Smith\n  date: 2026-03-02\n"
        "  comment: Date it\n"
    )
    args = ["assess", "E0001", str(root), "--accept", "--assessor", "Jo Smith"]
    result = runner.invoke(app, [*args, "--date", "2026-03-05"])
    assert result.exit_code == 0, result.output
    assert explicit.read_text().startswith(head + "assessment:  # written by `evitrack assess`")
    assert runner.invoke(app, ["check", str(root)]).stdout == ""

    flow = root / "evidence" / "E0002.yaml"
    flow.write_text(
        "{id: E0002, title: Plan, date: 2026-03-01, methods: [product], "
        'description: A plan., criteria: {"1": ["1.2"]}}\n'
    )
    before = flow.read_text()
    args = ["assess", "E0002", str(root), "--accept", "--assessor", "Jo Smith"]
    result = runner.invoke(app, [*args, "--date", "2026-03-05"])
    assert (result.exit_code, result.stderr) == (
        2,
        f"evitrack: error: {pf.display_path(flow)}: the record is written as one flow mapping "
        "({id: ..., title: ...}), where the assessment cannot be added without rewriting it\n"
        "    hint: write the record in block style, one `key: value` per line, then retry\n",
    )
    assert flow.read_text() == before


def test_a_record_prefix_that_is_not_allowed_says_what_is(tmp_path: Path) -> None:
    root = init(tmp_path)
    portfolio = root / "evitrack.yaml"
    portfolio.write_text(portfolio.read_text() + "settings:\n  record_prefix: Ä\n")
    args = ["add", str(root), "-t", "Plan", "-m", "product", "-c", "1/1.1"]
    result = runner.invoke(app, [*args, "--date", "2026-05-01"])
    assert (result.exit_code, result.stderr) == (
        2,
        'evitrack: error: settings.record_prefix "Ä" is not allowed: it must start with an '
        'ASCII letter (A-Z, a-z) followed by ASCII letters, digits, "_", "." or "-"\n'
        "    hint: record ids become file names and are typed on the command line: "
        'e.g. "E" or "EV-"\n',
    )
    assert list((root / "evidence").iterdir()) == []
