"""evitrack matrix: evidence matrices, unit recording forms and the evidence index."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from evitrack.cli._common import (
    ALLOWED_SIGNERS_OPT,
    PORTFOLIO_ARG,
    DocFormat,
    allowed_signers,
    note_errors,
    os_problem,
)
from evitrack.cli._complete import complete_chosen_units


class Form(StrEnum):
    matrix = "matrix"
    recording = "recording"
    index_ = "index"


DOC_FORMAT_OPT = typer.Option(DocFormat.html, "--format", "-f", help="Document format.")
OUTPUT_OPT = typer.Option(
    None, "--output", "-o", help="Write the document to this file (default: standard output)."
)


def matrix(
    portfolio: Path = PORTFOLIO_ARG,
    unit: str = typer.Option(
        None,
        "--unit",
        "-u",
        help="Units to render (ids or aliases, comma-separated; default: every chosen unit).",
        autocompletion=complete_chosen_units,
    ),
    form: Form = typer.Option(
        Form.matrix,
        "--form",
        help="matrix: the evidence matrix (EDI layout); recording: the unit recording form; "
        "index: every evidence record with its files.",
    ),
    format: DocFormat = DOC_FORMAT_OPT,
    output: Path = OUTPUT_OPT,
    signers: Path = ALLOWED_SIGNERS_OPT,
) -> None:
    """Render evidence matrices or unit recording forms, one page per unit.

    HTML is one self-contained file that prints on A4 (page breaks between units);
    Markdown suits a git host. A portfolio's own templates/ folder overrides the shipped
    templates by name (matrix.html.j2, recording.md.j2, ...). A document: exit 0 when
    it is written, 2 on a usage or input error.
    """
    from evitrack import render
    from evitrack.coverage import coverage
    from evitrack.locate import resolve_root
    from evitrack.records import load_portfolio

    root = resolve_root(portfolio)
    with allowed_signers(signers):
        loaded, diagnostics = load_portfolio(root)
        units = [u.strip() for u in unit.split(",") if u.strip()] if unit else None
        text = render.matrix(coverage(loaded), units, form.value, format.value)
    note_errors(diagnostics)
    write_document(text, output)


def write_document(text: str, output: Path | None) -> None:
    """The document to a file (atomically) or to standard output."""
    import sys

    if output is None:
        sys.stdout.write(text)
        return
    from evitrack.atomic import atomic_write_text
    from evitrack.errors import UserError
    from evitrack.locate import output_target

    if output.is_dir():
        raise UserError(f"{output} is a folder", "give a file name, e.g. -o matrix.html")
    target = output_target(output)  # never through a link, never over a portfolio's files
    try:
        atomic_write_text(target, text)
    except OSError as e:
        raise UserError(
            os_problem(e, output), "check the path, the folder's permissions and the free space"
        ) from None
    typer.echo(f"wrote {output}", err=True)
