"""What commands share that needs neither typer nor rich: the output formats, JSON on
stdout, the allowed_signers list a command verifies decisions with. The answers written
before typer loads (`evitrack.cli._fast`) use them as the typer commands do."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from evitrack.errors import UserError

__all__ = ["GAPS_TOP", "Format", "allowed_signers", "print_json"]

GAPS_TOP = 10  # `gaps --top`: how many most-missing criteria a caseload's report lists


class Format(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    markdown = "markdown"


@contextlib.contextmanager
def allowed_signers(given: Path | None, paths: Sequence[Path] = ()) -> Any:
    """Verify decisions with the allowed_signers list the user named for this command.

    --allowed-signers, else $EVITRACK_ALLOWED_SIGNERS, else `allowed_signers` at the root
    of a caseload folder given on the command line. The choice is passed on through the
    environment, so the processes that load a caseload see it too; it is put back after.
    Lines of the list that were left out are noted once on stderr.
    """
    from evitrack import locate

    chosen = str(given) if given is not None else locate.named_list()
    if chosen is None:
        found = {
            p / locate.LIST_NAME
            for p in paths
            if p.is_dir() and locate.find_root(p) is None and (p / locate.LIST_NAME).is_file()
        }
        if len(found) > 1:
            raise UserError(
                "the caseload folders given keep different allowed_signers files",
                "name the one to use with --allowed-signers FILE",
            )
        chosen = str(found.pop()) if found else None
    before = os.environ.get(locate.ENV_LIST)
    if chosen is not None:
        from evitrack import signing  # only when a list is named: most runs name none

        listed = signing.load_allowed(chosen)
        for note in listed.notes:
            sys.stderr.write(f"note: {note.format()}\n")
        os.environ[locate.ENV_LIST] = chosen
    try:
        yield chosen
    finally:
        if before is None:
            os.environ.pop(locate.ENV_LIST, None)
        else:
            os.environ[locate.ENV_LIST] = before


def print_json(data: Any) -> None:
    from evitrack.output import json_text

    sys.stdout.write(json_text(data))
