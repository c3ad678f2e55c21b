"""The structural checks of a qualification file a centre writes (schema, ids, includes,
groups, rules, mappings), for `qualification check` and for loading it.

The files a file names are loaded by `catalogue`, which hands the check an `Others`:
this module never imports `catalogue`, so that loading and checking do not import each
other (`catalogue.check_file` adds the rules' feasibility on top).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evitrack import yamlio
from evitrack.diagnostics import (
    Diagnostic,
    did_you_mean,
    make,
    unknown_criterion,
    unknown_method,
)
from evitrack.model import METHOD_ALIASES, METHODS, canonical_method, is_placeholder
from evitrack.rules import COMMON_KEYS, REGISTRY, join_and
from evitrack.schema import QUALIFICATION, Validator

Pos = tuple[int, int] | None


@dataclass(frozen=True)
class Others:
    """How the check reaches the other qualification files a file names."""

    loading: Callable[[Path], AbstractContextManager[None]]  # while a file's names are loaded
    load: Callable[[Path, str, Path, str], Any]  # (file, name, root, verb) -> what it names
    shipped: Callable[[], dict[str, Path]]  # the shipped qualification files by id


def _seq_key(cid: str) -> tuple[Any, ...]:
    parts = re.findall(r"\d+|[A-Za-z]+", cid)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def _line(pos: Pos) -> str:
    return f"line {pos[0]}" if pos else "another place"


def rule_positions(path: Path) -> dict[str, tuple[int, int]]:
    """Rule id -> where its entry starts in the file (1-based), for problems about a rule."""
    try:
        _, raw = yamlio.load(path)
    except yamlio.YamlProblem:
        return {}
    rules = raw.get("rules") if isinstance(raw, dict) else None
    out: dict[str, tuple[int, int]] = {}
    for i, r in enumerate(rules if isinstance(rules, list) else []):
        pos = yamlio.item_pos(rules, i)
        if isinstance(r, dict) and pos is not None:
            out.setdefault(str(r.get("id") or f"#{i + 1}"), pos)
    return out


def _fast_parse(text: str) -> Any:
    """libyaml's parse of a qualification file, or `fastyaml.Fallback`.

    Unlike records, qualification files hold prose full of `*` and `&`, so this does not
    refuse anchor-like text up front: aliases become shared objects (never copies), and
    `yamlio.check_size` refuses a bomb by walking them once. Duplicate and merge keys fall
    back (fastyaml's loader); yamlio.read_text has refused deep bracket nesting already.
    """
    import yaml

    from evitrack import fastyaml

    try:
        raw = yaml.load(text, Loader=fastyaml.Loader)  # a safe loader (CSafeLoader)
    except fastyaml.Fallback:
        raise
    except Exception as exc:  # any parse problem: the slow path gives it a position
        raise fastyaml.Fallback(str(exc)) from None
    try:
        yamlio.check_size(raw)
    except yamlio.YamlProblem as exc:
        raise fastyaml.Fallback(exc.message) from None
    return raw


def diags_shown(path: Path, shown: str | None) -> str:
    from evitrack.locate import display_path

    return shown or display_path(path)


class _Unit:
    """What the checks of groups, rules and mappings need of a unit, and where it comes from."""

    def __init__(self, uid: str, where: str, pos: Pos) -> None:
        self.id = uid
        self.where = where  # "defined at line 12", "included from lib.yaml (line 3)"
        self.pos = pos
        self.facts: dict[str, Any] = {}  # credit, level, glh (None: not given); absent: invalid
        self.criteria: set[str] = set()
        self.aliases: list[tuple[str, Pos]] = []


def check_data(
    path: Path,
    others: Others,
    shown: str | None = None,
    root: Path | None = None,
    fast: bool = False,
) -> tuple[list[Diagnostic], Any]:
    """(problems, validated data) of one qualification file, without the rules' feasibility.

    `others`: how the files it includes or extends are loaded.
    `root`: the folder its includes must stay inside (default: the file's own folder).
    `fast`: parse with libyaml (no positions; for a file expected to be clean); a file it
    cannot judge raises `fastyaml.Fallback`, and any problem found means: check again slowly.
    """
    shown = diags_shown(path, shown)
    try:
        if fast:
            text, raw = "", _fast_parse(yamlio.read_text(path))
        else:
            text, raw = yamlio.load(path)
    except yamlio.YamlProblem as p:
        return [make(shown, (p.line, p.col), p.code, p.message, p.hint)], None
    v = Validator(shown, text)
    data = v.mapping(raw, QUALIFICATION, (1, 1), "")
    diags = v.diagnostics
    if not data:
        return sorted(diags), None
    root = (root or path.parent).resolve()

    def add(pos: Pos, code: str, message: str, hint: str | None = None) -> None:
        diags.append(make(shown, pos, code, message, hint))

    _check_own_id(path, data, raw, others, add)

    units = _local_units(data, raw, add)
    _included_units(path, data, raw, root, units, others, add)
    inherited = _extended_units(path, data, raw, root, units, others, add)
    _check_aliases(units, add)
    groups = _check_groups(data, raw, units, add, inherited)

    raw_rules = _list(raw.get("rules"))
    seen_rules: dict[str, Pos] = {}
    for i, r in enumerate(data.get("rules") or []):
        if not r or not r.get("kind"):
            continue
        rpos = yamlio.item_pos(raw_rules, i)
        if r.get("id") in seen_rules:
            add(
                rpos,
                "E501",
                f'rule id "{r["id"]}" is used twice (first at {_line(seen_rules[r["id"]])})',
                "give each rule its own id",
            )
        elif r.get("id"):
            seen_rules[r["id"]] = rpos
        _check_rule(r, _item(raw_rules, i), rpos, units, groups, add)

    _check_mappings(data, raw, units, add)
    return sorted(diags), data


Add = Any  # (pos, code, message, hint=None) -> None


def _check_own_id(path: Path, data: dict[str, Any], raw: Any, others: Others, add: Add) -> None:
    """A centre's file never takes a shipped id: a claim would name the shipped qualification
    while its units are the file's own."""
    qid = str(data.get("id") or "")
    shipped = others.shipped().get(qid)
    if shipped is None or Path(path).resolve() == shipped.resolve():
        return
    add(
        yamlio.value_pos(raw, "id") or (1, 1),
        "E507",
        f'id "{qid}" is the id of a qualification shipped with evitrack',
        f'give the centre\'s file its own id, e.g. "{qid}-centre" (it may include the '
        f"shipped units: `include: [{{from: {qid}}}]`)",
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _item(seq: list[Any], i: int) -> dict[Any, Any]:
    """The raw mapping at seq[i], or {} (for positions and for what was written at all)."""
    return seq[i] if i < len(seq) and isinstance(seq[i], dict) else {}


def _local_units(data: dict[str, Any], raw: Any, add: Add) -> dict[str, _Unit]:
    raw_units = _list(raw.get("units"))
    units: dict[str, _Unit] = {}
    for i, u in enumerate(data.get("units") or []):
        if not u or not u.get("id"):
            continue
        upos = yamlio.item_pos(raw_units, i)
        raw_u = _item(raw_units, i)
        if u["id"] in units:
            add(
                upos,
                "E501",
                f'unit id "{u["id"]}" is used twice (first at {_line(units[u["id"]].pos)})',
                "give each unit its own id, or remove one of them",
            )
            continue
        unit = units[u["id"]] = _Unit(u["id"], f"defined at {_line(upos)}", upos)
        # a value given but invalid (reported by the schema) is left out: no E504 for it
        unit.facts = {
            k: u.get(k)
            for k in ("credit", "level", "glh")
            if u.get(k) is not None or raw_u.get(k) is None
        }
        unit.criteria = {
            c["id"]
            for o in u.get("outcomes") or []
            if o
            for c in o.get("criteria") or []
            if c and c.get("id")
        } | {k["id"] for k in u.get("knowledge") or [] if k and k.get("id")}
        raw_a = _list(raw_u.get("aliases"))
        unit.aliases = [
            (a, yamlio.item_pos(raw_a, j) or upos)
            for j, a in enumerate(u.get("aliases") or [])
            if a
        ]
        _check_unit(u, raw_u, add)
    return units


def _included_units(
    path: Path,
    data: dict[str, Any],
    raw: Any,
    root: Path,
    units: dict[str, _Unit],
    others: Others,
    add: Add,
) -> None:
    """The units the file's includes bring in, each once and none also defined here."""
    from evitrack.errors import UserError

    libs: list[Any] = []
    with others.loading(path):
        for i, inc in enumerate(data.get("include") or []):
            if not inc or not isinstance(inc.get("from"), str):
                continue  # reported by the schema
            ipos = yamlio.item_pos(raw.get("include"), i)
            try:
                libs.append((inc, ipos, others.load(path, inc["from"], root, "includes")))
            except UserError as e:
                add(ipos, "E506", e.message, e.hint)
    for inc, ipos, lib in libs:
        wanted = [u for u in inc.get("units") or [] if isinstance(u, str)] or list(lib.units)
        for uid in wanted:
            if uid not in lib.units:
                add(
                    ipos,
                    "E503",
                    f'include: {inc["from"]} has no unit "{uid}"',
                    did_you_mean(uid, list(lib.units)),
                )
                continue
            where = f"included from {inc['from']} ({_line(ipos)})"
            if uid in units:
                add(
                    ipos,
                    "E501",
                    f'unit "{uid}" is {where} and also {units[uid].where}',
                    "keep one of them: remove the unit defined here, or name the include's "
                    "`units:` without it",
                )
                continue
            lu = lib.units[uid]
            unit = units[uid] = _Unit(uid, where, ipos)
            unit.facts = {"credit": lu.credit, "level": lu.level, "glh": lu.glh}
            unit.criteria = {c.id for c in lu.criteria}
            unit.aliases = [(a, ipos) for a in lu.aliases]


def _extended_units(
    path: Path,
    data: dict[str, Any],
    raw: Any,
    root: Path,
    units: dict[str, _Unit],
    others: Others,
    add: Add,
) -> dict[str, list[str]] | None:
    """The units of the qualification the file extends that it does not replace; the
    extended file's groups (None when it extends nothing or cannot be read)."""
    from evitrack.errors import UserError

    ref = data.get("extends")
    if not ref:
        return None
    pos = yamlio.value_pos(raw, "extends") or yamlio.key_pos(raw, "extends")
    try:
        with others.loading(path):
            base = others.load(path, ref, root, "extends")
    except UserError as e:
        add(pos, "E506", e.message, e.hint)
        return None
    if base.kind != "qualification":
        add(
            pos,
            "E506",
            f'extends "{ref}", which is a unit library, not a qualification',
            "extend a qualification; bring a library's units in with `include:`",
        )
        return None
    for uid, lu in base.units.items():
        if uid in units:
            continue  # replaced by the unit this file defines (or includes)
        unit = units[uid] = _Unit(uid, f"from {ref}, which this file extends", pos)
        unit.facts = {"credit": lu.credit, "level": lu.level, "glh": lu.glh}
        unit.criteria = {c.id for c in lu.criteria}
        unit.aliases = [(a, pos) for a in lu.aliases]
    return {g.id: list(g.units) for g in base.groups}


def _check_aliases(units: dict[str, _Unit], add: Add) -> None:
    """An alias must name one unit only: not another unit's id, nor another unit's alias."""
    owner: dict[str, _Unit] = {u.id: u for u in units.values()}
    for unit in units.values():
        for alias, apos in unit.aliases:
            other = owner.setdefault(alias, unit)
            if other is unit:
                continue
            what = "the id" if alias == other.id else "an alias"
            add(
                apos,
                "E501",
                f'unit {unit.id}: alias "{alias}" is also {what} of unit {other.id} '
                f"({other.where})",
                "an alias must name one unit only: remove it from one of them",
            )


def _methods(
    ev: Any, raw_ev: Any, where: str, add: Add, pos: Pos, unit: tuple[str, set[str]] | None = None
) -> set[str]:
    """Check an `evidence:` block's methods; returns its forbidden methods (canonical).

    `unit`: for a criterion's block, its unit's id and forbidden methods.
    """
    if not isinstance(ev, dict):
        return set()
    raw_ev = raw_ev if isinstance(raw_ev, dict) else {}
    found: dict[str, dict[str, Pos]] = {}
    for key in ("required_methods", "forbidden_methods"):
        found[key] = {}
        raw_list = _list(raw_ev.get(key))
        for j, name in enumerate(ev.get(key) or []):
            if not isinstance(name, str):
                continue
            mpos = yamlio.item_pos(raw_list, j) or yamlio.value_pos(raw_ev, key) or pos
            canon = canonical_method(name)
            if canon is None:
                add(mpos, "E207", *unknown_method(name, method_hint(name)))
                continue
            found[key].setdefault(canon, mpos)
    forbidden = set(found["forbidden_methods"])
    fix = "no evidence could meet both: keep the method in required_methods or in "
    fix += "forbidden_methods, not in both"
    for m, mpos in found["required_methods"].items():
        if m in forbidden:
            add(mpos, "E105", f'{where}: "{m}" is both required and forbidden', fix)
        elif unit is not None and m in unit[1]:
            add(
                mpos,
                "E105",
                f'{where}: "{m}" is required here, but unit {unit[0]} forbids it',
                fix,
            )
    return forbidden


def method_hint(name: str) -> str:
    """The hint for an unknown assessment method, as for one in an evidence record."""
    near = did_you_mean(name, [*METHODS, *METHOD_ALIASES])
    if near:
        return f'did you mean "{canonical_method(near.split(chr(34))[1])}"?'
    return "methods: " + ", ".join(METHODS)


def _placeholders(uid: str, todo: list[tuple[str, Pos]], add: Add) -> None:
    """One warning per unit that still holds placeholders, at the first of them."""
    if todo:
        add(
            todo[0][1],
            "W508",
            f"unit {uid} is still a stub: {join_and([what for what, _ in todo])} "
            f"{'is a placeholder' if len(todo) == 1 else 'are placeholders'}",
            "copy the unit's outcomes and criteria from your copy of the specification, word "
            "for word, in place of the TODO placeholders; or remove the unit from this file "
            "to keep it as shipped (without criteria)",
        )


def _check_unit(u: dict[str, Any], raw_u: dict[Any, Any], add: Add) -> None:
    upos = yamlio.node_pos(raw_u) if raw_u else None
    unit_forbidden = _methods(
        u.get("evidence"), raw_u.get("evidence"), f"unit {u['id']}", add, upos
    )
    todo: list[tuple[str, Pos]] = []  # placeholders left by `qualification extend`
    seen: dict[str, Pos] = {}  # criterion and knowledge item ids, where first given
    seen_o: dict[str, Pos] = {}
    raw_o = _list(raw_u.get("outcomes"))
    last_o: str | None = None
    for i, o in enumerate(u.get("outcomes") or []):
        if not o:
            continue
        opos = yamlio.item_pos(raw_o, i)
        oid = o.get("id")
        if oid and oid in seen_o:
            add(
                opos,
                "E501",
                f'unit {u["id"]}: outcome id "{oid}" is used twice (first at {_line(seen_o[oid])})',
                "give each outcome its own id",
            )
        elif oid and last_o is not None and _seq_key(oid) <= _seq_key(last_o):
            add(opos, "E502", f'unit {u["id"]}: outcome "{oid}" comes after "{last_o}"')
        if oid:
            seen_o.setdefault(oid, opos)
        last_o = oid or last_o
        raw_oi = _item(raw_o, i)
        if is_placeholder(o.get("title")):
            todo.append((f"the title of outcome {oid}", yamlio.value_pos(raw_oi, "title") or opos))
        if o.get("criteria") == [] and u.get("criteria_in_source") is not False:
            add(
                yamlio.value_pos(raw_oi, "criteria") or opos,
                "E105",
                f'unit {u["id"]}: outcome "{oid}" has no criteria',
                "list its criteria; if the document has no pages for the unit, say so with "
                "`criteria_in_source: false` on the unit",
            )
        _check_criteria(u, o, raw_oi, add, (u["id"], unit_forbidden), seen, todo)
    _placeholders(u["id"], todo, add)
    _check_knowledge(u, raw_u, add, (u["id"], unit_forbidden), seen)


def _check_criteria(
    u: dict[str, Any],
    o: dict[str, Any],
    raw_oi: Any,
    add: Add,
    unit_forbidden: tuple[str, set[str]],
    seen: dict[str, Pos],
    todo: list[tuple[str, Pos]],
) -> None:
    """An outcome's criteria: ids distinct within the unit and in order, text not a
    placeholder, their evidence methods known and not barred by the unit already."""
    last_c: str | None = None
    raw_c = _list(raw_oi.get("criteria"))
    for j, c in enumerate(o.get("criteria") or []):
        if not c or not c.get("id"):
            continue
        cpos = yamlio.item_pos(raw_c, j)
        cid = c["id"]
        if cid in seen:
            add(
                cpos,
                "E501",
                f'unit {u["id"]}: criterion id "{cid}" is used twice (first at {_line(seen[cid])})',
                'give the second a distinct id (e.g. "2.3(2)") and record `printed_id`',
            )
        elif last_c is not None and _seq_key(cid) <= _seq_key(last_c) and not c.get("printed_id"):
            add(cpos, "E502", f'unit {u["id"]}: criterion "{cid}" comes after "{last_c}"')
        seen.setdefault(cid, cpos)
        last_c = cid
        if is_placeholder(c.get("text")):
            todo.append((f"criterion {cid}", yamlio.value_pos(_item(raw_c, j), "text") or cpos))
        _methods(
            c.get("evidence"),
            _item(raw_c, j).get("evidence"),
            f"unit {u['id']} criterion {cid}",
            add,
            cpos,
            unit_forbidden,
        )


def _check_knowledge(
    u: dict[str, Any],
    raw_u: dict[Any, Any],
    add: Add,
    unit_forbidden: tuple[str, set[str]],
    seen: dict[str, Pos],
) -> None:
    """A unit's knowledge items: ids distinct from each other and from its criteria, their
    evidence methods known and not barred by the unit already."""
    raw_k = _list(raw_u.get("knowledge"))
    for j, k in enumerate(u.get("knowledge") or []):
        if not k or not k.get("id"):
            continue
        kpos = yamlio.item_pos(raw_k, j)
        if k["id"] in seen:
            add(
                kpos,
                "E501",
                f'unit {u["id"]}: id "{k["id"]}" is used twice (first at {_line(seen[k["id"]])})',
                "criteria and knowledge items of a unit need distinct ids",
            )
        seen.setdefault(k["id"], kpos)
        _methods(
            k.get("evidence"),
            _item(raw_k, j).get("evidence"),
            f"unit {u['id']} item {k['id']}",
            add,
            kpos,
            unit_forbidden,
        )


def _check_groups(
    data: dict[str, Any],
    raw: Any,
    units: dict[str, _Unit],
    add: Add,
    inherited: dict[str, list[str]] | None = None,
) -> dict[str, list[str]]:
    """`inherited`: the groups of the qualification the file extends (used unless it has its own)."""
    groups: dict[str, list[str]] = {}
    if inherited is not None and "groups" not in data:
        groups = {gid: list(ids) for gid, ids in inherited.items()}
    seen: dict[str, Pos] = {}
    raw_groups = _list(raw.get("groups"))
    for i, g in enumerate(data.get("groups") or []):
        if not g or not g.get("id"):
            continue
        gpos = yamlio.item_pos(raw_groups, i)
        raw_g = _item(raw_groups, i)
        if g["id"] in seen:
            add(
                gpos,
                "E501",
                f'group id "{g["id"]}" is used twice (first at {_line(seen[g["id"]])})',
                "give each group its own id, or merge the two",
            )
        seen.setdefault(g["id"], gpos)
        members = [u for u in g.get("units") or [] if u]
        groups.setdefault(g["id"], []).extend(members)
        if g.get("units") == []:
            add(
                yamlio.value_pos(raw_g, "units") or gpos,
                "E105",
                f"group {g['id']} lists no units",
                "list the group's unit ids, or remove the group",
            )
        raw_members = _list(raw_g.get("units"))
        listed: set[str] = set()
        for j, uid in enumerate(members):
            upos = yamlio.item_pos(raw_members, j) or gpos
            if uid in listed:
                add(upos, "E501", f'group {g["id"]} lists unit "{uid}" twice', "list it once")
            listed.add(uid)
            if uid not in units:
                add(
                    upos,
                    "E503",
                    f'group {g["id"]} names unit "{uid}", which is not defined',
                    did_you_mean(uid, sorted(units)),
                )
    _check_unit_groups(data, raw, groups, add)
    return groups


def _check_unit_groups(
    data: dict[str, Any], raw: Any, groups: dict[str, list[str]], add: Add
) -> None:
    """A unit's own `group:` names a group that lists it."""
    raw_units = _list(raw.get("units"))
    for i, u in enumerate(data.get("units") or []):
        gid = u.get("group") if u else None
        if not gid:
            continue
        gpos = yamlio.value_pos(_item(raw_units, i), "group") or yamlio.item_pos(raw_units, i)
        if gid not in groups:
            add(
                gpos,
                "E503",
                f'unit {u["id"]} says it is in group "{gid}", which is not defined',
                did_you_mean(gid, sorted(groups)) or "define the group under `groups:`",
            )
        elif u.get("id") not in groups[gid]:
            add(
                gpos,
                "E503",
                f'unit {u["id"]} says it is in group "{gid}", but group {gid} does not list it',
                f'add "{u["id"]}" to the units of group {gid}, or correct the unit\'s `group:`',
            )


def _kind_for(kind: str, given: list[str]) -> str | None:
    """The rule kind that reads the keys given (and best resembles `kind`), or None."""

    def fits(k: str) -> tuple[bool, bool, float]:
        shape = REGISTRY[k].shape
        needs_met = all(n in given for n in shape.needs) and (
            not shape.one_of or any(n in given for n in shape.one_of)
        )
        reads_all = all(g in shape.keys for g in given)
        return reads_all, needs_met, difflib.SequenceMatcher(None, kind, k).ratio()

    ranked = sorted((k for k in REGISTRY if k != kind), key=fits, reverse=True)
    best = ranked[0] if ranked else None
    return best if best is not None and fits(best)[0] else None


def _check_rule(
    r: dict[str, Any],
    raw_r: dict[Any, Any],
    rpos: Pos,
    units: dict[str, _Unit],
    groups: dict[str, list[str]],
    add: Add,
) -> None:
    def at(key: str) -> Pos:
        return yamlio.key_pos(raw_r, key) or rpos

    _check_rule_keys(r, raw_r, rpos, at, add)
    REGISTRY[r["kind"]].check(r, raw_r, at, r.get("id"), add)
    _check_rule_names(r, at, units, groups, add)
    _check_rule_facts(r, rpos, units, groups, add)


def _check_rule_keys(
    r: dict[str, Any], raw_r: dict[Any, Any], rpos: Pos, at: Callable[[str], Pos], add: Add
) -> None:
    """Every key the rule gives is read by its kind; every key its kind needs is given."""
    kind = r["kind"]
    rid = r.get("id")
    shape = REGISTRY[kind].shape
    given = [k for k in raw_r if isinstance(k, str) and k not in COMMON_KEYS]
    for key in given:
        if key in shape.keys:
            continue
        other = _kind_for(kind, given)
        users = [k for k, c in REGISTRY.items() if key in c.shape.keys]
        if not users:
            continue  # no kind reads it: the schema reports it as an unknown key
        hint = (
            f"did you mean kind: {other}?"
            if other and key in REGISTRY[other].shape.keys
            else f"remove {key} (it is read by {', '.join(users)})"
        )
        add(at(key), "E101", f"rule {rid}: {key} is not used by {kind}", hint)
    # a key written with a bad value was reported by the schema: do not also say it is needed
    for key in shape.needs:
        if raw_r.get(key) is None:
            add(rpos, "E102", f"rule {rid} ({kind}) needs `{key}`", _NEEDS_HINT.get(key))
    if shape.one_of and all(raw_r.get(k) is None for k in shape.one_of):
        names = " or ".join(f"`{k}`" for k in shape.one_of)
        add(rpos, "E102", f"rule {rid} ({kind}) needs {names}")


def _check_rule_names(
    r: dict[str, Any],
    at: Callable[[str], Pos],
    units: dict[str, _Unit],
    groups: dict[str, list[str]],
    add: Add,
) -> None:
    """The groups and units a rule names are defined."""
    rid = r.get("id")
    for gid in r.get("groups") or []:
        if gid is not None and gid not in groups:
            add(
                at("groups"),
                "E503",
                f'rule {rid} names group "{gid}", which is not defined',
                did_you_mean(gid, sorted(groups)),
            )
    for uid in r.get("units") or []:
        if uid is not None and uid not in units:
            add(
                at("units"),
                "E503",
                f'rule {rid} names unit "{uid}", which is not defined',
                did_you_mean(uid, sorted(units)) or "name a unit defined in `units:`",
            )


def _check_rule_facts(
    r: dict[str, Any], rpos: Pos, units: dict[str, _Unit], groups: dict[str, list[str]], add: Add
) -> None:
    """Each unit a rule counts gives the fact (credit, hours, level) that its kind reads."""
    kind = r["kind"]
    rid = r.get("id")
    kind_class = REGISTRY[kind]
    field = kind_class.fact
    for uid in _scope(r, units, groups):
        facts = units[uid].facts if uid in units else {}
        if field and field in facts and facts[field] is None:
            add(
                rpos,
                "E504",
                f"rule {rid} ({kind}) needs the {field} of unit {uid}, "
                "which the file does not give",
                f"give unit {uid} its {field}",
            )
        if kind_class.reads_level and "level" in facts and facts["level"] is None:
            add(
                rpos,
                "E504",
                f"rule {rid} needs the level of unit {uid}",
                f"give unit {uid} its level",
            )


_NEEDS_HINT = {
    "groups": "name the group ids it counts, e.g. groups: [B]",
    "units": 'name the unit ids, e.g. units: ["04", "05"]',
    "min": "give the least it asks for, e.g. min: 10",
    "max": "give the most it allows, e.g. max: 4",
    "level": "give the level it counts, e.g. level: 3",
}


def _check_mappings(data: dict[str, Any], raw: Any, units: dict[str, _Unit], add: Add) -> None:
    """`covered_by` names units ("2") or criteria ("1/1.1") of this qualification."""
    raw_maps = _list(raw.get("mappings"))
    for i, m in enumerate(data.get("mappings") or []):
        raw_items = _list(_item(raw_maps, i).get("items"))
        for j, item in enumerate((m or {}).get("items") or []):
            raw_item = _item(raw_items, j)
            raw_cov = _list(raw_item.get("covered_by"))
            for k, ref in enumerate((item or {}).get("covered_by") or []):
                if not ref:
                    continue
                pos = yamlio.item_pos(raw_cov, k) or yamlio.item_pos(raw_items, j)
                uid, _, cid = ref.partition("/")
                if uid not in units:
                    add(
                        pos,
                        "E503",
                        f'mapping {m.get("id")} item {item.get("id")}: covered_by "{ref}" names '
                        f'unit "{uid}", which is not defined',
                        did_you_mean(uid, sorted(units)) or "name a unit of this qualification",
                    )
                elif cid and cid not in units[uid].criteria:
                    what = unknown_criterion(
                        uid,
                        cid,
                        did_you_mean(cid, sorted(units[uid].criteria))
                        or 'write "UNIT/CRITERION", e.g. "1/1.1", or the unit id alone',
                    )
                    add(
                        pos,
                        "E503",
                        f'mapping {m.get("id")} item {item.get("id")}: covered_by "{ref}": '
                        + what.message,
                        what.hint,
                    )


def _scope(r: dict[str, Any], units: dict[str, _Unit], groups: dict[str, list[str]]) -> list[str]:
    """The units whose data the rule reads: every unit, or those of its groups."""
    if REGISTRY[r["kind"]].counts_every_unit(r):
        return list(units)
    return list(dict.fromkeys(u for g in r.get("groups") or [] for u in groups.get(g, [])))
