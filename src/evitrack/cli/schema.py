"""evitrack schema: JSON Schemas for editors (yaml-language-server)."""

from __future__ import annotations

from enum import StrEnum

import typer

from evitrack.cli._common import print_json


class Kind(StrEnum):
    record = "record"
    portfolio = "portfolio"
    qualification = "qualification"


def schema(
    kind: Kind = typer.Argument(
        Kind.record, help="Which file: record, portfolio or qualification."
    ),
) -> None:
    """Print the JSON Schema of an evidence record, evitrack.yaml or a qualification file.

    Exit 0, or 2 on a usage error.
    """
    from evitrack.schema import SCHEMAS, to_json_schema

    node, title = SCHEMAS[kind.value]
    print_json(to_json_schema(node, title))
