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


def test_the_qualification_schema_agrees_with_the_checker() -> None:
    from evitrack.rules import COMMON_KEYS, SHAPES

    schema = json.loads(runner.invoke(app, ["schema", "qualification"]).stdout)
    props = schema["properties"]
    assert props["kind"]["type"] == "string"  # not null: absent means a qualification
    assert props["format"]["minimum"] == props["format"]["maximum"] == 1
    rule = props["rules"]["items"]
    assert "text" in rule["required"] and rule["properties"]["text"]["type"] == ["string", "null"]
    every_kind_reads = {k for shape in SHAPES.values() for k in shape.keys}
    assert set(rule["properties"]) == every_kind_reads | set(COMMON_KEYS)
    unit = props["units"]["items"]["properties"]
    assert unit["group"]["description"].startswith("the group printed beside the unit")
    assert unit["credit"]["minimum"] == 0 and unit["level"]["maximum"] == 12
    assert unit["id"]["pattern"] == "^[!-~]+$"
    item = props["mappings"]["items"]["properties"]["items"]["items"]["properties"]
    assert item["kind"]["enum"] == ["knowledge", "skill", "behaviour", "other"]
