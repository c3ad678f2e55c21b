"""Benchmark `evitrack plan` on the NCFE Level 3 Diploma (45 units) with a partial portfolio.

Builds a realistic portfolio in a temporary folder (the mandatory units and seven
optional ones chosen; about 60% of their criteria cited across 40 records, a few
records citing a unit not chosen), then prints the median time of:

- `planner.plan` in process (warm: highspy already imported), over --runs runs;
- the first `planner.plan` of a fresh process (cold: includes importing highspy);
- the whole command, `python -m evitrack plan DIR --format json`, in a subprocess
  (and `evitrack check DIR` for comparison: what loading the portfolio costs anyway).

    python benchmarks/bench_plan.py [--runs 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QID = "ncfe-l3-diploma-customer-service"
OPTIONAL = ["07", "09", "12", "13", "17", "29", "30"]
NOT_CHOSEN_BUT_CITED = ["18"]


def build(root: Path, seed: int = 7) -> Path:
    from evitrack import catalogue
    from evitrack.rules import mandatory_units

    q = catalogue.load(QID)
    target = root / "learner"
    (target / "evidence").mkdir(parents=True)
    units = [*mandatory_units(q), *OPTIONAL]
    (target / "evitrack.yaml").write_text(
        f"qualification: {QID}\n"
        "learner:\n  name: Bench Learner\n  registration: NC000001\n"
        f"units: {json.dumps(units)}\n"
    )
    rng = random.Random(seed)
    pool = [(u, c.id) for u in units for c in q.units[u].criteria]
    cited = rng.sample(pool, k=int(len(pool) * 0.6))
    cited += [(u, c.id) for u in NOT_CHOSEN_BUT_CITED for c in q.units[u].criteria[:4]]
    rng.shuffle(cited)
    day = dt.date(2026, 1, 5)
    for i in range(40):
        batch = cited[i::40]
        by_unit: dict[str, list[str]] = {}
        for u, c in batch:
            by_unit.setdefault(u, []).append(c)
        lines = [
            f"id: E{i + 1:04d}",
            f"title: Evidence record {i + 1}",
            f"date: {(day + dt.timedelta(days=i)).isoformat()}",
            "methods: [observation]",
            "description: |",
            "  Dealt with a customer query at the service desk and recorded the outcome.",
            "criteria:",
            *(f"  {json.dumps(u)}: {json.dumps(ids)}" for u, ids in by_unit.items()),
        ]
        (target / "evidence" / f"E{i + 1:04d}.yaml").write_text("\n".join(lines) + "\n")
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        target = build(Path(tmp))
        cold_code = (
            "import time, sys\n"
            "from pathlib import Path\n"
            "from evitrack import planner\n"
            "from evitrack.portfolio import load\n"
            f"p = load(Path({str(target)!r})).portfolio\n"
            "t = time.perf_counter()\n"
            "planner.plan(p.qualification, p.units, planner.cited(p.records))\n"
            "print(time.perf_counter() - t)\n"
        )
        cold = [
            float(
                subprocess.run(
                    [sys.executable, "-c", cold_code], check=True, capture_output=True, text=True
                ).stdout
            )
            for _ in range(max(3, args.runs // 3))
        ]

        from evitrack import planner
        from evitrack.portfolio import load

        p = load(target).portfolio
        assert p is not None
        done = planner.cited(p.records)
        result = planner.plan(p.qualification, p.units, done)
        warm = []
        for _ in range(args.runs):
            t = time.perf_counter()
            planner.plan(p.qualification, p.units, done)
            warm.append(time.perf_counter() - t)

        def whole(command: list[str]) -> float:
            t = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "evitrack", *command, str(target), "--format", "json"],
                capture_output=True,
                text=True,
            )
            assert proc.returncode in (0, 1), proc.stderr
            return time.perf_counter() - t

        repeats = max(3, args.runs // 3)
        cli = [whole(["plan"]) for _ in range(repeats)]
        baseline = [whole(["check"]) for _ in range(repeats)]

    cited_n = sum(len(v) for v in done.values())
    print(
        f"NCFE diploma: {len(p.qualification.units)} units, {len(p.units)} chosen, "
        f"{cited_n} criteria cited in {len(p.records)} records"
    )
    print(f"plan: add {result.add}, drop {result.drop}, {result.remaining} criteria left")
    print(f"planner.plan, warm (median of {len(warm)}): {statistics.median(warm) * 1000:8.1f} ms")
    print(f"planner.plan, cold (median of {len(cold)}): {statistics.median(cold) * 1000:8.1f} ms")
    print(
        f"evitrack plan --format json, whole process (median of {len(cli)}): "
        f"{statistics.median(cli) * 1000:8.1f} ms"
    )
    print(
        f"for comparison, evitrack check, whole process (median of {len(baseline)}): "
        f"{statistics.median(baseline) * 1000:8.1f} ms"
    )


if __name__ == "__main__":
    main()
