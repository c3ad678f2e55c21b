"""Shell completion of qualification, unit and record ids (typer `autocompletion=`).

Each function answers from the catalogue or the portfolio in reach and never fails: a
problem (no portfolio, a broken file) gives no suggestions rather than an error in the
middle of the user's command line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

Suggestions = list[tuple[str, str]]  # (value, what it is)
F = TypeVar("F", bound=Callable[..., Suggestions])


def _quietly(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Suggestions:
        try:
            return fn(*args, **kwargs)
        except Exception:
            return []

    return wrapper  # type: ignore[return-value]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


@_quietly
def qualification_ids(incomplete: str = "") -> Suggestions:
    """The shipped qualifications whose id starts with `incomplete`."""
    from evitrack import catalogue

    return [
        (q.id, _one_line(q.title))
        for q in catalogue.shipped_qualifications()
        if q.id.startswith(incomplete)
    ]


def _portfolio(start: Path | None) -> tuple[Path, Any, list[str]] | None:
    """(root, qualification, chosen unit ids) of the portfolio at or above `start`."""
    from evitrack import catalogue, yamlio
    from evitrack.locate import PORTFOLIO_FILE, find_root
    from evitrack.rules import mandatory_units

    root = find_root(start or Path.cwd())
    if root is None:
        return None
    _, raw = yamlio.load(root / PORTFOLIO_FILE)
    q = catalogue.load(str(raw["qualification"]), root)
    chosen = [q.resolve_unit(str(u)) for u in raw.get("units") or []]
    units = [u for u in chosen if u is not None]
    units += [u for u in mandatory_units(q) if u not in units and u in q.units]
    order = list(q.units)
    return root, q, sorted(units, key=order.index)


def _units(q: Any, ids: list[str], incomplete: str, prefix: str = "") -> Suggestions:
    return [
        (prefix + uid, _one_line(q.units[uid].title)) for uid in ids if uid.startswith(incomplete)
    ]


@_quietly
def portfolio_units(incomplete: str = "", start: Path | None = None) -> Suggestions:
    """The units chosen in the portfolio at or above `start` (default: here)."""
    found = _portfolio(start)
    if found is None:
        return []
    _, q, chosen = found
    return _units(q, chosen, incomplete)


@_quietly
def qualification_units(
    incomplete: str = "",
    qualification: str | None = None,
    start: Path | None = None,
    chosen_only: bool = False,
) -> Suggestions:
    """The units of `qualification` (default: the portfolio's; `chosen_only`: the units it
    takes), for a comma-separated list: the last item is completed, those before it kept."""
    from evitrack import catalogue

    prefix, _, last = incomplete.rpartition(",")
    prefix = prefix + "," if prefix else ""
    if qualification:
        q, ids = catalogue.load(qualification), None
    else:
        found = _portfolio(start)
        if found is None:
            return []
        q, ids = found[1], found[2] if chosen_only else None
    taken = set(prefix.split(","))
    return _units(q, [u for u in ids or q.units if u not in taken], last, prefix)


@_quietly
def ksb_ids(incomplete: str = "", start: Path | None = None) -> Suggestions:
    """The KSBs of the apprenticeship standard the portfolio at or above `start` names, for a
    comma-separated list: the last item is completed, those before it kept."""
    from evitrack import yamlio
    from evitrack.apprenticeship import standards
    from evitrack.locate import PORTFOLIO_FILE, find_root

    root = find_root(start or Path.cwd())
    if root is None:
        return []
    _, raw = yamlio.load(root / PORTFOLIO_FILE)
    std = standards.load(str(raw["apprenticeship"]["standard"]), root)
    prefix, _, last = incomplete.rpartition(",")
    prefix = prefix + "," if prefix else ""
    taken = set(prefix.split(","))
    return [
        (prefix + k.id, _one_line(k.title))
        for k in std.ksbs
        if k.id not in taken and k.id.lower().startswith(last.lower())
    ]


_ID = re.compile(r"^id:\s*['\"]?([^'\"#\s]+)", re.M)
_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.M)


@_quietly
def record_ids(incomplete: str = "", start: Path | None = None) -> Suggestions:
    """The ids of the records in the portfolio at or above `start`, read from their files."""
    from evitrack.locate import EVIDENCE_DIR, find_root

    root = find_root(start or Path.cwd())
    if root is None:
        return []
    out: Suggestions = []
    for path in sorted((root / EVIDENCE_DIR).glob("*.yaml")):
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
        rid = _ID.search(head)
        if rid and rid.group(1).startswith(incomplete):
            title = _TITLE.search(head)
            out.append((rid.group(1), _one_line(title.group(1).strip("'\"")) if title else ""))
    return out


# ---- what typer calls: the context gives the portfolio or qualification named so far ----


def _start(ctx: typer.Context) -> Path | None:
    given = ctx.params.get("portfolio")
    return Path(given) if given else None


def complete_qualification(incomplete: str) -> Suggestions:
    return qualification_ids(incomplete)


def complete_chosen_unit(ctx: typer.Context, incomplete: str) -> Suggestions:
    return portfolio_units(incomplete, _start(ctx))


def complete_units(ctx: typer.Context, incomplete: str) -> Suggestions:
    return qualification_units(incomplete, ctx.params.get("qualification"), _start(ctx))


def complete_chosen_units(ctx: typer.Context, incomplete: str) -> Suggestions:
    return qualification_units(incomplete, None, _start(ctx), chosen_only=True)


def complete_record(ctx: typer.Context, incomplete: str) -> Suggestions:
    return record_ids(incomplete, _start(ctx))


def complete_ksbs(ctx: typer.Context, incomplete: str) -> Suggestions:
    return ksb_ids(incomplete, _start(ctx))


def complete_refs(root: Path | None, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for `UNIT/ID` references (the last of a comma-separated list)."""
    from evitrack.record_text import short_comment

    try:
        found = _portfolio(root)
    except Exception:  # completion must never fail loudly
        return []
    if found is None:
        return []
    _, q, chosen = found
    head, _, last = incomplete.rpartition(",")
    prefix = head + "," if head else ""
    out: list[tuple[str, str]] = []
    for uid in chosen:
        for c in q.units[uid].criteria:
            ref = f"{uid}/{c.id}"
            if ref.startswith(last):
                out.append((prefix + ref, short_comment(c.text)[:60]))
    return out
