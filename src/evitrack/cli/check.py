"""evitrack check: validate portfolios; `path:line:col: severity[code]: message` per problem."""

from __future__ import annotations

from pathlib import Path

import typer

from evitrack.cli._common import (
    ALLOWED_SIGNERS_OPT,
    FORMAT_OPT,
    Format,
    allowed_signers,
)


def check(
    paths: list[Path] = typer.Argument(
        None,
        help="Portfolios, files inside them, or folders of portfolios (default: this portfolio).",
        show_default=False,
    ),
    format: Format = FORMAT_OPT,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    quiet: bool = typer.Option(False, "--quiet", help="Print problems only, no summary."),
    quiet_short: bool = typer.Option(False, "-q", hidden=True),  # deprecated: see below
    signers: Path = ALLOWED_SIGNERS_OPT,
) -> None:
    """Validate portfolios: every problem with file, line and column.

    Exit 0 when there are no errors (no warnings either with --strict), 1 when there
    are, 2 on a usage error or a path that does not exist.
    """
    if quiet_short:  # -q is --qualification everywhere else; check's old -q still works
        typer.echo(
            "note: `check -q` is deprecated: write `check --quiet` (-q means --qualification)",
            err=True,
        )
        quiet = True
    from evitrack.cli._fast import checked

    with allowed_signers(signers, list(paths or [])):
        code = checked(list(paths or []), format, strict, quiet)
    raise typer.Exit(code)
