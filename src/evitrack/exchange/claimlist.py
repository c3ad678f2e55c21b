"""The awarding body's claim list: per learner of a caseload, what can be claimed now.

A learner can claim the full award when the qualification is complete, every unit is
signed off and the portfolio has no errors (what `evitrack claim` asks); otherwise the
units that are complete and signed off (a unit claim); otherwise nothing, with the
reason. The rows hold what a centre pastes into an awarding body's bulk claim:
registration, ULN where recorded, qualification number, unit codes, the summative
assessment dates and the internal verifier's sign-off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evitrack.model import Portfolio

COLUMNS = (
    "portfolio",
    "learner",
    "registration",
    "uln",
    "qualification",
    "number",
    "claim",
    "units",
    "codes",
    "dates",
    "iv",
    "reason",
)


@dataclass
class Row:
    """One learner: a claim (`claim` full or units) or, with `reason`, nothing to claim."""

    portfolio: str
    learner: str
    registration: str
    uln: str | None = None
    qualification: str | None = None
    number: str | None = None
    claim: str | None = None  # full | units | None (nothing claimable)
    units: list[str] = field(default_factory=list)
    codes: dict[str, list[str]] = field(default_factory=dict)  # unit -> its other codes
    dates: dict[str, str | None] = field(default_factory=dict)  # unit -> summative date
    iv: dict[str, dict[str, str | None] | None] = field(default_factory=dict)
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.claim is None:
            return {
                "portfolio": self.portfolio,
                "learner": self.learner,
                "registration": self.registration,
                "reason": self.reason,
            }
        return {
            "portfolio": self.portfolio,
            "learner": self.learner,
            "registration": self.registration,
            "uln": self.uln,
            "qualification": self.qualification,
            "number": self.number,
            "claim": self.claim,
            "units": self.units,
            "codes": self.codes,
            "dates": self.dates,
            "iv": self.iv,
        }

    def to_csv(self) -> dict[str, str]:
        """One spreadsheet row: lists joined by "; ", in the order of `units`."""

        def iv(u: str) -> str:
            s = self.iv.get(u)
            return " ".join(v for v in (s or {}).values() if v) if s else ""

        return {
            "portfolio": self.portfolio,
            "learner": self.learner,
            "registration": self.registration,
            "uln": self.uln or "",
            "qualification": self.qualification or "",
            "number": self.number or "",
            "claim": self.claim or "",
            "units": "; ".join(self.units),
            "codes": "; ".join(" ".join(self.codes.get(u, [])) for u in self.units),
            "dates": "; ".join(self.dates.get(u) or "" for u in self.units),
            "iv": "; ".join(iv(u) for u in self.units),
            "reason": self.reason or "",
        }


def _uln(raw: Any) -> str | None:
    learner = raw.get("learner") if isinstance(raw, dict) else None
    uln = learner.get("uln") if isinstance(learner, dict) else None
    return None if uln in (None, "") else str(uln)


def row(root: Path, caseload: Path) -> Row:
    """The claim-list row of one portfolio."""
    from evitrack import portfolio as pf
    from evitrack.coverage import coverage
    from evitrack.diagnostics import error_lines
    from evitrack.pack import learner_gaps, signoff_gaps, unit_gaps

    where = os.path.relpath(root.resolve(), caseload)
    result = pf.load(root)
    raw = result.raw if isinstance(result.raw, dict) else {}
    p = result.portfolio
    if p is None:
        found = raw.get("learner")
        learner: dict[str, Any] = found if isinstance(found, dict) else {}
        errors = error_lines(result.diagnostics)
        return Row(
            where,
            str(learner.get("name") or ""),
            str(learner.get("registration") or ""),
            reason="evitrack.yaml cannot be used: " + (errors[0] if errors else "unreadable"),
        )
    out = Row(where, p.learner_name, p.registration)
    problems = learner_gaps(p) + error_lines(result.diagnostics)
    if problems:
        more = f" (and {len(problems) - 1} more; see `evitrack check`)" if len(problems) > 1 else ""
        out.reason = problems[0] + more
        return out
    cov = coverage(p, result.diagnostics)
    left = {uid: unit_gaps(cov, uid) + signoff_gaps(p, uid) for uid in p.units}
    done = [uid for uid in p.units if not left[uid]]
    if not done:
        first = next(iter(v[0] for v in left.values() if v), "no units chosen")
        out.reason = f"no unit is complete and signed off yet (first: {first})"
        return out
    out.claim = "full" if cov.complete and len(done) == len(p.units) else "units"
    out.uln = _uln(raw)
    _fill_claimed(out, p, done)
    return out


def _fill_claimed(out: Row, p: Portfolio, done: list[str]) -> None:
    """The qualification, and each claimed unit's codes, assessment date and IV."""
    q = p.qualification
    out.qualification = q.id
    number = q.number
    extra = q.extra.get("extra")
    if not number and isinstance(extra, dict):
        number = extra.get("awarding_body_number")
    out.number = None if number is None else str(number)
    for uid in done:
        s = p.signoffs[uid]
        out.units.append(uid)
        out.codes[uid] = list(q.units[uid].aliases)
        out.dates[uid] = s.assessed.isoformat() if s.assessed else None
        out.iv[uid] = (
            {"initials": s.iv, "date": s.iv_date.isoformat() if s.iv_date else None}
            if s.iv
            else None
        )


def claim_list(caseload: Path) -> list[Row]:
    """A row per portfolio of a caseload folder (or the one portfolio given)."""
    from evitrack.checker import portfolios_for

    base = caseload.resolve()
    return [row(r, base if base.is_dir() else base.parent) for r in portfolios_for([caseload])]
