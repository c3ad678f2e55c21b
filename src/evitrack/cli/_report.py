"""Reports written through the one emitter (`evitrack.output`), and problems in every format.

`emit` writes a command's answer in the format asked for: its JSON object as it is, its
table as CSV, its document as Markdown, and its text view (rich tables built from the
same cells with `text_cell`, never from raw user text).

`evitrack check` prints its problems this way: text `path:line:col: severity[code]:
message` with the hint below, Markdown one bullet per problem, CSV one row per problem,
JSON an object whose `diagnostics` list holds them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from evitrack.cli._plain import Format, print_json
from evitrack.diagnostics import Diagnostic

if TYPE_CHECKING:  # imported where a report is written: `check` with no problems needs none
    from evitrack.output import Cell, Doc, Table

CSV_HEADER = ["file", "line", "col", "severity", "code", "message", "hint"]


def emit(
    format: Format,
    *,
    json: Callable[[], Any],
    csv: Callable[[], Table],
    markdown: Callable[[], Doc],
    text: Callable[[], None],
) -> None:
    """Write one report in `format`; each form is built only when it is asked for."""
    if format is Format.json:
        print_json(json())
    elif format is Format.csv:
        sys.stdout.write(csv().csv())
    elif format is Format.markdown:
        sys.stdout.write(markdown().markdown())
    else:
        text()


def text_cell(value: Cell) -> Any:
    """A rich `Text` for a table cell: no markup read from it, nothing unsafe in it."""
    from rich.text import Text

    from evitrack.output import Lines, terminal

    if isinstance(value, Lines):
        return Text("\n".join(terminal(line) for line in value.lines))
    return Text(terminal("" if value is None else str(value)))


def print_diagnostics(
    diagnostics: Sequence[Diagnostic], format: Format, head: dict[str, Any] | None = None
) -> None:
    """Print the problems in `format`; `head`: the JSON object's other keys, first."""
    emit(
        format,
        json=lambda: {**(head or {}), "diagnostics": [d.to_json() for d in diagnostics]},
        csv=lambda: _table(diagnostics),
        markdown=lambda: _bullets(diagnostics),
        text=lambda: _lines(d.format() for d in diagnostics),
    )


def _table(diagnostics: Sequence[Diagnostic]) -> Table:
    from evitrack.output import Table

    table = Table(CSV_HEADER)
    for d in diagnostics:
        table.add(d.file, d.line, d.col, d.severity.value, d.code, d.message, d.hint or "")
    return table


def _bullets(diagnostics: Sequence[Diagnostic]) -> Doc:
    from evitrack.output import Bullets, Code, Doc

    return Doc([Bullets(tuple(Code(d.headline) for d in diagnostics))])


def _lines(lines: Iterable[str]) -> None:
    """Each line on stdout, as `typer.echo` writes text without colours."""
    sys.stdout.write("".join(line + "\n" for line in lines))
