"""The fast path and the cache: same answers as the slow path, never a stale result."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evitrack import portfolio as pf
from evitrack.cli import app

CASES = Path(__file__).parent / "cases" / "check"
runner = CliRunner()


def _records(result: pf.LoadResult) -> list[dict[str, object]]:
    assert result.portfolio is not None
    out = []
    for r in result.portfolio.records:
        d = dataclasses.asdict(r)
        d.pop("pos")
        out.append(d)
    return out


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_fast_and_slow_paths_agree(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "p"
    shutil.copytree(CASES / case, work, ignore=shutil.ignore_patterns("expected.txt"))
    monkeypatch.chdir(work)
    slow = pf.load(work, use_cache=False, fast=False)
    fast = pf.load(work, use_cache=False, fast=True)
    cached_cold = pf.load(work, use_cache=True)
    cached_warm = pf.load(work, use_cache=True)
    for other in (fast, cached_cold, cached_warm):
        assert other.diagnostics == slow.diagnostics
        assert [d.hint for d in other.diagnostics] == [d.hint for d in slow.diagnostics]
        if slow.portfolio is not None:
            assert _records(other) == _records(slow)
    # what `check` asks for: evitrack.yaml by the fast parser, stored records by summary
    uncached = pf.load(work, use_cache=False, records=False)
    summaries = pf.load(work, use_cache=True, records=False)
    for other in (uncached, summaries):
        assert other.diagnostics == slow.diagnostics
        assert [d.hint for d in other.diagnostics] == [d.hint for d in slow.diagnostics]
        assert other.qualification == (slow.portfolio and slow.portfolio.qualification)


def _portfolio(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    shutil.copytree(CASES / "01_clean", root, ignore=shutil.ignore_patterns("expected.txt"))
    return root


def check(root: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["check", str(root), "--quiet"])
    return result.exit_code, result.stdout


def test_cache_is_used_and_git_ignored(tmp_path: Path) -> None:
    root = _portfolio(tmp_path)
    assert check(root) == (0, "")
    assert (root / ".evitrack-cache" / ".gitignore").read_text() == "*\n"
    assert (root / ".evitrack-cache" / "check.json").exists()
    assert _stored(root) == ["evidence/E0001.yaml"]
    assert (
        "files/obs.pdf"
        in json.loads((root / ".evitrack-cache" / "records.json").read_text())["hashes"]
    )


def _stored(root: Path) -> list[str]:
    """The record files whose results the store holds."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(root / ".evitrack-cache" / "records.sqlite")) as db:
        return [name for (name,) in db.execute("SELECT name FROM records ORDER BY name")]


def test_a_record_changed_to_the_same_size_and_mtime_is_seen(tmp_path: Path) -> None:
    root = _portfolio(tmp_path)
    assert check(root) == (0, "")
    record = root / "evidence" / "E0001.yaml"
    st = record.stat()
    text = record.read_text()
    broken = text.replace('"1.2"', '"1.9"')
    assert len(broken) == len(text)
    record.write_text(broken)
    os.utime(record, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
    code, out = check(root)
    assert code == 1
    assert 'error[E203]: unit 09 has no criterion "1.9"' in out


def test_an_attachment_changed_after_a_clean_check_is_seen(tmp_path: Path) -> None:
    root = _portfolio(tmp_path)
    assert check(root) == (0, "")
    (root / "files" / "obs.pdf").write_bytes(b"%PDF-1.4 tampered\n")
    code, out = check(root)
    assert code == 1
    assert "error[E303]" in out


def test_a_new_record_and_a_changed_portfolio_file_are_seen(tmp_path: Path) -> None:
    root = _portfolio(tmp_path)
    assert check(root) == (0, "")
    (root / "evidence" / "E0002.yaml").write_text("id: E0001\n")
    code, out = check(root)
    assert code == 1 and "E102" in out
    (root / "evidence" / "E0002.yaml").unlink()
    assert check(root) == (0, "")
    port = root / "evitrack.yaml"
    port.write_text(port.read_text().replace('"09"]', '"10"]'))
    code, out = check(root)
    assert code == 1 and "error[E204]: evidence cites unit 09" in out


def test_a_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    root = _portfolio(tmp_path)
    assert check(root) == (0, "")
    for f in (root / ".evitrack-cache").glob("*.json"):
        f.write_text('{"format": "1:0.1.0", "records": {"evidence/E0001.yaml": [[1], ')
    assert check(root) == (0, "")
    shutil.rmtree(root / ".evitrack-cache")
    assert check(root) == (0, "")


def _places(data: object, at: str = "") -> Iterator[tuple[str, object]]:
    """Where each mapping and list, key, value and item of loaded data starts, as yamlio
    tells it. Of an empty value, only the line: in a flow mapping (`{a: , b: 1}`) the
    round-trip parser places it at the token after it, libyaml where it would be."""
    from evitrack import yamlio

    if isinstance(data, dict):
        yield at, yamlio.node_pos(data)
        for key, value in data.items():
            yield f"{at}/{key} key", yamlio.key_pos(data, key)
            place = yamlio.value_pos(data, key)
            yield f"{at}/{key} value", place if value is not None or not place else place[0]
            yield from _places(value, f"{at}/{key}")
    elif isinstance(data, list):
        yield at, yamlio.node_pos(data)
        for i, item in enumerate(data):
            yield f"{at}[{i}]", yamlio.item_pos(data, i)
            yield from _places(item, f"{at}[{i}]")


@pytest.mark.parametrize(
    "where",
    ["examples", pytest.param("tests", marks=pytest.mark.slow)],  # 300 odd files: CI's
)
def test_the_fast_loader_places_every_key_value_and_item_as_ruamel_does(where: str) -> None:
    """The places a clean file's data is shown at (an OTJ entry's line, a review's) come
    from libyaml's marks; each is the round-trip parser's, over every YAML file of the
    examples and the shipped apprenticeship rules, and of the tests' cases in CI."""
    from evitrack import fastyaml, yamlio

    top = Path(__file__).parents[1]
    found = [*top.glob(f"{where}/**/*.yaml")]
    if where == "examples":  # rules with flow mappings
        found += [*(top / "src" / "evitrack" / "apprenticeship").glob("*.yaml")]
    compared = 0
    for path in sorted(found):
        try:
            text = path.read_text(encoding="utf-8")
            fast = fastyaml.parse(text, placed=True)
            slow = yamlio.parse(text)
        except (fastyaml.Fallback, yamlio.YamlProblem, UnicodeDecodeError):
            continue  # a file libyaml leaves to the round-trip parser is placed by it alone
        assert dict(_places(fast)) == dict(_places(slow)), path
        compared += 1
    assert compared > 100


def test_the_fast_loader_resolves_scalars_as_ruamel_does() -> None:
    """fastyaml keeps a copy of ruamel's YAML 1.2 resolvers; they must not drift apart."""
    import re

    from ruamel.yaml.resolver import implicit_resolvers

    from evitrack import fastyaml

    theirs = {
        tag.rsplit(":", 1)[1]: re.sub(r"\s", "", regexp.pattern)
        for versions, tag, regexp, _ in implicit_resolvers
        if (1, 2) in versions
        and tag.rsplit(":", 1)[1] in ("bool", "float", "int", "null", "timestamp", "merge")
    }
    ours = {kind: re.sub(r"\s", "", pattern) for kind, pattern, _ in fastyaml._RESOLVERS_1_2}
    assert ours == theirs


# ---- every memo is keyed on everything its answer depends on ---------------------------------

CENTRE = """\
format: 1
id: centre-award
title: Centre award
awarding_body: A centre
include:
  - from: {lib}
units:
  - id: "U1"
    title: Unit U1
    credit: 3
    outcomes:
      - {{id: "1", title: One, criteria: [{{id: "1.1", text: Do it}}, {{id: "1.2", text: Do more}}]}}
rules:
  - {{id: R1, kind: min_units, min: 1, text: as printed}}
"""

LIBRARY = """\
format: 1
kind: units
id: centre-library
title: A centre's units
units:
  - id: "L1"
    title: Library unit
    credit: 3
    outcomes:
      - {id: "1", title: One, criteria: [{id: "1.1", text: Do it}, {id: "1.2", text: Do more}]}
"""

CENTRE_RECORD = """\
id: E0001
title: Observed at work
date: 2026-03-14
methods: [observation]
description: Served a customer at the counter.
criteria:
  "U1": ["1.1", "1.2"]
  "L1": ["1.1", "1.2"]
"""


def _centre_portfolio(tmp_path: Path, folder: str) -> Path:
    """A portfolio on a centre's qualification file in `folder`, which includes a library."""
    root = tmp_path / "p"
    (root / folder).mkdir(parents=True)
    (root / folder / "centre.yaml").write_text(CENTRE.format(lib="./lib.yaml"))
    (root / folder / "lib.yaml").write_text(LIBRARY)
    (root / "evitrack.yaml").write_text(
        f"qualification: {folder}/centre.yaml\n"
        'learner: {name: Sam Patel, registration: NC0042}\nunits: ["U1", "L1"]\n'
    )
    (root / "evidence").mkdir()
    (root / "evidence" / "E0001.yaml").write_text(CENTRE_RECORD)
    return root


def _settled() -> None:
    """Let two seconds pass: a file changed within two seconds of a cached answer is read
    again whatever its stat says (see test_a_same_size_edit_in_the_second...), so what
    decides below is the key of the answer itself."""
    time.sleep(2.1)


BUILDERS: dict[str, Callable[[Path], object]] = {}


def built_before(build: Callable[[Path], object]) -> Callable[[Path], object]:
    """Register `build` (named after its test) to make that test's tree in the `settled`
    fixture, so that the module waits two seconds once rather than once a test."""
    BUILDERS[build.__name__.lstrip("_")] = build
    return build


# the tests below that start from the clean portfolio as it is
BUILDERS.update(
    dict.fromkeys(["attachment_changed", "folder_turned_link", "summary_not_served"], _portfolio)
)


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The folder each registered builder made its tree in, the whole lot `_settled()`."""
    trees = {name: tmp_path_factory.mktemp(name[:40]) for name in BUILDERS}
    for name, build in BUILDERS.items():
        build(trees[name])
    _settled()
    return trees


QUALIFICATION_EDITS = [(f, n) for f in ("quals", "out") for n in ("centre.yaml", "lib.yaml")]


@built_before
def _edited_qualification(tmp_path: Path) -> list[Path]:
    return [_centre_portfolio(tmp_path / str(i), f) for i, (f, _) in enumerate(QUALIFICATION_EDITS)]


def test_an_edited_qualification_file_or_include_is_seen(settled: dict[str, Path]) -> None:
    cases = QUALIFICATION_EDITS  # out/ was left out of the old stat walk
    roots = [settled["edited_qualification"] / str(i) / "p" for i in range(len(cases))]
    for root in roots:
        assert check(root) == (0, "")
    for root, (folder, name) in zip(roots, cases, strict=True):
        edited = root / folder / name
        edited.write_text(edited.read_text().replace('{id: "1.2", text: Do more}', ""))
        unit = "U1" if name == "centre.yaml" else "L1"
        code, out = check(root)
        assert code == 1, (folder, name)
        assert f'error[E203]: unit {unit} has no criterion "1.2"' in out


def test_the_code_fingerprint_covers_every_file_of_the_program(tmp_path: Path) -> None:
    from evitrack import cache

    copy = tmp_path / "evitrack"
    shutil.copytree(Path(cache.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    first, latest = cache.tree_fingerprint([copy])
    assert cache.tree_fingerprint([copy]) == (first, latest)
    assert latest == max(
        max(p.stat().st_mtime_ns, p.stat().st_ctime_ns) for p in copy.rglob("*") if p.is_file()
    )
    (copy / "__pycache__").mkdir()
    (copy / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert cache.tree_fingerprint([copy])[0] == first
    seen = {first}
    for edited in ("portfolio.py", "catalogue/ncfe-l3-diploma-customer-service.yaml"):
        (copy / edited).write_bytes((copy / edited).read_bytes() + b"\n")
        seen.add(cache.tree_fingerprint([copy])[0])
    (copy / "planner.py").rename(copy / "planner2.py")
    seen.add(cache.tree_fingerprint([copy])[0])
    assert len(seen) == 4
    assert cache.code_fingerprint() == cache.tree_fingerprint(
        [
            Path(cache.__file__).resolve().parent,
            Path(cache.__file__).resolve().parents[2] / "templates",
        ]
    )


@pytest.mark.slow
def test_an_edited_shipped_qualification_or_another_copy_of_the_program_is_seen(
    tmp_path: Path,
) -> None:
    """Two copies of the program that both say the same version: each answer is its own."""
    import subprocess
    import sys

    from evitrack import cache

    site = tmp_path / "site"
    shutil.copytree(
        Path(cache.__file__).parent, site / "evitrack", ignore=shutil.ignore_patterns("__pycache__")
    )
    root = _portfolio(tmp_path)

    def run() -> tuple[int, str]:
        env = {**os.environ, "PYTHONPATH": str(site)}
        cmd = [sys.executable, "-m", "evitrack", "check", str(root), "--quiet"]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        return proc.returncode, proc.stdout

    _settled()
    assert run() == (0, "")
    shipped = site / "evitrack" / "catalogue" / "ncfe-l3-diploma-customer-service.yaml"
    text = shipped.read_text()
    start = text.index('\n  - id: "09"')
    unit_09 = text[start : text.index('\n  - id: "', start + 1)]
    shipped.write_text(text.replace(unit_09, unit_09.replace('id: "1.2"', 'id: "1.8"', 1)))
    code, out = run()
    assert code == 1
    assert 'error[E203]: unit 09 has no criterion "1.2"' in out


def test_the_date_is_part_of_every_answer(tmp_path: Path) -> None:
    import datetime as dt

    from evitrack.checker import check as run

    root = _portfolio(tmp_path)
    before = run([root], today=dt.date(2026, 3, 1))  # the record is dated 2026-03-14
    assert [d.code for d in before.diagnostics] == ["W402"]
    assert run([root], today=dt.date(2026, 3, 20)).diagnostics == []
    assert [d.code for d in run([root], today=dt.date(2026, 3, 1)).diagnostics] == ["W402"]


# ---- the memo covers every attachment, and distrusts a stat as old as the answer --------------


def _attach(root: Path, written: str, target: Path) -> None:
    """Attach `target` (already in place) to E0001 as `written`, with its sha256."""
    import hashlib

    record = root / "evidence" / "E0001.yaml"
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    text = record.read_text().replace("  - path: files/obs.pdf", f"  - path: {written}")
    record.write_text(text.replace(text.split("sha256: ")[1].split()[0], digest))


ATTACHED_AT = ["out/obs.pdf", "./out//obs.pdf", ".git/obs.pdf", "files/linked/obs.pdf"]


@built_before
def _attachment_anywhere(tmp_path: Path) -> None:
    for i, written in enumerate(ATTACHED_AT):
        root = _portfolio(tmp_path / str(i))
        folder = root / ".git" if written.startswith(".git") else root / "out"
        folder.mkdir()
        (folder / "obs.pdf").write_bytes(b"%PDF-1.4 original\n")
        if "linked" in written:  # a folder reached through a link
            (root / "files" / "linked").symlink_to(root / "out")
        _attach(root, written, folder / "obs.pdf")


def test_an_attachment_anywhere_in_the_portfolio_is_covered(settled: dict[str, Path]) -> None:
    cases = ATTACHED_AT
    roots = [settled["attachment_anywhere"] / str(i) / "p" for i in range(len(cases))]
    for root in roots:
        assert check(root) == (0, "")
    for root, written in zip(roots, cases, strict=True):
        folder = root / ".git" if written.startswith(".git") else root / "out"
        (folder / "obs.pdf").write_bytes(b"%PDF-1.4 tampered\n")
        code, out = check(root)
        assert code == 1, written
        assert f'error[E303]: attached file "{written}" has changed since it was recorded' in out


def _coarse(path: Path, second: int) -> None:
    """Give `path` the whole-second mtime a filesystem with one-second timestamps keeps."""
    os.utime(path, ns=(second * 10**9, second * 10**9))


def _as_if_coarse(root: Path) -> None:
    """What a filesystem keeping whole seconds shows after a same-size edit in the second of
    the last check: every stat as it was. Here ctime moves on, so put the stats the cache
    holds to what they are now: the cache then sees nothing by stat."""
    import datetime as dt

    from evitrack import cache

    folder = root / ".evitrack-cache"
    memo = json.loads((folder / "check.json").read_text())
    memo["walk"] = cache.Memo.open(root, "check", dt.date.today()).walk
    (folder / "check.json").write_text(json.dumps(memo))
    records = json.loads((folder / "records.json").read_text())
    for rel, entry in records["hashes"].items():
        entry[0] = cache.stat_key(root / rel)
    (folder / "records.json").write_text(json.dumps(records))


def test_a_same_size_edit_in_the_second_of_the_last_check_is_seen(tmp_path: Path) -> None:
    import time

    root = _portfolio(tmp_path)
    record, attachment = root / "evidence" / "E0001.yaml", root / "files" / "obs.pdf"
    second = int(time.time())
    for path in (record, attachment):
        _coarse(path, second)
    assert check(root) == (0, "")
    record.write_text(record.read_text().replace('"1.2"', '"1.9"'))
    attachment.write_bytes(attachment.read_bytes().replace(b"%PDF", b"%PDX"))
    for path in (record, attachment):
        _coarse(path, second)
    _as_if_coarse(root)
    code, out = check(root)
    assert code == 1
    assert 'error[E203]: unit 09 has no criterion "1.9"' in out
    assert 'error[E303]: attached file "files/obs.pdf" has changed' in out


def test_an_attachment_hashed_in_the_second_it_changed_is_hashed_again(tmp_path: Path) -> None:
    """The hash cache alone (no memo): an entry is trusted only for a file older than it."""
    import time

    root = _portfolio(tmp_path)
    attachment = root / "files" / "obs.pdf"
    second = int(time.time())
    _coarse(attachment, second)
    assert check(root) == (0, "")
    attachment.write_bytes(attachment.read_bytes().replace(b"%PDF", b"%PDX"))
    _coarse(attachment, second)
    _as_if_coarse(root)
    (root / ".evitrack-cache" / "check.json").unlink()
    code, out = check(root)
    assert code == 1
    assert 'error[E303]: attached file "files/obs.pdf" has changed' in out


# ---- the cache is untrusted input ------------------------------------------------------------


@pytest.fixture
def deadline() -> object:
    """Fail, never hang: a blocked read of a pipe would otherwise stop the suite."""
    import signal

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError("evitrack blocked on a cache file")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _check_all(root: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["check", str(root)])
    return result.exit_code, result.stdout, result.stderr


def _bad_cache(root: Path, name: str, how: str) -> None:
    bad = root / ".evitrack-cache" / name
    bad.unlink()
    if how == "fifo":
        os.mkfifo(bad)
    elif how == "zero":
        bad.symlink_to("/dev/zero")
    elif how == "nested":
        bad.write_text("[" * 200_000 + "]" * 200_000)
    elif how == "oversize":
        with bad.open("wb") as fh:
            fh.truncate((256 << 20) + 1)  # sparse: nothing is written to the disk


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("fifo", "is not a regular file"),
        ("zero", "is a link"),
        ("nested", "is not valid JSON"),
        ("oversize", "is larger than 256 MB"),
    ],
)
@pytest.mark.parametrize("name", ["records.json", "check.json"])
def test_a_bad_cache_file_is_discarded_with_a_note(
    tmp_path: Path, deadline: object, name: str, how: str, why: str
) -> None:
    root = _portfolio(tmp_path)
    assert check(root) == (0, "")
    _bad_cache(root, name, how)
    if name == "records.json":
        (root / "evidence" / "E0001.yaml").write_text(
            (root / "evidence" / "E0001.yaml").read_text().replace('"1.2"', '"1.9"')
        )  # so that the records are loaded again
    code, out, err = _check_all(root)
    shown = os.path.relpath(root / ".evitrack-cache" / name)
    note = f"note: {shown} {why}: evitrack did not use it and will replace it\n"
    if name == "records.json":
        assert (code, err.count(note)) == (1, 1)
        assert 'error[E203]: unit 09 has no criterion "1.9"' in out
    else:
        assert (code, out, err) == (0, "", note + "ok: 1 portfolio checked, no problems\n")
    replaced = root / ".evitrack-cache" / name
    assert not replaced.is_symlink() and replaced.stat().st_size < 100_000
    assert isinstance(json.loads(replaced.read_text()), dict)
    assert _check_all(root)[2].count("note:") == 0


def test_a_bad_cache_is_noted_when_evitrack_yaml_is_read_again_for_a_problem(
    tmp_path: Path,
) -> None:
    root = _portfolio(tmp_path)
    port = root / "evitrack.yaml"
    port.write_text(port.read_text().replace("units:", "unitz: 1\nunits:"))
    assert check(root)[0] == 1
    _bad_cache(root, "records.json", "nested")
    record = root / "evidence" / "E0001.yaml"
    record.write_text(record.read_text().replace('"1.2"', '"1.9"'))  # loaded again: hashed
    code, out, err = _check_all(root)
    shown = os.path.relpath(root / ".evitrack-cache" / "records.json")
    assert (
        code == 1 and "error[E101]" in out and 'error[E203]: unit 09 has no criterion "1.9"' in out
    )
    assert err.count(f"note: {shown} is not valid JSON: evitrack did not use it") == 1


def test_the_cache_is_never_written_through_a_link(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = _portfolio(tmp_path)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    folder = root / ".evitrack-cache"
    folder.mkdir()
    names = (".gitignore", "records.json", "check.json", "records.sqlite", "records.sqlite-journal")
    for name in names:
        (folder / name).symlink_to(elsewhere / name)  # dangling: a write would create it
    assert check(root) == (0, "")
    assert sorted(p.name for p in elsewhere.iterdir()) == []
    for name in names[:4]:
        assert not (folder / name).is_symlink()
    assert (folder / ".gitignore").read_text() == "*\n"
    assert check(root) == (0, "")


def test_a_cache_folder_that_is_a_link_or_a_file_is_never_used(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = _portfolio(tmp_path)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (root / ".evitrack-cache").symlink_to(elsewhere / "cache")  # dangling
    assert check(root) == (0, "")
    (root / ".evitrack-cache").unlink()
    (root / ".evitrack-cache").symlink_to(elsewhere, target_is_directory=True)
    assert check(root) == (0, "")
    (root / ".evitrack-cache").unlink()
    (root / ".evitrack-cache").write_text("not a folder")
    assert check(root) == (0, "")
    assert list(elsewhere.iterdir()) == []
    assert (root / ".evitrack-cache").read_text() == "not a folder"


# ---- a cached answer reads the same from any folder ------------------------------------------


@built_before
def _cached_messages(tmp_path: Path) -> None:
    root = _portfolio(tmp_path)
    shutil.copy(root / "evidence" / "E0001.yaml", root / "evidence" / "E0001-copy.yaml")


def test_cached_messages_name_files_from_the_current_folder(
    settled: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = settled["cached_messages"]
    root = tmp_path / "p"
    where = {
        root: (
            "evidence/E0001.yaml:1:5: error[E106]: "
            'record id "E0001" is also used by evidence/E0001-copy.yaml\n'
        ),
        root / "evidence": (
            'E0001.yaml:1:5: error[E106]: record id "E0001" is also used by E0001-copy.yaml\n'
        ),
        tmp_path: (
            "p/evidence/E0001.yaml:1:5: error[E106]: "
            'record id "E0001" is also used by p/evidence/E0001-copy.yaml\n'
        ),
    }
    hint = "    hint: give each record its own id (`evitrack add` picks the next free one)\n"
    for _ in range(2):  # computed in each folder, then served from the cache in each
        for folder, expected in where.items():
            monkeypatch.chdir(folder)
            result = runner.invoke(app, ["check", str(root), "--quiet"])
            assert (result.exit_code, result.stdout) == (1, expected + hint)
            result = runner.invoke(app, ["check", str(root), "--format", "json"])
            shown = json.loads(result.stdout)["diagnostics"][0]
            file, _, message = expected.rstrip("\n").partition(":1:5: error[E106]: ")
            assert (shown["file"], shown["message"]) == (file, message)
    assert "p/evidence" not in (root / ".evitrack-cache" / "check.json").read_text()


def _caseload(caseload: Path, names: tuple[str, ...]) -> None:
    for name in names:
        shutil.copytree(
            CASES / "01_clean", caseload / name, ignore=shutil.ignore_patterns("expected.txt")
        )


@built_before
def _cached_caseload(tmp_path: Path) -> None:
    _caseload(tmp_path / "caseload", ("amy", "ben"))
    (tmp_path / "caseload" / "amy" / "files" / "obs.pdf").write_bytes(b"%PDF-1.4 tampered\n")


def test_a_cached_caseload_names_files_from_the_current_folder(
    settled: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = settled["cached_caseload"]
    caseload = tmp_path / "caseload"

    def where(folder: Path) -> list[object]:
        monkeypatch.chdir(folder)
        result = runner.invoke(app, ["gaps", str(caseload), "--format", "json"])
        amy = json.loads(result.stdout)["portfolios"][0]
        return [amy["path"], *(f["where"] for f in amy["findings"] if f["code"] == "E303")]

    for _ in range(2):  # computed, then served from the cache
        assert where(tmp_path) == ["caseload/amy", "caseload/amy/evidence/E0001.yaml:10"]
        assert where(caseload / "amy" / "files") == ["..", "../evidence/E0001.yaml:10"]


# ---- the record store: each record's result, written as records change ---------------------


def _rows(root: Path) -> dict[str, tuple[str, int]]:
    """name -> (digest, when computed) of every row of the record store."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(root / ".evitrack-cache" / "records.sqlite")) as db:
        return {n: (d, s) for n, d, s in db.execute("SELECT name, digest, started FROM records")}


def _no_memo(root: Path) -> tuple[int, str]:
    """`check` with the whole answer forgotten, so that every record is looked at."""
    (root / ".evitrack-cache" / "check.json").unlink(missing_ok=True)
    return check(root)


EDITED = (
    'evidence/E0001.yaml:8:17: error[E203]: unit 09 has no criterion "1.9"\n'
    "    hint: did you mean 09/2.9?\n"
)


@built_before
def _store_follows(tmp_path: Path) -> None:
    record = _portfolio(tmp_path) / "evidence" / "E0001.yaml"
    second = record.with_name("E0002.yaml")
    second.write_text(record.read_text().replace("E0001", "E0002").replace('"1.2"', '"1.3"'))


def test_the_store_follows_records_edited_added_deleted_and_renamed(
    settled: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = settled["store_follows"] / "p"  # settled: the attachment's stat can be trusted
    monkeypatch.chdir(root)
    second = root / "evidence" / "E0002.yaml"
    assert _no_memo(root) == (0, "")
    first = _rows(root)
    assert sorted(first) == ["evidence/E0001.yaml", "evidence/E0002.yaml"]

    second.write_text(second.read_text().replace('"1.3"', '"1.9"'))  # edited
    assert _no_memo(root) == (1, EDITED.replace("E0001", "E0002"))
    now = _rows(root)
    assert now["evidence/E0001.yaml"] == first["evidence/E0001.yaml"]  # only the edited row
    assert now["evidence/E0002.yaml"] != first["evidence/E0002.yaml"]

    second.rename(root / "evidence" / "E0003.yaml")  # renamed: the old row goes
    assert _no_memo(root) == (1, EDITED.replace("E0001", "E0003"))
    assert sorted(_rows(root)) == ["evidence/E0001.yaml", "evidence/E0003.yaml"]

    (root / "evidence" / "E0004.yaml").write_text("id: E0001\n")  # added
    code, out = _no_memo(root)
    assert code == 1 and 'evidence/E0004.yaml:1:5: error[E106]: record id "E0001"' in out
    (root / "evidence" / "E0003.yaml").unlink()  # deleted
    (root / "evidence" / "E0004.yaml").unlink()
    assert _no_memo(root) == (0, "")
    assert sorted(_rows(root)) == ["evidence/E0001.yaml"]


@pytest.mark.parametrize("records", [True, False])  # False: served by summary, as to `check`
def test_a_stored_result_answers_to_the_date_and_the_portfolio_file(
    tmp_path: Path, records: bool
) -> None:
    import datetime as dt

    root = _portfolio(tmp_path)

    def codes(day: dt.date) -> list[str]:
        return [d.code for d in pf.load(root, today=day, records=records).diagnostics]

    assert codes(dt.date(2026, 3, 1)) == ["W402"]  # dated 2026-03-14: in the future
    assert codes(dt.date(2026, 3, 20)) == []
    assert codes(dt.date(2026, 3, 1)) == ["W402"]
    port = root / "evitrack.yaml"
    port.write_text(port.read_text() + "settings:\n  currency_years: 1\n")
    assert codes(dt.date(2028, 1, 1)) == ["W403"]
    port.write_text(port.read_text().replace('"09"]', '"10"]'))
    assert codes(dt.date(2026, 3, 20)) == ["E204"]


def test_an_attachment_changed_under_a_stored_result_is_seen(settled: dict[str, Path]) -> None:
    root = settled["attachment_changed"] / "p"
    assert _no_memo(root) == (0, "")
    attached = root / "files" / "obs.pdf"
    moved = root / "files" / "moved.pdf"
    attached.rename(moved)
    code, out = _no_memo(root)
    assert code == 1 and 'error[E301]: attached file "files/obs.pdf" does not exist' in out
    attached.symlink_to(moved)  # now a link inside the portfolio: the same bytes
    assert _no_memo(root) == (0, "")
    attached.unlink()
    os.link(moved, attached)  # a hard link: refused
    code, out = _no_memo(root)
    assert code == 1 and "is a hard link (2 names for one file)" in out


def test_a_folder_on_an_attachments_way_turned_into_a_link_is_seen(
    settled: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored result of a record follows each name on its attachment's way, not only
    the file: a folder that becomes a link, same bytes behind it, is looked at again."""
    tmp_path = settled["folder_turned_link"]
    root = tmp_path / "p"
    monkeypatch.chdir(root)
    assert _no_memo(root) == (0, "")
    outside = tmp_path / "elsewhere"
    (root / "files").rename(outside)
    (root / "files").symlink_to(outside)
    code, out = _no_memo(root)
    assert (code, out) == (
        1,
        'evidence/E0001.yaml:10:5: error[E302]: attached file "files/obs.pdf" is a link '
        "that leads outside the portfolio\n"
        "    hint: copy the file into the portfolio's files/ folder and give its relative path\n",
    )
    (root / "files").unlink()
    (root / "files").mkdir()
    (root / "files" / "obs.pdf").symlink_to(root / "evidence" / "E0001.yaml")  # other bytes
    code, out = _no_memo(root)
    assert code == 1 and "error[E303]" in out


@built_before
def _only_summaries(tmp_path: Path) -> None:
    record = _portfolio(tmp_path) / "evidence" / "E0001.yaml"
    record.with_name("E0002.yaml").write_text(record.read_text().replace("E0001", "E0002"))


def test_check_reads_only_the_summaries_of_records_that_did_not_change(
    settled: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    root = settled["only_summaries"] / "p"
    monkeypatch.chdir(root)
    second = root / "evidence" / "E0002.yaml"
    assert _no_memo(root) == (0, "")
    first = _rows(root)
    store = root / ".evitrack-cache" / "records.sqlite"
    with contextlib.closing(sqlite3.connect(store)) as db, db:  # a full result `check` never reads
        db.execute("UPDATE records SET value = 'not JSON' WHERE name = 'evidence/E0001.yaml'")

    second.write_text(second.read_text().replace("id: E0002", "id: E0001"))  # edited: a twin
    code, out = _no_memo(root)
    assert code == 1
    assert out.startswith(
        'evidence/E0002.yaml:1:5: error[E106]: record id "E0001" is also used by '
        "evidence/E0001.yaml\n"
    )
    now = _rows(root)
    assert now["evidence/E0001.yaml"] == first["evidence/E0001.yaml"]  # served, not redone
    assert now["evidence/E0002.yaml"] != first["evidence/E0002.yaml"]
    # a command that needs the records in full finds the bad row and checks the record again
    assert pf.load(root).diagnostics[0].code == "E106"
    assert _rows(root)["evidence/E0001.yaml"] != first["evidence/E0001.yaml"]


def test_a_summary_is_not_served_once_its_attachment_or_date_says_otherwise(
    settled: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    root = settled["summary_not_served"] / "p"
    monkeypatch.chdir(root)
    warm = lambda day: pf.load(root, today=day, records=False).diagnostics  # noqa: E731
    assert [d.code for d in warm(dt.date(2026, 3, 20))] == []
    assert [d.code for d in warm(dt.date(2026, 3, 20))] == []  # served by summary
    assert [d.code for d in warm(dt.date(2026, 3, 1))] == ["W402"]  # the date says otherwise
    (root / "files" / "obs.pdf").write_bytes(b"%PDF-1.4 tampered\n")
    assert [d.code for d in warm(dt.date(2026, 3, 20))] == ["E303"]


def test_check_reads_a_clean_portfolio_file_without_the_round_trip_parser(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    root = _portfolio(tmp_path)
    probe = (
        "import sys\nfrom evitrack.portfolio import load\n"
        "r = load(__import__('pathlib').Path(sys.argv[1]), records=False)\n"
        "print([(d.code, d.line, d.col) for d in r.diagnostics], 'ruamel.yaml' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(pf.__file__).parents[1])}

    def loaded() -> str:
        cmd = [sys.executable, "-c", probe, str(root)]
        return subprocess.run(cmd, capture_output=True, text=True, env=env).stdout.strip()

    assert loaded() == "[] False"
    port = root / "evitrack.yaml"
    port.write_text(port.read_text().replace("units:", "unitz: 1\nunits:"))
    assert loaded() == "[('E101', 6, 1)] True"  # a problem: read again, for its position


@pytest.mark.parametrize("how", ["garbage", "truncated", "wrong rows", "a folder"])
def test_a_corrupt_or_truncated_store_is_rebuilt_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    import sqlite3

    root = _portfolio(tmp_path)
    monkeypatch.chdir(root)
    record = root / "evidence" / "E0001.yaml"
    record.write_text(record.read_text().replace('"1.2"', '"1.9"'))
    assert _no_memo(root) == (1, EDITED)
    store = root / ".evitrack-cache" / "records.sqlite"
    if how == "garbage":
        store.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    elif how == "truncated":
        store.write_bytes(store.read_bytes()[:1500])
    elif how == "wrong rows":  # valid sqlite, rows of the wrong shape, claiming the record clean
        with contextlib.closing(sqlite3.connect(store)) as db, db:
            db.execute("UPDATE records SET value = '{\"record\": 1}'")
    else:
        store.unlink()
        store.mkdir()
    for _ in range(2):
        result = runner.invoke(app, ["check", str(root), "--quiet"])
        (root / ".evitrack-cache" / "check.json").unlink()
        assert (result.exit_code, result.stdout, result.stderr) == (1, EDITED, "")
    if how != "a folder":
        assert sorted(_rows(root)) == ["evidence/E0001.yaml"]


@pytest.mark.slow
def test_two_checks_at_once_share_the_store(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = _portfolio(tmp_path)
    record = root / "evidence" / "E0001.yaml"
    for i in range(2, 60):
        text = record.read_text().replace("E0001", f"E{i:04d}")
        (root / "evidence" / f"E{i:04d}.yaml").write_text(text)
    cmd = [sys.executable, "-m", "evitrack", "check", str(root), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(Path(pf.__file__).parents[1])}
    for _ in range(2):
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env) for _ in range(3)]
        assert [(p.wait(60), p.stdout.read() if p.stdout else b"") for p in procs] == [(0, b"")] * 3
        for p in procs:
            if p.stdout:
                p.stdout.close()
        (root / ".evitrack-cache" / "check.json").unlink()
    assert len(_rows(root)) == 59


@built_before
def _caseload_spelt(tmp_path: Path) -> None:
    _caseload(tmp_path / "caseload", ("amy", "ben", "cat", "dan"))
    (tmp_path / "link").symlink_to(tmp_path, target_is_directory=True)


def test_a_caseload_is_served_from_its_cache_however_the_folder_is_spelt(
    settled: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = settled["caseload_spelt"]
    caseload = tmp_path / "caseload"
    monkeypatch.chdir(tmp_path)
    spellings = ["caseload", str(caseload), "caseload/", "./caseload//", "link/caseload"]
    first = runner.invoke(app, ["gaps", spellings[0], "--format", "json"])
    memos = sorted(caseload.glob("*/.evitrack-cache/gaps.json"))
    assert len(memos) == 4
    kept = [(m.read_bytes(), m.stat().st_mtime_ns) for m in memos]
    for spelt in spellings[1:]:
        again = runner.invoke(app, ["gaps", spelt, "--format", "json"])
        shown = again.stdout.replace('"link/caseload/', '"caseload/')
        assert (again.exit_code, shown) == (first.exit_code, first.stdout), spelt
        assert [(m.read_bytes(), m.stat().st_mtime_ns) for m in memos] == kept, spelt


@built_before
def _served_from_memo(tmp_path: Path) -> None:
    record = _portfolio(tmp_path) / "evidence" / "E0001.yaml"
    record.write_text(
        record.read_text()
        + "assessment:\n  decision: referred\n  assessor: Jo Smith\n  date: 2026-03-20\n"
        + "  comment: Say how you checked the refund policy.\n"
    )


def test_one_portfolio_s_gaps_and_status_are_served_from_its_memo(
    settled: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = settled["served_from_memo"] / "p"
    monkeypatch.chdir(root)
    record = root / "evidence" / "E0001.yaml"
    referral = "E0001 referred by Jo Smith on 2026-03-20: Say how you checked the refund policy."
    outputs = []
    for _ in range(2):  # computed and kept, then served from the memo
        gaps = runner.invoke(app, ["gaps"])
        status = runner.invoke(app, ["status", "--format", "json"])
        assert gaps.exit_code == 1 and referral in gaps.stdout
        outputs.append((gaps.stdout, status.stdout))
    assert outputs[0] == outputs[1]
    assert (root / ".evitrack-cache" / "gaps.json").exists()
    record.write_text(record.read_text().replace("Jo Smith", "Sam Lee"))
    assert referral.replace("Jo Smith", "Sam Lee") in runner.invoke(app, ["gaps"]).stdout


@built_before
def _kept_answer(tmp_path: Path) -> None:
    record = _portfolio(tmp_path) / "evidence" / "E0001.yaml"
    record.with_name("E0002.yaml").write_text(
        record.read_text().replace("E0001", "E0002").replace('"1.2"', '"1.9"')
    )


def test_a_kept_answer_of_gaps_and_status_is_replayed_only_for_what_it_was_rendered_from(
    settled: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = settled["kept_answer"] / "p"
    record = root / "evidence" / "E0001.yaml"
    memo = root / ".evitrack-cache" / "gaps.json"

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    asked = [
        [c, *where, "--format", f]
        for c in ("gaps", "status")
        for f in ("json", "csv", "markdown")
        for where in ([], [str(root)])
    ]
    for folder in (root, root / "evidence"):
        monkeypatch.chdir(folder)
        computed = [run(*args) for args in asked]  # kept beside the memo, then replayed
        assert [run(*args) for args in asked] == computed
    note = "note: 1 error in the portfolio; what they affect is left out:\n  E0002.yaml:8:17:"
    assert computed[0][0] == 1 and computed[0][2].startswith(note)  # from evidence/
    assert json.loads(computed[0][1])["path"] == ".."
    kept = json.loads(memo.read_text())["answers"]
    assert len(kept) == 8  # the latest eight variants
    assert [json.loads(v)[:2] for v in kept][-1] == ["status", str(root / "evidence")]

    status = ["status", "--format", "json"]
    data = json.loads(memo.read_text())
    (variant,) = [
        v
        for v in data["answers"]
        if json.loads(v)[:3] == ["status", str(root / "evidence"), str(root)] and "json" in v
    ]
    data["answers"][variant] = ["replayed\n", "", 0]
    memo.write_text(json.dumps(data))
    assert run(*status) == (0, "replayed\n", "")  # what is kept is what is shown
    data["answers"][variant] = ["replayed\n", "", "0"]  # the wrong shape: computed again
    memo.write_text(json.dumps(data))
    assert run(*status) == computed[asked.index(status)]
    record.write_text(record.read_text().replace("Listened", "Heard"))  # the memo goes
    assert run(*status) == computed[asked.index(status)]
    assert (
        "answers" not in json.loads(memo.read_text())
        or len(json.loads(memo.read_text())["answers"]) == 1
    )


@built_before
def _plan_wrong_shape(tmp_path: Path) -> None:
    from helpers import init_portfolio

    init_portfolio(tmp_path / "sam", "ncfe-l3-diploma-customer-service", units="12,29")


def test_a_cached_plan_of_the_wrong_shape_is_computed_again(settled: dict[str, Path]) -> None:
    root = settled["plan_wrong_shape"] / "sam"  # settled: the answer is kept
    first = runner.invoke(app, ["plan", str(root), "--format", "json"])
    assert first.exit_code == 1, first.output
    memo = root / ".evitrack-cache" / "plan.json"
    stored = json.loads(memo.read_text())
    stored["value"]["data"]["rules"] = [{"rule": "R1"}]  # what the answer no longer holds
    memo.write_text(json.dumps(stored))
    again = runner.invoke(app, ["plan", str(root), "--format", "json"])
    assert (again.exit_code, again.stdout) == (1, first.stdout)


def test_shipped_data_read_back_from_the_cache_is_the_data_parsed(tmp_path: Path) -> None:
    import datetime as dt

    from evitrack import cache, fastyaml

    source = tmp_path / "q.yaml"
    source.write_text("id: q\nwhen: 2024-01-02\nunits:\n  - {id: '1', at: [2025-02-03, x]}\n")
    root = tmp_path / "p"
    root.mkdir()
    with cache.shipped_in(root):
        parsed = cache.shipped_data(source, fastyaml.load_shipped)  # parsed, then kept
        served = cache.shipped_data(source, lambda _: pytest.fail("parsed again"))
    assert (
        served
        == parsed
        == {
            "id": "q",
            "when": dt.date(2024, 1, 2),
            "units": [{"id": "1", "at": [dt.date(2025, 2, 3), "x"]}],
        }
    )


@built_before
def _read_again(tmp_path: Path) -> None:
    """A record (with no attachment, whose own stat would be in doubt too) written and
    checked at once: stored, but too recent to be trusted by its stat; its row as it was
    then is kept beside the portfolio."""
    root = _portfolio(tmp_path)
    record = root / "evidence" / "E0001.yaml"
    record.write_text(record.read_text().partition("files:")[0])
    assert _no_memo(root) == (0, "")
    (tmp_path / "stored.json").write_text(json.dumps(_rows(root)["evidence/E0001.yaml"]))


def test_a_record_read_again_and_found_the_same_is_trusted_by_its_stat_after(
    settled: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record stored within two seconds of its last change (a copied or checked-out tree
    checked at once) is read again on the next run; found the same, its row takes the
    file's stat as it is then, so later runs trust the stat instead of reading it yet again,
    and an edit after that is still seen."""
    root = settled["read_again"] / "p"
    monkeypatch.chdir(root)
    stored = tuple(json.loads((root.parent / "stored.json").read_text()))
    assert _no_memo(root) == (0, "")  # read again, the same: settled
    again = _rows(root)["evidence/E0001.yaml"]
    assert again[0] == stored[0] and again[1] > stored[1]
    assert _no_memo(root) == (0, "")  # trusted by its stat: the row is left as it is
    assert _rows(root)["evidence/E0001.yaml"] == again
    record = root / "evidence" / "E0001.yaml"
    record.write_text(record.read_text().replace('"1.2"', '"1.9"'))
    assert _no_memo(root) == (1, EDITED)
