"""Gateway readiness: can this apprentice go to end-point assessment?

A list of checks, each passed or failed with its reason: the minimum duration of the
practical period (`programme-rules.yaml`), the OTJ hours against the plan and the
minimum (`otj`), every KSB accepted and the qualification complete (the answers `gaps`
gives), reviews up to date (`reviews`), and the employer's confirmation
(`apprenticeship.gateway` in evitrack.yaml, written by `evitrack gateway confirm`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evitrack.errors import UserError

if TYPE_CHECKING:
    from evitrack.diagnostics import Diagnostic
    from evitrack.model import Apprenticeship, Portfolio


@dataclass
class Check:
    check: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "ok": self.ok, "detail": self.detail}


@dataclass
class Gateway:
    checks: list[Check]

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"ready": self.ready, "checks": [c.to_json() for c in self.checks]}


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def earliest_gateway(app: Apprenticeship) -> tuple[dt.date, dict[str, Any], float]:
    """The first day the practical period has lasted its minimum; the rule; the pro rata
    factor (1 at `full_time` paid hours a week or more)."""
    from evitrack.apprenticeship.reviews import in_force

    rule = in_force("duration", app.start)
    full = float(rule["full_time"])
    factor = full / app.weekly_hours if app.weekly_hours and app.weekly_hours < full else 1.0
    days = (add_months(app.start, int(rule["months"])) - app.start).days
    return app.start + dt.timedelta(days=math.ceil(days * factor)), rule, factor


def _duration(app: Apprenticeship, today: dt.date) -> Check:
    earliest, rule, factor = earliest_gateway(app)
    so_far = (today - app.start).days
    extended = (
        f", extended pro rata to {factor * int(rule['months']):.1f} months for "
        f"{app.weekly_hours:g} paid hours a week"
        if factor > 1 and app.weekly_hours
        else ""
    )
    why = (
        f"at least {rule['months']} months{extended} ({rule['id']}): from "
        f"{app.start.isoformat()} to {earliest.isoformat()}"
    )
    if today >= earliest:
        return Check("duration", True, f"{so_far} days since the start; {why}")
    return Check(
        "duration",
        False,
        f"{so_far} days since the start, {(earliest - today).days} to go; {why}",
    )


def _otj(portfolio: Portfolio, app: Apprenticeship, today: dt.date) -> Check:
    from evitrack.apprenticeship import otj

    entries, found = otj.load_log(
        portfolio.root, app, today, portfolio.settings.get("otj_late_days")
    )
    st = otj.status(app, entries, found, today)
    plan = "not set" if st.planned_hours is None else f"{st.planned_hours:g}"
    if st.minimum_hours is None:
        return Check(
            "otj_hours",
            False,
            f"{st.actual_hours:g} hours that count, plan {plan}; the minimum of {st.rule_id} "
            "is not known"
            + (
                ": enter otj_minimum_hours in the standard file"
                if st.rule_id == "otj-published-minimum"
                else ": set apprenticeship.end and apprenticeship.weekly_hours"
            ),
        )
    target = max(st.minimum_hours, st.planned_hours or 0)
    detail = (
        f"{st.actual_hours:g} hours that count, of {target:g} needed "
        f"(plan {plan}, minimum {st.minimum_hours:g}, {st.rule_id})"
    )
    if st.actual_hours >= target:
        return Check("otj_hours", True, detail)
    return Check("otj_hours", False, f"{detail}: {target - st.actual_hours:g} to go")


def _ksbs(cov: Any) -> Check:
    from evitrack.apprenticeship.ksbs import ACCEPTED, EVIDENCED, MISSING, UNIT

    ksbs = cov.ksbs or []
    left = [k for k in ksbs if k.status != ACCEPTED]
    if not left:
        return Check("ksbs", True, f"all {len(ksbs)} KSBs accepted")
    parts = []
    for status, words in (
        (MISSING, "missing"),
        (EVIDENCED, "evidenced, not yet accepted"),
        (UNIT, "covered only through a unit, no record cites it"),
    ):
        ids = [k.ksb for k in left if k.status == status]
        if ids:
            parts.append(f"{words}: {', '.join(ids)}")
    return Check(
        "ksbs",
        False,
        f"{len(left)} of {len(ksbs)} KSBs not accepted ({'; '.join(parts)}): a KSB counts once "
        "a record citing it is accepted",
    )


def _qualification(cov: Any) -> Check:
    q = cov.portfolio.qualification
    if cov.complete:
        return Check("qualification", True, f"{q.title}: complete")
    done = sum(1 for u in cov.units if u.complete)
    return Check(
        "qualification",
        False,
        f"{q.title}: not complete: {cov.accepted} of {cov.total} criteria accepted, "
        f"{done} of {len(cov.units)} units complete (`evitrack gaps` lists what is left)",
    )


def _reviews(portfolio: Portfolio, app: Apprenticeship, today: dt.date) -> Check:
    from evitrack.apprenticeship import reviews

    found, diags = reviews.load_reviews(
        portfolio.root, app, today, portfolio.settings.get("review_sign_days")
    )
    plan = reviews.schedule(app, found, today)
    why = []
    if plan.overdue:
        why.append(plan.message())
    for r in found:
        if r.unsigned():
            why.append(
                f"the review of {r.date.isoformat()} is not signed by the "
                + " and the ".join(r.unsigned())
            )
    errors = [d for d in diags if d.severity.value == "error"]
    if errors:
        why.append(f"{len(errors)} errors in the review files (`evitrack check` shows them)")
    if why:
        return Check("reviews", False, "; ".join(why))
    return Check(
        "reviews",
        True,
        f"{len(found)} reviews, all signed; the next is due by {plan.due.isoformat()}",
    )


def _confirmation(app: Apprenticeship) -> Check:
    g = app.gateway or {}
    if g.get("employer") and isinstance(g.get("date"), dt.date):
        return Check(
            "employer_confirmation",
            True,
            f"confirmed by {g['employer']} on {g['date'].isoformat()}",
        )
    return Check(
        "employer_confirmation",
        False,
        "not recorded: `evitrack gateway confirm --employer NAME --date YYYY-MM-DD` "
        "once the employer confirms the apprentice is ready",
    )


def uncited_ksbs(
    app: Apprenticeship, records: list[Any], today: dt.date, raw: Any, shown: str
) -> list[Diagnostic]:
    """W713 once the planned end of the practical period has passed: the KSBs no record
    cites (before then, `gaps` and `gateway` say what is left without a warning)."""
    from evitrack import yamlio
    from evitrack.diagnostics import make

    if app.end is None or today <= app.end:
        return []
    cited = {k for r in records for k in r.ksbs}
    left = [k for k in app.standard.ids() if k not in cited]
    if not left:
        return []
    raw_a = raw.get("apprenticeship") if isinstance(raw, dict) else None
    return [
        make(
            shown,
            yamlio.value_pos(raw_a, "end") or yamlio.key_pos(raw, "apprenticeship"),
            "W713",
            f"the practical period was planned to end on {app.end.isoformat()}, and "
            f"{len(left)} KSBs are cited by no record: {', '.join(left)}",
            "cite each in the records that show it (`ksbs: [...]`); `evitrack gateway` "
            "lists what is left",
        )
    ]


def gateway(portfolio: Portfolio, today: dt.date) -> Gateway:
    from evitrack.coverage import coverage

    app = portfolio.apprenticeship
    assert app is not None
    cov = coverage(portfolio)
    return Gateway(
        [
            _duration(app, today),
            _otj(portfolio, app, today),
            _ksbs(cov),
            _qualification(cov),
            _reviews(portfolio, app, today),
            _confirmation(app),
        ]
    )


def confirm(root: Path, app: Apprenticeship, employer: str, when: dt.date, today: dt.date) -> Path:
    """Write `apprenticeship: gateway: {employer, date}` in evitrack.yaml (round-trip, every
    other byte kept); UserError for bad input, nothing written."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    from evitrack import yamlio
    from evitrack.locate import PORTFOLIO_FILE
    from evitrack.lock import portfolio_lock
    from evitrack.record_text import replace_top_level, top_level_span

    employer = " ".join(employer.split())
    if not employer:
        raise UserError("--employer is empty", "give the name of who confirmed it")
    if when > today:
        raise UserError(f"--date {when.isoformat()} is in the future")
    if when < app.start:
        raise UserError(
            f"--date {when.isoformat()} is before the apprenticeship's start "
            f"({app.start.isoformat()})"
        )
    path = root / PORTFOLIO_FILE
    with portfolio_lock(root):
        text, raw = yamlio.load(path)
        span = top_level_span(text, raw, "apprenticeship")
        if span is None:
            raise UserError(f"{PORTFOLIO_FILE} has no `apprenticeship:` block")
        lines = text.splitlines(keepends=True)
        block = yamlio.parse("".join(lines[span[0] : span[1]]))
        a = block.get("apprenticeship")
        if not isinstance(a, CommentedMap) or a.fa.flow_style():
            raise UserError(
                f"`apprenticeship:` in {PORTFOLIO_FILE} is not written one key a line",
                "write it in block style, then retry",
            )
        g = CommentedMap()
        g["employer"] = DoubleQuotedScalarString(employer)
        g["date"] = dt.date.fromordinal(when.toordinal())
        a["gateway"] = g
        yamlio.write_back(
            path, replace_top_level(text, raw, "apprenticeship", yamlio.dump(block, text))
        )
    return path
