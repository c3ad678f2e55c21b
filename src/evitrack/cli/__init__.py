"""The command line: a thin typer layer, one module per command."""

from __future__ import annotations

import typer

from evitrack import __version__
from evitrack.cli import (
    add,
    assess,
    check,
    claim,
    gaps,
    init,
    iqa,
    matrix,
    plan,
    qualification,
    schema,
    sign,
    status,
)
from evitrack.cli._common import STATE

app = typer.Typer(
    name="evitrack",
    help="Keep a vocational portfolio as YAML evidence records: check it, find the gaps, "
    "plan what is left, render the forms and build the certification pack.",
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


app.command("init")(init.init)
app.command("check")(check.check)
app.command("schema")(schema.schema)
app.command("plan")(plan.plan)
app.add_typer(qualification.app, name="qualification")
app.command("add")(add.add)
app.command("assess")(assess.assess)
app.command("hash")(assess.hash_files)
app.command("sign")(sign.sign)
app.command("gaps")(gaps.gaps)
app.command("status")(status.status)
app.command("matrix")(matrix.matrix)
app.add_typer(claim.app, name="claim")
app.add_typer(iqa.app, name="iqa")


def main() -> None:
    app()
