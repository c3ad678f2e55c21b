"""Finding portfolios on disk, as git finds its repository. Light: no YAML imports."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from evitrack.errors import UserError

PORTFOLIO_FILE = "evitrack.yaml"
EVIDENCE_DIR = "evidence"
ENV_LIST = "EVITRACK_ALLOWED_SIGNERS"  # the allowed_signers file decisions are verified by
LIST_NAME = "allowed_signers"  # at a caseload's root


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


def yaml_files(folder: Path) -> list[Path]:
    """The YAML files of a portfolio's folder (`otj/`, `reviews/`), in name order; a folder
    or file that is a link is left out, so nothing is read from outside the portfolio."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(p for p in folder.glob("*.yaml") if p.is_file() and not p.is_symlink())


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


def shown_path(path: Path) -> str:
    """A path relative to the current folder when it is inside it, else as it is."""
    try:
        here = Path.cwd()
        absolute = path if path.is_absolute() else here / path
        return absolute.relative_to(here).as_posix() or "."
    except (ValueError, OSError):
        return str(path)


# A portfolio's own files and folders: a document or a pack never replaces them.
OWN_FILES = (PORTFOLIO_FILE, ".gitignore", ".pre-commit-config.yaml")
DOCUMENT_SUFFIXES = (".html", ".htm", ".md", ".markdown", ".pdf")  # what a document may replace
OWN_FOLDERS = (EVIDENCE_DIR, "files", "templates", ".schemas", ".evitrack-cache", ".git")


def links_between(root: Path, path: Path) -> Path | None:
    """The first existing folder below `root` down to `path`'s folder that is a link; None when the way is free of links. `path` must be lexically under `root`."""
    here = root
    for part in path.relative_to(root).parts[:-1]:
        here = here / part
        if here.is_symlink():
            return here
    return None


def output_target(output: Path, what: str = "document") -> Path:
    """Where a document or pack given with -o may be written: absolute, never through a link
    inside a portfolio, never over a portfolio's own files (UserError otherwise)."""
    target = Path(os.path.abspath(output))
    if target.is_symlink():
        raise UserError(
            f"{output} is a link: evitrack does not write through links",
            "choose another -o, or remove the link first",
        )
    root = next((f for f in target.parents if (f / PORTFOLIO_FILE).is_file()), None)
    if root is None:
        return target
    rel = target.relative_to(root).parts
    if (len(rel) == 1 and rel[0] in (*OWN_FILES, *OWN_FOLDERS)) or (
        len(rel) > 1 and rel[0] in OWN_FOLDERS
    ):
        raise UserError(
            f"{output} is one of the portfolio's own files: a {what} never replaces it",
            "write it elsewhere, e.g. -o out/" + (target.name if what == "pack" else "matrix.html"),
        )
    if what == "document" and target.exists() and target.suffix.lower() not in DOCUMENT_SUFFIXES:
        raise UserError(
            f"{output} is a file of the portfolio, not a document: a document never replaces it",
            "write it elsewhere, e.g. -o out/matrix.html",
        )
    link = links_between(root, target)
    if link is not None:
        raise UserError(
            f"{shown_path(link)} is a link: evitrack does not write through links "
            "inside a portfolio",
            "replace the link with a folder, or choose another -o",
        )
    return target


def shell_word(path_text: str) -> str:
    """A shown path as one word for a command to paste. Quoted where the shell needs it; a
    path that `portable` marks is shown from the current folder later, and left as it is."""
    import shlex

    marked = _PORTABLE.get()
    if marked is not None and marked[1] in path_text:
        return path_text
    return shlex.quote(path_text)


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


def attachment(root: Path, written: str, top: Path | None = None) -> tuple[Path | None, str | None]:
    """Where an attached file's path leads: (path inside the portfolio, None) or (None, why not).

    A backslash separates folders, as on Windows, so a portfolio means the same
    on every machine; absolute paths, `..` and links that leave the portfolio
    are refused. `top`: `root` resolved, when the caller has it (one resolve per portfolio).
    """
    target, why, _ = look_up(root, written, top)
    return target, why


def look_up(
    root: Path, written: str, top: Path | None = None
) -> tuple[Path | None, str | None, os.stat_result | None]:
    """`attachment`, and the file's `plain_stat` when there is no link on its way (None
    otherwise): a file named as it is, which is most, costs one lstat per name in its path."""
    posix = written.replace("\\", "/")
    if posix.startswith(("/", "~")) or (len(posix) > 1 and posix[1] == ":"):
        return None, "is an absolute path", None
    if ".." in posix.split("/"):
        return None, "points outside the portfolio (..)", None
    too_long = long_name(posix)
    if too_long:
        return None, too_long, None
    target = root / posix
    st = plain_stat(root, posix)
    if st is None:
        target_, why = _resolved(root, target, top)
        return target_, why, None
    if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
        return None, _hard_link(st.st_nlink), None
    return target, None, st


def plain_stat(root: Path, posix: str) -> os.stat_result | None:
    """The lstat of `root/posix` if every name on the way from `root` exists and none is a
    link, else None. Then the file is where it is written, inside the portfolio, and its
    lstat is its stat: nothing needs resolving. `posix` is relative, without `..`."""
    if posix.startswith(("/", "~")) or ".." in posix.split("/"):
        return None
    here, st = os.fspath(root), None
    try:
        for part in posix.split("/"):
            if part and part != ".":
                here = os.path.join(here, part)
                st = os.lstat(here)
                if stat.S_ISLNK(st.st_mode):
                    return None
    except (OSError, ValueError):
        return None
    return st


def _resolved(root: Path, target: Path, top: Path | None) -> tuple[Path | None, str | None]:
    """`attachment` for a path with a link (or a missing name) on its way: resolved."""
    try:
        real, top = target.resolve(), top or root.resolve()
    except (OSError, RuntimeError):  # a link loop
        return None, "is a link that leads nowhere (a loop)"
    if real != top and top not in real.parents:
        return None, "is a link that leads outside the portfolio"
    try:
        st = os.stat(real)
        links = st.st_nlink if stat.S_ISREG(st.st_mode) else 1
    except OSError:
        links = 1
    if links > 1:
        return None, _hard_link(links)
    return target, None


def _hard_link(links: int) -> str:
    return (
        f"is a hard link ({links} names for one file): its other names may be outside the portfolio"
    )


NAME_MAX = 255  # bytes in one file or folder name, on every common file system
PATH_MAX = 4095  # bytes in a whole path, on Linux


def long_name(written: str) -> str | None:
    """Why a path cannot name a file anywhere (a name or the whole path too long), or None.

    The system refuses such a path with "file name too long" before looking; said here,
    it becomes a problem at the record's line instead of a stop.
    """
    posix = written.replace("\\", "/")
    for part in posix.split("/"):
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            return (
                f'cannot exist: its name "{part[:24]}..." is {size} bytes long, and file '
                f"systems allow {NAME_MAX}"
            )
    if len(os.fsencode(posix)) > PATH_MAX:
        return f"cannot exist: the path is longer than the {PATH_MAX} bytes a system allows"
    return None


def named_list() -> str | None:
    """The allowed_signers file the user named (`--allowed-signers`, $EVITRACK_ALLOWED_SIGNERS)."""
    return os.environ.get(ENV_LIST) or None


def list_digest() -> str:
    """What a cached result must also depend on: the named list's path and content."""
    path = named_list()
    if path is None:
        return "-"
    import hashlib

    try:
        return path + ":" + hashlib.sha256(Path(path).expanduser().read_bytes()).hexdigest()
    except OSError:
        return path + ":?"
