"""`evitrack`, `--help`, `-h` and `--version` are answered without loading typer, and say
exactly what typer would say (cli/_help.py writes the root's help as click does)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from evitrack import __version__
from evitrack.cli import app

runner = CliRunner()

# `main()` (the console script) and the typer app itself, run as a program named ARGV0.
FAST = "import sys; sys.argv[0] = {name!r}; from evitrack.cli import main; main()"
TYPER = "import sys; sys.argv[0] = {name!r}; from evitrack.cli import app; app()"


def run(args: list[str], columns: int = 80, **env: str) -> tuple[int, str, str]:
    environ = {
        k: v for k, v in os.environ.items() if not (k.startswith("_") and k.endswith("_COMPLETE"))
    }
    proc = subprocess.run(
        args,
        capture_output=True,
        text=True,
        env={**environ, "COLUMNS": str(columns), **env},
        timeout=120,
    )
    return proc.returncode, proc.stdout, proc.stderr


def program(code: str, name: str, *argv: str, columns: int = 80) -> tuple[int, str, str]:
    return run([sys.executable, "-c", code.format(name=name), *argv], columns)


ROOT_HELP = """\
Usage: python -m evitrack [OPTIONS] COMMAND [ARGS]...

  Keep a vocational portfolio as YAML evidence records: check it, find the
  gaps, plan what is left, render the forms and build the certification pack.

  Exit codes: 0 yes (done, nothing found); 1 no (check found errors, gaps
  found something missing, plan's rules unmet, a claim or sign-off refused, a
  pack that does not verify); 2 a usage or input error; 3 an internal error (a
  bug: rerun with --debug and report it).

Options:
  --debug               Show tracebacks for internal errors.
  --version             Show the version and exit.
  --install-completion  Install completion for the current shell.
  --show-completion     Show completion for the current shell, to copy it or
                        customize the installation.
  -h, --help            Show this message and exit.

Commands:
  init           Start a new portfolio: evitrack.yaml, a sample record, a...
  add            Add an evidence record: the next free id, a readable...
  hash           Fill in or refresh the sha256 of the files attached to...
  check          Validate portfolios: every problem with file, line and...
  status         Your progress: a bar per unit, the rules of combination,...
  plan           Explain each rule of combination for the units chosen,...
  gaps           Unmet criteria by unit and outcome, with what is missing...
  assess         Record an assessment decision in a record, with a...
  sign           Sign off a complete unit: initials and dates under...
  matrix         Render evidence matrices or unit recording forms, one...
  claim          Build the certification pack (`evitrack claim...
  qualification  The shipped qualifications, and checking a centre's own...
  schema         Print the JSON Schema of a record, evitrack.yaml, a...
  badge          Write Open Badges 3.0 credentials for the completed...
  standard       Apprenticeship standards: their KSBs, the units that...
  otj            The off-the-job training log: add an entry, compare the...
  review         Progress reviews: write one pre-filled, sign it, render...
  gateway        Gateway readiness: `evitrack gateway [PORTFOLIO]` lists...
  iqa            Internal quality assurance: draw the sample, record...
  report         The centre's dashboard: progress per learner and per...
"""


@pytest.mark.slow
def test_python_m_evitrack_help_lists_every_command() -> None:
    for flag in ("--help", "-h"):
        assert run([sys.executable, "-m", "evitrack", flag]) == (0, ROOT_HELP, "")
    assert run([sys.executable, "-m", "evitrack"]) == (2, "", ROOT_HELP)
    assert run([sys.executable, "-m", "evitrack", "--version"]) == (
        0,
        f"evitrack {__version__}\n",
        "",
    )


@pytest.mark.slow
@pytest.mark.parametrize("columns", [40, 64, 80, 120])
@pytest.mark.parametrize("name", ["evitrack", "/opt/tools/" + "evitrack-with-a-long-name" * 2])
def test_the_quick_answers_are_typers_own(columns: int, name: str) -> None:
    """At any width, under a short or a long program name (the usage line wraps), the help
    and the version without typer are what typer prints: the same streams and exit codes."""
    for argv in (["--help"], ["-h"], [], ["--version"]):
        quick = program(FAST, name, *argv, columns=columns)
        assert quick == program(TYPER, name, *argv, columns=columns), (argv, quick)
        assert quick[0] == (2 if not argv else 0)


@pytest.mark.slow
def test_the_quick_answers_load_neither_typer_nor_a_command() -> None:
    probe = (
        "import sys; sys.argv = ['evitrack', *sys.argv[1:]]\n"
        "from evitrack.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('typer', 'click', 'rich', 'ruamel', 'evitrack')))"
    )
    for argv in (["--help"], ["-h"], [], ["--version"]):
        code, out, _ = program(probe, "evitrack", *argv)
        assert code == 0
        loaded = out.splitlines()[-1]
        assert loaded in (
            "['evitrack', 'evitrack.cli', 'evitrack.cli._help']",
            "['evitrack', 'evitrack.cli']",
        ), (argv, loaded)


@pytest.mark.slow
def test_shell_completion_still_goes_through_typer() -> None:
    """With typer's completion variable set, a bare `evitrack` is a completion request,
    answered by typer, not the help."""
    code = "import sys; sys.argv[0] = 'evitrack'; from evitrack.cli import main; main()"
    asked = {"_EVITRACK_COMPLETE": "complete_bash", "COMP_WORDS": "evitrack ch", "COMP_CWORD": "1"}
    assert run([sys.executable, "-c", code], **asked) == (0, "check\n", "")


def test_h_is_help_for_every_command() -> None:
    for argv in (["check", "-h"], ["claim", "verify", "-h"], ["iqa", "-h"]):
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, result.output
        assert result.stdout == runner.invoke(app, [*argv[:-1], "--help"]).stdout
        assert "  -h, --help " in result.stdout
