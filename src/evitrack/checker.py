"""`check`: every problem in one or many portfolios, collected, then graded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from evitrack import cache
from evitrack import locate as pf
from evitrack.diagnostics import Diagnostic, Severity, diagnostic_from_json
from evitrack.errors import UserError
from evitrack.parallel import in_parallel


@dataclass
class CheckReport:
    """The portfolios checked, their problems, and notes about the cache."""

    portfolios: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the cache: shown, never counted

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity)


def portfolios_for(paths: list[Path]) -> list[Path]:
    """The portfolios named by paths (files inside one, portfolio folders, caseload folders)."""
    if not paths:
        return [pf.resolve_root(None)]
    roots: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UserError(f"{path}: no such file or folder")
        found = pf.find_portfolios(path)
        if not found:
            raise UserError(
                f"{path}: not inside a portfolio, and no portfolios in it "
                f"(a portfolio is a folder with {pf.PORTFOLIO_FILE})",
                "run `evitrack init --qualification ID` to start one",
            )
        for root in found:
            real = root.resolve()
            if real not in seen:
                seen.add(real)
                roots.append(root)
    return roots


def check_portfolio(
    root: Path, today: dt.date, use_cache: bool = True, notes: list[str] | None = None
) -> list[Diagnostic]:
    """The diagnostics of one portfolio; served from the cache when nothing changed.

    Computed with paths relative to the portfolio (`locate.portable`) and shown from the
    current folder, so that a cached answer reads the same from anywhere.
    """
    memo = cache.Memo.open(root, "check", today) if use_cache else None
    if notes is not None and memo is not None:
        notes.extend(memo.notes)
    served = _served(root, memo.value) if memo is not None else None
    if served is not None:
        return served
    from evitrack.portfolio import load, qualification_sources

    with pf.portable(root) as token:
        loaded = load(root, today, use_cache=use_cache, records=False)
        found = [d.to_json() for d in loaded.diagnostics]
    if notes is not None:
        notes.extend(pf.localized(root, token, loaded.notes))
    if memo is not None:
        value = {"token": token, "diagnostics": found}
        memo.put(value, qualification_sources(loaded), loaded.attachments)
    return [diagnostic_from_json(root, d, token) for d in found]


def _served(root: Path, value: object) -> list[Diagnostic] | None:
    """A cached answer, shown from the current folder; None if it has the wrong shape."""
    if not isinstance(value, dict):
        return None
    try:
        return [diagnostic_from_json(root, d, str(value["token"])) for d in value["diagnostics"]]
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def check(paths: list[Path], today: dt.date | None = None, use_cache: bool = True) -> CheckReport:
    today = today or dt.date.today()
    report = CheckReport()
    roots = portfolios_for(paths)
    jobs = [(str(root), today, use_cache) for root in roots]
    found = in_parallel(_checked, jobs)  # one portfolio: in this process, no pool imported
    for root, (diagnostics, notes) in zip(roots, found, strict=True):  # in the order named
        report.portfolios.append(root)
        report.diagnostics.extend(diagnostics)
        report.notes.extend(notes)
    for path in paths:  # a caseload's sampling policy is checked like every other file
        if path.is_dir() and pf.find_root(path) is None and (path / "sampling.yaml").is_file():
            report.diagnostics.extend(_policy_diagnostics(path, today))
    return report


def _checked(job: tuple[str, dt.date, bool]) -> tuple[list[Diagnostic], list[str]]:
    """One portfolio of a `check`: its diagnostics and notes (run on a caseload's pool)."""
    where, today, use_cache = job
    root, notes = Path(where), list[str]()
    found = check_portfolio(root, today, use_cache, notes)
    return found + _iqa_diagnostics(root, today), notes


def _iqa_diagnostics(root: Path, today: dt.date) -> list[Diagnostic]:
    """Sampled evidence changed after an IQA's decision (only where evitrack.yaml has any)."""
    from evitrack import yamlio

    path = root / pf.PORTFOLIO_FILE
    if path.is_symlink():
        return []
    try:
        text = yamlio.read_text(path)
    except (OSError, yamlio.YamlProblem):
        return []
    if not text.startswith("iqa:") and "\niqa:" not in text:
        return []
    from evitrack.portfolio import load
    from evitrack.quality_decisions import changed_after

    loaded = load(root, today).portfolio
    return changed_after(loaded) if loaded is not None else []


def _policy_diagnostics(caseload: Path, today: dt.date) -> list[Diagnostic]:
    from evitrack import quality
    from evitrack.portfolio import load

    loaded = [load(root, today).portfolio for root in pf.find_portfolios(caseload)]
    return quality.check_caseload(caseload, [p for p in loaded if p is not None])
