"""The optimal completion plan: "what is the least I still have to do?".

`plan(q, chosen, cited)` finds the selection of units that satisfies every rule of
combination and is best in this order (a lexicographic objective):

1. fewest criteria still to evidence: for each planned unit, its criteria that no
   record cites yet. A unit whose criteria are not in the source document
   (`criteria_in_source: false`, or a unit listing none) has an unknown number of
   criteria: it costs one more than the largest unit of the qualification whose
   criteria are known, so it is never free and a unit with known criteria is
   always preferred to it, even an untouched one;
2. fewest units added to those chosen;
3. least credit;
4. fewest chosen units dropped (so, all else equal, the learner's choice stands).

Optimality: the rules are encoded exactly as a 0-1 integer programme (one binary
per unit; credit caps by a continuous excess variable per capping rule, which the
min-credit row can only push down to its true value) and solved with HiGHS in
stages: each stage minimises one tier with the optimal values of the earlier
tiers fixed as constraints. Every tier is an integer, the solver is run with a
relative gap of 0 and an absolute gap below 1, so each stage's answer is optimal.
The selection found is re-checked with `rules.evaluate`; the tests compare the
planner with brute force on generated qualifications.

`infeasible(q)` explains, for `evitrack qualification check`, why no selection
satisfies all the rules: a minimal set of rules that cannot hold together
(deletion filter), repeated on the rules left over.

highspy is imported inside the functions that solve, so importing this module
(and `evitrack --help`) stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from evitrack import rules as R
from evitrack.errors import UserError
from evitrack.model import Qualification, Record, Unit


@dataclass
class Plan:
    """The best selection of units, or why there is none."""

    feasible: bool
    units: list[str] = field(default_factory=list)  # the whole selection, document order
    add: list[str] = field(default_factory=list)  # planned units not chosen yet
    drop: list[str] = field(default_factory=list)  # chosen units the plan leaves out
    remaining: int = 0  # known criteria of the planned units that no record cites
    criteria_left: dict[str, list[str]] = field(default_factory=dict)  # per planned unit
    unknown: list[str] = field(default_factory=list)  # planned units with no criteria text
    credit: int = 0
    problems: list[tuple[list[str], str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible,
            "units": self.units,
            "add": self.add,
            "drop": self.drop,
            "remaining": self.remaining,
            "criteria_left": self.criteria_left,
            "unknown_criteria": self.unknown,
            "credit": self.credit,
            "problems": [{"rules": ids, "message": msg} for ids, msg in self.problems],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        """The plan `to_json` wrote (read back from the cache)."""
        return cls(
            feasible=bool(data["feasible"]),
            units=list(data["units"]),
            add=list(data["add"]),
            drop=list(data["drop"]),
            remaining=int(data["remaining"]),
            criteria_left={k: list(v) for k, v in data["criteria_left"].items()},
            unknown=list(data["unknown_criteria"]),
            credit=int(data["credit"]),
            problems=[(list(p["rules"]), str(p["message"])) for p in data["problems"]],
        )


def known_criteria(unit: Unit) -> bool:
    """Whether the unit's criteria are known (listed in the qualification file)."""
    return unit.criteria_in_source and bool(unit.criteria)


def unknown_cost(q: Qualification) -> int:
    """What a unit with unknown criteria costs: one more than the largest known unit."""
    return 1 + max((len(u.criteria) for u in q.units.values() if known_criteria(u)), default=0)


def cited(records: Iterable[Record]) -> dict[str, set[str]]:
    """unit id -> criterion ids cited by any record."""
    out: dict[str, set[str]] = {}
    for rec in records:
        for uid, ids in rec.criteria.items():
            out.setdefault(uid, set()).update(ids)
    return out


def plan(q: Qualification, chosen: Iterable[str], cited: Mapping[str, Iterable[str]]) -> Plan:
    """The optimal selection of units for a learner who has chosen `chosen` and cited `cited`."""
    _check_kinds(q.rules)
    chosen_set = {u for u in chosen if u in q.units}
    done = {u: set(ids) for u, ids in cited.items()}
    left: dict[str, list[str]] = {}
    cost: dict[str, int] = {}
    extra = unknown_cost(q)
    for uid, unit in q.units.items():
        left[uid] = [c.id for c in unit.criteria if c.id not in done.get(uid, set())]
        cost[uid] = len(left[uid]) if known_criteria(unit) else extra

    model = _Model(q, q.rules)
    tiers = [
        {u: float(cost[u]) for u in q.units},
        {u: 1.0 for u in q.units if u not in chosen_set},
        {u: float(R.credit(q.units[u])) for u in q.units},
        {u: -1.0 for u in q.units if u in chosen_set},
    ]
    selection = model.lexmin(tiers)
    if selection is None:
        return Plan(feasible=False, problems=infeasible(q))
    results = R.evaluate(q, selection)
    if not R.satisfied(results):  # pragma: no cover - a bug, never the learner's fault
        broken = ", ".join(r.rule for r in results if not r.satisfied)
        raise RuntimeError(f"the planner's selection breaks {broken}")
    units = [u for u in q.units if u in selection]
    return Plan(
        feasible=True,
        units=units,
        add=[u for u in units if u not in chosen_set],
        drop=[u for u in q.units if u in chosen_set and u not in selection],
        remaining=sum(len(left[u]) for u in units if known_criteria(q.units[u])),
        criteria_left={u: left[u] for u in units},
        unknown=[u for u in units if not known_criteria(q.units[u])],
        credit=sum(R.credit(q.units[u]) for u in units),
    )


def feasible(q: Qualification, rules: list[dict[str, Any]] | None = None) -> bool:
    """Whether some selection of the qualification's units satisfies `rules` (default: all)."""
    rules = q.rules if rules is None else rules
    _check_kinds(rules)
    return _Model(q, rules).lexmin([]) is not None


def infeasible(q: Qualification) -> list[tuple[list[str], str]]:
    """[] when some selection satisfies every rule; else (rule ids, message) per problem."""
    rest = list(q.rules)
    problems: list[tuple[list[str], str]] = []
    while rest and not feasible(q, rest):
        core = list(rest)
        # Drop rules from the last one, mandatory rules last: the set found keeps the earliest
        # rules and, where it can, the mandatory units (the most definite explanation).
        order = [r for r in reversed(core) if not _forces(r)]
        order += [r for r in reversed(core) if _forces(r)]
        for r in order:
            trial = [x for x in core if x is not r]
            if not feasible(q, trial):
                core = trial
        problems.append(([_rid(q, r) for r in core], _message(q, core)))
        rest = [r for r in rest if all(r is not c for c in core)]
    ids = [_rid(q, r) for r in q.rules]
    return sorted(problems, key=lambda p: ids.index(p[0][0]) if p[0][0] in ids else 0)


# ---- the integer programme --------------------------------------------------------------


def _check_kinds(rules: list[dict[str, Any]]) -> None:
    for r in rules:
        if R.kind_of(r) is None:
            raise UserError(
                f"rule {r.get('id')}: unknown rule kind {r.get('kind')!r}",
                "rule kinds: " + ", ".join(R.KINDS),
            )


def new_highs() -> Any:
    """A silent HiGHS instance (its constructor prints a banner on stdout: hide it)."""
    import os
    import sys

    import highspy

    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no stdout to protect
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.silent()
        return h
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.silent()
        try:
            import ctypes

            ctypes.CDLL(None).fflush(None)
        except (OSError, AttributeError, TypeError):  # pragma: no cover - not on POSIX
            pass
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    return h


class _Model:
    """The rules as a 0-1 programme over one binary per unit."""

    def __init__(self, q: Qualification, rules: list[dict[str, Any]]) -> None:
        import highspy

        self.hs = highspy
        self.q = q
        self.ids = list(q.units)
        self.col = {u: i for i, u in enumerate(self.ids)}
        self.impossible = False
        n = len(self.ids)
        h = self.h = new_highs()
        for key, value in (("mip_rel_gap", 0.0), ("mip_abs_gap", 0.5)):
            h.setOptionValue(key, value)
        if n:
            h.addVars(n, [0.0] * n, [1.0] * n)
            h.changeColsIntegrality(n, list(range(n)), [highspy.HighsVarType.kInteger] * n)
        self.ncols = n
        for r in rules:
            kind = R.kind_of(r)
            assert kind is not None  # _check_kinds refused the rest
            kind.encode(self, r, rules)

    # ---- what a rule kind's `encode` uses (rules.base.Model) ----

    def row(self, lo: float | None, hi: float | None, coeffs: Mapping[int, float]) -> None:
        inf = self.hs.kHighsInf
        nz = {c: v for c, v in coeffs.items() if v != 0}
        low = -inf if lo is None else float(lo)
        high = inf if hi is None else float(hi)
        if not nz:
            if low > 0 or high < 0:
                self.impossible = True
            return
        self.h.addRow(low, high, len(nz), list(nz), [float(v) for v in nz.values()])

    def credits(self, ids: Iterable[str]) -> dict[int, float]:
        return {self.col[u]: float(R.credit(self.q.units[u])) for u in ids}

    def glhs(self, ids: Iterable[str]) -> dict[int, float]:
        return {self.col[u]: float(R.glh(self.q.units[u])) for u in ids}

    def ones(self, ids: Iterable[str]) -> dict[int, float]:
        return {self.col[u]: 1.0 for u in ids}

    def require(self, uid: str) -> None:
        if uid in self.col:
            self.h.changeColBounds(self.col[uid], 1.0, 1.0)
        else:
            self.impossible = True

    def excess_var(self) -> int:
        """A new continuous variable, 0 or more (not a unit): its column."""
        self.h.addVar(0.0, self.hs.kHighsInf)
        self.ncols += 1
        return self.ncols - 1

    def _run(self) -> list[float] | None:
        status = self.h.run()
        model_status = self.h.getModelStatus()
        ms = self.hs.HighsModelStatus
        if model_status == ms.kOptimal:
            return list(self.h.getSolution().col_value)
        if model_status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
            return None
        raise RuntimeError(  # pragma: no cover - a solver failure
            f"MILP solver: {self.h.modelStatusToString(model_status)} ({status})"
        )

    def lexmin(self, tiers: list[dict[str, float]]) -> set[str] | None:
        """Minimise each tier in turn, keeping the earlier tiers at their optimum.

        Returns the selected unit ids, or None when no selection satisfies the rules.
        """
        if self.impossible:
            return None
        if self.ncols == 0:
            return set()
        n = len(self.ids)
        stages = [t for t in tiers if any(t.values())] or [{}]
        x: list[float] | None = None
        for k, tier in enumerate(stages):
            costs = [0.0] * self.ncols
            for uid, v in tier.items():
                costs[self.col[uid]] = v
            self.h.changeColsCost(self.ncols, list(range(self.ncols)), costs)
            if x is not None:
                self.h.setSolution(solution(self.hs, x))
            x = self._run()
            if x is None:
                return None
            if k < len(stages) - 1:
                best = round(sum(costs[i] * round(x[i]) for i in range(n)))
                self.row(None, best + 0.5, {self.col[u]: v for u, v in tier.items()})
        assert x is not None
        return {u for u, i in self.col.items() if x[i] > 0.5}


def solution(hs: Any, x: list[float]) -> Any:
    """A HiGHS solution holding the column values `x` (a starting point for the solver)."""
    sol = hs.HighsSolution()
    sol.col_value = x
    sol.value_valid = True
    return sol


# ---- explaining infeasibility -----------------------------------------------------------


def _rid(q: Qualification, r: dict[str, Any]) -> str:
    if r.get("id"):
        return str(r["id"])
    return f"#{next(i for i, x in enumerate(q.rules) if x is r) + 1}"


def _forces(r: dict[str, Any]) -> bool:
    """Whether a rule makes units mandatory (it is explained first, dropped last)."""
    kind = R.kind_of(r)
    return kind is not None and kind.forces_units


def _message(q: Qualification, core: list[dict[str, Any]]) -> str:
    if len(core) == 1:
        r = core[0]
        kind = R.kind_of(r)
        assert kind is not None
        return kind.alone(q, r, _rid(q, r), R.asks(q, r))
    ids = [_rid(q, r) for r in core]
    mandatory = [r for r in core if _forces(r)]
    if mandatory:
        forced = list(dict.fromkeys(u for r in mandatory for u in R.required(q, r) if u in q.units))
        others = [r for r in core if not _forces(r)]
        for r, res in zip(others, R.evaluate(q, forced, others), strict=True):
            kind = R.kind_of(r)
            if not res.satisfied and kind is not None and kind.excess(r, res):
                return (
                    f"the mandatory units ({', '.join(forced)}) of "
                    f"{R.join_and([_rid(q, m) for m in mandatory])} already break {_rid(q, r)}: "
                    f"{res.detail}"
                )
    wants = "; ".join(f"{_rid(q, r)} asks for {R.asks(q, r)}" for r in core)
    return f"no selection of units satisfies {R.join_and(ids)} together: {wants}"
