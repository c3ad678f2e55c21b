"""evitrack qualification list / show / check."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from evitrack.cli._common import FORMAT_OPT, Format
from evitrack.cli._complete import complete_qualification, complete_units

if TYPE_CHECKING:
    from evitrack.model import Qualification
    from evitrack.output import Doc, Table

app = typer.Typer(
    help="The shipped qualifications, and checking a centre's own file.", no_args_is_help=True
)


@app.command("list")
def list_(format: Format = FORMAT_OPT) -> None:
    """List the qualifications a portfolio can be started for. Exit 0."""
    from evitrack import catalogue
    from evitrack.cli._report import emit
    from evitrack.output import Doc, Table

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

    def csv() -> Table:
        return Table(list(rows[0]), [list(r.values()) for r in rows])

    def markdown() -> Doc:
        table = Table(["id", "title", "awarding body", "level", "units"])
        for r in rows:
            table.add(r["id"], r["title"], r["awarding_body"], r["level"] or "", r["units"])
        return Doc([table])

    emit(format, json=lambda: rows, csv=csv, markdown=markdown, text=lambda: _list_text(rows))


def _list_text(rows: list[dict[str, Any]]) -> None:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    from evitrack.cli._common import console
    from evitrack.output import one_line

    t = RichTable(title="Qualifications", title_justify="left", box=box.SIMPLE_HEAD)
    t.add_column("id / title (awarding body)", overflow="fold")
    t.add_column("level", justify="right", min_width=5)
    t.add_column("units", justify="right", min_width=5)
    for r in rows:
        body = f" ({r['awarding_body']})" if r["awarding_body"] else ""
        t.add_row(
            Text.assemble((one_line(r["id"]), "bold"), "\n", one_line(f"{r['title']}{body}")),
            str(r["level"] or "–"),
            str(r["units"]),
        )
    console().print(t)


@app.command("show")
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
    """Show a qualification: groups, units, outcomes, criteria and rules.

    Exit 0, or 2 when the qualification or unit is unknown or cannot be read.
    """
    from evitrack import catalogue
    from evitrack.cli._report import emit
    from evitrack.errors import UserError
    from evitrack.output import Table

    q = catalogue.load_named(qualification)
    data = catalogue.to_json(q)
    if unit is not None:
        uid = q.resolve_unit(unit)
        if uid is None:
            from evitrack.diagnostics import unknown_unit

            raise UserError(*unknown_unit(unit, q.id, q.unit_names(), None))
        data["units"] = [u for u in data["units"] if u["id"] == uid]

    def csv() -> Table:
        table = Table(["unit", "outcome", "criterion", "text"])
        for u in data["units"]:
            for o in u["outcomes"]:
                for c in o["criteria"]:
                    table.add(u["id"], o["id"], c["id"], c["text"])
            for k in u["knowledge"]:
                table.add(u["id"], "", k["id"], k["text"])
        return table

    emit(
        format,
        json=lambda: data,
        csv=csv,
        markdown=lambda: _markdown(data),
        text=lambda: _show_text(q, data, unit is None),
    )


def _show_text(q: Qualification, data: dict[str, Any], whole: bool) -> None:
    from rich.text import Text
    from rich.tree import Tree

    from evitrack.cli._common import console
    from evitrack.output import one_line

    def line(*parts: str | tuple[str, str]) -> Text:
        return Text.assemble(
            *((one_line(p[0]), p[1]) if isinstance(p, tuple) else one_line(p) for p in parts)
        )

    tree = Tree(
        line(
            (q.title, "bold"),
            f" ({q.id}; {q.awarding_body}, level {q.level or '–'})",
        )
    )
    if whole:
        groups = tree.add("Groups")
        for g in q.groups:
            groups.add(line(f"{g.id}: {g.title} — {', '.join(g.units)}"))
    for u in data["units"]:
        facts = ", ".join(f"{k} {u[k]}" for k in ("level", "credit", "glh") if u[k] is not None)
        alias = (" (" + ", ".join(u["aliases"]) + ")", "dim") if u["aliases"] else ""
        node = tree.add(
            line((u["id"], "bold"), " " + u["title"], alias, f" — {facts}" if facts else "")
        )
        if not u["criteria_in_source"]:
            node.add("[yellow]no criteria text in the source document[/]")
        _note(node, u, line)
        for o in u["outcomes"]:
            onode = node.add(line(f"{o['id']} {o['title']}"))
            _note(onode, o, line)
            for c in o["criteria"]:
                _note(onode.add(line((c["id"], "cyan"), " " + c["text"])), c, line)
        if u["knowledge"]:
            knode = node.add("Knowledge and understanding")
            for k in u["knowledge"]:
                knode.add(line((k["id"], "cyan"), " " + k["text"]))
    if whole and q.rules:
        rules = tree.add("Rules of combination")
        for r in q.rules:
            rules.add(line(f"{r.get('id')} {r.get('text') or r.get('kind')}"))
    console().print(tree)


def _note(node: Any, item: dict[str, Any], line: Any) -> None:
    """The reading a qualification file records beside a unit, outcome or criterion."""
    if item.get("note"):
        node.add(line((f"note: {item['note']}", "dim")))


def _noted(item: dict[str, Any]) -> str:
    return f"note: {item['note']}"


def _markdown(data: dict[str, Any]) -> Doc:
    from evitrack.output import Bullets, Doc, Heading, Noted, Para

    doc = Doc([Heading(data["title"])])
    for u in data["units"]:
        doc.add(Heading(f"{u['id']} {u['title']}", 2))
        if u.get("note"):
            doc.add(Para(_noted(u), em=True))
        for o in u["outcomes"]:
            doc.add(Para(f"{o['id']} {o['title']}", strong=True))
            if o.get("note"):
                doc.add(Para(_noted(o), em=True))
            doc.add(
                Bullets(
                    tuple(
                        Noted(f"{c['id']} {c['text']}", _noted(c))
                        if c.get("note")
                        else f"{c['id']} {c['text']}"
                        for c in o["criteria"]
                    )
                )
            )
        if u["knowledge"]:
            doc.add(Para("Knowledge and understanding", strong=True))
            doc.add(Bullets(tuple(f"{k['id']} {k['text']}" for k in u["knowledge"])))
    return doc


@app.command("extend")
def extend(
    qualification: str = typer.Argument(..., help="The shipped qualification id to extend."),
    output: Path = typer.Option(
        None,
        "--output",
        "-o",
        help="Where to write the centre's file, inside the portfolio or the current folder "
        "(default: qualifications/ID.yaml).",
    ),
    new_id: str = typer.Option(None, "--id", help="The centre file's own id (default: ID-centre)."),
    force: bool = typer.Option(False, "--force", help="Replace the file if it exists."),
) -> None:
    """Write a centre's file that extends a shipped qualification, with a stub to fill in
    for each unit whose criteria the source document does not give.
    """
    from evitrack import catalogue
    from evitrack.catalogue import extend as ext
    from evitrack.errors import UserError
    from evitrack.locate import display_path, find_root

    if qualification not in catalogue.shipped_files():
        raise UserError(
            f'"{qualification}" is not a shipped qualification: extend works on those',
            catalogue.suggest(qualification, [q.id for q in catalogue.shipped_qualifications()]),
        )
    q = catalogue.load(qualification)
    if q.kind != "qualification":
        raise UserError(f'"{qualification}" is a unit library, not a qualification')
    cwd = Path.cwd()
    area = find_root(cwd) or cwd.resolve()
    out = output if output is not None else Path("qualifications") / f"{q.id}.yaml"
    done = ext.write(q, out, area, new_id or ext.centre_id(q), force)
    shown = display_path(done.path)
    typer.echo(shown)
    n = len(done.stubs)
    typer.echo(
        f"{shown}: {done.id}, extending {q.id}, with a stub for each of the {n} unit"
        f"{'s' if n != 1 else ''} without criteria in the source: {', '.join(done.stubs)}\n"
        "Next: fill in each unit your learners take from your copy of the specification "
        "(remove the others), then\n"
        f"  evitrack qualification check {shown}\n"
        f"and start a portfolio on it (evitrack init DIR -q {shown}, with the file inside "
        "DIR), or set `qualification:` in a portfolio's evitrack.yaml to its path.",
        err=True,
    )


@app.command("check")
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
    from evitrack.catalogue import check_file
    from evitrack.cli._common import err
    from evitrack.cli._report import print_diagnostics
    from evitrack.diagnostics import has_errors
    from evitrack.output import plural

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
        typer.echo(f"ok: {plural(checked, 'file')} checked, no problems", err=True)
    raise typer.Exit(2 if missing else 1 if has_errors(diags) else 0)


class ExchangeFormat(StrEnum):
    case = "case"


@app.command("export")
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
def import_(
    source: Path = typer.Argument(..., metavar="FILE", help="A CASE 1.1 CFPackage (JSON)."),
    format: ExchangeFormat = typer.Option(
        ..., "--format", "-f", help="case: a 1EdTech CASE 1.1 CFPackage (JSON)."
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="The qualification file to write (.yaml)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
    new_id: str = typer.Option(
        None,
        "--id",
        help="The id of the qualification written (default: the package's; ID-imported for "
        "a qualification evitrack ships, whose id a centre's file may not take).",
        show_default=False,
    ),
) -> None:
    """Import a framework from another system as an evitrack qualification file.

    Items are read by their CFItemType (Group, Unit, Learning Outcome, Assessment
    Criterion, Knowledge) or, without one, by where they sit in the isChildOf tree. A file
    that is not a package, or an association that points at nothing, is refused (exit 2)
    and nothing is written. Then `evitrack qualification check OUT.yaml`.
    """
    from evitrack.exchange import case
    from evitrack.output import plural

    got = case.import_file(source, output, force, new_id)
    typer.echo(
        f"wrote {output}: {got.id}, {plural(got.units, 'unit')}, "
        f"{plural(got.groups, 'group')}, {plural(got.rules, 'rule')}",
        err=True,
    )
