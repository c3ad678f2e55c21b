"""Documents through Jinja: evidence matrices, unit recording forms, the claim to competence,
the evidence index and an apprentice's progress review, in HTML (self-contained, A4) and
Markdown.

The only module that imports jinja2. Contexts are plain data built from a
`coverage.Coverage`; every function returns a string. The shipped templates are
in the top-level `templates/` folder (inside the wheel: `evitrack/templates`); a
portfolio's own `templates/` folder overrides any of them by name.

Text from records and evitrack.yaml can never inject markup: HTML is autoescaped;
in Markdown every value goes through `finalize` (`md_escape`), which returns Markup so
that autoescaping (also on, so macro output is not escaped twice) leaves it alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from evitrack.errors import UserError
from evitrack.model import METHOD_CODES, Portfolio, Record, Unit
from evitrack.output import MD_LINE_START, MD_SPECIAL, md_line_start

if TYPE_CHECKING:
    import jinja2

    from evitrack.coverage import Coverage
    from evitrack.dashboard import Dashboard

FORMS = ("matrix", "recording", "index", "ksb")
FORMATS = ("html", "markdown")
EXT = {"html": "html", "markdown": "md"}

# The four points the EDI learner statement must show (support pack, "Learner statement and
# assessor summative statement"), keyed as in evitrack.yaml `statement:`, then the assessor's.
STATEMENT_POINTS: tuple[tuple[str, str], ...] = (
    ("completed", "How I completed the units/award and what I have learnt from the experience"),
    ("role", "How long I have been in my current role and working towards this qualification"),
    ("methods", "The assessment methods used to show my competence"),
    ("impact", "How this has affected the way I approach my job"),
)
ASSESSOR_STATEMENT = "assessor"

METHOD_NAMES: dict[str, str] = {  # canonical -> the words of the EDI assessment method key
    "observation": "Observation",
    "product": "Product evidence",
    "questioning": "Questioning",
    "simulation": "Simulation/assignment",
    "witness-testimony": "Witness testimony",
    "recognition-of-prior-learning": "APA/APL",
    "other": "Other",
    "professional-discussion": "Professional discussion",
    "reflective-account": "Reflective account",
    "candidate-report": "Candidate report",
}

MAX_COLUMNS = 24  # criteria columns per matrix table; wider units continue in a second table


# ---- templates and the environment ---------------------------------------------------


def shipped_templates() -> Path:
    """The shipped templates: `evitrack/templates` in a wheel, `templates/` in a checkout."""
    from importlib.resources import files

    packaged = files("evitrack") / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "templates"


# What a template may do, so that no template (a portfolio's own, or a damaged one) can
# hang evitrack or exhaust its memory: a document is a few hundred kilobytes.
MAX_TEXT = 5_000_000  # characters one expression may build (`*`, `+`, `%`, a filter, a call)
MAX_ITEMS = 1_000_000  # range() items in one document, nested loops included
MAX_OUTPUT = 50_000_000  # characters of one document
MAX_BITS = 100_000  # of a number computed by `*` or `**`
TIME_LIMIT = 20.0  # seconds for one document


class TemplateLimit(Exception):
    """A template went past one of the limits above."""


class _Budget:
    def __init__(self) -> None:
        import time

        self.deadline = time.monotonic() + TIME_LIMIT
        self.items = 0

    def tick(self) -> None:
        import time

        if time.monotonic() > self.deadline:
            raise TemplateLimit(f"took longer than {TIME_LIMIT:g} seconds: stopped")

    def spend(self, items: int) -> None:
        self.items += items
        if self.items > MAX_ITEMS:
            raise TemplateLimit(f"loops over more than {MAX_ITEMS:,} range() items: stopped")
        self.tick()


def _callee(obj: Any) -> str:
    return str(getattr(obj, "__name__", None) or type(obj).__name__)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else 0


def _check_size(value: Any, what: str) -> Any:
    if _size(value) > MAX_TEXT:
        raise TemplateLimit(f"{what} builds more than {MAX_TEXT:,} characters or items: stopped")
    return value


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse `'x' * 3000000000`, `2 ** 10 ** 9` and `'%9999999999s' % x` before they run."""
    if operator == "*" and isinstance(left, int) and isinstance(right, int):
        if abs(left).bit_length() + abs(right).bit_length() > MAX_BITS:
            raise TemplateLimit("multiplies numbers too large for a document: stopped")
    elif operator == "*":
        for seq, n in ((left, right), (right, left)):
            sized = isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int)
            if sized and max(len(seq), 1) * n > MAX_TEXT:
                raise TemplateLimit(
                    f"repeats a text {n:,} times (more than {MAX_TEXT:,} characters): stopped"
                )
    elif operator == "**":
        big = isinstance(left, int) and isinstance(right, int) and abs(left) > 1
        if isinstance(right, (int, float)) and (
            abs(right) > 1000 or (big and abs(left).bit_length() * right > MAX_BITS)
        ):
            raise TemplateLimit(f"raises a number to the power {right}: stopped")
    elif operator == "+":
        if _size(left) + _size(right) > MAX_TEXT:
            raise TemplateLimit(f"joins more than {MAX_TEXT:,} characters: stopped")
    elif operator == "%" and isinstance(left, str):
        widths = re.findall(r"%[^a-zA-Z%]*?(\d{7,})", left)
        if widths:
            raise TemplateLimit(f"formats a field {int(widths[0]):,} characters wide: stopped")


def _bounded_filter(f: Callable[..., Any], name: str) -> Callable[..., Any]:
    """A filter that refuses widths and counts past MAX_TEXT and results larger than it."""
    import functools

    @functools.wraps(f)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        for a in (*args, *kwargs.values()):
            if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_TEXT:
                raise TemplateLimit(f"filter {name} given {a:,}: stopped")
        return _check_size(f(*args, **kwargs), f"filter {name}")

    return bounded


@functools.cache
def _loader_classes() -> tuple[type[Any], type[Any]]:
    """The loaders of shipped templates and of a portfolio's, each noting what it reads
    (made on first use: jinja2 is imported only when a document is rendered)."""
    import hashlib

    import jinja2

    from evitrack.portfolio import inside

    class ShippedLoader(jinja2.FileSystemLoader):
        prefix = ""

        def __init__(self, folder: str, used: dict[str, str] | None) -> None:
            super().__init__(folder)
            self.used = used

        def get_source(
            self, environment: jinja2.Environment, template: str
        ) -> tuple[str, str, Callable[[], bool]]:
            source, filename, uptodate = super().get_source(environment, template)
            if self.used is not None:
                self.used[self.prefix + template] = hashlib.sha256(
                    Path(filename).read_bytes()
                ).hexdigest()
            return source, filename, uptodate

    class PortfolioLoader(ShippedLoader):
        """A portfolio's templates, refusing any that lead outside the portfolio (links)."""

        prefix = "templates/"

        def __init__(self, root: Path, used: dict[str, str] | None) -> None:
            super().__init__(str(root / "templates"), used)
            self.root = root

        def get_source(
            self, environment: jinja2.Environment, template: str
        ) -> tuple[str, str, Callable[[], bool]]:
            _source, filename, _uptodate = jinja2.FileSystemLoader.get_source(
                self, environment, template
            )
            if not inside(self.root, Path(filename)):
                raise UserError(
                    f"template {template} in {self.root / 'templates'} leads outside the portfolio",
                    "replace the link with a copy of the template",
                )
            return super().get_source(environment, template)

    return ShippedLoader, PortfolioLoader


@functools.cache
def _compiled(markdown: bool) -> Any:
    """Templates compiled once a process, one cache for each kind of environment (the
    Markdown one's `finalize` changes the code). jinja checks each entry against the
    template's source before using it, so an edited template is compiled again."""
    import jinja2

    class InMemory(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self.codes: dict[str, bytes] = {}

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            code = self.codes.get(bucket.key)
            if code is not None:
                bucket.bytecode_from_string(code)

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            self.codes[bucket.key] = bucket.bytecode_to_string()

    return InMemory()


@functools.cache
def _bounded_class() -> type[Any]:
    """The sandbox that counts every operation against its `budget` and refuses numbers and
    results too large (made on first use, as jinja2 is imported only then)."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Bounded(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**", "+", "%"])
        budget = _Budget()

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            _check_binop(operator, left, right)
            self.budget.tick()
            return super().call_binop(context, operator, left, right)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            __self.budget.tick()
            for a in (*args, *kwargs.values()):
                if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_TEXT:
                    raise TemplateLimit(f"calls {_callee(__obj)} with {a:,}: stopped")
            result = super().call(__context, __obj, *args, **kwargs)
            if isinstance(result, range):
                __self.budget.spend(len(result))
            return _check_size(result, "a call")

        def getattr(self, obj: Any, attribute: str) -> Any:
            self.budget.tick()
            if isinstance(obj, str) and attribute in ("format", "format_map"):
                widths = re.findall(r"\d{7,}", obj)
                if widths:
                    raise TemplateLimit(
                        f"formats a field {int(widths[0]):,} characters wide: stopped"
                    )
            return super().getattr(obj, attribute)

    return Bounded


def environment(
    portfolio_root: Path | None = None,
    markdown: bool = False,
    used: dict[str, str] | None = None,
) -> jinja2.Environment:
    """A strict, bounded sandbox; the portfolio's `templates/` folder comes first.

    `portfolio_root` None: evitrack's own templates only (a certification pack).
    `used`: filled with each template read (shipped ones by name, a portfolio's as
    `templates/NAME`) and the sha256 of its bytes.
    """
    import jinja2

    shipped_loader, portfolio_loader = _loader_classes()
    loaders: list[jinja2.BaseLoader] = []
    if portfolio_root is not None and (portfolio_root / "templates").is_dir():
        loaders.append(portfolio_loader(portfolio_root, used))
    loaders.append(shipped_loader(str(shipped_templates()), used))
    env: jinja2.Environment = _bounded_class()(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=md_escape if markdown else None,
        bytecode_cache=_compiled(markdown),
    )
    env.budget = _Budget()  # type: ignore[attr-defined]  # this environment's own
    if markdown:
        env.filters["join"] = md_join
    env.filters.update(
        paras=md_paras if markdown else html_paras,
        cell=md_cell if markdown else html_cell,
        md=md_escape,
        isodate=isodate,
        css_string=css_string,
        href=href,
    )
    for name, f in list(env.filters.items()):
        env.filters[name] = _bounded_filter(f, name)
    return env


def render(
    template: str,
    context: dict[str, Any],
    fmt: str,
    portfolio_root: Path | None = None,
    used: dict[str, str] | None = None,
    environments: dict[Any, Any] | None = None,
) -> str:
    """Render `<template>.<html|md>.j2` with a context; errors in templates are user errors
    at the template's line. `environments`: kept from one call to the next (see Options)."""
    import jinja2

    if fmt not in FORMATS:
        raise UserError(f'unknown format "{fmt}"', "use html or markdown")
    key = (portfolio_root, fmt)
    env: Any = environments.get(key) if environments is not None else None
    if env is None:
        env = environment(portfolio_root, markdown=fmt == "markdown", used=used)
        if environments is not None:
            environments[key] = env
    env.budget = _Budget()  # the clock starts now
    name = f"{template}.{EXT[fmt]}.j2"
    hint = (
        "a portfolio's own templates/ may use only the fields the shipped ones use; "
        "remove it to use evitrack's own"
    )
    try:
        parts: list[str] = []
        size = 0
        for chunk in env.get_template(name).generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateLimit(f"writes more than {MAX_OUTPUT:,} characters: stopped")
            parts.append(chunk)
        return "".join(parts)
    except UserError:
        raise
    except jinja2.TemplateNotFound as e:
        where, line = _template_frame(e, name)
        if line == "?":  # the document's own template
            raise UserError(f"template {e.name} not found") from None
        raise UserError(f"{where}:{line}: template {e.name} not found", hint) from None
    except jinja2.TemplateSyntaxError as e:
        where = _template_shown(e.filename or e.name or name)
        raise UserError(f"{where}:{e.lineno}: {e.message}", hint) from None
    except Exception as e:  # anything a template does wrong: at its line, never a traceback
        where, line = _template_frame(e, name)
        raise UserError(f"{where}:{line}: {_template_problem(e)}", hint) from None


def _template_frame(e: BaseException, name: str) -> tuple[str, int | str]:
    """The template file and line a runtime error came from (the innermost template frame)."""
    found: tuple[str, int | str] = (name, "?")
    tb = e.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (_template_shown(filename), tb.tb_lineno)
        tb = tb.tb_next
    return found


def _template_shown(filename: str) -> str:
    from evitrack.locate import shown_path

    return shown_path(Path(filename))


def _template_problem(e: BaseException) -> str:
    if isinstance(e, RecursionError):
        return "macros call each other too deeply (endless recursion?)"
    if isinstance(e, MemoryError):
        return "out of memory"
    if isinstance(e, ZeroDivisionError):
        return "division by zero"
    import jinja2

    if isinstance(e, (TemplateLimit, jinja2.UndefinedError, jinja2.exceptions.SecurityError)):
        return str(e)
    return f"{type(e).__name__}: {e}".splitlines()[0]


# ---- filters -------------------------------------------------------------------------


def isodate(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return "" if value is None else str(value)


def html_cell(value: Any) -> Markup:
    """Escaped text with line breaks kept."""
    text = "" if value is None else str(value).strip()
    return Markup("<br>\n").join(escape(line) for line in text.splitlines())


def html_paras(value: Any) -> Markup:
    """Escaped text as paragraphs: a blank line starts a new one; other line breaks are soft
    (people wrap lines in their editor), as in Markdown."""
    text = "" if value is None else str(value).strip()
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return Markup("\n").join(Markup("<p>%s</p>") % p for p in paras)


def css_string(value: Any) -> Markup:
    """A quoted CSS string that no text can break out of: every character but letters,
    digits and spaces as a CSS escape (the text as written, not HTML-escaped). The space after each escape ends it."""
    text = value.unescape() if isinstance(value, Markup) else str(value)
    body = "".join(
        c if (c.isalnum() and c.isascii()) or c == " " else f"\\{ord(c):06x} " for c in text
    )
    return Markup(f'"{body}"')


def href(value: Any) -> Markup:
    """A relative link to a file in a pack: each path component percent-encoded (so the
    result holds only letters, digits and `%_.~-/`, safe in HTML and Markdown alike)."""
    from urllib.parse import quote

    text = value.unescape() if isinstance(value, Markup) else str(value)
    return Markup("/".join(quote(part, safe="") for part in text.split("/")))


def _md_special(m: re.Match[str]) -> str:
    return "\\" + m.group(0)


def md_escape(value: Any) -> Any:
    """Markdown text that renders as itself: no HTML, links, emphasis or tables from data.

    Used as the Markdown environment's `finalize`, so every `{{ value }}` is escaped
    unless a filter already returned Markup. Only lines after the first are escaped
    as line starts (a value sits inside a line of the template); `paras` escapes all.
    """
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    if isinstance(value, (dt.date, dt.datetime)):
        return Markup(isodate(value))
    if isinstance(value, (bool, int, float)):
        return Markup(str(value))
    text = MD_SPECIAL.sub(_md_special, str(value))
    first, nl, rest = text.partition("\n")
    return Markup(first + nl + MD_LINE_START.sub(md_line_start, rest))


def md_line(value: Any) -> Markup:
    """A value that starts a line of Markdown: list, heading and quote markers escaped."""
    return Markup(MD_LINE_START.sub(md_line_start, md_escape(value)))


def md_join(values: Iterable[Any], sep: str = "") -> Markup:
    """`join` for Markdown: each item escaped (the built-in one would HTML-escape)."""
    return Markup(md_escape(sep)).join(md_escape(v) for v in values)


def md_cell(value: Any) -> Markup:
    """Escaped text for a Markdown table cell: one line; paragraphs joined with <br>."""
    text = "" if value is None else str(value).strip()
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    return Markup("<br>").join(md_escape(p) for p in paras)


def md_paras(value: Any) -> Markup:
    """Escaped text as Markdown paragraphs (soft line breaks kept, as the writer wrapped)."""
    text = "" if value is None else str(value).strip()
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return Markup("\n\n").join(
        Markup("\n").join(md_line(line.strip()) for line in p.strip().splitlines()) for p in paras
    )


# ---- plain helpers -------------------------------------------------------------------

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """A number in words, as the claim form asks ("write in words"): 21 -> twenty-one."""
    if n < 0:
        return "minus " + number_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("-" + _ONES[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + (" and " + number_words(rest) if rest else "")
    thousands, rest = divmod(n, 1000)
    joiner = " and " if rest and rest < 100 else " "
    return number_words(thousands) + " thousand" + (joiner + number_words(rest) if rest else "")


def natural_key(text: str) -> tuple[Any, ...]:
    """E2 before E10; 1.2 before 1.10."""
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p
    )


def method_code(method: str) -> str:
    return METHOD_CODES.get(method, method)


# ---- contexts ------------------------------------------------------------------------


@dataclass
class Options:
    """What a document is for: drafts are marked on every page; packed file names shown."""

    draft: bool = False
    packed: dict[str, str] | None = None  # portfolio path -> name in the pack
    shipped_only: bool = False  # evitrack's own templates, never the portfolio's (a claim)
    used: dict[str, str] | None = None  # filled: template read -> sha256 of its bytes
    # Given ({}), the documents rendered with these options share their template environments,
    # so that each template is compiled once (a pack renders one matrix per unit).
    environments: dict[Any, Any] | None = None


def header(p: Portfolio, opts: Options) -> dict[str, Any]:
    q = p.qualification
    centre = p.extra.get("centre") or {}
    return {
        "draft": opts.draft,
        "learner": {"name": p.learner_name, "registration": p.registration},
        "qualification": {
            "id": q.id,
            "title": q.title,
            "number": q.number or "",
            "awarding_body": q.awarding_body or "",
            "level": q.level,
        },
        "centre": {"name": centre.get("name") or "", "number": centre.get("number") or ""},
        "method_key": [
            {"code": code, "name": METHOD_NAMES.get(m, m)} for m, code in METHOD_CODES.items()
        ],
    }


def unit_info(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "title": unit.title,
        "aliases": list(unit.aliases),
        "level": unit.level,
        "credit": unit.credit,
        "glh": unit.glh,
        "verifiable": unit.criteria_in_source,
    }


def signoff_info(p: Portfolio, uid: str) -> dict[str, str]:
    """A unit's sign-off as the forms print it; a void one shows "void", not its initials."""
    s = p.signoffs.get(uid)
    keys = ("assessed", "learner", "learner_date", "assessor", "assessor_date", "iv", "iv_date")
    if s is None:
        return dict.fromkeys(keys, "")
    if s.void:  # the signatures no longer stand: no initials or dates to print
        return {
            **{k: "" if k.endswith(("_date", "assessed")) else "void" for k in keys},
            "void": f"void: {s.void}",
        }
    return {k: isodate(getattr(s, k)) for k in keys}


def sorted_records(records: Iterable[Record]) -> list[Record]:
    return sorted(records, key=lambda r: natural_key(r.id))


def _groups(unit: Unit) -> list[dict[str, Any]]:
    """Criteria grouped by learning outcome (knowledge items last), as matrix column groups."""
    groups = [
        {
            "id": o.id,
            "title": o.title,
            "label": f"Learning outcome {o.id}",
            "criteria": [c.id for c in o.criteria],
        }
        for o in unit.outcomes
        if o.criteria
    ]
    if unit.knowledge:
        groups.append(
            {
                "id": "K",
                "title": "Knowledge and understanding",
                "label": "Knowledge",
                "criteria": [c.id for c in unit.knowledge],
            }
        )
    return groups


def _segments(groups: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Column groups packed into tables of at most MAX_COLUMNS criteria."""
    segments: list[list[dict[str, Any]]] = [[]]
    width = 0
    for g in groups:
        ids = list(g["criteria"])
        while ids:
            room = MAX_COLUMNS - width
            if room <= 0 or (len(ids) > room and width and len(ids) <= MAX_COLUMNS):
                segments.append([])
                width, room = 0, MAX_COLUMNS
            part, ids = ids[:room], ids[room:]
            segments[-1].append({**g, "criteria": part, "span": len(part)})
            width += len(part)
    return [s for s in segments if s]


def _decision(r: Record) -> str:
    a = r.assessment
    if a is None:
        return "not yet assessed"
    when = f" on {isodate(a.date)}" if a.date else ""
    by = f" by {a.assessor}" if a.assessor else ""
    return f"{a.decision}{by}{when}"


def _entry_status(r: Record) -> str:
    """A record's standing in one word or two, as the recording form shows it per entry."""
    if r.assessment is None:
        return "not yet assessed"
    return str(r.assessment.decision or "not yet assessed")


def matrix_unit(cov: Coverage, uid: str) -> dict[str, Any]:
    """One unit's evidence matrix: rows are records, columns criteria grouped by outcome."""
    p = cov.portfolio
    uc = cov.unit(uid)
    if uc is None:
        raise UserError(f"unit {uid} is not among the portfolio's units")
    unit = uc.unit
    records = sorted_records(r for r in p.records if uid in r.criteria)
    status = {c.id: c.status for c in uc.criteria}
    return {
        "unit": unit_info(unit),
        "segments": [
            {"groups": seg, "criteria": [cid for g in seg for cid in g["criteria"]]}
            for seg in _segments(_groups(unit))
        ],
        "outcomes": [{"id": o.id, "title": o.title} for o in unit.outcomes],
        "rows": [
            {
                "ref": r.id,
                "title": r.title,
                "date": isodate(r.date),
                "location": r.location or "",
                "methods": [method_code(m) for m in r.methods],
                "covers": sorted(set(r.criteria[uid]), key=natural_key),
                "decision": _decision(r),
                "accepted": r.accepted,
            }
            for r in records
        ],
        "status": status,
        "complete": uc.complete,
        "accepted": len(uc.ids("accepted")),
        "total": uc.total,
        "signoff": signoff_info(p, uid),
    }


def recording_unit(cov: Coverage, uid: str) -> dict[str, Any]:
    """One unit's recording form: a row per criterion with the evidence that covers it."""
    p = cov.portfolio
    uc = cov.unit(uid)
    if uc is None:
        raise UserError(f"unit {uid} is not among the portfolio's units")
    unit = uc.unit
    by_id = {r.id: r for r in p.records}
    outcomes = []
    items = [(o.id, o.title, o.criteria) for o in unit.outcomes]
    if unit.knowledge:
        items.append(("K", "Knowledge and understanding", unit.knowledge))
    status = {c.id: c for c in uc.criteria}
    for oid, title, criteria in items:
        rows: list[dict[str, Any]] = []
        for c in criteria:
            st = status[c.id]
            evidence = [
                {
                    "type": ", ".join(METHOD_NAMES.get(m, m) for m in by_id[rid].methods),
                    "ref": rid,
                    "date": isodate(by_id[rid].date),
                    "status": _entry_status(by_id[rid]),
                }
                for rid in sorted(st.records, key=natural_key)
                if rid in by_id
            ]
            rows.append(
                {
                    "id": c.id,
                    "text": c.text,
                    "status": st.status,
                    "evidence": evidence,
                    "span": max(1, len(evidence)),
                }
            )
        outcomes.append(
            {"id": oid, "title": title, "criteria": rows, "span": sum(r["span"] for r in rows)}
        )
    return {
        "unit": unit_info(unit),
        "outcomes": outcomes,
        "signoff": signoff_info(p, uid),
        "complete": uc.complete,
    }


def index_records(cov: Coverage, units: list[str] | None, opts: Options) -> list[dict[str, Any]]:
    p = cov.portfolio
    wanted = set(units) if units is not None else None
    out = []
    for r in sorted_records(p.records):
        if wanted is not None and not wanted & set(r.criteria):
            continue
        out.append(
            {
                "id": r.id,
                "title": r.title,
                "date": isodate(r.date),
                "methods": [
                    {"code": method_code(m), "name": METHOD_NAMES.get(m, m)} for m in r.methods
                ],
                "description": r.description,
                "criteria": [
                    {"unit": u, "ids": sorted(ids, key=natural_key)}
                    for u, ids in sorted(r.criteria.items(), key=lambda kv: natural_key(kv[0]))
                    if wanted is None or u in wanted
                ],
                "files": [
                    {
                        "path": f.path,
                        "sha256": f.sha256 or "",
                        "packed": (opts.packed or {}).get(f.path, ""),
                    }
                    for f in r.files
                ],
                "location": r.location or "",
                "decision": _decision(r),
                "assessment": {
                    "decision": r.assessment.decision if r.assessment else "",
                    "assessor": r.assessment.assessor if r.assessment else "",
                    "date": isodate(r.assessment.date) if r.assessment else "",
                    "comment": (r.assessment.comment or "") if r.assessment else "",
                },
            }
        )
    return out


def _unit_ids(cov: Coverage, units: list[str] | None) -> list[str]:
    chosen = [u.unit.id for u in cov.units]
    if units is None:
        return chosen
    q = cov.portfolio.qualification
    out: list[str] = []
    for ref in units:
        uid = q.resolve_unit(ref)
        if uid is None or uid not in chosen:
            from evitrack.diagnostics import did_you_mean

            raise UserError(
                f'unit "{ref}" is not among the portfolio\'s units',
                did_you_mean(ref, chosen) or "units: " + ", ".join(chosen),
            )
        if uid not in out:
            out.append(uid)
    return out


# ---- documents -----------------------------------------------------------------------


def matrix(
    cov: Coverage,
    units: list[str] | None = None,
    form: str = "matrix",
    fmt: str = "html",
    opts: Options | None = None,
) -> str:
    """Evidence matrices (EDI layout) or unit recording forms, one per unit, or the index."""
    opts = opts or Options()
    if form == "index":
        return index(cov, units, fmt, opts)
    if form == "ksb":
        if units is not None:
            raise UserError(
                "--unit does not apply to the KSB mapping: it maps every KSB of the standard",
                "leave out --unit",
            )
        return ksb_mapping(cov, fmt, opts)
    if form not in FORMS:
        raise UserError(f'unknown form "{form}"', "use matrix, recording, index or ksb")
    uids = _unit_ids(cov, units)
    build = matrix_unit if form == "matrix" else recording_unit
    ctx = {**header(cov.portfolio, opts), "units": [build(cov, uid) for uid in uids]}
    return render(form, ctx, fmt, _templates_root(cov, opts), opts.used, opts.environments)


def index(
    cov: Coverage, units: list[str] | None = None, fmt: str = "html", opts: Options | None = None
) -> str:
    """Every record (of the given units): date, methods, files and the criteria it covers."""
    opts = opts or Options()
    uids = _unit_ids(cov, units) if units is not None else None
    ctx = {
        **header(cov.portfolio, opts),
        "records": index_records(cov, uids, opts),
        "packed": opts.packed is not None,
    }
    return render("index", ctx, fmt, _templates_root(cov, opts), opts.used, opts.environments)


KSB_KINDS = (("knowledge", "Knowledge"), ("skill", "Skills"), ("behaviour", "Behaviours"))
KSB_STATUS = {
    "accepted": "Accepted",
    "evidenced": "Evidenced, not yet accepted",
    "unit": "Covered through a mapped unit",
    "missing": "Missing",
}


def _ksb_record(r: Record) -> dict[str, Any]:
    return {
        "ref": r.id,
        "title": r.title,
        "date": isodate(r.date),
        "decision": _decision(r),
        "accepted": r.accepted,
    }


def _mapped_unit(cov: Coverage, ref: str, covered: list[str]) -> dict[str, Any]:
    """A unit (or "UNIT/CRITERION") the standard maps to a KSB, and the records that cite it."""
    uid, _, cid = ref.partition("/")
    unit = cov.portfolio.qualification.units[uid]
    records = [
        r
        for r in sorted_records(cov.portfolio.records)
        if uid in r.criteria and (not cid or cid in r.criteria[uid])
    ]
    return {
        "ref": ref,
        "label": f"unit {uid}" + (f", criterion {cid}" if cid else ""),
        "title": unit.title,
        "covered": ref in covered,
        "records": [_ksb_record(r) for r in records],
    }


def ksb_context(cov: Coverage) -> dict[str, Any]:
    """The KSB mapping a gateway submission carries: per KSB, grouped by kind, the
    standard's text, the mapped units, the records that evidence it (cited directly, or
    through a mapped unit's criteria) and its status."""
    from evitrack.apprenticeship.ksbs import describe

    p = cov.portfolio
    if p.apprenticeship is None or cov.ksbs is None:
        raise UserError(
            "the KSB mapping is for an apprenticeship: this portfolio's evitrack.yaml has no "
            "`apprenticeship:` (or its standard cannot be loaded)",
            "add `apprenticeship:` with its `standard:` and `start:` to evitrack.yaml "
            "(`evitrack check` says what is wrong with it)",
        )
    a = p.apprenticeship
    std = a.standard
    by_id = {r.id: r for r in p.records}
    statements = {k.id: k.statements for k in std.ksbs}
    counts = {s: sum(1 for k in cov.ksbs if k.status == s) for s in KSB_STATUS}
    groups = []
    for kind, label in KSB_KINDS:
        rows = [
            {
                "id": k.ksb,
                "title": " ".join(k.title.split()),
                "statements": statements.get(k.ksb, []),
                "status": k.status,
                "status_label": KSB_STATUS[k.status],
                "describe": describe(k),
                "cited": [_ksb_record(by_id[rid]) for rid in k.records if rid in by_id],
                "units": [_mapped_unit(cov, ref, k.units_covered) for ref in k.units],
            }
            for k in cov.ksbs
            if k.kind == kind
        ]
        if rows:
            groups.append({"kind": kind, "label": label, "ksbs": rows})
    return {
        "standard": {
            "id": std.id,
            "title": std.title,
            "level": std.level or "",
            "version": std.version or "",
            "reference": std.reference or "",
        },
        "apprenticeship": {"start": isodate(a.start), "end": isodate(a.end)},
        "counts": {**counts, "total": len(cov.ksbs)},
        "groups": groups,
    }


def ksb_mapping(cov: Coverage, fmt: str = "html", opts: Options | None = None) -> str:
    """The KSB mapping document (`matrix --form ksb`)."""
    opts = opts or Options()
    ctx = {**header(cov.portfolio, opts), **ksb_context(cov)}
    return render("ksb", ctx, fmt, _templates_root(cov, opts), opts.used, opts.environments)


def _templates_root(cov: Coverage, opts: Options) -> Path | None:
    """The portfolio whose templates/ may override evitrack's (None: evitrack's own only)."""
    return None if opts.shipped_only else cov.portfolio.root


def _completed(cov: Coverage, uid: str) -> bool:
    """A unit counts as completed on the claim form when every criterion is accepted, its
    requirements are met and the learner and assessor have signed it off."""
    uc = cov.unit(uid)
    s = signoff_info(cov.portfolio, uid)
    return bool(uc is not None and uc.complete and s["learner"] and s["assessor"])


def statement_points(p: Portfolio) -> tuple[list[dict[str, str]], str]:
    """The learner statement's four points (label, text) and the assessor's statement."""
    given = p.extra.get("statement") or {}
    points = [
        {"key": k, "label": label, "text": str(given.get(k) or "").strip()}
        for k, label in STATEMENT_POINTS
    ]
    return points, str(given.get(ASSESSOR_STATEMENT) or "").strip()


def claim(
    cov: Coverage,
    units: list[str],
    full_award: bool,
    fmt: str = "html",
    opts: Options | None = None,
) -> str:
    """The claim to competence (EDI: learner statement and assessor summative statement)."""
    opts = opts or Options()
    p = cov.portfolio
    uids = _unit_ids(cov, units)
    points, assessor = statement_points(p)
    done = {u for u in uids if _completed(cov, u)}
    ctx = {
        **header(p, opts),
        # the truth, also in a draft: the award only when every unit and rule is met
        "full_award": full_award and len(done) == len(uids) and cov.rules_satisfied,
        "award_claimed": full_award,
        "count": len(done),
        "count_words": number_words(len(done)),
        "claimed": len(uids),
        "claimed_words": number_words(len(uids)),
        "units": [
            {
                **unit_info(p.qualification.units[u]),
                "signoff": signoff_info(p, u),
                "complete": u in done,
            }
            for u in uids
        ],
        "points": points,
        "assessor_statement": assessor,
    }
    return render("claim", ctx, fmt, _templates_root(cov, opts), opts.used, opts.environments)


def review(
    p: Portfolio, ctx: dict[str, Any], fmt: str = "html", opts: Options | None = None
) -> str:
    """An apprentice's progress review (`apprenticeship.reviews.context` gives `ctx`)."""
    opts = opts or Options()
    data = {**header(p, opts), "review": ctx}
    return render(
        "review", data, fmt, None if opts.shipped_only else p.root, opts.used, opts.environments
    )


# ---- PDF (the optional extra evitrack[pdf]) ------------------------------------------

PDF_VARIANT = "pdf/a-3b"  # archival: fonts embedded, sRGB output intent, XMP metadata
PDF_INSTALL = 'pip install "evitrack[pdf]"'
DOC_NAMES = {
    "matrix": "Evidence matrix",
    "recording": "Unit recording form",
    "index": "Evidence index",
    "claim": "Claim to competence",
    "ksb": "KSB mapping",
    "review": "Progress review",
}
_PDF_FONT = '7pt "Liberation Sans", Arial, "DejaVu Sans", sans-serif'


@dataclass
class PdfDocument:
    """A rendered PDF and the resources its HTML asked for that were not read."""

    data: bytes
    refused: list[str]


def document_date(p: Portfolio) -> dt.date | None:
    """The latest date in the portfolio's data (a record, an assessment, a sign-off): the
    date a PDF carries, so the same portfolio gives the same bytes on any day."""
    dates: list[dt.date] = []
    for r in p.records:
        dates += [d for d in (r.date, r.assessment.date if r.assessment else None) if d]
    for s in p.signoffs.values():
        dates += [
            d
            for d in (s.assessed, s.learner_date, s.assessor_date, s.iv_date)
            if isinstance(d, dt.date)
        ]
    return max((d if not isinstance(d, dt.datetime) else d.date() for d in dates), default=None)


def _weasyprint() -> Any:
    """The weasyprint module, or a UserError naming the extra that brings it."""
    try:
        import weasyprint
    except ImportError:
        raise UserError(
            "PDF needs WeasyPrint, which is not installed", f"install it: {PDF_INSTALL}"
        ) from None
    except OSError as e:  # the library is there, the system's Pango is not
        raise UserError(
            f"PDF needs the system's Pango library, which WeasyPrint could not load ({e})",
            "install Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
            "fonts-dejavu-core)",
        ) from None
    return weasyprint


def pdf_available() -> None:
    """Raise the UserError `pdf` would, before any work is done."""
    _weasyprint()


def _print_css(p: Portfolio, form: str, draft: bool, used: dict[str, str] | None) -> str:
    """The PDF's own rules (a browser never sees them): the shipped `pdf.css`, then a running
    header with the learner and the document on every page."""
    import hashlib

    path = shipped_templates() / "pdf.css"
    data = path.read_bytes()
    if used is not None:
        used[path.name] = hashlib.sha256(data).hexdigest()
    q = p.qualification
    left = f"{p.learner_name} ({p.registration})"
    right = DOC_NAMES.get(form, form) + " – " + q.title + (f" ({q.number})" if q.number else "")
    if draft:
        right += " – DRAFT"
    box = f"font: {_PDF_FONT}; color: #444; vertical-align: bottom; padding-bottom: 2mm;"
    return (
        data.decode("utf-8")
        + "@page {\n"
        + f"  @top-left {{ content: {css_string(left)}; {box} }}\n"
        + f"  @top-right {{ content: {css_string(right)}; {box} text-align: right; }}\n"
        + "}\n"
    )


def pdf(
    html: str,
    p: Portfolio,
    form: str,
    opts: Options | None = None,
) -> PdfDocument:
    """A document's HTML as PDF/A: the same HTML and portfolio give the same bytes.

    Nothing is fetched: the renderer reads files only from evitrack's templates and the
    portfolio, and `data:` URLs; anything else a (portfolio's own) template asks for is
    left out and listed in `refused`.
    """
    opts = opts or Options()
    # a pack's documents (evitrack's templates only) keep their links relative to the pack
    base = None if opts.shipped_only else str(p.root) + "/"
    return _write_pdf(
        html,
        [shipped_templates(), p.root],
        base,
        _print_css(p, form, opts.draft, opts.used),
        document_date(p),
        [p.learner_name] if p.learner_name else [],
    )


def _write_pdf(
    html: str,
    roots: list[Path],
    base: str | None,
    css: str,
    when: dt.date | None,
    authors: list[str],
) -> PdfDocument:
    """HTML as PDF/A, reading files only inside `roots` (and `data:` URLs), dated `when`."""
    import hashlib
    from urllib.parse import unquote, urlsplit

    from evitrack.portfolio import inside

    weasyprint = _weasyprint()
    from weasyprint.urls import URLFetcher

    refused: list[str] = []

    class LocalOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            local = parts.scheme == "file" and parts.netloc in ("", "localhost")
            if parts.scheme == "data" or (
                local and any(inside(r, Path(unquote(parts.path))) for r in roots)
            ):
                return super().fetch(url, headers)
            refused.append(url)
            raise ValueError(f"{url}: evitrack reads only its templates and the portfolio")

    fetcher = LocalOnly(allowed_protocols=("file", "data"))
    document = weasyprint.HTML(string=html, base_url=base, url_fetcher=fetcher).render(
        stylesheets=[weasyprint.CSS(string=css, url_fetcher=fetcher)]
    )
    document.metadata.created = document.metadata.modified = when.isoformat() if when else None
    document.metadata.authors = authors
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32]
    with _source_date(when):  # fontTools stamps subset fonts with this, else with the clock
        data = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=digest.encode("ascii"))
    return PdfDocument(bytes(data), refused)


@contextmanager
def _source_date(when: dt.date | None) -> Iterator[None]:
    """SOURCE_DATE_EPOCH set to the document's date (1970 without one) while a PDF is written,
    whatever the environment says: the bytes depend on the portfolio alone."""
    import calendar
    import os

    epoch = calendar.timegm(when.timetuple()) if when else 0
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


# ---- the centre's dashboard ----------------------------------------------------------


def dashboard(d: Dashboard) -> str:
    """The dashboard as one self-contained HTML page (evitrack's own template only)."""
    from evitrack.dashboard import RISK_NAMES

    learners = []
    for p in d.learners:
        learners.append(
            {
                **p.to_json(),
                "name": p.name,
                "registration": p.registration,
                "qualification_title": p.qualification_title,
                "percent": p.percent,
                "evidenced": p.evidenced,
                "units_complete": p.units_complete,
            }
        )
    ctx = {
        "caseload": d.caseload,
        "date": d.date.isoformat(),
        "stale_weeks": d.stale_weeks,
        "learners": learners,
        "at_risk": [p for p in learners if p["risks"]],
        "units": [{**u.to_json(), "percent": u.percent} for u in d.units],
        "many_qualifications": len({u.qualification for u in d.units}) > 1,
        "iqa": None if d.iqa is None else d.iqa.to_json(),
        "policy_note": d.policy_note or "",
        "risk_names": RISK_NAMES,
    }
    return render("dashboard", ctx, "html")


def dashboard_pdf(html: str, d: Dashboard) -> PdfDocument:
    """The dashboard's HTML as PDF/A, dated the dashboard's date: nothing is read but
    evitrack's templates."""
    css = (shipped_templates() / "pdf.css").read_text(encoding="utf-8")
    return _write_pdf(html, [shipped_templates()], None, css, d.date, [])
