"""What every rule kind shares: results, unit facts, words, and the `RuleKind` class."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar, Protocol

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


COMMON_KEYS = ("id", "kind", "text", "reading", "note")  # every kind


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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RuleResult:
        """The result `to_json` wrote (read back from the cache)."""
        return cls(
            rule=str(data["rule"]),
            kind=str(data["kind"]),
            satisfied=bool(data["satisfied"]),
            detail=str(data["detail"]),
            asks=str(data["asks"]),
            gives=int(data["gives"]),
            shortfall=int(data["shortfall"]),
            measure=str(data["measure"]),
            reading=data.get("reading"),
            text=data.get("text"),
            units=tuple(data.get("units") or ()),
        )


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


def level_phrase(rule: dict[str, Any]) -> str:
    level = rule.get("level")
    return (
        f"at level {level} or above"
        if rule.get("comparison") == "at_or_above"
        else f"at level {level}"
    )


def add_hint(
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


def count_hint(short: int, available: int, where: str) -> str:
    if available < short:
        verb = "is" if available == 1 else "are"
        return f"only {amount(available, 'units')}{where} {verb} not yet chosen"
    return f"add a unit{where}" if short == 1 else f"add {short} more units{where}"


# ---- the kind of a rule -----------------------------------------------------------------


class Ctx:
    """One selection of units, with what several rules need of it (credit after caps)."""

    def __init__(self, q: Qualification, units: Iterable[str], rules: list[dict[str, Any]]) -> None:
        self.q = q
        self.selected = {u for u in units if u in q.units}
        self.capping = caps(q, rules)
        self.counted, self.excess = counted_credit(q, self.selected, self.capping)

    def free(self, ids: list[str]) -> list[str]:
        return [u for u in ids if u not in self.selected]

    def sum_credit(self, ids: list[str]) -> int:
        return sum(credit(self.q.units[u]) for u in ids if u in self.selected)


@dataclass(frozen=True)
class Verdict:
    """What a kind finds for one rule and one selection (`RuleResult` adds the rule's names)."""

    satisfied: bool
    detail: str
    gives: int
    shortfall: int
    measure: str
    units: tuple[str, ...] = ()


class Model(Protocol):
    """The 0-1 programme a kind adds its rows to (one binary per unit; see the planner)."""

    q: Qualification
    ids: list[str]

    def row(self, lo: float | None, hi: float | None, coeffs: Mapping[int, float]) -> None: ...
    def credits(self, ids: Iterable[str]) -> dict[int, float]: ...
    def ones(self, ids: Iterable[str]) -> dict[int, float]: ...
    def glhs(self, ids: Iterable[str]) -> dict[int, float]: ...
    def require(self, uid: str) -> None: ...
    def excess_var(self) -> int: ...


class Report(Protocol):
    """Where a kind's structural checks report (`qualification check`)."""

    def __call__(
        self, pos: tuple[int, int] | None, code: str, message: str, hint: str | None = None
    ) -> None: ...


class RuleKind:
    """One kind of rule of combination: everything evitrack knows about it, in one class.

    Its `shape` is what `qualification check` and the schema read; `asks` and
    `evaluate` explain it to a learner; `encode` gives the planner its rows; `fact`
    and `counts_every_unit` say which unit data it needs; `check` adds its own
    structural checks; `excess` and `alone` explain a qualification no selection meets.
    """

    name: ClassVar[str]
    shape: ClassVar[Shape]
    minimum: ClassVar[bool] = False  # adding a unit can never break it (it asks "at least")
    fact: ClassVar[str | None] = None  # the unit datum it reads: credit, glh
    reads_level: ClassVar[bool] = False  # it reads each unit's level too
    forces_units: ClassVar[bool] = False  # it makes units mandatory (see `forced`)

    def forced(self, q: Qualification, rule: dict[str, Any]) -> list[str]:
        """The units the rule makes every learner take (unknown ids kept), in its order."""
        return []

    def counts_every_unit(self, rule: dict[str, Any]) -> bool:
        """Whether the rule counts every unit of the qualification (else its groups' units)."""
        return False

    def asks(self, q: Qualification, rule: dict[str, Any]) -> str:
        raise NotImplementedError

    def evaluate(self, ctx: Ctx, rule: dict[str, Any], asked: str) -> Verdict:
        raise NotImplementedError

    def encode(self, m: Model, rule: dict[str, Any], rules: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def check(
        self, rule: dict[str, Any], written: dict[Any, Any], at: Any, rid: Any, add: Report
    ) -> None:
        """Structural checks of this kind beyond its shape, for `qualification check`.

        `rule` is the validated rule, `written` the mapping as written (a key with a
        bad value is in it, not in `rule`), `at(key)` where a key is.
        """

    def excess(self, rule: dict[str, Any], result: RuleResult) -> bool:
        """Whether a failed result is an excess, which adding units cannot cure."""
        return False

    def alone(self, q: Qualification, rule: dict[str, Any], rid: str, asked: str) -> str:
        """Why this rule on its own cannot be met by any selection."""
        return f"no selection of units satisfies {rid} ({asked})"


REGISTRY: dict[str, RuleKind] = {}


def register(cls: type[RuleKind]) -> type[RuleKind]:
    """Class decorator: the kind joins the registry every other module reads."""
    REGISTRY[cls.name] = cls()
    return cls
