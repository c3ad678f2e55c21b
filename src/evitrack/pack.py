"""The certification pack (`evitrack claim`) and its verification (`evitrack claim verify`).

A pack is one folder (or a zip of it): the claim to competence, an evidence matrix
per claimed unit, the evidence index, a copy of every evidence file of the claimed
units under a stable name, `summary.json`, and `SHA256SUMS` (sha256sum's format)
listing every other file. The same portfolio gives the same bytes: entries are
sorted, nothing depends on the clock, and the zip's timestamps and permissions
are fixed.

Safety: only files inside the portfolio are read; a file whose sha256 no longer
matches its record stops the claim (hashed as it is copied, so a file cannot change
between the check and the copy); names in the pack are built from record ids and
sanitised base names, so nothing can be written outside it; the portfolio is only
read (the pack goes to `out/`, which `init`'s .gitignore ignores, or to `-o`).

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
from evitrack.locate import attachment
from evitrack.model import Portfolio, Record

if TYPE_CHECKING:
    from evitrack.coverage import Coverage

MANIFEST = "SHA256SUMS"
SUMMARY = "summary.json"
CLAIM_DOC = "claim-to-competence.html"
INDEX_DOC = "evidence-index.html"
EVIDENCE_DIR = "evidence"
FORMAT = 1

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
    out = [
        f"unit {uid}: the {'IV' if role == 'iv' else role} sign-off does not count: {why} "
        f"(`evitrack check` says why; sign again: `evitrack sign {uid} --as {role} --key FILE`)"
        for role, why in s.void.items()
    ]
    for key, words in SIGNOFF_FIELDS:
        if getattr(s, key) in (None, "") and key.split("_")[0] not in s.void:
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


def select(
    cov: Coverage,
    diagnostics: list[Any],
    units: list[str] | None,
    completed: bool,
    draft: bool,
) -> Selection:
    """The units a claim covers, and everything that stops it (listed, never the first only)."""
    p = cov.portfolio
    q = p.qualification
    if units is not None and completed:
        raise UserError("give --units or --completed, not both")
    if units is not None:
        chosen: list[str] = []
        for ref in units:
            uid = q.resolve_unit(ref)
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
        sel = Selection("units", sorted(chosen, key=p.units.index), False, draft)
    elif completed:
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
    if not sel.units:  # even a draft needs something to pack
        sel.problems.append("no unit is complete and signed off yet: nothing to claim")
    from evitrack.render import STATEMENT_POINTS

    if not (p.extra.get("centre") or {}).get("name"):
        sel.notes.append(
            "no centre in evitrack.yaml (`centre: {name: ..., number: ...}`): the claim form "
            "leaves it out"
        )
    if not any((p.extra.get("statement") or {}).get(k) for k, _ in STATEMENT_POINTS):
        sel.notes.append(
            "no learner statement in evitrack.yaml (`statement:`): the claim form "
            "leaves room to write it by hand"
        )
    return sel


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

    @property
    def problems(self) -> list[str]:
        return self.selection.problems

    @property
    def refused(self) -> bool:
        return bool(self.selection.problems)


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


def _write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    os.chmod(path, FILE_MODE)


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
    cov: Coverage, sel: Selection, files: list[PackedFile], documents: dict[str, Any]
) -> dict[str, Any]:
    """The machine-readable summary of a pack (summary.json)."""
    from evitrack.render import isodate, signoff_info

    p = cov.portfolio
    q = p.qualification
    packed: dict[str, PackedFile] = {f.path: f for f in files}
    records = _claimed_records(p, sel.units)
    centre = p.extra.get("centre") or None
    return {
        "format": FORMAT,
        "kind": sel.kind,
        "draft": sel.draft,
        "full_award": sel.full_award,
        "qualification": {
            "id": q.id,
            "title": q.title,
            "awarding_body": q.awarding_body or None,
            "number": q.number,
            "level": q.level,
        },
        "learner": {"name": p.learner_name, "registration": p.registration},
        "centre": dict(centre) if centre else None,
        "units": [
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
        ],
        "signatures": _signatures(p),
        "rules_satisfied": cov.rules_satisfied,
        "rules": [
            {"rule": r.rule, "satisfied": r.satisfied, "detail": r.detail} for r in cov.rules
        ],
        "records": [
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
        ],
        "documents": documents,
    }


def build(
    root: Path,
    output: Path | None = None,
    zipped: bool = False,
    units: list[str] | None = None,
    completed: bool = False,
    draft: bool = False,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the pack; when anything stands in the way, nothing is written and
    `result.problems` says what."""
    from evitrack import render
    from evitrack.coverage import coverage
    from evitrack.records import load_portfolio

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
    target = (output if output is not None else default_output(p, zipped)).absolute()
    _check_target(target, zipped)
    result.replaced = target.exists()

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".evitrack-claim-", dir=target.parent))
    try:
        folder = work / "pack"
        folder.mkdir()
        for i, f in enumerate(files):
            if progress:
                progress(i, len(files), f.path)
            digest, size = _copy(p.root / f.path, folder / f.name)
            if digest != f.sha256 and f.sha256:
                sel.problems.append(
                    f'{f.record}: attached file "{f.path}" has changed since it was recorded '
                    "(sha256 mismatch): the claim stops"
                )
                return result
            f.sha256, f.size = digest, size
        if progress:
            progress(len(files), len(files), "")

        opts = render.Options(draft=draft, packed={f.path: f.name for f in files})
        matrices = {uid: f"evidence-matrix-{safe_component(uid)}.html" for uid in sel.units}
        documents: dict[str, Any] = {"claim": CLAIM_DOC, "index": INDEX_DOC, "matrices": matrices}
        _write(folder, CLAIM_DOC, render.claim(cov, sel.units, sel.full_award, "html", opts))
        for uid, name in matrices.items():
            _write(folder, name, render.matrix(cov, [uid], "matrix", "html", opts))
        _write(folder, INDEX_DOC, render.index(cov, sel.units, "html", opts))
        data = summary(cov, sel, files, documents)
        _write(folder, SUMMARY, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

        manifest = {name: sha256_file(folder / name) for name in _walk(folder)}
        _write(folder, MANIFEST, manifest_text(manifest))
        result.manifest_sha256 = sha256_file(folder / MANIFEST)
        result.files = files
        result.documents = [CLAIM_DOC, *matrices.values(), INDEX_DOC]
        result.manifest = manifest
        if zipped:
            tmp_zip = work / "pack.zip"
            write_zip(folder, tmp_zip, pack_name(p))
            os.chmod(tmp_zip, FILE_MODE)
            os.replace(tmp_zip, target)
        else:
            _replace_folder(folder, target, work)
            for d in [target, *(q for q in target.rglob("*") if q.is_dir())]:
                os.chmod(d, DIR_MODE)
        result.output, result.zipped = target, zipped
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def pack_name(p: Portfolio) -> str:
    return "claim-" + safe_component(p.registration or "unregistered")


def _check_target(target: Path, zipped: bool) -> None:
    """Refuse to replace anything that is not an earlier pack."""
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink():
        raise UserError(f"{target} is a link: not replaced", "choose another -o")
    if zipped:
        if target.is_dir():
            raise UserError(f"{target} is a folder", "give a .zip file name with -o")
        try:
            with zipfile.ZipFile(target) as z:
                if any(n == MANIFEST or n.endswith("/" + MANIFEST) for n in z.namelist()):
                    return
        except (zipfile.BadZipFile, OSError):
            pass
        raise UserError(
            f"{target} exists and is not an evitrack pack: not replaced",
            "choose another -o, or remove it first",
        )
    if not target.is_dir():
        raise UserError(f"{target} exists and is not a folder: not replaced", "choose another -o")
    if any(target.iterdir()) and not (target / MANIFEST).is_file():
        raise UserError(
            f"{target} is a folder that is not an evitrack pack: not replaced",
            "choose another -o (a new or empty folder), or remove it first",
        )


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


def write_zip(folder: Path, dest: Path, top: str) -> None:
    """A zip of the folder under one top folder: sorted entries, fixed times and modes."""
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name in _walk(folder):
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the mode below is read
            info.external_attr = (0o100000 | FILE_MODE) << 16
            info.file_size = (folder / name).stat().st_size  # zip64 when it must
            with (folder / name).open("rb") as src, z.open(info, "w") as out:
                shutil.copyfileobj(src, out, CHUNK)


# ---- verify --------------------------------------------------------------------------


@dataclass
class VerifyResult:
    pack: Path
    listed: int = 0  # files the manifest lists
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # manifest lines that cannot be used
    manifest_sha256: str = ""

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added or self.invalid)

    def to_json(self) -> dict[str, Any]:
        return {
            "pack": str(self.pack),
            "ok": self.ok,
            "files": self.listed,
            "changed": self.changed,
            "missing": self.missing,
            "added": self.added,
            "invalid": self.invalid,
            "manifest_sha256": self.manifest_sha256,
        }


_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


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
        out[name] = m.group(1)
    result.listed = len(out)
    return out


def verify(pack: Path) -> VerifyResult:
    """Re-hash every file of a pack (folder or zip) against its manifest."""
    if not pack.exists():
        raise UserError(f"{pack}: no such file or folder")
    if pack.is_dir():
        return _verify_folder(pack)
    if zipfile.is_zipfile(pack):
        return _verify_zip(pack)
    raise UserError(
        f"{pack} is neither a pack folder nor a zip",
        "give the folder or .zip that `evitrack claim` wrote",
    )


def _verify_folder(pack: Path) -> VerifyResult:
    result = VerifyResult(pack)
    mpath = pack / MANIFEST
    if not mpath.is_file() or mpath.is_symlink():
        raise UserError(f"{pack} has no {MANIFEST}: not an evitrack pack")
    raw = mpath.read_bytes()
    result.manifest_sha256 = hashlib.sha256(raw).hexdigest()
    listed = parse_manifest(raw.decode("utf-8", errors="replace"), result)
    present = [n for n in _walk(pack) if n != MANIFEST]
    for name in present:
        path = pack / name
        if name not in listed:
            result.added.append(name)
        elif path.is_symlink() or not path.is_file() or sha256_file(path) != listed[name]:
            result.changed.append(name)
    have = set(present)
    result.missing = [n for n in sorted(listed) if n not in have]
    return result


def _verify_zip(pack: Path) -> VerifyResult:
    result = VerifyResult(pack)
    with zipfile.ZipFile(pack) as z:
        infos = [i for i in z.infolist() if not i.is_dir()]
        manifests = sorted(
            (i.filename for i in infos if PurePosixPath(i.filename).name == MANIFEST),
            key=lambda n: (n.count("/"), n),
        )
        if not manifests:
            raise UserError(f"{pack} has no {MANIFEST}: not an evitrack pack")
        mname = manifests[0]
        prefix = mname[: -len(MANIFEST)]
        raw = z.read(mname)
        result.manifest_sha256 = hashlib.sha256(raw).hexdigest()
        listed = parse_manifest(raw.decode("utf-8", errors="replace"), result)
        seen: set[str] = set()
        for info in sorted(infos, key=lambda i: i.filename):
            if info.filename == mname:
                continue
            if not info.filename.startswith(prefix) or info.filename in seen:
                result.added.append(info.filename)
                continue
            seen.add(info.filename)
            name = info.filename[len(prefix) :]
            if name not in listed:
                result.added.append(name)
                continue
            h = hashlib.sha256()
            with z.open(info) as fh:
                for chunk in _chunks(fh):
                    h.update(chunk)
            if h.hexdigest() != listed[name]:
                result.changed.append(name)
        have = {i.filename[len(prefix) :] for i in infos if i.filename.startswith(prefix)}
        result.missing = [n for n in sorted(listed) if n not in have]
    return result


def _chunks(fh: Any) -> Iterator[bytes]:
    while chunk := fh.read(CHUNK):
        yield chunk


# ---- the statement on its own ----------------------------------------------------------


@dataclass
class StatementResult:
    selection: Selection
    text: str = ""


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
    text = render.claim(cov, sel.units, sel.full_award, fmt, render.Options(draft=draft))
    return StatementResult(sel, text)
