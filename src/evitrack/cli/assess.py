"""evitrack assess / hash: an assessor's decision on a record; the sha256 of attached files."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from evitrack.cli._common import (
    KEY_OPT,
    PORTFOLIO_ARG,
    SIGNER_OPT,
    signer_name,
    signing_key,
)
from evitrack.cli._complete import complete_record
from evitrack.errors import UserError


def assess(
    record: str = typer.Argument(
        ..., help="The record: its id (E0007) or its file.", autocompletion=complete_record
    ),
    portfolio: Path = PORTFOLIO_ARG,
    accept: bool = typer.Option(False, "--accept", help="Accept the evidence."),
    refer: bool = typer.Option(
        False, "--refer", help="Refer it back to the learner (give --comment)."
    ),
    assessor: str = typer.Option(
        None, "--assessor", help="Your name (default: $EVITRACK_ASSESSOR).", show_default=False
    ),
    date: str = typer.Option(
        None, "--date", help="Date of the decision, YYYY-MM-DD (default: today)."
    ),
    comment: str = typer.Option(None, "--comment", help="Feedback to the learner."),
    key: Path = KEY_OPT,
    signer: str = SIGNER_OPT,
) -> None:
    """Record an assessment decision in a record, with a fingerprint of what was judged.

    The rest of the record file is left byte for byte as it was. A record with
    errors (see `evitrack check`) is refused: exit 1.
    """
    import datetime as dt

    from evitrack.cli._input import parse_date
    from evitrack.decisions import assess
    from evitrack.locate import display_path, find_root, resolve_root

    if accept == refer:
        raise UserError("give one of --accept or --refer")
    name = assessor or os.environ.get("EVITRACK_ASSESSOR", "")
    if not name.strip():
        raise UserError(
            "who is assessing? give --assessor NAME",
            "or set EVITRACK_ASSESSOR once in your shell profile",
        )
    if refer and not (comment and comment.strip()):
        raise UserError("a referral needs --comment saying what the learner should do")
    when = parse_date(date, "--date") if date else dt.date.today()
    if portfolio is None and Path(record).suffix in (".yaml", ".yml") and Path(record).is_file():
        root = find_root(Path(record)) or resolve_root(None)
    else:
        root = resolve_root(portfolio)
    result = assess(
        root,
        record,
        "accepted" if accept else "referred",
        name,
        when,
        comment,
        key=signing_key(key),
        signer=signer_name(signer),
    )
    if result.problems:
        typer.echo(
            f"evitrack: {result.id} was not assessed: the record has problems "
            "an assessor must not sign off",
            err=True,
        )
        for d in result.problems:
            typer.echo(d.format(), err=True)
        raise typer.Exit(1)
    typer.echo(display_path(result.path))
    was = f" (was {result.previous})" if result.previous else ""
    signed = f", signed by {result.signer}" if result.signer else ""
    typer.echo(
        f"{result.id} {result.decision} by {name.strip()} on {when.isoformat()}{was}{signed}",
        err=True,
    )
    if result.previous_comment:  # git keeps it too, but say what left the file
        gone = " ".join(str(result.previous_comment).split())
        typer.echo(f'  note: this replaces the earlier comment: "{gone}"', err=True)


def hash_files(
    targets: list[str] = typer.Argument(
        None,
        help="Records (ids or files) or a portfolio folder (default: every record here).",
        show_default=False,
        autocompletion=complete_record,
    ),
) -> None:
    """Fill in or refresh the sha256 of the files attached to records.

    A refreshed hash changes the record, so an accepted record needs assessing again.
    Exit 1 when an attached file is missing.
    """
    from evitrack.hashing import hash_records
    from evitrack.locate import PORTFOLIO_FILE, display_path, find_root, resolve_root

    refs: list[str] = []
    root: Path | None = None
    for t in targets or []:
        p = Path(t)
        here = (p / PORTFOLIO_FILE).is_file() if p.is_dir() else False
        found = find_root(p) if (here or p.is_file()) else None
        if found is not None and (root is None or found == root):
            root = found
            if not here:
                refs.append(str(p.resolve()))
        elif found is not None:
            raise UserError(
                f"{t} is in another portfolio ({display_path(found)}): hash one at a time"
            )
        else:
            refs.append(t)
    root = root or resolve_root(None)
    from evitrack.diagnostics import printable

    report = hash_records(root, refs)
    for c in report.changes:
        what = "recorded" if c.old is None else f"updated (was {c.old[:12]}…)"
        typer.echo(f"{printable(display_path(c.path))}: {printable(c.file)}: sha256 {what}")
        if c.accepted_by:
            typer.echo(
                f"  note: {c.record} was accepted by {c.accepted_by}; "
                "it needs assessing again now its file has changed",
                err=True,
            )
    for problem in report.problems:
        typer.echo(f"evitrack: {printable(problem)}", err=True)
    from evitrack.output import plural

    typer.echo(
        f"{plural(len(report.changes), 'hash', 'hashes')} written, {report.unchanged} "
        f"unchanged in {plural(report.records, 'record')}",
        err=True,
    )
    raise typer.Exit(1 if report.problems else 0)
