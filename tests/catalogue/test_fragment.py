"""Checks the shipped stand-alone unit (unit-fragment-customer-service-standards)
through the real CLI.

The expected data below were counted and copied from the seed document
(shared/seeds/unit-fragment-customer-service-standards.txt), not from the
YAML file.
"""

import pytest

from helpers import shown

QID = "unit-fragment-customer-service-standards"


@pytest.fixture
def q():
    return shown(QID)


@pytest.fixture
def u(q):
    assert len(q["units"]) == 1
    return q["units"][0]


# outcome id -> (title as printed in the form and in the unit content, criteria ids)
OUTCOMES = {
    "1": (
        "Be able to understand customer service standards required in own organisation",
        ["1.1", "1.2"],
    ),
    "2": (
        "Be able to implement sustainable processes for customer satisfaction",
        ["2.1", "2.2", "2.3", "2.4", "2.5"],
    ),
    "3": ("Be able to support colleagues in delivering customer service standards", ["3.1"]),
    "4": (
        "Be able to manage and develop a culture in own organisation to deliver customer service standards",
        ["4.1", "4.2", "4.3"],
    ),
    "5": (
        "Be able to monitor customer service levels for continuous improvement",
        ["5.1", "5.2", "5.3", "5.4"],
    ),
}

# every criterion, exact text as printed (trailing full stops where printed)
TEXTS = {
    "1.1": "Explain customer service standards within own organisation",
    "1.2": "Describe customer service best practice in own sector using research techniques.",
    "2.1": "Define sustainable processes taking into account environmental issues",
    "2.2": "Identify sustainable processes to support customer service standards",
    "2.3": "Produce a plan for implementation",
    "2.4": "State customer service standards with relevant key stakeholders",
    "2.5": "Ensure resources are provided to deliver agreed standards of customer service.",
    "3.1": "Communicate customer service roles and responsibilities with employees in own organisation.",
    "4.1": "Evaluate the culture in own organisation",
    "4.2": "Identify techniques for improving motivation amongst employees",
    "4.3": "Describe motivational strategies for improving customer service standards.",
    "5.1": "Describe methods of measuring customer satisfaction",
    "5.2": "Develop processes for monitoring customer satisfaction, including customer feedback mechanisms",
    "5.3": "Review employee performance to ensure customer service standards and organisational values are met",
    "5.4": "Analyse and monitor customer service.",
}


def test_header(q):
    assert q["id"] == QID
    assert q["title"] == "Customer service standards (stand-alone unit)"
    assert q["number"] is None
    assert q["level"] is None
    # reading: the document gives no title; recorded in the notes
    assert "no title" in q["notes"]


def test_groups(q):
    assert [(g["id"], g["units"]) for g in q["groups"]] == [("mandatory", ["1"])]


def test_rules(q):
    assert [(r["id"], r["kind"], r["units"]) for r in q["rules"]] == [("R1", "mandatory", ["1"])]
    assert q["rules"][0]["text"] is None  # no rule is printed
    assert "no rules" in q["rules"][0]["reading"]


def test_unit_header(u):
    assert u["id"] == "1"  # reading: no unit id printed; "1" assigned
    assert u["aliases"] == []
    assert u["level"] is None
    assert u["credit"] is None
    assert u["glh"] is None
    assert u["criteria_in_source"] is True
    assert "Unit id '1' assigned" in u["note"]


def test_counts(u):
    assert len(u["outcomes"]) == 5
    assert {o["id"]: len(o["criteria"]) for o in u["outcomes"]} == {
        "1": 2,
        "2": 5,
        "3": 1,
        "4": 3,
        "5": 4,
    }
    assert sum(len(o["criteria"]) for o in u["outcomes"]) == 15
    assert u["knowledge"] == []


def test_outcomes_and_id_sequence(u):
    got = {o["id"]: (o["title"], [c["id"] for c in o["criteria"]]) for o in u["outcomes"]}
    assert got == OUTCOMES
    assert [c["id"] for o in u["outcomes"] for c in o["criteria"]] == list(TEXTS)


@pytest.mark.parametrize("cid", list(TEXTS))
def test_criterion_text(u, cid):
    texts = {c["id"]: c["text"] for o in u["outcomes"] for c in o["criteria"]}
    assert texts[cid] == TEXTS[cid]


def test_reading_outcome_titles_form_vs_content(u):
    # the titles appear in the form and as the unit-content headings; they agree
    for oid, (title, _) in OUTCOMES.items():
        assert f"{oid} {title}\n" in u["content"]
    assert "agree word for word" in u["note"]


def test_content_headings_and_text(u):
    content = u["content"]
    assert content.startswith(
        "1 Be able to understand customer service standards required in own organisation\n"
    )
    assert (
        "Organisational standards: definition eg customer and business criticality focus, "
        "staff behaviours,"
    ) in content
    # printed with semicolons; kept
    assert "\nImplementation plan; features eg scope," in content
    assert "\nStatement with stakeholders; promotion eg" in content
    assert "current legalisation eg equality and diversity" in content
    assert content.rstrip().endswith(
        "presenting outcomes eg presentation, discussion, organisational communication channels, "
        "identifying areas for change"
    )
    assert "*" not in content and "#" not in content
    # 5 outcome headings + 2 + 5 + 1 + 3 + 4 paragraphs
    assert len([p for p in content.split("\n\n") if p.strip()]) == 20


def test_recording_form(q):
    form = q["extra"]["recording_form"]
    assert form["record_columns"] == ["Evidence type", "Portfolio reference", "Date"]
    assert form["signatures"] == [
        "Learner name",
        "Learner signature",
        "Assessor signature",
        "Internal verifier signature (if sampled)",
    ]
    assert form["dates"] == 4
    assert form["text"] == (
        "Learners can enter the types of evidence they are presenting for assessment and the "
        "submission date against each assessment criterion. Alternatively, centre documentation "
        "should be used to record this information."
    )
