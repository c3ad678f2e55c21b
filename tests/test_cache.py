"""The fast path and the cache: same answers as the slow path, never a stale result."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
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
    assert (
        "evidence/E0001.yaml"
        in json.loads((root / ".evitrack-cache" / "records.json").read_text())["records"]
    )


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


def _large_portfolio(tmp_path: Path, n: int = 700) -> Path:
    """n records, a few of them broken, in every slice a parallel load would cut."""
    root = _portfolio(tmp_path)
    template = (root / "evidence" / "E0001.yaml").read_text()
    for i in range(2, n + 1):
        text = template.replace("E0001", f"E{i:04d}")
        if i % 97 == 0:
            text = text.replace('"1.2"', '"1.9"')  # unknown criterion
        if i % 151 == 0:
            text = text.replace("sha256: 1", "sha256: 0")  # attachment changed
        if i % 233 == 0:
            text = text.replace("methods: [observation]", "methods: [observation")  # syntax
        if i == n - 2:
            text = text.replace(f"E{i:04d}", "E0100")  # an id used twice
        (root / "evidence" / f"E{i:04d}.yaml").write_text(text)
    return root


def _check_json(root: Path, jobs: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("EVITRACK_JOBS", jobs)
    result = runner.invoke(app, ["check", str(root), "--format", "json"])
    return result.exit_code, result.stdout


def test_a_large_portfolio_loads_the_same_on_one_process_or_several(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _large_portfolio(tmp_path)
    cache = root / ".evitrack-cache"
    serial = _check_json(root, "1", monkeypatch)
    serial_cache = json.loads((cache / "records.json").read_text())
    shutil.rmtree(cache)
    parallel = _check_json(root, "3", monkeypatch)
    assert parallel == serial
    assert serial[0] == 1
    codes = [d["code"] for d in json.loads(serial[1])["diagnostics"]]
    assert sorted(set(codes)) == ["E002", "E106", "E203", "E303"]
    assert json.loads((cache / "records.json").read_text()) == serial_cache
    broken = {i for i in range(2, 701) if i % 97 == 0 or i % 151 == 0 or i % 233 == 0}
    assert len(serial_cache["records"]) == 700 - len(broken)  # files with problems are not kept
    assert len(serial_cache["hashes"]) == 1

    one = pf.load(root, use_cache=False, jobs=1)
    several = pf.load(root, use_cache=False, jobs=3)
    assert several.diagnostics == one.diagnostics
    assert _records(several) == _records(one)
    (cache / "check.json").unlink()  # the records now come from the cache, in any process
    assert _check_json(root, "3", monkeypatch) == serial
