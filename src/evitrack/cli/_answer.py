"""A report's whole answer, kept beside the memo it was rendered from.

`gaps` and `status` of one portfolio render their JSON, CSV and Markdown from the
portfolio's `gaps` memo alone (and the format, the folder paths are shown from, the way
the portfolio was named). While that memo holds, a run replays the answer it rendered
last time, stdout, stderr and exit code, before importing anything that computes one.
The text view (rich, sized to the terminal) is always drawn afresh.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evitrack.cache import Memo


def opened(root: Path, command: str, *parts: str) -> tuple[Memo, str]:
    """The portfolio's `gaps` memo, and the variant of `command`'s answer asked for now.

    If the memo holds an answer for that variant, it is written out and the command
    ends here with its exit code.
    """
    memo, variant, kept = kept_answer(root, command, *parts)
    if kept is not None:
        import typer

        sys.stdout.write(kept[0])
        sys.stderr.write(kept[1])
        raise typer.Exit(kept[2])
    return memo, variant


def kept_answer(
    root: Path, command: str, *parts: str
) -> tuple[Memo, str, tuple[str, str, int] | None]:
    """The portfolio's `gaps` memo, the variant of `command`'s answer asked for now, and the
    answer it keeps for that variant (stdout, stderr, exit code), if it holds one."""
    from evitrack.cache import Memo

    memo = Memo.open(root, "gaps", dt.date.today())
    variant = json.dumps([command, os.getcwd(), str(root), *parts])
    kept = memo.answer(variant)
    if (
        isinstance(kept, list)
        and len(kept) == 3
        and isinstance(kept[0], str)
        and isinstance(kept[1], str)
        and type(kept[2]) is int
    ):
        return memo, variant, (kept[0], kept[1], kept[2])
    return memo, variant, None


def one_portfolio(paths: list[Path]) -> Path | None:
    """The portfolio when `paths` name one (not a caseload); None: not known without more."""
    from evitrack.locate import find_root, resolve_root

    if not paths:
        return resolve_root(None)
    if len(paths) == 1 and paths[0].exists():
        return find_root(paths[0])
    return None


class _Tee:
    """A stream that writes through to `stream` and remembers the text written."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        written = self.stream.write(text)
        if isinstance(text, str):
            self.parts.append(text)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextlib.contextmanager
def recorded(memo: Memo, variant: str) -> Iterator[None]:
    """Keep what the block writes and the exit code it ends with as the memo's answer for
    `variant`; nothing is kept if it ends with an error."""
    out, err = _Tee(sys.stdout), _Tee(sys.stderr)
    sys.stdout, sys.stderr = out, err
    import typer

    code = None
    try:
        yield
        code = 0
    except typer.Exit as exc:
        code = exc.exit_code
        raise
    finally:
        sys.stdout, sys.stderr = out.stream, err.stream
        if code is not None:
            memo.keep_answer(variant, ["".join(out.parts), "".join(err.parts), code])
