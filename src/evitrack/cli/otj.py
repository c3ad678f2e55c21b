"""evitrack otj add / status: the off-the-job training log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from evitrack.cli._common import FORMAT_OPT, PORTFOLIO_ARG, Format, print_json
from evitrack.cli._complete import complete_ksbs

app = typer.Typer(
    help="The off-the-job training log: add an entry, compare the hours with the rules.",
    no_args_is_help=True,
)


def load_apprentice(root: Path):  # type: ignore[no-untyped-def]
    from evitrack.errors import UserError
    from evitrack.portfolio import load, unusable

    result = load(root)
    if result.portfolio is None:
        raise unusable(root, result.diagnostics)
    app_ = result.portfolio.apprenticeship
    if app_ is None:
        raise UserError(
            "this portfolio is not an apprenticeship (evitrack.yaml has no `apprenticeship:`)",
            "add `apprenticeship:` with its `standard:` and `start:` to evitrack.yaml",
        )
    return result, app_


@app.command("add")
def add(
    portfolio: Path = PORTFOLIO_ARG,
    date: str = typer.Option(..., "--date", help="When the training took place (YYYY-MM-DD)."),
    hours: str = typer.Option(..., "--hours", help="Hours of training, e.g. 2.5."),
    activity: str = typer.Option(..., "--activity", help="What was done."),
    type: str = typer.Option(..., "--type", help="The kind of activity (see the docs)."),
    ksbs: str = typer.Option(
        None, "--ksbs", help="The KSBs it served, e.g. K1,S6.", autocompletion=complete_ksbs
    ),
    confirmed_by: str = typer.Option(None, "--confirmed-by", help="Who confirmed it."),
    logged: str = typer.Option(
        None,
        "--logged",
        help="When the entry was first recorded, e.g. in a paper log (YYYY-MM-DD; default today).",
    ),
) -> None:
    """Write one OTJ training entry to a new file under otj/ (logged today unless --logged)."""
    from evitrack.apprenticeship.otj import add_entry
    from evitrack.cli._common import portfolio_root
    from evitrack.cli._input import parse_date, split_list

    root = portfolio_root(portfolio)
    _, app_ = load_apprentice(root)
    path = add_entry(
        root,
        app_,
        parse_date(date),
        hours,
        activity,
        type,
        split_list([ksbs]) if ksbs else [],
        confirmed_by,
        dt.date.today(),
        parse_date(logged, "--logged") if logged else None,
    )
    typer.echo(f"wrote {path.relative_to(root)}", err=True)


@app.command("status")
def status(portfolio: Path = PORTFOLIO_ARG, format: Format = FORMAT_OPT) -> None:
    """OTJ hours against the plan, the rule's minimum and what is due by today.

    Exit 1 when the hours are behind.
    """
    from evitrack.apprenticeship import otj
    from evitrack.cli._common import portfolio_root

    root = portfolio_root(portfolio)
    settings = {}
    result, app_ = load_apprentice(root)
    if result.portfolio is not None:
        settings = result.portfolio.settings
    today = dt.date.today()
    entries, diags = otj.load_log(root, app_, today, settings.get("otj_late_days"))
    st = otj.status(app_, entries, diags, today, root)
    data = st.to_json()
    if format is Format.json:
        print_json(data)
    else:

        def h(x: float | None) -> str:
            return "unknown" if x is None else f"{x:g}"

        lines = [
            f"rule: {st.rule_id}: {st.rule}",
            f"source: {st.source}",
            f"planned hours: {h(st.planned_hours)}",
            f"minimum hours: {h(st.minimum_hours)}",
            f"actual hours: {h(st.actual_hours)} ({st.entries} entries)",
            f"expected by {today.isoformat()}: {h(st.expected_to_date)}",
            "on track: " + ("unknown" if st.on_track is None else "yes" if st.on_track else "no"),
        ]
        lines += [f"warning[{w['code']}] {w['where']}: {w['message']}" for w in st.warnings]
        md = format is Format.markdown
        typer.echo("\n".join(f"- {x}" if md else x for x in lines))
    raise typer.Exit(1 if st.on_track is False else 0)
