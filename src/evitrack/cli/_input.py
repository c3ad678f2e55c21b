"""What is typed on the command line for a record: dates, lists, criterion references,
methods and files to attach, checked against the portfolio and turned into values
(UserError when they cannot be).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from evitrack import locate
from evitrack import portfolio as pf
from evitrack.diagnostics import (
    did_you_mean,
    not_a_date,
    unknown_criterion,
    unknown_method,
    unknown_unit,
)
from evitrack.errors import UserError
from evitrack.model import METHOD_ALIASES, METHODS, Qualification, canonical_method

FILES_DIR = "files"  # where attachments are kept


def parse_date(text: str, what: str = "date") -> dt.date:
    """A YYYY-MM-DD date typed on the command line, or UserError."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(*not_a_date(what, text, None)) from None


def split_list(values: Iterable[str] | None) -> list[str]:
    """Repeatable options that may also hold comma-separated items."""
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def parse_refs(q: Qualification, chosen: list[str], refs: Iterable[str]) -> dict[str, list[str]]:
    """`UNIT/ID` references -> {unit id: [criterion ids]} in the qualification's order."""
    got: dict[str, list[str]] = {}
    for ref in refs:
        if "/" not in ref:
            raise UserError(
                f'"{ref}" is not a criterion reference',
                "write criteria as UNIT/ID, e.g. "
                + (f"{chosen[0]}/{_first_id(q, chosen[0])}" if chosen else "01/1.1"),
            )
        unit_ref, cid = (s.strip() for s in ref.rsplit("/", 1))  # aliases may hold "/"
        uid = q.resolve_unit(unit_ref)
        if uid is None:
            raise UserError(*unknown_unit(unit_ref, q.id, q.unit_names(), at=ref))
        if uid not in chosen:
            raise UserError(
                f"{ref}: unit {uid} ({q.units[uid].title}) is not among your chosen units",
                f"add {uid} to `units:` in {locate.PORTFOLIO_FILE} first",
            )
        unit = q.units[uid]
        if unit.criterion(cid) is None and RANGE_SEP in cid:  # 03/1.1-1.4, 811/1f-1n
            ids = got.setdefault(uid, [])
            for one in criteria_range([c.id for c in unit.criteria], cid, f"{uid}/"):
                if one not in ids:
                    ids.append(one)
            continue
        if unit.criteria_in_source and unit.criterion(cid) is None:
            valid = [c.id for c in unit.criteria]
            near = did_you_mean(cid, valid)
            hint = (
                near.replace('did you mean "', f"did you mean {uid}/").replace('"?', "?")
                if near
                else f"unit {uid} has: "
                + ", ".join(valid[:15])
                + (" ..." if len(valid) > 15 else "")
            )
            raise UserError(*unknown_criterion(uid, cid, hint, at=ref))
        ids = got.setdefault(uid, [])
        if cid not in ids:
            ids.append(cid)
    order = list(q.units)
    out: dict[str, list[str]] = {}
    for uid in sorted(got, key=order.index):
        unit = q.units[uid]
        known = [c.id for c in unit.criteria]
        out[uid] = sorted(got[uid], key=lambda c: known.index(c) if c in known else len(known))
    return out


RANGE_SEP = "-"


def criteria_range(ids: list[str], text: str, prefix: str = "") -> list[str]:
    """The criteria from one id to another, both included, in the unit's own order.

    `ids` are the unit's criterion ids in order; `text` is "FIRST-LAST" (e.g. "1.1-1.4" or
    "1f-1n"); `prefix` ("03/") is how the unit is named in messages. UserError for a range
    whose ends are not criteria of the unit, or that runs backwards.
    """
    first, sep, last = (part.strip() for part in text.partition(RANGE_SEP))
    shown = f"{prefix}{text}"
    if not sep or not first or not last or RANGE_SEP in last:
        raise UserError(
            f'"{shown}" is not a range of criteria', f"write a range as {prefix}FIRST-LAST"
        )
    if not ids:
        raise UserError(
            f'"{shown}": the unit has no criteria text in the source, so a range cannot be '
            "expanded",
            "name each criterion",
        )
    for end in (first, last):
        if end not in ids:
            near = did_you_mean(end, ids)
            raise UserError(
                f'"{shown}": "{end}" is not a criterion of the unit',
                near.replace('did you mean "', f"did you mean {prefix}").replace('"?', "?")
                if near
                else "the unit has: " + ", ".join(ids[:15]) + (" ..." if len(ids) > 15 else ""),
            )
    a, b = ids.index(first), ids.index(last)
    if a > b:
        raise UserError(
            f'"{shown}" runs backwards: {first} comes after {last} in the unit',
            f"write it as {prefix}{last}{RANGE_SEP}{first}",
        )
    return ids[a : b + 1]


def _first_id(q: Qualification, uid: str) -> str:
    crit = q.units[uid].criteria
    return crit[0].id if crit else "1.1"


def parse_methods(names: Iterable[str]) -> list[str]:
    """Canonical method names for names or form codes, in the order given, or UserError."""
    out: list[str] = []
    for name in names:
        canon = canonical_method(name)
        if canon is None:
            near = did_you_mean(name, [*METHODS, *METHOD_ALIASES])
            if near:
                near = f'did you mean "{canonical_method(near.split(chr(34))[1])}"?'
            raise UserError(*unknown_method(name, near or "methods: " + ", ".join(METHODS)))
        if canon not in out:
            out.append(canon)
    return out


def attachment(root: Path, typed: str, cwd: Path | None = None) -> str:
    """The portfolio-relative path of a file to attach; it must already be inside the portfolio."""
    cwd = cwd or Path.cwd()
    given = Path(typed).expanduser()
    candidate = given if given.is_absolute() else cwd / given
    if not candidate.exists() and not given.is_absolute():
        for base in (root, root / FILES_DIR):  # relative to the portfolio, or to its files/
            if (base / given).exists() or (base / given).is_symlink():
                candidate = base / given
                break
    hint = (
        "copy it into the portfolio's files/ folder first and attach the copy: "
        "evitrack never reads or copies anything from outside the portfolio"
    )
    if not candidate.exists() and not candidate.is_symlink():
        raise UserError(f'"{typed}": no such file')
    if not pf.inside(root, candidate):
        raise UserError(f'"{typed}" is outside the portfolio', hint)
    if not candidate.is_file():
        raise UserError(f'"{typed}" is not a file')
    if candidate.stat().st_nlink > 1:
        raise UserError(
            f'"{typed}" is a hard link (one file with {candidate.stat().st_nlink} names): its '
            "other names may be outside the portfolio",
            f'give it a name of its own: `cp "{typed}" copy && mv copy "{typed}"`',
        )
    rel = candidate.resolve().relative_to(root.resolve())
    if (rel.parts and rel.parts[0] == locate.EVIDENCE_DIR) or rel.name == locate.PORTFOLIO_FILE:
        raise UserError(
            f'"{typed}" is part of the portfolio itself, not an evidence file',
            "keep attachments under files/",
        )
    return rel.as_posix()
