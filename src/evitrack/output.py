"""The one emitter for reports: a table or a small document, written as csv, markdown or text.

A report command builds its answer as a `Table` (columns and rows) or a `Doc` (headings,
paragraphs, tables, bullet lists) and hands it here; user text is escaped once, on the
way out, for the format it goes into:

- every format: one line per cell, and characters that could drive a terminal (escape
  sequences, OSC 8 links, clear-screen, a bare CR) or reorder text (bidi overrides) are
  shown as escapes (`\\x1b`, `\\u202e`), as `evitrack check` shows them;
- markdown: `|`, `<`, `*`, `_`, `[`, backticks and line-start markers (`#`, `-`, `>`,
  `1.`) are backslash-escaped, so data never becomes a heading, a table column, HTML or
  a link;
- csv: a text cell starting with `=`, `+`, `-`, `@`, a tab or a CR gets a leading `'`
  (the OWASP advice against formula injection), unless the whole cell is a plain
  number (`-3`, `+1.5`), which a spreadsheet reads as that number and nothing else.
  Numbers (`int`, `float`) are written as numbers.

JSON is written by `json_text` in the shapes the commands' contracts give, with control,
line-separator and bidi characters as `\\u` escapes. The CLI writes the text view with
rich, each cell made safe by `terminal` (`evitrack.cli._report`).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from evitrack.diagnostics import plural as plural  # where `check` finds it without this module
from evitrack.diagnostics import printable


@dataclass(frozen=True)
class Lines:
    """A cell of several lines: one per line in text, `<br>` in markdown, `; ` in csv."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Code:
    """Text shown as code (a diagnostic's headline): a code span in markdown."""

    text: str


Cell = str | int | float | Lines | Code | None


def one_line(value: Any) -> str:
    """Any value as one line of text safe for a terminal: each run of line breaks and tabs
    (a bare CR too) becomes one space; control and bidi characters are shown as escapes."""
    if value is None:
        return ""
    if isinstance(value, Lines):
        return "; ".join(one_line(line) for line in value.lines if one_line(line))
    if isinstance(value, Code):
        value = value.text
    return printable(_pattern("_BREAKS").sub(" ", str(value)))


# The patterns below are compiled when first used, not when the module is imported: a run
# that checks a portfolio and writes no report does not pay for them (4 ms).
PATTERNS: dict[str, tuple[str, int]] = {
    "_BREAKS": (r"[^\S ]+", 0),
    "_NUMBER": (r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z", 0),
    # What Markdown reads as markup inside a line (the rendered documents use them too), and
    # at the start of one: a heading, a list item, a quote, a numbered item ("3." a list;
    # "3.2" not).
    "MD_SPECIAL": (r"([\\`*\[\]<>|~])|(?<![^\W_])_|_(?![^\W_])|&(?=#?\w+;)", 0),
    "MD_LINE_START": (r"^(\s*)(?:([-+=>#])|(\d+)([.)])(?=\s|$))", re.MULTILINE),
    "_JSON_UNSAFE": ("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", 0),
}


@functools.cache
def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(*PATTERNS[name])


def __getattr__(name: str) -> re.Pattern[str]:
    """`MD_SPECIAL` and `MD_LINE_START` (and the private patterns), compiled on first use."""
    if name in PATTERNS:
        return _pattern(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def words(text: str) -> str:
    """Text with its whitespace collapsed: a criterion's wrapped lines as one."""
    return " ".join(text.split())


def terminal(text: str) -> str:
    """A line of a text report safe for a terminal, its layout (indentation) kept."""
    return printable(text)


# ---- csv -------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Cell) -> str | int | float:
    """A value for a CSV cell: numbers as they are, text on one line and inert."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    raw = "" if value is None else value.text if isinstance(value, Code) else value
    text = one_line(raw)
    starts = text.startswith(FORMULA_START) or str(raw).startswith(FORMULA_START)
    return "'" + text if starts and not _pattern("_NUMBER").match(text) else text


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([csv_cell(c) for c in columns])
    w.writerows([csv_cell(c) for c in row] for row in rows)
    return out.getvalue()


# ---- markdown --------------------------------------------------------------------------


def md_inline(value: Any) -> str:
    """Text for the inside of a Markdown line or table cell: renders as itself."""
    if isinstance(value, Lines):
        return "<br>".join(md_inline(line) for line in value.lines)
    if isinstance(value, Code):
        return md_code(value.text)
    return _pattern("MD_SPECIAL").sub(lambda m: "\\" + m.group(0), one_line(value))


def md_start(value: Any) -> str:
    """Text that starts a Markdown line: also no heading, list or quote marker."""
    text = md_inline(value)
    return (
        text
        if isinstance(value, Code)
        else _pattern("MD_LINE_START").sub(md_line_start, text, count=1)
    )


def md_line_start(m: re.Match[str]) -> str:
    """The line-start marker that `MD_LINE_START` found, escaped."""
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def md_code(text: str) -> str:
    """A code span that no backtick in the text can close early."""
    text = one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# ---- the model -------------------------------------------------------------------------


@dataclass
class Table:
    """Rows under named columns: a CSV file, a Markdown table, a rich table."""

    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    title: str | None = None

    def add(self, *cells: Cell) -> None:
        self.rows.append(list(cells))

    def csv(self) -> str:
        return csv_text(self.columns, self.rows)

    def markdown(self) -> list[str]:
        lines = [_md_row(self.columns), "|" + "---|" * len(self.columns)]
        return lines + [_md_row(row) for row in self.rows]


def _md_row(cells: Sequence[Cell]) -> str:
    return "|" + "|".join(f" {t} " if t else " " for t in map(md_inline, cells)) + "|"


@dataclass(frozen=True)
class Heading:
    """A heading of a document."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    """A paragraph of a document."""

    text: str
    strong: bool = False
    em: bool = False  # a note beside the text: italic in markdown


@dataclass(frozen=True)
class Noted:
    """A bullet with a note on the line below it (a reading a qualification file records)."""

    text: str
    note: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list of a document."""

    items: tuple[Cell | Noted, ...]


Block = Heading | Para | Bullets | Table


@dataclass
class Doc:
    """A small document: a report's headings, paragraphs, bullet lists and tables."""

    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> Doc:
        self.blocks.extend(blocks)
        return self

    def markdown(self) -> str:
        out: list[str] = []
        for b in self.blocks:
            if out:
                out.append("")
            if isinstance(b, Heading):
                out.append("#" * b.level + " " + md_inline(b.text))
            elif isinstance(b, Para):
                text = md_start(b.text)
                out.append(f"**{text}**" if b.strong else f"*{text}*" if b.em else text)
            elif isinstance(b, Bullets):
                for item in b.items:
                    if isinstance(item, Noted):
                        out += ["- " + md_start(item.text), f"  *{md_inline(item.note)}*"]
                    else:
                        out.append("- " + md_start(item))
            else:
                out += b.markdown()
        return "\n".join(out) + "\n" if out else ""


def json_text(data: Any) -> str:
    """The JSON form of a report, as every command writes it. JSON escapes C0 controls
    itself; C1 controls, line separators and bidi overrides are written as `\\uXXXX`
    too (the same string once parsed), so that none reaches a terminal as it is."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    return _pattern("_JSON_UNSAFE").sub(lambda m: f"\\u{ord(m.group()):04x}", text)
