"""Apprenticeships: standards and their knowledge, skills and behaviours (KSBs).

`standards` loads standard files (shipped or a centre's), `check` validates one,
`importer` turns the JSON the apprenticeship standards service publishes into a
standard file, `ksbs` works out each KSB's status in a portfolio, and `otj` reads
the off-the-job training log and measures it against the rule in force
(`otj-rules.yaml`). `reviews` reads and writes the progress reviews and says when the
next is due, `gateway` answers whether the apprentice is ready for end-point assessment
(both read `programme-rules.yaml`).
"""
