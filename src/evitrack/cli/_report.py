"""Problems (diagnostics) printed in every report format, the same for every command.

`evitrack check` prints its problems this way: text `path:line:col: severity[code]:
message` with the hint below, Markdown one bullet per problem, CSV one row per problem,
JSON an object whose `diagnostics` list holds them.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from typing import Any

import typer

from evitrack.cli._common import Format, print_json
from evitrack.diagnostics import Diagnostic

CSV_HEADER = ["file", "line", "col", "severity", "code", "message", "hint"]


def print_diagnostics(
    diagnostics: Sequence[Diagnostic], format: Format, head: dict[str, Any] | None = None
) -> None:
    """Print the problems in `format`; `head`: the JSON object's other keys, first."""
    if format is Format.json:
        print_json({**(head or {}), "diagnostics": [d.to_json() for d in diagnostics]})
    elif format is Format.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(CSV_HEADER)
        for d in diagnostics:
            w.writerow([d.file, d.line, d.col, d.severity.value, d.code, d.message, d.hint or ""])
    else:
        md = format is Format.markdown
        for d in diagnostics:
            typer.echo(f"- `{d.headline}`" if md else d.format())
