"""Qualification files: the shipped catalogue, loading, includes and checking.

Shipped files are trusted and loaded with libyaml (fast). A centre's file is
read like any user file (size limit, encoding, alias bombs, nesting; see
`yamlio`) and validated as `evitrack qualification check` does before it is
used: a file with problems is refused with the first of them, never half-built.
Its includes stay inside the folder it was loaded from (the portfolio).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evitrack.errors import UserError
from evitrack.model import (
    Criterion,
    EvidenceRequirements,
    Group,
    Outcome,
    Qualification,
    Unit,
    is_placeholder,
    plain,
)

if TYPE_CHECKING:
    from evitrack.catalogue.check import Others
    from evitrack.diagnostics import Diagnostic

CATALOGUE_DIR = Path(__file__).parent


@cache
def shipped_files() -> dict[str, Path]:
    """Shipped file id -> path (qualifications and unit libraries)."""
    return {p.stem: p for p in sorted(CATALOGUE_DIR.glob("*.yaml"))}


def shipped_qualifications() -> list[Qualification]:
    quals = [load_file(p) for p in shipped_files().values()]
    return [q for q in quals if q.kind == "qualification"]


def looks_like_path(ref: str) -> bool:
    """Whether a qualification reference names a file (not a shipped id)."""
    return ref.endswith((".yaml", ".yml")) or "/" in ref or os.sep in ref


def file_inside(base: Path, ref: str, what: str) -> Path:
    """The file a relative reference names inside the portfolio folder `base` (a centre's
    qualification or standard file); UserError if it leads outside, does not exist, or
    its name holds a control character."""
    if _unsafe_ref(ref):
        raise UserError(f"{what} {ref!r}: the name holds a control character")
    candidate = (base / ref).resolve()
    root = base.resolve()
    if root != candidate and root not in candidate.parents:
        raise UserError(
            f'{what} "{ref}" is outside the portfolio folder',
            f"copy the {what} into the portfolio and refer to it by a relative path",
        )
    if candidate.is_file():
        return candidate
    raise UserError(f'{what} "{ref}" not found')


def find(ref: str, base: Path | None = None) -> Path:
    """The qualification file for a shipped id or a path relative to `base`."""
    files = shipped_files()
    if ref in files:
        return files[ref]
    if base is not None and looks_like_path(ref):
        return file_inside(base, ref, "qualification file")
    ids = [p.stem for p in files.values() if _kind(p) == "qualification"]
    raise UserError(f'unknown qualification "{ref}"', suggest(ref, ids))


def suggest(ref: str, ids: list[str]) -> str:
    """'did you mean' a shipped id: a close spelling, or the ids that start with / hold the words.

    `edi` finds edi-l2-nvq-customer-service; `pearson` both Pearson ids.
    """
    from evitrack.diagnostics import did_you_mean

    near = did_you_mean(ref, ids)
    if near:
        return near
    words = [w for w in ref.lower().replace("_", "-").replace(" ", "-").split("-") if w]
    hits = [i for i in ids if words and all(w in i.split("-") for w in words)]
    hits = hits or [i for i in ids if ref and i.startswith(ref.lower())]
    if len(hits) == 1:
        return f'did you mean "{hits[0]}"?'
    if hits:
        return "did you mean one of: " + ", ".join(hits) + "?"
    return "see `evitrack qualification list`"


def _kind(path: Path) -> str:
    """A shipped file's `kind` ("qualification" when it has none), read off its top-level
    `kind:` line: parsing every shipped file (about 0.6 MB) to suggest an id cost a second.
    Every shipped file is tested to say the same this way as parsed."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("kind:"):
                return line.partition(":")[2].split("#")[0].strip().strip("\"'")
    return "qualification"


def load(ref: str, base: Path | None = None) -> Qualification:
    path = find(ref, base)
    return load_file(path, None if _is_shipped(path) else base)


def load_named(ref: str) -> Qualification:
    """A qualification named on the command line: a shipped id, or a file wherever it is.

    The file is the user's choice, so it may live outside the current folder; its includes
    stay inside its own folder, as for any centre file.
    """
    if ref in shipped_files() or not looks_like_path(ref):
        return load(ref)
    if _unsafe_ref(ref):
        raise UserError(f"qualification file {ref!r}: the name holds a control character")
    path = Path(ref).expanduser()
    if not path.is_file():
        raise UserError(
            f'qualification file "{ref}" not found',
            "give the path of a qualification file, or a shipped id "
            "(`evitrack qualification list`)",
        )
    return load_file(path.resolve())


def _is_shipped(path: Path) -> bool:
    return path.parent == CATALOGUE_DIR and shipped_files().get(path.stem) == path


def is_shipped(q: Qualification) -> bool:
    """Whether a qualification comes from evitrack's own catalogue (not a centre's file)."""
    return q.path is not None and _is_shipped(q.path)


def files_read(q: Qualification) -> list[tuple[Path, str, bool]]:
    """The files a loaded qualification was built from: (path, sha256 of its bytes, shipped),
    the file itself first, then a centre file's own includes."""
    import hashlib

    if q.path is None:
        return []
    if _is_shipped(q.path):
        return [(q.path, hashlib.sha256(q.path.read_bytes()).hexdigest(), True)]
    own = [(q.path, hashlib.sha256(q.path.read_bytes()).hexdigest(), False)]
    for (path, _root), (deps, built) in _USER_CACHE.items():
        if built is q and path == q.path:
            own = [(p, str(k), False) for p, k in deps if k is not None]
            break
    base = shipped_files().get(str(q.extra.get("extends") or ""))
    if base is not None:  # a shipped qualification the centre's file extends
        own.append((base, hashlib.sha256(base.read_bytes()).hexdigest(), True))
    return own


def load_file(path: Path, root: Path | None = None) -> Qualification:
    """A qualification file; a centre's file is checked first and refused with its problems.

    `root`: the folder its includes must stay inside (default: the file's own folder).
    Rules that no selection of units can satisfy do not stop the loading: `plan` explains
    them and `qualification check` reports them (E505).
    """
    if _is_shipped(path):
        return _load_shipped(path)
    path = Path(path).resolve()
    root = (root or path.parent).resolve()
    hit = _USER_CACHE.get((path, root))
    if hit is not None and all(_key_once(p) == k for p, k in hit[0]):
        if _LOADING:  # an include: the outer file depends on these files too
            _DEPS.extend(hit[0])
        else:  # an outermost load ends here: the next one reads the files afresh
            done_loading()
        return hit[1]
    if path in _LOADING:
        chain = " -> ".join(p.name for p in (*_LOADING[_LOADING.index(path) :], path))
        raise UserError(f"{_shown(path)}: include cycle: {chain}")
    _LOADING.append(path)
    try:
        deps_before = len(_DEPS)
        _DEPS.append((path, _key_once(path)))
        q = _build(path, _checked_data(path, root), root)
        # each file once: an include is reached by the check and again by the build, and
        # a file listing every dependency twice would make a chain of includes exponential
        deps = list(dict.fromkeys(_DEPS[deps_before:]))
    finally:
        _LOADING.pop()
        done_loading()
    _USER_CACHE[(path, root)] = (deps, q)
    return q


_LOADING: list[Path] = []  # user files being loaded, outermost first (include cycles)
_DEPS: list[tuple[Path, Any]] = []  # files read by the outermost load, with their content hash
_KEYS: dict[Path, Any] = {}  # the content hash of each file, read once per outermost load
_USER_CACHE: dict[tuple[Path, Path], tuple[list[tuple[Path, Any]], Qualification]] = {}


def done_loading() -> None:
    """Forget what one outermost load read, once nothing is being loaded any more."""
    if not _LOADING:
        _DEPS.clear()
        _KEYS.clear()


def _key_once(path: Path) -> Any:
    """`_content_key`, read once per file within one load (a file cannot change under it)."""
    if path not in _KEYS:
        _KEYS[path] = _content_key(path)
    return _KEYS[path]


def _content_key(path: Path) -> Any:
    """What a cached load depends on: the file's content (a stat can miss a quick rewrite)."""
    import hashlib

    from evitrack.yamlio import MAX_BYTES

    try:
        if not path.is_file():  # never open a pipe or a device
            return None
        with path.open("rb") as fh:
            return hashlib.sha256(fh.read(MAX_BYTES + 1)).hexdigest()
    except (OSError, ValueError):
        return None


def _shown(path: Path) -> str:
    from evitrack.locate import display_path

    return display_path(path)


def user_sources(q: Qualification) -> list[Path]:
    """A centre's qualification file and every file of the user's it included, as loaded
    (empty for a shipped one: the shipped files are part of the installed program)."""
    if q.path is None or _is_shipped(q.path):
        return []
    for (path, _root), (deps, loaded) in _USER_CACHE.items():
        if path == q.path and loaded is q:
            return [p for p, _ in deps]
    return [q.path]


def _check_data(
    path: Path, shown: str | None, root: Path | None = None
) -> tuple[list[Diagnostic], Any]:
    """check_data by libyaml first (most files are clean, and ruamel.yaml is several times
    slower), and again by the round-trip parser, for positions, when there is a problem."""
    from evitrack import fastyaml
    from evitrack.catalogue.check import check_data

    try:
        diags, data = check_data(path, _others(), shown, root, fast=True)
        if not diags:
            return diags, data
    except fastyaml.Fallback:
        pass
    return check_data(path, _others(), shown, root)


def _checked_data(path: Path, root: Path) -> Any:
    """A centre's file, read safely and validated; UserError naming the first problem."""
    diags, data = _check_data(path, _shown(path), root)
    if not diags:
        return data
    errors = [d for d in diags if d.severity.value == "error"]
    if errors and errors[0].code == "E506" and errors[0].message.startswith("qualification file"):
        raise UserError(errors[0].message, errors[0].hint)  # an include's problem, as it said it
    if errors:
        first = errors[0].headline
        more = f"{len(errors)} problems, the first" if len(errors) > 1 else "a problem"
        raise UserError(
            f"qualification file {_shown(path)} has {more}: {first}",
            f"see them all with `evitrack qualification check {_shown(path)}`",
        )
    return data


def check_file(path: Path, shown: str | None = None) -> list[Diagnostic]:
    """Every problem in one qualification file (schema, ids, references, rules)."""
    from evitrack.catalogue.check import diags_shown, rule_positions
    from evitrack.diagnostics import make
    from evitrack.planner import infeasible

    diags, data = _check_data(path, shown)
    errors = [d for d in diags if d.severity.value == "error"]
    if not errors and data and data.get("kind", "qualification") != "units":
        shown = diags_shown(path, shown)
        found = infeasible(load_file(path.resolve()))
        places = rule_positions(path) if found else {}
        for rule_ids, message in found:
            diags.append(
                make(
                    shown,
                    places.get(rule_ids[0], (1, 1)),
                    "E505",
                    message,
                    "rules involved: " + ", ".join(rule_ids),
                )
            )
    return sorted(diags)


def _others() -> Others:
    """What the check of a file needs to reach the files it names: this module's loading."""
    from evitrack.catalogue.check import Others

    return Others(loading=_loading, load=_load_other, shipped=shipped_files)


@contextmanager
def _loading(path: Path) -> Iterator[None]:
    """While the files a file names are loaded: one leading back to it is a cycle."""
    here = path.resolve()
    pushed = not _LOADING or _LOADING[-1] != here
    if pushed:
        _LOADING.append(here)
    try:
        yield
    finally:
        if pushed:
            _LOADING.pop()
            done_loading()


def _load_other(path: Path, ref: str, root: Path, verb: str = "includes") -> Qualification:
    """The file an include or `extends` names, loaded; UserError for a missing one or a cycle."""
    here = path.resolve()
    target = _include_path(here, ref, root)
    if target == here:
        raise UserError(f'"{ref}" {verb} itself')
    if target in _LOADING:
        chain = _LOADING[_LOADING.index(target) :]
        raise UserError(
            "include cycle: " + " -> ".join(p.name for p in (*chain, target)),
            "a file may not include, directly or not, a file that includes it",
        )
    return load_file(target, root)


@lru_cache(maxsize=64)
def _load_shipped(path: Path) -> Qualification:
    from evitrack.cache import shipped_data

    return _build(path, shipped_data(path, _parse_shipped), CATALOGUE_DIR)


def _parse_shipped(path: Path) -> Any:
    """A shipped file's data; the YAML parser is imported only when the cache lacks it."""
    from evitrack.fastyaml import load_shipped

    return load_shipped(path)


def _unsafe_ref(ref: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in ref)


def _build(path: Path, data: Any, root: Path) -> Qualification:
    if not isinstance(data, dict):
        raise UserError(f"{path}: not a qualification file (expected a mapping)")
    base = _extended(path, data, root)
    units = _units(path, data, root, base)
    groups = [
        Group(
            id=str(g["id"]),
            title=str(g.get("title") or ""),
            units=[str(x) for x in g.get("units") or []],
            extra={k: v for k, v in g.items() if k not in ("id", "title", "units")},
        )
        for g in data.get("groups") or []
    ]
    if base is not None and "groups" not in data:
        groups = list(base.groups)
    rules = [dict(r) for r in data.get("rules") or []]
    if base is not None and "rules" not in data:
        rules = [dict(r) for r in base.rules]
    for r in rules:
        for key in ("units", "groups"):
            if key in r and r[key] is not None:
                r[key] = [str(x) for x in r[key]]

    def header(key: str) -> Any:  # what the file gives, else what the extended file gives
        if key in data or base is None:
            return data.get(key)
        return getattr(base, key)

    number = header("number")
    return Qualification(
        id=str(data["id"]),
        title=str(data["title"]),
        awarding_body=str(header("awarding_body") or ""),
        number=None if number is None else str(number),
        level=header("level"),
        framework=header("framework"),
        groups=groups,
        units=units,
        rules=rules,
        path=path,
        kind=str(data.get("kind") or "qualification"),
        extra={k: v for k, v in data.items() if k not in _KNOWN},
    )


# The top-level keys a Qualification holds in its own fields; the rest go to `extra`.
_KNOWN = frozenset(
    {
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
)


def _units(
    path: Path, data: dict[str, Any], root: Path, base: Qualification | None
) -> dict[str, Unit]:
    """The units of the extended file, then those included, then the file's own (each
    replacing a unit of the same id)."""
    units: dict[str, Unit] = dict(base.units) if base else {}
    for inc in data.get("include") or []:
        target = _include_path(path, str(inc["from"]), root)
        lib = load_file(target, root)
        wanted = [str(u) for u in inc.get("units") or list(lib.units)]
        for uid in wanted:
            if uid not in lib.units:
                raise UserError(f'{path}: include from {inc["from"]}: no unit "{uid}"')
            units[uid] = lib.units[uid]
    for u in data.get("units") or []:
        unit = build_unit(u)
        units[unit.id] = unit  # in a file that extends another: replaces the unit of that id
    return units


def _extended(path: Path, data: dict[str, Any], root: Path) -> Qualification | None:
    """The qualification a file `extends` (its groups, units and rules), or None."""
    ref = data.get("extends")
    if not ref:
        return None
    base = load_file(_include_path(path, str(ref), root), root)
    if base.kind != "qualification":
        raise UserError(f'{_shown(path)}: extends "{ref}", which is a unit library')
    return base


def _include_path(path: Path, ref: str, root: Path | None = None) -> Path:
    """The file an include names: a shipped id, or a path inside `root` (a user's folder)."""
    files = shipped_files()
    if ref in files:
        return files[ref]
    if _unsafe_ref(ref):
        raise UserError(f"{_shown(path)}: include {ref!r}: the name holds a control character")
    target = (path.parent / ref).resolve()
    if root is not None and root != CATALOGUE_DIR:
        top = root.resolve()
        if top not in target.parents:
            raise UserError(
                f'{_shown(path)}: include "{ref}" leads outside the folder {top}',
                "keep included files in the same folder (or below) as the file that includes them",
            )
    if not target.is_file():
        raise UserError(f'{_shown(path)}: include "{ref}" not found')
    return target


def _methods(names: Any) -> list[str]:
    """Methods as the records hold them: a form code or other spelling made canonical."""
    from evitrack.model import canonical_method

    return [canonical_method(str(m)) or str(m) for m in names or []]


def _criterion(c: dict[str, Any], outcome: str | None, kind: str) -> Criterion:
    extra = {k: v for k, v in c.items() if k not in ("id", "text")}
    if isinstance(extra.get("evidence"), dict):
        ev = dict(extra["evidence"])
        for key in ("required_methods", "forbidden_methods"):
            if ev.get(key):
                ev[key] = _methods(ev[key])
        extra["evidence"] = ev
    return Criterion(
        id=str(c["id"]), text=str(c.get("text") or ""), outcome=outcome, kind=kind, extra=extra
    )


def _stub(outcomes: list[Outcome]) -> bool:
    """A unit still holding placeholders: its criteria are not known yet."""
    return any(
        is_placeholder(o.title) or any(is_placeholder(c.text) for c in o.criteria) for o in outcomes
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
            required_methods=_methods(ev.get("required_methods")),
            forbidden_methods=_methods(ev.get("forbidden_methods")),
            candidate_report=bool(ev.get("candidate_report")),
            supplied_by=[str(m) for m in ev.get("supplied_by") or []],
            text=ev.get("text"),
        ),
        # a stub `qualification extend` wrote counts as without criteria until filled in
        criteria_in_source=u.get("criteria_in_source", True) is not False and not _stub(outcomes),
        extra={k: v for k, v in u.items() if k not in known},
    )


def to_json(q: Qualification) -> dict[str, Any]:
    """The `qualification show --format json` object (contract: see PRODUCT.md)."""

    def crit(c: Criterion) -> dict[str, Any]:
        return {"id": c.id, "text": c.text, **plain(c.extra)}

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
                    **plain(o.extra),
                }
                for o in u.outcomes
            ],
            "knowledge": [crit(k) for k in u.knowledge],
            "evidence": evidence,
            **plain(u.extra),
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
            {"id": g.id, "title": g.title, "units": g.units, **plain(g.extra)} for g in q.groups
        ],
        "units": [unit(u) for u in q.units.values()],
        "rules": [plain(r) for r in q.rules],
        **plain(q.extra),
    }
