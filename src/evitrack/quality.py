"""Internal quality assurance: the sampling policy, the sample, IQA decisions and the report.

The sample is a pure function of the caseload's content, its policy (sampling.yaml)
and a seed: the fewest units that meet every band's rate and every cover rule,
found exactly as a 0-1 programme (HiGHS), ties broken by a seeded order.
Everything here returns data or raises `UserError`; nothing prints or exits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import locate, yamlio
from evitrack.diagnostics import Diagnostic, Severity, did_you_mean, make
from evitrack.errors import UserError
from evitrack.model import Portfolio

POLICY_FILE = "sampling.yaml"
DEFAULT_BAND = "new"
PLAN_DIR = "iqa"


# ---- the policy -----------------------------------------------------------------------


@dataclass
class Policy:
    bands: dict[str, int]
    assessors: dict[str, str]
    cover: list[str]
    stages: list[str]
    start: dt.date | None = None
    end: dt.date | None = None

    def band(self, assessor: str) -> str:
        return self.assessors.get(assessor, DEFAULT_BAND)

    def percent(self, assessor: str) -> int:
        return self.bands.get(self.band(assessor), 100)  # an unknown band samples everything

    def in_period(self, when: dt.date | None) -> bool:
        if when is None:
            return self.start is None and self.end is None
        return (self.start is None or when >= self.start) and (self.end is None or when <= self.end)


@dataclass
class PolicyFile:
    path: Path
    policy: Policy | None  # None: the file cannot be used
    diagnostics: list[Diagnostic]
    raw: Any = None


def load_policy(caseload: Path) -> PolicyFile:
    """sampling.yaml at the caseload's root, validated against its schema."""
    from evitrack.schema import SAMPLING, Validator

    path = caseload / POLICY_FILE
    shown = locate.display_path(path)
    if path.is_symlink():
        raise UserError(
            f"{shown} is a symbolic link; evitrack reads the policy from a real file only",
            "replace the link with the file it points to",
        )
    if not path.is_file():
        raise UserError(
            f"{shown}: no sampling policy here",
            "write sampling.yaml at the caseload's root (see `evitrack schema sampling`)",
        )
    try:
        text, raw = yamlio.load(path)
    except yamlio.YamlProblem as p:
        return PolicyFile(path, None, [make(shown, (p.line, p.col), p.code, p.message, p.hint)])
    if not isinstance(raw, dict):
        what = "empty" if raw is None else "not a mapping"
        d = make(
            shown, (1, 1), "E005", f"{POLICY_FILE} is {what}", "see `evitrack schema sampling`"
        )
        return PolicyFile(path, None, [d])
    v = Validator(shown, text)
    data = v.mapping(raw, SAMPLING, (1, 1), "")
    diags = list(v.diagnostics)
    bands = {k: n for k, n in (data.get("bands") or {}).items() if n is not None}
    assessors = dict(data.get("assessors") or {})
    raw_assessors = raw.get("assessors") if isinstance(raw.get("assessors"), dict) else {}
    named = [str(k) for k in raw["bands"]] if isinstance(raw.get("bands"), dict) else []
    for name, band in list(assessors.items()):
        if band is not None and band not in named and named:
            pos = yamlio.value_pos(raw_assessors, name)
            diags.append(
                make(
                    shown,
                    pos,
                    "E701",
                    f'assessor "{name}" is in band "{band}", which `bands` does not name',
                    did_you_mean(band, named) or "bands: " + ", ".join(named),
                )
            )
    period = data.get("period") or {}
    start, end = period.get("from"), period.get("to")
    if start and end and start > end:
        diags.append(
            make(
                shown,
                yamlio.value_pos(raw, "period"),
                "E105",
                f"period: from {start.isoformat()} is after to {end.isoformat()}",
                "swap the two dates",
            )
        )
    if any(d.severity is Severity.ERROR for d in diags):
        return PolicyFile(path, None, diags, raw)
    policy = Policy(
        bands,
        {k: b for k, b in assessors.items() if b},
        [c for c in data.get("cover") or [] if c],
        [s for s in data.get("stages") or [] if s],
        start,
        end,
    )
    return PolicyFile(path, policy, diags, raw)


def unknown_assessors(pf: PolicyFile, seen: set[str]) -> list[Diagnostic]:
    """E702 for each assessor the policy names who made no decision in the caseload."""
    raw = pf.raw.get("assessors") if isinstance(pf.raw, dict) else None
    if not isinstance(raw, dict):
        return []
    out = []
    for key in raw:
        name = str(key)
        if name in seen:
            continue
        out.append(
            make(
                locate.display_path(pf.path),
                yamlio.key_pos(raw, key),
                "E702",
                f'assessor "{name}" made no decision in any portfolio of this caseload',
                did_you_mean(name, sorted(seen))
                or ("assessors with decisions: " + ", ".join(sorted(seen)) if seen else None),
            )
        )
    return out


def check_caseload(caseload: Path, portfolios: list[Portfolio]) -> list[Diagnostic]:
    """`check`'s diagnostics for a caseload's sampling.yaml (none when there is none)."""
    if not (caseload / POLICY_FILE).is_file():
        return []
    from evitrack.quality_decisions import saved_plans

    pf = load_policy(caseload)
    seen = {r.assessment.assessor for p in portfolios for r in p.records if r.assessment}
    plans = [d for plan in saved_plans(caseload) for d in verify_plan(plan)]
    return pf.diagnostics + unknown_assessors(pf, seen) + plans


# ---- the caseload's assessed units -----------------------------------------------------


@dataclass(frozen=True)
class Assessed:
    """A (portfolio, unit) pair holding at least one assessor's decision."""

    portfolio: str  # relative to the caseload, with /
    learner: str
    unit: str
    assessors: tuple[str, ...]  # everyone with a decision in it, sorted
    assessor: str  # the assessor shown: most decisions, then the latest
    stage: str
    records: tuple[str, ...]
    methods: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.portfolio}#{self.unit}"

    def values(self, dimension: str) -> tuple[str, ...]:
        if dimension == "assessor":
            return self.assessors
        if dimension == "method":
            return self.methods
        return ({"unit": self.unit, "learner": self.learner, "stage": self.stage}[dimension],)


def load_caseload(caseload: Path) -> list[tuple[str, Portfolio]]:
    """Every portfolio of the caseload with its path relative to it, in path order.

    What sampling needs of a portfolio is cached in it (keyed like `check`'s cache) and
    the portfolios not cached are loaded on several cores: the records come back without
    their text, which nothing here reads.
    """
    from concurrent.futures import ProcessPoolExecutor

    from evitrack import cache

    roots = locate.find_portfolios(caseload) if caseload.is_dir() else []
    if not roots or locate.find_root(caseload) is not None:
        raise UserError(
            f"{caseload}: not a caseload (a folder holding portfolios)",
            "name the folder whose sub-folders hold evitrack.yaml",
        )
    today = dt.date.today()
    found: dict[int, dict[str, Any]] = {}
    jobs: list[tuple[int, tuple[str, str]]] = []
    for i, root in enumerate(roots):
        digest = cache.portfolio_digest(root, today)
        hit = cache.memo_get(root, "iqa", digest)
        if isinstance(hit, dict):
            found[i] = hit
        else:
            jobs.append((i, (str(root), digest)))
    workers = min(os.cpu_count() or 1, 4)
    if len(jobs) >= 4 and workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            chunk = max(1, len(jobs) // (workers * 4))
            done = pool.map(_skeleton_of, [job for _, job in jobs], chunksize=chunk)
            found.update(zip([i for i, _ in jobs], done, strict=True))
    else:
        found.update((i, _skeleton_of(job)) for i, job in jobs)
    out = []
    for i, root in enumerate(roots):
        data = found[i]
        if "error" in data:
            raise UserError(str(data["error"]), "run `evitrack check` on it to see every problem")
        out.append((root.relative_to(caseload).as_posix(), _restore(root, data)))
    return out


def _skeleton_of(job: tuple[str, str]) -> dict[str, Any]:
    """Load one portfolio and keep what sampling needs (JSON), cached under the digest."""
    import dataclasses

    from evitrack import cache
    from evitrack import portfolio as pf

    root = Path(job[0])
    loaded = pf.load(root, jobs=1)
    p = loaded.portfolio
    if p is None:
        return {"error": pf.unusable(root, loaded.diagnostics).message}
    data = {
        "ref": str((loaded.raw or {}).get("qualification") or p.qualification.id),
        "learner": [p.learner_name, p.registration],
        "units": list(p.units),
        "signoffs": {u: _jsonable(dataclasses.asdict(s)) for u, s in p.signoffs.items()},
        "records": [
            [
                r.id,
                r.path.relative_to(root).as_posix(),
                list(r.methods),
                r.criteria,
                r.fingerprint,
                None if r.assessment is None else _jsonable(dataclasses.asdict(r.assessment)),
            ]
            for r in p.records
        ],
        "iqa": [_jsonable(d) for d in p.extra.get("iqa") or [] if isinstance(d, dict)],
    }
    cache.memo_put(root, "iqa", job[1], data)
    return data


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: {"date": v.isoformat()} if isinstance(v, dt.date) else v for k, v in d.items()}


def _dated(d: dict[str, Any]) -> dict[str, Any]:
    return {
        k: dt.date.fromisoformat(v["date"]) if isinstance(v, dict) and set(v) == {"date"} else v
        for k, v in d.items()
    }


def _restore(root: Path, data: dict[str, Any]) -> Portfolio:
    from evitrack import catalogue
    from evitrack.model import Assessment, Record, SignOff

    q = catalogue.load(data["ref"], root)
    records = [
        Record(
            rid,
            "",
            None,
            list(methods),
            "",
            {u: list(c) for u, c in criteria.items()},
            [],
            None,
            None if a is None else Assessment(**_dated(a)),
            root / rel,
            fp,
        )
        for rid, rel, methods, criteria, fp, a in data["records"]
    ]
    signoffs = {u: SignOff(**_dated(s)) for u, s in data["signoffs"].items()}
    name, registration = data["learner"]
    return Portfolio(
        root,
        q,
        name,
        registration,
        list(data["units"]),
        records,
        signoffs,
        extra={"iqa": [_dated(d) for d in data["iqa"]]},
    )


def assessed_units(portfolios: list[tuple[str, Portfolio]], policy: Policy) -> list[Assessed]:
    out = []
    for rel, p in portfolios:
        for uid in p.units:
            decided = [
                r
                for r in p.records
                if uid in r.criteria and r.assessment and policy.in_period(r.assessment.date)
            ]
            if not decided:
                continue
            counts: dict[str, list[dt.date]] = {}
            for r in decided:
                assert r.assessment is not None
                counts.setdefault(r.assessment.assessor, []).append(
                    r.assessment.date or dt.date.min
                )
            main = min(counts, key=lambda a: (-len(counts[a]), -max(counts[a]).toordinal(), a))
            signed = p.signoffs.get(uid)
            stage = "summative" if signed is not None and signed.assessor else "interim"
            if policy.stages and stage not in policy.stages:
                continue
            methods = sorted({m for r in decided for m in r.methods})
            out.append(
                Assessed(
                    rel,
                    p.learner_name,
                    uid,
                    tuple(sorted(counts)),
                    main,
                    stage,
                    tuple(r.id for r in decided),
                    tuple(methods),
                )
            )
    return sorted(out, key=lambda a: (a.portfolio, a.unit))


# ---- the seed ------------------------------------------------------------------------


def caseload_files(caseload: Path, portfolios: list[tuple[str, Portfolio]]) -> list[Path]:
    files = [caseload / POLICY_FILE]
    for _rel, p in portfolios:
        files.append(p.root / locate.PORTFOLIO_FILE)
        files.extend(r.path for r in p.records)
    return files


def content_digest(caseload: Path, files: list[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(files, key=lambda f: f.relative_to(caseload).as_posix()):
        h.update(path.relative_to(caseload).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def git_commit(caseload: Path, files: list[Path]) -> str | None:
    """The commit checked out, when the caseload's files hold no change since it."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=caseload,
            capture_output=True,
            text=True,
            check=False,
            env=env,
            timeout=30,
        )
        if head.returncode != 0:
            return None
        specs = sorted({f.relative_to(caseload).as_posix() for f in files})
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", *specs],
            cwd=caseload,
            capture_output=True,
            text=True,
            check=False,
            env=env,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if status.returncode != 0 or status.stdout.strip():
        return None
    return head.stdout.strip() or None


def default_seed(caseload: Path, portfolios: list[tuple[str, Portfolio]]) -> tuple[str, str]:
    """(seed, where it comes from): the git commit, else the content digest."""
    files = caseload_files(caseload, portfolios)
    commit = git_commit(caseload, files)
    if commit:
        return commit, "git commit"
    return content_digest(caseload, files), "content digest"


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

    from evitrack.planner import _new_highs, _solution

    n = len(units)
    if n == 0:
        return []
    rows = _rows(units, policy)
    h = _new_highs()
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
            h.setSolution(_solution(highspy, x))
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
    """E703 when a saved plan no longer reads as it was written (its digest line)."""
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
            "E703",
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
