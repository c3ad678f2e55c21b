"""evitrack gateway: is the apprentice ready for end-point assessment? gateway confirm: the
employer's confirmation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from evitrack.cli._common import FORMAT_OPT, PORTFOLIO_ARG, Format


class _ReportByDefault(TyperGroup):
    """`evitrack gateway [PORTFOLIO] ...` means `evitrack gateway report [PORTFOLIO] ...`;
    `confirm` is a subcommand (a portfolio folder named "confirm" is given as ./confirm)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["report", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_ReportByDefault,
    help="Gateway readiness: `evitrack gateway [PORTFOLIO]` lists the checks for end-point "
    "assessment, each passed or failed with the reason (exit 1 while any fails); "
    "`evitrack gateway confirm` records the employer's confirmation.",
    rich_markup_mode=None,
)


@app.command("report")
def report(portfolio: Path = PORTFOLIO_ARG, format: Format = FORMAT_OPT) -> None:
    """The gateway checks: duration, OTJ hours, KSBs, qualification, reviews, the employer's
    confirmation. Exit 0 when ready, 1 while any check fails, 2 on bad input."""
    from evitrack.apprenticeship.gateway import gateway
    from evitrack.cli._common import note_errors, portfolio_root
    from evitrack.cli._report import emit
    from evitrack.cli.otj import load_apprentice
    from evitrack.output import Bullets, Doc, Heading, Para, Table, terminal

    root = portfolio_root(portfolio)
    result, _ = load_apprentice(root)
    p = result.portfolio
    assert p is not None
    g = gateway(p, dt.date.today())
    who = f"{p.learner_name} ({p.registration})"
    failing = sum(1 for c in g.checks if not c.ok)
    verdict = (
        "ready for end-point assessment: yes"
        if g.ready
        else f"ready for end-point assessment: no ({failing} of {len(g.checks)} checks fail)"
    )

    def table() -> Table:
        t = Table(["check", "ok", "detail"])
        for c in g.checks:
            t.add(c.check, "yes" if c.ok else "no", c.detail)
        return t

    def markdown() -> Doc:
        return Doc(
            [
                Heading(f"Gateway readiness: {who}"),
                Bullets(tuple(f"{'✓' if c.ok else '✗'} {c.check}: {c.detail}" for c in g.checks)),
                Para(verdict, strong=True),
            ]
        )

    def text() -> None:
        lines = [f"Gateway readiness of {who}"]
        lines += [f"  {'✓' if c.ok else '✗'} {c.check}: {c.detail}" for c in g.checks]
        lines.append(verdict)
        typer.echo("\n".join(terminal(x) for x in lines))

    emit(format, json=g.to_json, csv=table, markdown=markdown, text=text)
    note_errors(result.diagnostics)
    raise typer.Exit(0 if g.ready else 1)


@app.command("confirm")
def confirm(
    portfolio: Path = PORTFOLIO_ARG,
    employer: str = typer.Option(..., "--employer", help="Who confirmed it for the employer."),
    date: str = typer.Option(None, "--date", help="When, YYYY-MM-DD (default: today)."),
) -> None:
    """Record the employer's confirmation that the apprentice is ready for end-point
    assessment: `apprenticeship: gateway: {employer, date}` in evitrack.yaml."""
    from evitrack.apprenticeship.gateway import confirm as write
    from evitrack.cli._common import portfolio_root
    from evitrack.cli._input import parse_date
    from evitrack.cli.otj import load_apprentice

    root = portfolio_root(portfolio)
    _, app_ = load_apprentice(root)
    today = dt.date.today()
    path = write(root, app_, employer, parse_date(date, "--date") if date else today, today)
    typer.echo(f"wrote {path.relative_to(root)}", err=True)
