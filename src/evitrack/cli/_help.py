"""The root's help, written as click writes it, without loading typer or click.

`evitrack`, `evitrack --help` and `evitrack -h` are answered from the command table and
the root's texts in cli/__init__.py, the same ones the typer app is built from: loading
typer takes most of such a run. The layout is click's own (`HelpFormatter`: the usage
line, the help's paragraphs, then the options and the commands as definition lists,
wrapped to the terminal's width but at most 78 columns, each command's help cut to one
line as `make_default_short_help` cuts it); tests/test_help.py compares the two outputs
at several widths, so a change on either side shows.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Mapping, Sequence

# What typer adds to the root's options itself, in its own words.
COMPLETION_OPTIONS = (
    ("--install-completion", "Install completion for the current shell."),
    (
        "--show-completion",
        "Show completion for the current shell, to copy it or customize the installation.",
    ),
)
HELP_OPTION_TEXT = "Show this message and exit."


class _Wrapper(textwrap.TextWrapper):
    """click's wrapper: a word longer than the line is cut where the line ends."""

    def _handle_long_word(
        self, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int
    ) -> None:
        space_left = max(width - cur_len, 1)
        last = reversed_chunks[-1]
        cur_line.append(last[:space_left])
        reversed_chunks[-1] = last[space_left:]


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """The lines of `text`, its paragraphs (split by an empty line) wrapped one by one."""
    wrapper = _Wrapper(width, initial_indent=first, subsequent_indent=rest)
    wrapper.replace_whitespace = False
    paragraphs = [" ".join(p.split("\n")) for p in text.strip("\n").split("\n\n")]
    return "\n\n".join(wrapper.fill(p) for p in paragraphs).split("\n")


def program_name() -> str:
    """How the program was run, as click names it: `evitrack`, or `python -m evitrack`."""
    path = sys.argv[0]
    package = getattr(sys.modules["__main__"], "__package__", None)
    if package in (None, ""):
        return os.path.basename(path)
    name = os.path.splitext(os.path.basename(path))[0]
    module = package if name == "__main__" else f"{package}.{name}"
    return f"python -m {module.lstrip('.')}"


def width() -> int:
    """click's width for help: the terminal's (or $COLUMNS), at most 80, less 2, at least 50."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        stdout = sys.__stdout__
        try:
            columns = (os.get_terminal_size(stdout.fileno()).columns if stdout else 0) or 80
        except (ValueError, OSError):  # closed, detached, or not a terminal
            columns = 80
    return max(min(columns, 80) - 2, 50)


def short_help(text: str, limit: int) -> str:
    """A command's help cut to `limit` characters, as click's `make_default_short_help`:
    up to the first sentence's end, else the words that fit and "..."."""
    words = text.partition("\n\n")[0].split()
    total = 0
    for i, word in enumerate(words):
        total += len(word) + (i > 0)
        if total > limit:
            break
        if word.endswith("."):
            return " ".join(words[: i + 1])
        if total == limit and i != len(words) - 1:
            break
    else:
        return " ".join(words)
    total += len("...")
    while i > 0:
        total -= len(words[i]) + 1
        if total <= limit:
            break
        i -= 1
    return " ".join(words[:i]) + "..."


def _definitions(rows: Sequence[tuple[str, str]], width: int) -> list[str]:
    """click's `write_dl` at an indent of 2: terms in a column of at most 30, text beside."""
    first_col = min(max(len(term) for term, _ in rows), 30) + 2
    text_width = max(width - first_col - 2, 10)
    lines = []
    for term, text in rows:
        wrapped = _wrap(text, text_width)
        if len(term) <= first_col - 2:
            lines.append(f"  {term}{' ' * (first_col - len(term))}{wrapped[0]}")
        else:
            lines += [f"  {term}", f"{' ' * (first_col + 2)}{wrapped[0]}"]
        lines += [f"{' ' * (first_col + 2)}{line}" for line in wrapped[1:]]
    return lines


def root_help(
    prog: str,
    text: str,
    options: Sequence[tuple[str, str]],
    commands: Mapping[str, tuple[str, str]],
    width: int,
) -> str:
    """The root's `--help`: usage, help text, options (typer's own added), commands."""
    prefix = f"Usage: {prog} "
    args = "[OPTIONS] COMMAND [ARGS]..."
    if width >= len(prefix) + 20:
        lines = _wrap(args, width, prefix, " " * len(prefix))
    else:
        lines = [prefix, *_wrap(args, width, " " * 11, " " * 11)]
    lines += ["", *_wrap(text, width, "  ", "  "), "", "Options:"]
    lines += _definitions([*options, *COMPLETION_OPTIONS, ("-h, --help", HELP_OPTION_TEXT)], width)
    limit = width - 6 - max(len(name) for name in commands)
    rows = [(name, short_help(sentence, limit)) for name, (_, sentence) in commands.items()]
    lines += ["", "Commands:", *_definitions(rows, width)]
    return "\n".join(lines) + "\n"
