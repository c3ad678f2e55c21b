"""evitrack plan: the rules of combination, explained, and the optimal completion plan."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from evitrack.cli._common import FORMAT_OPT, PORTFOLIO_ARG, Format, handle_errors, print_json
from evitrack.cli._complete import complete_qualification, complete_units

if TYPE_CHECKING:
    from evitrack.model import Portfolio, Qualification


@handle_errors
def plan(
    portfolio: Path = PORTFOLIO_ARG,
    qualification: str = typer.Option(
        None,
        "--qualification",
        "-q",
        autocompletion=complete_qualification,
        help="Check a selection of units for this qualification, without a portfolio.",
    ),
    units: str = typer.Option(
        None,
        "--units",
        autocompletion=complete_units,
        help="Units to check, comma-separated ids or aliases (default: the portfolio's units).",
    ),
    format: Format = FORMAT_OPT,
) -> None:
    """Explain each rule of combination for the units chosen, and plan the least left to do.

    With a portfolio, the plan is the selection of units that satisfies every rule with
    the fewest criteria still to evidence (then fewest units added, then least credit).
    Exit 0 when the units satisfy every rule, 1 when not.
    """
    from evitrack import catalogue
    from evitrack.errors import UserError
    from evitrack.rules import evaluate, satisfied

    if qualification is not None and portfolio is not None:
        raise UserError(
            "give a portfolio or --qualification, not both",
            "--qualification checks a selection of units without a portfolio",
        )
    result: Any = None
    if qualification is not None:
        q = catalogue.load_named(qualification)
        if q.kind != "qualification":
            raise UserError(f'"{qualification}" is a unit library, not a qualification')
        selection = _parse_units(q, units or "")
    elif units is None:
        from evitrack import planner
        from evitrack.cli._common import portfolio_root

        q, data = planner.portfolio_report(portfolio_root(portfolio))
    else:
        from evitrack import planner
        from evitrack.cli._common import portfolio_root

        p = _load(portfolio_root(portfolio))
        q = p.qualification
        selection = _parse_units(q, units)
        result = planner.plan(q, selection, planner.cited(p.records))

    if qualification is not None or units is not None:
        results = evaluate(q, selection)
        data = {
            "satisfied": satisfied(results),
            "rules": [r.to_json() for r in results],
            "qualification": q.id,
            "units": selection,
        }
        if result is not None:
            data["plan"] = result.to_json()
    ok = bool(data["satisfied"])
    if format is Format.json:
        print_json(data)
    elif format is Format.csv:
        _csv(data)
    elif format is Format.markdown:
        typer.echo(_markdown(q, data))
    else:
        _text(q, data)
    raise typer.Exit(0 if ok else 1)


def _parse_units(q: Qualification, text: str) -> list[str]:
    from evitrack.diagnostics import did_you_mean
    from evitrack.errors import UserError

    out: list[str] = []
    for ref in (part.strip() for part in text.split(",")):
        if not ref:
            continue
        uid = q.resolve_unit(ref)
        if uid is None:
            raise UserError(
                f'unknown unit "{ref}" in {q.id}',
                did_you_mean(ref, q.unit_names()) or f"see `evitrack qualification show {q.id}`",
            )
        if uid not in out:
            out.append(uid)
    order = list(q.units)
    return sorted(out, key=order.index)


def _load(root: Path) -> Portfolio:
    from evitrack.planner import load_for_plan

    p = load_for_plan(root).portfolio
    assert p is not None
    return p


# ---- output ----------------------------------------------------------------------------


def _csv(data: dict[str, Any]) -> None:
    import csv
    import sys

    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["rule", "kind", "satisfied", "asks", "gives", "shortfall", "detail"])
    for r in data["rules"]:
        w.writerow(
            [
                r["rule"],
                r["kind"],
                "yes" if r["satisfied"] else "no",  # as status and gaps write it
                r["asks"],
                r["gives"],
                r["shortfall"],
                r["detail"],
            ]
        )


def _unit_label(q: Qualification, uid: str) -> str:
    return f"{uid} {q.units[uid].title}"


def _left(q: Qualification, plan: dict[str, Any], uid: str) -> tuple[str, str]:
    """(count, ids) of the criteria left in a planned unit."""
    if uid in plan["unknown_criteria"]:
        return "?", "criteria not in the source document"
    ids = plan["criteria_left"][uid]
    return str(len(ids)), ", ".join(ids) if ids else "all cited"


def _summary(data: dict[str, Any]) -> str:
    failed = [r for r in data["rules"] if not r["satisfied"]]
    if not failed:
        return "The units satisfy every rule of combination."
    n = len(data["rules"])
    return f"{len(failed)} of {n} rule{'s' if n != 1 else ''} not met."


def _plan_head(plan: dict[str, Any]) -> str:
    n, k = plan["remaining"], len(plan["units"])
    head = (
        f"{n} criteri{'on' if n == 1 else 'a'} left to evidence in the best selection "
        f"of {k} unit{'s' if k != 1 else ''} ({plan['credit']} credits)"
    )
    if plan["unknown_criteria"]:
        head += f", plus the criteria of {', '.join(plan['unknown_criteria'])} (not in the source)"
    if not plan["add"] and not plan["drop"]:
        head += "; your units are already the best choice"
    return head + "."


def _text(q: Qualification, data: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from evitrack.cli._common import console

    out = console()
    t = Table(title=f"Rules of combination: {escape(q.title)}", title_justify="left")
    t.add_column("", no_wrap=True)
    t.add_column("rule", no_wrap=True)
    t.add_column("explanation")
    for r in data["rules"]:
        mark = "[green]✓[/]" if r["satisfied"] else "[red]✗[/]"
        cell = escape(r["detail"])
        if r["reading"]:
            cell += f"\n[dim]reading: {escape(' '.join(str(r['reading']).split()))}[/]"
        t.add_row(mark, escape(r["rule"]), cell)
    out.print(t)
    out.print(("[green]✓[/] " if data["satisfied"] else "[red]✗[/] ") + _summary(data))
    plan = data.get("plan")
    if plan is None:
        return
    out.print()
    if not plan["feasible"]:
        out.print("[red]No selection of units satisfies every rule:[/]")
        for p in plan["problems"]:
            out.print(f"  {escape(', '.join(p['rules']))}: {escape(p['message'])}")
        return
    out.print(f"[bold]Plan:[/] {escape(_plan_head(plan))}")
    pt = Table(title_justify="left")
    for col in ("unit", "title", "", "credit", "left", "criteria left"):
        pt.add_column(col, justify="right" if col in ("credit", "left") else "left")
    for uid in plan["units"]:
        count, ids = _left(q, plan, uid)
        unit = q.units[uid]
        status = "[cyan]add[/]" if uid in plan["add"] else "keep"
        credit = "–" if unit.credit is None else str(unit.credit)
        pt.add_row(escape(uid), escape(unit.title), status, credit, count, escape(ids))
    out.print(pt)
    for uid in plan["drop"]:
        out.print(f"[yellow]drop[/] {escape(_unit_label(q, uid))}: the plan does not need it")
    if plan["unknown_criteria"]:
        from evitrack.catalogue.extend import no_criteria_hint

        out.print(
            f"[dim]hint: {escape(no_criteria_hint(q, ', '.join(plan['unknown_criteria'])))}[/]"
        )


def _markdown(q: Qualification, data: dict[str, Any]) -> str:
    lines = [f"## Rules of combination: {q.title}", "", "| | rule | explanation |", "|---|---|---|"]
    for r in data["rules"]:
        mark = "✓" if r["satisfied"] else "✗"
        cell = r["detail"].replace("|", "\\|")
        if r["reading"]:
            reading = " ".join(str(r["reading"]).split()).replace("|", "\\|")
            cell += f"<br>*reading:* {reading}"
        lines.append(f"| {mark} | {r['rule']} | {cell} |")
    lines += ["", _summary(data)]
    plan = data.get("plan")
    if plan is not None:
        lines += ["", "## Plan", ""]
        if not plan["feasible"]:
            lines.append("No selection of units satisfies every rule:\n")
            lines += [f"- {', '.join(p['rules'])}: {p['message']}" for p in plan["problems"]]
        else:
            lines += [
                _plan_head(plan),
                "",
                "| unit | title | | credit | left | criteria left |",
                "|---|---|---|---|---|---|",
            ]
            for uid in plan["units"]:
                count, ids = _left(q, plan, uid)
                unit = q.units[uid]
                status = "add" if uid in plan["add"] else "keep"
                credit = "–" if unit.credit is None else str(unit.credit)
                lines.append(f"| {uid} | {unit.title} | {status} | {credit} | {count} | {ids} |")
            if plan["drop"]:
                lines.append("")
                lines += [
                    f"- drop {_unit_label(q, uid)}: the plan does not need it"
                    for uid in plan["drop"]
                ]
            if plan["unknown_criteria"]:
                from evitrack.catalogue.extend import no_criteria_hint

                lines += ["", f"hint: {no_criteria_hint(q, ', '.join(plan['unknown_criteria']))}"]
    return "\n".join(lines)
