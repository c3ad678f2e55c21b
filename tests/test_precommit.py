"""The pre-commit hook, with the real pre-commit in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def run(cmd: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GIT_AUTHOR_NAME": "Learner",
        "GIT_AUTHOR_EMAIL": "learner@example.org",
        "GIT_COMMITTER_NAME": "Learner",
        "GIT_COMMITTER_EMAIL": "learner@example.org",
        "PRE_COMMIT_HOME": str(cwd.parent / "pre-commit-home"),
    }
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def pre_commit() -> list[str]:
    exe = BIN / "pre-commit"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "pre_commit"]


def test_manifest_is_valid() -> None:
    proc = run(
        [*pre_commit(), "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")],
        REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hook_lets_a_clean_portfolio_commit_and_refuses_a_broken_one(tmp_path: Path) -> None:
    repo = tmp_path / "portfolio"
    run(
        [
            str(BIN / "evitrack"),
            "init",
            str(repo),
            "--qualification",
            "ncfe-l3-diploma-customer-service",
            "--name",
            "Sam Patel",
            "--registration",
            "NC1",
        ],
        tmp_path,
    )
    run(["git", "init", "-q"], repo)
    run([*pre_commit(), "validate-config", ".pre-commit-config.yaml"], repo)
    run([*pre_commit(), "install"], repo)
    run(["git", "add", "."], repo)
    ok = run(["git", "commit", "-q", "-m", "Start my portfolio"], repo, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    hook_output = ok.stdout + ok.stderr
    assert "evitrack check" in hook_output and "Passed" in hook_output

    record = repo / "evidence" / "E0001.yaml"
    record.write_text(record.read_text().replace('["1.1"]', '["1.1", "1.99"]'))
    run(["git", "add", "."], repo)
    refused = run(["git", "commit", "-q", "-m", "Cite more"], repo, check=False)
    assert refused.returncode != 0
    out = refused.stdout + refused.stderr
    assert "Failed" in out
    assert 'evidence/E0001.yaml:14:17: error[E203]: unit 01 has no criterion "1.99"' in out
    log = run(["git", "log", "--oneline"], repo).stdout
    assert len(log.splitlines()) == 1


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
def test_repository_hook_through_try_repo(tmp_path: Path) -> None:
    """The hook as published in .pre-commit-hooks.yaml, installed by pre-commit itself."""
    if not (REPO / ".git").exists():
        pytest.skip("needs the evitrack git checkout")
    repo = tmp_path / "portfolio"
    run(
        [
            str(BIN / "evitrack"),
            "init",
            str(repo),
            "--qualification",
            "unit-fragment-customer-service-standards",
            "--name",
            "Ann",
            "--registration",
            "F1",
        ],
        tmp_path,
    )
    run(["git", "init", "-q"], repo)
    run(["git", "add", "."], repo)
    clean = run(
        [*pre_commit(), "try-repo", str(REPO), "evitrack-check", "--all-files"], repo, check=False
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (repo / "evidence" / "E0001.yaml").write_text("id: E0001\ntitle: [\n")
    run(["git", "add", "."], repo)
    broken = run(
        [*pre_commit(), "try-repo", str(REPO), "evitrack-check", "--all-files"], repo, check=False
    )
    assert broken.returncode == 1
    assert (
        "evidence/E0001.yaml:2:8: error[E002]: YAML syntax error: the file ends inside a [ ] list"
        in broken.stdout + broken.stderr
    )
