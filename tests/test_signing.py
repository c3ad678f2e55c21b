"""Signed decisions: assess/sign --key, verified against the centre's allowed_signers.

Keys are generated here with ssh-keygen; one test checks evitrack's signatures with
`ssh-keygen -Y verify` and `ssh-keygen -Y sign`'s with evitrack.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from effort import examples
from evitrack import signing, yamlio
from evitrack.cli import app

runner = CliRunner()
FRAGMENT = "unit-fragment-customer-service-standards"
CRITERIA = [
    "1.1",
    "1.2",
    "2.1",
    "2.2",
    "2.3",
    "2.4",
    "2.5",
    "3.1",
    "4.1",
    "4.2",
    "4.3",
    "5.1",
    "5.2",
    "5.3",
    "5.4",
]
JO = "jo@centre.example"
SSH_KEYGEN = shutil.which("ssh-keygen")
pytestmark = pytest.mark.skipif(SSH_KEYGEN is None, reason="needs OpenSSH's ssh-keygen")


def keygen(where: Path, name: str, kind: str = "ed25519") -> Path:
    key = where / name
    subprocess.run(
        [str(SSH_KEYGEN), "-q", "-t", kind, "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key


def public(key: Path) -> str:
    return " ".join(key.with_name(key.name + ".pub").read_text().split()[:2])


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    where = tmp_path / "keys"
    where.mkdir()
    return {name: keygen(where, name) for name in ("jo", "eve")}


def allowed(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "allowed_signers"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def portfolio(tmp_path: Path, settings: str = "") -> Path:
    root = tmp_path / "p"
    result = runner.invoke(
        app,
        [
            "init",
            str(root),
            "--qualification",
            FRAGMENT,
            "--name",
            "Tom Whitfield",
            "--registration",
            "CSS-031",
        ],
    )
    assert result.exit_code == 0, result.output
    (root / "evidence" / "E0001.yaml").unlink()
    if settings:
        text = (root / "evitrack.yaml").read_text()
        (root / "evitrack.yaml").write_text(text + f"settings:\n  signatures: {settings}\n")
    refs = ",".join(f"1/{c}" for c in CRITERIA)
    result = runner.invoke(
        app,
        ["add", str(root), "-t", "All of it", "-m", "product", "-c", refs, "--date", "2026-05-01"],
    )
    assert result.exit_code == 0, result.output
    return root


def assess(root: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        [
            "assess",
            "E0001",
            str(root),
            "--accept",
            "--assessor",
            "Jo Smith",
            "--date",
            "2026-05-02",
            *list(extra),
        ],
    )
    return result.exit_code, result.stderr


def check(root: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["check", str(root), *extra])
    return result.exit_code, result.stdout


def accepted(root: Path, *extra: str) -> list[str]:
    result = runner.invoke(app, ["gaps", str(root), "--format", "json", *extra])
    assert result.exit_code in (0, 1), result.output  # 1: something is still missing
    return list(json.loads(result.stdout)["units"][0]["accepted"])


def record(root: Path) -> Path:
    return next((root / "evidence").glob("E0001*.yaml"))


def line_of(path: Path, start: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1) if t.startswith(start))


def test_a_signed_decision_counts_with_the_centres_list(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    root = portfolio(tmp_path)
    signers = allowed(tmp_path, f'{JO} namespaces="evitrack-assessor" {public(keys["jo"])}')
    code, err = assess(root, "--key", str(keys["jo"]), "--signer", JO)
    assert (code, err) == (0, f"E0001 accepted by Jo Smith on 2026-05-02, signed by {JO}\n")
    data = yamlio.parse(record(root).read_text())["assessment"]
    assert data["signer"] == JO
    assert signing.parse(data["signature"]).namespace == "evitrack-assessor"
    assert check(root, "--allowed-signers", str(signers)) == (0, "")
    assert accepted(root, "--allowed-signers", str(signers)) == CRITERIA
    claim = runner.invoke(
        app,
        [
            "claim",
            str(root),
            "--draft",
            "-o",
            str(tmp_path / "pack"),
            "--allowed-signers",
            str(signers),
        ],
    )
    assert claim.exit_code == 0, claim.output
    summary = json.loads((tmp_path / "pack" / "summary.json").read_text())
    digest = signing.hashlib.sha256(signers.read_bytes()).hexdigest()
    assert summary["signatures"] == {
        "required": True,
        "allowed_signers": {"path": str(signers), "sha256": digest},
    }


def test_the_signer_comes_from_the_list_when_the_key_has_one_principal(
    tmp_path: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = portfolio(tmp_path)
    signers = allowed(tmp_path, f"{JO} {public(keys['jo'])}")
    monkeypatch.setenv("EVITRACK_ALLOWED_SIGNERS", str(signers))
    code, err = assess(root, "--key", str(keys["jo"]))
    assert (code, err) == (0, f"E0001 accepted by Jo Smith on 2026-05-02, signed by {JO}\n")
    assert check(root) == (0, "")
    monkeypatch.delenv("EVITRACK_ALLOWED_SIGNERS")
    code, err = assess(root, "--key", str(keys["jo"]))
    assert code == 2
    assert err.startswith("evitrack: error: who is signing? give --signer PRINCIPAL")


def test_without_a_key_a_required_signature_is_refused(tmp_path: Path) -> None:
    root = portfolio(tmp_path, "required")
    before = record(root).read_text()
    code, err = assess(root)
    assert code == 2
    assert err == (
        "evitrack: error: signatures are required for this portfolio's decisions: sign with "
        "--key FILE (your SSH private key, e.g. ~/.ssh/id_ed25519)\n"
        "    hint: e.g. `evitrack assess E0001 --key ~/.ssh/id_ed25519 --signer "
        "you@centre.example`; see docs/signing.md\n"
    )
    assert record(root).read_text() == before
    result = runner.invoke(app, ["sign", "1", str(root), "--as", "assessor", "--initials", "JS"])
    assert result.exit_code == 2
    assert "sign with --key FILE" in result.stderr


def test_an_unsigned_decision_does_not_count_where_required(
    tmp_path: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = portfolio(tmp_path)
    assert assess(root)[0] == 0  # signatures are optional here: unsigned is fine
    assert check(root) == (0, "")
    assert accepted(root) == CRITERIA
    signers = allowed(tmp_path, f"{JO} {public(keys['jo'])}")
    line = line_of(record(root), "  decision:")
    assert check(root, "--allowed-signers", str(signers)) == (
        0,
        f"p/evidence/{record(root).name}:{line}:3: warning[W411]: the decision on E0001 "
        "(accepted by Jo Smith) is not signed, and signatures are required: it does not count\n"
        "    hint: sign it with the decision-maker's SSH key: "
        "`evitrack assess E0001 --accept --key FILE`\n",
    )
    assert accepted(root, "--allowed-signers", str(signers)) == []
    gaps = runner.invoke(app, ["gaps", str(root), "--allowed-signers", str(signers)])
    assert "E0001 accepted, but it does not count: not signed" in gaps.stdout
    strict = runner.invoke(app, ["check", str(root), "--strict", "--allowed-signers", str(signers)])
    assert strict.exit_code == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("decision: accepted", "decision: referred"),
        ("assessor: Jo Smith", "assessor: Jo Smyth"),
        ("date: 2026-05-02", "date: 2026-05-03"),
        ("signer: jo@centre.example", "signer: jo@centre.example.org"),
    ],
)
def test_a_changed_decision_loses_its_signature(
    tmp_path: Path, keys: dict[str, Path], old: str, new: str
) -> None:
    root = portfolio(tmp_path)
    signers = allowed(tmp_path, f"{JO} {public(keys['jo'])}")
    assert assess(root, "--key", str(keys["jo"]), "--signer", JO)[0] == 0
    path = record(root)
    path.write_text(path.read_text().replace(old, new))
    code, out = check(root, "--allowed-signers", str(signers))
    assert code == 0
    sig = line_of(path, "  signature:")
    if old.startswith("signer"):
        assert f":{sig}:3: warning[W413]: the decision on E0001 (accepted by Jo Smith) is " in out
        assert f"who is not the principal of this key in {signers}: it does not count" in out
    else:
        assert f":{sig}:3: warning[W412]: the signature of the decision on E0001 " in out
        assert "does not verify: it does not match what was signed; it does not count\n" in out
    assert accepted(root, "--allowed-signers", str(signers)) == []


def test_a_changed_fingerprint_or_signature_byte_is_reported(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    root = portfolio(tmp_path)
    signers = allowed(tmp_path, f"{JO} {public(keys['jo'])}")
    assert assess(root, "--key", str(keys["jo"]), "--signer", JO)[0] == 0
    path = record(root)
    good = path.read_text()
    data = yamlio.parse(good)["assessment"]
    fp, sig = str(data["fingerprint"]), str(data["signature"])
    # the learner edits the record and writes the new fingerprint in: the signature fails
    edited = good.replace("title: All of it", "title: All of it, and more")
    from evitrack import portfolio as pf

    raw = yamlio.parse(edited)
    new_fp = pf.fingerprint(pf.as_written(raw, edited), raw["assessment"])
    path.write_text(edited.replace(fp, new_fp))
    _code, out = check(root, "--allowed-signers", str(signers))
    assert "W401" not in out and "warning[W412]" in out
    assert accepted(root, "--allowed-signers", str(signers)) == []
    # one byte of the signature: the cryptographic check fails
    flipped = sig[:-8] + ("A" if sig[-8] != "A" else "B") + sig[-7:]
    path.write_text(good.replace(sig, flipped))
    assert "warning[W412]" in check(root, "--allowed-signers", str(signers))[1]
    path.write_text(good.replace(sig, "not base64!"))
    assert "does not verify: it is not base64; it does not count" in check(root)[1]
    path.write_text(good)
    assert check(root, "--allowed-signers", str(signers)) == (0, "")


def test_a_key_or_role_the_centre_does_not_allow_is_reported(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    root = portfolio(tmp_path)
    signers = allowed(
        tmp_path,
        "# the centre's signers",
        f'{JO} namespaces="evitrack-iv" {public(keys["jo"])}',
        f'sam@centre.example valid-before="20260401" {public(keys["eve"])}',
    )
    mallory = keygen(tmp_path, "mallory")
    assert assess(root, "--key", str(mallory), "--signer", JO)[0] == 0
    out = check(root, "--allowed-signers", str(signers))[1]
    assert f"who is not listed with this key in {signers}: it does not count" in out
    assert assess(root, "--key", str(keys["eve"]), "--signer", JO)[0] == 0
    out = check(root, "--allowed-signers", str(signers))[1]
    assert f"who is not the principal of this key in {signers}: it does not count" in out
    assert accepted(root, "--allowed-signers", str(signers)) == []
    assert assess(root, "--key", str(keys["jo"]), "--signer", JO)[0] == 0
    out = check(root, "--allowed-signers", str(signers))[1]
    assert f"who may not sign as evitrack-assessor (namespaces= in {signers})" in out
    assert assess(root, "--key", str(keys["eve"]), "--signer", "sam@centre.example")[0] == 0
    out = check(root, "--allowed-signers", str(signers))[1]
    assert "who may not sign on 2026-05-02 (valid-after/valid-before)" in out
    assert accepted(root, "--allowed-signers", str(signers)) == []


def test_with_the_setting_off_signatures_are_optional_but_checked(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    root = portfolio(tmp_path)
    assert assess(root, "--key", str(keys["eve"]), "--signer", "eve@example.org")[0] == 0
    assert check(root) == (0, "")  # no list named: a good signature is not judged further
    assert accepted(root) == CRITERIA
    path = record(root)
    path.write_text(path.read_text().replace("assessor: Jo Smith", "assessor: Jo Smyth"))
    assert "warning[W412]" in check(root)[1]
    assert accepted(root) == []


def test_required_without_a_list_counts_nothing_and_says_so_once(
    tmp_path: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = portfolio(tmp_path, "required")
    assert assess(root, "--key", str(keys["jo"]), "--signer", JO)[0] == 0
    line = line_of(root / "evitrack.yaml", "  signatures:")
    assert check(root) == (
        0,
        f"p/evitrack.yaml:{line}:15: warning[W414]: signatures are required "
        "(settings.signatures) but no list of allowed signers was given to verify them: "
        "no decision counts\n"
        "    hint: name the centre's allowed_signers file: --allowed-signers FILE, or "
        "$EVITRACK_ALLOWED_SIGNERS\n",
    )
    assert accepted(root) == []
    signers = allowed(tmp_path, f"{JO} {public(keys['jo'])}")
    assert check(root, "--allowed-signers", str(signers)) == (0, "")
    assert accepted(root, "--allowed-signers", str(signers)) == CRITERIA


def test_signed_sign_offs_and_a_void_one_stops_the_claim(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    root = portfolio(tmp_path)
    signers = allowed(tmp_path, f"{JO} {public(keys['jo'])}")
    assert assess(root, "--key", str(keys["jo"]), "--signer", JO)[0] == 0
    result = runner.invoke(
        app,
        [
            "sign",
            "1",
            str(root),
            "--as",
            "assessor",
            "--initials",
            "JS",
            "--date",
            "2026-05-03",
            "--key",
            str(keys["jo"]),
            "--signer",
            JO,
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "unit 1 signed off by the assessor: assessor JS, assessor_date 2026-05-03, "
        f"assessed 2026-05-03, signed by {JO}\n"
    )
    result = runner.invoke(
        app, ["sign", "1", str(root), "--as", "learner", "--initials", "TW", "--date", "2026-05-04"]
    )
    assert result.exit_code == 0, result.output
    entry = yamlio.parse((root / "evitrack.yaml").read_text())["signoffs"]["1"]
    assert list(entry) == [
        "assessed",
        "learner",
        "learner_date",
        "assessor",
        "assessor_date",
        "assessor_signer",
        "assessor_signature",
        "fingerprint",
    ]
    assert check(root, "--allowed-signers", str(signers)) == (0, "")
    out = tmp_path / "pack"
    claim = ["claim", str(root), "-o", str(out), "--allowed-signers", str(signers)]
    assert runner.invoke(app, claim).exit_code == 0
    shutil.rmtree(out)
    yaml_file = root / "evitrack.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("assessor: JS", "assessor: JT"))
    line = line_of(yaml_file, "    assessor_signature:")
    check_out = check(root, "--allowed-signers", str(signers))[1]
    assert f"evitrack.yaml:{line}:5: warning[W412]: the signature of the assessor sign-off " in (
        check_out
    )
    refused = runner.invoke(app, claim)
    assert refused.exit_code == 1
    assert (
        "unit 1: the assessor sign-off does not count: signature does not verify "
        "(`evitrack check` says why; sign again: `evitrack sign 1 --as assessor --key FILE`)"
    ) in refused.output
    assert "sign-off has no assessor's initials" not in refused.output
    assert not out.exists()


def test_a_caseload_root_list_is_used_when_the_caseload_is_named(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    root = portfolio(tmp_path)
    assert assess(root)[0] == 0
    assert check(tmp_path) == (0, "")  # no list at the caseload root yet
    allowed(tmp_path, f"{JO} {public(keys['jo'])}", "not a signer line")
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert "warning[W411]" in result.stdout
    assert result.stderr == (
        f"note: {tmp_path}/allowed_signers:2:1: warning[W415]: allowed_signers line left out: "
        "no key type (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, ...) found\n"
        "    hint: each line is: PRINCIPALS [OPTIONS] KEYTYPE BASE64KEY (see ssh-keygen(1))\n"
        "0 errors, 1 warning in 1 portfolio\n"
    )
    assert check(root) == (0, "")  # the portfolio alone: the caseload's list is not looked for
    caseload = runner.invoke(app, ["gaps", str(tmp_path), "--format", "json"])
    assert json.loads(caseload.stdout)["portfolios"][0]["units"][0]["accepted"] == []


def test_allowed_signers_lines_are_read_as_openssh_reads_them(tmp_path: Path) -> None:
    key = keygen(tmp_path, "k")
    text = (
        "# comment\n\n"
        f'"a@x,b@*,!b@bad" namespaces="evitrack-iv,git",valid-after="20260101Z" {public(key)} c\n'
        f"ca@x cert-authority {public(key)}\n"
        f"bad@x ssh-ed25519 AAAA====\n"
        f'opt@x no-such-option="1" {public(key)}\n'
    )
    signers, notes = signing.parse_allowed(text, "allowed_signers")
    assert len(signers) == 1
    s = signers[0]
    assert s.principals == ("a@x", "b@*", "!b@bad")
    assert s.namespaces == ("evitrack-iv", "git")
    assert s.allows("b@anything") and not s.allows("b@bad") and not s.allows("c@x")
    assert [(n.line, n.message) for n in notes] == [
        (
            4,
            "allowed_signers line left out: certificate authorities are not supported: "
            "list each signer's key",
        ),
        (5, "allowed_signers line left out: the key is not a ssh-ed25519 key"),
        (6, 'allowed_signers line left out: unknown option "no-such-option"'),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["ed25519", "ecdsa", "rsa"])
def test_signatures_interoperate_with_ssh_keygen(
    tmp_path: Path, kind: str, keys: dict[str, Path]
) -> None:
    key = keygen(tmp_path, f"jo-{kind}", kind)
    root = portfolio(tmp_path)
    signers = allowed(tmp_path, f'{JO} namespaces="evitrack-assessor" {public(key)}')
    assert assess(root, "--key", str(key), "--signer", JO)[0] == 0
    path = record(root)
    data = yamlio.parse(path.read_text())["assessment"]
    statement = signing.assessment_statement(FRAGMENT, "CSS-031", "E0001", data)
    sig_file = tmp_path / "decision.sig"
    sig_file.write_text(signing.armor(str(data["signature"])))
    verify = [str(SSH_KEYGEN), "-Y", "verify", "-f", str(signers), "-I", JO]
    verify += ["-n", "evitrack-assessor", "-s", str(sig_file)]
    done = subprocess.run(verify, input=statement, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith(f'Good "evitrack-assessor" signature for {JO} with ')
    # and the other way: a signature made by ssh-keygen counts in evitrack
    made = subprocess.run(
        [str(SSH_KEYGEN), "-q", "-Y", "sign", "-f", str(key), "-n", "evitrack-assessor"],
        input=statement,
        capture_output=True,
        check=True,
    )
    body = signing.unarmor(made.stdout.decode())
    path.write_text(path.read_text().replace(str(data["signature"]), body))
    assert check(root, "--allowed-signers", str(signers)) == (0, "")
    assert accepted(root, "--allowed-signers", str(signers)) == CRITERIA


def test_a_key_held_by_ssh_agent_signs_through_its_pub_file(
    tmp_path: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    agent_bin, add_bin = shutil.which("ssh-agent"), shutil.which("ssh-add")
    if agent_bin is None or add_bin is None:
        pytest.skip("needs ssh-agent and ssh-add")
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen([agent_bin, "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                break
            subprocess.run(["sleep", "0.05"], check=True)
        env = {"SSH_AUTH_SOCK": str(sock), "PATH": "/usr/bin:/bin"}
        subprocess.run([add_bin, "-q", str(keys["jo"])], env=env, check=True, capture_output=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        root = portfolio(tmp_path)
        signers = allowed(tmp_path, f"{JO} {public(keys['jo'])}")
        pub = keys["jo"].with_name("jo.pub")
        code, err = assess(root, "--key", str(pub), "--signer", JO)
        assert (code, err) == (0, f"E0001 accepted by Jo Smith on 2026-05-02, signed by {JO}\n")
        assert check(root, "--allowed-signers", str(signers)) == (0, "")
        assert accepted(root, "--allowed-signers", str(signers)) == CRITERIA
    finally:
        agent.terminate()
        agent.wait(timeout=10)


def test_a_key_that_is_not_a_key_is_refused(tmp_path: Path) -> None:
    root = portfolio(tmp_path)
    not_a_key = tmp_path / "notes.txt"
    not_a_key.write_text("hello\n")
    before = record(root).read_text()
    code, err = assess(root, "--key", str(not_a_key), "--signer", JO)
    assert (code, err) == (
        2,
        f"evitrack: error: --key {not_a_key} is not an OpenSSH private key\n"
        "    hint: give the private key file, e.g. ~/.ssh/id_ed25519 (made by "
        "`ssh-keygen -t ed25519`)\n",
    )
    code, err = assess(root, "--key", str(tmp_path / "missing"), "--signer", JO)
    assert (code, err) == (
        2,
        f"evitrack: error: --key {tmp_path / 'missing'}: no such file\n"
        "    hint: give your SSH private key file\n",
    )
    code, err = assess(root, "--key", str(not_a_key), "--signer", "Jo Smith")
    assert code == 2
    assert err.startswith('evitrack: error: --signer "Jo Smith" must be one word without spaces')
    assert record(root).read_text() == before


def _ssh_string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


_KINDS = [b"ssh-ed25519", b"ecdsa-sha2-nistp256", b"ssh-rsa", b"rsa-sha2-512", b"x"]


@settings(max_examples=examples(300), deadline=None)
@given(
    st.integers(0, 2),
    st.sampled_from(_KINDS),
    st.binary(max_size=80),
    st.sampled_from([b"evitrack-assessor", b"git", b""]),
    st.sampled_from([b"sha512", b"sha256", b"md5"]),
    st.sampled_from(_KINDS),
    st.binary(max_size=80),
    st.binary(max_size=6),
)
def test_any_signature_blob_is_read_or_refused_cleanly(
    version: int,
    kind: bytes,
    key: bytes,
    namespace: bytes,
    hash_alg: bytes,
    sig_kind: bytes,
    sig: bytes,
    tail: bytes,
) -> None:
    blob = (
        signing.MAGIC
        + version.to_bytes(4, "big")
        + _ssh_string(_ssh_string(kind) + _ssh_string(key))
        + _ssh_string(namespace)
        + _ssh_string(b"")
        + _ssh_string(hash_alg)
        + _ssh_string(_ssh_string(sig_kind) + _ssh_string(sig))
        + tail
    )
    body = base64.b64encode(blob).decode()
    with contextlib.suppress(signing.BadSignature):
        signing.verify(body, b"statement\n", "evitrack-assessor")
        raise AssertionError("a made-up signature verified")  # pragma: no cover


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=300))
def test_any_allowed_signers_text_is_read_or_noted(text: str) -> None:
    signers, notes = signing.parse_allowed(text, "allowed_signers")
    assert all(n.code == "W415" for n in notes)
    assert all(s.line >= 1 for s in signers)


@given(
    st.dictionaries(
        st.sampled_from(["decision", "assessor", "date", "comment", "fingerprint"]),
        st.text(max_size=20),
    ),
    st.text(max_size=10),
)
def test_the_statement_keeps_every_field_on_its_own_line(
    fields: dict[str, str], record_id: str
) -> None:
    text = signing.assessment_statement("q", "r", record_id, fields).decode("ascii")
    assert len(text.split("\n")) == 11 and text.endswith("\n")


def test_a_list_that_cannot_be_read_is_a_usage_error(tmp_path: Path) -> None:
    root = portfolio(tmp_path)
    missing = tmp_path / "nowhere" / "allowed_signers"
    for command in (["check"], ["gaps"], ["status"], ["matrix"], ["claim", "--draft"]):
        result = runner.invoke(app, [*command, str(root), "--allowed-signers", str(missing)])
        assert (result.exit_code, result.stderr) == (
            2,
            f"evitrack: error: allowed signers {missing}: No such file or directory\n"
            "    hint: name the centre's allowed_signers file with --allowed-signers or "
            "$EVITRACK_ALLOWED_SIGNERS\n",
        ), command
    assert not (root / "out").exists()


def test_an_iv_sign_off_by_a_key_allowed_only_to_assess_does_not_count(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    root = portfolio(tmp_path)
    signers = allowed(
        tmp_path,
        f'{JO} namespaces="evitrack-assessor" {public(keys["jo"])}',
        f'pat@centre.example namespaces="evitrack-iv" {public(keys["eve"])}',
    )
    assert assess(root, "--key", str(keys["jo"]), "--signer", JO)[0] == 0
    as_jo = ["--key", str(keys["jo"]), "--signer", JO]
    sign = ["sign", "1", str(root), "--initials", "JS", "--date", "2026-05-03"]
    assert runner.invoke(app, [*sign, "--as", "assessor", *as_jo]).exit_code == 0
    assert runner.invoke(app, [*sign, "--as", "iv", *as_jo]).exit_code == 0
    line = line_of(root / "evitrack.yaml", "    iv_signature:")
    out = check(root, "--allowed-signers", str(signers))[1]
    assert (
        f"evitrack.yaml:{line}:5: warning[W413]: the IV sign-off of unit 1 is signed by {JO}" in out
    )
    assert f"who may not sign as evitrack-iv (namespaces= in {signers}): it does not count" in out
    as_pat = ["--key", str(keys["eve"]), "--signer", "pat@centre.example"]
    assert runner.invoke(app, [*sign, "--as", "iv", *as_pat]).exit_code == 0
    assert check(root, "--allowed-signers", str(signers)) == (0, "")
    # the IV countersigns the assessor's sign-off: changing the assessor's date voids both
    yaml_file = root / "evitrack.yaml"
    yaml_file.write_text(
        yaml_file.read_text().replace("assessor_date: 2026-05-03", "assessor_date: 2026-05-04")
    )
    out = check(root, "--allowed-signers", str(signers))[1]
    assert out.count("warning[W412]") == 2
