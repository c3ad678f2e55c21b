"""Apprenticeship standards: the shipped Customer Service Specialist standard checked
against the seed, `evitrack standard list/show/check/import`, KSBs in a portfolio.

The expected KSB text and grid are the rows of Annexe A of the Pearson BTEC seed
(shared/seeds/pearson-btec-l3-customer-service-specialists.txt), copied verbatim
below and parsed here, not taken from the YAML files.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from evitrack.cli import app

STD = "customer-service-specialist"
CERT = "pearson-btec-l3-certificate-customer-service-specialists"
DIPL = "pearson-btec-l3-diploma-customer-service-specialists"

ANNEXE_A_ROWS = [  # the 14 rows of the seed's Annexe A grid, copied verbatim (tab-separated)
    'Knowledge\t1. Business knowledge and understanding <ul style="list-style-type: none"> Understand what continuous improvement means in a service environment and how your recommendations for change impact your organisation Understand the impact your service provision has on the wider organisation and the value it adds Understand your organisation\'s current business strategy in relation to customers and make recommendations for its future Understand the principles and benefits of being able to think about the future when taking action or making service related decisions Understand a range of leadership styles and apply them successfully in a customer service environment \t#\t\t#\t#\t\t\t\t#',
    'Knowledge (continued)\t2. Customer journey knowledge <ul style="list-style-type: none"> Understand and critically evaluate the possible journeys of your customers, including challenges and the end-to-end experience Understand the reasons why customer issues and complex situations sometimes need referral or escalation for specialist attention Understand the underpinning business processes that support you in bringing about the best outcome for customers and your organisation Understand commercial factors and authority limits for delivering the required customer experience \t\t#\t\t\t\t\t\t',
    '\t3. Knowing your customers and their needs/customer insight <ul style="list-style-type: none"> Know your internal and external customers and how their behaviour may require different approaches from you Understand how to analyse, use and present a range of information to provide customer insight Understand what drives loyalty, retention and satisfaction and how they impact on your organisation Understand different customer types and the role of emotions in bringing about a successful outcome Understand how customer expectations can differ between cultures, ages and social profiles \t\t#\t\t\t\t\t\t',
    '\t4. Customer service culture and environment awareness <ul style="list-style-type: none"> Understand your business environment and culture and the position of customer service within it Understand your organisation structure and what role each department needs to play in delivering customer service and what the consequences are should things go wrong Understand how to find and use industry best practice to enhance own knowledge \t#\t\t\t#\t\t\t\t',
    'Skills\t5. Business focused service delivery <ul style="list-style-type: none"> Demonstrate a continuous improvement and future focussed approach to customer service delivery including decision making and providing recommendations or advice Resolve complex issues by being able to choose from and successfully apply a wide range of approaches Find solutions that meet your organisations needs as well as the customer requirements \t\t\t\t\t\t#\t#\t',
    '\t6. Providing a positive customer experience <ul style="list-style-type: none"> Through advanced questioning, listening and summarising negotiate mutually beneficial outcomes Manage challenging and complicated situations within your level of authority and make recommendations to enable and deliver change to service or strategy Use clear explanations, provide options and solutions to influence and help customers make choices and agree next steps Explore and interpret the customer experience to inform and influence achieving a positive result for customer satisfaction Demonstrate a cost conscious mind-set when meeting customer and the business needs Identifying where highs and lows of the customer journey produce a range of emotions in the customer Use written and verbal communication to simplify and provide complex information in a way that supports positive customer outcome in the relevant format \t\t\t\t\t#\t#\t#\t',
    'Skills (continued)\t7. Working with your customers/customer insights <ul style="list-style-type: none"> Proactively gather customer feedback, through a variety of methods. Critically analyse, and evaluate the meaning, implication and facts and act upon it Analyse your customer types, to identify or anticipate their potential needs and expectations when providing your service \t\t\t\t\t\t\t#\t',
    '\t8. Customer service performance <ul style="list-style-type: none"> Maintain a positive relationship even when you are unable to deliver the customer\'s expected outcome When managing referrals or escalations take into account historical interactions and challenges to determine next steps \t\t\t\t\t#\t#\t\t',
    '\t9. Service improvement <ul style="list-style-type: none"> Analyse the end to end service experience, seeking input from others where required, supporting development of solutions Make recommendations based on your findings to enable improvement Make recommendations and implement where possible, changes in line with new and relevant legislation, regulations and industry best practice \t\t\t\t\t\t\t#\t',
    'Behaviours /attitude\t10. Develop self <ul style="list-style-type: none"> Proactively keep your service, industry and best practice knowledge and skills up to date Consider personal goals related to service and take action towards achieving them \t\t\t\t\t\t\t\t#',
    '\t11. Ownership/ responsibility <ul style="list-style-type: none"> Personally commit to and take ownership for actions to resolve customer issues to the satisfaction of the customer and your organisation Exercises proactivity and creativity when identifying solutions to customer and organisational issues Make realistic promises and deliver on them \t\t\t\t\t#\t\t\t',
    '\t12. Team working <ul style="list-style-type: none"> Work effectively and collaboratively with colleagues at all levels to achieve results Recognise colleagues as internal customers Share knowledge and experience with others to support colleague development \t\t\t\t\t\t\t\t#',
    '\t<p>13. Equality</p> <ul style="list-style-type: none"> • Adopt a positive and enthusiastic attitude being open minded and able to tailor your service to each customer • Be adaptable and flexible to your customer needs whilst continuing to work within the agreed customer service environment \t\t\t\t\t\t\t\t#',
    '\t<p>14. Presentation</p> <ul style="list-style-type: none"> • Demonstrate brand advocacy, values and belief when dealing with customer requests to build trust, credibility and satisfaction • Ensure your personal presentation, in all forms of communication, reflects positively on your organisation\'s brand \t\t\t\t\t\t\t\t#',
]

KIND = {"Knowledge": "knowledge", "Skills": "skill", "Behaviours /attitude": "behaviour"}
LETTER = {"knowledge": "K", "skill": "S", "behaviour": "B"}


def seed_ksbs() -> list[dict]:
    """Each row: number, kind (from the first column, carried down), heading, the run of
    statement text after the list tag, and the units whose column holds '#'."""
    out = []
    kind = ""
    for row in ANNEXE_A_ROWS:
        cells = row.split("\t")
        first = cells[0].replace(" (continued)", "")
        kind = KIND.get(first, kind)
        head, _, body = cells[1].partition('<ul style="list-style-type: none">')
        m = re.fullmatch(r"(?:<p>)?(\d+)\. (.*?)(?:</p>)?", head.strip())
        assert m, head
        units = [str(n) for n, c in enumerate(cells[2:10], 1) if c.strip() == "#"]
        out.append(
            {
                "number": m.group(1),
                "kind": kind,
                "title": m.group(2),
                "body": " ".join(body.replace("•", " ").split()),
                "units": units,
            }
        )
    return out


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def show_json(ref: str = STD) -> dict:
    result = run("standard", "show", ref, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---- the shipped standard against the seed -----------------------------------------


def test_fourteen_ksbs_ids_kinds_and_headings_as_the_seed_gives_them() -> None:
    got = [(k["id"], k["kind"], k["title"]) for k in show_json()["ksbs"]]
    want = [(LETTER[r["kind"]] + r["number"], r["kind"], r["title"]) for r in seed_ksbs()]
    assert len(want) == 14
    assert got == want


def test_every_statement_verbatim_and_none_lost() -> None:
    # the statements, joined, are exactly the seed's text after the list tag
    for k, r in zip(show_json()["ksbs"], seed_ksbs(), strict=True):
        assert " ".join(k["statements"]) == r["body"], k["id"]
        assert all(s and s == " ".join(s.split()) for s in k["statements"])
        assert all(s in r["body"] for s in k["statements"])


def test_reading_13_and_14_are_behaviours_split_at_the_printed_bullets() -> None:
    ksbs = {k["id"]: k for k in show_json()["ksbs"]}
    assert ksbs["B13"]["statements"] == [
        "Adopt a positive and enthusiastic attitude being open minded and able to tailor "
        "your service to each customer",
        "Be adaptable and flexible to your customer needs whilst continuing to work within "
        "the agreed customer service environment",
    ]
    assert len(ksbs["B14"]["statements"]) == 2


def test_mapping_is_the_annexe_a_grid_units_1_to_8_for_the_diploma() -> None:
    got = show_json()["mappings"][DIPL]
    assert got == {LETTER[r["kind"]] + r["number"]: r["units"] for r in seed_ksbs()}


def test_mapping_for_the_certificate_keeps_units_1_to_4_only() -> None:
    got = show_json()["mappings"][CERT]
    want = {
        LETTER[r["kind"]] + r["number"]: [u for u in r["units"] if int(u) <= 4] for r in seed_ksbs()
    }
    assert got == want
    assert got["S6"] == [] and got["K1"] == ["1", "3", "4"]


def test_one_source_of_truth_the_standard_agrees_with_the_qualification_files() -> None:
    # the grid lives in the qualification files; the standard's KSB text must match theirs
    ksbs = show_json()["ksbs"]
    for qid in (CERT, DIPL):
        result = run("qualification", "show", qid, "--format", "json")
        items = json.loads(result.stdout)["mappings"][0]["items"]
        assert [(LETTER[i["kind"]] + i["id"], i["text"], i["statements"]) for i in items] == [
            (k["id"], k["title"], k["statements"]) for k in ksbs
        ]


def test_what_the_seed_does_not_give_is_null_with_the_reading_recorded() -> None:
    data = show_json()
    assert (data["level"], data["version"], data["reference"]) == (None, None, None)
    assert data["typical_duration_months"] is None and data["otj_minimum_hours"] is None
    assert data["gateway"] == []
    text = (
        Path(__file__).resolve().parents[1]
        / "src/evitrack/apprenticeship/standards/customer-service-specialist.yaml"
    ).read_text()
    assert "'having met all other gateway requirements of the Apprenticeship Standard'" in " ".join(
        text.split()
    )
    assert "K1-K4 knowledge, S5-S9 skills, B10-B14 behaviours" in " ".join(text.split())


# ---- standard list / show / check ----------------------------------------------------


def test_standard_list_json() -> None:
    result = run("standard", "list", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {"id": STD, "title": "Customer Service Specialist", "level": None, "version": None}
    ]


def test_standard_list_text() -> None:
    result = run("standard", "list")
    assert result.exit_code == 0
    assert result.stdout == f"{STD}  Customer Service Specialist\n"


def test_standard_show_text_names_units_beside_each_ksb() -> None:
    result = run("standard", "show", STD)
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "Customer Service Specialist (customer-service-specialist)\n\n"
        "K1 Business knowledge and understanding (knowledge)\n"
        "  - Understand what continuous improvement means"
    )
    assert (
        "B14 Presentation (behaviour)\n"
        "  - Demonstrate brand advocacy, values and belief when dealing with customer requests "
        "to build trust, credibility and satisfaction\n"
        "  - Ensure your personal presentation, in all forms of communication, reflects "
        "positively on your organisation's brand\n"
        f"  units of {DIPL}: 8\n"
        f"  units of {CERT}: none\n"
    ) in result.stdout


def test_standard_show_unknown_id_suggests() -> None:
    result = run("standard", "show", "customer-service-specalist")
    assert result.exit_code == 2
    assert result.stderr == (
        'evitrack: error: unknown apprenticeship standard "customer-service-specalist"\n'
        '    hint: did you mean "customer-service-specialist"?\n'
    )


def test_standard_check_shipped_is_clean() -> None:
    result = run("standard", "check", STD)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "ok: 1 file checked, no problems\n"


GOOD = """\
format: 1
kind: standard
id: my-standard
title: My standard
level: 3
version: "1.0"
ksbs:
  - id: K1
    kind: knowledge
    title: Know the products
  - id: S1
    kind: skill
    title: Serve customers
mappings:
  - qualification: pearson-btec-l3-diploma-customer-service-specialists
    units: {K1: ["1", "2/1.1"], S1: ["5"]}
"""


def test_standard_check_a_centre_file_and_show_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("std.yaml").write_text(GOOD)
    result = run("standard", "check", "std.yaml")
    assert (result.exit_code, result.stdout) == (0, "")
    data = show_json("std.yaml")
    assert data["mappings"] == {DIPL: {"K1": ["1", "2/1.1"], "S1": ["5"]}}
    assert [k["id"] for k in data["ksbs"]] == ["K1", "S1"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "  - id: S1\n",
            "  - id: K1\n",
            'std.yaml:11:5: error[E701]: KSB id "K1" is used twice (first at line 8)\n'
            "    hint: give each KSB its own id, and aliases no other KSB uses\n"
            'std.yaml:16:33: error[E702]: mappings[1].units: "S1" is no KSB of this standard\n'
            "    hint: its KSBs: K1\n",
            id="duplicate-ksb",
        ),
        pytest.param(
            "    kind: skill\n",
            "    kind: skills\n",
            'std.yaml:12:11: error[E105]: ksbs[2].kind: "skills" is not one of knowledge, '
            "skill, behaviour\n"
            '    hint: did you mean "skill"?\n',
            id="bad-kind",
        ),
        pytest.param(
            'S1: ["5"]',
            'S2: ["5"]',
            'std.yaml:16:33: error[E702]: mappings[1].units: "S2" is no KSB of this standard\n'
            "    hint: its KSBs: K1, S1\n",
            id="unknown-ksb",
        ),
        pytest.param(
            '"2/1.1"',
            '"2/9.9"',
            'std.yaml:16:23: error[E702]: mappings[1].units.K1: unit 2 has no criterion "9.9"\n'
            '    hint: write "UNIT/CRITERION", e.g. "1/1.1"\n',
            id="unknown-criterion",
        ),
        pytest.param(
            '["5"]}',
            '["9"]}',
            "std.yaml:16:38: error[E702]: mappings[1].units.S1: "
            f'unknown unit "9" in {DIPL}\n'
            "    hint: see `evitrack qualification show "
            f"{DIPL}`\n",
            id="unknown-unit",
        ),
        pytest.param(
            "    units: {",
            "    mapping: nope\n    x: {",
            f'std.yaml:16:14: error[E702]: {DIPL} has no mapping "nope"\n'
            "    hint: its mappings: customer-service-specialist-standard\n"
            'std.yaml:17:5: error[E101]: unknown key "mappings[1].x"\n'
            "    hint: known keys: qualification, mapping, units, note, reading\n",
            id="unknown-mapping",
        ),
        pytest.param(
            "qualification: pearson-btec-l3-diploma-customer-service-specialists",
            "qualification: pearson-btec-l3-diploma",
            'std.yaml:15:20: error[E702]: unknown qualification "pearson-btec-l3-diploma"\n'
            f'    hint: did you mean "{DIPL}"?\n',
            id="unknown-qualification",
        ),
    ],
)
def test_standard_check_problems(tmp_path: Path, monkeypatch, old, new, expected) -> None:
    monkeypatch.chdir(tmp_path)
    assert old in GOOD
    Path("std.yaml").write_text(GOOD.replace(old, new, 1))
    result = run("standard", "check", "std.yaml")
    assert result.stdout == expected
    assert result.exit_code == 1


def test_standard_show_refuses_a_file_with_problems(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("std.yaml").write_text(GOOD.replace("  - id: S1\n", "  - id: K1\n"))
    result = run("standard", "show", "std.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "evitrack: error: standard file std.yaml has 2 problems, the first: std.yaml:11:5: "
        "error[E701]: "
        'KSB id "K1" is used twice (first at line 8)\n'
        "    hint: see them all with `evitrack standard check std.yaml`\n"
    )


def test_standard_check_missing_file() -> None:
    result = run("standard", "check", "no-such.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "evitrack: error: no-such.yaml: no such file\n"
        "    hint: pass the path of a standard file (or a shipped id: `evitrack standard list`)\n"
    )


# ---- standard import ---------------------------------------------------------------

SERVICE_JSON = {
    "referenceNumber": "ST0999",
    "version": "1.1",
    "level": 3,
    "title": "Widget Service Specialist",
    "typicalDuration": 15,
    "knowledges": [
        {"knowledgeId": "K1", "detail": "The widget range and what each model is for."},
        {"knowledgeId": "K2", "detail": "Returns policy:  refunds, repairs\nand exchanges."},
    ],
    "skills": [{"skillId": "S1", "detail": "Demonstrate a widget to a customer."}],
    "behaviours": [{"behaviourId": "B1", "detail": 'Takes ownership of "difficult" cases.'}],
    "duties": [{"dutyDetail": "Serve customers", "ksbs": ["K1", "S1"]}],
}


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, indent=2))
    return path


def test_import_writes_a_standard_that_checks_clean(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_json(Path("st0999.json"), SERVICE_JSON)
    Path("standards").mkdir()
    result = run("standard", "import", "st0999.json", "-o", "standards/widget.yaml")
    assert result.exit_code == 0, result.output
    assert result.stderr == "wrote standards/widget.yaml\n"
    assert Path("standards/widget.yaml").read_text() == (
        "format: 1\n"
        "kind: standard\n"
        "id: widget-service-specialist\n"
        "title: Widget Service Specialist\n"
        "reference: ST0999\n"
        "level: 3\n"
        "version: '1.1'\n"
        "source: st0999.json (the apprenticeship standards service's JSON)\n"
        "typical_duration_months: 15\n"
        "otj_minimum_hours: null\n"
        "ksbs:\n"
        "  - id: K1\n    kind: knowledge\n"
        '    title: "The widget range and what each model is for."\n'
        "  - id: K2\n    kind: knowledge\n"
        '    title: "Returns policy: refunds, repairs and exchanges."\n'
        "  - id: S1\n    kind: skill\n"
        '    title: "Demonstrate a widget to a customer."\n'
        "  - id: B1\n    kind: behaviour\n"
        '    title: "Takes ownership of \\"difficult\\" cases."\n'
        "gateway: []\n"
        "mappings: []\n"
    )
    assert run("standard", "check", "standards/widget.yaml").exit_code == 0
    data = show_json("standards/widget.yaml")
    assert (data["id"], data["level"], data["version"]) == ("widget-service-specialist", 3, "1.1")
    assert data["typical_duration_months"] == 15
    assert data["ksbs"][3] == {
        "id": "B1",
        "kind": "behaviour",
        "title": 'Takes ownership of "difficult" cases.',
        "statements": [],
    }


def test_import_never_overwrites_without_force(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_json(Path("st.json"), SERVICE_JSON)
    Path("out.yaml").write_text("# mine\n")
    result = run("standard", "import", "st.json", "-o", "out.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        "evitrack: error: out.yaml exists\n    hint: pass --force to replace it\n"
    )
    assert Path("out.yaml").read_text() == "# mine\n"
    result = run("standard", "import", "st.json", "-o", "out.yaml", "--force", "--id", "w")
    assert result.exit_code == 0
    assert "id: w\n" in Path("out.yaml").read_text()


def test_import_never_writes_through_a_link(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_json(Path("st.json"), SERVICE_JSON)
    Path("target.yaml").write_text("keep\n")
    Path("out.yaml").symlink_to("target.yaml")
    result = run("standard", "import", "st.json", "-o", "out.yaml", "--force")
    assert result.exit_code == 2
    assert result.stderr == (
        "evitrack: error: out.yaml is a symbolic link: evitrack does not write through links\n"
    )
    assert Path("target.yaml").read_text() == "keep\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            '{\n  "title": "X",\n  "level": 3,,\n}',
            "st.json:3:14: not valid JSON: Expecting property name enclosed in double quotes",
            id="bad-json",
        ),
        pytest.param(
            "[1, 2]",
            "st.json: not an apprenticeship standard: expected a JSON object, found list",
            id="a-list",
        ),
        pytest.param(
            '{\n  "title": "X",\n  "level": "three",\n  "knowledges": []\n}',
            'st.json:3:3: not an apprenticeship standard: "level" must be a whole number, '
            'not "three"',
            id="bad-level",
        ),
        pytest.param(
            '{\n  "title": "X",\n  "knowledges": []\n}',
            "st.json: not an apprenticeship standard: it holds no knowledges, skills or behaviours",
            id="no-ksbs",
        ),
        pytest.param(
            '{"name": "X"}',
            'st.json: not an apprenticeship standard: "title" is missing or empty',
            id="no-title",
        ),
        pytest.param(
            '{"title": "X",\n "skills": [{"skillId": "S1"}]}',
            'st.json:2:2: not an apprenticeship standard: "skills" item 1 has no "detail"',
            id="no-detail",
        ),
    ],
)
def test_import_refuses_what_is_not_a_standard(tmp_path: Path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    Path("st.json").write_text(content)
    result = run("standard", "import", "st.json", "-o", "out.yaml")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"evitrack: error: {message}"
    assert not Path("out.yaml").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["st.json"]


_detail = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip())


@pytest.mark.slow
@settings(deadline=None)
@given(
    details=st.lists(
        st.tuples(st.sampled_from(["knowledges", "skills", "behaviours"]), _detail),
        min_size=1,
        max_size=8,
    )
)
def test_import_check_show_gives_the_ksbs_back(tmp_path_factory, details) -> None:
    folder = tmp_path_factory.mktemp("imp")
    data: dict = {"title": "Round trip", "level": 2, "version": 1.0}
    kinds = {
        "knowledges": ("knowledgeId", "K"),
        "skills": ("skillId", "S"),
        "behaviours": ("behaviourId", "B"),
    }
    want = {}
    for field, detail in details:
        id_field, letter = kinds[field]
        items = data.setdefault(field, [])
        kid = f"{letter}{len(items) + 1}"
        items.append({id_field: kid, "detail": detail})
        want[kid] = " ".join(detail.split())
    src = write_json(folder / "st.json", data)
    out = folder / "std.yaml"
    result = run("standard", "import", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert run("standard", "check", str(out)).exit_code == 0
    shown = json.loads(run("standard", "show", str(out), "--format", "json").stdout)
    order = [f"{L}{n}" for L in "KSB" for n in range(1, 9)]
    assert [k["id"] for k in shown["ksbs"]] == [k for k in order if k in want]
    assert {k["id"]: k["title"] for k in shown["ksbs"]} == want
    assert shown["version"] == "1.0"


def test_the_readme_commands_run(tmp_path: Path, monkeypatch) -> None:
    import shlex

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Apprenticeships\n", 1)[1].split("\n## ", 1)[0]
    lines = [
        line
        for block in re.findall(r"```sh\n(.*?)```", section, re.S)
        for line in block.splitlines()
    ]
    root = portfolio(tmp_path / "p")
    monkeypatch.chdir(root)
    write_json(Path("st0072.json"), SERVICE_JSON)
    Path("standards").mkdir()
    codes = []
    for line in lines:
        words = shlex.split(line)
        assert words[0] == "evitrack"
        result = run(*words[1:])
        codes.append(result.exit_code)
        assert result.exit_code in (0, 1), (line, result.output)
    # every command succeeds; `otj status` exits 1: 3 hours are behind the plan
    assert codes == [0, 0, 0, 0, 0, 1]


def errors_of(output: str) -> str:
    """The errors of `check`'s output, each with its hint (warnings left out)."""
    return "".join(block for block in re.split(r"(?m)^(?=\S)", output) if "error[" in block)


# ---- an apprentice's portfolio: evitrack.yaml, records citing KSBs, gaps ---------------

APPRENTICESHIP = """\
apprenticeship:
  standard: customer-service-specialist
  start: 2025-09-01
  end: 2026-11-30
  weekly_hours: 37.5
  otj_planned_hours: 320
"""


def portfolio(folder: Path, qualification: str = DIPL, apprenticeship: str = APPRENTICESHIP):
    result = run(
        "init",
        str(folder),
        "--qualification",
        qualification,
        "--name",
        "Aisha Rahman",
        "--registration",
        "PB-1",
    )
    assert result.exit_code == 0, result.output
    (folder / "evidence" / "E0001.yaml").unlink()
    with (folder / "evitrack.yaml").open("a") as fh:
        fh.write(apprenticeship)
    return folder


def add(root: Path, refs: str, ksbs: str = "", method: str = "product") -> None:
    result = run(
        "add", str(root), "-t", "Evidence", "-m", method, "-c", refs, "--date", "2026-03-02"
    )
    assert result.exit_code == 0, result.output
    if ksbs:
        path = sorted((root / "evidence").glob("*.yaml"))[-1]
        text = path.read_text()
        path.write_text(text.replace("\nmethods:", f"\nksbs: [{ksbs}]\nmethods:", 1))


def accept(root: Path, rid: str) -> None:
    result = run(
        "assess", rid, str(root), "--assessor", "Lisa Grant", "--date", "2026-03-09", "--accept"
    )
    assert result.exit_code == 0, result.output


def unit_criteria(qid: str, uid: str) -> list[str]:
    q = json.loads(run("qualification", "show", qid, "--format", "json").stdout)
    u = next(u for u in q["units"] if u["id"] == uid)
    return [c["id"] for o in u["outcomes"] for c in o["criteria"]] + [
        k["id"] for k in u["knowledge"]
    ]


@pytest.fixture
def aisha(tmp_path: Path) -> Path:
    root = portfolio(tmp_path / "aisha")
    add(root, "1/1.1", "K1")
    accept(root, "E0001")
    add(root, "5/1.1", "S6, B11")
    add(root, ",".join(f"7/{c}" for c in unit_criteria(DIPL, "7")))
    return root


def test_gaps_json_gives_each_ksb_its_status(aisha: Path) -> None:
    result = run("gaps", str(aisha), "--format", "json")
    assert result.exit_code == 1, result.output  # gaps: 1 while anything is missing
    ksbs = {k["ksb"]: k for k in json.loads(result.stdout)["ksbs"]}
    assert {k: v["status"] for k, v in ksbs.items()} == {
        "K1": "accepted",
        "K2": "missing",
        "K3": "missing",
        "K4": "missing",
        "S5": "unit",
        "S6": "evidenced",
        "S7": "unit",
        "S8": "missing",
        "S9": "unit",
        "B10": "missing",
        "B11": "evidenced",
        "B12": "missing",
        "B13": "missing",
        "B14": "missing",
    }
    assert ksbs["K1"] == {
        "ksb": "K1",
        "status": "accepted",
        "records": ["E0001"],
        "units": ["1", "3", "4", "8"],
        "kind": "knowledge",
        "title": "Business knowledge and understanding",
        "units_covered": [],
    }
    assert ksbs["S5"]["records"] == [] and ksbs["S5"]["units_covered"] == ["7"]
    assert ksbs["S6"]["records"] == ["E0002"] and ksbs["S6"]["units"] == ["5", "6", "7"]


def test_gaps_text_and_markdown_show_the_ksbs_beside_the_units(aisha: Path) -> None:
    result = run("gaps", str(aisha))
    assert result.exit_code == 1  # gaps: 1 while anything is missing
    ksb_part = result.stdout.split("KSBs: ", 1)[1].split("Rules of combination", 1)[0]
    assert ksb_part == (
        "1 of 14 KSBs accepted, 2 evidenced, 3 covered only through units, 8 missing\n"
        "  K1   Business knowledge and understanding: accepted: E0001\n"
        "  K2   Customer journey knowledge: missing: no record cites it; mapped unit 2 not "
        "yet covered\n"
        "  K3   Knowing your customers and their needs/customer insight: missing: no record "
        "cites it; mapped unit 2 not yet covered\n"
        "  K4   Customer service culture and environment awareness: missing: no record cites "
        "it; mapped units 1, 4 not yet covered\n"
        "  S5   Business focused service delivery: covered only through unit 7\n"
        "  S6   Providing a positive customer experience: evidenced, not yet accepted: E0002\n"
        "  S7   Working with your customers/customer insights: covered only through unit 7\n"
        "  S8   Customer service performance: missing: no record cites it; mapped units 5, 6 "
        "not yet covered\n"
        "  S9   Service improvement: covered only through unit 7\n"
        "  B10  Develop self: missing: no record cites it; mapped unit 8 not yet covered\n"
        "  B11  Ownership/ responsibility: evidenced, not yet accepted: E0002\n"
        "  B12  Team working: missing: no record cites it; mapped unit 8 not yet covered\n"
        "  B13  Equality: missing: no record cites it; mapped unit 8 not yet covered\n"
        "  B14  Presentation: missing: no record cites it; mapped unit 8 not yet covered\n"
    )
    md = run("gaps", str(aisha), "--format", "markdown").stdout
    assert (
        "## KSBs\n\n"
        "1 of 14 KSBs accepted, 2 evidenced, 3 covered only through units, 8 missing\n\n"
        "| KSB | title | status |\n|---|---|---|\n"
        "| K1 | Business knowledge and understanding | accepted: E0001 |\n"
    ) in md
    assert "| S5 | Business focused service delivery | covered only through unit 7 |\n" in md


def test_a_partly_covered_unit_does_not_cover_its_ksbs(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p")
    criteria = unit_criteria(DIPL, "7")
    add(root, ",".join(f"7/{c}" for c in criteria[:-1]))
    result = run("gaps", str(root), "--format", "json")
    statuses = {k["ksb"]: k["status"] for k in json.loads(result.stdout)["ksbs"]}
    assert statuses["S7"] == "missing"
    add(root, f"7/{criteria[-1]}")
    result = run("gaps", str(root), "--format", "json")
    statuses = {k["ksb"]: k["status"] for k in json.loads(result.stdout)["ksbs"]}
    assert statuses["S7"] == "unit"


def test_certificate_apprentice_skills_have_no_mapped_unit(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "c", qualification=CERT)
    result = run("gaps", str(root), "--format", "json")
    ksbs = {k["ksb"]: k for k in json.loads(result.stdout)["ksbs"]}
    assert ksbs["S6"]["units"] == [] and ksbs["S6"]["status"] == "missing"
    assert ksbs["K1"]["units"] == ["1", "3", "4"]
    text = run("gaps", str(root)).stdout
    assert (
        "  S6   Providing a positive customer experience: missing: no record cites it, and "
        "no chosen unit is mapped to it\n"
    ) in text


def test_not_an_apprenticeship_gaps_json_has_no_ksbs(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p", apprenticeship="")
    result = run("gaps", str(root), "--format", "json")
    assert result.exit_code == 1  # gaps: 1 while anything is missing
    assert "ksbs" not in json.loads(result.stdout)
    assert "KSBs" not in run("gaps", str(root)).stdout


def test_check_an_unknown_ksb_with_did_you_mean(tmp_path: Path, monkeypatch) -> None:
    root = portfolio(tmp_path / "p")
    add(root, "1/1.1", "K1, S66, k2")
    monkeypatch.chdir(root)
    result = run("check")
    name = sorted(Path("evidence").glob("*.yaml"))[0]
    assert errors_of(result.stdout) == (
        f'{name}:11:12: error[E703]: the apprenticeship standard has no KSB "S66"\n'
        '    hint: did you mean "S6"?\n'
        f'{name}:11:17: error[E703]: the apprenticeship standard has no KSB "k2"\n'
        '    hint: did you mean "K2"?\n'
    )
    assert result.exit_code == 1


def test_check_ksbs_without_an_apprenticeship(tmp_path: Path, monkeypatch) -> None:
    root = portfolio(tmp_path / "p", apprenticeship="")
    add(root, "1/1.1", "K1")
    monkeypatch.chdir(root)
    result = run("check")
    name = sorted(Path("evidence").glob("*.yaml"))[0]
    assert result.stdout == (
        f"{name}:11:1: error[E703]: the record cites KSBs, but evitrack.yaml names no "
        "apprenticeship standard\n"
        "    hint: add `apprenticeship:` with its `standard:` and `start:` to evitrack.yaml, "
        "or remove `ksbs:`\n"
    )
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "standard: customer-service-specialist",
            "standard: customer-service-specalist",
            "evitrack.yaml:{n}:13: error[E704]: unknown apprenticeship standard "
            '"customer-service-specalist"\n'
            '    hint: did you mean "customer-service-specialist"?\n',
            id="unknown-standard",
        ),
        pytest.param(
            "standard: customer-service-specialist",
            "standard: ../std.yaml",
            'evitrack.yaml:{n}:13: error[E704]: standard file "../std.yaml" is outside the '
            "portfolio folder\n"
            "    hint: copy the standard file into the portfolio and refer to it by a relative "
            "path\n",
            id="standard-outside",
        ),
        pytest.param(
            "end: 2026-11-30",
            "end: 2025-08-31",
            "evitrack.yaml:{n+2}:8: error[E105]: apprenticeship.end (2025-08-31) is not after "
            "apprenticeship.start (2025-09-01)\n"
            "    hint: `end` is the planned end of the practical period: a date after `start`\n",
            id="end-before-start",
        ),
        pytest.param(
            "start: 2025-09-01",
            "start: 01/09/2025",
            'evitrack.yaml:{n+1}:10: error[E104]: apprenticeship.start: "01/09/2025" is not a '
            "date in the form YYYY-MM-DD\n"
            "    hint: write dates as YYYY-MM-DD: 2025-09-01\n",
            id="start-not-a-date",
        ),
        pytest.param(
            "weekly_hours: 37.5",
            "weekly_hours: -3",
            "evitrack.yaml:{n+3}:17: error[E105]: apprenticeship.weekly_hours is -3: it must "
            "be from 1 to 168\n"
            "    hint: contracted paid hours a week, e.g. 37.5\n",
            id="weekly-hours-negative",
        ),
        pytest.param(
            "weekly_hours: 37.5",
            'weekly_hours: "37.5"',
            "evitrack.yaml:{n+3}:17: error[E103]: apprenticeship.weekly_hours must be a "
            "number, not text\n"
            "    hint: write the number without quotes: 37.5\n",
            id="weekly-hours-text",
        ),
        pytest.param(
            "otj_planned_hours: 320",
            "otj_planned_hours: lots",
            "evitrack.yaml:{n+4}:22: error[E103]: apprenticeship.otj_planned_hours must be a "
            "number, not text\n",
            id="planned-hours-text",
        ),
        pytest.param(
            "  start: 2025-09-01\n",
            "",
            'evitrack.yaml:{n}:3: error[E102]: required field "apprenticeship.start" is '
            "missing\n"
            "    hint: add `start:` (the start of the apprenticeship)\n",
            id="start-missing",
        ),
    ],
)
def test_check_the_apprenticeship_block(tmp_path: Path, monkeypatch, old, new, expected) -> None:
    root = portfolio(tmp_path / "p", apprenticeship=APPRENTICESHIP.replace(old, new))
    (tmp_path / "std.yaml").write_text(GOOD)
    monkeypatch.chdir(root)
    n = Path("evitrack.yaml").read_text().splitlines().index("apprenticeship:") + 2
    want = re.sub(r"\{n([+-]\d)?\}", lambda m: str(n + int(m.group(1) or 0)), expected)
    result = run("check")
    assert errors_of(result.stdout) == want
    assert result.exit_code == 1


def test_a_centres_imported_standard_inside_the_portfolio(tmp_path: Path, monkeypatch) -> None:
    root = portfolio(
        tmp_path / "p",
        apprenticeship=APPRENTICESHIP.replace(
            "standard: customer-service-specialist", "standard: standards/widget.yaml"
        ),
    )
    (root / "standards").mkdir()
    write_json(tmp_path / "st.json", SERVICE_JSON)
    result = run(
        "standard",
        "import",
        str(tmp_path / "st.json"),
        "-o",
        str(root / "standards" / "widget.yaml"),
    )
    assert result.exit_code == 0
    path = root / "standards" / "widget.yaml"
    path.write_text(
        path.read_text().replace(
            "mappings: []\n", f'mappings:\n  - qualification: {DIPL}\n    units: {{K2: ["1"]}}\n'
        )
    )
    add(root, "1/1.1", "K1")
    monkeypatch.chdir(root)
    assert run("check").exit_code == 0
    ksbs = {k["ksb"]: k for k in json.loads(run("gaps", "--format", "json").stdout)["ksbs"]}
    assert list(ksbs) == ["K1", "K2", "S1", "B1"]
    assert ksbs["K1"]["status"] == "evidenced"
    assert ksbs["K2"]["units"] == ["1"] and ksbs["K2"]["status"] == "missing"


# ---- the off-the-job training log ---------------------------------------------------


def otj_portfolio(
    tmp_path: Path,
    start: str,
    end: str,
    weekly: str,
    planned: str = "null",
    standard: str = "customer-service-specialist",
    settings: str = "",
) -> Path:
    block = (
        f"apprenticeship:\n  standard: {standard}\n  start: {start}\n  end: {end}\n"
        f"  weekly_hours: {weekly}\n  otj_planned_hours: {planned}\n{settings}"
    )
    return portfolio(tmp_path / "p", apprenticeship=block)


def otj_json(root: Path) -> tuple[int, dict]:
    result = run("otj", "status", str(root), "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def write_log(root: Path, name: str, text: str) -> None:
    (root / "otj").mkdir(exist_ok=True)
    (root / "otj" / name).write_text(text)


@pytest.mark.parametrize(
    ("start", "rule_id"),
    [
        ("2022-07-31", "otj-20-percent"),
        ("2022-08-01", "otj-6-hours"),  # "from 1 August 2022", inclusive
        ("2025-07-31", "otj-6-hours"),
        ("2025-08-01", "otj-published-minimum"),  # "from 1 August 2025", inclusive
    ],
)
def test_the_rule_in_force_is_chosen_by_the_start_date(tmp_path: Path, start, rule_id) -> None:
    root = otj_portfolio(tmp_path, start, "2026-01-01", "30")
    _, data = otj_json(root)
    assert data["rule_id"] == rule_id
    assert data["source"]


# 52 weeks (364 days) of practical period, less 5.6 weeks of statutory leave: 46.4 weeks
@pytest.mark.parametrize(
    ("start", "end", "weekly", "minimum"),
    [
        # "20% of paid hours (weekly hours counted up to 30)": 46.4 x 30 x 20%
        ("2021-09-06", "2022-09-05", "37.5", 278.4),
        ("2021-09-06", "2022-09-05", "30", 278.4),
        ("2021-09-06", "2022-09-05", "20", 185.6),  # 46.4 x 20 x 20%
        # "6 hours a week (pro rata under 30 paid hours)": 46.4 x 6
        ("2022-09-05", "2023-09-04", "37.5", 278.4),
        ("2022-09-05", "2023-09-04", "30", 278.4),
        ("2022-09-05", "2023-09-04", "20", 185.6),  # 46.4 x 6 x 20/30
        ("2022-09-05", "2023-09-04", "15", 139.2),  # 46.4 x 6 x 15/30
    ],
)
def test_the_minimum_by_the_rules_words(tmp_path: Path, start, end, weekly, minimum) -> None:
    root = otj_portfolio(tmp_path, start, end, weekly, planned="100")
    _, data = otj_json(root)
    assert data["minimum_hours"] == minimum
    assert data["planned_hours"] == 100
    # the whole period is past: all of the larger of minimum and plan is due
    assert data["expected_to_date"] == minimum
    assert {
        "code": "W709",
        "where": "evitrack.yaml",
        "message": f"the planned 100 hours are fewer than the minimum {minimum:g} the rule asks",
    } in data["warnings"]


def test_from_august_2025_the_standards_published_minimum(tmp_path: Path) -> None:
    root = otj_portfolio(
        tmp_path, "2025-08-01", "2026-08-01", "37.5", planned="320", standard="std.yaml"
    )
    (root / "std.yaml").write_text(GOOD.replace("version:", "otj_minimum_hours: 400\nversion:"))
    code, data = otj_json(root)
    assert (data["minimum_hours"], data["planned_hours"], data["expected_to_date"]) == (
        400,
        320,
        400.0,
    )
    assert code == 1 and data["on_track"] is False
    (root / "std.yaml").write_text(GOOD.replace("version:", "otj_minimum_hours: 200\nversion:"))
    _, data = otj_json(root)
    assert (data["minimum_hours"], data["expected_to_date"]) == (200, 320.0)  # never below plan
    (root / "std.yaml").write_text(GOOD)
    _, data = otj_json(root)
    assert data["minimum_hours"] is None
    assert data["warnings"][0] == {
        "code": "W709",
        "message": "the standard's published minimum OTJ hours is not entered "
        "(otj_minimum_hours in the standard file)",
        "where": "evitrack.yaml",
    }


LOG = """\
- date: 2025-10-01
  hours: 3
  activity: Complaints workshop
  type: training
  logged: 2025-10-31
  confirmed_by: Jo Bloggs
- date: 2025-10-02
  hours: 2.5
  activity: Shadowing the team leader
  type: shadowing
  logged: 2025-11-02
  confirmed_by: null
- date: 2025-10-03
  hours: 1
  activity: Progress review
  type: progress-review
  logged: 2025-10-03
  confirmed_by: Jo Bloggs
"""


def test_late_and_unconfirmed_entries_count_other_types_do_not(tmp_path: Path) -> None:
    root = otj_portfolio(tmp_path, "2025-09-01", "2026-01-01", "37.5", planned="5")
    write_log(root, "autumn.yaml", LOG)
    code, data = otj_json(root)
    assert data["actual_hours"] == 5.5
    assert data["entries"] == 3
    assert data["expected_to_date"] == 5.0 and data["on_track"] is True and code == 0
    assert [w for w in data["warnings"] if w["where"].startswith("otj/")] == [
        {
            "code": "W707",
            "where": "otj/autumn.yaml:7",
            "message": "OTJ training on 2025-10-02 is not confirmed",
        },
        {
            "code": "W706",
            "where": "otj/autumn.yaml:11",
            "message": "logged 31 days after the training (more than 30; settings.otj_late_days)",
        },
        {
            "code": "W708",
            "where": "otj/autumn.yaml:16",
            "message": 'activity type "progress-review" does not count towards OTJ hours: '
            "progress reviews do not count",
        },
    ]


def test_the_late_threshold_is_a_setting(tmp_path: Path) -> None:
    root = otj_portfolio(
        tmp_path,
        "2025-09-01",
        "2026-01-01",
        "37.5",
        planned="5",
        settings="settings:\n  otj_late_days: 29\n",
    )
    write_log(root, "autumn.yaml", LOG)
    _, data = otj_json(root)
    late = [w["where"] for w in data["warnings"] if w["code"] == "W706"]
    assert late == ["otj/autumn.yaml:5", "otj/autumn.yaml:11"]


def test_check_reports_falling_behind(tmp_path: Path, monkeypatch) -> None:
    root = otj_portfolio(tmp_path, "2025-09-01", "2026-01-01", "37.5", planned="100")
    write_log(root, "autumn.yaml", LOG)
    monkeypatch.chdir(root)
    result = run("check")
    n = Path("evitrack.yaml").read_text().splitlines().index("apprenticeship:") + 1
    assert (
        f"evitrack.yaml:{n}:1: warning[W709]: 5.5 OTJ hours logged, 100 expected by "
        f"{__import__('datetime').date.today().isoformat()}: 94.5 behind\n"
        "    hint: see `evitrack otj status` for the rule in force and the hours\n"
    ) in result.stdout
    assert result.exit_code == 0
    assert run("check", "--strict").exit_code == 1
    assert run("otj", "status").exit_code == 1


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        pytest.param(
            "hours: -1",
            "otj/log.yaml:2:10: error[E105]: [1].hours is -1: it must be "
            "from 0 to 24\n    hint: hours of training that day\n",
            id="negative",
        ),
        pytest.param(
            "hours: 25",
            "otj/log.yaml:2:10: error[E105]: [1].hours is 25: it must be "
            "from 0 to 24\n    hint: hours of training that day\n",
            id="over-24",
        ),
        pytest.param(
            "hours: two",
            "otj/log.yaml:2:10: error[E103]: [1].hours must be a number, not text\n",
            id="not-a-number",
        ),
        pytest.param(
            "date: 2025-08-01",
            "otj/log.yaml:1:9: error[E705]: OTJ training dated "
            "2025-08-01, before the apprenticeship's start (2025-09-01)\n"
            "    hint: training before the start does not count: check the date\n",
            id="before-start",
        ),
        pytest.param(
            "date: 2099-01-01",
            "otj/log.yaml:1:9: error[E705]: OTJ training dated "
            "2099-01-01, in the future\n    hint: log training once it has taken "
            "place\n"
            "otj/log.yaml:5:11: error[E705]: logged on 2025-10-01, before the training it "
            "records (2099-01-01)\n    hint: `logged` is the date the entry was written\n",
            id="future",
        ),
        pytest.param(
            "type: trainng",
            'otj/log.yaml:4:9: error[E105]: [1].type: "trainng" is '
            "not one of training, shadowing, industry-visit, practical, assignment, "
            "progress-review, on-programme-assessment, english-maths, "
            'outside-paid-hours\n    hint: did you mean "training"?\n',
            id="unknown-type",
        ),
        pytest.param(
            "ksbs: [S66]",
            "otj/log.yaml:7:10: error[E703]: the apprenticeship "
            'standard has no KSB "S66"\n    hint: did you mean "S6"?\n',
            id="unknown-ksb",
        ),
    ],
)
def test_check_bad_otj_entries(tmp_path: Path, monkeypatch, entry, expected) -> None:
    root = otj_portfolio(tmp_path, "2025-09-01", "2026-01-01", "37.5")
    key = entry.split(":")[0]
    lines = [
        "- date: 2025-10-01",
        "  hours: 3",
        "  activity: Workshop",
        "  type: training",
        "  logged: 2025-10-01",
        "  confirmed_by: Jo",
    ]
    lines = [f"  {entry}" if line.lstrip("- ").startswith(f"{key}:") else line for line in lines]
    if key == "ksbs":
        lines.append(f"  {entry}")
    lines[0] = "- " + lines[0].lstrip("- ").lstrip()
    write_log(root, "log.yaml", "\n".join(lines) + "\n")
    monkeypatch.chdir(root)
    result = run("check")
    assert errors_of(result.stdout) == expected
    assert result.exit_code == 1


def test_otj_add_writes_one_entry_per_file(tmp_path: Path) -> None:
    root = otj_portfolio(tmp_path, "2025-09-01", "2026-01-01", "37.5")
    args = [
        "otj",
        "add",
        str(root),
        "--date",
        "2025-10-01",
        "--hours",
        "2.5",
        "--activity",
        "Complaints  workshop",
        "--type",
        "training",
        "--ksbs",
        "K1,S6",
        "--confirmed-by",
        "Jo Bloggs",
    ]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.stderr == "wrote otj/2025-10-01-1.yaml\n"
    today = __import__("datetime").date.today().isoformat()
    assert (root / "otj" / "2025-10-01-1.yaml").read_text() == (
        '- date: 2025-10-01\n  hours: 2.5\n  activity: "Complaints workshop"\n'
        f'  type: training\n  ksbs: [K1, S6]\n  logged: {today}\n  confirmed_by: "Jo Bloggs"\n'
    )
    assert run(*args).stderr == "wrote otj/2025-10-01-2.yaml\n"
    _, data = otj_json(root)
    assert data["actual_hours"] == 5.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("--hours", "-2"), "hours -2: a day's training is more than 0 and at most 24 hours"),
        (("--hours", "25"), "hours 25: a day's training is more than 0 and at most 24 hours"),
        (("--hours", "lots"), 'hours "lots" is not a number'),
        (("--date", "2025-08-31"), "2025-08-31 is before the apprenticeship's start (2025-09-01)"),
        (("--date", "2099-01-01"), "2099-01-01 is in the future"),
        (("--type", "revew"), 'unknown OTJ activity type "revew"'),
        (("--ksbs", "K9"), 'the apprenticeship standard has no KSB "K9"'),
    ],
)
def test_otj_add_refuses_bad_input_and_writes_nothing(tmp_path: Path, change, message) -> None:
    root = otj_portfolio(tmp_path, "2025-09-01", "2026-01-01", "37.5")
    opts = {"--date": "2025-10-01", "--hours": "2", "--activity": "x", "--type": "training"}
    opts[change[0]] = change[1]
    result = run("otj", "add", str(root), *[x for kv in opts.items() for x in kv])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"evitrack: error: {message}"
    assert not (root / "otj").exists()


def test_otj_needs_an_apprenticeship(tmp_path: Path) -> None:
    root = portfolio(tmp_path / "p", apprenticeship="")
    result = run("otj", "status", str(root))
    assert result.exit_code == 2
    assert result.stderr == (
        "evitrack: error: this portfolio is not an apprenticeship (evitrack.yaml has no "
        "`apprenticeship:`)\n"
        "    hint: add `apprenticeship:` with its `standard:` and `start:` to evitrack.yaml\n"
    )


_ENTRY = st.tuples(
    st.integers(min_value=0, max_value=90),  # days after the start
    st.integers(min_value=0, max_value=96).map(lambda q: q / 4),  # hours in quarters
    st.sampled_from(["training", "shadowing", "progress-review", "english-maths"]),
)


@settings(deadline=None)
@given(entries=st.lists(_ENTRY, min_size=1, max_size=12), cuts=st.lists(st.integers(0, 12)))
def test_hours_never_lost_or_double_counted_across_any_split(tmp_path_factory, entries, cuts):
    import datetime as dt

    from evitrack.apprenticeship import otj
    from evitrack.apprenticeship.standards import load
    from evitrack.model import Apprenticeship

    root = tmp_path_factory.mktemp("otj")
    start = dt.date(2025, 9, 1)
    app_ = Apprenticeship(load("customer-service-specialist"), start, dt.date(2026, 9, 1), 37.5)
    texts = [
        f"- date: {(start + dt.timedelta(days=d)).isoformat()}\n  hours: {h}\n"
        f"  activity: a\n  type: {t}\n  logged: {(start + dt.timedelta(days=d)).isoformat()}\n"
        "  confirmed_by: Jo\n"
        for d, h, t in entries
    ]
    bounds = sorted({0, len(texts), *[c for c in cuts if c <= len(texts)]})
    (root / "otj").mkdir()
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        (root / "otj" / f"part-{i}.yaml").write_text("".join(texts[a:b]))
    got, diags = otj.load_log(root, app_, dt.date(2026, 1, 1))
    assert not [d for d in diags if d.severity.value == "error"]
    counted = sum(h for _, h, t in entries if t in ("training", "shadowing"))
    assert len(got) == len(entries)
    assert otj.status(app_, got, diags, dt.date(2026, 1, 1)).actual_hours == counted
