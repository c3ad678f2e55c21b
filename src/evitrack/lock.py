"""Locks: one writer at a time for evitrack.yaml, and ids held while a record is written.

`portfolio_lock(root)` serialises every read-modify-write of evitrack.yaml: a
caller takes it, reads the file again under it, changes it and writes it. It is
an OS lock (flock) on `.evitrack.lock` beside evitrack.yaml, released by the
kernel when its process ends however it ends, and the file is removed on the
way out.

`claim(path)` creates a lock file holding this process's id, for an id that
`add` reserves. A lock whose process is gone (killed while writing) is removed
and claimed again; a live one is respected. Removal happens under
`portfolio_lock`, so two processes never clean up the same lock at once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evitrack.atomic import atomic_create_text
from evitrack.errors import UserError

LOCK_FILE = ".evitrack.lock"
WAIT_SECONDS = 30.0


@contextmanager
def portfolio_lock(root: Path, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold the portfolio's write lock (waiting up to `wait` seconds for another writer)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: one writer is assumed
        yield
        return
    path = root / LOCK_FILE
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise UserError(
                f"cannot lock {path.name} in {root}: {exc.strerror or exc}",
                "check that the portfolio folder is writable",
            ) from None
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise UserError(
                            "another evitrack command is writing this portfolio",
                            "wait for it to finish, then retry",
                        ) from None
                    time.sleep(0.02)
            try:  # the holder before us removed the file: lock the one now there
                same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                try:
                    yield
                finally:
                    path.unlink(missing_ok=True)  # before unlocking: no one locks a ghost
                return
        finally:
            os.close(fd)  # releases the lock


def claim(path: Path, root: Path) -> bool:
    """Create the lock file `path` holding our process id; False while a live process holds it.

    A lock left by a process that is gone is removed (under the portfolio lock) and claimed.
    """
    if atomic_create_text(path, f"{os.getpid()}\n"):
        return True
    with portfolio_lock(root):
        if alive(_owner(path)):
            return False
        path.unlink(missing_ok=True)
    return atomic_create_text(path, f"{os.getpid()}\n")


def _owner(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        return None
    except OSError:
        return -1  # unreadable: treat as held
    return int(text) if text.isdigit() else None


def alive(pid: int | None) -> bool:
    """Whether the process `pid` still runs (None: no owner written; -1: cannot tell)."""
    if pid is None:
        return False
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:
        return True
    return True
