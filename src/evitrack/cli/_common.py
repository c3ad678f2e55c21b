"""What every command shares: error handling, output formats, the portfolio argument."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import typer

from evitrack.errors import UserError

F = TypeVar("F", bound=Callable[..., Any])

STATE = {"debug": False}


class Format(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class DocFormat(StrEnum):
    html = "html"
    markdown = "markdown"


PORTFOLIO_ARG = typer.Argument(
    None,
    help="The portfolio folder (default: the one holding evitrack.yaml at or above here).",
    show_default=False,
)

FORMAT_OPT = typer.Option(Format.text, "--format", "-f", help="Output format.")


def err(message: str, hint: str | None = None) -> None:
    sys.stderr.write(f"evitrack: error: {message}\n")
    if hint:
        sys.stderr.write(f"    hint: {hint}\n")


def os_problem(e: OSError, path: Path | None = None) -> str:
    """'cannot write evidence: permission denied' from an OSError met while writing."""
    import errno

    name = str(path) if path is not None else e.filename
    if isinstance(name, str) and Path(name).name.startswith(".") and name.endswith(".tmp"):
        name = str(Path(name).parent)  # an atomic write's temporary file: name its folder
    what = "the disk is full" if e.errno == errno.ENOSPC else (e.strerror or str(e))
    where = f" {os.path.relpath(name)}" if isinstance(name, str) else ""
    return f"cannot write{where}: {what[:1].lower()}{what[1:]}"


def handle_errors(fn: F) -> F:
    """Turn UserError into a message and exit code 2; anything unexpected into one line."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except UserError as e:
            err(e.message, e.hint)
            raise typer.Exit(2) from None
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            with contextlib.suppress(OSError):
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            sys.stderr.write("evitrack: interrupted\n")
            raise typer.Exit(130) from None
        except typer.Abort:  # Ctrl-D or Ctrl-C at a prompt: nothing was written
            sys.stderr.write("evitrack: stopped at the prompt; nothing was written\n")
            raise typer.Exit(1) from None
        except OSError as e:  # the disk, not evitrack: a full disk, a read-only folder
            if STATE["debug"]:
                raise
            err(os_problem(e), "check the folder's permissions and the free space")
            raise typer.Exit(2) from None
        except Exception as e:
            if STATE["debug"]:
                raise
            err(
                f"internal error: {type(e).__name__}: {e}".splitlines()[0],
                "rerun with `evitrack --debug ...` for details, and report it",
            )
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    from evitrack.output import json_text

    sys.stdout.write(json_text(data))


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def portfolio_root(path: Path | None) -> Path:
    from evitrack.locate import resolve_root

    return resolve_root(path)


def note_errors(diagnostics: Sequence[Any], where: str = "", shown: int = 3) -> bool:
    """On stderr: how many errors a portfolio has and the first few, by file:line:col.

    For commands that go on with what could be read (gaps, status, matrix): what an
    error affects (an unreadable record, an unknown criterion) is left out of their
    report, and the reader must know where. With `where` (a caseload) it is one line
    per portfolio and the caller gives the hint once. True if there were errors.
    """
    from evitrack.diagnostics import error_lines

    errors = error_lines(diagnostics)
    if not errors:
        return False
    n = len(errors)
    count = f"{n} error{'s' if n != 1 else ''}"
    if where:
        sys.stderr.write(f"note: {where}: {count}, the first: {errors[0]}\n")
        return True
    lines = [f"note: {count} in the portfolio; what they affect is left out:"]
    lines += [f"  {e}" for e in errors[:shown]]
    if n > shown:
        lines.append(f"  ... and {n - shown} more")
    lines.append(CHECK_HINT)
    sys.stderr.write("\n".join(lines) + "\n")
    return True


CHECK_HINT = "    hint: run `evitrack check` to see every problem and how to fix it"


def md_text(text: str) -> str:
    """Text for a Markdown table cell: one line, its pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")
