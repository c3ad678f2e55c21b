"""Apprenticeships: standards and their knowledge, skills and behaviours (KSBs).

`standards` loads standard files (shipped or a centre's), `check` validates one,
`importer` turns the JSON the apprenticeship standards service publishes into a
standard file, and `ksbs` works out each KSB's status in a portfolio.
"""
