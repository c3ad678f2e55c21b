"""`standard check`: validate an apprenticeship standard file a centre writes or imports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from evitrack import yamlio
from evitrack.diagnostics import Diagnostic, did_you_mean, make, unknown_criterion, unknown_unit
from evitrack.errors import UserError
from evitrack.schema import STANDARD, Validator

if TYPE_CHECKING:
    from evitrack.model import Qualification

Pos = tuple[int, int] | None


def check_file(path: Path, shown: str | None = None) -> list[Diagnostic]:
    """Every problem in one standard file (schema, ids, mappings)."""
    return check_data(path, shown)[0]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _item(seq: list[Any], i: int) -> Any:
    return seq[i] if i < len(seq) and isinstance(seq[i], dict) else {}


def qualification_mapping(mappings: Any, mid: str) -> dict[str, Any] | None:
    """The entry of a qualification's `mappings:` whose id is `mid` (None: it has none)."""
    for m in mappings or []:
        if isinstance(m, dict) and str(m.get("id")) == mid:
            return m
    return None


def check_data(path: Path, shown: str | None = None) -> tuple[list[Diagnostic], Any]:
    """(problems, validated data) of one standard file."""
    from evitrack.locate import display_path

    shown = shown or display_path(path)
    try:
        text, raw = yamlio.load(path)
    except yamlio.YamlProblem as p:
        return [make(shown, (p.line, p.col), p.code, p.message, p.hint)], None
    v = Validator(shown, text)
    data = v.mapping(raw, STANDARD, (1, 1), "")
    diags = v.diagnostics
    if not data:
        return sorted(diags), None

    def add(pos: Pos, code: str, message: str, hint: str | None = None) -> None:
        diags.append(make(shown, pos, code, message, hint))

    known = _check_ksb_ids(data, raw, add)
    _check_gateway_ids(data, raw, add)
    _check_mappings(path, data, raw, known, add)
    return sorted(diags), data


def _check_ksb_ids(data: dict[str, Any], raw: Any, add: Any) -> dict[str, str]:
    """KSB ids and aliases are unique; returns id or alias -> KSB id."""
    raw_ksbs = _list(raw.get("ksbs"))
    seen: dict[str, tuple[str, Pos]] = {}
    for i, k in enumerate(data.get("ksbs") or []):
        if not k or not k.get("id"):
            continue
        pos = yamlio.item_pos(raw_ksbs, i)
        for name in dict.fromkeys([k["id"], *[a for a in k.get("aliases") or [] if a]]):
            if name in seen:
                first = seen[name][1]
                add(
                    pos,
                    "E701",
                    f'KSB id "{name}" is used twice (first at '
                    f"{f'line {first[0]}' if first else 'another place'})",
                    "give each KSB its own id, and aliases no other KSB uses",
                )
            else:
                seen[name] = (k["id"], pos)
    return {name: kid for name, (kid, _) in seen.items()}


def _check_gateway_ids(data: dict[str, Any], raw: Any, add: Any) -> None:
    raw_g = _list(raw.get("gateway"))
    seen: set[str] = set()
    for i, g in enumerate(data.get("gateway") or []):
        if g and g.get("id") in seen:
            add(
                yamlio.item_pos(raw_g, i),
                "E701",
                f'gateway requirement id "{g["id"]}" is used twice',
                "give each gateway requirement its own id",
            )
        elif g and g.get("id"):
            seen.add(g["id"])


def _check_mappings(
    path: Path, data: dict[str, Any], raw: Any, known: dict[str, str], add: Any
) -> None:
    """Each entry names a qualification and either its mapping or the units per KSB."""
    from evitrack import catalogue

    raw_maps = _list(raw.get("mappings"))
    seen: set[str] = set()
    for i, m in enumerate(data.get("mappings") or []):
        if not m or not m.get("qualification"):
            continue
        pos = yamlio.item_pos(raw_maps, i)
        raw_m = _item(raw_maps, i)
        if not m.get("mapping") and not m.get("units"):
            add(
                pos,
                "E702",
                f"mappings[{i + 1}] names neither `mapping:` nor `units:`",
                "add `mapping: ID` (a mapping in the qualification file) or "
                '`units: {K1: ["1"]}` (KSB id -> unit ids)',
            )
        try:
            qual = catalogue.load(m["qualification"], path.parent)
        except UserError as e:
            add(yamlio.value_pos(raw_m, "qualification") or pos, "E702", e.message, e.hint)
            continue
        if qual.id in seen:
            add(
                pos,
                "E701",
                f"qualification {qual.id} is mapped twice",
                "keep one `mappings` entry per qualification",
            )
        seen.add(qual.id)
        if m.get("mapping"):
            _check_named_mapping(qual, m["mapping"], yamlio.value_pos(raw_m, "mapping") or pos,
                                 known, add)  # fmt: skip
        _check_units(qual, i, m, raw_m, pos, known, add)


def _check_named_mapping(
    qual: Qualification, mid: str, mpos: Pos, known: dict[str, str], add: Any
) -> None:
    """E702: the qualification has no mapping `mid`, or one of its items is no KSB."""
    ids = [str(x.get("id")) for x in qual.extra.get("mappings") or [] if isinstance(x, dict)]
    found = qualification_mapping(qual.extra.get("mappings"), mid)
    if found is None:
        add(
            mpos,
            "E702",
            f'{qual.id} has no mapping "{mid}"',
            did_you_mean(mid, ids)
            or ("its mappings: " + ", ".join(ids) if ids else "it holds no mappings"),
        )
        return
    for item in found.get("items") or []:
        iid = str(item.get("id"))
        if iid not in known:
            add(
                mpos,
                "E702",
                f'mapping {mid} of {qual.id}: item "{iid}" is no KSB of this standard',
                f'give the KSB it means `aliases: ["{iid}"]`',
            )


def _check_units(
    qual: Qualification,
    i: int,
    m: dict[str, Any],
    raw_m: Any,
    pos: Pos,
    known: dict[str, str],
    add: Any,
) -> None:
    """E702 for each `units:` key that is no KSB, and each unit or criterion it names that
    the qualification lacks."""
    ksb_ids = sorted(set(known.values()))
    raw_units = raw_m.get("units") if isinstance(raw_m.get("units"), dict) else {}
    for kid, refs in (m.get("units") or {}).items():
        kpos = yamlio.key_pos(raw_units, kid) or pos
        if kid not in known:
            add(
                kpos,
                "E702",
                f'mappings[{i + 1}].units: "{kid}" is no KSB of this standard',
                did_you_mean(kid, ksb_ids) or "its KSBs: " + ", ".join(ksb_ids),
            )
        raw_refs = _list(raw_units.get(kid))
        for j, uref in enumerate(refs or []):
            if not uref:
                continue
            uid, _, cid = uref.partition("/")
            rpos = yamlio.item_pos(raw_refs, j) or kpos
            unit = qual.resolve_unit(uid)
            if unit is None:
                what = unknown_unit(uid, qual.id, qual.unit_names())
                add(rpos, "E702", f"mappings[{i + 1}].units.{kid}: {what.message}", what.hint)
            elif cid and qual.units[unit].criterion(cid) is None:
                valid = [c.id for c in qual.units[unit].criteria]
                what = unknown_criterion(
                    unit,
                    cid,
                    did_you_mean(cid, valid) or 'write "UNIT/CRITERION", e.g. "1/1.1"',
                )
                add(rpos, "E702", f"mappings[{i + 1}].units.{kid}: {what.message}", what.hint)
