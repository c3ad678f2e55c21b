"""Finding and loading a portfolio: evitrack.yaml plus evidence/*.yaml, fully checked.

`load(root)` returns the portfolio (as much of it as could be read) and every
problem found, each with file, line and column. Nothing here prints or exits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import catalogue, yamlio
from evitrack.diagnostics import Diagnostic, did_you_mean, make
from evitrack.errors import UserError
from evitrack.model import (
    Assessment,
    FileRef,
    Portfolio,
    Qualification,
    Record,
    SignOff,
    canonical_method,
)
from evitrack.schema import PORTFOLIO, RECORD, Validator

PORTFOLIO_FILE = "evitrack.yaml"
EVIDENCE_DIR = "evidence"


def find_root(start: Path) -> Path | None:
    """The folder holding evitrack.yaml at or above `start`, as git finds its repository."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / PORTFOLIO_FILE).is_file():
            return folder
    return None


def resolve_root(path: Path | None) -> Path:
    """The portfolio for a command's optional PORTFOLIO argument (or the current folder)."""
    start = path if path is not None else Path.cwd()
    if not start.exists():
        raise UserError(f"{start}: no such file or folder")
    root = find_root(start)
    if root is None:
        where = "here" if path is None else str(path)
        raise UserError(
            f"no portfolio found {'at or above ' + where if path is None else 'at ' + where}: "
            f"there is no {PORTFOLIO_FILE}",
            "run `evitrack init --qualification ID` to start one, or pass the portfolio folder",
        )
    return root


def find_portfolios(path: Path) -> list[Path]:
    """Portfolios for a path: the one containing it, or those in a folder of portfolios."""
    root = find_root(path)
    if root is not None:
        return [root]
    if path.is_dir():
        found = sorted(p.parent for p in path.glob(f"*/{PORTFOLIO_FILE}") if p.is_file()) or sorted(
            p.parent for p in path.glob(f"*/*/{PORTFOLIO_FILE}") if p.is_file()
        )
        return found
    return []


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def fingerprint(data: Any) -> str:
    """sha256 of a record's content, without its assessment (what the assessor judged)."""
    content = {k: v for k, v in dict(data).items() if k != "assessment"}
    canon = json.dumps(_plain(content), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)
    return value


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class LoadResult:
    root: Path
    portfolio: Portfolio | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    raw: Any = None  # evitrack.yaml as loaded (round-trip), for writers
    text: str = ""


def inside(root: Path, target: Path) -> bool:
    root = root.resolve()
    target = target.resolve()
    return target == root or root in target.parents


def load(root: Path, today: dt.date | None = None) -> LoadResult:
    """Load and check a whole portfolio."""
    today = today or dt.date.today()
    result = LoadResult(root=root, portfolio=None)
    diags = result.diagnostics
    pfile = root / PORTFOLIO_FILE
    shown = display_path(pfile)
    qual: Qualification | None = None
    header: dict[str, Any] | None = None
    try:
        text, raw = yamlio.load(pfile)
        result.raw, result.text = raw, text
    except yamlio.YamlProblem as p:
        diags.append(make(shown, (p.line, p.col), p.code, p.message, p.hint))
        raw = None
    if raw is not None:
        if not isinstance(raw, dict):
            diags.append(
                make(
                    shown,
                    (1, 1),
                    "E005",
                    f"{PORTFOLIO_FILE} is {'empty' if raw is None else 'not a mapping'}",
                    "see `evitrack schema portfolio` for what it holds",
                )
            )
        else:
            v = Validator(shown, text)
            header = v.mapping(raw, PORTFOLIO, (1, 1), "")
            diags.extend(v.diagnostics)
            if header and header.get("qualification"):
                try:
                    qual = catalogue.load(header["qualification"], root)
                except UserError as e:
                    diags.append(
                        make(
                            shown, yamlio.value_pos(raw, "qualification"), "E201", e.message, e.hint
                        )
                    )
    chosen: list[str] = []
    if qual is not None and header is not None:
        chosen = _chosen_units(qual, header, raw, shown, diags)

    records: list[Record] = []
    seen_ids: dict[str, str] = {}
    evdir = root / EVIDENCE_DIR
    paths = (
        sorted(
            p
            for p in evdir.iterdir()
            if p.suffix in (".yaml", ".yml") and not p.name.startswith(".")
        )
        if evdir.is_dir()
        else []
    )
    currency = (header or {}).get("settings") or {}
    for path in paths:
        rec = _load_record(path, root, qual, chosen, today, currency.get("currency_years"), diags)
        if rec is None:
            continue
        if rec.id in seen_ids:
            diags.append(
                make(
                    display_path(path),
                    rec.pos,
                    "E106",
                    f'record id "{rec.id}" is also used by {seen_ids[rec.id]}',
                    "give each record its own id (`evitrack add` picks the next free one)",
                )
            )
            continue
        seen_ids[rec.id] = display_path(path)
        records.append(rec)

    signoffs = _signoffs(header, raw, chosen, qual, shown, diags)
    if qual is not None and header is not None:
        learner = header.get("learner") or {}
        result.portfolio = Portfolio(
            root=root,
            qualification=qual,
            learner_name=str(learner.get("name") or ""),
            registration=str(learner.get("registration") or ""),
            units=chosen,
            records=records,
            signoffs=signoffs,
            settings=dict(header.get("settings") or {}),
            extra={k: header.get(k) for k in ("centre", "statement")},
        )
    diags.sort(key=lambda d: (d.file, d.line, d.col, d.code))
    return result


def _chosen_units(
    qual: Qualification, header: dict[str, Any], raw: Any, shown: str, diags: list[Diagnostic]
) -> list[str]:
    chosen: list[str] = []
    units_raw = raw.get("units") if isinstance(raw, dict) else None
    for i, ref in enumerate(header.get("units") or []):
        if ref is None:
            continue
        pos = yamlio.item_pos(units_raw, i) if isinstance(units_raw, list) else None
        uid = qual.resolve_unit(ref)
        if uid is None:
            diags.append(
                make(
                    shown,
                    pos,
                    "E202",
                    f'unknown unit "{ref}" in {qual.id}',
                    did_you_mean(ref, qual.unit_names())
                    or "see `evitrack qualification show " + qual.id + "`",
                )
            )
            continue
        if uid not in chosen:
            chosen.append(uid)
        unit = qual.units[uid]
        if not unit.criteria_in_source:
            diags.append(
                make(
                    shown,
                    pos,
                    "W206",
                    f"unit {uid} ({unit.title}) has no criteria text in the source "
                    "document: its evidence cannot be checked against criteria",
                )
            )
    for uid in qual.mandatory_units():
        if uid not in chosen and uid in qual.units:
            chosen.append(uid)
    order = list(qual.units)
    return sorted(chosen, key=order.index)


def _signoffs(
    header: dict[str, Any] | None,
    raw: Any,
    chosen: list[str],
    qual: Qualification | None,
    shown: str,
    diags: list[Diagnostic],
) -> dict[str, SignOff]:
    out: dict[str, SignOff] = {}
    if not header or not header.get("signoffs"):
        return out
    raw_s = raw.get("signoffs")
    for key, s in header["signoffs"].items():
        uid = qual.resolve_unit(key) if qual else key
        pos = yamlio.key_pos(raw_s, key) if isinstance(raw_s, dict) else None
        if qual is not None and (uid is None or uid not in chosen):
            diags.append(
                make(
                    shown,
                    pos,
                    "E405",
                    f'sign-off for unit "{key}", which is not chosen',
                    did_you_mean(key, chosen) or "add the unit to `units:` or remove this sign-off",
                )
            )
            continue
        s = s or {}
        out[uid or key] = SignOff(
            unit=uid or key,
            **{
                k: s.get(k)
                for k in (
                    "assessed",
                    "learner",
                    "learner_date",
                    "assessor",
                    "assessor_date",
                    "iv",
                    "iv_date",
                )
            },
        )
    return out


def _load_record(
    path: Path,
    root: Path,
    qual: Qualification | None,
    chosen: list[str],
    today: dt.date,
    currency_years: int | None,
    diags: list[Diagnostic],
) -> Record | None:
    shown = display_path(path)
    try:
        text, raw = yamlio.load(path)
    except yamlio.YamlProblem as p:
        diags.append(make(shown, (p.line, p.col), p.code, p.message, p.hint))
        return None
    if not isinstance(raw, dict):
        what = "empty" if raw is None else "not a mapping of keys to values"
        diags.append(
            make(
                shown,
                (1, 1),
                "E005",
                f"evidence record is {what}",
                "a record starts with `id:`, `title:`, `date:` ... (see `evitrack schema record`)",
            )
        )
        return None
    v = Validator(shown, text)
    data = v.mapping(raw, RECORD, (1, 1), "")
    if not data or not data.get("id"):
        diags.extend(v.diagnostics)
        return None

    methods: list[str] = []
    for i, m in enumerate(data.get("methods") or []):
        if m is None:
            continue
        canon = canonical_method(m)
        if canon is None:
            pos = (
                yamlio.item_pos(raw.get("methods"), i)
                if isinstance(raw.get("methods"), list)
                else None
            )
            from evitrack.model import METHOD_ALIASES, METHODS

            near = did_you_mean(m, [*METHODS, *METHOD_ALIASES])
            if near:
                word = near.split('"')[1]
                near = f'did you mean "{canonical_method(word)}"?'
            v.add(
                pos,
                "E207",
                f'unknown assessment method "{m}"',
                near or "methods: " + ", ".join(METHODS),
            )
        elif canon not in methods:
            methods.append(canon)

    criteria: dict[str, list[str]] = {}
    raw_c = raw.get("criteria")
    for key, ids in (data.get("criteria") or {}).items():
        kpos = yamlio.key_pos(raw_c, _orig_key(raw_c, key)) if isinstance(raw_c, dict) else None
        if qual is None:
            continue
        uid = qual.resolve_unit(key)
        if uid is None:
            v.add(
                kpos,
                "E202",
                f'unknown unit "{key}" in {qual.id}',
                did_you_mean(key, qual.unit_names())
                or f"see `evitrack qualification show {qual.id}`",
            )
            continue
        if uid not in chosen:
            v.add(
                kpos,
                "E204",
                f"evidence cites unit {uid}, which is not among the chosen units",
                f"add {uid} to `units:` in {PORTFOLIO_FILE}, or remove it from this record",
            )
        unit = qual.units[uid]
        valid = [c.id for c in unit.criteria]
        items = raw_c.get(_orig_key(raw_c, key)) if isinstance(raw_c, dict) else None
        got: list[str] = criteria.setdefault(uid, [])
        for i, cid in enumerate(ids or []):
            if cid is None:
                continue
            ipos = yamlio.item_pos(items, i) if isinstance(items, list) else kpos
            if cid not in valid:
                if not unit.criteria_in_source:
                    v.add(
                        ipos,
                        "W206",
                        f'unit {uid} has no criteria text in the source: "{cid}" cannot be checked',
                    )
                    got.append(cid)
                    continue
                hint = _criterion_hint(cid, uid, valid, qual, chosen)
                v.add(ipos, "E203", f'unit {uid} has no criterion "{cid}"', hint)
                continue
            if cid not in got:
                got.append(cid)

    files: list[FileRef] = []
    raw_f = raw.get("files")
    for i, f in enumerate(data.get("files") or []):
        if not f or not f.get("path"):
            continue
        fpos = yamlio.item_pos(raw_f, i) if isinstance(raw_f, list) else None
        ref = FileRef(path=f["path"], sha256=f.get("sha256"))
        files.append(ref)
        _check_file(ref, root, fpos, v)

    date = data.get("date")
    if isinstance(date, dt.date):
        dpos = yamlio.value_pos(raw, "date")
        if date > today:
            v.add(
                dpos,
                "W402",
                f"evidence is dated {date.isoformat()}, in the future",
                "check the date: evidence must exist before it is assessed",
            )
        elif currency_years and date < today.replace(year=today.year - currency_years):
            v.add(
                dpos,
                "W403",
                f"evidence is dated {date.isoformat()}, more than "
                f"{currency_years} years ago (settings.currency_years)",
                "check that it still shows current competence",
            )

    assessment = None
    a = data.get("assessment")
    fp = fingerprint(raw)
    if a and a.get("decision"):
        assessment = Assessment(
            decision=a["decision"],
            assessor=a.get("assessor") or "",
            date=a.get("date"),
            comment=a.get("comment"),
            fingerprint=a.get("fingerprint"),
        )
        if assessment.fingerprint and assessment.fingerprint != fp:
            v.add(
                yamlio.key_pos(raw, "assessment"),
                "W401",
                f"record changed after it was {assessment.decision} by {assessment.assessor}"
                + (
                    f" on {assessment.date.isoformat()}"
                    if isinstance(assessment.date, dt.date)
                    else ""
                ),
                f"ask the assessor to look again: `evitrack assess {data['id']} --accept`",
            )

    diags.extend(v.diagnostics)
    rec = Record(
        id=data["id"],
        title=data.get("title") or "",
        date=date if isinstance(date, dt.date) else None,
        methods=methods,
        description=data.get("description") or "",
        criteria={k: c for k, c in criteria.items() if c},
        files=files,
        location=data.get("location"),
        assessment=assessment,
        path=path,
        fingerprint=fp,
        pos=yamlio.value_pos(raw, "id"),
    )
    return rec


def _orig_key(mapping: Any, key: str) -> Any:
    """The key object as loaded (a number stays a number) for a recovered text key."""
    if key in mapping:
        return key
    for k in mapping:
        if str(k) == key or (not isinstance(k, str) and yamlio_raw_equal(k, key)):
            return k
    return key


def yamlio_raw_equal(k: Any, text: str) -> bool:
    try:
        return bool(float(text) == k)
    except ValueError:
        return False


def _criterion_hint(
    cid: str, uid: str, valid: list[str], qual: Qualification, chosen: list[str]
) -> str:
    near = did_you_mean(cid, valid)
    if near:
        return near.replace('did you mean "', f"did you mean {uid}/").replace('"?', "?")
    others = [f"{u}/{cid}" for u in chosen if u != uid and qual.units[u].criterion(cid)]
    if others:
        return f"did you mean {others[0]}?"
    return f"unit {uid} has: " + ", ".join(valid[:12]) + (" ..." if len(valid) > 12 else "")


def _check_file(ref: FileRef, root: Path, pos: tuple[int, int] | None, v: Validator) -> None:
    p = ref.path
    if os.path.isabs(p) or p.startswith("~"):
        v.add(
            pos,
            "E302",
            f'attached file "{p}" is an absolute path',
            "copy the file into the portfolio's files/ folder and give its relative path",
        )
        return
    if ".." in Path(p).parts:
        v.add(
            pos,
            "E302",
            f'attached file "{p}" points outside the portfolio (..)',
            "copy the file into the portfolio's files/ folder and give its relative path",
        )
        return
    target = root / p
    if target.is_symlink() or any(q.is_symlink() for q in target.parents if inside(root, q)):
        if not inside(root, target):
            v.add(
                pos,
                "E302",
                f'attached file "{p}" is a link that leads outside the portfolio',
                "replace the link with a copy of the file",
            )
            return
    if not target.exists():
        v.add(
            pos,
            "E301",
            f'attached file "{p}" does not exist',
            "check the path (relative to the portfolio folder) or add the file",
        )
        return
    if not target.is_file():
        v.add(pos, "E305", f'attached path "{p}" is not a file')
        return
    if not ref.sha256:
        v.add(
            pos,
            "W304",
            f'attached file "{p}" has no sha256 yet',
            "run `evitrack add --hash` or `evitrack hash` to record it",
        )
        return
    try:
        actual = sha256_file(target)
    except OSError as exc:
        v.add(pos, "E305", f'attached file "{p}" cannot be read: {exc.strerror or exc}')
        return
    if actual != ref.sha256:
        v.add(
            pos,
            "E303",
            f'attached file "{p}" has changed since it was recorded (sha256 mismatch)',
            "if the change is intended, re-hash it with `evitrack hash`; otherwise restore the original",
        )
