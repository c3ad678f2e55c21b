"""evitrack standard list / show / check / import."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from evitrack.cli._common import FORMAT_OPT, Format

if TYPE_CHECKING:
    from evitrack.output import Doc, Table

app = typer.Typer(
    help="Apprenticeship standards: their KSBs, the units that cover them, and importing one.",
    no_args_is_help=True,
)


@app.command("list")
def list_(format: Format = FORMAT_OPT) -> None:
    """List the shipped apprenticeship standards."""
    from evitrack.apprenticeship import standards
    from evitrack.cli._report import emit
    from evitrack.output import Doc, Table, one_line

    rows = [
        {"id": s.id, "title": s.title, "level": s.level, "version": s.version}
        for s in standards.shipped_standards()
    ]
    columns = ["id", "title", "level", "version"]

    def table() -> Table:
        return Table(columns, [[r[c] if r[c] is not None else "" for c in columns] for r in rows])

    def text() -> None:
        for r in rows:
            facts = ", ".join(f"{k} {r[k]}" for k in ("level", "version") if r[k] is not None)
            typer.echo(one_line(f"{r['id']}  {r['title']}" + (f" ({facts})" if facts else "")))

    emit(format, json=lambda: rows, csv=table, markdown=lambda: Doc([table()]), text=text)


@app.command("show")
def show(
    standard: str = typer.Argument(..., help="A shipped standard id or a file path."),
    format: Format = FORMAT_OPT,
) -> None:
    """Show a standard: its KSBs and which units of each mapped qualification cover them."""
    from evitrack.apprenticeship import standards
    from evitrack.cli._report import emit

    named = Path(standard)
    std = (
        standards.load_file(named)
        if standard not in standards.shipped_files() and named.is_file()
        else standards.load(standard, Path.cwd())
    )
    data = standards.to_json(std)
    facts = _facts(data)
    emit(
        format,
        json=lambda: data,
        csv=lambda: _ksb_table(data),
        markdown=lambda: _show_markdown(data, facts),
        text=lambda: _show_text(data, facts),
    )


def _facts(data: dict[str, Any]) -> str:
    """The standard's reference, level, version, duration and hours that it states."""
    return ", ".join(
        f"{label} {data[key]}"
        for key, label in (
            ("reference", "reference"),
            ("level", "level"),
            ("version", "version"),
            ("typical_duration_months", "typical duration (months)"),
            ("otj_minimum_hours", "minimum off-the-job hours"),
        )
        if data[key] is not None
    )


def _covered(data: dict[str, Any], kid: str) -> list[str]:
    """Per mapped qualification, the units that cover KSB `kid`."""
    return [
        f"units of {qid}: {', '.join(by_ksb.get(kid) or []) or 'none'}"
        for qid, by_ksb in data["mappings"].items()
    ]


def _ksb_table(data: dict[str, Any]) -> Table:
    from evitrack.output import Table

    rows = [
        [k["id"], k["kind"], k["title"], s] for k in data["ksbs"] for s in k["statements"] or [""]
    ]
    return Table(["ksb", "kind", "title", "statement"], rows)


def _show_markdown(data: dict[str, Any], facts: str) -> Doc:
    from evitrack.output import Bullets, Doc, Heading, Para

    doc = Doc([Heading(data["title"])])
    if facts:
        doc.add(Para(facts))
    for k in data["ksbs"]:
        doc.add(Heading(f"{k['id']} {k['title']} ({k['kind']})", 2))
        if k["statements"]:
            doc.add(Bullets(tuple(k["statements"])))
        for line in _covered(data, k["id"]):
            doc.add(Para(line, em=True))
    return doc


def _show_text(data: dict[str, Any], facts: str) -> None:
    from evitrack.output import one_line

    out = [f"{data['title']} ({data['id']})", *([facts] if facts else [])]
    for k in data["ksbs"]:
        out += ["", f"{k['id']} {k['title']} ({k['kind']})"]
        out += [f"  - {s}" for s in k["statements"]]
        out += [f"  {line}" for line in _covered(data, k["id"])]
    typer.echo("\n".join(one_line(x) for x in out))


@app.command("check")
def check(
    files: list[Path] = typer.Argument(
        ..., help="Standard files to validate (a shipped id checks the shipped file)."
    ),
    format: Format = FORMAT_OPT,
) -> None:
    """Validate standard files: schema, KSB ids, and the mappings to qualifications.

    Exit 1 on problems; 2 when a file does not exist (the others are still checked).
    """
    from evitrack.apprenticeship import standards
    from evitrack.apprenticeship.check import check_file
    from evitrack.cli._common import err
    from evitrack.cli._report import print_diagnostics
    from evitrack.diagnostics import has_errors

    diags = []
    missing = 0
    for f in files:
        shipped = standards.shipped_files().get(str(f))
        if not f.exists() and shipped is not None:
            f = shipped
        if not f.is_file():
            missing += 1
            err(
                f"{f}: no such file",
                "pass the path of a standard file (or a shipped id: `evitrack standard list`)",
            )
            continue
        diags.extend(check_file(f))
    checked = len(files) - missing
    print_diagnostics(diags, format, {"ok": not has_errors(diags) and not missing})
    if not diags and checked and format in (Format.text, Format.markdown):
        typer.echo(
            f"ok: {checked} file{'s' if checked != 1 else ''} checked, no problems", err=True
        )
    raise typer.Exit(2 if missing else 1 if has_errors(diags) else 0)


@app.command("import")
def import_(
    file: Path = typer.Argument(
        ..., help="The standard's JSON, as downloaded from the apprenticeship standards service."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="The standard file to write."),
    id: str = typer.Option(None, "--id", help="The standard's id (default: from its title)."),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
) -> None:
    """Write a standard file from the standards service's JSON (evitrack never goes online)."""
    from evitrack.apprenticeship.importer import import_file

    written = import_file(file, output, force=force, std_id=id)
    typer.echo(f"wrote {written}", err=True)
