"""Milestones across articles: the index written with every stored summary.

- ``names``: product and organisation names made comparable (case, punctuation, ®/™,
  hyphens and spaces, legal suffixes), aliases learned from articles and curated ones;
- ``events``: the same milestone reported by several articles merged into one event, by
  a deterministic rule that says which fields matched;
- ``query``: the filters, sorting and cursors of the list endpoints and commands;
- ``sheets``: CSV and XLSX of milestones, events and summaries.

The tables and their queries are ``service.store.index``.
"""
