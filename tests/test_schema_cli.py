"""evitrack schema: JSON Schemas that editors use, from the same declarations check uses."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from evitrack.cli import app

runner = CliRunner()


def test_record_schema() -> None:
    result = runner.invoke(app, ["schema", "record"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "evitrack evidence record"
    assert schema["additionalProperties"] is False
    assert schema["properties"]["criteria"]["additionalProperties"]["items"]["type"] == "string"
    assert schema["properties"]["assessment"]["properties"]["decision"]["enum"] == [
        "accepted",
        "referred",
    ]


def test_portfolio_and_qualification_schemas() -> None:
    for kind, required in (
        ("portfolio", ["qualification", "learner", "units"]),
        ("qualification", ["format", "id", "title"]),
    ):
        result = runner.invoke(app, ["schema", kind])
        assert result.exit_code == 0
        assert json.loads(result.stdout)["required"] == required


def test_unknown_schema_is_a_usage_error() -> None:
    result = runner.invoke(app, ["schema", "nope"])
    assert result.exit_code == 2
