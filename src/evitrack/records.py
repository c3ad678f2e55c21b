"""A new evidence record: what the learner said, its commented text, and writing it
under the next free id; and the usable portfolio the record-writing commands work on.

Everything here returns data or raises `UserError`; nothing prints or exits.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from evitrack import fastyaml, locate, yamlio
from evitrack import portfolio as pf
from evitrack.diagnostics import Diagnostic
from evitrack.errors import UserError
from evitrack.ids import existing_ids, next_number, reserved, taken
from evitrack.model import METHODS, Portfolio, Qualification
from evitrack.record_text import (
    clean_text,
    short_comment,
    slugify,
    text_scalar,
    wrap_comment,
    yaml_str,
)

SCHEMA_LINE = "# yaml-language-server: $schema=../.schemas/record.schema.json"
DEFAULT_PREFIX = "E"


def load_portfolio(root: Path) -> tuple[Portfolio, list[Diagnostic]]:
    """The portfolio at root, or UserError when evitrack.yaml itself cannot be used."""
    result = pf.load(root)
    if result.portfolio is None:
        raise pf.unusable(root, result.diagnostics)
    return result.portfolio, result.diagnostics


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
    ksbs: list[tuple[str, str]] = field(default_factory=list)  # (KSB id, title) it shows


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
        *wrap_comment("How it was gathered: " + ", ".join(METHODS) + "."),
        f"methods: [{', '.join(new.methods)}]",
        "# What happened, in your own words: the situation, what you did and why, the result.",
    ]
    out.append(f"description: {text_scalar(new.description)}")
    out.append("# The criteria this evidence covers, unit by unit (ids are quoted text).")
    out.append("criteria:")
    for uid, ids in new.criteria.items():
        unit = q.units[uid]
        out.append(f"  {json.dumps(uid)}:  # {short_comment(unit.title)}")
        for cid in ids:
            c = unit.criterion(cid)
            note = f"  # {short_comment(c.text)}" if c is not None and c.text else ""
            out.append(f"    - {json.dumps(cid)}{note}")
    if new.ksbs:
        out.append("# The apprenticeship standard's KSBs this evidence shows.")
        out.append("ksbs:")
        out += [f"  - {json.dumps(kid)}  # {short_comment(title)}" for kid, title in new.ksbs]
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
        with reserved(evdir, rid) as ok:
            if not ok or taken(evdir, rid):
                continue
            text = render_record(rid, new, q, schema_line)
            _verify(text, rid, new)
            path = evdir / f"{rid}-{slug}.yaml"
            if yamlio.atomic_create_text(path, text):
                return Created(rid, path)
    raise UserError("no free record id found")  # pragma: no cover - 10,000 clashes


def add(root: Path, p: Portfolio, new: NewRecord) -> Created:
    """Write `new` into the portfolio at root under its next free id (the portfolio's
    `settings.record_prefix`, else "E")."""
    prefix = str(p.settings.get("record_prefix") or DEFAULT_PREFIX)
    return create(root, new, p.qualification, prefix)


def hashed(root: Path, paths: list[str]) -> list[tuple[str, str]]:
    """(path, sha256) of each file to attach, each once, in the order given."""
    return [(f, pf.sha256_file(root / f)) for f in dict.fromkeys(paths)]


@dataclass(frozen=True)
class NotAllowed:
    """A method a record uses that the evidence requirements of a unit it cites bar."""

    unit: str
    criterion: str | None  # None: barred for the whole unit
    method: str


def not_allowed(q: Qualification, new: NewRecord) -> list[NotAllowed]:
    """Every method of `new` that a unit it cites, or a cited criterion, does not allow
    (while the record cites it that way, the unit cannot be completed)."""
    return [
        NotAllowed(uid, cid, m)
        for uid, ids in new.criteria.items()
        for m, cid in q.units[uid].forbidden_uses(new.methods, ids)
    ]


def _verify(text: str, rid: str, new: NewRecord) -> None:
    """The text about to be written reads back as what was asked for."""
    data = fastyaml.data(text)
    ok = (
        data["id"] == rid
        and data["title"] == new.title
        and data["date"] == new.date
        and str(data["description"]).rstrip("\n") == clean_text(new.description)
        and {k: list(v) for k, v in data["criteria"].items()} == new.criteria
        and list(data["methods"]) == new.methods
        and list(data.get("ksbs") or []) == [kid for kid, _ in new.ksbs]
    )
    if not ok:
        raise AssertionError("the record template did not read back as written")  # pragma: no cover
