"""evitrack qualification list / show / check."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from evitrack.cli._common import FORMAT_OPT, Format, handle_errors, print_json
from evitrack.cli._complete import complete_qualification, complete_units

app = typer.Typer(
    help="The shipped qualifications, and checking a centre's own file.", no_args_is_help=True
)


@app.command("list")
@handle_errors
def list_(format: Format = FORMAT_OPT) -> None:
    """List the qualifications a portfolio can be started for."""
    from evitrack import catalogue

    quals = catalogue.shipped_qualifications()
    rows = [
        {
            "id": q.id,
            "title": q.title,
            "awarding_body": q.awarding_body,
            "level": q.level,
            "units": len(q.units),
        }
        for q in quals
    ]
    if format is Format.json:
        print_json(rows)
        return
    if format is Format.csv:
        import csv
        import sys

        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return
    if format is Format.markdown:
        typer.echo("| id | title | awarding body | level | units |\n|---|---|---|---|---|")
        for r in rows:
            typer.echo(
                f"| {r['id']} | {r['title']} | {r['awarding_body']} | {r['level'] or ''} | {r['units']} |"
            )
        return
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from evitrack.cli._common import console

    t = Table(title="Qualifications", title_justify="left", box=box.SIMPLE_HEAD)
    t.add_column("id / title (awarding body)", overflow="fold")
    t.add_column("level", justify="right", min_width=5)
    t.add_column("units", justify="right", min_width=5)
    for r in rows:
        body = f" ({escape(str(r['awarding_body']))})" if r["awarding_body"] else ""
        t.add_row(
            f"[bold]{escape(str(r['id']))}[/]\n{escape(str(r['title']))}{body}",
            str(r["level"] or "–"),
            str(r["units"]),
        )
    console().print(t)


@app.command("show")
@handle_errors
def show(
    qualification: str = typer.Argument(
        ...,
        help="A shipped qualification id or a file path.",
        autocompletion=complete_qualification,
    ),
    unit: str = typer.Option(
        None,
        "--unit",
        "-u",
        help="Show one unit only (id or alias).",
        autocompletion=complete_units,
    ),
    format: Format = FORMAT_OPT,
) -> None:
    """Show a qualification: groups, units, outcomes, criteria and rules."""
    from evitrack import catalogue
    from evitrack.errors import UserError

    q = catalogue.load(qualification, Path.cwd())
    data = catalogue.to_json(q)
    if unit is not None:
        uid = q.resolve_unit(unit)
        if uid is None:
            from evitrack.diagnostics import did_you_mean

            raise UserError(f'unknown unit "{unit}" in {q.id}', did_you_mean(unit, q.unit_names()))
        data["units"] = [u for u in data["units"] if u["id"] == uid]
    if format is Format.json:
        print_json(data)
        return
    if format is Format.markdown:
        typer.echo(_markdown(data))
        return
    if format is Format.csv:
        import csv
        import sys

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["unit", "outcome", "criterion", "text"])
        for u in data["units"]:
            for o in u["outcomes"]:
                for c in o["criteria"]:
                    w.writerow([u["id"], o["id"], c["id"], c["text"]])
            for k in u["knowledge"]:
                w.writerow([u["id"], "", k["id"], k["text"]])
        return
    from rich.markup import escape
    from rich.tree import Tree

    from evitrack.cli._common import console

    tree = Tree(
        f"[bold]{escape(q.title)}[/] ({q.id}; {escape(q.awarding_body)}, level {q.level or '–'})"
    )
    if unit is None:
        groups = tree.add("Groups")
        for g in q.groups:
            groups.add(f"{escape(g.id)}: {escape(g.title)} — {', '.join(g.units)}")
    for u in data["units"]:
        facts = ", ".join(f"{k} {u[k]}" for k in ("level", "credit", "glh") if u[k] is not None)
        alias = f" [dim]({', '.join(u['aliases'])})[/]" if u["aliases"] else ""
        node = tree.add(
            f"[bold]{escape(u['id'])}[/] {escape(u['title'])}{alias}"
            + (f" — {facts}" if facts else "")
        )
        if not u["criteria_in_source"]:
            node.add("[yellow]no criteria text in the source document[/]")
        for o in u["outcomes"]:
            onode = node.add(f"{escape(o['id'])} {escape(o['title'])}")
            for c in o["criteria"]:
                onode.add(f"[cyan]{escape(c['id'])}[/] {escape(c['text'])}")
        if u["knowledge"]:
            knode = node.add("Knowledge and understanding")
            for k in u["knowledge"]:
                knode.add(f"[cyan]{escape(k['id'])}[/] {escape(k['text'])}")
    if unit is None and q.rules:
        rules = tree.add("Rules of combination")
        for r in q.rules:
            rules.add(f"{escape(str(r.get('id')))} {escape(str(r.get('text') or r.get('kind')))}")
    console().print(tree)


def _markdown(data: dict) -> str:  # type: ignore[type-arg]
    out = [f"# {data['title']}", ""]
    for u in data["units"]:
        out += [f"## {u['id']} {u['title']}", ""]
        for o in u["outcomes"]:
            out.append(f"**{o['id']} {o['title']}**\n")
            out += [f"- {c['id']} {c['text']}" for c in o["criteria"]]
            out.append("")
        if u["knowledge"]:
            out.append("**Knowledge and understanding**\n")
            out += [f"- {k['id']} {k['text']}" for k in u["knowledge"]]
            out.append("")
    return "\n".join(out)


@app.command("check")
@handle_errors
def check(
    files: list[Path] = typer.Argument(
        ..., help="Qualification files to validate (a shipped id checks the shipped file)."
    ),
    format: Format = FORMAT_OPT,
) -> None:
    """Validate qualification files: schema, ids, references, and rules that cannot be met.

    Exit 1 on problems. A file that does not exist is named on stderr and the others are
    still checked; the exit code is then 2.
    """
    from evitrack import catalogue
    from evitrack.catalogue.check import check_file
    from evitrack.cli._common import err
    from evitrack.cli._report import print_diagnostics
    from evitrack.diagnostics import has_errors

    diags = []
    missing = 0
    for f in files:
        shipped = catalogue.shipped_files().get(str(f))
        if not f.exists() and shipped is not None:
            f = shipped  # a shipped id where a path was expected: check the shipped file
        if not f.exists():
            missing += 1
            err(
                f"{f}: no such file",
                "pass the path of a qualification file (or a shipped id: "
                "`evitrack qualification list`)",
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


class ExchangeFormat(StrEnum):
    case = "case"


@app.command("export")
@handle_errors
def export(
    qualification: str = typer.Argument(
        ...,
        help="A shipped qualification id or a file path.",
        autocompletion=complete_qualification,
    ),
    format: ExchangeFormat = typer.Option(
        ..., "--format", "-f", help="case: a 1EdTech CASE 1.1 CFPackage (JSON)."
    ),
    output: Path = typer.Option(
        None, "--output", "-o", help="Write to this file (default: standard output)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
) -> None:
    """Export a qualification for another system: a CASE 1.1 CFPackage, the same bytes
    every time (identifiers are UUIDs derived from the qualification and the item)."""
    import sys

    from evitrack import catalogue
    from evitrack.exchange import case

    text = case.dumps(case.export(catalogue.load(qualification, Path.cwd())))
    if output is None:
        sys.stdout.write(text)
        return
    from evitrack.exchange.files import write_text

    write_text(output, text, force)
    typer.echo(f"wrote {output}", err=True)


@app.command("import")
@handle_errors
def import_(
    source: Path = typer.Argument(..., metavar="FILE", help="A CASE 1.1 CFPackage (JSON)."),
    format: ExchangeFormat = typer.Option(
        ..., "--format", "-f", help="case: a 1EdTech CASE 1.1 CFPackage (JSON)."
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="The qualification file to write (.yaml)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
) -> None:
    """Import a framework from another system as an evitrack qualification file.

    Items are read by their CFItemType (Group, Unit, Learning Outcome, Assessment
    Criterion, Knowledge) or, without one, by where they sit in the isChildOf tree. A file
    that is not a package, or an association that points at nothing, is refused (exit 2)
    and nothing is written. Then `evitrack qualification check OUT.yaml`.
    """
    from evitrack.exchange import case

    data = case.import_file(source, output, force)
    n = len(data["units"])
    typer.echo(
        f"wrote {output}: {data['id']}, {n} unit{'s' if n != 1 else ''}, "
        f"{len(data['groups'])} group{'s' if len(data['groups']) != 1 else ''}, "
        f"{len(data['rules'])} rule{'s' if len(data['rules']) != 1 else ''}",
        err=True,
    )
