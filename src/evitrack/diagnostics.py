"""Diagnostics: every problem evitrack finds in a user's file, with where it is.

Codes are stable (documented in the README). Ranges:
E0xx file and YAML, E1xx schema, E2xx references to the qualification,
E3xx attached files, W4xx assessment and currency, E5xx qualification files,
E7xx apprenticeship standards, the OTJ log and progress reviews, E8xx a caseload's
sampling policy and saved plans.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from evitrack import locate


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


# code -> (default severity, short name). The README's table of codes lists the same
# (tests/test_docs.py checks that it does).
CODES: dict[str, tuple[Severity, str]] = {
    "E001": (Severity.ERROR, "file cannot be read (permissions, encoding, a directory)"),
    "E002": (Severity.ERROR, "YAML syntax error"),
    "E003": (Severity.ERROR, "duplicate key"),
    "E004": (Severity.ERROR, "unresolved git merge-conflict markers"),
    "E005": (Severity.ERROR, "file is empty or not a mapping"),
    "E006": (Severity.ERROR, "file too large"),
    "E007": (Severity.ERROR, "YAML aliases/anchors expand too far"),
    "W008": (Severity.WARNING, "file in evidence/ that is not read as a record"),
    "E101": (Severity.ERROR, "unknown key"),
    "E102": (Severity.ERROR, "required field missing"),
    "E103": (Severity.ERROR, "wrong type"),
    "E104": (Severity.ERROR, "invalid date"),
    "E105": (Severity.ERROR, "invalid value"),
    "E106": (Severity.ERROR, "duplicate record id"),
    "E107": (Severity.ERROR, "id does not match the pattern"),
    "W108": (Severity.WARNING, "record ids that differ only in case"),
    "W109": (Severity.WARNING, "placeholder from `evitrack init` not yet replaced"),
    "E201": (Severity.ERROR, "unknown qualification"),
    "E202": (Severity.ERROR, "unknown unit"),
    "E203": (Severity.ERROR, "unknown criterion"),
    "E204": (Severity.ERROR, "evidence cites a unit that is not chosen"),
    "W205": (Severity.WARNING, "criterion or unit id written as a number"),
    "W206": (Severity.WARNING, "unit has no criteria text in the source document"),
    "E207": (Severity.ERROR, "unknown assessment method"),
    "W208": (Severity.WARNING, "assessment method not allowed for the unit"),
    "E703": (Severity.ERROR, "unknown KSB of the apprenticeship standard"),
    "E704": (Severity.ERROR, "unknown apprenticeship standard"),
    "E705": (Severity.ERROR, "OTJ entry dated before the start, in the future, or before its date"),
    "E706": (Severity.ERROR, "progress review signed before its date or in the future"),
    "E707": (Severity.ERROR, "progress review dated before the start, in the future, or misnamed"),
    "E708": (Severity.ERROR, "progress review signature with a name but no date, or no name"),
    "E301": (Severity.ERROR, "attached file missing"),
    "E302": (Severity.ERROR, "attached file outside the portfolio"),
    "E303": (Severity.ERROR, "attached file changed (sha256 mismatch)"),
    "W304": (Severity.WARNING, "attached file has no sha256 yet"),
    "E305": (Severity.ERROR, "attached path is not a regular file"),
    "W401": (Severity.WARNING, "record changed after it was accepted"),
    "W402": (Severity.WARNING, "evidence dated in the future"),
    "W403": (Severity.WARNING, "evidence older than the currency limit"),
    "W404": (Severity.WARNING, "criterion evidenced by witness testimony only"),
    "E405": (Severity.ERROR, "sign-off for a unit that is not chosen"),
    "W406": (Severity.WARNING, "record marked accepted without a fingerprint"),
    "W407": (Severity.WARNING, "sign-off dates out of order"),
    "W408": (Severity.WARNING, "decision recorded with an older fingerprint"),
    "W409": (Severity.WARNING, "sign-off void: the unit's accepted evidence changed"),
    "W410": (Severity.WARNING, "sign-off without a fingerprint of its evidence"),
    "W411": (Severity.WARNING, "decision not signed where signatures are required"),
    "W412": (Severity.WARNING, "signature of a decision does not verify"),
    "W413": (Severity.WARNING, "decision signed by someone not allowed to make it"),
    "W414": (Severity.WARNING, "signatures required but no list of allowed signers given"),
    "W415": (Severity.WARNING, "allowed_signers line left out"),
    "W706": (Severity.WARNING, "OTJ entry logged long after the training"),
    "W707": (Severity.WARNING, "OTJ entry not confirmed"),
    "W708": (Severity.WARNING, "OTJ activity type that does not count"),
    "W709": (Severity.WARNING, "OTJ hours behind, or a plan or minimum missing or short"),
    "W710": (Severity.WARNING, "next progress review overdue"),
    "W711": (Severity.WARNING, "progress review not signed by all three parties in time"),
    "W712": (Severity.WARNING, "next progress review planned beyond the rules' interval"),
    "W713": (Severity.WARNING, "KSBs cited by no record after the planned end"),
    "E501": (Severity.ERROR, "qualification file: duplicate id"),
    "E502": (Severity.ERROR, "qualification file: ids out of sequence"),
    "E503": (Severity.ERROR, "qualification file: reference to a missing unit or group"),
    "E504": (Severity.ERROR, "qualification file: rule needs data a unit lacks"),
    "E505": (Severity.ERROR, "qualification file: rules no selection can satisfy"),
    "E506": (Severity.ERROR, "qualification file: include cycle or missing include"),
    "E507": (Severity.ERROR, "qualification file: takes the id of a shipped qualification"),
    "W508": (Severity.WARNING, "qualification file: placeholder text still to fill in"),
    "W601": (Severity.WARNING, "the editors' record schema is out of date"),
    "E701": (Severity.ERROR, "standard file: duplicate id"),
    "E702": (Severity.ERROR, "standard file: mapping names a missing qualification, unit or KSB"),
    "E801": (Severity.ERROR, "sampling policy: unknown band"),
    "E802": (Severity.ERROR, "sampling policy: assessor with no decisions in the caseload"),
    "E803": (Severity.ERROR, "saved IQA plan changed after it was drawn"),
    "W804": (Severity.WARNING, "record changed after an IQA sampled it"),
}


class Message(NamedTuple):
    """The words of one problem: what is wrong, and how to fix it (None: no hint)."""

    message: str
    hint: str | None


# ---- one factory per problem that is reported in more than one place ------------------
# Each builds the words for its code, so a problem reads the same wherever it is found
# (a file's check, a command-line option, a qualification or standard file).


def unknown_unit(
    ref: object, qualification: str, names: Iterable[str], otherwise: str | None = "", at: str = ""
) -> Message:
    """E202: a unit id or alias the qualification does not have.

    `names`: what it may have meant (ids and aliases); `otherwise`: the hint when nothing
    is close ("": see the qualification; None: no hint); `at`: the reference it was cited
    in, shown after the qualification.
    """
    if otherwise == "":
        otherwise = f"see `evitrack qualification show {qualification}`"
    near = did_you_mean(str(ref), list(names))
    return Message(
        f'unknown unit "{ref}" in {qualification}' + (f" ({at})" if at else ""), near or otherwise
    )


def unknown_criterion(uid: str, cid: object, hint: str | None, at: str = "") -> Message:
    """E203: a criterion id the unit does not have (`at`: the reference it was cited in)."""
    return Message(f'unit {uid} has no criterion "{cid}"' + (f" ({at})" if at else ""), hint)


def unknown_method(name: object, hint: str | None) -> Message:
    """E207: an assessment method that is neither a method's name nor a form code."""
    return Message(f'unknown assessment method "{name}"', hint)


def unknown_ksb(kid: object, ksb_ids: Iterable[str]) -> Message:
    """E703: a KSB id the apprenticeship standard does not have."""
    ids = list(ksb_ids)
    return Message(
        f'the apprenticeship standard has no KSB "{kid}"',
        did_you_mean(str(kid), ids) or "its KSBs: " + ", ".join(ids),
    )


def not_a_date(where: str, raw: object, hint: str | None = "write dates as YYYY-MM-DD") -> Message:
    """E104: text that is not a date written YYYY-MM-DD (`where`: "date:" or "--date")."""
    return Message(f'{where} "{raw}" is not a date in the form YYYY-MM-DD', hint)


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place. `line` and `col` are 1-based; 0 means unknown."""

    file: str
    line: int
    col: int
    code: str
    message: str
    hint: str | None = field(default=None, compare=False)
    severity: Severity = field(default=Severity.ERROR, compare=False)

    @property
    def headline(self) -> str:
        """`file:line:col: severity[code]: message`: the problem on one line, without its hint."""
        where = self.file
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        return f"{where}: {self.severity.value}[{self.code}]: {self.message}"

    def format(self) -> str:
        return self.headline + (f"\n    hint: {self.hint}" if self.hint else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


def diagnostic_from_json(root: Path, data: dict[str, object], token: str = "") -> Diagnostic:
    """A diagnostic from its JSON (`Diagnostic.to_json`, cached), its file relative to the
    portfolio `root` or computed under `locate.portable` with `token`; its paths shown
    relative to the current folder."""
    file = str(data["file"])
    hint = data["hint"]
    return Diagnostic(
        file=locate.localized(root, token, file) if token else locate.display_path(root / file),
        line=int(str(data["line"])),
        col=int(str(data["col"])),
        code=str(data["code"]),
        message=locate.localized(root, token, str(data["message"])),
        hint=None if hint is None else locate.localized(root, token, str(hint)),
        severity=Severity(str(data["severity"])),
    )


def make(
    file: str | Path,
    pos: tuple[int, int] | None,
    code: str,
    message: str,
    hint: str | None = None,
) -> Diagnostic:
    """Build a diagnostic with the code's default severity."""
    line, col = pos if pos else (0, 0)
    return Diagnostic(
        file=printable(str(file)),
        line=line,
        col=col,
        code=code,
        message=printable(message),
        hint=None if hint is None else printable(hint),
        severity=CODES[code][0],
    )


# Characters that must not reach a terminal or a `path:line:col` line as they are:
# C0/C1 controls (escape sequences, NUL, newlines), line/paragraph separators, and the
# bidirectional overrides that make text display in another order than it reads, and
# lone surrogates (they cannot be written as UTF-8 at all). Compiled on first use, so
# that a run printing nothing of a user's does not pay for it at import.
_UNSAFE_CHARS = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"


def printable(text: str) -> str:
    """Text from a user's file made safe to print: unsafe characters become escapes."""
    unsafe = _unsafe()
    if not unsafe.search(text):
        return text
    return unsafe.sub(lambda m: _escape(m.group()), text)


@functools.cache
def _unsafe() -> re.Pattern[str]:
    return re.compile(_UNSAFE_CHARS)


def _escape(ch: str) -> str:
    code = ord(ch)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if ch in named:
        return named[ch]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 error', '3 errors', '2 criteria' (with `many`)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """'did you mean X?' for the closest choice, case-insensitively, or None."""
    if not isinstance(word, str):
        return None
    pool = sorted(c for c in choices if isinstance(c, str))
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered:
        return f'did you mean "{lowered[word.lower()]}"?'
    if word.isdigit():  # "1" for "01", "0810" for "810"
        for c in pool:
            if c.isdigit() and c.lstrip("0") == word.lstrip("0"):
                return f'did you mean "{c}"?'
    import difflib  # here: most runs suggest nothing

    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    if close:
        return f'did you mean "{lowered[close[0]]}"?'
    return None


def has_errors(diagnostics: list[Diagnostic], strict: bool = False) -> bool:
    if strict:
        return any(d.severity in (Severity.ERROR, Severity.WARNING) for d in diagnostics)
    return any(d.severity is Severity.ERROR for d in diagnostics)


def error_lines(diagnostics: Iterable[Diagnostic]) -> list[str]:
    """The headline of each error, in order (for messages that name what is wrong)."""
    return [d.headline for d in diagnostics if d.severity is Severity.ERROR]
