"""Outcomes into answers: the contract's JSON (explain), the rules in French (describe), text for people (present)."""
