"""evitrack iqa: the sampling plan, IQA decisions and the IQA report of a caseload."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from evitrack.cli._common import (
    FORMAT_OPT,
    PORTFOLIO_ARG,
    Format,
    print_json,
    refuse_with,
)

if TYPE_CHECKING:
    from evitrack.quality_report import IqaReport

app = typer.Typer(
    help="Internal quality assurance: draw the sample, record decisions, report.",
    no_args_is_help=True,
)

CASELOAD_ARG = typer.Argument(..., help="The caseload: a folder of portfolios with sampling.yaml.")


def _table(rows: list[list[Any]], header: list[str], format: Format, title: str = "") -> None:
    """Rows as csv, a Markdown table or aligned text (json is the caller's), escaped once."""
    from evitrack.output import Cell, Doc, Heading, Table, terminal

    cells = [[("" if c is None else str(c)) for c in r] for r in rows]
    table = Table(header, [list[Cell](r) for r in cells])
    if format is Format.csv:
        sys.stdout.write(table.csv())
        return
    if format is Format.markdown:
        doc = Doc([Heading(title, 2)] if title else [])
        sys.stdout.write(doc.add(table).markdown() + "\n")
        return
    cells = [[terminal(c) for c in r] for r in cells]
    widths = [max(len(x) for x in col) for col in zip(header, *cells, strict=False)]
    if title:
        typer.echo(terminal(title))
    for r in [header, *cells]:
        typer.echo("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    typer.echo("")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def plan(
    caseload: Path = CASELOAD_ARG,
    seed: str = typer.Option(
        None,
        "--seed",
        help="The seed (default: the caseload's git commit when its files are committed, "
        "else a digest of their content).",
        show_default=False,
    ),
    format: Format = FORMAT_OPT,
    save: bool = typer.Option(
        False, "--save", help="Write the plan and its snapshot to iqa/plan-DATE.yaml."
    ),
) -> None:
    """Draw the IQA sample: the fewest units that meet every rate and cover rule of the policy.

    The same caseload content, policy and seed give the same sample anywhere.
    Exit 1 when the policy cannot be met.
    """
    from evitrack import quality
    from evitrack.locate import display_path

    try:
        result = quality.plan(caseload, seed)
    except quality.PolicyError as e:
        refuse_with(e.diagnostics, "sampling.yaml has errors: no plan was drawn")
    if format is Format.json:
        print_json(result.to_json())
    elif format is Format.csv:
        _table(
            [_sample_row(d) for d in result.sample],
            ["portfolio", "learner", "unit", "assessor", "stage", "records", "why"],
            format,
        )
    else:
        _print_plan(result, format)
    if save:
        path = quality.save_plan(caseload, result)
        typer.echo(f"saved {display_path(path)}", err=True)
    raise typer.Exit(0 if result.compliant else 1)


def _sample_row(d: Any) -> list[Any]:
    u = d.unit
    return [
        u.portfolio,
        u.learner,
        u.unit,
        u.assessor,
        u.stage,
        " ".join(u.records),
        "; ".join(d.why),
    ]


def _print_plan(result: Any, format: Format) -> None:
    from evitrack.output import plural

    typer.echo(f"seed: {result.seed} ({result.seed_source})\n")
    _table(
        [_sample_row(d) for d in result.sample],
        ["portfolio", "learner", "unit", "assessor", "stage", "records", "why"],
        format,
        f"sample: {plural(len(result.sample), 'unit')}",
    )
    _table(
        [
            [a.assessor, a.band, a.units, a.sampled, a.required, _yes(a.compliant)]
            for a in result.assessors
        ],
        ["assessor", "band", "units", "sampled", "required", "compliant"],
        format,
        "assessors",
    )
    if result.cover:
        _table(
            [[d, ", ".join(m) or "-"] for d, m in result.cover.items()],
            ["cover", "missing"],
            format,
            "cover",
        )
    why = "" if result.compliant else ": " + "; ".join(_not_met(result))
    typer.echo(f"compliant: {_yes(result.compliant)}{why}")


def _not_met(result: Any) -> list[str]:
    out = list(result.reasons)
    out += [
        f"{a.assessor}: {a.reason or f'{a.sampled} of {a.required} sampled'}"
        for a in result.assessors
        if not a.compliant and f"{a.assessor}: {a.reason}" not in out
    ]
    out += [f"{d} not covered: {', '.join(m)}" for d, m in result.cover.items() if m]
    return out


app.command("plan")(plan)


def record(
    portfolio: Path = PORTFOLIO_ARG,
    unit: str = typer.Option(..., "--unit", "-u", help="The sampled unit (its id or an alias)."),
    agree: bool = typer.Option(
        None,
        "--agree/--disagree",
        help="Agree with the assessor's judgement, or disagree (the unit goes back to them).",
        show_default=False,
    ),
    iqa: str = typer.Option(..., "--iqa", help="The internal quality assurer's name."),
    date: str = typer.Option(
        None, "--date", help="Date of the decision, YYYY-MM-DD (default: today)."
    ),
    comment: str = typer.Option(
        None, "--comment", help="What the assessor is to do (required with --disagree)."
    ),
    records: list[str] = typer.Option(
        None,
        "--records",
        help="The records looked at, comma-separated (default: those the plan sampled).",
        show_default=False,
    ),
) -> None:
    """Record an IQA decision on a sampled unit in the portfolio's evitrack.yaml.

    Agreement fills the IV initials and date of the unit's sign-off. After a
    disagreement the unit is not complete, and the criteria its sampled records cite
    are not accepted, until the assessor decides on them again.
    """
    from evitrack import quality_decisions
    from evitrack.cli._input import parse_date, split_list
    from evitrack.errors import UserError
    from evitrack.locate import PORTFOLIO_FILE, display_path, resolve_root

    if agree is None:
        raise UserError("say --agree or --disagree")
    root = resolve_root(portfolio)
    when = parse_date(date, "--date") if date else None
    result = quality_decisions.record(
        root, unit, agree, iqa, when, comment, split_list(records) or None
    )
    typer.echo(display_path(root / PORTFOLIO_FILE))
    typer.echo(
        f"unit {result.unit}: the IQA {result.decision} ({', '.join(result.records)})", err=True
    )
    if result.note:
        typer.echo(f"  note: {result.note}", err=True)
    if result.iv:
        typer.echo(
            f"  IV initials {result.iv['iv']} and date {result.iv['iv_date'].isoformat()} "
            "filled in on the sign-off",
            err=True,
        )
    if result.iv_removed:
        gone = result.iv_removed
        shown = " and ".join(
            [f"initials {gone['iv']}"] * ("iv" in gone)
            + [f"date {gone['iv_date'].isoformat()}"] * ("iv_date" in gone)
        )
        typer.echo(
            f"  IV {shown} taken off the sign-off: they no longer stand after a disagreement",
            err=True,
        )
    for problem in result.iv_problems:
        typer.echo(f"  IV initials not filled in: {problem}", err=True)
    if not agree:
        typer.echo(
            f"  unit {result.unit} is no longer complete until the assessor decides again",
            err=True,
        )


app.command("record")(record)


def report(caseload: Path = CASELOAD_ARG, format: Format = FORMAT_OPT) -> None:
    """The IQA report: per assessor, the cover of each dimension, the open actions.

    Exit 1 when the sampling so far does not meet the policy.
    """
    from evitrack import quality, quality_report

    try:
        result = quality_report.report(caseload)
    except quality.PolicyError as e:
        refuse_with(e.diagnostics, "the caseload's IQA files have errors: no report")
    if format is Format.json:
        print_json(result.to_json())
    elif format is Format.csv:
        _assessors_table(result, format)
    else:
        _report_tables(result, format)
        typer.echo(f"compliant: {_yes(result.compliant)}")
    raise typer.Exit(0 if result.compliant else 1)


def _assessors_table(result: IqaReport, format: Format, title: str = "") -> None:
    assessors = [
        [
            a.assessor,
            a.band,
            a.units,
            a.sampled,
            a.required,
            a.agreed,
            a.disagreed,
            a.open_actions,
            _yes(a.compliant),
        ]
        for a in result.assessors
    ]
    head = ["assessor", "band", "units", "sampled", "required", "agreed", "disagreed"]
    head += ["open_actions", "compliant"]
    _table(assessors, head, format, title)


def _report_tables(result: IqaReport, format: Format) -> None:
    """The plan, then each of the report's tables that has rows, as text or Markdown."""
    if result.plan:
        typer.echo(f"plan: {result.plan}\n")
    _assessors_table(result, format, "assessors")
    if result.cover:
        _table(
            [[d, ", ".join(m) or "-"] for d, m in result.cover.items()],
            ["cover", "not yet sampled"],
            format,
            "cover",
        )
    actions = [
        [
            a.portfolio,
            a.unit,
            a.assessor,
            a.iqa,
            a.date,
            "open" if a.open else "closed",
            a.comment or "",
            a.note or "",
        ]
        for a in result.actions
    ]
    if actions:
        ahead = ["portfolio", "unit", "assessor", "iqa", "date", "status", "comment", "note"]
        _table(actions, ahead, format, "actions")
    if result.outside:
        _table(
            [
                [o.portfolio, o.unit, o.assessor, o.iqa, o.date, o.decision, o.note]
                for o in result.outside
            ],
            ["portfolio", "unit", "assessor", "iqa", "date", "decision", "note"],
            format,
            "decisions outside the plan",
        )
    if result.changed:
        _table(
            [[c.portfolio, c.unit, ", ".join(c.what)] for c in result.changed],
            ["portfolio", "unit", "changed since the plan"],
            format,
            "changed since the plan",
        )


app.command("report")(report)
