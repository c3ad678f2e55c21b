"""Writes: atomic under SIGKILL, no two records with one id, nothing rewritten but our fields.

- a writer killed by a signal at a random point leaves the old file or the new one, whole
  (the real `yamlio.atomic_write_text` on a large file, and the real `evitrack assess` and
  `evitrack add` in subprocesses);
- `evitrack add` run by several processes at once gives each record its own id and file;
- assess, sign and hash change only the fields they own, byte for byte; the reading
  commands change nothing but evitrack's own cache.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evitrack import yamlio
from evitrack.cli import app

NCFE = "ncfe-l3-diploma-customer-service"
REG = ["--registration", "NC0042", "--units", "09"]
runner = CliRunner()
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and links")


def make_portfolio(tmp_path: Path) -> Path:
    root = tmp_path / "sam"
    result = runner.invoke(
        app,
        ["init", str(root), "--qualification", NCFE, "--name", "Sam Patel", *REG],
    )
    assert result.exit_code == 0, result.output
    (root / "evidence" / "E0001.yaml").unlink()
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the portfolio but evitrack's own cache."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".evitrack-cache" not in p.parts
    }


# ---- killed writers ------------------------------------------------------------------------

_WRITER = """
import sys
from pathlib import Path
from evitrack import yamlio
target = Path(sys.argv[1])
text = Path(sys.argv[2]).read_text(encoding="utf-8")
print("ready", flush=True)
for _ in range(int(sys.argv[3])):
    yamlio.atomic_write_text(target, text)
print("done", flush=True)
"""


@pytest.mark.slow
def test_a_killed_atomic_write_leaves_the_old_file_or_the_new_one(tmp_path: Path) -> None:
    target = tmp_path / "evidence" / "E0001.yaml"
    target.parent.mkdir()
    old = "id: E0001\ntitle: old\n" + "# old padding line\n" * 1000
    new = "id: E0001\ntitle: new\n" + "".join(
        f"# new line {i:08d} {'x' * 60}\n" for i in range(400_000)
    )
    target.write_text(old)
    (tmp_path / "new.txt").write_text(new)
    rng = random.Random(20260314)
    outcomes = {"old": 0, "new": 0}
    mid_write = 0
    for _ in range(12):
        target.write_text(old)
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(target), str(tmp_path / "new.txt"), "3"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        got = target.read_text()
        assert got in (old, new), f"a torn file: {len(got)} characters"
        outcomes["old" if got == old else "new"] += 1
        leftovers = [p for p in target.parent.iterdir() if p.name != target.name]
        mid_write += bool(leftovers)
        for p in leftovers:  # a SIGKILLed writer cannot clean up its temporary file
            assert p.name.startswith(".E0001.yaml.") and p.name.endswith(".tmp")
            p.unlink()
    assert mid_write >= 1, outcomes  # some kills did land in the middle of a write


def test_a_temporary_file_left_by_a_killed_writer_is_not_read_as_a_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_portfolio(tmp_path)
    (root / "evidence" / ".E0001.yaml.x1y2.tmp").write_text("id: E0001\ntitle: torn")
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["check"])
    assert (result.exit_code, result.stdout) == (0, "")


def big_record(root: Path) -> Path:
    """A valid record of about 1.5 MB (under the 2 MB limit), with comments to keep."""
    words = " ".join(f"word{i}" for i in range(12))
    body = "".join(f"  {words} {i}\n" for i in range(18_000))
    path = root / "evidence" / "E0001-big.yaml"
    path.write_text(
        "# kept: the learner's own comment\n"
        "id: E0001\n"
        "title: A long reflective account  # kept too\n"
        "date: 2026-03-14\n"
        "methods: [reflective-account]\n"
        f"description: |\n{body}"
        "criteria:\n"
        '  "09": ["1.1", "1.2"]\n'
    )
    return path


def run_killed(args: list[str], cwd: Path, delay: float) -> int:
    env = {**os.environ, "EVITRACK_ASSESSOR": "Jo Smith"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "evitrack", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60)


@pytest.mark.slow
def test_assess_killed_at_random_points_leaves_the_record_whole(tmp_path: Path) -> None:
    root = make_portfolio(tmp_path)
    path = big_record(root)
    old = path.read_bytes()
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "evitrack", "assess", "E0001", "--accept", "--assessor", "Jo Smith"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    full = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    new = path.read_bytes()
    assert new.startswith(old)  # the assessment is appended; every byte before it is kept
    assert new[len(old) :].startswith(b"assessment:")
    rng = random.Random(7)
    seen = set()
    for _ in range(8):
        path.write_bytes(old)
        run_killed(["assess", "E0001", "--accept"], root, rng.uniform(0.05, full * 1.2))
        got = path.read_bytes()
        assert got == old or (got.startswith(old) and got.count(b"\nassessment:") == 1)
        seen.add("old" if got == old else "new")
        for p in (root / "evidence").iterdir():
            if p.name.startswith("."):
                p.unlink()  # a temporary file a killed writer left
    assert "old" in seen


@pytest.mark.slow
def test_add_killed_at_random_points_leaves_no_half_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_portfolio(tmp_path)
    rng = random.Random(11)
    args = ["add", "--title", "Observed", "--method", "observation", "--criteria", "09/1.1"]
    for _ in range(6):
        run_killed(args, root, rng.uniform(0.05, 1.5))
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["check", "--format", "json"])
    assert '"errors": 0' in result.stdout, result.stdout
    for p in (root / "evidence").iterdir():
        if not p.name.startswith("."):
            assert p.read_text().endswith("\n")


# ---- concurrent add ------------------------------------------------------------------------


# ---- only the fields evitrack owns -----------------------------------------------------------

STYLED = (
    "# My own notes at the top.\n"
    "id: 'E0001'   # quoted my way\n"
    "title:   Observed at the desk\n"
    "date: 2026-03-14\n"
    "methods:\n"
    "- observation       # unindented list, my style\n"
    "description: >\n"
    "  Folded text that\n"
    "  I wrote myself.\n"
    "criteria:\n"
    '  "09":\n'
    '  - "1.1"   # first\n'
    "  - '1.2'\n"
    "location: HR file 12\n"
    "# a trailing comment\n"
)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_assess_changes_only_the_assessment(
    newline: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_portfolio(tmp_path)
    path = root / "evidence" / "E0001.yaml"
    path.write_bytes(STYLED.replace("\n", newline).encode())
    before = snapshot(root)
    monkeypatch.chdir(root)
    result = runner.invoke(
        app, ["assess", "E0001", "--accept", "--assessor", "Jo Smith", "--date", "2026-03-20"]
    )
    assert result.exit_code == 0, result.output
    after = snapshot(root)
    assert {k for k in after if after[k] != before.get(k)} == {"evidence/E0001.yaml"}
    new = path.read_bytes().decode()
    head, sep, block = new.partition(f"{newline}assessment:")
    assert sep, new
    assert head + newline == STYLED.replace("\n", newline)  # every byte before it is kept
    assert "decision: accepted" in block and "assessor: Jo Smith" in block
    # and again: a second decision replaces the block, nothing else moves
    refer = ["assess", "E0001", "--refer", "--assessor", "Jo Smith", "--date", "2026-03-21"]
    result = runner.invoke(app, [*refer, "--comment", "Please add the customer's reply"])
    assert result.exit_code == 0, result.output
    again = path.read_bytes().decode()
    assert again.partition(f"{newline}assessment:")[0] == head
    assert again.count("assessment:") == 1 and "decision: referred" in again


PORTFOLIO = (
    "# Sam's portfolio: my comments stay.\n"
    "qualification: quals/award.yaml   # the centre's own file\n"
    "learner:\n"
    "    name: 'Sam Patel'\n"
    '    registration: "NC0042"\n'
    "units: [U1]  # just the one\n"
    "# sign-offs below\n"
    "signoffs: {}\n"
    "# the end\n"
)


def test_sign_changes_only_the_signoffs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_portfolio(tmp_path)
    (root / "quals").mkdir()
    shutil.copyfile(
        Path(__file__).parent / "corpus" / "qualifications" / "valid_centre_award.yaml",
        root / "quals" / "award.yaml",
    )
    (root / "evitrack.yaml").write_text(PORTFOLIO)
    (root / "evidence" / "E0001.yaml").write_text(STYLED.replace('"09"', '"U1"'))
    monkeypatch.chdir(root)
    accept = ["assess", "E0001", "--accept", "--assessor", "Jo Smith", "--date", "2026-03-20"]
    assert runner.invoke(app, accept).exit_code == 0
    before = snapshot(root)
    result = runner.invoke(
        app, ["sign", "U1", "--as", "assessor", "--initials", "JS", "--date", "2026-03-21"]
    )
    assert result.exit_code == 0, result.output
    after = snapshot(root)
    assert {k for k in after if after[k] != before.get(k)} == {"evitrack.yaml"}
    new = (root / "evitrack.yaml").read_text()
    for line in PORTFOLIO.splitlines():  # every line but the sign-offs stays as written
        if not line.startswith("signoffs:"):
            assert line in new.splitlines(), (line, new)
    assert "JS" in new and "2026-03-21" in new


def test_hash_changes_only_the_sha256(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_portfolio(tmp_path)
    (root / "files" / "obs.pdf").write_bytes(b"%PDF-1.4 observation\n")
    path = root / "evidence" / "E0001.yaml"
    text = STYLED.replace("location: HR file 12\n", "files:\n- path: files/obs.pdf   # the form\n")
    path.write_text(text)
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["hash"])
    assert result.exit_code == 0, result.output
    new = path.read_text()
    removed = [line for line in text.splitlines() if line not in new.splitlines()]
    added = [line for line in new.splitlines() if line not in text.splitlines()]
    assert removed == []
    assert len(added) == 1 and re.fullmatch(r"\s*sha256: [0-9a-f]{64}", added[0]), added


@pytest.mark.parametrize(
    "args",
    [["check"], ["status"], ["gaps"], ["plan"], ["matrix"], ["matrix", "--form", "recording"]],
)
def test_reading_commands_change_no_file(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_portfolio(tmp_path)
    (root / "evidence" / "E0001.yaml").write_text(STYLED)
    before = snapshot(root)
    monkeypatch.chdir(root)
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    assert snapshot(root) == before


def test_claim_writes_only_inside_its_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_portfolio(tmp_path)
    (root / "evidence" / "E0001.yaml").write_text(STYLED)
    before = snapshot(root)
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["claim", "build", "--draft"])
    assert result.exit_code == 0, result.output
    after = snapshot(root)
    changed = {k for k in after if after.get(k) != before.get(k)}
    assert changed and all(k.startswith("out/") for k in changed), changed


def test_atomic_write_keeps_the_mode_and_a_link_elsewhere_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "E0001.yaml"
    target.write_text("id: E0001\n")
    target.chmod(0o600)
    yamlio.atomic_write_text(target, "id: E0002\n")
    assert target.read_text() == "id: E0002\n"
    assert target.stat().st_mode & 0o777 == 0o600
    outside = tmp_path / "outside.yaml"
    outside.write_text("not yours\n")
    link = tmp_path / "E0003.yaml"
    link.symlink_to(outside)
    yamlio.atomic_write_text(link, "id: E0003\n")  # the link is replaced, never written through
    assert outside.read_text() == "not yours\n"
    assert not link.is_symlink() and link.read_text() == "id: E0003\n"


# ---- a folder that cannot be written -------------------------------------------------------


def _lock(folder: Path) -> bool:
    """Make `folder` unwritable even for root (chattr +i); False where that cannot be done."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return True
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
    return done.returncode == 0


def _unlock(folder: Path) -> None:
    if os.geteuid() != 0:
        folder.chmod(0o755)
    else:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True, check=False)


def test_a_folder_that_cannot_be_written_is_a_message_not_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_portfolio(tmp_path)
    before = snapshot(root)
    monkeypatch.chdir(root)
    if (shutil.which("chattr") is None and os.geteuid() == 0) or not _lock(root / "evidence"):
        pytest.skip("cannot make a folder unwritable here")
    try:
        result = runner.invoke(
            app, ["add", "-t", "Call log", "-m", "product", "-c", "09/1.1", "--date", "2026-01-05"]
        )
    finally:
        _unlock(root / "evidence")
    assert result.exit_code == 2
    assert re.fullmatch(
        r"evitrack: error: cannot write evidence: (permission denied|operation not permitted)\n"
        r"    hint: check the folder's permissions and the free space\n",
        result.stderr,
    ), result.stderr
    assert snapshot(root) == before


def test_an_output_path_through_a_file_is_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_portfolio(tmp_path)
    (root / "notes").write_text("not a folder\n")
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["matrix", "-o", "notes/matrix.html"])
    assert result.exit_code == 2
    assert result.stderr == (
        "evitrack: error: cannot write notes/matrix.html: not a directory\n"
        "    hint: check the path, the folder's permissions and the free space\n"
    )


def test_assess_and_hash_keep_a_byte_order_mark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_portfolio(tmp_path)
    (root / "files" / "obs.pdf").write_bytes(b"%PDF-1.4 observation\n")
    path = root / "evidence" / "E0001.yaml"
    text = STYLED.replace("location: HR file 12\n", "files:\n- path: files/obs.pdf\n")
    original = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    path.write_bytes(original)
    monkeypatch.chdir(root)
    assert runner.invoke(app, ["hash"]).exit_code == 0
    result = runner.invoke(app, ["assess", "E0001", "--accept", "--assessor", "Jo Smith"])
    assert result.exit_code == 0, result.output
    new = path.read_bytes()
    assert new.startswith(b"\xef\xbb\xbf# My own notes at the top.\r\n")
    assert new.count(b"\xef\xbb\xbf") == 1
    kept = [line for line in original[3:].split(b"\r\n") if line]
    assert [line for line in kept if line not in new[3:].split(b"\r\n")] == []
    assert runner.invoke(app, ["check"]).stdout == ""
