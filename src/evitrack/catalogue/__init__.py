"""Qualification files: the shipped catalogue, loading, includes and checking.

Shipped files are trusted and loaded with libyaml (fast); a centre's file is
validated with positions by `check_file` first.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from evitrack.errors import UserError
from evitrack.model import Criterion, EvidenceRequirements, Group, Outcome, Qualification, Unit

CATALOGUE_DIR = Path(__file__).parent


def _fast_load(path: Path) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as fh:
        return yaml.load(fh, Loader=loader)


@cache
def shipped_files() -> dict[str, Path]:
    """Shipped file id -> path (qualifications and unit libraries)."""
    return {p.stem: p for p in sorted(CATALOGUE_DIR.glob("*.yaml"))}


def shipped_qualifications() -> list[Qualification]:
    quals = [load_file(p) for p in shipped_files().values()]
    return [q for q in quals if q.kind == "qualification"]


def find(ref: str, base: Path | None = None) -> Path:
    """The qualification file for a shipped id or a path relative to `base`."""
    files = shipped_files()
    if ref in files:
        return files[ref]
    if base is not None and (ref.endswith((".yaml", ".yml")) or "/" in ref):
        candidate = (base / ref).resolve()
        root = base.resolve()
        if root != candidate and root not in candidate.parents:
            raise UserError(
                f'qualification file "{ref}" is outside the portfolio folder',
                "copy the qualification file into the portfolio and refer to it by a relative path",
            )
        if candidate.is_file():
            return candidate
        raise UserError(f'qualification file "{ref}" not found')
    from evitrack.diagnostics import did_you_mean

    ids = [p.stem for p in files.values() if _kind(p) == "qualification"]
    raise UserError(
        f'unknown qualification "{ref}"',
        did_you_mean(ref, ids) or "see `evitrack qualification list`",
    )


def _kind(path: Path) -> str:
    return str((_fast_load(path) or {}).get("kind") or "qualification")


def load(ref: str, base: Path | None = None) -> Qualification:
    return load_file(find(ref, base))


@lru_cache(maxsize=64)
def load_file(path: Path) -> Qualification:
    return _build(path, _fast_load(path), ())


def _build(path: Path, data: Any, seen: tuple[Path, ...]) -> Qualification:
    if not isinstance(data, dict):
        raise UserError(f"{path}: not a qualification file (expected a mapping)")
    units: dict[str, Unit] = {}
    for inc in data.get("include") or []:
        target = _include_path(path, str(inc["from"]))
        if target in seen or target == path:
            raise UserError(f"{path}: include cycle through {target.name}")
        lib = _build(target, _fast_load(target), (*seen, path))
        wanted = [str(u) for u in inc.get("units") or list(lib.units)]
        for uid in wanted:
            if uid not in lib.units:
                raise UserError(f'{path}: include from {inc["from"]}: no unit "{uid}"')
            units[uid] = lib.units[uid]
    for u in data.get("units") or []:
        unit = build_unit(u)
        units[unit.id] = unit
    groups = [
        Group(
            id=str(g["id"]),
            title=str(g.get("title") or ""),
            units=[str(x) for x in g.get("units") or []],
            extra={k: v for k, v in g.items() if k not in ("id", "title", "units")},
        )
        for g in data.get("groups") or []
    ]
    rules = [dict(r) for r in data.get("rules") or []]
    for r in rules:
        for key in ("units", "groups"):
            if key in r and r[key] is not None:
                r[key] = [str(x) for x in r[key]]
    known = {
        "id",
        "title",
        "awarding_body",
        "number",
        "level",
        "framework",
        "groups",
        "units",
        "rules",
        "kind",
        "include",
    }
    return Qualification(
        id=str(data["id"]),
        title=str(data["title"]),
        awarding_body=str(data.get("awarding_body") or ""),
        number=None if data.get("number") is None else str(data["number"]),
        level=data.get("level"),
        framework=data.get("framework"),
        groups=groups,
        units=units,
        rules=rules,
        path=path,
        kind=str(data.get("kind") or "qualification"),
        extra={k: v for k, v in data.items() if k not in known},
    )


def _include_path(path: Path, ref: str) -> Path:
    files = shipped_files()
    if ref in files:
        return files[ref]
    target = (path.parent / ref).resolve()
    if not target.is_file():
        raise UserError(f'{path}: include "{ref}" not found')
    return target


def _criterion(c: dict[str, Any], outcome: str | None, kind: str) -> Criterion:
    return Criterion(
        id=str(c["id"]),
        text=str(c.get("text") or ""),
        outcome=outcome,
        kind=kind,
        extra={k: v for k, v in c.items() if k not in ("id", "text")},
    )


def build_unit(u: dict[str, Any]) -> Unit:
    outcomes = []
    for o in u.get("outcomes") or []:
        oid = str(o["id"])
        outcomes.append(
            Outcome(
                id=oid,
                title=str(o.get("title") or ""),
                criteria=[_criterion(c, oid, "criterion") for c in o.get("criteria") or []],
                extra={k: v for k, v in o.items() if k not in ("id", "title", "criteria")},
            )
        )
    ev = u.get("evidence") or {}
    known = {
        "id",
        "aliases",
        "title",
        "level",
        "credit",
        "glh",
        "outcomes",
        "knowledge",
        "evidence",
        "criteria_in_source",
    }
    return Unit(
        id=str(u["id"]),
        title=str(u.get("title") or ""),
        aliases=[str(a) for a in u.get("aliases") or []],
        level=u.get("level"),
        credit=u.get("credit"),
        glh=u.get("glh"),
        outcomes=outcomes,
        knowledge=[_criterion(k, None, "knowledge") for k in u.get("knowledge") or []],
        evidence=EvidenceRequirements(
            required_methods=[str(m) for m in ev.get("required_methods") or []],
            forbidden_methods=[str(m) for m in ev.get("forbidden_methods") or []],
            candidate_report=bool(ev.get("candidate_report")),
            supplied_by=[str(m) for m in ev.get("supplied_by") or []],
            text=ev.get("text"),
        ),
        criteria_in_source=u.get("criteria_in_source", True) is not False,
        extra={k: v for k, v in u.items() if k not in known},
    )


def to_json(q: Qualification) -> dict[str, Any]:
    """The `qualification show --format json` object (contract: see PRODUCT.md)."""

    def crit(c: Criterion) -> dict[str, Any]:
        return {"id": c.id, "text": c.text, **_plain(c.extra)}

    def unit(u: Unit) -> dict[str, Any]:
        ev = u.evidence
        evidence = {
            "required_methods": ev.required_methods,
            "forbidden_methods": ev.forbidden_methods,
            "candidate_report": ev.candidate_report,
            "supplied_by": ev.supplied_by,
            "text": ev.text,
        }
        return {
            "id": u.id,
            "aliases": u.aliases,
            "title": u.title,
            "level": u.level,
            "credit": u.credit,
            "glh": u.glh,
            "group": q.group_of(u.id),
            "criteria_in_source": u.criteria_in_source,
            "outcomes": [
                {
                    "id": o.id,
                    "title": o.title,
                    "criteria": [crit(c) for c in o.criteria],
                    **_plain(o.extra),
                }
                for o in u.outcomes
            ],
            "knowledge": [crit(k) for k in u.knowledge],
            "evidence": evidence,
            **_plain(u.extra),
        }

    return {
        "id": q.id,
        "title": q.title,
        "awarding_body": q.awarding_body,
        "number": q.number,
        "level": q.level,
        "framework": q.framework,
        "kind": q.kind,
        "groups": [
            {"id": g.id, "title": g.title, "units": g.units, **_plain(g.extra)} for g in q.groups
        ],
        "units": [unit(u) for u in q.units.values()],
        "rules": [_plain(r) for r in q.rules],
        **_plain(q.extra),
    }


def _plain(value: Any) -> Any:
    """JSON-safe copy (dates as ISO text)."""
    import datetime as dt

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
