"""The centre's dashboard (`evitrack report CASELOAD`) on the example caseload: the same
numbers as `gaps` and `iqa report`, learners at risk, every format, escaping, bad input."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evitrack.cli import app
from test_render import golden

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
runner = CliRunner()
DAY = "2026-06-01"  # Jade's last accepted evidence (2026-03-05) is 12 weeks old; Owen's 3


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def after_the_loop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example caseload after the IQA's loop: one agreement, one disagreement."""
    cl = tmp_path_factory.mktemp("riverside") / "caseload-riverside"
    shutil.copytree(EXAMPLES / "caseload-riverside", cl)
    assert invoke("iqa", "plan", str(cl), "--seed", "2026-06", "--save").exit_code == 0
    iqa = ["--iqa", "Ruth Bell", "--date", DAY]
    assert invoke("iqa", "record", str(cl / "jade-morris"), "-u", "CU791", "--agree", *iqa)
    assert invoke(
        "iqa", "record", str(cl / "liam-carter"), "-u", "CU795", "--disagree", *iqa,
        "--comment", "Ask Liam what he would do next time",
    )  # fmt: skip
    return cl


@pytest.fixture
def riverside(after_the_loop: Path, tmp_path: Path) -> Path:
    """A copy of `after_the_loop` for one test to change."""
    cl = tmp_path / "caseload-riverside"
    shutil.copytree(after_the_loop, cl, ignore=shutil.ignore_patterns(".evitrack-cache"))
    return cl


def dashboard(cl: Path, *args: str) -> dict[str, Any]:
    result = invoke("report", str(cl), "--format", "json", "--date", DAY, *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["learner"]["name"]: p for p in data["learners"]}


# ---- the numbers are gaps' and iqa report's -------------------------------------------


def test_json_gives_what_gaps_and_iqa_report_give(riverside: Path) -> None:
    data = dashboard(riverside)
    gaps = json.loads(invoke("gaps", str(riverside), "--format", "json").stdout)
    iqa = invoke("iqa", "report", str(riverside), "--format", "json")
    assert iqa.exit_code == 1  # Priya Shah's and Tom Okafor's samples still to be looked at
    assert data["iqa"] == json.loads(iqa.stdout)
    assert data["caseload"] == "caseload-riverside"
    assert data["date"] == DAY and data["stale_weeks"] == 8
    assert len(data["learners"]) == len(gaps["portfolios"]) == 4
    totals: dict[str, list[int]] = {}
    for mine, theirs in zip(data["learners"], gaps["portfolios"], strict=True):
        assert mine["learner"] == theirs["learner"]
        assert riverside.joinpath(mine["portfolio"]).resolve() == Path(theirs["path"]).resolve()
        assert mine["anchor"] == "learner-" + mine["portfolio"]
        assert mine["qualification"] == theirs["qualification"]
        assert mine["complete"] == theirs["complete"]
        assert [u["unit"] for u in mine["units"]] == [u["unit"] for u in theirs["units"]]
        for u, g in zip(mine["units"], theirs["units"], strict=True):
            assert (u["accepted"], u["evidenced"], u["total"], u["complete"]) == (
                len(g["accepted"]),
                len(g["evidenced"]),
                g["total"],
                g["complete"],
            )
            unmet = {*g["missing"], *g["evidenced"], *g["reasons"]}
            assert {x["criterion"] for x in u["gaps"]} == unmet
            t = totals.setdefault(u["unit"], [0, 0, 0, 0])
            t[0] += 1
            t[1] += g["complete"]
            t[2] += len(g["accepted"])
            t[3] += g["total"]
        assert mine["accepted"] == sum(len(u["accepted"]) for u in theirs["units"])
        assert mine["total"] == sum(u["total"] for u in theirs["units"])
    assert {
        u["unit"]: [u["learners"], u["complete"], u["accepted"], u["total"]] for u in data["units"]
    } == totals


def test_the_disagreement_and_the_referral_put_learners_at_risk(riverside: Path) -> None:
    data = dashboard(riverside)
    people = by_name(data)
    liam = people["Liam Carter"]
    iqa = json.loads(invoke("iqa", "report", str(riverside), "--format", "json").stdout)
    open_units = [a["unit"] for a in iqa["actions"] if a["status"] == "open"]
    assert liam["iqa_open"] == open_units == ["CU795"]
    assert liam["referrals"] == ["E0003"]  # the example's one referral (README: W208)
    assert [r["kind"] for r in liam["risks"]] == ["stale", "referral", "iqa"]
    assert {"kind": "iqa", "detail": "IQA disagreement open on unit CU795"} in liam["risks"]
    assert people["Owen Price"]["risks"] == []
    assert data["at_risk"] == [p["portfolio"] for p in data["learners"] if p["risks"]]
    assert "owen-price" not in data["at_risk"] and "liam-carter" in data["at_risk"]


OWEN_RECORD = """\
id: E0100
title: Observed at the café till again
date: 2026-07-08
methods: [observation]
description: Tom watched me deal with a complaint.
criteria:
  "CU802": ["1.1"]
"""


def test_a_learner_at_risk_is_no_longer_once_evidence_is_accepted(riverside: Path) -> None:
    later = ["--date", "2026-07-15"]  # Owen's last accepted evidence: 2026-05-07, 9 weeks
    owen = by_name(dashboard(riverside, *later))["Owen Price"]
    assert owen["last_accepted"] == "2026-05-07"
    assert owen["risks"] == [
        {"kind": "stale", "detail": "no evidence accepted for 9 weeks (last on 2026-05-07)"}
    ]
    assert by_name(dashboard(riverside, *later, "--stale-weeks", "10"))["Owen Price"]["risks"] == []
    folder = riverside / "owen-price"
    (folder / "evidence" / "E0100-cafe.yaml").write_text(OWEN_RECORD, encoding="utf-8")
    result = invoke(
        "assess", "E0100", str(folder), "--accept", "--assessor", "Tom Okafor",
        "--date", "2026-07-10",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    owen = by_name(dashboard(riverside, *later))["Owen Price"]
    assert owen["last_accepted"] == "2026-07-10"
    assert owen["risks"] == []


def test_a_void_sign_off_puts_the_learner_at_risk(riverside: Path) -> None:
    jade = riverside / "jade-morris"
    assert by_name(dashboard(riverside))["Jade Morris"]["void_signoffs"] == []
    refer = ["--assessor", "Mark Evans", "--comment", "Redo it", "--date", "2026-05-01"]
    assert invoke("assess", "E0001", str(jade), "--refer", *refer).exit_code == 0
    check = json.loads(invoke("check", str(jade), "--format", "json").stdout)
    voided = [d for d in check["diagnostics"] if d["code"] == "W409"]
    assert len(voided) == 1 and "CU791" in voided[0]["message"]
    p = by_name(dashboard(riverside))["Jade Morris"]
    assert p["void_signoffs"] == ["CU791"]
    assert p["referrals"] == ["E0001"]
    assert p["risks"][1:] == [
        {"kind": "referral", "detail": "referred, not decided again: E0001"},
        {"kind": "void", "detail": "sign-off void on unit CU791"},
    ]


def test_without_a_sampling_policy_there_is_no_iqa_picture(riverside: Path) -> None:
    (riverside / "sampling.yaml").unlink()
    data = dashboard(riverside)
    assert data["iqa"] is None
    # the disagreement recorded in Liam's portfolio still stands
    assert by_name(data)["Liam Carter"]["iqa_open"] == ["CU795"]
    text = invoke("report", str(riverside), "--date", DAY)
    assert text.exit_code == 0
    assert "no sampling.yaml in the caseload: no IQA picture" in text.stdout


# ---- text, markdown, html ---------------------------------------------------------------


def test_text_and_markdown(riverside: Path, update_golden: bool) -> None:
    text = invoke("report", str(riverside), "--date", DAY)
    assert text.exit_code == 0
    golden("riverside-dashboard.txt", text.stdout, update_golden)
    markdown = invoke("report", str(riverside), "--date", DAY, "--format", "markdown")
    assert markdown.exit_code == 0
    golden("riverside-dashboard.md", markdown.stdout, update_golden)
    csv = invoke("report", str(riverside), "--date", DAY, "--format", "csv")
    assert csv.exit_code == 0
    assert csv.stdout.splitlines()[0] == (
        "portfolio,learner,registration,qualification,accepted,total,units_complete,units,"
        "last_accepted,at_risk"
    )
    assert len(csv.stdout.splitlines()) == 5


def test_html_is_self_contained_and_links_each_learner(
    riverside: Path, update_golden: bool
) -> None:
    result = invoke("report", str(riverside), "--format", "html", "--date", DAY)
    assert result.exit_code == 0
    html = result.stdout
    # the plan is saved under the day it was drawn: the one thing here that is not fixed
    shown = re.sub(r"iqa/plan-\d{4}-\d\d-\d\d\.yaml", "iqa/plan-DATE.yaml", html)
    golden("riverside-dashboard.html", shown, update_golden)
    assert "<script" not in html.lower()
    assert not re.search(r"https?://", html)
    assert "@import" not in html and "url(" not in html  # no fonts or images from elsewhere
    for p in dashboard(riverside)["learners"]:
        assert f'<a href="#{p["anchor"]}">' in html
        assert html.count(f'id="{p["anchor"]}"') == 1
    assert html.count('<section class="page') == 5  # the overview, then one per learner
    out = riverside.parent / "out" / "report.html"
    out.parent.mkdir()
    written = invoke("report", str(riverside), "-f", "html", "--date", DAY, "-o", str(out))
    assert written.exit_code == 0
    assert written.stderr == f"wrote {out}\n"
    assert out.read_text(encoding="utf-8") == html


def test_user_text_is_escaped_in_html_and_markdown(riverside: Path) -> None:
    yaml = riverside / "jade-morris" / "evitrack.yaml"
    yaml.write_text(
        yaml.read_text().replace('name: "Jade Morris"', 'name: "Jade <b>Bold</b> | Morris"')
    )
    iqa = ["--iqa", "Ruth <i>Bell</i>", "--date", DAY, "--comment", "Redo <b>it</b> | now"]
    assert invoke("iqa", "record", str(riverside / "owen-price"), "-u", "CU802", "--disagree", *iqa)
    html = invoke("report", str(riverside), "-f", "html", "--date", DAY).stdout
    assert "Jade &lt;b&gt;Bold&lt;/b&gt; | Morris" in html
    assert "Redo &lt;b&gt;it&lt;/b&gt; | now" in html
    assert "Ruth &lt;i&gt;Bell&lt;/i&gt;" in html
    assert "<b>" not in html and "<i>" not in html
    md = invoke("report", str(riverside), "-f", "markdown", "--date", DAY).stdout
    assert "| Jade \\<b\\>Bold\\</b\\> \\| Morris | EDI-60311874 |" in md
    assert "Redo \\<b\\>it\\</b\\> \\| now" in md
    assert "<b>" not in md and "<i>" not in md


# ---- bad input --------------------------------------------------------------------------


def test_not_a_caseload(tmp_path: Path, riverside: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (empty, riverside / "jade-morris", tmp_path / "nowhere"):
        result = invoke("report", str(folder))
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr == (
            f"evitrack: error: {folder}: not a caseload (a folder holding portfolios)\n"
            "    hint: name the folder whose sub-folders hold evitrack.yaml\n"
        )


def test_a_broken_portfolio_inside(riverside: Path) -> None:
    yaml = riverside / "owen-price" / "evitrack.yaml"
    yaml.write_text(yaml.read_text().replace("learner:\n", "learner: [\n", 1))
    result = invoke("report", str(riverside), "-f", "html")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert re.match(
        rf"evitrack: error: the portfolio at \S*owen-price cannot be used: "
        rf"\S*{re.escape('owen-price/evitrack.yaml')}:\d+:\d+: error\[E0\d\d\]",
        result.stderr,
    ), result.stderr


def test_a_broken_sampling_policy(riverside: Path) -> None:
    policy = riverside / "sampling.yaml"
    policy.write_text(policy.read_text().replace("medium: 50", "medium: 150"))
    result = invoke("report", str(riverside))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert re.match(r"\S*sampling\.yaml:5:\d+: error\[E\d+\]", lines[0]), lines
    assert lines[-1] == "evitrack: the caseload's IQA files have errors: no report"


def test_output_rules(riverside: Path) -> None:
    refused = invoke("report", str(riverside), "-f", "json", "-o", str(riverside / "x.json"))
    assert refused.exit_code == 2
    assert refused.stderr == (
        "evitrack: error: -o writes the html or pdf dashboard\n"
        "    hint: add --format html, or redirect the output\n"
    )
    own = riverside / "jade-morris" / "evitrack.yaml"
    before = own.read_bytes()
    result = invoke("report", str(riverside), "-f", "html", "-o", str(own))
    assert result.exit_code == 2
    assert "is one of the portfolio's own files" in result.stderr
    assert own.read_bytes() == before
    bad_date = invoke("report", str(riverside), "--date", "01/06/2026")
    assert bad_date.exit_code == 2


# ---- the README -------------------------------------------------------------------------


@pytest.mark.slow
def test_the_readme_dashboard_runs_after_the_loop(tmp_path: Path) -> None:
    section = README.split("## Internal quality assurance", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) >= 2
    commands = [shlex.split(line) for b in blocks[:2] for line in b.splitlines() if line.strip()]
    assert commands[-1][:3] == ["evitrack", "report", "examples/caseload-riverside"]
    shutil.copytree(EXAMPLES / "caseload-riverside", tmp_path / "examples" / "caseload-riverside")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        codes = [invoke(*cmd[1:]).exit_code for cmd in commands]
    assert codes[-1] == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Ask Liam what he would do next time" in html


@pytest.mark.slow
def test_pdf(riverside: Path, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    out = tmp_path / "report.pdf"
    result = invoke("report", str(riverside), "-f", "pdf", "--date", DAY, "-o", str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    again = tmp_path / "again.pdf"
    invoke("report", str(riverside), "-f", "pdf", "--date", DAY, "-o", str(again))
    assert again.read_bytes() == data  # the same caseload and date give the same bytes


def test_pdf_without_weasyprint_names_the_extra(tmp_path: Path) -> None:
    import subprocess
    import sys

    from test_pdf import MISSING, STUB

    cl = tmp_path / "caseload-riverside"
    shutil.copytree(EXAMPLES / "caseload-riverside", cl)
    stub = tmp_path / "stub" / "weasyprint"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(STUB)
    out = tmp_path / "out"
    out.mkdir()
    code = f"import sys; sys.path.insert(0, {str(stub.parent)!r}); from evitrack.cli import main; main()"
    run = subprocess.run(
        [sys.executable, "-c", code, "report", str(cl), "-f", "pdf", "-o", str(out / "r.pdf")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (run.returncode, run.stdout, run.stderr) == (2, "", MISSING)
    assert list(out.iterdir()) == []
