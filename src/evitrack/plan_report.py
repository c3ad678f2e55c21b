"""`evitrack plan`'s answer: the rules of combination evaluated for a selection of units,
with the optimal plan when the units are a portfolio's.

The planner (`planner.py`) solves for a qualification and knows nothing of files; this
module loads the portfolio, serves the answer from its cache when nothing it depends on
has changed, and returns typed results the CLI renders.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evitrack import planner
from evitrack import rules as R
from evitrack.errors import UserError
from evitrack.model import Portfolio, Qualification, Record
from evitrack.planner import Plan
from evitrack.portfolio import LoadResult, qualification_sources


@dataclass
class RulesReport:
    """The rules evaluated for `units`, and the plan (None: a selection without a portfolio)."""

    qualification: Qualification
    units: list[str]
    rules: list[R.RuleResult]
    plan: Plan | None = None

    @property
    def satisfied(self) -> bool:
        return R.satisfied(self.rules)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "satisfied": self.satisfied,
            "rules": [r.to_json() for r in self.rules],
            "qualification": self.qualification.id,
            "units": self.units,
        }
        if self.plan is not None:
            data["plan"] = self.plan.to_json()
        return data

    @classmethod
    def from_json(cls, q: Qualification, data: dict[str, Any]) -> RulesReport:
        plan = data.get("plan")
        return cls(
            q,
            list(data["units"]),
            [R.RuleResult.from_json(r) for r in data["rules"]],
            Plan.from_json(plan) if isinstance(plan, dict) else None,
        )


def for_selection(
    q: Qualification, units: list[str], records: list[Record] | None = None
) -> RulesReport:
    """The rules for a selection of units; with `records` (a portfolio's), the plan too."""
    plan = None if records is None else planner.plan(q, units, planner.cited(records))
    return RulesReport(q, units, R.evaluate(q, units), plan)


def load_usable(root: Path, today: dt.date | None = None) -> LoadResult:
    """The portfolio to plan for; a UserError naming the first problem if it cannot be used."""
    from evitrack.portfolio import load, unusable

    loaded = load(root, today)
    if loaded.portfolio is None:
        raise unusable(root, loaded.diagnostics)
    return loaded


def portfolio_of(root: Path) -> Portfolio:
    """The usable portfolio at root (UserError when it cannot be used)."""
    p = load_usable(root).portfolio
    assert p is not None
    return p


def for_portfolio(root: Path, today: dt.date | None = None) -> RulesReport:
    """The rules and the optimal plan for a portfolio's chosen units.

    Served from the portfolio's cache when nothing it depends on has changed
    (the plan is a pure function of the files, the qualification and the date).
    """
    from evitrack import cache, catalogue
    from evitrack.locate import localized, portable

    today = today or dt.date.today()
    memo = cache.Memo.open(root, "plan", today)
    hit = memo.value
    if (
        isinstance(hit, dict)
        and isinstance(hit.get("ref"), str)
        and isinstance(hit.get("token"), str)
        and isinstance(hit.get("data"), dict)
    ):
        # the cache is read as untrusted input: an answer of the wrong shape is computed again
        with contextlib.suppress(UserError, KeyError, TypeError, ValueError, AttributeError):
            q = catalogue.load(hit["ref"], root)
            return RulesReport.from_json(q, localized(root, hit["token"], hit["data"]))
    with portable(root) as token:
        loaded = load_usable(root, today)
        p = loaded.portfolio
        assert p is not None
        q = p.qualification
        report = for_selection(q, p.units, p.records)
        data = report.to_json()
    ref = str((loaded.raw or {}).get("qualification") or q.id)
    value = {"ref": ref, "token": token, "data": data}
    memo.put(value, qualification_sources(loaded), loaded.attachments)
    return RulesReport.from_json(q, localized(root, token, data))
