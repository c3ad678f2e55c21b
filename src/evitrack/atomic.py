"""Atomic writes: a temporary file in the same folder, fsync, then rename over the target."""

from __future__ import annotations

import os
from pathlib import Path


def _temp_copy(path: Path, text: str, mode: int, sync: bool = True) -> str:
    """A fully written temporary file beside `path`, synced to disk unless `sync` is False;
    the caller renames or links it."""
    import tempfile  # here: a run that writes nothing (a warm check) does not load it (7 ms)

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def atomic_write_text(path: Path, text: str, sync: bool = True) -> None:
    """Replace `path` with `text` so that a reader sees the old file or the new, never half.

    `sync=False` skips the fsync, for a file that may be lost (a cache): after a crash of
    the machine it may be empty or torn, never another file's text.
    """
    path = Path(path)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644 & ~_umask()
    tmp = _temp_copy(path, text, mode, sync)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_create_text(path: Path, text: str) -> bool:
    """Create `path` atomically only if it does not exist yet; False if it did."""
    tmp = _temp_copy(path, text, 0o644 & ~_umask())
    try:
        os.link(tmp, path)  # fails if path exists: no race between two writers
    except FileExistsError:
        return False
    finally:
        Path(tmp).unlink(missing_ok=True)
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """`atomic_write_text` for bytes (a PDF): the old file or the new, never half."""
    path = Path(path)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644 & ~_umask()
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
