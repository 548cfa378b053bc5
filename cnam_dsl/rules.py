"""The one entry point: a rule base loaded once (from the cache when unchanged), its engine and its proofs, and the
questions it answers (what a candidate still needs, VAE eligibility, verification).

The command line, the web server, the language server, the documentation
site, the batch and `cnam examples` all start from a `Rules`, so that none
of them loads, checks or proves again what another already has (in the
spirit of Jinja's `Environment`).

>>> rules = Rules.load()
>>> answer = rules.missing({"diploma": "licence", "date": "2026-01-01"},
...                        read_profile({"experiences": [{"months": 36, "field": "in"}]}))
>>> answer["status"]
'satisfied'
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cached_property
from pathlib import Path

from .candidate import Profile, read_profile  # noqa: F401  (read_profile: for the doctest)
from .candidate.unknown import PartialProfile
from .diagnostics import Diagnostic
from .language.model import RuleBase
from .paths import default_rules_dir
from .request import MissingQuestion, VaeQuestion, missing_question, vae_question
from .solve.values import SolverNeeded


class RulesError(Exception):
    """A rule base that cannot be used: the folder is missing or holds no rule file, or the rules have errors
    (`diagnostics`, the first named in the message; `texts`: the rule files' texts, where known)."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None,
                 texts: Mapping[str, str] | None = None) -> None:
        self.diagnostics = diagnostics or []
        self.texts = dict(texts or {})
        super().__init__(message)


class ExamplesFail(RulesError):
    """A rule base whose worked examples do not all hold: its answers contradict what its authors wrote."""


def rule_folder(root: Path | None) -> Path:
    """The folder of a rule base (default: the shipped one); RulesError if it is missing or holds no rule file."""
    root = Path(root) if root is not None else default_rules_dir()
    if not root.is_dir():
        raise RulesError(f"dossier de règles introuvable : {root}")
    if not any(root.rglob("*.cnr")):
        raise RulesError(f"aucun fichier .cnr dans {root}")
    return root


class Rules:
    """A checked rule base and what answers from it, made once: the engine (compiled requirements, proved
    closed forms, remembered across runs in `proofs`); `timeout_ms` bounds each solver query (default:
    `solve.backend.TIMEOUT_MS`). `solver=False`: answers from proved closed forms only, `SolverNeeded` for
    the rest (`Engine`'s `solver`; the web server's own process)."""

    def __init__(self, base: RuleBase, root: Path | None = None, *, timeout_ms: int | None = None,
                 proofs=None, backend=None, solver: bool = True) -> None:
        self.base, self.root, self.timeout_ms, self.proofs = base, root, timeout_ms, proofs
        self.backend = backend  # None: a `solve.backend.Backend` with `timeout_ms`, made on first need
        self.solver = solver
        self.example_failures: list[Diagnostic] = []  # the worked examples found failing by `load`

    @classmethod
    def load(cls, root: Path | None = None, *, timeout_ms: int | None = None, cached: bool = True,
             failing_examples: bool = False) -> "Rules":
        """The rule base of a folder (default: the shipped one), from the cache when its files and the code
        have not changed; RulesError if it cannot be used: the folder is missing or empty, a rule has an
        error, or a worked example does not hold (ExamplesFail; checked once per version of the rules and
        of the code, the verdict kept in the cache). With `failing_examples`, a rule base whose examples
        fail is used all the same (to compare it with another: a change of rules breaks the examples at its
        thresholds), the failures in `example_failures` (`example_warnings` words them)."""
        from .cache import ProofStore, cached_rule_base, rule_base_key

        root = rule_folder(root)
        key = rule_base_key(root) if cached else None
        if cached:
            base, diagnostics = cached_rule_base(root, key)
        else:
            from .language.check import load_rule_base

            base, diagnostics = load_rule_base(root)
        if base is None:
            first = next(d for d in diagnostics if d.is_error)
            raise RulesError(f"{first.span}: la base de règles contient des erreurs ({first.message}) ; "
                             f"lancez « cnam check --rules {root} »", diagnostics)
        rules = cls(base, root, timeout_ms=timeout_ms, proofs=ProofStore.default() if cached else None)
        rules.example_failures = failures = rules.failing_examples(key)
        if failures and not failing_examples:
            more = f", et {len(failures) - 1} autre(s)" if len(failures) > 1 else ""
            raise ExamplesFail(f"{failures[0].span}: un exemple de la base de règles ne tient pas "
                               f"({failures[0].message}{more}) ; lancez « cnam check --rules {root} »",
                               failures, base.texts)
        return rules

    def failing_examples(self, key: str | None = None) -> list[Diagnostic]:
        """The worked examples of the rule files that do not hold (`cnam check`'s E310, E311), as remembered in
        the cache under `key` (`cache.rule_base_key`), else checked (and remembered). A solver that gives up
        on an example leaves the question open: none is reported, nothing is remembered."""
        from .cache import cached_example_failures, remember_example_failures

        remembered = cached_example_failures(key)
        if remembered is not None:
            return remembered
        from .analysis.verify import failing_examples
        from .solve import SolverError

        try:
            failures = failing_examples(self.engine)
        except SolverError:
            return []
        remember_example_failures(key, failures)
        return failures

    def example_warnings(self) -> list[str]:
        """The worked examples found failing, one line each (`path:line:col: …`), for a rule base used anyway."""
        return [f"{d.span}: un exemple de la base de règles ne tient pas ({d.message})" for d in self.example_failures]

    @cached_property
    def engine(self):
        """The engine answering candidates (`solve.Engine`), made on first need."""
        from .solve import Engine

        return Engine(self.base, self.timeout_ms, proofs=self.proofs, backend=self.backend, solver=self.solver)

    @cached_property
    def snapshot(self):
        """The rule base's files (`records.snapshot.Snapshot`: what a decision record stores), read on first
        need."""
        from .records.snapshot import Snapshot

        return Snapshot.of(self.root if self.root is not None else default_rules_dir())

    # ------------------------------------------------------------ questions

    def missing_question(self, data: Mapping, profile: Profile | None = None,
                         today: date | None = None, partial: bool = True) -> MissingQuestion:
        """The question of `cnam missing` read from a mapping (`request.missing_question`; its candidate file
        may have unknown facts unless `partial` is False)."""
        return missing_question(self.base, data, today or date.today(), profile, partial)

    def vae_question(self, data: Mapping, profile: Profile | None = None, today: date | None = None) -> VaeQuestion:
        return vae_question(self.base, data, today or date.today(), profile)

    def missing(self, question: MissingQuestion | Mapping, profile: Profile | None = None) -> dict:
        """The answer of `cnam missing` (the contract's JSON) to a question, or to a mapping read as one; for a
        candidate file with unknown facts, every possible answer and the questions that matter
        (`answer.unknown`)."""
        from .answer.explain import missing_answer

        if not isinstance(question, MissingQuestion):
            question = self.missing_question(question, profile)
        if isinstance(question.profile, PartialProfile):
            from .answer.unknown import partial_answer

            if not self.solver:  # Z3 certifies that the exploration missed no answer
                raise SolverNeeded("unknown facts")
            return partial_answer(self.engine, question)
        return missing_answer(self.engine, question)

    def why_not(self, question: MissingQuestion) -> dict:
        """The answer of `cnam missing --why-not`: for a complete file not `satisfied`, `why_not` lists the least
        changes that would make it so, each proved least by the solver (`answer.why_not`)."""
        from .answer.why_not import why_not

        answer = self.missing(question)
        if answer.get("complete") is not False:
            if not self.solver:
                raise SolverNeeded("why not")
            answer["why_not"] = why_not(self.engine, question, answer)
        return answer

    def vae(self, question: VaeQuestion | Mapping, profile: Profile | None = None, today: date | None = None) -> dict:
        """The answer of `cnam vae` (the contract's JSON), asked on `today` (default: today)."""
        from .answer.explain import vae_answer

        if not isinstance(question, VaeQuestion):
            question = self.vae_question(question, profile, today)
        return vae_answer(self.engine, question, today)

    def verify(self, on: date | None = None) -> list[Diagnostic]:
        """What the solver finds wrong with the rules: pathways no one can follow, worked examples that do not
        hold, sources that contradict each other, dead alternatives, redundancy, gaps."""
        from .analysis.verify import verify

        return verify(self.base, self.engine, on)
