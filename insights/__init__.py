"""Judgement from behaviour (issue 21): deal health, churn warnings, rep capability, coaching, objection
trends, forecast accuracy. The rules are pure functions over plain rows (no clock, no I/O); the
database side lives in storage/insight_queries.py and insights/desk.py."""
