"""Finding portfolios on disk, as git finds its repository. Light: no YAML imports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from evitrack.errors import UserError

PORTFOLIO_FILE = "evitrack.yaml"
EVIDENCE_DIR = "evidence"


def find_root(start: Path) -> Path | None:
    """The folder holding evitrack.yaml at or above `start`, as git finds its repository."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / PORTFOLIO_FILE).is_file():
            return folder
    return None


def resolve_root(path: Path | None) -> Path:
    """The portfolio for a command's optional PORTFOLIO argument (or the current folder)."""
    start = path if path is not None else Path.cwd()
    if not start.exists():
        raise UserError(f"{start}: no such file or folder")
    root = find_root(start)
    if root is None:
        where = "here" if path is None else str(path)
        raise UserError(
            f"no portfolio found {'at or above ' + where if path is None else 'at ' + where}: "
            f"there is no {PORTFOLIO_FILE}",
            "run `evitrack init --qualification ID` to start one, or pass the portfolio folder",
        )
    return root


def find_portfolios(path: Path) -> list[Path]:
    """Portfolios for a path: the one containing it, or those in a folder of portfolios."""
    root = find_root(path)
    if root is not None:
        return [root]
    if path.is_dir():
        found = sorted(p.parent for p in path.glob(f"*/{PORTFOLIO_FILE}") if p.is_file()) or sorted(
            p.parent for p in path.glob(f"*/*/{PORTFOLIO_FILE}") if p.is_file()
        )
        return found
    return []


# (portfolio, token) while an answer that will be cached is computed: see `portable`
_PORTABLE: ContextVar[tuple[str, str] | None] = ContextVar("evitrack_portable", default=None)


def display_path(path: Path | str) -> str:
    """A path as the user would type it: relative to the current folder when inside it.

    While `portable` is in force, a placeholder relative to the portfolio instead.
    """
    portable_to = _PORTABLE.get()
    if portable_to is not None:
        base, token = portable_to
        return f"{token}{os.path.relpath(os.path.abspath(path), base)}{token}"
    return _from_here(path)


def _from_here(path: Path | str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


@contextmanager
def portable(root: Path) -> Iterator[str]:
    """Paths shown while computing an answer to cache are placeholders relative to `root`,
    so that the answer can be shown from any current folder (see `localized`).

    Yields the token that marks them: random, so that no text from a file can forge one.
    A UserError raised inside is made local before it leaves.
    """
    token = f"\ue000{os.urandom(8).hex()}\ue000"
    mark = _PORTABLE.set((os.path.abspath(root), token))
    try:
        yield token
    except UserError as e:
        e.message = localized(root, token, e.message)
        e.hint = localized(root, token, e.hint)
        raise
    finally:
        _PORTABLE.reset(mark)


def localized(root: Path, token: str, value: Any) -> Any:
    """`value` (JSON data) with every placeholder of `portable` shown from the current folder."""
    if isinstance(value, str):
        if not token or token not in value:
            return value
        parts = value.split(token)
        return "".join(_from_here(root / p) if i % 2 else p for i, p in enumerate(parts))
    if isinstance(value, list):
        return [localized(root, token, v) for v in value]
    if isinstance(value, dict):
        return {k: localized(root, token, v) for k, v in value.items()}
    return value


def attachment(root: Path, written: str) -> tuple[Path | None, str | None]:
    """Where an attached file's path leads: (path inside the portfolio, None) or (None, why not).

    A backslash separates folders, as on Windows, so a portfolio means the same
    on every machine; absolute paths, `..` and links that leave the portfolio
    are refused.
    """
    posix = written.replace("\\", "/")
    if posix.startswith(("/", "~")) or (len(posix) > 1 and posix[1] == ":"):
        return None, "is an absolute path"
    if ".." in posix.split("/"):
        return None, "points outside the portfolio (..)"
    target = root / posix
    try:
        real, top = target.resolve(), root.resolve()
    except (OSError, RuntimeError):  # a link loop
        return None, "is a link that leads nowhere (a loop)"
    if real != top and top not in real.parents:
        return None, "is a link that leads outside the portfolio"
    return target, None
