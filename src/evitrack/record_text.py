"""The YAML text evitrack writes: scalars that read back as given, comments, file names,
and a top-level key's block replaced without touching any other byte.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from evitrack import yamlio
from evitrack.errors import UserError

_COMMENT_WIDTH = 88


def yaml_str(value: str) -> str:
    """A one-line YAML scalar for `value`: plain when that reads back the same, else quoted."""
    if (
        value
        and "\n" not in value
        and value == value.strip()
        and not value.startswith(("#", "'", '"'))
    ):
        try:
            back = yamlio.parse(f"k: {value}\n")
        except yamlio.YamlProblem:
            back = None
        if (
            isinstance(back, dict)
            and isinstance(back.get("k"), str)
            and not isinstance(back.get("k"), yamlio.InvalidDate)
            and str(back["k"]) == value
        ):
            return value
    return dq(value)


def _printable(ch: str) -> bool:
    o = ord(ch)
    return (
        0x20 <= o <= 0x7E
        or (0xA0 <= o <= 0xD7FF and o not in (0x2028, 0x2029))  # line/paragraph separators
        or (0xE000 <= o <= 0xFFFD and o != 0xFEFF)
        or 0x10000 <= o <= 0x10FFFF
    )


def dq(value: str) -> str:
    """A YAML double-quoted scalar: every character that YAML cannot hold raw is escaped."""
    out = ['"']
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def clean_text(text: str) -> str:
    """A description as it is stored: tabs expanded, no trailing spaces, no blank edges."""
    lines = [line.rstrip() for line in text.expandtabs(4).replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def text_scalar(text: str, indent: str = "  ") -> str:
    """Text as a literal block `|` (reads back as clean_text + newline), or quoted if it must be."""
    body = clean_text(text)
    if not body:
        return '""'
    lines = body.split("\n")
    head = f"|{len(indent)}" if lines[0].startswith(" ") else "|"
    block = head + "\n" + "\n".join((indent + line) if line else "" for line in lines)
    try:
        back = yamlio.parse(f"k: {block}\n")
    except yamlio.YamlProblem:
        back = None
    if isinstance(back, dict) and back.get("k") == body + "\n":
        return block
    return dq(body)


def short_comment(text: str) -> str:
    """Text flattened to one comment line, cut at the comment width."""
    flat = yamlio.comment_text(text)
    return flat if len(flat) <= _COMMENT_WIDTH else flat[: _COMMENT_WIDTH - 1].rstrip() + "…"


def wrap_comment(text: str) -> list[str]:
    """Text as `# ` comment lines within the comment width."""
    import textwrap

    return ["# " + line for line in textwrap.wrap(text, _COMMENT_WIDTH)]


def slugify(title: str, limit: int = 50) -> str:
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_.lower())
    slug = ""
    for w in words:
        nxt = f"{slug}-{w}" if slug else w
        if len(nxt) > limit:
            break
        slug = nxt
    return slug or (words[0][:limit] if words else "record")


def indent_of(text: str) -> int:
    """The indentation (in spaces) the file's mappings use."""
    return yamlio.guess_indent(text)[0]


def top_level_span(text: str, raw: Any, key: str) -> tuple[int, int] | None:
    """0-based [start, end) lines of a top-level key and its value, or None when absent.

    Comments and blank lines at column 0 just before the next key belong to that key.
    """
    if key not in raw:
        return None
    lines = text.splitlines(keepends=True)
    keys = list(raw.keys())
    start = raw.lc.key(key)[0]
    following = [raw.lc.key(k)[0] for k in keys[keys.index(key) + 1 :]]
    end = min(following) if following else len(lines)
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    written = lines[start].split(":", 1)[0].strip()
    if written.startswith("?"):  # an explicit key: `? assessment`
        written = written[1:].strip()
    if written.strip("'\"") != key:
        raise UserError(
            f"`{key}:` is not written on one line of its own at line {start + 1}, so it "
            "cannot be replaced without rewriting other parts of the file",
            f"write it as a plain `{key}:` at the start of a line, then retry",
        )
    return start, end


def top_level_block(text: str, raw: Any, key: str) -> tuple[tuple[int, int] | None, Any]:
    """(span, the lines of a top-level key parsed on their own, round-trip) to edit just
    them; `{key: None}` when the key is absent."""
    span = top_level_span(text, raw, key)
    lines = text.splitlines(keepends=True)
    return span, yamlio.parse("".join(lines[span[0] : span[1]]) if span else f"{key}:\n")


def replace_top_level(text: str, raw: Any, key: str, block: str) -> str:
    """Replace a top-level key's lines (or append them) without touching any other byte."""
    nl = "\r\n" if "\r\n" in text else "\n"
    block = block.replace("\r\n", "\n").replace("\n", nl)
    lines = text.splitlines(keepends=True)
    span = top_level_span(text, raw, key)
    if span is None:
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += nl
        return "".join(lines) + block
    start, end = span
    return "".join(lines[:start]) + block + "".join(lines[end:])
