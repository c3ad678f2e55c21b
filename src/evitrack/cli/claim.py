"""evitrack claim: build the certification pack; evitrack claim verify: check one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from evitrack.cli._common import (
    ALLOWED_SIGNERS_OPT,
    FORMAT_OPT,
    PORTFOLIO_ARG,
    Format,
    allowed_signers,
)
from evitrack.cli.matrix import DocumentFormat

if TYPE_CHECKING:
    from evitrack.output import Doc
    from evitrack.pack import VerifyResult

PROGRESS_MIN_FILES = 20  # show a progress bar from this many evidence files


class _BuildByDefault(TyperGroup):
    """`evitrack claim [PORTFOLIO] ...` means `evitrack claim build [PORTFOLIO] ...`.

    Anything that is not a subcommand name (a portfolio path, an option, nothing at
    all) goes to `build`; `verify` and `build` are subcommands. (A portfolio folder
    literally named "verify" or "build" is given as ./verify.)
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["build", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_BuildByDefault,
    help="Build the certification pack (`evitrack claim [PORTFOLIO]`, short for "
    "`evitrack claim build [PORTFOLIO]`), or verify one (`evitrack claim verify PACK`). "
    "`evitrack claim list CASELOAD` lists what each learner can claim now. "
    "A portfolio folder named build, verify or list is given as ./build, ./verify or ./list.",
    rich_markup_mode=None,
)


@app.command("build")
def build(
    portfolio: Path = PORTFOLIO_ARG,
    output: Path = typer.Option(
        None,
        "--output",
        "-o",
        help="Where to write the pack (default: out/claim-REGISTRATION/ in the portfolio, "
        "or out/claim-REGISTRATION.zip with --zip). A name ending .zip implies --zip.",
    ),
    zip_: bool = typer.Option(False, "--zip", help="Write one .zip instead of a folder."),
    units: str = typer.Option(
        None, "--units", help="Claim these units only (comma-separated), for a unit certificate."
    ),
    completed: bool = typer.Option(
        False, "--completed", help="Claim every unit that is complete and signed off."
    ),
    draft: bool = typer.Option(
        False, "--draft", help="Pack what exists, incomplete or not; every document says DRAFT."
    ),
    statement_only: bool = typer.Option(
        False,
        "--statement-only",
        help="Render the claim-to-competence statement only (to standard output or -o).",
    ),
    format: DocumentFormat = typer.Option(
        DocumentFormat.html,
        "--format",
        "-f",
        help="Format of --statement-only (pdf: with -o FILE).",
    ),
    pdf: bool = typer.Option(
        False,
        "--pdf",
        help='Add a PDF/A of every document to the pack (needs pip install "evitrack[pdf]").',
    ),
    signers: Path = ALLOWED_SIGNERS_OPT,
) -> None:
    """Build the certification pack: the claim to competence, an evidence matrix per unit,
    the evidence index, copies of the evidence files, summary.json and SHA256SUMS
    (with --pdf, a PDF/A of each document too).

    A full-award claim (the default) is refused, exit 1, while any rule or criterion is
    unmet, a sign-off is missing or `evitrack check` finds errors: every missing thing
    is listed. --units or --completed claim complete units for a unit certificate;
    --draft packs what exists. The same portfolio gives the same bytes.

    `evitrack claim PORTFOLIO` is short for `evitrack claim build PORTFOLIO`.
    """
    from evitrack import pack
    from evitrack.locate import resolve_root

    root = resolve_root(portfolio)
    chosen = [u.strip() for u in units.split(",") if u.strip()] if units is not None else None
    if statement_only:
        from evitrack.cli.matrix import pdf_ready, write_document

        if format is DocumentFormat.pdf:
            pdf_ready(output)
        with allowed_signers(signers):
            st = pack.statement(root, chosen, completed, draft, format.value)
        _notes(st.selection.notes)
        _report_refusal(st.selection)
        write_document(st.data if format is DocumentFormat.pdf else st.text, output)
        return
    with allowed_signers(signers), _progress() as progress:
        result = pack.build(root, output, zip_, chosen, completed, draft, progress, pdf)
    _notes(result.selection.notes)
    _notes(
        f"removed {_shown(work)}, left by a claim that was stopped before it finished"
        for work in result.cleaned
    )
    _report_refusal(result.selection)
    assert result.output is not None
    sel = result.selection
    what = "full award" if sel.full_award else "unit claim"
    from evitrack.output import plural

    typer.echo(
        f"wrote {_shown(result.output)}{'' if result.zipped else '/'}: "
        f"{'DRAFT ' if sel.draft else ''}{what}, {plural(len(sel.units), 'unit')} "
        f"({', '.join(sel.units)}), {plural(len(result.files), 'evidence file')}, "
        f"{len(result.manifest)} files in {pack.MANIFEST}"
    )
    typer.echo(f"{pack.MANIFEST} sha256: {result.manifest_sha256}")
    if result.replaced:
        typer.echo("note: this replaces the pack that was there before", err=True)


@app.command("verify")
def verify(
    pack_path: Path = typer.Argument(..., metavar="PACK", help="A pack folder or .zip."),
    format: Format = FORMAT_OPT,
) -> None:
    """Re-hash every file of a pack against its SHA256SUMS: report any file changed,
    missing or added (exit 1 if so).

    It also prints the sha256 of SHA256SUMS itself: compare it with the one
    `evitrack claim` printed to know that the manifest was not rewritten too."""
    from evitrack import pack
    from evitrack.cli._report import emit
    from evitrack.output import Table

    result = pack.verify(pack_path)
    found = _problems(result)
    shown = str(pack_path)  # as given: the user knows the path they typed
    emit(
        format,
        json=result.to_json,
        csv=lambda: Table(["status", "file"], [list(f) for f in found]),
        markdown=lambda: _verify_markdown(result, found, shown),
        text=lambda: _verify_text(result, found, shown),
    )
    raise typer.Exit(0 if result.ok else 1)


def _problems(result: VerifyResult) -> list[tuple[str, str]]:
    """(what is wrong, file) for every file that does not match the manifest."""
    return [
        (label, name)
        for label, names in (
            ("changed", result.changed),
            ("missing", result.missing),
            ("added", result.added),
            ("invalid", result.invalid),
            ("unreadable", result.unreadable),
        )
        for name in names
    ]


def _verify_markdown(result: VerifyResult, found: list[tuple[str, str]], shown: str) -> Doc:
    from evitrack.output import Doc, Heading, Para, Table
    from evitrack.pack import MANIFEST

    summary = f"{MANIFEST} sha256 {result.manifest_sha256}; {result.listed} files listed: " + (
        "all match." if result.ok else f"{len(found)} problems."
    )
    doc = Doc([Heading(f"Verification of {shown}"), Para(summary)])
    return doc.add(Table(["status", "file"], [list(f) for f in found])) if found else doc


def _verify_text(result: VerifyResult, found: list[tuple[str, str]], shown: str) -> None:
    from evitrack.output import one_line, plural
    from evitrack.pack import MANIFEST

    for label, name in found:
        typer.echo(f"{label}: {one_line(name)}")
    if result.ok:
        typer.echo(
            f"ok: {one_line(shown)}: {result.listed} files match {MANIFEST} "
            f"(sha256 {result.manifest_sha256})",
            err=True,
        )
    else:
        typer.echo(
            f"{one_line(shown)}: {plural(len(found), 'problem')} "
            f"({result.listed} files listed in {MANIFEST}, "
            f"sha256 {result.manifest_sha256})",
            err=True,
        )


class ListFormat(StrEnum):
    csv = "csv"
    json = "json"


@app.command("list")
def list_(
    caseload: Path = typer.Argument(
        ..., help="A folder of portfolios (at any depth), or one portfolio."
    ),
    format: ListFormat = typer.Option(ListFormat.csv, "--format", "-f", help="Output format."),
) -> None:
    """List, per learner, what can be claimed now, in the columns of an awarding body's
    bulk claim: the full award or the completed units, with registration, ULN
    (`learner.uln` in evitrack.yaml), qualification number, unit codes, summative dates
    and the IV's sign-off; a learner with nothing to claim is listed with the reason."""
    import sys

    from evitrack.exchange.claimlist import COLUMNS, claim_list

    rows = claim_list(caseload)
    if format is ListFormat.json:
        from evitrack.cli._common import print_json

        print_json([r.to_json() for r in rows])
        return
    import csv

    w = csv.DictWriter(sys.stdout, fieldnames=list(COLUMNS), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _cell(v) for k, v in r.to_csv().items()})


def _cell(value: str) -> str:
    """A spreadsheet cell that a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _report_refusal(selection: Any) -> None:
    problems = selection.problems
    if not problems:
        return
    what = "full-award claim" if selection.full_award else "unit claim"
    from evitrack.output import plural, terminal

    n = len(problems)
    typer.echo(
        f"claim refused: {plural(n, 'thing')} stand{'' if n != 1 else 's'} "
        f"in the way of the {what}:"
    )
    for line in problems:
        typer.echo(f"  {terminal(line)}")
    if selection.draft:
        typer.echo("nothing was written", err=True)
    else:
        typer.echo("nothing was written; `evitrack claim --draft` packs what exists", err=True)
    raise typer.Exit(1)


def _notes(notes: Iterable[str]) -> None:
    from evitrack.output import terminal

    for note in notes:
        typer.echo(f"note: {terminal(note)}", err=True)


def _shown(path: Path) -> str:
    from evitrack.locate import display_path

    return display_path(path)


@contextmanager
def _progress() -> Iterator[Any]:
    """A rich progress bar on a terminal when many files are hashed and copied."""
    from evitrack.cli._common import console

    con = console(stderr=True)
    if not con.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar: Any = None
    task: Any = None
    with Progress(
        TextColumn("hashing and copying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=con,
        transient=True,
    ) as prog:

        def update(done: int, total: int, name: str) -> None:
            nonlocal bar, task
            if total < PROGRESS_MIN_FILES:
                return
            if task is None:
                task = prog.add_task("", total=total)
                bar = prog
            bar.update(task, completed=done, description=name[-40:])

        yield update
