"""Checks the shipped Pearson BTEC Level 3 Certificate (603/5449/5) and Diploma
(603/5450/1) for Customer Service Specialists through the real CLI.

Both qualifications include the unit library pearson-btec-l3-css-units.
The expected data below were counted and copied from the seed document
(shared/seeds/pearson-btec-l3-customer-service-specialists.txt), not from the
YAML files.
"""

import pytest

from helpers import shown, unit

CERT = "pearson-btec-l3-certificate-customer-service-specialists"
DIPL = "pearson-btec-l3-diploma-customer-service-specialists"


@pytest.fixture
def dipl():
    return shown(DIPL)


@pytest.fixture
def cert():
    return shown(CERT)


def criterion(q, uid, cid):
    for o in unit(q, uid)["outcomes"]:
        for c in o["criteria"]:
            if c["id"] == cid:
                return c
    raise AssertionError(f"{uid} {cid} not found")


def outcome(q, uid, oid):
    for o in unit(q, uid)["outcomes"]:
        if o["id"] == oid:
            return o
    raise AssertionError(f"{uid} outcome {oid} not found")


# unit id -> (title, level, GLH, unit type), from Section 4 and the unit pages
UNITS = {
    "1": ("Understanding the Customer Service Environment", 3, 28, "knowledge"),
    "2": ("Understanding Customer Loyalty, Retention and Satisfaction", 3, 28, "knowledge"),
    "3": ("Understanding Continuous Improvement in Customer Service", 3, 42, "knowledge"),
    "4": (
        "Understanding Personal Effectiveness in a Customer Service Work Environment",
        3,
        45,
        "knowledge",
    ),
    "5": ("Delivering Solution-focused Customer Service", 3, 24, "skills"),
    "6": ("Managing Challenging Customers and Situations", 3, 24, "skills"),
    "7": ("Influencing Change and Improvement in Customer Service", 3, 28, "skills"),
    "8": (
        "Managing Personal Effectiveness in a Customer Service Specialist Job Role",
        3,
        24,
        "skills",
    ),
}

# unit id -> criteria per outcome, counted in the learning outcomes tables
OUTCOME_CRITERIA = {
    "1": {"1": 3, "2": 5, "3": 3, "4": 4, "5": 5},
    "2": {"1": 5, "2": 6, "3": 5, "4": 5, "5": 5},
    "3": {"1": 5, "2": 4, "3": 5, "4": 5},
    "4": {"1": 3, "2": 10, "3": 3, "4": 2, "5": 5},
    "5": {"1": 3, "2": 6, "3": 5},
    "6": {"1": 5, "2": 8},
    "7": {"1": 2, "2": 4, "3": 3, "4": 4},
    "8": {"1": 4, "2": 3, "3": 3, "4": 6, "5": 5},
}
CRITERIA_TOTAL = {"1": 20, "2": 26, "3": 19, "4": 23, "5": 14, "6": 13, "7": 13, "8": 21}


def _seq(spec):
    return [f"{o}.{i}" for o, n in spec.items() for i in range(1, n + 1)]


# the full printed id sequence of every unit's criteria
CRITERIA_IDS = {
    "1": [
        "1.1",
        "1.2",
        "1.3",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
        "3.1",
        "3.2",
        "3.3",
        "4.1",
        "4.2",
        "4.3",
        "4.4",
        "5.1",
        "5.2",
        "5.3",
        "5.4",
        "5.5",
    ],
    "2": [
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "1.5",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
        "2.6",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "3.5",
        "4.1",
        "4.2",
        "4.3",
        "4.4",
        "4.5",
        "5.1",
        "5.2",
        "5.3",
        "5.4",
        "5.5",
    ],
    "3": [
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "1.5",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "3.5",
        "4.1",
        "4.2",
        "4.3",
        "4.4",
        "4.5",
    ],
    "4": [
        "1.1",
        "1.2",
        "1.3",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
        "2.6",
        "2.7",
        "2.8",
        "2.9",
        "2.10",
        "3.1",
        "3.2",
        "3.3",
        "4.1",
        "4.2",
        "5.1",
        "5.2",
        "5.3",
        "5.4",
        "5.5",
    ],
    "5": [
        "1.1",
        "1.2",
        "1.3",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
        "2.6",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "3.5",
    ],
    "6": [
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "1.5",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
        "2.6",
        "2.7",
        "2.8",
    ],
    "7": [
        "1.1",
        "1.2",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "3.1",
        "3.2",
        "3.3",
        "4.1",
        "4.2",
        "4.3",
        "4.4",
    ],
    "8": [
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "2.1",
        "2.2",
        "2.3",
        "3.1",
        "3.2",
        "3.3",
        "4.1",
        "4.2",
        "4.3",
        "4.4",
        "4.5",
        "4.6",
        "5.1",
        "5.2",
        "5.3",
        "5.4",
        "5.5",
    ],
}

# (unit, criterion) -> exact text, copied from the seed
SPOT = {
    ("1", "1.1"): "Describe the purpose and benefits of a mission statement for an organisation",
    (
        "1",
        "2.2",
    ): "Describe the roles different departments/ functions play in delivering customer service",
    ("1", "3.2"): "Describe what is meant by 'customer service culture'",
    (
        "1",
        "5.5",
    ): "Evaluate the systems and technology that can be used in customer service delivery",
    ("2", "2.4"): "Explain techniques for analysing the 'customer journey'",
    (
        "2",
        "4.4",
    ): "Explain the importance of being aware, and reacting appropriately to different customer emotions",
    (
        "2",
        "5.5",
    ): "Explain the business processes involved in customer recovery that benefit both the customer and the organisation",
    (
        "3",
        "2.1",
    ): "Describe the value of using organisational customer service standards and targets when monitoring the quality of customer service delivery",
    (
        "3",
        "4.4",
    ): "Explain the importance of sharing information and ideas with colleagues and/or service partners to support the improvement of service delivery",
    (
        "4",
        "2.1",
    ): "Describe what it means to have good work ethics and how to demonstrate good work ethics in a customer service specialist job role",
    (
        "4",
        "2.8",
    ): "Explain how to work effectively in a team and the impact of poor team working on an organisation",
    (
        "4",
        "2.10",
    ): "Evaluate the suitability of different influencing strategies in a specific work situation",
    (
        "4",
        "3.2",
    ): "Assess the suitability of different leadership styles to different work situations",
    (
        "5",
        "2.6",
    ): "Adapt communication skills and techniques to communicate effectively with customers even when unable to deliver the customer's expected outcome",
    (
        "5",
        "3.2",
    ): "Balance the need for excellent service delivery with a cost-conscious mind-set and organisational needs",
    (
        "6",
        "1.5",
    ): "Demonstrate a range of techniques to manage challenging and complicated situations and, escalate within lines of authority where necessary",
    (
        "6",
        "2.8",
    ): "Manage referrals and escalations in line with organisational policies and procedures and within own levels of authority",
    (
        "7",
        "4.1",
    ): "Develop a customer service delivery improvement plan that includes specific, measurable, achievable, realistic and time-bound (SMART) objectives and resources",
    (
        "7",
        "4.3",
    ): "Implement the customer service delivery improvement plan within the agreed timescale, using available resources within the limits of their own authority",
    ("8", "1.1"): "Describe own role within the employer organisation",
    (
        "8",
        "5.2",
    ): "Agree specific, measurable, achievable, realistic and time bound (SMART) personal and professional development objectives to meet identified needs",
    (
        "8",
        "5.5",
    ): "Review progress against agreed objectives and amend the personal development plan accordingly",
}

OUTCOME_TITLES = {
    ("1", "1"): "Understand an organisation's business strategy in relation to customers",
    ("2", "5"): "Understand how to retain customers during challenging situations",
    (
        "4",
        "2",
    ): "Understand how to develop and demonstrate a range of transferable skills and personal attributes that contribute to personal effectiveness at work",
    (
        "5",
        "3",
    ): "Be able to take ownership and responsibility to resolve customer issues, problems and/or complaints",
    (
        "7",
        "3",
    ): "Be able to identify and present recommendations for customer service delivery improvement",
    (
        "8",
        "5",
    ): "Be able to manage own personal and professional development in a customer service specialist job role",
}


# ---- qualification level -------------------------------------------------------------


def test_headers(cert, dipl):
    assert cert["id"] == CERT
    assert cert["title"] == "Pearson BTEC Level 3 Certificate for Customer Service Specialists"
    assert cert["number"] == "603/5449/5"
    assert dipl["id"] == DIPL
    assert dipl["title"] == "Pearson BTEC Level 3 Diploma for Customer Service Specialists"
    assert dipl["number"] == "603/5450/1"
    for q in (cert, dipl):
        assert q["awarding_body"] == "Pearson"
        assert q["level"] == 3
    assert cert["extra"]["total_qualification_time"] == 221
    assert dipl["extra"]["total_qualification_time"] == 402


def test_unit_lists(cert, dipl):
    assert [u["id"] for u in cert["units"]] == ["1", "2", "3", "4"]
    assert [u["id"] for u in dipl["units"]] == ["1", "2", "3", "4", "5", "6", "7", "8"]


def test_groups(cert, dipl):
    assert [(g["id"], g["title"], g["units"]) for g in cert["groups"]] == [
        ("mandatory", "Mandatory units", ["1", "2", "3", "4"])
    ]
    assert [(g["id"], g["title"], g["units"]) for g in dipl["groups"]] == [
        ("mandatory", "Mandatory units", ["1", "2", "3", "4", "5", "6", "7", "8"])
    ]


def _rules(q):
    return [(r["id"], r["kind"], r.get("min"), r.get("units"), r["text"]) for r in q["rules"]]


def test_rules_certificate(cert):
    assert _rules(cert) == [
        ("R1", "min_units", 4, None, "Minimum number of units that must be achieved 4"),
        (
            "R2",
            "min_glh",
            143,
            None,
            "Minimum number of guided learning hours that must be achieved 143",
        ),
        ("R3", "mandatory", None, ["1", "2", "3", "4"], "Mandatory units"),
    ]
    # reading recorded: the rule is only the table's column heading
    assert "Mandatory units" in cert["rules"][2]["reading"]


def test_rules_diploma(dipl):
    assert _rules(dipl) == [
        ("R1", "min_units", 8, None, "Minimum number of units that must be achieved 8"),
        (
            "R2",
            "min_glh",
            243,
            None,
            "Minimum number of guided learning hours that must be achieved 243",
        ),
        ("R3", "mandatory", None, ["1", "2", "3", "4", "5", "6", "7", "8"], "Mandatory units"),
    ]
    assert dipl["rules"][2]["reading"]


def test_glh_sums_match_rules(cert, dipl):
    assert sum(u["glh"] for u in cert["units"]) == 143
    assert sum(u["glh"] for u in dipl["units"]) == 243


# ---- units -------------------------------------------------------------------------


@pytest.mark.parametrize("uid", sorted(UNITS))
def test_unit_header(dipl, uid):
    title, level, glh, utype = UNITS[uid]
    u = unit(dipl, uid)
    assert u["title"] == title
    assert u["level"] == level
    assert u["glh"] == glh
    assert u["type"] == utype
    assert u["credit"] is None  # no credit printed
    assert u["aliases"] == []  # no unit reference numbers printed
    assert u["criteria_in_source"] is True


@pytest.mark.parametrize("uid", sorted(UNITS))
def test_outcome_and_criteria_counts(dipl, uid):
    u = unit(dipl, uid)
    got = {o["id"]: len(o["criteria"]) for o in u["outcomes"]}
    assert got == OUTCOME_CRITERIA[uid]
    assert sum(got.values()) == CRITERIA_TOTAL[uid]


@pytest.mark.parametrize("uid", sorted(UNITS))
def test_criteria_id_sequence(dipl, uid):
    u = unit(dipl, uid)
    ids = [c["id"] for o in u["outcomes"] for c in o["criteria"]]
    assert ids == CRITERIA_IDS[uid]
    assert ids == _seq(OUTCOME_CRITERIA[uid])
    for o in u["outcomes"]:
        assert all(c["id"].split(".")[0] == o["id"] for c in o["criteria"])


def test_totals(cert, dipl):
    assert len(dipl["units"]) == 8
    assert sum(len(u["outcomes"]) for u in dipl["units"]) == 33
    assert sum(len(c) for c in CRITERIA_IDS.values()) == 149
    assert sum(len(o["criteria"]) for u in dipl["units"] for o in u["outcomes"]) == 149
    assert sum(len(o["criteria"]) for u in cert["units"] for o in u["outcomes"]) == 88
    assert all(u["knowledge"] == [] for u in dipl["units"])


@pytest.mark.parametrize("key", sorted(SPOT))
def test_spot_texts(dipl, key):
    assert criterion(dipl, *key)["text"] == SPOT[key]


@pytest.mark.parametrize("key", sorted(OUTCOME_TITLES))
def test_outcome_titles(dipl, key):
    assert outcome(dipl, *key)["title"] == OUTCOME_TITLES[key]


def test_certificate_units_same_as_diploma(cert, dipl):
    for u in cert["units"]:
        assert u == unit(dipl, u["id"]) | {"group": u["group"]}


def test_criterion_2_10_not_a_number(dipl):
    ids = [c["id"] for c in outcome(dipl, "4", "2")["criteria"]]
    assert ids[-3:] == ["2.8", "2.9", "2.10"]
    assert "2.1" in ids and ids.count("2.1") == 1


# ---- content and evidence ------------------------------------------------------------


def test_content_present(dipl):
    for u in dipl["units"]:
        assert u["content"].startswith("Learning outcome 1: "), u["id"]
        assert "What needs to be learned" not in u["content"]
        assert "(continued)" not in u["content"] and "*" not in u["content"]
    assert "1A Business aims and objectives" in unit(dipl, "1")["content"]
    assert (
        "5C Producing and managing a personal development plan (PDP)" in unit(dipl, "8")["content"]
    )


def test_reading_unit4_assessment_type(dipl):
    # printed "Assessment type: Knowledge" instead of "Unit type:"
    u = unit(dipl, "4")
    assert u["type"] == "knowledge"
    assert "Assessment type" in u["note"]


def test_reading_unit4_ocr_2I(dipl):
    content = unit(dipl, "4")["content"]
    assert "\n2I Negotiating and Influencing others\n" in content
    assert "21 Negotiating" not in content
    assert "'21" in unit(dipl, "4")["note"]


def test_reading_unit4_learning_aim(dipl):
    content = unit(dipl, "4")["content"]
    assert (
        content.count(
            "Learning aim 4: Understand how to manage personal performance in the workplace"
        )
        == 1
    )
    assert "Learning aim 4" in unit(dipl, "4")["note"]


def test_reading_unit7_outcome3_heading(dipl):
    u = unit(dipl, "7")
    assert outcome(dipl, "7", "3")["title"].endswith(
        "recommendations for customer service delivery improvement"
    )
    assert (
        "Learning outcome 3: Be able to identify and present recommendations to enable customer "
        "service delivery improvement"
    ) in u["content"]
    assert "to enable" in u["note"]


def test_reading_unit7_html_lists(dipl):
    content = unit(dipl, "7")["content"]
    assert "<" not in content and "•" not in content and "○" not in content
    assert (
        "\n  plan – current status, aims and objectives, success factors, legal requirements\n"
        in content
    )


def test_reading_unit3_page_break_list(dipl):
    u = unit(dipl, "3")
    assert "\ncollection of data, limited or unrepresentative samples\n" in u["content"]
    assert "Issues relating to data analysis" in u["note"]


def test_skills_evidence(dipl):
    for uid in ("5", "6", "7", "8"):
        ev = unit(dipl, uid)["evidence"]
        assert ev["text"].startswith(
            "All skills units in the Diploma qualification are assessed through an internally and "
            "externally quality assured portfolio made up of evidence gathered during the course "
            "of the learner's work."
        )
        assert "achievement cannot be inferred from performance" in ev["text"]
        assert (
            ev["supplied_by"][0]
            == "Direct observation of the learner's performance by their assessor (O)."
        )
        assert ev["supplied_by"][-1] == "Expert witness testimony (EWT)."
        assert len(ev["supplied_by"]) == 8
        assert ev["required_methods"] == [] and ev["forbidden_methods"] == []
    for uid in ("5", "6", "7"):
        assert (
            "It is expected that this unit will be assessed in a real or simulated working "
            "environment, where evidence is naturally occurring and collected over a period of "
            "time."
        ) in unit(dipl, uid)["evidence"]["text"]
    assert (
        "This unit is expected to be assessed in a real working environment, where the evidence "
        "is naturally occurring and is collected over a period of time."
    ) in unit(dipl, "8")["evidence"]["text"]
    # reading: "expected ... real working environment" does not forbid simulation
    assert "simulat" in unit(dipl, "8")["note"]


def test_knowledge_units_no_evidence_requirements(dipl):
    for uid in ("1", "2", "3", "4"):
        ev = unit(dipl, uid)["evidence"]
        assert ev["text"] is None and ev["supplied_by"] == []


# ---- Annexe A mapping ----------------------------------------------------------------

# KSB id -> (kind, heading, units with a coverage mark), from the Annexe A grid
KSB = {
    "1": ("knowledge", "Business knowledge and understanding", ["1", "3", "4", "8"]),
    "2": ("knowledge", "Customer journey knowledge", ["2"]),
    "3": ("knowledge", "Knowing your customers and their needs/customer insight", ["2"]),
    "4": ("knowledge", "Customer service culture and environment awareness", ["1", "4"]),
    "5": ("skill", "Business focused service delivery", ["6", "7"]),
    "6": ("skill", "Providing a positive customer experience", ["5", "6", "7"]),
    "7": ("skill", "Working with your customers/customer insights", ["7"]),
    "8": ("skill", "Customer service performance", ["5", "6"]),
    "9": ("skill", "Service improvement", ["7"]),
    "10": ("behaviour", "Develop self", ["8"]),
    "11": ("behaviour", "Ownership/ responsibility", ["5"]),
    "12": ("behaviour", "Team working", ["8"]),
    "13": ("behaviour", "Equality", ["8"]),
    "14": ("behaviour", "Presentation", ["8"]),
}
STATEMENT_COUNTS = {
    "1": 5,
    "2": 4,
    "3": 5,
    "4": 3,
    "5": 3,
    "6": 7,
    "7": 2,
    "8": 2,
    "9": 3,
    "10": 2,
    "11": 3,
    "12": 3,
    "13": 2,
    "14": 2,
}


def _mapping(q):
    assert len(q["mappings"]) == 1
    return q["mappings"][0]


def test_mapping_diploma(dipl):
    m = _mapping(dipl)
    assert m["id"] == "customer-service-specialist-standard"
    got = {i["id"]: (i["kind"], i["text"], i["covered_by"]) for i in m["items"]}
    assert got == KSB
    assert [i["id"] for i in m["items"]] == [str(n) for n in range(1, 15)]
    assert {i["id"]: len(i["statements"]) for i in m["items"]} == STATEMENT_COUNTS


def test_mapping_certificate_units_1_to_4_only(cert):
    m = _mapping(cert)
    got = {i["id"]: i["covered_by"] for i in m["items"]}
    assert got == {k: [u for u in v[2] if u in ("1", "2", "3", "4")] for k, v in KSB.items()}
    assert "only Units 1–4 are part of the Certificate structure" in m["note"]


def test_mapping_statements_spot(dipl):
    items = {i["id"]: i for i in _mapping(dipl)["items"]}
    assert items["1"]["statements"][0] == (
        "Understand what continuous improvement means in a service environment and how your "
        "recommendations for change impact your organisation"
    )
    assert items["6"]["statements"][5] == (
        "Identifying where highs and lows of the customer journey produce a range of emotions in the customer"
    )
    assert items["14"]["statements"][1] == (
        "Ensure your personal presentation, in all forms of communication, reflects positively on "
        "your organisation's brand"
    )


def test_reading_mapping_item7_split(dipl):
    # bullets lost in the source; "... methods. Critically analyse ..." kept as one statement
    items = {i["id"]: i for i in _mapping(dipl)["items"]}
    assert items["7"]["statements"] == [
        "Proactively gather customer feedback, through a variety of methods. Critically analyse, "
        "and evaluate the meaning, implication and facts and act upon it",
        "Analyse your customer types, to identify or anticipate their potential needs and "
        "expectations when providing your service",
    ]
    assert "Critically analyse" in _mapping(dipl)["note"]
