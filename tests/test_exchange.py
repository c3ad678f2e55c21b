"""Exchange formats: CASE 1.1 packages, Open Badges 3.0 credentials, the claim list."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from evitrack.cli import app

runner = CliRunner()
SCHEMAS = Path(__file__).parent / "schemas"
SHIPPED = [
    "cg-svq-customer-service-scqf8",
    "edi-l2-nvq-customer-service",
    "ncfe-l3-diploma-customer-service",
    "pearson-btec-l3-certificate-customer-service-specialists",
    "pearson-btec-l3-diploma-customer-service-specialists",
    "unit-fragment-customer-service-standards",
]
FRAGMENT = "unit-fragment-customer-service-standards"


def validator(name: str) -> Any:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


# ---- CASE ------------------------------------------------------------------------------


def export(qid: str) -> str:
    result = runner.invoke(app, ["qualification", "export", qid, "--format", "case"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("qid", SHIPPED)
def test_case_export_validates_is_stable_and_holds_every_item(qid: str) -> None:
    text = export(qid)
    assert export(qid) == text  # byte-identical every time
    package = json.loads(text)
    validator("case-1.1-cfpackage.schema.json").validate(package)
    shown = json.loads(
        runner.invoke(app, ["qualification", "show", qid, "--format", "json"]).stdout
    )
    expected = len(shown["groups"]) + sum(
        1
        + len(u["outcomes"])
        + sum(len(o["criteria"]) for o in u["outcomes"])
        + len(u["knowledge"])
        for u in shown["units"]
    )
    assert len(package["CFItems"]) == expected
    ids = {i["identifier"] for i in package["CFItems"]} | {package["CFDocument"]["identifier"]}
    children = {a["originNodeURI"]["identifier"] for a in package["CFAssociations"]}
    assert children == {i["identifier"] for i in package["CFItems"]}  # every item has a parent
    for a in package["CFAssociations"]:
        assert a["associationType"] == "isChildOf"
        assert a["destinationNodeURI"]["identifier"] in ids
    assert package["CFDocument"]["extensions"]["rules"] == shown["rules"]


def test_case_export_of_the_fragment_in_detail() -> None:
    package = json.loads(export(FRAGMENT))
    doc = package["CFDocument"]
    assert doc["identifier"] == str(
        uuid.uuid5(uuid.UUID("6f3b8a52-2c1e-4d7a-9b0e-5d4c3a2b1f09"), FRAGMENT)
    )
    assert (doc["title"], doc["creator"], doc["caseVersion"]) == (
        "Customer service standards (stand-alone unit)",
        "not stated",
        "1.1",
    )
    items = {i["identifier"]: i for i in package["CFItems"]}
    kinds = [(i["CFItemType"], i["humanCodingScheme"]) for i in package["CFItems"]]
    assert kinds[:5] == [
        ("Group", "mandatory"),
        ("Unit", "1"),
        ("Learning Outcome", "1"),
        ("Assessment Criterion", "1.1"),
        ("Assessment Criterion", "1.2"),
    ]
    c12 = package["CFItems"][4]
    assert c12["fullStatement"] == (
        "Describe customer service best practice in own sector using research techniques."
    )
    (assoc,) = [
        a
        for a in package["CFAssociations"]
        if a["originNodeURI"]["identifier"] == c12["identifier"]
    ]
    parent = items[assoc["destinationNodeURI"]["identifier"]]
    assert (parent["CFItemType"], parent["humanCodingScheme"], assoc["sequenceNumber"]) == (
        "Learning Outcome",
        "1",
        2,
    )


@pytest.mark.parametrize("qid", SHIPPED)
def test_case_round_trip_gives_the_same_qualification(
    qid: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app, ["qualification", "export", qid, "--format", "case", "-o", "pkg.json"]
    )
    assert (result.exit_code, result.output) == (0, "wrote pkg.json\n")
    result = runner.invoke(
        app, ["qualification", "import", "pkg.json", "--format", "case", "-o", "q.yaml"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote q.yaml: {qid}, ")
    result = runner.invoke(app, ["qualification", "check", "q.yaml"])
    assert (result.exit_code, result.output) == (0, "ok: 1 file checked, no problems\n")
    shipped = runner.invoke(app, ["qualification", "show", qid, "--format", "json"])
    imported = runner.invoke(app, ["qualification", "show", "q.yaml", "--format", "json"])
    assert imported.exit_code == 0
    assert imported.stdout == shipped.stdout


def test_case_import_reads_a_package_without_our_item_types(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another system's framework: types unknown, so the tree's shape says what is what."""
    monkeypatch.chdir(tmp_path)

    def node(n: int, text: str, code: str) -> dict[str, Any]:
        ident = f"00000000-0000-4000-8000-{n:012d}"
        return {
            "identifier": ident,
            "uri": f"https://case.example/{ident}",
            "fullStatement": text,
            "humanCodingScheme": code,
            "CFItemType": "Standard",
            "lastChangeDateTime": "2024-01-01T00:00:00Z",
        }

    def link(item: dict[str, Any]) -> dict[str, str]:
        return {
            "identifier": item["identifier"],
            "uri": item["uri"],
            "title": item["fullStatement"],
        }

    doc = {
        "identifier": "00000000-0000-4000-8000-000000000000",
        "uri": "https://case.example/doc",
        "creator": "Example Awarding Body",
        "title": "Retail Skills",
        "lastChangeDateTime": "2024-01-01T00:00:00Z",
    }
    unit = node(1, "Serve customers", "RS1")
    outcome = node(2, "Know the products", "1")
    c1, c2 = node(3, "Describe the range", "1.1"), node(4, "Explain the prices", "1.2")
    know = node(5, "the returns policy", "a")
    pairs = [
        (unit, doc, 1),
        (outcome, unit, 1),
        (c2, outcome, 2),
        (c1, outcome, 1),
        (know, unit, 2),
    ]
    package = {
        "CFDocument": doc,
        "CFItems": [unit, outcome, c1, c2, know],
        "CFAssociations": [
            {
                "identifier": f"10000000-0000-4000-8000-{i:012d}",
                "uri": f"https://case.example/a{i}",
                "associationType": "isChildOf",
                "originNodeURI": link(o),
                "destinationNodeURI": {
                    "identifier": p["identifier"],
                    "uri": p["uri"],
                    "title": "x",
                },
                "sequenceNumber": s,
                "lastChangeDateTime": "2024-01-01T00:00:00Z",
            }
            for i, (o, p, s) in enumerate(pairs)
        ],
    }
    validator("case-1.1-cfpackage.schema.json").validate(package)
    Path("retail.json").write_text(json.dumps(package), encoding="utf-8")
    result = runner.invoke(
        app, ["qualification", "import", "retail.json", "-f", "case", "-o", "retail.yaml"]
    )
    assert (result.exit_code, result.output) == (
        0,
        "wrote retail.yaml: retail-skills, 1 unit, 0 groups, 0 rules\n",
    )
    assert runner.invoke(app, ["qualification", "check", "retail.yaml"]).exit_code == 0
    shown = json.loads(
        runner.invoke(app, ["qualification", "show", "retail.yaml", "-f", "json"]).stdout
    )
    (u,) = shown["units"]
    assert (shown["awarding_body"], u["id"], u["title"]) == (
        "Example Awarding Body",
        "RS1",
        "Serve customers",
    )
    assert u["outcomes"] == [
        {
            "id": "1",
            "title": "Know the products",
            "criteria": [
                {"id": "1.1", "text": "Describe the range"},
                {"id": "1.2", "text": "Explain the prices"},
            ],
        }
    ]
    assert u["knowledge"] == [{"id": "a", "text": "the returns policy"}]


def _package_text() -> str:
    return export(FRAGMENT)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2", "bad.json:1:6: not JSON: Expecting ',' delimiter"),
        ("[]", "bad.json: not a CASE package: no CFDocument object"),
        ('{"CFItems": []}', "bad.json: not a CASE package: no CFDocument object"),
        (b"\xff\xfe{}", "bad.json: not UTF-8 text; a CASE package is JSON"),
    ],
)
def test_case_import_refuses_what_is_not_a_package(
    content: str | bytes, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    if isinstance(content, bytes):
        Path("bad.json").write_bytes(content)
    else:
        Path("bad.json").write_text(content, encoding="utf-8")
    result = runner.invoke(
        app, ["qualification", "import", "bad.json", "-f", "case", "-o", "q.yaml"]
    )
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == f"evitrack: error: {message}"
    assert not Path("q.yaml").exists()


def test_case_import_refuses_a_dangling_association(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    package = json.loads(_package_text())
    gone = package["CFItems"].pop(3)  # criterion 1.1: its isChildOf now points from nothing
    n = next(
        i
        for i, a in enumerate(package["CFAssociations"], 1)
        if a["originNodeURI"]["identifier"] == gone["identifier"]
    )
    Path("pkg.json").write_text(json.dumps(package), encoding="utf-8")
    result = runner.invoke(
        app, ["qualification", "import", "pkg.json", "-f", "case", "-o", "q.yaml"]
    )
    assert result.exit_code == 2
    aid = package["CFAssociations"][n - 1]["identifier"]
    assert result.output == (
        f"evitrack: error: pkg.json: CFAssociations item {n} ({aid}) is dangling: its origin "
        f'"{gone["identifier"]}" is no CFItem of the package\n'
        "    hint: export the whole framework (a CFPackage), or remove the association\n"
    )
    assert not Path("q.yaml").exists()
    package = json.loads(_package_text())
    package["CFAssociations"][0]["destinationNodeURI"]["identifier"] = "nowhere"
    Path("pkg.json").write_text(json.dumps(package), encoding="utf-8")
    result = runner.invoke(
        app, ["qualification", "import", "pkg.json", "-f", "case", "-o", "q.yaml"]
    )
    assert result.exit_code == 2
    assert (
        'is dangling: its destination "nowhere" is neither the CFDocument nor a CFItem'
        in result.output
    )
    assert not Path("q.yaml").exists()


def test_case_import_never_overwrites_unasked_nor_writes_through_a_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("pkg.json").write_text(_package_text(), encoding="utf-8")
    Path("q.yaml").write_text("# mine\n", encoding="utf-8")
    args = ["qualification", "import", "pkg.json", "-f", "case", "-o", "q.yaml"]
    result = runner.invoke(app, args)
    assert (result.exit_code, result.output) == (
        2,
        "evitrack: error: q.yaml exists; nothing was written\n"
        "    hint: give --force to replace it, or another name\n",
    )
    assert Path("q.yaml").read_text() == "# mine\n"
    Path("target.yaml").write_text("# target\n", encoding="utf-8")
    Path("link.yaml").symlink_to("target.yaml")
    result = runner.invoke(app, [*args[:-1], "link.yaml", "--force"])
    assert result.exit_code == 2
    assert result.output.startswith("evitrack: error: link.yaml is a symbolic link;")
    assert Path("target.yaml").read_text() == "# target\n"
    result = runner.invoke(app, [*args, "--force"])
    assert result.exit_code == 0
    assert Path("q.yaml").read_text().startswith("# Imported from a CASE 1.1 package")
