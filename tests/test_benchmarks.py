"""The speed table still runs: `benchmarks/run.py --quick` on tiny portfolios (not timed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = [sys.executable, str(ROOT / "benchmarks" / "run.py")]
ROWS = [
    "one record edited, then `check`",
    "one record edited, then `check`",
    "cold `check`, one attachment each",
    "cold `check`, no attachments",
    "warm `gaps`",
    "warm `status`",
    "`check` over a caseload",
    "warm `gaps`, path spelt another way",
    "warm `gaps`, caseload table",
    "`claim --zip`",
    "`evitrack --help`",
    "peak memory, cold `check`",
]


@pytest.mark.slow
def test_the_speed_table_runs_every_row_in_quick_mode(tmp_path: Path) -> None:
    proc = subprocess.run(
        [*RUN, "--quick", "--runs", "1", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == [
        "case", "size", "evitrack", "floor", "ratio", "target", "mark", "floor",
    ]  # fmt: skip
    body = lines[2:]
    assert [line[:36].rstrip() for line in body] == ROWS
    assert all((" PASS " in line) != (" over " in line) for line in body), proc.stdout
    assert proc.stderr.splitlines()[-1].startswith("measured memory (")


def test_an_unknown_row_is_a_usage_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [*RUN, "--rows", "help,nope", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == (
        "run.py: error: no such row: nope (rows: edit, edit-big, cold-attached, cold, "
        "warm-gaps, warm-status, caseload-check, spelling, caseload-gaps, zip, help, memory)"
    )


def test_rows_picks_the_rows_measured(tmp_path: Path) -> None:
    proc = subprocess.run(
        [*RUN, "--rows", "help", "--runs", "1", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    body = proc.stdout.splitlines()[2:]
    assert [line[:36].rstrip() for line in body] == ["`evitrack --help`"]
    assert body[0].endswith('python -c "import yaml"')
