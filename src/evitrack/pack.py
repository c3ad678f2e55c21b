"""The certification pack (`evitrack claim`) and its verification (`evitrack claim verify`).

A pack is one folder (or a zip of it): the claim to competence, an evidence matrix
per claimed unit, the evidence index, a copy of every evidence file of the claimed
units under a stable name, `summary.json`, and `SHA256SUMS` (sha256sum's format)
listing every other file. The same portfolio gives the same bytes: entries are
sorted, nothing depends on the clock, and the zip's timestamps and permissions
are fixed.

Safety: only files inside the portfolio are read; a file whose sha256 no longer
matches its record stops the claim (hashed as it is copied, or read into the zip, so
a file cannot change between the check and the copy); names in the pack are built
from record ids and sanitised base names, so nothing can be written outside it; the
portfolio is only read (the pack goes to `out/`, which `init`'s .gitignore ignores, or to `-o`).
The documents come from evitrack's own templates, never a portfolio's (summary.json
records each template and qualification file with its sha256); a pack is never
written through a link inside a portfolio nor over its files, and replaces only an
earlier pack; hard-linked attachments are refused (their other name may be anywhere).
`verify` reads a pack as untrusted input, within the limits below.

Nothing here prints or exits: `build` and `verify` return data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from evitrack.cache import sha256_file
from evitrack.diagnostics import error_lines
from evitrack.errors import UserError
from evitrack.locate import attachment, output_target
from evitrack.model import Portfolio, Record

if TYPE_CHECKING:
    from evitrack.coverage import Coverage

MANIFEST = "SHA256SUMS"
SUMMARY = "summary.json"
CLAIM_DOC = "claim-to-competence.html"
INDEX_DOC = "evidence-index.html"
EVIDENCE_DIR = "evidence"
FORMAT = 1

WORK_PREFIX = ".evitrack-claim-"  # a claim's work folder beside the pack, while it is built
WORK_OWNER = "evitrack-claim-owner"  # in it: which process owns it (stale once that is gone)

# What `claim verify` (and the check before replacing an earlier pack) will read: a pack
# is checked without trusting it, so a crafted one cannot take the disk, memory or hours.
MAX_MANIFEST = 16 << 20  # bytes of SHA256SUMS: about 170,000 files
MAX_SUMMARY = 64 << 20  # bytes of summary.json
MAX_READ = 64 << 30  # bytes hashed in all (uncompressed, for a zip)
MAX_ENTRIES = 200_000  # files in a pack or entries in a zip

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: no clock in the bytes
FILE_MODE = 0o644
DIR_MODE = 0o755
CHUNK = 1 << 20
SIGNOFF_FIELDS = (
    ("assessed", "summative assessment date"),
    ("learner", "learner's initials"),
    ("learner_date", "learner's signature date"),
    ("assessor", "assessor's initials"),
    ("assessor_date", "assessor's signature date"),
)

Progress = Callable[[int, int, str], None]  # (files done, files in all, current file)


# ---- what is claimed -----------------------------------------------------------------


@dataclass
class Selection:
    """Which units a claim covers and what stands in its way."""

    kind: str  # full-award | units
    units: list[str]
    full_award: bool
    draft: bool
    problems: list[str] = field(default_factory=list)  # non-empty: refused (unless a draft)
    notes: list[str] = field(default_factory=list)  # units left out, statement not written


def signoff_gaps(p: Portfolio, uid: str) -> list[str]:
    """What the sign-off of a unit still lacks (the IV's fields only if sampled)."""
    s = p.signoffs.get(uid)
    if s is None:
        return [f"unit {uid}: not signed off (`evitrack sign {uid} --as assessor`, then learner)"]
    if s.void:
        return [
            f"unit {uid}: the sign-off is void, {s.void} "
            f"(sign again: `evitrack sign {uid} --as assessor`, then learner)"
        ]
    out = [
        f"unit {uid}: the {'IV' if role == 'iv' else role} sign-off does not count: {why} "
        f"(`evitrack check` says why; sign again: `evitrack sign {uid} --as {role} --key FILE`)"
        for role, why in s.bad_signatures.items()
    ]
    for key, words in SIGNOFF_FIELDS:
        if getattr(s, key) in (None, "") and key.split("_")[0] not in s.bad_signatures:
            who = "learner" if key.startswith("learner") else "assessor"
            out.append(f"unit {uid}: sign-off has no {words} (`evitrack sign {uid} --as {who}`)")
    if bool(s.iv) != bool(s.iv_date):
        missing = "date" if s.iv else "initials"
        out.append(f"unit {uid}: internal verifier's sign-off has no {missing}")
    return out


def unit_gaps(cov: Coverage, uid: str) -> list[str]:
    """Why a unit is not complete: criteria not accepted, requirements unmet."""
    uc = cov.unit(uid)
    if uc is None:  # pragma: no cover - units come from the portfolio
        return [f"unit {uid}: not among the portfolio's units"]
    out = []
    if not uc.verifiable:
        out.append(
            f"unit {uid}: the specification prints no criteria for it, so it cannot "
            "be shown complete"
        )
    unmet = [r.detail for r in uc.requirements if not r.satisfied]
    missing = [c.id for c in uc.criteria if c.status == "missing"]
    if missing:
        out.append(f"unit {uid}: no evidence for {_ids(missing)}")
    waiting: dict[str, list[str]] = {}
    for c in uc.criteria:
        if c.status == "evidenced":
            why = "; ".join(r for r in c.reasons if r not in unmet) or "not accepted"
            waiting.setdefault(why, []).append(c.id)
    for why, ids in waiting.items():
        out.append(f"unit {uid}: not accepted yet: {_ids(ids)} ({why})")
    out += [f"unit {uid}: {detail}" for detail in unmet]
    return out


def _ids(ids: list[str]) -> str:
    return ("criterion " if len(ids) == 1 else "criteria ") + ", ".join(ids)


def learner_gaps(p: Portfolio) -> list[str]:
    """A claim names a real learner, not the placeholders `evitrack init` writes."""
    from evitrack.model import PLACEHOLDER_NAME, PLACEHOLDER_REGISTRATION

    out = []
    for key, value, placeholder in (
        ("name", p.learner_name, PLACEHOLDER_NAME),
        ("registration", p.registration, PLACEHOLDER_REGISTRATION),
    ):
        if value.strip() == placeholder:  # (a blank one is an error check reports)
            out.append(
                f'learner.{key} in evitrack.yaml is still "{placeholder}", written by '
                "`evitrack init`: replace it with the learner's own"
            )
    return out


def sample_records(p: Portfolio, units: list[str]) -> list[str]:
    """The records citing `units` that still hold the sample text `evitrack init` wrote."""
    from evitrack.model import is_sample_text

    return [
        f"record {r.id} still holds the sample text written by `evitrack init`: describe "
        "real evidence in it, or delete it"
        for r in p.records
        if is_sample_text(r.description) and any(u in r.criteria for u in units)
    ]


def select(
    cov: Coverage,
    diagnostics: list[Any],
    units: list[str] | None,
    completed: bool,
    draft: bool,
) -> Selection:
    """The units a claim covers, and everything that stops it (listed, never the first only)."""
    p = cov.portfolio
    if units is not None and completed:
        raise UserError("give --units or --completed, not both")
    if units is not None:
        sel = Selection("units", _chosen_units(p, units), False, draft)
    elif completed:
        sel = _completed_units(cov, draft)
    else:
        sel = Selection("full-award", list(p.units), True, draft)

    sel.problems += learner_gaps(p)
    if sel.kind == "full-award":
        sel.problems += [f"rule {r.rule}: {r.detail}" for r in cov.rules if not r.satisfied]
    for uid in sel.units if not completed else []:
        sel.problems += unit_gaps(cov, uid) + signoff_gaps(p, uid)
    sel.problems += error_lines(diagnostics)
    if draft:
        sel.notes += sel.problems
        sel.problems = []
    sel.problems += sample_records(p, sel.units)  # never in a pack, not even a draft
    if not sel.units:  # even a draft needs something to pack
        sel.problems.append("no unit is complete and signed off yet: nothing to claim")
    sel.notes += _form_notes(p)
    return sel


def _chosen_units(p: Portfolio, units: list[str]) -> list[str]:
    """The portfolio's units named by --units, each once, in the portfolio's order."""
    chosen: list[str] = []
    for ref in units:
        uid = p.qualification.resolve_unit(ref)
        if uid is None or uid not in p.units:
            from evitrack.diagnostics import did_you_mean

            raise UserError(
                f'unit "{ref}" is not among the portfolio\'s units',
                did_you_mean(ref, p.units) or "units: " + ", ".join(p.units),
            )
        if uid not in chosen:
            chosen.append(uid)
    if not chosen:
        raise UserError("--units names no unit")
    return sorted(chosen, key=p.units.index)


def _completed_units(cov: Coverage, draft: bool) -> Selection:
    """A unit claim of every unit complete and signed off; a note for each left out."""
    p = cov.portfolio
    sel = Selection("units", [], False, draft)
    for uid in p.units:
        left = unit_gaps(cov, uid) + signoff_gaps(p, uid)
        if left:
            sel.notes.append(
                f"unit {uid} left out: {len(left)} thing"
                f"{'s' if len(left) != 1 else ''} to do ({left[0]})"
            )
        else:
            sel.units.append(uid)
    return sel


def _form_notes(p: Portfolio) -> list[str]:
    """What the claim form will leave out or not use: no centre, the portfolio's own
    templates, no learner statement."""
    from evitrack.render import STATEMENT_POINTS

    notes = []
    if not (p.extra.get("centre") or {}).get("name"):
        notes.append(
            "no centre in evitrack.yaml (`centre: {name: ..., number: ...}`): the claim form "
            "leaves it out"
        )
    if (p.root / "templates").is_dir() and any((p.root / "templates").glob("*.j2")):
        notes.append(
            "the portfolio's templates/ is not used for a claim: a claim for certification "
            "is built from evitrack's own templates (templates/ still shapes `evitrack matrix`)"
        )
    if not any((p.extra.get("statement") or {}).get(k) for k, _ in STATEMENT_POINTS):
        notes.append(
            "no learner statement in evitrack.yaml (`statement:`): the claim form "
            "leaves room to write it by hand"
        )
    return notes


# ---- the pack ------------------------------------------------------------------------


@dataclass
class PackedFile:
    record: str
    path: str  # in the portfolio
    name: str  # in the pack
    sha256: str = ""
    size: int = 0


@dataclass
class BuildResult:
    selection: Selection
    output: Path | None = None  # the pack written (None when refused)
    zipped: bool = False
    files: list[PackedFile] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    manifest: dict[str, str] = field(default_factory=dict)  # name -> sha256, every file
    manifest_sha256: str = ""  # of SHA256SUMS itself: record it to detect a rewritten manifest
    replaced: bool = False  # an earlier pack stood at the same place
    cleaned: list[Path] = field(default_factory=list)  # work folders of claims that died


def safe_component(name: str, limit: int = 100) -> str:
    """One path component that is safe everywhere: no separators, dots or control characters."""
    name = unicodedata.normalize("NFC", name)
    name = re.sub(r"[^\w.\- ]", "_", name).strip(" .")
    name = re.sub(r"_{2,}", "_", name)
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:16] if dot and stem else ""
        name = name[: limit - len(ext) - 1].rstrip(" .") + ("." + ext if ext else "")
    return name or "_"


def default_output(p: Portfolio, zipped: bool) -> Path:
    name = "claim-" + safe_component(p.registration or "unregistered")
    return p.root / "out" / (name + ".zip" if zipped else name)


def _claimed_records(p: Portfolio, units: list[str]) -> list[Record]:
    from evitrack.render import sorted_records

    wanted = set(units)
    return sorted_records(r for r in p.records if wanted & set(r.criteria))


def plan_files(p: Portfolio, records: list[Record], sel: Selection) -> list[PackedFile]:
    """Each evidence file once, named `evidence/<record id>/<base name>`; unsafe paths refused."""
    out: list[PackedFile] = []
    by_path: dict[str, PackedFile] = {}
    taken: set[str] = set()
    for r in records:
        folder = f"{EVIDENCE_DIR}/{safe_component(r.id)}"
        for f in r.files:
            rel = PurePosixPath(f.path.replace("\\", "/"))
            where = f'{r.id}: attached file "{f.path}"'
            target, why = attachment(p.root, f.path)
            if target is None:
                sel.problems.append(f"{where} {why}: never copied")
                continue
            if not target.is_file():
                msg = f"{where} {'does not exist' if not target.exists() else 'is not a file'}"
                (sel.notes if sel.draft else sel.problems).append(msg + ": not packed")
                continue
            if not f.sha256:
                msg = f"{where} has no recorded sha256 (run `evitrack hash {r.id}`)"
                if not sel.draft:
                    sel.problems.append(msg)
                    continue
                sel.notes.append(msg + ": packed unverified")
            key = str(rel)
            if key in by_path:
                continue
            stem, dot, ext = safe_component(rel.name).rpartition(".")
            if not dot or not stem:
                stem, ext = safe_component(rel.name), ""
            name, n = f"{folder}/{stem}{'.' + ext if ext else ''}", 1
            while name.lower() in taken:
                n += 1
                name = f"{folder}/{stem}-{n}{'.' + ext if ext else ''}"
            taken.add(name.lower())
            pfile = PackedFile(r.id, key, name, f.sha256 or "")
            by_path[key] = pfile
            out.append(pfile)
    return out


def _copy(src: Path, dest: Path) -> tuple[str, int]:
    """Copy one file, hashing the bytes as they are written; returns (sha256, size)."""
    h = hashlib.sha256()
    size = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with src.open("rb") as fin, dest.open("xb") as fout:
        while chunk := fin.read(CHUNK):
            h.update(chunk)
            fout.write(chunk)
            size += len(chunk)
    os.chmod(dest, FILE_MODE)
    return h.hexdigest(), size


def _write(folder: Path, name: str, text: str | bytes) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        with path.open("xb") as fb:
            fb.write(text)
    else:
        with path.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    os.chmod(path, FILE_MODE)


def pdf_name(name: str) -> str:
    """The PDF beside an HTML document of the pack: claim-to-competence.html -> .pdf."""
    return name.removesuffix(".html") + ".pdf"


def qualification_files(p: Portfolio) -> list[dict[str, Any]]:
    """The qualification file(s) a claim was built against, with their sha256."""
    from evitrack.catalogue import files_read

    out: list[dict[str, Any]] = []
    for path, digest, shipped in files_read(p.qualification):
        try:
            shown = path.resolve().relative_to(p.root.resolve()).as_posix()
        except ValueError:
            shown = f"evitrack/catalogue/{path.name}" if shipped else path.name
        entry = {"path": shown, "shipped": shipped, "sha256": digest}
        if entry not in out:
            out.append(entry)
    return out


def _signatures(p: Portfolio) -> dict[str, Any]:
    """Whether decisions had to be signed, and which allowed_signers file verified them."""
    from evitrack import signing

    named = signing.named_list()
    listed = signing.load_allowed(named) if named else None
    return {
        "required": listed is not None or p.settings.get("signatures") == "required",
        "allowed_signers": {"path": listed.path, "sha256": listed.sha256} if listed else None,
    }


def summary(
    cov: Coverage,
    sel: Selection,
    files: list[PackedFile],
    documents: dict[str, Any],
    templates: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The machine-readable summary of a pack (summary.json)."""
    p = cov.portfolio
    records = _claimed_records(p, sel.units)
    centre = p.extra.get("centre") or None
    return {
        "format": FORMAT,
        "kind": sel.kind,
        "draft": sel.draft,
        "full_award": sel.full_award,
        "qualification": _summary_qualification(p),
        "learner": {"name": p.learner_name, "registration": p.registration},
        "centre": dict(centre) if centre else None,
        "units": _summary_units(cov, sel, records, documents),
        "signatures": _signatures(p),
        "rules_satisfied": cov.rules_satisfied,
        "rules": [
            {"rule": r.rule, "satisfied": r.satisfied, "detail": r.detail} for r in cov.rules
        ],
        "records": _summary_records(records, sel, files),
        "documents": documents,
        "templates": {
            "origin": "evitrack (shipped)",
            "files": dict(sorted((templates or {}).items())),
        },
    }


def _summary_qualification(p: Portfolio) -> dict[str, Any]:
    q = p.qualification
    return {
        "id": q.id,
        "title": q.title,
        "awarding_body": q.awarding_body or None,
        "number": q.number,
        "level": q.level,
        "extends": q.extra.get("extends"),  # a centre's file: the qualification it extends
        "files": qualification_files(p),
    }


def _summary_units(
    cov: Coverage, sel: Selection, records: list[Record], documents: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each claimed unit: its facts, how complete, its sign-off, records and matrix."""
    from evitrack.render import signoff_info

    p = cov.portfolio
    q = p.qualification
    return [
        {
            "unit": uid,
            "title": q.units[uid].title,
            "level": q.units[uid].level,
            "credit": q.units[uid].credit,
            "glh": q.units[uid].glh,
            "complete": uc.complete,
            "criteria": uc.total,
            "accepted": len(uc.ids("accepted")),
            "signoff": signoff_info(p, uid),
            "records": [r.id for r in records if uid in r.criteria],
            "matrix": documents["matrices"][uid],
        }
        for uid in sel.units
        if (uc := cov.unit(uid)) is not None
    ]


def _summary_records(
    records: list[Record], sel: Selection, files: list[PackedFile]
) -> list[dict[str, Any]]:
    """Each claimed record: what it cites of the claimed units, its decision, its files
    (with their names and hashes in the pack)."""
    from evitrack.render import isodate

    packed: dict[str, PackedFile] = {f.path: f for f in files}
    return [
        {
            "id": r.id,
            "title": r.title,
            "date": isodate(r.date),
            "methods": list(r.methods),
            "criteria": {u: ids for u, ids in r.criteria.items() if u in sel.units},
            "location": r.location,
            "assessment": None
            if r.assessment is None
            else {
                "decision": r.assessment.decision,
                "assessor": r.assessment.assessor,
                "date": isodate(r.assessment.date),
            },
            "fingerprint": r.fingerprint,
            "files": [
                {
                    "path": f.path,
                    "packed": packed[f.path].name if f.path in packed else None,
                    "sha256": packed[f.path].sha256 if f.path in packed else f.sha256,
                    "bytes": packed[f.path].size if f.path in packed else None,
                }
                for f in r.files
            ],
        }
        for r in records
    ]


def build(
    root: Path,
    output: Path | None = None,
    zipped: bool = False,
    units: list[str] | None = None,
    completed: bool = False,
    draft: bool = False,
    progress: Progress | None = None,
    pdf: bool = False,
) -> BuildResult:
    """Build the pack; when anything stands in the way, nothing is written and
    `result.problems` says what. `pdf`: a PDF/A beside every HTML document.

    A folder pack gets a copy of each evidence file, hashed as it is copied; a zip is
    written straight from the portfolio's files, each hashed as it is read into the zip
    (read once, never copied first). Either way a file whose bytes are not the sha256
    recorded for it stops the claim and nothing is written."""
    from evitrack import render
    from evitrack.coverage import coverage
    from evitrack.records import load_portfolio

    if pdf:
        render.pdf_available()  # before any work: the message naming the extra
    p, diagnostics = load_portfolio(root)
    cov = coverage(p)
    sel = select(cov, diagnostics, units, completed, draft)
    result = BuildResult(sel)
    if sel.problems:
        return result
    files = plan_files(p, _claimed_records(p, sel.units), sel)
    if sel.problems:
        return result
    if output is not None and output.suffix.lower() == ".zip":
        zipped = True
    target = output_target(output if output is not None else default_output(p, zipped), "pack")
    _check_target(target, zipped)
    result.replaced = target.exists()

    target.parent.mkdir(parents=True, exist_ok=True)
    result.cleaned = clean_stale(target.parent)
    work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=target.parent))
    try:
        _write(work, WORK_OWNER, _owner_text(os.getpid()))
        folder = work / "pack"
        folder.mkdir()
        if zipped:
            _measure(p.root, files)
        elif not _copy_all(p.root, files, folder, sel, progress):
            return result
        _write_documents(folder, cov, sel, files, pdf, result)
        if zipped:
            sources = {f.name: (p.root / f.path, f.sha256) for f in files}
            changed = write_zip(folder, work / "pack.zip", pack_name(p), sources, progress)
            if changed is not None:
                sel.problems.append(_changed(next(f for f in files if f.name == changed)))
                return result
            os.chmod(work / "pack.zip", FILE_MODE)
            os.replace(work / "pack.zip", target)
        else:
            _replace_folder(folder, target, work)
            for d in [target, *(q for q in target.rglob("*") if q.is_dir())]:
                os.chmod(d, DIR_MODE)
        result.output, result.zipped = target, zipped
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _changed(f: PackedFile) -> str:
    return (
        f'{f.record}: attached file "{f.path}" has changed since it was recorded '
        "(sha256 mismatch): the claim stops"
    )


def _copy_all(
    root: Path, files: list[PackedFile], folder: Path, sel: Selection, progress: Progress | None
) -> bool:
    """Copy every evidence file into the pack folder, hashing it as it is copied: False (and
    the problem in `sel`) at the first whose bytes are not the sha256 recorded for it."""
    for i, f in enumerate(files):
        if progress:
            progress(i, len(files), f.path)
        digest, size = _copy(root / f.path, folder / f.name)
        if digest != f.sha256 and f.sha256:
            sel.problems.append(_changed(f))
            return False
        f.sha256, f.size = digest, size
    if progress:
        progress(len(files), len(files), "")
    return True


def _measure(root: Path, files: list[PackedFile]) -> None:
    """For a zip, which reads each evidence file once as it writes it: the size of each, and
    the sha256 of a file that has none recorded (a draft's), which the zip then holds it to."""
    for f in files:
        f.size = (root / f.path).stat().st_size
        f.sha256 = f.sha256 or sha256_file(root / f.path)


def _write_documents(
    folder: Path,
    cov: Coverage,
    sel: Selection,
    files: list[PackedFile],
    pdf: bool,
    result: BuildResult,
) -> None:
    """The documents, summary.json and SHA256SUMS into the pack folder; the evidence files
    are listed in SHA256SUMS by the sha256 they were (or will be) packed under."""
    from evitrack import render

    p = cov.portfolio
    used: dict[str, str] = {}
    packed = {f.path: f.name for f in files}
    opts = render.Options(sel.draft, packed, shipped_only=True, used=used, environments={})
    matrices = {uid: f"evidence-matrix-{safe_component(uid)}.html" for uid in sel.units}
    documents: dict[str, Any] = {"claim": CLAIM_DOC, "index": INDEX_DOC, "matrices": matrices}
    html = {CLAIM_DOC: render.claim(cov, sel.units, sel.full_award, "html", opts)}
    html |= {
        name: render.matrix(cov, [uid], "matrix", "html", opts) for uid, name in matrices.items()
    }
    html[INDEX_DOC] = render.index(cov, sel.units, "html", opts)
    for name, text in html.items():
        _write(folder, name, text)
    if pdf:
        documents["pdf"] = {
            "claim": pdf_name(CLAIM_DOC),
            "index": pdf_name(INDEX_DOC),
            "matrices": {uid: pdf_name(name) for uid, name in matrices.items()},
        }
        forms = {CLAIM_DOC: "claim", INDEX_DOC: "index"}
        for name, text in html.items():
            _write(
                folder, pdf_name(name), render.pdf(text, p, forms.get(name, "matrix"), opts).data
            )
    data = summary(cov, sel, files, documents, used)
    _write(folder, SUMMARY, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    digests = {f.name: f.sha256 for f in files}
    names = sorted({*_walk(folder), *digests})
    manifest = {name: digests.get(name) or sha256_file(folder / name) for name in names}
    _write(folder, MANIFEST, manifest_text(manifest))
    result.manifest_sha256 = sha256_file(folder / MANIFEST)
    result.files = files
    result.documents = [CLAIM_DOC, *matrices.values(), INDEX_DOC]
    if pdf:
        result.documents += [pdf_name(name) for name in result.documents]
    result.manifest = manifest


def pack_name(p: Portfolio) -> str:
    return "claim-" + safe_component(p.registration or "unregistered")


def _check_target(target: Path, zipped: bool) -> None:
    """Refuse to replace anything that is not provably an earlier pack: its own summary.json
    and SHA256SUMS, every file its manifest lists, nothing else."""
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink():
        raise UserError(f"{target} is a link: not replaced", "choose another -o")
    if zipped:
        if target.is_dir():
            raise UserError(f"{target} is a folder", "give a .zip file name with -o")
        why = _zip_not_a_pack(target) if target.is_file() else "not a regular file"
        if why is None:
            return
        raise UserError(
            f"{target} exists and is not an evitrack pack: not replaced",
            f"{why}; choose another -o, or remove it first",
        )
    if not target.is_dir():
        raise UserError(f"{target} exists and is not a folder: not replaced", "choose another -o")
    if not any(target.iterdir()):
        return
    why = _folder_not_a_pack(target)
    if why is not None:
        raise UserError(
            f"{target} is a folder that is not an evitrack pack: not replaced",
            f"{why}; choose another -o (a new or empty folder), or remove it first",
        )


def _pack_problem(names: list[str], read: Callable[[str, int], bytes | None]) -> str | None:
    """Why the files `names` (posix, relative to the pack) are not an evitrack pack, or None.

    `read(name, limit)`: the file's bytes, None when it is not a regular file or is larger."""
    if len(names) > MAX_ENTRIES:
        return f"it holds more than {MAX_ENTRIES:,} files"
    raw = read(MANIFEST, MAX_MANIFEST)
    if raw is None:
        return f"it has no {MANIFEST} that evitrack wrote"
    probe = VerifyResult(Path())
    listed = parse_manifest(raw.decode("utf-8", errors="replace"), probe)
    if probe.invalid:
        return f"its {MANIFEST} has a line evitrack never writes"
    summary_raw = read(SUMMARY, MAX_SUMMARY) if SUMMARY in listed else None
    try:
        data = json.loads(summary_raw) if summary_raw is not None else None
    except ValueError:
        data = None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("format"), int)
        and data.get("kind") in ("full-award", "units")
        and isinstance(data.get("documents"), dict)
    ):
        return f"it has no {SUMMARY} that evitrack wrote"
    extra = sorted(set(names) - set(listed) - {MANIFEST})
    if extra:
        return f'"{extra[0]}" is not in its {MANIFEST}'
    return None


def _folder_not_a_pack(folder: Path) -> str | None:
    names: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        base = Path(dirpath)
        if not dirnames and not filenames and base != folder:
            return f'"{base.relative_to(folder).as_posix()}" is a folder a pack never holds'
        for name in [*dirnames, *filenames]:
            path = base / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                return f'"{rel}" is a link, which a pack never holds'
            if name in filenames and not path.is_file():
                return f'"{rel}" is not a regular file'
        names += [(base / f).relative_to(folder).as_posix() for f in filenames]
        if len(names) > MAX_ENTRIES:
            break

    def read(name: str, limit: int) -> bytes | None:
        path = folder / name
        if path.is_symlink() or not path.is_file() or path.stat().st_size > limit:
            return None
        with path.open("rb") as fh:
            return fh.read(limit + 1)

    return _pack_problem(names, read)


def _zip_not_a_pack(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            tops = {i.filename.split("/", 1)[0] for i in infos}
            if len(tops) != 1 or any("/" not in i.filename for i in infos):
                return "it is not one folder of files"
            prefix = tops.pop() + "/"
            files = {i.filename[len(prefix) :]: i for i in infos if not i.is_dir()}

            def read(name: str, limit: int) -> bytes | None:
                info = files.get(name)
                if info is None or info.file_size > limit or _zip_kind(info) != "file":
                    return None
                try:
                    with z.open(info) as fh:
                        return fh.read(limit + 1)
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError):
                    return None

            return _pack_problem(list(files), read)
    except (zipfile.BadZipFile, OSError, ValueError):
        return "it is not a zip evitrack can read"


def _owner_text(pid: int) -> str:
    import socket

    return f"evitrack claim\npid {pid}\nhost {socket.gethostname()}\n"


def clean_stale(folder: Path) -> list[Path]:
    """Remove the work folders that claims killed part-way left in `folder` (a SIGKILL or a
    power cut gives no chance to clean up). Only a real folder named as evitrack names them,
    holding evitrack's owner file for a process of this machine that no longer runs."""
    import socket

    removed: list[Path] = []
    host = socket.gethostname()
    try:
        candidates = sorted(folder.glob(WORK_PREFIX + "*"))
    except OSError:
        return removed
    for work in candidates:
        owner = work / WORK_OWNER
        if work.is_symlink() or not work.is_dir() or owner.is_symlink() or not owner.is_file():
            continue
        try:
            with owner.open("rb") as fh:
                text = fh.read(300).decode("utf-8", errors="replace")
        except OSError:
            continue
        m = re.fullmatch(r"evitrack claim\npid (\d{1,10})\nhost (.*)\n", text)
        if m is None or m.group(2) != host or _alive(int(m.group(1))):
            continue
        shutil.rmtree(work, ignore_errors=True)
        if not work.exists():
            removed.append(work)
    return removed


def _alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a process id evitrack writes: leave the folder alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (EPERM): alive
        return True
    return True


def _replace_folder(new: Path, target: Path, work: Path) -> None:
    if target.exists():
        old = work / "old"
        os.replace(target, old)
    os.replace(new, target)


def _walk(folder: Path) -> list[str]:
    """Every file under a folder as a sorted posix path; links and oddities are included
    by name so that verification can report them."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        base = Path(dirpath)
        for d in list(dirnames):
            if (base / d).is_symlink():
                dirnames.remove(d)
                filenames.append(d)
        out += [(base / f).relative_to(folder).as_posix() for f in filenames]
    return sorted(out)


def manifest_text(manifest: dict[str, str]) -> str:
    """sha256sum's format (`sha256sum -c SHA256SUMS` checks it): hash, two spaces, name."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(manifest.items()))


# Formats that are compressed already (images, audio, video, PDF, office files, archives):
# stored in a pack's zip as they are, since deflating them again costs time and saves nothing.
COMPRESSED_SUFFIXES = frozenset([
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".avif", ".jp2", ".tif", ".tiff",
    ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".wma", ".amr",
    ".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".wmv", ".3gp",
    ".pdf", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".epub",
    ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".jar",
])  # fmt: skip
SAMPLE = 64 << 10  # bytes of a file deflated to see whether it compresses
PROBE = 4 << 10  # its first bytes: when they do not shrink at all, the file is stored


def _shrinks(head: bytes) -> bool:
    """Whether a file is worth deflating in a zip: its first 64 KiB (`head`) shrink by a tenth
    at zlib's fastest level (the same bytes, the same answer, so a pack's zip stays
    reproducible). A file whose first 4 KiB do not shrink at all (a recording, a scan, an
    encrypted or compressed file under another name) is stored without deflating the rest
    of the sample, which takes longer than reading and hashing the file."""
    import zlib

    if len(zlib.compress(head[:PROBE], 1)) >= min(len(head), PROBE):
        return False
    return len(zlib.compress(head, 1)) < len(head) * 0.9


def write_zip(
    folder: Path,
    dest: Path,
    top: str,
    sources: dict[str, tuple[Path, str]] | None = None,
    progress: Progress | None = None,
) -> str | None:
    """A zip of the folder's files, and of `sources` (name in the pack -> the file to read
    for it and its sha256), under one top folder: sorted entries, fixed times and modes;
    what does not compress stored, the rest deflated.

    Each file is read once, hashed as it goes into the zip; the name of the first source
    whose bytes are not its sha256 is returned (the zip is then unfinished: discard it),
    else None. `progress` is told of each source as it is read."""
    sources = sources or {}
    entries = {name: folder / name for name in _walk(folder)}
    entries |= {name: path for name, (path, _) in sources.items()}
    done = 0
    # Deflated at zlib's default level (6): an entry given as a ZipInfo gets no other.
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in sorted(entries):
            if name in sources and progress:
                progress(done, len(sources), name)
            digest = _zip_entry(z, f"{top}/{name}", entries[name])
            if name in sources:
                if digest != sources[name][1]:
                    return name
                done += 1
    if progress and sources:
        progress(len(sources), len(sources), "")
    return None


def _zip_entry(z: zipfile.ZipFile, name: str, path: Path) -> str:
    """One file into the zip as `name`, read once: stored when its first bytes do not
    compress (or its format is compressed already), else deflated. Returns its sha256."""
    h = hashlib.sha256()
    with path.open("rb") as src:
        head = src.read(SAMPLE)
        info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
        suffix = PurePosixPath(name).suffix.lower()  # the name's in the pack, as a folder's
        stored = suffix in COMPRESSED_SUFFIXES or not _shrinks(head)
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.create_system = 3  # unix, so the mode below is read
        info.external_attr = (0o100000 | FILE_MODE) << 16
        info.file_size = os.fstat(src.fileno()).st_size  # zip64 when it must
        with z.open(info, "w") as out:
            chunk = head
            while chunk:
                h.update(chunk)
                out.write(chunk)
                chunk = src.read(CHUNK)
    return h.hexdigest()


# ---- verify --------------------------------------------------------------------------


@dataclass
class VerifyResult:
    pack: Path
    listed: int = 0  # files the manifest lists
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # manifest lines that cannot be used
    unreadable: list[str] = field(default_factory=list)  # "name (why)": not verified
    manifest_sha256: str = ""

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added or self.invalid or self.unreadable)

    def to_json(self) -> dict[str, Any]:
        return {
            "pack": str(self.pack),
            "ok": self.ok,
            "files": self.listed,
            "changed": self.changed,
            "missing": self.missing,
            "added": self.added,
            "invalid": self.invalid,
            "unreadable": self.unreadable,
            "manifest_sha256": self.manifest_sha256,
        }


_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")  # sha256sum accepts either case


def parse_manifest(text: str, result: VerifyResult) -> dict[str, str]:
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        name = m.group(2) if m else ""
        parts = PurePosixPath(name).parts
        if (
            m is None
            or name.startswith("/")
            or "\\" in name
            or ".." in parts
            or name == MANIFEST
            or name in out
        ):
            result.invalid.append(f"{MANIFEST} line {n}: {line[:120]}")
            continue
        out[name] = m.group(1).lower()
    result.listed = len(out)
    return out


def verify(pack: Path) -> VerifyResult:
    """Re-hash every file of a pack (folder or zip) against its manifest, reading no more
    than the limits above allow; whatever cannot be verified is a finding."""
    if not pack.exists():
        raise UserError(f"{pack}: no such file or folder")
    if pack.is_dir():
        return _verify_folder(pack)
    if pack.is_file() and zipfile.is_zipfile(pack):  # never open a pipe or a device
        try:
            return _verify_zip(pack)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
            raise UserError(
                f"{pack} is a damaged zip: {e}", "give the .zip that `evitrack claim` wrote"
            ) from None
    raise UserError(
        f"{pack} is neither a pack folder nor a zip",
        "give the folder or .zip that `evitrack claim` wrote",
    )


def _too_large(name: str, size: int, limit: int) -> str:
    return f"{name} ({size:,} bytes, more than the {limit:,} that verify reads)"


def _verify_folder(pack: Path) -> VerifyResult:
    result = VerifyResult(pack)
    mpath = pack / MANIFEST
    if not mpath.is_file() or mpath.is_symlink():
        raise UserError(f"{pack} has no {MANIFEST}: not an evitrack pack")
    size = mpath.stat().st_size
    if size > MAX_MANIFEST:
        result.unreadable.append(_too_large(MANIFEST, size, MAX_MANIFEST))
        return result
    with mpath.open("rb") as fh:
        raw = fh.read(MAX_MANIFEST + 1)
    result.manifest_sha256 = hashlib.sha256(raw).hexdigest()
    listed = parse_manifest(raw.decode("utf-8", errors="replace"), result)
    present = [n for n in _walk(pack) if n != MANIFEST]
    budget = MAX_READ
    for name in present[:MAX_ENTRIES]:
        path = pack / name
        if name not in listed:
            result.added.append(name)
        elif path.is_symlink() or not path.is_file():
            result.changed.append(name)
        else:
            size = path.stat().st_size
            if size > budget:
                result.unreadable.append(_too_large(name, size, MAX_READ))
                continue
            budget -= size
            if _hash_limited(path, size) != listed[name]:
                result.changed.append(name)
    if len(present) > MAX_ENTRIES:
        result.unreadable.append(
            f"{len(present) - MAX_ENTRIES:,} files past the first {MAX_ENTRIES:,} (not read)"
        )
    have = set(present)
    result.missing = [n for n in sorted(listed) if n not in have]
    return result


def _hash_limited(path: Path, size: int) -> str:
    """sha256 of a file, reading at most one byte more than its size said (a file that
    grows while read, or a sparse giant, cannot keep it reading)."""
    h = hashlib.sha256()
    left = size + 1
    with path.open("rb") as fh:
        while left > 0 and (chunk := fh.read(min(CHUNK, left))):
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


def _zip_kind(info: zipfile.ZipInfo) -> str:
    """file | link | other (a zip entry's type, from its unix mode when it has one)."""
    import stat

    mode = info.external_attr >> 16
    if info.create_system != 3 or stat.S_IFMT(mode) == 0 or stat.S_ISREG(mode):
        return "file"
    return "link" if stat.S_ISLNK(mode) else "other"


def _zip_problem(info: zipfile.ZipInfo) -> str | None:
    """Why an entry cannot be read, before trying to."""
    if info.flag_bits & 0x1:
        return "encrypted"
    if info.compress_type not in _ZIP_METHODS:
        return f"compression method {info.compress_type}, which verify does not read"
    return None


def _read_entry(z: zipfile.ZipFile, info: zipfile.ZipInfo, sink: Callable[[bytes], Any]) -> str:
    """Feed an entry's bytes to `sink`; '' when read whole, else why it could not be."""
    import lzma
    import zlib

    try:
        with z.open(info) as fh:
            for chunk in _chunks(fh):
                sink(chunk)
    except zipfile.BadZipFile as e:
        return "damaged: " + str(e).split(" for file")[0]
    except (zlib.error, lzma.LZMAError, EOFError, OSError, ValueError) as e:
        return f"damaged: {e}"
    except (NotImplementedError, RuntimeError) as e:
        return str(e)
    return ""


def _verify_zip(pack: Path) -> VerifyResult:
    result = VerifyResult(pack)
    with zipfile.ZipFile(pack) as z:
        infos = [i for i in z.infolist() if not i.is_dir()]
        minfo = _zip_manifest_entry(infos, pack)
        prefix = minfo.filename[: -len(MANIFEST)]
        why = _zip_problem(minfo) or ("" if _zip_kind(minfo) == "file" else "not a file")
        if not why and minfo.file_size > MAX_MANIFEST:
            why = f"{minfo.file_size:,} bytes, more than the {MAX_MANIFEST:,} that verify reads"
        parts: list[bytes] = []
        why = why or _read_entry(z, minfo, parts.append)
        if why:
            result.unreadable.append(f"{MANIFEST} ({why})")
            return result
        raw = b"".join(parts)[: MAX_MANIFEST + 1]
        result.manifest_sha256 = hashlib.sha256(raw).hexdigest()
        listed = parse_manifest(raw.decode("utf-8", errors="replace"), result)
        _verify_zip_entries(z, infos, minfo, listed, result)
        if len(infos) > MAX_ENTRIES:
            result.unreadable.append(
                f"{len(infos) - MAX_ENTRIES:,} entries past the first {MAX_ENTRIES:,} (not read)"
            )
        have = {i.filename[len(prefix) :] for i in infos if i.filename.startswith(prefix)}
        result.missing = [n for n in sorted(listed) if n not in have]
    return result


def _zip_manifest_entry(infos: list[zipfile.ZipInfo], pack: Path) -> zipfile.ZipInfo:
    """The pack's SHA256SUMS: the one nearest the top of the zip."""
    manifests = sorted(
        (i for i in infos if PurePosixPath(i.filename).name == MANIFEST),
        key=lambda i: (i.filename.count("/"), i.filename),
    )
    if not manifests:
        raise UserError(f"{pack} has no {MANIFEST}: not an evitrack pack")
    return manifests[0]


def _verify_zip_entries(
    z: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    minfo: zipfile.ZipInfo,
    listed: dict[str, str],
    result: VerifyResult,
) -> None:
    """Hash each entry (the first MAX_ENTRIES, MAX_READ bytes in all) against the manifest;
    note every one added, changed or unreadable in `result`."""
    prefix = minfo.filename[: -len(MANIFEST)]
    seen: set[str] = set()
    budget = MAX_READ
    for info in sorted(infos, key=lambda i: i.filename)[:MAX_ENTRIES]:
        if info is minfo:
            continue
        if not info.filename.startswith(prefix) or info.filename in seen:
            result.added.append(info.filename)
            continue
        seen.add(info.filename)
        name = info.filename[len(prefix) :]
        if name not in listed:
            result.added.append(name)
            continue
        if _zip_kind(info) != "file":  # a link or a device, as a folder pack's would be
            result.changed.append(name)
            continue
        why = _zip_problem(info) or ""
        if not why and info.file_size > budget:
            why = f"{info.file_size:,} bytes, past the {MAX_READ:,} that verify reads"
        if why:
            result.unreadable.append(f"{name} ({why})")
            continue
        budget -= info.file_size
        h = hashlib.sha256()
        why = _read_entry(z, info, h.update)
        if why:
            result.unreadable.append(f"{name} ({why})")
        elif h.hexdigest() != listed[name]:
            result.changed.append(name)


def _chunks(fh: Any) -> Iterator[bytes]:
    while chunk := fh.read(CHUNK):
        yield chunk


# ---- the statement on its own ----------------------------------------------------------


@dataclass
class StatementResult:
    selection: Selection
    text: str = ""
    data: bytes = b""  # the PDF, for fmt "pdf"


def statement(
    root: Path,
    units: list[str] | None = None,
    completed: bool = False,
    draft: bool = False,
    fmt: str = "html",
) -> StatementResult:
    """The claim to competence alone, for the same selection a pack would have."""
    from evitrack import render
    from evitrack.coverage import coverage
    from evitrack.records import load_portfolio

    p, diagnostics = load_portfolio(root)
    cov = coverage(p)
    sel = select(cov, diagnostics, units, completed, draft)
    if sel.problems:
        return StatementResult(sel)
    opts = render.Options(draft=draft, shipped_only=True)
    if fmt == "pdf":
        html = render.claim(cov, sel.units, sel.full_award, "html", opts)
        return StatementResult(sel, data=render.pdf(html, p, "claim", opts).data)
    text = render.claim(cov, sel.units, sel.full_award, fmt, opts)
    return StatementResult(sel, text)
