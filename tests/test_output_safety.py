"""Output safety: text from records never becomes markup, and file names never leave the pack.

Records carry script tags, attribute breakers and CSS breakers in every field a document
shows (learner name, title, description, location, assessor, comment). The HTML documents
(`evitrack matrix`, all three forms, and the claim pack) must hold them only as text: the
same elements as a harmless render, no event-handler attribute, no `javascript:` link, and
the payloads back as text when the HTML is parsed. Markdown escapes them. Attached files
with odd names are copied inside the pack folder (and inside the zip), never beside it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from evitrack.cli import app

NCFE = "ncfe-l3-diploma-customer-service"
runner = CliRunner()

PAYLOADS = {
    "name": '<script>alert("name")</script> "Sam" onmouseover=alert(1)',
    "title": "<script>alert('title')</script>\" onmouseover=\"alert(2)",
    "description": "</style><style>body{display:none}</style><img src=x onerror=alert(3)>",
    "location": "</td></tr></table><iframe src=//evil.example></iframe>",
    "assessor": "<b onclick=alert(4)>Jo</b>' onfocus='alert(5)",
    "comment": '\'; alert(6); //</script><a href="javascript:alert(7)">x</a>',
}
HARMLESS = {key: f"plain {key} text" for key in PAYLOADS}


def record(values: dict[str, str]) -> str:
    return (
        "id: E0001\n"
        f"title: {json.dumps(values['title'])}\n"
        "date: 2026-03-14\n"
        "methods: [observation]\n"
        f"description: {json.dumps(values['description'])}\n"
        "criteria:\n"
        '  "09": ["1.1", "1.2"]\n'
        f"location: {json.dumps(values['location'])}\n"
        "assessment:\n"
        "  decision: accepted\n"
        f"  assessor: {json.dumps(values['assessor'])}\n"
        "  date: 2026-03-20\n"
        f"  comment: {json.dumps(values['comment'])}\n"
    )


def make(tmp_path: Path, values: dict[str, str], name: str) -> Path:
    root = tmp_path / name
    result = runner.invoke(
        app,
        [
            "init",
            str(root),
            "--qualification",
            NCFE,
            "--name",
            values["name"],
            "--registration",
            "NC0042",
            "--units",
            "09",
        ],
    )
    assert result.exit_code == 0, result.output
    (root / "evidence" / "E0001.yaml").write_text(record(values))
    return root


class Elements(HTMLParser):
    """The elements, attributes and text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Elements:
    p = Elements()
    p.feed(html)
    p.close()
    return p


def assert_inert(hostile: str, harmless: str) -> None:
    bad, good = parse(hostile), parse(harmless)
    assert bad.tags == good.tags  # not one element more, none less
    assert not [k for k, _ in bad.attrs if k.lower().startswith("on")]
    assert not [v for _, v in bad.attrs if "javascript:" in v.lower()]
    assert sorted(k for k, _ in bad.attrs) == sorted(k for k, _ in good.attrs)
    text = " ".join(" ".join(bad.text).split())
    for payload in PAYLOADS.values():  # each comes back as text (whitespace aside)
        if " ".join(payload.split()) in text:
            continue
        # a document may show a field in part only (e.g. a shortened title); never as markup
        assert "<script" not in hostile.lower()


@pytest.mark.parametrize("form", ["matrix", "recording", "index"])
def test_matrix_html_holds_record_text_only_as_text(
    form: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = {}
    for name, values in (("bad", PAYLOADS), ("good", HARMLESS)):
        root = make(tmp_path, values, name)
        monkeypatch.chdir(root)
        result = runner.invoke(app, ["matrix", "--form", form, "-u", "09"])
        assert result.exit_code == 0, result.output
        out[name] = result.stdout
    assert "<script" not in out["bad"].lower()
    assert "<iframe" not in out["bad"].lower()
    assert "onerror=" not in out["bad"].lower().replace("onerror=alert", "")  # shown as text only
    assert_inert(out["bad"], out["good"])
    shown = " ".join(" ".join(parse(out["bad"]).text).split())
    assert PAYLOADS["title"] in shown or form == "recording"


@pytest.mark.parametrize("form", ["matrix", "recording", "index"])
def test_matrix_markdown_escapes_markup(
    form: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make(tmp_path, PAYLOADS, "bad")
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["matrix", "--form", form, "-u", "09", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert "\\<script\\>" in md  # the learner's name, shown escaped
    for tag in ("<script", "<iframe", "<img", "<style", "</style", "<b ", "<a "):
        assert not re.search(r"(?<!\\)" + re.escape(tag), md), tag  # escaped: \<script\>


@pytest.mark.slow
def test_the_claim_pack_documents_hold_record_text_only_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packs = {}
    for name, values in (("bad", PAYLOADS), ("good", HARMLESS)):
        root = make(tmp_path, values, name)
        monkeypatch.chdir(root)
        result = runner.invoke(
            app, ["claim", "build", "--draft", "-o", str(tmp_path / f"{name}-pack")]
        )
        assert result.exit_code == 0, result.output
        packs[name] = tmp_path / f"{name}-pack"
    docs = sorted(p.name for p in packs["bad"].glob("*.html"))
    assert docs == sorted(p.name for p in packs["good"].glob("*.html")) and docs
    for doc in docs:
        hostile = (packs["bad"] / doc).read_text()
        assert "<script" not in hostile.lower(), doc
        assert_inert(hostile, (packs["good"] / doc).read_text())


ODD_NAMES = [
    "..evil.pdf",
    " spaced .pdf",
    "<x>.pdf",
    "%2e%2e%2fx.pdf",
    "réçu.pdf",
    "-rf.pdf",
    "sub dir/..pdf",
    "x" * 200 + ".pdf",
    "CON.pdf",
    "a'b\"c.pdf",
]


def odd_portfolio(tmp_path: Path, names: list[str]) -> Path:
    root = make(tmp_path, HARMLESS, "odd")
    lines = ""
    for n in names:
        f = root / "files" / n
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"content of {n}\n")
        lines += f"  - path: {json.dumps('files/' + n)}\n"
    text = record(HARMLESS).split("assessment:")[0]
    (root / "evidence" / "E0001.yaml").write_text(text + "files:\n" + lines)
    result = runner.invoke(app, ["hash", str(root)])
    assert result.exit_code == 0, result.output
    return root


def test_odd_file_names_land_inside_the_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = odd_portfolio(tmp_path, ODD_NAMES)
    monkeypatch.chdir(root)
    assert runner.invoke(app, ["check"]).exit_code == 0
    pack = tmp_path / "box" / "pack"
    result = runner.invoke(app, ["claim", "build", "--draft", "-o", str(pack)])
    assert result.exit_code == 0, result.output
    assert "not packed" not in result.output
    assert sorted(p.name for p in (tmp_path / "box").iterdir()) == ["pack"]  # nothing beside it
    inside = pack.resolve()
    copies = [p for p in pack.rglob("*") if p.is_file() and p.parent.name == "E0001"]
    for p in pack.rglob("*"):
        assert p.resolve().is_relative_to(inside), p
        assert not p.is_symlink(), p
    assert sorted(p.read_text() for p in copies) == sorted(f"content of {n}\n" for n in ODD_NAMES)
    verify = runner.invoke(app, ["claim", "verify", str(pack)])
    assert verify.exit_code == 0, verify.output


def test_odd_file_names_stay_inside_the_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = odd_portfolio(tmp_path, ODD_NAMES)
    monkeypatch.chdir(root)
    target = tmp_path / "pack.zip"
    result = runner.invoke(app, ["claim", "build", "--draft", "-o", str(target)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as z:
        for name in z.namelist():
            assert not name.startswith(("/", "\\")), name
            assert ".." not in Path(name).parts, name
            assert "\\" not in name, name
        copies = [n for n in z.namelist() if "/E0001/" in n]
        assert len(copies) == len(ODD_NAMES)


def test_a_backslash_separates_folders_for_check_hash_and_claim_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path written on Windows (files\\a\\b.pdf) means the same file everywhere."""
    root = make(tmp_path, HARMLESS, "odd")
    (root / "files" / "a").mkdir(parents=True)
    (root / "files" / "a" / "b.pdf").write_text("content of b\n")
    text = record(HARMLESS).split("assessment:")[0]
    (root / "evidence" / "E0001.yaml").write_text(
        text + 'files:\n  - path: "files\\\\a\\\\b.pdf"\n'
    )
    monkeypatch.chdir(root)
    assert runner.invoke(app, ["hash"]).exit_code == 0
    assert runner.invoke(app, ["check"]).exit_code == 0
    pack = tmp_path / "pack"
    result = runner.invoke(app, ["claim", "build", "--draft", "-o", str(pack)])
    assert result.exit_code == 0, result.output
    assert "not packed" not in result.output
    assert [p.read_text() for p in pack.rglob("*.pdf")] == ["content of b\n"]
    (root / "evidence" / "E0001.yaml").write_text(text + 'files:\n  - path: "..\\\\..\\\\secret"\n')
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1
    assert 'error[E302]: attached file "..\\..\\secret" points outside the portfolio (..)' in (
        result.stdout
    )


# ---- reports: every format of every report escapes user text once ------------------------
#
# A learner's name, a record's title and comment, and a centre's unit title and criterion
# text carry a spreadsheet formula, HTML and a table pipe, a clear-screen escape sequence,
# an OSC 8 link, a right-to-left override and a bare CR. No report, in any format, lets
# one reach a terminal, a spreadsheet or a Markdown renderer as anything but text.

ESC_CLEAR = "\x1b[2J"
OSC8 = "\x1b]8;;http://evil.example\x07here\x1b]8;;\x07"
RLO = "\u202e"
HOSTILE = f'=HYPERLINK("http://evil.example") <b>|x {ESC_CLEAR}{OSC8}{RLO}\r# heading'
FORMULA = ("=", "+", "-", "@", "\t", "\r")

TOY = """\
format: 1
kind: qualification
id: toy-certificate
title: {title}
awarding_body: Test
number: null
level: 2
framework: other
groups:
  - {{id: A, title: Mandatory, units: [M1]}}
units:
  - id: M1
    title: {title}
    level: 2
    credit: 4
    glh: 10
    outcomes:
      - id: "1"
        title: {title}
        criteria:
          - {{id: "1.1", text: {title}}}
          - {{id: "1.2", text: Explain}}
rules:
  - {{id: R1, kind: min_credit, min: 10, text: {title}}}
"""


def hostile_portfolio(tmp_path: Path, name: str = "learner") -> Path:
    """A portfolio of a centre's qualification, every user text in it hostile."""
    root = tmp_path / name
    (root / "evidence").mkdir(parents=True)
    text = json.dumps(HOSTILE)
    (root / "toy.yaml").write_text(TOY.format(title=text))
    (root / "evitrack.yaml").write_text(
        f"qualification: toy.yaml\nlearner:\n  name: {text}\n  registration: {text}\nunits: [M1]\n"
    )
    (root / "evidence" / "E0001.yaml").write_text(
        f"id: E0001\ntitle: {text}\ndate: 2026-01-10\nmethods: [observation]\n"
        f'description: {text}\ncriteria:\n  M1: ["1.1"]\n'
    )
    result = runner.invoke(
        app,
        ["assess", "E0001", str(root), "--refer", "--assessor", HOSTILE, "--comment", HOSTILE],
    )
    assert result.exit_code == 0, result.output
    return root


def assert_safe(output: str, fmt: str) -> None:
    """Nothing that drives a terminal, reorders text or starts a formula or a heading."""
    for bad in ("\x1b", "\x07", RLO, "\r"):
        assert bad not in output, (fmt, bad)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(output)))
        cells = [c for row in rows for c in row]
        assert "HYPERLINK" not in output or any(c.startswith("'=HYPERLINK") for c in cells)
        assert not [c for c in cells if c.startswith(FORMULA)]
    if fmt == "markdown":
        assert "<b>" not in output
        assert "\\<b\\>" in output
        assert not re.search(r"(?<!\\)\|x", output)
        assert not [line for line in output.splitlines() if line.startswith("# heading")]
    if fmt == "json":
        json.loads(output)


REPORTS = {
    "status": ["status"],
    "gaps": ["gaps"],
    "caseload": ["gaps", "..", "../other"],
    "plan": ["plan"],
    "qualification show": ["qualification", "show", "toy.yaml"],
}


@pytest.mark.parametrize("fmt", ["text", "csv", "markdown", "json"])
@pytest.mark.parametrize("report", sorted(REPORTS))
def test_every_report_escapes_user_text_in_every_format(
    report: str, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = hostile_portfolio(tmp_path / "caseload")
    hostile_portfolio(tmp_path / "caseload", "other")
    monkeypatch.chdir(root)
    result = runner.invoke(app, [*REPORTS[report], "--format", fmt], env={"COLUMNS": "400"})
    assert result.exit_code in (0, 1), result.output  # the answer, not an error
    if (report, fmt) != ("plan", "csv"):  # a rule's CSV row holds no text of the file
        assert "HYPERLINK" in result.stdout  # the text is there, as text
    assert_safe(result.stdout, fmt)
    assert_safe(result.stderr, "stderr")


@pytest.mark.parametrize("fmt", ["text", "csv", "markdown", "json"])
def test_claim_verify_escapes_file_names(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / f"=HYPERLINK(1) <b>|x{ESC_CLEAR}{RLO}.txt").write_text("added\n")
    (pack / "SHA256SUMS").write_text(f"{'0' * 64}  ={OSC8}<b>|x{RLO}.pdf\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["claim", "verify", "pack", "--format", fmt])
    assert result.exit_code == 1, result.output
    assert_safe(result.stdout + result.stderr, fmt)
    if fmt == "csv":
        assert result.stdout.splitlines()[1:] == [
            "missing,'=\\x1b]8;;http://evil.example\\x07here\\x1b]8;;\\x07<b>|x\\u202e.pdf",
            "added,'=HYPERLINK(1) <b>|x\\x1b[2J\\u202e.txt",
        ]


def test_a_hostile_name_in_each_format_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = hostile_portfolio(tmp_path)
    monkeypatch.chdir(root)
    shown = '=HYPERLINK("http://evil.example") <b>|x \\x1b[2J'
    md = runner.invoke(app, ["status", "--format", "markdown"]).stdout.splitlines()[0]
    assert md.startswith(
        '# Progress: =HYPERLINK("http://evil.example") \\<b\\>\\|x \\\\x1b\\[2J\\\\x1b\\]8;;'
    )
    assert md.endswith("\\\\u202e # heading (" + md.split(" (", 1)[1])
    rows = list(csv.reader(io.StringIO(runner.invoke(app, ["gaps", "--format", "csv"]).stdout)))
    assert rows[1][1].startswith("'" + shown)
    text = runner.invoke(app, ["status"], env={"COLUMNS": "400"}).stdout
    assert text.startswith(shown)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+1+2", "'+1+2"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "' =1"),
        ("\r=1", "' =1"),
        ("-", "'-"),
        ("-3", "-3"),
        ("+1.5", "+1.5"),
        (-3, -3),
        (2.5, 2.5),
        ("plain", "plain"),
        ("E0001", "E0001"),
        (None, ""),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(
    value: str | int | float | None, cell: str | int | float
) -> None:
    from evitrack.output import csv_cell

    assert csv_cell(value) == cell


@given(st.lists(st.text(), min_size=1, max_size=4))
def test_any_text_stays_in_its_cell_and_its_line(cells: list[str]) -> None:
    from evitrack.output import Doc, Heading, Table

    table = Table([f"c{i}" for i in range(len(cells))], [list(cells)])
    rows = list(csv.reader(io.StringIO(table.csv())))
    assert len(rows) == 2 and len(rows[1]) == len(cells)  # one line, every cell in place
    for cell in rows[1]:
        assert not cell.startswith(FORMULA) or re.fullmatch(r"[+-][\d.eE+-]+", cell)
    md = Doc([Heading(cells[0]), table]).markdown()
    assert len(md.splitlines()) == 5  # heading, blank, header, rule, the row
    assert all(
        line.count("|") - line.count("\\|") == len(cells) + 1 for line in md.splitlines()[2:]
    )
    assert not re.search(
        "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", md.replace("\n", "")
    )
