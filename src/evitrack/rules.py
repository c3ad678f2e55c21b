"""Rules of combination: evaluate a selection of units against a qualification's rules.

`evaluate(q, units)` returns one `RuleResult` per rule, in the file's order: what
the rule asks, what the selection gives, how far it falls short, and a sentence
a learner understands. Pure and cheap (no imports beyond the model): `gaps` and
`status` call it for every portfolio of a caseload.

Semantics (the rule kinds table of docs/qualification-format.md):

- Credit, GLH: a unit whose credit (or GLH) is not given counts 0.
- `group_credit` with `cap: true`: credit above the rule's `max` (or `exact`)
  does not count towards `min_credit`, and does not make the rule fail. A unit
  in the groups of several capping rules is capped by the first of them only,
  so its credit is never discounted twice (and adding a unit never lowers the
  credit that counts).
- `level_credit` counts the full credit of the selected units at the level
  (caps do not apply); `comparison` defaults to `at`.
- A rule naming a unit the qualification lacks treats it as never selected.
- An unknown rule kind is reported as not satisfied.

The planner (`evitrack.planner`) encodes exactly these semantics as a MILP and
is tested against this module by brute force.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from evitrack.model import Qualification, Unit


@dataclass(frozen=True)
class Shape:
    """The keys a rule kind reads, besides `id`, `kind`, `text`, `reading` and `note`."""

    needs: tuple[str, ...] = ()  # keys it cannot do without
    one_of: tuple[str, ...] = ()  # it needs at least one of these
    may: tuple[str, ...] = ()  # optional keys

    @property
    def keys(self) -> tuple[str, ...]:
        return self.needs + self.one_of + self.may


# The one declaration of what each kind reads (docs/qualification-format.md, "Rule kinds"):
# `qualification check` derives the keys a rule lacks and the keys it has in vain from it.
SHAPES: dict[str, Shape] = {
    "min_credit": Shape(needs=("min",)),
    "group_credit": Shape(needs=("groups",), one_of=("min", "max", "exact"), may=("cap",)),
    "group_units": Shape(needs=("groups",), one_of=("min", "max", "exact")),
    "each_group_units": Shape(needs=("groups", "min")),
    "level_credit": Shape(needs=("level", "min"), may=("comparison", "groups")),
    "mandatory": Shape(one_of=("units", "groups")),
    "min_glh": Shape(needs=("min",)),
    "min_units": Shape(needs=("min",)),
    "max_units": Shape(needs=("max",)),
    "barred": Shape(needs=("units",)),
}
COMMON_KEYS = ("id", "kind", "text", "reading", "note")  # every kind
KINDS = tuple(SHAPES)

# Rules that adding a unit can never break (they only ask for "at least").
MINIMUM_KINDS = frozenset(
    {"min_credit", "each_group_units", "level_credit", "mandatory", "min_glh", "min_units"}
)


@dataclass(frozen=True)
class RuleResult:
    """One rule evaluated for one selection of units."""

    rule: str
    kind: str
    satisfied: bool
    detail: str  # the sentence for the learner
    asks: str  # what the rule asks, in words ("at least 55 credits")
    gives: int  # what the selection gives, in `measure`
    shortfall: int  # how far from satisfied (too few, or too many for a maximum); 0 when met
    measure: str  # credits | units | hours
    reading: str | None = None  # the interpretation the qualification file takes
    text: str | None = None  # the specification's words
    units: tuple[str, ...] = ()  # units the sentence names (missing mandatory, barred pair)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "satisfied": self.satisfied,
            "detail": self.detail,
            "kind": self.kind,
            "asks": self.asks,
            "gives": self.gives,
            "shortfall": self.shortfall,
            "measure": self.measure,
            "reading": self.reading,
            "text": self.text,
            "units": list(self.units),
        }


# ---- facts about units and rules (shared with the planner) -----------------------------


def credit(unit: Unit) -> int:
    return unit.credit or 0


def glh(unit: Unit) -> int:
    return unit.glh or 0


def members(q: Qualification, group_ids: list[str]) -> list[str]:
    """Units of the groups (known units only, each once, in group order)."""
    groups = {g.id: g for g in q.groups}
    out: dict[str, None] = {}
    for gid in group_ids:
        for uid in groups[gid].units if gid in groups else []:
            if uid in q.units:
                out[uid] = None
    return list(out)


def scope(q: Qualification, rule: dict[str, Any]) -> list[str]:
    """The units a rule counts: those of its groups, or every unit when it names none."""
    gids = rule.get("groups") or []
    return members(q, gids) if gids else list(q.units)


def required(q: Qualification, rule: dict[str, Any]) -> list[str]:
    """Units a `mandatory` rule requires (unknown ids kept: they can never be selected)."""
    out: dict[str, None] = {str(u): None for u in rule.get("units") or []}
    groups = {g.id: g for g in q.groups}
    for gid in rule.get("groups") or []:
        for uid in groups[gid].units if gid in groups else []:
            out[uid] = None
    return list(out)


def at_level(rule: dict[str, Any], unit: Unit) -> bool:
    level = rule.get("level")
    if unit.level is None or level is None:
        return False
    if rule.get("comparison") == "at_or_above":
        return bool(unit.level >= level)
    return bool(unit.level == level)


def bounds(rule: dict[str, Any]) -> tuple[int | None, int | None]:
    """(lower, upper) of a min/max/exact rule; `exact` is both."""
    lo, hi, ex = rule.get("min"), rule.get("max"), rule.get("exact")
    if ex is not None:
        lo = ex if lo is None else max(lo, ex)
        hi = ex if hi is None else min(hi, ex)
    return lo, hi


def is_cap(rule: dict[str, Any]) -> bool:
    return (
        rule.get("kind") == "group_credit" and bool(rule.get("cap")) and bounds(rule)[1] is not None
    )


def caps(
    q: Qualification, rules: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], list[str], int]]:
    """Capping rules with the units each caps (a unit is capped by the first rule only)."""
    claimed: set[str] = set()
    out: list[tuple[dict[str, Any], list[str], int]] = []
    for r in rules:
        if not is_cap(r):
            continue
        own = [u for u in scope(q, r) if u not in claimed]
        claimed.update(own)
        hi = bounds(r)[1]
        assert hi is not None
        out.append((r, own, hi))
    return out


def counted_credit(
    q: Qualification, selected: set[str], capping: list[tuple[dict[str, Any], list[str], int]]
) -> tuple[int, list[int]]:
    """Credit that counts towards the total, and the credit each capping rule discounts."""
    total = sum(credit(q.units[u]) for u in selected)
    excess = [
        max(0, sum(credit(q.units[u]) for u in own if u in selected) - hi) for _, own, hi in capping
    ]
    return total - sum(excess), excess


# ---- words ------------------------------------------------------------------------------


def amount(k: int, noun: str) -> str:
    if noun == "hours":
        return f"{k} guided learning hour{'s' if k != 1 else ''}"
    return f"{k} {noun[:-1] if k == 1 else noun}"


def join_and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def groups_phrase(q: Qualification, group_ids: list[str]) -> str:
    """'group B', 'groups B and C', 'groups B–E' (a run of 3+ consecutive groups)."""
    order = [g.id for g in q.groups]
    gids = sorted(
        dict.fromkeys(group_ids), key=lambda g: order.index(g) if g in order else len(order)
    )
    if len(gids) == 1:
        return f"group {gids[0]}"
    pos = [order.index(g) if g in order else -10 for g in gids]
    if len(gids) >= 3 and all(b == a + 1 for a, b in pairwise(pos)) and pos[0] >= 0:
        return f"groups {gids[0]}–{gids[-1]}"
    return "groups " + join_and(gids)


def from_phrase(q: Qualification, rule: dict[str, Any]) -> str:
    gids = rule.get("groups") or []
    return f" from {groups_phrase(q, gids)}" if gids else ""


def _level_phrase(rule: dict[str, Any]) -> str:
    level = rule.get("level")
    return (
        f"at level {level} or above"
        if rule.get("comparison") == "at_or_above"
        else f"at level {level}"
    )


def _units_list(ids: list[str]) -> str:
    return ", ".join(ids)


def _add_hint(
    short: int, gains: list[int], single: str, plural: str, measure: str, exact: bool = False
) -> str:
    """How to make up `short` of `measure` from units that would each add `gains`.

    `single` and `plural` are templates with `{amount}`: "a level-2 unit of {amount}".
    """
    useful = [g for g in gains if g > 0]
    if exact:
        much = f"exactly {amount(short, measure)}"
        return "add " + (single if short in useful else plural).format(amount=much)
    much = f"{short}+ {'credits' if measure == 'credits' else 'guided learning hours'}"
    if useful and max(useful) >= short:
        return "add " + single.format(amount=much)
    if sum(useful) >= short:
        return "add " + plural.format(amount=much)
    return f"the units not yet chosen cannot make up {amount(short, measure)}"


def _count_hint(short: int, available: int, where: str) -> str:
    if available < short:
        verb = "is" if available == 1 else "are"
        return f"only {amount(available, 'units')}{where} {verb} not yet chosen"
    return f"add a unit{where}" if short == 1 else f"add {short} more units{where}"


# ---- evaluation -------------------------------------------------------------------------


class _Ctx:
    def __init__(self, q: Qualification, units: Iterable[str], rules: list[dict[str, Any]]) -> None:
        self.q = q
        self.selected = {u for u in units if u in q.units}
        self.capping = caps(q, rules)
        self.counted, self.excess = counted_credit(q, self.selected, self.capping)

    def free(self, ids: list[str]) -> list[str]:
        return [u for u in ids if u not in self.selected]

    def sum_credit(self, ids: list[str]) -> int:
        return sum(credit(self.q.units[u]) for u in ids if u in self.selected)


def evaluate(
    q: Qualification, units: Iterable[str], rules: list[dict[str, Any]] | None = None
) -> list[RuleResult]:
    """Every rule of `q` (or only `rules`, a subset of them) for this selection of unit ids.

    Ids not in `q` are ignored. Credit caps come from the rules evaluated.
    """
    rules = q.rules if rules is None else rules
    ctx = _Ctx(q, units, rules)
    return [_evaluate(ctx, i, r) for i, r in enumerate(rules)]


def satisfied(results: list[RuleResult]) -> bool:
    return all(r.satisfied for r in results)


def asks(q: Qualification, rule: dict[str, Any]) -> str:
    """What a rule asks, in words."""
    kind = rule.get("kind")
    src = from_phrase(q, rule)
    if kind == "min_credit":
        return f"at least {amount(rule.get('min') or 0, 'credits')}"
    if kind in ("group_credit", "group_units"):
        noun = "credits" if kind == "group_credit" else "units"
        lo, hi = bounds(rule)
        if lo is not None and lo == hi:
            phrase = f"exactly {amount(lo, noun)}{src}"
        elif lo is not None and hi is not None:
            phrase = f"between {lo} and {amount(hi, noun)}{src}"
        elif hi is not None:
            phrase = f"at most {amount(hi, noun)}{src}"
        else:
            phrase = f"at least {amount(lo or 0, noun)}{src}"
        if is_cap(rule):
            phrase += " (credit above it does not count towards the total)"
        return phrase
    if kind == "each_group_units":
        gids = rule.get("groups") or []
        each = "each of " + groups_phrase(q, gids) if len(gids) > 1 else groups_phrase(q, gids)
        return f"at least {amount(rule.get('min') or 0, 'units')} from {each}"
    if kind == "level_credit":
        return f"at least {amount(rule.get('min') or 0, 'credits')} {_level_phrase(rule)}{src}"
    if kind == "mandatory":
        return f"every mandatory unit: {_units_list(required(q, rule))}"
    if kind == "min_glh":
        return f"at least {amount(rule.get('min') or 0, 'hours')}"
    if kind == "min_units":
        return f"at least {amount(rule.get('min') or 0, 'units')}"
    if kind == "max_units":
        return f"at most {amount(rule.get('max') or 0, 'units')}"
    if kind == "barred":
        return f"at most one of {join_and([str(u) for u in rule.get('units') or []])}"
    return f"(unknown rule kind {kind!r})"


def _result(
    rule: dict[str, Any],
    index: int,
    ok: bool,
    detail: str,
    asked: str,
    gives: int,
    short: int,
    measure: str,
    units: tuple[str, ...] = (),
) -> RuleResult:
    return RuleResult(
        rule=str(rule.get("id") or f"#{index + 1}"),
        kind=str(rule.get("kind")),
        satisfied=ok,
        detail=detail,
        asks=asked,
        gives=gives,
        shortfall=short,
        measure=measure,
        reading=rule.get("reading"),
        text=rule.get("text"),
        units=units,
    )


READING_CAVEAT = "check that reading with the awarding body"


def _widened(ctx: _Ctx, rule: dict[str, Any], ids: list[str], need: int) -> str:
    """For an `at_or_above` rule whose specification names the level alone ("at level 2"):
    the words to add when only the credit above the level makes it met, so that a centre
    knows the verdict rests on the file's reading (and can check it with the awarding body).
    """
    text = str(rule.get("text") or "")
    if rule.get("comparison") != "at_or_above" or re.search(r"above|higher|or more", text, re.I):
        return ""
    level = rule.get("level")
    exact = ctx.sum_credit([u for u in ids if ctx.q.units[u].level == level])
    if exact >= need:
        return ""
    return (
        f"; only {exact} of them at level {level} itself: met only because credit above "
        f"level {level} counts, as this file reads the rule's words ({READING_CAVEAT})"
    )


def _evaluate(ctx: _Ctx, index: int, rule: dict[str, Any]) -> RuleResult:
    q = ctx.q
    kind = rule.get("kind")
    asked = asks(q, rule)

    def done(
        ok: bool, detail: str, gives: int, short: int, measure: str, units: tuple[str, ...] = ()
    ) -> RuleResult:
        return _result(rule, index, ok, detail, asked, gives, short, measure, units)

    if kind == "min_credit":
        need = rule.get("min") or 0
        got = ctx.counted
        lost = [(r, e) for (r, _, _), e in zip(ctx.capping, ctx.excess, strict=True) if e]
        lost_text = join_and(
            [
                f"{amount(e, 'credits')}{from_phrase(q, r)} above its maximum of {bounds(r)[1]}"
                for r, e in lost
            ]
        ) + (" does not count" if sum(e for _, e in lost) == 1 else " do not count")
        if got >= need:
            if not lost:
                return done(
                    True, f"{amount(got, 'credits')} (at least {need} needed)", got, 0, "credits"
                )
            detail = f"{amount(got, 'credits')} count (at least {need} needed); {lost_text}"
            return done(True, detail, got, 0, "credits")
        short = need - got
        gains = [
            counted_credit(q, ctx.selected | {u}, ctx.capping)[0] - got
            for u in ctx.free(list(q.units))
        ]
        hint = _add_hint(
            short, gains, "a unit of {amount}", "units worth {amount} in all", "credits"
        )
        head = f"{got} of {amount(need, 'credits')}" + (f" ({lost_text})" if lost else "")
        return done(False, f"{head}: {hint}", got, short, "credits")

    if kind in ("group_credit", "group_units"):
        ids = scope(q, rule)
        measure = "credits" if kind == "group_credit" else "units"
        got = (
            ctx.sum_credit(ids)
            if kind == "group_credit"
            else len([u for u in ids if u in ctx.selected])
        )
        lo, hi = bounds(rule)
        src = from_phrase(q, rule)
        capped = is_cap(rule)
        free = ctx.free(ids)
        if lo is not None and got < lo:
            short = lo - got
            exact = lo == hi and not capped
            if kind == "group_credit":
                gains = [credit(q.units[u]) for u in free]
                hint = _add_hint(
                    short,
                    gains,
                    "a unit of {amount}" + src,
                    "units" + src + " worth {amount} in all",
                    "credits",
                    exact=exact,
                )
            else:
                hint = _count_hint(short, len(free), src)
            head = f"{got} of {'exactly ' if lo == hi else ''}{amount(lo, measure)}{src}"
            return done(False, f"{head}: {hint}", got, short, measure)
        if hi is not None and got > hi:
            over = got - hi
            if capped:
                detail = (
                    f"{amount(got, measure)}{src}: {hi} count towards the total, "
                    f"{over} above the maximum of {hi} {'does' if over == 1 else 'do'} not"
                )
                return done(True, detail, got, 0, measure)
            what = "exactly" if lo == hi else "the maximum of"
            drop = (
                f"drop units worth {over}+ credits"
                if kind == "group_credit"
                else (f"drop {amount(over, 'units')}")
            )
            detail = f"{amount(got, measure)}{src}, {over} more than {what} {hi}: {drop}{src}"
            return done(False, detail, got, over, measure)
        if lo is not None and lo == hi:
            detail = f"{amount(got, measure)}{src}, exactly as required"
        elif lo is not None and hi is not None:
            detail = f"{amount(got, measure)}{src} (between {lo} and {hi} needed)"
        elif hi is not None:
            detail = f"{amount(got, measure)}{src} (at most {hi} " + (
                "count towards the total)" if capped else "allowed)"
            )
        else:
            detail = f"{amount(got, measure)}{src} (at least {lo or 0} needed)"
        return done(True, detail, got, 0, measure)

    if kind == "each_group_units":
        need = rule.get("min") or 0
        gives, adds = 0, []
        for gid in rule.get("groups") or []:
            ids = members(q, [gid])
            have = len([u for u in ids if u in ctx.selected])
            gives += min(have, need)
            if have >= need:
                continue
            if len(ids) < need:
                size = f"only {amount(len(ids), 'units')}" if ids else "no units"
                adds.append(f"group {gid} has {size}")
            else:
                k = need - have
                adds.append(f"{'a unit' if k == 1 else f'{k} more units'} from group {gid}")
        target = need * len(rule.get("groups") or [])
        if not adds:
            return done(True, f"{asked}: met", gives, 0, "units")
        hint = join_and(adds)
        return done(
            False,
            f"{asked}: {'add ' if hint[0] in 'a0123456789' else ''}{hint}",
            gives,
            target - gives,
            "units",
        )

    if kind == "level_credit":
        need = rule.get("min") or 0
        ids = [u for u in scope(q, rule) if at_level(rule, q.units[u])]
        got = ctx.sum_credit(ids)
        where = f"{_level_phrase(rule)}{from_phrase(q, rule)}"
        if got >= need:
            detail = f"{amount(got, 'credits')} {where} (at least {need} needed)"
            return done(True, detail + _widened(ctx, rule, ids, need), got, 0, "credits")
        level = rule.get("level")
        if rule.get("comparison") == "at_or_above":
            single = "a unit of {amount} at level " + f"{level} or above"
            plural = f"units at level {level} or above worth " + "{amount} in all"
        else:
            single = f"a level-{level} unit of " + "{amount}"
            plural = f"level-{level} units worth " + "{amount} in all"
        hint = _add_hint(
            need - got, [credit(q.units[u]) for u in ctx.free(ids)], single, plural, "credits"
        )
        return done(
            False, f"{got} of {amount(need, 'credits')} {where}: {hint}", got, need - got, "credits"
        )

    if kind == "mandatory":
        need_ids = required(q, rule)
        missing = [u for u in need_ids if u not in ctx.selected]
        got = len(need_ids) - len(missing)
        if not missing:
            words = {1: "the mandatory unit is", 2: "both mandatory units are"}
            word = words.get(len(need_ids), f"all {len(need_ids)} mandatory units are")
            return done(True, f"{word} taken", got, 0, "units")
        unknown = [u for u in missing if u not in q.units]
        total = len(need_ids)
        plural = "s" if total != 1 else ""
        detail = f"{got} of {total} mandatory unit{plural}: add {_units_list(missing)}"
        if unknown:
            detail += f" ({join_and(unknown)} not in the qualification)"
        return done(False, detail, got, len(missing), "units", tuple(missing))

    if kind == "min_glh":
        need = rule.get("min") or 0
        got = sum(glh(q.units[u]) for u in ctx.selected)
        if got >= need:
            return done(True, f"{amount(got, 'hours')} (at least {need} needed)", got, 0, "hours")
        gains = [glh(q.units[u]) for u in ctx.free(list(q.units))]
        hint = _add_hint(
            need - got, gains, "a unit of {amount}", "units worth {amount} in all", "hours"
        )
        return done(False, f"{got} of {amount(need, 'hours')}: {hint}", got, need - got, "hours")

    if kind in ("min_units", "max_units"):
        got = len(ctx.selected)
        if kind == "min_units":
            need = rule.get("min") or 0
            if got >= need:
                return done(
                    True, f"{amount(got, 'units')} (at least {need} needed)", got, 0, "units"
                )
            hint = _count_hint(need - got, len(q.units) - got, "")
            return done(
                False, f"{got} of {amount(need, 'units')}: {hint}", got, need - got, "units"
            )
        most = rule.get("max") or 0
        if got <= most:
            return done(True, f"{amount(got, 'units')} (at most {most} allowed)", got, 0, "units")
        over = got - most
        detail = (
            f"{amount(got, 'units')}, {over} more than the maximum of {most}: "
            f"drop {amount(over, 'units')}"
        )
        return done(False, detail, got, over, "units")

    if kind == "barred":
        listed = [str(u) for u in rule.get("units") or []]
        taken = [u for u in listed if u in ctx.selected]
        if len(taken) <= 1:
            which = f"{taken[0]} taken" if taken else "none taken"
            return done(True, f"{asked}: {which}", len(taken), 0, "units", tuple(taken))
        over = len(taken) - 1
        detail = (
            f"{join_and(taken)} are taken, but they cannot be combined: "
            f"drop {'one of them' if over == 1 else 'all but one of them'}"
        )
        return done(False, detail, len(taken), over, "units", tuple(taken))

    return done(
        False, f"evitrack does not know the rule kind {kind!r}: it cannot be checked", 0, 0, "units"
    )
