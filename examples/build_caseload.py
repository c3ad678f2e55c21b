"""Build the example caseload with evitrack's own commands.

    python examples/build_caseload.py [OUT]      (default: this folder)

Four learners on the EDI Level 2 NVQ Certificate in Customer Service at one
centre, assessed by three assessors of whom one is new, using every method the
seeds name; `sampling.yaml` is the centre's sampling policy. Records, decisions
and sign-offs are written the way examples/build.py writes the single examples.
tests/test_iqa.py checks that the committed caseload is what this script builds.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FOLDER = "caseload-riverside"

_spec = importlib.util.spec_from_file_location("examples_build", HERE / "build.py")
assert _spec and _spec.loader
B = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = B  # dataclasses look their module up
_spec.loader.exec_module(B)

QUAL = "edi-l2-nvq-customer-service"
CENTRE = ("Riverside Leisure Training", "014220")
UNITS = ["CU795", "CU802", "CU808"]

POLICY = """\
# Riverside Leisure Training: internal quality assurance sampling policy, 2026.
# `evitrack iqa plan` draws the sample from it; `evitrack schema sampling` documents it.
bands:          # percent of an assessor's assessed units to sample
  new: 100      # an assessor in their first year: everything
  medium: 50
  low: 20
assessors:      # an assessor not listed here is "new"
  Mark Evans: low
  Priya Shah: medium
cover: [assessor, method, unit, learner]
stages: [interim, summative]
period: {from: 2026-01-01, to: 2026-12-31}
"""

CU791_Q = (
    "CU791/1.2,CU791/3.1,CU791/3.2,CU791/3.3,CU791/3.4,CU791/3.5,CU791/3.6,CU791/3.7,"
    "CU791/3.8,CU791/3.9,CU791/3.10,CU791/3.11,CU791/3.12,CU791/3.13,CU791/3.14,CU791/3.15"
)

JADE = B.Example(
    folder=f"{FOLDER}/jade-morris",
    qualification=QUAL,
    name="Jade Morris",
    registration="EDI-60311874",
    units=UNITS,
    assessor="Mark Evans",
    centre=CENTRE,
    files={},
    records=[
        B.Rec(
            "Observed on reception during the Saturday swimming-lesson changeover",
            "2026-02-07",
            ["observation"],
            [
                "CU791/1.1,CU791/1.3,CU791/2.1,CU791/2.2,CU791/2.2(2)",
                "CU795/1.1,CU795/1.2,CU795/1.3,CU795/1.5",
                "CU802/1.2,CU802/1.3,CU802/2.1,CU802/2.2",
            ],
            "Mark watched me on reception from 9 to 11 am while two lesson groups changed\n"
            "over: booking a parent onto the waiting list, explaining the new locker\n"
            "charges and finding a lost swimming bag.",
            decision=("accept", "2026-02-09", None),
        ),
        B.Rec(
            "Oral questions: our customers, the service offer and customer service language",
            "2026-02-14",
            ["questioning"],
            [CU791_Q],
            "Mark asked me about our customers, what they expect and the service offer;\n"
            "he wrote my answers down on the question record.",
            decision=("accept", "2026-02-14", None),
        ),
        B.Rec(
            "Witness testimony from the duty manager: handling the fire-alarm evacuation",
            "2026-03-02",
            ["witness-testimony"],
            ["CU792/1.1,CU792/1.2,CU792/2.1"],
            "Sue Grant, duty manager, saw me lead customers out during the fire alarm and\n"
            "follow the evacuation procedure.",
            decision=("accept", "2026-03-05", None),
        ),
    ],
    signoffs=[
        B.Sign("CU791", "assessor", "ME", "2026-02-16"),
        B.Sign("CU791", "learner", "JM", "2026-02-17"),
    ],
)

LIAM = B.Example(
    folder=f"{FOLDER}/liam-carter",
    qualification=QUAL,
    name="Liam Carter",
    registration="EDI-60311902",
    units=UNITS,
    assessor="Mark Evans",
    centre=CENTRE,
    files={},
    records=[
        B.Rec(
            "Product: the customer comments log I keep at the gym desk",
            "2026-03-10",
            ["product"],
            ["CU792/1.3,CU792/1.4,CU792/2.2"],
            "Two weeks of the comments log, with what I did about each comment and who I\n"
            "passed it to.",
            decision=("accept", "2026-03-12", None),
        ),
        B.Rec(
            "Reflective account: a customer who could not hear me at the desk",
            "2026-03-16",
            ["reflective-account"],
            ["CU795/1.6,CU795/1.7,CU795/1.8"],
            "How I changed the way I spoke to a customer with a hearing aid, and what I\n"
            "would do differently.",
            decision=("accept", "2026-03-18", None),
        ),
        B.Rec(
            "Professional discussion: equality and diversity at the leisure centre",
            "2026-03-23",
            ["professional-discussion"],
            ["CU808/1.1,CU808/1.2,CU808/2.1"],
            "A 30-minute discussion with Mark about treating customers fairly and the\n"
            "centre's equality policy.",
            decision=(
                "refer",
                "2026-03-23",
                "Say how the centre's policy applies to the women-only swim sessions.",
            ),
        ),
    ],
)

NADIA = B.Example(
    folder=f"{FOLDER}/nadia-hussain",
    qualification=QUAL,
    name="Nadia Hussain",
    registration="EDI-60312015",
    units=UNITS,
    assessor="Priya Shah",
    centre=CENTRE,
    files={},
    records=[
        B.Rec(
            "Candidate report: a week on the bookings telephone line",
            "2026-04-06",
            ["candidate-report"],
            ["CU795/1.1,CU795/1.4,CU795/1.9"],
            "My own report of a week answering the bookings line, checked by Priya.",
            decision=("accept", "2026-04-08", None),
        ),
        B.Rec(
            "Recognition of prior learning: customer service certificate from my last job",
            "2026-04-08",
            ["recognition-of-prior-learning"],
            ["CU792/1.1,CU792/1.5"],
            "My Level 1 customer service certificate (2024) and the employer's letter\n"
            "describing what I did, matched against the criteria by Priya.",
            decision=("accept", "2026-04-10", None),
        ),
        B.Rec(
            "Simulation in training: a customer query about a cancelled class",
            "2026-04-13",
            ["simulation"],
            ["CU802/1.5,CU802/1.6"],
            "A role-play in the training room: a customer asking why her class was\n"
            "cancelled and what she could book instead.",
            decision=(
                "refer",
                "2026-04-13",
                "Simulation is not allowed for CU802: I will observe you with a real customer.",
            ),
        ),
        B.Rec(
            "Observed at the poolside desk: a complaint about the water temperature",
            "2026-04-20",
            ["observation"],
            ["CU802/1.2,CU802/1.3,CU802/1.4"],
            "Priya watched me deal with a complaint about the pool being cold.",
            decision=("accept", "2026-04-21", None),
        ),
    ],
)

OWEN = B.Example(
    folder=f"{FOLDER}/owen-price",
    qualification=QUAL,
    name="Owen Price",
    registration="EDI-60312233",
    units=UNITS,
    assessor="Tom Okafor",
    centre=CENTRE,
    files={},
    records=[
        B.Rec(
            "Observed at the café till: serving customers and answering questions",
            "2026-05-04",
            ["observation"],
            ["CU791/1.1,CU791/2.2", "CU802/2.1,CU802/2.2"],
            "Tom watched me at the café till during the lunchtime rush.",
            decision=("accept", "2026-05-05", None),
        ),
        B.Rec(
            "Other: the induction checklist signed by my manager",
            "2026-05-06",
            ["other"],
            ["CU808/1.1"],
            "My induction checklist, including the equality and diversity briefing.",
            decision=("accept", "2026-05-07", None),
        ),
    ],
)

LEARNERS = [JADE, LIAM, NADIA, OWEN]


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else HERE
    target = out / FOLDER
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for ex in LEARNERS:
        print(B.build(ex, out))
    (target / "sampling.yaml").write_text(POLICY, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
