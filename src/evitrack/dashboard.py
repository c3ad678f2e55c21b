"""The centre's dashboard over a caseload: progress per learner and per unit, the learners
at risk, and the IQA picture.

Built from the same core answers as `evitrack gaps` (each portfolio's coverage) and
`evitrack iqa report` (`quality_report.report`), never computed differently; the records'
decisions come from the IQA loader's copy of each portfolio. Returns data, never prints.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack.coverage import ACCEPTED, EVIDENCED, Coverage, UnitCoverage
from evitrack.quality_report import IqaReport

DEFAULT_STALE_WEEKS = 8

# why a learner is at risk (the `kind` of each risk in the JSON)
STALE, REFERRAL, IQA_OPEN, VOID = "stale", "referral", "iqa", "void"
RISK_NAMES = {
    STALE: "no progress",
    REFERRAL: "referral",
    IQA_OPEN: "IQA action",
    VOID: "void sign-off",
}


@dataclass(frozen=True)
class Gap:
    """A criterion not met yet, as `gaps` shows it."""

    outcome: str  # the outcome's id, or "knowledge"
    criterion: str
    why: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "criterion": self.criterion,
            "why": self.why,
            "text": self.text,
        }


@dataclass
class UnitProgress:
    """One unit of one learner."""

    unit: str
    title: str
    accepted: int
    evidenced: int
    total: int
    complete: bool
    gaps: list[Gap] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)  # unmet requirements, described

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "title": self.title,
            "accepted": self.accepted,
            "evidenced": self.evidenced,
            "total": self.total,
            "complete": self.complete,
            "gaps": [g.to_json() for g in self.gaps],
            "requirements_not_met": self.requirements,
        }


@dataclass(frozen=True)
class Risk:
    kind: str  # STALE | REFERRAL | IQA_OPEN | VOID
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail}


@dataclass
class LearnerProgress:
    portfolio: str  # relative to the caseload, with /
    anchor: str  # the id of the learner's section in the HTML page
    name: str
    registration: str
    qualification: str
    qualification_title: str
    accepted: int
    total: int
    complete: bool
    units: list[UnitProgress]
    rules_not_met: list[str]
    last_accepted: dt.date | None
    referrals: list[str]  # record ids whose latest decision is a referral
    iqa_open: list[str]  # units with an IQA disagreement still standing
    void_signoffs: list[str]  # units whose sign-off no longer stands
    risks: list[Risk] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return 100 * self.accepted // self.total if self.total else 0

    @property
    def evidenced(self) -> int:
        return sum(u.evidenced for u in self.units)

    @property
    def units_complete(self) -> int:
        return sum(1 for u in self.units if u.complete)

    def to_json(self) -> dict[str, Any]:
        return {
            "portfolio": self.portfolio,
            "anchor": self.anchor,
            "learner": {"name": self.name, "registration": self.registration},
            "qualification": self.qualification,
            "accepted": self.accepted,
            "total": self.total,
            "complete": self.complete,
            "units": [u.to_json() for u in self.units],
            "rules_not_met": self.rules_not_met,
            "last_accepted": self.last_accepted.isoformat() if self.last_accepted else None,
            "referrals": self.referrals,
            "iqa_open": self.iqa_open,
            "void_signoffs": self.void_signoffs,
            "risks": [r.to_json() for r in self.risks],
        }


@dataclass
class UnitSummary:
    """One unit across the caseload: the learners taking it and how far they are."""

    qualification: str
    unit: str
    title: str
    learners: int
    complete: int
    accepted: int
    total: int

    @property
    def percent(self) -> int:
        return 100 * self.accepted // self.total if self.total else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "qualification": self.qualification,
            "unit": self.unit,
            "title": self.title,
            "learners": self.learners,
            "complete": self.complete,
            "accepted": self.accepted,
            "total": self.total,
        }


@dataclass
class Dashboard:
    caseload: str  # the folder's name
    date: dt.date
    stale_weeks: int
    learners: list[LearnerProgress]
    units: list[UnitSummary]
    iqa: IqaReport | None  # None: the caseload has no sampling.yaml
    policy_note: str | None = None  # why there is no IQA picture

    @property
    def at_risk(self) -> list[LearnerProgress]:
        return [p for p in self.learners if p.risks]

    def to_json(self) -> dict[str, Any]:
        return {
            "caseload": self.caseload,
            "date": self.date.isoformat(),
            "stale_weeks": self.stale_weeks,
            "learners": [p.to_json() for p in self.learners],
            "units": [u.to_json() for u in self.units],
            "at_risk": [p.portfolio for p in self.at_risk],
            "iqa": None if self.iqa is None else self.iqa.to_json(),
        }


def build(caseload: Path, today: dt.date, stale_weeks: int = DEFAULT_STALE_WEEKS) -> Dashboard:
    """The dashboard of a caseload folder as it is on `today`.

    Raises `UserError` where `iqa report` does: not a caseload, a portfolio that cannot be
    loaded, a broken sampling policy or saved plan (`quality.PolicyError`).
    """
    from evitrack import quality, quality_report
    from evitrack import quality_holds as qh
    from evitrack.caseload import gaps

    portfolios = quality.load_caseload(caseload)  # refuses a folder that is not a caseload
    covered = {p.root.resolve(): p.coverage for p in gaps([caseload], top=0).portfolios}
    iqa: IqaReport | None = None
    note = None
    if (caseload / quality.POLICY_FILE).is_file() or (caseload / quality.POLICY_FILE).is_symlink():
        iqa = quality_report.report(caseload, portfolios)
    else:
        note = f"no {quality.POLICY_FILE} in the caseload: no IQA picture"
    open_actions: dict[str, list[str]] = {}
    for a in iqa.actions if iqa else []:
        if a.open:
            open_actions.setdefault(a.portfolio, []).append(a.unit)
    learners = []
    anchors: set[str] = set()
    order: dict[str, list[str]] = {}
    for rel, skeleton in portfolios:
        cov = covered.get(skeleton.root.resolve())
        if cov is None:  # loaded a moment ago by the IQA loader: cannot happen but on a race
            continue
        p = _learner(rel, cov, skeleton, _anchor(rel, anchors))
        order.setdefault(p.qualification, list(cov.portfolio.qualification.units))
        if iqa is None:  # without a policy, the disagreements recorded in the portfolio
            p.iqa_open = sorted(qh.holds(skeleton))
        else:
            p.iqa_open = sorted(set(open_actions.get(rel, [])))
        p.risks = _risks(p, today, stale_weeks)
        learners.append(p)
    return Dashboard(
        caseload.resolve().name, today, stale_weeks, learners, _units(learners, order), iqa, note
    )


def _anchor(rel: str, taken: set[str]) -> str:
    base = "learner-" + (re.sub(r"[^a-z0-9]+", "-", rel.lower()).strip("-") or "portfolio")
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def _learner(rel: str, cov: Coverage, skeleton: Any, anchor: str) -> LearnerProgress:
    q = cov.portfolio.qualification
    units = [_unit_progress(u) for u in cov.units]
    accepted_dates = [
        r.assessment.date
        for r in skeleton.records
        if r.assessment is not None and r.assessment.decision == "accepted" and r.assessment.date
    ]
    return LearnerProgress(
        rel,
        anchor,
        cov.portfolio.learner_name,
        cov.portfolio.registration,
        q.id,
        q.title,
        sum(u.accepted for u in units),
        sum(u.total for u in units),
        cov.complete,
        units,
        [f"{r.rule}: {r.detail}" for r in cov.rules if not r.satisfied],
        max(accepted_dates, default=None),
        sorted(
            r.id
            for r in skeleton.records
            if r.assessment is not None and r.assessment.decision == "referred"
        ),
        [],
        sorted(u for u, s in skeleton.signoffs.items() if s.void),
    )


def _unit_progress(u: UnitCoverage) -> UnitProgress:
    """A unit's counts, its criteria not met (with why) and its unmet requirements."""
    gaps = [
        Gap(
            o.id if o else "knowledge",
            st.id,
            (st.why or "") + _detail(st.reasons),
            " ".join(st.criterion.text.split()),
        )
        for o, sts in u.by_outcome()
        for st in sts
        if st.why
    ]
    reqs = [r.detail for r in u.requirements if not r.satisfied and not r.criterion]
    return UnitProgress(
        u.unit.id,
        u.unit.title,
        len(u.ids(ACCEPTED)),
        len(u.ids(EVIDENCED)),
        u.total,
        u.complete,
        gaps,
        reqs,
    )


def _detail(reasons: list[str]) -> str:
    detail = [r for r in reasons if r != "no evidence"]
    return ": " + "; ".join(detail) if detail else ""


def _risks(p: LearnerProgress, today: dt.date, weeks: int) -> list[Risk]:
    out = []
    if not p.complete:
        if p.last_accepted is None:
            out.append(Risk(STALE, "no evidence accepted yet"))
        elif (today - p.last_accepted).days >= 7 * weeks:
            days = (today - p.last_accepted).days
            out.append(
                Risk(
                    STALE,
                    f"no evidence accepted for {days // 7} weeks "
                    f"(last on {p.last_accepted.isoformat()})",
                )
            )
    if p.referrals:
        out.append(Risk(REFERRAL, "referred, not decided again: " + ", ".join(p.referrals)))
    if p.iqa_open:
        out.append(Risk(IQA_OPEN, "IQA disagreement open on unit " + ", ".join(p.iqa_open)))
    if p.void_signoffs:
        out.append(Risk(VOID, "sign-off void on unit " + ", ".join(p.void_signoffs)))
    return out


def _units(learners: list[LearnerProgress], order: dict[str, list[str]]) -> list[UnitSummary]:
    """Each unit taken in the caseload, in its qualification's order, qualifications by id."""
    found: dict[tuple[str, str], UnitSummary] = {}
    for p in learners:
        for u in p.units:
            s = found.setdefault(
                (p.qualification, u.unit),
                UnitSummary(p.qualification, u.unit, u.title, 0, 0, 0, 0),
            )
            s.learners += 1
            s.complete += u.complete
            s.accepted += u.accepted
            s.total += u.total

    def key(s: UnitSummary) -> tuple[str, int, str]:
        units = order.get(s.qualification, [])
        return (s.qualification, units.index(s.unit) if s.unit in units else len(units), s.unit)

    return sorted(found.values(), key=key)
