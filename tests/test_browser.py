"""The HTML documents in a real browser: headless Chromium renders each one without
console errors and prints it to an A4 PDF with the expected number of pages.

Needs Debian's `chromium` (apt-get install chromium); pdfinfo/pdftotext (poppler-utils)
are used when present. Skipped, with the reason, where Chromium cannot be found.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from test_render import cli, edi, fragment

pytestmark = pytest.mark.slow

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM = next((found for name in BROWSERS if (found := shutil.which(name))), None)
A4_PORTRAIT = (595, 842)  # points, rounded
A4_LANDSCAPE = (842, 595)

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not found (install Debian's `chromium` package to run this test)",
)


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def print_pdf(html: str, tmp: Path, name: str) -> tuple[Path, str]:
    """Print a document to PDF; returns the PDF and Chromium's log."""
    page = tmp / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    pdf = tmp / f"{name}.pdf"
    run = chromium(tmp, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF-"), run.stderr[-2000:]
    return pdf, run.stderr


def page_count(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        return int(re.search(r"^Pages:\s+(\d+)$", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def page_sizes(pdf: Path) -> set[tuple[int, int]]:
    sizes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    return {(round(float(w)), round(float(h))) for w, h in sizes}


def console_errors(log: str) -> list[str]:
    """Messages the page itself caused: console output, script errors, failed loads."""
    return [
        line
        for line in log.splitlines()
        if "CONSOLE" in line
        or "Uncaught" in line
        or "Failed to load" in line
        or "net::ERR_" in line
    ]


def pdf_text(pdf: Path) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


DRAFT_MARK = re.compile(r"D\s*R\s*A\s*F\s*T")  # the rotated, letter-spaced mark


@pytest.fixture(scope="module")
def portfolios(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("browser")
    return {"alex": fragment(base / "alex"), "sam": edi(base / "sam")}


# document -> (CLI arguments after the portfolio, pages, page size, words the print must show)
DOCUMENTS = {
    "matrix": (
        "alex",
        ["matrix"],
        1,
        A4_LANDSCAPE,
        [
            "EVIDENCE MATRIX",
            "Alex Morgan",
            "EDI-20458",
            "Learning outcome 2",
            "5.4",
            "judged for validity, authenticity, currency, reliability and sufficiency",
            "Internal Verifier sig",
            "KP",
            "2026-04-10",
        ],
    ),
    "recording": (
        "alex",
        ["matrix", "--form", "recording"],
        2,  # the signature block kept whole: it starts page 2, under the repeated header
        A4_PORTRAIT,
        [
            "UNIT RECORDING FORM",
            "Evidence type",
            "Portfolio reference",
            "Analyse and monitor customer service.",
            "Internal verifier",
        ],
    ),
    "index": (
        "alex",
        ["matrix", "--form", "index"],
        1,
        A4_LANDSCAPE,
        ["EVIDENCE INDEX", "files/survey results.xlsx", "Assessor's observation record"],
    ),
    "claim": (
        "alex",
        ["claim", "--statement-only"],
        1,
        A4_PORTRAIT,
        [
            "CLAIM TO COMPETENCE",
            "one",
            "LEARNER STATEMENT FOR THE UNITS/AWARD",
            "Riverside Leisure",
            "I confirm the evidence I have assessed is authentic.",
        ],
    ),
    "edi-matrices": (
        "sam",
        ["matrix"],
        4,
        A4_LANDSCAPE,
        [
            "CU791 (F1)",
            "CU803 (A11)",
            "Evidence matrix continued: criteria 4.1 to 4.12",
            "The specification prints no assessment criteria for this unit",
        ],
    ),
    "edi-draft-claim": (
        "sam",
        ["claim", "--statement-only", "--draft"],
        2,
        A4_PORTRAIT,
        ["DRAFT – NOT FOR CERTIFICATION", "four", "CU811"],
    ),
}


@needs_chromium
@pytest.mark.parametrize("doc", list(DOCUMENTS))
def test_document_prints_on_a4(doc: str, portfolios: dict[str, Path], tmp_path: Path) -> None:
    who, args, pages, size, words = DOCUMENTS[doc]
    html = cli(args[0], str(portfolios[who]), *args[1:]).stdout
    pdf, log = print_pdf(html, tmp_path, doc)
    assert console_errors(log) == []
    assert page_count(pdf) == pages
    assert page_sizes(pdf) == {size}
    text = pdf_text(pdf)
    if text is not None:
        flat = " ".join(text.split())
        for word in words:
            assert " ".join(word.split()) in flat, word
        # the footer of every page: the document, the candidate, the page number
        for n in range(1, pages + 1):
            assert f"Page {n} of {pages}" in flat
        if "draft" in doc:
            assert flat.count("DRAFT – NOT FOR CERTIFICATION") == 1  # the banner
            printed = text.split("\f")[:pages]
            assert all(DRAFT_MARK.search(p) for p in printed)  # and the mark on every page


@needs_chromium
def test_screenshot_renders(portfolios: dict[str, Path], tmp_path: Path) -> None:
    """The screen view (what a browser shows before printing) renders too."""
    html = cli("matrix", str(portfolios["alex"])).stdout
    page = tmp_path / "matrix.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "matrix.png"
    run = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1240,1754", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_errors(run.stderr) == []
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000


@needs_chromium
def test_every_page_of_a_draft_pack_is_marked(portfolios: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "pack"
    cli("claim", str(portfolios["sam"]), "--draft", "-o", str(out))
    for doc in sorted(out.glob("*.html")):
        pdf, log = print_pdf(doc.read_text(), tmp_path, doc.stem)
        assert console_errors(log) == []
        text = pdf_text(pdf)
        if text is not None:
            pages = text.split("\f")[: page_count(pdf)]
            assert pages and all(DRAFT_MARK.search(p) for p in pages), doc.name


@needs_chromium
def test_the_centre_dashboard_prints_on_a4(tmp_path: Path) -> None:
    """The dashboard: A4 portrait, the overview first, then each learner on a new page; the
    screen view renders too."""
    from test_dashboard import DAY, EXAMPLES

    cl = tmp_path / "caseload-riverside"
    shutil.copytree(EXAMPLES / "caseload-riverside", cl)
    html = cli("report", str(cl), "--format", "html", "--date", DAY).stdout
    pdf, log = print_pdf(html, tmp_path, "dashboard")
    assert console_errors(log) == []
    assert page_sizes(pdf) == {A4_PORTRAIT}
    pages = page_count(pdf)
    assert pages >= 5
    text = pdf_text(pdf)
    if text is not None:
        printed = [" ".join(p.split()) for p in text.split("\f")[:pages]]
        for n in range(1, pages + 1):  # the footer of every page
            assert f"Page {n} of {pages}" in printed[n - 1]
            assert f"Centre dashboard – caseload-riverside – {DAY}" in printed[n - 1]
        footer = re.compile(rf"Page \d+ of \d+|Centre dashboard – caseload-riverside – {DAY}")
        printed = [" ".join(footer.sub("", p).split()) for p in printed]
        assert printed[0].startswith("CENTRE DASHBOARD Caseload: caseload-riverside")
        for word in ("LEARNERS AT RISK", "INTERNAL QUALITY ASSURANCE", "Mark Evans", "CU808"):
            assert word in " ".join(printed[:2]), word
        starts = [p.split(" EDI-")[0] for p in printed]
        for name in ("JADE MORRIS", "LIAM CARTER", "NADIA HUSSAIN", "OWEN PRICE"):
            assert starts.count(name) == 1, (name, starts)  # a learner's section opens a page
    page = tmp_path / "dashboard.html"
    shot = tmp_path / "dashboard.png"
    run = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1000,1800", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_errors(run.stderr) == []
    assert shot.read_bytes().startswith(b"\x89PNG")
