"""`check`: every problem in one or many portfolios, collected, then graded."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from evitrack import cache
from evitrack import locate as pf
from evitrack.diagnostics import Diagnostic, Severity
from evitrack.errors import UserError


@dataclass
class CheckReport:
    portfolios: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

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


def check_portfolio(root: Path, today: dt.date, use_cache: bool = True) -> list[Diagnostic]:
    """The diagnostics of one portfolio; served from the cache when nothing changed."""
    digest = cache.portfolio_digest(root, today) if use_cache else ""
    if use_cache:
        hit = cache.memo_get(root, "check", digest)
        if isinstance(hit, list):
            return [diagnostic_from_json(root, d) for d in hit]
    from evitrack.portfolio import load

    diags = load(root, today, use_cache=use_cache).diagnostics
    if use_cache:
        cache.memo_put(root, "check", digest, [diagnostic_to_json(root, d) for d in diags])
    return diags


def diagnostic_to_json(root: Path, d: Diagnostic) -> dict[str, object]:
    """A diagnostic as JSON with its file relative to the portfolio (cacheable)."""
    data = d.to_json()
    data["file"] = os.path.relpath(os.path.abspath(d.file), root)
    return data


def diagnostic_from_json(root: Path, data: dict[str, object]) -> Diagnostic:
    """The inverse of diagnostic_to_json, the file shown relative to the current folder."""
    return Diagnostic(
        file=pf.display_path(root / str(data["file"])),
        line=int(str(data["line"])),
        col=int(str(data["col"])),
        code=str(data["code"]),
        message=str(data["message"]),
        hint=None if data["hint"] is None else str(data["hint"]),
        severity=Severity(str(data["severity"])),
    )


def check(paths: list[Path], today: dt.date | None = None, use_cache: bool = True) -> CheckReport:
    today = today or dt.date.today()
    report = CheckReport()
    for root in portfolios_for(paths):
        report.portfolios.append(root)
        report.diagnostics.extend(check_portfolio(root, today, use_cache))
        report.diagnostics.extend(_iqa_diagnostics(root, today))
    for path in paths:  # a caseload's sampling policy is checked like every other file
        if path.is_dir() and pf.find_root(path) is None and (path / "sampling.yaml").is_file():
            report.diagnostics.extend(_policy_diagnostics(path, today))
    return report


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
