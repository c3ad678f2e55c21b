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


def init_in(repo: Path, folder: str, name: str) -> None:
    run(
        [
            str(BIN / "evitrack"),
            "init",
            folder,
            "--qualification",
            "ncfe-l3-diploma-customer-service",
            "--name",
            name,
            "--registration",
            name[:2].upper() + "1",
        ],
        repo,
    )


OWN_CONFIG = """\
# The centre's own hooks: evitrack must keep this comment and the hook below.
repos:
  - repo: local
    hooks:
      - id: no-tabs  # no tab characters in YAML
        name: no tabs
        entry: "\\t"
        language: pygrep
        files: \\.ya?ml$
"""


def test_hook_in_a_repository_of_nested_portfolios(tmp_path: Path) -> None:
    """pre-commit reads the config at the repository's root: init puts the hook there."""
    repo = tmp_path / "centre"
    repo.mkdir()
    run(["git", "init", "-q"], repo)
    (repo / ".pre-commit-config.yaml").write_text(OWN_CONFIG)
    init_in(repo, "learners/ann", "Ann Lee")
    init_in(repo, "learners/bob", "Bob Roy")  # the hook is in the config already
    assert not (repo / "learners" / "ann" / ".pre-commit-config.yaml").exists()
    config = (repo / ".pre-commit-config.yaml").read_text()
    assert config == OWN_CONFIG + (
        "      - id: evitrack-check\n"
        "        name: evitrack check\n"
        "        entry: evitrack check\n"
        "        language: system\n"
        "        files: (^|/)(evitrack\\.yaml|evidence/[^/]+\\.ya?ml|files/.+)$\n"
        "        pass_filenames: true\n"
        "        require_serial: true\n"
    )
    run([*pre_commit(), "validate-config", ".pre-commit-config.yaml"], repo)
    run([*pre_commit(), "install"], repo)
    run(["git", "add", "."], repo)
    ok = run(["git", "commit", "-q", "-m", "Two learners"], repo, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "evitrack check" in ok.stdout + ok.stderr

    ann = repo / "learners" / "ann" / "evidence" / "E0001.yaml"
    bob = repo / "learners" / "bob" / "evidence" / "E0001.yaml"
    ann.write_text(ann.read_text().replace('["1.1"]', '["1.1", "1.99"]'))
    bob.write_text(bob.read_text().replace("my first week", "my first month"))
    run(["git", "add", "."], repo)
    refused = run(["git", "commit", "-q", "-m", "Both"], repo, check=False)
    assert refused.returncode != 0
    out = refused.stdout + refused.stderr
    assert (
        'learners/ann/evidence/E0001.yaml:14:17: error[E203]: unit 01 has no criterion "1.99"'
        in out
    )
    # Bob's record still holds init's sample text: a warning (W109), never an error
    assert [line for line in out.splitlines() if "learners/bob" in line and "error[" in line] == []

    # Ann's broken record goes in without the hook; Bob's clean change is checked alone.
    run(["git", "reset", "-q", "learners/bob"], repo)
    run(["git", "commit", "-q", "--no-verify", "-m", "Ann, unchecked"], repo)
    run(["git", "add", "learners/bob"], repo)
    clean = run(["git", "commit", "-q", "-m", "Bob's change"], repo, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "learners/ann" not in clean.stdout + clean.stderr  # only Bob's portfolio is checked
    assert len(run(["git", "log", "--oneline"], repo).stdout.splitlines()) == 3
