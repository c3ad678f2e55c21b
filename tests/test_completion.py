"""Shell completion: qualification, unit and record ids, never an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from evitrack.cli import _complete, app

runner = CliRunner()
NCFE = "ncfe-l3-diploma-customer-service"


@pytest.fixture
def sam(tmp_path: Path) -> Path:
    target = tmp_path / "sam"
    result = runner.invoke(app, ["init", str(target), "-q", NCFE, "--units", "09"])
    assert result.exit_code == 0, result.output
    return target


def test_qualification_ids() -> None:
    assert _complete.qualification_ids("pearson") == [
        (
            "pearson-btec-l3-certificate-customer-service-specialists",
            "Pearson BTEC Level 3 Certificate for Customer Service Specialists",
        ),
        (
            "pearson-btec-l3-diploma-customer-service-specialists",
            "Pearson BTEC Level 3 Diploma for Customer Service Specialists",
        ),
    ]
    assert len(_complete.qualification_ids("")) == 6
    assert _complete.qualification_ids("nope") == []


def test_unit_ids_of_the_portfolio(sam: Path) -> None:
    assert [u for u, _ in _complete.portfolio_units("", sam / "evidence")] == [
        "01",
        "02",
        "03",
        "04",
        "05",
        "06",
        "09",
    ]
    assert _complete.portfolio_units("09", sam) == [("09", "Resolve customers' complaints")]
    # plan --units: any unit of the qualification, the last of a comma-separated list
    units = [u for u, _ in _complete.qualification_units("01,3", None, sam)]
    assert units[:3] == ["01,30", "01,31", "01,32"]
    assert [u for u, _ in _complete.qualification_units("01,0", NCFE)][:2] == ["01,02", "01,03"]
    # matrix -u: the units taken only
    chosen = _complete.qualification_units("01,", None, sam, chosen_only=True)
    assert [u for u, _ in chosen] == ["01,02", "01,03", "01,04", "01,05", "01,06", "01,09"]


def test_record_ids(sam: Path) -> None:
    assert _complete.record_ids("", sam) == [
        ("E0001", "Reflective account of my first week in the role")
    ]
    assert _complete.record_ids("X", sam) == []


def test_completion_never_fails(tmp_path: Path) -> None:
    assert _complete.portfolio_units("", tmp_path) == []  # no portfolio
    assert _complete.record_ids("", tmp_path) == []
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "evitrack.yaml").write_text("qualification: [\n")
    assert _complete.portfolio_units("", broken) == []
    assert _complete.qualification_units("", None, broken) == []
    assert _complete.qualification_units("", "no-such-qualification") == []


def test_completion_through_the_shell_mechanism(sam: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sam)
    for words, expected in (
        ("evitrack sign 0", "01\n02\n03\n04\n05\n06\n09\n"),
        ("evitrack assess E", "E0001\n"),
        ("evitrack init -q unit", "unit-fragment-customer-service-standards\n"),
        ("evitrack qualification show ncfe-l3", f"{NCFE}\n"),
    ):
        result = runner.invoke(
            app,
            [],
            prog_name="evitrack",
            env={
                "_EVITRACK_COMPLETE": "complete_bash",
                "COMP_WORDS": words,
                "COMP_CWORD": str(len(words.split()) - 1),
            },
        )
        assert (result.exit_code, result.stdout) == (0, expected), words
