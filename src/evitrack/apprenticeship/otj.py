"""The off-the-job (OTJ) training log: entries, the rule in force, and the hours.

Entries live in `otj/*.yaml`, each file a list of entries, split any way (a file
per entry merges best). The rules are data (`otj-rules.yaml`): the one in force is
chosen by the apprenticeship's start date, boundaries inclusive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from evitrack import yamlio
from evitrack.diagnostics import Diagnostic, did_you_mean, make, unknown_ksb
from evitrack.model import Apprenticeship

OTJ_DIR = "otj"
RULES_FILE = Path(__file__).parent / "otj-rules.yaml"
LATE_DAYS = 30  # default of settings.otj_late_days


@cache
def rules() -> dict[str, Any]:
    import yaml

    with RULES_FILE.open("rb") as fh:
        data: dict[str, Any] = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


def types() -> dict[str, dict[str, Any]]:
    return dict(rules()["types"])


def rule_for(start: dt.date) -> dict[str, Any]:
    """The rule in force for an apprenticeship starting on `start` (boundaries inclusive)."""
    for r in rules()["rules"]:
        lo, hi = r.get("from"), r.get("until")
        if (lo is None or start >= lo) and (hi is None or start <= hi):
            return dict(r)
    raise AssertionError(f"no OTJ rule for {start}")  # the data covers every date


@dataclass
class Entry:
    date: dt.date
    hours: float
    activity: str
    type: str
    logged: dt.date | None
    confirmed_by: str | None
    ksbs: list[str] = field(default_factory=list)
    where: str = ""  # file:line

    @property
    def counts(self) -> bool:
        return bool(types().get(self.type, {}).get("counts"))


def _entry_node() -> Any:
    from evitrack.schema import Node, map_node, text_node

    return map_node(
        "an off-the-job training entry",
        {
            "date": Node("date", "when the training took place", required=True),
            "hours": Node(
                "number", "hours of training that day", required=True, minimum=0, maximum=24
            ),
            "activity": Node("text", "what was done", required=True),
            "type": text_node(
                "the kind of activity: " + ", ".join(types()),
                required=True,
                enum=tuple(types()),
            ),
            "ksbs": Node("list", "the KSBs it served", values=Node("id"), nullable=True),
            "logged": Node("date", "when it was recorded", required=True),
            "confirmed_by": text_node("who confirmed it (the employer)", nullable=True),
        },
    )


def log_files(root: Path) -> list[Path]:
    from evitrack.locate import yaml_files

    return yaml_files(root / OTJ_DIR)


def load_log(
    root: Path, app: Apprenticeship, today: dt.date, late_days: int | None = None
) -> tuple[list[Entry], list[Diagnostic]]:
    """Every valid entry, and the problems of the log files (errors and warnings)."""
    entries: list[Entry] = []
    diags: list[Diagnostic] = []
    late = LATE_DAYS if late_days is None else late_days
    for path in log_files(root):
        found, problems = _log_file(path, app, today, late)
        entries += found
        diags += problems
    return entries, sorted(diags)


def _log_file(
    path: Path, app: Apprenticeship, today: dt.date, late: int
) -> tuple[list[Entry], list[Diagnostic]]:
    """One log file's valid entries, and its problems."""
    from evitrack import fastyaml
    from evitrack.locate import display_path

    shown = display_path(path)
    try:
        return fastyaml.checked(
            path, lambda text, raw: _entries(shown, text, raw, app, today, late)
        )
    except yamlio.YamlProblem as p:
        return [], [make(shown, (p.line, p.col), p.code, p.message, p.hint)]


def _entries(
    shown: str, text: str, raw: Any, app: Apprenticeship, today: dt.date, late: int
) -> tuple[list[Entry], list[Diagnostic]]:
    """A log file's valid entries, and its problems, from its text and parsed data."""
    from evitrack.schema import Validator

    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [
            make(
                shown,
                (1, 1),
                "E005",
                "an OTJ log file is a list of entries",
                "start each entry with `- date: YYYY-MM-DD`",
            )
        ]
    node = _entry_node()
    ksb_ids = app.standard.ids()
    v = Validator(shown, text)
    entries = []
    for i, item in enumerate(raw):
        pos = yamlio.item_pos(raw, i) or (1, 1)
        data = v.mapping(item, node, pos, f"[{i + 1}]")
        if not data or any(data.get(k) is None for k in ("date", "hours", "type", "logged")):
            continue
        entry = Entry(
            date=data["date"],
            hours=float(data["hours"]),
            activity=str(data.get("activity") or ""),
            type=data["type"],
            logged=data["logged"],
            confirmed_by=data.get("confirmed_by"),
            ksbs=[k for k in data.get("ksbs") or [] if k],
            where=f"{shown}:{pos[0]}",
        )
        if not _valid_entry(entry, item, pos, app, today, ksb_ids, v):
            continue
        _warn(entry, item, pos, late, v)
        entries.append(entry)
    return entries, list(v.diagnostics)


def _valid_entry(
    e: Entry,
    item: Any,
    pos: tuple[int, int],
    app: Apprenticeship,
    today: dt.date,
    ksb_ids: list[str],
    v: Any,
) -> bool:
    ok = True
    dpos = yamlio.value_pos(item, "date") or pos
    if e.date < app.start:
        v.add(
            dpos,
            "E705",
            f"OTJ training dated {e.date.isoformat()}, before the apprenticeship's start "
            f"({app.start.isoformat()})",
            "training before the start does not count: check the date",
        )
        ok = False
    if e.date > today:
        v.add(
            dpos,
            "E705",
            f"OTJ training dated {e.date.isoformat()}, in the future",
            "log training once it has taken place",
        )
        ok = False
    if e.logged is not None and e.logged < e.date:
        v.add(
            yamlio.value_pos(item, "logged") or pos,
            "E705",
            f"logged on {e.logged.isoformat()}, before the training it records "
            f"({e.date.isoformat()})",
            "`logged` is the date the entry was written",
        )
        ok = False
    raw_k = item.get("ksbs")
    for i, kid in enumerate(e.ksbs):
        if kid not in ksb_ids:
            kpos = yamlio.item_pos(raw_k, i) if isinstance(raw_k, list) else None
            v.add(kpos or pos, "E703", *unknown_ksb(kid, ksb_ids))
            ok = False
    return ok


def _warn(e: Entry, item: Any, pos: tuple[int, int], late: int, v: Any) -> None:
    if e.logged is not None and (e.logged - e.date).days > late:
        v.add(
            yamlio.value_pos(item, "logged") or pos,
            "W706",
            f"logged {(e.logged - e.date).days} days after the training "
            f"(more than {late}; settings.otj_late_days)",
            "log training when it happens: late entries are what audits question",
        )
    if not e.confirmed_by:
        v.add(
            pos,
            "W707",
            f"OTJ training on {e.date.isoformat()} is not confirmed",
            "ask the employer to confirm it and write their name in `confirmed_by:`",
        )
    if not e.counts:
        v.add(
            yamlio.value_pos(item, "type") or pos,
            "W708",
            f'activity type "{e.type}" does not count towards OTJ hours: {types()[e.type]["text"]}',
            "keep it in the log if you like; it is left out of the hours",
        )


def _weeks(start: dt.date, end: dt.date) -> float:
    return max((end - start).days, 0) / 7


@dataclass
class OtjStatus:
    rule: str  # the rule's words
    rule_id: str
    source: str
    planned_hours: float | None
    minimum_hours: float | None
    actual_hours: float
    expected_to_date: float | None
    on_track: bool | None
    warnings: list[dict[str, str]]
    entries: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "rule_id": self.rule_id,
            "source": self.source,
            "planned_hours": self.planned_hours,
            "minimum_hours": self.minimum_hours,
            "actual_hours": self.actual_hours,
            "expected_to_date": self.expected_to_date,
            "on_track": self.on_track,
            "entries": self.entries,
            "warnings": self.warnings,
        }


def minimum_hours(app: Apprenticeship, rule: dict[str, Any]) -> float | None:
    """The least OTJ hours the rule asks of this apprenticeship, or None if it cannot say."""
    kind = rule["kind"]
    if kind == "published_minimum":
        published = app.standard.otj_minimum_hours
        return None if published is None else float(published)
    if app.end is None or app.weekly_hours is None:
        return None
    weeks = _weeks(app.start, app.end)
    weeks -= weeks / 52 * float(rule.get("statutory_leave_weeks_per_year") or 0)
    if kind == "percent_of_paid_hours":
        paid = min(app.weekly_hours, float(rule["weekly_cap"]))
        return round(weeks * paid * float(rule["percent"]) / 100, 1)
    if kind == "hours_per_week":
        share = min(app.weekly_hours, float(rule["full_time"])) / float(rule["full_time"])
        return round(weeks * float(rule["hours"]) * share, 1)
    raise AssertionError(kind)


def status(
    app: Apprenticeship,
    entries: list[Entry],
    diags: list[Diagnostic],
    today: dt.date,
    root: Path | None = None,
) -> OtjStatus:
    """Actual hours against the plan, the minimum, and what should be done by today.

    `root`: the portfolio, for warnings whose `where` is relative to it.
    """
    import os

    def where(d: Diagnostic) -> str:
        name = os.path.relpath(os.path.abspath(d.file), root) if root is not None else d.file
        return f"{name}:{d.line}"

    rule = rule_for(app.start)
    minimum = minimum_hours(app, rule)
    planned = app.otj_planned_hours
    target = max([h for h in (minimum, planned) if h is not None], default=None)
    actual = round(sum(e.hours for e in entries if e.counts), 2)
    expected = _expected(app, target, today)
    warnings = [
        {"code": d.code, "message": d.message, "where": where(d)}
        for d in diags
        if d.severity.value == "warning"
    ]
    warnings += _plan_warnings(rule, minimum, planned)
    on_track = None if expected is None else actual >= expected
    if expected is not None and actual < expected:
        warnings.append(
            {
                "code": "W709",
                "message": f"{actual:g} OTJ hours logged, {expected:g} expected by "
                f"{today.isoformat()}: {expected - actual:g} behind",
                "where": OTJ_DIR,
            }
        )
    return OtjStatus(
        rule=" ".join(str(rule["text"]).split()),
        rule_id=str(rule["id"]),
        source=str(rule["source"]),
        planned_hours=planned,
        minimum_hours=minimum,
        actual_hours=actual,
        expected_to_date=expected,
        on_track=on_track,
        warnings=warnings,
        entries=len(entries),
    )


def _expected(app: Apprenticeship, target: float | None, today: dt.date) -> float | None:
    """The hours due by today, pro rata over the practical period (None: no end or target)."""
    if target is None or app.end is None:
        return None
    span = (app.end - app.start).days
    done = min(max((today - app.start).days, 0), span)
    return round(target * done / span, 1) if span > 0 else target


def _plan_warnings(
    rule: dict[str, Any], minimum: float | None, planned: float | None
) -> list[dict[str, str]]:
    """W709 in evitrack.yaml: a minimum that cannot be worked out, a plan below it."""
    out = []
    if minimum is None:
        out.append(
            {
                "code": "W709",
                "message": (
                    "the standard's published minimum OTJ hours is not entered "
                    "(otj_minimum_hours in the standard file)"
                    if rule["kind"] == "published_minimum"
                    else "the minimum cannot be worked out without apprenticeship.end "
                    "and apprenticeship.weekly_hours"
                ),
                "where": "evitrack.yaml",
            }
        )
    if planned is not None and minimum is not None and planned < minimum:
        out.append(
            {
                "code": "W709",
                "message": f"the planned {planned:g} hours are fewer than the minimum "
                f"{minimum:g} the rule asks",
                "where": "evitrack.yaml",
            }
        )
    return out


def add_entry(
    root: Path,
    app: Apprenticeship,
    date: dt.date,
    hours: str,
    activity: str,
    kind: str,
    ksbs: list[str],
    confirmed_by: str | None,
    today: dt.date,
    logged: dt.date | None = None,
) -> Path:
    """Write one entry to a new file otj/DATE-N.yaml; UserError for bad input, nothing written.
    `logged`: when the entry was first recorded (default today), e.g. from a paper log."""
    from evitrack.atomic import atomic_create_text
    from evitrack.errors import UserError
    from evitrack.record_text import dq

    value, logged = _checked(app, date, hours, activity, kind, ksbs, today, logged)
    lines = [
        f"- date: {date.isoformat()}",
        f"  hours: {value:g}",
        f"  activity: {dq(' '.join(activity.split()))}",
        f"  type: {kind}",
    ]
    if ksbs:
        lines.append(f"  ksbs: [{', '.join(ksbs)}]")
    lines.append(f"  logged: {logged.isoformat()}")
    lines.append(f"  confirmed_by: {dq(confirmed_by) if confirmed_by else 'null'}")
    folder = root / OTJ_DIR
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UserError(f"{folder} is not a folder inside the portfolio")
    folder.mkdir(exist_ok=True)
    text = "\n".join(lines) + "\n"
    for n in range(1, 10000):
        path = folder / f"{date.isoformat()}-{n}.yaml"
        if not path.is_symlink() and atomic_create_text(path, text):
            return path
    raise UserError(f"too many OTJ files for {date.isoformat()}")


def _checked(
    app: Apprenticeship,
    date: dt.date,
    hours: str,
    activity: str,
    kind: str,
    ksbs: list[str],
    today: dt.date,
    logged: dt.date | None,
) -> tuple[float, dt.date]:
    """(the hours, the day logged) of a new entry; UserError for any bad value."""
    from evitrack.errors import UserError

    try:
        value = float(hours)
    except ValueError:
        raise UserError(f'hours "{hours}" is not a number', "give the hours, e.g. 2.5") from None
    if not 0 < value <= 24 or value != value:
        raise UserError(f"hours {hours}: a day's training is more than 0 and at most 24 hours")
    if kind not in types():
        raise UserError(
            f'unknown OTJ activity type "{kind}"',
            did_you_mean(kind, list(types())) or "types: " + ", ".join(types()),
        )
    if date < app.start:
        raise UserError(
            f"{date.isoformat()} is before the apprenticeship's start ({app.start.isoformat()})"
        )
    if date > today:
        raise UserError(f"{date.isoformat()} is in the future", "log training once it happened")
    logged = logged or today
    if logged < date or logged > today:
        raise UserError(
            f"--logged {logged.isoformat()} is "
            + ("before the training" if logged < date else "in the future"),
            f"give the day the entry was first recorded, from {date.isoformat()} to today",
        )
    ids = app.standard.ids()
    for kid in ksbs:
        if kid not in ids:
            raise UserError(*unknown_ksb(kid, ids))
    if not activity.strip():
        raise UserError("--activity is empty", "say what was done")
    return value, logged
