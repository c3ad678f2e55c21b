"""Documents through Jinja: evidence matrices, unit recording forms, the claim to competence
and the evidence index, in HTML and Markdown.

Portfolios are made with the real CLI (`init`, `assess`, `sign`) and hand-written
records; the documents are compared whole with golden files in tests/golden/
(rewrite them with `pytest --update-golden` and review the diff). The helpers here
are shared with test_pack.py and test_browser.py.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup
from typer.testing import CliRunner, Result

from evitrack import render
from evitrack.cli import app
from helpers import init_portfolio

GOLDEN = Path(__file__).parent / "golden"
FRAGMENT = "unit-fragment-customer-service-standards"
EDI = "edi-l2-nvq-customer-service"

# ---- portfolios made with the CLI ---------------------------------------------------------


def cli(*args: str, code: int | None = 0) -> Result:
    """Run evitrack in process; check the exit code unless `code` is None."""
    result = CliRunner().invoke(app, list(args))
    if code is not None:
        assert result.exit_code == code, (args, result.output, result.exception)
    return result


def init(
    root: Path,
    qualification: str,
    units: str = "",
    name: str = "Alex Morgan",
    registration: str = "EDI-20458",
) -> Path:
    return init_portfolio(
        root, qualification, name=name, registration=registration, units=units or None
    )


def write_record(
    root: Path,
    rid: str,
    title: str,
    date: str,
    methods: list[str],
    criteria: dict[str, list[str]],
    description: str = "",
    files: dict[str, bytes] | None = None,
    location: str | None = None,
) -> Path:
    """An evidence record as a learner writes one; strings as JSON (valid YAML) so any
    text goes in unchanged. Attached files are written and their sha256 recorded."""
    q = json.dumps
    lines = [
        f"id: {rid}",
        f"title: {q(title)}",
        f"date: {date}",
        "methods: [" + ", ".join(methods) + "]",
        f"description: {q(description or title)}",
        "criteria:",
    ]
    lines += [f"  {q(u)}: [" + ", ".join(q(c) for c in ids) + "]" for u, ids in criteria.items()]
    if files:
        lines.append("files:")
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            lines += [f"  - path: {q(rel)}", f"    sha256: {hashlib.sha256(content).hexdigest()}"]
    if location:
        lines.append(f"location: {q(location)}")
    path = root / "evidence" / f"{rid}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def accept(root: Path, *rids: str, date: str = "2026-04-01") -> None:
    for rid in rids:
        cli("assess", rid, str(root), "--accept", "--assessor", "Jo Smith", "--date", date)


def sign(root: Path, unit: str, assessed: str = "2026-04-02", iv: bool = True) -> None:
    cli(
        "sign",
        unit,
        str(root),
        "--as",
        "assessor",
        "--initials",
        "JS",
        "--date",
        assessed,
        "--assessed",
        assessed,
    )
    cli("sign", unit, str(root), "--as", "learner", "--initials", "AM", "--date", "2026-04-03")
    if iv:
        cli("sign", unit, str(root), "--as", "iv", "--initials", "KP", "--date", "2026-04-10")


STATEMENT = """\
statement:
  completed: |
    I completed this unit while leading the customer service team at Riverside Leisure
    Centre. I researched our standards against two competitors and the BS8477 code of
    practice, wrote the implementation plan and ran the monthly satisfaction survey.

    I learnt how much a written standard helps new staff.
  role: I have been a team leader for three years and have worked towards this unit for six months.
  methods: Observation by my assessor, product evidence, a professional discussion and a
    witness testimony from my manager.
  impact: I now check the satisfaction figures before changing a procedure, not after.
  assessor: >
    Alex has shown consistent competence across all five learning outcomes, in real
    work situations, over six months.
"""


_FRAGMENTS: dict[tuple[bool, bool], Path] = {}


def fragment(root: Path, complete: bool = True, statement: bool = True) -> Path:
    """The stand-alone unit (15 criteria), every criterion covered; accepted and signed
    off when `complete`. Built through the CLI once per run for each pair of options and
    copied to `root` (without the cache, which names the folder it was built in)."""
    key = (complete, statement)
    if key not in _FRAGMENTS:
        base = Path(tempfile.mkdtemp(prefix="evitrack-fragment-"))
        atexit.register(shutil.rmtree, base, ignore_errors=True)
        _FRAGMENTS[key] = build_fragment(base / root.name, complete, statement)
    ignore = shutil.ignore_patterns(".evitrack-cache")
    shutil.copytree(_FRAGMENTS[key], root, ignore=ignore, dirs_exist_ok=True)
    return root


def build_fragment(root: Path, complete: bool, statement: bool) -> Path:
    """`fragment` built in place through the CLI."""
    init(root, FRAGMENT)
    write_record(
        root,
        "E0001",
        "Research into our service standards and sector best practice",
        "2026-02-10",
        ["product", "questioning"],
        {"1": ["1.1", "1.2"]},
        "Compared our customer charter with two competitors' and with BS8477.\n\n"
        "Answered my assessor's questions on the research methods used.",
        {"files/standards-report.pdf": b"%PDF-1.4 standards report\n"},
    )
    write_record(
        root,
        "E0002",
        "Sustainable processes and implementation plan",
        "2026-02-24",
        ["product"],
        {"1": ["2.1", "2.2", "2.3"]},
        "The plan I wrote for moving enquiries to a call-back system, with the paper "
        "waste it saves and the targets for the first quarter.",
        {"files/implementation-plan.pdf": b"%PDF-1.4 plan\n"},
    )
    write_record(
        root,
        "E0003",
        "Observed team briefing on the new standards",
        "2026-03-05",
        ["observation"],
        {"1": ["2.4", "2.5", "3.1"]},
        "My assessor observed me brief the team and two key stakeholders on the new "
        "standards and the resources agreed for them.",
        location="Assessor's observation record, centre file 12",
    )
    write_record(
        root,
        "E0004",
        "Culture evaluation and motivation strategies",
        "2026-03-12",
        ["professional-discussion", "reflective-account"],
        {"1": ["4.1", "4.2", "4.3"]},
        "A recorded discussion with my assessor on our team's culture, then my "
        "reflective account of the motivation techniques I tried and why.",
    )
    write_record(
        root,
        "E0005",
        "Monitoring customer satisfaction",
        "2026-03-19",
        ["product", "witness-testimony"],
        {"1": ["5.1", "5.2", "5.3", "5.4"]},
        "The monthly survey I set up, my analysis of three months' results, and my "
        "manager's testimony on the staff reviews I carried out.",
        files={
            "files/survey results.xlsx": b"PK survey",
            "files/witness/manager.pdf": b"%PDF-1.4 witness\n",
        },
    )
    if statement:
        with (root / "evitrack.yaml").open("a", encoding="utf-8") as fh:
            fh.write(STATEMENT)
    if complete:
        accept(root, "E0001", "E0002", "E0003", "E0004", "E0005")
        sign(root, "1")
    return root


def edi(root: Path) -> Path:
    """EDI NVQ, four units: CU792 complete and signed off (IV not sampled), CU791 partly
    accepted, CU803 (32 criteria: two matrix tables) partly evidenced, CU811 without
    criteria in the source."""
    init(root, EDI, units="CU803,CU811", name="Sam O'Neil", registration="EDI/77")
    write_record(
        root,
        "E0001",
        "Following the complaints procedure",
        "2026-01-20",
        ["observation"],
        {"CU792": ["1.1", "1.2", "1.3", "1.4", "1.5"]},
    )
    write_record(
        root,
        "E0002",
        "Customer service rules: questions and answers",
        "2026-01-27",
        ["Q"],
        {"CU792": ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8"]},
    )
    write_record(
        root,
        "E0003",
        "Witness testimony from my supervisor",
        "2026-02-03",
        ["Wt"],
        {"CU792": ["2.9", "2.10"], "CU791": ["1.1", "1.2"]},
    )
    write_record(
        root,
        "E0004",
        "Telephone calls observed",
        "2026-02-10",
        ["Obs", "Q"],
        {
            "CU803": [
                "1.1",
                "1.2",
                "1.3",
                "1.4",
                "1.5",
                "2.1",
                "2.2",
                "3.1",
                "3.10",
                "3.11",
                "4.1",
                "4.12",
            ],
            "CU791": ["3.1", "3.2"],
        },
        files={"files/calls/log.pdf": b"%PDF-1.4 call log\n"},
    )
    accept(root, "E0001", "E0002", "E0003")
    sign(root, "CU792", iv=False)
    return root


# ---- golden files -----------------------------------------------------------------------


def golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.is_file(), f"{path} missing: run pytest --update-golden and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.fixture(scope="module")
def frag(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fragment(tmp_path_factory.mktemp("render") / "alex")


@pytest.fixture(scope="module")
def edi_p(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return edi(tmp_path_factory.mktemp("render") / "sam")


@pytest.mark.parametrize("fmt,ext", [("html", "html"), ("markdown", "md")])
@pytest.mark.parametrize("form", ["matrix", "recording", "index"])
def test_fragment_documents_match_golden(
    frag: Path, form: str, fmt: str, ext: str, update_golden: bool
) -> None:
    result = cli("matrix", str(frag), "--form", form, "--format", fmt)
    golden(f"fragment-{form}.{ext}", result.stdout, update_golden)


@pytest.mark.parametrize("fmt,ext", [("html", "html"), ("markdown", "md")])
def test_claim_statement_matches_golden(
    frag: Path, fmt: str, ext: str, update_golden: bool
) -> None:
    result = cli("claim", str(frag), "--statement-only", "--format", fmt)
    golden(f"fragment-claim.{ext}", result.stdout, update_golden)


@pytest.mark.parametrize("fmt,ext", [("html", "html"), ("markdown", "md")])
def test_multi_unit_matrix_matches_golden(
    edi_p: Path, fmt: str, ext: str, update_golden: bool
) -> None:
    """Four units, one page each; CU803's 32 criteria continue in a second table."""
    result = cli("matrix", str(edi_p), "--format", fmt)
    golden(f"edi-matrix.{ext}", result.stdout, update_golden)
    assert result.stdout.count("Evidence matrix continued: criteria 4.1 to 4.12") == 1


def test_draft_statement_matches_golden(edi_p: Path, update_golden: bool) -> None:
    result = cli("claim", str(edi_p), "--statement-only", "--draft", "--format", "markdown")
    golden("edi-claim-draft.md", result.stdout, update_golden)
    assert result.stdout.count("DRAFT – NOT FOR CERTIFICATION") == 1


def test_documents_end_with_one_newline(frag: Path) -> None:
    for form in ("matrix", "recording", "index"):
        for fmt in ("html", "markdown"):
            out = cli("matrix", str(frag), "--form", form, "--format", fmt).stdout
            assert out.endswith("\n") and not out.endswith("\n\n"), (form, fmt)


def test_one_unit_and_an_alias(edi_p: Path) -> None:
    one = cli("matrix", str(edi_p), "--unit", "A11", "--format", "markdown").stdout
    assert one.startswith("# Evidence matrix: unit CU803\n")
    assert one.count("# Evidence matrix: unit") == 1
    two = cli("matrix", str(edi_p), "-u", "CU792,F1", "-f", "markdown").stdout
    assert re.findall(r"^# Evidence matrix: unit (\S+)$", two, re.M) == ["CU792", "CU791"]


def test_unknown_unit_is_a_usage_error(edi_p: Path) -> None:
    result = cli("matrix", str(edi_p), "--unit", "CU999", code=2)
    assert result.stderr.startswith(
        'evitrack: error: unit "CU999" is not among the portfolio\'s units\n'
    )


def test_output_file(frag: Path, tmp_path: Path) -> None:
    out = tmp_path / "matrix.html"
    result = cli("matrix", str(frag), "-o", str(out))
    assert result.stdout == ""
    assert result.stderr == f"wrote {out}\n"
    assert out.read_text() == cli("matrix", str(frag)).stdout


def test_html_is_self_contained(frag: Path) -> None:
    for form in ("matrix", "recording", "index"):
        html = cli("matrix", str(frag), "--form", form).stdout
        page = parse(html)
        assert page.tags.get("script", 0) == 0 and page.tags.get("link", 0) == 0
        assert page.urls == [], form
        assert page.tags["style"] == 1
        assert html.count('class="page"') == 1


def test_page_break_between_units(edi_p: Path) -> None:
    html = cli("matrix", str(edi_p)).stdout
    assert html.count('<section class="page">') == 4
    assert ".page + .page { break-before: page; }" in html
    assert "  size: A4 landscape;\n" in html
    assert "  size: A4 portrait;\n" in cli("matrix", str(edi_p), "--form", "recording").stdout
    # every printed page names the document and the candidate, and is numbered
    assert '@bottom-left { content: "Evidence matrix \\002013  Sam O\\000027 Neil' in html
    assert '@bottom-right { content: "Page " counter(page) " of " counter(pages);' in html


# ---- nothing from a record can inject markup ------------------------------------------------

NASTY = {
    "title": 'Call log <script>alert("t")</script> & <b>bold</b>',
    "description": (
        "</style><style>body { display: none }</style>\n"
        '<img src=x onerror=alert(1)> <a href="javascript:alert(2)">x</a>\n\n'
        "# not a heading\n- not a list\n1. not a list\n> not a quote\n"
        "[link](javascript:alert(3)) ![image](http://example.com/x.png) *em* __strong__ "
        "| pipe | `code` &amp; &lt;script&gt;"
    ),
    "location": 'HR file" onmouseover="alert(4)" style="background:url(http://e.com/x)',
}


@pytest.fixture(scope="module")
def nasty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = init(
        tmp_path_factory.mktemp("nasty") / "p",
        FRAGMENT,
        name='Eve <script>alert("n")</script>',
        registration="R-1",
    )
    write_record(
        root,
        "E0001",
        NASTY["title"],
        "2026-02-10",
        ["observation"],
        {"1": ["1.1"]},
        NASTY["description"],
        {"files/<b>x</b>.pdf": b"x"},
        NASTY["location"],
    )
    with (root / "evitrack.yaml").open("a") as fh:
        fh.write("statement:\n  completed: " + json.dumps(NASTY["description"]) + "\n")
    return root


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.attrs: list[tuple[str, str | None]] = []
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attrs += attrs
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def test_html_escapes_record_text(nasty: Path) -> None:
    docs = [cli("matrix", str(nasty), "--form", f).stdout for f in ("matrix", "recording", "index")]
    docs.append(cli("claim", str(nasty), "--statement-only", "--draft").stdout)
    for html in docs:
        page = parse(html)
        assert "script" not in page.tags and "img" not in page.tags and "a" not in page.tags
        assert page.tags["style"] == 1 and "b" not in page.tags
        assert not [k for k, _ in page.attrs if k.startswith("on") or k in ("src", "href")]
        assert all(
            k
            in ("class", "lang", "charset", "name", "content", "rowspan", "colspan", "aria-hidden")
            for k, _ in page.attrs
        ), page.attrs
        assert html.count("<style>") == 1 and html.count("</style>") == 1  # our own CSS only
    index = parse(docs[2])
    text = "".join(index.text)
    assert NASTY["title"] in text and NASTY["location"] in text  # shown, as text
    assert "files/<b>x</b>.pdf" in text


def test_markdown_escapes_record_text(nasty: Path) -> None:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    docs = [
        cli("matrix", str(nasty), "--form", f, "-f", "markdown").stdout
        for f in ("matrix", "recording", "index")
    ]
    docs.append(cli("claim", str(nasty), "--statement-only", "--draft", "-f", "markdown").stdout)
    for i, doc in enumerate(docs):
        page = parse(md.render(doc))
        assert not {"script", "img", "a", "b", "style", "code", "ol"} & set(page.tags), page.tags
        # the documents' own: the claim's draft banner and the labels of its four points
        # (and the draft's one unit, not complete: *not complete*)
        own = {"blockquote": 1, "em": 5, "strong": 1} if i == 3 else {"strong": int(i == 0)}
        for tag in ("blockquote", "em", "strong"):
            assert page.tags.get(tag, 0) == own.get(tag, 0), (i, tag)
        assert not [k for k, _ in page.attrs if k.startswith("on") or k in ("src", "href")]
    index = parse(md.render(docs[2]))
    text = " ".join(index.text)
    assert 'Call log <script>alert("t")</script> & <b>bold</b>' in text
    assert "# not a heading" in text and "- not a list" in text and "1. not a list" in text
    assert "[link](javascript:alert(3))" in text and "| pipe | `code` &amp; &lt;script&gt;" in text
    assert index.tags.get("h1") == 1 and index.tags.get("h2") == 1  # the document's own
    assert index.tags.get("ul") == 1  # the record's facts; the description is no list


def test_css_string_cannot_be_left() -> None:
    got = render.css_string('Eve"; } body { display: none } </style>\n\\')
    assert re.fullmatch(r'"[A-Za-z0-9 ]*(?:\\[0-9a-f]{6} [A-Za-z0-9 ]*)*"', got), got
    assert got.startswith('"Eve\\000022 \\00003b  \\00007d  body ')
    assert render.css_string(Markup("O&#39;Neil")) == '"O\\000027 Neil"'  # as written


def test_markdown_escape_function() -> None:
    assert render.md_escape("a|b <i> *x* [y](z) \\ `c` ~d~") == (
        "a\\|b \\<i\\> \\*x\\* \\[y\\](z) \\\\ \\`c\\` \\~d\\~"
    )
    assert render.md_escape("file_name_1 _x_ &amp; & H&S") == "file_name_1 \\_x\\_ \\&amp; & H&S"
    assert render.md_escape("1.1") == "1.1"  # inside a line: no list marker to escape
    assert render.md_paras("# h\n- l\n2. n\n\n+ p") == "\\# h\n\\- l\n2\\. n\n\n\\+ p"
    assert render.md_cell("one\n| two\n\nthree") == "one \\| two<br>three"
    assert render.html_paras("a <b>\nc\n\n\nd") == "<p>a &lt;b&gt;\nc</p>\n<p>d</p>"


# ---- templates ------------------------------------------------------------------------------


def test_portfolio_templates_override_by_name(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p", complete=False, statement=False)
    (root / "templates").mkdir()
    (root / "templates" / "matrix.md.j2").write_text(
        "{% for u in units %}Our centre's matrix for {{ learner.name }}: "
        "{{ u.rows|length }} records, {{ u.accepted }}/{{ u.total }} accepted\n{% endfor %}"
    )
    assert cli("matrix", str(root), "-f", "markdown").stdout == (
        "Our centre's matrix for Alex Morgan: 5 records, 0/15 accepted\n"
    )
    # the other templates still come from evitrack
    assert cli("matrix", str(root)).stdout.startswith("<!DOCTYPE html>")


def test_a_template_edited_between_two_renders_in_one_process_is_compiled_again(
    tmp_path: Path,
) -> None:
    """Compiled templates are kept for the process; an edited one is never served stale,
    even at the same size (the cache is checked against the template's source)."""
    root = fragment(tmp_path / "p", complete=False, statement=False)
    (root / "templates").mkdir()
    tpl = root / "templates" / "matrix.md.j2"
    for word in ("first", "again", "third"):
        tpl.write_text(f"{word}: {{{{ learner.name }}}}\n")
        assert cli("matrix", str(root), "-f", "markdown").stdout == f"{word}: Alex Morgan\n"


def test_portfolio_template_errors_are_user_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fragment(tmp_path / "p", complete=False, statement=False)
    tpl = root / "templates" / "index.md.j2"
    tpl.parent.mkdir()
    monkeypatch.chdir(root)
    cases = {
        "{{ learner.nickname }}": "templates/index.md.j2:1: 'dict object' has no attribute "
        "'nickname'",
        "{{ ''.__class__.__mro__ }}": "templates/index.md.j2:1: access to attribute "
        "'__class__' of 'str' object is unsafe.",
        "{% for %}": "templates/index.md.j2:1: Expected an expression, got 'end of statement "
        "block'",
        "ok\n\n{{ 1 / 0 }}": "templates/index.md.j2:3: division by zero",
        "{% macro f() %}{{ f() }}{% endmacro %}\n{{ f() }}": "templates/index.md.j2:1: macros "
        "call each other too deeply (endless recursion?)",
        "{{ 'x' * 3000000000 }}": "templates/index.md.j2:1: repeats a text 3,000,000,000 times "
        "(more than 5,000,000 characters): stopped",
        "{{ 'x'|center(3000000000) }}": "templates/index.md.j2:1: filter center given "
        "3,000,000,000: stopped",
        "{{ 'x'.center(3000000000) }}": "templates/index.md.j2:1: calls center with "
        "3,000,000,000: stopped",
        "{{ '{:>3000000000}'.format('x') }}": "templates/index.md.j2:1: formats a field "
        "3,000,000,000 characters wide: stopped",
        "\n\n{% include 'nope.j2' %}": "templates/index.md.j2:3: template nope.j2 not found",
        "{{ '%3000000000s' % 'x' }}": "templates/index.md.j2:1: formats a field 3,000,000,000 "
        "characters wide: stopped",
        "{{ 2 ** 100000000 }}": "templates/index.md.j2:1: raises a number to the power "
        "100000000: stopped",
        "{{ (9 ** 999) ** 999 }}": "templates/index.md.j2:1: raises a number to the power 999: "
        "stopped",
        "\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}": (
            "templates/index.md.j2:2: loops over more than 1,000,000 range() items: stopped"
        ),
    }
    for source, message in cases.items():
        tpl.write_text(source)
        result = cli("matrix", "--form", "index", "-f", "markdown", code=2)
        assert result.stderr == (
            f"evitrack: error: {message}\n"
            "    hint: a portfolio's own templates/ may use only the fields the shipped ones "
            "use; remove it to use evitrack's own\n"
        ), source


def test_a_slow_template_is_stopped_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fragment(tmp_path / "p", complete=False, statement=False)
    tpl = root / "templates" / "index.md.j2"
    tpl.parent.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setattr(render, "TIME_LIMIT", 0.5)
    tpl.write_text(
        "{% for i in range(900) %}{% for j in range(900) %}"
        "{{ learner.name }}{% endfor %}{% endfor %}"
    )
    result = cli("matrix", "--form", "index", "-f", "markdown", code=2)
    assert result.stderr.startswith(
        "evitrack: error: templates/index.md.j2:1: took longer than 0.5 seconds: stopped\n"
    )


def test_portfolio_template_link_leading_outside_is_refused(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p", complete=False, statement=False)
    outside = tmp_path / "evil.j2"
    outside.write_text("stolen")
    (root / "templates").mkdir()
    os.symlink(outside, root / "templates" / "matrix.md.j2")
    result = cli("matrix", str(root), "-f", "markdown", code=2)
    assert result.stderr.startswith(
        f"evitrack: error: template matrix.md.j2 in {root / 'templates'} leads outside the portfolio\n"
    )


def test_shipped_templates_are_found() -> None:
    folder = render.shipped_templates()
    names = sorted(p.name for p in folder.glob("*.j2"))
    for doc in ("matrix", "recording", "claim", "index"):
        assert f"{doc}.html.j2" in names and f"{doc}.md.j2" in names
    assert "base.html.j2" in names


# ---- the learner statement in evitrack.yaml -------------------------------------------------


def test_statement_keys_are_checked(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p", complete=False, statement=False)
    with (root / "evitrack.yaml").open("a") as fh:
        fh.write("statement:\n  complted: I did it\n")
    result = cli("check", str(root), code=1)
    assert 'unknown key "statement.complted"' in result.stdout
    assert 'did you mean "completed"?' in result.stdout


def test_statement_must_be_a_mapping(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p", complete=False, statement=False)
    with (root / "evitrack.yaml").open("a") as fh:
        fh.write("statement: I did it all\n")
    result = cli("check", str(root), code=1)
    assert "statement must be a mapping of keys to values, not text" in result.stdout


def test_statement_points_match_the_schema() -> None:
    from evitrack.schema import PORTFOLIO

    keys = list(PORTFOLIO.keys["statement"].keys)
    assert keys == [k for k, _ in render.STATEMENT_POINTS] + [render.ASSESSOR_STATEMENT]


def test_missing_statement_leaves_room_to_write(tmp_path: Path) -> None:
    root = fragment(tmp_path / "p", statement=False)
    result = cli("claim", str(root), "--statement-only", "-f", "markdown")
    assert result.stdout.count("(not written yet)") == 5
    assert result.stderr == (
        "note: no centre in evitrack.yaml (`centre: {name: ..., number: ...}`): the claim "
        "form leaves it out\n"
        "note: no learner statement in evitrack.yaml (`statement:`): the "
        "claim form leaves room to write it by hand\n"
    )
    html = cli("claim", str(root), "--statement-only").stdout
    assert html.count('<div class="box empty"></div>') == 5


# ---- helpers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n,words",
    [
        (0, "zero"),
        (1, "one"),
        (4, "four"),
        (13, "thirteen"),
        (20, "twenty"),
        (21, "twenty-one"),
        (45, "forty-five"),
        (100, "one hundred"),
        (101, "one hundred and one"),
        (342, "three hundred and forty-two"),
        (1005, "one thousand and five"),
    ],
)
def test_number_words(n: int, words: str) -> None:
    assert render.number_words(n) == words


def test_natural_order() -> None:
    ids = ["E10", "E2", "E1", "1.10", "1.2", "1.1"]
    assert sorted(ids, key=render.natural_key) == ["1.1", "1.2", "1.10", "E1", "E2", "E10"]


def test_wide_unit_columns_split_by_outcome() -> None:
    groups: list[dict[str, Any]] = [
        {"id": str(i), "criteria": [f"{i}.{j}" for j in range(1, n + 1)]}
        for i, n in enumerate([5, 4, 11, 12], 1)
    ]
    segments = render._segments(groups)
    assert [[(g["id"], g["span"]) for g in seg] for seg in segments] == [
        [("1", 5), ("2", 4), ("3", 11)],
        [("4", 12)],
    ]
    huge = render._segments([{"id": "1", "criteria": [str(i) for i in range(30)]}])
    assert [[g["span"] for g in seg] for seg in huge] == [[24], [6]]


# ---- each entry's standing, and room to write by hand -------------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """E0001 accepted, E0002 referred with a comment, E0003/E0004 not assessed, no E0005."""
    root = fragment(tmp_path_factory.mktemp("mixed") / "p", complete=False, statement=False)
    (root / "evidence" / "E0005.yaml").unlink()
    accept(root, "E0001")
    cli(
        "assess",
        "E0002",
        str(root),
        "--refer",
        "--assessor",
        "Jo Smith",
        "--date",
        "2026-04-01",
        "--comment",
        "Add the targets | for Q2",
    )
    return root


def test_recording_form_shows_each_entry_s_status_and_leaves_empty_cells(mixed: Path) -> None:
    md = cli("matrix", str(mixed), "--form", "recording", "-f", "markdown").stdout
    rows = [line for line in md.splitlines() if line.startswith("| ") and line.count("|") == 6]
    assert rows[1:7] == [
        "| 1 Be able to understand customer service standards required in own organisation "
        "| 1.1 Explain customer service standards within own organisation | Product evidence, "
        "Questioning | E0001 (accepted) | 2026-02-10 |",
        "| | 1.2 Describe customer service best practice in own sector using research "
        "techniques. | Product evidence, Questioning | E0001 (accepted) | 2026-02-10 |",
        "| 2 Be able to implement sustainable processes for customer satisfaction | 2.1 Define "
        "sustainable processes taking into account environmental issues | Product evidence | "
        "E0002 (referred) | 2026-02-24 |",
        "| | 2.2 Identify sustainable processes to support customer service standards | Product "
        "evidence | E0002 (referred) | 2026-02-24 |",
        "| | 2.3 Produce a plan for implementation | Product evidence | E0002 (referred) | "
        "2026-02-24 |",
        "| | 2.4 State customer service standards with relevant key stakeholders | Observation | "
        "E0003 (not yet assessed) | 2026-03-05 |",
    ]
    assert rows[12] == (
        "| 5 Be able to monitor customer service levels for continuous improvement | 5.1 Describe "
        "methods of measuring customer satisfaction |  | | |"
    )
    html = cli("matrix", str(mixed), "--form", "recording").stdout
    assert "no evidence yet" not in html and 'colspan="3"' not in html
    assert '      <td>E0002<br><span class="status">referred</span></td>\n' in html
    assert html.count("      <td></td>\n      <td></td>\n      <td></td>\n") == 4  # 5.1 to 5.4
    # the unit is named on every printed page (a repeated header) and above the signatures
    assert (
        '<thead>\n    <tr><th class="unit" colspan="5">Alex Morgan (EDI-20458) · Unit 1 – '
        "Customer service standards</th></tr>"
    ) in html
    assert (
        '<div class="sign-block">\n<p class="unit">Unit 1 – Customer service standards</p>' in html
    )


def test_index_shows_referral_comments_and_links_packed_copies(mixed: Path) -> None:
    md = cli("matrix", str(mixed), "--form", "index", "-f", "markdown").stdout
    assert (
        "- Assessment: referred by Jo Smith on 2026-04-01\n"
        "- Assessor's comment: Add the targets \\| for Q2\n"
    ) in md
    html = cli("matrix", str(mixed), "--form", "index").stdout
    assert "2026-04-01</span><p>Add the targets | for Q2</p></td>" in html

    from evitrack.coverage import coverage
    from evitrack.records import load_portfolio

    cov = coverage(load_portfolio(mixed)[0])
    packed = {"files/standards-report.pdf": "evidence/E0001/standards report (1).pdf"}
    md = render.index(cov, None, "markdown", render.Options(packed=packed))
    assert (
        "- File: files/standards-report.pdf (copy in this pack: [evidence/E0001/standards report "
        "(1).pdf](evidence/E0001/standards%20report%20%281%29.pdf)), sha256 "
    ) in md
    html = render.index(cov, None, "html", render.Options(packed=packed))
    assert (
        '→ <a href="evidence/E0001/standards%20report%20%281%29.pdf">evidence/E0001/standards '
        "report (1).pdf</a>"
    ) in html
