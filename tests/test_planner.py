"""The planner: optimal (not greedy), checked against brute force and an exact DP.

- On small generated qualifications (hypothesis: random groups, credits, levels,
  GLH, criteria, rule sets, chosen units and evidence) the planner's answer is
  compared with the best of all 2^n selections under the documented objective:
  (criteria left, units added, credit, chosen units dropped), a unit without
  criteria in the source costing one more than the largest known unit.
- On the shipped qualifications it is compared with exhaustive search (SVQ: all
  2^16 optional selections) or with an exact dynamic programme over the rules'
  running totals written here, independently of the MILP (NCFE, EDI).
- `infeasible` is empty exactly when some selection satisfies every rule, and
  each problem it reports is a minimal set of rules that cannot hold together.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from effort import examples
from evitrack import catalogue, planner, rules
from evitrack.model import Criterion, Group, Outcome, Qualification, Unit

NCFE = "ncfe-l3-diploma-customer-service"
SVQ = "cg-svq-customer-service-scqf8"
EDI = "edi-l2-nvq-customer-service"


# ---- the objective, written from its definition -------------------------------------------


def unit_cost(q: Qualification, uid: str, cited: dict[str, set[str]]) -> int:
    unit = q.units[uid]
    known = [len(u.criteria) for u in q.units.values() if u.criteria_in_source and u.criteria]
    if not (unit.criteria_in_source and unit.criteria):
        return 1 + max(known, default=0)
    return len([c for c in unit.criteria if c.id not in cited.get(uid, set())])


def key(
    q: Qualification, selection: set[str], chosen: set[str], cited: dict[str, set[str]]
) -> tuple[int, int, int, int]:
    return (
        sum(unit_cost(q, u, cited) for u in selection),
        len(selection - chosen),
        sum(q.units[u].credit or 0 for u in selection),
        len(chosen - selection),
    )


def ok(q: Qualification, selection: set[str], subset: list[dict[str, Any]] | None = None) -> bool:
    return all(r.satisfied for r in rules.evaluate(q, selection, subset))


def brute_force(
    q: Qualification, chosen: set[str], cited: dict[str, set[str]]
) -> tuple[int, int, int, int] | None:
    ids = list(q.units)
    best = None
    for mask in range(1 << len(ids)):
        sel = {u for i, u in enumerate(ids) if mask >> i & 1}
        if ok(q, sel):
            k = key(q, sel, chosen, cited)
            best = k if best is None or k < best else best
    return best


# ---- generated qualifications --------------------------------------------------------------


@st.composite
def qualifications(draw: st.DrawFn, capped: bool = False) -> Qualification:
    n = draw(st.integers(1, 7))
    gids = ["A", "B", "C"][: draw(st.integers(1, 3))]
    units: dict[str, Unit] = {}
    members: dict[str, list[str]] = {g: [] for g in gids}
    for i in range(n):
        uid = f"U{i}"
        k = draw(st.integers(0, 4))
        units[uid] = Unit(
            id=uid,
            title=f"Unit {i}",
            level=draw(st.sampled_from([None, 1, 2, 3])),
            credit=draw(st.sampled_from([None, 0, 1, 2, 3, 4, 5, 6])),
            glh=draw(st.sampled_from([None, 0, 5, 10, 20])),
            outcomes=[Outcome("1", "o", [Criterion(f"1.{j + 1}", "t", "1") for j in range(k)])],
            criteria_in_source=draw(st.booleans()) or draw(st.booleans()),
        )
        g = draw(st.sampled_from([*gids, None]))
        if g is not None:
            members[g].append(uid)
    ids = list(units)

    def some_groups() -> list[str]:
        return draw(st.lists(st.sampled_from(gids), min_size=1, max_size=len(gids), unique=True))

    rule_list: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(rules.KINDS))
        r: dict[str, Any] = {"id": f"R{i + 1}", "kind": kind}
        small = st.integers(0, 12)
        if kind in ("min_credit", "min_glh"):
            r["min"] = draw(small if kind == "min_credit" else st.integers(0, 40))
        elif kind in ("group_credit", "group_units"):
            r["groups"] = some_groups()
            top = 12 if kind == "group_credit" else 4
            for b in draw(st.sampled_from([["min"], ["max"], ["exact"], ["min", "max"]])):
                r[b] = draw(st.integers(0, top))
            if kind == "group_credit" and draw(st.booleans()):
                r["cap"] = True
        elif kind == "each_group_units":
            r["groups"] = some_groups()
            r["min"] = draw(st.integers(0, 2))
        elif kind == "level_credit":
            r["level"] = draw(st.integers(1, 3))
            r["comparison"] = draw(st.sampled_from(["at", "at_or_above"]))
            r["min"] = draw(small)
            if draw(st.booleans()):
                r["groups"] = some_groups()
        elif kind == "mandatory":
            if draw(st.booleans()):
                r["units"] = draw(
                    st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True)
                )
            else:
                r["groups"] = [draw(st.sampled_from(gids))]
        elif kind in ("min_units", "max_units"):
            r["min" if kind == "min_units" else "max"] = draw(st.integers(0, n))
        elif kind == "barred":
            if n < 2:
                continue
            r["units"] = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=3, unique=True))
        rule_list.append(r)
    if capped:  # a minimum total credit with one or two capped groups, as in the NCFE diploma
        for gid in draw(st.lists(st.sampled_from(gids), min_size=1, max_size=2, unique=True)):
            rule_list.append(
                {
                    "id": f"C{gid}",
                    "kind": "group_credit",
                    "groups": [gid],
                    "max": draw(st.integers(0, 8)),
                    "cap": True,
                }
            )
        rule_list.append({"id": "CM", "kind": "min_credit", "min": draw(st.integers(0, 15))})
    return Qualification(
        id="gen",
        title="Generated",
        awarding_body="T",
        number=None,
        level=None,
        framework=None,
        groups=[Group(g, f"Group {g}", members[g]) for g in gids],
        units=units,
        rules=rule_list,
    )


@st.composite
def situations(
    draw: st.DrawFn, capped: bool = False
) -> tuple[Qualification, set[str], dict[str, set[str]]]:
    q = draw(qualifications(capped))
    chosen = set(draw(st.lists(st.sampled_from(list(q.units)), unique=True)))
    cited: dict[str, set[str]] = {}
    for uid, unit in q.units.items():
        ids = [c.id for c in unit.criteria]
        if ids and draw(st.booleans()):
            cited[uid] = set(draw(st.lists(st.sampled_from(ids), unique=True)))
    return q, chosen, cited


SETTINGS = settings(
    max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.slow
@SETTINGS
@given(situations())
def test_the_plan_is_optimal_against_brute_force(
    situation: tuple[Qualification, set[str], dict[str, set[str]]],
) -> None:
    check_optimal(*situation)


@SETTINGS
@given(situations(capped=True))
def test_the_plan_is_optimal_with_credit_caps(
    situation: tuple[Qualification, set[str], dict[str, set[str]]],
) -> None:
    check_optimal(*situation)


def check_optimal(q: Qualification, chosen: set[str], cited: dict[str, set[str]]) -> None:
    best = brute_force(q, chosen, cited)
    result = planner.plan(q, chosen, cited)
    event("feasible" if best is not None else "infeasible")
    if any(rules.is_cap(r) for r in q.rules) and any(r["kind"] == "min_credit" for r in q.rules):
        event("credit cap with a minimum credit")
    if result.unknown:
        event("plan with a unit whose criteria are unknown")
    if result.drop:
        event("plan drops a chosen unit")
    assert result.feasible == (best is not None)
    if best is None:
        assert result.problems
        return
    selection = set(result.units)
    assert ok(q, selection)
    assert key(q, selection, chosen, cited) == best
    assert result.add == [u for u in q.units if u in selection and u not in chosen]
    assert result.drop == [u for u in q.units if u in chosen and u not in selection]
    known = [u for u in result.units if q.units[u].criteria_in_source and q.units[u].criteria]
    assert result.remaining == sum(unit_cost(q, u, cited) for u in known)
    for uid in result.units:
        for cid in result.criteria_left[uid]:
            assert cid not in cited.get(uid, set())


@SETTINGS
@given(st.booleans().flatmap(qualifications))
def test_infeasible_is_empty_exactly_when_a_selection_exists(q: Qualification) -> None:
    problems = planner.infeasible(q)
    ids = list(q.units)
    selections = [{u for i, u in enumerate(ids) if mask >> i & 1} for mask in range(1 << len(ids))]
    assert (problems == []) == any(ok(q, s) for s in selections)
    by_id = {r["id"]: r for r in q.rules}
    for rule_ids, message in problems:
        assert message
        core = [by_id[r] for r in rule_ids]
        # the rules named cannot hold together...
        assert not any(ok(q, s, core) for s in selections)
        # ...and each of them is needed for that (a minimal set)
        for r in core:
            rest = [x for x in core if x is not r]
            assert any(ok(q, s, rest) for s in selections)


@SETTINGS
@given(st.booleans().flatmap(qualifications), st.data())
def test_adding_a_unit_never_breaks_a_minimum_rule(q: Qualification, data: st.DataObject) -> None:
    selection = set(data.draw(st.lists(st.sampled_from(list(q.units)), unique=True)))
    extra = data.draw(st.sampled_from(list(q.units)))
    before = rules.evaluate(q, selection)
    after = rules.evaluate(q, selection | {extra})
    for rule, b, a in zip(q.rules, before, after, strict=True):
        lo_only = rule["kind"] in ("group_credit", "group_units") and (
            rules.is_cap(rule) or rules.bounds(rule)[1] is None
        )
        if rule["kind"] in rules.MINIMUM_KINDS or lo_only:
            assert not (b.satisfied and not a.satisfied), (rule, b.detail, a.detail)
            assert a.gives >= b.gives or rule["kind"] == "min_credit"
            assert a.shortfall <= b.shortfall


@SETTINGS
@given(qualifications(), st.data())
def test_a_rule_falls_short_exactly_when_it_is_not_met(
    q: Qualification, data: st.DataObject
) -> None:
    selection = set(data.draw(st.lists(st.sampled_from(list(q.units)), unique=True)))
    for r in rules.evaluate(q, selection):
        assert (r.shortfall == 0) == r.satisfied
        assert r.detail and r.asks


# ---- the shipped qualifications ------------------------------------------------------------


def dp_optimum(
    q: Qualification, chosen: set[str], cited: dict[str, set[str]]
) -> tuple[int, int, int, int] | None:
    """The best key by dynamic programming over the rules' running totals (clipped).

    An exact method independent of the MILP: each rule becomes counters of
    Σ coefficient x clipped where larger values no longer matter; a state is the
    tuple of counters; lexicographic keys add componentwise, so keeping the least
    key per state is exact.
    """
    counters: list[tuple[dict[str, int], int]] = []
    checks: list[Any] = []
    forced: set[str] = set()

    def counter(coeffs: dict[str, int], clip: int) -> int:
        counters.append((coeffs, clip))
        return len(counters) - 1

    credit = {u: q.units[u].credit or 0 for u in q.units}
    for r in q.rules:
        kind = r["kind"]
        scope = rules.scope(q, r)
        if kind == "min_credit":
            capped = rules.caps(q, q.rules)
            inside = {u for _, own, _ in capped for u in own}
            free = counter({u: credit[u] for u in q.units if u not in inside}, r["min"])
            parts = [(counter({u: credit[u] for u in own}, cap), cap) for _, own, cap in capped]
            checks.append(
                lambda v, f=free, p=parts, m=r["min"]: v[f] + sum(min(v[i], c) for i, c in p) >= m
            )
        elif kind in ("group_credit", "group_units"):
            lo, hi = rules.bounds(r)
            if rules.is_cap(r):
                hi = None
            coeffs = {u: credit[u] if kind == "group_credit" else 1 for u in scope}
            c = counter(coeffs, hi + 1 if hi is not None else lo or 0)
            checks.append(
                lambda v, c=c, lo=lo, hi=hi: (
                    (lo is None or v[c] >= lo) and (hi is None or v[c] <= hi)
                )
            )
        elif kind == "each_group_units":
            for g in r["groups"]:
                c = counter({u: 1 for u in rules.members(q, [g])}, r["min"])
                checks.append(lambda v, c=c, m=r["min"]: v[c] >= m)
        elif kind == "level_credit":
            c = counter({u: credit[u] for u in scope if rules.at_level(r, q.units[u])}, r["min"])
            checks.append(lambda v, c=c, m=r["min"]: v[c] >= m)
        elif kind == "mandatory":
            need = rules.required(q, r)
            if any(u not in q.units for u in need):
                return None
            forced.update(need)
        elif kind == "min_glh":
            c = counter({u: q.units[u].glh or 0 for u in q.units}, r["min"])
            checks.append(lambda v, c=c, m=r["min"]: v[c] >= m)
        elif kind in ("min_units", "max_units"):
            bound = r["min"] if kind == "min_units" else r["max"]
            c = counter({u: 1 for u in q.units}, bound if kind == "min_units" else bound + 1)
            if kind == "min_units":
                checks.append(lambda v, c=c, m=bound: v[c] >= m)
            else:
                checks.append(lambda v, c=c, m=bound: v[c] <= m)
        elif kind == "barred":
            c = counter({u: 1 for u in r["units"]}, 2)
            checks.append(lambda v, c=c: v[c] <= 1)
    states: dict[tuple[int, ...], tuple[int, int, int, int]] = {(0,) * len(counters): (0, 0, 0, 0)}
    for uid in q.units:
        step = [coeffs.get(uid, 0) for coeffs, _ in counters]
        clips = [clip for _, clip in counters]
        take = (unit_cost(q, uid, cited), int(uid not in chosen), credit[uid], 0)
        leave = (0, 0, 0, int(uid in chosen))
        nxt: dict[tuple[int, ...], tuple[int, int, int, int]] = {}
        for state, k in states.items():
            options = [
                (tuple(min(v + s, c) for v, s, c in zip(state, step, clips, strict=True)), take)
            ]
            if uid not in forced:
                options.append((state, leave))
            for s2, add in options:
                k2 = (k[0] + add[0], k[1] + add[1], k[2] + add[2], k[3] + add[3])
                if s2 not in nxt or k2 < nxt[s2]:
                    nxt[s2] = k2
        states = nxt
    finals = [k for s, k in states.items() if all(check(s) for check in checks)]
    return min(finals) if finals else None


def scenario(q: Qualification, seed: int) -> tuple[set[str], dict[str, set[str]]]:
    """A learner part-way through: mandatory plus a few optional units, some criteria cited."""
    rng = random.Random(seed)
    optional = [u for u in q.units if u not in rules.mandatory_units(q)]
    chosen = set(rules.mandatory_units(q)) | set(
        rng.sample(optional, k=min(len(optional), rng.randint(0, 6)))
    )
    cited: dict[str, set[str]] = {}
    for uid in rng.sample(list(q.units), k=min(len(q.units), 10)):
        ids = [c.id for c in q.units[uid].criteria]
        cited[uid] = set(rng.sample(ids, k=rng.randint(0, len(ids))))
    return chosen, cited


@pytest.mark.parametrize("qid", [NCFE, EDI])
@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_the_plan_is_optimal_on_large_shipped_qualifications(qid: str, seed: int | None) -> None:
    q = catalogue.load(qid)
    chosen, cited = (set(), {}) if seed is None else scenario(q, seed)
    result = planner.plan(q, chosen, cited)
    assert result.feasible
    assert ok(q, set(result.units))
    assert key(q, set(result.units), chosen, cited) == dp_optimum(q, chosen, cited)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [None, 1, 2])
def test_the_plan_is_optimal_on_the_svq_by_exhaustive_search(seed: int | None) -> None:
    q = catalogue.load(SVQ)
    chosen, cited = (set(), {}) if seed is None else scenario(q, seed)
    mandatory = set(rules.mandatory_units(q))
    optional = [u for u in q.units if u not in mandatory]
    # every one of the 2^16 selections, in order of key: the first that satisfies the rules
    selections = [
        mandatory | set(combo)
        for r in range(len(optional) + 1)
        for combo in itertools.combinations(optional, r)
    ]
    cost = {u: unit_cost(q, u, cited) for u in q.units}
    credit = {u: q.units[u].credit or 0 for u in q.units}
    selections.sort(
        key=lambda sel: (
            sum(cost[u] for u in sel),
            len(sel - chosen),
            sum(credit[u] for u in sel),
            len(chosen - sel),
        )
    )
    best = next(key(q, sel, chosen, cited) for sel in selections if ok(q, sel))
    result = planner.plan(q, chosen, cited)
    assert key(q, set(result.units), chosen, cited) == best


def test_the_dp_agrees_with_brute_force_on_the_svq() -> None:
    q = catalogue.load(SVQ)
    chosen, cited = scenario(q, 5)
    assert dp_optimum(q, chosen, cited) == key(
        q, set(planner.plan(q, chosen, cited).units), chosen, cited
    )


def test_ncfe_from_scratch_takes_the_cheapest_route_to_55_credits() -> None:
    q = catalogue.load(NCFE)
    result = planner.plan(q, [], {})
    # all six mandatory units, then optional units worth at least 24 counted credits,
    # 15 of them from group B and 9 more at level 3 or above
    assert result.units[:6] == ["01", "02", "03", "04", "05", "06"]
    assert result.remaining == key(q, set(result.units), set(), {})[0]
    b = sum(q.units[u].credit or 0 for u in result.units if q.group_of(u) == "B")
    assert b >= 15


@pytest.mark.parametrize(
    "qid",
    [
        "pearson-btec-l3-certificate-customer-service-specialists",
        "pearson-btec-l3-diploma-customer-service-specialists",
        "unit-fragment-customer-service-standards",
    ],
)
def test_all_mandatory_qualifications_plan_every_unit(qid: str) -> None:
    q = catalogue.load(qid)
    result = planner.plan(q, [], {})
    assert result.units == list(q.units)
    assert result.remaining == sum(len(u.criteria) for u in q.units.values())


def test_every_shipped_qualification_is_feasible() -> None:
    for q in catalogue.shipped_qualifications():
        assert planner.infeasible(q) == [], q.id


def test_evidence_of_every_criterion_leaves_nothing_but_unknown_units() -> None:
    q = catalogue.load(EDI)
    cited = {u: {c.id for c in unit.criteria} for u, unit in q.units.items()}
    result = planner.plan(q, [], cited)
    assert result.remaining == 0
    # groups D and E have no criteria text in the source: one unit from each is unavoidable,
    # and the plan takes no more of them than it must
    assert result.unknown == [u for u in result.units if not q.units[u].criteria_in_source]
    assert {q.group_of(u) for u in result.unknown} == {"D", "E"}
    assert len(result.unknown) == 2


# ---- infeasible: messages -----------------------------------------------------------------


def toy(units: dict[str, tuple[str, int]], rule_list: list[dict[str, Any]]) -> Qualification:
    """units: id -> (group, credit)."""
    groups: dict[str, list[str]] = {}
    for uid, (g, _) in units.items():
        groups.setdefault(g, []).append(uid)
    return Qualification(
        id="toy",
        title="Toy",
        awarding_body="T",
        number=None,
        level=2,
        framework=None,
        groups=[Group(g, g, ids) for g, ids in groups.items()],
        units={
            u: Unit(
                id=u,
                title=u,
                level=2,
                credit=c,
                glh=10,
                outcomes=[Outcome("1", "o", [Criterion("1.1", "t", "1")])],
            )
            for u, (_, c) in units.items()
        },
        rules=rule_list,
    )


def test_a_minimum_no_selection_can_reach() -> None:
    q = toy({"M1": ("A", 4), "U1": ("B", 6)}, [{"id": "R1", "kind": "min_credit", "min": 12}])
    assert planner.infeasible(q) == [
        (["R1"], "R1 asks for at least 12 credits, but all the units together give only 10 credits")
    ]


def test_mandatory_units_that_already_break_a_maximum() -> None:
    q = toy(
        {"M1": ("A", 4), "M2": ("A", 5), "U1": ("B", 6)},
        [
            {"id": "R1", "kind": "mandatory", "groups": ["A"]},
            {"id": "R2", "kind": "group_credit", "groups": ["A"], "max": 6},
            {"id": "R3", "kind": "min_units", "min": 1},
        ],
    )
    assert planner.infeasible(q) == [
        (
            ["R1", "R2"],
            "the mandatory units (M1, M2) of R1 already break R2: 9 credits from group A, "
            "3 more than the maximum of 6: drop units worth 3+ credits from group A",
        )
    ]


def test_contradicting_rules_and_two_separate_problems() -> None:
    q = toy(
        {"U1": ("B", 3), "U2": ("B", 3), "U3": ("C", 5)},
        [
            {"id": "R1", "kind": "group_units", "groups": ["B"], "min": 2},
            {"id": "R2", "kind": "barred", "units": ["U1", "U2"]},
            {"id": "R3", "kind": "group_credit", "groups": ["C"], "exact": 4},
            {"id": "R4", "kind": "min_units", "min": 1},
        ],
    )
    assert planner.infeasible(q) == [
        (
            ["R1", "R2"],
            "no selection of units satisfies R1 and R2 together: R1 asks for at least 2 units "
            "from group B; R2 asks for at most one of U1 and U2",
        ),
        (
            ["R3"],
            "R3 asks for exactly 4 credits from group C, but no combination of the units of "
            "group C adds up to that",
        ),
    ]


def test_a_group_too_small_for_each_group_units_and_an_unknown_mandatory_unit() -> None:
    q = toy(
        {"U1": ("B", 3), "U2": ("C", 3)},
        [
            {"id": "R1", "kind": "each_group_units", "groups": ["B", "C"], "min": 2},
            {"id": "R2", "kind": "mandatory", "units": ["X9"]},
        ],
    )
    assert planner.infeasible(q) == [
        (
            ["R1"],
            "R1 asks for at least 2 units from each of groups B and C, but group B has 1 "
            "and group C has 1",
        ),
        (["R2"], "R2 makes X9 mandatory, but the qualification has no such unit"),
    ]
    assert planner.plan(q, [], {}).feasible is False


def test_an_infeasible_plan_carries_the_problems() -> None:
    q = toy({"M1": ("A", 4)}, [{"id": "R1", "kind": "min_units", "min": 2}])
    result = planner.plan(q, ["M1"], {})
    assert result.feasible is False
    assert result.units == []
    assert result.problems == [
        (["R1"], "R1 asks for at least 2 units, but all the units together give only 1 unit")
    ]
