"""The fast path: libyaml (PyYAML's C loader) with YAML 1.2 scalars, for clean files.

ruamel.yaml's round-trip loader, which gives positions and keeps comments, is
several times slower. Clean files need neither, so they are parsed here; any
file that is odd in any way (duplicate keys, anchors, a problem found while
validating) is parsed again by `yamlio.parse`, which is the one source of
truth for positions and messages. Both give the same data for clean files: the
resolvers below are ruamel's YAML 1.2 ones, and a test compares the two.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml

from evitrack import yamlio

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
T = TypeVar("T")
D = TypeVar("D")
_SCALAR, _SEQUENCE = yaml.ScalarNode, yaml.SequenceNode
_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))


def load_shipped(path: Path) -> Any:
    """A file shipped with evitrack (trusted: its tests check it), with PyYAML's safe loader."""
    with path.open("rb") as fh:
        return yaml.load(fh, Loader=_Base)


class Fallback(Exception):
    """This file needs the round-trip loader."""


def data(text: str, placed: bool = False) -> Any:
    """The data of a text as `check` reads it: libyaml's (with places if `placed`), or the
    round-trip parser's for a text libyaml cannot judge; for what is only read, or read
    back after a write. Raises yamlio.YamlProblem."""
    try:
        return parse(text, placed)
    except Fallback:
        return yamlio.parse(text)


def checked(path: Path, check: Callable[[str, Any], tuple[T, list[D]]]) -> tuple[T, list[D]]:
    """`check(text, data)` of one file: on libyaml's data with places (`parse(placed=True)`)
    and, when that finds any problem or libyaml cannot judge the file, again on the
    round-trip parser's, which places and words every problem, as everywhere. The places
    of a clean file's data are the round-trip parser's (a test compares them).
    Raises yamlio.YamlProblem.
    """
    text = yamlio.read_text(path)
    try:
        found = check(text, parse(text, placed=True))
    except Fallback:
        return check(text, yamlio.parse(text))
    return found if not found[1] else check(text, yamlio.parse(text))


class Loader(_Base):  # type: ignore[misc]
    """CSafeLoader with YAML 1.2 scalars, its resolver cut down to what these files use.

    libyaml's composer calls three Python methods for every node: `descend_resolver`,
    `resolve` and `ascend_resolver`. With no path resolvers (none are ever added here)
    the first and the last do nothing, so they are C builtins that do nothing (a Python
    call per node costs more than the work), and `resolve` is PyYAML's without the
    steps that cannot apply (wildcard resolvers, path resolvers).
    """

    yaml_implicit_resolvers: ClassVar[dict[str, Any]] = {}
    descend_resolver: Any = staticmethod({}.get)  # (parent, index) -> index: nothing done
    ascend_resolver: Any = staticmethod(tuple)  # () -> (): nothing done

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is _SCALAR:
            if implicit[0]:  # a plain scalar: 1.2's implicit types, else text
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if regexp.match(value):
                        return str(tag)
            return _STR
        return _SEQ if kind is _SEQUENCE else _MAP


# YAML 1.2 scalars, as ruamel.yaml resolves them (its resolver.py, version (1, 2)); copied,
# not imported, so the fast path never loads ruamel. tests/test_cache.py checks that both
# loaders give the same data for every check case.
_RESOLVERS_1_2 = [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (
        "float",
        r"""^(?:
         [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        "-+0123456789.",
    ),
    (
        "int",
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""",
        "-+0123456789",
    ),
    ("merge", r"^(?:<<)$", "<"),
    ("null", r"^(?: ~ |null|Null|NULL | )$", "~nN"),
    (
        "timestamp",
        r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
        "0123456789",
    ),
]
for _kind, _pattern, _first in _RESOLVERS_1_2:
    Loader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_kind}", re.compile(_pattern, re.X), list(_first)
    )
Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])


def _int(loader: Any, node: Any) -> int | str:
    written = str(loader.construct_scalar(node))
    if len(written) > yamlio.MAX_NUMBER_CHARS:  # as the round-trip loader keeps it
        return yamlio.HugeNumber(written)
    value = written.replace("_", "")
    sign = -1 if value.startswith("-") else 1
    value = value.lstrip("+-")
    if value[:2] in ("0b", "0o", "0x"):
        return sign * int(value, 0)
    return sign * int(value, 10)


def _bool(loader: Any, node: Any) -> bool:
    return str(loader.construct_scalar(node)).lower() == "true"


def _timestamp(loader: Any, node: Any) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return yamlio.InvalidDate(node.value)


def _mapping(loader: Any, node: Any, deep: bool = False) -> Any:
    """A mapping, refusing duplicate keys (ruamel reports them; libyaml would keep the last)."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        tag = key_node.tag
        if tag == _STR:
            key: Any = key_node.value  # the common case: no need to construct it twice
        elif tag.endswith(":merge"):
            raise Fallback("merge key")
        else:
            key = (tag, loader.construct_object(key_node, deep=True))
        try:
            if key in seen:
                raise Fallback("duplicate key")
            seen.add(key)
        except TypeError:
            raise Fallback("unhashable key") from None
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


Loader.add_constructor("tag:yaml.org,2002:int", _int)
Loader.add_constructor("tag:yaml.org,2002:bool", _bool)
Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
Loader.construct_mapping = _mapping

_ANCHOR = re.compile(r"(?:^|[\s\[\{,:-])[&*!][^\s,\]\}]", re.MULTILINE)


def parse(text: str, placed: bool = False) -> Any:
    """Parse clean YAML fast, or raise Fallback for anything the slow path must judge.

    `placed`: each mapping and list knows where it, its keys, values and items start, as
    the round-trip parser's do (`Place`), for data whose places are shown when it is clean.
    """
    odd = ("&" in text or "*" in text or "!" in text) and _ANCHOR.search(text)
    odd_breaks = not text.isascii() and yamlio.ODD_BREAKS.search(text)
    if "\t" in text or odd or odd_breaks or yamlio.conflict_markers(text):
        raise Fallback("needs the round-trip loader")
    try:
        yamlio._check_nesting(text)  # deep brackets crash libyaml's C stack
    except yamlio.YamlProblem:
        raise Fallback("nested too deep") from None
    try:
        loader = Loader(text)
        try:
            node = loader.get_single_node()  # libyaml parses and composes; tags resolved
            if node is None:
                return None
            return _placed(loader, node) if placed else _data(loader, node)
        finally:
            loader.dispose()
    except Fallback:
        raise
    except Exception as exc:
        raise Fallback(str(exc)) from None


_NULL, _INT, _BOOL = "tag:yaml.org,2002:null", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _data(loader: Any, node: Any) -> Any:
    """A composed node as data, built directly: PyYAML's generic constructor (written in
    Python) costs more than libyaml's parse. Maps refuse duplicate and merge keys as
    `_mapping` does; any other scalar goes through the constructors above."""
    tag = node.tag
    if tag == _STR:
        return node.value
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            out[_key(loader, key_node, out)] = _data(loader, value_node)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_data(loader, item) for item in node.value]
    if tag == _NULL:
        return None
    if tag == _INT:
        return _int(loader, node)
    if tag == _BOOL:
        return str(node.value).lower() == "true"
    if tag == _TIMESTAMP:
        return _timestamp(loader, node)
    return loader.construct_object(node, deep=True)


def _key(loader: Any, key_node: Any, out: dict[Any, Any]) -> Any:
    """A mapping's key, refusing merge keys, unhashable keys and one given twice."""
    if key_node.tag == _STR:
        key = key_node.value
    elif key_node.tag.endswith(":merge"):
        raise Fallback("merge key")
    else:
        key = _data(loader, key_node)
        if isinstance(key, (list, dict)):
            raise Fallback("unhashable key")
    if key in out:  # 1 and 1.0 too, which one dict cannot hold apart
        raise Fallback("duplicate key")
    return key


class Place:
    """Where a mapping or list starts, and its keys, values or items (0-based line and
    column, from libyaml's marks): what `yamlio.key_pos`, `value_pos`, `item_pos` and
    `node_pos` read of ruamel.yaml's `lc`."""

    __slots__ = ("col", "line", "marks")

    def __init__(self, node: Any) -> None:
        self.line, self.col = node.start_mark.line, node.start_mark.column
        self.marks: dict[Any, tuple[tuple[int, int], tuple[int, int]]] = {}

    def key(self, key: Any) -> tuple[int, int]:
        return self.marks[key][0]

    def value(self, key: Any) -> tuple[int, int]:
        return self.marks[key][1]

    def item(self, index: int) -> tuple[int, int]:
        return self.marks[index][0]


class PlacedDict(dict):  # type: ignore[type-arg]
    lc: Place


class PlacedList(list):  # type: ignore[type-arg]
    lc: Place


def _mark(node: Any) -> tuple[int, int]:
    return node.start_mark.line, node.start_mark.column


def _placed(loader: Any, node: Any) -> Any:
    """`_data`, with a `Place` on every mapping and list."""
    if isinstance(node, yaml.MappingNode):
        out = PlacedDict()
        out.lc = place = Place(node)
        for key_node, value_node in node.value:
            key = _key(loader, key_node, out)
            out[key] = _placed(loader, value_node)
            at_key = _mark(key_node)
            empty = isinstance(value_node, yaml.ScalarNode) and value_node.value == ""
            place.marks[key] = (
                at_key,
                at_key if empty and not value_node.style else _mark(value_node),
            )
        return out
    if isinstance(node, yaml.SequenceNode):
        items = PlacedList(_placed(loader, item) for item in node.value)
        items.lc = place = Place(node)
        place.marks = {i: (_mark(item), _mark(item)) for i, item in enumerate(node.value)}
        return items
    return _data(loader, node)
