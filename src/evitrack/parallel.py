"""Work spread over the machine's cores: a caseload's portfolios, one process each."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

J = TypeVar("J")
R = TypeVar("R")


def in_parallel(fn: Callable[[J], R], jobs: list[J]) -> list[R]:
    """`fn` of each job, in order: on up to four processes when there are four jobs or
    more (a caseload's portfolios), else in this one."""
    workers = min(os.cpu_count() or 1, 4)
    if len(jobs) < 4 or workers < 2:
        return [fn(job) for job in jobs]
    from concurrent.futures import ProcessPoolExecutor  # not paid by one portfolio's run

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
