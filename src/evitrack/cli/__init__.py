"""The command line: a thin typer layer, one module per command."""

from __future__ import annotations

import typer

from evitrack import __version__
from evitrack.cli._common import STATE, Boundary

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


class Root(Boundary):
    """The root command: `Boundary`, its commands imported when first needed."""

    LAZY = COMMANDS


app = typer.Typer(
    name="evitrack",
    cls=Root,
    help="Keep a vocational portfolio as YAML evidence records: check it, find the gaps, "
    "plan what is left, render the forms and build the certification pack.\n\n"
    "Exit codes: 0 yes (done, nothing found); 1 no (check found errors, gaps found something "
    "missing, plan's rules unmet, a claim or sign-off refused, a pack that does not verify); "
    "2 a usage or input error; 3 an internal error (a bug: rerun with --debug and report it).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"evitrack {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for internal errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    STATE["debug"] = debug


def main() -> None:
    """The console script: every command runs inside `Boundary`, the one error boundary."""
    app()
