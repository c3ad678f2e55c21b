"""Each KSB's status in an apprenticeship portfolio.

accepted  - a record that cites the KSB (`ksbs:`) is accepted and unchanged since
evidenced - records cite it, none of them (still) accepted
unit      - no record cites it, but a unit the standard's mapping ties to it (for the
            portfolio's qualification, among its chosen units) is covered: every
            criterion of that unit is evidenced or accepted (for a "UNIT/CRITERION"
            reference, that criterion). It is covered through the unit, and said so.
missing   - none of these
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from evitrack.errors import UserError

if TYPE_CHECKING:
    from evitrack.apprenticeship.standards import Standard
    from evitrack.model import Portfolio, Record, Unit

ACCEPTED, EVIDENCED, UNIT, MISSING = "accepted", "evidenced", "unit", "missing"


class CriterionState(Protocol):
    """What a KSB's status reads of a criterion's (`coverage.CriterionStatus`)."""

    @property
    def id(self) -> str: ...

    @property
    def status(self) -> str: ...


class UnitState(Protocol):
    """What a KSB's status reads of a unit's coverage (`coverage.UnitCoverage`), which is
    worked out first and handed in."""

    @property
    def unit(self) -> Unit: ...

    @property
    def criteria(self) -> Sequence[CriterionState]: ...


@dataclass
class KsbStatus:
    ksb: str
    kind: str
    title: str
    status: str
    records: list[str] = field(default_factory=list)  # records citing it directly
    units: list[str] = field(default_factory=list)  # mapped unit refs among the chosen units
    units_covered: list[str] = field(default_factory=list)  # those whose criteria are covered

    def to_json(self) -> dict[str, object]:
        return {
            "ksb": self.ksb,
            "status": self.status,
            "records": self.records,
            "units": self.units,
            "kind": self.kind,
            "title": self.title,
            "units_covered": self.units_covered,
        }


def _unit_refs(portfolio: Portfolio) -> dict[str, list[str]]:
    """KSB id -> unit refs of the portfolio's qualification, chosen units only."""
    from evitrack.apprenticeship.standards import mappings

    assert portfolio.apprenticeship is not None
    try:
        by_qual = mappings(portfolio.apprenticeship.standard)
    except UserError:  # a mapped qualification cannot be loaded: no unit counts
        return {}
    got = by_qual.get(portfolio.qualification.id, {})
    return {
        kid: [r for r in refs if r.partition("/")[0] in portfolio.units]
        for kid, refs in got.items()
    }


def _covered(ref: str, units: dict[str, UnitState]) -> bool:
    uid, _, cid = ref.partition("/")
    uc = units.get(uid)
    if uc is None:
        return False
    statuses = [c for c in uc.criteria if not cid or c.id == cid]
    return bool(statuses) and all(c.status != "missing" for c in statuses)


def ksb_statuses(
    portfolio: Portfolio, units: Sequence[UnitState], counts: Callable[[Record], bool]
) -> list[KsbStatus]:
    """The status of every KSB of the portfolio's standard. `counts(record)`: accepted."""
    assert portfolio.apprenticeship is not None
    std = portfolio.apprenticeship.standard
    refs = _unit_refs(portfolio)
    by_unit = {u.unit.id: u for u in units}
    out = []
    for k in std.ksbs:
        citing = [r for r in portfolio.records if k.id in r.ksbs]
        mapped = refs.get(k.id, [])
        covered = [r for r in mapped if _covered(r, by_unit)]
        if any(counts(r) for r in citing):
            status = ACCEPTED
        elif citing:
            status = EVIDENCED
        elif covered:
            status = UNIT
        else:
            status = MISSING
        out.append(
            KsbStatus(k.id, k.kind, k.title, status, [r.id for r in citing], mapped, covered)
        )
    return out


def describe(k: KsbStatus) -> str:
    """How a KSB stands, in words: "accepted: E0001", "covered only through unit 2"."""
    if k.status in (ACCEPTED, EVIDENCED):
        word = "accepted" if k.status == ACCEPTED else "evidenced, not yet accepted"
        return f"{word}: {', '.join(k.records)}"
    if k.status == UNIT:
        which = "units" if len(k.units_covered) > 1 else "unit"
        return f"covered only through {which} {', '.join(k.units_covered)}"
    if k.units:
        which = "units" if len(k.units) > 1 else "unit"
        return f"missing: no record cites it; mapped {which} {', '.join(k.units)} not yet covered"
    return "missing: no record cites it, and no chosen unit is mapped to it"


def summary(ksbs: list[KsbStatus]) -> str:
    """ "3 of 14 KSBs accepted, 1 evidenced, 2 covered only through units, 8 missing" """
    n = {s: sum(1 for k in ksbs if k.status == s) for s in (ACCEPTED, EVIDENCED, UNIT, MISSING)}
    return (
        f"{n[ACCEPTED]} of {len(ksbs)} KSBs accepted, {n[EVIDENCED]} evidenced, "
        f"{n[UNIT]} covered only through units, {n[MISSING]} missing"
    )


def cited(portfolio: Portfolio, refs: Iterable[str]) -> list[tuple[str, str]]:
    """The KSBs a new record cites (`add --ksbs`), by id or alias: (id, title), each once, in
    the order given. UserError for a portfolio without a standard or a KSB it lacks."""
    from evitrack.diagnostics import did_you_mean

    if portfolio.apprenticeship is None:
        raise UserError(
            "--ksbs: this portfolio is not an apprenticeship (evitrack.yaml has no "
            "`apprenticeship:`, or its standard cannot be loaded)",
            "add `apprenticeship:` with its `standard:` and `start:` to evitrack.yaml "
            "(`evitrack check` says what is wrong with it), or leave out --ksbs",
        )
    std: Standard = portfolio.apprenticeship.standard
    out: dict[str, str] = {}
    for ref in refs:
        k = std.ksb(ref)
        if k is None:
            raise UserError(
                f'the apprenticeship standard {std.id} has no KSB "{ref}"',
                did_you_mean(ref, std.ids()) or "its KSBs: " + ", ".join(std.ids()),
            )
        out.setdefault(k.id, " ".join(k.title.split()))
    return list(out.items())
