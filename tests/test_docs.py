"""The README and the docs tell the truth: every command and problem code is there."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from evitrack.cli import app
from evitrack.diagnostics import CODES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def commands() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    names = []
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(cmd, "commands", None)
        if sub:
            names.extend(f"{name} {s}" for s in sub)
        names.append(name)
    return names


def test_every_command_has_help_and_is_in_the_readme() -> None:
    runner = CliRunner()
    for name in commands():
        result = runner.invoke(app, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert "Usage:" in result.stdout
        assert f"evitrack {name.split()[0]}" in README, f"`evitrack {name}` is not in the README"


def test_every_problem_code_is_documented() -> None:
    for code, (severity, _) in CODES.items():
        assert re.search(rf"\| `{code}` \| {severity.value} \|", README), code


def test_quickstart_is_two_commands_first() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    assert "pip install -e . &&" in blocks[0] and "evitrack " in blocks[0]
    assert 'pip install -e ".[test]" && python -m pytest -q -n auto' in blocks[1]
    example = re.search(r"evitrack gaps (\S+)", blocks[0])
    assert example and (ROOT / example.group(1) / "evitrack.yaml").is_file()


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'python -m pip install -e ".[test]" && python -m pytest -q -n auto' in ci


def test_the_readme_gives_the_local_loop_and_ci_leaves_nothing_out() -> None:
    assert 'python -m pytest -q -n auto -m "not slow"' in README
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    assert any(m.startswith("slow:") for m in options["ini_options"]["markers"])
    ci = (ROOT / ".ci" / "run").read_text()
    assert "not slow" not in ci and "EVITRACK_FULL_TESTS" not in ci


def test_dependencies_have_lower_bounds() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [
        d for extra in project["optional-dependencies"].values() for d in extra
    ]
    for dep in deps:
        assert ">=" in dep or dep.startswith("evitrack["), dep


def test_the_architecture_map_names_modules_that_exist() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`(src/evitrack/[\w/.]+?)`", text))
    assert len(named) > 20
    for path in named:
        assert (ROOT / path).exists(), path
    for module in (ROOT / "src" / "evitrack").glob("*.py"):
        if module.name not in ("__init__.py", "__main__.py", "errors.py", "atomic.py"):
            family = "quality_*.py" if module.name.startswith("quality_") else module.name
            assert f"src/evitrack/{module.name}" in text or family in text, module.name
