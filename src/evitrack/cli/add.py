"""evitrack add: a new evidence record, from options or (on a terminal) prompts."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from evitrack.cli._common import PORTFOLIO_ARG, refuse_surrogates
from evitrack.cli._complete import complete_ksbs
from evitrack.errors import UserError

if TYPE_CHECKING:
    from evitrack.model import Portfolio, Qualification
    from evitrack.records import Created, NewRecord, NotAllowed

T = TypeVar("T")


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
    from evitrack.locate import resolve_root

    root = resolve_root(portfolio)
    p, _ = records.load_portfolio(root)
    given = _Given(title, date, method, criteria, file, description, location, ksbs)
    new = _gather(root, p, given)
    created = records.add(root, p, new)
    _report(created, new, p.qualification, records.not_allowed(p.qualification, new))


@dataclass
class _Given:
    """What was given as options; None or empty where not given."""

    title: str | None
    date: str | None
    method: list[str] | None
    criteria: list[str] | None
    file: list[str] | None
    description: str | None
    location: str | None
    ksbs: list[str] | None


def _ask(prompt: str, parse: Callable[[str], T], default: str | None = None) -> T:
    """Prompt until `parse` accepts the answer; each refusal is said and asked again."""
    while True:
        answer = typer.prompt(prompt, default=default, show_default=bool(default))
        try:
            refuse_surrogates("the answer", answer)
            return parse(answer)
        except UserError as e:
            typer.echo(f"  {e.message}" + (f" ({e.hint})" if e.hint else ""), err=True)


def _gather(root: Path, p: Portfolio, given: _Given) -> NewRecord:
    """The new record from the options, asking on a terminal for what is missing."""
    from evitrack import records
    from evitrack.cli import _input

    shown = _given_ksbs(p, given)
    interactive = sys.stdin.isatty()
    _refuse_missing(p, given, interactive)
    # a bare `evitrack add` on a terminal is a conversation: ask for the optional parts too;
    # with some options given, ask only for the required ones that are missing
    conversation = interactive and not any(vars(given).values())
    title, when = _title_and_date(given, conversation)
    methods, cited = _methods_and_criteria(p, given)
    if conversation and p.apprenticeship is not None:  # an apprentice is asked for KSBs too
        shown = _ask_ksbs(p)
    attached = [_input.attachment(root, f) for f in _input.split_list(given.file)]
    if conversation:
        attached = _ask(
            "Files under files/ to attach (comma-separated, Enter for none)",
            lambda s: [_input.attachment(root, f) for f in _input.split_list([s])],
            "",
        )
    description = given.description
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
    return records.NewRecord(
        title=title,
        date=when,
        methods=methods,
        criteria=cited,
        files=records.hashed(root, attached),
        description=description or "",
        location=given.location or None,
        ksbs=shown,
    )


def _refuse_missing(p: Portfolio, given: _Given, interactive: bool) -> None:
    """UserError naming the required options missing when there is no terminal to ask on."""
    q = p.qualification
    missing = [
        name
        for name, v in (
            ("--title", given.title),
            ("--method", given.method),
            ("--criteria", given.criteria),
        )
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


def _title_and_date(given: _Given, conversation: bool) -> tuple[str, dt.date]:
    """The title (asked when missing) and the date (today unless given or asked)."""
    from evitrack.cli import _input

    today = dt.date.today()
    title = given.title
    if title is not None and not title.strip():
        raise UserError(
            "--title is empty", 'give the evidence a short title, e.g. "Observed at the desk"'
        )
    if not title:
        title = _ask("Title", _nonempty)
    if given.date:
        when = _input.parse_date(given.date, "--date")
    elif conversation:
        when = _ask("Date (YYYY-MM-DD)", _input.parse_date, today.isoformat())
    else:
        when = today
    if when > today:
        raise UserError(
            f"--date {when.isoformat()} is in the future", "evidence is recorded once it exists"
        )
    return title.strip(), when


def _methods_and_criteria(p: Portfolio, given: _Given) -> tuple[list[str], dict[str, list[str]]]:
    """The methods and the cited criteria, each asked when not given."""
    from evitrack.cli import _input

    q = p.qualification
    methods = (
        _input.parse_methods(_input.split_list(given.method))
        if given.method
        else _ask(
            "Methods (comma-separated, e.g. observation, product)",
            lambda s: _input.parse_methods(_input.split_list([_nonempty(s)])),
        )
    )
    if given.criteria:
        cited = _input.parse_refs(q, p.units, _input.split_list(given.criteria))
    else:
        typer.echo("Your units: " + ", ".join(f"{u} {q.units[u].title}" for u in p.units), err=True)
        cited = _ask(
            "Criteria (UNIT/ID, comma-separated)",
            lambda s: _input.parse_refs(q, p.units, _input.split_list([_nonempty(s)])),
        )
    return methods, cited


def _given_ksbs(p: Portfolio, given: _Given) -> list[tuple[str, str]]:
    """(id, title) of each KSB given with --ksbs."""
    from evitrack.apprenticeship.ksbs import cited
    from evitrack.cli import _input

    return cited(p, _input.split_list(given.ksbs)) if given.ksbs else []


def _ask_ksbs(p: Portfolio) -> list[tuple[str, str]]:
    """The KSBs the evidence shows, asked of an apprentice."""
    from evitrack.apprenticeship.ksbs import cited
    from evitrack.cli import _input

    return _ask(
        "KSBs this evidence shows (e.g. K1,S6; Enter for none)",
        lambda s: cited(p, _input.split_list([s])),
        "",
    )


def _report(created: Created, new: NewRecord, q: Qualification, barred: list[NotAllowed]) -> None:
    """The new file's path on stdout; a warning per barred method and a summary on stderr."""
    from evitrack.locate import display_path
    from evitrack.output import plural

    typer.echo(display_path(created.path))
    for b in barred:  # said now, not first at `gaps` or `claim`
        what = f"unit {b.unit}" + (f", criterion {b.criterion}" if b.criterion else "")
        typer.echo(
            f"evitrack: warning: {b.method.replace('-', ' ')} is not allowed as evidence for "
            f"{what}: while {created.id} cites it that way, {b.unit} cannot be completed\n"
            f"    hint: drop {b.method} from the record's methods if the evidence was gathered "
            f"another way (see `evitrack qualification show {q.id} --unit {b.unit}`)",
            err=True,
        )
    n = sum(len(v) for v in new.criteria.values())
    hashed = f", {plural(len(new.files), 'file')} hashed" if new.files else ""
    also = f", {plural(len(new.ksbs), 'KSB')}" if new.ksbs else ""
    typer.echo(f"added {created.id}: {plural(n, 'criterion', 'criteria')}{also}{hashed}", err=True)


def _nonempty(s: str) -> str:
    if not s.strip():
        raise UserError("this cannot be empty")
    return s.strip()
