"""Plain typed data: qualifications, units, criteria, portfolios and evidence records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

# what `evitrack init` writes when it is not told the learner's name or registration
PLACEHOLDER_NAME = "Learner Name"
PLACEHOLDER_REGISTRATION = "REG-0000"
PLACEHOLDER = "TODO"  # how `qualification extend` marks the text a centre must fill in


def is_placeholder(text: Any) -> bool:
    """Whether an outcome's title or a criterion's text is still a placeholder ("TODO: ...")."""
    return isinstance(text, str) and text.lstrip().upper().startswith(PLACEHOLDER)


# the text of the sample record `evitrack init` writes: a record still holding it is no evidence
SAMPLE_TITLE = "Reflective account of my first week in the role"
SAMPLE_DESCRIPTION = (
    "Describe what you did, in your own words: the situation, what you did and why,\n"
    "and what happened as a result.\n"
)


def is_sample_text(description: str) -> bool:
    """Whether a record's description is still the sample's, as `evitrack init` wrote it."""
    if len(description) < len(_SAMPLE_WORDS):  # white space collapsed: it only gets shorter
        return False
    return " ".join(description.split()) == _SAMPLE_WORDS


_SAMPLE_WORDS = " ".join(SAMPLE_DESCRIPTION.split())


METHODS: tuple[str, ...] = (
    "observation",
    "witness-testimony",
    "product",
    "questioning",
    "professional-discussion",
    "reflective-account",
    "candidate-report",
    "simulation",
    "recognition-of-prior-learning",
    "other",
)

# Codes printed on the EDI forms, and other spellings people write.
METHOD_ALIASES: dict[str, str] = {
    "obs": "observation",
    "p": "product",
    "product evidence": "product",
    "q": "questioning",
    "oral questioning": "questioning",
    "written questioning": "questioning",
    "sim": "simulation",
    "simulation/assignment": "simulation",
    "assignment": "simulation",
    "wt": "witness-testimony",
    "witness": "witness-testimony",
    "a": "recognition-of-prior-learning",
    "apl": "recognition-of-prior-learning",
    "apa/apl": "recognition-of-prior-learning",
    "rpl": "recognition-of-prior-learning",
    "ot": "other",
    "pd": "professional-discussion",
    "ra": "reflective-account",
    "cr": "candidate-report",
    # Pearson's abbreviations ("Learners can use the abbreviations in their portfolios")
    "o": "observation",
    "q&a": "questioning",
    "s": "simulation",
    "ewt": "witness-testimony",
    "expert witness testimony": "witness-testimony",
    "personal statement": "reflective-account",
}

METHOD_CODES: dict[str, str] = {  # canonical -> the EDI form's code
    "observation": "Obs",
    "product": "P",
    "questioning": "Q",
    "simulation": "Sim",
    "witness-testimony": "Wt",
    "recognition-of-prior-learning": "A",
    "other": "Ot",
    "professional-discussion": "PD",
    "reflective-account": "RA",
    "candidate-report": "CR",
}


def plain(value: Any) -> Any:
    """A JSON-safe copy of loaded YAML: text keys, lists, dates as ISO text, plain str."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)  # ruamel's quoted-string subclasses
    return value


def old_scheme(fp: Any) -> bool:
    """Whether a stored fingerprint is of the scheme before `portfolio.FINGERPRINT_SCHEME`
    (a bare sha256)."""
    return isinstance(fp, str) and len(fp) == 64 and all(c in "0123456789abcdef" for c in fp)


def canonical_method(name: str) -> str | None:
    """The canonical method for a name or code, or None if unknown."""
    key = " ".join(name.strip().lower().replace("_", " ").split())
    dashed = key.replace(" ", "-")
    if dashed in METHODS:
        return dashed
    return METHOD_ALIASES.get(key)


@dataclass
class Criterion:
    """An assessment criterion of a learning outcome, or a knowledge item of a unit."""

    id: str
    text: str
    outcome: str | None  # None for knowledge items
    kind: str = "criterion"  # criterion | knowledge
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """A learning outcome of a unit and its criteria."""

    id: str
    title: str
    criteria: list[Criterion]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvidenceRequirements:
    """What a unit asks of its evidence: the methods it requires or refuses."""

    required_methods: list[str] = field(default_factory=list)
    forbidden_methods: list[str] = field(default_factory=list)
    candidate_report: bool = False
    supplied_by: list[str] = field(default_factory=list)
    text: str | None = None


@dataclass
class Unit:
    """A unit of a qualification: its outcomes and what its evidence must show."""

    id: str
    title: str
    aliases: list[str] = field(default_factory=list)
    level: int | None = None
    credit: int | None = None
    glh: int | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    knowledge: list[Criterion] = field(default_factory=list)
    evidence: EvidenceRequirements = field(default_factory=EvidenceRequirements)
    criteria_in_source: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def criteria(self) -> list[Criterion]:
        """Every citable item: criteria in outcome order, then knowledge items."""
        return [c for o in self.outcomes for c in o.criteria] + list(self.knowledge)

    def criterion(self, cid: str) -> Criterion | None:
        for c in self.criteria:
            if c.id == cid:
                return c
        return None

    def forbidden_uses(self, methods: list[str], cids: list[str]) -> list[tuple[str, str | None]]:
        """(method, criterion id or None for the whole unit) for each of `methods` that the
        unit's evidence requirements, or those of a cited criterion, do not allow."""
        out: list[tuple[str, str | None]] = [
            (m, None) for m in methods if m in self.evidence.forbidden_methods
        ]
        if not methods or not cids:
            return out
        cited = set(cids)
        for c in chain(chain.from_iterable(o.criteria for o in self.outcomes), self.knowledge):
            if c.id not in cited:  # (the criteria in order, without building their list)
                continue
            cev = c.extra.get("evidence") or {}
            barred = {canonical_method(str(m)) or m for m in cev.get("forbidden_methods") or []}
            out += [(m, c.id) for m in methods if m in barred and (m, None) not in out]
        return out


@dataclass
class Group:
    """A group of units that the rules of combination choose from."""

    id: str
    title: str
    units: list[str]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Qualification:
    """A qualification: its units, groups and rules of combination."""

    id: str
    title: str
    awarding_body: str
    number: str | None
    level: int | None
    framework: str | None
    groups: list[Group]
    units: dict[str, Unit]  # in document order
    rules: list[dict[str, Any]]
    path: Path | None = None
    kind: str = "qualification"
    extra: dict[str, Any] = field(default_factory=dict)

    def resolve_unit(self, ref: str) -> str | None:
        """A unit id for an id or alias (exact match), or None."""
        if ref in self.units:
            return ref
        for unit in self.units.values():
            if ref in unit.aliases:
                return unit.id
        return None

    def unit_names(self) -> list[str]:
        names = list(self.units)
        for unit in self.units.values():
            names.extend(unit.aliases)
        return names

    def group_of(self, unit_id: str) -> str | None:
        for g in self.groups:
            if unit_id in g.units:
                return g.id
        return None


@dataclass
class FileRef:
    """A file attached to a record, with the sha256 written for it."""

    path: str
    sha256: str | None = None
    actual: str | None = None  # the sha256 of the file as it is now (None: not read)


@dataclass
class Assessment:
    """An assessor's decision on a record."""

    decision: str
    assessor: str
    date: dt.date | None
    comment: str | None = None
    fingerprint: str | None = None
    signer: str | None = None  # the principal that signed it (allowed_signers)
    signature: str | None = None  # SSHSIG, base64 on one line (evitrack.signing)
    void: str | None = None  # why it does not count for want of a good signature


@dataclass
class Record:
    """An evidence record: what it shows, the criteria it claims, its files and decision."""

    id: str
    title: str
    date: dt.date | None
    methods: list[str]
    description: str
    criteria: dict[str, list[str]]  # unit id (resolved) -> criterion ids
    files: list[FileRef]
    location: str | None
    assessment: Assessment | None
    path: Path
    fingerprint: str = ""  # computed where the assessment carries one, else ""
    pos: tuple[int, int] | None = None  # where the id is written (1-based)
    ksbs: list[str] = field(default_factory=list)  # the standard's KSB ids it cites

    @property
    def accepted(self) -> bool:
        return self.assessment is not None and self.assessment.decision == "accepted"

    @property
    def counts(self) -> bool:
        """Accepted, and the record and the decision are what the assessor fingerprinted
        (no fingerprint: not recorded by `evitrack assess`, so a change could not be seen)."""
        a = self.assessment
        return (
            a is not None
            and a.decision == "accepted"
            and bool(a.fingerprint)
            and a.fingerprint == self.fingerprint
            and not a.void  # signatures required and this one missing, bad or not allowed
        )


@dataclass
class SignOff:
    """A unit signed off under `signoffs:` in evitrack.yaml."""

    unit: str
    assessed: dt.date | None = None
    learner: str | None = None
    learner_date: dt.date | None = None
    assessor: str | None = None
    assessor_date: dt.date | None = None
    iv: str | None = None
    iv_date: dt.date | None = None
    fingerprint: str | None = None  # of the unit's accepted evidence when it was signed
    void: str | None = None  # why the signatures no longer stand (None: they do)
    bad_signatures: dict[str, str] = field(default_factory=dict)  # role -> why it fails


@dataclass
class Apprenticeship:
    """`apprenticeship:` in evitrack.yaml, its standard loaded."""

    standard: Any  # evitrack.apprenticeship.standards.Standard
    start: dt.date
    end: dt.date | None = None
    weekly_hours: float | None = None
    otj_planned_hours: float | None = None
    gateway: dict[str, Any] | None = None  # the employer's confirmation: employer, date


@dataclass
class Portfolio:
    """A learner's portfolio: its qualification, the units chosen and the records."""

    root: Path
    qualification: Qualification
    learner_name: str
    registration: str
    units: list[str]  # chosen units, resolved ids, mandatory included
    records: list[Record]
    signoffs: dict[str, SignOff]
    settings: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    apprenticeship: Apprenticeship | None = None
