"""YAML in and out: positions, recovery of numbers as written, atomic round-trip writes.

Everything here returns data or raises `YamlProblem`; nothing prints.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from evitrack.atomic import atomic_create_text as atomic_create_text
from evitrack.atomic import atomic_write_text as atomic_write_text

MAX_BYTES = 2 * 1024 * 1024  # a record or evitrack.yaml larger than this is refused unread
MAX_NODES = 200_000  # expanded size beyond which aliases are treated as a bomb
MAX_DEPTH = 64

CONFLICT_RE = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?:\s|$)", re.MULTILINE)


class InvalidDate(str):
    """A timestamp-looking scalar that is not a real date (e.g. 2026-02-30)."""


@dataclass
class YamlProblem(Exception):
    """A file that cannot be loaded: code from diagnostics.CODES, 1-based position."""

    code: str
    message: str
    line: int = 0
    col: int = 0
    hint: str | None = None


def _construct_timestamp(constructor: RoundTripConstructor, node: Any) -> Any:
    try:
        return RoundTripConstructor.construct_yaml_timestamp(constructor, node)
    except (ValueError, OverflowError):
        return InvalidDate(node.value)


class _Constructor(RoundTripConstructor):
    pass


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)

_YAML: YAML | None = None


def _yaml() -> YAML:
    global _YAML
    if _YAML is None:
        y = YAML(typ="rt")
        y.Constructor = _Constructor
        y.preserve_quotes = True
        y.allow_duplicate_keys = False
        y.width = 4096
        _YAML = y
    return _YAML


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """Read a user's YAML file as text, refusing what cannot be a sane YAML file."""
    try:
        if path.is_dir():
            raise YamlProblem("E001", "this is a directory, not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise YamlProblem(
                "E006",
                f"file is {size / 1_048_576:.1f} MB; evitrack reads YAML files of at most "
                f"{max_bytes // 1_048_576} MB",
                hint="keep large documents under files/ and attach them to a record",
            )
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except PermissionError:
        raise YamlProblem("E001", "permission denied: cannot read this file") from None
    except OSError as exc:
        raise YamlProblem("E001", f"cannot read this file: {exc.strerror or exc}") from None
    return decode(raw)


def decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlProblem(
            "E001",
            "file is UTF-16 encoded; evitrack reads UTF-8",
            line=1,
            col=1,
            hint="save the file as UTF-8 in your editor",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlProblem(
            "E001",
            f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})",
            line=line,
            col=col,
            hint="save the file as UTF-8 in your editor",
        ) from None
    if "\x00" in text:
        raise YamlProblem("E001", "file contains NUL bytes: it is not a text file", 1, 1)
    return text


def conflict_markers(text: str) -> list[int]:
    """1-based lines holding git merge-conflict markers."""
    return [text.count("\n", 0, m.start()) + 1 for m in CONFLICT_RE.finditer(text)]


def parse(text: str) -> Any:
    """Round-trip parse. Raises YamlProblem with a position for every failure."""
    lines = conflict_markers(text)
    if lines:
        raise YamlProblem(
            "E004",
            "unresolved git merge conflict: the file still holds conflict markers "
            f"(<<<<<<< / ======= / >>>>>>>) at line{'s' if len(lines) > 1 else ''} "
            + ", ".join(map(str, lines[:5])),
            line=lines[0],
            col=1,
            hint="edit the file to keep the right version, delete the marker lines, then commit",
        )
    if "\t" in text:
        for n, line in enumerate(text.splitlines(), 1):
            stripped = line.lstrip(" ")
            if stripped.startswith("\t"):
                raise YamlProblem(
                    "E002",
                    "a tab character is used for indentation; YAML allows spaces only",
                    line=n,
                    col=len(line) - len(stripped) + 1,
                    hint="replace the tab with spaces",
                )
    try:
        data = _yaml().load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        key = ""
        if exc.problem:
            m = re.search(r'found duplicate key "(.*?)"', exc.problem)
            key = m.group(1) if m else ""
        first = _first_key_line(text, key, mark.line if mark else 0, mark.column if mark else 0)
        raise YamlProblem(
            "E003",
            f'duplicate key "{key}"' + (f" (first at line {first})" if first else ""),
            line=mark.line + 1 if mark else 0,
            col=mark.column + 1 if mark else 0,
            hint="a key may appear once in a mapping; merge the two entries",
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        raise YamlProblem(
            "E002",
            f"YAML syntax error: {problem}",
            line=mark.line + 1 if mark else 0,
            col=mark.column + 1 if mark else 0,
            hint="check indentation, colons and quotes around this point",
        ) from None
    except (YAMLError, RecursionError, ValueError, TypeError) as exc:
        raise YamlProblem("E002", f"YAML error: {exc}".splitlines()[0]) from None
    _check_size(data)
    return data


def _first_key_line(text: str, key: str, line0: int, col0: int) -> int | None:
    """1-based line of the first `key:` at the same indentation before the duplicate."""
    pattern = re.compile(rf"^\s{{{col0}}}(?:- )?['\"]?{re.escape(key)}['\"]?\s*:")
    for n, line in enumerate(text.splitlines()[:line0], 1):
        if pattern.match(line):
            return n
    return None


def _check_size(data: Any) -> None:
    """Refuse alias bombs and absurd nesting before anything walks the data."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node: Any, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise YamlProblem("E007", f"data nested more than {MAX_DEPTH} levels deep", 1, 1)
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in on_path:
            raise YamlProblem("E007", "recursive YAML alias (a node contains itself)", 1, 1)
        on_path.add(key)
        children = node.values() if isinstance(node, dict) else node
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_NODES:
                raise YamlProblem(
                    "E007",
                    f"YAML aliases expand to more than {MAX_NODES:,} nodes",
                    1,
                    1,
                    hint="evidence records need no anchors or aliases: write the values out",
                )
        on_path.discard(key)
        sizes[key] = total
        return total

    size(data, 0)


def load(path: Path) -> tuple[str, Any]:
    """Read and parse one file: (text, data). Raises YamlProblem."""
    text = read_text(path)
    return text, parse(text)


# ---- positions -------------------------------------------------------------------


def key_pos(mapping: Any, key: Any) -> tuple[int, int] | None:
    if isinstance(mapping, CommentedMap):
        try:
            line, col = mapping.lc.key(key)
            return line + 1, col + 1
        except (KeyError, TypeError):
            return node_pos(mapping)
    return None


def value_pos(mapping: Any, key: Any) -> tuple[int, int] | None:
    if isinstance(mapping, CommentedMap):
        try:
            line, col = mapping.lc.value(key)
            return line + 1, col + 1
        except (KeyError, TypeError):
            return key_pos(mapping, key)
    return None


def item_pos(seq: Any, index: int) -> tuple[int, int] | None:
    if isinstance(seq, CommentedSeq):
        try:
            line, col = seq.lc.item(index)
            return line + 1, col + 1
        except (KeyError, TypeError, IndexError):
            return node_pos(seq)
    return None


def node_pos(node: Any) -> tuple[int, int] | None:
    lc = getattr(node, "lc", None)
    if lc is not None and lc.line is not None:
        return lc.line + 1, lc.col + 1
    return None


_TOKEN_END = re.compile(r"\s*(?:[,\]\}]|:(?:\s|$)|\s#|$)")


def raw_scalar(text: str, pos: tuple[int, int] | None) -> str | None:
    """The scalar as written at a 1-based position (e.g. `1.10`, `01`), or None."""
    if pos is None:
        return None
    lines = text.splitlines()
    line, col = pos
    if not 0 < line <= len(lines):
        return None
    rest = lines[line - 1][col - 1 :]
    m = _TOKEN_END.search(rest)
    token = rest[: m.start()] if m else rest
    token = token.strip()
    return token or None


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


# ---- writing ------------------------------------------------------------------------


def dump(data: Any, original: str | None = None) -> str:
    """Serialise round-trip data, keeping the original file's indentation style."""
    y = YAML(typ="rt")
    y.Constructor = _Constructor
    y.preserve_quotes = True
    y.width = 4096
    mapping, sequence, offset = _guess_indent(original or "")
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    buf = io.StringIO()
    y.dump(data, buf)
    out = buf.getvalue()
    if original is not None and "\r\n" in original:
        out = out.replace("\r\n", "\n").replace("\n", "\r\n")
    return out


def _guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indentation used in the text; defaults 2, 2, 0."""
    lines = text.splitlines()
    mapping = 2
    for i, line in enumerate(lines[:-1]):
        s = line.strip()
        if s.endswith(":") and not s.startswith(("-", "#")):
            nxt = lines[i + 1]
            ind = len(line) - len(line.lstrip())
            nind = len(nxt) - len(nxt.lstrip())
            if nind > ind and not nxt.lstrip().startswith("-"):
                mapping = nind - ind
                break
    for i, line in enumerate(lines[:-1]):
        s = line.strip()
        if s.endswith(":") and not s.startswith("#"):
            nxt = lines[i + 1]
            if nxt.lstrip().startswith("- "):
                ind = len(line) - len(line.lstrip())
                dash = len(nxt) - len(nxt.lstrip())
                offset = dash - ind
                return mapping, offset + 2, offset
    return mapping, mapping, 0


def walk_strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from walk_strings(k)
            yield from walk_strings(v)
    elif isinstance(data, list):
        for v in data:
            yield from walk_strings(v)
