"""Verify a checked rule base with the solver: satisfiable pathways, and worked examples that hold."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from ..candidate import ProfileError, read_profile
from ..diagnostics import Diagnostic
from ..answer.describe import AUTHORITY_FR
from ..answer.explain import missing_answer, vae_answer
from ..request import RequestError, missing_question, vae_question
from ..language.model import Example, RuleBase
from ..solve import Engine, SolverError

EXAMPLE_DAY = date(2026, 1, 1)
UNDECIDED = "E312"  # a worked example the solver could not answer (time limit)


def verify(base: RuleBase, engine: Engine | None = None, on: date | None = None) -> list[Diagnostic]:
    """Diagnostics for pathways no candidate can follow, for examples the rules contradict, and the
    findings of `lint` (sources that contradict each other, dead alternatives, redundancy, gaps)."""
    from .lint import lint

    engine = engine or Engine(base)
    on = on or date.today()
    return (unsatisfiable_pathways(base, engine, on) + [d for ex in base.examples for d in check_example(engine, ex)]
            + lint(base, engine, on))


def unsatisfiable_pathways(base: RuleBase, engine: Engine, on: date) -> list[Diagnostic]:
    diagnostics = []
    for p in base.pathways:
        if p.reused_from is not None or not p.in_force(on) and p.valid_from is None:
            continue
        day = on if p.in_force(on) else (p.valid_from or on)
        core = engine.unsatisfiable_core((p.source,), p.diploma, p.milestones[0], day, p.key)
        if core is None:
            continue
        related = tuple(("règle en cause", t.provenance.span) for t in core if t.provenance is not None)
        diagnostics.append(Diagnostic(
            "error", "E300",
            f"aucun candidat ne peut suivre la voie « {p.name} » pour {p.diploma} : ses règles se contredisent",
            p.provenance.span, related))
    return diagnostics


def check_example(engine: Engine, example: Example, with_options: bool = True) -> list[Diagnostic]:
    """What is wrong with a worked example: an answer other than expected (E311), none (E310), or the solver
    gave up (UNDECIDED: neither confirmed nor refuted). `with_options=False` skips the answer's options,
    which no expectation states (faster)."""
    try:
        return example_mismatches(engine, example, with_options)
    except SolverError as exc:
        return [Diagnostic("error", UNDECIDED, f"exemple « {example.title} » sans réponse : {exc}", example.span)]


def failing_examples(engine: Engine) -> list[Diagnostic]:
    """The diagnostics of the worked examples of the rule base that do not hold; SolverError when the solver
    gives up on one (then nothing is known of it)."""
    return [d for example in engine.base.examples for d in example_mismatches(engine, example, False)]


def example_mismatches(engine: Engine, example: Example, with_options: bool = True) -> list[Diagnostic]:
    """Each expectation of a worked example that the rules' answer contradicts (E311), or why the example
    cannot be asked (E310); SolverError when the solver gives up."""
    if not applies(engine.base, example) and any(e.kind == "not_applicable" for e in example.expected):
        return [Diagnostic("error", "E311", f"exemple « {example.title} » : la source {example.source} n'énonce "
                           f"rien pour cette question, « {expected_word(e)} » ne peut pas y être vérifié",
                           e.span or example.span) for e in example.expected if e.kind != "not_applicable"]
    try:
        profile = read_profile(example.candidate, origin=f"exemple « {example.title} »")
        if example.certification is not None:
            question = vae_question(engine.base, {"certification": example.certification, "sources": [example.source],
                                                  "year": example.year or EXAMPLE_DAY.year}, EXAMPLE_DAY, profile)
            answer = vae_answer(engine, question)
        else:
            question = missing_question(engine.base, {"diploma": example.diploma, "sources": [example.source],
                                                      "milestone": example.milestone}, EXAMPLE_DAY, profile)
            answer = missing_answer(engine, question, with_options)
    except (RequestError, ProfileError) as exc:
        return [Diagnostic("error", "E310", f"exemple « {example.title} » sans réponse : {exc}", example.span)]
    diagnostics = []
    for expected in example.expected:
        problem = mismatch(expected, answer)
        if problem:
            diagnostics.append(Diagnostic(
                "error", "E311", f"exemple « {example.title} » : {problem}", expected.span or example.span))
    return diagnostics


STATUS_FR = {
    "satisfied": "satisfait", "internship": "stage", "missing": "manque", "conflict": "conflit",
    "eligible": "recevable", "limit": "limite", "not_applicable": "non applicable",
}


def applies(base: RuleBase, example: Example) -> bool:
    """Whether the example's source states something for its question: a requirement for the diploma at the
    milestone on the examples' day, or a VAE rule in force in the year."""
    if example.certification is not None:
        return example.source in base.vae_sources(example.year or EXAMPLE_DAY.year)
    return bool(base.pathways_for(example.source, example.diploma, example.milestone, EXAMPLE_DAY))


def expected_word(expected) -> str:
    """An expectation as the example writes it, after `attendu` (« examen anticipé », « manque »…)."""
    return "examen anticipé" if expected.kind == "early" else STATUS_FR[expected.kind]


def mismatch(expected, answer: dict) -> str | None:
    """What differs between an expectation and an answer, in French (None when they agree)."""
    if expected.kind == "not_applicable":
        return (f"attendu « non applicable » (la source n'énoncerait rien pour cette question), les règles "
                f"donnent « {STATUS_FR[answer['status']]} »")
    if expected.kind == "early":
        got = answer.get("early_review_possible")
        if got != expected.early:
            return f"examen anticipé attendu {_yes(expected.early)}, les règles donnent {_yes(got)}"
        return None
    if answer["status"] != expected.kind:
        return f"attendu « {STATUS_FR[expected.kind]} », les règles donnent « {STATUS_FR[answer['status']]} »"
    if expected.kind == "missing" and not _same(answer["missing_months"], expected.missing):
        return f"il manque {answer['missing_months']} mois selon les règles, {_n(expected.missing)} attendus"
    if expected.kind == "internship":
        got = answer["internship"]
        if not (_same(got["min_months"], expected.least) and _same(got["max_months"], expected.most)):
            return (f"stage attendu de {_n(expected.least)} à {_n(expected.most)} mois, les règles donnent "
                    f"de {_n(got['min_months'])} à {_n(got['max_months'])} mois")
        if expected.decided_by is not None and got["decided_by"] != expected.decided_by:
            return (f"durée du stage attendue fixée par {AUTHORITY_FR[expected.decided_by]}, les règles la font "
                    f"fixer par {AUTHORITY_FR.get(got['decided_by'], 'personne')}")
    return None


def _same(value, expected: Fraction | None) -> bool:
    if expected is None or value is None:
        return expected is None and value is None
    return abs(float(value) - float(expected)) < 0.01


def _n(value) -> str:
    return "—" if value is None else f"{float(value):g}"


def _yes(value) -> str:
    return {True: "possible", False: "impossible", None: "non précisé"}[value]
