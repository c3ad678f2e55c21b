"""Exit codes mean one thing for every command: 0 yes, 1 no, 2 usage or input error.

Each command's question answered "yes" and "no" (where it asks one), and a usage or input
error, on real portfolios; then the one error boundary that every command runs inside.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from evitrack.cli import app
from evitrack.cli._common import Boundary
from evitrack.errors import UserError

runner = CliRunner()
FRAGMENT = "unit-fragment-customer-service-standards"
ALL = ",".join(
    f"1/{c}"
    for c in (
        "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1",
        "4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "5.4",
    )
)  # fmt: skip


def run(*args: str, code: int) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (args, result.output)
    return result.output


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two portfolios of the stand-alone unit: `done` complete and signed, `half` not."""
    top = tmp_path_factory.mktemp("exit")
    for name in ("done", "half"):
        root = top / name
        run("init", str(root), "-q", FRAGMENT, "--name", "Tom", "--registration", "R1", code=0)
        (root / "evidence" / "E0001.yaml").unlink()
    done, half = top / "done", top / "half"
    run("add", str(done), "-t", "All", "-m", "product", "-c", ALL, "--date", "2026-03-02", code=0)
    run(
        "assess", "E0001", str(done), "--accept", "--assessor", "Jo", "--date", "2026-03-09", code=0
    )
    for role in ("learner", "assessor", "iv"):
        run("sign", "1", str(done), "--as", role, "--initials", "JS", code=0)
    run(
        "add",
        str(half),
        "-t",
        "Some",
        "-m",
        "product",
        "-c",
        "1/1.1",
        "--date",
        "2026-03-02",
        code=0,
    )
    return top


@pytest.fixture
def here(base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(base, tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    return tmp_path / "p"


BROKEN = 'id: E0009\ntitle: x\ndate: 2026-03-02\nmethods: [product]\ncriteria:\n  "1": ["9.9"]\n'

CASES: dict[str, tuple[list[str], int]] = {
    # the learner's commands
    "init": (["init", "new", "-q", FRAGMENT, "--name", "A", "--registration", "B"], 0),
    "init unknown qualification": (["init", "new", "-q", "nope"], 2),
    "add": (["add", "half", "-t", "T", "-m", "product", "-c", "1/1.2"], 0),
    "add unknown criterion": (["add", "half", "-t", "T", "-m", "product", "-c", "1/9.9"], 2),
    "hash": (["hash", "done"], 0),
    "check clean": (["check", "done"], 0),
    "check with errors": (["check", "broken"], 1),
    "check no such path": (["check", "nowhere"], 2),
    "status incomplete": (["status", "half"], 0),
    "status complete": (["status", "done"], 0),
    "status no portfolio": (["status", "nowhere"], 2),
    "plan rules met": (["plan", "done"], 0),
    "plan rules unmet": (["plan", "-q", "ncfe-l3-diploma-customer-service", "--units", "09"], 1),
    "plan unknown unit": (["plan", "-q", FRAGMENT, "--units", "nope"], 2),
    # the assessor's commands
    "gaps nothing missing": (["gaps", "done"], 0),
    "gaps something missing": (["gaps", "half"], 1),
    "gaps caseload with something missing": (["gaps", "done", "half"], 1),
    "gaps no portfolio": (["gaps", "nowhere"], 2),
    "assess": (["assess", "E0001", "half", "--accept", "--assessor", "Jo"], 0),
    "assess a record with errors": (
        ["assess", "E0009", "broken", "--accept", "--assessor", "Jo"],
        1,
    ),
    "assess neither accept nor refer": (["assess", "E0001", "half", "--assessor", "Jo"], 2),
    "sign complete": (["sign", "1", "done", "--as", "learner", "--initials", "TW"], 0),
    "sign incomplete": (["sign", "1", "half", "--as", "learner", "--initials", "TW"], 1),
    "matrix": (["matrix", "half", "-f", "markdown"], 0),
    "matrix unknown unit": (["matrix", "half", "-u", "nope"], 2),
    # the centre's commands
    "claim full award": (["claim", "done", "-o", "pack"], 0),
    "claim refused": (["claim", "half", "-o", "pack"], 1),
    "claim draft": (["claim", "half", "--draft", "-o", "pack"], 0),
    "qualification list": (["qualification", "list"], 0),
    "qualification show": (["qualification", "show", FRAGMENT], 0),
    "qualification show unknown": (["qualification", "show", "nope"], 2),
    "qualification check": (["qualification", "check", FRAGMENT], 0),
    "qualification check missing file": (["qualification", "check", "nope.yaml"], 2),
    "schema": (["schema", "record"], 0),
    "schema unknown kind": (["schema", "nope"], 2),
    "unknown option": (["status", "--nope"], 2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_exit_code(case: str, here: Path) -> None:
    shutil.copytree(here / "half", here / "broken")
    (here / "broken" / "evidence" / "E0009.yaml").write_text(BROKEN)
    args, code = CASES[case]
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    if code == 2:
        assert "internal error" not in result.output
        assert result.stderr.strip(), "a usage or input error says what is wrong"


def test_claim_verify_exit_codes(here: Path) -> None:
    run("claim", "done", "-o", "pack", code=0)
    run("claim", "verify", "pack", code=0)
    (here / "pack" / "summary.json").write_text("{}\n")
    run("claim", "verify", "pack", code=1)
    run("claim", "verify", "nowhere", code=2)


def test_qualification_check_of_a_broken_file_exits_1(here: Path) -> None:
    (here / "q.yaml").write_text("format: 2\n")
    run("qualification", "check", "q.yaml", code=1)


# ---- the one error boundary ----------------------------------------------------------------


def boundary_app() -> typer.Typer:
    """An app built like evitrack's, with commands that fail in each way a command can."""
    test = typer.Typer(cls=Boundary, pretty_exceptions_enable=False, rich_markup_mode=None)

    @test.callback()
    def root() -> None:
        pass

    @test.command("bug")
    def bug() -> None:
        raise ZeroDivisionError("division by zero")

    @test.command("user")
    def user() -> None:
        raise UserError("no such unit", "see `evitrack qualification show`")

    @test.command("disk")
    def disk() -> None:
        raise PermissionError(13, "Permission denied", "out/x.html")

    @test.command("interrupt")
    def interrupt() -> None:
        raise KeyboardInterrupt

    @test.command("prompt")
    def prompt() -> None:
        raise typer.Abort()

    @test.command("usage")
    def usage(n: int = typer.Option(..., "--n")) -> None:
        pass

    return test


@pytest.mark.parametrize(
    ("command", "code", "stderr"),
    [
        (
            ["bug"],
            3,
            "evitrack: error: internal error: ZeroDivisionError: division by zero\n"
            "    hint: this is a bug in evitrack: rerun with `evitrack --debug ...` to see "
            "where it happened, and report it with that output\n",
        ),
        (
            ["user"],
            2,
            "evitrack: error: no such unit\n    hint: see `evitrack qualification show`\n",
        ),
        (
            ["disk"],
            2,
            f"evitrack: error: cannot write {Path('out/x.html')}: permission denied\n"
            "    hint: check the folder's permissions and the free space\n",
        ),
        (["interrupt"], 130, "evitrack: interrupted\n"),
        (["prompt"], 1, "evitrack: stopped at the prompt; nothing was written\n"),
    ],
)
def test_the_boundary_turns_each_failure_into_its_exit_code(
    command: list[str], code: int, stderr: str
) -> None:
    result = runner.invoke(boundary_app(), command)
    assert (result.exit_code, result.stderr) == (code, stderr)


def test_output_into_a_closed_pipe_is_not_an_error() -> None:
    """`evitrack ... | head`: the reader goes away; exit 0, no traceback, no message."""
    import subprocess
    import sys

    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "evitrack",
            "qualification",
            "show",
            "ncfe-l3-diploma-customer-service",
            "-f",
            "markdown",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert p.stdout is not None and p.stderr is not None
    assert p.stdout.read(10) == b"# NCFE Lev"
    p.stdout.close()
    assert (p.wait(timeout=60), p.stderr.read()) == (0, b"")


def test_usage_errors_stay_typer_s_own() -> None:
    result = runner.invoke(boundary_app(), ["usage", "--n", "x"])
    assert result.exit_code == 2
    assert "Invalid value for '--n'" in result.stderr


def test_every_command_runs_inside_the_boundary() -> None:
    """The boundary is the root command, so no command, however added, escapes it."""
    command = typer.main.get_command(app)
    assert isinstance(command, Boundary)
    names = command.list_commands(None)  # type: ignore[arg-type]
    assert names[:13] == [
        "init", "add", "hash", "check", "status", "plan",
        "gaps", "assess", "sign", "matrix",
        "claim", "qualification", "schema",
    ]  # fmt: skip


# ---- help: one placeholder style ---------------------------------------------------------


def commands(command: typer.core.TyperGroup, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    out = []
    for name, sub in command.commands.items():
        if isinstance(sub, typer.core.TyperGroup):
            out += commands(sub, (*prefix, name))
        else:
            out.append([*prefix, name])
    return out


def test_every_help_names_its_placeholders_in_one_style() -> None:
    """PORTFOLIO, [PORTFOLIO], RECORD, --date DATE, {text|json|csv|markdown}: no {record},
    [portfolio], <str> or <int range>."""
    root = typer.main.get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    found = commands(root)
    assert ["claim", "verify"] in found and ["qualification", "show"] in found
    for args in found:
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, args
        assert not re.search(
            r"<str>|<int|<path>|\{(?!case\})[a-z_]+\}|(?<!evitrack)\[(?!required\])[a-z_]+\]",
            result.stdout,  # {case}: a choice of one
        ), (
            args,
            result.stdout,
        )
    usage = runner.invoke(app, ["assess", "--help"]).stdout.splitlines()[0]
    assert usage.endswith("assess [OPTIONS] RECORD [PORTFOLIO]")
    usage = runner.invoke(app, ["check", "--help"]).stdout.splitlines()[0]
    assert usage.endswith("check [OPTIONS] [PATHS]...")
    plan = runner.invoke(app, ["plan", "--help"]).stdout
    assert "-f, --format {text|json|csv|markdown}" in plan
    assert "--units UNITS" in plan


# ---- help: fast, every command listed without importing it --------------------------------


def test_root_help_lists_each_command_with_its_own_first_sentence() -> None:
    """`evitrack --help` lists commands from the table in cli/__init__.py without importing
    them: each sentence there must be the command's own, shortened as click shortens it."""
    from typer._click.utils import make_default_short_help

    from evitrack.cli import COMMANDS

    root = typer.main.get_command(app)
    assert isinstance(root, Boundary)
    assert list(root.commands) == list(COMMANDS)
    for name, (_, sentence) in COMMANDS.items():
        command = root.commands[name]
        for limit in (40, 56, 200):
            assert command.get_short_help_str(limit) == make_default_short_help(sentence, limit), (
                name,
                limit,
            )


@pytest.mark.slow
def test_root_help_imports_no_command_and_a_command_only_its_own() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; sys.argv = ['evitrack', *sys.argv[1:]]\n"
        "from evitrack.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('evitrack.cli.', 'ruamel'))))"
    )

    def imported(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True
        )
        return proc.stdout.splitlines()[-1]

    assert imported("--help") == "['evitrack.cli._help']"  # not even typer: see test_help.py
    assert imported("schema", "--help") == (
        "['evitrack.cli._common', 'evitrack.cli._plain', 'evitrack.cli.schema']"
    )
    help_text = runner.invoke(app, ["--help"]).stdout
    assert "  check          Validate portfolios: every problem with file, line and...\n" in (
        help_text
    )
    assert "  iqa            Internal quality assurance: draw the sample, record...\n" in help_text
