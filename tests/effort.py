"""How hard the property tests try: everything in CI, a tenth on a developer's machine.

CI sets `CI=true`; set `EVITRACK_FULL_TESTS=1` to run the full counts locally.
"""

from __future__ import annotations

import os

FULL = bool(os.environ.get("CI") or os.environ.get("EVITRACK_FULL_TESTS"))


def examples(n: int) -> int:
    """The number of hypothesis examples for a test that asks for `n` in CI."""
    return n if FULL else max(5, n // 10)
