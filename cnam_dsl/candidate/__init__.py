"""Candidate files into counted facts: bytes → data (`files`) → a validated `Profile` (`schema`) → `Facts` (`counting`).

The one reader of a candidate file, used by the command line, the web, the
batch and the witnesses of comparisons; it knows nothing of the solver.
"""

from __future__ import annotations

from .counting import Counted, Facts, count, facts_of, hundredths, period_months
from .files import STDIN_ORIGIN, load_text, read_bytes
from .schema import (
    MAX_MONTHS, MAX_PERIODS, Experience, InternshipDone, Problem, Profile, ProfileError, VaeRequest, read_profile,
)


def load_profile(path: str, *, max_bytes: int = 1_000_000) -> Profile:
    """The profile of a YAML or JSON file (`-`: standard input); ProfileError naming the file and the field."""
    origin = STDIN_ORIGIN if path == "-" else path
    return read_profile(load_text(read_bytes(path, max_bytes), origin, path.lower().endswith(".json")), origin)


def read_profile_text(text: str, *, origin: str = "<profil>", as_json: bool = False) -> Profile:
    """The profile of a candidate file's text (YAML, or JSON when `as_json` or when it opens with `{`).

    >>> read_profile_text('{"experiences": [{"months": 24, "field": "in"}]}').experiences[0].months
    24.0
    """
    return read_profile(load_text(text.encode("utf-8", "surrogatepass"), origin, as_json), origin)


__all__ = [
    "Counted", "Experience", "Facts", "InternshipDone", "MAX_MONTHS", "MAX_PERIODS", "Problem", "Profile",
    "ProfileError", "STDIN_ORIGIN", "VaeRequest", "count", "facts_of", "hundredths", "load_profile",
    "period_months", "read_profile", "read_profile_text",
]
