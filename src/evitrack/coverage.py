"""Coverage: the status of every criterion, unit and the award, with the reasons.

missing   - no record cites the criterion
evidenced - cited, not (or no longer) accepted
accepted  - cited by a record whose assessment decision is accepted and whose
            content has not changed since
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from evitrack.model import Criterion, Portfolio, Record, Unit

if TYPE_CHECKING:
    from evitrack.rules import RuleResult

MISSING, EVIDENCED, ACCEPTED = "missing", "evidenced", "accepted"


@dataclass
class CriterionStatus:
    criterion: Criterion
    status: str
    records: list[str] = field(default_factory=list)  # ids of records citing it
    reasons: list[str] = field(default_factory=list)  # why it is not accepted

    @property
    def id(self) -> str:
        return self.criterion.id


@dataclass
class Requirement:
    """An evidence requirement of a unit (or a criterion) and whether it holds."""

    what: str
    satisfied: bool
    detail: str
    criterion: str | None = None


@dataclass
class UnitCoverage:
    unit: Unit
    criteria: list[CriterionStatus]
    requirements: list[Requirement]
    records: list[str]

    def ids(self, status: str) -> list[str]:
        return [c.id for c in self.criteria if c.status == status]

    @property
    def total(self) -> int:
        return len(self.criteria)

    @property
    def verifiable(self) -> bool:
        return self.unit.criteria_in_source

    @property
    def complete(self) -> bool:
        return (
            self.verifiable
            and all(c.status == ACCEPTED for c in self.criteria)
            and all(r.satisfied for r in self.requirements)
        )

    @property
    def progress(self) -> float:
        return len(self.ids(ACCEPTED)) / self.total if self.total else 0.0


@dataclass
class Coverage:
    portfolio: Portfolio
    units: list[UnitCoverage]
    rules: list[RuleResult]

    @property
    def rules_satisfied(self) -> bool:
        return all(r.satisfied for r in self.rules)

    @property
    def complete(self) -> bool:
        return self.rules_satisfied and all(u.complete for u in self.units)

    def unit(self, uid: str) -> UnitCoverage | None:
        return next((u for u in self.units if u.unit.id == uid), None)

    def to_json(self) -> dict[str, object]:
        """The `gaps --format json` object (contract: PRODUCT.md), extended."""
        return {
            "qualification": self.portfolio.qualification.id,
            "learner": {
                "name": self.portfolio.learner_name,
                "registration": self.portfolio.registration,
            },
            "units": [
                {
                    "unit": u.unit.id,
                    "title": u.unit.title,
                    "total": u.total,
                    "missing": u.ids(MISSING),
                    "evidenced": u.ids(EVIDENCED),
                    "accepted": u.ids(ACCEPTED),
                    "complete": u.complete,
                    "verifiable": u.verifiable,
                    "requirements": [
                        {
                            "what": r.what,
                            "satisfied": r.satisfied,
                            "detail": r.detail,
                            "criterion": r.criterion,
                        }
                        for r in u.requirements
                    ],
                    "reasons": {c.id: c.reasons for c in u.criteria if c.reasons},
                }
                for u in self.units
            ],
            "rules_satisfied": self.rules_satisfied,
            "rules": [
                {"rule": r.rule, "satisfied": r.satisfied, "detail": r.detail} for r in self.rules
            ],
            "complete": self.complete,
        }


def _counts(record: Record) -> bool:
    """An accepted record counts only while its content is what the assessor judged."""
    a = record.assessment
    if a is None or a.decision != "accepted":
        return False
    return not (a.fingerprint and a.fingerprint != record.fingerprint)


def unit_coverage(unit: Unit, records: Iterable[Record]) -> UnitCoverage:
    citing = [r for r in records if unit.id in r.criteria]
    statuses: list[CriterionStatus] = []
    for c in unit.criteria:
        by = [r for r in citing if c.id in r.criteria[unit.id]]
        status = MISSING
        reasons: list[str] = []
        if by:
            status = ACCEPTED if any(_counts(r) for r in by) else EVIDENCED
            if status == EVIDENCED:
                for r in by:
                    a = r.assessment
                    if a is None:
                        reasons.append(f"{r.id} not yet assessed")
                    elif a.decision == "referred":
                        reasons.append(f"{r.id} referred" + (f": {a.comment}" if a.comment else ""))
                    else:
                        reasons.append(f"{r.id} changed after it was accepted")
        else:
            reasons.append("no evidence")
        statuses.append(CriterionStatus(c, status, [r.id for r in by], reasons))
    reqs = _requirements(unit, citing, statuses)
    for req in reqs:
        if not req.satisfied and req.criterion:
            for st in statuses:
                if st.id == req.criterion:
                    st.reasons.append(req.detail)
    return UnitCoverage(unit, statuses, reqs, [r.id for r in citing])


def _requirements(
    unit: Unit, citing: list[Record], statuses: list[CriterionStatus]
) -> list[Requirement]:
    reqs: list[Requirement] = []
    ev = unit.evidence
    accepted = [r for r in citing if _counts(r)]
    if ev.required_methods:
        names = " or ".join(m.replace("-", " ") for m in ev.required_methods)
        ok = any(set(r.methods) & set(ev.required_methods) for r in accepted)
        reqs.append(
            Requirement(
                f"method: {names}",
                ok,
                f"evidence by {names} is required"
                + ("" if ok else ": no accepted record uses it yet"),
            )
        )
    for m in ev.forbidden_methods:
        bad = [r.id for r in citing if m in r.methods]
        reqs.append(
            Requirement(
                f"no {m.replace('-', ' ')}",
                not bad,
                f"{m.replace('-', ' ')} is not allowed for unit {unit.id}"
                + (f": used by {', '.join(bad)}" if bad else ""),
            )
        )
    if ev.candidate_report:
        ok = any("candidate-report" in r.methods for r in accepted)
        reqs.append(
            Requirement(
                "candidate report",
                ok,
                "a candidate report is required"
                + ("" if ok else ": no accepted record with method candidate-report"),
            )
        )
    for c in unit.criteria:
        cev = c.extra.get("evidence") or {}
        by = [r for r in citing if c.id in r.criteria[unit.id]]
        for m in cev.get("forbidden_methods") or []:
            bad = [r.id for r in by if m in r.methods]
            if bad:
                reqs.append(
                    Requirement(
                        f"{c.id}: no {m}",
                        False,
                        f"{m} is not allowed for {c.id}: used by {', '.join(bad)}",
                        c.id,
                    )
                )
        required = cev.get("required_methods") or []
        if required:
            ok = any(set(r.methods) & set(required) for r in by if _counts(r))
            reqs.append(
                Requirement(
                    f"{c.id}: method {' or '.join(required)}",
                    ok,
                    f"{c.id} needs evidence by {' or '.join(required)}",
                    c.id,
                )
            )
    return reqs


def witness_only(unit: Unit, records: Iterable[Record]) -> list[str]:
    """Criteria whose only evidence is witness testimony (a reliability warning)."""
    out = []
    citing = [r for r in records if unit.id in r.criteria]
    for c in unit.criteria:
        by = [r for r in citing if c.id in r.criteria[unit.id]]
        if by and all(r.methods == ["witness-testimony"] for r in by):
            out.append(c.id)
    return out


def coverage(portfolio: Portfolio) -> Coverage:
    from evitrack.rules import evaluate

    q = portfolio.qualification
    units = [unit_coverage(q.units[uid], portfolio.records) for uid in portfolio.units]
    return Coverage(portfolio, units, evaluate(q, portfolio.units))
