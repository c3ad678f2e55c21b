"""A caseload for sampling: its assessed units, loaded and cached, and the default seed.

Everything here returns data or raises `UserError`; nothing prints or exits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evitrack import cache, locate
from evitrack.errors import UserError
from evitrack.model import Portfolio
from evitrack.parallel import in_parallel
from evitrack.quality_policy import POLICY_FILE, Policy

# ---- the caseload's assessed units -----------------------------------------------------


@dataclass(frozen=True)
class Assessed:
    """A (portfolio, unit) pair holding at least one assessor's decision."""

    portfolio: str  # relative to the caseload, with /
    learner: str
    unit: str
    assessors: tuple[str, ...]  # everyone with a decision in it, sorted
    assessor: str  # the assessor shown: most decisions, then the latest
    stage: str
    records: tuple[str, ...]
    methods: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.portfolio}#{self.unit}"

    def values(self, dimension: str) -> tuple[str, ...]:
        if dimension == "assessor":
            return self.assessors
        if dimension == "method":
            return self.methods
        return ({"unit": self.unit, "learner": self.learner, "stage": self.stage}[dimension],)


def load_caseload(caseload: Path) -> list[tuple[str, Portfolio]]:
    """Every portfolio of the caseload with its path relative to it, in path order.

    What sampling needs of a portfolio is cached in it (keyed like `check`'s cache) and
    the portfolios not cached are loaded on several cores: the records come back without
    their text, which nothing here reads.
    """
    roots = locate.find_portfolios(caseload) if caseload.is_dir() else []
    if not roots or locate.find_root(caseload) is not None:
        raise UserError(
            f"{caseload}: not a caseload (a folder holding portfolios)",
            "name the folder whose sub-folders hold evitrack.yaml",
        )
    today = dt.date.today()
    found: dict[int, dict[str, Any]] = {}
    jobs: list[tuple[int, tuple[str, cache.Memo]]] = []
    for i, root in enumerate(roots):
        memo = cache.Memo.open(root, "iqa", today)
        if isinstance(memo.value, dict):
            found[i] = memo.value
        else:
            jobs.append((i, (str(root), memo)))
    done = in_parallel(_skeleton_of, [job for _, job in jobs])
    found.update(zip([i for i, _ in jobs], done, strict=True))
    out = []
    for i, root in enumerate(roots):
        data = found[i]
        if "error" in data:
            raise UserError(str(data["error"]), "run `evitrack check` on it to see every problem")
        out.append((root.relative_to(caseload).as_posix(), _restore(root, data)))
    return out


def _skeleton_of(job: tuple[str, cache.Memo]) -> dict[str, Any]:
    """Load one portfolio and keep what sampling needs (JSON), cached in its memo."""
    import dataclasses

    from evitrack import portfolio as pf

    root, memo = Path(job[0]), job[1]
    loaded = pf.load(root)
    p = loaded.portfolio
    if p is None:
        return {"error": pf.unusable(root, loaded.diagnostics).message}
    data = {
        "ref": str((loaded.raw or {}).get("qualification") or p.qualification.id),
        "learner": [p.learner_name, p.registration],
        "units": list(p.units),
        "signoffs": {u: _jsonable(dataclasses.asdict(s)) for u, s in p.signoffs.items()},
        "records": [
            [
                r.id,
                r.path.relative_to(root).as_posix(),
                list(r.methods),
                r.criteria,
                r.fingerprint,
                None if r.assessment is None else _jsonable(dataclasses.asdict(r.assessment)),
            ]
            for r in p.records
        ],
        "iqa": [_jsonable(d) for d in p.extra.get("iqa") or [] if isinstance(d, dict)],
        "digest": files_digest(root, portfolio_files(p)),
    }
    memo.put(data, pf.qualification_sources(loaded), loaded.attachments)
    return data


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: {"date": v.isoformat()} if isinstance(v, dt.date) else v for k, v in d.items()}


def _dated(d: dict[str, Any]) -> dict[str, Any]:
    return {
        k: dt.date.fromisoformat(v["date"]) if isinstance(v, dict) and set(v) == {"date"} else v
        for k, v in d.items()
    }


def _restore(root: Path, data: dict[str, Any]) -> Portfolio:
    from evitrack import catalogue
    from evitrack.model import Assessment, Record, SignOff

    q = catalogue.load(data["ref"], root)
    records = [
        Record(
            rid,
            "",
            None,
            list(methods),
            "",
            {u: list(c) for u, c in criteria.items()},
            [],
            None,
            None if a is None else Assessment(**_dated(a)),
            root / rel,
            fp,
        )
        for rid, rel, methods, criteria, fp, a in data["records"]
    ]
    signoffs = {u: SignOff(**_dated(s)) for u, s in data["signoffs"].items()}
    name, registration = data["learner"]
    return Portfolio(
        root,
        q,
        name,
        registration,
        list(data["units"]),
        records,
        signoffs,
        extra={"iqa": [_dated(d) for d in data["iqa"]], DIGEST: data.get("digest")},
    )


def assessed_units(portfolios: list[tuple[str, Portfolio]], policy: Policy) -> list[Assessed]:
    out = []
    for rel, p in portfolios:
        for uid in p.units:
            decided = [
                r
                for r in p.records
                if uid in r.criteria and r.assessment and policy.in_period(r.assessment.date)
            ]
            if not decided:
                continue
            counts: dict[str, list[dt.date]] = {}
            for r in decided:
                assert r.assessment is not None
                counts.setdefault(r.assessment.assessor, []).append(
                    r.assessment.date or dt.date.min
                )
            main = min(counts, key=lambda a: (-len(counts[a]), -max(counts[a]).toordinal(), a))
            signed = p.signoffs.get(uid)
            stage = "summative" if signed is not None and signed.assessor else "interim"
            if policy.stages and stage not in policy.stages:
                continue
            methods = sorted({m for r in decided for m in r.methods})
            out.append(
                Assessed(
                    rel,
                    p.learner_name,
                    uid,
                    tuple(sorted(counts)),
                    main,
                    stage,
                    tuple(r.id for r in decided),
                    tuple(methods),
                )
            )
    return sorted(out, key=lambda a: (a.portfolio, a.unit))


# ---- the seed ------------------------------------------------------------------------


DIGEST = "_content_digest"  # a loaded skeleton's `extra` key: its files_digest, cached


def portfolio_files(p: Portfolio) -> list[Path]:
    """The files of a portfolio that the sample reads: evitrack.yaml and the records."""
    return [p.root / locate.PORTFOLIO_FILE, *(r.path for r in p.records)]


def caseload_files(caseload: Path, portfolios: list[tuple[str, Portfolio]]) -> list[Path]:
    files = [caseload / POLICY_FILE]
    for _rel, p in portfolios:
        files.extend(portfolio_files(p))
    return files


def files_digest(root: Path, files: list[Path]) -> str:
    """sha256 of each file's path under `root` and bytes, in path order."""
    h = hashlib.sha256()
    for rel, path in sorted((f.relative_to(root).as_posix(), f) for f in files):
        h.update(rel.encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def content_digest(caseload: Path, portfolios: list[tuple[str, Portfolio]]) -> str:
    """The policy's bytes and, in path order, each portfolio's path and files_digest (kept
    in its cache with the rest of what sampling reads, so a warm run reads no file)."""
    h = hashlib.sha256(b"evitrack caseload\0")
    h.update((caseload / POLICY_FILE).read_bytes() + b"\0")
    for rel, p in sorted(portfolios, key=lambda x: x[0]):
        part = p.extra.get(DIGEST) or files_digest(p.root, portfolio_files(p))
        h.update(f"{rel}\0{part}\0".encode())
    return h.hexdigest()


def git_commit(caseload: Path, files: list[Path]) -> str | None:
    """The commit checked out, when the caseload's files hold no change since it.

    One `git status` of the caseload's folder, its answer matched against the files
    here: naming each file as a pathspec costs git time that grows with their square.
    """
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD", "--show-prefix"],
            cwd=caseload,
            capture_output=True,
            text=True,
            check=False,
            env=env,
            timeout=30,
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "-z", "--untracked-files=all", "--", "."],
            cwd=caseload,
            capture_output=True,
            check=False,
            env=env,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit, _, prefix = head.stdout.partition("\n")
    if status.returncode != 0 or not commit.strip():
        return None
    specs = {f.relative_to(caseload).as_posix() for f in files}
    if any(path in specs or (path.endswith("/") and any(s.startswith(path) for s in specs))
           for path in _changed_paths(status.stdout, prefix.strip())):  # fmt: skip
        return None
    return commit.strip()


def _changed_paths(porcelain_z: bytes, prefix: str) -> list[str]:
    """The paths `git status --porcelain -z` names (a rename: both), relative to the folder
    whose repository prefix is `prefix` (porcelain paths are relative to the repository)."""
    out = []
    fields = porcelain_z.decode("utf-8", "surrogateescape").split("\0")
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) < 4:
            continue
        paths = [entry[3:]]
        if "R" in entry[:2] or "C" in entry[:2]:  # the origin follows in the next field
            paths.append(fields[i] if i < len(fields) else "")
            i += 1
        out += [p[len(prefix) :] if p.startswith(prefix) else "../" + p for p in paths]
    return out


def default_seed(caseload: Path, portfolios: list[tuple[str, Portfolio]]) -> tuple[str, str]:
    """(seed, where it comes from): the git commit, else the content digest."""
    files = caseload_files(caseload, portfolios)
    commit = git_commit(caseload, files)
    if commit:
        return commit, "git commit"
    return content_digest(caseload, portfolios), "content digest"
