"""Progress reviews (`evitrack review add / sign / show`, checked by `check`) and gateway
readiness (`evitrack gateway`, `gateway confirm`).

The rules' own words, as `src/evitrack/apprenticeship/programme-rules.yaml` holds them:
progress reviews "at least every 12 weeks"; the practical period "lasts at least 12
months" for starts to 31 July 2025 and "at least 8 months" from 1 August 2025, "extended
pro rata for an apprentice working fewer than 30 hours a week".
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from effort import examples
from evitrack.cli import app

CERT = "pearson-btec-l3-certificate-customer-service-specialists"
TODAY = dt.date.today()
KSBS = ["K1", "K2", "K3", "K4", "S5", "S6", "S7", "S8", "S9", "B10", "B11", "B12", "B13", "B14"]


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def iso(day: dt.date) -> str:
    return day.isoformat()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def portfolio(
    folder: Path,
    start: str = "2024-09-02",
    end: str = "2025-12-01",
    weekly: str = "37.5",
    planned: str = "320",
    extra: str = "",
) -> Path:
    result = run(
        "init",
        str(folder),
        "--qualification",
        CERT,
        "--name",
        "Aisha Rahman",
        "--registration",
        "PB-1",
    )
    assert result.exit_code == 0, result.output
    (folder / "evidence" / "E0001.yaml").unlink()
    with (folder / "evitrack.yaml").open("a") as fh:
        fh.write(
            f"apprenticeship:\n  standard: customer-service-specialist\n  start: {start}\n"
            f"  end: {end}\n  weekly_hours: {weekly}\n  otj_planned_hours: {planned}\n{extra}"
        )
    return folder


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def otj_entry(day: str, hours: float) -> str:
    return (
        f"- date: {day}\n  hours: {hours}\n  activity: Workshop\n  type: training\n"
        f"  logged: {day}\n  confirmed_by: Jo Bloggs\n"
    )


def review_file(
    day: dt.date,
    signed: dict[str, tuple[str, str]] | None = None,
    next_review: dt.date | None = None,
    actions: str = "actions: []\n",
    missing: str = "[K2]",
) -> str:
    signed = signed or {}
    sigs = "".join(
        f"  {p}:\n    name: {signed[p][0] if p in signed else 'null'}\n"
        f"    date: {signed[p][1] if p in signed else 'null'}\n"
        for p in ("learner", "employer", "provider")
    )
    nxt = iso(next_review) if next_review else "null"
    return (
        f"date: {iso(day)}\notj:\n  hours_to_date: 10\n  expected_to_date: 12\n"
        f"ksbs:\n  accepted: 1\n  evidenced: 0\n  unit: 0\n  missing: 1\n  missing_ksbs: {missing}\n"
        f"previous_actions: []\n{actions}comments:\n  learner: null\n  employer: null\n"
        f"  provider: null\nsignatures:\n{sigs}next_review: {nxt}\n"
    )


def all_signed(day: dt.date) -> dict[str, tuple[str, str]]:
    return {
        p: (n, iso(day))
        for p, n in (("learner", "Aisha"), ("employer", "Jo"), ("provider", "Lisa"))
    }


def check_lines(root: Path, code_prefix: str = "") -> list[str]:
    """`check`'s headline lines (no hints) whose code starts with `code_prefix`."""
    result = run("check", str(root), "--format", "json")
    data = json.loads(result.stdout)
    return [
        f"{d['file'].rpartition('/' + root.name + '/')[2]}:{d['line']}:{d['col']}: "
        f"{d['severity']}[{d['code']}]: {d['message']}"
        for d in data["diagnostics"]
        if d["code"].startswith(code_prefix)
    ]


# ---- review add -------------------------------------------------------------------------

PREFILLED = """\
# Progress review of Aisha Rahman (PB-1), written by `evitrack review add`.
# Fill in the actions and the comments, set the status of the carried actions, then
# each signs: evitrack review sign 2025-01-15 --as learner|employer|provider --name NAME
date: 2025-01-15
otj:  # by the review's date, as `evitrack otj status` counts them (otj-6-hours)
  hours_to_date: 3
  expected_to_date: 103.3
  planned_hours: 320
  minimum_hours: 348
ksbs:  # by the review's date, as `evitrack gaps` counts them
  accepted: 0
  evidenced: 0
  unit: 0
  missing: 14
  missing_ksbs: [K1, K2, K3, K4, S5, S6, S7, S8, S9, B10, B11, B12, B13, B14]
previous_actions: []  # the previous review left no open action
actions: []  # each: - action: ...; owner: learner|employer|provider; due: YYYY-MM-DD
comments:
  learner: null
  employer: null
  provider: null
signatures:  # empty until signed: `evitrack review sign`
  learner:
    name: null
    date: null
  employer:
    name: null
    date: null
  provider:
    name: null
    date: null
next_review: 2025-04-09
"""


def test_review_add_prefills_hours_by_its_date_ksbs_and_the_next_date(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    # 65 weeks less 7 of statutory leave, x 6 hours: 348; by 2025-01-15, 135 of 455 days
    write(root, "otj/log.yaml", otj_entry("2024-10-01", 3) + otj_entry("2025-02-01", 2))
    result = run("review", "add", str(root), "--date", "2025-01-15")
    assert result.exit_code == 0, result.output
    assert result.stderr == "wrote reviews/2025-01-15.yaml\n"
    assert (root / "reviews" / "2025-01-15.yaml").read_text() == PREFILLED


def test_review_add_counts_the_ksbs_as_they_stood_on_its_date(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    add_record(root, "1", ["K1"])  # dated 2025-06-02, accepted on 2025-06-09
    counts = {}
    for day in ("2025-06-01", "2025-06-08", "2025-06-09"):
        assert run("review", "add", str(root), "--date", day).exit_code == 0
        text = (root / "reviews" / f"{day}.yaml").read_text()
        counts[day] = re.findall(r"^  (accepted|evidenced|missing): (\d+)$", text, re.M)
    assert counts == {
        "2025-06-01": [("accepted", "0"), ("evidenced", "0"), ("missing", "14")],
        # unit 1 evidenced whole: K4, mapped to it, is covered through it
        "2025-06-08": [("accepted", "0"), ("evidenced", "1"), ("missing", "12")],
        "2025-06-09": [("accepted", "1"), ("evidenced", "0"), ("missing", "12")],
    }


def test_review_add_carries_the_open_actions_with_their_review(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    actions = (
        "actions:\n"
        "  - action: Write up the workshop\n    owner: learner\n    due: 2025-02-14\n"
        "  - action: Book shadowing\n    owner: employer\n    due: 2025-03-01\n    status: done\n"
        "  - action: Plan the next unit\n    owner: provider\n    due: 2025-03-01\n"
        "    status: dropped\n"
    )
    write(root, "reviews/2025-01-15.yaml", review_file(dt.date(2025, 1, 15), actions=actions))
    assert run("review", "add", str(root), "--date", "2025-04-01").exit_code == 0
    text = (root / "reviews" / "2025-04-01.yaml").read_text()
    assert (
        "previous_actions:  # open at the review of 2025-01-15: set each one's status "
        "(open, done, dropped)\n"
        '  - action: "Write up the workshop"\n'
        "    owner: learner\n    due: 2025-02-14\n    status: open\n    from: 2025-01-15\n"
        "actions: []"
    ) in text
    # the third review carries it again, from the review that agreed it
    assert run("review", "add", str(root), "--date", "2025-06-01").exit_code == 0
    third = (root / "reviews" / "2025-06-01.yaml").read_text()
    assert "    from: 2025-01-15\n" in third and "open at the review of 2025-04-01" in third
    assert check_lines(root, "E") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2024-09-01"], "2024-09-01 is before the apprenticeship's start (2024-09-02)"),
        (["--date", iso(TODAY + dt.timedelta(days=1))], "is in the future"),
        (["--date", "2025-02-30"], "--date"),
        (["--date", "2025-01-15"], "reviews/2025-01-15.yaml exists"),
    ],
)
def test_review_add_refuses_and_writes_nothing(tmp_path: Path, args, message) -> None:
    root = portfolio(tmp_path / "p")
    write(root, "reviews/2025-01-15.yaml", "date: 2025-01-15\n# mine\n")
    before = sorted(p.name for p in (root / "reviews").iterdir())
    result = run("review", "add", str(root), *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in (root / "reviews").iterdir()) == before
    assert (root / "reviews" / "2025-01-15.yaml").read_text() == "date: 2025-01-15\n# mine\n"


def test_review_commands_need_an_apprenticeship(tmp_path: Path) -> None:
    root = tmp_path / "p"
    assert (
        run(
            "init", str(root), "--qualification", CERT, "--name", "A", "--registration", "1"
        ).exit_code
        == 0
    )
    for args in (["review", "add", str(root), "--date", "2025-01-15"], ["gateway", str(root)]):
        result = run(*args)
        assert result.exit_code == 2
        assert "this portfolio is not an apprenticeship" in result.stderr


# ---- review sign ------------------------------------------------------------------------


def test_review_sign_writes_name_and_date_and_keeps_every_other_byte(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    text = review_file(dt.date(2025, 1, 15)).replace("comments:", "# agreed at the desk\ncomments:")
    path = write(root, "reviews/2025-01-15.yaml", text)
    result = run(
        "review", "sign", "2025-01-15", str(root), "--as", "employer", "--name", "Jo Bloggs",
        "--date", "2025-01-20",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert path.read_text() == text.replace(
        "  employer:\n    name: null\n    date: null\n",
        '  employer:\n    name: "Jo Bloggs"\n    date: 2025-01-20\n',
    )
    again = run(
        "review", "sign", "2025-01-15", str(root), "--as", "employer", "--name", "Jo Bloggs",
        "--date", "2025-01-21",
    )  # fmt: skip
    assert again.stderr == (
        "wrote reviews/2025-01-15.yaml\n  note: this replaces the employer's Jo Bloggs, 2025-01-20\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2025-01-14"], "--date 2025-01-14 is before the review (2025-01-15)"),
        (["--date", iso(TODAY + dt.timedelta(days=1))], "is in the future"),
        (["--name", "  "], "--name is empty"),
        (["--as", "assessor"], "'assessor' is not one of"),
    ],
)
def test_review_sign_refuses_and_writes_nothing(tmp_path: Path, args, message) -> None:
    root = portfolio(tmp_path / "p")
    path = write(root, "reviews/2025-01-15.yaml", review_file(dt.date(2025, 1, 15)))
    before = path.read_text()
    base = {"--as": "learner", "--name": "Aisha", "--date": "2025-01-15"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = run("review", "sign", "2025-01-15", str(root), *sum(base.items(), ()))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert path.read_text() == before


def test_review_sign_mends_a_bad_signature_and_refuses_a_broken_file(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    early = {"provider": ("Lisa", "2025-01-10")}
    path = write(root, "reviews/2025-01-15.yaml", review_file(dt.date(2025, 1, 15), early))
    assert [x.split(": ")[1] for x in check_lines(root, "E")] == ["error[E706]"]
    args = ["review", "sign", "2025-01-15", str(root), "--as", "provider", "--name", "Lisa"]
    assert run(*args, "--date", "2025-01-16").exit_code == 0
    assert check_lines(root, "E") == []
    path.write_text(path.read_text().replace("hours_to_date: 10", "hours_to_date: -1"))
    before = path.read_text()
    result = run(*args, "--date", "2025-01-17")
    assert result.exit_code == 2
    assert result.stderr == (
        "evitrack: error: reviews/2025-01-15.yaml has problems: nothing was signed\n"
        "    hint: run `evitrack check` to see them and fix them first\n"
    )
    assert path.read_text() == before


def test_review_sign_an_unknown_date_suggests(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    write(root, "reviews/2025-01-15.yaml", review_file(dt.date(2025, 1, 15)))
    result = run("review", "sign", "2025-01-16", str(root), "--as", "learner", "--name", "A")
    assert result.exit_code == 2
    assert result.stderr == (
        'evitrack: error: no progress review of "2025-01-16"\n'
        '    hint: did you mean "2025-01-15"?\n'
    )


# ---- check: bad reviews, overdue, unsigned -------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            ("    name: null\n    date: null\n", "    name: Aisha\n    date: 2025-01-14\n"),
            "reviews/2025-01-15.yaml:23:11: error[E706]: the learner signed on 2025-01-14, "
            "before the review (2025-01-15)",
            id="signed-before-its-date",
        ),
        pytest.param(
            ("missing_ksbs: [K2]", "missing_ksbs: [K2, K22]"),
            'reviews/2025-01-15.yaml:10:22: error[E703]: the apprenticeship standard has no KSB "K22"',
            id="unknown-ksb",
        ),
        pytest.param(
            ("date: 2025-01-15", "date: 2025-01-16"),
            "reviews/2025-01-15.yaml:1:7: error[E707]: the review is dated 2025-01-16, but its "
            "file is named 2025-01-15.yaml",
            id="misnamed",
        ),
        pytest.param(
            ("next_review: null", "next_review: 2025-01-15"),
            "reviews/2025-01-15.yaml:30:14: error[E707]: next_review 2025-01-15 is not after the "
            "review (2025-01-15)",
            id="next-not-after",
        ),
        pytest.param(
            ("    name: null\n", "    name: Aisha\n"),
            "reviews/2025-01-15.yaml:21:3: error[E708]: the learner's signature has no date",
            id="name-without-date",
        ),
        pytest.param(
            ("hours_to_date: 10", "hours_to_date: -3"),
            "reviews/2025-01-15.yaml:3:18: error[E105]: otj.hours_to_date is -3: it must be at "
            "least 0",
            id="negative-hours",
        ),
        pytest.param(
            ("hours_to_date: 10", "hours_to_date: ten"),
            "reviews/2025-01-15.yaml:3:18: error[E103]: otj.hours_to_date must be a number, not "
            "text",
            id="hours-not-a-number",
        ),
        pytest.param(
            ("next_review: null", "next_review: 2025-02-30"),
            'reviews/2025-01-15.yaml:30:14: error[E104]: next_review: "2025-02-30" is not a real '
            "date",
            id="not-a-real-date",
        ),
        pytest.param(
            ("    due: 2025-02-14\n", "    due: soon\n    owner: learner\n"),
            'reviews/2025-01-15.yaml:16:5: error[E003]: duplicate key "owner" (first at line 14)',
            id="duplicate-key",
        ),
        pytest.param(
            ("owner: learner", "owner: lerner"),
            'reviews/2025-01-15.yaml:14:12: error[E105]: actions[1].owner: "lerner" is not one of '
            "learner, employer, provider",
            id="unknown-owner",
        ),
    ],
)
def test_check_bad_reviews(tmp_path: Path, change, expected) -> None:
    root = portfolio(tmp_path / "p")
    actions = "actions:\n  - action: Write up\n    owner: learner\n    due: 2025-02-14\n"
    text = review_file(dt.date(2025, 1, 15), actions=actions)
    assert change[0] in text
    write(root, "reviews/2025-01-15.yaml", text.replace(change[0], change[1], 1))
    errors = check_lines(root, "E")
    assert len(errors) == 1 and errors[0].startswith(expected), errors
    result = run("check", str(root))
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_a_review_in_the_future_or_before_the_start(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    later = TODAY + dt.timedelta(days=3)
    write(root, f"reviews/{iso(later)}.yaml", review_file(later))
    write(root, "reviews/2024-09-01.yaml", review_file(dt.date(2024, 9, 1)))
    assert check_lines(root, "E") == [
        "reviews/2024-09-01.yaml:1:7: error[E707]: review dated 2024-09-01, before the "
        "apprenticeship's start (2024-09-02)",
        f"reviews/{iso(later)}.yaml:1:7: error[E707]: review dated {iso(later)}, in the future",
    ]


# "at least every 12 weeks": the next review is due 84 days after the last; on the 84th
# day it is not overdue, on the 85th it is.
@pytest.mark.parametrize(("age", "overdue"), [(84, False), (85, True)])
def test_the_next_review_is_due_12_weeks_after_the_last(tmp_path: Path, age, overdue) -> None:
    root = portfolio(tmp_path / "p", start="2025-09-01", end=iso(TODAY + dt.timedelta(days=400)))
    last = ago(age)
    write(root, f"reviews/{iso(last)}.yaml", review_file(last, all_signed(last)))
    due = last + dt.timedelta(weeks=12)
    want = [
        f"reviews/{iso(last)}.yaml:27:1: warning[W710]: the next progress review was due by "
        f"{iso(due)}, 1 days ago (the last was on {iso(last)})"
    ]
    assert check_lines(root, "W71") == (want if overdue else [])


@pytest.mark.parametrize(("age", "overdue"), [(84, False), (85, True)])
def test_the_first_review_is_due_12_weeks_after_the_start(tmp_path: Path, age, overdue) -> None:
    start = ago(age)
    root = portfolio(tmp_path / "p", start=iso(start), end=iso(TODAY + dt.timedelta(days=400)))
    lines = (root / "evitrack.yaml").read_text().splitlines()
    n = lines.index("apprenticeship:") + 1
    want = [
        f"evitrack.yaml:{n}:1: warning[W710]: no progress review yet: the first was due by "
        f"{iso(start + dt.timedelta(weeks=12))}, 1 days ago (12 weeks after the start)"
    ]
    assert check_lines(root, "W71") == (want if overdue else [])


def test_a_next_review_planned_sooner_is_due_then(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p", start="2025-09-01", end=iso(TODAY + dt.timedelta(days=400)))
    last = ago(20)
    write(root, f"reviews/{iso(last)}.yaml", review_file(last, all_signed(last), ago(1)))
    assert [x.split(": ", 2)[1] for x in check_lines(root, "W71")] == ["warning[W710]"]


def test_a_next_review_planned_beyond_12_weeks_is_warned(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p", start="2025-09-01", end=iso(TODAY + dt.timedelta(days=400)))
    last = ago(10)
    nxt = last + dt.timedelta(weeks=12, days=1)
    write(root, f"reviews/{iso(last)}.yaml", review_file(last, all_signed(last), nxt))
    assert check_lines(root, "W71") == [
        f"reviews/{iso(last)}.yaml:27:14: warning[W712]: next_review {iso(nxt)} is more than 12 "
        "weeks after this review: Progress reviews between the apprentice, the employer and the "
        "provider take place at least every 12 weeks."
    ]


@pytest.mark.parametrize(
    ("age", "setting", "warned"),
    [(30, "", False), (31, "", True), (10, "settings:\n  review_sign_days: 9\n", True)],
)
def test_an_unsigned_review_is_warned_after_n_days(tmp_path: Path, age, setting, warned) -> None:
    root = portfolio(tmp_path / "p", start="2025-09-01", extra=setting)
    last = ago(age)
    write(root, f"reviews/{iso(last)}.yaml", review_file(last, {"learner": ("Aisha", iso(last))}))
    late = 30 if not setting else 9
    want = [
        f"reviews/{iso(last)}.yaml:17:1: warning[W711]: review of {iso(last)} not signed by the "
        f"employer and provider {age} days after it (more than {late}; settings.review_sign_days)"
    ]
    assert check_lines(root, "W711") == (want if warned else [])


# ---- review show ------------------------------------------------------------------------


def test_review_show_text_and_markdown(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    actions = (
        "actions:\n  - action: Write up | the workshop\n    owner: learner\n    due: 2025-02-14\n"
    )
    text = review_file(dt.date(2025, 1, 15), {"learner": ("Aisha", "2025-01-16")}, actions=actions)
    write(root, "reviews/2025-01-15.yaml", text.replace("learner: null", "learner: <b>Good</b>"))
    result = run("review", "show", str(root))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Progress review of Aisha Rahman (PB-1), 2025-01-15\n"
        "Apprenticeship: Customer Service Specialist, from 2024-09-02\n\n"
        "Off-the-job hours to date: 10 (expected 12; planned not recorded, minimum not recorded)\n"
        "KSBs: 1 accepted, 0 evidenced, 0 covered only through units, 1 missing\n"
        "  missing K2: Customer journey knowledge\n\n"
        "Actions from the previous review:\n  none\n\n"
        "Actions:\n  [open] Write up | the workshop (learner, due 2025-02-14)\n\n"
        "Comments:\n  learner: <b>Good</b>\n  employer: (none yet)\n  provider: (none yet)\n\n"
        "Signatures:\n  learner: Aisha, 2025-01-16\n  employer: not signed\n"
        "  provider: not signed\n\nNext review: not set\n"
    )
    md = run("review", "show", str(root), "2025-01-15", "--format", "markdown").stdout
    assert "| Write up \\| the workshop | learner | 2025-02-14 | open |\n" in md
    assert "\\<b\\>Good\\</b\\>" in md
    assert "| Apprentice | Aisha | 2025-01-16 |\n| Employer | | |\n" in md
    html = run("review", "show", str(root), "--format", "html").stdout
    assert "<h1>Progress review</h1>" in html and "&lt;b&gt;Good&lt;/b&gt;" in html
    assert "<td>Aisha</td>" in html and "<b>Good</b>" not in html


def test_review_show_takes_a_date_alone(tmp_path: Path, monkeypatch) -> None:
    root = portfolio(tmp_path / "p")
    write(root, "reviews/2025-01-15.yaml", review_file(dt.date(2025, 1, 15)))
    write(root, "reviews/2025-04-01.yaml", review_file(dt.date(2025, 4, 1)))
    monkeypatch.chdir(root)
    first = run("review", "show", "2025-01-15")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("Progress review of Aisha Rahman (PB-1), 2025-01-15\n")
    assert run("review", "show").stdout.startswith(
        "Progress review of Aisha Rahman (PB-1), 2025-04-01\n"
    )
    missing = run("review", "show", "2025-01-16")
    assert missing.exit_code == 2
    assert 'no progress review of "2025-01-16"' in missing.stderr


def test_review_show_pdf_is_one_a4_page(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    root = portfolio(tmp_path / "p")
    write(root, "reviews/2025-01-15.yaml", review_file(dt.date(2025, 1, 15)))
    out = tmp_path / "review.pdf"
    result = run("review", "show", str(root), "--format", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    if shutil.which("pdfinfo"):  # the signatures kept on the one page
        info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
        assert re.search(r"^Pages:\s+1$", info.stdout, re.M), info.stdout
        assert "595.276 x 841.89 pts (A4)" in info.stdout


def test_schema_review_documents_the_file() -> None:
    result = run("schema", "review")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "evitrack progress review (reviews/DATE.yaml)"
    assert schema["required"] == ["date"]
    assert set(schema["properties"]["signatures"]["properties"]) == {
        "learner",
        "employer",
        "provider",
    }


# ---- gateway ----------------------------------------------------------------------------


def gateway_json(root: Path) -> tuple[int, dict]:
    result = run("gateway", str(root), "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def checks(data: dict) -> dict[str, tuple[bool, str]]:
    return {c["check"]: (c["ok"], c["detail"]) for c in data["checks"]}


# "at least 12 months" (starts to 31 July 2025), "at least 8 months" (from 1 August 2025),
# "extended pro rata for an apprentice working fewer than 30 hours a week"
@pytest.mark.parametrize(
    ("start", "weekly", "months", "earliest"),
    [
        ("2024-12-05", "37.5", 12, "2025-12-05"),
        ("2025-07-31", "30", 12, "2026-07-31"),  # the last start under the 12-month rule
        ("2025-08-01", "30", 8, "2026-04-01"),  # "from 1 August 2025", inclusive
        ("2025-08-01", "15", 8, "2026-11-30"),  # 243 days x 30/15 = 486 days
        ("2025-08-01", "20", 8, "2026-08-01"),  # 243 days x 30/20 = 364.5, rounded up: 365
    ],
)
def test_the_minimum_duration_by_the_rules_words(tmp_path, start, weekly, months, earliest) -> None:
    root = portfolio(tmp_path / "p", start=start, end="2027-06-30", weekly=weekly)
    _, data = gateway_json(root)
    ok, detail = checks(data)["duration"]
    assert f"at least {months} months" in detail and f"to {earliest}" in detail
    assert ok is (dt.date.fromisoformat(earliest) <= TODAY)


@pytest.mark.parametrize(("days_short", "ok"), [(0, True), (1, False)])
def test_the_duration_boundary_is_the_day_the_minimum_is_met(tmp_path, days_short, ok) -> None:
    # a start 8 calendar months (plus `days_short` days) before today, under the 8-month rule
    y, m = divmod(TODAY.month - 1 - 8, 12)
    start = dt.date(TODAY.year + y, m + 1, min(TODAY.day, 28)) + dt.timedelta(days=days_short)
    if TODAY.day > 28:  # keep the arithmetic plain: a day-of-month every month has
        pytest.skip("month-end start")
    root = portfolio(tmp_path / "p", start=iso(start), end="2027-06-30", weekly="37.5")
    _, data = gateway_json(root)
    got, detail = checks(data)["duration"]
    assert got is ok, detail
    assert detail.endswith(f"from {iso(start)} to {iso(TODAY + dt.timedelta(days=days_short))}")


@settings(max_examples=examples(60), deadline=None)
@given(
    start=st.dates(dt.date(2019, 1, 1), dt.date(2030, 12, 31)),
    weekly=st.floats(1, 60, allow_nan=False),
)
def test_pro_rata_never_shortens_and_extends_by_the_hours(start, weekly) -> None:
    from evitrack.apprenticeship.gateway import add_months, earliest_gateway
    from evitrack.apprenticeship.standards import load
    from evitrack.model import Apprenticeship

    std = load("customer-service-specialist", None)
    app_ = Apprenticeship(standard=std, start=start, weekly_hours=weekly)
    earliest, rule, factor = earliest_gateway(app_)
    full = add_months(start, int(rule["months"]))
    days = (full - start).days
    assert (rule["id"] == "duration-8-months") is (start >= dt.date(2025, 8, 1))
    assert 28 * int(rule["months"]) <= days <= 31 * int(rule["months"])
    if weekly >= 30:
        assert earliest == full and factor == 1
    else:
        assert (earliest - start).days == -(-days * 30 // weekly) or abs(
            (earliest - start).days - days * 30 / weekly
        ) < 1
        assert earliest >= full


def test_gateway_confirm_writes_the_apprenticeship_block_only(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    path = root / "evitrack.yaml"
    before = path.read_text()
    result = run("gateway", "confirm", str(root), "--employer", "Jo Bloggs", "--date", "2025-11-20")
    assert result.exit_code == 0, result.output
    assert (
        path.read_text() == before + '  gateway:\n    employer: "Jo Bloggs"\n    date: 2025-11-20\n'
    )
    _, data = gateway_json(root)
    assert checks(data)["employer_confirmation"] == (True, "confirmed by Jo Bloggs on 2025-11-20")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--employer", "Jo", "--date", iso(TODAY + dt.timedelta(days=1))], "is in the future"),
        (["--employer", "Jo", "--date", "2024-09-01"], "before the apprenticeship's start"),
        (["--employer", " ", "--date", "2025-01-01"], "--employer is empty"),
        (["--employer", "Jo", "--date", "1/2/2025"], "YYYY-MM-DD"),
    ],
)
def test_gateway_confirm_refuses_and_writes_nothing(tmp_path: Path, args, message) -> None:
    root = portfolio(tmp_path / "p")
    before = (root / "evitrack.yaml").read_text()
    result = run("gateway", "confirm", str(root), *args)
    assert result.exit_code == 2 and message in result.output, result.output
    assert (root / "evitrack.yaml").read_text() == before


def test_reviews_are_due_until_the_gateway_is_confirmed(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    last = dt.date(2025, 6, 2)
    write(root, f"reviews/{iso(last)}.yaml", review_file(last, all_signed(last)))
    assert [x.split(": ")[1] for x in check_lines(root, "W710")] == ["warning[W710]"]
    # confirmed on the 84th day after the last review: none was overdue then
    due = last + dt.timedelta(weeks=12)
    assert (
        run("gateway", "confirm", str(root), "--employer", "Jo", "--date", iso(due)).exit_code == 0
    )
    assert check_lines(root, "W710") == []
    _, data = gateway_json(root)
    assert checks(data)["reviews"] == (
        True,
        f"1 reviews, all signed; the next is due by {iso(due)}",
    )
    # confirmed a day later: the review was overdue by then, and stays so
    later = iso(due + dt.timedelta(days=1))
    assert run("gateway", "confirm", str(root), "--employer", "Jo", "--date", later).exit_code == 0
    assert check_lines(root, "W710") == [
        f"reviews/{iso(last)}.yaml:27:1: warning[W710]: the next progress review was due by "
        f"{iso(due)}, 1 days before the gateway ({later}) (the last was on {iso(last)})"
    ]


def test_gateway_formats(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    code, data = gateway_json(root)
    assert code == 1 and data["ready"] is False
    assert [c["check"] for c in data["checks"]] == [
        "duration",
        "otj_hours",
        "ksbs",
        "qualification",
        "reviews",
        "employer_confirmation",
    ]
    assert set(data) == {"ready", "checks"}
    assert all(set(c) == {"check", "ok", "detail"} for c in data["checks"])
    csv = run("gateway", str(root), "--format", "csv")
    assert csv.exit_code == 1
    assert csv.stdout.splitlines()[0] == "check,ok,detail"
    assert csv.stdout.splitlines()[1].startswith("duration,yes,")
    md = run("gateway", str(root), "--format", "markdown").stdout
    assert md.startswith("# Gateway readiness: Aisha Rahman (PB-1)\n")
    assert "**ready for end-point assessment: no (5 of 6 checks fail)**" in md
    text = run("gateway", str(root)).stdout
    assert text.splitlines()[0] == "Gateway readiness of Aisha Rahman (PB-1)"
    assert text.splitlines()[-1] == "ready for end-point assessment: no (5 of 6 checks fail)"


def test_gateway_otj_minimum_unknown_under_the_published_minimum(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p", start="2025-09-01")
    _, data = gateway_json(root)
    assert checks(data)["otj_hours"] == (
        False,
        "0 hours that count, plan 320; the minimum of otj-published-minimum is not known: "
        "enter otj_minimum_hours in the standard file",
    )


# ---- a new provider's loop, end to end ----------------------------------------------------


def criteria(unit: str) -> list[str]:
    q = json.loads(run("qualification", "show", CERT, "--format", "json").stdout)
    u = next(u for u in q["units"] if u["id"] == unit)
    return [c["id"] for o in u["outcomes"] for c in o["criteria"]] + [
        k["id"] for k in u["knowledge"]
    ]


def add_record(root: Path, unit: str, ksbs: list[str]) -> None:
    refs = ",".join(f"{unit}/{c}" for c in criteria(unit))
    result = run("add", str(root), "-t", f"Unit {unit}", "-m", "product", "-c", refs,
                 "--date", "2025-06-02")  # fmt: skip
    assert result.exit_code == 0, result.output
    path = sorted((root / "evidence").glob("*.yaml"))[-1]
    path.write_text(
        path.read_text().replace("\nmethods:", f"\nksbs: [{', '.join(ksbs)}]\nmethods:", 1)
    )
    rid = re.search(r"^id: (\S+)", path.read_text(), re.M).group(1)  # type: ignore[union-attr]
    result = run("assess", rid, str(root), "--assessor", "Lisa Grant", "--date", "2025-06-09",
                 "--accept")  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_a_new_provider_sees_each_gap_then_the_gateway_passes(tmp_path: Path) -> None:
    # a start under the 6-hour rule, the practical period over: 348 hours are the minimum
    root = portfolio(tmp_path / "p", planned="348")
    add_record(root, "1", KSBS[:4])
    add_record(root, "2", KSBS[4:9])
    add_record(root, "3", KSBS[9:13])  # B14 is cited by no record
    add_record(root, "4", [])
    write(root, "otj/2025.yaml", otj_entry("2025-03-03", 8) * 40)  # 320 hours: 28 behind
    last = ago(120)
    write(root, f"reviews/{iso(last)}.yaml", review_file(last, all_signed(last)))

    # check: the hours behind, the review overdue
    result = run("check", str(root))
    assert result.exit_code == 0, result.output
    assert f"warning[W709]: 320 OTJ hours logged, 348 expected by {iso(TODAY)}: 28 behind" in (
        result.stdout
    )
    due = last + dt.timedelta(weeks=12)
    assert (
        f"warning[W710]: the next progress review was due by {iso(due)}, "
        f"{(TODAY - due).days} days ago (the last was on {iso(last)})" in result.stdout
    )
    n = (root / "evitrack.yaml").read_text().splitlines().index("  end: 2025-12-01") + 1
    assert (
        f"evitrack.yaml:{n}:8: warning[W713]: the practical period was planned to end on "
        "2025-12-01, and 1 KSBs are cited by no record: B14\n"
    ) in result.stdout
    # gaps: the KSB not evidenced, beside the qualification's units (the award complete: 0)
    gaps = run("gaps", str(root))
    assert gaps.exit_code == 0
    assert "KSBs: 13 of 14 KSBs accepted, 0 evidenced, 0 covered only through units, 1 missing" in (
        gaps.stdout
    )
    assert "B14  Presentation: missing: no record cites it" in gaps.stdout
    # gateway: each with its reason
    code, data = gateway_json(root)
    assert code == 1 and data["ready"] is False
    got = checks(data)
    assert got["duration"][0] is True
    assert got["qualification"] == (
        True,
        "Pearson BTEC Level 3 Certificate for Customer Service Specialists: complete",
    )
    assert got["otj_hours"] == (
        False,
        "320 hours that count, of 348 needed (plan 348, minimum 348, otj-6-hours): 28 to go",
    )
    assert got["ksbs"] == (
        False,
        "1 of 14 KSBs not accepted (missing: B14): a KSB counts once a record citing it is "
        "accepted",
    )
    assert got["reviews"] == (
        False,
        f"the next progress review was due by {iso(due)}, {(TODAY - due).days} days ago "
        f"(the last was on {iso(last)})",
    )
    assert got["employer_confirmation"][0] is False

    # fixing each: the hours, a review written and signed, B14 evidenced, the employer
    write(root, "otj/2025-autumn.yaml", otj_entry("2025-10-01", 7) * 4)
    day = ago(5)
    assert run("review", "add", str(root), "--date", iso(day)).exit_code == 0
    for party, name in (
        ("learner", "Aisha Rahman"),
        ("employer", "Jo Bloggs"),
        ("provider", "Lisa Grant"),
    ):
        signed = run("review", "sign", iso(day), str(root), "--as", party, "--name", name)
        assert signed.exit_code == 0, signed.output
    text = (root / "reviews" / f"{iso(day)}.yaml").read_text()
    assert "  hours_to_date: 348\n" in text and "  missing_ksbs: [B14]\n" in text
    add_record(root, "4", ["B14"])
    assert run("gateway", "confirm", str(root), "--employer", "Jo Bloggs").exit_code == 0

    code, data = gateway_json(root)
    assert data["ready"] is True and code == 0, data
    assert checks(data)["reviews"] == (
        True,
        f"2 reviews, all signed; the next is due by {iso(day + dt.timedelta(weeks=12))}",
    )
    result = run("check", str(root), "--format", "json")
    codes = {d["code"] for d in json.loads(result.stdout)["diagnostics"]}
    assert not codes & {"W709", "W710", "W711", "W713", "E703", "E706", "E707", "E708"}, codes


# ---- the README -----------------------------------------------------------------------------


def test_the_readme_section_runs(tmp_path: Path, monkeypatch) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Progress reviews and gateway\n", 1)[1].split("\n## ", 1)[0]
    lines = [
        line
        for block in re.findall(r"```sh\n(.*?)```", section, re.S)
        for line in block.splitlines()
    ]
    root = portfolio(tmp_path / "p")
    monkeypatch.chdir(root)
    codes = []
    for line in lines:
        words = shlex.split(line.replace("2026-03-02", iso(ago(3))))
        assert words[0] == "evitrack"
        result = run(*words[1:])
        assert "Traceback" not in result.output
        codes.append(result.exit_code)
    # every command succeeds; the gateway exits 1: the apprentice is not ready yet
    assert codes == [0, 0, 0, 0, 0, 0, 1], codes
