"""What a valid file is, declared as data, with a validator and a JSON Schema export.

The same declarations drive `check` (with positions and "did you mean") and
`evitrack schema` (for editors), so the two can never disagree.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evitrack import yamlio
from evitrack.diagnostics import Diagnostic, did_you_mean, make, not_a_date
from evitrack.rules import COMMON_KEYS, KINDS, SHAPES

if TYPE_CHECKING:
    from evitrack.model import Qualification

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SURROGATE = re.compile("[\ud800-\udfff]")  # from a "\udc80" escape: not a character


@dataclass
class Node:
    """One node of a schema. `type`: str, text, int, number, bool, date, id, list, map, dict,
    any (`number`: a whole number or a decimal, such as 37.5)."""

    type: str
    description: str = ""
    required: bool = False
    nullable: bool = False
    keys: dict[str, Node] = field(default_factory=dict)  # for "map": fixed keys
    values: Node | None = None  # for "dict": free keys -> values; for "list": items
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    one_of: tuple[Node, ...] = ()  # alternatives (validated loosely: first type match)
    min_items: int = 0  # list or dict: how many entries at least
    example: str = ""  # what a value looks like, for the hint when it is missing or empty
    all_of: tuple[dict[str, Any], ...] = ()  # "map": more JSON Schema (editors' checks only)


def text_node(description: str = "", **kw: Any) -> Node:
    return Node("str", description, **kw)


def map_node(description: str, keys: dict[str, Node], **kw: Any) -> Node:
    return Node("map", description, keys=keys, **kw)


ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
QUALIFICATION_ID_PATTERN = r"^[a-z0-9][a-z0-9\-]*$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
PATTERN_TEXT = {  # what an id may hold, for the message when it does not match
    ID_PATTERN: 'may use letters, digits, ".", "-" and "_" only',
    QUALIFICATION_ID_PATTERN: 'may use lower-case letters, digits and "-" only',
}
# Unit, outcome, criterion, group and rule ids in a qualification file: printable ASCII
# without spaces (EDI's "2.2(2)" and NCFE's "L/506/2150" are fine). A pasted no-break space
# or a full-width digit would pass as a different id, and a learner citing "2.1" would be
# told the unit has no criterion "2.1".
PART_ID_PATTERN = r"^[!-~]+$"

_CHAR_NAMES = {"\t": "tab", "\n": "line break", "\r": "carriage return", " ": "space"}
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")


def char_name(ch: str) -> str:
    """A character as a message names it: "U+00A0 no-break space"."""
    name = _CHAR_NAMES.get(ch) or unicodedata.name(ch, "").lower() or "control character"
    return f"U+{ord(ch):04X} {name}"


def explain_part_id(value: str) -> tuple[str, str]:
    """(what is wrong, how to mend it) for an id that is not printable ASCII without spaces."""
    at, bad = next((i, ch) for i, ch in enumerate(value) if not "!" <= ch <= "~")
    where = " at the end" if at == len(value) - 1 else " at the start" if at == 0 else ""
    what = f"holds the character {char_name(bad)}{where}"
    mended = "".join(unicodedata.normalize("NFKC", value).translate(_DASHES).split())
    if mended and re.match(PART_ID_PATTERN, mended):
        return what, f'write it as "{mended}" (ASCII letters, digits and punctuation, no spaces)'
    return what, "use ASCII letters, digits and punctuation only, with no spaces"


# pattern -> (value -> (what is wrong, how to mend it)), for ids whose problem is worth naming
PATTERN_EXPLAIN: dict[str, Callable[[str], tuple[str, str]]] = {
    PART_ID_PATTERN: explain_part_id,
}
PATTERN_PROBLEM = {  # what a text of a pattern should be, and how to mend it
    SHA256_PATTERN: (
        "is not a sha256 (64 characters, 0-9 and a-f)",
        "run `evitrack hash` to write the file's real sha256",
    ),
}

ASSESSMENT = map_node(
    "Written by `evitrack assess`: the assessor's decision on this record.",
    {
        "decision": Node(
            "str", "accepted or referred", required=True, enum=("accepted", "referred")
        ),
        "assessor": text_node("assessor's name", required=True),
        "date": Node("date", "date of the decision", required=True),
        "comment": text_node("feedback to the learner", nullable=True),
        "fingerprint": text_node(
            "of the record and this decision, written by `evitrack assess`", nullable=True
        ),
        "signer": text_node(
            "who signed the decision: a principal of the centre's allowed_signers (an email)",
            nullable=True,
        ),
        "signature": text_node(
            "the assessor's SSH signature of the decision (`evitrack assess --key`)",
            nullable=True,
        ),
    },
)

FILE_ENTRY = map_node(
    "An attached file, inside the portfolio.",
    {
        "path": text_node(
            "path relative to the portfolio folder, e.g. files/obs-2026-03-14.pdf",
            required=True,
            pattern=r"^[^\x00-\x1f\x7f]+$",  # no NUL, newline or other control character
        ),
        "sha256": Node("str", "filled in by evitrack", nullable=True, pattern=SHA256_PATTERN),
    },
)

RECORD = map_node(
    "An evitrack evidence record (evidence/*.yaml).",
    {
        "id": Node(
            "id", "unique within the portfolio, e.g. E0001", required=True, pattern=ID_PATTERN
        ),
        "title": text_node("a short title", required=True, example="title: Observed at the desk"),
        "date": Node("date", "when the evidence was produced (YYYY-MM-DD)", required=True),
        "methods": Node(
            "list",
            "assessment methods: observation, witness-testimony, product, questioning, "
            "professional-discussion, reflective-account, candidate-report, simulation, "
            "recognition-of-prior-learning, other (EDI codes Obs, P, Q, Sim, Wt, A, Ot accepted)",
            required=True,
            values=text_node(),
            min_items=1,
            example="methods: [observation]",
        ),
        "description": Node(
            "text", "what happened, in the learner's or assessor's words", required=True
        ),
        "criteria": Node(
            "dict",
            'unit id -> list of criterion ids of that unit, e.g. CU791: ["1.1", "1.2"]',
            required=True,
            values=Node("list", values=Node("id")),
            min_items=1,
            example='criteria: {"09": ["1.1"]}',
        ),
        "files": Node("list", "attached files", values=FILE_ENTRY, nullable=True),
        "location": text_node("where evidence held elsewhere can be found", nullable=True),
        "ksbs": Node(
            "list",
            "the apprenticeship standard's knowledge, skills and behaviours this evidence "
            "shows, e.g. [K1, S6]",
            values=Node("id"),
            nullable=True,
        ),
        "assessment": ASSESSMENT,
    },
)

SIGNOFF = map_node(
    "Unit sign-off, as on the claim-to-competence form.",
    {
        "assessed": Node("date", "summative assessment date", nullable=True),
        "learner": text_node("learner's initials", nullable=True),
        "learner_date": Node("date", nullable=True),
        "assessor": text_node("assessor's initials", nullable=True),
        "assessor_date": Node("date", nullable=True),
        "iv": text_node("internal verifier's initials (if sampled)", nullable=True),
        "iv_date": Node("date", nullable=True),
        "fingerprint": text_node(
            "of the unit's accepted evidence when it was signed (written by `evitrack sign`)",
            nullable=True,
        ),
        **{
            f"{role}_{what}": text_node(
                f"{text} of the {role} (`evitrack sign --key`)", nullable=True
            )
            for role in ("learner", "assessor", "iv")
            for what, text in (
                ("signer", "the allowed_signers principal"),
                ("signature", "the SSH signature"),
            )
        },
    },
)

IQA_DECISION = map_node(
    "An internal quality assurer's decision on a sampled unit.",
    {
        "unit": Node("id", "the unit sampled", required=True),
        "decision": text_node("agreed or disagreed", required=True, enum=("agreed", "disagreed")),
        "iqa": text_node("the internal quality assurer's name", required=True),
        "date": Node("date", "the date of the decision", required=True),
        "comment": Node("text", "what the assessor is to do, or why the IQA agrees", nullable=True),
        "records": Node("list", "the records looked at", values=Node("id"), nullable=True),
        "snapshot": Node(
            "dict",
            "record id (or `signoff`) -> its fingerprint when the decision was made",
            values=text_node(nullable=True),
            nullable=True,
        ),
        "plan": text_node("the saved plan that sampled the unit", nullable=True),
        "note": Node("text", "e.g. that the plan did not sample this unit", nullable=True),
    },
)

PORTFOLIO = map_node(
    "An evitrack portfolio (evitrack.yaml).",
    {
        "qualification": text_node(
            "a shipped qualification id (see `evitrack qualification list`) or a relative path "
            "to a qualification file inside the portfolio",
            required=True,
        ),
        "learner": map_node(
            "the learner",
            {
                "name": text_node("full name", required=True),
                "registration": Node("id", "registration / candidate number", required=True),
                "uln": Node(
                    "id",
                    "Unique Learner Number, where recorded (for the claim list)",
                    nullable=True,
                ),
            },
            required=True,
        ),
        "centre": map_node(
            "the centre",
            {"name": text_node(nullable=True), "number": Node("id", nullable=True)},
        ),
        "units": Node(
            "list",
            "the chosen units (mandatory units are always included)",
            required=True,
            values=Node("id"),
        ),
        "signoffs": Node("dict", "unit id -> sign-off", values=SIGNOFF, nullable=True),
        "statement": map_node(
            "the learner statement for the claim-to-competence form (`evitrack claim`): one "
            "key per point the form asks for, each in the learner's words; `assessor` holds "
            "the assessor's summative statement",
            {
                "completed": Node(
                    "text",
                    "how you completed the units/award and what you have learnt "
                    "from the experience",
                    nullable=True,
                ),
                "role": Node(
                    "text",
                    "how long you have been in your current role and working towards "
                    "this qualification",
                    nullable=True,
                ),
                "methods": Node(
                    "text", "the assessment methods used to show your competence", nullable=True
                ),
                "impact": Node(
                    "text", "how this has affected the way you approach your job", nullable=True
                ),
                "assessor": Node(
                    "text",
                    "the assessor's summative statement (written by the assessor)",
                    nullable=True,
                ),
            },
            nullable=True,
        ),
        "apprenticeship": map_node(
            "the apprenticeship this portfolio belongs to",
            {
                "standard": text_node(
                    "a shipped standard id (see `evitrack standard list`) or a relative path "
                    "to a standard file inside the portfolio",
                    required=True,
                ),
                "start": Node("date", "the start of the apprenticeship", required=True),
                "end": Node("date", "the planned end of the practical period", nullable=True),
                "weekly_hours": Node(
                    "number",
                    "contracted paid hours a week, e.g. 37.5",
                    nullable=True,
                    minimum=1,
                    maximum=168,
                ),
                "otj_planned_hours": Node(
                    "number",
                    "the provider's planned off-the-job training hours",
                    nullable=True,
                    minimum=0,
                ),
                "gateway": map_node(
                    "the employer's confirmation that the apprentice is ready for end-point "
                    "assessment, written by `evitrack gateway confirm`",
                    {
                        "employer": text_node("who confirmed it for the employer", required=True),
                        "date": Node("date", "when", required=True),
                    },
                    nullable=True,
                ),
            },
            nullable=True,
        ),
        "iqa": Node(
            "list",
            "internal quality assurance decisions, written by `evitrack iqa record`",
            values=IQA_DECISION,
            nullable=True,
        ),
        "settings": map_node(
            "portfolio settings",
            {
                "currency_years": Node(
                    "int",
                    "warn about evidence older than this many years",
                    nullable=True,
                    minimum=1,
                    maximum=100,
                ),
                "record_prefix": text_node("prefix for new record ids (default E)", nullable=True),
                "signatures": Node(
                    "str",
                    "required: decisions count only when signed by a key in the centre's "
                    "allowed_signers (see docs/signing.md); optional (the default): "
                    "signatures are checked where present",
                    nullable=True,
                    enum=("required", "optional"),
                ),
                "otj_late_days": Node(
                    "int",
                    "warn about OTJ entries logged more than this many days after the "
                    "training (default 30)",
                    nullable=True,
                    minimum=0,
                    maximum=3650,
                ),
                "review_sign_days": Node(
                    "int",
                    "warn about a progress review not signed by all three parties this many "
                    "days after it (default 30)",
                    nullable=True,
                    minimum=0,
                    maximum=3650,
                ),
            },
        ),
    },
)


# ---- validation ----------------------------------------------------------------------


def type_name(value: Any) -> str:
    if isinstance(value, yamlio.HugeNumber):
        return value.describe()
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        shown = str(value) if isinstance(value, float) or abs(value) < 10**15 else ""
        return f"the number {shown}" if shown else f"a number {len(str(abs(value)))} digits long"
    if isinstance(value, (dt.date, dt.datetime)):
        return "a date"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, AbstractSet):
        return "a set"
    if isinstance(value, (bytes, bytearray)):
        return "binary data (!!binary)"
    tag = getattr(value, "tag", None)  # ruamel's TaggedScalar and friends
    tag = getattr(tag, "value", tag)
    if isinstance(tag, str) and tag:
        return f"a value with the tag {tag.replace('tag:yaml.org,2002:', '!!')}"
    return "a value of an unknown kind"


def key_label(key: Any) -> str:
    """A mapping key as the user would recognise it in a message."""
    if key is None:
        return "(empty)"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, tuple):
        return "[" + ", ".join(key_label(k) for k in key) + "]"
    if isinstance(key, (dt.date, dt.datetime)):
        return key.isoformat()
    if isinstance(key, (str, int, float)):
        return str(key)
    return type_name(key)


def _fill_in(node: Node) -> str:
    """The hint for a missing or empty value: a required one cannot just be removed."""
    if not node.required:
        return "give it a value or remove the key"
    return "it is required: fill it in" + (f", e.g. {node.example}" if node.example else "")


class Validator:
    """Validate loaded YAML against a schema Node, collecting diagnostics.

    `text` is the file's source, used to recover numbers as written (1.10 stays 1.10).
    """

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.diagnostics: list[Diagnostic] = []

    def add(
        self, pos: tuple[int, int] | None, code: str, message: str, hint: str | None = None
    ) -> None:
        self.diagnostics.append(make(self.file, pos, code, message, hint))

    def unreadable(self, value: Any, pos: tuple[int, int] | None, where: str) -> bool:
        """Report a value nothing may use as it is: a number thousands of digits long, or
        text holding a lone surrogate (which cannot be written out as UTF-8)."""
        if (value.__class__ is str and value.isascii()) or not isinstance(value, str):
            return False  # the usual case, said at once
        if isinstance(value, yamlio.HugeNumber):
            self.add(
                pos,
                "E105",
                f"{where} is {value.describe()}",
                "no number in these files is anywhere near that long: check what was meant",
            )
            return True
        if isinstance(value, str):
            m = SURROGATE.search(value)
            if m:
                self.add(
                    pos,
                    "E105",
                    f"{where} holds U+{ord(m.group()):04X}, a lone surrogate: half of a pair "
                    "of codes, not a character, so it cannot be printed or saved",
                    f"delete the escape \\u{ord(m.group()):04x} (or write the character itself)",
                )
                return True
        return False

    def scalar_id(self, value: Any, pos: tuple[int, int] | None, what: str) -> str | None:
        """An id written as text; a bare number is recovered as written, with a warning."""
        if self.unreadable(value, pos, what):
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
            self.add(
                pos,
                "E103",
                f"{what} must be text, not {type_name(value)}",
                'write ids as quoted text, e.g. "1.1"',
            )
            return None
        if isinstance(value, (int, float, dt.date)):
            raw = yamlio.raw_scalar(self.text, pos) if pos else None
            if raw is None:
                raw = str(value)
            raw = raw.strip("'\"")
            self.add(
                pos,
                "W205",
                f"{what} is written as a number ({raw})",
                f'quote it so it stays exactly as written: "{raw}"',
            )
            return raw
        self.add(pos, "E103", f"{what} must be text, not {type_name(value)}")
        return None

    def check(self, value: Any, node: Node, pos: tuple[int, int] | None, where: str) -> Any:
        """Validate one value; returns the value (ids recovered as text) or None if invalid."""
        if value is None:
            if node.nullable:
                return None
            self.add(pos, "E103", f"{where} is empty", _fill_in(node))
            return None
        t = node.type
        if t != "id" and self.unreadable(value, pos, where):  # (an id: scalar_id says it)
            return None
        if t == "any":
            return value
        by_type = _CHECKS.get(t)
        if by_type is None:
            raise AssertionError(t)
        return by_type(self, value, node, pos, where)

    def _text(self, value: Any, node: Node, pos: tuple[int, int] | None, where: str) -> Any:
        """A "str" or "text" value: in its enum, not blank if required, matching its pattern."""
        if not isinstance(value, str) or isinstance(value, yamlio.InvalidDate):
            return self._not_text(value, pos, where)
        if node.enum and value not in node.enum:
            hint = did_you_mean(value, node.enum) or "use one of: " + ", ".join(node.enum)
            self.add(pos, "E105", f'{where}: "{value}" is not one of {", ".join(node.enum)}', hint)
            return None
        if node.type == "str" and node.required and not value.strip():
            self.add(pos, "E103", f"{where} is empty", _fill_in(node))
            return None
        if node.pattern and not re.match(node.pattern, value):
            if not value.strip():
                self.add(pos, "E103", f"{where} is empty", _fill_in(node))
            elif re.search(r"[\x00-\x1f\x7f]", value):
                self.add(
                    pos,
                    "E105",
                    f'{where}: "{value}" holds a control character',
                    "write it on one line, without escapes such as \\0 or \\n",
                )
            else:
                what, fix = PATTERN_PROBLEM.get(node.pattern, ("is not valid", None))
                self.add(pos, "E105", f'{where}: "{value}" {what}', fix)
            return None
        return value

    def _not_text(self, value: Any, pos: tuple[int, int] | None, where: str) -> Any:
        """Where text is wanted: a number or date recovered as written, anything else E103."""
        if isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
            raw = yamlio.raw_scalar(self.text, pos)
            if raw is None and not self.text:
                # parsed without the source (the fast path): the text as written is
                # unknown here, so ask for the round-trip parse, which recovers it
                self.add(pos, "W205", f"{where} is written as a number")
                return None
            return raw.strip("'\"") if raw else str(value)
        self.add(pos, "E103", f"{where} must be text, not {type_name(value)}")
        return None

    def _id(self, value: Any, node: Node, pos: tuple[int, int] | None, where: str) -> Any:
        """An "id": text (a bare number recovered as written), not blank, matching its pattern."""
        got = self.scalar_id(value, pos, where)
        if got is not None and not got.strip():
            self.add(pos, "E103", f"{where} is empty", _fill_in(node))
            return None
        if got is not None and node.pattern and not re.match(node.pattern, got):
            explain = PATTERN_EXPLAIN.get(node.pattern)
            if explain:
                wrong, mend = explain(got)
                self.add(pos, "E107", f'{where} "{got}" {wrong}', mend)
                return None
            allowed = PATTERN_TEXT.get(node.pattern, f"must match {node.pattern}")
            self.add(pos, "E107", f'{where} "{got}" {allowed}')
        return got

    def _int(self, value: Any, node: Node, pos: tuple[int, int] | None, where: str) -> Any:
        """An "int": a whole number within its bounds."""
        if isinstance(value, int) and not isinstance(value, bool):
            lo, hi = node.minimum, node.maximum
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                span = (
                    f"{lo:,}"
                    if lo == hi
                    else f"from {lo:,} to {hi:,}"
                    if lo is not None and hi is not None
                    else f"at least {lo:,}"
                    if lo is not None
                    else f"at most {hi:,}"
                )
                self.add(
                    pos, "E105", f"{where} is {value}: it must be {span}", node.description or None
                )
                return None
            return value
        unquote = None  # "5": a number in quotes; 12.5: a fraction
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            unquote = f"write the number without quotes: {value.strip()}"
        elif isinstance(value, float):
            unquote = "write a whole number, without a decimal point"
        self.add(pos, "E103", f"{where} must be a whole number, not {type_name(value)}", unquote)
        return None

    def _number(self, value: Any, node: Node, pos: tuple[int, int] | None, where: str) -> Any:
        """A "number": whole or decimal, finite, within its bounds."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if value != value or value in (float("inf"), float("-inf")):
                self.add(pos, "E105", f"{where} is {value}: it must be a number of hours")
                return None
            lo, hi = node.minimum, node.maximum
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                span = (
                    f"from {lo} to {hi}"
                    if lo is not None and hi is not None
                    else f"at least {lo}"
                    if lo is not None
                    else f"at most {hi}"
                )
                self.add(pos, "E105", f"{where} is {value}: it must be {span}", node.description)
                return None
            return value
        unquote = None
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value):
            unquote = f"write the number without quotes: {value.strip()}"
        self.add(pos, "E103", f"{where} must be a number, not {type_name(value)}", unquote)
        return None

    def _bool(self, value: Any, node: Node, pos: tuple[int, int] | None, where: str) -> Any:
        if isinstance(value, bool):
            return value
        self.add(pos, "E103", f"{where} must be true or false, not {type_name(value)}")
        return None

    def _date(self, value: Any, node: Node, pos: tuple[int, int] | None, where: str) -> Any:
        return self.date(value, pos, where)

    def _list(self, value: Any, node: Node, pos: tuple[int, int] | None, where: str) -> Any:
        """A "list": at least `min_items`, each item checked against `node.values`."""
        if not isinstance(value, list):
            self._not_list(value, node, pos, where)
            return None
        if len(value) < node.min_items:
            self.add(pos, "E103", f"{where} is empty", _fill_in(node))
            return None
        items = node.values
        if items is None:
            return list(value)
        placed = yamlio.has_positions(value)  # plain data (the fast path) has none
        return [
            self.check(
                item, items, (placed and yamlio.item_pos(value, i)) or pos, f"{where}[{i + 1}]"
            )
            for i, item in enumerate(value)
        ]

    def _not_list(self, value: Any, node: Node, pos: tuple[int, int] | None, where: str) -> None:
        """E103 where a list is wanted, with the list to write when one value was meant."""
        if isinstance(value, (str, int, float)) and node.values is not None:
            if isinstance(value, str):  # "1.1, 1.2" meant two items
                items = [v.strip() for v in value.split(",") if v.strip()] or [value]
            else:  # a number as written (1.10, not 1.1)
                items = [(yamlio.raw_scalar(self.text, pos) or str(value)).strip("'\"")]
            shown = ", ".join(f'"{i}"' for i in items)
            self.add(
                pos,
                "E103",
                f"{where} must be a list, not {type_name(value)}",
                f"write it as a list: [{shown}]",
            )
        else:
            self.add(pos, "E103", f"{where} must be a list, not {type_name(value)}")

    def _dict(self, value: Any, node: Node, pos: tuple[int, int] | None, where: str) -> Any:
        """A "dict": free keys (ids, as text), each value checked against `node.values`."""
        if not isinstance(value, dict):
            self.add(pos, "E103", f"{where} must be a mapping, not {type_name(value)}")
            return None
        if len(value) < node.min_items:
            self.add(pos, "E103", f"{where} is empty", _fill_in(node))
            return None
        placed = yamlio.has_positions(value)
        out: dict[str, Any] = {}
        for k, v in value.items():
            kpos = (placed and yamlio.key_pos(value, k)) or pos
            key = self.scalar_id(k, kpos, f"key {key_label(k)} in {where}")
            if key is None:
                continue
            vpos = (placed and yamlio.value_pos(value, k)) or kpos
            out[key] = self.check(v, node.values, vpos, f"{where}.{key}") if node.values else v
        return out

    def _map(self, value: Any, node: Node, pos: tuple[int, int] | None, where: str) -> Any:
        return self.mapping(value, node, pos, where)

    def mapping(self, value: Any, node: Node, pos: tuple[int, int] | None, where: str) -> Any:
        if not isinstance(value, dict):
            self.add(
                pos,
                "E103" if where else "E005",
                f"{where or 'the file'} must be a mapping of keys to values, not {type_name(value)}",
            )
            return None
        out: dict[str, Any] = {}
        placed = yamlio.has_positions(value)  # plain data (the fast path) has none
        for k, v in value.items():
            kpos = (placed and yamlio.key_pos(value, k)) or pos
            name = k if isinstance(k, str) else key_label(k)
            if name not in node.keys:
                label = f"{where}.{name}" if where else name
                self.add(
                    kpos,
                    "E101",
                    f'unknown key "{label}"',
                    did_you_mean(name, list(node.keys)) or "known keys: " + ", ".join(node.keys),
                )
                continue
            vpos = (placed and yamlio.value_pos(value, k)) or kpos
            out[name] = self.check(v, node.keys[name], vpos, f"{where}.{name}" if where else name)
        for name, sub in node.keys.items():
            if sub.required and name not in value:
                label = f"{where}.{name}" if where else name
                self.add(
                    pos,
                    "E102",
                    f'required field "{label}" is missing',
                    f"add `{name}:` ({sub.description})"
                    if sub.description
                    else f"add {sub.example}"
                    if sub.example
                    else f"add `{name}:` (see `evitrack schema`)",
                )
        return out

    def date(self, value: Any, pos: tuple[int, int] | None, where: str) -> dt.date | None:
        got = yamlio.as_date(value)
        if got is not None:
            return got
        raw = str(value)
        if isinstance(value, yamlio.InvalidDate):
            self.add(pos, "E104", f'{where}: "{raw}" is not a real date', "check the day and month")
            return None
        if isinstance(value, str) and _real_date(value.strip()):
            # quoted (a bare 2026-11-25 is read as a date): it is text, and a date is a date
            key = where.rsplit(".", 1)[-1]
            self.add(
                pos,
                "E104",
                f'{where}: "{raw}" is in quotes, so it is text, not a date',
                f"remove the quotes: {key}: {value.strip()}",
            )
            return None
        if isinstance(value, str):
            m = re.match(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$", value.strip())
            hint = "write dates as YYYY-MM-DD"
            if m:
                day, month, year = (int(x) for x in m.groups())
                with contextlib.suppress(ValueError):
                    hint = f"write dates as YYYY-MM-DD: {dt.date(year, month, day).isoformat()}"
            self.add(pos, "E104", *not_a_date(f"{where}:", raw, hint))
            return None
        self.add(pos, "E104", f"{where} must be a date (YYYY-MM-DD), not {type_name(value)}")
        return None


_CHECKS: dict[str, Callable[[Validator, Any, Node, tuple[int, int] | None, str], Any]] = {
    "str": Validator._text,
    "text": Validator._text,
    "id": Validator._id,
    "int": Validator._int,
    "number": Validator._number,
    "bool": Validator._bool,
    "date": Validator._date,
    "list": Validator._list,
    "dict": Validator._dict,
    "map": Validator._map,
}


def _real_date(text: str) -> bool:
    try:
        return bool(DATE_RE.match(text)) and bool(dt.date.fromisoformat(text))
    except ValueError:
        return False


# ---- JSON Schema export -----------------------------------------------------------


def to_json_schema(node: Node, title: str | None = None) -> dict[str, Any]:
    out = _json(node)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    if title:
        out["title"] = title
    return out


def _json(node: Node) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if node.description:
        d["description"] = node.description
    if node.type in ("list", "dict", "map"):
        d |= _json_container(node)
    else:
        d |= _json_scalar(node)
    if node.nullable and "type" in d:
        d["type"] = [d["type"], "null"]
    return d


def _json_scalar(node: Node) -> dict[str, Any]:
    """The JSON Schema type and limits of a text, id, number, yes/no or date node."""
    d: dict[str, Any] = {}
    t = node.type
    if t in ("str", "text"):
        d["type"] = "string"
        if node.enum:
            d["enum"] = list(node.enum)
        if node.pattern:
            d["pattern"] = node.pattern
    elif t == "id":
        d["type"] = "string"
        if node.pattern:
            d["pattern"] = node.pattern
    elif t in ("int", "number"):
        d["type"] = "integer" if t == "int" else "number"
        if node.minimum is not None:
            d["minimum"] = node.minimum
        if node.maximum is not None:
            d["maximum"] = node.maximum
    elif t == "bool":
        d["type"] = "boolean"
    elif t == "date":
        d["type"] = "string"
        d["format"] = "date"
    return d


def _json_container(node: Node) -> dict[str, Any]:
    """The JSON Schema of a list, a dict of like values or a map of declared keys."""
    d: dict[str, Any] = {}
    t = node.type
    if t == "list":
        d["type"] = "array"
        if node.values is not None:
            d["items"] = _json(node.values)
        if node.min_items:
            d["minItems"] = node.min_items
    elif t == "dict":
        d["type"] = "object"
        if node.values is not None:
            d["additionalProperties"] = _json(node.values)
        if node.min_items:
            d["minProperties"] = node.min_items
    else:
        d["type"] = "object"
        d["properties"] = {k: _json(v) for k, v in node.keys.items()}
        req = [k for k, v in node.keys.items() if v.required]
        if req:
            d["required"] = req
        d["additionalProperties"] = False
        if node.all_of:
            d["allOf"] = list(node.all_of)
    return d


SAMPLING_DIMENSIONS = ("assessor", "method", "unit", "learner", "stage")
SAMPLING_STAGES = ("interim", "summative")

SAMPLING = map_node(
    "A caseload's sampling policy (sampling.yaml at the caseload's root).",
    {
        "bands": Node(
            "dict",
            "risk band -> percent of an assessor's assessed units to sample",
            values=Node("int", "a percent, 0 to 100", minimum=0, maximum=100),
            required=True,
            min_items=1,
            example="`bands: {new: 100, medium: 50, low: 20}`",
        ),
        "assessors": Node(
            "dict",
            'assessor name -> risk band; an assessor not listed is in band "new"',
            values=text_node("a band named under `bands`", required=True),
            nullable=True,
        ),
        "cover": Node(
            "list",
            "dimensions each of whose values seen must appear in the sample at least once",
            values=text_node("a dimension", enum=SAMPLING_DIMENSIONS),
            nullable=True,
        ),
        "stages": Node(
            "list",
            "the stages to sample: interim (before the assessor's sign-off), summative (after)",
            values=text_node("a stage", enum=SAMPLING_STAGES),
            nullable=True,
        ),
        "period": map_node(
            "only decisions dated inside this period count",
            {"from": Node("date", nullable=True), "to": Node("date", nullable=True)},
            nullable=True,
        ),
    },
)

SCHEMAS: dict[str, tuple[Node, str]] = {
    "record": (RECORD, "evitrack evidence record"),
    "portfolio": (PORTFOLIO, "evitrack portfolio (evitrack.yaml)"),
    "sampling": (SAMPLING, "evitrack sampling policy (sampling.yaml)"),
}


# ---- a portfolio's own record schema -------------------------------------------------

RECORD_SCHEMA_FILE = ".schemas/record.schema.json"  # where `init` writes it, in the portfolio
FINGERPRINT_KEY = "x-evitrack-fingerprint"  # what it was made from (see record_schema)


def record_schema(q: Qualification, units: Sequence[str]) -> dict[str, Any]:
    """The record schema for a portfolio of `q` taking `units`, for an editor to complete.

    `criteria` takes the chosen units (ids and aliases) as keys, each unit's criterion
    ids as an enum described by their text; `methods` the method names and form codes.
    FINGERPRINT_KEY holds a digest of those parts: `check` compares it with the
    portfolio's qualification and units to see when the file is stale.
    """
    import hashlib
    import json

    from evitrack.model import METHOD_ALIASES, METHOD_CODES, METHODS

    out = to_json_schema(RECORD, f"evitrack evidence record: {q.title}")
    props = out["properties"]
    names: dict[str, str] = {m: m for m in METHODS}
    for canonical, code in METHOD_CODES.items():
        names.setdefault(code, canonical)
    for alias, canonical in METHOD_ALIASES.items():
        names.setdefault(alias, canonical)
    methods = {
        "type": "string",
        "enum": list(names),
        "enumDescriptions": [m if m == c else f"= {c}" for m, c in names.items()],
    }
    cited: dict[str, Any] = {}
    for uid in units:
        unit = q.units[uid]
        items: dict[str, Any] = {"type": "string"}
        if unit.criteria:
            items["enum"] = [c.id for c in unit.criteria]
            items["enumDescriptions"] = [" ".join(c.text.split()) for c in unit.criteria]
        for key in (uid, *unit.aliases):
            cited[key] = {
                "description": f"unit {uid}: {' '.join(unit.title.split())}",
                "type": "array",
                "items": items,
            }
    specific = {"qualification": q.id, "criteria": cited, "methods": methods}
    props["methods"]["items"] = methods
    props["criteria"]["properties"] = cited
    props["criteria"]["additionalProperties"] = False
    out[FINGERPRINT_KEY] = hashlib.sha256(
        json.dumps(specific, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return out


def stale_record_schema(root: Path, q: Qualification, units: Sequence[str]) -> list[Diagnostic]:
    """W601 when the portfolio's record schema was made for other units or criteria.

    Only a schema file that is there is checked (deleting it is the learner's choice);
    one written before schemas were made per portfolio has no fingerprint and is stale.
    """
    import json

    from evitrack.locate import display_path, shell_word

    path = root / RECORD_SCHEMA_FILE
    if not path.is_file() or path.is_symlink():
        return []
    expected = record_schema(q, units)[FINGERPRINT_KEY]
    try:
        with path.open("rb") as fh:
            found = json.loads(fh.read(yamlio.MAX_BYTES)).get(FINGERPRINT_KEY)
    except (OSError, ValueError, AttributeError):
        found = None
    if found == expected:
        return []
    shown = display_path(path)
    return [
        make(
            shown,
            (1, 1),
            "W601",
            "the record schema that editors use is out of date: the qualification or the "
            "chosen units changed since it was written",
            "refresh it: evitrack schema record --portfolio "
            f"{shell_word(display_path(root))} -o {shell_word(shown)}",
        )
    ]


def record_schema_text(q: Qualification, units: Sequence[str]) -> str:
    """record_schema as the file holds it."""
    import json

    return json.dumps(record_schema(q, units), indent=2, ensure_ascii=False) + "\n"


# ---- qualification files -------------------------------------------------------------

RULE_KINDS = KINDS  # the rules engine owns the list of rule kinds

EVIDENCE_REQ = map_node(
    "evidence requirements",
    {
        "required_methods": Node("list", values=text_node(), nullable=True),
        "forbidden_methods": Node("list", values=text_node(), nullable=True),
        "candidate_report": Node("bool", nullable=True),
        "supplied_by": Node("list", values=text_node(), nullable=True),
        "text": Node("text", nullable=True),
        "note": Node("text", nullable=True),
    },
    nullable=True,
)

_NOTE = Node("text", "a reading taken, text lost, ...", nullable=True)

_PART_ID = Node("id", required=True, pattern=PART_ID_PATTERN)

CRITERION = map_node(
    "a criterion",
    {
        "id": _PART_ID,
        "text": Node("text", "verbatim from the specification", required=True),
        "guidance": Node("text", nullable=True),
        "printed_id": Node("id", nullable=True),
        "note": _NOTE,
        "evidence": EVIDENCE_REQ,
    },
)

_LEVEL = Node(
    "int",
    "a level from 1 to 12 (RQF and QCF 1-8, SCQF 1-12), or null",
    nullable=True,
    minimum=1,
    maximum=12,
)
MAX_AMOUNT = 100_000  # far above any credit, hour or unit count; keeps the planner's sums exact
_AMOUNT = Node(
    "int",
    f"a whole number from 0 to {MAX_AMOUNT:,}, or null",
    nullable=True,
    minimum=0,
    maximum=MAX_AMOUNT,
)


def _per_kind() -> tuple[dict[str, Any], ...]:
    """For editors: each kind's keys (those it needs, one of which it needs, the only ones
    it reads) as JSON Schema `if`/`then`, from the rule kinds' shapes in the registry. The
    checks of `qualification check` say the same in its own words."""
    cases: list[dict[str, Any]] = []
    for name, shape in SHAPES.items():
        then: dict[str, Any] = {"propertyNames": {"enum": [*COMMON_KEYS, *shape.keys]}}
        if shape.needs:
            then["required"] = list(shape.needs)
            then["properties"] = {k: {"not": {"type": "null"}} for k in shape.needs}
        if shape.one_of:
            then["anyOf"] = [
                {"required": [k], "properties": {k: {"not": {"type": "null"}}}}
                for k in shape.one_of
            ]
        cases.append({"if": {"properties": {"kind": {"const": name}}}, "then": then})
    return tuple(cases)


# Every key a rule may hold: the types here; which kind reads which key comes from
# rules.SHAPES, as `allOf` for editors and in `qualification check`.
RULE = map_node(
    "a rule of combination",
    {
        "id": _PART_ID,
        "kind": Node("str", required=True, enum=RULE_KINDS),
        "text": Node(
            "text",
            "the specification's words, or null when it states none, with `reading` saying why",
            required=True,
            nullable=True,
        ),
        "reading": Node("text", "the interpretation taken", nullable=True),
        "groups": Node("list", values=Node("id"), nullable=True),
        "units": Node("list", values=Node("id"), nullable=True),
        "min": _AMOUNT,
        "max": _AMOUNT,
        "exact": _AMOUNT,
        "cap": Node("bool", nullable=True),
        "level": _LEVEL,
        "comparison": Node("str", nullable=True, enum=("at", "at_or_above")),
        "note": _NOTE,
    },
    all_of=_per_kind(),
)

UNIT = map_node(
    "a unit",
    {
        "id": _PART_ID,
        "aliases": Node("list", values=Node("id", pattern=PART_ID_PATTERN), nullable=True),
        "title": text_node(required=True),
        "level": _LEVEL,
        "credit": _AMOUNT,
        "glh": _AMOUNT,
        "type": text_node(nullable=True),
        "group": Node(
            "id", "the group printed beside the unit; `groups` must list it there", nullable=True
        ),
        "criteria_in_source": Node("bool", nullable=True),
        "note": _NOTE,
        "guidance": Node("any", nullable=True),
        "outcomes": Node(
            "list",
            values=map_node(
                "a learning outcome",
                {
                    "id": _PART_ID,
                    "title": Node("text", required=True),
                    "note": _NOTE,
                    "criteria": Node("list", values=CRITERION, required=True),
                },
            ),
            nullable=True,
        ),
        "knowledge": Node("list", values=CRITERION, nullable=True),
        "evidence": EVIDENCE_REQ,
        "content": Node("text", nullable=True),
        "extra": Node("any", nullable=True),
    },
)

FORMAT = 1  # the version of the qualification file format this evitrack reads

MAPPING = map_node(
    "a mapping to another standard, kept as data",
    {
        "id": Node("id", required=True),
        "title": text_node(nullable=True),
        "note": _NOTE,
        "items": Node(
            "list",
            values=map_node(
                "one item of the other standard",
                {
                    "id": Node("id", "as printed", required=True),
                    "kind": Node(
                        "str",
                        "knowledge | skill | behaviour | other",
                        required=True,
                        enum=("knowledge", "skill", "behaviour", "other"),
                    ),
                    "text": Node("text", required=True),
                    "statements": Node("list", values=Node("text"), nullable=True),
                    "covered_by": Node(
                        "list",
                        'unit ids ("2") or unit/criterion refs ("1/1.1") of this qualification',
                        values=Node("id"),
                        nullable=True,
                    ),
                    "note": _NOTE,
                },
            ),
            required=True,
        ),
    },
)

QUALIFICATION = map_node(
    "an evitrack qualification file",
    {
        "format": Node(
            "int",
            f"the version of the file format: write `format: {FORMAT}`, the version this "
            "evitrack reads",
            required=True,
            minimum=FORMAT,
            maximum=FORMAT,
        ),
        "kind": Node(
            "str", "qualification (the default) or units", enum=("qualification", "units")
        ),
        "id": Node("id", required=True, pattern=QUALIFICATION_ID_PATTERN),
        "title": text_node(required=True),
        "awarding_body": text_node(nullable=True),
        "number": text_node(nullable=True),
        "level": _LEVEL,
        "framework": text_node(nullable=True),
        "source": text_node(nullable=True),
        "notes": Node("text", nullable=True),
        "note": _NOTE,
        "extends": text_node(
            "the qualification this file extends (a shipped id or a relative path): its "
            "groups, units and rules, which this file's own replace",
            nullable=True,
        ),
        "include": Node(
            "list",
            values=map_node(
                "units from another file",
                {
                    "from": text_node(required=True),
                    "units": Node("list", values=Node("id"), nullable=True),
                },
            ),
            nullable=True,
        ),
        "groups": Node(
            "list",
            values=map_node(
                "a group of units",
                {
                    "id": _PART_ID,
                    "title": text_node(nullable=True),
                    "units": Node("list", values=Node("id"), required=True),
                    "note": _NOTE,
                },
            ),
            nullable=True,
        ),
        "units": Node("list", values=UNIT, nullable=True),
        "rules": Node("list", values=RULE, nullable=True),
        "mappings": Node("list", values=MAPPING, nullable=True),
        "extra": Node("any", nullable=True),
    },
)

SCHEMAS["qualification"] = (QUALIFICATION, "evitrack qualification file")


# ---- apprenticeship standard files ---------------------------------------------------

STANDARD_FORMAT = 1  # the version of the standard file format this evitrack reads

KSB_KINDS = ("knowledge", "skill", "behaviour")

KSB = map_node(
    "a knowledge, skill or behaviour of the standard",
    {
        "id": Node(
            "id",
            "as the standard numbers it, e.g. K1, S6, B11",
            required=True,
            pattern=PART_ID_PATTERN,
        ),
        "kind": Node("str", "knowledge | skill | behaviour", required=True, enum=KSB_KINDS),
        "title": Node("text", "the heading, verbatim (or the statement itself)", required=True),
        "statements": Node("list", "its statements, verbatim", values=Node("text"), nullable=True),
        "aliases": Node(
            "list",
            "other ids the KSB is known by, e.g. the number a qualification's mapping prints",
            values=Node("id", pattern=PART_ID_PATTERN),
            nullable=True,
        ),
        "note": _NOTE,
        "reading": Node("text", "the interpretation taken", nullable=True),
    },
)

STANDARD_MAPPING = map_node(
    "which units of a qualification cover which KSBs: `mapping` reads the qualification "
    "file's own mapping of that id; `units` holds it here (KSB id -> unit ids)",
    {
        "qualification": text_node("a shipped qualification id or a relative path", required=True),
        "mapping": Node("id", "the id of a mapping in the qualification file", nullable=True),
        "units": Node(
            "dict",
            'KSB id -> unit ids ("2") or unit/criterion refs ("1/1.1")',
            values=Node("list", values=Node("id")),
            nullable=True,
        ),
        "note": _NOTE,
        "reading": Node("text", "the interpretation taken", nullable=True),
    },
)

STANDARD = map_node(
    "an evitrack apprenticeship standard file",
    {
        "format": Node(
            "int",
            f"the version of the file format: write `format: {STANDARD_FORMAT}`",
            required=True,
            minimum=STANDARD_FORMAT,
            maximum=STANDARD_FORMAT,
        ),
        "kind": Node("str", "always `standard`", required=True, enum=("standard",)),
        "id": Node("id", required=True, pattern=QUALIFICATION_ID_PATTERN),
        "title": text_node(required=True),
        "reference": text_node("the published reference number, e.g. ST0072", nullable=True),
        "level": Node(
            "int",
            "the standard's level, or null when the source gives none",
            required=True,
            nullable=True,
            minimum=1,
            maximum=8,
        ),
        "version": text_node(
            "the published version, e.g. 1.1, or null", required=True, nullable=True
        ),
        "source": text_node(nullable=True),
        "typical_duration_months": Node(
            "int",
            "the typical duration of the practical period, in months, or null",
            nullable=True,
            minimum=1,
        ),
        "otj_minimum_hours": Node(
            "int",
            "the minimum off-the-job training hours published for the standard, or null "
            "where none is set",
            nullable=True,
            minimum=0,
        ),
        "note": _NOTE,
        "reading": Node("text", "the interpretation taken", nullable=True),
        "ksbs": Node(
            "list", "the knowledge, skills and behaviours", values=KSB, required=True, min_items=1
        ),
        "gateway": Node(
            "list",
            "what the apprentice must have done before end-point assessment",
            values=map_node(
                "a gateway requirement",
                {
                    "id": _PART_ID,
                    "text": Node("text", "verbatim from the standard", required=True),
                    "note": _NOTE,
                },
            ),
            nullable=True,
        ),
        "mappings": Node("list", values=STANDARD_MAPPING, nullable=True),
    },
)

SCHEMAS["standard"] = (STANDARD, "evitrack apprenticeship standard file")

# ---- progress reviews (reviews/DATE.yaml) ---------------------------------------------

REVIEW_OWNERS = ("learner", "employer", "provider")
REVIEW_PARTIES = REVIEW_OWNERS
ACTION_STATUSES = ("open", "done", "dropped")

REVIEW_ACTION = map_node(
    "an action agreed at a review",
    {
        "action": Node("text", "what is to be done", required=True),
        "owner": text_node(
            "who does it: learner, employer or provider", required=True, enum=REVIEW_OWNERS
        ),
        "due": Node("date", "by when", required=True),
        "status": text_node(
            "open, done or dropped (default open)", nullable=True, enum=ACTION_STATUSES
        ),
        "from": Node("date", "the review that agreed it (carried actions)", nullable=True),
    },
)

REVIEW = map_node(
    "a progress review of an apprentice, written by `evitrack review add`",
    {
        "date": Node("date", "the day of the review (the file is named by it)", required=True),
        "otj": map_node(
            "off-the-job hours at the review, from `evitrack otj status`",
            {
                "hours_to_date": Node(
                    "number", "hours that count, logged by the review", minimum=0
                ),
                "expected_to_date": Node(
                    "number", "hours due by the review's date", nullable=True, minimum=0
                ),
                "planned_hours": Node("number", "the provider's plan", nullable=True, minimum=0),
                "minimum_hours": Node("number", "the rule's minimum", nullable=True, minimum=0),
            },
            nullable=True,
        ),
        "ksbs": map_node(
            "KSB progress at the review, from the same answer `evitrack gaps` gives",
            {
                "accepted": Node("int", "KSBs accepted", minimum=0),
                "evidenced": Node("int", "KSBs evidenced, not yet accepted", minimum=0),
                "unit": Node("int", "KSBs covered only through a mapped unit", minimum=0),
                "missing": Node("int", "KSBs with no evidence", minimum=0),
                "missing_ksbs": Node(
                    "list", "the ids of the missing KSBs", values=Node("id"), nullable=True
                ),
            },
            nullable=True,
        ),
        "previous_actions": Node(
            "list",
            "the previous review's open actions, with their status now",
            values=REVIEW_ACTION,
            nullable=True,
        ),
        "actions": Node(
            "list", "actions agreed at this review", values=REVIEW_ACTION, nullable=True
        ),
        "comments": map_node(
            "what each party says",
            {p: Node("text", f"the {p}'s comments", nullable=True) for p in REVIEW_PARTIES},
            nullable=True,
        ),
        "signatures": map_node(
            "each party's name and date, empty until signed (`evitrack review sign`)",
            {
                p: map_node(
                    f"the {p}'s signature",
                    {
                        "name": text_node("who signed", nullable=True),
                        "date": Node("date", "when", nullable=True),
                    },
                    nullable=True,
                )
                for p in REVIEW_PARTIES
            },
            nullable=True,
        ),
        "next_review": Node("date", "when the next review is due", nullable=True),
    },
)

SCHEMAS["review"] = (REVIEW, "evitrack progress review (reviews/DATE.yaml)")
