"""evitrack status: a compact progress view for the learner."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from evitrack.cli._common import (
    ALLOWED_SIGNERS_OPT,
    FORMAT_OPT,
    PORTFOLIO_ARG,
    Format,
    allowed_signers,
    console,
    note_errors,
)

if TYPE_CHECKING:
    from evitrack.coverage import Coverage, UnitCoverage
    from evitrack.output import Doc, Table

BAR = 20


def bar(done: int, part: int, total: int, width: int = BAR) -> str:
    """`█` accepted, `▒` awaiting assessment, `·` nothing yet."""
    if total <= 0:
        return "·" * width
    full = round(width * done / total)
    half = min(width - full, round(width * (done + part) / total) - full)
    return "█" * full + "▒" * half + "·" * (width - full - half)


def _unit(u: UnitCoverage) -> dict[str, Any]:
    return {
        "unit": u.unit.id,
        "title": u.unit.title,
        "total": u.total,
        "accepted": len(u.ids("accepted")),
        "evidenced": len(u.ids("evidenced")),
        "missing": len(u.ids("missing")),
        "complete": u.complete,
        "requirements_unmet": [r.detail for r in u.requirements if not r.satisfied],
    }


def summary(cov: Coverage) -> dict[str, Any]:
    p = cov.portfolio
    return {
        "qualification": p.qualification.id,
        "learner": {"name": p.learner_name, "registration": p.registration},
        "units": [_unit(u) for u in cov.units],
        "accepted": cov.accepted,
        "total": cov.total,
        "units_complete": sum(1 for u in cov.units if u.complete),
        "rules": [
            {"rule": r.rule, "satisfied": r.satisfied, "detail": r.detail} for r in cov.rules
        ],
        "rules_satisfied": cov.rules_satisfied,
        "findings": len(cov.findings),
        "complete": cov.complete,
        **({} if cov.ksbs is None else {"ksbs": _ksbs(cov)}),
    }


def _ksbs(cov: Coverage) -> dict[str, Any]:
    """An apprentice's KSBs in counts per status, and the ones still missing."""
    from evitrack.apprenticeship.ksbs import ACCEPTED, EVIDENCED, MISSING, UNIT

    ksbs = cov.ksbs or []
    return {
        "standard": cov.standard,
        "total": len(ksbs),
        **{s: sum(1 for k in ksbs if k.status == s) for s in (ACCEPTED, EVIDENCED, UNIT, MISSING)},
        "missing_ids": [k.ksb for k in ksbs if k.status == MISSING],
    }


def status(
    portfolio: Path = PORTFOLIO_ARG,
    format: Format = FORMAT_OPT,
    signers: Path = ALLOWED_SIGNERS_OPT,
) -> None:
    """Your progress: a bar per unit, the rules of combination, the award.

    A report: exit 0 whatever the progress (`evitrack gaps` exits 1 while anything is
    missing); 2 if the portfolio cannot be loaded.
    """
    from evitrack.cli._answer import opened, recorded
    from evitrack.locate import resolve_root

    with allowed_signers(signers):
        root = resolve_root(portfolio)
        if format is Format.text:
            _status(root, None, format)
            return
        memo, variant = opened(root, "status", format.value)  # ends here if it holds the answer
        with recorded(memo, variant):
            _status(root, memo, format)


def _status(root: Path, memo: Any, format: Format) -> None:
    """Compute one portfolio's coverage (from `memo` when it holds) and write it in `format`."""
    from evitrack.caseload import one
    from evitrack.cli._report import emit
    from evitrack.portfolio import unusable

    result = one(root, memo)
    cov = result.coverage
    if cov is None:
        raise unusable(result.root, result.diagnostics)
    data = summary(cov)
    emit(
        format,
        json=lambda: data,
        csv=lambda: _csv(cov, data),
        markdown=lambda: _markdown(cov, data),
        text=lambda: _text(cov, data),
    )
    note_errors(result.diagnostics)


def _award(data: dict[str, Any]) -> str:
    pct = 100 * data["accepted"] // data["total"] if data["total"] else 0
    return (
        f"Award: {'complete' if data['complete'] else 'not complete yet'}; "
        f"{data['accepted']}/{data['total']} criteria accepted ({pct}%), "
        f"{data['units_complete']}/{len(data['units'])} units complete"
    )


def _csv(cov: Coverage, data: dict[str, Any]) -> Table:
    """A row per unit; an apprentice's also a row per KSB, with its kind and status."""
    from evitrack.output import Table

    columns = ["unit", "title", "total", "accepted", "evidenced", "missing", "complete"]
    apprentice = cov.ksbs is not None
    table = Table([*columns, "kind", "status"] if apprentice else columns)
    for u in data["units"]:
        row: list[str | int] = [
            u["unit"],
            u["title"],
            u["total"],
            u["accepted"],
            u["evidenced"],
            u["missing"],
            "yes" if u["complete"] else "no",
        ]
        if apprentice:
            row += ["unit", "complete" if u["complete"] else "in progress"]
        table.add(*row)
    for k in cov.ksbs or []:
        table.add(
            k.ksb, " ".join(k.title.split()), "", "", "", "", _yes(k.status), k.kind, k.status
        )
    return table


def _yes(ksb_status: str) -> str:
    return "yes" if ksb_status == "accepted" else "no"


def _text(cov: Coverage, data: dict[str, Any]) -> None:
    from rich.table import Table as RichTable
    from rich.text import Text

    from evitrack.cli._report import text_cell
    from evitrack.output import plural, terminal

    out = console()
    p = cov.portfolio
    table = RichTable(
        title=text_cell(f"{p.learner_name} ({p.registration}): {p.qualification.title}"),
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    uw = max([4, *(len(u.unit.id) for u in cov.units)])
    aw = max([8, *(len(f"{d['accepted']}/{d['total']}") for d in data["units"])])
    room = out.width - (uw + BAR + aw + 4 + 4 * 3)  # the other columns and the separators
    table.add_column("unit", no_wrap=True, min_width=uw)
    table.add_column("title", overflow="ellipsis", no_wrap=True, max_width=max(room, 10))
    table.add_column("progress", no_wrap=True, min_width=BAR)
    table.add_column("accepted", justify="right", no_wrap=True, min_width=aw)
    table.add_column("done", no_wrap=True)
    for u, d in zip(cov.units, data["units"], strict=True):
        mark = "✓" if u.complete else ("!" if d["requirements_unmet"] else "")
        table.add_row(
            text_cell(u.unit.id),
            text_cell(u.unit.title),
            bar(d["accepted"], d["evidenced"], d["total"]),
            f"{d['accepted']}/{d['total']}",
            mark,
        )
    out.print(table)
    lines = ["█ accepted  ▒ awaiting assessment  · no evidence yet"]
    for d in data["units"]:
        lines += [f"! {d['unit']}: {detail}" for detail in d["requirements_unmet"]]
    held = sum(1 for r in cov.rules if r.satisfied)
    lines.append(f"Rules of combination: {held} of {len(cov.rules)} satisfied")
    lines += [f"  {'✓' if r.satisfied else '✗'} {r.rule}: {r.detail}" for r in cov.rules]
    lines += _ksb_lines(cov)
    if cov.findings:
        lines.append(
            f"Evidence quality: {plural(len(cov.findings), 'finding')} (see `evitrack gaps`)"
        )
    lines.append(_award(data))
    for line in lines:
        out.print(Text(terminal(line)))


def _ksb_summary(cov: Coverage) -> str:
    n = _ksbs(cov)
    return (
        f"KSBs: {n['accepted']} of {n['total']} accepted, {n['evidenced']} evidenced, "
        f"{n['unit']} through units only, {n['missing']} missing"
    )


def _ksb_lines(cov: Coverage) -> list[str]:
    """ "KSBs: 1 of 14 accepted, ...", then the missing ones (nothing: not an apprentice)."""
    if cov.ksbs is None:
        return []
    from evitrack.apprenticeship.ksbs import MISSING

    missing = [k.ksb for k in cov.ksbs if k.status == MISSING]
    lines = [_ksb_summary(cov)]
    if missing:
        lines.append(f"  missing: {', '.join(missing)} (see `evitrack gaps`)")
    return lines


def _markdown(cov: Coverage, data: dict[str, Any]) -> Doc:
    from evitrack.output import Bullets, Doc, Heading, Para, Table

    p = cov.portfolio
    table = Table(["unit", "title", "progress", "accepted", "complete"])
    for d in data["units"]:
        table.add(
            d["unit"],
            d["title"],
            bar(d["accepted"], d["evidenced"], d["total"]),
            f"{d['accepted']}/{d['total']}",
            "yes" if d["complete"] else "no",
        )
    rules = Bullets(tuple(f"{'✓' if r.satisfied else '✗'} {r.rule}: {r.detail}" for r in cov.rules))
    doc = Doc(
        [
            Heading(f"Progress: {p.learner_name} ({p.registration})"),
            Para(p.qualification.title),
            table,
            Heading("Rules of combination", 2),
            rules,
        ]
    )
    if cov.ksbs is not None:
        from evitrack.apprenticeship.ksbs import MISSING

        missing = [k for k in cov.ksbs if k.status == MISSING]
        doc.add(Heading("KSBs", 2), Para(_ksb_summary(cov).removeprefix("KSBs: ")))
        if missing:
            doc.add(Para("Missing:"), Bullets(tuple(f"{k.ksb} {k.title}" for k in missing)))
    return doc.add(Para(_award(data)))
