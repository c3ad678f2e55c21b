"""evitrack sign: a unit sign-off (as on the claim-to-competence form)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from evitrack.cli._common import (
    KEY_OPT,
    PORTFOLIO_ARG,
    SIGNER_OPT,
    handle_errors,
    signer_name,
    signing_key,
)


class Role(str, Enum):  # noqa: UP042 - StrEnum needs Python 3.11
    learner = "learner"
    assessor = "assessor"
    iv = "iv"


@handle_errors
def sign(
    unit: str = typer.Argument(..., help="The unit (its id or an alias)."),
    portfolio: Path = PORTFOLIO_ARG,
    role: Role = typer.Option(..., "--as", help="Who signs: learner, assessor or iv."),
    initials: str = typer.Option(..., "--initials", help="The signer's initials, e.g. JS."),
    date: str = typer.Option(
        None, "--date", help="Date of the signature, YYYY-MM-DD (default: today)."
    ),
    assessed: str = typer.Option(
        None, "--assessed", help="Summative assessment date, YYYY-MM-DD (assessor: default --date)."
    ),
    key: Path = KEY_OPT,
    signer: str = SIGNER_OPT,
) -> None:
    """Sign off a complete unit: initials and dates under `signoffs:` in evitrack.yaml.

    Refused (exit 1) while the unit is not complete, and for the IV before the
    assessor has signed.
    """
    from evitrack import records
    from evitrack.locate import PORTFOLIO_FILE, display_path, resolve_root

    root = resolve_root(portfolio)
    when = records.parse_date(date, "--date") if date else None
    summative = records.parse_date(assessed, "--assessed") if assessed else None
    result = records.sign(
        root,
        unit,
        role.value,
        initials,
        when,
        summative,
        key=signing_key(key),
        signer=signer_name(signer),
    )
    if result.problems:
        typer.echo(f"evitrack: unit {result.unit} was not signed off:", err=True)
        for problem in result.problems:
            typer.echo(f"  {problem}", err=True)
        if result.incomplete:
            typer.echo("    hint: `evitrack gaps` shows what is left", err=True)
        else:
            typer.echo("    hint: give the right date with --date YYYY-MM-DD", err=True)
        raise typer.Exit(1)
    typer.echo(display_path(root / PORTFOLIO_FILE))
    parts = ", ".join(f"{k} {_shown(v)}" for k, v in result.written.items())
    who = "IV" if role is Role.iv else role.value
    signed = f", signed by {result.signer}" if result.signer else ""
    typer.echo(f"unit {result.unit} signed off by the {who}: {parts}{signed}", err=True)
    if result.replaced:
        was = ", ".join(f"{k} {_shown(v)}" for k, v in result.replaced.items())
        typer.echo(f"  note: this replaces the earlier {was}", err=True)


def _shown(value: object) -> str:
    iso = getattr(value, "isoformat", None)
    return str(iso()) if callable(iso) else str(value)
