"""evitrack schema: JSON Schemas for editors (yaml-language-server)."""

from __future__ import annotations

from enum import StrEnum

import typer

from evitrack.cli._common import handle_errors, print_json


class Kind(StrEnum):
    record = "record"
    portfolio = "portfolio"
    qualification = "qualification"
    standard = "standard"


@handle_errors
def schema(
    kind: Kind = typer.Argument(
        Kind.record, help="Which file: record, portfolio, qualification or standard."
    ),
) -> None:
    """Print the JSON Schema of an evidence record, evitrack.yaml, a qualification or a standard file."""
    from evitrack.schema import SCHEMAS, to_json_schema

    node, title = SCHEMAS[kind.value]
    print_json(to_json_schema(node, title))
