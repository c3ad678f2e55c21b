"""evitrack gaps: unmet criteria by unit and outcome; a caseload view over many portfolios."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from evitrack.cli._common import (
    ALLOWED_SIGNERS_OPT,
    CHECK_HINT,
    FORMAT_OPT,
    Format,
    allowed_signers,
    console,
    note_errors,
)
from evitrack.cli._plain import GAPS_TOP

if TYPE_CHECKING:
    from evitrack.caseload import Gaps, PortfolioGaps
    from evitrack.coverage import Coverage, CriterionStatus, UnitCoverage
    from evitrack.output import Doc, Table


def gaps(
    paths: list[Path] = typer.Argument(
        None,
        help="Portfolios, or folders of portfolios for a caseload (default: this portfolio).",
        show_default=False,
    ),
    format: Format = FORMAT_OPT,
    top: int = typer.Option(
        GAPS_TOP, "--top", min=0, help="Caseload: how many most-missing criteria."
    ),
    signers: Path = ALLOWED_SIGNERS_OPT,
) -> None:
    """Unmet criteria by unit and outcome, with what is missing and why.

    Given several portfolios or a folder of them: one row per learner and the
    criteria most often missing.

    Exit 0 when nothing is missing (every portfolio's award is complete), 1 when
    something is (an unmet criterion, unit requirement or rule of combination, or a
    portfolio of a caseload that cannot be loaded), 2 if the one portfolio named cannot
    be loaded.
    """
    from evitrack.cli._answer import one_portfolio

    with allowed_signers(signers, list(paths or [])):
        root = None if format is Format.text else one_portfolio(list(paths or []))
        if root is None:
            _gaps(list(paths or []), top, format, None)
        else:
            from evitrack.cli._answer import opened, recorded

            memo, variant = opened(root, "gaps", format.value, str(top))  # the kept answer
            with recorded(memo, variant):
                _gaps([root], top, format, memo)


def _gaps(paths: list[Path], top: int, format: Format, memo: Any) -> None:
    """Compute the gaps of `paths` (one portfolio's from `memo` when it holds), write them
    in `format` and exit with gaps' code."""
    from evitrack.caseload import Gaps, one
    from evitrack.caseload import gaps as run
    from evitrack.cli._report import emit
    from evitrack.output import Doc, terminal

    result = run(paths, top) if memo is None else Gaps([one(paths[0], memo)], False)
    if not result.caseload and result.portfolios[0].coverage is None:
        from evitrack.portfolio import unusable

        raise unusable(result.portfolios[0].root, result.portfolios[0].diagnostics)

    def text() -> None:
        if result.caseload:
            _caseload_text(result)
        elif result.portfolios[0].coverage is not None:
            _text(result.portfolios[0].coverage)

    def markdown() -> Doc:
        if result.caseload:
            return _caseload_markdown(result)
        cov = result.portfolios[0].coverage
        return Doc() if cov is None else _markdown(cov)

    emit(format, json=result.to_json, csv=lambda: _csv(result), markdown=markdown, text=text)
    noted = False  # a caseload gives the hint once, after every portfolio's line
    for p in result.portfolios:
        if p.coverage is None:
            typer.echo(terminal(f"evitrack: {p.path}: cannot be loaded: {p.error}"), err=True)
            noted = True
        elif note_errors(p.diagnostics, p.path if result.caseload else ""):
            noted = noted or result.caseload
    if noted:
        typer.echo(CHECK_HINT, err=True)
    missing = any(p.coverage is None or not p.coverage.complete for p in result.portfolios)
    raise typer.Exit(1 if missing else 0)


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
    from evitrack.output import terminal

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
    from evitrack.rules import READING_CAVEAT

    caveats = [r for r in cov.rules if r.satisfied and READING_CAVEAT in r.detail]
    out += [f"  {r.rule}: {r.detail}" for r in caveats]
    if cov.findings:
        out.append("Evidence quality (validity, authenticity, currency, reliability, sufficiency):")
        for f in cov.findings:
            who = f"{f.record}: " if f.record else ""
            out.append(f"  {f.aspect}: {who}{f.message}")
    out.append("Award: " + ("complete" if cov.complete else "not complete yet"))
    typer.echo("\n".join(terminal(line) for line in "\n".join(out).split("\n")))


def _markdown(cov: Coverage) -> Doc:
    from evitrack.output import Bullets, Doc, Heading, Para, Table, words

    head = _headline(cov)
    doc = Doc([Heading(f"Gaps: {head[0]}"), Para(head[1])])
    for u in cov.units:
        if u.complete:
            continue
        doc.add(Heading(_unit_line(u), 2))
        rows = [(o, st) for o, sts in u.by_outcome() for st in sts if st.why]
        if rows:
            table = Table(["outcome", "criterion", "why", "text"])
            for o, st in rows:
                table.add(o.id if o else "knowledge", st.id, _why(st), words(st.criterion.text))
            doc.add(table)
        reqs = [r for r in u.requirements if not r.satisfied and not r.criterion]
        if reqs:
            doc.add(Bullets(tuple(f"requirement not met: {r.detail}" for r in reqs)))
    if cov.ksbs is not None:
        from evitrack.apprenticeship.ksbs import describe, summary

        ksbs = Table(["KSB", "title", "status"])
        for k in cov.ksbs:
            ksbs.add(k.ksb, k.title, describe(k))
        doc.add(Heading("KSBs", 2), Para(summary(cov.ksbs)), ksbs)
    doc.add(Heading("Rules of combination", 2))
    doc.add(
        Bullets(tuple(f"{'✓' if r.satisfied else '✗'} {r.rule}: {r.detail}" for r in cov.rules))
    )
    if cov.findings:
        doc.add(Heading("Evidence quality", 2))
        doc.add(
            Bullets(
                tuple(
                    f"{f.aspect}: {f.record + ': ' if f.record else ''}{f.message}"
                    for f in cov.findings
                )
            )
        )
    doc.add(Para(f"Award: {'complete' if cov.complete else 'not complete yet'}", strong=True))
    return doc


CSV_COLUMNS = [
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


def _csv(result: Gaps) -> Table:
    from evitrack.output import Table, words

    table = Table(CSV_COLUMNS)
    for p in result.portfolios:
        cov = p.coverage
        if cov is None:  # a row all the same, so that no learner drops out of a spreadsheet
            table.add(p.path, "", "", "", "", "", "", "error", "cannot be loaded", p.error, "")
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
                        table.add(
                            *who,
                            u.unit.id,
                            o.id if o else "knowledge",
                            st.id,
                            st.status,
                            st.why,
                            detail,
                            words(st.criterion.text),
                        )
            for r in u.requirements:
                if not r.satisfied and not r.criterion:
                    table.add(
                        *who,
                        u.unit.id,
                        "",
                        "",
                        "requirement",
                        "requirement not met",
                        r.detail,
                        r.what,
                    )
    return table


# ---- a caseload ------------------------------------------------------------------------


def _units_cell(p: PortfolioGaps) -> str:
    assert p.coverage is not None
    return "  ".join(
        f"{u.unit.id} ✓" if u.complete else f"{u.unit.id} {len(u.ids('accepted'))}/{u.total}"
        for u in p.coverage.units
    )


def _iqa_held(result: Gaps) -> list[tuple[str, str, str]]:
    """(learner, unit, why) for each unit an IQA's disagreement holds back."""
    return [
        (p.coverage.portfolio.learner_name, u.unit.id, r.detail)
        for p in result.portfolios
        if p.coverage is not None
        for u in p.coverage.units
        for r in u.requirements
        if r.kind == "iqa" and not r.satisfied
    ]


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
    from rich.table import Table as RichTable

    from evitrack.cli._report import text_cell
    from evitrack.output import Lines

    out = console()
    table = RichTable(title="Caseload", title_justify="left", show_lines=True)
    table.add_column("learner", overflow="fold")
    table.add_column("qualification", overflow="fold", max_width=24)
    table.add_column("accepted", justify="right", no_wrap=True)
    table.add_column("units (accepted/total, ✓ complete)", overflow="fold")
    table.add_column("award", no_wrap=True)
    shared = _shared(result)
    for p in result.portfolios:
        cov = p.coverage
        if cov is None:
            table.add_row(text_cell(p.path), "", "", text_cell(f"cannot be loaded: {p.error}"), "")
            continue
        pct = 100 * cov.accepted // cov.total if cov.total else 0
        who = _learner(p)
        where = (f"({p.path})",) if who in shared else ()  # two folders, one learner
        table.add_row(
            text_cell(Lines((who[0], who[1], *where))),
            text_cell(cov.portfolio.qualification.id),
            f"{cov.accepted}/{cov.total}\n{pct}%",
            text_cell(_units_cell(p)),
            "complete" if cov.complete else "no",
        )
    if not _plain_table(out, table):
        out.print(table)
    held = _iqa_held(result)
    if held:
        t = RichTable(title="Held back by the IQA", title_justify="left")
        for name in ("learner", "unit", "why"):
            t.add_column(name, overflow="fold")
        for row in held:
            t.add_row(*(text_cell(c) for c in row))
        if not _plain_table(out, t):
            out.print(t)
    if result.most_missing:
        t = _most_missing_table(result)
        if not _plain_table(out, t):
            out.print(t)


def _most_missing_table(result: Gaps) -> Any:
    """The caseload's criteria most often missing, as a rich table."""
    from rich.table import Table as RichTable

    from evitrack.cli._report import text_cell
    from evitrack.output import Lines, words

    many = _mixed(result)
    t = RichTable(title="Criteria most often missing", title_justify="left")
    t.add_column("criterion", overflow="fold")
    t.add_column("missing in", no_wrap=True)
    t.add_column("text", overflow="fold")
    for m in result.most_missing:
        ref = f"{m.unit}/{m.criterion}"
        t.add_row(
            text_cell(Lines((m.qualification, ref)) if many else ref),
            f"{m.count} of {m.of}",
            text_cell(words(m.text)),
        )
    return t


def _plain_table(out: Any, table: Any) -> bool:
    """Print a rich table as rich prints it where no styles are shown (not a terminal, or
    no colours), without rich's costly layout of every cell; False if it cannot here.

    The column widths are rich's own, from a table of the header and, in each column,
    the cells rich measures widest (a column's width depends on nothing else); the title,
    the header and the rules are rich's too. Each cell is wrapped as rich's `Text.wrap`
    wraps it (`_shape`). tests/test_gaps_status.py compares the two outputs.
    """
    from rich import box

    if (
        out.color_system is not None
        or out.legacy_windows
        or not out.encoding.lower().startswith("utf")
        or table.box is not box.HEAVY_HEAD
        or not table.rows
    ):
        return False
    columns = table.columns
    cells = [  # text as rich reads a str cell
        [out.render_str(c, highlight=False) if isinstance(c, str) else c for c in column.cells]
        for column in columns
    ]
    drawn = _drawn_head(out, table, cells)
    if drawn is None:
        return False
    lines, widths = drawn
    rule = box.HEAVY_HEAD.get_row(widths, "row")
    for n, row in enumerate(zip(*cells, strict=True)):
        if n and table.show_lines:
            lines.append(rule)
        shaped = [
            _shape(out, cell, column, width - 2)  # a space either side
            for width, column, cell in zip(widths, columns, row, strict=True)
        ]
        height = max(len(c) for c in shaped)
        for i in range(height):
            parts = [
                f" {c[i]} " if i < len(c) else " " * w for c, w in zip(shaped, widths, strict=True)
            ]
            lines.append("│" + "│".join(parts) + "│")
    lines.append(box.HEAVY_HEAD.get_bottom(widths))
    out.file.write("\n".join(lines) + "\n")
    return True


def _drawn_head(out: Any, table: Any, cells: list[list[Any]]) -> tuple[list[str], list[int]] | None:
    """The title and header as rich draws them, and the columns' widths: from a table of
    the header and each column's widest cells. None if rich leaves no room for a column."""
    from rich.table import Table as RichTable

    options = out.options
    proxy = RichTable(
        title=table.title, title_justify=table.title_justify, show_lines=table.show_lines
    )
    for column in table.columns:
        proxy.add_column(
            column.header,
            overflow=column.overflow,
            max_width=column.max_width,
            justify=column.justify,
            no_wrap=column.no_wrap,
        )
    widest: list[list[Any]] = []
    for found in cells:
        sizes = [c.__rich_measure__(out, options) for c in found]
        widest.append(
            [
                found[max(range(len(sizes)), key=lambda i: sizes[i].minimum)],
                found[max(range(len(sizes)), key=lambda i: sizes[i].maximum)],
            ]
        )
    for k in range(2):
        proxy.add_row(*(w[k] for w in widest))
    with out.capture() as captured:
        out.print(proxy)
    drawn = captured.get().splitlines()
    top = next((n for n, line in enumerate(drawn) if line.startswith("┏")), None)
    head = next((n for n, line in enumerate(drawn) if line.startswith("┡")), None)
    if top is None or head is None:
        return None
    widths = [len(part) for part in drawn[top][1:-1].split("┳")]
    if len(widths) != len(table.columns) or min(widths) < 3:  # no room for a character
        return None
    return drawn[: head + 1], widths


def _shape(out: Any, cell: Any, column: Any, inner: int) -> list[str]:
    """A cell's lines, each `inner` cells wide, as rich's `Text.wrap` makes them; plain
    text is wrapped here (`_wrapped`), anything else by rich itself."""
    from rich.cells import cell_len

    plain = not (
        cell.spans
        or cell.justify
        or cell.overflow
        or cell.no_wrap is not None
        or column.overflow not in ("fold", "crop", "ellipsis")
        or column.justify not in ("left", "right")
    )
    right, fold = column.justify == "right", column.overflow == "fold"
    shaped = _wrapped(cell.plain, inner, right, column.no_wrap, fold) if plain else None
    if shaped is not None:
        return shaped
    return [
        line.plain + " " * (inner - cell_len(line.plain))
        for line in cell.wrap(
            out, inner, justify=column.justify, overflow=column.overflow, no_wrap=column.no_wrap
        )
    ]


def _wrapped(text: str, inner: int, right: bool, no_wrap: bool, fold: bool) -> list[str] | None:
    """Plain text as rich wraps it into a column: words moved to the next line by rich's
    `divide_line` (a long word folded when `fold`), the end's spaces beyond the width
    dropped, padded on the column's side. None where rich would do more (a tab, or a line
    too wide: cut short as the column's overflow says)."""
    from itertools import pairwise

    from rich._wrap import divide_line
    from rich.cells import cell_len

    if "\t" in text:
        return None
    shaped: list[str] = []
    for line in text.split("\n"):
        ends = [0, len(line)] if no_wrap else [0, *divide_line(line, inner, fold=fold), len(line)]
        for a, b in pairwise(ends):
            piece = line[a:b] if no_wrap else _rstrip_end(line[a:b], inner)
            piece = piece.rstrip() if right else piece
            pad = inner - cell_len(piece)
            if pad < 0:
                return None
            shaped.append(" " * pad + piece if right else piece + " " * pad)
    return shaped


def _rstrip_end(piece: str, size: int) -> str:
    """rich's `Text.rstrip_end`: the end's whitespace beyond `size` characters dropped."""
    excess = len(piece) - size
    if excess <= 0:
        return piece
    spaces = len(piece) - len(piece.rstrip())
    return piece[: len(piece) - min(spaces, excess)]


def _caseload_markdown(result: Gaps) -> Doc:
    from evitrack.output import Doc, Heading, Table, words

    table = Table(["learner", "registration", "qualification", "accepted", "units", "award"])
    shared = _shared(result)
    for p in result.portfolios:
        cov = p.coverage
        if cov is None:
            table.add(p.path, "", "", "", f"cannot be loaded: {p.error or ''}", "")
            continue
        who = _learner(p)
        where = f" ({p.path})" if who in shared else ""  # two folders, one learner
        table.add(
            who[0] + where,
            cov.portfolio.registration,
            cov.portfolio.qualification.id,
            f"{cov.accepted}/{cov.total}",
            _units_cell(p),
            "complete" if cov.complete else "no",
        )
    doc = Doc([Heading("Caseload"), table])
    held = _iqa_held(result)
    if held:
        doc.add(
            Heading("Held back by the IQA", 2),
            Table(["learner", "unit", "why"], [[*r] for r in held]),
        )
    if result.most_missing:
        missing = Table(["qualification", "criterion", "missing in", "text"])
        for m in result.most_missing:
            missing.add(
                m.qualification, f"{m.unit}/{m.criterion}", f"{m.count} of {m.of}", words(m.text)
            )
        doc.add(Heading("Criteria most often missing", 2), missing)
    return doc
