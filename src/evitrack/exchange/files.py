"""Writing an exchange file: atomic, never through a symbolic link, never over a file unasked."""

from __future__ import annotations

import os
from pathlib import Path

from evitrack.errors import UserError


def check_target(path: Path, force: bool) -> None:
    """UserError if `path` may not be written: a link, a folder, a missing folder, a file
    that exists (unless `force`). Nothing is written."""
    if path.is_symlink():
        raise UserError(
            f"{path} is a symbolic link; evitrack never writes through one; nothing was written",
            "remove the link, or name the file it points to",
        )
    if path.is_dir():
        raise UserError(f"{path} is a folder; nothing was written", "name the file to write")
    if not path.parent.is_dir():
        raise UserError(
            f"{path.parent}: no such folder; nothing was written",
            "create the folder first, or name a file in a folder that exists",
        )
    if path.exists() and not force:
        raise UserError(
            f"{path} exists; nothing was written", "give --force to replace it, or another name"
        )


def write_text(path: Path, text: str, force: bool) -> None:
    """Write `text` to `path` atomically after `check_target`."""
    from evitrack.atomic import atomic_create_text, atomic_write_text

    check_target(path, force)
    try:
        if force:
            atomic_write_text(path, text)
        elif not atomic_create_text(path, text):
            raise UserError(
                f"{path} exists; nothing was written",
                "give --force to replace it, or another name",
            )
    except OSError as e:
        what = e.strerror or str(e)
        raise UserError(
            f"cannot write {os.path.relpath(path)}: {what[:1].lower()}{what[1:]}",
            "check the folder's permissions and the free space",
        ) from None
