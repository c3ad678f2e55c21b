"""Progress reviews: `reviews/DATE.yaml`, one file per review, and when the next is due.

A review holds the off-the-job hours and KSB progress at its date (pre-filled by
`review add` from the same code as `otj status` and `gaps`), the previous review's open
actions with their status, the actions agreed, the three parties' comments and
signatures (learner, employer, provider), and the next review's date. How often reviews
take place is data (`programme-rules.yaml`), chosen by the apprenticeship's start.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evitrack import fastyaml, yamlio
from evitrack.diagnostics import Diagnostic, did_you_mean, make
from evitrack.errors import UserError
from evitrack.model import Apprenticeship

if TYPE_CHECKING:
    from evitrack.model import Portfolio

REVIEWS_DIR = "reviews"
RULES_FILE = Path(__file__).parent / "programme-rules.yaml"
SIGN_DAYS = 30  # default of settings.review_sign_days
PARTIES = ("learner", "employer", "provider")
SIGNING = ("E706", "E708")  # problems of a signature: signing again mends them


@cache
def rules() -> dict[str, Any]:
    import yaml

    with RULES_FILE.open("rb") as fh:
        data: dict[str, Any] = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


def in_force(kind: str, start: dt.date) -> dict[str, Any]:
    """The entry of `kind` (reviews, duration) in force for a start (boundaries inclusive)."""
    for r in rules()[kind]:
        lo, hi = r.get("from"), r.get("until")
        if (lo is None or start >= lo) and (hi is None or start <= hi):
            return dict(r)
    raise AssertionError(f"no {kind} rule for {start}")  # the data covers every date


def interval(app: Apprenticeship) -> dt.timedelta:
    return dt.timedelta(weeks=int(in_force("reviews", app.start)["interval_weeks"]))


@dataclass
class Action:
    action: str
    owner: str
    due: dt.date
    status: str = "open"
    since: dt.date | None = None  # the review that agreed it (`from:`)

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "owner": self.owner,
            "due": self.due.isoformat(),
            "status": self.status,
            "from": self.since.isoformat() if self.since else None,
        }


@dataclass
class Review:
    date: dt.date
    path: Path
    otj: dict[str, Any] = field(default_factory=dict)
    ksbs: dict[str, Any] = field(default_factory=dict)
    previous_actions: list[Action] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)
    signatures: dict[str, tuple[str, dt.date]] = field(default_factory=dict)  # signed only
    next_review: dt.date | None = None
    where: str = ""  # file:line of `next_review:` (or of the file)
    errors: int = 0  # errors found in the file, but for those of its signatures

    def unsigned(self) -> list[str]:
        return [p for p in PARTIES if p not in self.signatures]

    def who(self) -> str:
        """The parties yet to sign, in words: "learner and employer"."""
        left = self.unsigned()
        return ", ".join(left[:-1]) + " and " + left[-1] if len(left) > 1 else "".join(left)

    def open_actions(self) -> list[Action]:
        """What the next review carries: open actions, those carried here first."""
        carried = [a for a in self.previous_actions if a.status == "open"]
        new = [
            Action(a.action, a.owner, a.due, "open", a.since or self.date)
            for a in self.actions
            if a.status == "open"
        ]
        return carried + new

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "otj": self.otj,
            "ksbs": self.ksbs,
            "previous_actions": [a.to_json() for a in self.previous_actions],
            "actions": [a.to_json() for a in self.actions],
            "comments": {p: self.comments.get(p) for p in PARTIES},
            "signatures": {
                p: {"name": s[0], "date": s[1].isoformat()} if s else None
                for p, s in ((p, self.signatures.get(p)) for p in PARTIES)
            },
            "next_review": self.next_review.isoformat() if self.next_review else None,
        }


def review_files(root: Path) -> list[Path]:
    from evitrack.locate import yaml_files

    return yaml_files(root / REVIEWS_DIR)


def _actions(data: Any) -> list[Action]:
    out = []
    for a in data or []:
        if a and a.get("action") and a.get("owner") and a.get("due"):
            out.append(
                Action(
                    " ".join(str(a["action"]).split()),
                    a["owner"],
                    a["due"],
                    a.get("status") or "open",
                    a.get("from"),
                )
            )
    return out


def load_reviews(
    root: Path, app: Apprenticeship, today: dt.date, sign_days: int | None = None
) -> tuple[list[Review], list[Diagnostic]]:
    """Every review that can be read (by date), and the problems of the review files."""
    reviews: list[Review] = []
    diags: list[Diagnostic] = []
    late = SIGN_DAYS if sign_days is None else sign_days
    for path in review_files(root):
        review, found = _load_one(path, app, today, late)
        diags.extend(found)
        if review is not None:
            reviews.append(review)
    reviews.sort(key=lambda r: (r.date, r.path.name))
    return reviews, sorted(diags)


def _load_one(
    path: Path, app: Apprenticeship, today: dt.date, late: int
) -> tuple[Review | None, list[Diagnostic]]:
    """One review file: the review (None when it cannot be read or has no date) and its
    problems."""
    from evitrack.locate import display_path

    shown = display_path(path)
    try:
        return fastyaml.checked(
            path, lambda text, raw: _review(path, shown, text, raw, app, today, late)
        )
    except yamlio.YamlProblem as p:
        return None, [make(shown, (p.line, p.col), p.code, p.message, p.hint)]


def _review(
    path: Path, shown: str, text: str, raw: Any, app: Apprenticeship, today: dt.date, late: int
) -> tuple[Review | None, list[Diagnostic]]:
    """One review from its file's text and parsed data, and its problems."""
    from evitrack.schema import REVIEW, Validator

    v = Validator(shown, text)
    data = v.mapping(raw, REVIEW, (1, 1), "")
    if not data or not isinstance(data.get("date"), dt.date):
        return None, list(v.diagnostics)
    when: dt.date = data["date"]
    dpos = yamlio.value_pos(raw, "date") or (1, 1)
    _check_date(path, when, dpos, app, today, v)
    review = Review(
        date=when,
        path=path,
        otj=dict(data.get("otj") or {}),
        ksbs=dict(data.get("ksbs") or {}),
        previous_actions=_actions(data.get("previous_actions")),
        actions=_actions(data.get("actions")),
        comments={p: c for p, c in (data.get("comments") or {}).items() if c},
        next_review=data.get("next_review"),
        where=f"{shown}:{(yamlio.value_pos(raw, 'next_review') or dpos)[0]}",
    )
    _check_ksbs(raw, review, app.standard.ids(), v)
    _check_signatures(raw, data, review, today, late, v)
    _check_next(review, yamlio.value_pos(raw, "next_review") or dpos, app, v)
    review.errors = sum(  # those signing again mends are not counted
        1 for d in v.diagnostics if d.severity.value == "error" and d.code not in SIGNING
    )
    return review, list(v.diagnostics)


def _check_date(
    path: Path, when: dt.date, dpos: tuple[int, int], app: Apprenticeship, today: dt.date, v: Any
) -> None:
    """E707: a file not named after its review's date, a date before the start or to come."""
    if not path.stem.startswith(when.isoformat()):
        v.add(
            dpos,
            "E707",
            f"the review is dated {when.isoformat()}, but its file is named {path.name}",
            f"name the file after its date: {REVIEWS_DIR}/{when.isoformat()}.yaml",
        )
    if when < app.start:
        v.add(
            dpos,
            "E707",
            f"review dated {when.isoformat()}, before the apprenticeship's start "
            f"({app.start.isoformat()})",
            "check the date",
        )
    if when > today:
        v.add(
            dpos,
            "E707",
            f"review dated {when.isoformat()}, in the future",
            "write the review once it has taken place; `next_review:` says when it is due",
        )


def _check_next(review: Review, npos: tuple[int, int], app: Apprenticeship, v: Any) -> None:
    """E707 for a next review not after this one; W712 for one later than the rule allows."""
    nxt, when, every = review.next_review, review.date, interval(app)
    if nxt is not None and nxt <= when:
        v.add(
            npos,
            "E707",
            f"next_review {nxt.isoformat()} is not after the review ({when.isoformat()})",
            f"the next review is due by {(when + every).isoformat()}",
        )
    elif nxt is not None and nxt > when + every:
        rule = in_force("reviews", app.start)
        v.add(
            npos,
            "W712",
            f"next_review {nxt.isoformat()} is more than {rule['interval_weeks']} weeks "
            f"after this review: {' '.join(str(rule['text']).split())}",
            f"plan it by {(when + every).isoformat()}",
        )


def _check_ksbs(raw: Any, review: Review, ksb_ids: list[str], v: Any) -> None:
    raw_k = raw.get("ksbs") if isinstance(raw.get("ksbs"), dict) else {}
    raw_m = raw_k.get("missing_ksbs")
    for i, kid in enumerate(review.ksbs.get("missing_ksbs") or []):
        if kid and kid not in ksb_ids:
            v.add(
                (yamlio.item_pos(raw_m, i) if isinstance(raw_m, list) else None)
                or yamlio.value_pos(raw_k, "missing_ksbs"),
                "E703",
                f'the apprenticeship standard has no KSB "{kid}"',
                did_you_mean(kid, ksb_ids) or "its KSBs: " + ", ".join(ksb_ids),
            )


def _check_signatures(
    raw: Any, data: dict[str, Any], review: Review, today: dt.date, late: int, v: Any
) -> None:
    raw_s = raw.get("signatures") if isinstance(raw.get("signatures"), dict) else {}
    for party, sig in (data.get("signatures") or {}).items():
        if not sig:
            continue
        raw_p: Any = raw_s.get(party) if isinstance(raw_s.get(party), dict) else {}
        pos = yamlio.key_pos(raw_s, party)
        name, when = sig.get("name"), sig.get("date")
        name = name.strip() if isinstance(name, str) else None
        if bool(name) != isinstance(when, dt.date):
            if when is None and raw_p.get("date") is not None:
                continue  # a date that is no date: reported as such
            v.add(
                pos,
                "E708",
                f"the {party}'s signature has no {'date' if name else 'name'}",
                "sign with `evitrack review sign "
                f"{review.date.isoformat()} --as {party} --name NAME`",
            )
            continue
        if not name or not isinstance(when, dt.date):
            continue
        dpos = yamlio.value_pos(raw_p, "date") or pos
        if when < review.date:
            v.add(
                dpos,
                "E706",
                f"the {party} signed on {when.isoformat()}, before the review "
                f"({review.date.isoformat()})",
                "a review is signed on or after its date: check the date",
            )
            continue
        if when > today:
            v.add(
                dpos, "E706", f"the {party}'s signature is dated {when.isoformat()}, in the future"
            )
            continue
        review.signatures[party] = (name, when)
    missing = review.unsigned()
    waited = (today - review.date).days
    if missing and waited > late:
        v.add(
            yamlio.key_pos(raw, "signatures") or (1, 1),
            "W711",
            f"review of {review.date.isoformat()} not signed by the {review.who()} "
            f"{waited} days after it (more than {late}; settings.review_sign_days)",
            f"each signs with `evitrack review sign {review.date.isoformat()} --as PARTY --name NAME`",
        )


@dataclass
class Schedule:
    """When the next review is due, by the latest review or, with none, by the start."""

    due: dt.date
    overdue: bool
    latest: Review | None
    rule: dict[str, Any]
    asof: dt.date  # today, or the day the gateway was confirmed
    capped: bool = False  # asof is the gateway's day

    def _before(self) -> str:
        return f"before the gateway ({self.asof.isoformat()})" if self.capped else "ago"

    def message(self) -> str:
        days = (self.asof - self.due).days
        if self.latest is None:
            return (
                f"no progress review yet: the first was due by {self.due.isoformat()}, "
                f"{days} days {self._before()} ({self.rule['interval_weeks']} weeks after the start)"
            )
        return (
            f"the next progress review was due by {self.due.isoformat()}, {days} days "
            f"{self._before()} (the last was on {self.latest.date.isoformat()})"
        )


def schedule(app: Apprenticeship, reviews: list[Review], today: dt.date) -> Schedule:
    """Reviews are due until the gateway: once the employer's confirmation is recorded, a
    review is overdue only if it was overdue on that day."""
    confirmed = (app.gateway or {}).get("date")
    capped = False
    if isinstance(confirmed, dt.date) and (app.gateway or {}).get("employer"):
        capped = confirmed < today
        today = min(today, confirmed)
    rule = in_force("reviews", app.start)
    every = interval(app)
    latest = reviews[-1] if reviews else None
    if latest is None:
        due = app.start + every
    else:
        due = latest.next_review if latest.next_review else latest.date + every
        due = min(due, latest.date + every)  # never later than the rules allow
    return Schedule(due, today > due, latest, rule, today, capped)


def check(
    app: Apprenticeship,
    today: dt.date,
    raw: Any,
    shown: str,
    reviews: list[Review],
    found: list[Diagnostic],
) -> list[Diagnostic]:
    """The review files' problems (`found`, with `reviews` as `load_reviews` gives them),
    and W710 when the next review is overdue."""
    plan = schedule(app, reviews, today)
    if plan.overdue:
        hint = "hold the review and write it with `evitrack review add --date YYYY-MM-DD`"
        if plan.latest is None:
            found.append(
                make(shown, yamlio.key_pos(raw, "apprenticeship"), "W710", plan.message(), hint)
            )
        else:
            file, _, line = plan.latest.where.rpartition(":")
            found.append(make(file, (int(line), 1), "W710", plan.message(), hint))
    return found


# ---- writing ---------------------------------------------------------------------------


def _number(x: float | None) -> str:
    return "null" if x is None else f"{x:g}"


def as_of(portfolio: Portfolio, when: dt.date) -> Portfolio:
    """The portfolio as it stood on a date: records dated later left out, decisions made
    later not yet made."""
    import dataclasses

    records = []
    for r in portfolio.records:
        if r.date is not None and r.date > when:
            continue
        a = r.assessment
        if a is not None and (a.date is None or a.date > when):
            r = dataclasses.replace(r, assessment=None)
        records.append(r)
    return dataclasses.replace(portfolio, records=records)


def review_text(portfolio: Portfolio, when: dt.date, today: dt.date) -> str:
    """A new review, pre-filled: OTJ hours and KSB progress by its date, the open actions."""
    app = portfolio.apprenticeship
    assert app is not None
    progress = _progress_lines(portfolio, app, when, today)
    reviews, _ = load_reviews(portfolio.root, app, today)
    before = [r for r in reviews if r.date < when]
    who = f"{portfolio.learner_name} ({portfolio.registration})"
    lines = [
        f"# Progress review of {yamlio.comment_text(who)}, written by `evitrack review add`.",
        "# Fill in the actions and the comments, set the status of the carried actions, then",
        f"# each signs: evitrack review sign {when.isoformat()} --as learner|employer|provider "
        "--name NAME",
        f"date: {when.isoformat()}",
        *progress,
        *_carried_lines(before[-1] if before else None),
        "actions: []  # each: - action: ...; owner: learner|employer|provider; due: YYYY-MM-DD",
        "comments:",
        *(f"  {p}: null" for p in PARTIES),
        "signatures:  # empty until signed: `evitrack review sign`",
    ]
    for p in PARTIES:
        lines += [f"  {p}:", "    name: null", "    date: null"]
    lines.append(f"next_review: {(when + interval(app)).isoformat()}")
    return "\n".join(lines) + "\n"


def _progress_lines(
    portfolio: Portfolio, app: Apprenticeship, when: dt.date, today: dt.date
) -> list[str]:
    """The review's `otj:` and `ksbs:` blocks: the hours and the KSBs by its date."""
    from evitrack.apprenticeship import otj
    from evitrack.apprenticeship.ksbs import ACCEPTED, EVIDENCED, MISSING, UNIT
    from evitrack.coverage import coverage

    late = portfolio.settings.get("otj_late_days")
    entries, found = otj.load_log(portfolio.root, app, today, late)
    st = otj.status(app, [e for e in entries if e.date <= when], found, when)
    ksbs = coverage(as_of(portfolio, when)).ksbs or []
    n = {s: sum(1 for k in ksbs if k.status == s) for s in (ACCEPTED, EVIDENCED, UNIT, MISSING)}
    missing = [k.ksb for k in ksbs if k.status == MISSING]
    return [
        f"otj:  # by the review's date, as `evitrack otj status` counts them ({st.rule_id})",
        f"  hours_to_date: {_number(st.actual_hours)}",
        f"  expected_to_date: {_number(st.expected_to_date)}",
        f"  planned_hours: {_number(st.planned_hours)}",
        f"  minimum_hours: {_number(st.minimum_hours)}",
        "ksbs:  # by the review's date, as `evitrack gaps` counts them",
        f"  accepted: {n[ACCEPTED]}",
        f"  evidenced: {n[EVIDENCED]}",
        f"  unit: {n[UNIT]}",
        f"  missing: {n[MISSING]}",
        f"  missing_ksbs: [{', '.join(missing)}]",
    ]


def _carried_lines(previous: Review | None) -> list[str]:
    """`previous_actions:`: the previous review's open actions, each to be given a status."""
    from evitrack.record_text import dq

    carried = previous.open_actions() if previous else []
    if not carried:
        return ["previous_actions: []  # the previous review left no open action"]
    assert previous is not None
    lines = [
        f"previous_actions:  # open at the review of {previous.date.isoformat()}: "
        "set each one's status (open, done, dropped)"
    ]
    for a in carried:
        lines += [
            f"  - action: {dq(a.action)}",
            f"    owner: {a.owner}",
            f"    due: {a.due.isoformat()}",
            "    status: open",
            f"    from: {(a.since or previous.date).isoformat()}",
        ]
    return lines


def add_review(portfolio: Portfolio, when: dt.date, today: dt.date) -> Path:
    """Write reviews/DATE.yaml, pre-filled; UserError (nothing written) for bad input or when
    a review of that date exists."""
    from evitrack.atomic import atomic_create_text

    app = portfolio.apprenticeship
    assert app is not None
    if when < app.start:
        raise UserError(
            f"{when.isoformat()} is before the apprenticeship's start ({app.start.isoformat()})"
        )
    if when > today:
        raise UserError(
            f"{when.isoformat()} is in the future", "write the review once it has taken place"
        )
    folder = portfolio.root / REVIEWS_DIR
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UserError(f"{folder} is not a folder inside the portfolio")
    path = folder / f"{when.isoformat()}.yaml"
    if path.exists() or path.is_symlink():
        raise UserError(
            f"{REVIEWS_DIR}/{path.name} exists: a review of {when.isoformat()} is written already",
            "edit it, or give another --date",
        )
    text = review_text(portfolio, when, today)
    folder.mkdir(exist_ok=True)
    if not atomic_create_text(path, text):
        raise UserError(f"{REVIEWS_DIR}/{path.name} exists: nothing was written")
    return path


def find(root: Path, app: Apprenticeship, ref: str | None, today: dt.date) -> Review:
    """The review of a date (YYYY-MM-DD), or the latest with `ref` None."""
    reviews, diags = load_reviews(root, app, today)
    wanted = [r for r in reviews if ref is None or ref in (r.date.isoformat(), r.path.stem)]
    if not wanted:
        bad = [
            d
            for d in diags
            if d.severity.value == "error" and (ref is None or Path(d.file).stem == ref)
        ]
        if bad:
            raise UserError(
                f"{bad[0].headline}",
                "fix the review file (`evitrack check` shows every problem), then retry",
            )
    if not reviews:
        raise UserError(
            f"no progress review in {REVIEWS_DIR}/ yet",
            "write one with `evitrack review add --date YYYY-MM-DD`",
        )
    if ref is None:
        return reviews[-1]
    for r in reviews:
        if r.date.isoformat() == ref or r.path.stem == ref:
            return r
    dates = [r.date.isoformat() for r in reviews]
    raise UserError(
        f'no progress review of "{ref}"',
        did_you_mean(ref, dates) or "the reviews: " + ", ".join(dates),
    )


def sign(
    root: Path,
    app: Apprenticeship,
    ref: str,
    party: str,
    name: str,
    when: dt.date,
    today: dt.date,
) -> tuple[Path, tuple[str, str] | None]:
    """Write a party's name and date under `signatures:` (round-trip, comments kept).
    Returns the file and the signature it replaced, if any."""
    from evitrack.lock import portfolio_lock

    if party not in PARTIES:
        raise UserError(
            f'--as must be one of {", ".join(PARTIES)}, not "{party}"',
            did_you_mean(party, PARTIES),
        )
    name = " ".join(name.split())
    if not name:
        raise UserError("--name is empty", "give the signer's name")
    if when > today:
        raise UserError(f"--date {when.isoformat()} is in the future")
    with portfolio_lock(root):
        review = find(root, app, ref, today)
        if when < review.date:
            raise UserError(
                f"--date {when.isoformat()} is before the review ({review.date.isoformat()})",
                "a review is signed on or after its date",
            )
        if review.errors:
            raise UserError(
                f"{REVIEWS_DIR}/{review.path.name} has problems: nothing was signed",
                "run `evitrack check` to see them and fix them first",
            )
        return review.path, _write_signature(review.path, party, name, when)


_VALUE_LINE = re.compile(r"^(\s*(\w+)\s*:)[ \t]*(.*?)([ \t]+#.*)?(\r?\n)?$")


def _write_signature(path: Path, party: str, name: str, when: dt.date) -> tuple[str, str] | None:
    """Set the party's `name:` and `date:` lines, every other byte kept; a shape the line
    editor does not handle goes through the round-trip parser."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    from evitrack.record_text import dq

    text, raw = yamlio.load(path)
    sigs = raw.get("signatures")
    entry = sigs.get(party) if isinstance(sigs, CommentedMap) else None
    before = None
    if isinstance(entry, CommentedMap) and entry.get("name") and entry.get("date"):
        before = (str(entry["name"]), str(entry["date"]))
    values = {"name": dq(name), "date": when.isoformat()}
    edited = _edit_lines(text, entry, values)
    if edited is not None:
        back = fastyaml.data(edited)
        if back["signatures"][party] == {"name": name, "date": when}:
            yamlio.write_back(path, edited)
            return before
    if not isinstance(sigs, CommentedMap):
        sigs = CommentedMap()
        raw["signatures"] = sigs
    if not isinstance(entry, CommentedMap):
        entry = CommentedMap()
        sigs[party] = entry
    entry["name"] = DoubleQuotedScalarString(name)
    entry["date"] = dt.date.fromordinal(when.toordinal())
    yamlio.write_back(path, yamlio.dump(raw, text))
    return before


def _edit_lines(text: str, entry: Any, values: dict[str, str]) -> str | None:
    """The text with each key's value line replaced, or None when the entry is not written
    one `key: value` a line."""
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(entry, CommentedMap) or entry.fa.flow_style():
        return None
    if any(k not in entry for k in values):
        return None
    lines = text.splitlines(keepends=True)
    for key, value in values.items():
        line, col = entry.lc.key(key)
        m = _VALUE_LINE.match(lines[line][col:])
        if m is None or m.group(2) != key or m.group(3).startswith(("|", ">", "[", "{")):
            return None
        lines[line] = (
            lines[line][:col] + f"{key}: {value}" + (m.group(4) or "") + (m.group(5) or "")
        )
    return "".join(lines)


# ---- the document ------------------------------------------------------------------------


def context(review: Review, app: Apprenticeship) -> dict[str, Any]:
    """The review as plain data for its document (render.review)."""
    titles = {k.id: " ".join(k.title.split()) for k in app.standard.ksbs}
    data = review.to_json()
    otj_keys = ("hours_to_date", "expected_to_date", "planned_hours", "minimum_hours")
    data["otj"] = {k: review.otj.get(k) for k in otj_keys}
    data["ksbs"] = {k: review.ksbs.get(k) for k in ("accepted", "evidenced", "unit", "missing")}
    data["missing_ksbs"] = [
        {"id": k, "title": titles.get(k, "")} for k in review.ksbs.get("missing_ksbs") or []
    ]
    data["standard"] = {"id": app.standard.id, "title": app.standard.title}
    data["apprenticeship"] = {
        "start": app.start.isoformat(),
        "end": app.end.isoformat() if app.end else "",
    }
    data["parties"] = list(PARTIES)
    return data


def as_text(ctx: dict[str, Any], learner: str) -> str:
    """The review as plain text (`review show --format text`)."""

    def h(x: Any) -> str:
        return "not recorded" if x is None else f"{x:g}" if isinstance(x, (int, float)) else str(x)

    otj_ = ctx["otj"]
    k = ctx["ksbs"]
    out = [
        f"Progress review of {learner}, {ctx['date']}",
        f"Apprenticeship: {ctx['standard']['title']}, from {ctx['apprenticeship']['start']}",
        "",
        f"Off-the-job hours to date: {h(otj_.get('hours_to_date'))} "
        f"(expected {h(otj_.get('expected_to_date'))}; planned {h(otj_.get('planned_hours'))}, "
        f"minimum {h(otj_.get('minimum_hours'))})",
        f"KSBs: {h(k.get('accepted'))} accepted, {h(k.get('evidenced'))} evidenced, "
        f"{h(k.get('unit'))} covered only through units, {h(k.get('missing'))} missing",
    ]
    out += [f"  missing {m['id']}: {m['title']}" for m in ctx["missing_ksbs"]]
    for title, key in (
        ("Actions from the previous review", "previous_actions"),
        ("Actions", "actions"),
    ):
        out += ["", f"{title}:"]
        out += [
            f"  [{a['status']}] {a['action']} ({a['owner']}, due {a['due']})" for a in ctx[key]
        ] or ["  none"]
    out += ["", "Comments:"]
    out += [f"  {p}: {ctx['comments'][p] or '(none yet)'}" for p in ctx["parties"]]
    out += ["", "Signatures:"]
    for p in ctx["parties"]:
        s = ctx["signatures"][p]
        out.append(f"  {p}: {s['name'] + ', ' + s['date'] if s else 'not signed'}")
    out += ["", f"Next review: {ctx['next_review'] or 'not set'}"]
    return "\n".join(out) + "\n"
