"""`qualification extend`: a centre's file that extends a shipped qualification.

The source documents evitrack ships from leave some units without criteria text
(`criteria_in_source: false`: the EDI support pack stops inside one unit). Such a
unit can be cited but never shown complete. The centre's file `extends` the
shipped one, so it keeps its groups, units and rules, and replaces each of those
units with a stub whose placeholders (`TODO`) the centre fills in from its copy of
the specification; `qualification check` warns (W508) at every placeholder left.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from evitrack.errors import UserError
from evitrack.model import Qualification, Unit

STUB_NOTE = (
    "Outcomes and criteria copied by the centre from its copy of the specification: the "
    "document evitrack ships from has no pages for this unit."
)


@dataclass(frozen=True)
class Extended:
    """What `write` wrote: the file and the units left for the centre to fill in."""

    path: Path
    id: str
    stubs: list[str]


def centre_id(q: Qualification) -> str:
    """The id a centre's file extending `q` takes by default (never the shipped id itself)."""
    return f"{q.id}-centre"


def stub_units(q: Qualification) -> list[Unit]:
    """The units whose criteria the source document does not give."""
    return [u for u in q.units.values() if not u.criteria_in_source]


def no_criteria_hint(q: Qualification, units: str) -> str:
    """How to get criteria for units (`units`: "CU815", "them") the source gives none for."""
    from evitrack.catalogue import is_shipped

    if is_shipped(q):
        return (
            f"the source document prints no criteria for {units}: a centre can give them in a "
            f"file of its own, `evitrack qualification extend {q.id} -o "
            f"qualifications/{q.id}.yaml`, and set the portfolio's `qualification:` to it"
        )
    where = q.path.name if q.path is not None else q.id
    return (
        f"give the outcomes and criteria of {units} in {where}, from your copy of the "
        "specification (`qualification extend` leaves a stub for each)"
    )


def _s(value: object) -> str:
    """A YAML scalar: a double-quoted string (JSON's escapes are YAML's), or null/number."""
    if value is None:
        return "null"
    if isinstance(value, bool | int):
        return json.dumps(value)
    return json.dumps(str(value))


def _comment(text: str) -> str:
    """Text for a YAML comment: one line, no control characters."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _unit(q: Qualification, u: Unit) -> list[str]:
    facts = ", ".join(
        part
        for part in (
            f"group {q.group_of(u.id)}" if q.group_of(u.id) else "",
            f"level {u.level}" if u.level is not None else "",
            f"{u.credit} credits" if u.credit is not None else "",
        )
        if part
    )
    alias = f" ({', '.join(u.aliases)})" if u.aliases else ""
    lines = [
        f"  # {_comment(u.id + alias + ' ' + u.title)}: {facts}",
        "  # TODO: replace the outcome and criterion below with the unit's own, word for word.",
        f"  - id: {_s(u.id)}",
    ]
    if u.aliases:
        lines.append(f"    aliases: [{', '.join(_s(a) for a in u.aliases)}]")
    lines += [
        f"    title: {_s(u.title)}",
        f"    level: {_s(u.level)}",
        f"    credit: {_s(u.credit)}",
        f"    glh: {_s(u.glh)}",
    ]
    if q.group_of(u.id):
        lines.append(f"    group: {_s(q.group_of(u.id))}")
    lines.append(f"    note: {_s(STUB_NOTE)}")
    evidence = _evidence(u)
    if evidence:
        lines += ["    evidence:", *evidence]
    lines += [
        "    outcomes:",
        '      - id: "1"',
        '        title: "TODO: the title of learning outcome 1"  # TODO',
        "        criteria:",
        '          - id: "1.1"',
        '            text: "TODO: the text of criterion 1.1"  # TODO',
    ]
    return lines


def _evidence(u: Unit) -> list[str]:
    """The lines under a unit stub's `evidence:`, as the shipped unit gives them."""
    ev = u.evidence
    evidence = [
        f"      {key}: [{', '.join(_s(m) for m in values)}]"
        for key, values in (
            ("required_methods", ev.required_methods),
            ("forbidden_methods", ev.forbidden_methods),
            ("supplied_by", ev.supplied_by),
        )
        if values
    ]
    if ev.candidate_report:
        evidence.append("      candidate_report: true")
    if ev.text:
        evidence.append(f"      text: {_s(ev.text)}")
    return evidence


def stub_text(q: Qualification, new_id: str) -> str:
    """The centre's file: `extends` the shipped `q`, with a stub for each unit to fill in."""
    stubs = stub_units(q)
    head = [
        f"# {_comment(q.title)}: the centre's qualification file.",
        f"# Written by `evitrack qualification extend {q.id}`. It extends the shipped",
        "# file (its groups, units and rules of combination stay as they are) and replaces",
        "# the units below, for which the document evitrack ships from prints no criteria.",
        "#",
        "# TODO, for each unit your learners take: copy its learning outcomes and assessment",
        "# criteria from your copy of the specification, word for word, in place of the TODO",
        "# placeholders (one `- id:` entry for each outcome and criterion it prints).",
        "# Remove the stubs of the units you do not need: those stay as shipped (they can be",
        "# cited, but never shown complete).",
        "# `evitrack qualification check` on this file warns (W508) at each placeholder left.",
        "format: 1",
        "kind: qualification",
        f"id: {_s(new_id)}",
        f"extends: {_s(q.id)}",
        f"title: {_s(q.title)}",
        f"awarding_body: {_s(q.awarding_body or None)}",
        f"number: {_s(q.number)}",
        f"level: {_s(q.level)}",
        f"framework: {_s(q.framework)}",
        "units:",
    ]
    body = [line for u in stubs for line in _unit(q, u)]
    return "\n".join(head + body) + "\n"


def write(q: Qualification, out: Path, area: Path, new_id: str, force: bool = False) -> Extended:
    """Write the centre's file for `q` at `out`, which must lie inside `area` (the portfolio,
    or the current folder), through no link; an existing file only with `force`.
    """
    from evitrack.atomic import atomic_create_text, atomic_write_text

    stubs = stub_units(q)
    if not stubs:
        raise UserError(
            f"every unit of {q.id} has its criteria in the source: there is nothing to fill in",
            f"see them with `evitrack qualification show {q.id}`",
        )
    area = Path(os.path.abspath(area))
    target = Path(os.path.abspath(out))
    if target == area or area not in target.parents:
        raise UserError(
            f"{out}: outside {'the portfolio' if _is_portfolio(area) else 'the current folder'}"
            f" {area}",
            "write the centre's file inside the portfolio (or the current folder), e.g. "
            "-o qualifications/centre.yaml",
        )
    if _is_portfolio(area) and (area / "evidence") in (target, *target.parents):
        raise UserError(
            f"{out}: under evidence/, where every file is read as an evidence record",
            "write it elsewhere in the portfolio, e.g. -o qualifications/centre.yaml",
        )
    folder = area
    for part in target.relative_to(area).parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            raise UserError(f"{folder}: a link: nothing is written through it", "choose another -o")
        if not folder.exists():
            folder.mkdir()
        elif not folder.is_dir():
            raise UserError(f"{folder}: not a folder", "choose another -o")
    if target.is_symlink():
        raise UserError(f"{out}: a link: not replaced", "choose another -o")
    text = stub_text(q, new_id)
    if target.exists():
        if not target.is_file():
            raise UserError(f"{out}: not a regular file: not replaced", "choose another -o")
        if not force:
            raise UserError(
                f"{out} exists: not replaced",
                "give --force to replace it (the units filled in there are lost), or another -o",
            )
        atomic_write_text(target, text)
    elif not atomic_create_text(target, text):
        raise UserError(f"{out} exists: not replaced", "give --force to replace it")
    return Extended(target, new_id, [u.id for u in stubs])


def _is_portfolio(folder: Path) -> bool:
    from evitrack.locate import PORTFOLIO_FILE

    return (folder / PORTFOLIO_FILE).is_file()
