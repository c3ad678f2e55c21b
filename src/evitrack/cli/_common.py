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

KEY_OPT = typer.Option(
    None,
    "--key",
    help="Sign with this SSH private key (default: $EVITRACK_SIGNING_KEY); see docs/signing.md.",
    show_default=False,
)
SIGNER_OPT = typer.Option(
    None,
    "--signer",
    help="Who signs, as named in the centre's allowed_signers (default: $EVITRACK_SIGNER, "
    "else the key's one principal there).",
    show_default=False,
)
ALLOWED_SIGNERS_OPT = typer.Option(
    None,
    "--allowed-signers",
    help="The centre's allowed_signers file: decisions count only when signed by a key in it "
    "(default: $EVITRACK_ALLOWED_SIGNERS, or allowed_signers at a caseload folder's root).",
    show_default=False,
)


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


def _has_surrogate(value: Any) -> str | None:
    """The first lone surrogate in a value from the command line (a str, a Path or a list)."""
    if isinstance(value, (list, tuple)):
        return next((ch for v in value if (ch := _has_surrogate(v))), None)
    text = str(value) if isinstance(value, (str, Path)) else ""
    return next((ch for ch in text if "\ud800" <= ch <= "\udfff"), None)


def refuse_surrogates(what: str, value: Any) -> None:
    """UserError for text that is not valid UTF-8 (Python keeps such bytes as lone surrogates,
    which can be neither printed nor written to a file)."""
    ch = _has_surrogate(value)
    if ch is not None:
        byte = f" (the byte 0x{ord(ch) - 0xDC00:02x})" if 0xDC80 <= ord(ch) <= 0xDCFF else ""
        raise UserError(
            f"{what} holds text that is not valid UTF-8{byte}",
            "type it again in a UTF-8 terminal, or leave out the character",
        )


def _option_name(fn: Callable[..., Any], param: str) -> str:
    """How the user typed a command's parameter: "--title", or "PORTFOLIO" for an argument."""
    import inspect

    default = inspect.signature(fn).parameters[param].default
    decls = [d for d in getattr(default, "param_decls", None) or () if d.startswith("--")]
    return decls[0] if decls else param.upper()


def handle_errors(fn: F) -> F:
    """Turn UserError into a message and exit code 2; anything unexpected into one line."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            for name, value in kwargs.items():
                refuse_surrogates(_option_name(fn, name), value)
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


def signing_key(key: Path | None) -> Path | None:
    """--key, else $EVITRACK_SIGNING_KEY."""
    named = key or (
        Path(os.environ["EVITRACK_SIGNING_KEY"]) if os.environ.get("EVITRACK_SIGNING_KEY") else None
    )
    return named


def signer_name(signer: str | None) -> str | None:
    return signer or os.environ.get("EVITRACK_SIGNER") or None


@contextlib.contextmanager
def allowed_signers(given: Path | None, paths: Sequence[Path] = ()) -> Any:
    """Verify decisions with the allowed_signers list the user named for this command.

    --allowed-signers, else $EVITRACK_ALLOWED_SIGNERS, else `allowed_signers` at the root
    of a caseload folder given on the command line. The choice is passed on through the
    environment, so the processes that load a caseload see it too; it is put back after.
    Lines of the list that were left out are noted once on stderr.
    """
    from evitrack import locate, signing

    chosen = str(given) if given is not None else signing.named_list()
    if chosen is None:
        found = {
            p / signing.LIST_NAME
            for p in paths
            if p.is_dir() and locate.find_root(p) is None and (p / signing.LIST_NAME).is_file()
        }
        if len(found) > 1:
            raise UserError(
                "the caseload folders given keep different allowed_signers files",
                "name the one to use with --allowed-signers FILE",
            )
        chosen = str(found.pop()) if found else None
    before = os.environ.get(signing.ENV_LIST)
    if chosen is not None:
        listed = signing.load_allowed(chosen)
        for note in listed.notes:
            sys.stderr.write(f"note: {note.format()}\n")
        os.environ[signing.ENV_LIST] = chosen
    try:
        yield chosen
    finally:
        if before is None:
            os.environ.pop(signing.ENV_LIST, None)
        else:
            os.environ[signing.ENV_LIST] = before


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


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
