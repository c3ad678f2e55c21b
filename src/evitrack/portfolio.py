"""Finding and loading a portfolio: evitrack.yaml plus evidence/*.yaml, fully checked.

`load(root)` returns the portfolio (as much of it as could be read) and every
problem found, each with file, line and column. Nothing here prints or exits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from evitrack import catalogue, fastyaml, locate, signing, yamlio
from evitrack.cache import (
    Cache,
    RecordStore,
    shipped_in,
    stat_key,
    text_key,
    trusted,
    undate,
)
from evitrack.cache import sha256_file as sha256_file
from evitrack.diagnostics import (
    Diagnostic,
    Severity,
    did_you_mean,
    make,
    unknown_criterion,
    unknown_ksb,
    unknown_method,
    unknown_unit,
)
from evitrack.errors import UserError
from evitrack.locate import EVIDENCE_DIR as EVIDENCE_DIR
from evitrack.locate import PORTFOLIO_FILE as PORTFOLIO_FILE
from evitrack.locate import display_path as display_path
from evitrack.locate import find_portfolios as find_portfolios
from evitrack.locate import find_root as find_root
from evitrack.locate import look_up, plain_stat
from evitrack.locate import resolve_root as resolve_root
from evitrack.model import (
    PLACEHOLDER_NAME,
    PLACEHOLDER_REGISTRATION,
    Apprenticeship,
    Assessment,
    FileRef,
    Portfolio,
    Qualification,
    Record,
    SignOff,
    canonical_method,
    is_sample_text,
    old_scheme,
    plain,
)
from evitrack.rules import mandatory_units
from evitrack.schema import PORTFOLIO, RECORD, Validator, stale_record_schema

FINGERPRINT_SCHEME = "v2"  # the prefix of every fingerprint; an older one had none


def fingerprint(content: Any, decision: Any) -> str:
    """The fingerprint an assessor's decision records (`assessment.fingerprint`).

    `content` is the record as written: the Validator's reading of it, where every id
    and text written as a bare number is the source text (`2.10` stays `2.10`), so the
    fast and the round-trip parse give the same value and no edit hides behind a lossy
    parse; keys the schema does not know are kept too. Its `assessment` is left out of
    the content, but the decision itself (decision, assessor, date, comment) is covered,
    so a decision edited by hand no longer matches. The result is
    "v2:" + sha256 of the canonical JSON of both.
    """
    body = {k: v for k, v in dict(content).items() if k != "assessment"}
    judged = {k: (decision or {}).get(k) for k in ("decision", "assessor", "date", "comment")}
    return _digest({"record": body, "decision": judged})


def signoff_fingerprint(uid: str, records: Iterable[Record]) -> str:
    """The fingerprint a unit sign-off records (`signoffs.UNIT.fingerprint`).

    It covers the unit's accepted evidence as it stands: the id and decision
    fingerprint of every record whose acceptance counts and that cites the unit, and
    the sha256 of each of their attached files as the file is now. A later referral,
    an edit to one of those records, an attachment changed, or a record accepted
    since, changes it, and the sign-off is void until signed again.
    """
    evidence = sorted(
        [r.id, r.fingerprint, sorted([f.path, f.actual or f.sha256] for f in r.files)]
        for r in records
        if uid in r.criteria and r.counts
    )
    return _digest({"unit": uid, "evidence": evidence})


def _digest(data: Any) -> str:
    canon = json.dumps(plain(data), sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(canon.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{FINGERPRINT_SCHEME}:{digest}"


def as_written(raw: Any, text: str) -> dict[str, Any]:
    """A record's content as `fingerprint` reads it, from a loaded record and its source."""
    v = Validator("", text)
    data = v.mapping(raw, RECORD, (1, 1), "") or {}
    return _with_unknown(raw, data)


def _with_unknown(raw: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The validated data plus the keys the schema does not know (errors, but content)."""
    extra = {f"?{k}": v for k, v in raw.items() if not (isinstance(k, str) and k in RECORD.keys)}
    return {**extra, **data} if extra else data


@dataclass
class LoadResult:
    """A portfolio as loaded (None if it could not be) and the problems found."""

    root: Path
    portfolio: Portfolio | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    raw: Any = None  # evitrack.yaml as loaded (round-trip), for writers
    text: str = ""
    notes: list[str] = field(default_factory=list)  # about the cache, e.g. a bad one discarded
    attachments: set[str] = field(default_factory=set)  # every attachment path records name
    qualification: Qualification | None = None  # the one evitrack.yaml names, loaded


def qualification_sources(loaded: LoadResult) -> list[Path]:
    """The centre's qualification files a load read (shipped ones are part of the program)."""
    if loaded.qualification is not None:
        return catalogue.user_sources(loaded.qualification)
    ref = (loaded.raw or {}).get("qualification") if isinstance(loaded.raw, dict) else None
    if isinstance(ref, str) and catalogue.looks_like_path(ref):
        return [loaded.root / ref]  # not loaded: the walk covers it, its bytes too
    return []


def inside(root: Path, target: Path) -> bool:
    """Whether `target`, links followed, is within `root` (a link loop is not)."""
    try:
        root = root.resolve()
        target = target.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return False
    return target == root or root in target.parents


def load(
    root: Path,
    today: dt.date | None = None,
    use_cache: bool = True,
    fast: bool = True,
    records: bool = True,
) -> LoadResult:
    """Load and check a whole portfolio.

    `records=False`: only the diagnostics are wanted (`check`). A record the store serves
    is then not decoded (its summary says what the checks across records need), and no
    `portfolio` is given (its qualification is, as `qualification`), unless sign-offs or
    an apprenticeship need every record in full.

    evitrack.yaml is read by the fast parser (`raw` is plain data), and the whole load is
    done again with the round-trip one, for positions, when the file has any problem:
    nothing but a problem's position needs the round-trip parser's view of it.
    """
    today = today or dt.date.today()
    shown = display_path(root / PORTFOLIO_FILE)
    read: dict[str, Any] = {}  # files the first pass read that the second may take as read
    first = _load(root, today, use_cache, fast, records, shown, True, read)
    if not any(d.file == shown for d in first.diagnostics):
        return first
    result = _load(root, today, use_cache, fast, records, shown, False, read)
    result.notes = list(dict.fromkeys([*first.notes, *result.notes]))  # a bad cache: once
    return result


def _load(
    root: Path,
    today: dt.date,
    use_cache: bool,
    fast: bool,
    records: bool,
    shown: str,
    quick: bool,
    read: dict[str, Any],
) -> LoadResult:
    """`load`; `quick`: evitrack.yaml by the fast parser (no positions); `read`: what the
    first pass read, for the second (see `_apprentice_checks`)."""
    result = LoadResult(root=root, portfolio=None)
    diags = result.diagnostics
    header, qual = _header(root, shown, result, quick)
    raw = result.raw
    apprenticeship = _apprenticeship(header, raw, root, shown, diags)
    if qual is not None and not catalogue.is_shipped(qual):
        diags.extend(_unsatisfiable(qual))
    chosen: list[str] = []
    if qual is not None and header is not None:
        chosen = _chosen_units(qual, header, raw, shown, diags)
        if not any(d.severity is Severity.ERROR for d in diags):  # units known for sure
            diags.extend(stale_record_schema(root, qual, chosen))
    names = _evidence_files(root, diags)
    settings = (header or {}).get("settings") or {}
    cache = Cache(root, enabled=use_cache)
    ctx = _Context(root, qual, chosen, today, settings.get("currency_years"), cache, fast)
    _policies(ctx, header, raw, apprenticeship, shown, diags)
    full = records or bool((header or {}).get("signoffs")) or apprenticeship is not None
    store = RecordStore(root, _context_key(ctx), enabled=use_cache and fast, values=full)
    loaded = _all_records(names, ctx, store, diags)
    if apprenticeship is not None:
        diags.extend(
            _apprentice_checks(root, apprenticeship, settings, today, raw, shown, loaded, read)
        )
    cache.save()
    result.notes, result.attachments = cache.notes, cache.attachments
    signoffs = _signoffs(header, raw, chosen, qual, shown, diags, loaded, ctx.signing)
    result.qualification = qual
    if qual is not None and header is not None and full:
        result.portfolio = _portfolio(root, qual, header, chosen, loaded, signoffs, apprenticeship)
    diags.sort(key=lambda d: (d.file, d.line, d.col, d.code))
    return result


def _header(
    root: Path, shown: str, result: LoadResult, quick: bool = False
) -> tuple[dict[str, Any] | None, Qualification | None]:
    """evitrack.yaml read (into `result.raw`, `result.text`; `quick`: by the fast parser
    where it can) and checked, and the qualification it names loaded; None for what
    cannot be."""
    diags = result.diagnostics
    pfile = root / PORTFOLIO_FILE
    if pfile.is_symlink() and not inside(root, pfile):  # never read (nor echo) what it leads to
        diags.append(
            make(
                shown,
                None,
                "E001",
                f"{PORTFOLIO_FILE} is a link that leads outside the portfolio: evitrack does "
                "not read it",
                "replace the link with the file itself",
            )
        )
        return None, None
    try:
        result.text = yamlio.read_text(pfile)
        result.raw = _parse_header(result.text, quick)
    except yamlio.YamlProblem as p:
        diags.append(make(shown, (p.line, p.col), p.code, p.message, p.hint))
        return None, None
    raw = result.raw
    if not isinstance(raw, dict):
        diags.append(
            make(
                shown,
                (1, 1),
                "E005",
                f"{PORTFOLIO_FILE} is {'empty' if raw is None else 'not a mapping'}",
                "see `evitrack schema portfolio` for what it holds",
            )
        )
        return None, None
    v = Validator(shown, result.text)
    header = v.mapping(raw, PORTFOLIO, (1, 1), "")
    diags.extend(v.diagnostics)
    diags.extend(_placeholders(header, raw, shown))
    if not header or not header.get("qualification"):
        return header, None
    return header, _qualification(root, header, raw, shown, diags)


def _parse_header(text: str, quick: bool) -> Any:
    """evitrack.yaml's text parsed: by the fast parser if `quick` and it can, else the
    round-trip one (positions, comments). Raises YamlProblem."""
    return fastyaml.data(text) if quick else yamlio.parse(text)


def _qualification(
    root: Path, header: dict[str, Any], raw: Any, shown: str, diags: list[Diagnostic]
) -> Qualification | None:
    """The qualification evitrack.yaml names; E201 when it cannot be loaded or is a library."""
    try:
        with shipped_in(root):
            qual = catalogue.load(header["qualification"], root)
        if qual.kind != "qualification":
            raise UserError(
                f'"{header["qualification"]}" is a unit library, not a qualification',
                "see `evitrack qualification list` for the qualifications",
            )
        return qual
    except UserError as e:
        diags.append(make(shown, yamlio.value_pos(raw, "qualification"), "E201", e.message, e.hint))
        return None


def _policies(
    ctx: _Context,
    header: dict[str, Any] | None,
    raw: Any,
    apprenticeship: Apprenticeship | None,
    shown: str,
    diags: list[Diagnostic],
) -> None:
    """What a record's own checks depend on in evitrack.yaml besides the qualification and
    units: the signing policy, and the apprenticeship's KSBs."""
    ctx.signing = _signing_policy(header, ctx.qual, raw, shown, diags)
    if header is not None and header.get("apprenticeship") is not None:
        ctx.apprentice = True
        if apprenticeship is not None:
            ctx.ksb_ids = tuple(apprenticeship.standard.ids())


def _all_records(
    names: list[str], ctx: _Context, store: RecordStore, diags: list[Diagnostic]
) -> list[Record]:
    """Every record in evidence/ (`names`), each checked alone (or served from the store,
    which then keeps what changed and forgets the records that are gone), then against
    each other. Without `store.values`, a record served by its summary is not returned."""
    root = ctx.root
    if (root / EVIDENCE_DIR).is_symlink():  # records the stat walk of the memos cannot see
        ctx.cache.attachments.update(f"{EVIDENCE_DIR}/{n}" for n in names)
    before = len(diags)
    with locate.portable(root) as ctx.token:  # records' diagnostics, stored as from anywhere
        loaded = _records(names, ctx, store, diags)
    diags[before:] = [_shown(root, ctx.token, d) for d in diags[before:]]
    ctx.cache.notes[:] = [_here(root, ctx.token, n) for n in ctx.cache.notes]
    store.save(keep={f"{EVIDENCE_DIR}/{n}" for n in names})
    return loaded


def _apprentice_checks(
    root: Path,
    app: Apprenticeship,
    settings: dict[str, Any],
    today: dt.date,
    raw: Any,
    shown: str,
    records: list[Record],
    read: dict[str, Any],
) -> list[Diagnostic]:
    """The OTJ log, the progress reviews, and the KSBs no record cites.

    The log and the reviews are read once a `load`: the second pass (evitrack.yaml read
    again for positions) takes them as the first read them when the apprenticeship and
    the settings they depend on are the same, as they are unless the file changed between.
    """
    from evitrack.apprenticeship import otj, reviews
    from evitrack.apprenticeship.gateway import uncited_ksbs

    late, sign = settings.get("otj_late_days"), settings.get("review_sign_days")
    if read.get("for") != (app, today, late, sign):
        read["for"] = (app, today, late, sign)
        read["otj"] = otj.load_log(root, app, today, late)
        read["reviews"] = reviews.load_reviews(root, app, today, sign)
    entries, logged = read["otj"]
    held, found = read["reviews"]
    return [
        *_otj(app, today, raw, shown, entries, list(logged)),
        *reviews.check(app, today, raw, shown, held, list(found)),
        *uncited_ksbs(app, records, today, raw, shown),
    ]


def _portfolio(
    root: Path,
    qual: Qualification,
    header: dict[str, Any],
    chosen: list[str],
    records: list[Record],
    signoffs: dict[str, SignOff],
    apprenticeship: Apprenticeship | None,
) -> Portfolio:
    learner = header.get("learner") or {}
    return Portfolio(
        root=root,
        qualification=qual,
        learner_name=str(learner.get("name") or ""),
        registration=str(learner.get("registration") or ""),
        units=chosen,
        records=records,
        signoffs=signoffs,
        settings=dict(header.get("settings") or {}),
        extra={k: header.get(k) for k in ("centre", "statement", "iqa")},
        apprenticeship=apprenticeship,
    )


def unusable(root: Path, diagnostics: list[Diagnostic]) -> UserError:
    """The one message for a portfolio whose evitrack.yaml cannot be used, naming the first
    problem: every command that needs the portfolio refuses it in the same words (exit 2)."""
    from evitrack.diagnostics import error_lines

    problem = next(iter(error_lines(diagnostics)), f"{display_path(root)}: cannot be read")
    return UserError(
        f"the portfolio at {display_path(root)} cannot be used: {problem}",
        "run `evitrack check` to see every problem and how to fix it",
    )


def _placeholders(header: dict[str, Any] | None, raw: Any, shown: str) -> list[Diagnostic]:
    """W109 at a learner name or registration still as `evitrack init` wrote it."""
    learner = (header or {}).get("learner") or {}
    raw_l = raw.get("learner") if isinstance(raw, dict) else None
    out = []
    for key, placeholder in (
        ("name", PLACEHOLDER_NAME),
        ("registration", PLACEHOLDER_REGISTRATION),
    ):
        if str(learner.get(key) or "").strip() == placeholder:
            out.append(
                make(
                    shown,
                    yamlio.value_pos(raw_l, key) if isinstance(raw_l, dict) else None,
                    "W109",
                    f'learner.{key} is still "{placeholder}", the placeholder `evitrack init` '
                    "wrote",
                    f"write the learner's own {'name' if key == 'name' else 'registration number'}"
                    " here: a claim is refused while it stays",
                )
            )
    return out


def _chosen_units(
    qual: Qualification, header: dict[str, Any], raw: Any, shown: str, diags: list[Diagnostic]
) -> list[str]:
    chosen: list[str] = []
    units_raw = raw.get("units") if isinstance(raw, dict) else None
    for i, ref in enumerate(header.get("units") or []):
        if ref is None:
            continue
        pos = yamlio.item_pos(units_raw, i) if isinstance(units_raw, list) else None
        uid = qual.resolve_unit(ref)
        if uid is None:
            diags.append(make(shown, pos, "E202", *unknown_unit(ref, qual.id, qual.unit_names())))
            continue
        if uid not in chosen:
            chosen.append(uid)
        unit = qual.units[uid]
        if not unit.criteria_in_source:
            from evitrack.catalogue.extend import no_criteria_hint

            diags.append(
                make(
                    shown,
                    pos,
                    "W206",
                    f"unit {uid} ({unit.title}) has no criteria text in the source "
                    "document: its evidence cannot be checked against criteria",
                    no_criteria_hint(qual, uid),
                )
            )
    for uid in mandatory_units(qual):
        if uid not in chosen and uid in qual.units:
            chosen.append(uid)
    order = list(qual.units)
    return sorted(chosen, key=order.index)


SIGNOFF_FIELDS = (
    "assessed",
    "learner",
    "learner_date",
    "assessor",
    "assessor_date",
    "iv",
    "iv_date",
)


def signoff_order(s: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, what is wrong) for each date of a sign-off that is out of order: the form is
    signed after the summative assessment, and the internal verifier countersigns last."""
    out = []
    for earlier, later, why in (
        ("assessed", "assessor_date", "the assessor signs on or after the summative assessment"),
        ("assessor_date", "iv_date", "the internal verifier countersigns after the assessor"),
    ):
        a, b = s.get(earlier), s.get(later)
        if isinstance(a, dt.date) and isinstance(b, dt.date) and b < a:
            out.append(
                (
                    later,
                    f"{later.replace('_', ' ')} {b.isoformat()} is before "
                    f"{earlier.replace('_', ' ')} {a.isoformat()}: {why}",
                )
            )
    return out


def _signing_policy(
    header: dict[str, Any] | None,
    qual: Qualification | None,
    raw: Any,
    shown: str,
    diags: list[Diagnostic],
) -> signing.Policy | None:
    """Whether this portfolio's decisions must be signed, and the list that verifies them;
    W414 once when they must be but there is no list."""
    if header is None or qual is None:
        return None
    settings = header.get("settings") or {}
    learner = header.get("learner") or {}
    pol = signing.policy(settings, qual.id, str(learner.get("registration") or ""))
    if pol.unverifiable:
        raw_settings = raw.get("settings") if isinstance(raw, dict) else None
        pos = yamlio.value_pos(raw_settings, "signatures") if raw_settings else None
        signing.no_list_warning(pos, lambda p, c, m, h: diags.append(make(shown, p, c, m, h)))
    return pol


def _signoffs(
    header: dict[str, Any] | None,
    raw: Any,
    chosen: list[str],
    qual: Qualification | None,
    shown: str,
    diags: list[Diagnostic],
    records: list[Record] | None = None,
    pol: signing.Policy | None = None,
) -> dict[str, SignOff]:
    """The unit sign-offs in evitrack.yaml, each checked (`_signoff`); E405 for a sign-off
    of a unit that is not chosen (left out)."""
    out: dict[str, SignOff] = {}
    if not header or not header.get("signoffs"):
        return out
    raw_s = raw.get("signoffs")
    for key, s in header["signoffs"].items():
        uid = qual.resolve_unit(key) if qual else key
        pos = yamlio.key_pos(raw_s, key) if isinstance(raw_s, dict) else None
        if qual is not None and (uid is None or uid not in chosen):
            diags.append(
                make(
                    shown,
                    pos,
                    "E405",
                    f'sign-off for unit "{key}", which is not chosen',
                    did_you_mean(key, chosen) or "add the unit to `units:` or remove this sign-off",
                )
            )
            continue
        entry = raw_s.get(key) if isinstance(raw_s, dict) else None
        where = (shown, pos, entry)
        out[uid or key] = _signoff(uid or key, s or {}, qual, records, pol, where, diags)
    return out


def _signoff(
    uid: str,
    s: dict[str, Any],
    qual: Qualification | None,
    records: list[Record] | None,
    pol: signing.Policy | None,
    where: tuple[str, tuple[int, int] | None, Any],
    diags: list[Diagnostic],
) -> SignOff:
    """One unit's sign-off: its signatures judged where they must be, what it rests on
    (`_check_signoff`), and W407 for dates out of order. `where`: the file shown, the
    position of the unit's key and its entry as loaded."""
    shown, pos, entry = where
    fields: dict[str, Any] = {k: s.get(k) for k in SIGNOFF_FIELDS}
    signoff = SignOff(unit=uid, **fields)
    signoff.fingerprint = s.get("fingerprint")
    if pol is not None:
        _judge_signoff(pol, signoff, s, entry, shown, diags)
    order = signoff_order(s)
    if qual is not None and records is not None:
        flagged = {fld for fld, _ in order}
        _check_signoff(signoff, qual, records, shown, pos, entry, diags, flagged)
    for fld, why in order:
        diags.append(
            make(
                shown,
                yamlio.value_pos(entry, fld) if isinstance(entry, dict) else pos,
                "W407",
                f"sign-off of unit {uid}: {why}",
                "check the dates against the signed form and correct the one that is wrong",
            )
        )
    return signoff


def _check_signoff(
    s: SignOff,
    qual: Qualification,
    records: list[Record],
    shown: str,
    pos: tuple[int, int] | None,
    entry: Any,
    diags: list[Diagnostic],
    flagged: set[str],
) -> None:
    """W409, W410: signatures that no longer rest on the unit's evidence (void);
    W407: a date before the decisions that completed the unit (`_signed_early`)."""
    uid = s.unit
    signed = [k for k in ("learner", "assessor", "iv") if getattr(s, k)]
    if not signed:
        return
    again = f"`evitrack sign {uid} --as assessor`, then learner (and IV if sampled)"
    if not s.fingerprint:
        s.void = "not tied to the evidence it rests on"
        diags.append(
            make(
                shown,
                pos,
                "W410",
                f"sign-off of unit {uid} has no fingerprint of the evidence it rests on, so "
                "it does not count: a change to that evidence could not be seen",
                f"sign it with evitrack: {again}",
            )
        )
        return
    if s.fingerprint != signoff_fingerprint(uid, records):
        s.void = "the unit's accepted evidence changed after it was signed"
        diags.append(
            make(
                shown,
                pos,
                "W409",
                f"sign-off of unit {uid} is void: the unit's accepted evidence changed after "
                "it was signed (a record referred, edited, accepted since, or a file changed)",
                f"see `evitrack gaps`; once the unit is complete, sign it again: {again}",
            )
        )
        return
    diags.extend(_signed_early(s, qual, records, shown, pos, entry, flagged))


def _signed_early(
    s: SignOff,
    qual: Qualification,
    records: list[Record],
    shown: str,
    pos: tuple[int, int] | None,
    entry: Any,
    flagged: set[str],
) -> list[Diagnostic]:
    """W407 at each date of a sign-off before the decisions that completed the unit (a
    date already out of order, in `flagged`, is reported once)."""
    from evitrack.coverage import completed_on

    uid = s.unit
    done = completed_on(qual.units[uid], records)
    if done is None:
        return []
    day, rid = done
    out = []
    for fld in ("assessed", "learner_date", "assessor_date", "iv_date"):
        when = getattr(s, fld)
        if isinstance(when, dt.date) and when < day and fld not in flagged:
            out.append(
                make(
                    shown,
                    yamlio.value_pos(entry, fld) if isinstance(entry, dict) else pos,
                    "W407",
                    f"sign-off of unit {uid}: {fld.replace('_', ' ')} {when.isoformat()} is "
                    f"before the unit was complete ({rid} accepted on {day.isoformat()})",
                    "a unit is signed off after the decisions that complete it: check the date",
                )
            )
    return out


_ROLE_FIELDS = {
    "learner": ("learner", "learner_date"),
    "assessor": ("assessor", "assessor_date"),
    "iv": ("iv", "iv_date"),
}


def _judge_signoff(
    pol: signing.Policy,
    signoff: SignOff,
    s: dict[str, Any],
    entry: Any,
    shown: str,
    diags: list[Diagnostic],
) -> None:
    """Each role's signature of a sign-off; a role whose signature fails is void (its
    fields read as empty, the reason kept in `signoff.bad_signatures`)."""
    uid = signoff.unit
    for role in ("learner", "assessor", "iv"):
        if not s.get(role):
            continue
        where = f"{role}_signature" if s.get(f"{role}_signature") else role
        why = signing.judge(
            pol,
            signing.signoff_statement(pol.qualification, pol.registration, uid, role, s),
            role,
            s.get(f"{role}_signer"),
            s.get(f"{role}_signature"),
            s.get(f"{role}_date"),
            f"the {'IV' if role == 'iv' else role} sign-off of unit {uid}",
            yamlio.key_pos(entry, where) if isinstance(entry, dict) else None,
            lambda p, c, m, h: diags.append(make(shown, p, c, m, h)),
            f"`evitrack sign {uid} --as {role} --key FILE`",
        )
        if why is not None:
            signoff.bad_signatures[role] = why
            for fld in _ROLE_FIELDS[role]:
                setattr(signoff, fld, None)


def _evidence_files(root: Path, diags: list[Diagnostic]) -> list[str]:
    """The names of evidence/*.yaml, in order, refusing any that is (or lies behind) a link
    leaving the portfolio."""
    evdir = root / EVIDENCE_DIR
    if not evdir.is_dir():
        return []
    outside = "is a link that leads outside the portfolio: evitrack does not read it"
    hint = "replace the link with the file itself"
    if not inside(root, evdir):
        diags.append(make(display_path(evdir), None, "E001", f"{EVIDENCE_DIR}/ {outside}", hint))
        return []
    names = []
    with os.scandir(evdir) as entries:  # a link is known from the listing, without a stat
        found = sorted((e.name, e.is_symlink()) for e in entries if not e.name.startswith("."))
    for name, link in found:
        if not name.endswith((".yaml", ".yml")):
            diags.extend(_not_read(evdir / name))
            continue
        if link and not inside(root, evdir / name):
            hint_at = display_path(evdir / name)
            diags.append(make(hint_at, None, "E001", f"this record {outside}", hint))
            continue
        names.append(name)
    return names


def _not_read(p: Path) -> list[Diagnostic]:
    """W008 for what looks like a record but is not where or what evitrack reads."""
    rel = f"{EVIDENCE_DIR}/{p.name}"
    if p.suffix.lower() in (".yaml", ".yml"):  # E0001.YAML
        return [
            make(
                display_path(p),
                None,
                "W008",
                f"{rel} is not read: records end in .yaml or .yml (lower case)",
                f'rename it: git mv "{rel}" "{EVIDENCE_DIR}/{p.stem}{p.suffix.lower()}"',
            )
        ]
    try:
        if not p.is_dir() or p.is_symlink():
            return []
        inner = next(
            (f for f in sorted(p.rglob("*")) if f.suffix.lower() in (".yaml", ".yml")), None
        )
    except OSError:  # an unreadable folder: nothing to say about what it holds
        return []
    if inner is None:
        return []
    shown = inner.relative_to(p.parent).as_posix()
    return [
        make(
            display_path(p),
            None,
            "W008",
            f"{rel}/ holds {EVIDENCE_DIR}/{shown}, which is not read: records live directly "
            f"in {EVIDENCE_DIR}/, not in folders inside it",
            f"move the records up into {EVIDENCE_DIR}/ (git mv), or the folder out of it",
        )
    ]


def _id_pos(path: Path) -> tuple[int, int] | None:
    try:
        return yamlio.value_pos(yamlio.load(path)[1], "id")
    except yamlio.YamlProblem:
        return None


# ---- records: each checked alone (stored), then against each other ----------------------------


def _records(
    names: list[str], ctx: _Context, store: RecordStore, diags: list[Diagnostic]
) -> list[Record]:
    """Every record that loads, each checked alone (or served from the store), then the
    checks across records: ids used twice, or differing only in case. A record served by
    its summary (`_Known`) takes part in those, and is not returned."""
    loaded = []
    for name in names:
        rec = _record(name, ctx, store, diags)
        if rec is not None:
            loaded.append(rec)
    return [r for r in _unique_ids(loaded, ctx, diags) if isinstance(r, Record)]


class _Known(NamedTuple):
    """A record served by its summary: what the checks across records read of it."""

    id: str
    pos: tuple[int, int] | None
    where: str  # its file

    @property
    def path(self) -> Path:
        return Path(self.where)


def _unique_ids(
    records: list[Record | _Known], ctx: _Context, diags: list[Diagnostic]
) -> Iterable[Record | _Known]:
    """E106 for a record whose id an earlier one has (it is left out), W108 for ids that
    differ only in case."""
    seen: dict[str, Record | _Known] = {}
    folded: dict[str, str] = {}  # id in lower case -> the first id
    for rec in records:
        if rec.id in seen:
            path = rec.path
            diags.append(
                make(
                    ctx.shown(path),
                    rec.pos or _id_pos(path),
                    "E106",
                    f'record id "{rec.id}" is also used by {ctx.shown(seen[rec.id].path)}',
                    "give each record its own id (`evitrack add` picks the next free one)",
                )
            )
            continue
        other = folded.setdefault(rec.id.casefold(), rec.id)
        if other != rec.id:
            path = rec.path
            diags.append(
                make(
                    ctx.shown(path),
                    rec.pos or _id_pos(path),
                    "W108",
                    f'record id "{rec.id}" differs only in case from "{other}" '
                    f"({ctx.shown(seen[other].path)}): the two are easily confused, and on a "
                    "case-insensitive disk their files may collide",
                    "give each record an id of its own (`evitrack add` picks the next free one)",
                )
            )
        seen[rec.id] = rec
        yield rec


def _context_key(ctx: _Context) -> str:
    """Everything a record's own checks depend on besides its text, its attachments and the
    date (see `_record`): the portfolio's place, its qualification (a centre's files by
    content), the chosen units, the settings and signing policy, the apprenticeship's KSBs."""
    qual = ctx.qual
    sources: list[list[str | None]] = []
    if qual is not None:
        for src in catalogue.user_sources(qual):
            try:
                sources.append([str(src), hashlib.sha256(src.read_bytes()).hexdigest()])
            except OSError:
                sources.append([str(src), None])
    pol = ctx.signing
    parts = [
        os.path.realpath(ctx.root),
        qual.id if qual else None,
        str(qual.path) if qual and qual.path else None,
        sources,
        ctx.chosen,
        ctx.currency_years,
        [pol.required, pol.qualification, pol.registration] if pol else None,
        signing.list_digest() if pol else None,
        ctx.apprentice,
        list(ctx.ksb_ids),
    ]
    return hashlib.sha256(
        json.dumps(parts, default=str).encode("utf-8", "surrogatepass")
    ).hexdigest()


def _record(
    name: str, ctx: _Context, store: RecordStore, diags: list[Diagnostic]
) -> Record | _Known | None:
    """One record (evidence/`name`) checked alone: served from the store when its text,
    its context, its attachments and what the date says of it are as they were (by its
    summary where the store holds no more); else loaded and stored."""
    rel = f"{EVIDENCE_DIR}/{name}"
    if store.conn is not None:
        where = ctx.evidence_at(name)
        stored = store.get(rel, where, _digest_of)
        if stored is not None:
            thawed = (
                _thaw(stored, Path(where), ctx) if store.values else _thaw_head(stored, where, ctx)
            )
            if thawed is not None:
                rec, found = thawed
                diags.extend(found)
                return rec
    path = ctx.root / EVIDENCE_DIR / name
    started = time.time_ns()
    key = stat_key(path)
    ctx.digest = None
    ctx.states.clear()
    local: list[Diagnostic] = []
    loaded = _load_record(path, ctx, local)
    diags.extend(local)
    if store.conn is not None and ctx.digest is not None:
        data = _freeze(loaded, local, ctx, started)
        store.put(rel, key, ctx.digest, started, data, _head(data))
    return loaded


def _digest_of(path: str) -> str | None:
    """text_key of a record's text as `_load_record` reads it; None if it cannot be read."""
    try:
        return text_key(yamlio.read_text(Path(path)))
    except yamlio.YamlProblem:
        return None


def _dated(date: Any, ctx: _Context) -> list[bool]:
    """What the date checks say of a record's date today: [in the future, too old]."""
    if not isinstance(date, dt.date):
        return [False, False]
    years = ctx.currency_years
    return [date > ctx.today, bool(years) and date < _years_before(ctx.today, years or 0)]


def _attachment_state(root: Path, written: str, plain: os.stat_result | None = None) -> list[Any]:
    """What an attachment's checks depend on: where it leads, and its stat there.

    With no link on its way (`locate.plain_stat`, or `plain` when the caller has it) it
    leads where it is written, inside this portfolio (whose resolved place the record
    store's context holds): one lstat per name, nothing resolved.
    """
    posix = written.replace("\\", "/")
    st = plain or plain_stat(root, posix)
    if st is not None:
        return [written, os.path.normpath(posix), _stat_list(st)]
    target = root / posix
    try:
        key: list[int] | None = _stat_list(os.stat(target))
    except (OSError, ValueError):
        key = None
    try:
        real: str | None = os.path.realpath(target)
    except (OSError, ValueError):
        real = None
    return [written, real, key]


def _stat_list(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_nlink, st.st_mode]


def _freeze(
    rec: Record | None, found: list[Diagnostic], ctx: _Context, started: int
) -> dict[str, Any]:
    """A record's result as JSON data for the store, computed from files as at `started`."""
    named = [f.path for f in rec.files] if rec is not None else []
    data: dict[str, Any] = {
        "at": started,
        "token": ctx.token,
        "diagnostics": [d.to_json() for d in found],
        "attachments": [ctx.states.get(w) or _attachment_state(ctx.root, w) for w in named],
        "named": named,
        "dated": _dated(rec.date if rec else None, ctx),
        "record": None,
    }
    if rec is not None:
        a = rec.assessment
        data["record"] = [
            rec.id,
            rec.title,
            rec.date,
            rec.methods,
            rec.description,
            rec.criteria,
            [[f.path, f.sha256, f.actual] for f in rec.files],
            rec.location,
            None
            if a is None
            else [
                a.decision,
                a.assessor,
                a.date,
                a.comment,
                a.fingerprint,
                a.signer,
                a.signature,
                a.void,
            ],
            rec.fingerprint,
            list(rec.pos) if rec.pos else None,
            rec.ksbs,
        ]
    return data


def _head(data: dict[str, Any]) -> tuple[Any, ...]:
    """A frozen result's summary, the store's `HEAD` columns: what `check` needs of a record
    it does not read again (its id, where it is written, its date and what the date checks
    said), and its diagnostics and attachments in `extra` only where it has any."""
    r = data["record"]
    pos = r[10] if r else None
    date = r[2] if r else None
    extra = None
    if data["diagnostics"] or data["attachments"] or data["named"]:
        extra = {k: data[k] for k in ("at", "token", "diagnostics", "attachments", "named")}
    return (
        r[0] if r else None,
        pos[0] if pos else None,
        pos[1] if pos else None,
        date.isoformat() if isinstance(date, dt.date) else None,
        "".join("1" if flag else "0" for flag in data["dated"]),
        extra,
    )


def _thaw(data: Any, path: Path, ctx: _Context) -> tuple[Record | None, list[Diagnostic]] | None:
    """A stored result, if its attachments and what the date says are as they were (None:
    the record is checked again). The store is untrusted: a wrong shape is no result."""
    try:
        r = data["record"]
        date = undate(r[2]) if r else None
        if _dated(date, ctx) != data["dated"]:
            return None
        found = _still(data, ctx)
        if found is None or r is None:
            return None if found is None else (None, found)
        a, criteria = r[8], r[5]
        if not isinstance(criteria, dict) or not isinstance(r[3], list):
            return None
        rec = Record(
            id=str(r[0]),
            title=r[1],
            date=date,
            methods=r[3],
            description=r[4],
            criteria=criteria,
            files=[FileRef(path=f[0], sha256=f[1], actual=f[2]) for f in r[6]],
            location=r[7],
            assessment=None if a is None else Assessment(a[0], a[1], undate(a[2]), *a[3:]),
            path=path,
            fingerprint=str(r[9]),
            pos=(int(r[10][0]), int(r[10][1])) if r[10] else None,
            ksbs=list(r[11]),
        )
        return rec, found
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None


def _still(data: Any, ctx: _Context) -> list[Diagnostic] | None:
    """A stored result's diagnostics if its attachments are as they were (None: they are
    not, or too lately changed to tell); the attachments it names are noted for the memo."""
    at = int(data["at"])
    for state in data["attachments"]:
        now = _attachment_state(ctx.root, str(state[0]))
        key = now[2]
        if now != state or (key is not None and not trusted(key, at)):
            return None
    found = [_diagnostic(d, str(data["token"]), ctx.token) for d in data["diagnostics"]]
    if data["named"]:
        ctx.cache.attachments.update(map(str, data["named"]))
    return found


def _thaw_head(
    head: Any, where: str, ctx: _Context
) -> tuple[_Known | None, list[Diagnostic]] | None:
    """A stored result from its summary alone (`_head`), with the same conditions as
    `_thaw`: its id and where it is written, and its diagnostics."""
    try:
        rid, line, col, date, dated, extra = head
        if _dated_flags(date, ctx) != dated:
            return None
        found: list[Diagnostic] | None = []
        if extra is not None:
            found = _still(json.loads(extra), ctx)
        if found is None or rid is None:
            return None if found is None else (None, found)
        pos = (int(line), int(col)) if line is not None else None
        return _Known(str(rid), pos, where), found
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
        return None


def _dated_flags(date: str | None, ctx: _Context) -> str:
    """`_dated` of a date as the summary holds it (ISO, or None), as the summary writes it
    ("01": not in the future, too old); worked out once a run for each date."""
    flags = ctx.dated_flags.get(date)
    if flags is None:
        when = dt.date.fromisoformat(date) if date is not None else None
        flags = ctx.dated_flags[date] = "".join("1" if f else "0" for f in _dated(when, ctx))
    return flags


def _diagnostic(d: dict[str, Any], old: str, token: str) -> Diagnostic:
    """A stored diagnostic, its paths marked with this run's `locate.portable` token."""
    return Diagnostic(
        file=str(d["file"]).replace(old, token),
        line=int(d["line"]),
        col=int(d["col"]),
        code=str(d["code"]),
        message=str(d["message"]).replace(old, token),
        hint=None if d["hint"] is None else str(d["hint"]).replace(old, token),
        severity=Severity(str(d["severity"])),
    )


def _shown(root: Path, token: str, d: Diagnostic) -> Diagnostic:
    """A diagnostic computed under `locate.portable` with `token`, shown as paths are now."""
    if token not in d.file and token not in d.message and token not in (d.hint or ""):
        return d
    return dataclasses.replace(
        d,
        file=_here(root, token, d.file),
        message=_here(root, token, d.message),
        hint=None if d.hint is None else _here(root, token, d.hint),
    )


def _here(root: Path, token: str, text: str) -> str:
    """`text` with each path `locate.portable` marked with `token` shown as paths are now."""
    parts = text.split(token)
    return "".join(display_path(root / p) if i % 2 else p for i, p in enumerate(parts))


@dataclass
class _Context:
    """What validating the records of one portfolio needs to know."""

    root: Path
    qual: Qualification | None
    chosen: list[str]
    today: dt.date
    currency_years: int | None
    cache: Cache
    fast: bool = True
    evidence_shown: str = ""
    signing: signing.Policy | None = None  # set once evitrack.yaml is read
    apprentice: bool = False  # evitrack.yaml has `apprenticeship:`
    ksb_ids: tuple[str, ...] = ()  # its standard's KSB ids (empty: it could not be loaded)
    token: str = ""  # `locate.portable`'s, while records are checked
    top: Path | None = None  # root resolved, once
    states: dict[str, list[Any]] = field(default_factory=dict)  # attachments as looked up
    digest: str | None = None  # text_key of the record just read
    dated_flags: dict[str | None, str] = field(default_factory=dict)  # see `_dated_flags`
    evidence: str = ""  # evidence/, as a string ending in a separator

    def evidence_at(self, name: str) -> str:
        """The path of evidence/`name`, as a string (no Path made per record)."""
        if not self.evidence:
            self.evidence = os.path.join(self.root, EVIDENCE_DIR, "")
        return self.evidence + name

    def shown(self, path: Path) -> str:
        """display_path(path) for a file in evidence/, without a relpath per file."""
        if not self.evidence_shown:
            self.evidence_shown = display_path(self.root / EVIDENCE_DIR / "\0")
        return self.evidence_shown.replace("\0", path.name)


def _load_record(path: Path, ctx: _Context, diags: list[Diagnostic]) -> Record | None:
    """Fast path first (libyaml, cached); the round-trip loader for any file with a problem."""
    if not ctx.fast:
        return _load_record_slow(path, ctx, diags)
    try:
        text = yamlio.read_text(path)
    except yamlio.YamlProblem:
        return _load_record_slow(path, ctx, diags)
    ctx.digest = text_key(text)
    try:
        raw = fastyaml.parse(text)
    except fastyaml.Fallback:
        return _load_record_slow(path, ctx, diags)
    local: list[Diagnostic] = []
    rec = _record_from(path, "", raw, ctx, local) if isinstance(raw, dict) else None
    if rec is None or local:
        return _load_record_slow(path, ctx, diags)
    return rec


def _load_record_slow(path: Path, ctx: _Context, diags: list[Diagnostic]) -> Record | None:
    shown = ctx.shown(path)
    try:
        text = yamlio.read_text(path)
        ctx.digest = text_key(text)
        raw = yamlio.parse(text)
    except yamlio.YamlProblem as p:
        diags.append(make(shown, (p.line, p.col), p.code, p.message, p.hint))
        return None
    if not isinstance(raw, dict):
        what = "empty" if raw is None else "not a mapping of keys to values"
        diags.append(
            make(
                shown,
                (1, 1),
                "E005",
                f"evidence record is {what}",
                "a record starts with `id:`, `title:`, `date:` ... (see `evitrack schema record`)",
            )
        )
        return None
    return _record_from(path, text, raw, ctx, diags)


def _record_from(
    path: Path, text: str, raw: Any, ctx: _Context, diags: list[Diagnostic]
) -> Record | None:
    """A record from its parsed data, after every check of the record alone (each a named
    function below, adding its diagnostics to the Validator)."""
    v = Validator(ctx.shown(path), text)
    data = v.mapping(raw, RECORD, (1, 1), "")
    if not data or not data.get("id"):
        diags.extend(v.diagnostics)
        return None
    methods = _methods(data, raw, v)
    criteria = _criteria(data, raw, ctx, v)
    if ctx.qual is not None:
        _forbidden_methods(ctx.qual, criteria, methods, raw, v)
    ksbs = _record_ksbs(data, raw, ctx, v)
    files = _files(data, raw, ctx, v)
    date = data.get("date")
    _date_checks(date, raw, ctx, v)
    _sample_text(data, raw, v)
    fp, assessment = _assessment(data, raw, ctx, v)
    diags.extend(v.diagnostics)
    return Record(
        id=data["id"],
        title=data.get("title") or "",
        date=date if isinstance(date, dt.date) else None,
        methods=methods,
        description=data.get("description") or "",
        criteria={k: c for k, c in criteria.items() if c},
        files=files,
        location=data.get("location"),
        assessment=assessment,
        path=path,
        fingerprint=fp,
        pos=yamlio.value_pos(raw, "id"),
        ksbs=ksbs,
    )


def _methods(data: dict[str, Any], raw: Any, v: Validator) -> list[str]:
    """The methods, canonical and once each; E207 for one evitrack does not know."""
    methods: list[str] = []
    for i, m in enumerate(data.get("methods") or []):
        if m is None:
            continue
        canon = canonical_method(m)
        if canon is None:
            pos = (
                yamlio.item_pos(raw.get("methods"), i)
                if isinstance(raw.get("methods"), list)
                else None
            )
            from evitrack.model import METHOD_ALIASES, METHODS

            near = did_you_mean(m, [*METHODS, *METHOD_ALIASES])
            if near:
                word = near.split('"')[1]
                near = f'did you mean "{canonical_method(word)}"?'
            v.add(pos, "E207", *unknown_method(m, near or "methods: " + ", ".join(METHODS)))
        elif canon not in methods:
            methods.append(canon)

    return methods


def _criteria(data: dict[str, Any], raw: Any, ctx: _Context, v: Validator) -> dict[str, list[str]]:
    """Unit id -> criterion ids cited; E202, E003, E204, E203, W206 for what does not fit."""
    qual = ctx.qual
    criteria: dict[str, list[str]] = {}
    written_as: dict[str, str] = {}
    raw_c = raw.get("criteria")
    if qual is None:
        return criteria
    for key, ids in (data.get("criteria") or {}).items():
        kpos = yamlio.key_pos(raw_c, _orig_key(raw_c, key)) if isinstance(raw_c, dict) else None
        uid = _cited_unit(key, kpos, qual, ctx.chosen, written_as, v)
        if uid is None:
            continue
        items = raw_c.get(_orig_key(raw_c, key)) if isinstance(raw_c, dict) else None
        got: list[str] = criteria.setdefault(uid, [])
        _cited_criteria(uid, ids, items, kpos, qual, ctx.chosen, got, v)
    return criteria


def _cited_unit(
    key: Any,
    kpos: tuple[int, int] | None,
    qual: Qualification,
    chosen: list[str],
    written_as: dict[str, str],
    v: Validator,
) -> str | None:
    """The unit a key of `criteria:` names (None: E202, none); E003 for a unit cited under
    two keys, E204 for one not chosen."""
    uid = qual.resolve_unit(key)
    if uid is None:
        v.add(kpos, "E202", *unknown_unit(key, qual.id, qual.unit_names()))
        return None
    if uid in written_as:  # "F1" and "CU791": one unit under two keys
        v.add(
            kpos,
            "E003",
            f'unit {uid} is cited twice in this record: as "{written_as[uid]}" and as "{key}"',
            "merge the two lists under one key",
        )
    written_as.setdefault(uid, str(key))
    if uid not in chosen:
        v.add(
            kpos,
            "E204",
            f"evidence cites unit {uid}, which is not among the chosen units",
            f"add {uid} to `units:` in {PORTFOLIO_FILE}, or remove it from this record",
        )
    return uid


def _cited_criteria(
    uid: str,
    ids: Any,
    items: Any,
    kpos: tuple[int, int] | None,
    qual: Qualification,
    chosen: list[str],
    got: list[str],
    v: Validator,
) -> None:
    """The criterion ids cited for unit `uid`, added to `got` once each; E203 for one the
    unit does not have, W206 for one of a unit whose criteria the source does not give."""
    unit = qual.units[uid]
    valid = [c.id for c in unit.criteria]
    for i, cid in enumerate(ids or []):
        if cid is None:
            continue
        ipos = yamlio.item_pos(items, i) if isinstance(items, list) else kpos
        if cid not in valid:
            if not unit.criteria_in_source:
                v.add(
                    ipos,
                    "W206",
                    f'unit {uid} has no criteria text in the source: "{cid}" cannot be checked',
                )
                got.append(cid)
                continue
            hint = _criterion_hint(cid, uid, valid, qual, chosen)
            v.add(ipos, "E203", *unknown_criterion(uid, cid, hint))
            continue
        if cid not in got:
            got.append(cid)


def _files(data: dict[str, Any], raw: Any, ctx: _Context, v: Validator) -> list[FileRef]:
    """The attachments, each checked on disk (`_check_file`)."""
    files: list[FileRef] = []
    raw_f = raw.get("files")
    for i, f in enumerate(data.get("files") or []):
        if not f or not f.get("path"):
            continue
        fpos = yamlio.item_pos(raw_f, i) if isinstance(raw_f, list) else None
        ref = FileRef(path=f["path"], sha256=f.get("sha256"))
        files.append(ref)
        written = raw_f[i].get("sha256") if isinstance(raw_f, list) else None
        _check_file(ref, ctx, fpos, v, hash_written=written is not None)

    return files


def _date_checks(date: Any, raw: Any, ctx: _Context, v: Validator) -> None:
    """W402 for evidence dated in the future, W403 for evidence older than the settings
    allow. What they say of a stored record is compared again each day (`_dated`)."""
    today, currency_years = ctx.today, ctx.currency_years
    if isinstance(date, dt.date):
        dpos = yamlio.value_pos(raw, "date")
        if date > today:
            v.add(
                dpos,
                "W402",
                f"evidence is dated {date.isoformat()}, in the future",
                "check the date: evidence must exist before it is assessed",
            )
        elif currency_years and date < _years_before(today, currency_years):
            v.add(
                dpos,
                "W403",
                f"evidence is dated {date.isoformat()}, more than "
                f"{currency_years} years ago (settings.currency_years)",
                "check that it still shows current competence",
            )


def _sample_text(data: dict[str, Any], raw: Any, v: Validator) -> None:
    """W109 for the sample text `evitrack init` wrote."""
    if is_sample_text(str(data.get("description") or "")):
        v.add(
            yamlio.value_pos(raw, "description") or yamlio.key_pos(raw, "description"),
            "W109",
            "this record still holds the sample text that `evitrack init` wrote: "
            "it describes no real evidence",
            "describe the real evidence in your own words, or delete this record",
        )


def _assessment(
    data: dict[str, Any], raw: Any, ctx: _Context, v: Validator
) -> tuple[str, Assessment | None]:
    """The record's fingerprint and its assessment; W406, W408, W401 for a decision that
    does not count, and the signature's verdict where decisions must be signed."""
    assessment = None
    a = data.get("assessment")
    # the fingerprint is only needed where an assessor recorded one
    fp = (
        fingerprint(_with_unknown(raw, data), a)
        if isinstance(a, dict) and a.get("fingerprint")
        else ""
    )
    if a and a.get("decision"):
        assessment = Assessment(
            decision=a["decision"],
            assessor=a.get("assessor") or "",
            date=a.get("date"),
            comment=a.get("comment"),
            fingerprint=a.get("fingerprint"),
            signer=a.get("signer"),
            signature=a.get("signature"),
        )
        _check_decision(assessment, fp, data["id"], yamlio.key_pos(raw, "assessment"), v)

    if assessment is not None and ctx.signing is not None:
        assessment.void = _judge_assessment(ctx.signing, data, raw, assessment, v)

    return fp, assessment


def _forbidden_methods(
    qual: Qualification,
    criteria: dict[str, list[str]],
    methods: list[str],
    raw: Any,
    v: Validator,
) -> None:
    """W208 at each method that a cited unit (or criterion) does not allow."""
    raw_m = raw.get("methods")
    for uid, cids in criteria.items():
        for method, cid in qual.units[uid].forbidden_uses(methods, cids):
            at = (
                next((i for i, m in enumerate(raw_m) if canonical_method(str(m)) == method), None)
                if isinstance(raw_m, list)
                else None
            )
            what = f"unit {uid}" + (f", criterion {cid}" if cid else "")
            v.add(
                yamlio.item_pos(raw_m, at) if at is not None else yamlio.key_pos(raw, "methods"),
                "W208",
                f"{method.replace('-', ' ')} is not allowed as evidence for {what}: while "
                f"this record cites it that way, {uid} cannot be completed",
                f"drop {method} from methods if the evidence was gathered another way "
                f"(see `evitrack qualification show {qual.id} --unit {uid}`)",
            )


def _check_decision(
    a: Assessment, fp: str, rid: str, pos: tuple[int, int] | None, v: Validator
) -> None:
    """W406, W408, W401: a decision that does not count, and why."""
    when = f" on {a.date.isoformat()}" if isinstance(a.date, dt.date) else ""
    again = (
        f"`evitrack assess {rid} --accept`"
        if a.decision == "accepted"
        else f'`evitrack assess {rid} --refer --comment "..."`'
    )
    if a.decision == "accepted" and not a.fingerprint:
        v.add(
            pos,
            "W406",
            f"marked accepted by {a.assessor or 'nobody named'} without a "
            "fingerprint, so it does not count: a change made since could not be seen",
            f"ask the assessor to record the decision: `evitrack assess {rid} --accept`",
        )
    elif a.fingerprint and old_scheme(a.fingerprint):
        v.add(
            pos,
            "W408",
            f"{a.decision} by {a.assessor}{when} with an older fingerprint, which does not "
            "cover the decision itself, so it does not count",
            f"ask the assessor to record the decision again with {again}"
            + (" (keep its date with --date)" if when else ""),
        )
    elif a.fingerprint and a.fingerprint != fp:
        v.add(
            pos,
            "W401",
            "record or its assessment changed after the decision was recorded "
            f"(it reads: {a.decision} by {a.assessor}{when})",
            f"ask the assessor to look again: `evitrack assess {rid} --accept`",
        )


def _judge_assessment(
    pol: signing.Policy, data: dict[str, Any], raw: Any, a: Assessment, v: Validator
) -> str | None:
    """Why an assessment does not count for want of a good signature (None: it counts)."""
    raw_a = raw.get("assessment")
    at = "signature" if a.signature else "decision"
    pos = yamlio.key_pos(raw_a, at) if isinstance(raw_a, dict) else None
    return signing.judge(
        pol,
        signing.assessment_statement(
            pol.qualification, pol.registration, data["id"], data.get("assessment") or {}
        ),
        "assessor",
        a.signer,
        a.signature,
        a.date,
        f"the decision on {data['id']} ({a.decision} by {a.assessor or 'nobody named'})",
        pos,
        v.add,
        f"`evitrack assess {data['id']} --{'accept' if a.decision == 'accepted' else 'refer'} "
        "--key FILE`",
    )


def _record_ksbs(data: dict[str, Any], raw: Any, ctx: _Context, v: Validator) -> list[str]:
    """The KSB ids a record cites; E703 for one its standard does not have."""
    written = [k for k in data.get("ksbs") or [] if k]
    if not written:
        return []
    raw_k = raw.get("ksbs")
    if not ctx.apprentice:
        v.add(
            yamlio.key_pos(raw, "ksbs"),
            "E703",
            f"the record cites KSBs, but {PORTFOLIO_FILE} names no apprenticeship standard",
            f"add `apprenticeship:` with its `standard:` and `start:` to {PORTFOLIO_FILE}, "
            "or remove `ksbs:`",
        )
        return []
    if not ctx.ksb_ids:  # the standard could not be loaded: E704 says why
        return list(dict.fromkeys(written))
    out: list[str] = []
    for i, kid in enumerate(data.get("ksbs") or []):
        if not kid:
            continue
        if kid not in ctx.ksb_ids:
            pos = yamlio.item_pos(raw_k, i) if isinstance(raw_k, list) else None
            v.add(pos or yamlio.key_pos(raw, "ksbs"), "E703", *unknown_ksb(kid, ctx.ksb_ids))
        elif kid not in out:
            out.append(kid)
    return out


def _otj(
    app: Apprenticeship,
    today: dt.date,
    raw: Any,
    shown: str,
    entries: list[Any],
    found: list[Diagnostic],
) -> list[Diagnostic]:
    """The OTJ log's problems (`found`), and W709 when the hours fall behind or the plan
    is short."""
    from evitrack.apprenticeship import otj

    st = otj.status(app, entries, found, today)
    pos = yamlio.key_pos(raw, "apprenticeship")
    for w in st.warnings:
        if w["code"] == "W709":
            found.append(make(shown, pos, "W709", w["message"], _OTJ_HINT))
    return found


_OTJ_HINT = "see `evitrack otj status` for the rule in force and the hours"


def _apprenticeship(
    header: dict[str, Any] | None, raw: Any, root: Path, shown: str, diags: list[Diagnostic]
) -> Apprenticeship | None:
    """`apprenticeship:` with its standard loaded; E704 when the standard cannot be."""
    a = (header or {}).get("apprenticeship")
    if not a or not a.get("standard") or not isinstance(a.get("start"), dt.date):
        return None
    raw_a = raw.get("apprenticeship") if isinstance(raw, dict) else None
    from evitrack.apprenticeship import standards

    end = a.get("end")
    if isinstance(end, dt.date) and end <= a["start"]:
        diags.append(
            make(
                shown,
                yamlio.value_pos(raw_a, "end"),
                "E105",
                f"apprenticeship.end ({end.isoformat()}) is not after apprenticeship.start "
                f"({a['start'].isoformat()})",
                "`end` is the planned end of the practical period: a date after `start`",
            )
        )
        end = None
    try:
        std = standards.load(a["standard"], root)
    except UserError as e:
        diags.append(make(shown, yamlio.value_pos(raw_a, "standard"), "E704", e.message, e.hint))
        return None
    return Apprenticeship(
        standard=std,
        start=a["start"],
        end=end if isinstance(end, dt.date) else None,
        weekly_hours=a.get("weekly_hours"),
        otj_planned_hours=a.get("otj_planned_hours"),
        gateway=a.get("gateway"),
    )


def _unsatisfiable(qual: Qualification) -> list[Diagnostic]:
    """E505 for a centre's own qualification file whose rules no selection can satisfy."""
    from evitrack.catalogue.check import rule_positions
    from evitrack.planner import infeasible

    where = display_path(qual.path) if qual.path else qual.id
    found = infeasible(qual)
    at = rule_positions(qual.path) if found and qual.path else {}
    return [
        make(
            where,
            next((at[r] for r in rule_ids if r in at), (1, 1)),  # at the first rule involved
            "E505",
            message,
            "rules involved: " + ", ".join(rule_ids),
        )
        for rule_ids, message in found
    ]


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for a 29 February that year lacks)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _orig_key(mapping: Any, key: str) -> Any:
    """The key object as loaded (a number stays a number) for a recovered text key."""
    if key in mapping:
        return key
    for k in mapping:
        if str(k) == key or (not isinstance(k, str) and _same_number(k, key)):
            return k
    return key


def _same_number(k: Any, text: str) -> bool:
    """Whether a key loaded as a number is the number written as `text`."""
    try:
        return bool(float(text) == k)
    except ValueError:
        return False


def _criterion_hint(
    cid: str, uid: str, valid: list[str], qual: Qualification, chosen: list[str]
) -> str:
    near = did_you_mean(cid, valid)
    if near:
        return near.replace('did you mean "', f"did you mean {uid}/").replace('"?', "?")
    others = [f"{u}/{cid}" for u in chosen if u != uid and qual.units[u].criterion(cid)]
    if others:
        return f"did you mean {others[0]}?"
    return f"unit {uid} has: " + ", ".join(valid[:12]) + (" ..." if len(valid) > 12 else "")


def _check_file(
    ref: FileRef,
    ctx: _Context,
    pos: tuple[int, int] | None,
    v: Validator,
    hash_written: bool = False,
) -> None:
    """The attachment exists, is a file inside the portfolio, and matches its sha256.

    `hash_written`: a sha256 is written but was refused (E105 says so); no W304 then.
    Looked up once: where it leads and its stat are kept for the record store.
    """
    p = ref.path
    ctx.cache.named(p)
    if ctx.top is None:
        ctx.top = ctx.root.resolve()
    target, why, plain = look_up(ctx.root, p, ctx.top)
    if target is None:
        _refused(p, why, pos, v)
        return
    state = ctx.states[p] = _attachment_state(ctx.root, p, plain)
    if _not_a_file(p, state[2], pos, v):
        return
    if not ref.sha256:
        if not hash_written:
            v.add(
                pos,
                "W304",
                f'attached file "{p}" has no sha256 yet',
                "run `evitrack hash` to record it",
            )
        return
    rel = state[1] if plain is not None else None  # no link on its way: as written
    _compare_hash(ref, target, state[2], rel, ctx, pos, v)


def _refused(p: str, why: str | None, pos: tuple[int, int] | None, v: Validator) -> None:
    """E301 for a path that cannot name a file, E302 for one that leads outside."""
    if why and why.startswith("cannot exist"):  # a name too long
        shown = p if len(p) <= 80 else p[:60] + "..."
        v.add(pos, "E301", f'attached file "{shown}" {why}', "check the path and shorten it")
        return
    v.add(
        pos,
        "E302",
        f'attached file "{p}" {why}',
        f'give it a name of its own: `cp "{p}" copy && mv copy "{p}"` (its sha256 stays)'
        if why and "hard link" in why
        else "copy the file into the portfolio's files/ folder and give its relative path",
    )


def _not_a_file(p: str, key: list[int] | None, pos: tuple[int, int] | None, v: Validator) -> bool:
    """E301 for an attachment that does not exist, E305 for one that is not a file."""
    if key is None:
        v.add(
            pos,
            "E301",
            f'attached file "{p}" does not exist',
            "check the path (relative to the portfolio folder) or add the file",
        )
        return True
    if not stat.S_ISREG(key[5]):
        v.add(
            pos,
            "E305",
            f'attached path "{p}" is not a file',
            "attach the files inside it one by one, or a zip of them",
        )
        return True
    return False


def _compare_hash(
    ref: FileRef,
    target: Path,
    key: list[int],
    rel: str | None,
    ctx: _Context,
    pos: tuple[int, int] | None,
    v: Validator,
) -> None:
    """E303 for an attachment whose bytes are not those its sha256 was recorded from."""
    p = ref.path
    try:
        actual = ctx.cache.sha256(target, key[:4], rel)
    except OSError as exc:
        v.add(
            pos,
            "E305",
            f'attached file "{p}" cannot be read: {exc.strerror or exc}',
            "check the file's permissions",
        )
        return
    ref.actual = actual
    if actual != ref.sha256:
        v.add(
            pos,
            "E303",
            f'attached file "{p}" has changed since it was recorded (sha256 mismatch)',
            "if the change is intended, re-hash it with `evitrack hash`; otherwise restore the original",
        )
