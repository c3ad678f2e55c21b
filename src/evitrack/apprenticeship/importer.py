"""A standard file from the JSON the apprenticeship standards service publishes.

evitrack never goes online: the centre downloads the standard's JSON and passes the
file. Read: referenceNumber, version, level, title, typicalDuration (months),
knowledges[{knowledgeId, detail}], skills[{skillId, detail}],
behaviours[{behaviourId, detail}]; `duties` and any other field are left out (a
duty restates KSBs by reference, it adds none).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evitrack.errors import UserError

_KINDS = (  # (list field, id field, kind, id letter)
    ("knowledges", "knowledgeId", "knowledge", "K"),
    ("skills", "skillId", "skill", "S"),
    ("behaviours", "behaviourId", "behaviour", "B"),
)


def _where(path: Path, exc: json.JSONDecodeError) -> str:
    return f"{path}:{exc.lineno}:{exc.colno}"


def read_json(path: Path) -> Any:
    """The file's JSON; UserError with line:col when it is not JSON."""
    from evitrack.yamlio import MAX_BYTES

    if not path.is_file():
        raise UserError(f"{path}: no such file", "pass the JSON file you downloaded")
    with path.open("rb") as fh:
        raw = fh.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise UserError(f"{path}: the file is too large for a standard ({MAX_BYTES} bytes at most)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: not UTF-8 text (byte {e.start + 1})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise UserError(
            f"{_where(path, e)}: not valid JSON: {e.msg}",
            "pass the standard's JSON as downloaded from the apprenticeship standards service",
        ) from None
    except RecursionError:
        raise UserError(f"{path}: the JSON is nested too deeply") from None


def _line_of(text: str, needle: str) -> str:
    """':line:col' of the first occurrence of a key in the JSON text, or ''."""
    at = text.find(f'"{needle}"')
    if at < 0:
        return ""
    line = text.count("\n", 0, at) + 1
    return f":{line}:{at - (text.rfind(chr(10), 0, at) + 1) + 1}"


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def to_standard(data: Any, path: Path, std_id: str | None = None) -> dict[str, Any]:
    """The standard file's data from the service's JSON; UserError naming what is wrong."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")

    def bad(message: str, key: str = "") -> UserError:
        return UserError(
            f"{path}{_line_of(text, key) if key else ''}: not an apprenticeship standard: "
            + message,
            "the service's JSON holds referenceNumber, title, level, version and the lists "
            "knowledges, skills and behaviours",
        )

    if isinstance(data, list) and len(data) == 1:
        data = data[0]  # a search result of one standard
    if not isinstance(data, dict):
        raise bad(f"expected a JSON object, found {type(data).__name__}")
    title = _text(data.get("title"))
    if title is None:
        raise bad('"title" is missing or empty', "title")
    level = _level(data.get("level"), bad)
    duration = data.get("typicalDuration")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or duration < 1
    ):
        raise bad(
            f'"typicalDuration" must be a whole number of months, not {json.dumps(duration)}',
            "typicalDuration",
        )
    version = data.get("version")
    ksbs = _ksbs(data, bad)
    ref = _text(data.get("referenceNumber"))
    return {
        "format": 1,
        "kind": "standard",
        "id": std_id or slug(title),
        "title": title,
        "reference": ref,
        "level": level,
        "version": None if version is None else str(version),
        "source": f"{path.name} (the apprenticeship standards service's JSON)",
        "typical_duration_months": duration,
        "otj_minimum_hours": None,
        "ksbs": ksbs,
        "gateway": [],
        "mappings": [],
    }


def _level(level: Any, bad: Callable[..., UserError]) -> int | None:
    """The standard's level, a whole number from 1 to 8 (written as text or not)."""
    if level is not None and (isinstance(level, bool) or not isinstance(level, int)):
        if isinstance(level, str) and level.strip().isdigit():
            level = int(level)
        else:
            raise bad(f'"level" must be a whole number, not {json.dumps(level)}', "level")
    if level is not None and not 1 <= level <= 8:
        raise bad(f'"level" is {level}: it must be from 1 to 8', "level")
    return None if level is None else int(level)


def _ksbs(data: dict[str, Any], bad: Callable[..., UserError]) -> list[dict[str, Any]]:
    """The knowledges, skills and behaviours, each with its id; at least one."""
    ksbs: list[dict[str, Any]] = []
    seen: set[str] = set()
    for field, id_field, kind, letter in _KINDS:
        items = data.get(field)
        if items is None:
            continue
        if not isinstance(items, list):
            raise bad(f'"{field}" must be a list', field)
        for n, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise bad(f'"{field}" item {n} is not an object', field)
            detail = _text(item.get("detail"))
            if detail is None:
                raise bad(f'"{field}" item {n} has no "detail"', field)
            kid = _ksb_id(item.get(id_field), letter, n)
            if kid in seen:
                raise bad(f'"{field}" item {n}: the id {kid} is used twice', field)
            seen.add(kid)
            ksbs.append({"id": kid, "kind": kind, "title": detail})
    if not ksbs:
        raise bad("it holds no knowledges, skills or behaviours")
    return ksbs


def _ksb_id(value: Any, letter: str, n: int) -> str:
    """K1 from a knowledgeId of "K1", or of a GUID (then the position gives the number)."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{1,3}\d{1,4}", value.strip()):
        return value.strip().upper()
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return f"{letter}{value}"
    return f"{letter}{n}"


def slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words)[:60].strip("-") or "standard"


def render(data: dict[str, Any]) -> str:
    """The standard file's YAML text (block style, text double-quoted where needed)."""
    import yaml

    head = {k: v for k, v in data.items() if k not in ("ksbs", "gateway", "mappings")}
    out = yaml.safe_dump(head, sort_keys=False, allow_unicode=True, width=100)
    out += "ksbs:\n"
    for k in data["ksbs"]:
        out += f"  - id: {k['id']}\n    kind: {k['kind']}\n"
        out += "    title: " + json.dumps(k["title"], ensure_ascii=False) + "\n"
    out += "gateway: []\nmappings: []\n"
    return out


def import_file(src: Path, out: Path, force: bool = False, std_id: str | None = None) -> Path:
    """Read the JSON at `src`, write the standard file at `out` (atomic, never via a link)."""
    from evitrack.atomic import atomic_create_text, atomic_write_text

    data = to_standard(read_json(src), src, std_id)
    text = render(data)
    if out.is_symlink():
        raise UserError(f"{out} is a symbolic link: evitrack does not write through links")
    if out.exists() and not out.is_file():
        raise UserError(f"{out} exists and is not a regular file")
    if not out.parent.is_dir():
        raise UserError(f"{out.parent}: no such folder", "create it first, or pick another -o")
    if out.exists():
        if not force:
            raise UserError(f"{out} exists", "pass --force to replace it")
        atomic_write_text(out, text)
    elif not atomic_create_text(out, text):
        raise UserError(f"{out} exists", "pass --force to replace it")
    return out
