"""The local loop stays fast and CI stays thorough: how hard the property tests try."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import settings

from effort import FULL, examples

TESTS = Path(__file__).parent


def test_the_loaded_profile_follows_the_environment() -> None:
    expected = settings.get_profile("ci" if FULL else "dev").max_examples
    assert settings.default.max_examples == expected
    assert settings.get_profile("ci").max_examples == settings.get_profile("default").max_examples


def test_examples_is_the_full_count_in_ci_and_a_tenth_locally() -> None:
    if FULL:
        assert [examples(n) for n in (15, 60, 300)] == [15, 60, 300]
    else:
        assert [examples(n) for n in (15, 60, 300)] == [5, 6, 30]


def test_every_count_of_examples_goes_through_effort() -> None:
    # a literal count would run at CI strength in the local loop too
    literal = re.compile(r"max_examples\s*=\s*\d")
    found = [
        f"{path.relative_to(TESTS)}:{n}"
        for path in sorted(TESTS.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line) and path.name != "conftest.py"
    ]
    assert found == []
