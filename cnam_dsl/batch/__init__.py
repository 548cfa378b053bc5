"""Cohorts: JSON lines of requests into JSON lines of answers, the same bytes as one by one, faster."""
