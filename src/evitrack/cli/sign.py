"""evitrack sign: a unit sign-off (as on the claim-to-competence form)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from evitrack.cli._common import (
    KEY_OPT,
    PORTFOLIO_ARG,
    SIGNER_OPT,
    signer_name,
    signing_key,
)
from evitrack.cli._complete import complete_chosen_unit


class Role(str, Enum):  # noqa: UP042 - StrEnum needs Python 3.11
    learner = "learner"
    assessor = "assessor"
    iv = "iv"


def sign(
    unit: str = typer.Argument(
        ..., help="The unit (its id or an alias).", autocompletion=complete_chosen_unit
    ),
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

    The sign-off records a fingerprint of the unit's accepted evidence. If that
    evidence changes later (a record referred or edited, a file changed, a record
    accepted since), `check` reports the sign-off as void (W409) and the claim
    refuses it until it is signed again.

    Signing as the assessor records the summative assessment: `assessed` becomes
    --assessed, else --date, also when signing again. Signing again after the
    evidence changed removes the earlier signatures, which were given on other
    evidence: the learner (and the IV, if sampled) sign again.

    Refused (exit 1) while the unit is not complete (also while an IQA's
    disagreement stands: the assessor re-assesses the sampled records first), for
    the IV before the assessor has signed, and for a date before the decisions that
    completed the unit.
    """
    from evitrack.cli._input import parse_date
    from evitrack.locate import PORTFOLIO_FILE, display_path, resolve_root
    from evitrack.signoffs import sign

    root = resolve_root(portfolio)
    when = parse_date(date, "--date") if date else None
    summative = parse_date(assessed, "--assessed") if assessed else None
    result = sign(
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
            hint = result.hint or "`evitrack gaps` shows what is left"
            typer.echo(f"    hint: {hint}", err=True)
        else:
            typer.echo("    hint: give the right date with --date YYYY-MM-DD", err=True)
        raise typer.Exit(1)
    typer.echo(display_path(root / PORTFOLIO_FILE))
    parts = ", ".join(f"{k} {_shown(v)}" for k, v in result.written.items() if k != "fingerprint")
    who = "IV" if role is Role.iv else role.value
    signed = f", signed by {result.signer}" if result.signer else ""
    typer.echo(f"unit {result.unit} signed off by the {who}: {parts}{signed}", err=True)
    if result.replaced:
        was = ", ".join(f"{k} {_shown(v)}" for k, v in result.replaced.items())
        typer.echo(f"  note: this replaces the earlier {was}", err=True)
    if result.voided:
        gone = ", ".join(f"{k} {_shown(v)}" for k, v in result.voided.items())
        typer.echo(
            f"  note: the unit's evidence changed after the earlier sign-off, so its "
            f"signatures were removed ({gone}): each signs again",
            err=True,
        )


def _shown(value: object) -> str:
    iso = getattr(value, "isoformat", None)
    return str(iso()) if callable(iso) else str(value)
