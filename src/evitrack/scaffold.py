"""`init`: a new portfolio a learner can start from."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from evitrack import catalogue, hooks, yamlio
from evitrack.errors import UserError
from evitrack.model import SAMPLE_DESCRIPTION, SAMPLE_TITLE, Qualification
from evitrack.portfolio import EVIDENCE_DIR, PORTFOLIO_FILE, find_root
from evitrack.rules import mandatory_units
from evitrack.schema import PORTFOLIO, RECORD_SCHEMA_FILE, record_schema_text, to_json_schema

SCHEMA_DIR = ".schemas"

GITIGNORE = """\
# evitrack's cache: safe to delete, never commit it
.evitrack-cache/
# rendered documents and packs (re-create them with evitrack matrix / claim)
/out/
# left beside a file only if a write was cut short (power cut, killed): safe to delete
.*.tmp
"""


@dataclass
class Initialised:
    """What `init` did: the portfolio's files, and where the pre-commit hook is."""

    written: list[Path]
    hook: hooks.HookPlan


def _q(text: str) -> str:
    """A YAML double-quoted scalar; what YAML reads as a line break or refuses is escaped."""
    return _UNSAFE_IN_QUOTES.sub(
        lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False)
    )


# DEL and the C1 controls, U+2028/U+2029, a byte-order mark, lone surrogates, non-characters
_UNSAFE_IN_QUOTES = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


_c = yamlio.comment_text  # every text that goes into a generated comment: one safe line


def portfolio_yaml(
    q: Qualification, qref: str, name: str, registration: str, units: list[str]
) -> str:
    shown = qref if qref == q.id else _q(qref)  # a path is quoted: it may hold any character
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_DIR}/portfolio.schema.json",
        f"# evitrack portfolio: {_c(q.title)}",
        "# Check it with `evitrack check`; see what is left with `evitrack gaps`.",
        f"qualification: {shown}",
        "learner:",
        f"  name: {_q(name)}",
        f"  registration: {_q(registration)}",
        "# The units you are taking. Mandatory units are always included.",
        f"# See them all with `evitrack qualification show {_c(qref)}`.",
        "units:",
    ]
    for uid in units:
        lines.append(f"  - {_q(uid)}  # {_c(q.units[uid].title)}")
    if not units:
        lines[-1] = "units: []"
    lines += [
        "# Unit sign-offs for the claim form are recorded with `evitrack sign UNIT --as ...`.",
        "signoffs: {}",
        "",
    ]
    return "\n".join(lines)


def sample_record(q: Qualification, units: list[str], today: dt.date) -> str:
    unit = q.units[units[0]] if units else next(iter(q.units.values()))
    first = unit.criteria[0] if unit.criteria else None
    cites = f"  {_q(unit.id)}: [{_q(first.id)}]" if first else f"  {_q(unit.id)}: []"
    about = f"#   {_c(f'{unit.id}/{first.id}: {first.text}')}" if first else "#"
    return "\n".join(
        [
            "# yaml-language-server: $schema=../.schemas/record.schema.json",
            "# A sample evidence record: edit it to describe real evidence, or delete it.",
            "# One record per file; add new ones with `evitrack add`.",
            "id: E0001",
            f"title: {SAMPLE_TITLE}",
            f"date: {today.isoformat()}",
            "methods: [reflective-account]",
            "description: |",
            *("  " + line for line in SAMPLE_DESCRIPTION.splitlines()),
            "# The criteria this evidence covers, unit by unit. Quote the ids.",
            about,
            "criteria:",
            cites,
            "# Attach files kept under files/ (evitrack records their sha256):",
            "# files:",
            "#   - path: files/example.pdf",
            "",
        ]
    )


def readme(q: Qualification, name: str, qref: str) -> str:
    return f"""\
# Portfolio of {_c(name)}: {_c(q.title)}

This folder is your portfolio of evidence. It is plain text, kept in git, and
checked by [evitrack](https://pypi.org/project/evitrack/).

- `evitrack.yaml`: who you are, the qualification, the units you are taking.
- `evidence/`: one file per piece of evidence (an evidence record), saying what
  happened and which criteria it covers.
- `files/`: documents, photos and recordings that records attach.

Everyday commands, run inside this folder:

| command | what it does |
|---|---|
| `evitrack add` | add an evidence record (asks you for the details) |
| `evitrack check` | find mistakes, with the file and line of each |
| `evitrack status` | your progress, unit by unit |
| `evitrack gaps` | the criteria you still need to cover |
| `evitrack qualification show {qref}` | every unit and criterion |

Commit your work with git; the pre-commit hook runs `evitrack check` first
(set it up once with `pip install pre-commit && pre-commit install`).
"""


def centre_file(target: Path, ref: str) -> str | None:
    """A centre's own qualification file for `init`: its path relative to the portfolio.

    None when `ref` is not a path (a shipped id). evitrack reads nothing from outside a
    portfolio, so the file must already lie inside `target`: a relative path is taken
    relative to `target` (as `qualification:` in evitrack.yaml is), an absolute one must
    lead inside it. UserError otherwise.
    """
    if ref in catalogue.shipped_files() or not catalogue.looks_like_path(ref):
        return None
    name = Path(ref).name
    example = f"to {target / 'qualifications' / name}, then pass -q qualifications/{name}"
    copy_first = f"copy the file into the portfolio folder first (e.g. {example})"
    if not target.is_dir():
        raise UserError(
            f'qualification file "{ref}" must lie inside the portfolio folder {target}, '
            "which does not exist yet",
            f"create the folder and copy the file into it first (e.g. {example})",
        )
    root = target.resolve()
    given = Path(ref)
    path = (root / given).resolve()
    if not path.is_file() and not given.is_absolute() and (Path.cwd() / given).is_file():
        here = (Path.cwd() / given).resolve()  # a path from here, not from the portfolio
        if root in here.parents:
            raise UserError(
                f'qualification file "{ref}" not found in the portfolio folder {target}',
                "the path is taken relative to the portfolio folder: use -q "
                + here.relative_to(root).as_posix(),
            )
        path = here
    if root not in path.parents:
        raise UserError(
            f'qualification file "{ref}" is outside the portfolio folder {target}: evitrack '
            "reads nothing from outside a portfolio",
            copy_first,
        )
    if not path.is_file():
        raise UserError(
            f'qualification file "{ref}" not found in the portfolio folder {target}', copy_first
        )
    rel = path.relative_to(root)
    if rel.parts[0] in (EVIDENCE_DIR, SCHEMA_DIR):
        raise UserError(
            f'qualification file "{ref}" is in {rel.parts[0]}/, where evitrack reads every file '
            "as one of its own",
            f"move it to another folder of the portfolio, e.g. qualifications/{rel.name}",
        )
    return rel.as_posix()


def refuse_unusable(path: Path) -> None:
    """UserError with every error `qualification check` finds in a centre's file.

    Loading refuses a file that breaks the schema; this adds what only the whole file
    shows (E505: rules no selection of units can satisfy), which every later `check`
    of the portfolio would report.
    """
    from evitrack.catalogue import check_file
    from evitrack.diagnostics import Severity
    from evitrack.locate import display_path

    shown = display_path(path)
    errors = [d for d in check_file(path, shown) if d.severity is Severity.ERROR]
    if errors:
        n = len(errors)
        raise UserError(
            f"qualification file {shown} has {n} problem{'s' if n != 1 else ''}; "
            "nothing was written:\n" + "\n".join(d.format() for d in errors),
            f"fix the file (`evitrack qualification check {shown}` checks it), then run init again",
        )


def init(
    target: Path,
    qualification: str,
    name: str,
    registration: str,
    units: list[str],
    today: dt.date | None = None,
) -> Initialised:
    """Create a portfolio in `target`; refuse to overwrite anything.

    The pre-commit hook goes into the config of the git repository holding `target` (the
    one file written outside the portfolio: pre-commit reads no other), or into the
    portfolio's own config outside git.
    """
    today = today or dt.date.today()
    existing = find_root(target) if target.exists() else None
    if existing is not None:
        raise UserError(
            f"{existing} is already a portfolio ({PORTFOLIO_FILE} exists); nothing was changed",
            "choose another folder for a new portfolio",
        )
    qref = centre_file(target, qualification)
    q = catalogue.load(qref, target) if qref is not None else catalogue.load(qualification)
    if q.kind != "qualification":
        raise UserError(f'"{qualification}" is a unit library, not a qualification')
    if qref is not None:
        refuse_unusable(target / qref)
    qref = qref or q.id
    chosen = _chosen_units(q, units)
    files = {
        PORTFOLIO_FILE: portfolio_yaml(q, qref, name, registration, chosen),
        f"{EVIDENCE_DIR}/E0001.yaml": sample_record(q, chosen, today),
        "README.md": readme(q, name, qref),
        ".gitignore": GITIGNORE,
        RECORD_SCHEMA_FILE: record_schema_text(q, chosen),
        f"{SCHEMA_DIR}/portfolio.schema.json": json.dumps(
            to_json_schema(PORTFOLIO, "evitrack portfolio"), indent=2
        )
        + "\n",
        "files/.gitkeep": "",
    }
    _refuse_to_overwrite(target, files)
    hook = hooks.plan(target)
    written = []
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not yamlio.atomic_create_text(path, text):
            raise UserError(f"{path} appeared while writing; stopped")
        written.append(path)
    hooks.apply(hook)
    return Initialised(written, hook)


def _chosen_units(q: Qualification, units: list[str]) -> list[str]:
    """The units named (by id or alias) and every mandatory unit, in the qualification's
    order."""
    chosen: list[str] = []
    for ref in units:
        uid = q.resolve_unit(ref)
        if uid is None:
            from evitrack.diagnostics import unknown_unit

            raise UserError(*unknown_unit(ref, q.id, q.unit_names()))
        chosen.append(uid)
    for uid in mandatory_units(q):
        if uid not in chosen:
            chosen.append(uid)
    order = list(q.units)
    chosen.sort(key=order.index)
    return chosen


def _refuse_to_overwrite(target: Path, files: dict[str, str]) -> None:
    """UserError, before anything is written, when any file would go through a link or
    replace one that exists."""
    from evitrack.locate import links_between

    linked = {link for rel in files if (link := links_between(target, target / rel))}
    if linked:
        raise UserError(
            f"{target}: {', '.join(sorted(p.name for p in linked))} is a link: evitrack does "
            "not write through links; nothing was changed",
            "choose an empty folder for a new portfolio",
        )
    clashes = [rel for rel in files if (target / rel).exists()]
    if clashes:
        raise UserError(
            f"{target}: {', '.join(clashes)} already exist; nothing was changed",
            "choose an empty folder for a new portfolio",
        )
