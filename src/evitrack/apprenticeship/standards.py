"""Apprenticeship standard files: the shipped ones, a centre's, and their unit mappings.

A standard holds its KSBs; which units of a qualification cover which KSB is either
held in the standard file (`units:`) or read from the qualification file's own
mapping (`mapping:`), so a grid printed in a specification lives in one place.
Shipped files are trusted and loaded with libyaml; a centre's file is checked first
and refused with its first problem, like a qualification file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from evitrack.errors import UserError

STANDARDS_DIR = Path(__file__).parent / "standards"


@dataclass
class Ksb:
    id: str
    kind: str  # knowledge | skill | behaviour
    title: str
    statements: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


@dataclass
class Standard:
    id: str
    title: str
    level: int | None
    version: str | None
    ksbs: list[Ksb]
    reference: str | None = None
    typical_duration_months: int | None = None
    otj_minimum_hours: int | None = None
    gateway: list[dict[str, Any]] = field(default_factory=list)
    mappings: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None

    def ksb(self, ref: str) -> Ksb | None:
        """The KSB with this id or alias."""
        for k in self.ksbs:
            if ref == k.id or ref in k.aliases:
                return k
        return None

    def ids(self) -> list[str]:
        return [k.id for k in self.ksbs]


@cache
def shipped_files() -> dict[str, Path]:
    """Shipped standard id -> path."""
    return {p.stem: p for p in sorted(STANDARDS_DIR.glob("*.yaml"))}


def shipped_standards() -> list[Standard]:
    return [load_file(p) for p in shipped_files().values()]


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def find(ref: str, base: Path | None = None) -> Path:
    """The standard file for a shipped id or a path relative to `base` (kept inside it)."""
    from evitrack.catalogue import file_inside, looks_like_path, suggest

    files = shipped_files()
    if ref in files:
        return files[ref]
    if base is not None and looks_like_path(ref):
        return file_inside(base, ref, "standard file")
    hint = suggest(ref, list(files)).replace("qualification list", "standard list")
    raise UserError(f'unknown apprenticeship standard "{ref}"', hint)


def load(ref: str, base: Path | None = None) -> Standard:
    return load_file(find(ref, base))


def _is_shipped(path: Path) -> bool:
    return path.parent == STANDARDS_DIR and shipped_files().get(path.stem) == path


def load_file(path: Path) -> Standard:
    """A standard file; a centre's is checked first and refused with its first problem."""
    if _is_shipped(path):
        return _load_shipped(path)
    from evitrack.apprenticeship.check import check_data

    path = Path(path).resolve()
    diags, data = check_data(path, _shown(path))
    errors = [d for d in diags if d.severity.value == "error"]
    if errors or data is None:
        first = errors[0].headline if errors else f"{_shown(path)}: not a standard file"
        more = f"{len(errors)} problems, the first" if len(errors) > 1 else "a problem"
        raise UserError(
            f"standard file {_shown(path)} has {more}: {first}",
            f"see them all with `evitrack standard check {_shown(path)}`",
        )
    return build(path, data)


@cache
def _load_shipped(path: Path) -> Standard:
    from evitrack.fastyaml import load_shipped

    return build(path, load_shipped(path))


def build(path: Path | None, data: dict[str, Any]) -> Standard:
    """A Standard from validated data."""
    ksbs = [
        Ksb(
            id=str(k["id"]),
            kind=str(k["kind"]),
            title=str(k["title"]),
            statements=[str(s) for s in k.get("statements") or []],
            aliases=[str(a) for a in k.get("aliases") or []],
        )
        for k in data.get("ksbs") or []
    ]
    version = data.get("version")
    return Standard(
        id=str(data["id"]),
        title=str(data["title"]),
        level=data.get("level"),
        version=None if version is None else str(version),
        ksbs=ksbs,
        reference=data.get("reference"),
        typical_duration_months=data.get("typical_duration_months"),
        otj_minimum_hours=data.get("otj_minimum_hours"),
        gateway=[dict(g) for g in data.get("gateway") or []],
        mappings=[dict(m) for m in data.get("mappings") or []],
        path=path,
    )


def _base(std: Standard) -> Path | None:
    return None if std.path is None or _is_shipped(std.path) else std.path.parent


def unit_mapping(std: Standard, entry: dict[str, Any]) -> tuple[str, dict[str, list[str]]]:
    """(qualification id, KSB id -> unit refs) of one `mappings` entry, every KSB present.

    A `mapping:` entry reads the qualification file's mapping of that id: each of its
    items is the KSB whose id or alias is the item's id, covered by its `covered_by`.
    """
    from evitrack import catalogue
    from evitrack.apprenticeship.check import qualification_mapping

    qual = catalogue.load(str(entry["qualification"]), _base(std))
    out: dict[str, list[str]] = {k.id: [] for k in std.ksbs}
    if entry.get("mapping"):
        found = qualification_mapping(qual.extra.get("mappings"), str(entry["mapping"]))
        if found is None:
            raise UserError(f'{qual.id} has no mapping "{entry["mapping"]}"')
        for item in found.get("items") or []:
            ksb = std.ksb(str(item.get("id")))
            if ksb is not None:
                out[ksb.id].extend(str(u) for u in item.get("covered_by") or [])
    for kid, refs in (entry.get("units") or {}).items():
        if kid in out:
            out[kid].extend(str(u) for u in refs or [])
    return qual.id, out


def mappings(std: Standard) -> dict[str, dict[str, list[str]]]:
    """Qualification id -> KSB id -> unit refs, over every `mappings` entry."""
    out: dict[str, dict[str, list[str]]] = {}
    for entry in std.mappings:
        qid, got = unit_mapping(std, entry)
        into = out.setdefault(qid, {k.id: [] for k in std.ksbs})
        for kid, refs in got.items():
            into[kid].extend(r for r in refs if r not in into[kid])
    return out


def to_json(std: Standard) -> dict[str, Any]:
    """The `standard show --format json` object (contract: see PRODUCT.md)."""
    return {
        "id": std.id,
        "title": std.title,
        "level": std.level,
        "version": std.version,
        "reference": std.reference,
        "typical_duration_months": std.typical_duration_months,
        "otj_minimum_hours": std.otj_minimum_hours,
        "ksbs": [
            {"id": k.id, "kind": k.kind, "title": k.title, "statements": k.statements}
            for k in std.ksbs
        ],
        "gateway": [{"id": str(g["id"]), "text": str(g["text"])} for g in std.gateway],
        "mappings": mappings(std),
    }
