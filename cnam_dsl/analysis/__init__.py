"""Reasoning about the rule base itself: verification, lint, comparisons of sources and versions, examples."""
