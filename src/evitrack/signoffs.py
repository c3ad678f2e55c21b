"""`evitrack sign`: a unit's sign-off by learner, assessor or internal verifier, written
under `signoffs:` in evitrack.yaml with every other byte kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import locate, yamlio
from evitrack import portfolio as pf
from evitrack.decisions import signer_for
from evitrack.diagnostics import did_you_mean, unknown_unit
from evitrack.errors import UserError
from evitrack.model import Portfolio, Qualification, Record, Unit
from evitrack.record_text import replace_top_level, top_level_block
from evitrack.records import load_portfolio

ROLES = ("learner", "assessor", "iv")
SIGNOFF_KEYS = (
    "assessed",
    "learner",
    "learner_date",
    "learner_signer",
    "learner_signature",
    "assessor",
    "assessor_date",
    "assessor_signer",
    "assessor_signature",
    "iv",
    "iv_date",
    "iv_signer",
    "iv_signature",
    "fingerprint",
)


@dataclass
class SignResult:
    unit: str
    role: str
    written: dict[str, Any]
    problems: list[str] = field(default_factory=list)  # non-empty: nothing written
    replaced: dict[str, Any] = field(default_factory=dict)  # earlier values now overwritten
    incomplete: bool = False  # the problems are what the unit still lacks
    hint: str | None = None  # how to fix what the unit lacks, when not by more evidence
    voided: dict[str, Any] = field(default_factory=dict)  # removed: given on other evidence
    signer: str | None = None  # who signed it, when signed


def sign(
    root: Path,
    unit_ref: str,
    role: str,
    initials: str,
    date: dt.date | None = None,
    assessed: dt.date | None = None,
    today: dt.date | None = None,
    key: Path | None = None,
    signer: str | None = None,
) -> SignResult:
    """Record a unit sign-off under `signoffs:` in evitrack.yaml (round-trip).

    The sign-off records a fingerprint of the unit's accepted evidence. Signatures
    given on evidence that has changed since no longer stand: signing again removes
    them (SignResult.voided), so everyone signs what is there now. The assessor's
    signature records a summative assessment: `assessed` becomes `assessed` or `date`.
    No date may be before the decisions that completed the unit.
    With `key` (an SSH private key file) the role's sign-off is signed as `signer`;
    without, any earlier signature of that role is removed (it would no longer match).
    """
    from evitrack.lock import portfolio_lock

    today = today or dt.date.today()
    date = date or today
    if role not in ROLES:
        raise UserError(
            f'--as must be one of {", ".join(ROLES)}, not "{role}"', did_you_mean(role, ROLES)
        )
    initials = initials.strip()
    if not re.fullmatch(r"[A-Za-z][A-Za-z.'\- ]{0,9}", initials):
        raise UserError(f'initials "{initials}" should be letters, e.g. "JS"')
    for when, what in ((date, "--date"), (assessed, "--assessed")):
        if when is not None and when > today:
            raise UserError(f"{what} {when.isoformat()} is in the future")
    with portfolio_lock(root):  # read, decide and write evitrack.yaml as one step
        return _sign_locked(root, unit_ref, role, initials, date, assessed, key, signer)


def _sign_locked(
    root: Path,
    unit_ref: str,
    role: str,
    initials: str,
    date: dt.date,
    assessed: dt.date | None,
    key: Path | None,
    signer: str | None,
) -> SignResult:
    portfolio, _ = load_portfolio(root)
    principal = (
        signer_for(portfolio, key, signer, role, f"evitrack sign {unit_ref} --as {role}")
        if role != "learner" or key is not None
        else None
    )
    q = portfolio.qualification
    uid = _chosen_unit(portfolio, unit_ref)
    problems, hint = _not_ready(portfolio, uid)
    if problems:
        return SignResult(uid, role, {}, problems, incomplete=True, hint=hint)
    evidence = pf.signoff_fingerprint(uid, portfolio.records)
    existing = portfolio.signoffs.get(uid)
    before = {k: getattr(existing, k) for k in pf.SIGNOFF_FIELDS} if existing else {}
    voided: dict[str, Any] = {}
    if existing is not None and existing.fingerprint != evidence:
        # given on other evidence (or on none recorded): those signatures no longer stand
        voided = {k: v for k, v in before.items() if v is not None}
        before = {}
    if role == "iv" and not before.get("assessor"):
        problems.append(
            f"unit {uid}'s sign-off is void (its evidence changed after it was signed): the "
            "assessor signs again first, then the internal verifier countersigns"
            if voided.get("assessor")
            else f"unit {uid} has no assessor sign-off yet: the internal verifier countersigns it"
        )
        return SignResult(uid, role, {}, problems, incomplete=True)
    values = _values(role, initials, date, assessed)
    after = {**before, **values}
    early = _too_early(q.units[uid], portfolio.records, after, values, assessed is not None)
    out_of_order = [why for _, why in pf.signoff_order(after)] + early
    if out_of_order:
        return SignResult(uid, role, {}, out_of_order)
    values["fingerprint"] = evidence
    after["fingerprint"] = evidence
    replaced = {k: before[k] for k in values if before.get(k) not in (None, values[k])}
    values.update(_signoff_signature(portfolio, uid, role, after, key, principal))
    write_signoff(root, q, uid, values, drop=[k for k in voided if k not in values])
    shown = {
        k: v
        for k, v in values.items()
        if not k.endswith(("_signer", "_signature")) and k != "fingerprint"
    }
    return SignResult(
        uid, role, shown, replaced=replaced, voided=voided, signer=principal if key else None
    )


def _chosen_unit(portfolio: Portfolio, unit_ref: str) -> str:
    """The id of a chosen unit named by id or alias; UserError for any other."""
    q = portfolio.qualification
    uid = q.resolve_unit(unit_ref)
    if uid is None or uid not in portfolio.units:
        names = [*portfolio.units, *(a for u in portfolio.units for a in q.units[u].aliases)]
        otherwise = "chosen units: " + ", ".join(portfolio.units)
        if uid is None:
            raise UserError(*unknown_unit(unit_ref, q.id, names, otherwise))
        raise UserError(
            f"unit {uid} ({q.units[uid].title}) is not among the chosen units",
            did_you_mean(unit_ref, names) or otherwise,
        )
    return uid


def _not_ready(portfolio: Portfolio, uid: str) -> tuple[list[str], str | None]:
    """(why the unit cannot be signed off, a hint): not complete, or held back by an IQA."""
    from evitrack.coverage import unit_coverage

    q = portfolio.qualification
    cov = unit_coverage(q.units[uid], portfolio.records)
    problems: list[str] = []
    hint = None
    if not cov.complete:
        left = [c.id for c in cov.criteria if c.status != "accepted"]
        if left:
            problems.append(
                f"unit {uid} is not complete: {len(left)} of {cov.total} criteria not accepted "
                f"({', '.join(left[:10])}{' ...' if len(left) > 10 else ''})"
            )
        problems += [f"unit {uid}: {r.detail}" for r in cov.requirements if not r.satisfied]
        if not cov.verifiable:
            problems.append(
                f"unit {uid} has no criteria text in the source: it cannot be shown complete"
            )
            from evitrack.catalogue.extend import no_criteria_hint

            hint = no_criteria_hint(q, uid)
    if portfolio.extra.get("iqa"):  # an IQA's disagreement holds the unit back
        from evitrack.quality_holds import holds

        hold = holds(portfolio).get(uid)
        if hold is not None:
            problems.append(f"unit {uid} is held back: {hold.reason}")
            hint = (
                f"the assessor re-assesses {', '.join(hold.records)} after "
                f"{hold.date.isoformat()} (`evitrack assess ID --accept|--refer --date "
                "YYYY-MM-DD`), then the unit is signed off again"
            )
    return problems, hint


def _values(role: str, initials: str, date: dt.date, assessed: dt.date | None) -> dict[str, Any]:
    """The sign-off fields a role's signature writes."""
    values: dict[str, Any]
    if role == "learner":
        values = {"learner": initials, "learner_date": date}
    elif role == "assessor":  # a (new) summative assessment: its date is this one
        values = {"assessor": initials, "assessor_date": date, "assessed": assessed or date}
    else:
        values = {"iv": initials, "iv_date": date}
    if role != "assessor" and assessed is not None:
        values["assessed"] = assessed
    return values


def _too_early(
    unit: Unit,
    records: list[Record],
    after: dict[str, Any],
    values: dict[str, Any],
    assessed_given: bool,
) -> list[str]:
    """A date written now that is before the unit was complete, once each."""
    from evitrack.coverage import completed_on

    done = completed_on(unit, records)
    early = []
    if done is not None:
        day, rid = done
        for fld, when in after.items():
            if fld in values and isinstance(when, dt.date) and when < day:
                what = "--assessed" if fld == "assessed" and assessed_given else "--date"
                early.append(
                    f"{what} {when.isoformat()} is before unit {unit.id} was complete: "
                    f"{rid} was accepted on {day.isoformat()}"
                )
    return list(dict.fromkeys(early))


def _signoff_signature(
    portfolio: Portfolio,
    uid: str,
    role: str,
    after: dict[str, Any],
    key: Path | None,
    principal: str | None,
) -> dict[str, Any]:
    """The role's `_signer`/`_signature` values to write (None: remove an earlier one)."""
    from evitrack import signing

    if key is None or principal is None:
        return {f"{role}_signer": None, f"{role}_signature": None}
    statement = signing.signoff_statement(
        portfolio.qualification.id, portfolio.registration, uid, role, after
    )
    signature = signing.sign(key.expanduser(), statement, signing.NAMESPACES[role])
    return {f"{role}_signer": principal, f"{role}_signature": signature}


def write_signoff(
    root: Path, q: Qualification, uid: str, values: dict[str, Any], drop: Iterable[str] = ()
) -> None:
    """Edit only the `signoffs:` block (round-trip, comments kept); every other byte stays."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    path = root / locate.PORTFOLIO_FILE
    text, raw = yamlio.load(path)
    span, block = top_level_block(text, raw, "signoffs")
    signoffs = block.get("signoffs")
    if not isinstance(signoffs, CommentedMap):
        signoffs = CommentedMap()
        block["signoffs"] = signoffs
    if not signoffs:
        signoffs.fa.set_block_style()
    key: Any = next((k for k in signoffs if q.resolve_unit(str(k)) == uid), None)
    if key is None:
        key = DoubleQuotedScalarString(uid)
        units = list(q.units)
        rank = units.index(uid)
        pos = sum(1 for k in signoffs if units.index(q.resolve_unit(str(k)) or uid) < rank)
        signoffs.insert(pos, key, CommentedMap())
    entry = signoffs[key]
    if not isinstance(entry, CommentedMap):
        entry = CommentedMap()
        signoffs[key] = entry
    for k in drop:
        if k in entry:
            del entry[k]
    for k, v in values.items():
        if v is None:  # a value to remove (a signature that would no longer match)
            entry.pop(k, None)
            continue
        if isinstance(v, dt.date):  # one object per field, or the dump writes &anchors
            v = dt.date.fromordinal(v.toordinal())
        if k in entry:
            entry[k] = v
            continue
        order = SIGNOFF_KEYS.index(k)
        pos = sum(1 for have in entry if have in SIGNOFF_KEYS and SIGNOFF_KEYS.index(have) < order)
        entry.insert(pos, k, v)
    new_block = yamlio.dump(block, text)
    if span is None:
        new_block = "# Unit sign-offs for the claim form, written by `evitrack sign`.\n" + new_block
    yamlio.write_back(path, replace_top_level(text, raw, "signoffs", new_block))
