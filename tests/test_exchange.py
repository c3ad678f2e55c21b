"""Exchange formats: CASE 1.1 packages, Open Badges 3.0 credentials, the claim list."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from effort import examples
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


@pytest.mark.parametrize(
    "qid", [q if q == FRAGMENT else pytest.param(q, marks=pytest.mark.slow) for q in SHIPPED]
)
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


@pytest.mark.parametrize(
    "qid", [q if q == FRAGMENT else pytest.param(q, marks=pytest.mark.slow) for q in SHIPPED]
)
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
    # a centre's file may not take a shipped id (E507): the import gives it one of its own
    assert result.output.startswith(f"wrote q.yaml: {qid}-imported, ")
    result = runner.invoke(app, ["qualification", "check", "q.yaml"])
    assert (result.exit_code, result.output) == (0, "ok: 1 file checked, no problems\n")
    shipped = runner.invoke(app, ["qualification", "show", qid, "--format", "json"])
    imported = runner.invoke(app, ["qualification", "show", "q.yaml", "--format", "json"])
    assert imported.exit_code == 0
    assert json.loads(imported.stdout) == {**json.loads(shipped.stdout), "id": f"{qid}-imported"}


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


# ---- Open Badges 3.0 -------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ALL_CRITERIA = '["1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "5.4"]'
CENTRE = 'centre:\n  name: "Yorkshire Hospitality Skills"\n  number: "70211"\n'


def ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def tom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-alone unit, every criterion accepted, signed off by assessor and learner."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "tom"
    ok(
        [
            "init",
            str(root),
            "-q",
            FRAGMENT,
            "--name",
            "Tom Whitfield",
            "--registration",
            "CSS-2026-031",
        ]
    )
    for f in (root / "evidence").glob("*.yaml"):
        f.unlink()
    (root / "evidence" / "E0001.yaml").write_text(
        "id: E0001\ntitle: Service standards review and action plan\ndate: 2026-03-02\n"
        "methods: [product]\ndescription: A review of the service standards, and a plan.\n"
        f'criteria:\n  "1": {ALL_CRITERIA}\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(root)
    ok(["assess", "E0001", "--accept", "--assessor", "Jo Smith", "--date", "2026-03-10"])
    ok(
        [
            "sign",
            "1",
            "--as",
            "assessor",
            "--initials",
            "JS",
            "--date",
            "2026-03-12",
            "--assessed",
            "2026-03-11",
        ]
    )
    ok(["sign", "1", "--as", "learner", "--initials", "TW", "--date", "2026-03-13"])
    with (root / "evitrack.yaml").open("a", encoding="utf-8") as fh:
        fh.write(CENTRE)
    monkeypatch.chdir(tmp_path)
    return root


def test_badge_for_a_complete_unit_and_award(tom: Path, tmp_path: Path) -> None:
    out = ok(["badge", str(tom), "-o", "badges"])
    assert out == "wrote badges/unit-1.json\nwrote badges/award.json\n"
    again = ok(["badge", str(tom), "-o", "again"])
    assert again == "wrote again/unit-1.json\nwrote again/award.json\n"
    check = validator("ob-3.0-achievementcredential.schema.json")
    for name in ("unit-1.json", "award.json"):
        data = (tmp_path / "badges" / name).read_bytes()
        assert (tmp_path / "again" / name).read_bytes() == data  # the same bytes every time
        check.validate(json.loads(data))
    unit = json.loads((tmp_path / "badges" / "unit-1.json").read_text())
    assert unit["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert unit["issuer"]["name"] == "Yorkshire Hospitality Skills"
    assert unit["issuanceDate"] == "2026-03-13T00:00:00Z"  # the sign-off, not the clock
    (ident,) = unit["credentialSubject"]["identifier"]
    import hashlib

    assert ident["hashed"] is True
    assert (
        ident["identityHash"]
        == "sha256$" + hashlib.sha256(("CSS-2026-031" + ident["salt"]).encode()).hexdigest()
    )
    assert "Tom" not in json.dumps(unit)  # the learner's name is never in a credential
    achievement = unit["credentialSubject"]["achievement"]
    assert achievement["name"] == "Customer service standards"
    assert achievement["criteria"]["narrative"].startswith(
        "**1 Be able to understand customer service standards required in own organisation**\n"
        "- 1.1 Explain customer service standards within own organisation\n"
    )
    assert [e["name"] for e in unit["evidence"]] == [
        "E0001 Service standards review and action plan"
    ]
    award = json.loads((tmp_path / "badges" / "award.json").read_text())
    assert award["credentialSubject"]["achievement"]["name"] == (
        "Customer service standards (stand-alone unit)"
    )


def test_badge_credit_and_alignment_from_the_qualification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    root = tmp_path / "sam"
    shutil.copytree(EXAMPLES / "ncfe-diploma-sam-patel", root)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["badge", "sam", "-o", "out"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "wrote out/unit-03.json\nwrote out/unit-05.json\nwrote out/unit-09.json\n"
        "wrote out/unit-17.json\n"
    )
    assert "note: unit 01: no badge yet (unit 01: no evidence for criteria" in result.stderr
    assert not (tmp_path / "out" / "award.json").exists()  # the award is not complete
    unit = json.loads((tmp_path / "out" / "unit-03.json").read_text())
    validator("ob-3.0-achievementcredential.schema.json").validate(unit)
    achievement = unit["credentialSubject"]["achievement"]
    assert (achievement["creditsAvailable"], unit["credentialSubject"]["creditsEarned"]) == (4, 4)
    assert [(a["targetCode"], a["targetType"]) for a in achievement["alignment"]] == [
        ("601/3974/2", "ext:qualification"),
        ("03", "CFItem"),
        ("K/506/2169", "CFItem"),
    ]
    package = json.loads(export("ncfe-l3-diploma-customer-service"))
    unit_item = next(
        i
        for i in package["CFItems"]
        if i["CFItemType"] == "Unit" and i["humanCodingScheme"] == "03"
    )
    assert achievement["alignment"][1]["targetUrl"] == unit_item["uri"]


def test_badge_with_nothing_complete_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    ok(["init", "new", "-q", FRAGMENT, "--name", "Ann Lee", "--registration", "R-1"])
    with (tmp_path / "new" / "evitrack.yaml").open("a", encoding="utf-8") as fh:
        fh.write(CENTRE)
    result = runner.invoke(app, ["badge", "new", "-o", "out"])
    assert result.exit_code == 1
    assert result.stdout == (
        "no badges: 1 thing stands in the way:\n"
        "  no unit is complete and signed off yet: no badge to issue\n"
    )
    assert result.stderr.endswith("nothing was written\n")
    assert not (tmp_path / "out").exists()


def _keys(tmp_path: Path) -> tuple[Path, Path, Any]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    private = tmp_path / "centre.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = tmp_path / "centre.pub"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
    )
    return private, public, key


@pytest.mark.slow
def test_badge_signed_verifies_and_fails_after_any_change(tom: Path, tmp_path: Path) -> None:
    from evitrack.exchange import badges

    private, public, key = _keys(tmp_path)
    out = ok(["badge", str(tom), "-o", "signed", "--key", str(private)])
    assert out == (
        "wrote signed/unit-1.json\nwrote signed/unit-1.jwt\n"
        "wrote signed/award.json\nwrote signed/award.jwt\n"
    )
    token = (tmp_path / "signed" / "unit-1.jwt").read_text().strip()
    ok(["badge", str(tom), "-o", "again", "--key", str(private)])
    assert (tmp_path / "again" / "unit-1.jwt").read_text().strip() == token  # deterministic
    result = runner.invoke(app, ["badge", "verify", "signed/unit-1.jwt", "--key", str(public)])
    assert (result.exit_code, result.output) == (
        0,
        "ok: signed/unit-1.jwt: signature verified: Customer service standards, issued by "
        "Yorkshire Hospitality Skills on 2026-03-13\n",
    )
    head, payload, sig = token.split(".")
    claims = json.loads(badges._unb64(payload))
    assert claims["vc"] == json.loads((tmp_path / "signed" / "unit-1.json").read_text())
    validator("ob-3.0-achievementcredential.schema.json").validate(claims["vc"])
    pub = key.public_key()
    assert badges.verify(token, pub, "t").ok
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i, ch in enumerate(payload):  # every byte of the payload, changed, fails
        other = alphabet[(alphabet.index(ch) + 1) % 64]
        changed = f"{head}.{payload[:i]}{other}{payload[i + 1 :]}.{sig}"
        assert not badges.verify(changed, pub, "t").ok, i
    tampered = tmp_path / "tampered.jwt"
    tampered.write_text(f"{head}.{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{sig}\n")
    result = runner.invoke(app, ["badge", "verify", str(tampered), "--key", str(public)])
    assert result.exit_code == 1
    assert result.output == (
        f"evitrack: {tampered}: the signature does not match: the credential was changed "
        "after signing, or signed with another key\n"
    )


def test_badge_verify_with_another_key_fails(tom: Path, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private, _, _ = _keys(tmp_path)
    ok(["badge", str(tom), "-o", "signed", "--key", str(private)])
    other = tmp_path / "other.pem"
    other.write_bytes(
        Ed25519PrivateKey.from_private_bytes(bytes(32))
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    result = runner.invoke(app, ["badge", "verify", "signed/award.jwt", "--key", str(other)])
    assert result.exit_code == 1
    assert "the signature does not match" in result.output
    result = runner.invoke(app, ["badge", "verify", "signed/award.json", "--key", str(other)])
    assert result.exit_code == 2
    assert result.output.startswith(
        "evitrack: error: signed/award.json: not a VC-JWT (expected header.payload.signature)\n"
    )


def test_badge_refuses_a_key_that_is_not_ed25519(tom: Path, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = tmp_path / "ec.pem"
    pem.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    result = runner.invoke(app, ["badge", str(tom), "-o", "out", "--key", str(pem)])
    assert result.exit_code == 2
    assert result.output.startswith(f"evitrack: error: {pem}: not an Ed25519 key (")
    assert not (tmp_path / "out").exists()
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n")
    result = runner.invoke(app, ["badge", str(tom), "-o", "out", "--key", str(junk)])
    assert (result.exit_code, result.output) == (
        2,
        f"evitrack: error: {junk}: not a private key evitrack can read\n"
        "    hint: give an Ed25519 private key, PEM or OpenSSH (`ssh-keygen -t ed25519`)\n",
    )
    assert not (tmp_path / "out").exists()


# ---- the claim list --------------------------------------------------------------------


def test_claim_list_per_learner(tom: Path, tmp_path: Path) -> None:
    import shutil

    text = (tom / "evitrack.yaml").read_text(encoding="utf-8")
    text = text.replace(
        '  registration: "CSS-2026-031"\n', '  registration: "CSS-2026-031"\n  uln: "9876543210"\n'
    )
    (tom / "evitrack.yaml").write_text(text, encoding="utf-8")
    shutil.copytree(EXAMPLES / "ncfe-diploma-sam-patel", tmp_path / "sam")
    ok(["init", "ann", "-q", FRAGMENT, "--name", "=Ann Lee", "--registration", "R-1"])
    ok(["init", "zed", "-q", FRAGMENT])  # the placeholders of `init`: nothing can be claimed
    result = runner.invoke(app, ["claim", "list", "."])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "portfolio,learner,registration,uln,qualification,number,claim,units,codes,dates,iv,reason\n"
        "ann,'=Ann Lee,R-1,,,,,,,,,\"no unit is complete and signed off yet (first: unit 1: "
        "no evidence for criteria 1.2, 2.1, 2.2, 2.3, 2.4, 2.5, 3.1, 4.1, 4.2, 4.3, 5.1, 5.2, "
        '5.3, 5.4)"\n'
        "sam,Sam Patel,NC-204518,,ncfe-l3-diploma-customer-service,601/3974/2,units,"
        "03; 05; 09; 17,K/506/2169; T/506/2952; R/506/2151; F/506/2159,"
        "2026-02-03; 2026-05-05; 2026-02-03; 2026-03-12,; ; PK 2026-02-20; ,\n"
        "tom,Tom Whitfield,CSS-2026-031,9876543210,unit-fragment-customer-service-standards,,"
        "full,1,,2026-03-11,,\n"
        'zed,Learner Name,REG-0000,,,,,,,,,"learner.name in evitrack.yaml is still ""Learner '
        'Name"", written by `evitrack init`: replace it with the learner\'s own (and 1 more; '
        'see `evitrack check`)"\n'
    )
    rows = json.loads(runner.invoke(app, ["claim", "list", ".", "--format", "json"]).stdout)
    assert [r["portfolio"] for r in rows] == ["ann", "sam", "tom", "zed"]
    assert set(rows[0]) == {"portfolio", "learner", "registration", "reason"}
    assert rows[2] == {
        "portfolio": "tom",
        "learner": "Tom Whitfield",
        "registration": "CSS-2026-031",
        "uln": "9876543210",
        "qualification": FRAGMENT,
        "number": None,
        "claim": "full",
        "units": ["1"],
        "codes": {"1": []},
        "dates": {"1": "2026-03-11"},
        "iv": {"1": None},
    }
    assert rows[1]["iv"]["09"] == {"initials": "PK", "date": "2026-02-20"}


def test_claim_list_of_no_portfolios_is_an_input_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["claim", "list", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith(f"evitrack: error: {tmp_path}: not inside a portfolio")


def test_claim_list_names_a_portfolio_it_cannot_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "evitrack.yaml").write_text(
        'qualification: no-such-thing\nlearner: {name: Bo Ng, registration: "R-9"}\nunits: []\n',
        encoding="utf-8",
    )
    rows = json.loads(runner.invoke(app, ["claim", "list", ".", "-f", "json"]).stdout)
    assert rows == [
        {
            "portfolio": "bad",
            "learner": "Bo Ng",
            "registration": "R-9",
            "reason": "evitrack.yaml cannot be used: bad/evitrack.yaml:1:16: error[E201]: "
            'unknown qualification "no-such-thing"',
        }
    ]


# ---- property: any qualification survives CASE export and import -------------------------


_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029\x85"),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() == t and t.strip())
_MULTILINE = st.lists(_TEXT, min_size=1, max_size=3).map("\n".join)
_ID = st.from_regex(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,5}", fullmatch=True)


@st.composite
def qualifications(draw: Any) -> dict[str, Any]:
    unit_ids = draw(st.lists(_ID, min_size=1, max_size=3, unique_by=str.lower))
    units = []
    for uid in unit_ids:
        outcomes = []
        for o in range(1, draw(st.integers(1, 2)) + 1):
            outcomes.append(
                {
                    "id": str(o),
                    "title": draw(_TEXT),
                    "criteria": [
                        {"id": f"{o}.{c}", "text": draw(_MULTILINE)}
                        for c in range(1, draw(st.integers(1, 3)) + 1)
                    ],
                }
            )
        unit: dict[str, Any] = {
            "id": uid,
            "title": draw(_TEXT),
            "credit": draw(st.none() | st.integers(0, 60)),
            "outcomes": outcomes,
        }
        if draw(st.booleans()):
            unit["note"] = draw(_MULTILINE)
        units.append(unit)
    return {
        "format": 1,
        "id": "prop-qual",
        "title": draw(_TEXT),
        "awarding_body": draw(st.none() | _TEXT),
        "number": draw(st.none() | _ID),
        "groups": [{"id": "G", "title": draw(_TEXT), "units": unit_ids}],
        "units": units,
        "rules": [{"id": "R1", "kind": "mandatory", "text": None, "groups": ["G"]}],
    }


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=qualifications())
def test_case_round_trip_property(data: dict[str, Any], tmp_path: Path) -> None:
    import yaml

    from evitrack import catalogue
    from evitrack.catalogue import check_file
    from evitrack.exchange import case

    folder = tmp_path / f"q{abs(hash(json.dumps(data, sort_keys=True)))}"
    folder.mkdir()
    src = folder / "src.yaml"
    src.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert [d.headline for d in check_file(src) if d.severity.value == "error"] == []
    original = catalogue.load_file(src)
    package = json.loads(case.dumps(case.export(original)))
    back = folder / "back.yaml"
    back.write_text(case.to_yaml(case.to_qualification(package, "pkg")), encoding="utf-8")
    assert [d.headline for d in check_file(back) if d.severity.value == "error"] == []
    assert catalogue.to_json(catalogue.load_file(back)) == catalogue.to_json(original)


def test_claim_list_of_the_examples_as_the_readme_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    result = runner.invoke(app, ["claim", "list", "examples", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "portfolio,learner,registration,uln,qualification,number,claim,units,codes,dates,iv,reason"
    )
    assert [line.split(",")[0] for line in lines[1:]] == sorted(
        p.parent.name for p in EXAMPLES.glob("*/evitrack.yaml")
    )
    assert lines[1] == (
        "edi-l2-chloe-adeyemi,Chloe Adeyemi,EDI-55817342,,edi-l2-nvq-customer-service,,units,"
        "CU791,F1,2026-03-11,,"
    )
