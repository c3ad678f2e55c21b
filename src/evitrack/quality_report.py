"""The IQA report of a caseload: per assessor, the coverage of each dimension, the actions.

Read from the portfolios' IQA decisions (`iqa:` in evitrack.yaml), the policy and
the latest saved plan; returns data, never prints.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import fastyaml, quality, yamlio
from evitrack import quality_holds as qh


@dataclass
class AssessorReport:
    assessor: str
    band: str
    units: int
    sampled: int
    agreed: int
    disagreed: int
    open_actions: int
    required: int

    @property
    def compliant(self) -> bool:
        return self.units > 0 and self.sampled >= self.required

    def to_json(self) -> dict[str, Any]:
        return {
            "assessor": self.assessor,
            "band": self.band,
            "units": self.units,
            "sampled": self.sampled,
            "required": self.required,
            "agreed": self.agreed,
            "disagreed": self.disagreed,
            "open_actions": self.open_actions,
            "compliant": self.compliant,
        }


@dataclass
class Action:
    """A disagreement: what the assessor is to do, open until they decide again."""

    portfolio: str
    learner: str
    unit: str
    assessor: str
    iqa: str
    date: str
    comment: str | None
    records: list[str]
    open: bool
    note: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "portfolio": self.portfolio,
            "learner": self.learner,
            "unit": self.unit,
            "assessor": self.assessor,
            "iqa": self.iqa,
            "date": self.date,
            "comment": self.comment,
            "records": self.records,
            "status": "open" if self.open else "closed",
            "outside_plan": self.note is not None,
            "note": self.note,
        }


@dataclass
class Outside:
    """An IQA decision on a unit that the plan in force did not sample (recorded all the same)."""

    portfolio: str
    learner: str
    unit: str
    assessor: str
    iqa: str
    date: str
    decision: str
    note: str

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Changed:
    """Sampled work whose fingerprints differ from the saved plan's snapshot."""

    portfolio: str
    unit: str
    what: list[str]  # record ids, or "signoff"

    def to_json(self) -> dict[str, Any]:
        return {"portfolio": self.portfolio, "unit": self.unit, "changed": self.what}


@dataclass
class IqaReport:
    assessors: list[AssessorReport]
    cover: dict[str, list[str]]
    actions: list[Action]
    plan: str | None = None
    changed: list[Changed] = field(default_factory=list)
    outside: list[Outside] = field(default_factory=list)

    @property
    def compliant(self) -> bool:
        return all(a.compliant for a in self.assessors) and not any(self.cover.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "assessors": [a.to_json() for a in self.assessors],
            "cover": {d: {"missing": m} for d, m in self.cover.items()},
            "actions": [a.to_json() for a in self.actions],
            "compliant": self.compliant,
            "plan": self.plan,
            "changed_since_plan": [c.to_json() for c in self.changed],
            "outside_plan": [o.to_json() for o in self.outside],
        }


def report(caseload: Path, portfolios: list[tuple[str, Any]] | None = None) -> IqaReport:
    """`portfolios`: the caseload as `quality.load_caseload` gave it, when already loaded."""
    pf = quality.load_policy(caseload)
    if pf.policy is None:
        raise quality.PolicyError(pf.diagnostics)
    policy = pf.policy
    if portfolios is None:
        portfolios = quality.load_caseload(caseload)
    quality.refuse_unknown_assessors(pf, portfolios)
    units = quality.assessed_units(portfolios, policy)
    latest = {rel: qh.latest(p) for rel, p in portfolios}
    held = {rel: qh.holds(p) for rel, p in portfolios}
    looked = [u for u in units if u.unit in latest[u.portfolio]]
    lines = _assessors(units, policy, latest, held)
    cover: dict[str, list[str]] = {}
    for dim in policy.cover:
        expected = {v for u in units for v in u.values(dim)}
        if dim == "assessor":
            expected |= set(policy.assessors)
        cover[dim] = sorted(expected - {v for u in looked for v in u.values(dim)})
    actions, outside = _decisions(portfolios, units, held)
    plans = quality.saved_plans(caseload)
    problems = quality.verify_plan(plans[-1]) if plans else []
    if problems:
        raise quality.PolicyError(problems)
    plan_name = plans[-1].relative_to(caseload).as_posix() if plans else None
    changed = _changed(plans[-1], dict(portfolios)) if plans else []
    return IqaReport(lines, cover, actions, plan_name, changed, outside)


def _assessors(
    units: list[quality.Assessed],
    policy: quality.Policy,
    latest: dict[str, dict[str, dict[str, Any]]],
    held: dict[str, dict[str, qh.Hold]],
) -> list[AssessorReport]:
    """Each assessor's line: units assessed, sampled, agreed, disagreed, held, required."""
    lines = []
    for a in sorted({a for u in units for a in u.assessors} | set(policy.assessors)):
        mine = [u for u in units if a in u.assessors]
        seen = [u for u in mine if u.unit in latest[u.portfolio]]
        decided = [latest[u.portfolio][u.unit]["decision"] for u in seen]
        lines.append(
            AssessorReport(
                a,
                policy.band(a),
                len(mine),
                len(seen),
                decided.count(qh.AGREED),
                decided.count(qh.DISAGREED),
                sum(1 for u in mine if u.unit in held[u.portfolio]),
                quality.required(policy.percent(a), len(mine)),
            )
        )
    return lines


def _decisions(
    portfolios: list[tuple[str, Any]],
    units: list[quality.Assessed],
    held: dict[str, dict[str, qh.Hold]],
) -> tuple[list[Action], list[Outside]]:
    """The disagreements' actions for the assessors, and the decisions outside the plan."""
    actions = []
    main = {(u.portfolio, u.unit): u.assessor for u in units}
    outside = []
    for rel, p in portfolios:
        for d in qh.decisions(p):
            uid = p.qualification.resolve_unit(str(d["unit"])) or str(d["unit"])
            if d.get("note"):
                outside.append(
                    Outside(
                        rel,
                        p.learner_name,
                        uid,
                        main.get((rel, uid), ""),
                        str(d["iqa"]),
                        d["date"].isoformat(),
                        str(d["decision"]),
                        str(d["note"]),
                    )
                )
            if d["decision"] != qh.DISAGREED:
                continue
            hold = held[rel].get(uid)
            actions.append(
                Action(
                    rel,
                    p.learner_name,
                    uid,
                    main.get((rel, uid), ""),
                    str(d["iqa"]),
                    d["date"].isoformat(),
                    d.get("comment"),
                    [str(r) for r in d.get("records") or []],
                    hold is not None and hold.date == d["date"],
                    d.get("note"),
                )
            )
    return actions, outside


def _changed(plan: Path, by_rel: dict[str, Any]) -> list[Changed]:
    try:
        data = fastyaml.data(yamlio.read_text(plan))
    except (yamlio.YamlProblem, OSError):
        return []
    out = []
    sample = data.get("sample") if isinstance(data, dict) else None
    for entry in sample if isinstance(sample, list) else []:
        if not isinstance(entry, dict) or entry.get("portfolio") not in by_rel:
            continue
        was = entry.get("snapshot") or {}
        if not isinstance(was, dict):
            continue
        ids = tuple(str(r) for r in entry.get("records") or [])
        p = by_rel[entry["portfolio"]]
        now = quality.snapshot(p, str(entry.get("unit")), ids)
        # a record edited since: what it reads as now no longer has the decision's fingerprint
        edited = {
            r.id
            for r in p.records
            if r.id in now and r.fingerprint and r.fingerprint != was.get(r.id)
        }
        diff = sorted(
            str(k) for k in set(was) | set(now) if was.get(k) != now.get(str(k)) or k in edited
        )
        if diff:
            out.append(Changed(str(entry["portfolio"]), str(entry.get("unit")), diff))
    return out
