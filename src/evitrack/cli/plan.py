"""evitrack plan: the rules of combination, explained, and the optimal completion plan."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from evitrack.cli._common import FORMAT_OPT, PORTFOLIO_ARG, Format
from evitrack.cli._complete import complete_qualification, complete_units

if TYPE_CHECKING:
    from evitrack.model import Qualification
    from evitrack.output import Cell, Doc, Table
    from evitrack.plan_report import RulesReport
    from evitrack.planner import Plan
    from evitrack.rules import RuleResult


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
    Exit 0 when the units satisfy every rule, 1 when not, 2 on a usage or input error.
    """
    from evitrack import catalogue, plan_report
    from evitrack.cli._common import portfolio_root
    from evitrack.cli._report import emit
    from evitrack.errors import UserError

    if qualification is not None and portfolio is not None:
        raise UserError(
            "give a portfolio or --qualification, not both",
            "--qualification checks a selection of units without a portfolio",
        )
    if qualification is not None:
        q = catalogue.load_named(qualification)
        if q.kind != "qualification":
            raise UserError(f'"{qualification}" is a unit library, not a qualification')
        report = plan_report.for_selection(q, _parse_units(q, units or ""))
    elif units is None:
        report = plan_report.for_portfolio(portfolio_root(portfolio))
    else:
        p = plan_report.portfolio_of(portfolio_root(portfolio))
        report = plan_report.for_selection(
            p.qualification, _parse_units(p.qualification, units), p.records
        )
    emit(
        format,
        json=report.to_json,
        csv=lambda: _csv(report),
        markdown=lambda: _markdown(report),
        text=lambda: _text(report),
    )
    raise typer.Exit(0 if report.satisfied else 1)


def _parse_units(q: Qualification, text: str) -> list[str]:
    from evitrack.diagnostics import unknown_unit
    from evitrack.errors import UserError

    out: list[str] = []
    for ref in (part.strip() for part in text.split(",")):
        if not ref:
            continue
        uid = q.resolve_unit(ref)
        if uid is None:
            raise UserError(*unknown_unit(ref, q.id, q.unit_names()))
        if uid not in out:
            out.append(uid)
    order = list(q.units)
    return sorted(out, key=order.index)


# ---- output ----------------------------------------------------------------------------


def _csv(report: RulesReport) -> Table:
    from evitrack.output import Table

    table = Table(["rule", "kind", "satisfied", "asks", "gives", "shortfall", "detail"])
    for r in report.rules:
        table.add(
            r.rule,
            r.kind,
            "yes" if r.satisfied else "no",  # as status and gaps write it
            r.asks,
            r.gives,
            r.shortfall,
            r.detail,
        )
    return table


def _unit_label(q: Qualification, uid: str) -> str:
    return f"{uid} {q.units[uid].title}"


def _left(plan: Plan, uid: str) -> tuple[str, str]:
    """(count, ids) of the criteria left in a planned unit."""
    if uid in plan.unknown:
        return "?", "criteria not in the source document"
    ids = plan.criteria_left[uid]
    return str(len(ids)), ", ".join(ids) if ids else "all cited"


def _summary(report: RulesReport) -> str:
    from evitrack.output import plural

    failed = [r for r in report.rules if not r.satisfied]
    if not failed:
        return "The units satisfy every rule of combination."
    n = len(report.rules)
    return f"{len(failed)} of {plural(n, 'rule')} not met."


def _plan_head(plan: Plan) -> str:
    from evitrack.output import plural

    n, k = plan.remaining, len(plan.units)
    head = (
        f"{plural(n, 'criterion', 'criteria')} left to evidence in the best selection "
        f"of {plural(k, 'unit')} ({plan.credit} credits)"
    )
    if plan.unknown:
        head += f", plus the criteria of {', '.join(plan.unknown)} (not in the source)"
    if not plan.add and not plan.drop:
        head += "; your units are already the best choice"
    return head + "."


def _reading(r: RuleResult) -> str | None:
    return f"reading: {r.reading}" if r.reading else None


def _text(report: RulesReport) -> None:
    from rich.table import Table as RichTable
    from rich.text import Text

    from evitrack.cli._common import console
    from evitrack.cli._report import text_cell
    from evitrack.output import one_line

    q = report.qualification
    out = console()
    t = RichTable(title=text_cell(f"Rules of combination: {q.title}"), title_justify="left")
    t.add_column("", no_wrap=True)
    t.add_column("rule", no_wrap=True)
    t.add_column("explanation")
    for r in report.rules:
        mark = "[green]✓[/]" if r.satisfied else "[red]✗[/]"
        cell = text_cell(r.detail)
        reading = _reading(r)
        if reading:
            cell.append("\n" + one_line(reading), style="dim")
        t.add_row(mark, text_cell(r.rule), cell)
    out.print(t)
    out.print(("[green]✓[/] " if report.satisfied else "[red]✗[/] ") + _summary(report))
    plan = report.plan
    if plan is None:
        return
    out.print()
    if not plan.feasible:
        out.print("[red]No selection of units satisfies every rule:[/]")
        for ids, message in plan.problems:
            out.print(Text(one_line(f"  {', '.join(ids)}: {message}")))
        return
    out.print(Text.assemble(("Plan:", "bold"), " ", one_line(_plan_head(plan))))
    pt = RichTable(title_justify="left")
    for col in PLAN_COLUMNS:
        pt.add_column(col, justify="right" if col in ("credit", "left") else "left")
    for row in _plan_rows(q, plan):
        status = "[cyan]add[/]" if row[2] == "add" else "keep"
        pt.add_row(*(text_cell(c) for c in row[:2]), status, *(text_cell(c) for c in row[3:]))
    out.print(pt)
    for uid in plan.drop:
        out.print(
            Text.assemble(("drop", "yellow"), " ", one_line(_unit_label(q, uid))),
            ": the plan does not need it",
        )
    if plan.unknown:
        out.print(Text(f"hint: {_no_criteria_hint(q, plan)}", style="dim"))


def _no_criteria_hint(q: Qualification, plan: Plan) -> str:
    """How a centre gives the criteria of planned units that the source document lacks."""
    from evitrack.catalogue.extend import no_criteria_hint
    from evitrack.output import one_line

    return one_line(no_criteria_hint(q, ", ".join(plan.unknown)))


PLAN_COLUMNS = ("unit", "title", "keep/add", "credit", "left", "criteria left")


def _plan_rows(q: Qualification, plan: Plan) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for uid in plan.units:
        count, ids = _left(plan, uid)
        unit = q.units[uid]
        status = "add" if uid in plan.add else "keep"
        credit = "–" if unit.credit is None else str(unit.credit)
        rows.append([uid, unit.title, status, credit, count, ids])
    return rows


def _markdown(report: RulesReport) -> Doc:
    from evitrack.output import Bullets, Doc, Heading, Lines, Para, Table

    q = report.qualification
    rules = Table(["", "rule", "explanation"])
    for r in report.rules:
        reading = _reading(r)
        cell: Cell = Lines((r.detail, reading)) if reading else r.detail
        rules.add("✓" if r.satisfied else "✗", r.rule, cell)
    doc = Doc([Heading(f"Rules of combination: {q.title}", 2), rules, Para(_summary(report))])
    plan = report.plan
    if plan is None:
        return doc
    doc.add(Heading("Plan", 2))
    if not plan.feasible:
        doc.add(Para("No selection of units satisfies every rule:"))
        doc.add(Bullets(tuple(f"{', '.join(ids)}: {message}" for ids, message in plan.problems)))
        return doc
    doc.add(Para(_plan_head(plan)), Table(list(PLAN_COLUMNS), _plan_rows(q, plan)))
    if plan.drop:
        doc.add(
            Bullets(
                tuple(f"drop {_unit_label(q, uid)}: the plan does not need it" for uid in plan.drop)
            )
        )
    if plan.unknown:
        doc.add(Para(f"hint: {_no_criteria_hint(q, plan)}"))
    return doc
