"""City & Guilds SVQ in Customer Service at SCQF Level 8 (4427-40): the shipped
qualification file, checked through the CLI against counts and text taken from
the seed document (shared/seeds/cg-svq-customer-service-scqf8.txt)."""

import pytest

from helpers import shown

QID = "cg-svq-customer-service-scqf8"


@pytest.fixture(scope="module")
def qual():
    return shown(QID)


@pytest.fixture(scope="module")
def units(qual):
    return {u["id"]: u for u in qual["units"]}


def criterion(unit, cid):
    for o in unit["outcomes"]:
        for c in o["criteria"]:
            if c["id"] == cid:
                return c
    raise KeyError(cid)


# --- independent counts, taken from the document -----------------------------

# unit id -> (aliases, title, SCQF level, SCQF credit), document order
UNITS = {
    "403": (["4427-403", "A17"], "Champion customer service", 8, 10),
    "404": (
        ["4427-404", "A18"],
        "Make customer service environmentally friendly and sustainable",
        8,
        11,
    ),
    "405": (
        ["4427-405", "B12"],
        "Maintain and develop a healthy and safe customer service environment",
        8,
        8,
    ),
    "409": (["4427-409", "B16"], "Deliver seamless customer service with a team", 8, 8),
    "411": (["4427-411", "D14"], "Implement quality improvements to customer service", 8, 10),
    "412": (
        ["4427-412", "D15"],
        "Plan and organise the development of customer service staff",
        8,
        9,
    ),
    "416": (["4427-416", "D19"], "Review and re-engineer customer service processes", 8, 11),
    "417": (["4427-417", "D20"], "Manage customer service performance", 7, 7),
    "625": (
        ["4427-625", "D21"],
        "Analyse and report on the content of customer service feedback posted on social media platforms",
        6,
        4,
    ),
    "725": (
        ["4427-725", "D22"],
        "Develop a customer service network through social media platforms",
        7,
        5,
    ),
    "800": (
        ["4427-800", "D16"],
        "Develop a customer service strategy for a part of an organisation",
        8,
        11,
    ),
    "801": (["4427-801", "D17"], "Manage a customer service award programme", 8, 7),
    "802": (
        ["4427-802", "D18"],
        "Apply technology or other resources to improve customer service",
        8,
        11,
    ),
    "810": (["4427-810", "F5"], "Show understanding of customer service management", 8, 10),
    "811": (
        ["4427-811", "F6"],
        "Follow organisational rules, external regulations and legislation when managing customer service",
        8,
        10,
    ),
    "812": (["4427-812", "B13"], "Plan, organise and control customer service operations", 8, 10),
    "813": (["4427-813", "B14"], "Review the quality of customer service", 8, 8),
    "814": (["4427-814", "B15"], "Build and maintain effective customer relations", 8, 8),
    "815": (["4427-815", "C8"], "Handle referred customer complaints", 8, 10),
}

# unit id -> (outcomes, performance criteria, knowledge items)
COUNTS = {
    "403": (2, 12, 9),
    "404": (2, 13, 9),
    "405": (2, 13, 9),
    "409": (2, 11, 6),
    "411": (3, 12, 12),
    "412": (2, 11, 8),
    "416": (3, 15, 7),
    "417": (2, 14, 7),
    "625": (2, 14, 9),
    "725": (2, 14, 14),
    "800": (3, 17, 9),
    "801": (2, 12, 4),
    "802": (3, 17, 8),
    "810": (2, 9, 18),
    "811": (2, 7, 14),
    "812": (3, 17, 11),
    "813": (2, 9, 9),
    "814": (2, 9, 10),
    "815": (3, 14, 12),
}

CRITERIA_IDS = {
    "403": "1a 1b 1c 1d 1e 2a 2b 2c 2d 2e 2f 2g",
    "404": "1a 1b 1c 1d 1e 1f 2a 2b 2c 2d 2e 2f 2g",
    "405": "1a 1b 1c 1d 1e 2a 2b 2c 2d 2e 2f 2g 2h",
    "409": "1a 1b 1c 1d 1e 2a 2b 2c 2d 2e 2f",
    "411": "1a 1b 1c 1d 1e 2a 2b 2c 2d 3a 3b 3c",
    "412": "1a 1b 1c 1d 1e 2a 2b 2c 2d 2e 2f",
    "416": "1a 1b 1c 1d 2a 2b 2c 2d 2e 2f 3a 3b 3c 3d 3e",
    "417": "1a 1b 1c 1d 1e 1f 1g 1h 2a 2b 2c 2d 2e 2f",
    "625": "1a 1b 1c 1d 1e 2a 2b 2c 2d 2e 2f 2g 2h 2i",
    "725": "1a 1b 1c 1d 1e 1f 1g 1h 2a 2b 2c 2d 2e 2f",
    "800": "1a 1b 1c 1d 1e 1f 2a 2b 2c 2d 2e 2f 3a 3b 3c 3d 3e",
    "801": "1a 1b 1c 1d 1e 1f 2a 2b 2c 2d 2e 2f",
    "802": "1a 1b 1c 1d 1e 2a 2b 2c 2d 2e 2f 2g 3a 3b 3c 3d 3e",
    "810": "1a 1b 1c 1d 1e 2a 2b 2c 2d",
    "811": "1f 1g 1h 1i 2a 2b 2c",
    "812": "1a 1b 1c 1d 2a 2b 2c 2d 2e 2f 2g 2h 3a 3b 3c 3d 3e",
    "813": "1a 1b 1c 2a 2b 2c 2d 2e 2f",
    "814": "1a 1b 1c 1d 2a 2b 2c 2d 2e",
    "815": "1a 1b 1c 1d 2a 2b 2c 2d 3a 3b 3c 3d 3e 3f",
}

GROUPS = [
    ("A", "Mandatory Core Units", ["810", "811", "815"]),
    ("B", "Optional Units", ["403", "404"]),
    ("C", "Optional Units", ["405", "812", "813", "814", "409"]),
    ("D", "Optional Units", ["411", "412", "800", "801", "802", "416", "417", "625", "725"]),
]

RULES = [
    ("R1", "min_units", {"min": 8}, "Minimum of 8 units of which:"),
    (
        "R2",
        "mandatory",
        {"groups": ["A"]},
        "Three units must be completed from Group A: Mandatory Core Units",
    ),
    (
        "R3",
        "group_units",
        {"groups": ["B"], "min": 1},
        "One unit must be selected from Group B: Optional Units",
    ),
    (
        "R4",
        "group_units",
        {"groups": ["C"], "min": 1},
        "One unit must be selected from Group C: Optional Units",
    ),
    (
        "R5",
        "group_units",
        {"groups": ["D"], "min": 1},
        "One unit must be completed in Group D: Optional Units",
    ),
    (
        "R6",
        "group_units",
        {"groups": ["B", "C", "D"], "min": 5},
        "Two further units can be selected from any of Groups B, C and D",
    ),
]

# (unit, criterion id, exact text as printed, bold markup dropped)
SPOT = [
    (
        "403",
        "1a",
        "explain the role of customer service within your organisation's strategic and business plans",
    ),
    (
        "403",
        "2g",
        "review the way you collect information, formulate advice and communicate it to others.",
    ),
    (
        "404",
        "2g",
        "develop community stakeholder's awareness of your organisation's environmental policies and approaches.",
    ),
    (
        "405",
        "1d",
        "evaluate health and safety factors that may reduce the effectiveness of customer service staff or may cause concern to customers against your organisation's policies and procedures and customer expectations",
    ),
    (
        "409",
        "2a",
        "identify the service partners who are most significant to delivery of seamless customer service",
    ),
    (
        "411",
        "1a",
        "identify possible customer service improvements and the resources available to implement them",
    ),
    (
        "416",
        "2c",
        "assess each step in the customer service process with reference to customer satisfaction, costs and compliance with relevant regulation",
    ),
    (
        "417",
        "2f",
        "adjust customer service performance targets which have ceased to be both challenging and achievable.",
    ),
    (
        "625",
        "2i",
        "respond to customers service feedback through social media platforms where this is appropriate.",
    ),
    (
        "725",
        "1h",
        "check your proposed improvements comply with regulation relating to the use of social media.",
    ),
    (
        "800",
        "3e",
        "construct a customer service strategy for the chosen part of the organisation and agree it with colleagues and managers.",
    ),
    (
        "801",
        "1a",
        "identify all the possible options for a customer service award scheme drawing on examples inside and outside of your own organisation",
    ),
    (
        "802",
        "2g",
        "plan a business case to support your recommendations for improvements through application of technology or other resources.",
    ),
    ("810", "1e", "carry out risk assessment when dealing with customer service problems"),
    ("810", "2c", "monitor and maintain effective customer service in your organisation"),
    (
        "811",
        "1f",
        "contribute to the development of customer service in your organisation within the organisation's rules and culture",
    ),
    ("812", "1d", "plan how you will monitor and evaluate customer service operations."),
    (
        "813",
        "1a",
        "identify the features of customer service delivery that affect customer satisfaction",
    ),
    (
        "814",
        "2e",
        "analyse customer relations and propose changes that will develop longer term loyalty to people with authority in your organisation.",
    ),
    (
        "815",
        "3f",
        "select an option for change and follow organisational procedures to ensure that your recommendations come to the attention of decision makers.",
    ),
]

KNOWLEDGE_SPOT = [
    ("403", "a", "the processes for decision making within your organisation and who is involved"),
    (
        "411",
        "l",
        "why it is important to evaluate change and to note any lessons for future initiatives",
    ),
    (
        "725",
        "n",
        "metrics that may be used to monitor improvements to customer service using social media.",
    ),
    (
        "810",
        "r",
        "the importance of establishing a strong network of contacts with similar interests in customer service.",
    ),
    (
        "812",
        "k",
        "the different sources of information available, including the internet and social media, and the opportunities they present for monitoring information about customers",
    ),
    (
        "813",
        "h",
        "how to identify recommendations that flow from your measurement of customer service.",
    ),
    (
        "815",
        "l",
        "the benefits and drawbacks of using different forms of response when complaints have originated through different channels such as social media.",
    ),
]

# --- the qualification -------------------------------------------------------


def test_header(qual):
    assert qual["id"] == QID
    assert qual["title"] == "SVQ in Customer Service at SCQF Level 8"
    assert qual["level"] == 8
    assert qual["framework"] == "SCQF"
    assert qual["awarding_body"] == "City & Guilds"


def test_unit_list(qual):
    assert [u["id"] for u in qual["units"]] == list(UNITS)
    assert len(qual["units"]) == 19


@pytest.mark.parametrize("uid", list(UNITS))
def test_unit_header(units, uid):
    aliases, title, level, credit = UNITS[uid]
    u = units[uid]
    assert u["aliases"] == aliases
    assert u["title"] == title
    assert u["level"] == level
    assert u["credit"] == credit
    assert u["glh"] is None


@pytest.mark.parametrize("uid", list(COUNTS))
def test_counts(units, uid):
    n_out, n_crit, n_know = COUNTS[uid]
    u = units[uid]
    assert len(u["outcomes"]) == n_out
    assert sum(len(o["criteria"]) for o in u["outcomes"]) == n_crit
    assert len(u["knowledge"]) == n_know


def test_totals(qual):
    assert sum(len(u["outcomes"]) for u in qual["units"]) == 44
    assert sum(len(o["criteria"]) for u in qual["units"] for o in u["outcomes"]) == 240
    assert sum(len(u["knowledge"]) for u in qual["units"]) == 185


@pytest.mark.parametrize("uid", list(CRITERIA_IDS))
def test_criteria_ids(units, uid):
    u = units[uid]
    assert [c["id"] for o in u["outcomes"] for c in o["criteria"]] == CRITERIA_IDS[uid].split()
    for o in u["outcomes"]:
        assert all(c["id"].startswith(o["id"]) for c in o["criteria"])


@pytest.mark.parametrize("uid", list(COUNTS))
def test_knowledge_ids(units, uid):
    n = COUNTS[uid][2]
    assert [k["id"] for k in units[uid]["knowledge"]] == list("abcdefghijklmnopqr"[:n])


def test_groups(qual):
    assert [(g["id"], g["title"], g["units"]) for g in qual["groups"]] == GROUPS


def test_rules(qual):
    got = qual["rules"]
    assert [r["id"] for r in got] == [r[0] for r in RULES]
    for r, (rid, kind, fields, text) in zip(got, RULES, strict=True):
        assert r["kind"] == kind
        assert r["text"] == text
        for key, value in fields.items():
            assert r[key] == value, (rid, key)


def test_two_further_units_reading(qual):
    r6 = {r["id"]: r for r in qual["rules"]}["R6"]
    assert r6["min"] == 5 and "max" not in r6 and "exact" not in r6
    assert "Two further units" in r6["reading"] or "two units beyond" in r6["reading"]


@pytest.mark.parametrize("uid,cid,text", SPOT)
def test_spot_criteria(units, uid, cid, text):
    assert criterion(units[uid], cid)["text"] == text


@pytest.mark.parametrize("uid,kid,text", KNOWLEDGE_SPOT)
def test_spot_knowledge(units, uid, kid, text):
    assert {k["id"]: k["text"] for k in units[uid]["knowledge"]}[kid] == text


def test_outcome_titles(units):
    assert (
        units["403"]["outcomes"][0]["title"]
        == "Promote the importance and benefits of customer service"
    )
    assert (
        units["725"]["outcomes"][1]["title"]
        == "Manage on-going delivery of customer service using social media"
    )
    assert units["810"]["outcomes"][0]["title"] == (
        "Demonstrate understanding of the principles of customer service that influence the way it is managed"
    )
    assert units["815"]["outcomes"][2]["title"] == (
        "Identify repeated customer complaints and recommend changes to policies and procedures"
    )


# --- evidence ------------------------------------------------------------------


def test_candidate_report(units):
    # every unit's note says "will require to produce a report" except 625 ("may prefer")
    assert {uid for uid, u in units.items() if u["evidence"]["candidate_report"]} == set(UNITS) - {
        "625"
    }
    assert units["625"]["evidence"]["candidate_report"] is False
    assert "may prefer to produce a report" in units["625"]["evidence"]["text"]


def test_evidence_supplied_by(units):
    assert units["403"]["evidence"]["supplied_by"] == [
        "observation",
        "witness testimony",
        "questioning",
        "professional discussion",
        "reflective account",
        "organisation's operational plans and developments*",
        "customer and staff feedback",
        "organisational policies and procedures*",
        "organisational documentation*",
    ]
    assert units["810"]["evidence"]["supplied_by"][4] == "customer feedback* and customer records*"
    assert len(units["811"]["evidence"]["supplied_by"]) == 7


def test_evidence_text_and_footnote(units):
    text = units["403"]["evidence"]["text"]
    assert text.startswith(
        "Note: here the candidate will require to produce a report that outlines how"
    )
    assert (
        "*Internal/organisational documentation need not be held in the candidate's portfolio but held in "
        "the workplace with reference made to where it can be found and its relevance to the criteria."
    ) in text
    assert "*Policies and procedures etc need not be held" in units["405"]["evidence"]["text"]


def test_reading_404_evidence_item_joined(units):
    ev = units["404"]["evidence"]["supplied_by"]
    assert (
        "organisation's operational plans relating to the environment, energy and waste management "
        "and sustainability *"
    ) in ev
    assert len(ev) == 9
    assert "sustainability *" not in ev


def test_reading_802_unbulleted_last_evidence_item(units):
    ev = units["802"]["evidence"]["supplied_by"]
    assert ev[-1] == "legislative and regulatory requirements*"
    assert len(ev) == 10


# --- recorded readings -----------------------------------------------------------


@pytest.mark.parametrize("uid", ["403", "417", "813", "815"])
def test_reading_lost_unit_headers(units, uid):
    u = units[uid]
    assert u["title"] == UNITS[uid][1]
    assert "lost" in u["note"]


def test_reading_417_garbled_level_credit(units):
    assert (units["417"]["level"], units["417"]["credit"]) == (7, 7)
    assert "Level: 7**Credit value: 7**" in units["417"]["note"]


def test_reading_725_second_1e_is_1h(units):
    c = criterion(units["725"], "1h")
    assert c["printed_id"] == "1e"
    assert c["note"]
    assert criterion(units["725"], "1e")["text"] == (
        "identify social media communities that are relevant to your organisation's customer service processes"
    )


def test_reading_810_lettered_criteria(units):
    u = units["810"]
    assert [c["printed_id"] for o in u["outcomes"] for c in o["criteria"]] == list("abcdeabcd")
    assert "printed_id" in u["note"]


def test_reading_811_criteria_start_at_1f(units):
    u = units["811"]
    assert [c["id"] for c in u["outcomes"][0]["criteria"]] == ["1f", "1g", "1h", "1i"]
    assert all("printed_id" not in c for c in u["outcomes"][0]["criteria"])
    assert "1f" in u["note"]


def test_reading_titles_625_725_from_unit_pages(units):
    assert units["625"]["title"].endswith("posted on social media platforms")
    assert "structure table" in units["625"]["note"]
    assert units["725"]["title"].endswith("through social media platforms")
    assert "platform (D22)" in units["725"]["note"]


def test_reading_unit_note_verbatim_oddities(units):
    # 800's note repeats 411's wording; 810's ends with "managed customer service operations"
    assert (
        "competently implement quality improvements to customer service."
        in units["800"]["evidence"]["text"]
    )
    assert "competently managed customer service operations." in units["810"]["evidence"]["text"]


def test_content_and_aim(units):
    assert units["409"]["content"].startswith("Service partners: When two or more organisations")
    assert "staff- rotas, schedules, workloads" in units["802"]["content"].split("\n")
    assert units["403"]["extra"]["aim"].startswith(
        "Staff, with high levels of responsibility for customer service"
    )
    assert all(u["criteria_in_source"] for u in units.values())
