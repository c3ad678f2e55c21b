"""evitrack add and evitrack hash: new records (ids, file names, the template) and file hashes."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from effort import examples
from evitrack import yamlio
from evitrack.cli import app
from evitrack.record_text import clean_text, slugify, yaml_str
from evitrack.records import NewRecord, render_record
from helpers import init_portfolio

runner = CliRunner()
NCFE = "ncfe-l3-diploma-customer-service"
FRAGMENT = "unit-fragment-customer-service-standards"


def init(tmp_path: Path, qualification: str = NCFE, units: str = "09", name: str = "p") -> Path:
    return init_portfolio(tmp_path / name, qualification, units=units)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_clean(root: Path) -> None:
    result = runner.invoke(app, ["check", str(root)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_add_writes_a_commented_record_with_the_next_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init(tmp_path)
    obs = root / "files" / "obs-2026-03-14.txt"
    obs.write_bytes(b"Observation record: complaint at the service desk\n")
    monkeypatch.chdir(root)
    result = runner.invoke(
        app,
        [
            "add",
            "--title",
            "Observed handling a complaint at the service desk",
            "--date",
            "2026-03-14",
            "--method",
            "Obs",
            "-m",
            "questioning",
            "--criteria",
            "09/2.1,09/2.2",
            "-c",
            "L/506/2150/1.1",
            "-c",
            "09/1.3",
            "--file",
            "files/obs-2026-03-14.txt",
            "--description",
            "Greeted the customer, asked open questions to find the problem.\n\n"
            "Agreed a refund within my authority.",
            "--location",
            "Workplace HR file 12",
        ],
    )
    assert result.exit_code == 0, result.output
    path = "evidence/E0001-observed-handling-a-complaint-at-the-service-desk.yaml"
    assert result.stdout == path + "\n"
    assert result.stderr == "added E0001: 4 criteria, 1 file hashed\n"
    assert (
        (root / path).read_text()
        == f"""\
# yaml-language-server: $schema=../.schemas/record.schema.json
# An evidence record: one piece of evidence and the criteria it covers.
# Edit it freely; `evitrack check` says if anything is wrong.
id: E0001
title: Observed handling a complaint at the service desk
# When the evidence was produced (YYYY-MM-DD).
date: 2026-03-14
# How it was gathered: observation, witness-testimony, product, questioning, professional-
# discussion, reflective-account, candidate-report, simulation, recognition-of-prior-
# learning, other.
methods: [observation, questioning]
# What happened, in your own words: the situation, what you did and why, the result.
description: |
  Greeted the customer, asked open questions to find the problem.

  Agreed a refund within my authority.
# The criteria this evidence covers, unit by unit (ids are quoted text).
criteria:
  "01":  # Organise and deliver customer service
    - "1.1"  # Explain how different methods of promoting products and/or services impact on customer…
  "09":  # Resolve customers' complaints
    - "1.3"  # Explain negotiating techniques used to resolve customers' complaints
    - "2.1"  # Confirm the nature, cause and implications of customers' complaints
    - "2.2"  # Take personal responsibility for dealing with complaints
# Attached files, inside the portfolio; `evitrack hash` refreshes their sha256.
files:
  - path: files/obs-2026-03-14.txt
    sha256: {sha(obs.read_bytes())}
# Where evidence held elsewhere can be seen.
location: Workplace HR file 12
"""
    )
    check_clean(root)
    # the next record gets the next id
    result = runner.invoke(app, ["add", "-t", "Reflective account", "-m", "RA", "-c", "09/1.1"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "evidence/E0002-reflective-account.yaml\n"
    text = (root / "evidence" / "E0002-reflective-account.yaml").read_text()
    assert f"date: {dt.date.today().isoformat()}\n" in text  # today by default
    assert 'description: ""\n' in text
    assert "# files:\n#   - path: files/example.pdf\n" in text
    check_clean(root)


def test_ids_continue_after_the_highest_one_and_use_the_prefix_setting(tmp_path: Path) -> None:
    root = init(tmp_path, FRAGMENT, "")
    (root / "evidence" / "old-notes.yaml").write_text(
        'id: E0041\ntitle: Notes\ndate: 2026-01-05\nmethods: [other]\ndescription: ""\n'
        'criteria:\n  "1": ["1.1"]\n'
    )
    args = ["add", str(root), "-t", "Plan", "-m", "product", "-c", "1/2.3", "--date", "2026-02-01"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("E0042-plan.yaml")
    with (root / "evitrack.yaml").open("a") as fh:
        fh.write("settings:\n  record_prefix: EV\n")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("EV0001-plan.yaml")
    assert "id: EV0001\n" in (root / "evidence" / "EV0001-plan.yaml").read_text()
    check_clean(root)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-c", "09/2.99"],
            'evitrack: error: unit 09 has no criterion "2.99" (09/2.99)\n'
            "    hint: did you mean 09/2.9?\n",
        ),
        (
            ["-c", "9/2.1"],
            'evitrack: error: unknown unit "9" in ncfe-l3-diploma-customer-service (9/2.1)\n'
            '    hint: did you mean "09"?\n',
        ),
        (
            ["-c", "12/2.1"],
            "evitrack: error: 12/2.1: unit 12 (Communicate verbally with customers) "
            "is not among your chosen units\n"
            "    hint: add 12 to `units:` in evitrack.yaml first\n",
        ),
        (
            ["-c", "2.1"],
            'evitrack: error: "2.1" is not a criterion reference\n'
            "    hint: write criteria as UNIT/ID, e.g. 01/1.1\n",
        ),
        (
            ["-c", "09/2.1", "-m", "obsevation"],
            'evitrack: error: unknown assessment method "obsevation"\n'
            '    hint: did you mean "observation"?\n',
        ),
        (
            ["-c", "09/2.1", "--date", "14/03/2026"],
            'evitrack: error: --date "14/03/2026" is not a date in the form YYYY-MM-DD\n',
        ),
        (
            ["-c", "09/2.1-1.1"],
            'evitrack: error: "09/2.1-1.1" runs backwards: 2.1 comes after 1.1 in the unit\n'
            "    hint: write it as 09/1.1-2.1\n",
        ),
        (
            ["-c", "09/1.1-3.1"],
            'evitrack: error: "09/1.1-3.1": "3.1" is not a criterion of the unit\n'
            "    hint: did you mean 09/2.1?\n",
        ),
        (
            ["-c", "09/1.1-"],
            'evitrack: error: "09/1.1-" is not a range of criteria\n'
            "    hint: write a range as 09/FIRST-LAST\n",
        ),
        (
            ["-c", "09/2.1", "--title", "Observed \udcff"],
            "evitrack: error: --title holds text that is not valid UTF-8 (the byte 0xff)\n"
            "    hint: type it again in a UTF-8 terminal, or leave out the character\n",
        ),
        (
            ["-c", "09/2.1", "--date", "2999-01-01"],
            "evitrack: error: --date 2999-01-01 is in the future\n"
            "    hint: evidence is recorded once it exists\n",
        ),
    ],
)
def test_bad_input_is_refused_with_a_hint_and_nothing_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    root = init(tmp_path)
    result = runner.invoke(app, ["add", str(root), "-t", "T", "-m", "observation", *args])
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""
    assert list((root / "evidence").iterdir()) == []


def test_a_file_from_outside_the_portfolio_is_refused(tmp_path: Path) -> None:
    root = init(tmp_path)
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(b"%PDF")
    result = runner.invoke(
        app, ["add", str(root), "-t", "T", "-m", "product", "-c", "09/2.1", "--file", str(outside)]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f'evitrack: error: "{outside}" is outside the portfolio\n')
    assert "hint: copy it into the portfolio's files/ folder first" in result.stderr
    # a link inside the portfolio that leads outside is outside too
    (root / "files" / "link.pdf").symlink_to(outside)
    result = runner.invoke(
        app,
        ["add", str(root), "-t", "T", "-m", "product", "-c", "09/2.1", "--file", "files/link.pdf"],
    )
    assert result.exit_code == 2
    assert "is outside the portfolio" in result.stderr
    result = runner.invoke(
        app,
        ["add", str(root), "-t", "T", "-m", "product", "-c", "09/2.1", "--file", "files/nope.pdf"],
    )
    assert result.exit_code == 2
    assert result.stderr == 'evitrack: error: "files/nope.pdf": no such file\n'
    assert list((root / "evidence").iterdir()) == []


def test_missing_options_without_a_terminal_are_a_usage_error(tmp_path: Path) -> None:
    root = init(tmp_path)
    result = runner.invoke(app, ["add", str(root), "--title", "Observed"])
    assert result.exit_code == 2
    assert result.stderr == (
        "evitrack: error: missing --method, --criteria (not asking: input is not a terminal)\n"
        '    hint: e.g. evitrack add --title "Observed handling a complaint" --method observation '
        '--criteria "01/1.1"\n'
    )


def test_add_asks_for_what_is_missing_on_a_terminal(tmp_path: Path) -> None:
    root = init(tmp_path, FRAGMENT, "")
    (root / "files" / "plan.txt").write_text("plan\n")
    answers = [
        "Implementation plan for the new standards",  # title
        "2026-02-10",  # date
        "product, Q",  # methods
        "1/2.9",  # criteria: wrong, asked again
        "1/2.3,1/2.2",  # criteria
        "files/plan.txt",  # files
        "I wrote the plan with the duty managers.",  # description
    ]
    output, code = run_on_a_terminal(["add"], root, answers)
    assert code == 0, output
    assert output.endswith(
        f"Title: Date (YYYY-MM-DD) [{dt.date.today().isoformat()}]: Methods (comma-separated, e.g. observation, product): "
        "Your units: 1 Customer service standards\n"
        'Criteria (UNIT/ID, comma-separated):   unit 1 has no criterion "2.9" (1/2.9) '
        "(did you mean 1/2.5?)\n"
        "Criteria (UNIT/ID, comma-separated): Files under files/ to attach (comma-separated, "
        "Enter for none): Description (one paragraph; edit the file for more): "
        "evidence/E0001-implementation-plan-for-the-new-standards.yaml\n"
        "added E0001: 2 criteria, 1 file hashed\n"
    )
    text = (root / "evidence" / "E0001-implementation-plan-for-the-new-standards.yaml").read_text()
    assert "title: Implementation plan for the new standards\n" in text
    assert "date: 2026-02-10\n" in text
    assert "methods: [product, questioning]\n" in text
    assert '  "1":  # Customer service standards\n    - "2.2"' in text
    assert f"    sha256: {sha(b'plan' + bytes([10]))}\n" in text
    assert "description: |\n  I wrote the plan with the duty managers.\n" in text
    check_clean(root)


def test_with_some_options_only_the_missing_required_ones_are_asked(tmp_path: Path) -> None:
    root = init(tmp_path, FRAGMENT, "")
    output, code = run_on_a_terminal(["add", "-m", "product", "-c", "1/1.1"], root, ["Standards"])
    assert code == 0, output
    assert output.endswith("Title: evidence/E0001-standards.yaml\nadded E0001: 1 criterion\n")
    text = (root / "evidence" / "E0001-standards.yaml").read_text()
    assert f"date: {dt.date.today().isoformat()}\n" in text


def run_on_a_terminal(args: list[str], cwd: Path, answers: list[str]) -> tuple[str, int]:
    """Run `python -m evitrack ARGS` with a pseudo-terminal as stdin/stdout; type the answers."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "evitrack", *args],
        cwd=cwd,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "COLUMNS": "100"},
        close_fds=True,
    )
    os.close(slave)
    os.write(master, "".join(a + "\n" for a in answers).encode())
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    code = proc.wait(timeout=30)
    return b"".join(chunks).decode(errors="replace").replace("\r\n", "\n"), code


@pytest.mark.slow
def test_concurrent_adds_never_share_an_id(tmp_path: Path) -> None:
    root = init(tmp_path, FRAGMENT, "")
    n = 8
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "evitrack",
                "add",
                str(root),
                "-t",
                "Same title",
                "-m",
                "product",
                "-c",
                "1/1.1",
                "--date",
                "2026-01-01",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(n)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * n, outs
    written = sorted(o.decode().strip().rsplit("/", 1)[-1] for o, _ in outs)
    assert written == [f"E{i:04d}-same-title.yaml" for i in range(1, n + 1)]
    assert sorted(p.name for p in (root / "evidence").iterdir()) == written  # no lock left
    check_clean(root)


def test_criteria_complete_from_the_chosen_units(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init(tmp_path, FRAGMENT, "")
    monkeypatch.chdir(root)
    env = {
        "_EVITRACK_COMPLETE": "complete_bash",
        "COMP_WORDS": "evitrack add -c 1/1.1,1/5.",
        "COMP_CWORD": "3",
    }
    result = runner.invoke(app, [], prog_name="evitrack", env=env)
    assert result.exit_code == 0
    assert result.stdout == "1/1.1,1/5.1\n1/1.1,1/5.2\n1/1.1,1/5.3\n1/1.1,1/5.4\n"


# ---- hash -----------------------------------------------------------------------------

RECORD_WITH_FILES = """\
# my notes  (keep me)
id: E0003
title: 'Complaint log, March'   # single quotes kept
date: 2026-03-02
methods: [product]
description: >
  Folded text
  kept as is.
criteria:
  "09": ["2.8"]
files:
  - path: files/log.csv   # the export
  - path: "files/scan.pdf"
    sha256: deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef  # stale
  - {path: files/photo.jpg}
"""


def test_hash_fills_in_and_refreshes_hashes_keeping_the_rest_of_the_file(tmp_path: Path) -> None:
    root = init(tmp_path)
    for name, data in (
        ("log.csv", b"a,b\n"),
        ("scan.pdf", b"%PDF-1.7"),
        ("photo.jpg", b"\xff\xd8"),
    ):
        (root / "files" / name).write_bytes(data)
    record = root / "evidence" / "E0003-log.yaml"
    record.write_text(RECORD_WITH_FILES)
    result = runner.invoke(app, ["hash", str(record)])
    assert result.exit_code == 0, result.output
    shown = os.path.relpath(record)
    assert result.stdout == (
        f"{shown}: files/log.csv: sha256 recorded\n"
        f"{shown}: files/scan.pdf: sha256 updated (was deadbeefdead…)\n"
        f"{shown}: files/photo.jpg: sha256 recorded\n"
    )
    assert result.stderr == "3 hashes written, 0 unchanged in 1 record\n"
    text = record.read_text()
    assert text == RECORD_WITH_FILES.replace(
        "  - path: files/log.csv   # the export\n",
        f"  - path: files/log.csv   # the export\n    sha256: {sha(b'a,b' + bytes([10]))}\n",
    ).replace(
        "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef  # stale",
        f"{sha(b'%PDF-1.7')}  # stale",
    ).replace(
        "  - {path: files/photo.jpg}",
        f"  - {{path: files/photo.jpg, sha256: {sha(bytes([255, 216]))}}}",
    )
    check_clean(root)
    # nothing to do the second time; all records when none is named
    result = runner.invoke(app, ["hash", str(root)])
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "0 hashes written, 3 unchanged in 1 record\n"


def test_hash_reports_missing_files_and_voided_acceptances(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init(tmp_path, FRAGMENT, "")
    (root / "files" / "plan.txt").write_text("v1\n")
    monkeypatch.chdir(root)
    assert (
        runner.invoke(
            app,
            [
                "add",
                "-t",
                "Plan",
                "-m",
                "product",
                "-c",
                "1/2.3",
                "-F",
                "files/plan.txt",
                "--date",
                "2026-02-01",
            ],
        ).exit_code
        == 0
    )
    result = runner.invoke(app, ["assess", "E0001", "--accept", "--assessor", "Jo Smith"])
    assert result.exit_code == 0, result.output
    (root / "files" / "plan.txt").write_text("v2\n")
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1 and "error[E303]" in result.stdout
    result = runner.invoke(app, ["hash", "E0001"])
    assert result.exit_code == 0
    assert result.stderr == (
        "  note: E0001 was accepted by Jo Smith; it needs assessing again now its file has changed\n"
        "1 hash written, 0 unchanged in 1 record\n"
    )
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0 and "warning[W401]" in result.stdout
    (root / "files" / "plan.txt").unlink()
    result = runner.invoke(app, ["hash"])
    assert result.exit_code == 1
    assert "evitrack: evidence/E0001-plan.yaml: files/plan.txt does not exist\n" in result.stderr
    result = runner.invoke(app, ["hash", "E0009"])
    assert result.exit_code == 2
    assert result.stderr.startswith('evitrack: error: no record "E0009" in .\n')


# ---- properties of the template ----------------------------------------------------------

text_st = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(title=text_st.filter(lambda s: s.strip() != ""), description=text_st, location=text_st)
def test_any_title_and_description_read_back_as_written(
    title: str, description: str, location: str
) -> None:
    from evitrack import catalogue

    q = catalogue.load(FRAGMENT)
    new = NewRecord(
        title,
        dt.date(2026, 1, 2),
        ["product"],
        {"1": ["1.1", "5.4"]},
        [("files/a b.pdf", "ab" * 32)],
        description,
        location or None,
    )
    data = yamlio.parse(render_record("E0001", new, q, schema_line=True))
    assert data["title"] == title
    assert str(data["description"]).rstrip("\n") == clean_text(description)
    assert data.get("location") == (location or None)
    assert data["criteria"] == {"1": ["1.1", "5.4"]}
    assert data["files"][0]["path"] == "files/a b.pdf"
    assert yamlio.parse(f"k: {yaml_str(title)}\n")["k"] == title


@given(st.text(max_size=80))
def test_slugs_are_short_lowercase_words(title: str) -> None:
    slug = slugify(title)
    assert 0 < len(slug) <= 50
    assert all(part.isalnum() and part == part.lower() for part in slug.split("-"))


def test_a_sha256_that_is_not_one_is_said_once_and_hash_mends_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init(tmp_path)
    (root / "files" / "scan.pdf").write_bytes(b"%PDF-1.7")
    record = root / "evidence" / "E0003-scan.yaml"
    record.write_text(
        RECORD_WITH_FILES.split("files:\n")[0]
        + "files:\n  - path: files/scan.pdf\n    sha256: not-a-hash\n"
    )
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1
    assert result.stdout == (
        'evidence/E0003-scan.yaml:13:13: error[E105]: files[1].sha256: "not-a-hash" '
        "is not a sha256 (64 characters, 0-9 and a-f)\n"
        "    hint: run `evitrack hash` to write the file's real sha256\n"
    )
    result = runner.invoke(app, ["hash"])
    assert result.exit_code == 0, result.output
    assert f"sha256: {sha(b'%PDF-1.7')}\n" in record.read_text()
    check_clean(root)


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX terminal")
def test_ctrl_d_at_a_prompt_stops_cleanly_and_writes_nothing(tmp_path: Path) -> None:
    root = init(tmp_path)
    before = sorted(p.name for p in (root / "evidence").iterdir())
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "evitrack", "add"],
        cwd=root,
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        close_fds=True,
    )
    os.close(secondary)
    seen = b""
    while b"Title" not in seen:  # wait for the first prompt
        ready, _, _ = select.select([primary], [], [], 20)
        assert ready, seen
        seen += os.read(primary, 4096)
    os.write(primary, b"\x04")  # Ctrl-D
    assert proc.wait(timeout=20) == 1
    with contextlib.suppress(OSError):
        while select.select([primary], [], [], 0.5)[0]:
            chunk = os.read(primary, 4096)
            if not chunk:
                break
            seen += chunk
    os.close(primary)
    text = seen.decode()
    assert "evitrack: stopped at the prompt; nothing was written" in text
    assert "internal error" not in text
    assert sorted(p.name for p in (root / "evidence").iterdir()) == before


def test_a_blank_title_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    root = init(tmp_path)
    before = sorted(p.name for p in (root / "evidence").iterdir())
    result = runner.invoke(
        app,
        ["add", str(root), "-t", "   ", "-m", "product", "-c", "09/1.1", "--date", "2026-01-02"],
    )
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "evitrack: error: --title is empty\n"
        '    hint: give the evidence a short title, e.g. "Observed at the desk"\n'
    )
    assert sorted(p.name for p in (root / "evidence").iterdir()) == before


def test_a_range_of_criteria_is_expanded_in_the_unit_order(tmp_path: Path) -> None:
    root = init(tmp_path)
    result = runner.invoke(
        app, ["add", str(root), "-t", "T", "-m", "obs", "-c", "09/1.7-2.2,09/1.1-1.2"]
    )
    assert result.exit_code == 0, result.output
    data = yamlio.load(next((root / "evidence").glob("E0001-*.yaml")))[1]
    assert data["criteria"] == {"09": ["1.1", "1.2", "1.7", "1.8", "2.1", "2.2"]}
    svq = init(tmp_path, "cg-svq-customer-service-scqf8", "811", name="svq")
    result = runner.invoke(app, ["add", str(svq), "-t", "T", "-m", "obs", "-c", "F6/1g-2a"])
    assert result.exit_code == 0, result.output
    data = yamlio.load(next((svq / "evidence").glob("E0001-*.yaml")))[1]
    assert data["criteria"] == {"811": ["1g", "1h", "1i", "2a"]}


@given(
    ids=st.lists(
        st.text("abc123.()", min_size=1, max_size=4).filter(lambda t: "-" not in t),
        min_size=1,
        max_size=12,
        unique=True,
    ),
    data=st.data(),
)
def test_a_range_is_every_id_from_its_first_to_its_last(
    ids: list[str], data: st.DataObject
) -> None:
    from evitrack.cli._input import criteria_range
    from evitrack.errors import UserError

    i = data.draw(st.integers(0, len(ids) - 1))
    j = data.draw(st.integers(0, len(ids) - 1))
    if i <= j:
        assert criteria_range(ids, f"{ids[i]}-{ids[j]}") == ids[i : j + 1]
    else:
        with pytest.raises(UserError, match="runs backwards"):
            criteria_range(ids, f"{ids[i]}-{ids[j]}")
    stranger = data.draw(st.text("xyz", min_size=1, max_size=3))
    with pytest.raises(UserError, match="is not a criterion of the unit"):
        criteria_range(ids, f"{ids[i]}-{stranger}")


def test_a_file_may_be_named_relative_to_files(tmp_path: Path) -> None:
    root = init(tmp_path)
    (root / "files" / "observations").mkdir()
    (root / "files" / "observations" / "x.txt").write_bytes(b"observed\n")
    result = runner.invoke(
        app,
        ["add", str(root), "-t", "T", "-m", "obs", "-c", "09/2.1", "-F", "observations/x.txt"],
    )
    assert result.exit_code == 0, result.output
    data = yamlio.load(next((root / "evidence").glob("E0001-*.yaml")))[1]
    assert [dict(f) for f in data["files"]] == [
        {"path": "files/observations/x.txt", "sha256": sha(b"observed\n")}
    ]


def test_a_method_the_unit_forbids_is_warned_of_and_the_record_written(tmp_path: Path) -> None:
    root = init(tmp_path, "edi-l2-nvq-customer-service", "CU802")
    result = runner.invoke(
        app, ["add", str(root), "-t", "Role play", "-m", "Sim", "-c", "CU802/1.3"]
    )
    assert result.exit_code == 0
    written = next((root / "evidence").glob("E0001-*.yaml"))
    assert result.stdout == os.path.relpath(written) + "\n"
    assert result.stderr == (
        "evitrack: warning: simulation is not allowed as evidence for unit CU802: while E0001 "
        "cites it that way, CU802 cannot be completed\n"
        "    hint: drop simulation from the record's methods if the evidence was gathered "
        "another way (see `evitrack qualification show edi-l2-nvq-customer-service --unit "
        "CU802`)\n"
        "added E0001: 1 criterion\n"
    )
