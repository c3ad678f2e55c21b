"""IQA decisions: recording them in a portfolio, evidence changed after them.

A decision is one entry of the `iqa:` list in evitrack.yaml, appended (never
rewritten) under the portfolio's lock, with the fingerprints of the sampled
decisions and sign-off at that moment. After a disagreement the sampled records
stop counting as accepted until the assessor decides on them again after the
IQA's date. Everything here returns data or raises `UserError`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import fastyaml, locate, yamlio
from evitrack.diagnostics import Diagnostic, did_you_mean, make, unknown_unit
from evitrack.errors import UserError
from evitrack.model import Portfolio, Record
from evitrack.quality import PolicyError, saved_plans, snapshot, verify_plan
from evitrack.quality_holds import AGREED, DISAGREED, latest
from evitrack.quality_policy import POLICY_FILE

# ---- recording a decision ----------------------------------------------------------------


@dataclass
class Recorded:
    unit: str
    decision: str
    records: list[str]
    note: str | None  # e.g. outside the saved plan
    plan: str | None  # the saved plan that sampled it
    iv: dict[str, Any] = field(default_factory=dict)  # the IV initials and date filled in
    iv_problems: list[str] = field(default_factory=list)  # why they were not
    iv_removed: dict[str, Any] = field(default_factory=dict)  # taken off by a disagreement


def initials_of(name: str) -> str:
    """ "Pat O'Neill" -> "PO": the initials the forms show."""
    words = [w for w in re.split(r"[\s\-]+", name) if w and w[0].isalpha()]
    return "".join(w[0].upper() for w in words)[:10] or "IV"


def find_caseload(root: Path) -> Path | None:
    """The nearest folder above the portfolio holding sampling.yaml."""
    for folder in root.resolve().parents:
        if (folder / POLICY_FILE).is_file():
            return folder
    return None


def sampled_in(plan: Path, portfolio: str, unit: str) -> dict[str, Any] | None:
    """The plan's entry for (portfolio, unit), if it sampled it."""
    try:
        data = fastyaml.data(yamlio.read_text(plan))
    except (yamlio.YamlProblem, OSError):
        return None
    sample = data.get("sample") if isinstance(data, dict) else None
    for entry in sample if isinstance(sample, list) else []:
        if (
            isinstance(entry, dict)
            and entry.get("portfolio") == portfolio
            and str(entry.get("unit")) == unit
        ):
            return entry
    return None


def record(
    root: Path,
    unit_ref: str,
    agree: bool,
    iqa: str,
    date: dt.date | None = None,
    comment: str | None = None,
    looked_at: list[str] | None = None,
    today: dt.date | None = None,
) -> Recorded:
    """Append an IQA decision to the portfolio's evitrack.yaml; on agreement, countersign."""
    from evitrack.lock import portfolio_lock
    from evitrack.records import load_portfolio

    today = today or dt.date.today()
    date = date or today
    iqa, comment = _checked_input(iqa, date, comment, agree, today)
    with portfolio_lock(root):  # read, decide and write evitrack.yaml as one step
        portfolio, _ = load_portfolio(root)
        uid = _unit(portfolio, unit_ref)
        decided = _decided(portfolio, uid)
        note, plan_name, sampled = _plan_note(root, uid)
        ids = _looked_at(uid, [r.id for r in decided], looked_at, sampled)
        _not_before_first(decided, uid, date)
        entry: dict[str, Any] = {
            "unit": uid,
            "decision": AGREED if agree else DISAGREED,
            "iqa": iqa,
            "date": date,
        }
        if comment:
            entry["comment"] = comment
        entry["records"] = ids
        entry["snapshot"] = snapshot(portfolio, uid, tuple(ids))
        if plan_name:
            entry["plan"] = plan_name
        if note:
            entry["note"] = note
        was = latest(portfolio).get(uid)
        _append(root, entry)
        removed: dict[str, Any] = {}
        if not agree and (was is None or date >= was["date"]):
            removed = _take_off_iv(root, portfolio, uid)
    out = Recorded(uid, entry["decision"], ids, note, plan_name, iv_removed=removed)
    if agree:
        _countersign(root, portfolio, out, iqa, date, today)
    return out


def _checked_input(
    iqa: str, date: dt.date, comment: str | None, agree: bool, today: dt.date
) -> tuple[str, str | None]:
    """The IQA's name and the comment, whitespace folded; UserError when one is missing or
    the date is in the future."""
    iqa = " ".join(iqa.split())
    if not iqa:
        raise UserError("the IQA's name is empty", 'give it with --iqa "NAME"')
    if date > today:
        raise UserError(f"--date {date.isoformat()} is in the future")
    comment = " ".join(comment.split()) if comment else None
    if not agree and not comment:
        raise UserError(
            "a disagreement needs a comment: it is what the assessor is to do",
            '--comment "..." says what to reassess and why',
        )
    return iqa, comment


def _decided(portfolio: Portfolio, uid: str) -> list[Record]:
    """The unit's records holding an assessor's decision; UserError when there is none."""
    decided = [r for r in portfolio.records if uid in r.criteria and r.assessment]
    if not decided:
        raise UserError(
            f"unit {uid} holds no assessor's decision yet: there is nothing to quality assure",
            "the IQA samples units once the assessor has judged evidence for them",
        )
    return decided


def _not_before_first(decided: list[Record], uid: str, date: dt.date) -> None:
    """UserError when the IQA's date is before the assessor's first decision on the unit."""
    first = min((r.assessment.date for r in decided if r.assessment and r.assessment.date),
                default=None)  # fmt: skip
    if first is not None and date < first:
        raise UserError(
            f"--date {date.isoformat()} is before the assessor's first decision on unit "
            f"{uid} ({first.isoformat()})",
            "the IQA samples decisions already made: check the date",
        )


def _looked_at(
    uid: str, ids: list[str], looked_at: list[str] | None, sampled: dict[str, Any] | None
) -> list[str]:
    """The decided records the IQA looked at: those named, else the plan's sample of them,
    else all."""
    if looked_at:
        unknown = [r for r in looked_at if r not in ids]
        if unknown:
            raise UserError(
                f"{', '.join(unknown)}: not a decided record of unit {uid}",
                did_you_mean(unknown[0], ids) or "decided records: " + ", ".join(ids),
            )
        return [r for r in ids if r in looked_at]
    if sampled:
        return [r for r in ids if r in [str(x) for x in sampled.get("records") or []]] or ids
    return ids


def _countersign(
    root: Path, portfolio: Portfolio, out: Recorded, iqa: str, date: dt.date, today: dt.date
) -> None:
    """An agreement fills in the IV initials and date on the unit's sign-off, once the
    assessor has signed it; `out` says what was written, or why not."""
    from evitrack.signoffs import sign

    signed = portfolio.signoffs.get(out.unit)
    if signed is None or not signed.assessor:
        out.iv_problems.append(
            f"unit {out.unit} has no assessor sign-off yet: the IV initials are filled in "
            "once it has one (`evitrack sign --as iv`)"
        )
        return
    res = sign(root, out.unit, "iv", initials_of(iqa), date, today=today)
    out.iv, out.iv_problems = res.written, list(res.problems)


def _take_off_iv(root: Path, portfolio: Portfolio, uid: str) -> dict[str, Any]:
    """A disagreement is now the unit's latest IQA decision: the IV initials and date on its
    sign-off (an earlier agreement's, or `sign --as iv`) no longer stand. Returns them."""
    from evitrack.signoffs import write_signoff

    signed = portfolio.signoffs.get(uid)
    if signed is None:
        return {}
    gone = {k: v for k, v in (("iv", signed.iv), ("iv_date", signed.iv_date)) if v is not None}
    if gone:
        drop = ("iv", "iv_date", "iv_signer", "iv_signature")
        write_signoff(root, portfolio.qualification, uid, {}, drop=drop)
    return gone


def _unit(portfolio: Portfolio, unit_ref: str) -> str:
    q = portfolio.qualification
    uid = q.resolve_unit(unit_ref)
    if uid is None or uid not in portfolio.units:
        otherwise = "units: " + ", ".join(portfolio.units)
        if uid is None:
            raise UserError(*unknown_unit(unit_ref, q.id, portfolio.units, otherwise))
        raise UserError(
            f"unit {uid} ({q.units[uid].title}) is not among the chosen units",
            did_you_mean(unit_ref, portfolio.units) or otherwise,
        )
    return uid


def _plan_note(root: Path, uid: str) -> tuple[str | None, str | None, dict[str, Any] | None]:
    """(note, plan name, plan entry): whether the latest saved plan sampled the unit."""
    caseload = find_caseload(root)
    if caseload is None:
        return (
            "no caseload with a sampling policy holds this portfolio: outside any plan",
            None,
            None,
        )
    plans = saved_plans(caseload)
    if not plans:
        return "no saved plan in the caseload: outside any plan", None, None
    problems = verify_plan(plans[-1])
    if problems:
        raise PolicyError(problems)
    rel = root.resolve().relative_to(caseload).as_posix()
    entry = sampled_in(plans[-1], rel, uid)
    name = plans[-1].relative_to(caseload).as_posix()
    if entry is None:
        return f"not sampled by {name}: outside the plan", None, None
    return None, name, entry


def _append(root: Path, entry: dict[str, Any]) -> None:
    """Append one entry to `iqa:` in evitrack.yaml (round-trip); every other byte stays."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    from evitrack.record_text import replace_top_level, top_level_block

    path = root / locate.PORTFOLIO_FILE
    if path.is_symlink():
        raise UserError(f"{locate.display_path(path)} is a symbolic link; nothing was written")
    text, raw = yamlio.load(path)
    span, block = top_level_block(text, raw, "iqa")
    seq = block.get("iqa")
    if seq is not None and not isinstance(seq, CommentedSeq):
        raise UserError(
            f"{locate.display_path(path)}: `iqa:` is not a list of decisions; nothing was written",
            "see `evitrack schema portfolio` for what it holds, or remove the key",
        )
    if seq is None:
        seq = CommentedSeq()
        block["iqa"] = seq
    item = CommentedMap()
    for k, v in entry.items():
        if k == "unit":
            v = DoubleQuotedScalarString(v)
        elif k == "records":
            v = CommentedSeq(v)
            v.fa.set_flow_style()
        elif k == "snapshot":
            v = CommentedMap(v)
        item[k] = v
    seq.append(item)
    new_block = yamlio.dump(block, text)
    if span is None:
        new_block = (
            "# Internal quality assurance decisions, written by `evitrack iqa record`.\n"
            + new_block
        )
    new_text = replace_top_level(text, raw, "iqa", new_block)
    back = fastyaml.data(new_text)
    if not isinstance(back, dict) or len(back.get("iqa") or []) != len(seq):
        raise UserError(  # pragma: no cover - a file the block cannot be added to
            f"{locate.display_path(path)}: the decision cannot be added without rewriting "
            "other parts of this file",
            "write evitrack.yaml as one plain YAML document, then retry",
        )
    yamlio.write_back(path, new_text)


# ---- evidence changed after the IQA's decision ------------------------------------------------


def changed_after(portfolio: Portfolio) -> list[Diagnostic]:
    """W804 for each record sampled by a unit's latest IQA decision that has changed since,
    unless the assessor has decided on it again after the IQA's date."""
    out = []
    by_id = {r.id: r for r in portfolio.records}
    for uid, d in sorted(latest(portfolio).items()):
        snap = d.get("snapshot") or {}
        for rid, was in sorted(snap.items()):
            r = by_id.get(str(rid))
            if r is None or r.assessment is None:
                continue
            if r.assessment.date is not None and r.assessment.date > d["date"]:
                continue  # decided again since: a new judgement, not a change
            now = {r.assessment.fingerprint, r.fingerprint or r.assessment.fingerprint}
            # the decision's fingerprint covers each attached file's recorded sha256:
            # a file whose bytes no longer match it is not what the IQA looked at
            files = [f.path for f in r.files if f.actual and f.sha256 and f.actual != f.sha256]
            if now == {was} and not files:
                continue
            many = "s" if len(files) > 1 else ""
            what = f"{r.id}'s attached file{many} {', '.join(files)}" if now == {was} else r.id
            out.append(
                make(
                    locate.display_path(r.path),
                    r.pos,
                    "W804",
                    f"{what} changed after the IQA {d['iqa']} sampled it for unit {uid} "
                    f"on {d['date'].isoformat()}",
                    "ask the assessor to decide on it again (`evitrack assess`), "
                    "then the IQA to sample it again",
                )
            )
    return out
