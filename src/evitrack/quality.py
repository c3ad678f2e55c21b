"""Internal quality assurance: the sample and the saved plan.

The sample is a pure function of the caseload's content, its policy (sampling.yaml,
see quality_policy) and a seed: the fewest units that meet every band's rate and
every cover rule, found exactly as a 0-1 programme (HiGHS), ties broken by a seeded
order. Everything here returns data or raises `UserError`; nothing prints or exits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import locate, yamlio
from evitrack.diagnostics import Diagnostic, Severity, make
from evitrack.errors import UserError
from evitrack.model import Portfolio
from evitrack.quality_caseload import Assessed as Assessed
from evitrack.quality_caseload import assessed_units as assessed_units
from evitrack.quality_caseload import default_seed as default_seed
from evitrack.quality_caseload import load_caseload as load_caseload
from evitrack.quality_policy import DEFAULT_BAND as DEFAULT_BAND
from evitrack.quality_policy import POLICY_FILE as POLICY_FILE
from evitrack.quality_policy import Policy as Policy
from evitrack.quality_policy import PolicyFile as PolicyFile
from evitrack.quality_policy import load_policy as load_policy
from evitrack.quality_policy import unknown_assessors as unknown_assessors

PLAN_DIR = "iqa"


# ---- the plan ------------------------------------------------------------------------


@dataclass
class AssessorLine:
    assessor: str
    band: str
    units: int
    sampled: int
    required: int
    reason: str | None = None

    @property
    def compliant(self) -> bool:
        return self.reason is None and self.sampled >= self.required

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "assessor": self.assessor,
            "band": self.band,
            "units": self.units,
            "sampled": self.sampled,
            "required": self.required,
            "compliant": self.compliant,
        }
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class Drawn:
    unit: Assessed
    why: list[str]

    def to_json(self) -> dict[str, Any]:
        u = self.unit
        return {
            "portfolio": u.portfolio,
            "learner": u.learner,
            "unit": u.unit,
            "assessor": u.assessor,
            "stage": u.stage,
            "records": list(u.records),
            "why": list(self.why),
        }


@dataclass
class SamplePlan:
    seed: str
    seed_source: str
    sample: list[Drawn]
    assessors: list[AssessorLine]
    cover: dict[str, list[str]]  # dimension -> values missing from the sample
    reasons: list[str] = field(default_factory=list)  # why the policy is not met
    portfolios: list[tuple[str, Portfolio]] = field(default_factory=list, repr=False)

    @property
    def compliant(self) -> bool:
        return (
            all(a.compliant for a in self.assessors)
            and not any(self.cover.values())
            and not self.reasons
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "seed_source": self.seed_source,
            "sample": [d.to_json() for d in self.sample],
            "assessors": [a.to_json() for a in self.assessors],
            "cover": {d: {"missing": m} for d, m in self.cover.items()},
            "compliant": self.compliant,
            "reasons": list(self.reasons),
        }


def required(percent: int, units: int) -> int:
    return math.ceil(percent * units / 100)


def _order(seed: str, units: list[Assessed]) -> dict[str, int]:
    """A seeded order of the units: rank 1..n (the tie-break)."""
    keyed = sorted(units, key=lambda u: hashlib.sha256(f"{seed}\0{u.key}".encode()).hexdigest())
    return {u.key: i + 1 for i, u in enumerate(keyed)}


def solve(units: list[Assessed], policy: Policy, seed: str) -> list[Assessed]:
    """The fewest units meeting every rate and cover rule; among those, the seeded order's first."""
    import highspy

    from evitrack.planner import new_highs, solution

    n = len(units)
    if n == 0:
        return []
    rows = _rows(units, policy)
    h = new_highs()
    for key, value in (("mip_rel_gap", 0.0), ("mip_abs_gap", 0.5)):
        h.setOptionValue(key, value)
    h.addVars(n, [0.0] * n, [1.0] * n)
    h.changeColsIntegrality(n, list(range(n)), [highspy.HighsVarType.kInteger] * n)
    for lo, cols in rows:
        h.addRow(float(lo), highspy.kHighsInf, len(cols), cols, [1.0] * len(cols))
    rank = _order(seed, units)
    x: list[float] | None = None
    for stage in (0, 1):
        costs = [1.0] * n if stage == 0 else [float(rank[u.key]) for u in units]
        h.changeColsCost(n, list(range(n)), costs)
        if x is not None:
            h.setSolution(solution(highspy, x))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:  # pragma: no cover
            raise RuntimeError(f"MILP solver: {h.modelStatusToString(h.getModelStatus())}")
        x = list(h.getSolution().col_value)
        if stage == 0:
            best = sum(round(v) for v in x)
            h.addRow(-highspy.kHighsInf, best + 0.5, n, list(range(n)), [1.0] * n)
    assert x is not None
    return [u for u, v in zip(units, x, strict=True) if v > 0.5]


def _rows(units: list[Assessed], policy: Policy) -> list[tuple[int, list[int]]]:
    """(at least, columns) for every rate and cover rule."""
    rows: list[tuple[int, list[int]]] = []
    for a, cols in sorted(_by_assessor(units).items()):
        need = required(policy.percent(a), len(cols))
        if need:
            rows.append((need, cols))
    for dim in policy.cover:
        seen: dict[str, list[int]] = {}
        for i, u in enumerate(units):
            for v in u.values(dim):
                seen.setdefault(v, []).append(i)
        rows.extend((1, cols) for _v, cols in sorted(seen.items()))
    return rows


def _by_assessor(units: list[Assessed]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        for a in u.assessors:
            out.setdefault(a, []).append(i)
    return out


def plan(caseload: Path, seed: str | None = None) -> SamplePlan:
    """The sample for the caseload at `caseload`, its policy and seed (default: see default_seed)."""
    pf = load_policy(caseload)
    if pf.policy is None:
        raise PolicyError(pf.diagnostics)
    policy = pf.policy
    portfolios = load_caseload(caseload)
    refuse_unknown_assessors(pf, portfolios)
    source = "given"
    if seed is None:
        seed, source = default_seed(caseload, portfolios)
    units = assessed_units(portfolios, policy)
    chosen = solve(units, policy, seed)
    out = explain(units, chosen, policy, seed, source)
    out.portfolios = portfolios
    return out


class PolicyError(UserError):
    """sampling.yaml has errors: the plan cannot be drawn."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        first = next(d for d in diagnostics if d.severity is Severity.ERROR)
        super().__init__(first.headline, "run `evitrack check CASELOAD` to see every problem")


def refuse_unknown_assessors(pf: PolicyFile, portfolios: list[tuple[str, Portfolio]]) -> None:
    """A policy naming an assessor who made no decision anywhere in the caseload (a misspelt
    name, most often) is an error in sampling.yaml: no plan is drawn or reported on it."""
    seen = {r.assessment.assessor for _rel, p in portfolios for r in p.records if r.assessment}
    unknown = unknown_assessors(pf, seen)
    if unknown:
        raise PolicyError(pf.diagnostics + unknown)


def explain(
    units: list[Assessed], chosen: list[Assessed], policy: Policy, seed: str, source: str
) -> SamplePlan:
    by = _by_assessor(units)
    picked = {u.key for u in chosen}
    lines = []
    reasons: list[str] = []
    names = sorted(set(by) | set(policy.assessors))
    for a in names:
        cols = by.get(a, [])
        n = len(cols)
        sampled = sum(1 for i in cols if units[i].key in picked)
        band = policy.band(a)
        why = None
        if n == 0:
            why = "nothing assessed" + (" in the period" if policy.start or policy.end else "")
        elif band not in policy.bands:
            why = f'band "{band}" is not named under bands: every unit is sampled'
        lines.append(AssessorLine(a, band, n, sampled, required(policy.percent(a), n), why))
        if n == 0:
            reasons.append(f"{a}: {why}")
    if not units:
        reasons.append(
            "no unit of the caseload holds an assessor's decision"
            + (" in the period" if policy.start or policy.end else "")
        )
    cover: dict[str, list[str]] = {}
    for dim in policy.cover:
        have = {v for u in chosen for v in u.values(dim)}
        seen = {v for u in units for v in u.values(dim)}
        expected = set(seen)
        if dim == "assessor":
            expected |= set(policy.assessors)
        if dim == "stage" and policy.stages:
            expected |= set(policy.stages)
        cover[dim] = sorted(expected - have)
    carriers: dict[tuple[str, str], int] = {}  # (dimension, value) -> sampled units with it
    for u in chosen:
        for dim in policy.cover:
            for v in u.values(dim):
                carriers[(dim, v)] = carriers.get((dim, v), 0) + 1
    drawn = [Drawn(u, _why(u, carriers, policy, by)) for u in chosen]
    return SamplePlan(seed, source, drawn, lines, cover, reasons)


def _why(
    u: Assessed,
    carriers: dict[tuple[str, str], int],
    policy: Policy,
    by: dict[str, list[int]],
) -> list[str]:
    out = []
    for a in u.assessors:
        n = len(by[a])
        need = required(policy.percent(a), n)
        if need:
            out.append(
                f"{a}: band {policy.band(a)}, {policy.percent(a)}% of {n} "
                f"unit{'s' if n != 1 else ''} = {need} to sample"
            )
    for dim in policy.cover:
        for v in u.values(dim):
            if carriers[(dim, v)] == 1:
                out.append(f"covers {dim} {v}: no other sampled unit does")
    return out or ["drawn by the seeded order"]


# ---- saving the plan with its snapshot ---------------------------------------------------


def snapshot(p: Portfolio, unit: str, records: tuple[str, ...]) -> dict[str, str | None]:
    """The fingerprints the sampled work carries now: each record's decision, the sign-off."""
    out: dict[str, str | None] = {}
    for r in p.records:
        if r.id in records:
            out[r.id] = r.assessment.fingerprint if r.assessment else None
    signed = p.signoffs.get(unit)
    out["signoff"] = getattr(signed, "fingerprint", None) if signed is not None else None
    return out


def _q(value: object) -> str:
    import json

    return "null" if value is None else json.dumps(str(value), ensure_ascii=False)


def plan_text(result: SamplePlan, drawn: dt.date) -> str:
    """The saved plan: YAML whose every scalar is quoted, so it reads back as written."""
    by_rel = dict(result.portfolios)
    lines = [
        "# IQA sampling plan, written by `evitrack iqa plan --save`: do not edit by hand.",
        "# The snapshot holds the fingerprints of the sampled decisions and sign-offs when the",
        "# plan was drawn; `evitrack iqa report` shows what has changed since.",
        f"drawn: {drawn.isoformat()}",
        f"seed: {_q(result.seed)}",
        f"seed_source: {_q(result.seed_source)}",
        f"compliant: {'true' if result.compliant else 'false'}",
        "sample:" + ("" if result.sample else " []"),
    ]
    for d in result.sample:
        u = d.unit
        lines += [
            f"  - portfolio: {_q(u.portfolio)}",
            f"    learner: {_q(u.learner)}",
            f"    unit: {_q(u.unit)}",
            f"    assessor: {_q(u.assessor)}",
            f"    stage: {_q(u.stage)}",
            "    records: [" + ", ".join(_q(r) for r in u.records) + "]",
            "    why:",
            *(f"      - {_q(w)}" for w in d.why),
            "    snapshot:",
            *(
                f"      {_q(k)}: {_q(v)}"
                for k, v in snapshot(by_rel[u.portfolio], u.unit, u.records).items()
            ),
        ]
    body = "\n".join(lines) + "\n"
    return body + f"digest: {hashlib.sha256(body.encode()).hexdigest()}\n"


def verify_plan(path: Path) -> list[Diagnostic]:
    """E803 when a saved plan no longer reads as it was written (its digest line)."""
    shown = locate.display_path(path)
    try:
        text = yamlio.read_text(path)
    except (OSError, yamlio.YamlProblem):
        text = ""
    lines = text.splitlines(keepends=True)
    last = lines[-1] if lines else ""
    body = "".join(lines[:-1])
    if (
        last.startswith("digest: ")
        and last[8:].strip() == hashlib.sha256(body.encode()).hexdigest()
    ):
        return []
    return [
        make(
            shown,
            (max(len(lines), 1), 1),
            "E803",
            "the saved plan was changed after it was drawn: its digest does not match",
            "restore it from git (`git checkout -- FILE`), or draw and save a new plan",
        )
    ]


def save_plan(caseload: Path, result: SamplePlan, today: dt.date | None = None) -> Path:
    """Write the plan under iqa/ in the caseload (atomically, never through a link)."""
    from evitrack.atomic import atomic_create_text

    today = today or dt.date.today()
    folder = caseload / PLAN_DIR
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UserError(
            f"{locate.display_path(folder)} is not a folder; nothing was written",
            "evitrack writes saved plans into a real iqa/ folder of the caseload",
        )
    folder.mkdir(exist_ok=True)
    text = plan_text(result, today)
    for n in range(1, 1000):
        name = f"plan-{today.isoformat()}" + (f"-{n}" if n > 1 else "") + ".yaml"
        path = folder / name
        if path.is_symlink():
            continue
        if atomic_create_text(path, text):
            return path
    raise UserError(f"{locate.display_path(folder)}: too many plans saved today")


def saved_plans(caseload: Path) -> list[Path]:
    """iqa/plan-DATE[-N].yaml, oldest first."""
    folder = caseload / PLAN_DIR
    if folder.is_symlink() or not folder.is_dir():
        return []
    found = []
    for path in folder.glob("plan-*.yaml"):
        m = re.fullmatch(r"plan-(\d{4}-\d{2}-\d{2})(?:-(\d+))?\.yaml", path.name)
        if m and path.is_file() and not path.is_symlink():
            found.append(((m.group(1), int(m.group(2) or 1)), path))
    return [p for _k, p in sorted(found)]


def check_caseload(caseload: Path, portfolios: list[Portfolio]) -> list[Diagnostic]:
    """`check`'s diagnostics for a caseload's sampling.yaml (none when there is none)."""
    if not (caseload / POLICY_FILE).is_file():
        return []
    pf = load_policy(caseload)
    seen = {r.assessment.assessor for p in portfolios for r in p.records if r.assessment}
    plans = [d for plan in saved_plans(caseload) for d in verify_plan(plan)]
    return pf.diagnostics + unknown_assessors(pf, seen) + plans
