"""Realistic synthetic portfolios for the benchmarks (records like the examples, ~25 lines).

    python benchmarks/generate.py OUT --records 2000 [--attachment-kb 50]
    python benchmarks/generate.py OUT --records 50 --portfolios 500     # a caseload

With --attachment-kb each record attaches one file of that size (random bytes, which do
not compress, as photos, recordings and scans do not): a .jpg, a .m4a or a .dat in turn,
with its sha256 in the record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
from pathlib import Path

from evitrack import catalogue
from evitrack.rules import mandatory_units

SITUATIONS = [
    "a customer whose delivery had not arrived",
    "a complaint about a billing error on a monthly account",
    "an elderly customer who needed help with the self-service till",
    "a caller asking to cancel a contract before its end date",
    "a customer who wanted a refund without a receipt",
    "a query from a business client about bulk pricing",
    "a customer upset about a long wait in the queue",
    "a request to change a booking at short notice",
]
METHODS = [
    "observation",
    "witness-testimony",
    "product",
    "questioning",
    "professional-discussion",
    "reflective-account",
]


ATTACHMENT_KINDS = ("photo", "jpg"), ("recording", "m4a"), ("notes", "dat")


def record_text(
    i: int,
    unit_refs: dict[str, list[str]],
    rng: random.Random,
    day: dt.date,
    attachment: tuple[str, str] | None = None,
) -> str:
    situation = rng.choice(SITUATIONS)
    methods = rng.sample(METHODS, k=rng.randint(1, 2))
    lines = [
        f"id: E{i:04d}",
        f"title: Dealt with {situation}",
        f"date: {day.isoformat()}",
        f"methods: [{', '.join(methods)}]",
        "description: |",
        f"  I dealt with {situation}. I greeted them, listened without interrupting",
        "  and asked open questions to find out what had gone wrong. I checked the",
        "  account on the system, explained the options within our policy and agreed",
        "  the next steps with the customer. I recorded the outcome on the CRM and",
        "  followed up by email the next day to confirm it had been resolved.",
        "  My team leader observed the conversation and gave feedback afterwards.",
        "criteria:",
    ]
    for uid, ids in unit_refs.items():
        lines.append(f'  "{uid}": [{", ".join(f"{c!r}".replace(chr(39), chr(34)) for c in ids)}]')
    lines += [
        "location: Team leader's observation notes, HR shared drive",
    ]
    if attachment is not None:
        lines += ["files:", f"  - path: {attachment[0]}", f"    sha256: {attachment[1]}"]
    if i % 3 == 0:
        lines += [
            "assessment:",
            "  decision: referred",
            "  assessor: Jo Smith",
            f"  date: {(day + dt.timedelta(days=7)).isoformat()}",
            "  comment: Please say how you checked the customer's identity.",
        ]
    lines += ["# end of record", ""]
    return "\n".join(lines)


def generate(
    root: Path, qualification: str, records: int, seed: int = 1, attachment_kb: int = 0
) -> Path:
    rng = random.Random(seed)
    q = catalogue.load(qualification)
    units = [u for u in q.units.values() if u.criteria]
    mandatory = set(mandatory_units(q))
    chosen = [u for u in units if u.id in mandatory] + rng.sample(
        [u for u in units if u.id not in mandatory], k=min(6, len(units) - len(mandatory))
    )
    (root / "evidence").mkdir(parents=True, exist_ok=True)
    (root / "evitrack.yaml").write_text(
        f"qualification: {qualification}\n"
        f'learner:\n  name: Learner {seed}\n  registration: "R{seed:05d}"\n'
        "units: [" + ", ".join(f'"{u.id}"' for u in chosen) + "]\n"
    )
    start = dt.date(2024, 1, 8)
    for i in range(1, records + 1):
        refs: dict[str, list[str]] = {}
        for unit in rng.sample(chosen, k=min(2, len(chosen))):
            ids = [c.id for c in unit.criteria]
            refs[unit.id] = sorted(
                rng.sample(ids, k=min(len(ids), rng.randint(1, 4))), key=ids.index
            )
        day = start + dt.timedelta(days=i % 600)
        attachment = None
        if attachment_kb:
            what, suffix = ATTACHMENT_KINDS[i % len(ATTACHMENT_KINDS)]
            rel = f"files/{what}-E{i:04d}.{suffix}"
            data = rng.randbytes(attachment_kb * 1024)
            (root / "files").mkdir(exist_ok=True)
            (root / rel).write_bytes(data)
            attachment = (rel, hashlib.sha256(data).hexdigest())
        text = record_text(i, refs, rng, day, attachment)
        (root / "evidence" / f"E{i:04d}.yaml").write_text(text)
    return root


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--qualification", default="ncfe-l3-diploma-customer-service")
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--portfolios", type=int, default=0, help="make a caseload of this many")
    ap.add_argument("--attachment-kb", type=int, default=0, help="one file of this size a record")
    args = ap.parse_args()
    if args.portfolios:
        for n in range(args.portfolios):
            generate(
                args.out / f"learner-{n:03d}",
                args.qualification,
                args.records,
                seed=n + 1,
                attachment_kb=args.attachment_kb,
            )
    else:
        generate(args.out, args.qualification, args.records, attachment_kb=args.attachment_kb)


if __name__ == "__main__":
    main()
