"""evitrack schema: JSON Schemas that editors use, from the same declarations check uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


NCFE = "ncfe-l3-diploma-customer-service"


def portfolio(tmp_path: Path, units: str = "09") -> Path:
    target = tmp_path / "sam"
    result = runner.invoke(
        app,
        [
            "init",
            str(target),
            "-q",
            NCFE,
            "--units",
            units,
            "--name",
            "Sam",
            "--registration",
            "N1",
        ],
    )
    assert result.exit_code == 0, result.output
    (target / "evidence" / "E0001.yaml").unlink()  # init's sample: nothing to check here
    return target


def test_a_portfolios_record_schema_offers_its_units_criteria_and_methods(
    tmp_path: Path,
) -> None:
    target = portfolio(tmp_path)
    result = runner.invoke(app, ["schema", "record", "--portfolio", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (target / ".schemas" / "record.schema.json").read_text()
    schema = json.loads(result.stdout)
    assert schema["title"] == ("evitrack evidence record: NCFE Level 3 Diploma in Customer Service")
    criteria = schema["properties"]["criteria"]
    assert criteria["additionalProperties"] is False
    assert list(criteria["properties"]) == [  # mandatory 01-06, then 09; each unit's alias
        "01",
        "L/506/2150",
        "02",
        "Y/506/2152",
        "03",
        "K/506/2169",
        "04",
        "D/506/1942",
        "05",
        "T/506/2952",
        "06",
        "J/506/2910",
        "09",
        "R/506/2151",
    ]
    unit09 = criteria["properties"]["09"]
    assert criteria["properties"]["R/506/2151"] == unit09
    assert unit09["description"] == "unit 09: Resolve customers' complaints"
    assert unit09["items"]["enum"][:3] == ["1.1", "1.2", "1.3"]
    assert unit09["items"]["enumDescriptions"][0] == (
        "Assess the suitability of a range of monitoring techniques for customers' complaints"
    )
    methods = schema["properties"]["methods"]["items"]
    assert methods["enum"][:10] == [
        "observation",
        "witness-testimony",
        "product",
        "questioning",
        "professional-discussion",
        "reflective-account",
        "candidate-report",
        "simulation",
        "recognition-of-prior-learning",
        "other",
    ]
    assert {"Obs", "P", "Q", "Sim", "Wt", "A", "Ot"} <= set(methods["enum"])


def test_the_record_schema_of_a_portfolio_only(tmp_path: Path) -> None:
    target = portfolio(tmp_path)
    result = runner.invoke(app, ["schema", "portfolio", "--portfolio", str(target)])
    assert result.exit_code == 2
    assert result.stderr == (
        "evitrack: error: --portfolio gives the record schema only, not the portfolio schema\n"
        "    hint: run `evitrack schema record --portfolio DIR`\n"
    )


def test_check_says_when_the_schema_is_stale_and_how_to_refresh_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = portfolio(tmp_path)
    monkeypatch.chdir(target)
    assert runner.invoke(app, ["check"]).stdout == ""
    config = target / "evitrack.yaml"
    config.write_text(config.read_text().replace('  - "09"', '  - "09"\n  - "29"'))
    for _ in range(2):  # and again, from the cache
        stale = runner.invoke(app, ["check"])
        assert stale.exit_code == 0
        assert stale.stdout == (
            ".schemas/record.schema.json:1:1: warning[W601]: the record schema that editors "
            "use is out of date: the qualification or the chosen units changed since it was "
            "written\n"
            "    hint: refresh it: evitrack schema record --portfolio . -o "
            ".schemas/record.schema.json\n"
        )
    refresh = runner.invoke(
        app, ["schema", "record", "--portfolio", ".", "-o", ".schemas/record.schema.json"]
    )
    assert (refresh.exit_code, refresh.stderr) == (0, "wrote .schemas/record.schema.json\n")
    assert (
        "29"
        in json.loads(config.with_name(".schemas").joinpath("record.schema.json").read_text())[
            "properties"
        ]["criteria"]["properties"]
    )
    clean = runner.invoke(app, ["check"])
    assert (clean.exit_code, clean.stdout) == (0, "")
    # a schema from before schemas were made per portfolio is stale too
    generic = runner.invoke(app, ["schema", "record", "-o", ".schemas/record.schema.json"])
    assert generic.exit_code == 0
    assert "warning[W601]" in runner.invoke(app, ["check"]).stdout


def test_schema_output_never_goes_through_a_link(tmp_path: Path) -> None:
    target = portfolio(tmp_path)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("{}\n")
    link = target / ".schemas" / "link.json"
    link.symlink_to(elsewhere)
    result = runner.invoke(app, ["schema", "record", "--portfolio", str(target), "-o", str(link)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"evitrack: error: {link} is a symbolic link; evitrack never writes through one; "
        "nothing was changed\n    hint: remove the link, or name the file it points to\n"
    )
    assert elsewhere.read_text() == "{}\n"


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("example", sorted(p.parent.name for p in EXAMPLES.glob("*/evitrack.yaml")))
def test_the_examples_validate_against_their_own_record_schemas(example: str) -> None:
    import jsonschema
    import yaml

    from evitrack.model import plain

    root = EXAMPLES / example
    schema = json.loads((root / ".schemas" / "record.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    records = sorted((root / "evidence").glob("*.yaml"))
    assert records
    for path in records:
        errors = [e.message for e in validator.iter_errors(plain(yaml.safe_load(path.read_text())))]
        assert errors == [], path.name
    # and the schema tells a wrong criterion from a right one
    bad = plain(yaml.safe_load(records[0].read_text()))
    unit = next(iter(bad["criteria"]))
    bad["criteria"][unit] = ["9.99"]
    assert next(e.message for e in validator.iter_errors(bad)).startswith("'9.99' is not one of")


CENTRE_FILE = """\
format: 1
id: centre-retail
title: Centre Award in Retail
groups:
  - {id: A, title: Mandatory, units: ["R01"]}
units:
  - id: R01
    title: Serve customers
    credit: 3
    outcomes:
      - id: "1"
        title: Serve
        criteria:
          - {id: "1.1", text: Greet the customer}
rules:
  - {id: R1, kind: mandatory, groups: [A], text: Unit R01 is mandatory}
"""


def test_a_corrected_qualification_file_makes_the_schema_stale(tmp_path: Path) -> None:
    target = tmp_path / "ann"
    (target / "qualifications").mkdir(parents=True)
    qfile = target / "qualifications" / "retail.yaml"
    qfile.write_text(CENTRE_FILE)
    init = ["init", str(target), "-q", "qualifications/retail.yaml", "--name", "Ann"]
    assert runner.invoke(app, [*init, "--registration", "R1"]).exit_code == 0
    (target / "evidence" / "E0001.yaml").unlink()  # init's sample: nothing to check here
    schema = json.loads((target / ".schemas" / "record.schema.json").read_text())
    items = schema["properties"]["criteria"]["properties"]["R01"]["items"]
    assert (items["enum"], items["enumDescriptions"]) == (["1.1"], ["Greet the customer"])
    assert runner.invoke(app, ["check", str(target)]).stdout == ""
    qfile.write_text(CENTRE_FILE.replace("Greet the customer", "Greet the customer politely"))
    stale = runner.invoke(app, ["check", str(target)])
    assert stale.exit_code == 0
    assert "warning[W601]: the record schema that editors use is out of date" in stale.stdout


@pytest.mark.slow
def test_the_qualification_schema_gives_each_rule_kind_its_own_keys() -> None:
    import jsonschema
    import yaml

    from evitrack import catalogue
    from evitrack.model import plain

    schema = json.loads(runner.invoke(app, ["schema", "qualification"]).stdout)
    rule = jsonschema.Draft202012Validator(schema["properties"]["rules"]["items"])
    for path in catalogue.shipped_files().values():  # every shipped rule is valid
        for r in plain(yaml.safe_load(path.read_text())).get("rules") or []:
            assert list(rule.iter_errors(r)) == [], (path.name, r)
    ok = {"id": "R1", "kind": "group_credit", "groups": ["A"], "min": 10, "text": None}
    assert rule.is_valid(ok)
    for bad in (
        {**ok, "level": 3},  # a key only level_credit reads
        {k: v for k, v in ok.items() if k != "groups"},  # a key the kind needs
        {k: v for k, v in ok.items() if k != "min"},  # none of min, max, exact
        {**ok, "groups": None},
    ):
        assert not rule.is_valid(bad), bad
