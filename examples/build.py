"""Build the example portfolios with evitrack's own commands.

    python examples/build.py [OUT]      (default: this folder)

Every example is a learner part-way through a shipped qualification. Records are
written with `evitrack add` (ids, file names, criterion comments, sha256 of the
attached files), decisions with `evitrack assess` (evitrack computes the
fingerprints) and unit sign-offs with `evitrack sign`. An apprentice's example also
names the apprenticeship in evitrack.yaml, cites KSBs with `add --ksbs` and keeps an
off-the-job training log written with `evitrack otj add`. Run it again after a
qualification file changes: tests/test_examples.py checks that the committed
examples still give what this script builds.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from typer.testing import CliRunner

from evitrack.cli import app

HERE = Path(__file__).resolve().parent


@dataclass
class Rec:
    title: str
    date: str
    methods: list[str]
    criteria: list[str]  # UNIT/ID refs
    description: str
    files: list[str] = field(default_factory=list)
    location: str | None = None
    decision: tuple[str, str, str | None] | None = None  # (accept | refer, date, comment)
    ksbs: list[str] = field(default_factory=list)  # an apprentice's KSBs it shows


@dataclass
class Sign:
    unit: str
    role: str
    initials: str
    date: str


@dataclass
class Otj:
    """An off-the-job training entry, as `evitrack otj add` writes it."""

    date: str
    hours: str
    activity: str
    type: str
    ksbs: str = ""
    confirmed_by: str | None = None
    logged: str | None = None  # the day it was recorded (default: the day of the training)


@dataclass
class Example:
    folder: str
    qualification: str
    name: str
    registration: str
    units: list[str]
    assessor: str
    centre: tuple[str, str]
    files: dict[str, str]
    records: list[Rec]
    signoffs: list[Sign] = field(default_factory=list)
    currency_years: int | None = None
    apprenticeship: str = ""  # the `apprenticeship:` block of evitrack.yaml
    otj: list[Otj] = field(default_factory=list)


# ---- NCFE Level 3 Diploma: Sam Patel, four units complete and signed off -----------------

OBS_0120 = """\
# Assessor's observation record

Learner: Sam Patel (NC-204518)            Assessor: Joanne Smith
Date: 20 January 2026, 10:05-11:20        Place: Customer Resolution team, Leeds

Observed Sam take a call from a policyholder whose escape-of-water claim had been
waiting eleven days for a loss adjuster. The customer was angry and said he would
go to the Financial Ombudsman.

- Let the customer explain without interrupting; summarised the problem back.
- Checked the claim history and found the adjuster visit had never been booked.
- Logged the call as a complaint (expression of dissatisfaction) under FCA DISP.
- Explained two options: an adjuster visit on Friday, or a video assessment the
  same afternoon; customer chose the video assessment.
- Offered a GBP 50 goodwill payment for the delay (within Sam's authority of GBP 100).
- Told the claims team lead what had happened and why; set a call-back for Friday.
- Recorded the outcome in the complaints log, root cause "booking not made".

Outcome: customer thanked Sam and withdrew the ombudsman threat.
"""

PD_0129 = """\
# Professional discussion: recording log

Sam Patel with Joanne Smith, 29 January 2026, 45 minutes (audio kept by the centre).

Topics and timings
00:00  How the team spots problems early: daily complaint dashboard, repeat-contact
       report, dissatisfaction tags on calls.
08:30  Turning problems into improvements: the adjuster-booking fix after January.
15:10  Why resolving problems builds loyalty: renewal rates of complainants.
21:40  Negotiation: separating interests from positions, offering choices.
27:00  Options and their pros and cons for the customer and for Northgate.
33:20  When to escalate; cost and regulatory implications of admitting liability.
39:00  Compensation versus replacement; evaluating whether a resolution worked.
"""

PDP_2026 = """\
# Personal and professional development plan 2026

Name: Sam Patel   Role: Team Leader, Customer Resolution   Agreed with: Dan Whitaker

| Need (from skills gap analysis)        | Action                                   | By       | Budget |
|----------------------------------------|------------------------------------------|----------|--------|
| Coaching conversations with advisers   | ILM coaching course, two days            | Apr 2026 | 450    |
| Complaint root-cause analysis          | Shadow the quality team for one week     | Mar 2026 | 0      |
| Insurance regulation (consumer duty)   | CII webinar series                       | Jun 2026 | 120    |

Sources compared: CII, Institute of Customer Service, LinkedIn Learning, the
Northgate L&D catalogue.
"""

JOURNEY = """\
# Customer journey map: online home insurance claim (March 2026)

Stages: report the damage -> upload photos -> adjuster contact -> settlement offer
-> payment -> follow-up survey.

Low points found
1. No confirmation e-mail after photos are uploaded (customers call to check).
2. Adjuster contact can take up to ten days, with no status in the portal.
3. Settlement letter uses policy wording customers do not understand.

Customer needs identified: reassurance at each step, a named contact, plain English.
"""

ASSIGNMENT_02 = """\
# Unit 02 written assignment (extract)

Sam Patel, May 2026. Word count 2,450.

1. Customer service as a competitive tool in personal lines insurance.
2. Spotting service failure: complaint data, repeat calls, survey verbatims.
3. The service profit chain at Northgate: engaged advisers, loyal policyholders.
4. Measuring effectiveness: NPS, first-contact resolution, complaint uphold rate.
5. Brand: what "Northgate - there when it matters" promises, and how a poor claim
   experience damages it.
6. Customer service models and standards; links with claims, underwriting and IT;
   continuous improvement; costs and benefits.
"""

NCFE = Example(
    folder="ncfe-diploma-sam-patel",
    qualification="ncfe-l3-diploma-customer-service",
    name="Sam Patel",
    registration="NC-204518",
    units=["09", "10", "12", "17", "18", "30", "33"],
    assessor="Joanne Smith",
    centre=("Northgate Training Academy", "61842"),
    currency_years=5,
    files={
        "files/observations/obs-2026-01-20-claim-delay.md": OBS_0120,
        "files/discussions/pd-2026-01-29-recording-log.md": PD_0129,
        "files/cpd/development-plan-2026.md": PDP_2026,
        "files/products/customer-journey-map-online-claims.md": JOURNEY,
        "files/assignments/unit-02-assignment.md": ASSIGNMENT_02,
    },
    records=[
        Rec(
            "Observed resolving a complaint about a delayed home insurance claim",
            "2026-01-20",
            ["observation"],
            [
                "03/2.1,03/2.5,03/2.6,03/2.7,03/2.9",
                "09/2.1,09/2.2,09/2.3,09/2.6,09/2.7,09/2.8,09/2.9",
                "17/2.1,17/2.2,17/2.3,17/2.4,17/2.5,17/2.7",
            ],
            "Joanne observed me on the Customer Resolution desk. A policyholder rang about an\n"
            "escape-of-water claim that had waited eleven days for a loss adjuster and said he\n"
            "would go to the ombudsman. I listened, confirmed the cause (the visit was never\n"
            "booked), logged it as a complaint, gave him two options and agreed a video\n"
            "assessment the same day with a goodwill payment within my authority. I briefed\n"
            "the claims team lead and recorded the outcome and root cause in the complaints log.",
            files=["files/observations/obs-2026-01-20-claim-delay.md"],
            decision=("accept", "2026-01-27", "Calm, well-structured handling; all PCs met."),
        ),
        Rec(
            "Professional discussion: monitoring and resolving problems and complaints",
            "2026-01-29",
            ["professional-discussion"],
            [
                "03/1.1,03/1.2,03/1.3,03/1.4,03/2.2,03/2.3,03/2.4,03/2.8",
                "09/1.1,09/1.2,09/1.3,09/1.4,09/1.5,09/1.6,09/1.7,09/1.8,09/2.4,09/2.5",
            ],
            "A 45-minute recorded discussion with my assessor about how our team monitors\n"
            "problems and complaints, how we use them to improve the service, negotiation and\n"
            "conflict management, escalation, admitting liability and compensation.",
            files=["files/discussions/pd-2026-01-29-recording-log.md"],
            location="Audio recording held on the Northgate Training Academy e-portfolio server",
            decision=("accept", "2026-02-03", "Good depth on root causes and FCA DISP timescales."),
        ),
        Rec(
            "Personal development plan and skills gap analysis",
            "2026-02-10",
            ["product", "reflective-account"],
            ["05/1.1,05/1.2,05/1.3,05/2.1,05/2.2,05/2.3,05/2.4,05/3.1"],
            "My development plan for 2026, agreed with my line manager Dan Whitaker, with the\n"
            "skills gap analysis behind it and a reflective account comparing where I looked\n"
            "for development information (CII, the Institute of Customer Service, LinkedIn\n"
            "Learning) and how I set SMART objectives.",
            files=["files/cpd/development-plan-2026.md"],
            decision=("accept", "2026-02-17", None),
        ),
        Rec(
            "Written questions: dealing with challenging customers",
            "2026-02-24",
            ["questioning"],
            ["17/1.1,17/1.2,17/1.3,17/1.4,17/1.5,17/1.6,17/1.7"],
            "Answers to the centre's written question paper for unit 17: types of challenging\n"
            "customer, our standards of behaviour, assertive and aggressive behaviour, my\n"
            "authority to agree actions outside the service offer, and keeping colleagues\n"
            "informed when a customer escalates.",
            decision=("accept", "2026-03-02", None),
        ),
        Rec(
            "Witness testimony: getting help with an abusive caller",
            "2026-03-09",
            ["witness-testimony"],
            ["17/2.6"],
            "Testimony from Dan Whitaker, contact centre manager, about a caller who became\n"
            "abusive and asked for a payment outside policy terms: I recognised it was beyond\n"
            "my authority, put the caller on hold with an explanation and asked Dan to take over.",
            location="Signed testimony held in the Northgate HR file for S. Patel",
            decision=("accept", "2026-03-12", "Witness is the occupationally competent manager."),
        ),
        Rec(
            "Customer journey map for the online claims process",
            "2026-03-23",
            ["product"],
            ["01/1.6,01/2.1,01/2.2", "02/1.2"],
            "I mapped the online claim journey from first report to the follow-up survey using\n"
            "complaint data and twenty call recordings, and marked the three low points we\n"
            "then raised with the digital team.",
            files=["files/products/customer-journey-map-online-claims.md"],
            decision=("accept", "2026-03-30", None),
        ),
        Rec(
            "Observed planning the team rota for the storm-season call surge",
            "2026-04-14",
            ["observation"],
            ["01/2.3,01/2.4,01/2.5,01/2.6,01/3.1"],
            "Joanne observed me planning cover for the forecast storm weekend: overtime,\n"
            "moving two advisers from renewals, a priority queue for vulnerable customers and\n"
            "an IVR message about expected waits.",
            decision=(
                "refer",
                "2026-04-20",
                "Good plan for the surge, but 2.3 needs evidence of the checks you made on "
                "the systems (IVR messages, web-chat capacity). Add the checklist and I "
                "will look again.",
            ),
        ),
        Rec(
            "Developing my development plan: coaching course and regulation webinars",
            "2026-04-28",
            ["product", "reflective-account"],
            ["05/2.5,05/2.6,05/3.2,05/3.3,05/3.4"],
            "A review of my plan after the ILM coaching course (on budget, done in April) and\n"
            "three CII webinars, with 360 feedback from two advisers, my manager and the\n"
            "quality team, and the changes I made to the plan as a result.",
            decision=("accept", "2026-05-05", None),
        ),
        Rec(
            "Written assignment: the customer service environment",
            "2026-05-18",
            ["product"],
            ["02/1.1,02/1.3,02/1.4,02/1.5,02/2.1,02/2.2,02/2.3,02/3.1,02/3.2,02/3.3,02/3.4"],
            "My written assignment for unit 02 about customer service at Northgate Home\n"
            "Insurance: competition, service failure, the service profit chain, measures of\n"
            "effectiveness, the brand, service models and the costs and benefits of service.",
            files=["files/assignments/unit-02-assignment.md"],
            decision=("accept", "2026-05-29", "Well referenced; good use of our own NPS data."),
        ),
        Rec(
            "Written assignment: values, consumer law and data protection",
            "2026-06-08",
            ["product"],
            ["02/3.5,02/3.6,02/4.1,02/4.2"],
            "Second part of the unit 02 assignment: how Northgate's values shape what\n"
            "customers expect, the Consumer Rights Act and Consumer Duty, and UK GDPR for\n"
            "call recordings and claim files.",
        ),
        Rec(
            "Observed outbound calls to customers after claim settlement",
            "2026-06-22",
            ["observation"],
            [
                "12/2.1,12/2.2,12/2.3,12/2.4,12/2.5,12/2.6,12/2.7,12/2.8,12/2.9,12/2.10",
                "18/2.1,18/2.3,18/2.5",
            ],
            "Joanne observed four follow-up calls to customers whose claims had just been\n"
            "paid. I checked they were happy with the repair, answered questions about their\n"
            "no-claims discount, passed one customer's praise to the repairer and told two\n"
            "customers about the home emergency add-on when they asked about boiler cover.",
            decision=("accept", "2026-06-29", None),
        ),
        Rec(
            "Reflective account: relationships with repeat policyholders",
            "2026-07-20",
            ["reflective-account"],
            ["18/1.1,18/1.2,18/1.3,18/1.5,18/1.6,18/1.7"],
            "How I build relationships with customers who claim more than once, why loyalty\n"
            "matters at renewal, how expectations changed after the 2025 floods, the limits on\n"
            "alternative offers I can make, and how we use the CRM notes.",
            decision=("accept", "2026-07-27", None),
        ),
        Rec(
            "Professional discussion: customer feedback and the monthly insight report",
            "2026-09-14",
            ["professional-discussion"],
            ["10/1.1,10/1.2,10/1.4,10/1.5,10/1.7,10/1.9", "18/1.4"],
            "Discussion of how we collect post-call surveys and the annual policyholder panel,\n"
            "sampling, questionnaire design, analysing verbatims in our speech-analytics tool\n"
            "and anonymising comments.",
        ),
    ],
    signoffs=[
        Sign("03", "assessor", "JS", "2026-02-03"),
        Sign("03", "learner", "SP", "2026-02-04"),
        Sign("09", "assessor", "JS", "2026-02-03"),
        Sign("09", "learner", "SP", "2026-02-04"),
        Sign("09", "iv", "PK", "2026-02-20"),
        Sign("17", "assessor", "JS", "2026-03-12"),
        Sign("17", "learner", "SP", "2026-03-13"),
        Sign("05", "assessor", "JS", "2026-05-05"),
        Sign("05", "learner", "SP", "2026-05-06"),
    ],
)

# ---- SVQ SCQF level 8: Morag Campbell -----------------------------------------------------

REPORT_811 = """\
# Candidate report: unit 811 (F6)

Morag Campbell, Customer Services Manager, Clydeview Housing Association.

I manage a team of nine customer service officers who take about 4,000 contacts a
month from tenants and owners. This report explains how I follow the association's
rules and culture, the Scottish Social Housing Charter, the SPSO complaints
handling procedure, UK GDPR and the Housing (Scotland) Acts in managing the service,
with examples from the last six months:

1. Rewriting the repairs call script so it follows the Right to Repair rules.
2. Assessing the risk of missing the SPSO stage 1 deadline of five working days.
3. Drafting the new vulnerable-tenant policy with the legal and housing teams.
4. Deciding what I could agree myself and what went to the Head of Housing.
"""

TRENDS = """\
# Complaint trends, Q4 2025 - Q1 2026

| Category             | Q4 2025 | Q1 2026 | Change |
|----------------------|---------|---------|--------|
| Damp and mould       | 41      | 63      | +54%   |
| Repairs appointments | 58      | 49      | -16%   |
| Staff attitude       | 12      | 9       | -25%   |
| Rent and charges     | 17      | 21      | +24%   |

Finding: damp and mould complaints rise each winter; 70% come from two estates
with 1960s flats. Recommendation: proactive inspections in October, a single
named officer per case, and a text update every ten days.
"""

SVQ = Example(
    folder="svq-scqf8-morag-campbell",
    qualification="cg-svq-customer-service-scqf8",
    name="Morag Campbell",
    registration="SVQ-7731420",
    units=["403", "813", "814", "411", "417"],
    assessor="Alasdair Ross",
    centre=("Clyde Workplace Learning", "C4427-018"),
    files={
        "files/reports/811-candidate-report.md": REPORT_811,
        "files/products/complaint-trends-q1-2026.md": TRENDS,
    },
    records=[
        Rec(
            "Candidate report: rules, regulation and legislation in customer services",
            "2026-02-02",
            ["candidate-report"],
            [
                "811/1f,811/1g,811/1h,811/1i,811/2a,811/2b,811/2c",
                "811/a,811/b,811/c,811/d,811/e,811/f,811/g,811/h,811/i,811/j,811/k,811/l,"
                "811/m,811/n",
            ],
            "My candidate report for unit 811, describing how I manage the customer service\n"
            "team within Clydeview's rules and the external regulation that applies to a\n"
            "registered social landlord in Scotland, with four worked examples.",
            files=["files/reports/811-candidate-report.md"],
            decision=("accept", "2026-02-16", "Thorough; covers every knowledge item."),
        ),
        Rec(
            "Observed team briefing on the Scottish Social Housing Charter return",
            "2026-02-19",
            ["observation"],
            ["811/1f,811/1g,811/2a", "810/2a,810/2c"],
            "Alasdair observed my Thursday team briefing where I explained the charter\n"
            "indicators we report to the Scottish Housing Regulator and what each officer\n"
            "must record so our figures are accurate.",
            decision=("accept", "2026-02-23", None),
        ),
        Rec(
            "Observed meeting a tenant about a referred complaint over damp repairs",
            "2026-03-10",
            ["observation"],
            ["815/1a,815/1b,815/1c,815/1d,815/2a,815/2b,815/2c"],
            "A stage 2 complaint referred to me by the area housing officer: a tenant with a\n"
            "young baby and recurring mould. I had gathered the repair history beforehand,\n"
            "took ownership, explained the escalation route to the SPSO, and we agreed a\n"
            "temporary move and a full damp survey, which I had authority to approve.",
            decision=("accept", "2026-03-16", None),
        ),
        Rec(
            "Witness testimony: repairs manager on putting the solution in place",
            "2026-03-31",
            ["witness-testimony"],
            ["815/2d"],
            "Testimony from Iain Docherty, repairs manager, that I arranged the survey and\n"
            "the decant with his team and called the tenant weekly until the works finished.",
            location="Signed testimony in the tenancy file, Clydeview Housing Association",
            decision=("accept", "2026-04-06", None),
        ),
        Rec(
            "Professional discussion: the complaints handling procedure",
            "2026-04-21",
            ["professional-discussion"],
            ["815/a,815/b,815/c,815/d,815/e,815/f,815/g,815/h"],
            "Discussion of the SPSO model complaints handling procedure as Clydeview applies\n"
            "it: frontline resolution, investigation, timescales and communication.",
            decision=(
                "refer",
                "2026-04-27",
                "Good on the two-stage model. Knowledge b and c need more on the limits "
                "of your own authority and what you do when a complaint may go to the "
                "SPSO or the Regulator; we will pick these up at the next review.",
            ),
        ),
        Rec(
            "Complaint trend analysis, Q4 2025 to Q1 2026",
            "2026-05-12",
            ["product"],
            ["815/3a,815/3b,815/3c,815/3d,815/3e,815/3f,815/i,815/j,815/k", "813/2b,813/2c"],
            "My analysis of two quarters of complaints by category and estate, the pattern\n"
            "of damp and mould complaints each winter, and the changes to policy I recommended\n"
            "to the housing management committee.",
            files=["files/products/complaint-trends-q1-2026.md"],
        ),
        Rec(
            "Candidate report: reviewing the quality of our customer service",
            "2026-06-02",
            ["candidate-report"],
            ["813/1a,813/1b,813/1c,813/2a", "813/a,813/b,813/c,813/d,813/e"],
            "How I chose what to measure (first-contact resolution, repairs satisfaction,\n"
            "call abandonment), how I planned the tenant telephone survey and its sample,\n"
            "and how the monitoring ran over the spring.",
            decision=("accept", "2026-06-09", None),
        ),
        Rec(
            "Witness testimony: Head of Housing on the service quality briefing",
            "2026-06-16",
            ["witness-testimony"],
            ["813/2e,813/2f"],
            "Testimony from Karen Boyle, Head of Housing, that I presented the survey results\n"
            "to the management team and agreed three improvement actions with them.",
            decision=("accept", "2026-06-22", None),
        ),
        Rec(
            "Observed coaching a housing officer on first-contact resolution",
            "2026-09-08",
            ["observation"],
            ["417/1a,417/1b,417/2c,417/2e"],
            "Alasdair observed a coaching session where I went through an officer's monthly\n"
            "statistics with her, compared them with the team's target and agreed training.",
        ),
    ],
    signoffs=[
        Sign("811", "assessor", "AR", "2026-02-16"),
        Sign("811", "learner", "MC", "2026-02-18"),
    ],
)

# ---- EDI Level 2 NVQ: Chloe Adeyemi ------------------------------------------------------

LOST_PROPERTY = """\
# Lost property and safeguarding log, April 2026 (names removed)

| Date  | Item / concern                 | Action taken                              | Ref to |
|-------|--------------------------------|-------------------------------------------|--------|
| 02/04 | Child's swimming bag           | Logged, labelled, phoned parent           | -      |
| 05/04 | Wallet with bank cards         | Logged with witness, locked in safe       | DM     |
| 08/04 | Member's locker code overheard | Reset code, advised member                | DM     |
| 08/04 | Unaccompanied child (9) at 7pm | Stayed with child, called parent, logged  | DSL    |

DM = duty manager; DSL = designated safeguarding lead.
"""

EDI = Example(
    folder="edi-l2-chloe-adeyemi",
    qualification="edi-l2-nvq-customer-service",
    name="Chloe Adeyemi",
    registration="EDI-55817342",
    units=["CU795", "CU802", "CU808"],
    assessor="Mark Evans",
    centre=("Avon Valley Training", "012774"),
    files={"files/products/lost-property-log-april-2026.md": LOST_PROPERTY},
    records=[
        Rec(
            "Observed at reception: membership enquiries in the Monday morning rush",
            "2026-03-04",
            ["Obs"],
            [
                "CU791/1.1,CU791/1.3,CU791/2.1,CU791/2.2,CU791/2.2(2)",
                "CU795/1.1,CU795/1.2,CU795/1.3,CU795/1.4,CU795/1.5,CU795/1.7,CU795/1.9",
                "CU802/1.2,CU802/1.3,CU802/1.4,CU802/1.7,CU802/2.1,CU802/2.2,CU802/2.5",
            ],
            "Mark watched me on reception at Riverside Leisure Centre between 8 and 10 am.\n"
            "I dealt with a queue of members and visitors: new gym memberships, a complaint\n"
            "about a cancelled spin class and a parent booking swimming lessons, while\n"
            "answering the phone.",
            decision=("accept", "2026-03-06", None),
        ),
        Rec(
            "Oral questions: customers, the service offer and customer service language",
            "2026-03-11",
            ["Q"],
            [
                "CU791/1.2,CU791/3.1,CU791/3.2,CU791/3.3,CU791/3.4,CU791/3.5,CU791/3.6,"
                "CU791/3.7,CU791/3.8,CU791/3.9,CU791/3.10,CU791/3.11,CU791/3.12,CU791/3.13,"
                "CU791/3.14,CU791/3.15"
            ],
            "Mark asked me questions about who our customers are, what they expect, our\n"
            "service offer and who to go to for what. He wrote down my answers.",
            decision=("accept", "2026-03-11", None),
        ),
        Rec(
            "Role-play in induction training: calming an upset parent at the pool desk",
            "2026-03-18",
            ["Sim"],
            ["CU802/1.8,CU802/2.3,CU802/2.4"],
            "A role-play at our induction day where the trainer played a parent angry that\n"
            "the lesson pool was closed and other customers were waiting.",
            decision=(
                "refer",
                "2026-03-20",
                "Simulation is not allowed for CU802 (EDI assessment strategy): this has "
                "to come from real work. I will observe you at a Saturday lesson "
                "changeover instead.",
            ),
        ),
        Rec(
            "Lost property and safeguarding log, with questions on procedures",
            "2026-04-08",
            ["P", "Q"],
            [
                "CU792/1.1,CU792/1.2,CU792/1.3,CU792/1.4,CU792/1.5,CU792/2.1,CU792/2.2,"
                "CU792/2.3,CU792/2.4,CU792/2.5"
            ],
            "My entries in the lost property and safeguarding log for April (names removed)\n"
            "and my answers to Mark's questions about why we follow each procedure.",
            files=["files/products/lost-property-log-april-2026.md"],
            decision=("accept", "2026-04-10", None),
        ),
        Rec(
            "Witness testimony: passing on a complaint about the changing rooms",
            "2026-04-22",
            ["Wt"],
            ["CU795/1.6,CU795/1.10"],
            "Testimony from Gemma Price, duty manager: a customer complained the changing\n"
            "rooms were cold; I explained politely that I could not change the heating\n"
            "myself and passed a clear message to Gemma, who sorted it out.",
            location="Witness statement form in Chloe's paper file at reception",
            decision=("accept", "2026-04-24", None),
        ),
        Rec(
            "Reflective account: booking a class for a customer who uses BSL",
            "2026-05-13",
            ["reflective-account"],
            ["CU808/1.1,CU808/1.2,CU808/1.5,CU808/1.6,CU808/2.2,CU808/2.3,CU808/3.1,CU808/3.2"],
            "A Deaf customer came to book an aqua-fit class. I wrote things down, used the\n"
            "few BSL signs I know, checked what she needed rather than guessing, and found\n"
            "out we can book a BSL interpreter for the class.",
        ),
    ],
    signoffs=[
        Sign("CU791", "assessor", "ME", "2026-03-11"),
        Sign("CU791", "learner", "CA", "2026-03-12"),
    ],
)

# ---- Pearson BTEC L3 Certificate: Daniel Hughes -------------------------------------------

ASSIGN_1A = """\
# Unit 1 assignment, part A

Daniel Hughes, Afon Energy customer helpdesk, January 2026.

- Afon Energy's mission: "Fair, simple energy for Wales."
- How the mission shapes the helpdesk: no hidden fees, plain-English bills.
- Brand: the Welsh-language service and local call centre as part of the brand.
- Structures compared: functional (Afon), matrix (our parent group), flat (a start-up).
- Departments in customer service: billing, metering, credit control, field service.
- Service failures: estimated bills, missed smart-meter installs; their causes and
  consequences (complaints, Ofgem reporting, lost customers).
"""

PEARSON_CERT = Example(
    folder="pearson-certificate-daniel-hughes",
    qualification="pearson-btec-l3-certificate-customer-service-specialists",
    name="Daniel Hughes",
    registration="PB-2026-0418",
    units=[],
    assessor="Rhian Davies",
    centre=("Coleg Caerdydd Work-based Learning", "69034"),
    files={"files/assignments/unit-1-part-a.md": ASSIGN_1A},
    records=[
        Rec(
            "Assignment 1, part A: Afon Energy's mission, structure and brand",
            "2026-01-15",
            ["product"],
            ["1/1.1,1/1.2,1/1.3,1/2.1,1/2.2,1/2.3,1/2.4,1/2.5"],
            "The first part of my written assignment for unit 1, about Afon Energy's mission\n"
            "and strategy, its brand, how it is organised and what goes wrong for customers.",
            files=["files/assignments/unit-1-part-a.md"],
            decision=("accept", "2026-01-26", None),
        ),
        Rec(
            "Assignment 1, part B: culture, legislation and policies",
            "2026-02-05",
            ["product"],
            ["1/3.1,1/3.2,1/3.3,1/4.1,1/4.2,1/4.3,1/4.4,1/5.1,1/5.2,1/5.3,1/5.4,1/5.5"],
            "The second part of the unit 1 assignment: the business environment, our\n"
            "customer service culture, consumer, data protection, health and safety and\n"
            "equality law, and the policies and systems the helpdesk uses.",
            decision=("accept", "2026-02-16", "Good use of Ofgem's standards of conduct."),
        ),
        Rec(
            "Professional discussion: loyalty, retention and the Priority Services Register",
            "2026-03-12",
            ["PD"],
            ["2/1.1,2/1.2,2/1.3,2/1.4,2/4.1,2/4.2,2/4.3,2/4.4,2/4.5"],
            "A recorded discussion with Rhian about why customers stay with or leave an\n"
            "energy supplier, how we look after customers on the Priority Services Register\n"
            "and how internal and external customers differ.",
            decision=("accept", "2026-03-19", None),
        ),
        Rec(
            "Assignment 2: the customer journey and customer insight",
            "2026-04-16",
            ["product"],
            ["2/2.1,2/2.2,2/2.3,2/2.4,2/2.5,2/2.6,2/3.1,2/3.2,2/3.3,2/3.4,2/3.5"],
            "My written assignment mapping the home-move journey for an Afon customer and\n"
            "the insight sources we use (surveys, complaints, smart-meter data).",
            decision=(
                "refer",
                "2026-04-27",
                "The journey map is clear. Section 3 describes the insight sources but "
                "3.3 and 3.5 ask you to explain why analysis matters and how it improves "
                "the experience: rework section 3 and resubmit.",
            ),
        ),
        Rec(
            "Written questions: continuous improvement",
            "2026-05-21",
            ["questioning"],
            ["3/1.1,3/1.2,3/1.3,3/1.4,3/1.5,3/2.1,3/2.2"],
            "My answers to the centre's written questions on the purpose and benefits of\n"
            "continuous improvement and the information we use to find improvements.",
        ),
    ],
    signoffs=[
        Sign("1", "assessor", "RD", "2026-02-16"),
        Sign("1", "learner", "DH", "2026-02-17"),
        Sign("1", "iv", "GM", "2026-03-02"),
    ],
)

# ---- Pearson BTEC L3 Diploma: Aisha Rahman -------------------------------------------------

CASE_NOTES = """\
# Case notes: disputed account closure (customer details removed)

14/04  Customer disputes closure of a dormant savings account; wants interest since
       2019. Reviewed the account history and the 2023 dormancy letters.
15/04  Explained the society's position and the Dormant Assets Scheme; customer not
       satisfied; asked for it to go to a manager.
15/04  Completed escalation form EF-2 for the branch manager; told the customer
       what would happen next and by when.
18/04  Branch manager agreed reinstatement with interest at the current rate;
       customer accepted. Closed the case.
"""

# Aisha is an apprentice on the Customer Service Specialist standard, the Diploma her
# on-programme qualification. She works 25 hours a week, so her start (before 1 August
# 2025) puts her under the 6-hour rule pro rata; her provider planned 360 hours.
AISHA_APPRENTICESHIP = """\
# The apprenticeship: the standard, the practical period and the off-the-job plan.
apprenticeship:
  standard: customer-service-specialist
  start: 2025-07-28
  end: 2027-01-29  # planned end of the practical period
  weekly_hours: 25  # contracted paid hours a week
  otj_planned_hours: 360  # the provider's planned off-the-job hours
"""

EMPLOYER = "Imran Shah"  # branch manager, who confirms her off-the-job training

# Two study days a month at the provider, unit by unit: (first day, second day, topic, KSBs)
STUDY_DAYS = [
    ("2025-08-13", "2025-08-20", "unit 1, the customer service environment", "K1,K4"),
    ("2025-09-10", "2025-09-17", "unit 1, mission, brand and structure", "K1,K4"),
    ("2025-10-08", "2025-10-15", "unit 2, loyalty, retention and satisfaction", "K3"),
    ("2025-11-12", "2025-11-19", "unit 2, customer types and expectations", "K3,B13"),
    ("2025-12-10", "2025-12-17", "unit 3, continuous improvement", "K1,S9"),
    ("2026-01-14", "2026-01-21", "unit 4, personal effectiveness", "K1,B10"),
    ("2026-02-11", "2026-02-18", "unit 5, solution-focused service", "S5,S6"),
    ("2026-03-11", "2026-03-18", "unit 6, challenging customers and situations", "S6,S8"),
    ("2026-04-15", "2026-04-22", "unit 7, influencing change", "S7,S9"),
    ("2026-05-13", "2026-05-20", "unit 8, managing personal effectiveness", "B10,B12"),
    ("2026-06-10", "2026-06-17", "unit 2, customer insight and feedback", "K3,S7"),
    ("2026-07-08", "2026-07-15", "unit 3, service improvement projects", "S9"),
    ("2026-09-09", "2026-09-16", "unit 4, working with others", "B12,B14"),
    ("2026-10-14", "2026-10-21", "unit 8, brand, values and presentation", "B14"),
    ("2026-11-11", "2026-11-18", "end-point assessment preparation", "K2,S8"),
]

AISHA_OTJ = [
    Otj(
        "2025-07-30",
        "6",
        "Apprenticeship induction: the standard, its KSBs and the off-the-job log",
        "training",
        "K1,K4",
        "Lisa Grant",
    ),
    Otj(
        "2025-08-06",
        "5",
        "Shadowing the branch manager on member complaints",
        "shadowing",
        "K2,S8",
        EMPLOYER,
    ),
    *[
        Otj(
            day,
            "6",
            f"Study day at Pennine Skills Partnership: {topic}",
            "training",
            ksbs,
            EMPLOYER,
        )
        for first, second, topic, ksbs in STUDY_DAYS
        for day in (first, second)
    ],
    Otj(
        "2025-09-24",
        "4",
        "Consumer Duty and customers in vulnerable circumstances (e-learning, 4 modules)",
        "training",
        "K3,B13",
        EMPLOYER,
        "2025-09-25",
    ),
    Otj(
        "2025-10-22",
        "5",
        "Complaint handling under the FCA's DISP rules: workshop",
        "training",
        "K2,S6",
        EMPLOYER,
    ),
    Otj(
        "2025-11-25",
        "5",
        "Mortgage team secondment, day 1: payment options",
        "practical",
        "S5,S6",
        EMPLOYER,
    ),
    Otj(
        "2025-11-26",
        "5",
        "Mortgage team secondment, day 2: arrears conversations",
        "practical",
        "S5,S8",
        EMPLOYER,
    ),
    Otj(
        "2025-12-03",
        "1.5",
        "Progress review with Lisa Grant and Imran Shah",
        "progress-review",
        "",
        EMPLOYER,
    ),
    Otj(
        "2026-01-27",
        "5",
        "Assignment research: Pennine's mission, brand and structure",
        "assignment",
        "K1,K4",
        EMPLOYER,
        "2026-01-28",
    ),
    Otj(
        "2026-02-24",
        "4.5",
        "Customer insight and data (e-learning, 3 modules)",
        "training",
        "K3,S7",
    ),
    Otj(
        "2026-03-24",
        "5",
        "Shadowing the contact centre: call handling and escalations",
        "shadowing",
        "K2,S7",
        EMPLOYER,
    ),
    Otj(
        "2026-04-28",
        "5",
        "Institute of Customer Service regional conference, Manchester",
        "industry-visit",
        "B10",
        EMPLOYER,
    ),
    Otj(
        "2026-06-23",
        "5",
        "Service improvement project: counter queue times",
        "practical",
        "S9",
        EMPLOYER,
    ),
    Otj(
        "2026-09-22",
        "4",
        "Coaching and team working (e-learning, 2 modules)",
        "training",
        "B12",
        EMPLOYER,
        "2026-11-10",
    ),
    Otj(
        "2026-10-27",
        "5",
        "Shadowing the complaints team: root-cause analysis",
        "shadowing",
        "K2,S9",
        EMPLOYER,
    ),
]

PEARSON_DIP = Example(
    folder="pearson-diploma-aisha-rahman",
    qualification="pearson-btec-l3-diploma-customer-service-specialists",
    name="Aisha Rahman",
    registration="PB-2026-1172",
    units=[],
    assessor="Lisa Grant",
    centre=("Pennine Skills Partnership", "41577"),
    files={"files/products/case-notes-disputed-closure.md": CASE_NOTES},
    records=[
        Rec(
            "Observed: a mortgage payment holiday request at the branch counter",
            "2026-02-09",
            ["O"],
            ["5/1.1,5/1.2,5/1.3,5/2.1,5/2.3,5/2.4,5/2.5,5/3.1,5/3.3,5/3.5", "6/1.1,6/1.2,6/1.3"],
            "Lisa observed me help a member who had lost his job and wanted to stop his\n"
            "mortgage payments. He was upset and in a hurry. I took him to a private room,\n"
            "found out what he needed, explained the options (payment holiday, reduced\n"
            "payments, term extension) and booked a call with the mortgage team.",
            decision=("accept", "2026-02-12", None),
            ksbs=["S6", "B11", "B13"],
        ),
        Rec(
            "Professional discussion: solutions, costs and working with the mortgage team",
            "2026-02-23",
            ["PD"],
            ["5/2.2,5/2.6,5/3.2,5/3.4"],
            "Discussion about the payment holiday case and two others: how I look for\n"
            "solutions that suit the member and the society, keep costs in mind and make\n"
            "sure the mortgage team does what I promised.",
            decision=("accept", "2026-02-26", None),
            ksbs=["S5", "K2", "B12"],
        ),
        Rec(
            "Witness testimony: branch manager on a bereavement case",
            "2026-03-16",
            ["EWT"],
            ["6/2.1,6/2.2,6/2.3"],
            "Testimony from the branch manager, Imran Shah, about how I handled the accounts\n"
            "of a member who had died when the family disagreed about who could act.",
            decision=("accept", "2026-03-20", None),
            ksbs=["S8", "B11"],
        ),
        Rec(
            "Case notes and escalation form for a disputed account closure",
            "2026-04-18",
            ["P"],
            ["6/1.4,6/1.5,6/2.4,6/2.5,6/2.6,6/2.7,6/2.8"],
            "My case notes and escalation form for a member who disputed the closure of a\n"
            "dormant account (details removed).",
            files=["files/products/case-notes-disputed-closure.md"],
            ksbs=["S8", "K2"],
        ),
        Rec(
            "Written assignment: the building society's customer service environment",
            "2026-05-11",
            ["product"],
            ["1/1.1,1/1.2,1/1.3,1/2.1,1/2.2,1/2.3"],
            "The first sections of my unit 1 assignment: Pennine's mission, brand and\n"
            "structure, and how the branches, contact centre and mortgage team work together.",
            decision=(
                "refer",
                "2026-05-18",
                "Sections on structure are good. 1.2 needs the impact of the mission "
                "statement on customer service delivery: add an example from the branch.",
            ),
            ksbs=["K1", "K4"],
        ),
    ],
    signoffs=[
        Sign("5", "assessor", "LG", "2026-02-26"),
        Sign("5", "learner", "AR", "2026-02-27"),
    ],
    apprenticeship=AISHA_APPRENTICESHIP,
    otj=AISHA_OTJ,
)

# ---- The stand-alone unit: Tom Whitfield ----------------------------------------------------

STANDARDS = """\
# Front office service standards, The Minster Gate Hotel (v3, February 2026)

- Phone answered within three rings, with the hotel's greeting.
- Every guest greeted by name at check-in when known; room ready by 2 pm or an
  honest time given.
- Complaints: listen, apologise, act, follow up before check-out.
- Compared with the AA hotel inspection guidance and two competitor hotels' charters.
"""

FRAGMENT = Example(
    folder="fragment-tom-whitfield",
    qualification="unit-fragment-customer-service-standards",
    name="Tom Whitfield",
    registration="CSS-2026-031",
    units=[],
    assessor="Helen Carter",
    centre=("Yorkshire Hospitality Skills", "70211"),
    files={"files/products/front-office-service-standards-v3.md": STANDARDS},
    records=[
        Rec(
            "Front office service standards and a comparison with sector guidance",
            "2026-02-16",
            ["product"],
            ["1/1.1,1/1.2"],
            "The service standards I rewrote for the front office, with my notes comparing\n"
            "them with the AA inspection guidance and two competitor hotels.",
            files=["files/products/front-office-service-standards-v3.md"],
            decision=("accept", "2026-02-20", None),
        ),
        Rec(
            "Plan: paperless pre-arrival and check-out",
            "2026-03-09",
            ["product"],
            ["1/2.1,1/2.2,1/2.3"],
            "My plan to move pre-arrival messages and receipts to e-mail, with the\n"
            "environmental case, the processes that support our standards and the\n"
            "implementation steps agreed with the general manager.",
            decision=("accept", "2026-03-13", None),
        ),
        Rec(
            "Observed presenting the new standards to the heads of department",
            "2026-03-30",
            ["observation"],
            ["1/2.4,1/2.5,1/3.1"],
            "Helen observed me present the new standards and the paperless plan at the\n"
            "heads of department meeting, agree who does what, and secure the tablets and\n"
            "training time we need.",
            decision=("accept", "2026-04-02", None),
        ),
        Rec(
            "Reflective account: team culture and motivation on the front desk",
            "2026-05-04",
            ["reflective-account"],
            ["1/4.1,1/4.2,1/4.3"],
            "How I assessed the culture of the front-office team using McGregor's Theory X\n"
            "and Y, and the recognition scheme and shift-swap changes I introduced.",
        ),
        Rec(
            "Guest feedback monitoring: review sites and in-stay survey tracker",
            "2026-06-01",
            ["product"],
            ["1/5.1,1/5.2"],
            "The tracker I built to follow TripAdvisor and Booking.com reviews and the\n"
            "in-stay survey each week.",
            decision=(
                "refer",
                "2026-06-05",
                "The tracker is good evidence for 5.2. For 5.1, describe the methods of "
                "measuring satisfaction you considered and why you chose these.",
            ),
        ),
    ],
)

EXAMPLES = [NCFE, SVQ, EDI, PEARSON_CERT, PEARSON_DIP, FRAGMENT]


# ---- building ----------------------------------------------------------------------------

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    if result.exit_code != 0:
        raise SystemExit(f"evitrack {' '.join(args)} failed ({result.exit_code}):\n{result.output}")
    return result.stdout


@contextmanager
def inside(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def build(ex: Example, out: Path) -> Path:
    target = out / ex.folder
    if target.exists():
        shutil.rmtree(target)
    # Started outside any git repository, so that the example keeps its own pre-commit
    # config (inside this repository, init would add the hook to the repository's).
    with tempfile.TemporaryDirectory() as tmp:
        run(
            "init",
            str(Path(tmp) / ex.folder),
            "--qualification",
            ex.qualification,
            "--name",
            ex.name,
            "--registration",
            ex.registration,
            "--units",
            ",".join(ex.units),
        )
        shutil.move(Path(tmp) / ex.folder, target)
    (target / "evidence" / "E0001.yaml").unlink()  # init's sample record
    with (target / "evitrack.yaml").open("a", encoding="utf-8") as fh:
        fh.write(
            "# The centre that registered the learner (for the claim form).\n"
            "centre:\n"
            f'  name: "{ex.centre[0]}"\n'
            f'  number: "{ex.centre[1]}"\n'
        )
        if ex.currency_years:
            fh.write(
                "settings:\n"
                f"  currency_years: {ex.currency_years}  # warn about evidence older than this\n"
            )
        fh.write(ex.apprenticeship)
    for rel, text in ex.files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    with inside(target):
        for rec in ex.records:
            args = [
                "add",
                "--title",
                rec.title,
                "--date",
                rec.date,
                "--description",
                rec.description,
            ]
            for m in rec.methods:
                args += ["--method", m]
            for c in rec.criteria:
                args += ["--criteria", c]
            for f in rec.files:
                args += ["--file", f]
            if rec.location:
                args += ["--location", rec.location]
            if rec.ksbs:
                args += ["--ksbs", ",".join(rec.ksbs)]
            written = run(*args).strip()
            if rec.decision:
                verb, when, comment = rec.decision
                extra = ["--comment", comment] if comment else []
                run(
                    "assess",
                    written,
                    f"--{verb}",
                    "--assessor",
                    ex.assessor,
                    "--date",
                    when,
                    *extra,
                )
        for s in ex.signoffs:
            run("sign", s.unit, "--as", s.role, "--initials", s.initials, "--date", s.date)
        otj_log(ex)
    shutil.rmtree(target / ".evitrack-cache", ignore_errors=True)
    return target


def otj_log(ex: Example) -> None:
    """An apprentice's off-the-job training log, one `evitrack otj add` per entry, in the
    order of the training (run inside the portfolio)."""
    for e in sorted(ex.otj, key=lambda e: e.date):
        args = ["otj", "add", "--date", e.date, "--hours", e.hours]
        args += ["--activity", e.activity, "--type", e.type, "--logged", e.logged or e.date]
        if e.ksbs:
            args += ["--ksbs", e.ksbs]
        if e.confirmed_by:
            args += ["--confirmed-by", e.confirmed_by]
        run(*args)


# ---- an apprentice's progress reviews -------------------------------------------------------

# Per review: the actions agreed, the carried actions marked done (by their order), the
# three parties' comments, and who has signed (a review's last signature still to come).
REVIEWS = [
    {
        "actions": [
            ("Write up the complaints workshop as a reflective account", "learner", 4),
            ("Arrange a week's shadowing in the escalations team", "employer", 8),
        ],
        "done": [],
        "comments": {
            "learner": "Settling in well; I want more practice with escalated complaints.",
            "employer": "Aisha is confident on the counter and keen to take on more.",
            "provider": "Good start; evidence for unit 5 is under way.",
        },
        "signed": ("learner", "employer", "provider"),
    },
    {
        "actions": [("Plan evidence for KSBs not yet cited, with the assessor", "provider", 6)],
        "done": [0],
        "comments": {
            "learner": "The reflective account is in; shadowing is still to be booked.",
            "employer": "Shadowing moved to next quarter: the team is short-staffed.",
            "provider": "OTJ hours slightly behind plan: agreed catch-up sessions.",
        },
        "signed": ("learner", "employer", "provider"),
    },
    {
        "actions": [],
        "done": [0],
        "comments": {
            "learner": "Shadowing done; I led two escalations myself.",
            "employer": None,
            "provider": "On track for the practical period; gateway checks to follow.",
        },
        "signed": ("learner", "provider"),  # the employer has not signed yet
    },
]
NAMES = {"learner": "Aisha Rahman", "employer": "Jo Bloggs", "provider": "Lisa Grant"}


def write_reviews(target: Path) -> None:
    """Progress reviews for an apprentice's example, every 11 weeks from the start, written
    by `review add` (pre-filled from the OTJ log and the records), then filled in and signed
    by `review sign`; one action is still open and the last review awaits the employer's
    signature, so the gateway stays partly done. A portfolio that is not an apprenticeship
    is left alone."""
    import datetime as dt
    import re

    import yaml

    header = yaml.safe_load((target / "evitrack.yaml").read_text(encoding="utf-8")) or {}
    start = (header.get("apprenticeship") or {}).get("start")
    if not isinstance(start, dt.date):
        print(f"{target.name}: not an apprenticeship, no reviews written", file=sys.stderr)
        return
    with inside(target):
        for i, plan in enumerate(REVIEWS):
            day = start + dt.timedelta(weeks=11 * (i + 1))
            if day > dt.date.today():
                break
            run("review", "add", "--date", day.isoformat())
            path = target / "reviews" / f"{day.isoformat()}.yaml"
            text = path.read_text(encoding="utf-8")
            actions = "".join(
                f'  - action: "{what}"\n    owner: {who}\n'
                f"    due: {(day + dt.timedelta(weeks=weeks)).isoformat()}\n"
                for what, who, weeks in plan["actions"]
            )
            if actions:
                text = re.sub(r"(?m)^actions: \[\].*$", "actions:\n" + actions.rstrip("\n"), text)
            carried = re.split(r"(?m)^(?=  - action: )", text)
            for n in plan["done"]:  # carried actions in order; n counts from the first
                if n + 1 < len(carried) and "previous_actions:" in carried[0]:
                    carried[n + 1] = carried[n + 1].replace("status: open", "status: done", 1)
            text = "".join(carried)
            for party, words in plan["comments"].items():
                if words:
                    text = text.replace(f"  {party}: null\n", f'  {party}: "{words}"\n', 1)
            path.write_text(text, encoding="utf-8")
            for party in plan["signed"]:
                when = (day + dt.timedelta(days=2)).isoformat()
                run("review", "sign", day.isoformat(), "--as", party, "--name", NAMES[party],
                    "--date", when)  # fmt: skip


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else HERE
    for ex in EXAMPLES:
        target = build(ex, out)
        if ex is PEARSON_DIP:
            write_reviews(target)
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
