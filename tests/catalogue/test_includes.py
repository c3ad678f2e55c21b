"""Include chains: each file of a chain is read once, so a long chain loads quickly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from evitrack.cli import app

runner = CliRunner()
DEPTH = 30


def _chain(folder: Path, depth: int = DEPTH) -> Path:
    """q.yaml includes lib1.yaml, which includes lib2.yaml, ... each defining one unit."""
    for i in range(1, depth + 1):
        include = f"include:\n  - from: lib{i + 1}.yaml\n" if i < depth else ""
        (folder / f"lib{i}.yaml").write_text(
            f"format: 1\nkind: units\nid: lib{i}\ntitle: Library {i}\n{include}units:\n"
            f'  - id: "U{i}"\n    title: Unit {i}\n    level: 2\n    credit: 1\n'
            f'    outcomes:\n      - id: "1"\n        title: Do {i}\n'
            f'        criteria:\n          - {{id: "1.1", text: Do it}}\n'
        )
    units = ", ".join(f'"U{i}"' for i in range(1, depth + 1))
    q = folder / "q.yaml"
    q.write_text(
        "format: 1\nid: chain\ntitle: Chain\nawarding_body: Centre\nlevel: 2\n"
        "include:\n  - from: lib1.yaml\n"
        f"groups:\n  - id: A\n    title: All\n    units: [{units}]\n"
        f"rules:\n  - {{id: R1, kind: min_credit, min: {depth}, text: every unit}}\n"
    )
    return q


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # in a process of its own with a time limit: an exponential load never finishes in it
    return subprocess.run(
        [sys.executable, "-m", "evitrack", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=20,
    )


def test_a_chain_of_30_includes_is_checked_quickly(tmp_path: Path) -> None:
    _chain(tmp_path)
    done = _run(["qualification", "check", "q.yaml"], tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "",
        "ok: 1 file checked, no problems\n",
    )


def test_a_portfolio_on_a_chain_of_30_includes_checks_quickly(tmp_path: Path) -> None:
    _chain(tmp_path)
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evitrack.yaml").write_text(
        'qualification: q.yaml\nlearner: {name: Ann Lee, registration: "C1"}\nunits: ["U30"]\n'
    )
    (tmp_path / "evidence" / "E1.yaml").write_text(
        "id: E1\ntitle: t\ndate: 2026-01-05\nmethods: [product]\ndescription: d\n"
        'criteria:\n  U30: ["1.1", "1.2"]\n'
    )
    done = _run(["check", "."], tmp_path)
    assert done.returncode == 1, done.stderr
    assert 'error[E203]: unit U30 has no criterion "1.2"' in done.stdout


def test_a_changed_file_deep_in_a_chain_is_read_again(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # one process, two checks: the second sees the edit at the end of the chain
    monkeypatch.chdir(tmp_path)
    _chain(tmp_path, 5)
    first = runner.invoke(app, ["qualification", "show", "q.yaml", "--unit", "U5", "-f", "json"])
    assert first.exit_code == 0, first.output
    last = tmp_path / "lib5.yaml"
    last.write_text(last.read_text().replace("Do it}", "Do it differently}"))
    second = runner.invoke(app, ["qualification", "show", "q.yaml", "--unit", "U5", "-f", "json"])
    assert second.exit_code == 0, second.output
    assert '"text": "Do it"' in first.stdout
    assert '"text": "Do it differently"' in second.stdout
