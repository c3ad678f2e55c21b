"""evitrack gaps: unmet criteria by unit and outcome; a caseload view over many portfolios."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from evitrack.cli._common import (
    CHECK_HINT,
    FORMAT_OPT,
    Format,
    console,
    handle_errors,
    md_text,
    note_errors,
    print_json,
)

if TYPE_CHECKING:
    from evitrack.caseload import Gaps, PortfolioGaps
    from evitrack.coverage import Coverage, CriterionStatus, UnitCoverage


@handle_errors
def gaps(
    paths: list[Path] = typer.Argument(
        None,
        help="Portfolios, or folders of portfolios for a caseload (default: this portfolio).",
        show_default=False,
    ),
    format: Format = FORMAT_OPT,
    top: int = typer.Option(10, "--top", min=0, help="Caseload: how many most-missing criteria."),
) -> None:
    """Unmet criteria by unit and outcome, with what is missing and why.

    Given several portfolios or a folder of them: one row per learner and the
    criteria most often missing. Exit 1 if a portfolio of a caseload cannot be loaded;
    exit 2 if the one portfolio named cannot be.
    """
    from evitrack.caseload import gaps as run

    result = run(list(paths or []), top)
    if not result.caseload and result.portfolios[0].coverage is None:
        from evitrack.portfolio import unusable

        raise unusable(result.portfolios[0].root, result.portfolios[0].diagnostics)
    if format is Format.json:
        print_json(result.to_json())
    elif format is Format.csv:
        _csv(result)
    elif result.caseload:
        (_caseload_markdown if format is Format.markdown else _caseload_text)(result)
    else:
        p = result.portfolios[0]
        if p.coverage is not None:
            (_markdown if format is Format.markdown else _text)(p.coverage)
    noted = False  # a caseload gives the hint once, after every portfolio's line
    for p in result.portfolios:
        if p.coverage is None:
            typer.echo(f"evitrack: {p.path}: cannot be loaded: {p.error}", err=True)
            noted = True
        elif note_errors(p.diagnostics, p.path if result.caseload else ""):
            noted = noted or result.caseload
    if noted:
        typer.echo(CHECK_HINT, err=True)
    raise typer.Exit(1 if result.failed else 0)


# ---- one portfolio ---------------------------------------------------------------------


def _why(st: CriterionStatus, short: bool = False) -> str:
    """Why a criterion is not met; `short` leaves referral comments out (listed once per unit)."""
    why = st.why or ""
    detail = [r for r in st.reasons if r != "no evidence"]
    if short:
        detail = [r.split(": ", 1)[0] if " referred: " in r else r for r in detail]
    return why + (": " + "; ".join(detail) if detail else "")


def _referrals(cov: Coverage, u: UnitCoverage) -> list[str]:
    """Each referral behind the unit's unmet criteria, once: who, when, and what to do."""
    ids = dict.fromkeys(rid for st in u.unmet for rid in st.records)
    out = []
    for r in cov.portfolio.records:
        a = r.assessment
        if r.id in ids and a is not None and a.decision == "referred":
            when = a.date.isoformat() if a.date else "undated"
            out.append(
                f"{r.id} referred by {a.assessor} on {when}: {' '.join((a.comment or '').split())}"
            )
    return out


def _headline(cov: Coverage) -> list[str]:
    p = cov.portfolio
    done = sum(1 for u in cov.units if u.complete)
    held = sum(1 for r in cov.rules if r.satisfied)
    return [
        f"{p.learner_name} ({p.registration}): {p.qualification.title}",
        f"{cov.accepted} of {cov.total} criteria accepted; {done} of {len(cov.units)} units complete; "
        f"rules of combination: {held} of {len(cov.rules)} satisfied",
    ]


def _unit_line(u: UnitCoverage) -> str:
    parts = [f"{len(u.ids('accepted'))} of {u.total} accepted"]
    if u.ids("evidenced"):
        parts.append(f"{len(u.ids('evidenced'))} awaiting assessment")
    if u.ids("missing"):
        parts.append(f"{len(u.ids('missing'))} with no evidence")
    return f"{u.unit.id} {u.unit.title}: " + ", ".join(parts)


def _text(cov: Coverage) -> None:
    out = list(_headline(cov))
    for u in cov.units:
        if u.complete:
            continue
        out += ["", _unit_line(u)]
        if not u.verifiable:
            out.append(
                "  the source document has no criteria text for this unit: it cannot be checked"
            )
        for outcome, statuses in u.by_outcome():
            unmet = [st for st in statuses if st.why]
            if not unmet:
                continue
            out.append(
                f"  {'Outcome ' + outcome.id + ': ' + outcome.title if outcome else 'Knowledge'}"
            )
            for st in unmet:
                out.append(f"    {st.id:<6} {_why(st, short=True)}")
                out.append(f"           {' '.join(st.criterion.text.split())}")
        for r in u.requirements:
            if not r.satisfied and not r.criterion:
                out.append(f"  requirement not met: {r.detail}")
        out += [f"  {line}" for line in _referrals(cov, u)]
    complete = [u.unit.id for u in cov.units if u.complete]
    out += ["", "Complete units: " + (", ".join(complete) if complete else "none yet")]
    if cov.ksbs is not None:
        from evitrack.apprenticeship.ksbs import describe, summary

        out.append(f"KSBs: {summary(cov.ksbs)}")
        out += [f"  {k.ksb:<4} {' '.join(k.title.split())}: {describe(k)}" for k in cov.ksbs]
    failing = [r for r in cov.rules if not r.satisfied]
    if failing:
        out.append("Rules of combination not satisfied:")
        out += [f"  {r.rule}: {r.detail}" for r in failing]
    else:
        out.append("Rules of combination: all satisfied")
    if cov.findings:
        out.append("Evidence quality (validity, authenticity, currency, reliability, sufficiency):")
        for f in cov.findings:
            who = f"{f.record}: " if f.record else ""
            out.append(f"  {f.aspect}: {who}{f.message}")
    out.append("Award: " + ("complete" if cov.complete else "not complete yet"))
    typer.echo("\n".join(out))


def _markdown(cov: Coverage) -> None:
    head = _headline(cov)
    out = [f"# Gaps: {head[0]}", "", head[1]]
    for u in cov.units:
        if u.complete:
            continue
        out += ["", f"## {md_text(_unit_line(u))}"]
        rows = [(o, st) for o, sts in u.by_outcome() for st in sts if st.why]
        if rows:
            out += ["", "| outcome | criterion | why | text |", "|---|---|---|---|"]
            out += [
                f"| {o.id if o else 'knowledge'} | {st.id} | {md_text(_why(st))} | {md_text(st.criterion.text)} |"
                for o, st in rows
            ]
        reqs = [r for r in u.requirements if not r.satisfied and not r.criterion]
        if reqs:
            out.append("")
            out += [f"- requirement not met: {md_text(r.detail)}" for r in reqs]
    if cov.ksbs is not None:
        from evitrack.apprenticeship.ksbs import describe, summary

        out += ["", "## KSBs", "", summary(cov.ksbs), "", "| KSB | title | status |"]
        out.append("|---|---|---|")
        out += [f"| {k.ksb} | {md_text(k.title)} | {md_text(describe(k))} |" for k in cov.ksbs]
    out += ["", "## Rules of combination", ""]
    out += [f"- {'✓' if r.satisfied else '✗'} {r.rule}: {md_text(r.detail)}" for r in cov.rules]
    if cov.findings:
        out += ["", "## Evidence quality", ""]
        out += [
            f"- {f.aspect}: {f.record + ': ' if f.record else ''}{md_text(f.message)}"
            for f in cov.findings
        ]
    out += ["", f"**Award: {'complete' if cov.complete else 'not complete yet'}**"]
    typer.echo("\n".join(out))


def _csv(result: Gaps) -> None:
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(
        [
            "path",
            "learner",
            "registration",
            "qualification",
            "unit",
            "outcome",
            "criterion",
            "status",
            "why",
            "detail",
            "text",
        ]
    )
    for p in result.portfolios:
        cov = p.coverage
        if cov is None:  # a row all the same, so that no learner drops out of a spreadsheet
            w.writerow([p.path, "", "", "", "", "", "", "error", "cannot be loaded", p.error, ""])
            continue
        who = [
            p.path,
            cov.portfolio.learner_name,
            cov.portfolio.registration,
            cov.portfolio.qualification.id,
        ]
        for u in cov.units:
            for o, sts in u.by_outcome():
                for st in sts:
                    if st.why:
                        detail = "; ".join(r for r in st.reasons if r != "no evidence")
                        w.writerow(
                            [
                                *who,
                                u.unit.id,
                                o.id if o else "knowledge",
                                st.id,
                                st.status,
                                st.why,
                                detail,
                                " ".join(st.criterion.text.split()),
                            ]
                        )
            for r in u.requirements:
                if not r.satisfied and not r.criterion:
                    w.writerow(
                        [
                            *who,
                            u.unit.id,
                            "",
                            "",
                            "requirement",
                            "requirement not met",
                            r.detail,
                            r.what,
                        ]
                    )


# ---- a caseload ------------------------------------------------------------------------


def _units_cell(p: PortfolioGaps) -> str:
    assert p.coverage is not None
    return "  ".join(
        f"{u.unit.id} ✓" if u.complete else f"{u.unit.id} {len(u.ids('accepted'))}/{u.total}"
        for u in p.coverage.units
    )


def _learner(p: PortfolioGaps) -> tuple[str, str]:
    assert p.coverage is not None
    return p.coverage.portfolio.learner_name, p.coverage.portfolio.registration


def _shared(result: Gaps) -> set[tuple[str, str]]:
    """The (name, registration) pairs of more than one folder: those rows show their folder."""
    seen: set[tuple[str, str]] = set()
    shared: set[tuple[str, str]] = set()
    for who in (_learner(p) for p in result.portfolios if p.coverage):
        (shared if who in seen else seen).add(who)
    return shared


def _mixed(result: Gaps) -> bool:
    return len({p.coverage.portfolio.qualification.id for p in result.portfolios if p.coverage}) > 1


def _caseload_text(result: Gaps) -> None:
    from rich.table import Table

    out = console()
    table = Table(title="Caseload", title_justify="left", show_lines=True)
    table.add_column("learner", overflow="fold")
    table.add_column("qualification", overflow="fold", max_width=24)
    table.add_column("accepted", justify="right", no_wrap=True)
    table.add_column("units (accepted/total, ✓ complete)", overflow="fold")
    table.add_column("award", no_wrap=True)
    shared = _shared(result)
    for p in result.portfolios:
        cov = p.coverage
        if cov is None:
            table.add_row(p.path, "", "", f"cannot be loaded: {p.error}", "")
            continue
        pct = 100 * cov.accepted // cov.total if cov.total else 0
        who = _learner(p)
        where = f"\n({p.path})" if who in shared else ""  # two folders, one learner
        table.add_row(
            f"{who[0]}\n{who[1]}{where}",
            cov.portfolio.qualification.id,
            f"{cov.accepted}/{cov.total}\n{pct}%",
            _units_cell(p),
            "complete" if cov.complete else "no",
        )
    out.print(table)
    if result.most_missing:
        many = _mixed(result)
        t = Table(title="Criteria most often missing", title_justify="left")
        t.add_column("criterion", overflow="fold")
        t.add_column("missing in", no_wrap=True)
        t.add_column("text", overflow="fold")
        for m in result.most_missing:
            ref = (
                f"{m.qualification}\n{m.unit}/{m.criterion}" if many else f"{m.unit}/{m.criterion}"
            )
            t.add_row(ref, f"{m.count} of {m.of}", " ".join(m.text.split()))
        out.print(t)


def _caseload_markdown(result: Gaps) -> None:
    out = [
        "# Caseload",
        "",
        "| learner | registration | qualification | accepted | units | award |",
        "|---|---|---|---|---|---|",
    ]
    shared = _shared(result)
    for p in result.portfolios:
        cov = p.coverage
        if cov is None:
            out.append(
                f"| {md_text(p.path)} | | | | cannot be loaded: {md_text(p.error or '')} | |"
            )
            continue
        who = _learner(p)
        where = f" ({p.path})" if who in shared else ""  # two folders, one learner
        out.append(
            f"| {md_text(who[0] + where)} | {md_text(cov.portfolio.registration)} | "
            f"{cov.portfolio.qualification.id} | {cov.accepted}/{cov.total} | "
            f"{md_text(_units_cell(p))} | {'complete' if cov.complete else 'no'} |"
        )
    if result.most_missing:
        out += [
            "",
            "## Criteria most often missing",
            "",
            "| qualification | criterion | missing in | text |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {m.qualification} | {m.unit}/{m.criterion} | {m.count} of {m.of} | {md_text(m.text)} |"
            for m in result.most_missing
        ]
    typer.echo("\n".join(out))
