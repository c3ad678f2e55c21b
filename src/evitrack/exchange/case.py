"""CASE 1.1: a qualification as a CFPackage, and a CFPackage back into a qualification file.

The 1EdTech Competencies and Academic Standards Exchange (CASE) 1.1 package holds a
`CFDocument` (the qualification), `CFItems` (here: groups, units, outcomes, criteria and
knowledge items, told apart by `CFItemType`) and `CFAssociations` (here: `isChildOf`, from
each item to its parent, `sequenceNumber` the printed order). What CASE has no field for
(aliases, credit, guided learning hours, evidence requirements, the rules of combination,
notes) goes under the 1.1 `extensions` of the object it belongs to, so that a package
re-imports to the same qualification.

Identifiers are UUIDs (version 5) of the qualification id and the item's path, and
`lastChangeDateTime` is fixed (evitrack does not know when a specification changed): the
same qualification gives the same bytes every time.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evitrack.errors import UserError
from evitrack.model import Qualification, plain

# The namespace of every identifier evitrack gives a CASE object (a fixed, random UUID).
NAMESPACE = uuid.UUID("6f3b8a52-2c1e-4d7a-9b0e-5d4c3a2b1f09")
# CASE requires lastChangeDateTime; a fixed value keeps an export reproducible.
LAST_CHANGE = "2000-01-01T00:00:00+00:00"
CASE_VERSION = "1.1"
MAX_BYTES = 32 * 1024 * 1024  # a package larger than this is refused unread

# CFItemType for each kind of item, and the kinds an import recognises by type.
TYPES = {
    "group": "Group",
    "unit": "Unit",
    "outcome": "Learning Outcome",
    "criterion": "Assessment Criterion",
    "knowledge": "Knowledge",
}
_KIND_OF_TYPE = {v.lower(): k for k, v in TYPES.items()} | {
    "outcome": "outcome",
    "criterion": "criterion",
    "performance criterion": "criterion",
    "knowledge item": "knowledge",
}


def uuid_for(path: str) -> str:
    return str(uuid.uuid5(NAMESPACE, path))


def _uri(identifier: str) -> str:
    return f"urn:uuid:{identifier}"


def _link(identifier: str, title: str) -> dict[str, str]:
    return {"identifier": identifier, "title": title, "uri": _uri(identifier)}


def _nonempty(ext: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ext.items() if not (v is None or v is False or v == [] or v == {})}


class _Package:
    """The CFItems and CFAssociations of one export, in the order they are made."""

    def __init__(self, q: Qualification) -> None:
        self.q = q
        self.doc_link = _link(uuid_for(q.id), q.title)
        self.items: list[dict[str, Any]] = []
        self.assocs: list[dict[str, Any]] = []

    def item(
        self, path: str, kind: str, code: str, text: str, ext: dict[str, Any], **more: Any
    ) -> dict[str, str]:
        """Add a CFItem; its link."""
        identifier = uuid_for(f"{self.q.id}/{path}")
        entry: dict[str, Any] = {
            "identifier": identifier,
            "uri": _uri(identifier),
            "fullStatement": text,
            "humanCodingScheme": code,
            "CFItemType": TYPES[kind],
            "CFDocumentURI": self.doc_link,
            "language": "en",
            "lastChangeDateTime": LAST_CHANGE,
            **more,
        }
        ext = _nonempty(ext)
        if ext:
            entry["extensions"] = ext
        self.items.append(entry)
        return _link(identifier, text or code)

    def child(self, origin: dict[str, str], parent: dict[str, str], seq: int) -> None:
        """Add the isChildOf association from `origin` to `parent`."""
        identifier = uuid_for(
            f"{self.q.id}/isChildOf/{origin['identifier']}/{parent['identifier']}"
        )
        self.assocs.append(
            {
                "identifier": identifier,
                "uri": _uri(identifier),
                "associationType": "isChildOf",
                "originNodeURI": origin,
                "destinationNodeURI": parent,
                "sequenceNumber": seq,
                "CFDocumentURI": self.doc_link,
                "lastChangeDateTime": LAST_CHANGE,
            }
        )


_UNIT_KNOWN = (
    "id",
    "aliases",
    "title",
    "level",
    "credit",
    "glh",
    "group",
    "criteria_in_source",
    "outcomes",
    "knowledge",
    "evidence",
)
_TOP_KNOWN = (
    "id",
    "title",
    "awarding_body",
    "number",
    "level",
    "framework",
    "kind",
    "groups",
    "units",
    "rules",
)


def export(q: Qualification) -> dict[str, Any]:
    """The CASE 1.1 CFPackage of a qualification (plain JSON data)."""
    from evitrack import catalogue

    data = catalogue.to_json(q)
    package = _Package(q)
    group_links = {}
    for gi, g in enumerate(data["groups"], 1):
        extra = {k: v for k, v in g.items() if k not in ("id", "title", "units")}
        link = package.item(f"group/{g['id']}", "group", g["id"], g["title"], {"extra": extra})
        group_links[g["id"]] = link
        package.child(link, package.doc_link, gi)
    top = len(data["groups"])
    for ui, u in enumerate(data["units"], 1):
        ulink = _export_unit(package, u, ui)
        parents = [g for g in data["groups"] if u["id"] in g["units"]]
        for g in parents:
            package.child(ulink, group_links[g["id"]], g["units"].index(u["id"]) + 1)
        if not parents:
            top += 1
            package.child(ulink, package.doc_link, top)
    document = _document(q, data)
    return {"CFDocument": document, "CFItems": package.items, "CFAssociations": package.assocs}


def _export_unit(package: _Package, u: dict[str, Any], ui: int) -> dict[str, str]:
    """Add a unit with its outcomes, criteria and knowledge items; the unit's link."""
    ext = {
        "aliases": u["aliases"],
        "level": u["level"],
        "credit": u["credit"],
        "glh": u["glh"],
        "criteria_not_in_source": not u["criteria_in_source"],
        "evidence": _nonempty(u["evidence"]),
        "extra": {
            k: v
            for k, v in u.items()
            if k not in _UNIT_KNOWN or (k == "group" and "group" in package.q.units[u["id"]].extra)
        },
    }
    more: dict[str, Any] = {"listEnumeration": str(ui)}
    if u["level"] is not None:
        more["educationLevel"] = [str(u["level"])]
    if u["aliases"]:
        more["alternativeLabel"] = ", ".join(u["aliases"])
    path = f"unit/{u['id']}"
    ulink = package.item(path, "unit", u["id"], u["title"], ext, **more)
    for oi, o in enumerate(u["outcomes"], 1):
        extra = {k: v for k, v in o.items() if k not in ("id", "title", "criteria")}
        olink = package.item(
            f"{path}/outcome/{o['id']}", "outcome", o["id"], o["title"], {"extra": extra}
        )
        package.child(olink, ulink, oi)
        for ci, c in enumerate(o["criteria"], 1):
            extra = {k: v for k, v in c.items() if k not in ("id", "text")}
            clink = package.item(
                f"{path}/criterion/{c['id']}", "criterion", c["id"], c["text"], {"extra": extra}
            )
            package.child(clink, olink, ci)
    for ki, k in enumerate(u["knowledge"], 1):
        extra = {key: v for key, v in k.items() if key not in ("id", "text")}
        klink = package.item(
            f"{path}/knowledge/{k['id']}", "knowledge", k["id"], k["text"], {"extra": extra}
        )
        package.child(klink, ulink, len(u["outcomes"]) + ki)
    return ulink


def _document(q: Qualification, data: dict[str, Any]) -> dict[str, Any]:
    """The CFDocument: the qualification, with what CASE has no field for as extensions."""
    doc_id = uuid_for(q.id)
    document: dict[str, Any] = {
        "identifier": doc_id,
        "uri": _uri(doc_id),
        "creator": q.awarding_body or "not stated",
        "title": q.title,
        "caseVersion": CASE_VERSION,
        "language": "en",
        "lastChangeDateTime": LAST_CHANGE,
        "extensions": _nonempty(
            {
                "qualification_id": q.id,
                "awarding_body": q.awarding_body,
                "number": q.number,
                "level": q.level,
                "framework": q.framework,
                "kind": q.kind if q.kind != "qualification" else None,
                "rules": data["rules"],
                "extra": {k: v for k, v in data.items() if k not in _TOP_KNOWN},
            }
        ),
    }
    if q.awarding_body:
        document["publisher"] = q.awarding_body
    if q.number:
        document["version"] = q.number  # the accreditation number names this edition
    return document


def dumps(package: dict[str, Any]) -> str:
    """The package as JSON text: keys in a fixed order, two-space indent, a final newline."""
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"


# ---- import ----------------------------------------------------------------------------


def read(path: Path) -> dict[str, Any]:
    """A CFPackage file as JSON data; UserError if it cannot be read or is not one."""
    shown = str(path)
    if not path.is_file():
        raise UserError(f"{shown}: no such file", "give the path of a CASE package (.json)")
    if path.stat().st_size > MAX_BYTES:
        raise UserError(f"{shown}: larger than {MAX_BYTES // (1024 * 1024)} MB; not read")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError(f"{shown}: not UTF-8 text; a CASE package is JSON") from None
    except json.JSONDecodeError as e:
        raise UserError(
            f"{shown}:{e.lineno}:{e.colno}: not JSON: {e.msg}",
            "a CASE package is a JSON object with CFDocument, CFItems and CFAssociations",
        ) from None
    except RecursionError:
        raise UserError(f"{shown}: JSON nested too deeply") from None
    if isinstance(data, dict) and isinstance(data.get("CFPackage"), dict):
        data = data["CFPackage"]  # some providers wrap the package in one more object
    if not isinstance(data, dict) or not isinstance(data.get("CFDocument"), dict):
        raise UserError(
            f"{shown}: not a CASE package: no CFDocument object",
            "a CASE package is a JSON object with CFDocument, CFItems and CFAssociations "
            "(a provider's /ims/case/v1p1/CFPackages/ID answer)",
        )
    return data


def _need(obj: Any, key: str, where: str, shown: str) -> Any:
    if not isinstance(obj, dict) or obj.get(key) in (None, ""):
        raise UserError(f"{shown}: {where} has no {key}", "see the CASE 1.1 CFPackage fields")
    return obj[key]


def to_qualification(package: dict[str, Any], shown: str) -> dict[str, Any]:
    """The qualification file data (ready to dump as YAML) that a CFPackage describes."""
    doc = package["CFDocument"]
    doc_id = str(_need(doc, "identifier", "CFDocument", shown))
    items_in = package.get("CFItems") or []
    assocs_in = package.get("CFAssociations") or []
    if not isinstance(items_in, list) or not isinstance(assocs_in, list):
        raise UserError(f"{shown}: CFItems and CFAssociations must be lists")
    items: dict[str, dict[str, Any]] = {}
    for n, it in enumerate(items_in, 1):
        ident = str(_need(it, "identifier", f"CFItems item {n}", shown))
        if ident in items or ident == doc_id:
            raise UserError(f'{shown}: identifier "{ident}" is given twice')
        if not isinstance(it.get("fullStatement"), str):
            raise UserError(f'{shown}: CFItem "{ident}" has no fullStatement')
        items[ident] = it
    children: dict[str, list[tuple[float, int, str]]] = {}
    for n, a in enumerate(assocs_in, 1):
        where = f"CFAssociations item {n}"
        kind = _need(a, "associationType", where, shown)
        origin = str(_need(_need(a, "originNodeURI", where, shown), "identifier", where, shown))
        dest = str(_need(_need(a, "destinationNodeURI", where, shown), "identifier", where, shown))
        if kind != "isChildOf":
            continue  # other relations (isPeerOf, exactMatchOf, ...) do not shape the tree
        if origin not in items:
            raise UserError(
                f'{shown}: {where} ({a.get("identifier")}) is dangling: its origin "{origin}" '
                "is no CFItem of the package",
                "export the whole framework (a CFPackage), or remove the association",
            )
        if dest not in items and dest != doc_id:
            raise UserError(
                f"{shown}: {where} ({a.get('identifier')}) is dangling: its destination "
                f'"{dest}" is neither the CFDocument nor a CFItem of the package',
                "export the whole framework (a CFPackage), or remove the association",
            )
        seq = a.get("sequenceNumber")
        order = float(seq) if isinstance(seq, (int, float)) and not isinstance(seq, bool) else 1e18
        kids = children.setdefault(dest, [])
        if any(k[2] == origin for k in kids):
            continue
        kids.append((order, n, origin))
    for kids in children.values():
        kids.sort()
    kinds = _kinds(items, children, doc_id, shown)
    return _build(doc, items, children, kinds, doc_id, shown)


def _kinds(
    items: dict[str, dict[str, Any]],
    children: dict[str, list[tuple[float, int, str]]],
    doc_id: str,
    shown: str,
) -> dict[str, str]:
    """What each item is: by its CFItemType, or else by where it sits in the tree
    (leaves under an outcome are criteria, leaves under a unit knowledge items)."""
    kinds: dict[str, str] = {}
    for ident, it in items.items():
        t = str(it.get("CFItemType") or "").strip().lower()
        if t in _KIND_OF_TYPE:
            kinds[ident] = _KIND_OF_TYPE[t]

    def height(ident: str, seen: frozenset[str]) -> int:
        if ident in seen:
            raise UserError(f'{shown}: the isChildOf associations form a cycle at "{ident}"')
        kids = [k[2] for k in children.get(ident, [])]
        return 0 if not kids else 1 + max(height(k, seen | {ident}) for k in kids)

    for ident in items:
        if ident not in kinds:
            h = height(ident, frozenset())
            kinds[ident] = {0: "criterion", 1: "outcome", 2: "unit"}.get(h, "group")
    for ident, kind in list(kinds.items()):
        if kind == "criterion":
            parents = [p for p, kids in children.items() if any(k[2] == ident for k in kids)]
            if parents and kinds.get(parents[0]) == "unit":
                kinds[ident] = "knowledge"
    height(doc_id, frozenset())  # a cycle anywhere is refused
    return kinds


def _ext(it: dict[str, Any]) -> dict[str, Any]:
    ext = it.get("extensions")
    return ext if isinstance(ext, dict) else {}


def _code(it: dict[str, Any], fallback: str) -> str:
    code = it.get("humanCodingScheme") or it.get("listEnumeration") or fallback
    return str(code).strip().replace(" ", "-")


@dataclass(frozen=True)
class _Tree:
    """A package's items, each item's children in printed order, and what each item is."""

    items: dict[str, dict[str, Any]]
    children: dict[str, list[tuple[float, int, str]]]
    kinds: dict[str, str]

    def kids(self, ident: str, *want: str) -> list[str]:
        """The children of `ident` of the kinds in `want`, in order."""
        return [k[2] for k in self.children.get(ident, []) if self.kinds[k[2]] in want]

    def crit(self, ident: str, n: int) -> dict[str, Any]:
        """A criterion or knowledge item as the qualification file holds it."""
        it = self.items[ident]
        return {"id": _code(it, str(n)), "text": it["fullStatement"], **_ext(it).get("extra", {})}


def _build(
    doc: dict[str, Any],
    items: dict[str, dict[str, Any]],
    children: dict[str, list[tuple[float, int, str]]],
    kinds: dict[str, str],
    doc_id: str,
    shown: str,
) -> dict[str, Any]:
    tree = _Tree(items, children, kinds)
    units = []
    codes: dict[str, str] = {}
    for n, ident in enumerate(_unit_order(tree, doc_id), 1):
        code = _code(items[ident], str(n))
        if code in codes.values():
            raise UserError(f'{shown}: two units have the code "{code}"')
        codes[ident] = code
        units.append(_import_unit(tree, ident, code))
    groups = []
    for gn, gid in enumerate(_groups(doc_id, tree.kids), 1):
        g = items[gid]
        groups.append(
            {
                "id": _code(g, str(gn)),
                "title": g["fullStatement"],
                "units": [codes[u] for u in tree.kids(gid, "unit")],
                **(_ext(g).get("extra") or {}),
            }
        )
    out = _head(doc, doc_id, shown)
    out["groups"] = groups
    out["units"] = units
    out["rules"] = list(_ext(doc).get("rules") or [])
    return out


def _unit_order(tree: _Tree, doc_id: str) -> list[str]:
    """The units: everywhere in the tree, in their own printed order (listEnumeration),
    else in the order found."""
    found: list[str] = []

    def walk(ident: str) -> None:
        for k in tree.kids(ident, "group", "unit"):
            if tree.kinds[k] == "unit" and k not in found:
                found.append(k)
            walk(k)

    walk(doc_id)
    found += [i for i, k in tree.kinds.items() if k == "unit" and i not in found]

    def enum_key(ident: str) -> tuple[int, float, int]:
        e = tree.items[ident].get("listEnumeration")
        try:
            return (0, float(str(e)), found.index(ident))
        except (TypeError, ValueError):
            return (1, 0.0, found.index(ident))

    return sorted(found, key=enum_key)


def _import_unit(tree: _Tree, ident: str, code: str) -> dict[str, Any]:
    """A unit as the qualification file holds it, with its outcomes and knowledge."""
    it = tree.items[ident]
    ext = _ext(it)
    unit: dict[str, Any] = {
        "id": code,
        "aliases": list(ext.get("aliases") or []),
        "title": it["fullStatement"],
        "level": ext.get("level"),
        "credit": ext.get("credit"),
        "glh": ext.get("glh"),
    }
    if ext.get("criteria_not_in_source"):
        unit["criteria_in_source"] = False
    outcomes = []
    for on, oid in enumerate(tree.kids(ident, "outcome"), 1):
        o = tree.items[oid]
        outcomes.append(
            {
                "id": _code(o, str(on)),
                "title": o["fullStatement"],
                **{k: v for k, v in _ext(o).get("extra", {}).items()},
                "criteria": [
                    tree.crit(c, cn) for cn, c in enumerate(tree.kids(oid, "criterion"), 1)
                ],
            }
        )
    if outcomes:
        unit["outcomes"] = outcomes
    knowledge = [
        tree.crit(k, kn) for kn, k in enumerate(tree.kids(ident, "knowledge", "criterion"), 1)
    ]
    if knowledge:
        unit["knowledge"] = knowledge
    if ext.get("evidence"):
        unit["evidence"] = ext["evidence"]
    unit.update(ext.get("extra") or {})
    return unit


def _head(doc: dict[str, Any], doc_id: str, shown: str) -> dict[str, Any]:
    """The qualification file's top-level fields, from the CFDocument and its extensions."""
    dext = _ext(doc)
    title = doc.get("title")
    if not isinstance(title, str) or not title.strip():
        raise UserError(f"{shown}: CFDocument has no title")
    qid = dext.get("qualification_id") or _slug(title)
    out: dict[str, Any] = {
        "format": 1,
        "kind": dext.get("kind") or "qualification",
        "id": qid,
        "title": title,
        "awarding_body": dext.get("awarding_body", doc.get("creator")),
        "number": dext.get("number"),
        "level": dext.get("level"),
        "framework": dext.get("framework"),
    }
    extra = dict(dext.get("extra") or {})
    out["format"] = extra.pop("format", 1)
    if "source" not in extra and not dext:
        extra["source"] = f"CASE package {doc.get('uri') or doc_id}"
    out.update(extra)
    return out


def _groups(doc_id: str, kids: Any) -> list[str]:
    out: list[str] = []

    def walk(ident: str) -> None:
        for k in kids(ident, "group"):
            if k not in out:
                out.append(k)
            walk(k)

    walk(doc_id)
    return out


def _slug(title: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80] or "imported"


def to_yaml(data: dict[str, Any]) -> str:
    """A qualification file's text: block style, ids quoted, long text as literal blocks."""
    import re

    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        if "\n" in value:
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
        if re.fullmatch(r"[0-9][0-9.:+_eE-]*", value):  # "08", "1.10": ids stay strings
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
        return dumper.represent_scalar("tag:yaml.org,2002:str", value)

    Dumper.add_representer(str, text)
    body = yaml.dump(plain(data), Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "# Imported from a CASE 1.1 package by `evitrack qualification import`.\n" + body


@dataclass(frozen=True)
class Imported:
    """What `qualification import` wrote: the qualification's id and how much it holds."""

    id: str
    units: int
    groups: int
    rules: int


def import_file(source: Path, dest: Path, force: bool, new_id: str | None = None) -> Imported:
    """Write the qualification file a CFPackage describes to `dest`; what was written.

    The result is checked as `evitrack qualification check` would before anything is
    written: a package that gives no valid qualification is refused, nothing written.
    A centre's file may not take a shipped qualification's id (a claim would name the
    shipped qualification), so a package of a shipped qualification gets the id
    `ID-imported` unless `new_id` names another.
    """
    import tempfile

    from evitrack.catalogue import check_file, shipped_files
    from evitrack.exchange.files import check_target, write_text

    check_target(dest, force)
    data = to_qualification(read(source), str(source))
    if new_id:
        data["id"] = new_id
    elif data.get("id") in shipped_files():
        data["id"] = f"{data['id']}-imported"
    text = to_yaml(data)
    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp) / dest.name
        trial.write_text(text, encoding="utf-8")
        errors = [d for d in check_file(trial, str(dest)) if d.severity.value == "error"]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise UserError(
            f"{source}: the package does not make a valid qualification file: "
            f"{errors[0].headline}{more}; nothing was written",
            errors[0].hint,
        )
    write_text(dest, text, force)
    return Imported(
        str(data["id"]),
        len(data.get("units") or []),
        len(data.get("groups") or []),
        len(data.get("rules") or []),
    )
