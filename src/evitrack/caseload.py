"""Gaps over one portfolio or an assessor's caseload (a folder of portfolios).

`gaps(paths)` loads every portfolio named, computes its coverage and, for a
caseload, the criteria most often missing across it. Returns data; never prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import locate
from evitrack import portfolio as pf
from evitrack.checker import portfolios_for
from evitrack.coverage import MISSING, Coverage, coverage
from evitrack.diagnostics import Diagnostic, Severity


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
        first = next((d for d in self.diagnostics if d.severity is Severity.ERROR), None)
        return first.format().splitlines()[0] if first else "the portfolio cannot be loaded"

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


def one(root: Path) -> PortfolioGaps:
    result = pf.load(root)
    if result.portfolio is None:
        return PortfolioGaps(root, None, result.diagnostics)
    return PortfolioGaps(root, coverage(result.portfolio, result.diagnostics), result.diagnostics)


def is_caseload(paths: list[Path]) -> bool:
    """Several paths, or a folder that is not inside a portfolio (a folder of them)."""
    return len(paths) > 1 or any(locate.find_root(p) is None for p in paths if p.exists())


def gaps(paths: list[Path], top: int = 10) -> Gaps:
    roots: list[Path] = []
    for root in portfolios_for(paths):
        if all(root.resolve() != r.resolve() for r in roots):
            roots.append(root)
    result = Gaps([one(r) for r in roots], is_caseload(paths))
    if result.caseload:
        result.most_missing = most_missing(result.portfolios, top)
    return result


def most_missing(portfolios: list[PortfolioGaps], top: int = 10) -> list[Missing]:
    """The criteria with no evidence in the most portfolios (ties in the qualification's order)."""
    counts: dict[tuple[str, str, str], int] = {}
    taken: dict[tuple[str, str], int] = {}
    text: dict[tuple[str, str, str], str] = {}
    order: dict[tuple[str, str, str], tuple[int, int]] = {}
    for p in portfolios:
        if p.coverage is None:
            continue
        q = p.coverage.portfolio.qualification
        unit_order = list(q.units)
        for uc in p.coverage.units:
            taken[(q.id, uc.unit.id)] = taken.get((q.id, uc.unit.id), 0) + 1
            for i, st in enumerate(uc.criteria):
                key = (q.id, uc.unit.id, st.id)
                text[key] = st.criterion.text
                order[key] = (unit_order.index(uc.unit.id), i)
                if st.status == MISSING:
                    counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts, key=lambda k: (-counts[k], k[0], order[k]))
    return [
        Missing(k[0], k[1], k[2], text[k], counts[k], taken[(k[0], k[1])])
        for k in ranked[: max(top, 0)]
    ]
