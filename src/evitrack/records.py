"""Evidence records: creating them (ids, filenames, the commented template), hashing
their files, recording assessments and unit sign-offs.

Everything here returns data or raises `UserError`; nothing prints or exits.
Every write is atomic and keeps the rest of the file as the user wrote it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import locate, yamlio
from evitrack import portfolio as pf
from evitrack.diagnostics import Diagnostic, Severity, did_you_mean
from evitrack.errors import UserError
from evitrack.model import METHOD_ALIASES, METHODS, Portfolio, Qualification, canonical_method

SCHEMA_LINE = "# yaml-language-server: $schema=../.schemas/record.schema.json"
DEFAULT_PREFIX = "E"
FILES_DIR = "files"  # where attachments are kept
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
_COMMENT_WIDTH = 88


# ---- loading --------------------------------------------------------------------------


def load_portfolio(root: Path) -> tuple[Portfolio, list[Diagnostic]]:
    """The portfolio at root, or UserError when evitrack.yaml itself cannot be used."""
    result = pf.load(root)
    if result.portfolio is None:
        raise pf.unusable(root, result.diagnostics)
    return result.portfolio, result.diagnostics


def parse_date(text: str, what: str = "date") -> dt.date:
    """A YYYY-MM-DD date typed on the command line, or UserError."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f'{what} "{text}" is not a date in the form YYYY-MM-DD') from None


# ---- references: criteria, methods, files -------------------------------------------


def split_list(values: Iterable[str] | None) -> list[str]:
    """Repeatable options that may also hold comma-separated items."""
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def parse_refs(q: Qualification, chosen: list[str], refs: Iterable[str]) -> dict[str, list[str]]:
    """`UNIT/ID` references -> {unit id: [criterion ids]} in the qualification's order."""
    got: dict[str, list[str]] = {}
    for ref in refs:
        if "/" not in ref:
            raise UserError(
                f'"{ref}" is not a criterion reference',
                "write criteria as UNIT/ID, e.g. "
                + (f"{chosen[0]}/{_first_id(q, chosen[0])}" if chosen else "01/1.1"),
            )
        unit_ref, cid = (s.strip() for s in ref.rsplit("/", 1))  # aliases may hold "/"
        uid = q.resolve_unit(unit_ref)
        if uid is None:
            raise UserError(
                f'unknown unit "{unit_ref}" in {ref} ({q.id})',
                did_you_mean(unit_ref, q.unit_names())
                or f"see `evitrack qualification show {q.id}`",
            )
        if uid not in chosen:
            raise UserError(
                f"{ref}: unit {uid} ({q.units[uid].title}) is not among your chosen units",
                f"add {uid} to `units:` in {locate.PORTFOLIO_FILE} first",
            )
        unit = q.units[uid]
        if unit.criterion(cid) is None and RANGE_SEP in cid:  # 03/1.1-1.4, 811/1f-1n
            ids = got.setdefault(uid, [])
            for one in criteria_range([c.id for c in unit.criteria], cid, f"{uid}/"):
                if one not in ids:
                    ids.append(one)
            continue
        if unit.criteria_in_source and unit.criterion(cid) is None:
            valid = [c.id for c in unit.criteria]
            near = did_you_mean(cid, valid)
            hint = (
                near.replace('did you mean "', f"did you mean {uid}/").replace('"?', "?")
                if near
                else f"unit {uid} has: "
                + ", ".join(valid[:15])
                + (" ..." if len(valid) > 15 else "")
            )
            raise UserError(f'unit {uid} has no criterion "{cid}" ({ref})', hint)
        ids = got.setdefault(uid, [])
        if cid not in ids:
            ids.append(cid)
    order = list(q.units)
    out: dict[str, list[str]] = {}
    for uid in sorted(got, key=order.index):
        unit = q.units[uid]
        known = [c.id for c in unit.criteria]
        out[uid] = sorted(got[uid], key=lambda c: known.index(c) if c in known else len(known))
    return out


RANGE_SEP = "-"


def criteria_range(ids: list[str], text: str, prefix: str = "") -> list[str]:
    """The criteria from one id to another, both included, in the unit's own order.

    `ids` are the unit's criterion ids in order; `text` is "FIRST-LAST" (e.g. "1.1-1.4" or
    "1f-1n"); `prefix` ("03/") is how the unit is named in messages. UserError for a range
    whose ends are not criteria of the unit, or that runs backwards.
    """
    first, sep, last = (part.strip() for part in text.partition(RANGE_SEP))
    shown = f"{prefix}{text}"
    if not sep or not first or not last or RANGE_SEP in last:
        raise UserError(
            f'"{shown}" is not a range of criteria', f"write a range as {prefix}FIRST-LAST"
        )
    if not ids:
        raise UserError(
            f'"{shown}": the unit has no criteria text in the source, so a range cannot be '
            "expanded",
            "name each criterion",
        )
    for end in (first, last):
        if end not in ids:
            near = did_you_mean(end, ids)
            raise UserError(
                f'"{shown}": "{end}" is not a criterion of the unit',
                near.replace('did you mean "', f"did you mean {prefix}").replace('"?', "?")
                if near
                else "the unit has: " + ", ".join(ids[:15]) + (" ..." if len(ids) > 15 else ""),
            )
    a, b = ids.index(first), ids.index(last)
    if a > b:
        raise UserError(
            f'"{shown}" runs backwards: {first} comes after {last} in the unit',
            f"write it as {prefix}{last}{RANGE_SEP}{first}",
        )
    return ids[a : b + 1]


def _first_id(q: Qualification, uid: str) -> str:
    crit = q.units[uid].criteria
    return crit[0].id if crit else "1.1"


def parse_methods(names: Iterable[str]) -> list[str]:
    """Canonical method names for names or form codes, in the order given, or UserError."""
    out: list[str] = []
    for name in names:
        canon = canonical_method(name)
        if canon is None:
            near = did_you_mean(name, [*METHODS, *METHOD_ALIASES])
            if near:
                near = f'did you mean "{canonical_method(near.split(chr(34))[1])}"?'
            raise UserError(
                f'unknown assessment method "{name}"', near or "methods: " + ", ".join(METHODS)
            )
        if canon not in out:
            out.append(canon)
    return out


def attachment(root: Path, typed: str, cwd: Path | None = None) -> str:
    """The portfolio-relative path of a file to attach; it must already be inside the portfolio."""
    cwd = cwd or Path.cwd()
    given = Path(typed).expanduser()
    candidate = given if given.is_absolute() else cwd / given
    if not candidate.exists() and not given.is_absolute():
        for base in (root, root / FILES_DIR):  # relative to the portfolio, or to its files/
            if (base / given).exists() or (base / given).is_symlink():
                candidate = base / given
                break
    hint = (
        "copy it into the portfolio's files/ folder first and attach the copy: "
        "evitrack never reads or copies anything from outside the portfolio"
    )
    if not candidate.exists() and not candidate.is_symlink():
        raise UserError(f'"{typed}": no such file')
    if not pf.inside(root, candidate):
        raise UserError(f'"{typed}" is outside the portfolio', hint)
    if not candidate.is_file():
        raise UserError(f'"{typed}" is not a file')
    if candidate.stat().st_nlink > 1:
        raise UserError(
            f'"{typed}" is a hard link (one file with {candidate.stat().st_nlink} names): its '
            "other names may be outside the portfolio",
            f'give it a name of its own: `cp "{typed}" copy && mv copy "{typed}"`',
        )
    rel = candidate.resolve().relative_to(root.resolve())
    if (rel.parts and rel.parts[0] == locate.EVIDENCE_DIR) or rel.name == locate.PORTFOLIO_FILE:
        raise UserError(
            f'"{typed}" is part of the portfolio itself, not an evidence file',
            "keep attachments under files/",
        )
    return rel.as_posix()


# ---- writing YAML text ----------------------------------------------------------------


def yaml_str(value: str) -> str:
    """A one-line YAML scalar for `value`: plain when that reads back the same, else quoted."""
    if (
        value
        and "\n" not in value
        and value == value.strip()
        and not value.startswith(("#", "'", '"'))
    ):
        try:
            back = yamlio.parse(f"k: {value}\n")
        except yamlio.YamlProblem:
            back = None
        if (
            isinstance(back, dict)
            and isinstance(back.get("k"), str)
            and not isinstance(back.get("k"), yamlio.InvalidDate)
            and str(back["k"]) == value
        ):
            return value
    return dq(value)


def _printable(ch: str) -> bool:
    o = ord(ch)
    return (
        0x20 <= o <= 0x7E
        or (0xA0 <= o <= 0xD7FF and o not in (0x2028, 0x2029))  # line/paragraph separators
        or (0xE000 <= o <= 0xFFFD and o != 0xFEFF)
        or 0x10000 <= o <= 0x10FFFF
    )


def dq(value: str) -> str:
    """A YAML double-quoted scalar: every character that YAML cannot hold raw is escaped."""
    out = ['"']
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def clean_text(text: str) -> str:
    """A description as it is stored: tabs expanded, no trailing spaces, no blank edges."""
    lines = [line.rstrip() for line in text.expandtabs(4).replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def text_scalar(text: str, indent: str = "  ") -> str:
    """Text as a literal block `|` (reads back as clean_text + newline), or quoted if it must be."""
    body = clean_text(text)
    if not body:
        return '""'
    lines = body.split("\n")
    head = f"|{len(indent)}" if lines[0].startswith(" ") else "|"
    block = head + "\n" + "\n".join((indent + line) if line else "" for line in lines)
    try:
        back = yamlio.parse(f"k: {block}\n")
    except yamlio.YamlProblem:
        back = None
    if isinstance(back, dict) and back.get("k") == body + "\n":
        return block
    return dq(body)


def _comment(text: str) -> str:
    flat = yamlio.comment_text(text)
    return flat if len(flat) <= _COMMENT_WIDTH else flat[: _COMMENT_WIDTH - 1].rstrip() + "…"


def _wrap_comment(text: str) -> list[str]:
    import textwrap

    return ["# " + line for line in textwrap.wrap(text, _COMMENT_WIDTH)]


def slugify(title: str, limit: int = 50) -> str:
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_.lower())
    slug = ""
    for w in words:
        nxt = f"{slug}-{w}" if slug else w
        if len(nxt) > limit:
            break
        slug = nxt
    return slug or (words[0][:limit] if words else "record")


@dataclass
class NewRecord:
    """What the learner said about a new piece of evidence (already validated)."""

    title: str
    date: dt.date
    methods: list[str]
    criteria: dict[str, list[str]]
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, sha256)
    description: str = ""
    location: str | None = None


def render_record(rid: str, new: NewRecord, q: Qualification, schema_line: bool) -> str:
    """The commented, readable YAML text of a new record."""
    out: list[str] = []
    if schema_line:
        out.append(SCHEMA_LINE)
    out += [
        "# An evidence record: one piece of evidence and the criteria it covers.",
        "# Edit it freely; `evitrack check` says if anything is wrong.",
        f"id: {rid}",
        f"title: {yaml_str(new.title)}",
        "# When the evidence was produced (YYYY-MM-DD).",
        f"date: {new.date.isoformat()}",
        *_wrap_comment("How it was gathered: " + ", ".join(METHODS) + "."),
        f"methods: [{', '.join(new.methods)}]",
        "# What happened, in your own words: the situation, what you did and why, the result.",
    ]
    out.append(f"description: {text_scalar(new.description)}")
    out.append("# The criteria this evidence covers, unit by unit (ids are quoted text).")
    out.append("criteria:")
    for uid, ids in new.criteria.items():
        unit = q.units[uid]
        out.append(f"  {json.dumps(uid)}:  # {_comment(unit.title)}")
        for cid in ids:
            c = unit.criterion(cid)
            note = f"  # {_comment(c.text)}" if c is not None and c.text else ""
            out.append(f"    - {json.dumps(cid)}{note}")
    if new.files:
        out.append(
            "# Attached files, inside the portfolio; `evitrack hash` refreshes their sha256."
        )
        out.append("files:")
        for path, sha in new.files:
            out.append(f"  - path: {yaml_str(path)}")
            out.append(f"    sha256: {yaml_str(sha)}")
    else:
        out += [
            "# Attach files kept under files/ (evitrack records their sha256):",
            "# files:",
            "#   - path: files/example.pdf",
        ]
    if new.location:
        out.append("# Where evidence held elsewhere can be seen.")
        out.append(f"location: {yaml_str(new.location)}")
    return "\n".join(out) + "\n"


# ---- ids ------------------------------------------------------------------------------

_ID_LINE = re.compile(r"^id:\s*[\"']?([^\"'\s#]+)", re.MULTILINE)


def record_files(root: Path) -> list[Path]:
    evdir = root / locate.EVIDENCE_DIR
    if not evdir.is_dir():
        return []
    return sorted(
        p for p in evdir.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith(".")
    )


def _written_id(path: Path) -> str | None:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:20_000]
    except OSError:
        return None
    m = _ID_LINE.search(head)
    return m.group(1) if m else None


def existing_ids(root: Path) -> set[str]:
    """Record ids in use: from the files' names and the `id:` written inside them."""
    ids: set[str] = set()
    for p in record_files(root):
        m = re.match(r"^([A-Za-z0-9_.]+?\d+)(?=\D|$)", p.stem)
        if m:
            ids.add(m.group(1))
        written = _written_id(p)
        if written:
            ids.add(written)
    return ids


def next_number(ids: Iterable[str], prefix: str) -> tuple[int, int]:
    """(next free number, digits) for ids like E0007."""
    pat = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    nums = [m.group(1) for i in ids if (m := pat.match(i))]
    if not nums:
        return 1, 4
    top = max(int(n) for n in nums)
    return top + 1, max(4, *(len(n) for n in nums))


def _taken(evdir: Path, rid: str) -> bool:
    pat = re.compile(rf"^{re.escape(rid)}(?!\d)")
    return any(pat.match(p.name) and not p.name.startswith(".") for p in evdir.iterdir())


@contextmanager
def _reserved(evdir: Path, rid: str) -> Iterator[bool]:
    """Hold the id `rid` for the time it takes to write its record (False: a live process
    has it; a lock left by a process that is gone is cleaned up and taken)."""
    from evitrack.lock import claim

    lock = evdir / f".{rid}.lock"
    got = claim(lock, evdir.parent)
    try:
        yield got
    finally:
        if got:
            lock.unlink(missing_ok=True)


@dataclass
class Created:
    id: str
    path: Path


def create(root: Path, new: NewRecord, q: Qualification, prefix: str = DEFAULT_PREFIX) -> Created:
    """Write a new record under evidence/ with the next free id; never two with one id."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.\-]*", prefix):
        raise UserError(
            f'settings.record_prefix "{prefix}" is not allowed: it must start with an ASCII '
            'letter (A-Z, a-z) followed by ASCII letters, digits, "_", "." or "-"',
            'record ids become file names and are typed on the command line: e.g. "E" or "EV-"',
        )
    evdir = root / locate.EVIDENCE_DIR
    if evdir.is_symlink():
        raise UserError(
            f"{locate.EVIDENCE_DIR}/ is a link: evitrack does not write through links",
            f"replace the link with the folder itself (the records in {locate.EVIDENCE_DIR}/)",
        )
    evdir.mkdir(exist_ok=True)
    schema_line = (root / ".schemas").is_dir()
    number, width = next_number(existing_ids(root), prefix)
    slug = slugify(new.title)
    for _ in range(10_000):
        rid = f"{prefix}{number:0{width}d}"
        number += 1
        with _reserved(evdir, rid) as ok:
            if not ok or _taken(evdir, rid):
                continue
            text = render_record(rid, new, q, schema_line)
            _verify(text, rid, new)
            path = evdir / f"{rid}-{slug}.yaml"
            if yamlio.atomic_create_text(path, text):
                return Created(rid, path)
    raise UserError("no free record id found")  # pragma: no cover - 10,000 clashes


def _verify(text: str, rid: str, new: NewRecord) -> None:
    """The text about to be written reads back as what was asked for."""
    data = yamlio.parse(text)
    ok = (
        data["id"] == rid
        and data["title"] == new.title
        and data["date"] == new.date
        and str(data["description"]).rstrip("\n") == clean_text(new.description)
        and {k: list(v) for k, v in data["criteria"].items()} == new.criteria
        and list(data["methods"]) == new.methods
    )
    if not ok:
        raise AssertionError("the record template did not read back as written")  # pragma: no cover


# ---- finding records ------------------------------------------------------------------


def record_path(root: Path, ref: str, portfolio: Portfolio | None = None) -> Path:
    """The file of a record given by id (E0007) or by path."""
    as_path = Path(ref)
    if as_path.suffix in (".yaml", ".yml") or os.sep in ref or "/" in ref:
        target = as_path if as_path.is_absolute() or as_path.exists() else root / as_path
        if not target.is_file():
            raise UserError(f"{ref}: no such record file")
        if (
            not pf.inside(root, target)
            or target.resolve().parent != (root / locate.EVIDENCE_DIR).resolve()
        ):
            raise UserError(
                f"{ref} is not an evidence record of the portfolio at {locate.display_path(root)}",
                f"records live in {locate.EVIDENCE_DIR}/",
            )
        return target
    if portfolio is not None:
        for rec in portfolio.records:
            if rec.id == ref:
                return rec.path
    files = record_files(root)
    by_id = [p for p in files if _written_id(p) == ref]
    if len(by_id) == 1:
        return by_id[0]
    pat = re.compile(rf"^{re.escape(ref)}(?!\d)")
    named = [p for p in files if pat.match(p.name)]
    if len(named) == 1 and not by_id:
        return named[0]
    if len(by_id) > 1:
        raise UserError(
            f'record id "{ref}" is used by {len(by_id)} files',
            "run `evitrack check`: each record needs its own id",
        )
    ids = [r.id for r in portfolio.records] if portfolio is not None else sorted(existing_ids(root))
    raise UserError(
        f'no record "{ref}" in {locate.display_path(root)}',
        did_you_mean(ref, ids) or "give a record id (e.g. E0007) or the record's file",
    )


def _problems_of(
    path: Path, diagnostics: list[Diagnostic], codes: tuple[str, ...] = ()
) -> list[Diagnostic]:
    shown = locate.display_path(path)
    return [
        d
        for d in diagnostics
        if d.file == shown and (d.severity is Severity.ERROR or d.code in codes)
    ]


# ---- assess ---------------------------------------------------------------------------


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
    if decision not in ("accepted", "referred"):
        raise UserError(f'decision must be accepted or referred, not "{decision}"')
    if not assessor.strip():
        raise UserError("the assessor's name is empty")
    if date > today:
        raise UserError(f"assessment date {date.isoformat()} is in the future")
    portfolio, diags = load_portfolio(root)
    principal = _signer(portfolio, key, signer, "assessor", f"evitrack assess {ref}")
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
    indent = _indent_of(text)
    try:
        # the fingerprint covers the decision as `check` will read it back from the file:
        # write the block, read it back, fingerprint that, then write it with the value
        draft = _assessment_block(decision, assessor.strip(), date, comment, "pending", indent)
        draft_text = replace_top_level(text, raw, "assessment", draft)
        data = pf.as_written(yamlio.parse(draft_text), draft_text)
        fp = pf.fingerprint(data, data.get("assessment"))
        block = _assessment_block(decision, assessor.strip(), date, comment, fp, indent)
        new_text = replace_top_level(text, raw, "assessment", block)
        back = pf.as_written(yamlio.parse(new_text), new_text)
        ok = (
            pf.fingerprint(back, back.get("assessment")) == fp
            and back["assessment"]["decision"] == decision
            and back["assessment"]["fingerprint"] == fp
            and _content(back) == _content(pf.as_written(raw, text))
        )
    except (yamlio.YamlProblem, KeyError, TypeError):
        ok = False
    if ok and key is not None and principal is not None:
        new_text = _signed(portfolio, rec.id, back, key, principal, text, raw, block)
    if not ok:  # e.g. a `...` end marker: nothing is written rather than a broken file
        raise UserError(
            f"{shown}: the assessment cannot be added without rewriting other parts of this file",
            "write the record as one plain YAML document (no `---`/`...` markers), then retry",
        )
    yamlio.write_back(path, new_text)
    old_comment = rec.assessment.comment if rec.assessment else None
    replaced = old_comment if old_comment and old_comment != comment else None
    return AssessResult(path, rec.id, decision, fp, previous, replaced, signer=principal)


def _signer(
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
    pad = " " * _indent_of(text)
    block += f"{pad}signer: {yaml_str(principal)}\n{pad}signature: {signature}\n"
    return replace_top_level(text, raw, "assessment", block)


def _content(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "assessment"}


def _indent_of(text: str) -> int:
    return yamlio._guess_indent(text)[0]


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


def top_level_span(text: str, raw: Any, key: str) -> tuple[int, int] | None:
    """0-based [start, end) lines of a top-level key and its value, or None when absent.

    Comments and blank lines at column 0 just before the next key belong to that key.
    """
    if key not in raw:
        return None
    lines = text.splitlines(keepends=True)
    keys = list(raw.keys())
    start = raw.lc.key(key)[0]
    following = [raw.lc.key(k)[0] for k in keys[keys.index(key) + 1 :]]
    end = min(following) if following else len(lines)
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    written = lines[start].split(":", 1)[0].strip()
    if written.startswith("?"):  # an explicit key: `? assessment`
        written = written[1:].strip()
    if written.strip("'\"") != key:
        raise UserError(
            f"`{key}:` is not written on one line of its own at line {start + 1}, so it "
            "cannot be replaced without rewriting other parts of the file",
            f"write it as a plain `{key}:` at the start of a line, then retry",
        )
    return start, end


def replace_top_level(text: str, raw: Any, key: str, block: str) -> str:
    """Replace a top-level key's lines (or append them) without touching any other byte."""
    nl = "\r\n" if "\r\n" in text else "\n"
    block = block.replace("\r\n", "\n").replace("\n", nl)
    lines = text.splitlines(keepends=True)
    span = top_level_span(text, raw, key)
    if span is None:
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += nl
        return "".join(lines) + block
    start, end = span
    return "".join(lines[:start]) + block + "".join(lines[end:])


# ---- hash -----------------------------------------------------------------------------


@dataclass
class HashChange:
    record: str
    path: Path  # the record file
    file: str  # the attached file, portfolio-relative
    old: str | None
    new: str
    accepted_by: str | None = None  # the acceptance this change voids


@dataclass
class HashReport:
    changes: list[HashChange] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    records: int = 0


def hash_records(root: Path, refs: list[str]) -> HashReport:
    """Fill in / refresh the sha256 of the files attached to the given records (all when none)."""
    report = HashReport()
    if refs:
        paths = []
        for ref in refs:
            p = record_path(root, ref)
            if p not in paths:
                paths.append(p)
    else:
        paths = record_files(root)
    for path in paths:
        _hash_one(root, path, report)
    return report


def _hash_one(root: Path, path: Path, report: HashReport) -> None:
    shown = locate.display_path(path)
    try:
        text, raw = yamlio.load(path)
    except yamlio.YamlProblem as p:
        report.problems.append(f"{shown}:{p.line}:{p.col}: {p.message}")
        return
    if not isinstance(raw, dict):
        report.problems.append(f"{shown}: not an evidence record")
        return
    report.records += 1
    rid = str(raw.get("id") or path.stem)
    files = raw.get("files")
    if not isinstance(files, list):
        return
    updates: dict[int, str] = {}
    changes: list[HashChange] = []
    a = raw.get("assessment")
    accepted_by = (
        str(a.get("assessor") or "the assessor")
        if isinstance(a, dict) and a.get("decision") == "accepted"
        else None
    )
    for i, entry in enumerate(files):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            report.problems.append(f"{shown}: files[{i + 1}] has no path")
            continue
        if getattr(entry, "merge", None):  # `<<: *base`: the entry's lines are not its own
            report.problems.append(
                f"{shown}: files[{i + 1}] takes keys from a YAML merge key (<<), so its sha256 "
                "cannot be written in place; write the entry's path out in full, then hash again"
            )
            continue
        rel = entry["path"]
        target, why = locate.attachment(root, rel)
        if target is None:
            report.problems.append(f"{shown}: {rel} {why}; not hashed")
            continue
        if not target.exists():
            report.problems.append(f"{shown}: {rel} does not exist")
            continue
        if not target.is_file():
            report.problems.append(f"{shown}: {rel} is not a file (attach the files inside it)")
            continue
        new = pf.sha256_file(target)
        old = entry.get("sha256")
        if old == new:
            report.unchanged += 1
            continue
        updates[i] = new
        changes.append(HashChange(rid, path, rel, str(old) if old else None, new, accepted_by))
    if updates:
        yamlio.write_back(path, set_hashes(text, raw, updates))
        report.changes.extend(changes)


def set_hashes(text: str, raw: Any, updates: dict[int, str]) -> str:
    """The record text with `sha256:` of files[i] set; other bytes unchanged where possible."""
    edited = _edit_hashes(text, raw, updates)
    if edited is not None:
        back = yamlio.parse(edited)
        if all(back["files"][i].get("sha256") == h for i, h in updates.items()):
            return edited
    for i, h in updates.items():  # a shape the line editor does not handle: ruamel round-trip
        raw["files"][i]["sha256"] = h
    return yamlio.dump(raw, text)


_SHA_LINE = re.compile(r"^(sha256\s*:)[ \t]*(.*?)([ \t]+#.*)?(\r?\n)?$")


def _edit_hashes(text: str, raw: Any, updates: dict[int, str]) -> str | None:
    lines = text.splitlines(keepends=True)
    nl = "\r\n" if "\r\n" in text else "\n"
    files = raw["files"]
    edits: list[tuple[int, str, bool]] = []  # (line index, new text, insert after?)
    for i, h in updates.items():
        entry = files[i]
        if getattr(entry, "fa", None) is None or entry.fa.flow_style():
            return None
        if "sha256" in entry:
            line, col = entry.lc.key("sha256")
            m = _SHA_LINE.match(lines[line][col:])
            if m is None:
                return None
            new = (
                lines[line][:col]
                + f"sha256: {yaml_str(h)}"
                + (m.group(3) or "")
                + (m.group(4) or "")
            )
            edits.append((line, new, False))
        else:
            pline, pcol = entry.lc.key("path")
            vline = entry.lc.value("path")[0]
            value_text = lines[pline][pcol:]
            if vline != pline or re.match(r"path\s*:\s*[|>]", value_text):
                return None
            eol = lines[pline][len(lines[pline].rstrip("\r\n")) :] or nl
            if not lines[pline].endswith(("\n", "\r")):
                lines[pline] += nl
            edits.append((pline, " " * pcol + f"sha256: {yaml_str(h)}" + eol, True))
    for line, new, insert in sorted(edits, key=lambda e: e[0], reverse=True):
        if insert:
            lines.insert(line + 1, new)
        else:
            lines[line] = new
    return "".join(lines)


# ---- sign -----------------------------------------------------------------------------


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
    from evitrack.coverage import completed_on, unit_coverage

    portfolio, _ = load_portfolio(root)
    principal = (
        _signer(portfolio, key, signer, role, f"evitrack sign {unit_ref} --as {role}")
        if role != "learner" or key is not None
        else None
    )
    q = portfolio.qualification
    uid = q.resolve_unit(unit_ref)
    if uid is None or uid not in portfolio.units:
        why = (
            f'unknown unit "{unit_ref}" in {q.id}'
            if uid is None
            else (f"unit {uid} ({q.units[uid].title}) is not among the chosen units")
        )
        raise UserError(
            why,
            did_you_mean(
                unit_ref,
                [*portfolio.units, *(a for u in portfolio.units for a in q.units[u].aliases)],
            )
            or "chosen units: " + ", ".join(portfolio.units),
        )
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
        from evitrack.quality_decisions import holds

        hold = holds(portfolio).get(uid)
        if hold is not None:
            problems.append(f"unit {uid} is held back: {hold.reason}")
            hint = (
                f"the assessor re-assesses {', '.join(hold.records)} after "
                f"{hold.date.isoformat()} (`evitrack assess ID --accept|--refer --date "
                "YYYY-MM-DD`), then the unit is signed off again"
            )
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

    values: dict[str, Any] = {}
    if role == "learner":
        values = {"learner": initials, "learner_date": date}
    elif role == "assessor":  # a (new) summative assessment: its date is this one
        values = {"assessor": initials, "assessor_date": date, "assessed": assessed or date}
    else:
        values = {"iv": initials, "iv_date": date}
    if role != "assessor" and assessed is not None:
        values["assessed"] = assessed
    after = {**before, **values}
    done = completed_on(q.units[uid], portfolio.records)
    early = []
    if done is not None:
        day, rid = done
        for fld, when in after.items():
            if fld in values and isinstance(when, dt.date) and when < day:
                what = "--assessed" if fld == "assessed" and assessed is not None else "--date"
                early.append(
                    f"{what} {when.isoformat()} is before unit {uid} was complete: "
                    f"{rid} was accepted on {day.isoformat()}"
                )
    out_of_order = [why for _, why in pf.signoff_order(after)] + list(dict.fromkeys(early))
    if out_of_order:
        return SignResult(uid, role, {}, out_of_order)
    values["fingerprint"] = evidence
    after["fingerprint"] = evidence
    replaced = {k: before[k] for k in values if before.get(k) not in (None, values[k])}
    values.update(_signoff_signature(portfolio, uid, role, after, key, principal))
    _write_signoff(root, q, uid, values, drop=[k for k in voided if k not in values])
    shown = {
        k: v
        for k, v in values.items()
        if not k.endswith(("_signer", "_signature")) and k != "fingerprint"
    }
    return SignResult(
        uid, role, shown, replaced=replaced, voided=voided, signer=principal if key else None
    )


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


def _write_signoff(
    root: Path, q: Qualification, uid: str, values: dict[str, Any], drop: Iterable[str] = ()
) -> None:
    """Edit only the `signoffs:` block (round-trip, comments kept); every other byte stays."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    path = root / locate.PORTFOLIO_FILE
    text, raw = yamlio.load(path)
    span = top_level_span(text, raw, "signoffs")
    lines = text.splitlines(keepends=True)
    block_text = "".join(lines[span[0] : span[1]]) if span else "signoffs:\n"
    block = yamlio.parse(block_text)
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


# ---- completion -----------------------------------------------------------------------


def complete_refs(root: Path | None, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for `UNIT/ID` references (the last of a comma-separated list)."""
    try:
        start = root if root is not None else Path.cwd()
        found = locate.find_root(start)
        if found is None:
            return []
        _text, raw = yamlio.load(found / locate.PORTFOLIO_FILE)
        from evitrack import catalogue

        q = catalogue.load(str(raw["qualification"]), found)
        chosen = [u for u in (q.resolve_unit(str(x)) for x in raw.get("units") or []) if u]
        for uid in q.mandatory_units():
            if uid not in chosen:
                chosen.append(uid)
    except Exception:  # completion must never fail loudly
        return []
    head, _, last = incomplete.rpartition(",")
    prefix = head + "," if head else ""
    out: list[tuple[str, str]] = []
    for uid in chosen:
        unit = q.units.get(uid)
        if unit is None:
            continue
        for c in unit.criteria:
            ref = f"{uid}/{c.id}"
            if ref.startswith(last):
                out.append((prefix + ref, _comment(c.text)[:60]))
    return out
