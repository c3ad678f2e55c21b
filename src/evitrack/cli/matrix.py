"""evitrack matrix: evidence matrices, unit recording forms and the evidence index."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from evitrack.cli._common import PORTFOLIO_ARG, handle_errors, note_errors, os_problem
from evitrack.cli._complete import complete_chosen_units


class Form(StrEnum):
    matrix = "matrix"
    recording = "recording"
    index_ = "index"


class PrintFormat(StrEnum):
    """A document's formats: DocFormat's, and PDF/A through the optional extra evitrack[pdf]."""

    html = "html"
    markdown = "markdown"
    pdf = "pdf"


DOC_FORMAT_OPT = typer.Option(
    PrintFormat.html,
    "--format",
    "-f",
    help='Document format (pdf: PDF/A, needs pip install "evitrack[pdf]").',
)
OUTPUT_OPT = typer.Option(
    None, "--output", "-o", help="Write the document to this file (default: standard output)."
)


@handle_errors
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
    format: PrintFormat = DOC_FORMAT_OPT,
    output: Path = OUTPUT_OPT,
) -> None:
    """Render evidence matrices or unit recording forms, one page per unit.

    HTML is one self-contained file that prints on A4 (page breaks between units);
    Markdown suits a git host. A portfolio's own templates/ folder overrides the shipped
    templates by name (matrix.html.j2, recording.md.j2, ...).
    """
    from evitrack import render
    from evitrack.coverage import coverage
    from evitrack.locate import resolve_root
    from evitrack.records import load_portfolio

    root = resolve_root(portfolio)
    loaded, diagnostics = load_portfolio(root)
    units = [u.strip() for u in unit.split(",") if u.strip()] if unit else None
    as_html = "html" if format is PrintFormat.pdf else format.value
    text = render.matrix(coverage(loaded), units, form.value, as_html)
    note_errors(diagnostics)
    if format is PrintFormat.pdf:
        write_pdf_document(text, root, loaded, output)
        return
    write_document(text, output)


def write_pdf_document(html: str, root: Path, loaded: Any, output: Path | None) -> None:
    """The HTML document as PDF/A, to a file (atomically) or to standard output (not a
    terminal); the renderer reads the template folders only, and the date is the
    portfolio's newest, so the same portfolio gives the same bytes."""
    import sys

    from evitrack import pdf, render
    from evitrack.errors import UserError

    allowed = [render.shipped_templates(), root / "templates"]
    if output is None and sys.stdout.isatty():
        raise UserError("a PDF is not for a terminal", "give -o FILE.pdf, or redirect the output")
    data = pdf.html_to_pdf(html, allowed, pdf.latest_date(loaded))
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        pdf.write_pdf(output, data)
    except OSError as e:
        raise UserError(
            os_problem(e, output), "check the path, the folder's permissions and the free space"
        ) from None
    typer.echo(f"wrote {output}", err=True)


def write_document(text: str, output: Path | None) -> None:
    """The document to a file (atomically) or to standard output."""
    import sys

    if output is None:
        sys.stdout.write(text)
        return
    from evitrack.atomic import atomic_write_text
    from evitrack.errors import UserError

    if output.is_dir():
        raise UserError(f"{output} is a folder", "give a file name, e.g. -o matrix.html")
    try:
        atomic_write_text(output, text)
    except OSError as e:
        raise UserError(
            os_problem(e, output), "check the path, the folder's permissions and the free space"
        ) from None
    typer.echo(f"wrote {output}", err=True)
