"""The hot commands answered before typer loads: `check`, and `gaps`/`status` replaying a
kept answer.

Loading typer, click and rich costs more than checking a portfolio whose records are
cached, and pre-commit hooks and scripts run these commands over and over. `answer`
reads exactly these shapes of the command line and nothing else:

- `check [PATH ...] [--quiet] [--strict] [--format FORMAT]`;
- `gaps [PATH] --format json|csv|markdown` and `status [PATH] --format json|csv|markdown`,
  only when the portfolio's memo keeps the answer (`cli/_answer.py`).

The answer is formed by the same functions the typer commands call (`checked` is the body
of `evitrack check`), written to buffers, and printed only once it is whole. If anything
goes wrong (a path that does not exist, an unreadable file, anything at all), nothing is
printed and `answer` returns None: the typer command runs as it always does and reports
the problem as it always has. Running `check` again is harmless: it writes nothing but its
caches.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from evitrack.cli._plain import GAPS_TOP, Format, allowed_signers

TYPE_CHECKING = False  # typing is not imported at run time: this path pays for each import
if TYPE_CHECKING:
    from collections.abc import Callable

FLAGS = ("--quiet", "--strict")
REPORTS = ("json", "csv", "markdown")  # gaps and status: the formats an answer is kept for


def checked(paths: list[Path], format: Format, strict: bool, quiet: bool) -> int:
    """`evitrack check` once its arguments are read: the problems in `format` on stdout,
    notes and the summary on stderr; the exit code returned."""
    from evitrack.checker import check as run
    from evitrack.cli._report import print_diagnostics
    from evitrack.diagnostics import Severity, has_errors, plural, printable

    report = run(paths)
    failed = has_errors(report.diagnostics, strict)
    e, w_ = report.count(Severity.ERROR), report.count(Severity.WARNING)
    head = {
        "portfolios": [str(p) for p in report.portfolios],
        "ok": not failed,
        "errors": e,
        "warnings": w_,
    }
    print_diagnostics(report.diagnostics, format, head)
    for note in report.notes:
        sys.stderr.write(f"note: {printable(note)}\n")
    if format in (Format.text, Format.markdown) and not quiet:
        where = plural(len(report.portfolios), "portfolio")
        if not report.diagnostics:
            sys.stderr.write(f"ok: {where} checked, no problems\n")
        else:
            sys.stderr.write(f"{plural(e, 'error')}, {plural(w_, 'warning')} in {where}\n")
    return 1 if failed else 0


def parsed(args: list[str], flags: tuple[str, ...]) -> tuple[list[str], dict[str, str]] | None:
    """The paths and options of `args` (`--format X` or `--format=X`, and `flags`), or None
    when they hold anything else (typer reads those)."""
    paths: list[str] = []
    options: dict[str, str] = {}
    rest = iter(args)
    for arg in rest:
        name, eq, value = arg.partition("=")
        if arg in flags and arg not in options:
            options[arg] = ""
        elif name == "--format" and name not in options:
            value = value if eq else next(rest, "")
            if value not in Format.__members__:
                return None
            options[name] = value
        elif arg and not arg.startswith("-"):
            paths.append(arg)
        else:
            return None
    if any(not _printable(a) for a in args):
        return None  # not valid UTF-8: typer names the argument that holds it
    return paths, options


def _printable(text: str) -> bool:
    return not any("\ud800" <= ch <= "\udfff" for ch in text)


def _check(paths: list[str], options: dict[str, str]) -> int | None:
    given = [Path(p) for p in paths]
    with allowed_signers(None, given):
        return checked(
            given,
            Format(options.get("--format", "text")),
            "--strict" in options,
            "--quiet" in options,
        )


def _replay(command: str, paths: list[str], options: dict[str, str]) -> int | None:
    """`gaps` or `status` of one portfolio from the answer its memo keeps; None if none."""
    from evitrack.cli._answer import kept_answer, one_portfolio
    from evitrack.locate import resolve_root

    format = options.get("--format")
    if format not in REPORTS or len(paths) > 1:
        return None
    given = [Path(p) for p in paths]
    if command == "gaps":
        with allowed_signers(None, given):
            root = one_portfolio(given)
            kept = None if root is None else kept_answer(root, "gaps", format, str(GAPS_TOP))[2]
    else:
        with allowed_signers(None):
            root = resolve_root(given[0] if given else None)
            kept = kept_answer(root, "status", format)[2]
    if kept is None:
        return None
    sys.stdout.write(kept[0])
    sys.stderr.write(kept[1])
    return kept[2]


COMMANDS: dict[str, tuple[tuple[str, ...], Callable[[list[str], dict[str, str]], int | None]]] = {
    "check": (FLAGS, _check),
    "gaps": ((), lambda paths, options: _replay("gaps", paths, options)),
    "status": ((), lambda paths, options: _replay("status", paths, options)),
}


class _Recorder(io.StringIO):
    """A stream that keeps what is written to it, and in what order among its peers."""

    def __init__(self, stream: str, log: list[tuple[str, str]]) -> None:
        super().__init__()
        self.stream, self.log = stream, log

    def write(self, text: str) -> int:
        self.log.append((self.stream, text))
        return len(text)


def _encodable(text: str, stream: object) -> bool:
    """Whether `stream` can write `text` (its encoding and error handler)."""
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str):
        return True
    try:
        text.encode(encoding, getattr(stream, "errors", None) or "strict")
    except (UnicodeError, LookupError):
        return False
    return True


def answer(argv: list[str]) -> int | None:
    """The exit code once `argv`'s answer is printed, or None (nothing printed) when typer
    must run the command: not one of the shapes above, no kept answer, or anything raised."""
    if not argv or argv[0] not in COMMANDS:
        return None
    flags, run = COMMANDS[argv[0]]
    read = parsed(argv[1:], flags)
    if read is None:
        return None
    log: list[tuple[str, str]] = []
    real = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Recorder("out", log), _Recorder("err", log)
    try:
        code = run(*read)
    except KeyboardInterrupt:
        log, code = [("err", "evitrack: interrupted\n")], 130
    except Exception:  # typer runs it again and reports the problem as it does
        code = None
    finally:
        sys.stdout, sys.stderr = real
    if code is not None and not all(_encodable(text, real[s == "err"]) for s, text in log):
        code = None  # a terminal that cannot show it: typer reports that as it always has
    if code is not None:
        for stream, text in log:
            (sys.stdout if stream == "out" else sys.stderr).write(text)
    return code
