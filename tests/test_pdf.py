"""Documents as PDF/A through the optional extra evitrack[pdf] (WeasyPrint).

Needs WeasyPrint with the system's Pango (`pip install "evitrack[pdf]"`) and Debian's
poppler-utils (pdfinfo, pdftotext); each test says why it is skipped where they are
missing. The test of the message for a missing WeasyPrint runs everywhere.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from evitrack.cli import app
from test_render import fragment

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

try:
    import weasyprint  # noqa: F401

    NO_WEASYPRINT = ""
except (ImportError, OSError) as e:  # not installed, or the system's Pango is missing
    NO_WEASYPRINT = f'WeasyPrint is not usable ({e}): pip install "evitrack[pdf]"'
NO_POPPLER = (
    ""
    if shutil.which("pdfinfo") and shutil.which("pdftotext")
    else "pdfinfo/pdftotext not found (apt-get install poppler-utils)"
)

needs_weasyprint = pytest.mark.skipif(bool(NO_WEASYPRINT), reason=NO_WEASYPRINT)
needs_poppler = pytest.mark.skipif(bool(NO_POPPLER), reason=NO_POPPLER)


def cli(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, (args, result.output, result.exception)
    return result


def pdfinfo(path: Path, *options: str) -> str:
    return subprocess.run(
        ["pdfinfo", *options, str(path)], capture_output=True, text=True, check=True
    ).stdout


def pdftext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def info(path: Path) -> dict[str, str]:
    return {
        k.strip(): v.strip()
        for line in pdfinfo(path, "-isodates").splitlines()
        for k, _, v in [line.partition(":")]
    }


def objects(data: bytes) -> bytes:
    """A PDF's bytes with every Flate stream inflated (WeasyPrint packs objects in streams)."""
    import contextlib
    import zlib

    parts = [data]
    for m in re.finditer(rb"stream\r?\n", data):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompressobj().decompress(data[m.end() :]))
    return b"\n".join(parts)


def example(tmp: Path, name: str) -> Path:
    root = tmp / name
    if not root.exists():
        shutil.copytree(EXAMPLES / name, root)
    return root


# ---- every form of every shipped example --------------------------------------------------

# Pages of (matrix, recording form, index) for each shipped example, as rendered and looked
# at (pdftoppm -png -r 60): one or more pages per unit, table headers repeated on continued
# pages, signature blocks whole; a unit's keys go to the next page when they do not fit.
PAGES = {
    "edi-l2-chloe-adeyemi": (5, 10, 2),
    "fragment-tom-whitfield": (2, 2, 2),
    "ncfe-diploma-sam-patel": (13, 20, 3),
    "pearson-certificate-daniel-hughes": (5, 8, 2),
    "pearson-diploma-aisha-rahman": (9, 16, 2),
    "svq-scqf8-morag-campbell": (9, 16, 3),
}


def test_every_example_has_its_pages_pinned() -> None:
    portfolios = [p.name for p in EXAMPLES.iterdir() if (p / "evitrack.yaml").is_file()]
    assert sorted(PAGES) == sorted(portfolios)  # a caseload is a folder of portfolios


@needs_weasyprint
@needs_poppler
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_form_of_every_example_renders(
    name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = example(tmp_path_factory.mktemp("pdf"), name)
    learner = re.search(r'^  name: "(.+)"$', (root / "evitrack.yaml").read_text(), re.M)
    assert learner is not None
    for form, doc, size, expected in zip(
        ("matrix", "recording", "index"),
        ("Evidence matrix", "Unit recording form", "Evidence index"),
        ("841.89 x 595.276 pts (A4)", "595.276 x 841.89 pts (A4)", "841.89 x 595.276 pts (A4)"),
        PAGES[name],
        strict=True,
    ):
        out = root.parent / f"{form}.pdf"
        result = cli("matrix", str(root), "--form", form, "-f", "pdf", "-o", str(out))
        assert result.stderr.endswith(f"wrote {out}\n")
        meta = info(out)
        pages = int(meta["Pages"])
        assert pages == expected, form
        assert meta["Page size"] == size
        assert meta["Title"].startswith(doc)
        text = pdftext(out)
        assert text.count("\f") == pages
        for n in range(1, pages + 1):
            assert f"Page {n} of {pages}" in text  # the footer of every page
        assert text.count(learner.group(1)) >= pages  # the running header
        assert text.count(doc) >= pages


# ---- the documents of one portfolio, looked at closely ------------------------------------


@pytest.fixture(scope="module")
def chloe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return example(tmp_path_factory.mktemp("pdf"), "edi-l2-chloe-adeyemi")


@pytest.mark.slow
@needs_weasyprint
@needs_poppler
def test_matrix_pages_and_text(chloe: Path) -> None:
    out = chloe.parent / "matrix.pdf"
    cli("matrix", str(chloe), "-f", "pdf", "-o", str(out))
    meta = info(out)
    assert meta["Pages"] == "5"  # one page per unit: CU791, CU792, CU795, CU802, CU808
    assert meta["Title"] == "Evidence matrix – Chloe Adeyemi (EDI-55817342)"
    assert meta["Author"] == "Chloe Adeyemi"
    assert meta["Creator"] == "evitrack"
    # the portfolio's latest date (record E0007), never the clock
    assert meta["CreationDate"] == meta["ModDate"] == "2026-05-13T00:00:00Z"
    pages = pdftext(out).split("\f")
    assert len(pages) == 6 and pages[-1] == ""
    for n, unit in enumerate(("CU791", "CU792", "CU795", "CU802", "CU808"), start=1):
        page = pages[n - 1]
        assert "Chloe Adeyemi (EDI-55817342)" in page.splitlines()[0]
        assert "Evidence matrix – EDI Level 2 NVQ Certificate in Customer Service" in page
        assert f"Unit {unit}" in page or f"{unit} (" in page
        assert f"Page {n} of 5" in page
        assert "Criterion accepted by the assessor" in page
        assert "Assessment method key:" in page


@pytest.mark.slow
@needs_weasyprint
@needs_poppler
def test_pdf_a_metadata(chloe: Path) -> None:
    out = chloe.parent / "index.pdf"
    cli("matrix", str(chloe), "--form", "index", "-f", "pdf", "-o", str(out))
    xmp = pdfinfo(out, "-meta")
    assert re.search(r'pdfaid:part="3"|<pdfaid:part>3</pdfaid:part>', xmp), xmp
    assert re.search(r'pdfaid:conformance="B"|<pdfaid:conformance>B<', xmp), xmp
    assert "<xmp:CreateDate>2026-05-13</xmp:CreateDate>" in xmp
    inside = objects(out.read_bytes())
    assert b"/OutputIntents" in inside and b"/GTS_PDFA1" in inside  # the sRGB output intent
    assert out.read_bytes().startswith(b"%PDF-1.7")


@pytest.mark.slow
@needs_weasyprint
def test_same_bytes_every_time_and_whatever_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = example(tmp_path, "fragment-tom-whitfield")
    first = cli("matrix", str(root), "--form", "recording", "-f", "pdf").stdout_bytes
    assert first.startswith(b"%PDF-")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567890")
    monkeypatch.setenv("TZ", "America/New_York")
    out = tmp_path / "again.pdf"
    cli("matrix", str(root), "--form", "recording", "-f", "pdf", "-o", str(out))
    assert out.read_bytes() == first
    assert os.environ["SOURCE_DATE_EPOCH"] == "1234567890"  # given back as it was


@pytest.mark.slow
@needs_weasyprint
@needs_poppler
def test_claim_statement_as_pdf(chloe: Path) -> None:
    out = chloe.parent / "statement.pdf"
    cli("claim", str(chloe), "--completed", "--statement-only", "-f", "pdf", "-o", str(out))
    meta = info(out)
    assert meta["Pages"] == "2"
    assert meta["Page size"] == "595.276 x 841.89 pts (A4)"
    text = pdftext(out)
    assert "CLAIM TO COMPETENCE" in text
    assert "Learner statement and assessor summative statement" in text
    assert re.search(r"CU791 Communicate using customer\s+2026-03-11\s+CA\s+ME", text)
    assert "Page 1 of 2" in text and "Page 2 of 2" in text
    assert "ASSESSOR SUMMATIVE STATEMENT" in text


@pytest.mark.slow
@needs_weasyprint
def test_a_pack_with_pdfs_verifies_and_rebuilds_the_same(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p")
    built = cli("claim", str(root), "--pdf", "-o", str(tmp_path / "pack"))
    sums = re.search(r"SHA256SUMS sha256: ([0-9a-f]{64})", built.stdout)
    assert sums is not None
    pack = tmp_path / "pack"
    names = sorted(p.name for p in pack.iterdir())
    assert [n for n in names if n.endswith(".pdf")] == [
        "claim-to-competence.pdf",
        "evidence-index.pdf",
        "evidence-matrix-1.pdf",
    ]
    listed = (pack / "SHA256SUMS").read_text()
    for name in ("claim-to-competence.pdf", "evidence-index.pdf", "evidence-matrix-1.pdf"):
        assert f" {name}\n" in listed or f" *{name}\n" in listed
        assert (pack / name).read_bytes().startswith(b"%PDF-1.7")
    summary = json.loads((pack / "summary.json").read_text())
    assert summary["documents"]["pdf"] == {
        "claim": "claim-to-competence.pdf",
        "index": "evidence-index.pdf",
        "matrices": {"1": "evidence-matrix-1.pdf"},
    }
    assert "pdf.css" in summary["templates"]["files"]
    # links to the pack's copies stay relative: no path of the machine that built it
    index = objects((pack / "evidence-index.pdf").read_bytes())
    uris = sorted({u.decode() for u in re.findall(rb"/URI \(([^)]*)\)", index)})
    html = (pack / "evidence-index.html").read_text()
    assert uris == sorted(set(re.findall(r'<a href="([^"]+)"', html)))  # the HTML's links
    assert len(uris) == 4
    for uri in uris:
        assert (pack / uri.replace("%20", " ")).is_file()
    assert str(tmp_path).encode() not in index
    verified = cli("claim", "verify", str(pack))
    assert verified.stderr.startswith(f"ok: {pack}: ")
    rebuilt = cli("claim", str(root), "--pdf", "-o", str(tmp_path / "again.zip"))
    assert sums.group(1) in rebuilt.stdout  # the same manifest, so the same bytes
    cli("claim", "verify", str(tmp_path / "again.zip"))


@needs_weasyprint
def test_a_pack_without_pdf_has_none(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p")
    cli("claim", str(root), "-o", str(tmp_path / "pack"))
    assert not list((tmp_path / "pack").glob("*.pdf"))
    summary = json.loads((tmp_path / "pack" / "summary.json").read_text())
    assert "pdf" not in summary["documents"]


# ---- nothing fetched, nothing to a terminal, a clear word when WeasyPrint is missing -------


@pytest.mark.slow
@needs_weasyprint
@needs_poppler
def test_only_the_templates_and_the_portfolio_are_read(tmp_path: Path) -> None:
    root = example(tmp_path, "fragment-tom-whitfield")
    (root / "files" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<rect width="10" height="10"/></svg>'
    )
    outside = tmp_path / "secret.svg"
    outside.write_text((root / "files" / "logo.svg").read_text())
    (root / "templates").mkdir()
    (root / "templates" / "index.html.j2").write_text(
        "<!DOCTYPE html><html><head><title>Index</title>"
        '<link rel="stylesheet" href="http://example.invalid/style.css"></head><body>'
        '<p>Logo <img src="files/logo.svg"></p>'
        f'<p>Outside <img src="{outside.as_uri()}"></p>'
        '<p>Data <img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22'
        ' width=%221%22 height=%221%22/%3E"></p>'
        "</body></html>\n"
    )
    out = tmp_path / "index.pdf"
    result = cli("matrix", str(root), "--form", "index", "-f", "pdf", "-o", str(out))
    assert result.stderr == (
        "note: http://example.invalid/style.css was not read: a PDF reads only evitrack's "
        "templates and the portfolio\n"
        f"note: {outside.as_uri()} was not read: a PDF reads only evitrack's templates and "
        "the portfolio\n"
        f"wrote {out}\n"
    )
    assert "Logo" in pdftext(out)


@pytest.mark.slow
def test_a_pdf_is_not_written_to_a_terminal(tmp_path: Path) -> None:
    root = example(tmp_path, "fragment-tom-whitfield")
    leader, follower = pty.openpty()
    try:
        run = subprocess.run(
            [sys.executable, "-m", "evitrack", "matrix", str(root), "-f", "pdf"],
            stdout=follower,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert run.returncode == 2
    if NO_WEASYPRINT:
        assert "PDF needs WeasyPrint" in run.stderr
    else:
        assert run.stderr == (
            "evitrack: error: a PDF is not written to a terminal\n"
            "    hint: give a file, e.g. -o matrix.pdf\n"
        )


STUB = "raise ImportError(\"No module named 'weasyprint' (a stub)\")\n"
MISSING = (
    "evitrack: error: PDF needs WeasyPrint, which is not installed\n"
    '    hint: install it: pip install "evitrack[pdf]"\n'
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["matrix", "{root}", "-f", "pdf", "-o", "{out}/matrix.pdf"],
        ["matrix", "{root}", "--form", "index", "-f", "pdf"],
        ["claim", "{root}", "--statement-only", "-f", "pdf", "-o", "{out}/claim.pdf"],
        ["claim", "{root}", "--pdf", "-o", "{out}/pack"],
    ],
    ids=["matrix", "index-to-stdout", "statement", "pack"],
)
def test_without_weasyprint_the_extra_is_named(tmp_path: Path, args: list[str]) -> None:
    root = fragment(tmp_path / "p")
    stub = tmp_path / "stub" / "weasyprint"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(STUB)
    out = tmp_path / "out"
    out.mkdir()
    code = f"import sys; sys.path.insert(0, {str(stub.parent)!r}); from evitrack.cli import main; main()"
    run = subprocess.run(
        [sys.executable, "-c", code, *(a.format(root=root, out=out) for a in args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (run.returncode, run.stdout, run.stderr) == (2, "", MISSING)
    assert list(out.iterdir()) == []  # nothing written, not even a part


@needs_weasyprint
@pytest.mark.slow
def test_the_readme_pdf_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    readme = (EXAMPLES.parent / "README.md").read_text()
    block = next(b for b in re.findall(r"```sh\n(.*?)```", readme, re.S) if "--pdf" in b)
    commands = [shlex.split(line) for line in block.splitlines() if line.startswith("evitrack ")]
    assert [c[:2] for c in commands] == [["evitrack", "matrix"], ["evitrack", "claim"]]
    example(tmp_path / "examples", "edi-l2-chloe-adeyemi")
    monkeypatch.chdir(tmp_path)
    for command in commands:
        cli(*command[1:])
    assert (tmp_path / "chloe-matrix.pdf").read_bytes().startswith(b"%PDF-1.7")
    cli("claim", "verify", "chloe-claim")
    assert (tmp_path / "chloe-claim" / "claim-to-competence.pdf").is_file()


@pytest.mark.slow
@needs_weasyprint
def test_a_pdf_in_a_portfolio_replaces_the_one_before(tmp_path: Path) -> None:
    root = example(tmp_path, "fragment-tom-whitfield")
    out = root / "matrix.pdf"
    for _ in range(2):  # a second time over the first: a document, not a file of the portfolio
        result = cli("matrix", str(root), "-f", "pdf", "-o", str(out))
        assert result.stderr == f"wrote {out}\n"
    assert out.read_bytes().startswith(b"%PDF-1.7")
    refused = cli("matrix", str(root), "-f", "pdf", "-o", str(root / "evitrack.yaml"), code=2)
    assert "is one of the portfolio's own files" in refused.stderr


@pytest.mark.slow
@needs_weasyprint
@needs_poppler
def test_a_draft_says_so_on_every_page(chloe: Path) -> None:
    out = chloe.parent / "draft.pdf"
    cli("claim", str(chloe), "--draft", "--statement-only", "-f", "pdf", "-o", str(out))
    assert info(out)["Title"] == "DRAFT – Claim to competence – Chloe Adeyemi (EDI-55817342)"
    pages = pdftext(out).split("\f")[:-1]
    assert len(pages) == 2
    for page in pages:
        assert (
            "Claim to competence – EDI Level 2 NVQ Certificate in Customer Service – DRAFT" in page
        )
        assert "Claim to competence – Chloe Adeyemi (EDI-55817342) – DRAFT" in page  # the footer
    assert "DRAFT – NOT FOR CERTIFICATION" in pages[0]
