"""evitrack review add / sign / show: an apprentice's progress reviews."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

import typer

from evitrack.cli._common import PORTFOLIO_ARG
from evitrack.cli.matrix import OUTPUT_OPT

app = typer.Typer(
    help="Progress reviews: write one pre-filled, sign it, render it as a document.",
    no_args_is_help=True,
)


class Party(StrEnum):
    learner = "learner"
    employer = "employer"
    provider = "provider"


class ReviewFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    html = "html"
    pdf = "pdf"


@app.command("add")
def add(
    portfolio: Path = PORTFOLIO_ARG,
    date: str = typer.Option(..., "--date", help="The day of the review (YYYY-MM-DD)."),
) -> None:
    """Write reviews/DATE.yaml, pre-filled with the OTJ hours by that date, the KSB progress
    and the previous review's open actions. Never overwrites: exit 2 if it exists."""
    from evitrack.apprenticeship.reviews import add_review
    from evitrack.cli._common import portfolio_root
    from evitrack.cli._input import parse_date
    from evitrack.cli.otj import load_apprentice

    root = portfolio_root(portfolio)
    result, _ = load_apprentice(root)
    assert result.portfolio is not None
    path = add_review(result.portfolio, parse_date(date, "--date"), dt.date.today())
    typer.echo(f"wrote {path.relative_to(root)}", err=True)


@app.command("sign")
def sign(
    date: str = typer.Argument(..., help="The review's date (YYYY-MM-DD)."),
    portfolio: Path = PORTFOLIO_ARG,
    party: Party = typer.Option(..., "--as", help="Who signs: learner, employer or provider."),
    name: str = typer.Option(..., "--name", help="The signer's name."),
    when: str = typer.Option(
        None, "--date", help="Date of the signature, YYYY-MM-DD (default: today)."
    ),
) -> None:
    """Sign a review: the party's name and date under `signatures:` (comments kept).

    Exit 2, nothing written, for a date before the review or in the future."""
    from evitrack.apprenticeship import reviews
    from evitrack.cli._common import portfolio_root
    from evitrack.cli._input import parse_date
    from evitrack.cli.otj import load_apprentice

    root = portfolio_root(portfolio)
    _, app_ = load_apprentice(root)
    today = dt.date.today()
    day = parse_date(when, "--date") if when else today
    path, before = reviews.sign(root, app_, date, party.value, name, day, today)
    typer.echo(f"wrote {path.relative_to(root)}", err=True)
    if before:
        typer.echo(f"  note: this replaces the {party.value}'s {before[0]}, {before[1]}", err=True)


def _a_date(path: Path) -> bool:
    import re

    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}\S*", str(path))) and not path.is_dir()


@app.command("show")
def show(
    portfolio: Path = PORTFOLIO_ARG,
    date: str = typer.Argument(None, help="The review's date (default: the latest)."),
    format: ReviewFormat = typer.Option(
        ReviewFormat.text,
        "--format",
        "-f",
        help='text, markdown, html (A4) or pdf (PDF/A, -o FILE; pip install "evitrack[pdf]").',
    ),
    output: Path = OUTPUT_OPT,
) -> None:
    """Render a progress review (the latest without DATE) as a document, like the other
    forms. `review show DATE` alone names the review of this portfolio."""
    from evitrack import render
    from evitrack.apprenticeship import reviews
    from evitrack.cli._common import note_errors, portfolio_root
    from evitrack.cli.matrix import note_refused, pdf_ready, write_document
    from evitrack.cli.otj import load_apprentice
    from evitrack.output import terminal

    if format is ReviewFormat.pdf:
        pdf_ready(output)
    if date is None and portfolio is not None and _a_date(portfolio):
        date, portfolio = str(portfolio), None  # `review show 2026-03-02`: the date alone
    root = portfolio_root(portfolio)
    result, app_ = load_apprentice(root)
    p = result.portfolio
    assert p is not None
    review = reviews.find(root, app_, date, dt.date.today())
    ctx = reviews.context(review, app_)
    note_errors(result.diagnostics)
    if format is ReviewFormat.text:
        text = reviews.as_text(ctx, f"{p.learner_name} ({p.registration})")
        write_document("\n".join(terminal(x) for x in text.split("\n")), output)
    elif format is ReviewFormat.pdf:
        document = render.pdf(render.review(p, ctx, "html"), p, "review")
        note_refused(document.refused)
        write_document(document.data, output)
    else:
        write_document(render.review(p, ctx, format.value), output)
