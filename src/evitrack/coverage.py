"""Coverage: the status of every criterion, unit and the award, with the reasons.

missing   - no record cites the criterion
evidenced - cited, not (or no longer) accepted
accepted  - cited by a record whose assessment decision is accepted and whose
            content has not changed since

A unit is complete when every criterion is accepted and its evidence
requirements hold. Beside the statuses, `findings` report what the files can show
of the checks the EDI declaration names (validity, authenticity, currency,
reliability, sufficiency): a file whose hash no longer matches, a record changed
after it was accepted, a date in the future or past the currency limit, a
criterion evidenced by witness testimony only, a forbidden method, a missing
candidate report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evitrack.model import (
    Assessment,
    Criterion,
    Outcome,
    Portfolio,
    Record,
    Unit,
    old_scheme,
)

if TYPE_CHECKING:
    from evitrack.apprenticeship.ksbs import KsbStatus
    from evitrack.diagnostics import Diagnostic
    from evitrack.rules import RuleResult

MISSING, EVIDENCED, ACCEPTED = "missing", "evidenced", "accepted"

# Why a criterion is not met yet (the `gaps` columns)
NO_EVIDENCE, NOT_ACCEPTED, REQUIREMENT = "no evidence", "not yet accepted", "requirement not met"

ASPECTS = ("validity", "authenticity", "currency", "reliability", "sufficiency")

# check's diagnostic codes -> the aspect of the evidence they show
DIAGNOSTIC_ASPECTS: dict[str, str] = {
    "E202": "validity",
    "E203": "validity",
    "E204": "validity",
    "E207": "validity",
    "E703": "validity",
    "W206": "validity",
    "E301": "authenticity",
    "E302": "authenticity",
    "E303": "authenticity",
    "E305": "authenticity",
    "W304": "authenticity",
    "W401": "authenticity",
    "W406": "authenticity",
    "W408": "authenticity",
    "W402": "currency",
    "W403": "currency",
    "W411": "authenticity",
    "W412": "authenticity",
    "W413": "authenticity",
    "W414": "authenticity",
}


@dataclass(frozen=True)
class Finding:
    """Something the files show about the quality of the evidence."""

    aspect: str  # one of ASPECTS
    message: str
    record: str | None = None
    unit: str | None = None
    criterion: str | None = None
    code: str | None = None  # check's diagnostic code, when it comes from one
    where: str | None = None  # file:line

    def to_json(self) -> dict[str, object]:
        return {
            "aspect": self.aspect,
            "code": self.code,
            "record": self.record,
            "unit": self.unit,
            "criterion": self.criterion,
            "message": self.message,
            "where": self.where,
        }


@dataclass
class CriterionStatus:
    criterion: Criterion
    status: str
    records: list[str] = field(default_factory=list)  # ids of records citing it
    reasons: list[str] = field(default_factory=list)  # why it is not accepted

    @property
    def id(self) -> str:
        return self.criterion.id

    @property
    def why(self) -> str | None:
        """no evidence / not yet accepted / requirement not met (None when met)."""
        if self.status == MISSING:
            return NO_EVIDENCE
        if self.status == EVIDENCED:
            return NOT_ACCEPTED
        if self.reasons:
            return REQUIREMENT
        return None


@dataclass
class Requirement:
    """An evidence requirement of a unit (or a criterion) and whether it holds."""

    what: str
    satisfied: bool
    detail: str
    criterion: str | None = None
    kind: str = ""  # required_method | forbidden_method | candidate_report


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
    def unmet(self) -> list[CriterionStatus]:
        """Criteria not met: not accepted, or accepted but failing a criterion's requirement."""
        return [c for c in self.criteria if c.why is not None]

    def by_outcome(self) -> list[tuple[Outcome | None, list[CriterionStatus]]]:
        """Criterion statuses grouped by outcome, in order; knowledge items last (outcome None)."""
        out: list[tuple[Outcome | None, list[CriterionStatus]]] = []
        for o in self.unit.outcomes:
            out.append(
                (
                    o,
                    [
                        c
                        for c in self.criteria
                        if c.criterion.outcome == o.id and c.criterion.kind != "knowledge"
                    ],
                )
            )
        knowledge = [c for c in self.criteria if c.criterion.kind == "knowledge"]
        if knowledge:
            out.append((None, knowledge))
        return out


@dataclass
class Coverage:
    portfolio: Portfolio
    units: list[UnitCoverage]
    rules: list[RuleResult]
    findings: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    ksbs: list[KsbStatus] | None = None  # None: the portfolio is not an apprenticeship
    standard: str | None = None  # the apprenticeship standard's id, when there is one

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
        out: dict[str, object] = {
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
            "findings": [f.to_json() for f in self.findings],
            "problems": {
                "errors": sum(1 for d in self.diagnostics if d.severity.value == "error"),
                "warnings": sum(1 for d in self.diagnostics if d.severity.value == "warning"),
            },
        }
        if self.ksbs is not None:
            out["ksbs"] = [k.to_json() for k in self.ksbs]
        return out

    @property
    def accepted(self) -> int:
        return sum(len(u.ids(ACCEPTED)) for u in self.units)

    @property
    def total(self) -> int:
        return sum(u.total for u in self.units)


def _counts(record: Record) -> bool:
    """An accepted record counts only while its content is what the assessor judged."""
    return record.counts


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
                    elif a.void and a.fingerprint and a.fingerprint == r.fingerprint:
                        reasons.append(f"{r.id} accepted, but it does not count: {a.void}")
                    elif not a.fingerprint:
                        reasons.append(f"{r.id} marked accepted without a fingerprint")
                    elif old_scheme(a.fingerprint):
                        reasons.append(f"{r.id} accepted with an older fingerprint")
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


def completed_on(unit: Unit, records: Iterable[Record]) -> tuple[dt.date, str] | None:
    """When the unit's criteria were all accepted, and the record whose decision did it:
    for each criterion its earliest counted acceptance, the latest of those. None while a
    criterion is not accepted (or a decision carries no date)."""
    citing = [r for r in records if unit.id in r.criteria and r.counts]
    last: tuple[dt.date, str] | None = None
    for c in unit.criteria:
        dates = [
            (r.assessment.date, r.id)
            for r in citing
            if c.id in r.criteria[unit.id]
            and r.assessment is not None
            and isinstance(r.assessment.date, dt.date)
        ]
        if not dates:
            return None
        first = min(dates)
        if last is None or first > last:
            last = first
    return last


def _requirements(
    unit: Unit, citing: list[Record], statuses: list[CriterionStatus]
) -> list[Requirement]:
    """The unit's evidence requirements (and its criteria's), each with whether it holds."""
    reqs: list[Requirement] = []
    ev = unit.evidence
    accepted = [r for r in citing if _counts(r)]
    if ev.required_methods:
        names = " or ".join(m.replace("-", " ") for m in ev.required_methods)
        ok = any(set(r.methods) & set(ev.required_methods) for r in accepted)
        detail = f"evidence by {names} is required" + (
            "" if ok else ": no accepted record uses it yet"
        )
        reqs.append(Requirement(f"method: {names}", ok, detail, kind="required_method"))
    for m in ev.forbidden_methods:
        bad = [r.id for r in citing if m in r.methods]
        name = m.replace("-", " ")
        detail = f"{name} is not allowed for unit {unit.id}" + (
            f": used by {', '.join(bad)}" if bad else ""
        )
        reqs.append(Requirement(f"no {name}", not bad, detail, kind="forbidden_method"))
    if ev.candidate_report:
        ok = any("candidate-report" in r.methods for r in accepted)
        detail = "a candidate report is required" + (
            "" if ok else ": no accepted record with method candidate-report"
        )
        reqs.append(Requirement("candidate report", ok, detail, kind="candidate_report"))
    for c in unit.criteria:
        cev = c.extra.get("evidence") or {}
        by = [r for r in citing if c.id in r.criteria[unit.id]]
        for m in cev.get("forbidden_methods") or []:
            bad = [r.id for r in by if m in r.methods]
            if bad:
                detail = f"{m} is not allowed for {c.id}: used by {', '.join(bad)}"
                reqs.append(Requirement(f"{c.id}: no {m}", False, detail, c.id, "forbidden_method"))
        required = cev.get("required_methods") or []
        if required:
            ok = any(set(r.methods) & set(required) for r in by if _counts(r))
            names = " or ".join(required)
            detail = f"{c.id} needs evidence by {names}"
            reqs.append(Requirement(f"{c.id}: method {names}", ok, detail, c.id, "required_method"))
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


def coverage(portfolio: Portfolio, diagnostics: list[Diagnostic] | None = None) -> Coverage:
    """Coverage of a portfolio; pass `load`'s diagnostics to have them reported as findings."""
    from evitrack.rules import evaluate

    q = portfolio.qualification
    units = [unit_coverage(q.units[uid], portfolio.records) for uid in portfolio.units]
    if portfolio.extra.get("iqa"):
        from evitrack.quality_holds import holds

        held = holds(portfolio)
        for uc in units:
            hold = held.get(uc.unit.id)
            if hold is not None:
                _hold_back(uc, hold.records, hold.reason)
    diags = list(diagnostics or [])
    ksbs, standard = None, None
    if portfolio.apprenticeship is not None:
        from evitrack.apprenticeship.ksbs import ksb_statuses

        ksbs = ksb_statuses(portfolio, units, _counts)
        standard = portfolio.apprenticeship.standard.id
    return Coverage(
        portfolio,
        units,
        evaluate(q, portfolio.units),
        findings(portfolio, units, diags),
        diags,
        ksbs,
        standard,
    )


def _hold_back(uc: UnitCoverage, records: tuple[str, ...], reason: str) -> None:
    """An IQA's disagreement: the criteria its records cite are not accepted, the unit not
    complete, until the assessor decides on those records again."""
    for st in uc.criteria:
        if set(st.records) & set(records):
            if st.status == ACCEPTED:
                st.status = EVIDENCED
            st.reasons.append(reason)
    detail = f"{reason} (the assessor decides again on {', '.join(records)})"
    uc.requirements.append(Requirement("IQA decision", False, detail, kind="iqa"))


def findings(
    portfolio: Portfolio, units: list[UnitCoverage], diagnostics: list[Diagnostic]
) -> list[Finding]:
    """What the files show of validity, authenticity, currency, reliability and sufficiency."""
    from evitrack.locate import display_path

    out: list[Finding] = []
    by_file = {display_path(r.path): r.id for r in portfolio.records}
    for d in diagnostics:
        aspect = DIAGNOSTIC_ASPECTS.get(d.code)
        if aspect is None:
            continue
        where = f"{d.file}:{d.line}" if d.line else d.file
        out.append(Finding(aspect, d.message, by_file.get(d.file), code=d.code, where=where))
    for uc in units:
        uid = uc.unit.id
        for req in uc.requirements:
            if req.satisfied:
                continue
            aspect = "validity" if req.kind == "forbidden_method" else "sufficiency"
            out.append(
                Finding(aspect, f"unit {uid}: {req.detail}", unit=uid, criterion=req.criterion)
            )
        for cid in witness_only(uc.unit, portfolio.records):
            st = next(c for c in uc.criteria if c.id == cid)
            out.append(
                Finding(
                    "reliability",
                    f"{uid}/{cid} is evidenced by witness testimony only ({', '.join(st.records)})",
                    unit=uid,
                    criterion=cid,
                    code="W404",
                )
            )
    order = {a: i for i, a in enumerate(ASPECTS)}
    return sorted(out, key=lambda f: order[f.aspect])


# ---- snapshots: a caseload computes coverage in worker processes and caches it ---------


def snapshot(cov: Coverage, ref: str, token: str = "") -> dict[str, Any]:
    """A JSON-safe copy of a coverage, enough to `restore` it (without the records).

    `token`: the coverage was computed under `locate.portable` with it.
    """
    p = cov.portfolio
    return {
        "ref": ref,
        "token": token,
        "learner": [p.learner_name, p.registration],
        "chosen": list(p.units),
        "units": [
            [
                u.unit.id,
                [[c.id, c.status, c.records, c.reasons] for c in u.criteria],
                [[r.what, r.satisfied, r.detail, r.criterion, r.kind] for r in u.requirements],
                u.records,
            ]
            for u in cov.units
        ],
        "rules": [dataclasses.asdict(r) for r in cov.rules],
        "findings": [dataclasses.asdict(f) for f in cov.findings],
        "diagnostics": [d.to_json() for d in cov.diagnostics],
        "ksbs": None if cov.ksbs is None else [dataclasses.asdict(k) for k in cov.ksbs],
        "standard": cov.standard,
        "referred": [
            [r.id, a.assessor, a.date.isoformat() if a.date else None, a.comment]
            for r in p.records
            if (a := r.assessment) is not None and a.decision == "referred"
        ],
    }


def restore(root: Path, snap: dict[str, Any]) -> Coverage:
    """The coverage a snapshot was taken of; its portfolio carries only its referred
    records, with their decisions (what `gaps` says of a referral)."""
    from evitrack.diagnostics import diagnostic_from_json
    from evitrack.locate import localized
    from evitrack.rules import RuleResult

    token = str(snap.get("token") or "")  # paths are in the findings and the diagnostics only
    diagnostics = [diagnostic_from_json(root, d, token) for d in snap["diagnostics"]]
    q = _qualification(root, str(snap["ref"]))
    name, registration = snap["learner"]
    referred = [_referred(root, *r) for r in snap.get("referred") or []]
    portfolio = Portfolio(root, q, name, registration, list(snap["chosen"]), referred, {})
    units = [_unit_restored(q.units[uid], *rest) for uid, *rest in snap["units"]]
    rules = [RuleResult(**{**r, "units": tuple(r.get("units") or ())}) for r in snap["rules"]]
    findings = [Finding(**(localized(root, token, f) if token else f)) for f in snap["findings"]]
    standard = snap.get("standard")
    return Coverage(
        portfolio,
        units,
        rules,
        findings,
        diagnostics,
        _ksbs(snap.get("ksbs")),
        standard if isinstance(standard, str) else None,
    )


_SHIPPED: dict[str, Any] = {}  # shipped qualifications restored in this process, by id
_CRITERIA: dict[int, tuple[Unit, dict[str, Criterion]]] = {}  # id(unit) -> its criteria by id


def _qualification(root: Path, ref: str) -> Any:
    """The qualification a snapshot names: a shipped one is part of the program, the same
    for every portfolio of a caseload, and is built once."""
    from evitrack import catalogue
    from evitrack.cache import shipped_in

    q = _SHIPPED.get(ref)
    if q is None:
        with shipped_in(root):  # a shipped qualification's parsed data from the cache
            q = catalogue.load(ref, root)
        if ref in catalogue.shipped_files():
            _SHIPPED[ref] = q
    return q


def _referred(root: Path, rid: Any, who: Any, day: Any, why: Any) -> Record:
    when = dt.date.fromisoformat(day) if day else None
    decision = Assessment("referred", str(who), when, why)
    return Record(str(rid), "", None, [], "", {}, [], None, decision, root)


def _unit_restored(unit: Unit, statuses: Any, reqs: Any, records: Any) -> UnitCoverage:
    hit = _CRITERIA.get(id(unit))
    if hit is None or hit[0] is not unit:
        hit = _CRITERIA[id(unit)] = (unit, {c.id: c for c in unit.criteria})
    by_id = hit[1]
    return UnitCoverage(
        unit,
        [CriterionStatus(by_id[cid], st, list(rs), list(why)) for cid, st, rs, why in statuses],
        [Requirement(*r) for r in reqs],
        list(records),
    )


def _ksbs(data: Any) -> list[KsbStatus] | None:
    if not isinstance(data, list):
        return None
    from evitrack.apprenticeship.ksbs import KsbStatus

    return [KsbStatus(**k) for k in data]
