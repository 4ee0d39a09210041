"""Salesforce, connected both ways: pulling users, stages, deals and their history, and
writing changes made here back to Opportunities. Use cases only; the client is handed in
as an `Org` (org.py)."""
