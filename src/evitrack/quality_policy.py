"""The sampling policy of a caseload: sampling.yaml at its root, read and checked.

Everything here returns data or raises `UserError`; nothing prints or exits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evitrack import locate, yamlio
from evitrack.diagnostics import Diagnostic, Severity, did_you_mean, make
from evitrack.errors import UserError

POLICY_FILE = "sampling.yaml"
DEFAULT_BAND = "new"


@dataclass
class Policy:
    bands: dict[str, int]
    assessors: dict[str, str]
    cover: list[str]
    stages: list[str]
    start: dt.date | None = None
    end: dt.date | None = None

    def band(self, assessor: str) -> str:
        return self.assessors.get(assessor, DEFAULT_BAND)

    def percent(self, assessor: str) -> int:
        return self.bands.get(self.band(assessor), 100)  # an unknown band samples everything

    def in_period(self, when: dt.date | None) -> bool:
        if when is None:
            return self.start is None and self.end is None
        return (self.start is None or when >= self.start) and (self.end is None or when <= self.end)


@dataclass
class PolicyFile:
    path: Path
    policy: Policy | None  # None: the file cannot be used
    diagnostics: list[Diagnostic]
    raw: Any = None


def load_policy(caseload: Path) -> PolicyFile:
    """sampling.yaml at the caseload's root, validated against its schema."""
    from evitrack.schema import SAMPLING, Validator

    path = caseload / POLICY_FILE
    shown = locate.display_path(path)
    if path.is_symlink():
        raise UserError(
            f"{shown} is a symbolic link; evitrack reads the policy from a real file only",
            "replace the link with the file it points to",
        )
    if not path.is_file():
        raise UserError(
            f"{shown}: no sampling policy here",
            "write sampling.yaml at the caseload's root (see `evitrack schema sampling`)",
        )
    try:
        text, raw = yamlio.load(path)
    except yamlio.YamlProblem as p:
        return PolicyFile(path, None, [make(shown, (p.line, p.col), p.code, p.message, p.hint)])
    if not isinstance(raw, dict):
        what = "empty" if raw is None else "not a mapping"
        d = make(
            shown, (1, 1), "E005", f"{POLICY_FILE} is {what}", "see `evitrack schema sampling`"
        )
        return PolicyFile(path, None, [d])
    v = Validator(shown, text)
    data = v.mapping(raw, SAMPLING, (1, 1), "")
    diags = list(v.diagnostics)
    assessors = dict(data.get("assessors") or {})
    diags += _unnamed_bands(shown, raw, assessors)
    period = data.get("period") or {}
    start, end = period.get("from"), period.get("to")
    if start and end and start > end:
        where = yamlio.value_pos(raw, "period")
        what = f"period: from {start.isoformat()} is after to {end.isoformat()}"
        diags.append(make(shown, where, "E105", what, "swap the two dates"))
    if any(d.severity is Severity.ERROR for d in diags):
        return PolicyFile(path, None, diags, raw)
    policy = Policy(
        {k: n for k, n in (data.get("bands") or {}).items() if n is not None},
        {k: b for k, b in assessors.items() if b},
        [c for c in data.get("cover") or [] if c],
        [s for s in data.get("stages") or [] if s],
        start,
        end,
    )
    return PolicyFile(path, policy, diags, raw)


def _unnamed_bands(shown: str, raw: dict[Any, Any], assessors: dict[str, Any]) -> list[Diagnostic]:
    """E801 for each assessor put in a band that `bands` does not name."""
    raw_assessors = raw.get("assessors") if isinstance(raw.get("assessors"), dict) else {}
    named = [str(k) for k in raw["bands"]] if isinstance(raw.get("bands"), dict) else []
    out = []
    for name, band in list(assessors.items()):
        if band is not None and band not in named and named:
            pos = yamlio.value_pos(raw_assessors, name)
            out.append(
                make(
                    shown,
                    pos,
                    "E801",
                    f'assessor "{name}" is in band "{band}", which `bands` does not name',
                    did_you_mean(band, named) or "bands: " + ", ".join(named),
                )
            )
    return out


def unknown_assessors(pf: PolicyFile, seen: set[str]) -> list[Diagnostic]:
    """E802 for each assessor the policy names who made no decision in the caseload."""
    raw = pf.raw.get("assessors") if isinstance(pf.raw, dict) else None
    if not isinstance(raw, dict):
        return []
    out = []
    for key in raw:
        name = str(key)
        if name in seen:
            continue
        out.append(
            make(
                locate.display_path(pf.path),
                yamlio.key_pos(raw, key),
                "E802",
                f'assessor "{name}" made no decision in any portfolio of this caseload',
                did_you_mean(name, sorted(seen))
                or ("assessors with decisions: " + ", ".join(sorted(seen)) if seen else None),
            )
        )
    return out
