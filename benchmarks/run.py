"""The speed table: every case of issue 20 beside the floor it names, in one run.

    python benchmarks/run.py                 # the whole table (30-60 minutes on two cores)
    python benchmarks/run.py --quick         # small sizes, a smoke run (about a minute)
    python benchmarks/run.py --rows help,zip --runs 7

Each measurement is a fresh process, timed from start to exit (interpreter start
included, as a user pays it), with its peak memory from the kernel (`os.wait4`: the
largest of the process and the children it waited for). A case and its floor run
interleaved, one after the other, `--runs` times (fewer for the 50,000-record cases),
and the table shows the medians, their ratio, the target and PASS or "over".

The floors: for the cases over records, a Python process that parses every record
with libyaml's CSafeLoader (interpreter start included, like a user's); for `--help`,
`python -c "import yaml"`; for `claim --zip`, `sha256sum` and `zip -r` of the same
files; for a caseload's cache under another spelling of its path, the same command
with the spelling the cache was written under.

The portfolios are generated once into --work (default benchmarks/out/, git-ignored)
and reused: 2,000 records; 50,000 records; 2,000 records each attaching 50 KB that do
not compress; caseloads of 500 x 50 and 100 x 200 records.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate

# An installed program keeps its compiled bytecode; with this set, every run would compile
# evitrack afresh, which no user pays (the floor's yaml is compiled already).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

QID = "ncfe-l3-diploma-customer-service"
EXE = Path(sys.executable).parent / "evitrack"
EVITRACK = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "evitrack"]
PARSE = (
    "import glob, sys, yaml\n"
    "L = yaml.CSafeLoader\n"
    "for pattern in sys.argv[1:]:\n"
    "    for name in glob.glob(pattern):\n"
    "        with open(name, 'rb') as fh:\n"
    "            yaml.load(fh.read(), Loader=L)\n"
)


@dataclass
class Sizes:
    records: int = 2000
    big: int = 50_000
    attached: int = 2000
    attachment_kb: int = 50
    caseload: tuple[int, int] = (500, 50)
    spelling: tuple[int, int] = (100, 200)


FULL = Sizes()
QUICK = Sizes(records=60, big=300, attached=40, attachment_kb=8, caseload=(5, 10), spelling=(4, 12))


@dataclass
class Run:
    """One measured command: how to prepare for it (untimed), and what to time."""

    cmd: list[str]
    before: Callable[[], None] | None = None
    cwd: Path | None = None


@dataclass
class Row:
    key: str
    case: str
    size: str
    subject: Run
    floor: Run
    floor_name: str
    target: float  # a ratio to the floor; or seconds (unit "s") or megabytes ("MB")
    unit: str = "x"
    runs: int | None = None  # fewer for the largest cases
    times: list[float] = field(default_factory=list)
    floor_times: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    floor_peaks: list[float] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def timed(run: Run) -> tuple[float, float, int]:
    """(seconds, peak MB, exit code) of one fresh process."""
    if run.before is not None:
        run.before()
    t = time.perf_counter()
    proc = subprocess.Popen(
        run.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=run.cwd
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def quietly(cmd: list[str], cwd: Path | None = None) -> None:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)


def drop_caches(root: Path) -> Callable[[], None]:
    def drop() -> None:
        for cache in [root / ".evitrack-cache", *root.glob("*/.evitrack-cache")]:
            shutil.rmtree(cache, ignore_errors=True)

    return drop


def portfolio(work: Path, name: str, records: int, attachment_kb: int = 0) -> Path:
    root = work / name
    if not (root / ".generated").exists():
        shutil.rmtree(root, ignore_errors=True)
        generate(root, QID, records, attachment_kb=attachment_kb)
        (root / ".generated").write_text("")
    return root


def caseload(work: Path, portfolios: int, records: int) -> Path:
    root = work / f"caseload-{portfolios}x{records}"
    if not (root / ".generated").exists():
        shutil.rmtree(root, ignore_errors=True)
        for n in range(portfolios):
            generate(root / f"learner-{n:03d}", QID, records, seed=n + 1)
        (root / ".generated").write_text("")
    return root


def parse_floor(*patterns: Path) -> Run:
    return Run([sys.executable, "-c", PARSE, *map(str, patterns)])


def editing(root: Path) -> Callable[[], None]:
    """Before each run: `check` once (untimed), then change one record by a line."""
    record = root / "evidence" / "E0001.yaml"
    original = record.read_text()
    count = [0]

    def edit() -> None:
        quietly([*EVITRACK, "check", str(root)])
        count[0] += 1
        record.write_text(original + f"# edited {count[0]}\n")

    return edit


def rows(work: Path, sizes: Sizes, wanted: set[str] | None) -> list[Row]:
    """The table's rows, their portfolios generated as needed (only those of rows wanted)."""
    out: list[Row] = []

    def want(key: str) -> bool:
        return wanted is None or key in wanted

    n, big = sizes.records, sizes.big
    if want("edit") or want("cold") or want("warm-gaps") or want("warm-status"):
        small = portfolio(work, f"portfolio-{n}", n)
        records = small / "evidence" / "*.yaml"
        floor = parse_floor(records)
        out += [
            Row(
                "edit",
                "one record edited, then `check`",
                f"{n:,} records",
                Run([*EVITRACK, "check", str(small)], editing(small)),
                floor,
                "parse floor",
                0.3,
            ),
            Row(
                "cold",
                "cold `check`, no attachments",
                f"{n:,} records",
                Run([*EVITRACK, "check", str(small)], drop_caches(small)),
                floor,
                "parse floor",
                1.8,
            ),
            Row(
                "warm-gaps",
                "warm `gaps`",
                f"{n:,} records",
                Run(
                    [*EVITRACK, "gaps", str(small), "--format", "json"],
                    lambda: quietly([*EVITRACK, "gaps", str(small), "--format", "json"]),
                ),
                floor,
                "parse floor",
                0.3,
            ),
            Row(
                "warm-status",
                "warm `status`",
                f"{n:,} records",
                Run(
                    [*EVITRACK, "status", str(small), "--format", "json"],
                    lambda: quietly([*EVITRACK, "status", str(small), "--format", "json"]),
                ),
                floor,
                "parse floor",
                0.3,
            ),
        ]
    if want("edit-big") or want("memory"):
        large = portfolio(work, f"portfolio-{big}", big)
        floor = parse_floor(large / "evidence" / "*.yaml")
        few = 3
        out += [
            Row(
                "edit-big",
                "one record edited, then `check`",
                f"{big:,} records",
                Run([*EVITRACK, "check", str(large)], editing(large)),
                floor,
                "parse floor",
                0.3,
                runs=few,
            ),
            Row(
                "memory",
                "peak memory, cold `check`",
                f"{big:,} records",
                Run([*EVITRACK, "check", str(large)], drop_caches(large)),
                floor,
                "parse floor",
                200,
                unit="MB",
                runs=few,
            ),
        ]
    if want("cold-attached") or want("zip"):
        kb = sizes.attachment_kb
        attached = portfolio(work, f"attached-{sizes.attached}x{kb}k", sizes.attached, kb)
        zipped = work / "pack.zip"
        floor_zip = work / "floor.zip"

        def zip_floor_before() -> None:
            floor_zip.unlink(missing_ok=True)

        out += [
            Row(
                "cold-attached",
                "cold `check`, one attachment each",
                f"{sizes.attached:,} records",
                Run([*EVITRACK, "check", str(attached)], drop_caches(attached)),
                parse_floor(attached / "evidence" / "*.yaml"),
                "parse floor",
                2.0,
            ),
            Row(
                "zip",
                "`claim --zip`",
                f"{sizes.attached:,} x {kb} KB",
                Run(
                    [*EVITRACK, "claim", str(attached), "--draft", "--zip", "-o", str(zipped)],
                    lambda: quietly([*EVITRACK, "check", str(attached)]),
                ),
                Run(
                    ["sh", "-c", f"sha256sum files/* > /dev/null && zip -qr {floor_zip} files"],
                    zip_floor_before,
                    cwd=attached,
                ),
                "sha256sum + zip -r",
                1.2,
            ),
        ]
    if want("caseload-check") or want("caseload-gaps"):
        p, r = sizes.caseload
        folder = caseload(work, p, r)
        floor = parse_floor(folder / "*" / "evidence" / "*.yaml")
        out += [
            Row(
                "caseload-check",
                "`check` over a caseload",
                f"{p} x {r} records",
                Run([*EVITRACK, "check", str(folder)], drop_caches(folder)),
                floor,
                "parse floor",
                2.5,
            ),
            Row(
                "caseload-gaps",
                "warm `gaps`, caseload table",
                f"{p} x {r} records",
                Run(
                    [*EVITRACK, "gaps", str(folder)],
                    lambda: quietly([*EVITRACK, "gaps", str(folder)]),
                ),
                floor,
                "parse floor",
                0.5,
                unit="s",
            ),
        ]
    if want("spelling"):
        p, r = sizes.spelling
        folder = caseload(work, p, r)
        relative = os.path.relpath(folder)
        gaps = [*EVITRACK, "gaps", "--format", "json"]
        out.append(
            Row(
                "spelling",
                "warm `gaps`, path spelt another way",
                f"{p} x {r} records",
                Run([*gaps, relative], lambda: quietly([*gaps, str(folder.resolve())])),
                Run([*gaps, relative], lambda: quietly([*gaps, relative])),
                "same spelling",
                1.2,
            )
        )
    if want("help"):
        out.append(
            Row(
                "help",
                "`evitrack --help`",
                "-",
                Run([*EVITRACK, "--help"]),
                Run([sys.executable, "-c", "import yaml"]),
                'python -c "import yaml"',
                1.5,
            )
        )
    order = ["edit", "edit-big", "cold-attached", "cold", "warm-gaps", "warm-status"]
    order += ["caseload-check", "spelling", "caseload-gaps", "zip", "help", "memory"]
    chosen = [row for row in out if want(row.key)]  # a portfolio can serve rows not wanted
    return sorted(chosen, key=lambda row: order.index(row.key))


def measure(row: Row, runs: int) -> None:
    """The row and its floor, interleaved; a run that exits 2 or more is noted."""
    timed(row.subject)  # once untimed: caches as the case expects them, files in memory
    for _ in range(row.runs or runs):
        for run, times, peaks in (
            (row.floor, row.floor_times, row.floor_peaks),
            (row.subject, row.times, row.peaks),
        ):
            seconds, peak, code = timed(run)
            times.append(seconds)
            peaks.append(peak)
            if code not in (0, 1):
                row.failed.append(f"{' '.join(run.cmd[:3])}... exited {code}")


def table(measured: list[Row]) -> str:
    head = (
        f"{'case':36} {'size':18} {'evitrack':>9} {'floor':>9} {'ratio':>6} "
        f"{'target':>9}  mark  floor"
    )
    lines = [head, "-" * len(head)]
    for row in measured:
        if row.unit == "MB":
            value, base = statistics.median(row.peaks), statistics.median(row.floor_peaks)
            shown, floor = f"{value:7.0f}MB", f"{base:7.0f}MB"
            target, ok = f"<={row.target:.0f}MB", value <= row.target
        else:
            value, base = statistics.median(row.times), statistics.median(row.floor_times)
            shown, floor = f"{value:8.3f}s", f"{base:8.3f}s"
            if row.unit == "s":
                target, ok = f"<={row.target:.1f}s", value <= row.target
            else:
                target, ok = f"<={row.target:.1f}x", value / base <= row.target
        mark = "ERR " if row.failed else ("PASS" if ok else "over")
        lines.append(
            f"{row.case:36} {row.size:18} {shown:>9} {floor:>9} {value / base:5.2f}x "
            f"{target:>9}  {mark}  {row.floor_name}"
        )
    for row in measured:
        lines += [f"error: {row.key}: {why}" for why in sorted(set(row.failed))]
    return "\n".join(lines)


KEYS = "edit, edit-big, cold-attached, cold, warm-gaps, warm-status, caseload-check, "
KEYS += "spelling, caseload-gaps, zip, help, memory"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path(__file__).parent / "out")
    ap.add_argument("--runs", type=int, default=5, help="interleaved runs a row (default 5)")
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--rows", help=f"only these rows, comma-separated: {KEYS}")
    args = ap.parse_args(argv)
    wanted = set(args.rows.split(",")) if args.rows else None
    unknown = (wanted or set()) - set(KEYS.replace(" ", "").split(","))
    if unknown:
        ap.error(f"no such row: {', '.join(sorted(unknown))} (rows: {KEYS})")
    args.work.mkdir(parents=True, exist_ok=True)
    measured = rows(args.work.resolve(), QUICK if args.quick else FULL, wanted)
    started = time.perf_counter()
    for row in measured:
        measure(row, args.runs)
        print(f"measured {row.key} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    print(table(measured))
    return 1 if any(row.failed for row in measured) else 0


if __name__ == "__main__":
    sys.exit(main())
