"""evitrack badge: Open Badges 3.0 credentials; evitrack badge verify: check a signed one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from evitrack.cli._common import PORTFOLIO_ARG


class _IssueByDefault(TyperGroup):
    """`evitrack badge [PORTFOLIO] ...` means `evitrack badge issue [PORTFOLIO] ...`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["issue", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_IssueByDefault,
    help="Write Open Badges 3.0 credentials for the completed units and the award "
    "(`evitrack badge [PORTFOLIO] -o DIR`, short for `evitrack badge issue`), or check a "
    "signed one (`evitrack badge verify FILE --key PUBLIC`).",
    rich_markup_mode=None,
)


@app.command("issue")
def issue(
    portfolio: Path = PORTFOLIO_ARG,
    output: Path = typer.Option(
        ..., "--output", "-o", help="The folder to write the credentials into."
    ),
    key: Path = typer.Option(
        None,
        "--key",
        help="The centre's Ed25519 private key (PEM or OpenSSH): also write each credential "
        "as a signed VC-JWT (.jwt).",
    ),
) -> None:
    """Write one Open Badges 3.0 AchievementCredential (JSON-LD) per unit that is complete
    and signed off, and one for the award when the qualification is complete.

    The learner is identified by a salted SHA-256 hash of the registration number; the
    issuer is the centre in evitrack.yaml; dates are the sign-off dates, so the same
    portfolio gives the same files. Nothing complete, or no centre: exit 1, nothing
    written. A key that is not Ed25519: exit 2.
    """
    from evitrack.coverage import coverage
    from evitrack.exchange import badges
    from evitrack.locate import resolve_root
    from evitrack.records import load_portfolio

    root = resolve_root(portfolio)
    signer = badges.load_private_key(key) if key is not None else None
    loaded, diagnostics = load_portfolio(root)
    result = badges.issue(coverage(loaded, diagnostics), diagnostics)
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    if result.problems:
        n = len(result.problems)
        typer.echo(
            f"no badges: {n} thing{'s' if n != 1 else ''} stand{'' if n != 1 else 's'} in the way:"
        )
        for line in result.problems:
            typer.echo(f"  {line}")
        typer.echo("nothing was written", err=True)
        raise typer.Exit(1)
    if signer is not None:
        for b in result.badges:
            b.jwt = badges.sign(b, signer)
    written = badges.write(result.badges, output)
    for path in written:
        typer.echo(f"wrote {path}")


@app.command("verify")
def verify(
    file: Path = typer.Argument(..., metavar="FILE", help="A signed credential (.jwt)."),
    key: Path = typer.Option(
        ..., "--key", help="The centre's Ed25519 public key (PEM or OpenSSH .pub)."
    ),
) -> None:
    """Check the signature of a VC-JWT credential with the centre's public key.

    Exit 0 if it verifies, 1 if it does not (changed after signing, or another key).
    """
    from evitrack.errors import UserError
    from evitrack.exchange import badges

    public = badges.load_public_key(key)
    if not file.is_file():
        raise UserError(f"{file}: no such file")
    if file.stat().st_size > 16 * 1024 * 1024:
        raise UserError(f"{file}: too large for a credential")
    try:
        token = file.read_text(encoding="ascii")
    except UnicodeDecodeError:
        raise UserError(
            f"{file}: not a VC-JWT (it holds characters a compact JWS never has)",
            "verify the .jwt file `evitrack badge --key` writes beside each credential",
        ) from None
    result = badges.verify(token, public, str(file))
    if not result.ok:
        typer.echo(f"evitrack: {result.message}", err=True)
        raise typer.Exit(1)
    assert result.credential is not None
    vc = result.credential
    issuer = (vc.get("issuer") or {}).get("name") if isinstance(vc.get("issuer"), dict) else None
    typer.echo(
        f"ok: {result.message}: {vc.get('name')!s}, issued by {issuer!s} on "
        f"{str(vc.get('issuanceDate', ''))[:10]}"
    )
