"""Rules of combination: evaluate a selection of units against a qualification's rules.

`evaluate(q, units)` returns one `RuleResult` per rule, in the file's order: what
the rule asks, what the selection gives, how far it falls short, and a sentence
a learner understands. Pure and cheap (no imports beyond the model): `gaps` and
`status` call it for every portfolio of a caseload.

Each kind of rule is one class in `evitrack.rules.kinds`, found through
`REGISTRY`: the schema, this engine, the planner and `qualification check` all
read it. Semantics (the rule kinds table of docs/qualification-format.md):

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

from collections.abc import Iterable
from typing import Any

from evitrack.model import Qualification
from evitrack.rules.base import (
    COMMON_KEYS,
    REGISTRY,
    Ctx,
    RuleKind,
    RuleResult,
    Shape,
    Verdict,
    amount,
    at_level,
    bounds,
    caps,
    counted_credit,
    credit,
    from_phrase,
    glh,
    groups_phrase,
    is_cap,
    join_and,
    members,
    required,
    scope,
)
from evitrack.rules.kinds import READING_CAVEAT  # importing kinds registers every kind

__all__ = [
    "COMMON_KEYS",
    "KINDS",
    "MINIMUM_KINDS",
    "READING_CAVEAT",
    "REGISTRY",
    "SHAPES",
    "RuleKind",
    "RuleResult",
    "Shape",
    "amount",
    "asks",
    "at_level",
    "bounds",
    "caps",
    "counted_credit",
    "credit",
    "evaluate",
    "from_phrase",
    "glh",
    "groups_phrase",
    "is_cap",
    "join_and",
    "kind_of",
    "mandatory_units",
    "members",
    "required",
    "satisfied",
    "scope",
]

KINDS: tuple[str, ...] = tuple(REGISTRY)
SHAPES: dict[str, Shape] = {name: kind.shape for name, kind in REGISTRY.items()}
# Rules that adding a unit can never break (they only ask for "at least").
MINIMUM_KINDS = frozenset(name for name, kind in REGISTRY.items() if kind.minimum)


def kind_of(rule: dict[str, Any]) -> RuleKind | None:
    """The class of a rule's kind, or None when evitrack does not know it."""
    return REGISTRY.get(str(rule.get("kind")))


def mandatory_units(q: Qualification) -> list[str]:
    """The units the qualification's rules make every learner take, in the rules' order
    (an id the qualification lacks is kept: no selection can hold it)."""
    out: dict[str, None] = {}
    for rule in q.rules:
        kind = kind_of(rule)
        if kind is not None:
            out.update(dict.fromkeys(kind.forced(q, rule)))
    return list(out)


def asks(q: Qualification, rule: dict[str, Any]) -> str:
    """What a rule asks, in words."""
    kind = kind_of(rule)
    return kind.asks(q, rule) if kind else f"(unknown rule kind {rule.get('kind')!r})"


def evaluate(
    q: Qualification, units: Iterable[str], rules: list[dict[str, Any]] | None = None
) -> list[RuleResult]:
    """Every rule of `q` (or only `rules`, a subset of them) for this selection of unit ids.

    Ids not in `q` are ignored. Credit caps come from the rules evaluated.
    """
    rules = q.rules if rules is None else rules
    ctx = Ctx(q, units, rules)
    return [_evaluate(ctx, i, r) for i, r in enumerate(rules)]


def satisfied(results: list[RuleResult]) -> bool:
    return all(r.satisfied for r in results)


def _evaluate(ctx: Ctx, index: int, rule: dict[str, Any]) -> RuleResult:
    kind = kind_of(rule)
    asked = asks(ctx.q, rule)
    if kind is None:
        detail = f"evitrack does not know the rule kind {rule.get('kind')!r}: it cannot be checked"
        v = Verdict(False, detail, 0, 0, "units")
    else:
        v = kind.evaluate(ctx, rule, asked)
    return RuleResult(
        rule=str(rule.get("id") or f"#{index + 1}"),
        kind=str(rule.get("kind")),
        satisfied=v.satisfied,
        detail=v.detail,
        asks=asked,
        gives=v.gives,
        shortfall=v.shortfall,
        measure=v.measure,
        reading=rule.get("reading"),
        text=rule.get("text"),
        units=v.units,
    )
