"""evitrack add: a new evidence record, from options or (on a terminal) prompts."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import typer

from evitrack.cli._common import PORTFOLIO_ARG, refuse_surrogates
from evitrack.cli._complete import complete_ksbs
from evitrack.errors import UserError


def _complete_criteria(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    from evitrack.cli._complete import complete_refs

    portfolio = ctx.params.get("portfolio")
    return complete_refs(Path(portfolio) if portfolio else None, incomplete)


def _complete_methods(incomplete: str) -> list[str]:
    from evitrack.model import METHODS

    return [m for m in METHODS if m.startswith(incomplete)]


def add(
    portfolio: Path = PORTFOLIO_ARG,
    title: str = typer.Option(None, "--title", "-t", help="A short title for the evidence."),
    date: str = typer.Option(
        None, "--date", "-d", help="When the evidence was produced, YYYY-MM-DD (default: today)."
    ),
    method: list[str] = typer.Option(
        None,
        "--method",
        "-m",
        autocompletion=_complete_methods,
        help="Assessment method (repeatable): observation, witness-testimony, product, ... "
        "or a form code (Obs, P, Q, Wt, ...).",
    ),
    criteria: list[str] = typer.Option(
        None,
        "--criteria",
        "-c",
        autocompletion=_complete_criteria,
        help='Criteria covered as UNIT/ID, comma-separated or repeated: "01/1.1,01/1.2"; '
        'a range in the unit\'s order: "01/1.1-1.4".',
    ),
    file: list[str] = typer.Option(
        None,
        "--file",
        "-F",
        help="A file inside the portfolio to attach (repeatable), its path relative to files/, "
        "the portfolio or here; it is hashed.",
    ),
    description: str = typer.Option(
        None, "--description", help="What happened, in your own words."
    ),
    location: str = typer.Option(
        None, "--location", help="Where evidence held elsewhere can be seen (e.g. HR file 12)."
    ),
    ksbs: list[str] = typer.Option(
        None,
        "--ksbs",
        autocompletion=complete_ksbs,
        help="An apprentice's KSBs this evidence shows, ids of the standard, comma-separated "
        'or repeated: "K1,S6".',
    ),
) -> None:
    """Add an evidence record: the next free id, a readable file name, files hashed.

    Asks for whatever is missing when run on a terminal; otherwise --title,
    --method and --criteria are required. Exit 0 when the record is written, 1 when
    stopped at a prompt (nothing written), 2 on a usage or input error.
    """
    from evitrack import records
    from evitrack.cli import _input
    from evitrack.locate import display_path, resolve_root
    from evitrack.portfolio import sha256_file

    root = resolve_root(portfolio)
    p, _ = records.load_portfolio(root)
    q = p.qualification
    shown: list[tuple[str, str]] = []
    if ksbs:
        from evitrack.apprenticeship.ksbs import cited as cited_ksbs

        shown = cited_ksbs(p, _input.split_list(ksbs))
    interactive = sys.stdin.isatty()
    missing = [
        name
        for name, v in (("--title", title), ("--method", method), ("--criteria", criteria))
        if not v
    ]
    if missing and not interactive:
        raise UserError(
            f"missing {', '.join(missing)} (not asking: input is not a terminal)",
            'e.g. evitrack add --title "Observed handling a complaint" --method observation '
            f'--criteria "{p.units[0]}/{q.units[p.units[0]].criteria[0].id}"'
            if p.units and q.units[p.units[0]].criteria
            else None,
        )

    def ask(prompt: str, parse: Any, default: str | None = None) -> Any:
        while True:
            answer = typer.prompt(prompt, default=default, show_default=bool(default))
            try:
                refuse_surrogates("the answer", answer)
                return parse(answer)
            except UserError as e:
                typer.echo(f"  {e.message}" + (f" ({e.hint})" if e.hint else ""), err=True)

    today = dt.date.today()
    # a bare `evitrack add` on a terminal is a conversation: ask for the optional parts too;
    # with some options given, ask only for the required ones that are missing
    conversation = interactive and not any(
        (title, date, method, criteria, file, description, location, ksbs)
    )
    if title is not None and not title.strip():
        raise UserError(
            "--title is empty", 'give the evidence a short title, e.g. "Observed at the desk"'
        )
    if not title:
        title = ask("Title", _nonempty)
    title = title.strip()
    if date:
        when = _input.parse_date(date, "--date")
    elif conversation:
        when = ask("Date (YYYY-MM-DD)", _input.parse_date, today.isoformat())
    else:
        when = today
    if when > today:
        raise UserError(
            f"--date {when.isoformat()} is in the future", "evidence is recorded once it exists"
        )
    methods = (
        _input.parse_methods(_input.split_list(method))
        if method
        else ask(
            "Methods (comma-separated, e.g. observation, product)",
            lambda s: _input.parse_methods(_input.split_list([_nonempty(s)])),
        )
    )
    if criteria:
        cited = _input.parse_refs(q, p.units, _input.split_list(criteria))
    else:
        typer.echo("Your units: " + ", ".join(f"{u} {q.units[u].title}" for u in p.units), err=True)
        cited = ask(
            "Criteria (UNIT/ID, comma-separated)",
            lambda s: _input.parse_refs(q, p.units, _input.split_list([_nonempty(s)])),
        )
    if conversation and p.apprenticeship is not None:  # an apprentice is asked for KSBs too
        from evitrack.apprenticeship.ksbs import cited as cited_ksbs

        shown = ask(
            "KSBs this evidence shows (e.g. K1,S6; Enter for none)",
            lambda s: cited_ksbs(p, _input.split_list([s])),
            "",
        )
    attached = [_input.attachment(root, f) for f in _input.split_list(file)]
    if conversation:
        attached = ask(
            "Files under files/ to attach (comma-separated, Enter for none)",
            lambda s: [_input.attachment(root, f) for f in _input.split_list([s])],
            "",
        )
    if description is None:
        description = (
            typer.prompt(
                "Description (one paragraph; edit the file for more)",
                default="",
                show_default=False,
            )
            if conversation
            else ""
        )
    new = records.NewRecord(
        title=title,
        date=when,
        methods=methods,
        criteria=cited,
        files=[(f, sha256_file(root / f)) for f in dict.fromkeys(attached)],
        description=description or "",
        location=location or None,
        ksbs=shown,
    )
    prefix = str(p.settings.get("record_prefix") or records.DEFAULT_PREFIX)
    created = records.create(root, new, q, prefix)
    typer.echo(display_path(created.path))
    for uid, ids in cited.items():  # said now, not first at `gaps` or `claim`
        for m, cid in q.units[uid].forbidden_uses(methods, ids):
            what = f"unit {uid}" + (f", criterion {cid}" if cid else "")
            typer.echo(
                f"evitrack: warning: {m.replace('-', ' ')} is not allowed as evidence for "
                f"{what}: while {created.id} cites it that way, {uid} cannot be completed\n"
                f"    hint: drop {m} from the record's methods if the evidence was gathered "
                f"another way (see `evitrack qualification show {q.id} --unit {uid}`)",
                err=True,
            )
    from evitrack.output import plural

    n = sum(len(v) for v in cited.values())
    hashed = f", {plural(len(new.files), 'file')} hashed" if new.files else ""
    also = f", {plural(len(shown), 'KSB')}" if shown else ""
    typer.echo(f"added {created.id}: {plural(n, 'criterion', 'criteria')}{also}{hashed}", err=True)


def _nonempty(s: str) -> str:
    if not s.strip():
        raise UserError("this cannot be empty")
    return s.strip()
