"""The command line: a thin typer layer, one module per command.

The typer app (`app`) is built on first use: `evitrack`, `evitrack --help`, `-h` and
`--version` are answered from the table and texts below without loading typer (cli/_help.py
writes the help as click does), which takes most of such a run.
"""

from __future__ import annotations

import os
import sys

from evitrack import __version__

TYPE_CHECKING = False  # typing itself is not imported at run time: `--help` pays for each import
if TYPE_CHECKING:
    from typing import Any

# Every command, in `evitrack --help`'s order (by role as the README shows them: the
# learner's commands, the assessor's, then the centre's): where it lives (module:attribute,
# a function or a typer app) and the first sentence of its help, which `--help` lists. A
# command's module is imported only when that command runs, so `evitrack --help` and
# `evitrack check` do not pay for the others; tests/test_exit_codes.py checks that each
# sentence here is the command's own.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "init:init",
        "Start a new portfolio: evitrack.yaml, a sample record, a README and the git hook.",
    ),
    "add": (
        "add:add",
        "Add an evidence record: the next free id, a readable file name, files hashed.",
    ),
    "hash": (
        "assess:hash_files",
        "Fill in or refresh the sha256 of the files attached to records.",
    ),
    "check": ("check:check", "Validate portfolios: every problem with file, line and column."),
    "status": (
        "status:status",
        "Your progress: a bar per unit, the rules of combination, the award.",
    ),
    "plan": (
        "plan:plan",
        "Explain each rule of combination for the units chosen, and plan the least left to do.",
    ),
    "gaps": ("gaps:gaps", "Unmet criteria by unit and outcome, with what is missing and why."),
    "assess": (
        "assess:assess",
        "Record an assessment decision in a record, with a fingerprint of what was judged.",
    ),
    "sign": (
        "sign:sign",
        "Sign off a complete unit: initials and dates under `signoffs:` in evitrack.yaml.",
    ),
    "matrix": (
        "matrix:matrix",
        "Render evidence matrices or unit recording forms, one page per unit.",
    ),
    "claim": (
        "claim:app",
        "Build the certification pack (`evitrack claim [PORTFOLIO]`, short for `evitrack claim "
        "build [PORTFOLIO]`), or verify one (`evitrack claim verify PACK`).",
    ),
    "qualification": (
        "qualification:app",
        "The shipped qualifications, and checking a centre's own file.",
    ),
    "schema": (
        "schema:schema",
        "Print the JSON Schema of a record, evitrack.yaml, a qualification file, a standard "
        "file, sampling.yaml or a progress review.",
    ),
    "badge": (
        "badge:app",
        "Write Open Badges 3.0 credentials for the completed units and the award (`evitrack "
        "badge [PORTFOLIO] -o DIR`, short for `evitrack badge issue`), or check a signed one "
        "(`evitrack badge verify FILE --key PUBLIC`).",
    ),
    "standard": (
        "standard:app",
        "Apprenticeship standards: their KSBs, the units that cover them, and importing one.",
    ),
    "otj": (
        "otj:app",
        "The off-the-job training log: add an entry, compare the hours with the rules.",
    ),
    "review": (
        "review:app",
        "Progress reviews: write one pre-filled, sign it, render it as a document.",
    ),
    "gateway": (
        "gateway:app",
        "Gateway readiness: `evitrack gateway [PORTFOLIO]` lists the checks for end-point "
        "assessment, each passed or failed with the reason (exit 1 while any fails); "
        "`evitrack gateway confirm` records the employer's confirmation.",
    ),
    "iqa": (
        "iqa:app",
        "Internal quality assurance: draw the sample, record decisions, report.",
    ),
    "report": (
        "report:report",
        "The centre's dashboard: progress per learner and per unit, learners at risk, the IQA "
        "picture, and each learner's gaps.",
    ),
}


HELP = (
    "Keep a vocational portfolio as YAML evidence records: check it, find the gaps, "
    "plan what is left, render the forms and build the certification pack.\n\n"
    "Exit codes: 0 yes (done, nothing found); 1 no (check found errors, gaps found something "
    "missing, plan's rules unmet, a claim or sign-off refused, a pack that does not verify); "
    "2 a usage or input error; 3 an internal error (a bug: rerun with --debug and report it)."
)

# The root's own options and their help (typer adds the completion and help options).
DEBUG_HELP = "Show tracebacks for internal errors."
VERSION_HELP = "Show the version and exit."
OPTIONS = (("--debug", DEBUG_HELP), ("--version", VERSION_HELP))


def _build_app() -> Any:
    """The typer app: the root command is `Boundary`, its commands imported when needed."""
    import typer

    from evitrack.cli._common import STATE, Boundary

    class Root(Boundary):
        LAZY = COMMANDS

    app = typer.Typer(
        name="evitrack",
        cls=Root,
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=True,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _root(
        debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP),
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help=VERSION_HELP
        ),
    ) -> None:
        STATE["debug"] = debug

    return app


def _version(value: bool) -> None:
    if value:
        import typer

        typer.echo(f"evitrack {__version__}")
        raise typer.Exit()


def _app() -> Any:
    built = globals().get("app")
    if built is None:
        built = globals()["app"] = _build_app()
    return built


def __getattr__(name: str) -> Any:
    """`evitrack.cli.app`, the typer app, built when first asked for."""
    if name == "app":
        return _app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _completing() -> bool:
    """Whether the shell is asking for completions (typer's `_EVITRACK_COMPLETE` and kin)."""
    return any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ)


def main() -> None:
    """The console script: every command runs inside `Boundary`, the one error boundary;
    the root's help and version, `check` and kept answers of `gaps` and `status` are
    answered without loading typer."""
    argv = sys.argv[1:]
    if argv in ([], ["--help"], ["-h"], ["--version"]) and not _completing():
        raise SystemExit(_answer(argv))
    fast = argv[:1] in (["check"], ["gaps"], ["status"]) and not _completing()
    code = _fast_answer(argv) if fast else None
    if code is not None:
        raise SystemExit(code)
    _app()()


def _fast_answer(argv: list[str]) -> int | None:
    """`check`, or a kept `gaps`/`status` answer, printed without loading typer (see
    cli/_fast.py): the exit code, or None when typer must run the command."""
    from evitrack.cli import _fast

    try:
        code = _fast.answer(argv)
        if code is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _closed_pipe()
        return 0
    return code


def _closed_pipe() -> None:
    """Piped into `head` and closed: not an error; the final flush is silenced."""
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - open until the process ends


def _answer(argv: list[str]) -> int:
    """`evitrack --version`, `--help`, `-h`, or bare `evitrack` (its help on stderr, exit 2,
    as typer does): printed, and the exit code returned."""
    if argv == ["--version"]:
        text, out, code = f"evitrack {__version__}\n", sys.stdout, 0
    else:
        from evitrack.cli import _help

        text = _help.root_help(_help.program_name(), HELP, OPTIONS, COMMANDS, _help.width())
        out, code = (sys.stdout, 0) if argv else (sys.stderr, 2)
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        _closed_pipe()
    return code
