"""`evitrack hash`: the sha256 of the files attached to records, written in place."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import fastyaml, locate, yamlio
from evitrack import portfolio as pf
from evitrack.ids import record_files, record_path
from evitrack.record_text import yaml_str


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
        where = f"{shown}: files[{i + 1}]"
        target = _hashable(root, entry, where, shown, report)
        if target is None:
            continue
        rel = entry["path"]
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


def _hashable(root: Path, entry: Any, where: str, shown: str, report: HashReport) -> Path | None:
    """The file a `files:` entry attaches, when it can be hashed and its sha256 written in
    place; else None, with the reason in `report.problems`."""
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        report.problems.append(f"{where} has no path")
        return None
    if getattr(entry, "merge", None):  # `<<: *base`: the entry's lines are not its own
        report.problems.append(
            f"{where} takes keys from a YAML merge key (<<), so its sha256 "
            "cannot be written in place; write the entry's path out in full, then hash again"
        )
        return None
    rel = entry["path"]
    target, why = locate.attachment(root, rel)
    if target is None:
        report.problems.append(f"{shown}: {rel} {why}; not hashed")
    elif not target.exists():
        report.problems.append(f"{shown}: {rel} does not exist")
    elif not target.is_file():
        report.problems.append(f"{shown}: {rel} is not a file (attach the files inside it)")
    else:
        return target
    return None


def set_hashes(text: str, raw: Any, updates: dict[int, str]) -> str:
    """The record text with `sha256:` of files[i] set; other bytes unchanged where possible."""
    edited = _edit_hashes(text, raw, updates)
    if edited is not None:
        back = fastyaml.data(edited)
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
