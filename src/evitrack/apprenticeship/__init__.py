"""Apprenticeships: standards and their knowledge, skills and behaviours (KSBs).

`standards` loads standard files (shipped or a centre's), `check` validates one,
`importer` turns the JSON the apprenticeship standards service publishes into a
standard file, `ksbs` works out each KSB's status in a portfolio, and `otj` reads
the off-the-job training log and measures it against the rule in force
(`otj-rules.yaml`).
"""
