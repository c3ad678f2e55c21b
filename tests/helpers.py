"""Helpers the test modules share: a new portfolio through `evitrack init`, and a shipped
qualification as `qualification show --format json` gives it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from evitrack.cli import app


def init_portfolio(
    target: Path,
    qualification: str,
    *extra: str,
    name: str = "Sam Patel",
    registration: str = "NC-204518",
    units: str | None = None,
    sample: bool = False,
) -> Path:
    """A portfolio made by `evitrack init` at `target` (without its sample record unless
    `sample`); `extra` are more options for init."""
    args = ["init", str(target), "--qualification", qualification]
    args += ["--name", name, "--registration", registration]
    if units is not None:
        args += ["--units", units]
    result = CliRunner().invoke(app, [*args, *extra])
    assert result.exit_code == 0, result.output
    if not sample:
        (target / "evidence" / "E0001.yaml").unlink()
    return target


def show(qid: str) -> dict[str, Any]:
    """A shipped qualification as `qualification show --format json` prints it."""
    result = CliRunner().invoke(app, ["qualification", "show", qid, "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@cache
def shown(qid: str) -> dict[str, Any]:
    """`show`, once per qualification for the whole run (tests only read it)."""
    return show(qid)


def unit(q: dict[str, Any], uid: str) -> dict[str, Any]:
    """The one unit `uid` of a shown qualification."""
    found = [u for u in q["units"] if u["id"] == uid]
    assert len(found) == 1, uid
    return found[0]
