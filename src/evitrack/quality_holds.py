"""IQA decisions as a portfolio holds them: the latest on each unit, what a disagreement
holds back.

Read by coverage (a held unit is not complete), sign-offs and the IQA report; recording a
decision is `quality_decisions`. Returns data; never prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from evitrack.model import Portfolio

AGREED, DISAGREED = "agreed", "disagreed"


@dataclass(frozen=True)
class Hold:
    """A standing disagreement on a unit: these records do not count until decided again."""

    unit: str
    iqa: str
    date: dt.date
    comment: str | None
    records: tuple[str, ...]

    @property
    def reason(self) -> str:
        why = f"the IQA {self.iqa} disagreed on {self.date.isoformat()}"
        return why + (f": {self.comment}" if self.comment else "")


def decisions(portfolio: Portfolio) -> list[dict[str, Any]]:
    """The portfolio's IQA decisions as validated (entries with errors left out)."""
    return [
        d
        for d in portfolio.extra.get("iqa") or []
        if isinstance(d, dict) and d.get("unit") and d.get("decision") and d.get("date")
    ]


def latest(portfolio: Portfolio) -> dict[str, dict[str, Any]]:
    """unit -> its latest IQA decision (by date, then the order written)."""
    out: dict[str, dict[str, Any]] = {}
    q = portfolio.qualification
    for d in decisions(portfolio):
        uid = q.resolve_unit(str(d["unit"])) or str(d["unit"])
        if uid not in out or d["date"] >= out[uid]["date"]:
            out[uid] = d
    return out


def holds(portfolio: Portfolio) -> dict[str, Hold]:
    """unit -> the disagreement still standing on it."""
    out: dict[str, Hold] = {}
    for uid, d in latest(portfolio).items():
        if d["decision"] != DISAGREED:
            continue
        named = [str(r) for r in d.get("records") or []]
        held = tuple(
            r.id
            for r in portfolio.records
            if uid in r.criteria
            and (r.id in named or not named)
            and (
                r.assessment is None or r.assessment.date is None or r.assessment.date <= d["date"]
            )
        )
        if held:
            out[uid] = Hold(uid, str(d["iqa"]), d["date"], d.get("comment"), held)
    return out
