"""evitrack report: the centre's dashboard over a caseload."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from evitrack.cli._common import Format, refuse_with

if TYPE_CHECKING:
    from evitrack.dashboard import Dashboard, LearnerProgress
    from evitrack.output import Doc, Table
    from evitrack.quality_report import IqaReport


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"
    pdf = "pdf"


def report(
    caseload: Path = typer.Argument(
        ..., help="The caseload: a folder of portfolios (with sampling.yaml for the IQA picture)."
    ),
    format: ReportFormat = typer.Option(
        ReportFormat.text,
        "--format",
        "-f",
        help="html: one self-contained page that prints on A4; pdf: PDF/A, with -o FILE "
        '(needs pip install "evitrack[pdf]").',
    ),
    output: Path = typer.Option(
        None,
        "--output",
        "-o",
        help="Write the html or pdf document to this file (default: standard output).",
    ),
    stale_weeks: int = typer.Option(
        8,
        "--stale-weeks",
        min=1,
        metavar="N",
        help="A learner is at risk after this many weeks without accepted evidence.",
    ),
    date: str = typer.Option(
        None, "--date", help="The day the report is for, YYYY-MM-DD (default: today)."
    ),
) -> None:
    """The centre's dashboard: progress per learner and per unit, learners at risk, the IQA
    picture, and each learner's gaps.

    Learners at risk: no evidence accepted for --stale-weeks weeks (award not complete), a
    referral not decided again, an IQA disagreement open or a sign-off void. The IQA
    picture is `evitrack iqa report`'s. In html, each learner's section (`#learner-FOLDER`)
    follows the overview and starts a new printed page. Exit 0 when the report is written,
    2 on a usage or input error (not a caseload, a portfolio or sampling.yaml that cannot
    be used).
    """
    import datetime as dt

    from evitrack import dashboard, quality
    from evitrack.cli._input import parse_date
    from evitrack.errors import UserError

    if output is not None and format not in (ReportFormat.html, ReportFormat.pdf):
        raise UserError(
            "-o writes the html or pdf dashboard", "add --format html, or redirect the output"
        )
    if format is ReportFormat.pdf:
        from evitrack.cli.matrix import pdf_ready

        pdf_ready(output)
    today = parse_date(date, "--date") if date else dt.date.today()
    try:
        result = dashboard.build(caseload, today, stale_weeks)
    except quality.PolicyError as e:
        refuse_with(e.diagnostics, "the caseload's IQA files have errors: no report")
    if format in (ReportFormat.html, ReportFormat.pdf):
        from evitrack import render
        from evitrack.cli.matrix import write_document

        html = render.dashboard(result)
        if format is ReportFormat.pdf:
            write_document(render.dashboard_pdf(html, result).data, output, "report")
        else:
            write_document(html, output, "report")
        return
    from evitrack.cli._report import emit

    emit(
        Format(format.value),
        json=result.to_json,
        csv=lambda: _learners_table(result),
        markdown=lambda: _markdown(result),
        text=lambda: _text(result),
    )


def _flags(p: LearnerProgress) -> str:
    from evitrack.dashboard import RISK_NAMES

    return ", ".join(RISK_NAMES[r.kind] for r in p.risks)


def _bar(accepted: int, total: int, width: int = 10) -> str:
    filled = round(width * accepted / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def _learners_table(d: Dashboard) -> Table:
    from evitrack.output import Table

    table = Table(
        [
            "portfolio",
            "learner",
            "registration",
            "qualification",
            "accepted",
            "total",
            "units_complete",
            "units",
            "last_accepted",
            "at_risk",
        ]
    )
    for p in d.learners:
        table.add(
            p.portfolio,
            p.name,
            p.registration,
            p.qualification,
            p.accepted,
            p.total,
            p.units_complete,
            len(p.units),
            p.last_accepted.isoformat() if p.last_accepted else "",
            "; ".join(r.detail for r in p.risks),
        )
    return table


_Section = tuple[str, list[str], list[list[str]]]


def _sections(d: Dashboard) -> list[_Section]:
    """(title, header, rows) of the overview's tables, shared by text and Markdown."""
    out = [_learners_section(d), _units_section(d)]
    if d.iqa is not None:
        out += _iqa_sections(d.iqa)
    return out


def _learners_section(d: Dashboard) -> _Section:
    header = [
        "learner",
        "registration",
        "qualification",
        "accepted",
        "units complete",
        "last accepted",
        "at risk",
    ]
    rows = [
        [
            p.name,
            p.registration,
            p.qualification,
            f"{p.accepted}/{p.total} ({p.percent}%)",
            f"{p.units_complete}/{len(p.units)}",
            p.last_accepted.isoformat() if p.last_accepted else "none",
            _flags(p),
        ]
        for p in d.learners
    ]
    return ("Learners", header, rows)


def _units_section(d: Dashboard) -> _Section:
    rows = [
        [
            u.unit,
            u.title,
            str(u.learners),
            str(u.complete),
            f"{u.accepted}/{u.total} ({u.percent}%)",
        ]
        for u in d.units
    ]
    return ("Units", ["unit", "title", "learners", "complete", "accepted"], rows)


def _iqa_sections(iqa: IqaReport) -> list[_Section]:
    """The assessors' table, and the cover and actions tables when there are any."""
    header = [
        "assessor",
        "band",
        "units",
        "sampled",
        "required",
        "agreed",
        "disagreed",
        "open actions",
        "compliant",
    ]
    rows = [
        [
            a.assessor,
            a.band,
            str(a.units),
            str(a.sampled),
            str(a.required),
            str(a.agreed),
            str(a.disagreed),
            str(a.open_actions),
            "yes" if a.compliant else "no",
        ]
        for a in iqa.assessors
    ]
    out: list[_Section] = [("IQA: assessors", header, rows)]
    if iqa.cover:
        cover = [[k, ", ".join(m) or "-"] for k, m in iqa.cover.items()]
        out.append(("IQA: cover", ["cover", "not yet sampled"], cover))
    if iqa.actions:
        actions = [
            [
                a.learner,
                a.unit,
                a.assessor,
                a.iqa,
                a.date,
                "open" if a.open else "closed",
                " ".join((a.comment or "").split()),
            ]
            for a in iqa.actions
        ]
        header = ["learner", "unit", "assessor", "iqa", "date", "status", "comment"]
        out.append(("IQA: actions", header, actions))
    return out


def _risk_lines(d: Dashboard) -> list[str]:
    return [
        f"{p.name} ({p.registration}): " + "; ".join(r.detail for r in p.risks) for p in d.at_risk
    ]


def _headline(d: Dashboard) -> str:
    done = sum(1 for p in d.learners if p.complete)
    return (
        f"{len(d.learners)} learners, {done} with the award complete, {len(d.at_risk)} at risk "
        f"(at risk: no evidence accepted for {d.stale_weeks} weeks, a referral not decided "
        "again, an IQA disagreement open or a sign-off void)"
    )


def _text(d: Dashboard) -> None:
    from evitrack.output import terminal

    lines = [f"Centre dashboard: {d.caseload} on {d.date.isoformat()}", _headline(d), ""]
    for title, header, rows in _sections(d):
        if title == "Learners":
            header = [*header[:3], "accepted", "", *header[4:]]
            rows = [
                [*r[:3], r[3], _bar(p.accepted, p.total), *r[4:]]
                for r, p in zip(rows, d.learners, strict=True)
            ]
        cells = [[terminal(c) for c in r] for r in rows]
        widths = [max(len(x) for x in col) for col in zip(header, *cells, strict=False)]
        lines.append(terminal(title))
        for r in [header, *cells]:
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
            lines[-1] = lines[-1].rstrip()
        lines.append("")
        if title == "Units":
            lines.append("At risk")
            lines += [f"  {terminal(line)}" for line in _risk_lines(d)] or ["  none"]
            lines.append("")
    if d.policy_note:
        lines += [d.policy_note, ""]
    lines.append("Each learner's gaps: evitrack gaps PORTFOLIO, or the html report")
    typer.echo("\n".join(lines))


def _markdown(d: Dashboard) -> Doc:
    from evitrack.output import Bullets, Doc, Heading, Para, Table

    doc = Doc([Heading(f"Centre dashboard: {d.caseload}"), Para(f"On {d.date.isoformat()}.")])
    doc.add(Para(_headline(d)))
    for title, header, rows in _sections(d):
        table = Table(header)
        for r in rows:
            table.add(*r)
        doc.add(Heading(title, 2), table)
        if title == "Units":
            doc.add(Heading("At risk", 2), Bullets(tuple(_risk_lines(d) or ["none"])))
    if d.policy_note:
        doc.add(Para(d.policy_note, em=True))
    for p in d.learners:
        doc.add(Heading(f"{p.name} ({p.registration})", 2))
        doc.add(
            Para(
                f"{p.accepted} of {p.total} criteria accepted; {p.units_complete} of "
                f"{len(p.units)} units complete; award "
                f"{'complete' if p.complete else 'not complete yet'}."
            )
        )
        if p.risks:
            doc.add(Bullets(tuple(r.detail for r in p.risks)))
        for u in p.units:
            if u.complete:
                continue
            doc.add(Heading(f"{u.unit} {u.title}: {u.accepted} of {u.total} accepted", 3))
            if u.gaps:
                table = Table(["outcome", "criterion", "why", "text"])
                for g in u.gaps:
                    table.add(g.outcome, g.criterion, g.why, g.text)
                doc.add(table)
            if u.requirements:
                doc.add(Bullets(tuple(f"requirement not met: {r}" for r in u.requirements)))
    return doc
