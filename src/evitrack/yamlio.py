"""YAML in and out: positions, recovery of numbers as written, atomic round-trip writes.

Everything here returns data or raises `YamlProblem`; nothing prints.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from evitrack.atomic import atomic_create_text as atomic_create_text
from evitrack.atomic import atomic_write_text as atomic_write_text

MAX_BYTES = 2 * 1024 * 1024  # a record or evitrack.yaml larger than this is refused unread
MAX_NODES = 200_000  # expanded size beyond which aliases are treated as a bomb
MAX_DEPTH = 64
MAX_FLOW_NESTING = 200  # naive bracket depth refused before parsing (see _check_nesting)
_BRACKET_RE = re.compile(r"[\[\]{}]")

_MARKERS = ("<" * 7, "=" * 7, ">" * 7, "|" * 7)
CONFLICT_RE = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?:\s|$)", re.MULTILINE)


class InvalidDate(str):
    """A timestamp-looking scalar that is not a real date (e.g. 2026-02-30)."""


MAX_NUMBER_CHARS = 100  # an integer written longer than this is kept as written, unconverted


class HugeNumber(str):
    """An integer written with more than MAX_NUMBER_CHARS characters, kept as its text.

    Python refuses to convert integers of more than 4,300 digits to text, and no number
    in a record or a qualification file is anywhere near that long: the validator
    reports it at its position instead of anything trying to print or compute with it.
    """

    def describe(self) -> str:
        """ "a number 5,002 characters long (0xFFFF...)": the value named without all of it."""
        return f"a number {len(self):,} characters long ({self[:12]}...)"


@dataclass
class YamlProblem(Exception):
    """A file that cannot be loaded: code from diagnostics.CODES, 1-based position."""

    code: str
    message: str
    line: int = 0
    col: int = 0
    hint: str | None = None


_CONSTRUCTOR: Any = None


def _constructor() -> Any:
    """ruamel's round-trip constructor, with invalid dates kept as InvalidDate (built once).

    ruamel.yaml is imported here, not at module level: clean files never need it.
    """
    global _CONSTRUCTOR
    if _CONSTRUCTOR is None:
        from ruamel.yaml.constructor import RoundTripConstructor

        def timestamp(constructor: Any, node: Any) -> Any:
            try:
                return RoundTripConstructor.construct_yaml_timestamp(constructor, node)
            except (ValueError, OverflowError):
                return InvalidDate(node.value)

        class _Constructor(RoundTripConstructor):
            pass

        def integer(constructor: Any, node: Any) -> Any:
            if isinstance(node.value, str) and len(node.value) > MAX_NUMBER_CHARS:
                return HugeNumber(node.value)
            try:
                return RoundTripConstructor.construct_yaml_int(constructor, node)
            except (ValueError, IndexError):  # `!!int "abc"`: say where, not only what
                mark = node.start_mark
                raise YamlProblem(
                    "E002",
                    f'"{node.value}" is tagged !!int but is not a whole number',
                    mark.line + 1,
                    mark.column + 1,
                    hint="remove the !!int tag, or write a whole number",
                ) from None

        _Constructor.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
        _Constructor.add_constructor("tag:yaml.org,2002:int", integer)
        _CONSTRUCTOR = _Constructor
    return _CONSTRUCTOR


_YAML: Any = None


def _yaml() -> Any:
    global _YAML
    if _YAML is None:
        from ruamel.yaml import YAML

        y = YAML(typ="rt")
        y.Constructor = _constructor()
        y.preserve_quotes = True
        y.allow_duplicate_keys = False
        y.width = 4096
        _YAML = y
    return _YAML


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """Read a user's YAML file as text, refusing what cannot be a sane YAML file."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise YamlProblem("E001", "this is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block, a device never end
            raise YamlProblem("E001", "this is not a regular file (a pipe, socket or device)")
        if st.st_size > max_bytes:
            raise _too_large(st.st_size, max_bytes)
        raw = _read_bytes(path, st.st_size, max_bytes)
        if len(raw) > max_bytes:
            raise _too_large(len(raw), max_bytes)
    except PermissionError:
        raise YamlProblem("E001", "permission denied: cannot read this file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise YamlProblem("E001", f"cannot read this file: {reason}") from None
    text = decode(raw)
    check_breaks(text)
    _check_nesting(text)
    return text


def _read_bytes(path: Path, size: int, max_bytes: int) -> bytes:
    """The file's bytes, read unbuffered: its size (not the limit: no 2 MB buffer per file)
    and one more, and if it grew while we looked, the rest up to the limit."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        raw = os.read(fd, size + 1)
        while size < len(raw) <= max_bytes:
            more = os.read(fd, max_bytes + 1 - len(raw))
            if not more:
                break
            raw += more
        return raw
    finally:
        os.close(fd)


def write_back(path: Path, text: str) -> None:
    """Write an edited user file atomically, keeping the byte-order mark it started with."""
    try:
        with path.open("rb") as fh:
            bom = fh.read(3) == b"\xef\xbb\xbf"
    except OSError:
        bom = False
    atomic_write_text(path, ("\ufeff" if bom and not text.startswith("\ufeff") else "") + text)


def _too_large(size: int, max_bytes: int) -> YamlProblem:
    return YamlProblem(
        "E006",
        f"file is {size / 1_048_576:.1f} MB; evitrack reads YAML files of at most "
        f"{max_bytes / 1_048_576:g} MB",
        hint="keep large documents under files/ and attach them to a record",
    )


ODD_BREAKS = re.compile("[\x85\u2028\u2029]")
_ODD_NAMES = {"\x85": "NEXT LINE", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}
_EDITOR_BREAK = re.compile(r"\r\n|\r|\n")


def check_breaks(text: str) -> None:
    """Refuse U+0085, U+2028 and U+2029 wherever they are, before any parser reads the text.

    libyaml takes them for line breaks and ruamel.yaml and editors do not, so the two
    parsers would read different documents (a line shown as a comment could hold a key
    for one of them). Written as escapes inside double quotes ("\\u2028"), they are fine.
    """
    m = None if text.isascii() else ODD_BREAKS.search(text)  # (ASCII holds none of them)
    if m is None:
        return
    breaks = list(_EDITOR_BREAK.finditer(text, 0, m.start()))  # lines as an editor shows them
    line, col = len(breaks) + 1, m.start() - (breaks[-1].end() if breaks else 0) + 1
    ch = m.group()
    raise YamlProblem(
        "E002",
        f"the file holds the invisible character U+{ord(ch):04X} {_ODD_NAMES[ch]}, which "
        "some YAML readers take for a line break and others do not",
        line,
        col,
        hint="delete it (or put a real line break there); inside double quotes it may be "
        f"written as the escape \\u{ord(ch):04x}",
    )


def _check_nesting(text: str) -> None:
    """Refuse flow brackets nested absurdly deep before any parser recurses into them.

    Deep enough nesting overflows the C stack of libyaml's composer (a crash, not an
    exception) and the Python stack of ruamel.yaml's. The count is naive (brackets in
    quoted text count too), so the limit is far above anything a person writes; the
    loaders then refuse data nested more than MAX_DEPTH levels with a clear message.
    """
    if text.count("[") + text.count("{") <= MAX_FLOW_NESTING:
        return
    depth = 0
    for m in _BRACKET_RE.finditer(text):
        if m.group() in "[{":
            depth += 1
            if depth > MAX_FLOW_NESTING:
                line, col = _line_col(text, m.start())
                raise YamlProblem(
                    "E007",
                    f"brackets nested more than {MAX_FLOW_NESTING} levels deep",
                    line,
                    col,
                    hint="records and qualification files are a few levels deep: check the brackets",
                )
        elif depth:
            depth -= 1


def decode(raw: bytes) -> str:
    wide = _wide_encoding(raw)
    if wide:
        raise YamlProblem(
            "E001",
            f"file is {wide} encoded; evitrack reads UTF-8",
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
        line, col = _line_col(text, text.index("\x00"))
        raise YamlProblem("E001", "file contains NUL bytes: it is not a text file", line, col)
    return text


def _wide_encoding(raw: bytes) -> str | None:
    """ "UTF-16" or "UTF-32" for text in those encodings (with or without a byte-order mark)."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = raw[:512]
    if len(head) >= 4 and b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if (odd.count(0) > len(odd) * 0.7) != (even.count(0) > len(even) * 0.7):  # ASCII as UTF-16
            return "UTF-16"
    return None


def conflict_markers(text: str) -> list[int]:
    """1-based lines holding git merge-conflict markers."""
    if not any(marker in text for marker in _MARKERS):  # the usual case, found at C speed
        return []
    return [text.count("\n", 0, m.start()) + 1 for m in CONFLICT_RE.finditer(text)]


def parse(text: str) -> Any:
    """Round-trip parse. Raises YamlProblem with a position for every failure."""
    _refuse_unparsable(text)
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        data = _yaml().load(text)
    except DuplicateKeyError as exc:
        raise _duplicate_key(exc, text) from None
    except MarkedYAMLError as exc:
        raise _syntax_error(exc, text) from None
    except ReaderError as exc:  # a control character: say which and where
        raise _control_character(exc, text) from None
    except RecursionError:
        at_line = _deepest_line(text)
        raise YamlProblem(
            "E007",
            "data nested too deeply to read",
            at_line,
            1 if at_line else 0,
            hint="records and qualification files are a few levels deep: check the indentation",
        ) from None
    except TypeError as exc:
        raise _type_error(exc, text) from None
    except (YAMLError, ValueError) as exc:
        raise _other_error(exc, text) from None
    check_size(data)
    return data


def _refuse_unparsable(text: str) -> None:
    """What no parser is given: odd line breaks, absurd nesting, conflict markers, tabs."""
    check_breaks(text)
    _check_nesting(text)
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


def _duplicate_key(exc: Any, text: str) -> YamlProblem:
    """E003 at the second of two equal keys, naming the line of the first."""
    mark = exc.problem_mark
    key = ""
    if exc.problem:
        m = re.search(r'found duplicate key "(.*?)"', exc.problem)
        key = m.group(1) if m else ""
    first = _first_key_line(text, key, mark.line if mark else 0, mark.column if mark else 0)
    return YamlProblem(
        "E003",
        f'duplicate key "{key}"' + (f" (first at line {first})" if first else ""),
        line=mark.line + 1 if mark else 0,
        col=mark.column + 1 if mark else 0,
        hint="a key may appear once in a mapping; merge the two entries",
    )


def _syntax_error(exc: Any, text: str) -> YamlProblem:
    """E002 for a syntax error, in plain words, where a person should look."""
    mark = exc.problem_mark or exc.context_mark
    problem = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
    hint = "check indentation, colons and quotes around this point"
    ended = "end of stream" in (exc.problem or "") or "<stream end>" in (exc.problem or "")
    if ended and exc.context and exc.context_mark is not None:
        problem, hint, mark = _ends_inside(exc, text)
    elif mark is not None:
        if exc.context_mark is not None and (
            "simple key" in (exc.context or "") or mark.line >= len(text.splitlines())
        ):  # "could not find expected ':'": the key is where it starts, not where it ends
            mark = exc.context_mark
        problem, hint, mark = _in_plain_words(exc, text, mark, problem, hint)
        quote = _unclosed_quote(text, mark.line)
        if quote:
            hint = f"the quote opened at line {quote[0]}, column {quote[1]} is not closed there"
    return YamlProblem(
        "E002",
        f"YAML syntax error: {problem}",
        line=mark.line + 1 if mark else 0,
        col=mark.column + 1 if mark else 0,
        hint=hint,
    )


def _ends_inside(exc: Any, text: str) -> tuple[str, str, Any]:
    """The file ends inside something still open: said where that thing starts (the end of
    the file is no place to look)."""
    mark = exc.context_mark
    what = re.sub(r"^while (parsing|scanning) ", "", exc.context)
    what = _OPEN_THINGS.get(what, what)
    all_lines = _BREAK.split(text)
    still_open = _unclosed_bracket(all_lines, len(all_lines))
    if "flow" in what and still_open is not None:  # the parser names where it gave up
        char, mark = still_open
        what = "a [ ] list" if char == "[" else "a { } mapping"
    return (
        f"the file ends inside {what} that starts here",
        "close it (a quote, ] or }) where it should end",
        mark,
    )


def _control_character(exc: Any, text: str) -> YamlProblem:
    """E002 naming the control character the reader refused, and where it is."""
    at_line, at_col = _line_col(text, exc.position) if isinstance(exc.position, int) else (0, 0)
    char = exc.character
    shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
    return YamlProblem(
        "E002",
        f"the file contains a control character ({shown}) that YAML does not allow",
        at_line,
        at_col,
        hint="delete it (it is often invisible in an editor), or save the file as plain text",
    )


def _type_error(exc: TypeError, text: str) -> YamlProblem:
    """E002 for a list or mapping used as a key (unhashable), or any other TypeError."""
    if "unhashable" not in str(exc):
        return YamlProblem("E002", f"YAML error: {exc}".splitlines()[0])
    m = re.search(r"^[ \t]*\?[ \t]|[\[{][^\n]*[\]}][ \t]*:", text, re.MULTILINE)
    at_line, at_col = _line_col(text, m.start()) if m else (0, 0)
    return YamlProblem(
        "E002",
        "a mapping key is a list or a mapping; keys must be plain text",
        at_line,
        at_col,
        hint='write the key as text, e.g. "09":',
    )


def _other_error(exc: Exception, text: str) -> YamlProblem:
    """E002 for any other parser error; a number too long to convert is found and shown."""
    digits = re.search(r"\d{4000,}", text) if "integer string conversion" in str(exc) else None
    if digits:
        at_line, at_col = _line_col(text, digits.start())
        return YamlProblem(
            "E002",
            f"a number {len(digits.group()):,} digits long",
            at_line,
            at_col,
            hint="quote it if it is meant as text",
        )
    return YamlProblem("E002", f"YAML error: {exc}".splitlines()[0])


_OPEN_QUOTE = re.compile(r"""^\s*(?:-\s+)?[^\s#'"][^#'"]*:\s+(["'])""")


_LEADING = re.compile(r"^( *)")
_OWN_KEY = re.compile(r"^\s*(?:-\s+)?([^\s:#'\"][^:#]*?):\s+")
_OPEN_THINGS = {
    "a quoted scalar": "a quoted text",
    "a double-quoted scalar": "a quoted text",
    "a single-quoted scalar": "a quoted text",
    "a flow sequence": "a [ ] list",
    "a flow mapping": "a { } mapping",
}
_KEY_NO_SPACE = re.compile(r"""^\s*(?:-\s+)?([\w"'.\-]+):(\S.*)$""")


def _in_plain_words(
    exc: Any, text: str, mark: Any, problem: str, hint: str
) -> tuple[str, str, Any]:
    """ruamel's wording of the commonest syntax errors, said for a person, and where to look.

    Returns (message, hint, mark); anything not recognised keeps ruamel's words.
    """
    said = " ".join(filter(None, [exc.context, exc.problem]))
    lines = _BREAK.split(text)
    if "'\\t'" in said:
        return "a tab character where YAML allows spaces only", "replace the tab with spaces", mark
    still_open = _unclosed_bracket(lines, mark.line)
    if still_open is not None and (
        "cannot start any token" in said or "mapping values are not allowed" in said
    ):
        char, at = still_open
        return _not_closed(char, mark, at, f"close it with {_CLOSER[char]} on this line")
    for words in (_colon_words, _block_words, _token_words, _document_words):
        found = words(said, lines, mark, exc.context_mark)
        if found is not None:
            return found
    for jargon, plain in _JARGON.items():
        problem = problem.replace(jargon, plain)
    return problem, hint, mark


def _colon_words(
    said: str, lines: list[str], mark: Any, opened: Any
) -> tuple[str, str, Any] | None:
    """A ': ' where it cannot be, or a ':' missing: which, and how to write the line."""
    here = lines[mark.line] if mark.line < len(lines) else ""
    above_n = next((n for n in range(mark.line - 1, -1, -1) if lines[n].strip()), None)
    above = lines[above_n] if above_n is not None else ""  # the last line with text
    if "mapping values are not allowed here" in said:
        own = _OWN_KEY.match(here)
        if own and mark.column >= own.end():  # a second ': ' on a line with its own key
            value = here[own.end() :].split(" #")[0].strip()
            return (
                "a ':' followed by a space inside a value that is not in quotes",
                f'put the value in quotes: {own.group(1)}: "{value}"'
                if '"' not in value
                else "put the value in quotes",
                mark,
            )
        missing = _KEY_NO_SPACE.match(above)
        if missing and not above.lstrip().startswith(("#", '"', "'")):
            key, value = missing.groups()
            colon = SimpleNamespace(line=above_n, column=above.index(f"{key}:") + len(key))
            return (
                "no space after this colon, so the line reads as text, not a key and its value",
                f'write "{key}: {value}"',
                colon,
            )
        if _indent(here) > _indent(above) and ":" in above and not above.rstrip().endswith(":"):
            return (
                "this line is indented more than the line above, which already has its value",
                "line it up with the keys above it (spaces only)",
                mark,
            )
        return (
            "a ':' followed by a space is not allowed here",
            "a text holding ': ' must be in quotes, e.g. title: \"Note: ...\"",
            mark,
        )
    if "could not find expected ':'" in said:
        return (
            "this line is not `key: value`: the ':' is missing",
            "add ': ' after the key; a text that continues the value above must be indented under it",
            mark,
        )
    return None


def _block_words(
    said: str, lines: list[str], mark: Any, opened: Any
) -> tuple[str, str, Any] | None:
    """A line whose indentation does not fit: a list item, a key, or neither."""
    if "expected <block end>" in said:
        if "block mapping" in said and ("'-'" in said or "block sequence start" in said):
            return (
                "a list item ('- ...') where a key was expected",
                "indent the list under its key, the dashes lined up with each other",
                mark,
            )
        if "block collection" in said and ("'?'" in said or "block mapping start" in said):
            return (
                "a key where a list item ('- ...') was expected",
                "a list and keys cannot share one indentation: line the key up with its "
                "fellow keys",
                mark,
            )
        return (
            "this line's indentation does not fit the lines above it",
            "line it up with the keys it belongs with (spaces only)",
            mark,
        )
    return None


def _token_words(
    said: str, lines: list[str], mark: Any, opened: Any
) -> tuple[str, str, Any] | None:
    """A character that cannot start a value, a bad escape, an unclosed [ or {."""
    here = lines[mark.line] if mark.line < len(lines) else ""
    m = re.search(r"found character '(.)' that cannot start any token", said)
    if m:
        value = here[mark.column :].split(" #")[0].strip()
        return (
            f"a value cannot start with '{m.group(1)}' unless it is quoted",
            f'put it in quotes: "{value}"' if value and '"' not in value else "put it in quotes",
            mark,
        )
    if "double-quoted scalar" in said and "escape" in said:
        return (
            "a backslash inside double quotes starts an escape such as \\n; this one is not valid",
            "use single quotes instead ('C:\\files'), or write each backslash twice",
            mark,
        )
    m = re.search(r"while parsing a flow (sequence|mapping) expected ',' or '(.)'", said)
    if m and opened is not None:
        bracket = "[" if m.group(1) == "sequence" else "{"
        hint = f"close it with {m.group(2)}; put any item that holds ',' or ': ' in quotes"
        return _not_closed(bracket, mark, opened, hint)
    m = re.search(r"expected the node content, but found '(.)'", said)
    if m:
        return (
            f"a stray '{m.group(1)}' where a value was expected",
            "remove it, or put the value in quotes",
            mark,
        )
    return None


def _document_words(
    said: str, lines: list[str], mark: Any, opened: Any
) -> tuple[str, str, Any] | None:
    """A second document, an anchor or alias, a %YAML line of another version."""
    if "found another document" in said:
        return (
            "a second YAML document starts here ('---'); a file holds one",
            "remove the '---' line, or move what follows into a file of its own",
            mark,
        )
    m = re.search(r"found undefined alias '(.*?)'", said)
    if m:
        return (
            f"*{m.group(1)} refers to an anchor &{m.group(1)} that is not defined",
            "evitrack files need no anchors or aliases: write the value out, or quote a "
            "text that starts with '*'",
            mark,
        )
    if "while scanning an anchor" in said or "while scanning an alias" in said:
        return (
            "'&' or '*' at the start of a value begins an anchor or alias, which needs a name",
            "put the value in quotes",
            mark,
        )
    if "incompatible YAML document" in said:
        return (
            "the %YAML line asks for a version of YAML other than 1.x",
            "delete the %YAML line",
            mark,
        )
    return None


_CLOSER = {"[": "]", "{": "}"}


def _not_closed(char: str, mark: Any, opened: Any, hint: str) -> tuple[str, str, Any]:
    """A [ or { still open where the parser stopped at `mark`: said where it opened."""
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    return f"the {char} opened here is not closed before {where}", hint, opened


_JARGON = {  # the parser's token names, for any message not worded above
    "'<block end>'": "the end of an indented block",
    "<block end>": "the end of an indented block",
    "'<block mapping start>'": "a key",
    "'<block sequence start>'": "a list item",
    "('<stream end>',)": "the end of the file",
    "'<stream end>'": "the end of the file",
    "'<document start>'": "'---'",
    "'<scalar>'": "a value",
    "'?'": "a key",
}


def _unclosed_bracket(lines: list[str], before: int) -> tuple[str, Any] | None:
    """The [ or { still open on an earlier line than `before` (0-based), and where it opened.

    A rough scan (quotes and comments skipped), only used to word a syntax error.
    """
    stack: list[tuple[str, Any]] = []
    for n, line in enumerate(lines[:before]):
        quote = ""
        for col, ch in enumerate(line):
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "\"'" and (col == 0 or line[col - 1] in " [{,:"):
                quote = ch
            elif ch == "#" and (col == 0 or line[col - 1] in " \t"):
                break
            elif ch in "[{":
                stack.append((ch, SimpleNamespace(line=n, column=col)))
            elif ch in "]}" and stack:
                stack.pop()
    return stack[-1] if stack else None


def _indent(line: str) -> int:
    m = _LEADING.match(line)
    return len(m.group(1)) if m else 0


def _unclosed_quote(text: str, before: int) -> tuple[int, int] | None:
    """(line, col), 1-based, of a `key: "value` whose quote does not close on its line.

    A quoted value may run over several lines, so the parser reports the error
    where the quote finally closes; the cause is usually the line that opened it.
    """
    for n, line in enumerate(text.splitlines()[:before], 1):
        m = _OPEN_QUOTE.match(line)
        if m is None:
            continue
        q = m.group(1)
        rest = line[m.end() :]
        closed = (
            rest.replace('\\"', "").count('"') % 2 == 1
            if q == '"'
            else (rest.replace("''", "").count("'") % 2 == 1)
        )
        if not closed:
            return n, m.end()
    return None


_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # YAML's line breaks, as the parser counts


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index, lines broken where YAML breaks them."""
    breaks = list(_BREAK.finditer(text, 0, index))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - start + 1


def _deepest_line(text: str) -> int:
    """1-based line with the most indentation (where a deep structure is deepest)."""
    best, best_n = -1, 0
    for n, line in enumerate(text.splitlines(), 1):
        indent = len(line) - len(line.lstrip(" "))
        if line.strip() and indent > best:
            best, best_n = indent, n
    return best_n


def _first_key_line(text: str, key: str, line0: int, col0: int) -> int | None:
    """1-based line of the first `key:` at the same indentation before the duplicate."""
    pattern = re.compile(rf"^\s{{{col0}}}(?:- )?['\"]?{re.escape(key)}['\"]?\s*:")
    for n, line in enumerate(text.splitlines()[:line0], 1):
        if pattern.match(line):
            return n
    return None


def check_size(data: Any) -> None:
    """Refuse alias bombs and absurd nesting before anything walks the data."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node: Any, depth: int) -> int:
        if isinstance(node, tuple):  # a complex key ([a, b]: ...) may hold aliases too
            return 1 + sum(size(child, depth + 1) for child in node)
        if not isinstance(node, (dict, list)):
            return 1
        if depth > MAX_DEPTH:
            raise YamlProblem(
                "E007",
                f"data nested more than {MAX_DEPTH} levels deep",
                *(node_pos(node) or (1, 1)),
            )
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in on_path:
            raise YamlProblem(
                "E007",
                "recursive YAML alias (a node contains itself)",
                *(node_pos(node) or (1, 1)),
                hint="records and qualification files need no anchors or aliases: write the values out",
            )
        on_path.add(key)
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_NODES:
                raise YamlProblem(
                    "E007",
                    f"the data holds more than {MAX_NODES:,} values once YAML aliases are expanded",
                    *(node_pos(child) or node_pos(node) or (1, 1)),
                    hint="records and qualification files need no anchors or aliases: write the values out",
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


def _has_lc(node: Any, kind: type) -> bool:
    """A round-trip node (it knows its position); plain data from the fast path does not."""
    return isinstance(node, kind) and getattr(node, "lc", None) is not None


def has_positions(node: Any) -> bool:
    """Whether a loaded list or mapping knows where it is (round-trip data); plain data from
    the fast path does not, and asking each of its keys and items would be wasted."""
    return getattr(node, "lc", None) is not None


def key_pos(mapping: Any, key: Any) -> tuple[int, int] | None:
    if _has_lc(mapping, dict):
        try:
            line, col = mapping.lc.key(key)
            return line + 1, col + 1
        except (KeyError, TypeError):
            return node_pos(mapping)
    return None


def value_pos(mapping: Any, key: Any) -> tuple[int, int] | None:
    if _has_lc(mapping, dict):
        try:
            line, col = mapping.lc.value(key)
        except (KeyError, TypeError):
            return key_pos(mapping, key)
        if mapping.get(key) is None:  # `title:` with nothing after: the parser marks the next line
            at_key = key_pos(mapping, key)
            if at_key is not None and line + 1 > at_key[0]:
                return at_key
        return line + 1, col + 1
    return None


def item_pos(seq: Any, index: int) -> tuple[int, int] | None:
    if _has_lc(seq, list):
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
    lines = _BREAK.split(text)
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


def comment_text(text: str) -> str:
    """`text` as one safe line for a generated `# comment`.

    A line break of any kind (\\n, \\r, U+0085, U+2028, U+2029) would end the comment and
    let the rest be read as keys, and a control character (ESC) makes the file unreadable:
    each becomes a space, and runs of white space one space. Invisible format characters
    (a byte-order mark, bidirectional overrides) are dropped.
    """
    out = []
    for ch in text:
        kind = unicodedata.category(ch)
        if kind == "Cf":
            continue
        out.append(" " if kind in _BREAKS_COMMENTS or ch in "\ufffe\uffff" else ch)
    return " ".join("".join(out).split())


_BREAKS_COMMENTS = frozenset({"Cc", "Cs", "Zl", "Zp"})


def dump(data: Any, original: str | None = None) -> str:
    """Serialise round-trip data, keeping the original file's indentation style."""
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.Constructor = _constructor()
    y.preserve_quotes = True
    y.width = 4096
    mapping, sequence, offset = guess_indent(original or "")
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    buf = io.StringIO()
    y.dump(data, buf)
    out = buf.getvalue()
    if original is not None and "\r\n" in original:
        out = out.replace("\r\n", "\n").replace("\n", "\r\n")
    return out


def guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indentation used in the text; defaults 2, 2, 0.

    A key line may end in a comment (`"09":  # unit title`) and comment or blank lines
    may come between a key and what it holds.
    """
    lines = [_COMMENT_TAIL.sub("", line) for line in text.splitlines()]
    content = [i for i, line in enumerate(lines) if line.strip()]
    following = dict(pairwise(content))
    mapping = 2
    for i in content:
        line, s = lines[i], lines[i].strip()
        if s.endswith(":") and not s.startswith("-") and i in following:
            nxt = lines[following[i]]
            ind = len(line) - len(line.lstrip())
            nind = len(nxt) - len(nxt.lstrip())
            if nind > ind and not nxt.lstrip().startswith("-"):
                mapping = nind - ind
                break
    for i in content:
        line, s = lines[i], lines[i].strip()
        if s.endswith(":") and i in following:
            nxt = lines[following[i]]
            if nxt.lstrip().startswith("- ") or nxt.strip() == "-":
                ind = len(line) - len(line.lstrip())
                dash = len(nxt) - len(nxt.lstrip())
                offset = max(dash - ind, 0)
                return mapping, offset + 2, offset
    return mapping, mapping, 0


_COMMENT_TAIL = re.compile(r"(^|\s)#.*$")  # a comment line, or a comment after a value
