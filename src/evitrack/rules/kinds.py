"""The rule kinds: one class each, registered for the engine, the planner, the schema
and `qualification check` (docs/qualification-format.md, "Rule kinds").

Adding a kind is one class here and its tests: its shape (the keys it reads), what
it asks in words, its evaluation with an explanation, its rows for the planner, and
any structural check of its own.
"""

from __future__ import annotations

import re
from typing import Any

from evitrack.model import Qualification
from evitrack.rules.base import (
    Ctx,
    Model,
    Report,
    RuleKind,
    RuleResult,
    Shape,
    Verdict,
    add_hint,
    amount,
    at_level,
    bounds,
    caps,
    count_hint,
    counted_credit,
    credit,
    from_phrase,
    glh,
    groups_phrase,
    is_cap,
    join_and,
    level_phrase,
    members,
    register,
    required,
    scope,
)

READING_CAVEAT = "check that reading with the awarding body"


def _need(rule: dict[str, Any], key: str = "min") -> int:
    return int(rule.get(key) or 0)


@register
class MinCredit(RuleKind):
    """At least `min` credits in all (after any group's cap)."""

    name = "min_credit"
    shape = Shape(needs=("min",))
    minimum = True
    fact = "credit"

    def counts_every_unit(self, rule: dict[str, Any]) -> bool:
        return True

    def asks(self, q: Qualification, rule: dict[str, Any]) -> str:
        return f"at least {amount(_need(rule), 'credits')}"

    def evaluate(self, ctx: Ctx, rule: dict[str, Any], asked: str) -> Verdict:
        q, need, got = ctx.q, _need(rule), ctx.counted
        lost = [(r, e) for (r, _, _), e in zip(ctx.capping, ctx.excess, strict=True) if e]
        lost_text = join_and(
            [
                f"{amount(e, 'credits')}{from_phrase(q, r)} above its maximum of {bounds(r)[1]}"
                for r, e in lost
            ]
        ) + (" does not count" if sum(e for _, e in lost) == 1 else " do not count")
        if got >= need:
            if not lost:
                return Verdict(
                    True, f"{amount(got, 'credits')} (at least {need} needed)", got, 0, "credits"
                )
            detail = f"{amount(got, 'credits')} count (at least {need} needed); {lost_text}"
            return Verdict(True, detail, got, 0, "credits")
        short = need - got
        gains = [
            counted_credit(q, ctx.selected | {u}, ctx.capping)[0] - got
            for u in ctx.free(list(q.units))
        ]
        hint = add_hint(
            short, gains, "a unit of {amount}", "units worth {amount} in all", "credits"
        )
        head = f"{got} of {amount(need, 'credits')}" + (f" ({lost_text})" if lost else "")
        return Verdict(False, f"{head}: {hint}", got, short, "credits")

    def encode(self, m: Model, rule: dict[str, Any], rules: list[dict[str, Any]]) -> None:
        coeffs = m.credits(m.ids)
        for _, own, cap in caps(m.q, rules):
            e = m.excess_var()
            # e >= credit of the capped units - cap  (and e >= 0)
            m.row(-cap, None, {e: 1.0, **{c: -v for c, v in m.credits(own).items()}})
            coeffs[e] = -1.0
        m.row(_need(rule), None, coeffs)

    def alone(self, q: Qualification, rule: dict[str, Any], rid: str, asked: str) -> str:
        return _all_too_few(self, q, rule, rid, asked)


def _all_too_few(
    kind: RuleKind, q: Qualification, rule: dict[str, Any], rid: str, asked: str
) -> str:
    """Why an "at least" rule cannot be met: every unit together gives too little."""
    res = kind.evaluate(Ctx(q, q.units, [rule]), rule, asked)
    return (
        f"{rid} asks for {asked}, but all the units together give only "
        f"{amount(res.gives, res.measure)}"
    )


class _Bounded(RuleKind):
    """min/max/exact of credit or units from groups (`group_credit`, `group_units`)."""

    noun: str

    def _measure(self, ctx: Ctx, ids: list[str]) -> int:
        raise NotImplementedError

    def asks(self, q: Qualification, rule: dict[str, Any]) -> str:
        src, noun = from_phrase(q, rule), self.noun
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

    def _short_hint(self, ctx: Ctx, free: list[str], short: int, src: str, exact: bool) -> str:
        raise NotImplementedError

    def evaluate(self, ctx: Ctx, rule: dict[str, Any], asked: str) -> Verdict:
        q, measure = ctx.q, self.noun
        ids = scope(q, rule)
        got = self._measure(ctx, ids)
        lo, hi = bounds(rule)
        src = from_phrase(q, rule)
        capped = is_cap(rule)
        if lo is not None and got < lo:
            short = lo - got
            hint = self._short_hint(ctx, ctx.free(ids), short, src, lo == hi and not capped)
            head = f"{got} of {'exactly ' if lo == hi else ''}{amount(lo, measure)}{src}"
            return Verdict(False, f"{head}: {hint}", got, short, measure)
        if hi is not None and got > hi:
            over = got - hi
            if capped:
                detail = (
                    f"{amount(got, measure)}{src}: {hi} count towards the total, "
                    f"{over} above the maximum of {hi} {'does' if over == 1 else 'do'} not"
                )
                return Verdict(True, detail, got, 0, measure)
            what = "exactly" if lo == hi else "the maximum of"
            drop = (
                f"drop units worth {over}+ credits"
                if measure == "credits"
                else f"drop {amount(over, 'units')}"
            )
            detail = f"{amount(got, measure)}{src}, {over} more than {what} {hi}: {drop}{src}"
            return Verdict(False, detail, got, over, measure)
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
        return Verdict(True, detail, got, 0, measure)

    def _coeffs(self, m: Model, ids: list[str]) -> dict[int, float]:
        raise NotImplementedError

    def encode(self, m: Model, rule: dict[str, Any], rules: list[dict[str, Any]]) -> None:
        lo, hi = bounds(rule)
        m.row(lo, None if is_cap(rule) else hi, self._coeffs(m, scope(m.q, rule)))

    def excess(self, rule: dict[str, Any], result: RuleResult) -> bool:
        hi = bounds(rule)[1]
        return hi is not None and not is_cap(rule) and result.gives > hi

    def _total(self, q: Qualification, ids: list[str]) -> int:
        raise NotImplementedError

    def alone(self, q: Qualification, rule: dict[str, Any], rid: str, asked: str) -> str:
        ids = scope(q, rule)
        lo, hi = bounds(rule)
        total = self._total(q, ids)
        where = from_phrase(q, rule).removeprefix(" from ") or "the qualification"
        head = f"{rid} asks for {asked}, but"
        if lo is not None and total < lo:
            verb = "has" if self.noun == "units" else "gives"
            return f"{head} {where} {verb} only {total} {self.noun} in all"
        if lo is not None and hi is not None and lo > hi:
            return f"{rid} asks for at least {lo} and at most {hi} {self.noun}: no number is both"
        return f"{head} no combination of the units of {where} adds up to that"


@register
class GroupCredit(_Bounded):
    """Credit from a set of groups: at least, at most, exactly; `cap` makes `max` a cap."""

    name = "group_credit"
    shape = Shape(needs=("groups",), one_of=("min", "max", "exact"), may=("cap",))
    noun = "credits"
    fact = "credit"

    def _measure(self, ctx: Ctx, ids: list[str]) -> int:
        return ctx.sum_credit(ids)

    def _short_hint(self, ctx: Ctx, free: list[str], short: int, src: str, exact: bool) -> str:
        gains = [credit(ctx.q.units[u]) for u in free]
        single, plural = "a unit of {amount}" + src, "units" + src + " worth {amount} in all"
        return add_hint(short, gains, single, plural, "credits", exact=exact)

    def _coeffs(self, m: Model, ids: list[str]) -> dict[int, float]:
        return m.credits(ids)

    def _total(self, q: Qualification, ids: list[str]) -> int:
        return sum(credit(q.units[u]) for u in ids)

    def check(
        self, rule: dict[str, Any], written: dict[Any, Any], at: Any, rid: Any, add: Report
    ) -> None:
        unset = {k for k in ("max", "exact") if written.get(k) is None}  # absent or null
        if rule.get("cap") is True and unset == {"max", "exact"}:
            add(
                at("cap"),
                "E102",
                f"rule {rid}: cap: true needs `max` (credit above it does not count)",
                "add `max:` the most credit from the groups that counts, or remove `cap`",
            )


@register
class GroupUnits(_Bounded):
    """A count of units from a set of groups: at least, at most, exactly."""

    name = "group_units"
    shape = Shape(needs=("groups",), one_of=("min", "max", "exact"))
    noun = "units"

    def _measure(self, ctx: Ctx, ids: list[str]) -> int:
        return len([u for u in ids if u in ctx.selected])

    def _short_hint(self, ctx: Ctx, free: list[str], short: int, src: str, exact: bool) -> str:
        return count_hint(short, len(free), src)

    def _coeffs(self, m: Model, ids: list[str]) -> dict[int, float]:
        return m.ones(ids)

    def _total(self, q: Qualification, ids: list[str]) -> int:
        return len(ids)


@register
class EachGroupUnits(RuleKind):
    """At least `min` units from each of the groups."""

    name = "each_group_units"
    shape = Shape(needs=("groups", "min"))
    minimum = True

    def asks(self, q: Qualification, rule: dict[str, Any]) -> str:
        gids = rule.get("groups") or []
        each = "each of " + groups_phrase(q, gids) if len(gids) > 1 else groups_phrase(q, gids)
        return f"at least {amount(_need(rule), 'units')} from {each}"

    def evaluate(self, ctx: Ctx, rule: dict[str, Any], asked: str) -> Verdict:
        need = _need(rule)
        gives, adds = 0, []
        for gid in rule.get("groups") or []:
            ids = members(ctx.q, [gid])
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
            return Verdict(True, f"{asked}: met", gives, 0, "units")
        hint = join_and(adds)
        verb = "add " if hint[0] in "a0123456789" else ""
        return Verdict(False, f"{asked}: {verb}{hint}", gives, target - gives, "units")

    def encode(self, m: Model, rule: dict[str, Any], rules: list[dict[str, Any]]) -> None:
        for gid in rule.get("groups") or []:
            m.row(_need(rule), None, m.ones(members(m.q, [gid])))

    def alone(self, q: Qualification, rule: dict[str, Any], rid: str, asked: str) -> str:
        need = _need(rule)
        short = [g for g in rule.get("groups") or [] if len(members(q, [g])) < need]
        sizes = [f"group {g} has {len(members(q, [g]))}" for g in short]
        return f"{rid} asks for {asked}, but {join_and(sizes)}"


@register
class LevelCredit(RuleKind):
    """At least `min` credits at a level (`comparison: at`) or at or above it."""

    name = "level_credit"
    shape = Shape(needs=("level", "min"), may=("comparison", "groups"))
    minimum = True
    fact = "credit"
    reads_level = True

    def counts_every_unit(self, rule: dict[str, Any]) -> bool:
        return not rule.get("groups")

    def asks(self, q: Qualification, rule: dict[str, Any]) -> str:
        return (
            f"at least {amount(_need(rule), 'credits')} {level_phrase(rule)}{from_phrase(q, rule)}"
        )

    def _widened(self, ctx: Ctx, rule: dict[str, Any], ids: list[str], need: int) -> str:
        """For an `at_or_above` rule whose specification names the level alone ("at level 2"):
        the words to add when only the credit above the level makes it met, so that a centre
        knows the verdict rests on the file's reading (and can check it with the awarding body).
        """
        text = str(rule.get("text") or "")
        if rule.get("comparison") != "at_or_above" or re.search(
            r"above|higher|or more", text, re.I
        ):
            return ""
        level = rule.get("level")
        exact = ctx.sum_credit([u for u in ids if ctx.q.units[u].level == level])
        if exact >= need:
            return ""
        return (
            f"; only {exact} of them at level {level} itself: met only because credit above "
            f"level {level} counts, as this file reads the rule's words ({READING_CAVEAT})"
        )

    def _counted(self, q: Qualification, rule: dict[str, Any]) -> list[str]:
        return [u for u in scope(q, rule) if at_level(rule, q.units[u])]

    def evaluate(self, ctx: Ctx, rule: dict[str, Any], asked: str) -> Verdict:
        q, need = ctx.q, _need(rule)
        ids = self._counted(q, rule)
        got = ctx.sum_credit(ids)
        where = f"{level_phrase(rule)}{from_phrase(q, rule)}"
        if got >= need:
            detail = f"{amount(got, 'credits')} {where} (at least {need} needed)"
            return Verdict(True, detail + self._widened(ctx, rule, ids, need), got, 0, "credits")
        level = rule.get("level")
        if rule.get("comparison") == "at_or_above":
            single = "a unit of {amount} at level " + f"{level} or above"
            plural = f"units at level {level} or above worth " + "{amount} in all"
        else:
            single = f"a level-{level} unit of " + "{amount}"
            plural = f"level-{level} units worth " + "{amount} in all"
        gains = [credit(q.units[u]) for u in ctx.free(ids)]
        hint = add_hint(need - got, gains, single, plural, "credits")
        detail = f"{got} of {amount(need, 'credits')} {where}: {hint}"
        return Verdict(False, detail, got, need - got, "credits")

    def encode(self, m: Model, rule: dict[str, Any], rules: list[dict[str, Any]]) -> None:
        m.row(_need(rule), None, m.credits(self._counted(m.q, rule)))

    def alone(self, q: Qualification, rule: dict[str, Any], rid: str, asked: str) -> str:
        return _all_too_few(self, q, rule, rid, asked)


@register
class Mandatory(RuleKind):
    """Units (listed, or every unit of the groups) that every learner takes."""

    name = "mandatory"
    shape = Shape(one_of=("units", "groups"))
    minimum = True
    forces_units = True

    def forced(self, q: Qualification, rule: dict[str, Any]) -> list[str]:
        return required(q, rule)

    def asks(self, q: Qualification, rule: dict[str, Any]) -> str:
        return f"every mandatory unit: {', '.join(required(q, rule))}"

    def evaluate(self, ctx: Ctx, rule: dict[str, Any], asked: str) -> Verdict:
        need_ids = required(ctx.q, rule)
        missing = [u for u in need_ids if u not in ctx.selected]
        got = len(need_ids) - len(missing)
        if not missing:
            words = {1: "the mandatory unit is", 2: "both mandatory units are"}
            word = words.get(len(need_ids), f"all {len(need_ids)} mandatory units are")
            return Verdict(True, f"{word} taken", got, 0, "units")
        unknown = [u for u in missing if u not in ctx.q.units]
        total = len(need_ids)
        plural = "s" if total != 1 else ""
        detail = f"{got} of {total} mandatory unit{plural}: add {', '.join(missing)}"
        if unknown:
            detail += f" ({join_and(unknown)} not in the qualification)"
        return Verdict(False, detail, got, len(missing), "units", tuple(missing))

    def encode(self, m: Model, rule: dict[str, Any], rules: list[dict[str, Any]]) -> None:
        for uid in required(m.q, rule):
            m.require(uid)

    def alone(self, q: Qualification, rule: dict[str, Any], rid: str, asked: str) -> str:
        missing = [u for u in required(q, rule) if u not in q.units]
        return f"{rid} makes {join_and(missing)} mandatory, but the qualification has no such unit"


@register
class MinGlh(RuleKind):
    """At least `min` guided learning hours in all."""

    name = "min_glh"
    shape = Shape(needs=("min",))
    minimum = True
    fact = "glh"

    def counts_every_unit(self, rule: dict[str, Any]) -> bool:
        return True

    def asks(self, q: Qualification, rule: dict[str, Any]) -> str:
        return f"at least {amount(_need(rule), 'hours')}"

    def evaluate(self, ctx: Ctx, rule: dict[str, Any], asked: str) -> Verdict:
        q, need = ctx.q, _need(rule)
        got = sum(glh(q.units[u]) for u in ctx.selected)
        if got >= need:
            return Verdict(
                True, f"{amount(got, 'hours')} (at least {need} needed)", got, 0, "hours"
            )
        gains = [glh(q.units[u]) for u in ctx.free(list(q.units))]
        hint = add_hint(
            need - got, gains, "a unit of {amount}", "units worth {amount} in all", "hours"
        )
        return Verdict(False, f"{got} of {amount(need, 'hours')}: {hint}", got, need - got, "hours")

    def encode(self, m: Model, rule: dict[str, Any], rules: list[dict[str, Any]]) -> None:
        m.row(_need(rule), None, m.glhs(m.ids))

    def alone(self, q: Qualification, rule: dict[str, Any], rid: str, asked: str) -> str:
        return _all_too_few(self, q, rule, rid, asked)


@register
class MinUnits(RuleKind):
    """At least `min` units in all."""

    name = "min_units"
    shape = Shape(needs=("min",))
    minimum = True

    def asks(self, q: Qualification, rule: dict[str, Any]) -> str:
        return f"at least {amount(_need(rule), 'units')}"

    def evaluate(self, ctx: Ctx, rule: dict[str, Any], asked: str) -> Verdict:
        got, need = len(ctx.selected), _need(rule)
        if got >= need:
            return Verdict(
                True, f"{amount(got, 'units')} (at least {need} needed)", got, 0, "units"
            )
        hint = count_hint(need - got, len(ctx.q.units) - got, "")
        return Verdict(False, f"{got} of {amount(need, 'units')}: {hint}", got, need - got, "units")

    def encode(self, m: Model, rule: dict[str, Any], rules: list[dict[str, Any]]) -> None:
        m.row(_need(rule), None, m.ones(m.ids))

    def alone(self, q: Qualification, rule: dict[str, Any], rid: str, asked: str) -> str:
        return _all_too_few(self, q, rule, rid, asked)


@register
class MaxUnits(RuleKind):
    """At most `max` units in all."""

    name = "max_units"
    shape = Shape(needs=("max",))

    def asks(self, q: Qualification, rule: dict[str, Any]) -> str:
        return f"at most {amount(_need(rule, 'max'), 'units')}"

    def evaluate(self, ctx: Ctx, rule: dict[str, Any], asked: str) -> Verdict:
        got, most = len(ctx.selected), _need(rule, "max")
        if got <= most:
            return Verdict(
                True, f"{amount(got, 'units')} (at most {most} allowed)", got, 0, "units"
            )
        over = got - most
        detail = (
            f"{amount(got, 'units')}, {over} more than the maximum of {most}: "
            f"drop {amount(over, 'units')}"
        )
        return Verdict(False, detail, got, over, "units")

    def encode(self, m: Model, rule: dict[str, Any], rules: list[dict[str, Any]]) -> None:
        m.row(None, _need(rule, "max"), m.ones(m.ids))

    def excess(self, rule: dict[str, Any], result: RuleResult) -> bool:
        return True


@register
class Barred(RuleKind):
    """At most one of the listed units."""

    name = "barred"
    shape = Shape(needs=("units",))

    def asks(self, q: Qualification, rule: dict[str, Any]) -> str:
        return f"at most one of {join_and([str(u) for u in rule.get('units') or []])}"

    def evaluate(self, ctx: Ctx, rule: dict[str, Any], asked: str) -> Verdict:
        listed = [str(u) for u in rule.get("units") or []]
        taken = [u for u in listed if u in ctx.selected]
        if len(taken) <= 1:
            which = f"{taken[0]} taken" if taken else "none taken"
            return Verdict(True, f"{asked}: {which}", len(taken), 0, "units", tuple(taken))
        over = len(taken) - 1
        detail = (
            f"{join_and(taken)} are taken, but they cannot be combined: "
            f"drop {'one of them' if over == 1 else 'all but one of them'}"
        )
        return Verdict(False, detail, len(taken), over, "units", tuple(taken))

    def encode(self, m: Model, rule: dict[str, Any], rules: list[dict[str, Any]]) -> None:
        listed = [str(u) for u in rule.get("units") or [] if str(u) in m.ids]
        m.row(None, 1, m.ones(dict.fromkeys(listed)))

    def excess(self, rule: dict[str, Any], result: RuleResult) -> bool:
        return True

    def check(
        self, rule: dict[str, Any], written: dict[Any, Any], at: Any, rid: Any, add: Report
    ) -> None:
        if rule.get("units") is None:
            return
        listed = [u for u in rule["units"] if u is not None]
        twice = sorted({u for u in listed if listed.count(u) > 1})
        if twice:
            add(
                at("units"),
                "E501",
                f"rule {rid} (barred) lists unit {', '.join(twice)} twice",
                "list each unit once: barred names 2 or more different units",
            )
        elif len(listed) < 2:
            add(
                at("units"),
                "E105",
                f"rule {rid} (barred) lists {len(listed)} unit{'' if len(listed) == 1 else 's'}: "
                "it bars taking 2 or more units together",
                "list the units that may not be taken together",
            )
