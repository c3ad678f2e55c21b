"""`qualification check`: validate a qualification file a centre writes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from evitrack import yamlio
from evitrack.diagnostics import Diagnostic, did_you_mean, make
from evitrack.schema import QUALIFICATION, Validator

CREDIT_RULES = {"min_credit", "group_credit", "level_credit"}


def _seq_key(cid: str) -> tuple[Any, ...]:
    parts = re.findall(r"\d+|[A-Za-z]+", cid)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def check_file(path: Path, shown: str | None = None) -> list[Diagnostic]:
    """Every problem in one qualification file (schema, ids, references, rules)."""
    diags, data = check_data(path, shown)
    if not diags and data and data.get("kind", "qualification") != "units":
        from evitrack import catalogue
        from evitrack.planner import infeasible

        shown = diags_shown(path, shown)
        for rule_ids, message in infeasible(catalogue.load_file(path.resolve())):
            diags.append(
                make(shown, (1, 1), "E505", message, "rules involved: " + ", ".join(rule_ids))
            )
    return sorted(diags)


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
        raw = yaml.load(text, Loader=fastyaml._Loader)  # a safe loader (CSafeLoader)
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
    from evitrack.portfolio import display_path

    return shown or display_path(path)


def check_data(
    path: Path, shown: str | None = None, root: Path | None = None, fast: bool = False
) -> tuple[list[Diagnostic], Any]:
    """(problems, validated data) of one qualification file, without the rules' feasibility.

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

    raw_units = raw.get("units") or []
    units: dict[str, dict[str, Any]] = {}
    for i, u in enumerate(data.get("units") or []):
        if not u or not u.get("id"):
            continue
        upos = yamlio.item_pos(raw_units, i)
        if u["id"] in units:
            diags.append(make(shown, upos, "E501", f'unit id "{u["id"]}" is used twice'))
            continue
        units[u["id"]] = u
        _check_unit(u, raw_units[i], shown, diags)

    included: set[str] = set()
    from evitrack import catalogue
    from evitrack.errors import UserError

    here = path.resolve()
    pushed = not catalogue._LOADING or catalogue._LOADING[-1] != here
    if pushed:  # so that an include leading back here is seen as a cycle, not followed
        catalogue._LOADING.append(here)
    try:
        libs: list[Any] = []
        for i, inc in enumerate(data.get("include") or []):
            if not inc or not isinstance(inc.get("from"), str):
                continue  # reported by the schema
            ipos = yamlio.item_pos(raw.get("include"), i)
            try:
                target = catalogue._include_path(here, inc["from"], root)
                if target == here:
                    raise UserError(f'"{inc["from"]}" includes itself')
                if target in catalogue._LOADING:
                    chain = catalogue._LOADING[catalogue._LOADING.index(target) :]
                    raise UserError(
                        "include cycle: " + " -> ".join(p.name for p in (*chain, target)),
                        "a file may not include, directly or not, a file that includes it",
                    )
                libs.append((inc, ipos, catalogue.load_file(target, root)))
            except UserError as e:
                diags.append(make(shown, ipos, "E506", e.message, e.hint))
    finally:
        if pushed:
            catalogue._LOADING.pop()
    for inc, ipos, lib in libs:
        wanted = [u for u in inc.get("units") or [] if isinstance(u, str)] or list(lib.units)
        for uid in wanted:
            if uid not in lib.units:
                diags.append(
                    make(
                        shown,
                        ipos,
                        "E503",
                        f'include: {inc["from"]} has no unit "{uid}"',
                        did_you_mean(uid, list(lib.units)),
                    )
                )
            else:
                included.add(uid)
                units.setdefault(
                    uid,
                    {
                        "id": uid,
                        "credit": lib.units[uid].credit,
                        "level": lib.units[uid].level,
                        "glh": lib.units[uid].glh,
                    },
                )

    all_units = set(units)
    groups: dict[str, list[str]] = {}
    raw_groups = raw.get("groups") or []
    for i, g in enumerate(data.get("groups") or []):
        if not g or not g.get("id"):
            continue
        gpos = yamlio.item_pos(raw_groups, i)
        if g["id"] in groups:
            diags.append(make(shown, gpos, "E501", f'group id "{g["id"]}" is used twice'))
        groups[g["id"]] = [u for u in g.get("units") or [] if u]
        for j, uid in enumerate(groups[g["id"]]):
            if uid not in all_units:
                upos = yamlio.item_pos(raw_groups[i].get("units"), j)
                diags.append(
                    make(
                        shown,
                        upos,
                        "E503",
                        f'group {g["id"]} names unit "{uid}", which is not defined',
                        did_you_mean(uid, sorted(all_units)),
                    )
                )

    raw_rules = raw.get("rules") or []
    seen_rules: set[str] = set()
    for i, r in enumerate(data.get("rules") or []):
        if not r or not r.get("kind"):
            continue
        rpos = yamlio.item_pos(raw_rules, i)
        if r.get("id") in seen_rules:
            diags.append(make(shown, rpos, "E501", f'rule id "{r["id"]}" is used twice'))
        seen_rules.add(r.get("id"))
        _check_rule(r, rpos, units, groups, shown, diags)

    return sorted(diags), data


def _check_unit(u: dict[str, Any], raw_u: Any, shown: str, diags: list[Diagnostic]) -> None:
    seen: set[str] = set()
    outcomes = u.get("outcomes") or []
    raw_o = raw_u.get("outcomes") or [] if isinstance(raw_u, dict) else []
    last_o: str | None = None
    for i, o in enumerate(outcomes):
        if not o:
            continue
        opos = yamlio.item_pos(raw_o, i)
        if last_o is not None and o.get("id") and _seq_key(o["id"]) <= _seq_key(last_o):
            diags.append(
                make(
                    shown,
                    opos,
                    "E502",
                    f'unit {u["id"]}: outcome "{o["id"]}" comes after "{last_o}"',
                )
            )
        last_o = o.get("id") or last_o
        last_c: str | None = None
        raw_c = raw_o[i].get("criteria") or [] if isinstance(raw_o[i], dict) else []
        for j, c in enumerate(o.get("criteria") or []):
            if not c or not c.get("id"):
                continue
            cpos = yamlio.item_pos(raw_c, j)
            cid = c["id"]
            if cid in seen:
                diags.append(
                    make(
                        shown,
                        cpos,
                        "E501",
                        f'unit {u["id"]}: criterion id "{cid}" is used twice',
                        'give the second a distinct id (e.g. "2.3(2)") and record `printed_id`',
                    )
                )
            seen.add(cid)
            if last_c is not None and _seq_key(cid) <= _seq_key(last_c) and not c.get("printed_id"):
                diags.append(
                    make(
                        shown,
                        cpos,
                        "E502",
                        f'unit {u["id"]}: criterion "{cid}" comes after "{last_c}"',
                    )
                )
            last_c = cid
    for k in u.get("knowledge") or []:
        if k and k.get("id") in seen:
            diags.append(make(shown, None, "E501", f'unit {u["id"]}: id "{k["id"]}" is used twice'))
        if k:
            seen.add(k.get("id"))


def _check_rule(
    r: dict[str, Any],
    rpos: tuple[int, int] | None,
    units: dict[str, dict[str, Any]],
    groups: dict[str, list[str]],
    shown: str,
    diags: list[Diagnostic],
) -> None:
    kind = r["kind"]
    for gid in r.get("groups") or []:
        if gid is not None and gid not in groups:
            diags.append(
                make(
                    shown,
                    rpos,
                    "E503",
                    f'rule {r.get("id")} names group "{gid}", which is not defined',
                    did_you_mean(gid, sorted(groups)),
                )
            )
    for uid in r.get("units") or []:
        if uid is not None and uid not in units:
            diags.append(
                make(
                    shown,
                    rpos,
                    "E503",
                    f'rule {r.get("id")} names unit "{uid}", which is not defined',
                    did_you_mean(uid, sorted(units)),
                )
            )
    need = {
        "min_credit": ("min",),
        "group_credit": ("groups",),
        "group_units": ("groups",),
        "each_group_units": ("groups", "min"),
        "level_credit": ("level", "min"),
        "min_glh": ("min",),
        "min_units": ("min",),
        "max_units": ("max",),
        "barred": ("units",),
    }
    for key in need.get(kind, ()):
        if r.get(key) is None:
            diags.append(make(shown, rpos, "E102", f"rule {r.get('id')} ({kind}) needs `{key}`"))
    if kind in ("group_credit", "group_units") and all(
        r.get(k) is None for k in ("min", "max", "exact")
    ):
        diags.append(
            make(shown, rpos, "E102", f"rule {r.get('id')} ({kind}) needs `min`, `max` or `exact`")
        )
    if kind == "mandatory" and not (r.get("units") or r.get("groups")):
        diags.append(
            make(shown, rpos, "E102", f"rule {r.get('id')} (mandatory) needs `units` or `groups`")
        )
    scope = _scope(r, units, groups)
    field = "credit" if kind in CREDIT_RULES else "glh" if kind == "min_glh" else None
    for uid in scope:
        u = units.get(uid) or {}
        if field and u.get(field) is None:
            diags.append(
                make(
                    shown,
                    rpos,
                    "E504",
                    f"rule {r.get('id')} ({kind}) needs the {field} of unit {uid}, "
                    "which the file does not give",
                )
            )
        if kind == "level_credit" and u.get("level") is None:
            diags.append(
                make(shown, rpos, "E504", f"rule {r.get('id')} needs the level of unit {uid}")
            )


def _scope(
    r: dict[str, Any], units: dict[str, dict[str, Any]], groups: dict[str, list[str]]
) -> list[str]:
    kind = r["kind"]
    if kind in ("min_credit", "min_glh"):
        return list(units)
    if r.get("groups"):
        return [u for g in r["groups"] for u in groups.get(g, [])]
    if kind == "level_credit":
        return list(units)
    return []
