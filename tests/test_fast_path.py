"""`check`, and `gaps`/`status` replaying a kept answer, are answered before typer loads
(cli/_fast.py): the same bytes on stdout and stderr and the same exit code as the typer
command, which CliRunner drives (it does not go through `main`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evitrack.cli import app

CASES = Path(__file__).parent / "cases" / "check"
runner = CliRunner()
REPORTS = ("json", "csv", "markdown")

# `python -m evitrack ARGS`, then one more line on stderr: whether typer was loaded.
PROBE = (
    "import runpy, sys\n"
    "sys.argv = ['evitrack', *sys.argv[1:]]\n"
    "try:\n    runpy.run_module('evitrack', run_name='__main__', alter_sys=True)\n"
    "except SystemExit as e:\n    code = e.code\n"
    "sys.stdout.flush()\n"
    "sys.stderr.write(f'\\ntyper loaded: {\"typer\" in sys.modules}')\n"
    "sys.exit(code)\n"
)


def cli(*args: str, **more: str) -> tuple[int, str, str, bool]:
    """Exit code, stdout, stderr of `python -m evitrack ARGS`, and whether typer loaded."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_COMPLETE")} | more
    env.pop("EVITRACK_ALLOWED_SIGNERS", None)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120
    )
    err, _, loaded = proc.stderr.rpartition("\ntyper loaded: ")
    return proc.returncode, proc.stdout, err, loaded == "True"


def typer_path(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"EVITRACK_ALLOWED_SIGNERS": None})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """clean/, errors/ (an unknown criterion), warned/ (a future date), and caseload/
    holding copies of clean and warned beside an allowed_signers list with a bad line."""
    for name, case in [("clean", "01_clean"), ("errors", "10_unknown_criterion")]:
        shutil.copytree(CASES / case, tmp_path / name, ignore=shutil.ignore_patterns("expected*"))
    shutil.copytree(
        CASES / "20_future_date", tmp_path / "warned", ignore=shutil.ignore_patterns("expected*")
    )
    (tmp_path / "caseload").mkdir()
    shutil.copytree(tmp_path / "clean", tmp_path / "caseload" / "ana")
    shutil.copytree(tmp_path / "warned", tmp_path / "caseload" / "ben")
    (tmp_path / "caseload" / "allowed_signers").write_text("not a key line\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


FAST = [
    ["check", "clean"],
    ["check", "errors"],
    ["check", "errors", "--format", "json"],
    ["check", "errors", "--format", "csv"],
    ["check", "--format", "markdown", "errors"],
    ["check", "errors", "--quiet"],
    ["check", "warned"],
    ["check", "warned", "--strict"],
    ["check", "--strict", "--quiet", "--format=json", "warned"],
    ["check", "clean", "errors", "warned"],
    ["check", "caseload"],
    ["check", "caseload", "--format", "json"],
    ["check", "errors/evidence/E0001.yaml"],
]


@pytest.mark.slow
@pytest.mark.parametrize("args", FAST, ids=" ".join)
def test_check_answers_as_typer_does_without_loading_it(tree: Path, args: list[str]) -> None:
    code, out, err, loaded = cli(*args)
    assert (code, out, err) == typer_path(*args)
    assert not loaded


@pytest.mark.slow
def test_a_text_check_loads_no_report_writer_and_no_signing_list(tree: Path) -> None:
    """Neither typer, click nor rich; nor the report emitter, nor `signing` for a list that
    no one named (a portfolio's loader imports it, so the check must be served warm)."""
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['evitrack', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('evitrack', run_name='__main__', alter_sys=True)\n"
        "except SystemExit:\n    pass\n"
        "heavy = ('typer', 'click', 'rich', 'evitrack.output', 'evitrack.signing', 'difflib')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    cli("check", "clean")
    time.sleep(2.1)  # a result kept within two seconds of the files' change is not trusted
    cli("check", "clean")
    proc = subprocess.run(
        [sys.executable, "-c", probe, "check", "clean"], capture_output=True, text=True
    )
    assert proc.stdout.splitlines()[-1] == "[]"
    assert proc.stderr == "ok: 1 portfolio checked, no problems\n"


@pytest.mark.slow
def test_check_of_this_portfolio_by_default(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree / "errors")
    code, out, err, loaded = cli("check")
    assert (code, out, err) == typer_path("check")
    assert code == 1 and not loaded
    assert err == "2 errors, 0 warnings in 1 portfolio\n"


TYPER = [
    ["check", "missing"],  # an error: typer runs the command and reports it
    ["check", "clean", "-q"],  # the deprecated spelling, with its note
    ["check", "clean", "--allowed-signers", "caseload/allowed_signers"],
    ["check", "clean", "--format", "json", "--format", "csv"],
]


@pytest.mark.slow
@pytest.mark.parametrize("args", TYPER, ids=" ".join)
def test_what_the_fast_path_does_not_read_goes_to_typer(tree: Path, args: list[str]) -> None:
    code, out, err, loaded = cli(*args)
    assert (code, out, err) == typer_path(*args)
    assert loaded


@pytest.mark.slow
def test_output_the_terminal_cannot_encode_goes_to_typer_which_reports_it(tree: Path) -> None:
    shutil.copytree(tree / "errors", tree / "caf\u00e9")
    code, out, err, loaded = cli("check", "caf\u00e9", PYTHONIOENCODING="ascii")
    assert (code, out, loaded) == (3, "", True)  # as before: no traceback, nothing half-written
    assert err.startswith("evitrack: error: internal error: UnicodeEncodeError: 'ascii' codec")


@pytest.mark.slow
def test_a_missing_path_is_typer_s_error_and_nothing_is_printed_twice(tree: Path) -> None:
    code, out, err, loaded = cli("check", "missing")
    assert (code, out, loaded) == (2, "", True)
    assert err.count("evitrack: error:") == 1
    assert "missing" in err


@pytest.mark.slow
def test_gaps_and_status_replay_a_kept_answer_without_typer(tree: Path) -> None:
    time.sleep(2.1)  # an answer kept within two seconds of the files' change is not trusted
    for args in [[c, "clean", "--format", f] for c in ("gaps", "status") for f in REPORTS]:
        first = cli(*args)
        assert first[3], args  # nothing kept yet: typer computes the answer and keeps it
        assert typer_path(*args) == first[:3]
        assert cli(*args) == (*first[:3], False)  # replayed before typer loads
        assert typer_path(*args) == first[:3]


@pytest.mark.slow
def test_gaps_text_and_a_caseload_always_go_to_typer(tree: Path) -> None:
    for args in (["gaps", "clean"], ["gaps", "caseload", "--format", "json"]):
        cli(*args)
        code, out, err, loaded = cli(*args)
        assert loaded, args
        assert (code, out, err) == typer_path(*args)
