"""Imports of survey results and key figures: files from survey vendors (CSV, XLSX) and Kolada (JSON).

Every import has two steps. ``plan_*`` reads and validates the whole file against the database and
returns an :class:`~jamforaren.imports.plan.ImportPlan` (the preview: every problem with its row, column
and reason, and what would be added or changed) without writing anything. ``apply`` writes a plan that has
no problems in one transaction. Importing the same file again changes nothing.
"""
