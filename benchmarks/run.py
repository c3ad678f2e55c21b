"""Run the speed cases and print a table: `python benchmarks/run.py` (about two minutes).

Each case is timed as the wall time of the real `evitrack` command in a
subprocess (interpreter start included), median of several runs, beside the
same run's baseline: the time to merely parse the same YAML files with
libyaml (PyYAML's C loader), so that the ratios mean something on a noisy
machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate

EVITRACK = [sys.executable, "-m", "evitrack"]
EXE = Path(sys.executable).parent / "evitrack"
if EXE.exists():
    EVITRACK = [str(EXE)]


def baseline(files: list[Path]) -> float:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    t = time.perf_counter()
    for f in files:
        yaml.load(f.read_bytes(), Loader=loader)
    return time.perf_counter() - t


def wall(cmd: list[str], before: object = None, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        if callable(before):
            before()
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def peak_mb(cmd: list[str]) -> float:
    probe = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True)
    return int(out.stdout.strip() or 0) / 1024


def drop_caches(roots: list[Path]) -> None:
    for r in roots:
        shutil.rmtree(r / ".evitrack-cache", ignore_errors=True)


def has_command(name: str) -> bool:
    proc = subprocess.run([*EVITRACK, name, "--help"], capture_output=True, text=True)
    return proc.returncode == 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", type=Path, default=Path(__file__).parent / "out")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--caseload", type=int, default=100, help="portfolios in the caseload case")
    args = ap.parse_args()
    work: Path = args.work
    rows: list[tuple[str, str, float, float | None, str]] = []

    big = work / "big-2000"
    if not big.exists():
        generate(big, "ncfe-l3-diploma-customer-service", 2000)
    small = work / "small-10"
    if not small.exists():
        generate(small, "ncfe-l3-diploma-customer-service", 10)
    caseload = work / f"caseload-{args.caseload}x200"
    if not caseload.exists():
        for n in range(args.caseload):
            generate(
                caseload / f"learner-{n:03d}", "ncfe-l3-diploma-customer-service", 200, seed=n + 1
            )
    big_files = sorted((big / "evidence").glob("*.yaml"))
    case_roots = sorted(p for p in caseload.iterdir() if p.is_dir())
    case_files = sorted(caseload.glob("*/evidence/*.yaml"))

    base_big = statistics.median(baseline(big_files) for _ in range(3))
    base_case = statistics.median(baseline(case_files) for _ in range(3))

    t = wall([*EVITRACK, "check", str(big)], lambda: drop_caches([big]), args.runs)
    rows.append(("check, cold", "2,000 records", t, base_big, "<= 3x baseline"))
    wall([*EVITRACK, "check", str(big)], runs=1)
    t = wall([*EVITRACK, "check", str(big)], runs=args.runs)
    rows.append(("check, nothing changed", "2,000 records", t, base_big, "<= 0.25 s"))
    t = wall([*EVITRACK, "--help"], runs=args.runs)
    rows.append(("evitrack --help", "-", t, None, "< 0.3 s"))
    wall([*EVITRACK, "check", str(small)], runs=1)
    t = wall([*EVITRACK, "check", str(small)], lambda: drop_caches([small]), args.runs)
    rows.append(("check, cold", "10 records", t, None, "< 0.3 s"))
    if has_command("gaps"):
        size = f"{len(case_roots)} x 200 records"
        cmd = [*EVITRACK, "gaps", str(caseload), "--format", "json"]
        t = wall(cmd, lambda: drop_caches(case_roots), max(1, args.runs // 2))
        rows.append(("gaps caseload, cold", size, t, base_case, "<= 3x baseline"))
        wall(cmd, runs=1)
        t = wall(cmd, runs=args.runs)
        rows.append(("gaps caseload, warm", size, t, base_case, "< 1 s"))
        drop_caches(case_roots)
        mb = peak_mb(cmd)
        rows.append(("gaps caseload, peak RSS (MB)", size, mb, None, "< 300 MB"))
    if has_command("plan"):
        t = wall([*EVITRACK, "plan", str(big), "--format", "json"], runs=args.runs)
        rows.append(("plan, NCFE diploma", "45 units", t, None, "< 0.5 s"))

    print(f"{'case':32} {'size':22} {'time':>9} {'baseline':>9} {'ratio':>6}  target")
    for case, size, t, base, target in rows:
        if case.endswith("(MB)"):
            print(f"{case:32} {size:22} {t:8.0f}M {'':>9} {'':>6}  {target}")
            continue
        b = f"{base:8.3f}s" if base else f"{'':>9}"
        r = f"{t / base:5.1f}x" if base else f"{'':>6}"
        print(f"{case:32} {size:22} {t:8.3f}s {b} {r}  {target}")


if __name__ == "__main__":
    main()
