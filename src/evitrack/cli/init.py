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
    """Start a new portfolio: evitrack.yaml, a sample record, a README and the git hook."""
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
    _note_units_without_criteria(directory, qualification)
    typer.echo(
        f"\nNext: cd {shlex.quote(str(directory))} && evitrack check    "
        "(then `evitrack gaps` to see what to evidence)",
        err=True,
    )


def _note_units_without_criteria(directory: Path, qualification: str) -> None:
    """Say which units can be cited but never completed, and how a centre gives their criteria."""
    from evitrack import catalogue
    from evitrack.catalogue.extend import no_criteria_hint, stub_units
    from evitrack.scaffold import centre_file

    qref = centre_file(directory, qualification)
    q = catalogue.load(qref, directory) if qref else catalogue.load(qualification)
    stubs = [u.id for u in stub_units(q)]
    if not stubs:
        return
    n = len(stubs)
    typer.echo(
        f"\nnote: {n} unit{'s' if n != 1 else ''} of {q.id} {'have' if n != 1 else 'has'} no "
        f"criteria text in the source document ({', '.join(stubs)}): evidence can cite "
        f"{'them' if n != 1 else 'it'}, but {'they' if n != 1 else 'it'} cannot be shown "
        "complete, signed off or claimed\n"
        f"    hint: {no_criteria_hint(q, 'them' if n != 1 else stubs[0])}",
        err=True,
    )
