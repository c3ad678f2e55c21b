"""The formats other systems read: CASE 1.1 packages, Open Badges 3.0 credentials, claim lists.

Each module turns evitrack's model into another standard's data (and, for CASE, back);
none prints or exits, and every problem in a file read is a `UserError` naming it.
"""
