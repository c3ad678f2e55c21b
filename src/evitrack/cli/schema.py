"""evitrack schema: JSON Schemas for editors (yaml-language-server)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from evitrack.cli._common import print_json


class Kind(StrEnum):
    record = "record"
    portfolio = "portfolio"
    qualification = "qualification"
    standard = "standard"
    sampling = "sampling"
    review = "review"


def schema(
    kind: Kind = typer.Argument(
        Kind.record,
        help="Which file: record, portfolio, qualification, standard, sampling (sampling.yaml) "
        "or review (reviews/DATE.yaml).",
    ),
    portfolio: Path = typer.Option(
        None,
        "--portfolio",
        help="The record schema of this portfolio: its units and criterion ids as choices, "
        "with the criterion text (what `init` writes to .schemas/record.schema.json).",
        show_default=False,
    ),
    output: Path = typer.Option(
        None,
        "--output",
        "-o",
        help="Write the schema to this file (atomically) instead of printing it.",
        show_default=False,
    ),
) -> None:
    """Print the JSON Schema of a record, evitrack.yaml, a qualification file, a standard
    file, sampling.yaml or a progress review.

    Exit 0, or 2 on a usage error.
    """
    import json

    from evitrack.errors import UserError
    from evitrack.schema import SCHEMAS, record_schema_text, to_json_schema

    if portfolio is not None:
        if kind is not Kind.record:
            raise UserError(
                f"--portfolio gives the record schema only, not the {kind.value} schema",
                "run `evitrack schema record --portfolio DIR`",
            )
        from evitrack.cli._common import portfolio_root
        from evitrack.portfolio import load, unusable

        root = portfolio_root(portfolio)
        loaded = load(root)
        if loaded.portfolio is None:
            raise unusable(root, loaded.diagnostics)
        text = record_schema_text(loaded.portfolio.qualification, loaded.portfolio.units)
    else:
        node, title = SCHEMAS[kind.value]
        if output is None:
            print_json(to_json_schema(node, title))
            return
        text = json.dumps(to_json_schema(node, title), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    from evitrack.atomic import atomic_write_text

    if output.is_symlink():
        raise UserError(
            f"{output} is a symbolic link; evitrack never writes through one; nothing was changed",
            "remove the link, or name the file it points to",
        )
    if output.is_dir():
        raise UserError(f"{output} is a folder; name the file to write", None)
    if not output.parent.is_dir():
        raise UserError(
            f"{output.parent}: no such folder; nothing was written",
            "create the folder first, or name a file in a folder that exists",
        )
    atomic_write_text(output, text)
    typer.echo(f"wrote {output}", err=True)
