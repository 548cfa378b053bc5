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


class RulesError(Exception):
    """A rule base that cannot be used: the folder is missing or holds no rule file, or the rules have errors
    (`diagnostics`, the first named in the message)."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        self.diagnostics = diagnostics or []
        super().__init__(message)


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
    `solve.backend.TIMEOUT_MS`)."""

    def __init__(self, base: RuleBase, root: Path | None = None, *, timeout_ms: int | None = None,
                 proofs=None, backend=None) -> None:
        self.base, self.root, self.timeout_ms, self.proofs = base, root, timeout_ms, proofs
        self.backend = backend  # None: a `solve.backend.Backend` with `timeout_ms`, made on first need

    @classmethod
    def load(cls, root: Path | None = None, *, timeout_ms: int | None = None, cached: bool = True) -> "Rules":
        """The rule base of a folder (default: the shipped one), from the cache when its files and the code
        have not changed; RulesError if it cannot be used."""
        from .cache import ProofStore, cached_rule_base

        root = rule_folder(root)
        if cached:
            base, diagnostics = cached_rule_base(root)
        else:
            from .language.check import load_rule_base

            base, diagnostics = load_rule_base(root)
        if base is None:
            first = next(d for d in diagnostics if d.is_error)
            raise RulesError(f"{first.span}: la base de règles contient des erreurs ({first.message}) ; "
                             f"lancez « cnam check --rules {root} »", diagnostics)
        return cls(base, root, timeout_ms=timeout_ms, proofs=ProofStore.default() if cached else None)

    @cached_property
    def engine(self):
        """The engine answering candidates (`solve.Engine`), made on first need."""
        from .solve import Engine

        return Engine(self.base, self.timeout_ms, proofs=self.proofs, backend=self.backend)

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

            return partial_answer(self.engine, question)
        return missing_answer(self.engine, question)

    def vae(self, question: VaeQuestion | Mapping, profile: Profile | None = None) -> dict:
        """The answer of `cnam vae` (the contract's JSON)."""
        from .answer.explain import vae_answer

        if not isinstance(question, VaeQuestion):
            question = self.vae_question(question, profile)
        return vae_answer(self.engine, question)

    def verify(self, on: date | None = None) -> list[Diagnostic]:
        """What the solver finds wrong with the rules: pathways no one can follow, worked examples that do not
        hold, sources that contradict each other, dead alternatives, redundancy, gaps."""
        from .analysis.verify import verify

        return verify(self.base, self.engine, on)
