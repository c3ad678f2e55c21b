"""Property tests: generated records and qualification files, valid and mutated.

- no exception escapes the CLI (check, gaps, plan; `qualification check`), whatever the bytes;
- a valid record round-trips through load and save byte for byte (hand-styled files, and
  the files `evitrack add` writes), and what it says survives the trip;
- `check` is deterministic, and its cache never changes its answer;
- the schema validator never raises on any YAML data, and messages stay printable.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString
from typer.testing import CliRunner

from effort import examples
from evitrack import catalogue, checker, yamlio
from evitrack.cli import app
from evitrack.diagnostics import printable
from evitrack.model import METHODS
from evitrack.schema import QUALIFICATION, RECORD, Validator

NCFE = "ncfe-l3-diploma-customer-service"
REG = ["--registration", "NC0042", "--units", "09"]
runner = CliRunner()
FUZZ = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
QUAL = catalogue.load(NCFE)
CHOSEN = ["01", "02", "03", "04", "05", "06", "09"]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "base"
    result = runner.invoke(
        app,
        ["init", str(root), "--qualification", NCFE, "--name", "Sam Patel", *REG],
    )
    assert result.exit_code == 0, result.output
    (root / "evidence" / "E0001.yaml").unlink()
    return root


_COUNTER = iter(range(10**9))


def fresh(base: Path, tmp_path: Path) -> Path:
    """A new copy of the portfolio per example (hypothesis reuses tmp_path)."""
    root = tmp_path / f"p{next(_COUNTER)}"
    shutil.copytree(base, root)
    return root


def calm(result: Any) -> None:
    assert "Traceback" not in result.output
    assert "internal error" not in result.output, result.output
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


# ---- strategies ------------------------------------------------------------------------------

# Text people type: any printable character, no surrogates, no control characters.
human = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2026, 1, 1))


@st.composite
def citations(draw: st.DrawFn) -> dict[str, list[str]]:
    units = draw(st.lists(st.sampled_from(CHOSEN), min_size=1, max_size=3, unique=True))
    return {
        uid: draw(
            st.lists(
                st.sampled_from([c.id for c in QUAL.units[uid].criteria]),
                min_size=1,
                max_size=5,
                unique=True,
            )
        )
        for uid in units
    }


@st.composite
def styled_records(draw: st.DrawFn) -> str:
    """A valid record as a person might style it: comments, quotes, flow or block lists."""
    data = CommentedMap()
    data["id"] = draw(st.from_regex(r"[A-Z]{1,3}[0-9]{1,5}", fullmatch=True))
    data["title"] = draw(human)
    data["date"] = draw(dates)
    methods = CommentedSeq(draw(st.lists(st.sampled_from(METHODS), min_size=1, max_size=3)))
    if draw(st.booleans()):
        methods.fa.set_flow_style()
    data["methods"] = methods
    desc = draw(st.lists(human, min_size=1, max_size=4))
    data["description"] = (
        LiteralScalarString("\n".join(desc) + "\n") if draw(st.booleans()) else desc[0]
    )
    crit = CommentedMap()
    for uid, ids in draw(citations()).items():
        seq = CommentedSeq(DoubleQuotedScalarString(c) for c in ids)
        if draw(st.booleans()):
            seq.fa.set_flow_style()
        crit[DoubleQuotedScalarString(uid)] = seq
    data["criteria"] = crit
    if draw(st.booleans()):
        data["location"] = draw(human)
    if draw(st.booleans()):
        data.yaml_set_start_comment(draw(human).replace("\n", " "))
    if draw(st.booleans()):
        data.yaml_add_eol_comment("# " + draw(human).replace("\n", " "), "title")
    y = YAML(typ="rt")
    y.width = 4096
    offset = draw(st.sampled_from([0, 2]))
    y.indent(mapping=2, sequence=offset + 2, offset=offset)
    buf = io.StringIO()
    y.dump(data, buf)
    text = buf.getvalue()
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


# ---- round trips --------------------------------------------------------------------------


@FUZZ
@given(text=styled_records())
def test_a_valid_record_round_trips_byte_for_byte(text: str) -> None:
    data = yamlio.parse(text)
    assert yamlio.dump(data, text) == text
    v = Validator("r.yaml", text)
    v.mapping(data, RECORD, (1, 1), "")
    assert v.diagnostics == []


@FUZZ
@given(
    title=human,
    description=st.text(  # control characters aside (written \x0f, re-dumped \x0F)
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")) | st.just("\n"),
        max_size=200,
    ),
    date=dates,
    methods=st.lists(st.sampled_from(METHODS), min_size=1, max_size=3, unique=True),
    criteria=citations(),
    location=st.none() | human,
)
def test_records_that_add_writes_round_trip_and_say_what_was_given(
    title: str,
    description: str,
    date: dt.date,
    methods: list[str],
    criteria: dict[str, list[str]],
    location: str | None,
) -> None:
    from evitrack.records import NewRecord, render_record

    new = NewRecord(title, date, methods, criteria, description=description, location=location)
    text = render_record("E0042", new, QUAL, schema_line=True)
    data = yamlio.parse(text)
    assert yamlio.dump(data, text) == text
    assert data["title"] == title
    assert yamlio.as_date(data["date"]) == date
    assert list(data["methods"]) == methods
    assert {k: list(v) for k, v in data["criteria"].items()} == criteria
    assert data.get("location") == location


# ---- the CLI stays calm ------------------------------------------------------------------------

HOSTILE = [*list("\t\r\n\x00\x07\x1b'\"[]{}:,&*!|>%@`#-?~"), "\ufeff", "\u202e", "ÿ", "---", "..."]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid record, then a few edits of the kind merges, editors and mail clients make."""
    text = draw(styled_records())
    raw = text.encode("utf-8")
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "duplicate", "swap", "bytes", "truncate"]))
        lines = raw.split(b"\n")
        at = draw(st.integers(0, max(0, len(raw) - 1)))
        if kind == "insert":
            token = draw(st.sampled_from(HOSTILE) | st.text(max_size=5))
            raw = raw[:at] + token.encode("utf-8", "surrogatepass") + raw[at:]
        elif kind == "delete":
            raw = raw[:at] + raw[at + draw(st.integers(1, 8)) :]
        elif kind == "duplicate" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            raw = b"\n".join(lines)
        elif kind == "swap" and len(lines) > 1:
            i = draw(st.integers(0, len(lines) - 2))
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
            raw = b"\n".join(lines)
        elif kind == "bytes":
            raw = raw[:at] + draw(st.binary(min_size=1, max_size=6)) + raw[at:]
        else:
            raw = raw[:at]
    return raw


@FUZZ
@given(raw=mutated())
def test_check_never_raises_on_a_mutated_record(
    raw: bytes, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fresh(base, tmp_path)
    (root / "evidence" / "E0007.yaml").write_bytes(raw)
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["check", "--format", "json"])
    calm(result)
    diags = json.loads(result.stdout)["diagnostics"]
    assert {d["file"] for d in diags} <= {"evidence/E0007.yaml"}
    for d in diags:  # every message is printable: no escape sequences reach the terminal
        assert printable(d["message"]) == d["message"]


@settings(max_examples=examples(300), deadline=None)
@given(raw=mutated())
def test_a_syntax_error_points_inside_the_file_and_is_said_in_words(raw: bytes) -> None:
    text = raw.decode("utf-8", "replace")
    try:
        yamlio.parse(text)
    except yamlio.YamlProblem as p:
        lines = re.split(r"\r\n|[\r\n\x85\u2028\u2029]", text)  # YAML's line breaks
        assert 1 <= p.line <= len(lines) + 1, (p.line, p.message)
        if p.line <= len(lines):
            assert 1 <= p.col <= len(lines[p.line - 1]) + 1, (p.line, p.col, p.message)
        assert p.hint, p.message
        assert "<block" not in p.message and "<stream" not in p.message, p.message


@pytest.mark.slow
@settings(
    max_examples=examples(15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=mutated())
def test_gaps_plan_and_claim_never_raise_on_a_mutated_record(
    raw: bytes, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fresh(base, tmp_path)
    (root / "evidence" / "E0007.yaml").write_bytes(raw)
    monkeypatch.chdir(root)
    for args in (["gaps"], ["plan"], ["claim", "build", "--draft", "-o", str(root / "pack")]):
        calm(runner.invoke(app, args))


@FUZZ
@given(raw=mutated() | st.binary(max_size=300))
def test_check_is_deterministic_and_its_cache_never_changes_the_answer(
    raw: bytes, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fresh(base, tmp_path)
    (root / "evidence" / "E0007.yaml").write_bytes(raw)
    monkeypatch.chdir(root)
    first = runner.invoke(app, ["check"])
    second = runner.invoke(app, ["check"])  # the cache answers now
    assert (first.exit_code, first.output) == (second.exit_code, second.output)
    today = dt.date.today()
    cold = checker.check([root], today, use_cache=False).diagnostics
    again = checker.check([root], today, use_cache=False).diagnostics
    warm = checker.check([root], today).diagnostics
    assert [d.format() for d in cold] == [d.format() for d in again] == [d.format() for d in warm]


# ---- the validator on any data ---------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=10)
    | dates
)
anything = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.integers(0, 99), inner, max_size=4)
    ),
    max_leaves=25,
)


def dump_plain(data: Any) -> str:
    y = YAML(typ="safe", pure=True)
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


@settings(max_examples=examples(150), deadline=None)
@given(
    data=st.dictionaries(
        st.sampled_from([*RECORD.keys, "junk"]) | st.text(max_size=6), anything, max_size=9
    )
)
def test_the_record_schema_never_raises(data: dict[str, Any]) -> None:
    text = dump_plain(data)
    try:
        parsed = yamlio.parse(text)
    except yamlio.YamlProblem:  # ruamel's own dumper can write what its parser refuses
        return
    v = Validator("r.yaml", text)
    v.mapping(parsed, RECORD, (1, 1), "")
    for d in v.diagnostics:
        assert d.file == "r.yaml"


@settings(max_examples=examples(100), deadline=None)
@given(data=st.dictionaries(st.sampled_from([*QUALIFICATION.keys, "junk"]), anything, max_size=8))
def test_the_qualification_schema_never_raises(data: dict[str, Any]) -> None:
    text = dump_plain(data)
    try:
        parsed = yamlio.parse(text)
    except yamlio.YamlProblem:
        return
    v = Validator("q.yaml", text)
    v.mapping(parsed, QUALIFICATION, (1, 1), "")


@given(st.text())
def test_printable_leaves_no_control_character(text: str) -> None:
    out = printable(text)
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in out)
    assert printable(out) == out
    if all(c in string.printable[:-5] for c in text):  # plain ASCII text is left alone
        assert out == text


# ---- qualification files ------------------------------------------------------------------------

RULES = [
    "min_units",
    "max_units",
    "min_credit",
    "group_units",
    "group_credit",
    "mandatory",
    "barred",
]


@st.composite
def qualification_files(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 6))
    uids = [f"U{i}" for i in range(1, n + 1)]
    units = []
    for uid in uids:
        outcomes = []
        for o in range(1, draw(st.integers(1, 3)) + 1):
            crit = [
                {"id": f"{o}.{c}", "text": draw(human)}
                for c in range(1, draw(st.integers(1, 4)) + 1)
            ]
            outcomes.append({"id": str(o), "title": draw(human), "criteria": crit})
        units.append(
            {
                "id": uid,
                "title": draw(human),
                "credit": draw(st.integers(1, 10)),
                "level": draw(st.integers(1, 4)),
                "glh": draw(st.integers(1, 60)),
                "outcomes": outcomes,
            }
        )
    rules = []
    for i, kind in enumerate(draw(st.lists(st.sampled_from(RULES), max_size=4)), 1):
        r: dict[str, Any] = {"id": f"R{i}", "kind": kind, "text": "as printed"}
        if kind in ("min_units", "max_units", "min_credit"):
            r["min" if kind != "max_units" else "max"] = draw(st.integers(0, 12))
        elif kind in ("group_units", "group_credit"):
            r["groups"] = ["A"]
            r[draw(st.sampled_from(["min", "max", "exact"]))] = draw(st.integers(0, 12))
        else:
            least = 2 if kind == "barred" else 1  # barring one unit alone is an error (E105)
            if len(uids) < least:
                continue
            r["units"] = draw(
                st.lists(st.sampled_from(uids), min_size=least, max_size=2, unique=True)
            )
        rules.append(r)
    data = {
        "format": 1,
        "id": "fuzz-award",
        "title": draw(human),
        "groups": [{"id": "A", "units": uids}],
        "units": units,
        "rules": rules,
    }
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


@pytest.mark.slow
@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=qualification_files(), cut=st.none() | st.integers(0, 2000), junk=st.sampled_from(HOSTILE)
)
def test_qualification_files_valid_or_mutated_never_crash(
    text: str,
    cut: int | None,
    junk: str,
    base: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = fresh(base, tmp_path)
    if cut is not None:
        text = text[:cut] + junk + text[cut:]
    (root / "award.yaml").write_text(text, encoding="utf-8", newline="")
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["qualification", "check", "award.yaml", "--format", "json"])
    calm(result)
    codes = {d["code"] for d in json.loads(result.stdout)["diagnostics"]}
    if cut is None:  # a generated file is well formed: only its rules may be impossible
        assert codes <= {"E505"}, codes
    (root / "evitrack.yaml").write_text(
        "qualification: award.yaml\nlearner: {name: Sam Patel, registration: NC0042}\n"
        'units: ["U1"]\n'
    )
    for args in (["check"], ["gaps"], ["plan"]):
        calm(runner.invoke(app, args))
