"""evitrack standard list / show / check / import."""

from __future__ import annotations

from pathlib import Path

import typer

from evitrack.cli._common import FORMAT_OPT, Format, handle_errors, md_text, print_json

app = typer.Typer(
    help="Apprenticeship standards: their KSBs, the units that cover them, and importing one.",
    no_args_is_help=True,
)


@app.command("list")
@handle_errors
def list_(format: Format = FORMAT_OPT) -> None:
    """List the shipped apprenticeship standards."""
    from evitrack.apprenticeship import standards

    rows = [
        {"id": s.id, "title": s.title, "level": s.level, "version": s.version}
        for s in standards.shipped_standards()
    ]
    if format is Format.json:
        print_json(rows)
        return
    if format is Format.csv:
        import csv
        import sys

        w = csv.DictWriter(sys.stdout, fieldnames=["id", "title", "level", "version"])
        w.writeheader()
        w.writerows(rows)
        return
    if format is Format.markdown:
        typer.echo("| id | title | level | version |\n|---|---|---|---|")
        for r in rows:
            typer.echo(
                f"| {r['id']} | {md_text(str(r['title']))} | {r['level'] or ''} | "
                f"{r['version'] or ''} |"
            )
        return
    for r in rows:
        facts = ", ".join(f"{k} {r[k]}" for k in ("level", "version") if r[k] is not None)
        typer.echo(f"{r['id']}  {r['title']}" + (f" ({facts})" if facts else ""))


@app.command("show")
@handle_errors
def show(
    standard: str = typer.Argument(..., help="A shipped standard id or a file path."),
    format: Format = FORMAT_OPT,
) -> None:
    """Show a standard: its KSBs and which units of each mapped qualification cover them."""
    from evitrack.apprenticeship import standards

    named = Path(standard)
    std = (
        standards.load_file(named)
        if standard not in standards.shipped_files() and named.is_file()
        else standards.load(standard, Path.cwd())
    )
    data = standards.to_json(std)
    if format is Format.json:
        print_json(data)
        return
    if format is Format.csv:
        import csv
        import sys

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["ksb", "kind", "title", "statement"])
        for k in data["ksbs"]:
            for s in k["statements"] or [""]:
                w.writerow([k["id"], k["kind"], k["title"], s])
        return
    md = format is Format.markdown
    out = [f"# {data['title']}" if md else f"{data['title']} ({data['id']})"]
    facts = [
        f"{label} {data[key]}"
        for key, label in (
            ("reference", "reference"),
            ("level", "level"),
            ("version", "version"),
            ("typical_duration_months", "typical duration (months)"),
            ("otj_minimum_hours", "minimum off-the-job hours"),
        )
        if data[key] is not None
    ]
    if facts:
        out.append(", ".join(facts))
    for k in data["ksbs"]:
        out.append("")
        out.append(
            f"## {k['id']} {k['title']} ({k['kind']})"
            if md
            else f"{k['id']} {k['title']} ({k['kind']})"
        )
        if md and k["statements"]:
            out.append("")
        out += [f"- {s}" if md else f"  - {s}" for s in k["statements"]]
        for qid, by_ksb in data["mappings"].items():
            units = by_ksb.get(k["id"]) or []
            line = f"units of {qid}: {', '.join(units) if units else 'none'}"
            out.append(f"\n*{line}*" if md else f"  {line}")
    typer.echo("\n".join(md_text(x) if md and x.startswith("- ") else x for x in out))


@app.command("check")
@handle_errors
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
@handle_errors
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
