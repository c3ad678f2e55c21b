"""evitrack matrix: evidence matrices, unit recording forms and the evidence index."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from evitrack.cli._common import (
    ALLOWED_SIGNERS_OPT,
    PORTFOLIO_ARG,
    allowed_signers,
    note_errors,
    os_problem,
)
from evitrack.cli._complete import complete_chosen_units


class DocumentFormat(StrEnum):
    """A document's formats: PDF through the optional extra evitrack[pdf]."""

    html = "html"
    markdown = "markdown"
    pdf = "pdf"


class Form(StrEnum):
    matrix = "matrix"
    recording = "recording"
    index_ = "index"
    ksb = "ksb"


DOC_FORMAT_OPT = typer.Option(
    DocumentFormat.html,
    "--format",
    "-f",
    help='Document format (pdf: PDF/A, with -o FILE; needs pip install "evitrack[pdf]").',
)
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
        "index: every evidence record with its files; ksb: an apprentice's KSB mapping.",
    ),
    format: DocumentFormat = DOC_FORMAT_OPT,
    output: Path = OUTPUT_OPT,
    signers: Path = ALLOWED_SIGNERS_OPT,
) -> None:
    """Render evidence matrices or unit recording forms, one page per unit.

    HTML is one self-contained file that prints on A4 (page breaks between units);
    Markdown suits a git host; PDF (PDF/A, -o FILE) is for filing and e-mail. A
    portfolio's own templates/ folder overrides the shipped templates by name
    (matrix.html.j2, recording.md.j2, ...). A document: exit 0 when it is written, 2 on
    a usage or input error. `--form ksb` is an apprentice's KSB mapping, for the gateway:
    every KSB of the standard with its text, mapped units, evidence and status.
    """
    from evitrack import render
    from evitrack.coverage import coverage
    from evitrack.locate import resolve_root
    from evitrack.records import load_portfolio

    if format is DocumentFormat.pdf:
        pdf_ready(output)
    root = resolve_root(portfolio)
    with allowed_signers(signers):
        loaded, diagnostics = load_portfolio(root)
        units = [u.strip() for u in unit.split(",") if u.strip()] if unit else None
        cov = coverage(loaded)
        if format is DocumentFormat.pdf:
            html = render.matrix(cov, units, form.value, "html")
            document = render.pdf(html, loaded, form.value)
            note_refused(document.refused)
            note_errors(diagnostics)
            write_document(document.data, output)
            return
        text = render.matrix(cov, units, form.value, format.value)
    note_errors(diagnostics)
    write_document(text, output)


def pdf_ready(output: Path | None) -> None:
    """Before any work: WeasyPrint is installed, and the PDF goes to a file or a pipe."""
    import sys

    from evitrack import render
    from evitrack.errors import UserError

    render.pdf_available()
    if output is None and sys.stdout.isatty():
        raise UserError("a PDF is not written to a terminal", "give a file, e.g. -o matrix.pdf")


def note_refused(urls: list[str]) -> None:
    for url in urls:
        typer.echo(
            f"note: {url} was not read: a PDF reads only evitrack's templates and the portfolio",
            err=True,
        )


def write_document(text: str | bytes, output: Path | None, name: str = "matrix") -> None:
    """The document to a file (atomically) or to standard output."""
    import sys

    if output is None:
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
        return
    from evitrack.atomic import atomic_write_bytes, atomic_write_text
    from evitrack.errors import UserError
    from evitrack.locate import output_target

    if output.is_dir():
        example = f"{name}.pdf" if isinstance(text, bytes) else f"{name}.html"
        raise UserError(f"{output} is a folder", f"give a file name, e.g. -o {example}")
    target = output_target(output)  # never through a link, never over a portfolio's files
    try:
        if isinstance(text, bytes):
            atomic_write_bytes(target, text)
        else:
            atomic_write_text(target, text)
    except OSError as e:
        raise UserError(
            os_problem(e, output), "check the path, the folder's permissions and the free space"
        ) from None
    typer.echo(f"wrote {output}", err=True)
