"""An assessor's decision in a record (`evitrack assess`), and who signs a decision.

Everything here returns data or raises `UserError`; the record's other bytes stay as written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import fastyaml, locate, yamlio
from evitrack import portfolio as pf
from evitrack.diagnostics import Diagnostic, Severity
from evitrack.errors import UserError
from evitrack.ids import record_path
from evitrack.model import Portfolio
from evitrack.record_text import indent_of, replace_top_level, text_scalar, yaml_str
from evitrack.records import load_portfolio


def _problems_of(
    path: Path, diagnostics: list[Diagnostic], codes: tuple[str, ...] = ()
) -> list[Diagnostic]:
    shown = locate.display_path(path)
    return [
        d
        for d in diagnostics
        if d.file == shown and (d.severity is Severity.ERROR or d.code in codes)
    ]


@dataclass
class AssessResult:
    path: Path
    id: str
    decision: str
    fingerprint: str
    previous: str | None = None  # the decision it replaced
    previous_comment: str | None = None  # that decision's comment, now gone from the file
    problems: list[Diagnostic] = field(default_factory=list)  # non-empty: nothing written
    signer: str | None = None  # who signed it, when signed


def assess(
    root: Path,
    ref: str,
    decision: str,
    assessor: str,
    date: dt.date,
    comment: str | None = None,
    today: dt.date | None = None,
    key: Path | None = None,
    signer: str | None = None,
) -> AssessResult:
    """Record an assessor's decision in a record, leaving the rest of its text byte-identical.

    With `key` (an SSH private key file) the decision is signed as `signer`.
    """
    today = today or dt.date.today()
    _check_input(decision, assessor, date, today)
    portfolio, diags = load_portfolio(root)
    principal = signer_for(portfolio, key, signer, "assessor", f"evitrack assess {ref}")
    path = record_path(root, ref, portfolio)
    rec = next((r for r in portfolio.records if r.path.resolve() == path.resolve()), None)
    problems = _problems_of(path, diags, ("W304",))
    if rec is None and not problems:
        raise UserError(
            f"{locate.display_path(path)} could not be read as a record",
            "run `evitrack check` to see why",
        )
    if problems or rec is None:
        return AssessResult(path, rec.id if rec else ref, decision, "", problems=problems)
    if rec.date is not None and date < rec.date:
        raise UserError(
            f"assessment date {date.isoformat()} is before the evidence date {rec.date.isoformat()}",
            "evidence is assessed after it exists: check both dates",
        )
    text, raw = yamlio.load(path)
    shown = locate.display_path(path)
    if getattr(raw, "fa", None) is not None and raw.fa.flow_style():
        raise UserError(
            f"{shown}: the record is written as one flow mapping ({{id: ..., title: ...}}), "
            "where the assessment cannot be added without rewriting it",
            "write the record in block style, one `key: value` per line, then retry",
        )
    previous = rec.assessment.decision if rec.assessment else None
    written = _with_assessment(text, raw, decision, assessor.strip(), date, comment)
    if written is None:  # e.g. a `...` end marker: nothing is written rather than a broken file
        raise UserError(
            f"{shown}: the assessment cannot be added without rewriting other parts of this file",
            "write the record as one plain YAML document (no `---`/`...` markers), then retry",
        )
    new_text, back, block, fp = written
    if key is not None and principal is not None:
        new_text = _signed(portfolio, rec.id, back, key, principal, text, raw, block)
    yamlio.write_back(path, new_text)
    old_comment = rec.assessment.comment if rec.assessment else None
    replaced = old_comment if old_comment and old_comment != comment else None
    return AssessResult(path, rec.id, decision, fp, previous, replaced, signer=principal)


def _check_input(decision: str, assessor: str, date: dt.date, today: dt.date) -> None:
    """UserError for a decision other than accepted or referred, no assessor, a future date."""
    if decision not in ("accepted", "referred"):
        raise UserError(f'decision must be accepted or referred, not "{decision}"')
    if not assessor.strip():
        raise UserError("the assessor's name is empty")
    if date > today:
        raise UserError(f"assessment date {date.isoformat()} is in the future")


def _with_assessment(
    text: str, raw: Any, decision: str, assessor: str, date: dt.date, comment: str | None
) -> tuple[str, dict[str, Any], str, str] | None:
    """(the record's new text, its content as read back, the assessment block, the
    fingerprint); None when the block cannot be added leaving the rest as it was."""
    indent = indent_of(text)
    try:
        # the fingerprint covers the decision as `check` will read it back from the file:
        # write the block, read it back, fingerprint that, then write it with the value
        draft = _assessment_block(decision, assessor, date, comment, "pending", indent)
        draft_text = replace_top_level(text, raw, "assessment", draft)
        data = pf.as_written(fastyaml.data(draft_text, placed=True), draft_text)
        fp = pf.fingerprint(data, data.get("assessment"))
        block = _assessment_block(decision, assessor, date, comment, fp, indent)
        new_text = replace_top_level(text, raw, "assessment", block)
        back = pf.as_written(fastyaml.data(new_text, placed=True), new_text)
        ok = (
            pf.fingerprint(back, back.get("assessment")) == fp
            and back["assessment"]["decision"] == decision
            and back["assessment"]["fingerprint"] == fp
            and _content(back) == _content(pf.as_written(raw, text))
        )
    except (yamlio.YamlProblem, KeyError, TypeError):
        return None
    return (new_text, back, block, fp) if ok else None


def signer_for(
    portfolio: Portfolio, key: Path | None, signer: str | None, role: str, command: str
) -> str | None:
    """The principal a decision is signed as (None: unsigned), or UserError: a decision that
    must be signed has no key, or a key has no principal."""
    from evitrack import signing

    required = portfolio.settings.get("signatures") == "required" or bool(signing.named_list())
    if key is None:
        if required:
            raise UserError(
                "signatures are required for this portfolio's decisions: sign with "
                "--key FILE (your SSH private key, e.g. ~/.ssh/id_ed25519)",
                f"e.g. `{command} --key ~/.ssh/id_ed25519 --signer you@centre.example`; "
                "see docs/signing.md",
            )
        return None
    if not key.expanduser().is_file():
        raise UserError(f"--key {key}: no such file", "give your SSH private key file")
    principal = (signer or "").strip() or signing.principal_for(key.expanduser(), role)
    if not principal:
        raise UserError(
            "who is signing? give --signer PRINCIPAL (as in the centre's allowed_signers, "
            "e.g. jo.smith@centre.example)",
            "or set EVITRACK_SIGNER once in your shell profile",
        )
    if any(ch.isspace() or not ch.isprintable() for ch in principal):
        raise UserError(f'--signer "{principal}" must be one word without spaces, e.g. an email')
    return principal


def _signed(
    portfolio: Portfolio,
    rid: str,
    back: Any,
    key: Path,
    principal: str,
    text: str,
    raw: Any,
    block: str,
) -> str:
    """The record text with its new assessment block signed by `key` as `principal`."""
    from evitrack import signing

    a = back["assessment"]
    statement = signing.assessment_statement(
        portfolio.qualification.id, portfolio.registration, rid, a
    )
    signature = signing.sign(key.expanduser(), statement, signing.NAMESPACES["assessor"])
    pad = " " * indent_of(text)
    block += f"{pad}signer: {yaml_str(principal)}\n{pad}signature: {signature}\n"
    return replace_top_level(text, raw, "assessment", block)


def _content(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "assessment"}


def _assessment_block(
    decision: str, assessor: str, date: dt.date, comment: str | None, fp: str, indent: int
) -> str:
    pad = " " * indent
    lines = [
        "assessment:  # written by `evitrack assess`; the fingerprint covers the record and this decision",
        f"{pad}decision: {decision}",
        f"{pad}assessor: {yaml_str(assessor)}",
        f"{pad}date: {date.isoformat()}",
    ]
    if comment and comment.strip():
        c = comment.strip()
        lines.append(f"{pad}comment: " + (text_scalar(c, pad * 2) if "\n" in c else yaml_str(c)))
    lines.append(f"{pad}fingerprint: {fp}")
    return "\n".join(lines) + "\n"
