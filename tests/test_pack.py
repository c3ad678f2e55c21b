"""The certification pack: `evitrack claim` builds it, `evitrack claim verify` checks it.

Portfolios are built with the real CLI (see test_render.py); every run of `claim`
is in process through CliRunner, against real files in tmp_path.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from evitrack import pack
from test_render import accept, cli, edi, fragment, init, sign, write_record

ROOT = Path(__file__).resolve().parents[1]
NO_CENTRE = (
    "note: no centre in evitrack.yaml (`centre: {name: ..., number: ...}`): "
    "the claim form leaves it out\n"
)
FRAGMENT_PACK = [
    "SHA256SUMS",
    "claim-to-competence.html",
    "evidence-index.html",
    "evidence-matrix-1.html",
    "evidence/E0001/standards-report.pdf",
    "evidence/E0002/implementation-plan.pdf",
    "evidence/E0005/manager.pdf",
    "evidence/E0005/survey results.xlsx",
    "summary.json",
]


def files_of(folder: Path) -> dict[str, bytes]:
    found = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    return {name: found[name].read_bytes() for name in sorted(found)}


def tree_digest(root: Path, skip: str = "out") -> dict[str, str]:
    """Every file of a portfolio (but out/ and evitrack's own cache) with its sha256 and mode."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if any(rel == s or rel.startswith(s + "/") for s in (skip, ".evitrack-cache")):
            continue
        if not p.is_file():
            continue
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() + oct(p.stat().st_mode)
    return out


@pytest.fixture
def complete(tmp_path: Path) -> Path:
    return fragment(tmp_path / "alex")


# ---- a complete portfolio gives a pack that verifies -----------------------------------------


def test_complete_portfolio_gives_a_pack_that_verifies(
    complete: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(complete)
    result = cli("claim")  # no argument: the portfolio here, full award
    folder = complete / "out" / "claim-EDI-20458"
    got = files_of(folder)
    manifest_sha = hashlib.sha256(got["SHA256SUMS"]).hexdigest()
    assert result.stdout == (
        "wrote out/claim-EDI-20458/: full award, 1 unit (1), 4 evidence "
        "files, 8 files in SHA256SUMS\n"
        f"SHA256SUMS sha256: {manifest_sha}\n"
    )
    assert result.stderr == NO_CENTRE
    assert list(got) == FRAGMENT_PACK

    # the copies are the portfolio's files, byte for byte
    assert (
        got["evidence/E0005/survey results.xlsx"]
        == (complete / "files/survey results.xlsx").read_bytes()
    )
    assert got["evidence/E0001/standards-report.pdf"] == b"%PDF-1.4 standards report\n"

    # SHA256SUMS: sha256sum's format, every other file, sorted
    lines = got["SHA256SUMS"].decode().splitlines()
    assert lines == [f"{hashlib.sha256(got[n]).hexdigest()}  {n}" for n in FRAGMENT_PACK[1:]]
    if shutil.which("sha256sum"):
        check = subprocess.run(
            ["sha256sum", "--check", "--strict", "SHA256SUMS"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr

    verified = cli("claim", "verify", "out/claim-EDI-20458")
    assert verified.stdout == ""
    assert verified.stderr == (
        f"ok: out/claim-EDI-20458: 8 files match SHA256SUMS (sha256 {manifest_sha})\n"
    )

    data = json.loads(got["summary.json"])
    assert (data["kind"], data["draft"], data["full_award"]) == ("full-award", False, True)
    assert data["learner"] == {"name": "Alex Morgan", "registration": "EDI-20458"}
    assert data["qualification"]["id"] == "unit-fragment-customer-service-standards"
    assert [(u["unit"], u["complete"], u["criteria"], u["accepted"]) for u in data["units"]] == [
        ("1", True, 15, 15)
    ]
    assert data["units"][0]["signoff"] == {
        "assessed": "2026-04-02",
        "learner": "AM",
        "learner_date": "2026-04-03",
        "assessor": "JS",
        "assessor_date": "2026-04-02",
        "iv": "KP",
        "iv_date": "2026-04-10",
    }
    assert [r["id"] for r in data["records"]] == ["E0001", "E0002", "E0003", "E0004", "E0005"]
    assert data["records"][4]["files"] == [
        {
            "path": "files/survey results.xlsx",
            "packed": "evidence/E0005/survey results.xlsx",
            "sha256": hashlib.sha256(b"PK survey").hexdigest(),
            "bytes": 9,
        },
        {
            "path": "files/witness/manager.pdf",
            "packed": "evidence/E0005/manager.pdf",
            "sha256": hashlib.sha256(b"%PDF-1.4 witness\n").hexdigest(),
            "bytes": 17,
        },
    ]
    assert data["records"][2]["location"] == "Assessor's observation record, centre file 12"
    assert data["documents"] == {
        "claim": "claim-to-competence.html",
        "index": "evidence-index.html",
        "matrices": {"1": "evidence-matrix-1.html"},
    }

    claim = got["claim-to-competence.html"].decode()
    assert "<td>one</td>" in claim and "<th>Full award:</th><td>Yes</td>" in claim
    assert "DRAFT" not in claim
    index = got["evidence-index.html"].decode()
    assert (
        'files/survey results.xlsx<br>→ <a href="evidence/E0005/survey%20results.xlsx">'
        "evidence/E0005/survey results.xlsx</a>"
    ) in index

    # what the pack was built from: the qualification file and evitrack's own templates
    qfile = ROOT / "src/evitrack/catalogue/unit-fragment-customer-service-standards.yaml"
    assert data["qualification"]["files"] == [
        {
            "path": "evitrack/catalogue/unit-fragment-customer-service-standards.yaml",
            "shipped": True,
            "sha256": hashlib.sha256(qfile.read_bytes()).hexdigest(),
        }
    ]
    shipped = ROOT / "templates"
    names = ["base.html.j2", "claim.html.j2", "index.html.j2", "macros.html.j2", "matrix.html.j2"]
    assert data["templates"] == {
        "origin": "evitrack (shipped)",
        "files": {n: hashlib.sha256((shipped / n).read_bytes()).hexdigest() for n in names},
    }


def test_the_statement_in_the_pack_is_the_statement_alone(complete: Path) -> None:
    cli("claim", str(complete))
    alone = cli("claim", str(complete), "--statement-only").stdout
    packed = (complete / "out/claim-EDI-20458/claim-to-competence.html").read_text()
    assert packed == alone


def test_claim_takes_the_portfolio_with_or_without_build(complete: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    cli("claim", str(complete), "-o", str(a))
    cli("claim", "build", str(complete), "-o", str(b))
    assert files_of(a) == files_of(b)
    helped = cli("claim", "--help").stdout
    assert "build" in helped and "verify" in helped
    assert "`evitrack claim PORTFOLIO` is short for" in cli("claim", "build", "--help").stdout


def test_nothing_in_the_portfolio_changes(complete: Path) -> None:
    before = tree_digest(complete)
    cli("claim", str(complete))
    cli("claim", str(complete), "--zip")
    cli("claim", str(complete), "--draft")
    assert tree_digest(complete) == before
    assert sorted(p.name for p in (complete / "out").iterdir()) == [
        "claim-EDI-20458",
        "claim-EDI-20458.zip",
    ]


# ---- deterministic ---------------------------------------------------------------------------


def test_packing_twice_gives_identical_bytes(complete: Path, tmp_path: Path) -> None:
    made = cli("claim", str(complete))
    assert "replaces" not in made.stderr
    first = files_of(complete / "out" / "claim-EDI-20458")
    again = cli("claim", str(complete))  # replaces the earlier pack, and says so
    assert again.stderr.endswith("note: this replaces the pack that was there before\n")
    assert files_of(complete / "out" / "claim-EDI-20458") == first

    cli("claim", str(complete), "--zip")
    cli("claim", str(complete), "-o", str(tmp_path / "again.zip"))  # .zip implies --zip
    one = (complete / "out" / "claim-EDI-20458.zip").read_bytes()
    assert (tmp_path / "again.zip").read_bytes() == one

    # the same portfolio somewhere else, files touched later: the same bytes
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(complete, moved, ignore=shutil.ignore_patterns("out"))
    for p in moved.rglob("*"):
        os.utime(p, (1_900_000_000, 1_900_000_000))
    cli("claim", str(moved), "--zip")
    assert (moved / "out" / "claim-EDI-20458.zip").read_bytes() == one


def test_zip_entries_are_sorted_with_fixed_times_and_modes(complete: Path) -> None:
    cli("claim", str(complete), "--zip")
    with zipfile.ZipFile(complete / "out" / "claim-EDI-20458.zip") as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == [f"claim-EDI-20458/{n}" for n in FRAGMENT_PACK]
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o100644}
    cli("claim", str(complete))
    folder_bytes = files_of(complete / "out" / "claim-EDI-20458")
    with zipfile.ZipFile(complete / "out" / "claim-EDI-20458.zip") as z:
        assert {i.filename.split("/", 1)[1]: z.read(i) for i in z.infolist()} == folder_bytes
    verified = cli("claim", "verify", str(complete / "out" / "claim-EDI-20458.zip"))
    assert verified.stderr.endswith(
        ": 8 files match SHA256SUMS (sha256 "
        + hashlib.sha256(folder_bytes["SHA256SUMS"]).hexdigest()
        + ")\n"
    )


def test_zip_stores_what_does_not_compress_and_deflates_the_rest(
    complete: Path, tmp_path: Path
) -> None:
    cli("claim", str(complete), "--zip")
    with zipfile.ZipFile(complete / "out" / "claim-EDI-20458.zip") as z:
        methods = {i.filename.split("/", 1)[1]: i.compress_type for i in z.infolist()}
    stored = {n for n, m in methods.items() if m == zipfile.ZIP_STORED}
    assert stored == {n for n in FRAGMENT_PACK if n.endswith((".pdf", ".xlsx"))}
    assert {m for n, m in methods.items() if n not in stored} == {zipfile.ZIP_DEFLATED}

    folder = tmp_path / "folder"
    folder.mkdir()
    noise = random.Random(7).randbytes(200_000)  # a recording or a scan: no pattern to find
    (folder / "recording.bin").write_bytes(noise)
    (folder / "notes.bin").write_bytes(b"the learner greeted the customer\n" * 3000)
    (folder / "empty.txt").write_bytes(b"")
    pack.write_zip(folder, tmp_path / "a.zip", "top")
    pack.write_zip(folder, tmp_path / "b.zip", "top")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as z:
        assert [(i.filename, i.compress_type) for i in z.infolist()] == [
            ("top/empty.txt", zipfile.ZIP_STORED),
            ("top/notes.bin", zipfile.ZIP_DEFLATED),
            ("top/recording.bin", zipfile.ZIP_STORED),
        ]
        assert z.read("top/recording.bin") == noise
        assert z.getinfo("top/notes.bin").compress_size < 2000


def test_a_file_whose_first_bytes_do_not_shrink_is_stored_without_more_ado(tmp_path: Path) -> None:
    """Deflating 64 KiB that do not compress takes longer than reading and hashing them:
    when a file's first 4 KiB do not shrink at all, it is stored; else its first 64 KiB
    decide."""
    noise = random.Random(3).randbytes(4096)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "scan.bin").write_bytes(noise + bytes(60_000))  # 4 KiB of noise, then zeros
    more = random.Random(4).randbytes(61_440)
    (folder / "log.bin").write_bytes(b"x" * 4096 + more)  # shrinks, but not by a tenth
    (folder / "notes.bin").write_bytes(noise[:2048] + b"the customer was greeted\n" * 3000)
    pack.write_zip(folder, tmp_path / "a.zip", "top")
    with zipfile.ZipFile(tmp_path / "a.zip") as z:
        assert [(i.filename, i.compress_type) for i in z.infolist()] == [
            ("top/log.bin", zipfile.ZIP_STORED),
            ("top/notes.bin", zipfile.ZIP_DEFLATED),
            ("top/scan.bin", zipfile.ZIP_STORED),
        ]
        assert z.read("top/scan.bin") == noise + bytes(60_000)


def test_a_pack_s_documents_share_their_templates(complete: Path) -> None:
    """A pack renders one matrix per unit: with `environments`, each template is compiled
    once for all of them, and the documents and the templates recorded are the same."""
    from evitrack import render
    from evitrack.coverage import coverage
    from evitrack.records import load_portfolio

    cov = coverage(load_portfolio(complete)[0])
    shared = render.Options(shipped_only=True, used={}, environments={})
    alone = render.Options(shipped_only=True, used={})
    for _ in range(2):
        one = render.matrix(cov, ["1"], "matrix", "html", shared)
        assert one == render.matrix(cov, ["1"], "matrix", "html", alone)
    assert render.index(cov, ["1"], "html", shared) == render.index(cov, ["1"], "html", alone)
    assert shared.environments is not None and list(shared.environments) == [(None, "html")]
    assert shared.used == alone.used and "index.html.j2" in alone.used


def test_a_zip_is_written_straight_from_the_portfolio_s_files(tmp_path: Path) -> None:
    """Each evidence file is read once, into the zip: never copied to a work folder first."""
    root = init(tmp_path / "p", "unit-fragment-customer-service-standards")
    photos = {f"files/photo-{i:02}.jpg": bytes([i]) * 100 for i in range(25)}
    write_record(root, "E0001", "Photos", "2026-02-10", ["product"], {"1": ["1.1"]}, files=photos)
    calls: list[tuple[int, int, str]] = []
    copies: list[Path] = []

    def progress(done: int, total: int, name: str) -> None:
        calls.append((done, total, name))
        copies.extend(q for q in (root / "out").rglob("*") if "evidence" in q.parts)

    result = pack.build(root, zipped=True, draft=True, progress=progress)
    assert result.output == root / "out" / "claim-EDI-20458.zip" and copies == []
    assert calls[0] == (0, 25, "evidence/E0001/photo-00.jpg") and calls[-1] == (25, 25, "")
    assert [c[0] for c in calls] == list(range(26))
    with zipfile.ZipFile(result.output) as z:
        packed = {n: z.read(f"claim-EDI-20458/evidence/E0001/{Path(n).name}") for n in photos}
    assert packed == photos
    assert (
        result.manifest["evidence/E0001/photo-07.jpg"] == hashlib.sha256(b"\x07" * 100).hexdigest()
    )
    assert pack.verify(result.output).ok


def test_a_file_changed_while_the_zip_is_written_stops_the_claim(complete: Path) -> None:
    """The bytes that go into the zip are the bytes hashed: a file changed after the claim
    was planned, before it is read into the zip, stops the claim and nothing is written."""
    cli("claim", str(complete), "--zip")
    before = (complete / "out" / "claim-EDI-20458.zip").read_bytes()

    def change(done: int, total: int, name: str) -> None:
        (complete / "files" / "survey results.xlsx").write_bytes(b"changed in flight")

    result = pack.build(complete, zipped=True, progress=change)
    assert result.output is None
    assert result.selection.problems == [
        'E0005: attached file "files/survey results.xlsx" has changed since it was recorded '
        "(sha256 mismatch): the claim stops"
    ]
    assert sorted(p.name for p in (complete / "out").iterdir()) == ["claim-EDI-20458.zip"]
    assert (complete / "out" / "claim-EDI-20458.zip").read_bytes() == before


# ---- verify: changed, removed, added ---------------------------------------------------------


@pytest.fixture(scope="module")
def claimed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete portfolio with its pack built, once for the module."""
    root = fragment(tmp_path_factory.mktemp("claimed") / "alex")
    cli("claim", str(root))
    return root


@pytest.fixture
def packed(claimed: Path, tmp_path: Path) -> Path:
    """A copy of `claimed`'s pack (with its portfolio) for one test to damage."""
    root = tmp_path / "alex"
    shutil.copytree(claimed, root, symlinks=True, ignore=shutil.ignore_patterns(".evitrack-cache"))
    return root / "out" / "claim-EDI-20458"


@pytest.mark.parametrize(
    "damage,line",
    [
        (
            lambda f: (f / "evidence/E0002/implementation-plan.pdf").write_bytes(b"forged"),
            "changed: evidence/E0002/implementation-plan.pdf",
        ),
        (lambda f: (f / "summary.json").unlink(), "missing: summary.json"),
        (
            lambda f: (f / "evidence/E0002/extra.pdf").write_bytes(b"slipped in"),
            "added: evidence/E0002/extra.pdf",
        ),
        (
            lambda f: (f / "evidence-index.html").write_text("<p>nothing to see</p>"),
            "changed: evidence-index.html",
        ),
        (lambda f: os.symlink("/etc/passwd", f / "link"), "added: link"),
    ],
    ids=["changed", "removed", "added", "document-changed", "link-added"],
)
def test_verify_finds_a_damaged_pack(packed: Path, damage, line: str) -> None:
    damage(packed)
    result = cli("claim", "verify", str(packed), code=1)
    assert result.stdout == line + "\n"
    sums = hashlib.sha256((packed / "SHA256SUMS").read_bytes()).hexdigest()
    assert result.stderr.endswith(f": 1 problem (8 files listed in SHA256SUMS, sha256 {sums})\n")


def test_verify_reports_everything_at_once_as_json(packed: Path) -> None:
    (packed / "evidence/E0001/standards-report.pdf").write_bytes(b"x")
    (packed / "claim-to-competence.html").unlink()
    (packed / "notes.txt").write_text("hi")
    result = cli("claim", "verify", str(packed), "--format", "json", code=1)
    assert json.loads(result.stdout) == {
        "pack": str(packed),
        "ok": False,
        "files": 8,
        "changed": ["evidence/E0001/standards-report.pdf"],
        "missing": ["claim-to-competence.html"],
        "added": ["notes.txt"],
        "invalid": [],
        "unreadable": [],
        "manifest_sha256": hashlib.sha256((packed / "SHA256SUMS").read_bytes()).hexdigest(),
    }


def test_verify_a_damaged_zip(complete: Path, tmp_path: Path) -> None:
    cli("claim", str(complete), "--zip")
    good = complete / "out" / "claim-EDI-20458.zip"
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            if info.filename.endswith("summary.json"):
                continue
            data = src.read(info)
            if info.filename.endswith("manager.pdf"):
                data = b"forged"
            dst.writestr(info, data)
        dst.writestr("claim-EDI-20458/evidence/E0009/new.pdf", b"new")
        dst.writestr("../escape.txt", b"outside")
    result = cli("claim", "verify", str(bad), code=1)
    assert result.stdout == (
        "changed: evidence/E0005/manager.pdf\n"
        "missing: summary.json\n"
        "added: ../escape.txt\n"
        "added: evidence/E0009/new.pdf\n"
    )
    with zipfile.ZipFile(bad) as z:
        sums = hashlib.sha256(z.read("claim-EDI-20458/SHA256SUMS")).hexdigest()
    assert result.stderr == (
        f"{bad}: 4 problems (8 files listed in SHA256SUMS, sha256 {sums})\n"  # as given
    )
    as_csv = cli("claim", "verify", str(bad), "--format", "csv", code=1).stdout
    assert as_csv == (
        "status,file\n"
        "changed,evidence/E0005/manager.pdf\n"
        "missing,summary.json\n"
        "added,../escape.txt\n"
        "added,evidence/E0009/new.pdf\n"
    )
    as_md = cli("claim", "verify", str(bad), "--format", "markdown", code=1).stdout
    assert as_md == (
        f"# Verification of {bad}\n\n"
        f"SHA256SUMS sha256 {sums}; 8 files listed: 4 problems.\n\n"
        "| status | file |\n|---|---|\n"
        "| changed | evidence/E0005/manager.pdf |\n"
        "| missing | summary.json |\n"
        "| added | ../escape.txt |\n"
        "| added | evidence/E0009/new.pdf |\n"
    )


def test_verify_refuses_manifest_lines_that_leave_the_pack(packed: Path) -> None:
    manifest = packed / "SHA256SUMS"
    manifest.write_text(manifest.read_text() + f"{'0' * 64}  ../../evitrack.yaml\nnot a line\n")
    result = cli("claim", "verify", str(packed), code=1)
    assert result.stdout == (
        f"invalid: SHA256SUMS line 9: {'0' * 64}  ../../evitrack.yaml\n"
        "invalid: SHA256SUMS line 10: not a line\n"
    )


def test_verify_something_that_is_not_a_pack(tmp_path: Path) -> None:
    result = cli("claim", "verify", str(tmp_path), code=2)
    assert result.stderr.startswith(
        f"evitrack: error: {tmp_path} has no SHA256SUMS: not an evitrack pack\n"
    )
    (tmp_path / "x.txt").write_text("x")
    result = cli("claim", "verify", str(tmp_path / "x.txt"), code=2)
    assert "is neither a pack folder nor a zip" in result.stderr
    assert cli("claim", "verify", str(tmp_path / "nope"), code=2).stderr.startswith(
        f"evitrack: error: {tmp_path / 'nope'}: no such file or folder"
    )


# ---- refusals: what is missing, exactly ------------------------------------------------------


def test_incomplete_portfolio_is_refused_with_what_is_missing(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p", complete=False)
    (root / "evidence" / "E0005.yaml").unlink()
    accept(root, "E0001", "E0002", "E0003")
    result = cli("claim", str(root), code=1)
    assert result.stdout == (
        "claim refused: 3 things stand in the way of the full-award claim:\n"
        "  unit 1: no evidence for criteria 5.1, 5.2, 5.3, 5.4\n"
        "  unit 1: not accepted yet: criteria 4.1, 4.2, 4.3 (E0004 not yet assessed)\n"
        "  unit 1: not signed off (`evitrack sign 1 --as assessor`, then learner)\n"
    )
    assert result.stderr == (
        NO_CENTRE + "nothing was written; `evitrack claim --draft` packs what exists\n"
    )
    assert not (root / "out").exists()


def test_missing_signatures_and_check_errors_are_listed(complete: Path) -> None:
    text = (complete / "evitrack.yaml").read_text()
    text = text.replace("    learner: AM\n", "").replace("    iv_date: 2026-04-10\n", "")
    (complete / "evitrack.yaml").write_text(text)
    write_record(complete, "E0006", "Typo", "2026-03-20", ["observation"], {"1": ["1.10"]})
    result = cli("claim", str(complete), code=1)
    assert result.stdout == (
        "claim refused: 3 things stand in the way of the full-award claim:\n"
        "  unit 1: sign-off has no learner's initials (`evitrack sign 1 --as learner`)\n"
        "  unit 1: internal verifier's sign-off has no date\n"
        f"  {os.path.relpath(complete / 'evidence/E0006.yaml')}:7:9: error[E203]: unit 1 "
        'has no criterion "1.10"\n'
    )


def test_unmet_rules_are_listed(tmp_path: Path) -> None:
    root = edi(tmp_path / "sam")
    result = cli("claim", str(root), code=1)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("claim refused: ") and lines[0].endswith(
        "in the way of the full-award claim:"
    )
    plan = json.loads(cli("plan", str(root), "--format", "json", code=1).stdout)
    unmet = [f"  rule {r['rule']}: {r['detail']}" for r in plan["rules"] if not r["satisfied"]]
    assert unmet and lines[1 : 1 + len(unmet)] == unmet
    assert (
        "  unit CU811: the specification prints no criteria for it, so it cannot be shown "
        "complete" in lines
    )
    assert "  unit CU792: not signed off" not in result.stdout  # CU792 is complete


# ---- unit claims ----------------------------------------------------------------------------


def test_completed_units_only_for_a_credit_certificate(tmp_path: Path) -> None:
    root = edi(tmp_path / "sam")
    result = cli("claim", str(root), "--completed")
    out = root / "out" / "claim-EDI_77"
    assert result.stdout == (
        f"wrote {os.path.relpath(out)}/: unit claim, 1 unit (CU792), "
        "0 evidence files, 4 files in SHA256SUMS\n"
        f"SHA256SUMS sha256: {hashlib.sha256((out / 'SHA256SUMS').read_bytes()).hexdigest()}\n"
    )
    notes = result.stderr.splitlines()
    assert [n.split(":")[1].strip() for n in notes[:3]] == [
        "unit CU791 left out",
        "unit CU803 left out",
        "unit CU811 left out",
    ]
    data = json.loads((out / "summary.json").read_text())
    assert (data["kind"], data["full_award"], [u["unit"] for u in data["units"]]) == (
        "units",
        False,
        ["CU792"],
    )
    assert [r["id"] for r in data["records"]] == ["E0001", "E0002", "E0003"]
    assert data["records"][2]["criteria"] == {"CU792": ["2.9", "2.10"]}  # CU791 not claimed
    claim = (out / "claim-to-competence.html").read_text()
    assert "<th>Full award:</th><td>No</td>" in claim and "<td>one</td>" in claim
    assert sorted(files_of(out)) == [
        "SHA256SUMS",
        "claim-to-competence.html",
        "evidence-index.html",
        "evidence-matrix-CU792.html",
        "summary.json",
    ]
    first = files_of(out)
    cli("claim", str(root), "--units", "F2")  # the same claim, by alias
    assert files_of(out) == first


def test_a_named_unit_that_is_not_complete_is_refused(tmp_path: Path) -> None:
    root = edi(tmp_path / "sam")
    result = cli("claim", str(root), "--units", "CU792,CU791", code=1)
    assert result.stdout == (
        "claim refused: 3 things stand in the way of the unit claim:\n"
        "  unit CU791: no evidence for criteria 1.3, 2.1, 2.2, 2.2(2), 3.3, 3.4, 3.5, 3.6, 3.7, "
        "3.8, 3.9, 3.10, 3.11, 3.12, 3.13, 3.14, 3.15\n"
        "  unit CU791: not accepted yet: criteria 3.1, 3.2 (E0004 not yet assessed)\n"
        "  unit CU791: not signed off (`evitrack sign CU791 --as assessor`, then learner)\n"
    )


def test_nothing_complete_to_claim(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p", complete=False)
    for args in (["--completed"], ["--completed", "--draft"]):
        result = cli("claim", str(root), *args, code=1)
        assert result.stdout.endswith(": nothing to claim\n")
    result = cli("claim", str(root), "--completed", code=1)
    assert result.stdout == (
        "claim refused: 1 thing stands in the way of the unit claim:\n"
        "  no unit is complete and signed off yet: nothing to claim\n"
    )


def test_usage_errors(complete: Path) -> None:
    assert cli("claim", str(complete), "--units", "1", "--completed", code=2).stderr == (
        "evitrack: error: give --units or --completed, not both\n"
    )
    assert cli("claim", str(complete), "--units", "9", code=2).stderr.startswith(
        'evitrack: error: unit "9" is not among the portfolio\'s units\n'
    )


# ---- drafts -------------------------------------------------------------------------------


def test_a_draft_is_marked_on_every_document(tmp_path: Path) -> None:
    root = edi(tmp_path / "sam")
    result = cli("claim", str(root), "--draft")
    out = root / "out" / "claim-EDI_77"
    assert result.stdout == (
        f"wrote {os.path.relpath(out)}/: DRAFT full award, 4 units "
        "(CU791, CU792, CU803, CU811), 1 evidence file, 8 files in SHA256SUMS\n"
        f"SHA256SUMS sha256: {hashlib.sha256((out / 'SHA256SUMS').read_bytes()).hexdigest()}\n"
    )
    docs = sorted(out.glob("*.html"))
    assert [d.name for d in docs] == [
        "claim-to-competence.html",
        "evidence-index.html",
        "evidence-matrix-CU791.html",
        "evidence-matrix-CU792.html",
        "evidence-matrix-CU803.html",
        "evidence-matrix-CU811.html",
    ]
    for doc in docs:
        html = doc.read_text()
        assert "<title>DRAFT – " in html
        assert '<div class="draft-mark" aria-hidden="true">DRAFT</div>' in html  # every page
        assert html.count("DRAFT – NOT FOR CERTIFICATION") == html.count('class="page"')
    assert json.loads((out / "summary.json").read_text())["draft"] is True
    cli("claim", "verify", str(out))
    # what a full claim would refuse is said, as notes
    assert "note: rule R1: " in result.stderr
    assert "note: unit CU803: no evidence for criteria 2.3, 2.4, 3.2," in result.stderr


def test_a_complete_claim_is_not_marked_draft(complete: Path) -> None:
    cli("claim", str(complete))
    for doc in (complete / "out" / "claim-EDI-20458").glob("*.html"):
        assert "DRAFT" not in doc.read_text()


# ---- safety -------------------------------------------------------------------------------


def test_a_changed_file_stops_the_claim(complete: Path) -> None:
    (complete / "files" / "implementation-plan.pdf").write_bytes(b"changed after hashing")
    result = cli("claim", str(complete), code=1)
    shown = os.path.relpath(complete / "evidence" / "E0002.yaml")
    assert result.stdout == (
        "claim refused: 2 things stand in the way of the full-award claim:\n"
        "  unit 1: the sign-off is void, the unit's accepted evidence changed after it was "
        "signed (sign again: `evitrack sign 1 --as assessor`, then learner)\n"
        f'  {shown}:9:5: error[E303]: attached file "files/implementation-plan.pdf" has '
        "changed since it was recorded (sha256 mismatch)\n"
    )
    # a draft packs what exists, but never a file whose hash no longer matches
    result = cli("claim", str(complete), "--draft", code=1)
    assert result.stdout == (
        "claim refused: 1 thing stands in the way of the full-award claim:\n"
        '  E0002: attached file "files/implementation-plan.pdf" has changed since it was '
        "recorded (sha256 mismatch): the claim stops\n"
    )
    assert not (complete / "out" / "claim-EDI-20458").exists()
    assert [p.name for p in (complete / "out").iterdir()] == []  # no work folder left behind


def test_files_outside_the_portfolio_are_never_copied(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p", complete=False)
    (tmp_path / "secret.txt").write_text("outside")
    digest = hashlib.sha256(b"outside").hexdigest()
    rec = root / "evidence" / "E0001.yaml"
    rec.write_text(
        rec.read_text().replace(
            "files:\n", f'files:\n  - path: "../secret.txt"\n    sha256: {digest}\n'
        )
    )
    result = cli("claim", str(root), "--draft", code=1)
    assert result.stdout == (
        "claim refused: 1 thing stands in the way of the full-award claim:\n"
        '  E0001: attached file "../secret.txt" points outside the portfolio (..): never copied\n'
    )

    rec.write_text(rec.read_text().replace('"../secret.txt"', '"files/link.txt"'))
    os.symlink(tmp_path / "secret.txt", root / "files" / "link.txt")
    result = cli("claim", str(root), "--draft", code=1)
    assert result.stdout == (
        "claim refused: 1 thing stands in the way of the full-award claim:\n"
        '  E0001: attached file "files/link.txt" is a link that leads outside the portfolio: '
        "never copied\n"
    )


def test_pack_names_cannot_escape_the_pack(tmp_path: Path) -> None:
    root = init(tmp_path / "p", "unit-fragment-customer-service-standards")
    write_record(
        root,
        "E0001",
        "Odd names",
        "2026-02-10",
        ["product"],
        {"1": ["1.1"]},
        files={
            "files/a/report.pdf": b"a",
            "files/b/report.pdf": b"b",
            "files/..hidden": b"h",
            'files/we ird<>:|?*"name.pdf': b"w",
            "files/" + "x" * 200 + ".pdf": b"x",
        },
    )
    write_record(
        root,
        "E0002",
        "Shares a file",
        "2026-02-11",
        ["product"],
        {"1": ["1.2"]},
        files={"files/a/report.pdf": b"a"},
    )
    result = cli("claim", str(root), "--draft")
    assert "5 evidence files" in result.stdout  # the shared file once
    out = root / "out" / "claim-EDI-20458"
    names = sorted(n for n in files_of(out) if n.startswith("evidence/"))
    assert names == [
        "evidence/E0001/hidden",
        "evidence/E0001/report-2.pdf",
        "evidence/E0001/report.pdf",
        "evidence/E0001/we ird_name.pdf",
        "evidence/E0001/" + "x" * 96 + ".pdf",
    ]
    data = json.loads((out / "summary.json").read_text())
    assert data["records"][1]["files"][0]["packed"] == "evidence/E0001/report.pdf"
    cli("claim", "verify", str(out))


@pytest.mark.parametrize(
    "name,safe",
    [
        ("..", "_"),
        (".", "_"),
        ("", "_"),
        (".bashrc", "bashrc"),
        ("a/b\\c", "a_b_c"),
        ("nul\x00byte", "nul_byte"),
        ("new\nline.pdf", "new_line.pdf"),
        ("café.pdf", "café.pdf"),
        ("x" * 200 + ".tar.gz", "x" * 97 + ".gz"),
        (" . trailing. ", "trailing"),
    ],
)
def test_safe_component(name: str, safe: str) -> None:
    assert pack.safe_component(name) == safe


def test_an_existing_folder_that_is_not_a_pack_is_kept(complete: Path, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work")
    result = cli("claim", str(complete), "-o", str(precious), code=2)
    assert result.stderr.startswith(
        f"evitrack: error: {precious} is a folder that is not an evitrack pack: not replaced\n"
    )
    assert (precious / "thesis.docx").read_text() == "years of work"
    (tmp_path / "notes.zip").write_text("not a zip")
    cli("claim", str(complete), "-o", str(tmp_path / "notes.zip"), code=2)
    assert (tmp_path / "notes.zip").read_text() == "not a zip"


def test_progress_is_reported_per_file(tmp_path: Path) -> None:
    root = init(tmp_path / "p", "unit-fragment-customer-service-standards")
    write_record(
        root,
        "E0001",
        "Many photos",
        "2026-02-10",
        ["product"],
        {"1": ["1.1"]},
        files={f"files/photo-{i:02}.jpg": bytes([i]) for i in range(25)},
    )
    calls: list[tuple[int, int, str]] = []
    result = pack.build(root, draft=True, progress=lambda d, t, n: calls.append((d, t, n)))
    assert len(result.files) == 25
    assert calls[0] == (0, 25, "files/photo-00.jpg") and calls[-1] == (25, 25, "")
    assert [c[0] for c in calls] == list(range(26))


# ---- the shipped examples ---------------------------------------------------------------------

EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/evitrack.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES or [None], ids=[p.name for p in EXAMPLES] or ["none"])
def test_every_example_packs_as_a_draft_that_verifies(example: Path | None, tmp_path: Path) -> None:
    if example is None:
        pytest.skip("no example portfolios in examples/ yet")
    copy = tmp_path / example.name
    shutil.copytree(example, copy, symlinks=True, ignore=shutil.ignore_patterns("out"))
    cli("claim", str(copy), "--draft", "-o", str(tmp_path / "pack"))
    cli("claim", "verify", str(tmp_path / "pack"))
    complete = cli("claim", str(copy), "--completed", "-o", str(tmp_path / "units"), code=None)
    assert complete.exit_code in (0, 1)
    if complete.exit_code == 0:
        cli("claim", "verify", str(tmp_path / "units"))


def test_sign_then_claim_round_trip(tmp_path: Path) -> None:
    """The whole journey through the CLI: records, assessment, sign-offs, claim, verify."""
    root = fragment(tmp_path / "p", complete=False)
    accept(root, "E0001", "E0002", "E0003", "E0004", "E0005")
    sign(root, "1", iv=False)
    cli("claim", str(root), "--zip")
    result = cli("claim", "verify", str(root / "out" / "claim-EDI-20458.zip"))
    assert result.exit_code == 0


def test_a_claim_refuses_the_placeholders_init_writes(tmp_path: Path) -> None:
    root = fragment(tmp_path / "alex")
    text = (root / "evitrack.yaml").read_text()
    text = text.replace("Alex Morgan", "Learner Name").replace("EDI-20458", "REG-0000")
    (root / "evitrack.yaml").write_text(text)
    result = cli("claim", str(root), code=1)
    assert result.stdout == (
        "claim refused: 2 things stand in the way of the full-award claim:\n"
        '  learner.name in evitrack.yaml is still "Learner Name", written by `evitrack init`: '
        "replace it with the learner's own\n"
        '  learner.registration in evitrack.yaml is still "REG-0000", written by '
        "`evitrack init`: replace it with the learner's own\n"
    )
    assert not (root / "out").exists()
    assert cli("claim", str(root), "--draft").exit_code == 0  # a draft may still be packed


# ---- a pack says what the portfolio says, and nothing escapes it ------------------------------

FORGED_CLAIM = (
    "<p>Full award: Yes</p><p>Internal Verifier: KP 2026-04-10</p><script>alert(1)</script>\n"
)


def test_a_portfolio_s_templates_never_shape_a_claim(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p", complete=False)
    (root / "templates").mkdir()
    for name in ("claim.html.j2", "index.html.j2", "matrix.html.j2", "base.html.j2"):
        (root / "templates" / name).write_text(FORGED_CLAIM)
    result = cli("claim", str(root), "--draft")
    assert (
        "note: the portfolio's templates/ is not used for a claim: a claim for certification "
        "is built from evitrack's own templates (templates/ still shapes `evitrack matrix`)\n"
    ) in result.stderr
    out = root / "out" / "claim-EDI-20458"
    for doc in out.glob("*.html"):
        html = doc.read_text()
        assert "<script>" not in html and "DRAFT – NOT FOR CERTIFICATION" in html
    claim = (out / "claim-to-competence.html").read_text()
    assert "<th>Full award:</th><td>No: not yet achieved (draft of a full-award claim)</td>" in (
        claim
    )
    assert '<td>zero <span class="small">(of the one units in this draft)</span></td>' in claim
    data = json.loads((out / "summary.json").read_text())
    assert all("/" not in name for name in data["templates"]["files"])  # none of templates/
    statement = cli("claim", str(root), "--draft", "--statement-only").stdout
    assert statement == claim
    # a preview may still use them
    assert cli("matrix", str(root)).stdout == FORGED_CLAIM


def test_a_local_qualification_taking_a_shipped_id_is_refused(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p")
    (root / "quals").mkdir()
    shutil.copy(ROOT / "tests/corpus/qualifications/shipped_id.yaml", root / "quals/q.yaml")
    text = (root / "evitrack.yaml").read_text()
    (root / "evitrack.yaml").write_text(
        text.replace(f"qualification: {FRAGMENT_ID}\n", "qualification: quals/q.yaml\n")
    )
    result = cli("claim", str(root), code=2)
    shown = os.path.relpath(root / "quals/q.yaml")
    assert result.stderr == (
        f"evitrack: error: the portfolio at {os.path.relpath(root)} cannot be used: "
        f"{os.path.relpath(root / 'evitrack.yaml')}:4:16: error[E201]: qualification file "
        f'{shown} has a problem: {shown}:2:5: error[E507]: id "ncfe-l3-diploma-customer-service" '
        "is the id of a qualification shipped with evitrack\n"
        "    hint: run `evitrack check` to see every problem and how to fix it\n"
    )
    assert not (root / "out").exists()


def test_a_centre_qualification_file_is_recorded_with_its_sha256(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "quals").mkdir(parents=True)
    own = (ROOT / "tests/corpus/qualifications/valid_centre_award.yaml").read_bytes()
    (root / "quals/award.yaml").write_bytes(own)
    init(root, "quals/award.yaml", units="U1")
    write_record(root, "E0001", "Work", "2026-02-10", ["product"], {"U1": ["1.1", "1.2"]})
    cli("claim", str(root), "--draft")
    data = json.loads((root / "out/claim-EDI-20458/summary.json").read_text())
    assert data["qualification"]["files"] == [
        {"path": "quals/award.yaml", "shipped": False, "sha256": hashlib.sha256(own).hexdigest()}
    ]


FRAGMENT_ID = "unit-fragment-customer-service-standards"


def test_nothing_is_written_through_a_link(complete: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, complete / "out")
    result = cli("claim", str(complete), code=2)
    assert result.stderr.startswith(
        f"evitrack: error: {complete / 'out'} is a link: evitrack does not "
        "write through links inside a portfolio\n"
    )
    assert list(elsewhere.iterdir()) == []
    result = cli("matrix", str(complete), "-o", str(complete / "out" / "m.html"), code=2)
    assert list(elsewhere.iterdir()) == []

    # a record folder that is a link: add and init refuse
    (complete / "out").unlink()
    shutil.move(complete / "evidence", elsewhere / "evidence")
    os.symlink(elsewhere / "evidence", complete / "evidence")
    before = sorted(p.name for p in (elsewhere / "evidence").iterdir())
    added = cli(
        "add",
        str(complete),
        "--title",
        "New",
        "--method",
        "product",
        "--criteria",
        "1/1.1",
        "--date",
        "2026-03-01",
        code=2,
    )
    assert added.stderr.startswith(
        "evitrack: error: evidence/ is a link: evitrack does not write through links\n"
    )
    assert sorted(p.name for p in (elsewhere / "evidence").iterdir()) == before
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    os.symlink(elsewhere / "evidence", fresh / "evidence")
    made = cli(
        "init", str(fresh), "-q", FRAGMENT_ID, "--name", "A B", "--registration", "R1", code=2
    )
    assert made.stderr.startswith(
        f"evitrack: error: {fresh}: evidence is a link: evitrack does not write through links; "
        "nothing was changed\n"
    )
    assert sorted(p.name for p in (elsewhere / "evidence").iterdir()) == before
    assert sorted(p.name for p in fresh.iterdir()) == ["evidence"]


@pytest.mark.parametrize(
    "name",
    [
        "evitrack.yaml",
        ".gitignore",
        "evidence/E0001.yaml",
        "files/witness/manager.pdf",
        ".schemas/x",
        "templates/matrix.html.j2",
        "evidence/new.html",
    ],
)
def test_a_document_never_replaces_a_portfolio_s_own_file(complete: Path, name: str) -> None:
    before = tree_digest(complete)
    result = cli("matrix", str(complete), "-o", str(complete / name), code=2)
    assert result.stderr == (
        f"evitrack: error: {complete / name} is one of the portfolio's own files: a document "
        "never replaces it\n"
        "    hint: write it elsewhere, e.g. -o out/matrix.html\n"
    )
    assert f"evitrack: error: {complete / name} is one of the portfolio's own files" in (
        cli("claim", str(complete), "--statement-only", "-o", str(complete / name), code=2).stderr
    )
    assert tree_digest(complete) == before
    # a pack neither
    assert cli("claim", str(complete), "-o", str(complete / name), code=2).stderr.startswith(
        f"evitrack: error: {complete / name} is one of the portfolio's own files: a pack"
    )
    assert tree_digest(complete) == before


def test_a_document_replaces_only_a_document_in_a_portfolio(complete: Path) -> None:
    (complete / "quals").mkdir()
    (complete / "quals" / "centre.yaml").write_text("id: mine\n")
    result = cli("matrix", str(complete), "-o", str(complete / "quals" / "centre.yaml"), code=2)
    assert result.stderr == (
        f"evitrack: error: {complete / 'quals' / 'centre.yaml'} is a file of the portfolio, not "
        "a document: a document never replaces it\n"
        "    hint: write it elsewhere, e.g. -o out/matrix.html\n"
    )
    assert (complete / "quals" / "centre.yaml").read_text() == "id: mine\n"
    (complete / "matrix.html").write_text("old")
    cli("matrix", str(complete), "-o", str(complete / "matrix.html"))  # a document: replaced
    assert (complete / "matrix.html").read_text().startswith("<!DOCTYPE html>")


def test_a_document_is_never_written_through_a_link(complete: Path, tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    os.symlink(target, tmp_path / "m.html")
    result = cli("matrix", str(complete), "-o", str(tmp_path / "m.html"), code=2)
    assert result.stderr.startswith(
        f"evitrack: error: {tmp_path / 'm.html'} is a link: evitrack does not write through links\n"
    )
    assert target.read_text() == "mine" and (tmp_path / "m.html").is_symlink()


def test_only_an_earlier_pack_is_replaced(complete: Path, tmp_path: Path) -> None:
    # a folder with a file named SHA256SUMS is not a pack
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "SHA256SUMS").write_text("")
    (precious / "thesis.docx").write_text("years of work")
    result = cli("claim", str(complete), "-o", str(precious), code=2)
    assert result.stderr == (
        f"evitrack: error: {precious} is a folder that is not an evitrack pack: not replaced\n"
        "    hint: it has no summary.json that evitrack wrote; choose another -o (a new or "
        "empty folder), or remove it first\n"
    )
    assert (precious / "thesis.docx").read_text() == "years of work"

    # an earlier pack with something added to it is not replaced either
    pack_dir = tmp_path / "pack"
    cli("claim", str(complete), "-o", str(pack_dir))
    (pack_dir / "evidence" / "notes.txt").write_text("added by hand")
    result = cli("claim", str(complete), "-o", str(pack_dir), code=2)
    assert result.stderr.splitlines()[1] == (
        '    hint: "evidence/notes.txt" is not in its SHA256SUMS; choose another -o (a new or '
        "empty folder), or remove it first"
    )
    (pack_dir / "evidence" / "notes.txt").unlink()
    (pack_dir / "extra").mkdir()
    assert (
        '"extra" is a folder a pack never holds'
        in cli("claim", str(complete), "-o", str(pack_dir), code=2).stderr
    )
    (pack_dir / "extra").rmdir()
    again = cli("claim", str(complete), "-o", str(pack_dir))  # the pack as written: replaced
    assert again.stderr.endswith("note: this replaces the pack that was there before\n")

    # a zip holding a SHA256SUMS is not a pack
    fake = tmp_path / "fake.zip"
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr("x/SHA256SUMS", "")
        z.writestr("x/thesis.docx", "years of work")
    kept = fake.read_bytes()
    result = cli("claim", str(complete), "-o", str(fake), code=2)
    assert result.stderr.startswith(
        f"evitrack: error: {fake} exists and is not an evitrack pack: not replaced\n"
    )
    assert fake.read_bytes() == kept
    cli("claim", str(complete), "-o", str(tmp_path / "real.zip"))
    cli("claim", str(complete), "-o", str(tmp_path / "real.zip"))  # an earlier zip: replaced


def test_a_linked_evitrack_yaml_leaving_the_portfolio_is_not_read(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p", complete=False)
    secret = tmp_path / "secrets.txt"
    secret.write_text("password: hunter2\n")
    (root / "evitrack.yaml").unlink()
    os.symlink(secret, root / "evitrack.yaml")
    result = cli("check", str(root), code=None)
    assert result.exit_code in (1, 2)
    assert "hunter2" not in result.stdout + result.stderr
    assert (
        f"{os.path.relpath(root / 'evitrack.yaml')}: error[E001]: evitrack.yaml is a link that "
        "leads outside the portfolio: evitrack does not read it"
    ) in result.stdout + result.stderr
    for args in (["claim", str(root), "--draft"], ["matrix", str(root)], ["gaps", str(root)]):
        out = cli(*args, code=2)
        assert "hunter2" not in out.stdout + out.stderr


def test_work_folders_of_killed_claims_are_removed(complete: Path) -> None:
    out = complete / "out"
    out.mkdir()
    dead = subprocess.run(["true"], check=True)  # a process that has ended: its pid is free
    gone = subprocess.Popen(["true"])
    gone.wait()
    del dead
    host = __import__("socket").gethostname()

    def work(name: str, pid: int | None) -> Path:
        folder = out / f".evitrack-claim-{name}"
        (folder / "pack").mkdir(parents=True)
        (folder / "pack" / "big.bin").write_bytes(b"x" * 1000)
        if pid is not None:
            (folder / "evitrack-claim-owner").write_text(
                f"evitrack claim\npid {pid}\nhost {host}\n"
            )
        return folder

    stale = work("stale", gone.pid)
    running = work("running", os.getpid())
    unknown = work("unknown", None)
    os.symlink(stale, out / ".evitrack-claim-link")
    result = cli("claim", str(complete))
    assert (
        f"note: removed {os.path.relpath(stale)}, left by a claim that was stopped before it "
        "finished\n"
    ) in result.stderr
    assert not stale.exists()
    assert running.is_dir() and unknown.is_dir() and (out / ".evitrack-claim-link").is_symlink()
    assert sorted(p.name for p in out.iterdir()) == [
        ".evitrack-claim-link",
        ".evitrack-claim-running",
        ".evitrack-claim-unknown",
        "claim-EDI-20458",
    ]


def test_a_hard_linked_attachment_is_refused(complete: Path, tmp_path: Path) -> None:
    os.link(complete / "files" / "survey results.xlsx", tmp_path / "other-name.xlsx")
    result = cli("check", str(complete), code=1)
    shown = os.path.relpath(complete / "evidence" / "E0005.yaml")
    assert (
        f'{shown}:9:5: error[E302]: attached file "files/survey results.xlsx" is a hard link '
        "(2 names for one file): its other names may be outside the portfolio\n"
        '    hint: give it a name of its own: `cp "files/survey results.xlsx" copy && mv copy '
        '"files/survey results.xlsx"` (its sha256 stays)\n'
    ) in result.stdout
    (complete / "files" / "witness" / "note.pdf").write_bytes(b"n")
    os.link(complete / "files" / "witness" / "note.pdf", tmp_path / "note.pdf")
    added = cli(
        "add",
        str(complete),
        "--title",
        "Note",
        "--method",
        "product",
        "--criteria",
        "1/1.1",
        "--date",
        "2026-03-01",
        "--file",
        "files/witness/note.pdf",
        code=2,
    )
    assert added.stderr == (
        'evitrack: error: "files/witness/note.pdf" is a hard link (one file with 2 names): its '
        "other names may be outside the portfolio\n"
        '    hint: give it a name of its own: `cp "files/witness/note.pdf" copy && mv copy '
        '"files/witness/note.pdf"`\n'
    )
    drafted = cli("claim", str(complete), "--draft", code=1)
    assert drafted.stdout == (
        "claim refused: 1 thing stands in the way of the full-award claim:\n"
        '  E0005: attached file "files/survey results.xlsx" is a hard link (2 names for one '
        "file): its other names may be outside the portfolio: never copied\n"
    )
    assert drafted.stderr.endswith("nothing was written\n")  # no `--draft` advice for a draft


# ---- verify: hostile packs ---------------------------------------------------------------------


def _patch_zip(path: Path, entry: str, at: dict[int, bytes]) -> None:
    """Overwrite header fields of one entry (offsets into its central directory record);
    the same fields of its local header follow (central offset - 2)."""
    data = bytearray(path.read_bytes())
    name = entry.encode()
    for sig, shift in ((b"PK\x01\x02", 0), (b"PK\x03\x04", -2)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            start = i + 4
            head = 46 if shift == 0 else 30
            if data[i + head : i + head + len(name)] != name:
                continue
            for offset, value in at.items():
                data[i + offset + shift : i + offset + shift + len(value)] = value
    path.write_bytes(bytes(data))


def test_verify_reports_unreadable_zip_entries(complete: Path, tmp_path: Path) -> None:
    cli("claim", str(complete), "--zip")
    good = complete / "out" / "claim-EDI-20458.zip"
    top = "claim-EDI-20458/"
    cases = {
        "encrypted": ("evidence/E0001/standards-report.pdf", {8: b"\x01\x00"}),
        "bad-crc": ("evidence/E0002/implementation-plan.pdf", {16: b"\x00\x00\x00\x00"}),
        "method": ("evidence/E0005/manager.pdf", {10: b"\x63\x00"}),
    }
    bad = tmp_path / "bad.zip"
    shutil.copy(good, bad)
    for name, at in cases.values():
        _patch_zip(bad, top + name, at)
    with zipfile.ZipFile(bad, "a") as z:
        link = zipfile.ZipInfo(top + "evidence/E0009/link", date_time=pack.ZIP_DATE)
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        z.writestr(link, "/etc/passwd")
    result = cli("claim", "verify", str(bad), code=1)
    assert result.stdout == (
        "added: evidence/E0009/link\n"
        "unreadable: evidence/E0001/standards-report.pdf (encrypted)\n"
        "unreadable: evidence/E0002/implementation-plan.pdf (damaged: Bad CRC-32)\n"
        "unreadable: evidence/E0005/manager.pdf (compression method 99, which verify does "
        "not read)\n"
    )


def test_verify_treats_a_link_in_a_zip_as_in_a_folder(complete: Path, tmp_path: Path) -> None:
    cli("claim", str(complete), "--zip")
    good = complete / "out" / "claim-EDI-20458.zip"
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("manager.pdf"):
                info.external_attr = 0o120777 << 16
                data = b"/etc/passwd"
            dst.writestr(info, data)
    assert (
        cli("claim", "verify", str(bad), code=1).stdout == "changed: evidence/E0005/manager.pdf\n"
    )


def test_verify_caps_the_manifest(complete: Path, tmp_path: Path) -> None:
    cli("claim", str(complete), "--zip")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("p/SHA256SUMS", b"0" * (pack.MAX_MANIFEST + 1))
    small = bomb.stat().st_size
    assert small < 100_000
    result = cli("claim", "verify", str(bomb), code=1)
    assert result.stdout == (
        "unreadable: SHA256SUMS (16,777,217 bytes, more than the 16,777,216 that verify reads)\n"
    )
    folder = tmp_path / "sparse"
    folder.mkdir()
    with (folder / "SHA256SUMS").open("wb") as fh:
        fh.truncate(2 << 30)  # 2 GB of nothing, sparse on disk
    result = cli("claim", "verify", str(folder), code=1)
    assert result.stdout == (
        "unreadable: SHA256SUMS (2,147,483,648 bytes, more than the 16,777,216 that verify reads)\n"
    )


def test_verify_accepts_uppercase_hex_as_sha256sum_does(packed: Path) -> None:
    manifest = packed / "SHA256SUMS"
    manifest.write_text(
        "".join(line[:64].upper() + line[64:] + "\n" for line in manifest.read_text().splitlines())
    )
    if shutil.which("sha256sum"):
        assert (
            subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=packed).returncode
            == 0
        )
    result = cli("claim", "verify", str(packed))
    assert result.stdout == ""


def test_verify_never_waits_on_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "pack.zip"
    os.mkfifo(fifo)
    result = cli("claim", "verify", str(fifo), code=2)
    assert result.stderr.startswith(f"evitrack: error: {fifo} is neither a pack folder nor a zip\n")
