"""Short ways for tests to ask the rules a question, through the same request type as the front ends."""

from __future__ import annotations

from datetime import date

from cnam_dsl.answer.explain import missing_answer, vae_answer
from cnam_dsl.candidate import facts_of, read_profile
from cnam_dsl.request import missing_question, vae_question

DAY = date(2026, 1, 1)


def ask(engine, diploma: str, profile, sources=None, milestone: str = "delivery", on: date = DAY) -> dict:
    """The answer of `cnam missing` (`profile`: a Profile or a candidate file's data)."""
    if isinstance(profile, dict):
        profile = read_profile(profile)
    data = {"diploma": diploma, "milestone": milestone, "date": on.isoformat()}
    if sources:
        data["sources"] = list(sources)
    return missing_answer(engine, missing_question(engine.base, data, on, profile))


def ask_vae(engine, certification: str, profile, year: int, sources=None, today: date = DAY) -> dict:
    """The answer of `cnam vae` (`engine`: an engine, or a rule base)."""
    if not hasattr(engine, "base"):
        from cnam_dsl.solve import Engine

        engine = Engine(engine)
    if isinstance(profile, dict):
        profile = read_profile(profile)
    data = {"certification": certification, "year": year, **({"sources": list(sources)} if sources else {})}
    return vae_answer(engine, vae_question(engine.base, data, today, profile))


def months(profile, on: date = DAY) -> dict:
    """The experience counted, by category (floats, for comparisons)."""
    if isinstance(profile, dict):
        profile = read_profile(profile)
    return {c: float(v) for c, v in facts_of(profile, on).experience.items()}


def line_of(file: str, statement: str, after: str | None = None) -> int:
    """The line number of a rule file's first line that starts with `statement` (indentation aside), after
    the first line starting with `after` when given: tests name rules by their text, not by a line that
    moves whenever a comment is added above."""
    from conftest import ROOT

    lines = (ROOT / file).read_text(encoding="utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(n for n, line in enumerate(lines) if line.strip().startswith(after)) + 1
    return next(n + 1 for n, line in enumerate(lines[start:], start) if line.strip().startswith(statement))
