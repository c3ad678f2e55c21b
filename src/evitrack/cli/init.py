"""evitrack init: start a portfolio."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from evitrack.cli._complete import complete_qualification

if TYPE_CHECKING:
    from evitrack.hooks import HookPlan


def init(
    directory: Path = typer.Argument(Path("."), help="Folder for the new portfolio."),
    qualification: str = typer.Option(
        ...,
        "--qualification",
        "-q",
        autocompletion=complete_qualification,
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
    done = run(directory, qualification, name, registration, chosen)
    for path in done.written:
        typer.echo(f"created {path}")
    typer.echo(_hook_note(done.hook, directory))
    _note_units_without_criteria(directory, qualification)
    here = directory.resolve() == Path.cwd().resolve()
    first = "evitrack check" if here else f"cd {shlex.quote(str(directory))} && evitrack check"
    typer.echo(f"\nNext: {first}    (then `evitrack gaps` to see what to evidence)", err=True)


def _hook_note(hook: HookPlan, directory: Path) -> str:
    """What init did about the pre-commit hook, saying so plainly when it left the folder."""
    from evitrack.hooks import HOOK_ID

    config, repo = hook.config, hook.repository
    if repo is None or repo == directory.resolve():
        if hook.action == "create":
            return f"created {directory / config.name}"
        if hook.action == "add":
            return f"added the {HOOK_ID} hook to {directory / config.name}"
        return f"{directory / config.name} runs the {HOOK_ID} hook already: left as it is"
    holds = (
        f"the git repository {repo} holds this portfolio, and pre-commit reads its hooks "
        f"from {config.name} at the repository's root"
    )
    if hook.action == "present":
        return (
            f"{config} runs the {HOOK_ID} hook already, for every portfolio in the repository: "
            "left as it is"
        )
    did = "created" if hook.action == "create" else f"added the {HOOK_ID} hook to"
    return (
        f"{did} {config}: {holds}; it is the only file written outside the portfolio "
        f"(set the hook up once with `pre-commit install` in {repo})"
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
