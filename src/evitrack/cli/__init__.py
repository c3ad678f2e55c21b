"""The command line: a thin typer layer, one module per command."""

from __future__ import annotations

import typer

from evitrack import __version__
from evitrack.cli import (
    add,
    assess,
    badge,
    check,
    claim,
    gaps,
    gateway,
    init,
    iqa,
    matrix,
    otj,
    plan,
    qualification,
    report,
    review,
    schema,
    sign,
    standard,
    status,
)
from evitrack.cli._common import STATE, Boundary

app = typer.Typer(
    name="evitrack",
    cls=Boundary,
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


# In `evitrack --help`, by role as the README shows them: the learner's commands, the
# assessor's, then the centre's.
app.command("init")(init.init)
app.command("add")(add.add)
app.command("hash")(assess.hash_files)
app.command("check")(check.check)
app.command("status")(status.status)
app.command("plan")(plan.plan)
app.command("gaps")(gaps.gaps)
app.command("assess")(assess.assess)
app.command("sign")(sign.sign)
app.command("matrix")(matrix.matrix)
app.add_typer(claim.app, name="claim")
app.add_typer(qualification.app, name="qualification")
app.command("schema")(schema.schema)
app.add_typer(badge.app, name="badge")
app.add_typer(standard.app, name="standard")
app.add_typer(otj.app, name="otj")
app.add_typer(review.app, name="review")
app.add_typer(gateway.app, name="gateway")
app.add_typer(iqa.app, name="iqa")
app.command("report")(report.report)


def main() -> None:
    """The console script: every command runs inside `Boundary`, the one error boundary."""
    app()
