"""YAML syntax errors in a person's words: where to look and what to type, not parser jargon."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evitrack.cli import app

runner = CliRunner()
CLEAN = Path(__file__).parent / "cases" / "check" / "01_clean"
HEAD = "id: E0001\ntitle: Observed\ndate: 2026-03-14\n"

CASES = {
    "no space after a colon": (
        "id:E0001\ntitle: Observed\n",
        '1:3: error[E002]: YAML syntax error: no space after this colon, so the line reads as text, not a key and its value\n    hint: write "id: E0001"',
    ),
    "a colon inside a value": (
        HEAD.replace("Observed", "Note: observed"),
        "2:12: error[E002]: YAML syntax error: a ':' followed by a space inside a value that is not in quotes\n    hint: put the value in quotes: title: \"Note: observed\"",
    ),
    "a colon inside a value, in a list item": (
        "units:\n  - id: R01\n    title: Merchandising: products\n",
        "3:25: error[E002]: YAML syntax error: a ':' followed by a space inside a value that is not in quotes\n    hint: put the value in quotes: title: \"Merchandising: products\"",
    ),
    "a key indented under a value": (
        "id: E0001\n  title: Observed\n",
        "2:8: error[E002]: YAML syntax error: this line is indented more than the line above, which already has its value\n    hint: line it up with the keys above it (spaces only)",
    ),
    "an unclosed list": (
        HEAD + "methods: [observation\ndescription: |\n  Helped.\n",
        "4:10: error[E002]: YAML syntax error: the [ opened here is not closed before line 5, column 14\n    hint: close it with ] on this line",
    ),
    "an unclosed mapping": (
        HEAD + 'criteria: {"09": ["1.1"]\nmethods: [observation]\n',
        "4:11: error[E002]: YAML syntax error: the { opened here is not closed before line 5, column 1\n    hint: close it with }; put any item that holds ',' or ': ' in quotes",
    ),
    "a list item among keys": (
        HEAD + "- observation\n",
        "4:1: error[E002]: YAML syntax error: a list item ('- ...') where a key was expected\n    hint: indent the list under its key, the dashes lined up with each other",
    ),
    "a key among list items": (
        HEAD + 'criteria:\n  - "1.1"\n  "09":\n',
        "6:3: error[E002]: YAML syntax error: a key where a list item ('- ...') was expected\n    hint: a list and keys cannot share one indentation: line the key up with its fellow keys",
    ),
    "a value starting with @": (
        HEAD.replace("Observed", "@desk, observed"),
        "2:8: error[E002]: YAML syntax error: a value cannot start with '@' unless it is quoted\n    hint: put it in quotes: \"@desk, observed\"",
    ),
    "a backslash escape": (
        HEAD + 'location: "C:\\xfiles"\n',
        "4:16: error[E002]: YAML syntax error: a backslash inside double quotes starts an escape such as \\n; this one is not valid\n    hint: use single quotes instead ('C:\\files'), or write each backslash twice",
    ),
    "two documents": (
        HEAD + "---\nid: E0002\n",
        "4:1: error[E002]: YAML syntax error: a second YAML document starts here ('---'); a file holds one\n    hint: remove the '---' line, or move what follows into a file of its own",
    ),
    "an undefined alias": (
        HEAD + "location: *desk\n",
        "4:11: error[E002]: YAML syntax error: *desk refers to an anchor &desk that is not defined\n    hint: evitrack files need no anchors or aliases: write the value out, or quote a text that starts with '*'",
    ),
    "a text not key: value": (
        HEAD + "description: |\nHelped a customer.\n",
        "5:1: error[E002]: YAML syntax error: this line is not `key: value`: the ':' is missing\n    hint: add ': ' after the key; a text that continues the value above must be indented under it",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_syntax_error_is_said_in_words(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, said = CASES[name]
    root = tmp_path / "p"
    shutil.copytree(CLEAN, root, ignore=shutil.ignore_patterns("expected.txt"))
    (root / "evidence" / "E0001.yaml").write_text(text)
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1
    assert result.stdout == f"evidence/E0001.yaml:{said}\n"


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ('methods: "observation, witness"', 'write it as a list: ["observation", "witness"]'),
        ("methods: observation", 'write it as a list: ["observation"]'),
    ],
)
def test_a_text_where_a_list_belongs_keeps_every_item_in_the_hint(
    written: str, hint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    shutil.copytree(CLEAN, root, ignore=shutil.ignore_patterns("expected.txt"))
    record = root / "evidence" / "E0001.yaml"
    record.write_text(record.read_text().replace("methods: [observation]", written))
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1
    assert f"    hint: {hint}\n" in result.stdout
