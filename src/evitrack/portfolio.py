"""Finding and loading a portfolio: evitrack.yaml plus evidence/*.yaml, fully checked.

`load(root)` returns the portfolio (as much of it as could be read) and every
problem found, each with file, line and column. Nothing here prints or exits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evitrack import catalogue, fastyaml, yamlio
from evitrack.cache import Cache, stat_key
from evitrack.cache import sha256_file as sha256_file
from evitrack.diagnostics import Diagnostic, Severity, did_you_mean, make
from evitrack.errors import UserError
from evitrack.locate import EVIDENCE_DIR as EVIDENCE_DIR
from evitrack.locate import PORTFOLIO_FILE as PORTFOLIO_FILE
from evitrack.locate import attachment
from evitrack.locate import display_path as display_path
from evitrack.locate import find_portfolios as find_portfolios
from evitrack.locate import find_root as find_root
from evitrack.locate import resolve_root as resolve_root
from evitrack.model import (
    Assessment,
    FileRef,
    Portfolio,
    Qualification,
    Record,
    SignOff,
    canonical_method,
    plain,
)
from evitrack.schema import PORTFOLIO, RECORD, Validator, stale_record_schema


def fingerprint(data: Any) -> str:
    """sha256 of a record's content, without its assessment (what the assessor judged)."""
    content = {k: v for k, v in dict(data).items() if k != "assessment"}
    canon = json.dumps(plain(content), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


@dataclass
class LoadResult:
    root: Path
    portfolio: Portfolio | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    raw: Any = None  # evitrack.yaml as loaded (round-trip), for writers
    text: str = ""


def inside(root: Path, target: Path) -> bool:
    """Whether `target`, links followed, is within `root` (a link loop is not)."""
    try:
        root = root.resolve()
        target = target.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return False
    return target == root or root in target.parents


def load(
    root: Path,
    today: dt.date | None = None,
    use_cache: bool = True,
    fast: bool = True,
    jobs: int | None = None,
) -> LoadResult:
    """Load and check a whole portfolio.

    `jobs` caps the processes that parse records (default: $EVITRACK_JOBS, else
    every core); only a portfolio with hundreds of records not in the cache is split.
    """
    today = today or dt.date.today()
    result = LoadResult(root=root, portfolio=None)
    diags = result.diagnostics
    pfile = root / PORTFOLIO_FILE
    shown = display_path(pfile)
    qual: Qualification | None = None
    header: dict[str, Any] | None = None
    loaded = False
    try:
        text, raw = yamlio.load(pfile)
        result.raw, result.text = raw, text
        loaded = True
    except yamlio.YamlProblem as p:
        diags.append(make(shown, (p.line, p.col), p.code, p.message, p.hint))
        raw = None
    if loaded:
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
                    if qual.kind != "qualification":
                        qual = None
                        raise UserError(
                            f'"{header["qualification"]}" is a unit library, not a qualification',
                            "see `evitrack qualification list` for the qualifications",
                        )
                except UserError as e:
                    diags.append(
                        make(
                            shown, yamlio.value_pos(raw, "qualification"), "E201", e.message, e.hint
                        )
                    )
    if qual is not None and not catalogue.is_shipped(qual):
        diags.extend(_unsatisfiable(qual))
    chosen: list[str] = []
    if qual is not None and header is not None:
        chosen = _chosen_units(qual, header, raw, shown, diags)
        if not any(d.severity is Severity.ERROR for d in diags):  # units known for sure
            diags.extend(stale_record_schema(root, qual, chosen))

    records: list[Record] = []
    seen_ids: dict[str, str] = {}
    paths = _evidence_files(root, diags)
    settings = (header or {}).get("settings") or {}
    cache = Cache(root, enabled=use_cache)
    ctx = _Context(root, qual, chosen, today, settings.get("currency_years"), cache, fast)
    for path, rec in zip(paths, _load_records(paths, ctx, diags, jobs), strict=True):
        if rec is None:
            continue
        if rec.id in seen_ids:
            diags.append(
                make(
                    ctx.shown(path),
                    rec.pos or _id_pos(path),
                    "E106",
                    f'record id "{rec.id}" is also used by {seen_ids[rec.id]}',
                    "give each record its own id (`evitrack add` picks the next free one)",
                )
            )
            continue
        seen_ids[rec.id] = ctx.shown(path)
        records.append(rec)

    cache.save(keep={f"{EVIDENCE_DIR}/{p.name}" for p in paths})
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
            extra={k: header.get(k) for k in ("centre", "statement", "iqa")},
        )
    diags.sort(key=lambda d: (d.file, d.line, d.col, d.code))
    return result


def unusable(root: Path, diagnostics: list[Diagnostic]) -> UserError:
    """The one message for a portfolio whose evitrack.yaml cannot be used, naming the first
    problem: every command that needs the portfolio refuses it in the same words (exit 2)."""
    from evitrack.diagnostics import error_lines

    problem = next(iter(error_lines(diagnostics)), f"{display_path(root)}: cannot be read")
    return UserError(
        f"the portfolio at {display_path(root)} cannot be used: {problem}",
        "run `evitrack check` to see every problem and how to fix it",
    )


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


SIGNOFF_FIELDS = (
    "assessed",
    "learner",
    "learner_date",
    "assessor",
    "assessor_date",
    "iv",
    "iv_date",
)


def signoff_order(s: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, what is wrong) for each date of a sign-off that is out of order: the form is
    signed after the summative assessment, and the internal verifier countersigns last."""
    out = []
    for earlier, later, why in (
        ("assessed", "assessor_date", "the assessor signs on or after the summative assessment"),
        ("assessor_date", "iv_date", "the internal verifier countersigns after the assessor"),
    ):
        a, b = s.get(earlier), s.get(later)
        if isinstance(a, dt.date) and isinstance(b, dt.date) and b < a:
            out.append(
                (
                    later,
                    f"{later.replace('_', ' ')} {b.isoformat()} is before "
                    f"{earlier.replace('_', ' ')} {a.isoformat()}: {why}",
                )
            )
    return out


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
        out[uid or key] = SignOff(unit=uid or key, **{k: s.get(k) for k in SIGNOFF_FIELDS})
        entry = raw_s.get(key) if isinstance(raw_s, dict) else None
        for fld, why in signoff_order(s):
            diags.append(
                make(
                    shown,
                    yamlio.value_pos(entry, fld) if isinstance(entry, dict) else pos,
                    "W407",
                    f"sign-off of unit {uid or key}: {why}",
                    "check the dates against the signed form and correct the one that is wrong",
                )
            )
    return out


def _evidence_files(root: Path, diags: list[Diagnostic]) -> list[Path]:
    """evidence/*.yaml, refusing any that is (or lies behind) a link leaving the portfolio."""
    evdir = root / EVIDENCE_DIR
    if not evdir.is_dir():
        return []
    outside = "is a link that leads outside the portfolio: evitrack does not read it"
    hint = "replace the link with the file itself"
    if not inside(root, evdir):
        diags.append(make(display_path(evdir), None, "E001", f"{EVIDENCE_DIR}/ {outside}", hint))
        return []
    paths = []
    for p in sorted(evdir.iterdir()):
        if p.suffix not in (".yaml", ".yml") or p.name.startswith("."):
            continue
        if p.is_symlink() and not inside(root, p):
            diags.append(make(display_path(p), None, "E001", f"this record {outside}", hint))
            continue
        paths.append(p)
    return paths


def _id_pos(path: Path) -> tuple[int, int] | None:
    try:
        return yamlio.value_pos(yamlio.load(path)[1], "id")
    except yamlio.YamlProblem:
        return None


@dataclass
class _Context:
    root: Path
    qual: Qualification | None
    chosen: list[str]
    today: dt.date
    currency_years: int | None
    cache: Cache
    fast: bool = True
    evidence_shown: str = ""

    def shown(self, path: Path) -> str:
        """display_path(path) for a file in evidence/, without a relpath per file."""
        if not self.evidence_shown:
            self.evidence_shown = display_path(self.root / EVIDENCE_DIR)
        return f"{self.evidence_shown}/{path.name}"


PER_PROCESS = 250  # records not in the cache that make another process worth starting


def _jobs(requested: int | None) -> int:
    if requested is None:
        try:
            requested = int(os.environ.get("EVITRACK_JOBS", "0"))
        except ValueError:
            requested = 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return requested if requested > 0 else cores or 1


def _load_records(
    paths: list[Path], ctx: _Context, diags: list[Diagnostic], jobs: int | None
) -> list[Record | None]:
    """Every record, in order. Hundreds of uncached records are shared with forked processes.

    Each process runs exactly the serial code on a slice of the files and sends
    back its records, problems and new cache entries; the results are the same
    as a serial run (a test compares them). Where fork is unavailable, or a
    process fails, the slice is loaded here instead.
    """
    if len(paths) < 2 * PER_PROCESS or not ctx.fast:  # too few to split: no stat of each
        return [_load_record(p, ctx, diags) for p in paths]
    stale = [p for p in paths if not ctx.cache.has_record(f"{EVIDENCE_DIR}/{p.name}", stat_key(p))]
    n = min(_jobs(jobs), len(stale) // PER_PROCESS)
    if n < 2 or not sys.platform.startswith("linux") or _in_daemon():
        return [_load_record(p, ctx, diags) for p in paths]
    import multiprocessing

    fork = multiprocessing.get_context("fork")
    # cut the files where each slice holds an equal share of the uncached ones
    cuts = [0] + [paths.index(stale[len(stale) * i // n]) for i in range(1, n)] + [len(paths)]
    slices = [paths[a:b] for a, b in itertools.pairwise(cuts)]
    children = []
    for part in slices[1:]:
        recv, send = fork.Pipe(duplex=False)
        proc = fork.Process(target=_load_slice, args=(part, ctx, send), daemon=True)
        proc.start()
        send.close()
        children.append((proc, recv))
    out = [_load_record(p, ctx, diags) for p in slices[0]]
    for part, (proc, recv) in zip(slices[1:], children, strict=True):
        try:
            got = recv.recv()
        except (EOFError, OSError):
            got = None
        proc.join()
        if got is None:  # the process failed: load its slice here (and meet the same error)
            out.extend(_load_record(p, ctx, diags) for p in part)
            continue
        recs, found, added = got
        out.extend(recs)
        diags.extend(found)
        ctx.cache.merge(added)
    return out


def _in_daemon() -> bool:
    """A daemonic process (a pool's worker) may not start processes of its own."""
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


def _load_slice(paths: list[Path], ctx: _Context, send: Any) -> None:
    """In a forked process: load `paths` and send back what the parent needs."""
    try:
        found: list[Diagnostic] = []
        recs = [_load_record(p, ctx, found) for p in paths]
        send.send((recs, found, ctx.cache.added))
    except BaseException:
        send.send(None)
    finally:
        send.close()


def _load_record(path: Path, ctx: _Context, diags: list[Diagnostic]) -> Record | None:
    """Fast path first (libyaml, cached); the round-trip loader for any file with a problem."""
    if not ctx.fast:
        return _load_record_slow(path, ctx, diags)
    rel = f"{EVIDENCE_DIR}/{path.name}"
    key = stat_key(path)
    raw = ctx.cache.record(rel, key)
    fresh = raw is None
    if fresh:
        try:
            raw = fastyaml.parse(yamlio.read_text(path))
        except (fastyaml.Fallback, yamlio.YamlProblem):
            return _load_record_slow(path, ctx, diags)
    local: list[Diagnostic] = []
    rec = _record_from(path, "", raw, ctx, local) if isinstance(raw, dict) else None
    if rec is None or local:
        return _load_record_slow(path, ctx, diags)
    if fresh:
        ctx.cache.put_record(rel, key, raw)
    return rec


def _load_record_slow(path: Path, ctx: _Context, diags: list[Diagnostic]) -> Record | None:
    shown = ctx.shown(path)
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
    return _record_from(path, text, raw, ctx, diags)


def _record_from(
    path: Path, text: str, raw: Any, ctx: _Context, diags: list[Diagnostic]
) -> Record | None:
    shown = ctx.shown(path)
    root, qual, chosen, today = ctx.root, ctx.qual, ctx.chosen, ctx.today
    currency_years = ctx.currency_years
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
    written_as: dict[str, str] = {}
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
        if uid in written_as:  # "F1" and "CU791": one unit under two keys
            v.add(
                kpos,
                "E003",
                f'unit {uid} is cited twice in this record: as "{written_as[uid]}" and as "{key}"',
                "merge the two lists under one key",
            )
        written_as.setdefault(uid, str(key))
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
        written = raw_f[i].get("sha256") if isinstance(raw_f, list) else None
        _check_file(ref, root, fpos, v, ctx.cache, hash_written=written is not None)

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
        elif currency_years and date < _years_before(today, currency_years):
            v.add(
                dpos,
                "W403",
                f"evidence is dated {date.isoformat()}, more than "
                f"{currency_years} years ago (settings.currency_years)",
                "check that it still shows current competence",
            )

    assessment = None
    a = data.get("assessment")
    # the fingerprint is only needed where an assessor recorded one
    fp = fingerprint(raw) if isinstance(a, dict) and a.get("fingerprint") else ""
    if a and a.get("decision"):
        assessment = Assessment(
            decision=a["decision"],
            assessor=a.get("assessor") or "",
            date=a.get("date"),
            comment=a.get("comment"),
            fingerprint=a.get("fingerprint"),
        )
        if assessment.decision == "accepted" and not assessment.fingerprint:
            v.add(
                yamlio.key_pos(raw, "assessment"),
                "W406",
                f"marked accepted by {assessment.assessor or 'nobody named'} without a "
                "fingerprint, so it does not count: a change made since could not be seen",
                f"ask the assessor to record the decision: `evitrack assess {data['id']} --accept`",
            )
        elif assessment.fingerprint and assessment.fingerprint != fp:
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


def _unsatisfiable(qual: Qualification) -> list[Diagnostic]:
    """E505 for a centre's own qualification file whose rules no selection can satisfy."""
    from evitrack.catalogue.check import rule_positions
    from evitrack.planner import infeasible

    where = display_path(qual.path) if qual.path else qual.id
    found = infeasible(qual)
    at = rule_positions(qual.path) if found and qual.path else {}
    return [
        make(
            where,
            next((at[r] for r in rule_ids if r in at), (1, 1)),  # at the first rule involved
            "E505",
            message,
            "rules involved: " + ", ".join(rule_ids),
        )
        for rule_ids, message in found
    ]


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for a 29 February that year lacks)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _orig_key(mapping: Any, key: str) -> Any:
    """The key object as loaded (a number stays a number) for a recovered text key."""
    if key in mapping:
        return key
    for k in mapping:
        if str(k) == key or (not isinstance(k, str) and _same_number(k, key)):
            return k
    return key


def _same_number(k: Any, text: str) -> bool:
    """Whether a key loaded as a number is the number written as `text`."""
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


def _check_file(
    ref: FileRef,
    root: Path,
    pos: tuple[int, int] | None,
    v: Validator,
    cache: Cache,
    hash_written: bool = False,
) -> None:
    """The attachment exists, is a file inside the portfolio, and matches its sha256.

    `hash_written`: a sha256 is written but was refused (E105 says so); no W304 then.
    """
    p = ref.path
    target, why = attachment(root, p)
    if target is None:
        v.add(
            pos,
            "E302",
            f'attached file "{p}" {why}',
            "copy the file into the portfolio's files/ folder and give its relative path",
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
        v.add(
            pos,
            "E305",
            f'attached path "{p}" is not a file',
            "attach the files inside it one by one, or a zip of them",
        )
        return
    if not ref.sha256:
        if hash_written:
            return
        v.add(
            pos,
            "W304",
            f'attached file "{p}" has no sha256 yet',
            "run `evitrack hash` to record it",
        )
        return
    try:
        actual = cache.sha256(target)
    except OSError as exc:
        v.add(
            pos,
            "E305",
            f'attached file "{p}" cannot be read: {exc.strerror or exc}',
            "check the file's permissions",
        )
        return
    if actual != ref.sha256:
        v.add(
            pos,
            "E303",
            f'attached file "{p}" has changed since it was recorded (sha256 mismatch)',
            "if the change is intended, re-hash it with `evitrack hash`; otherwise restore the original",
        )
