"""evitrack init: start a portfolio."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from evitrack.cli._common import handle_errors


@handle_errors
def init(
    directory: Path = typer.Argument(Path("."), help="Folder for the new portfolio."),
    qualification: str = typer.Option(
        ...,
        "--qualification",
        "-q",
        help="A qualification id from `evitrack qualification list`, or a centre's qualification "
        "file already inside DIR (its path relative to DIR).",
    ),
    name: str = typer.Option(None, "--name", help="The learner's full name."),
    registration: str = typer.Option(
        None, "--registration", help="The learner's registration number."
    ),
    units: str = typer.Option(
        "", "--units", help="Optional units to take, comma-separated (mandatory units are added)."
    ),
) -> None:
    """Start a new portfolio: evitrack.yaml, a sample record, a README and the git hook.

    Exit 0 when it is written, 2 on a usage or input error.
    """
    from evitrack.scaffold import init as run

    interactive = sys.stdin.isatty()
    if name is None:
        name = typer.prompt("Your full name") if interactive else "Learner Name"
    if registration is None:
        registration = typer.prompt("Your registration number") if interactive else "REG-0000"
    chosen = [u.strip() for u in units.split(",") if u.strip()]
    written = run(directory, qualification, name, registration, chosen)
    for path in written:
        typer.echo(f"created {path}")
    typer.echo(
        f"\nNext: cd {shlex.quote(str(directory))} && evitrack check    "
        "(then `evitrack gaps` to see what to evidence)",
        err=True,
    )
