"""Record ids: those in use, the next free one, holding one while its record is written,
and finding a record's file by id or path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from evitrack import locate
from evitrack import portfolio as pf
from evitrack.diagnostics import did_you_mean
from evitrack.errors import UserError
from evitrack.model import Portfolio

_ID_LINE = re.compile(r"^id:\s*[\"']?([^\"'\s#]+)", re.MULTILINE)


def record_files(root: Path) -> list[Path]:
    evdir = root / locate.EVIDENCE_DIR
    if not evdir.is_dir():
        return []
    return sorted(
        p for p in evdir.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith(".")
    )


def written_id(path: Path) -> str | None:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:20_000]
    except OSError:
        return None
    m = _ID_LINE.search(head)
    return m.group(1) if m else None


def existing_ids(root: Path) -> set[str]:
    """Record ids in use: from the files' names and the `id:` written inside them."""
    ids: set[str] = set()
    for p in record_files(root):
        m = re.match(r"^([A-Za-z0-9_.]+?\d+)(?=\D|$)", p.stem)
        if m:
            ids.add(m.group(1))
        written = written_id(p)
        if written:
            ids.add(written)
    return ids


def next_number(ids: Iterable[str], prefix: str) -> tuple[int, int]:
    """(next free number, digits) for ids like E0007."""
    pat = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    nums = [m.group(1) for i in ids if (m := pat.match(i))]
    if not nums:
        return 1, 4
    top = max(int(n) for n in nums)
    return top + 1, max(4, *(len(n) for n in nums))


def taken(evdir: Path, rid: str) -> bool:
    pat = re.compile(rf"^{re.escape(rid)}(?!\d)")
    return any(pat.match(p.name) and not p.name.startswith(".") for p in evdir.iterdir())


@contextmanager
def reserved(evdir: Path, rid: str) -> Iterator[bool]:
    """Hold the id `rid` for the time it takes to write its record (False: a live process
    has it; a lock left by a process that is gone is cleaned up and taken)."""
    from evitrack.lock import claim

    lock = evdir / f".{rid}.lock"
    got = claim(lock, evdir.parent)
    try:
        yield got
    finally:
        if got:
            lock.unlink(missing_ok=True)


def record_path(root: Path, ref: str, portfolio: Portfolio | None = None) -> Path:
    """The file of a record given by id (E0007) or by path."""
    as_path = Path(ref)
    if as_path.suffix in (".yaml", ".yml") or os.sep in ref or "/" in ref:
        target = as_path if as_path.is_absolute() or as_path.exists() else root / as_path
        if not target.is_file():
            raise UserError(f"{ref}: no such record file")
        if (
            not pf.inside(root, target)
            or target.resolve().parent != (root / locate.EVIDENCE_DIR).resolve()
        ):
            raise UserError(
                f"{ref} is not an evidence record of the portfolio at {locate.display_path(root)}",
                f"records live in {locate.EVIDENCE_DIR}/",
            )
        return target
    if portfolio is not None:
        for rec in portfolio.records:
            if rec.id == ref:
                return rec.path
    files = record_files(root)
    by_id = [p for p in files if written_id(p) == ref]
    if len(by_id) == 1:
        return by_id[0]
    pat = re.compile(rf"^{re.escape(ref)}(?!\d)")
    named = [p for p in files if pat.match(p.name)]
    if len(named) == 1 and not by_id:
        return named[0]
    if len(by_id) > 1:
        raise UserError(
            f'record id "{ref}" is used by {len(by_id)} files',
            "run `evitrack check`: each record needs its own id",
        )
    ids = [r.id for r in portfolio.records] if portfolio is not None else sorted(existing_ids(root))
    raise UserError(
        f'no record "{ref}" in {locate.display_path(root)}',
        did_you_mean(ref, ids) or "give a record id (e.g. E0007) or the record's file",
    )
