from __future__ import annotations

import pytest
from hypothesis import settings

from effort import FULL

# Tests that name no count of examples: hypothesis's default in CI, fewer locally. A test
# that names its count passes it through effort.examples (test_effort.py keeps it so).
settings.register_profile("ci", settings.get_profile("default"))
settings.register_profile("dev", max_examples=10)
settings.load_profile("ci" if FULL else "dev")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite golden/expected files from the current output (review the diff!).",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
