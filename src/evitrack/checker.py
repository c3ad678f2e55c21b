"""`check`: every problem in one or many portfolios, collected, then graded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from evitrack import portfolio as pf
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
            if root not in roots:
                roots.append(root)
    return roots


def check(paths: list[Path], today: dt.date | None = None) -> CheckReport:
    report = CheckReport()
    for root in portfolios_for(paths):
        report.portfolios.append(root)
        report.diagnostics.extend(pf.load(root, today).diagnostics)
    return report
