"""What every command shares: the error boundary, output formats, the portfolio argument."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Iterator, MutableMapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import typer
from typer.core import TyperGroup

from evitrack.cli._plain import Format as Format  # shared with the answers typer need not load
from evitrack.cli._plain import allowed_signers as allowed_signers
from evitrack.cli._plain import print_json as print_json
from evitrack.errors import UserError

STATE = {"debug": False}


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


INTERNAL_ERROR = 3  # a bug in evitrack, not a problem in the user's files or usage


def boundary_exit(e: Exception) -> int:
    """What every command does with an exception it did not handle: the one error boundary.

    A `UserError` is a message and exit 2; an `OSError` (a full disk, a read-only folder)
    a message naming the file and exit 2; a closed pipe (output piped into `head`) exit 0;
    Ctrl-C exit 130; Ctrl-D or Ctrl-C at a prompt exit 1, nothing written; anything else
    is an internal error: one line saying so and how to report it, exit 3 (with --debug
    the traceback instead). Returns the exit code; under --debug re-raises what is not
    the user's to fix.
    """
    if isinstance(e, UserError):
        err(e.message, e.hint)
        return 2
    if isinstance(e, BrokenPipeError):  # output piped into `head` and closed: not an error
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        return 0
    if isinstance(e, typer.Abort):  # Ctrl-D or Ctrl-C at a prompt: nothing was written
        sys.stderr.write("evitrack: stopped at the prompt; nothing was written\n")
        return 1
    if STATE["debug"]:
        raise e
    if isinstance(e, OSError):  # the disk, not evitrack: a full disk, a read-only folder
        err(os_problem(e), "check the folder's permissions and the free space")
        return 2
    err(
        f"internal error: {type(e).__name__}: {e}".splitlines()[0],
        "this is a bug in evitrack: rerun with `evitrack --debug ...` to see where it "
        "happened, and report it with that output",
    )
    return INTERNAL_ERROR


class Boundary(TyperGroup):
    """The root command: every command, subcommands too, runs inside the one error boundary.

    It lives in the command's `invoke`, so `evitrack`, `python -m evitrack` and tests
    driving `app` through `CliRunner` all pass through it.
    """

    # `evitrack --help` lists the commands by role, as the README does: the learner's,
    # the assessor's, then the centre's; a command not named here comes last.
    ORDER = (
        "init", "add", "hash", "check", "status", "plan",
        "gaps", "assess", "sign", "matrix",
        "claim", "qualification", "schema",
    )  # fmt: skip

    # Commands imported when first needed: name -> ("module:attribute" under evitrack.cli,
    # the first sentence of its help, which `--help` lists without importing it).
    LAZY: ClassVar[dict[str, tuple[str, str]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_metavars(self)
        guard_text(self)
        self.commands = LazyCommands(dict(self.commands), self.LAZY)

    def list_commands(self, ctx: Any) -> list[str]:
        names = list(self.commands)  # the names alone: typer's own would import every command
        rank = {name: i for i, name in enumerate(self.ORDER)}
        return sorted(names, key=lambda n: rank.get(n, len(rank)))

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The commands and their one-line help, without importing a command not yet run."""
        from typer._click.utils import make_default_short_help

        commands = self.commands
        assert isinstance(commands, LazyCommands)
        names = [n for n in self.list_commands(ctx) if n in commands]
        shown = [n for n in names if not (n in commands.loaded and commands.loaded[n].hidden)]
        if not shown:
            return
        limit = formatter.width - 6 - max(len(n) for n in shown)
        rows = [
            (
                n,
                commands.loaded[n].get_short_help_str(limit)
                if n in commands.loaded
                else make_default_short_help(commands.table[n][1], limit).strip(),
            )
            for n in shown
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.TyperException):  # exits and usage errors: typer's own
            raise
        except KeyboardInterrupt:
            sys.stderr.write("evitrack: interrupted\n")
            raise typer.Exit(130) from None
        except Exception as e:
            raise typer.Exit(boundary_exit(e)) from None


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name; one in `table` is imported and built on first use."""

    def __init__(self, loaded: dict[str, Any], table: dict[str, tuple[str, str]]) -> None:
        self.loaded = loaded
        self.table = table

    def __getitem__(self, name: str) -> Any:
        if name not in self.loaded:
            if name not in self.table:
                raise KeyError(name)
            self.loaded[name] = lazy_command(name, self.table[name][0])
        return self.loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self.loaded.pop(name, None)
        self.table = {k: v for k, v in self.table.items() if k != name}

    def __contains__(self, name: object) -> bool:
        return name in self.loaded or name in self.table

    def __iter__(self) -> Iterator[str]:
        yield from self.loaded
        yield from (n for n in self.table if n not in self.loaded)

    def __len__(self) -> int:
        return len(self.loaded) + sum(1 for n in self.table if n not in self.loaded)


@functools.cache
def lazy_command(name: str, where: str) -> Any:
    """The command `name` from "module:attribute" under evitrack.cli (a function or a typer
    app), built as typer builds the commands of the root, in the same help style; once a
    process (a click command holds nothing of a run), for a caller that runs several."""
    import importlib

    import typer.main

    module, _, attribute = where.partition(":")
    found = getattr(importlib.import_module(f"evitrack.cli.{module}"), attribute)
    holder = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False)
    if isinstance(found, typer.Typer):
        holder.add_typer(found, name=name)
    else:
        holder.command(name)(found)
    command = typer.main.get_group(holder).commands[name]
    name_metavars(command)
    guard_text(command)
    return command


def name_metavars(command: Any) -> None:
    """One style of placeholder in every command's help, as git and click write them:
    arguments and option values in capitals named for what they are (`PORTFOLIO`,
    `[PORTFOLIO]`, `RECORD`, `--date DATE`), choices as `{text|json|csv|markdown}`."""
    for sub in getattr(command, "commands", {}).values():
        name_metavars(sub)
    for p in command.params:
        if p.param_type_name == "argument":
            name = (p.metavar or p.name or "").strip("{}[]<>").upper()
            shown = (name if p.required else f"[{name}]") + ("..." if p.nargs != 1 else "")
            p.make_metavar = lambda ctx=None, usage=False, n=name, s=shown: s if usage else n
        elif p.param_type_name == "option" and not p.is_flag and not p.count:
            choices = getattr(p.type, "choices", None)
            if choices:
                p.metavar = "{" + "|".join(str(getattr(c, "value", c)) for c in choices) + "}"
            elif p.metavar is None:
                p.metavar = max(p.opts, key=len).lstrip("-").upper()


def guard_text(command: Any) -> None:
    """Every command refuses text from the command line that is not valid UTF-8, naming the
    option or argument that holds it (see `refuse_surrogates`), before it runs."""
    for sub in getattr(command, "commands", {}).values():
        guard_text(sub)
    run = command.callback
    if run is None or getattr(run, "guarded", False):
        return
    names = {
        p.name: next((o for o in getattr(p, "opts", ()) if o.startswith("--")), None)
        or str(p.name).upper()
        for p in command.params
    }

    @functools.wraps(run)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            refuse_surrogates(names.get(name, name), value)
        return run(*args, **kwargs)

    guarded.guarded = True  # type: ignore[attr-defined]
    command.callback = guarded


def signing_key(key: Path | None) -> Path | None:
    """--key, else $EVITRACK_SIGNING_KEY."""
    named = key or (
        Path(os.environ["EVITRACK_SIGNING_KEY"]) if os.environ.get("EVITRACK_SIGNING_KEY") else None
    )
    return named


def signer_name(signer: str | None) -> str | None:
    return signer or os.environ.get("EVITRACK_SIGNER") or None


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def portfolio_root(path: Path | None) -> Path:
    from evitrack.locate import resolve_root

    return resolve_root(path)


def refuse_with(diagnostics: Sequence[Any], why: str) -> NoReturn:
    """Every problem on stderr by file:line:col, then `why` (what was not done); exit 2."""
    for d in diagnostics:
        typer.echo(d.format(), err=True)
    typer.echo(f"evitrack: {why}", err=True)
    raise typer.Exit(2)


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
    from evitrack.output import plural

    n = len(errors)
    count = plural(n, "error")
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
