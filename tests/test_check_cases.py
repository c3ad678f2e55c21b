"""One folder per validation case (tests/cases/check/NN_what/): run `evitrack check`, compare."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evitrack.cli import app

CASES = Path(__file__).parent / "cases" / "check"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_check_case(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, update_golden: bool
) -> None:
    src = CASES / case
    work = tmp_path / "portfolio"
    shutil.copytree(src, work, ignore=shutil.ignore_patterns("expected.txt"))
    before = files(work)
    monkeypatch.chdir(work)
    result = CliRunner().invoke(app, ["check"])
    got = f"exit {result.exit_code}\n{result.stdout}"
    expected_file = src / "expected.txt"
    if update_golden:
        expected_file.write_text(got)
    # a case without its expectation checks nothing: write it (and read it) first
    assert expected_file.is_file(), f"{case} has no expected.txt (run with --update-golden)"
    assert got == expected_file.read_text()
    assert "Traceback" not in result.output
    # check never changes the user's files
    assert files(work) == before


def files(root: Path) -> dict[Path, bytes]:
    """Every file of the portfolio but evitrack's own cache."""
    return {
        p: p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".evitrack-cache" not in p.parts
    }
