"""Gaps over one portfolio or an assessor's caseload (a folder of portfolios).

`gaps(paths)` loads every portfolio named, computes its coverage and, for a
caseload, the criteria most often missing across it. Returns data; never prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import cache, locate
from evitrack.checker import portfolios_for
from evitrack.coverage import MISSING, Coverage, coverage, restore, snapshot
from evitrack.diagnostics import Diagnostic, diagnostic_from_json, error_lines
from evitrack.errors import UserError
from evitrack.parallel import in_parallel


@dataclass
class PortfolioGaps:
    root: Path
    coverage: Coverage | None  # None: evitrack.yaml could not be used
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def path(self) -> str:
        return locate.display_path(self.root)

    @property
    def error(self) -> str | None:
        if self.coverage is not None:
            return None
        return next(iter(error_lines(self.diagnostics)), "the portfolio cannot be loaded")

    def to_json(self) -> dict[str, Any]:
        if self.coverage is None:
            return {"path": self.path, "error": self.error}
        return {**self.coverage.to_json(), "path": self.path}


@dataclass(frozen=True)
class Missing:
    """A criterion with no evidence in `count` of the `of` portfolios that take its unit."""

    qualification: str
    unit: str
    criterion: str
    text: str
    count: int
    of: int

    def to_json(self) -> dict[str, Any]:
        return {
            "qualification": self.qualification,
            "unit": self.unit,
            "criterion": self.criterion,
            "text": self.text,
            "count": self.count,
            "of": self.of,
        }


@dataclass
class Gaps:
    portfolios: list[PortfolioGaps]
    caseload: bool  # several portfolios, or a folder of them
    most_missing: list[Missing] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(p.coverage is None for p in self.portfolios)

    def to_json(self) -> dict[str, Any]:
        """One portfolio: the gaps object (PRODUCT.md); a caseload: {portfolios, most_missing}."""
        if not self.caseload:
            return self.portfolios[0].to_json()
        return {
            "portfolios": [p.to_json() for p in self.portfolios],
            "most_missing": [m.to_json() for m in self.most_missing],
        }


def one(root: Path, memo: cache.Memo | None = None) -> PortfolioGaps:
    """One portfolio's coverage: from its cache when nothing it depends on changed (the
    memo a caseload keeps of it, `memo` if opened already), else computed and kept there."""
    memo = memo or cache.Memo.open(root, "gaps", dt.date.today())
    restored = _restored(root, memo.value)
    if restored is None:
        restored = _restored(root, snapshot_of((str(root), memo)))
    if restored is not None:
        return restored
    memo.stored = None  # the answer is not the memo's: no rendering of it is kept
    from evitrack import portfolio as pf  # not needed when the memo answers

    result = pf.load(root)
    if result.portfolio is None:
        return PortfolioGaps(root, None, result.diagnostics)
    return PortfolioGaps(root, coverage(result.portfolio, result.diagnostics), result.diagnostics)


def is_caseload(paths: list[Path]) -> bool:
    """Several paths, or a folder that is not inside a portfolio (a folder of them)."""
    return len(paths) > 1 or any(locate.find_root(p) is None for p in paths if p.exists())


def gaps(paths: list[Path], top: int = 10) -> Gaps:
    roots = portfolios_for(paths)  # each portfolio once, however it was named
    if not is_caseload(paths):
        return Gaps([one(r) for r in roots], False)
    result = Gaps(_many(roots), True)
    result.most_missing = most_missing(result.portfolios, top)
    return result


def snapshot_of(job: tuple[str, cache.Memo]) -> dict[str, Any]:
    """Load one portfolio and snapshot its coverage, caching it in its memo.

    Computed with paths relative to the portfolio (`locate.portable`), so that the snapshot
    can be shown from any current folder.
    """
    from evitrack import portfolio as pf  # not needed when the memo answers

    root, memo = job
    where = Path(root)
    with locate.portable(where) as token:
        result = pf.load(where, dt.date.today())
        if result.portfolio is None:
            snap: dict[str, Any] = {
                "error": True,
                "token": token,
                "diagnostics": [d.to_json() for d in result.diagnostics],
            }
        else:
            ref = str((result.raw or {}).get("qualification") or result.portfolio.qualification.id)
            snap = snapshot(coverage(result.portfolio, result.diagnostics), ref, token)
    memo.put(snap, pf.qualification_sources(result), result.attachments)
    return snap


def _many(roots: list[Path]) -> list[PortfolioGaps]:
    """A caseload: unchanged portfolios from their caches, the rest loaded on every core."""
    today = dt.date.today()
    snaps: dict[int, dict[str, Any]] = {}
    jobs: list[tuple[int, tuple[str, cache.Memo]]] = []
    restored: dict[int, PortfolioGaps] = {}
    for i, root in enumerate(roots):
        memo = cache.Memo.open(root, "gaps", today)
        hit = _restored(root, memo.value)
        if hit is not None:
            restored[i] = hit
        else:
            jobs.append((i, (str(root), memo)))
    done = in_parallel(snapshot_of, [job for _, job in jobs])
    snaps.update(zip([i for i, _ in jobs], done, strict=True))
    restored.update((i, _from_snapshot(roots[i], snap)) for i, snap in snaps.items())
    return [restored[i] for i in range(len(roots))]


def _restored(root: Path, snap: Any) -> PortfolioGaps | None:
    """The gaps of a cached snapshot; None if it has the wrong shape (it is computed again)."""
    if not isinstance(snap, dict):
        return None
    try:
        return _from_snapshot(root, snap)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError, UserError):
        return None


def _from_snapshot(root: Path, snap: dict[str, Any]) -> PortfolioGaps:
    if snap.get("error"):
        token = str(snap.get("token") or "")
        found = [diagnostic_from_json(root, d, token) for d in snap["diagnostics"]]
        return PortfolioGaps(root, None, found)
    cov = restore(root, snap)
    return PortfolioGaps(root, cov, cov.diagnostics)


def most_missing(portfolios: list[PortfolioGaps], top: int = 10) -> list[Missing]:
    """The criteria with no evidence in the most portfolios (ties in the qualification's order)."""
    counts: dict[tuple[str, str, str], int] = {}
    taken: dict[tuple[str, str], int] = {}
    text: dict[tuple[str, str, str], str] = {}
    order: dict[tuple[str, str, str], tuple[int, int]] = {}
    read: dict[tuple[str, str], Any] = {}  # the unit whose criteria were read last
    for p in portfolios:
        if p.coverage is None:
            continue
        q = p.coverage.portfolio.qualification
        for uc in p.coverage.units:
            unit = (q.id, uc.unit.id)
            if read.get(unit) is not uc.unit:  # a unit (often shared) read once in a row
                read[unit] = uc.unit
                place = list(q.units).index(uc.unit.id)
                for i, st in enumerate(uc.criteria):
                    text[(*unit, st.id)] = st.criterion.text
                    order[(*unit, st.id)] = (place, i)
            taken[unit] = taken.get(unit, 0) + 1
            for st in uc.criteria:
                if st.status == MISSING:
                    key = (*unit, st.id)
                    counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts, key=lambda k: (-counts[k], k[0], order[k]))
    return [
        Missing(k[0], k[1], k[2], text[k], counts[k], taken[(k[0], k[1])])
        for k in ranked[: max(top, 0)]
    ]
