"""The checked rule base: what the checker builds from the AST and the compiler reads.

Durations are in months (Fraction). Every rule keeps its provenance, so that
any answer can point back at a file, a line and the quoted source passage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import cached_property

from ..span import Span

PROFESSIONAL_KINDS = frozenset({"salaried", "self_employed"})
ALL_KINDS = ("salaried", "self_employed", "volunteer", "union")
MILESTONES = ("delivery", "application", "probatoire", "defense")
MILESTONE_FR = {
    "delivery": "délivrance du diplôme",
    "application": "candidature",
    "probatoire": "examen probatoire",
    "defense": "soutenance du mémoire",
}
# The word a rule file writes for each milestone (`au jalon soutenance`), and every name a rule file, an option
# or a request may use: the word, its id, and common variants.
MILESTONE_WORD = {"delivery": "délivrance", "application": "candidature", "probatoire": "probatoire",
                  "defense": "soutenance"}
MILESTONE_NAMES = {**{word: m for m, word in MILESTONE_WORD.items()}, **{m: m for m in MILESTONES},
                   "delivrance": "delivery", "examen probatoire": "probatoire"}


def milestone_id(name: str) -> str:
    """A milestone's id from any of its names (itself when it is none).

    >>> milestone_id("soutenance"), milestone_id("delivery"), milestone_id(" Candidature ")
    ('defense', 'delivery', 'application')
    """
    return MILESTONE_NAMES.get(name.strip().lower(), name)


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a rule is written and which passage of which source it encodes."""

    source: str
    quote: str
    span: Span

    @property
    def file(self) -> str:
        return self.span.file

    @property
    def line(self) -> int:
        return self.span.line


@dataclass(frozen=True, slots=True)
class ExperienceRule:
    """At least `least` months (None: any positive amount) of the experience it counts."""

    key: str
    in_field: bool
    kinds: frozenset[str]
    sufficient_level: bool
    full_time: bool
    least: Fraction | None
    provenance: Provenance

    def counts(self, category: tuple[str, str, str]) -> bool:
        """Whether experience of this (field, kind, level) counts towards this rule.

        >>> r = ExperienceRule("k", True, PROFESSIONAL_KINDS, False, False, None, None)
        >>> r.counts(("in", "salaried", "sufficient")), r.counts(("out", "salaried", "sufficient"))
        (True, False)
        """
        field_, kind, level = category
        return (kind in self.kinds and (field_ == "in" or not self.in_field)
                and (level == "sufficient" or not self.sufficient_level))

    def counted(self, months: dict[tuple[str, str, str], float]) -> float:
        """The months of a candidate's experience that this rule counts."""
        return sum(v for c, v in months.items() if self.counts(c))

    def reached(self, months) -> bool:
        """Whether this many months of what the rule counts meet it (at least `least`, or positive)."""
        return months >= self.least if self.least is not None else months > 0


# Every (field, kind, level) a candidate's experience falls in; in-field at an
# insufficient level counts as outside the field, so it has no category.
CATEGORIES = tuple(
    [("in", k, "sufficient") for k in ALL_KINDS]
    + [("out", k, level) for k in ALL_KINDS for level in ("sufficient", "insufficient")]
)
# The kinds of internship a pathway can require, by what internships done count towards them:
# (in the field, with a report).
DONE_KEYS = ((True, True), (True, False), (False, True), (False, False))


def done_counts(required: tuple[bool, bool], field: str, report: bool) -> bool:
    """Whether an internship done (its field, whether it gave a report) counts towards a required internship
    (in the field or not, with a report or not).

    >>> done_counts((True, False), "out", True), done_counts((False, True), "out", True)
    (False, True)
    """
    in_field, with_report = required
    return (field == "in" or not in_field) and (report or not with_report)


# Where additional experience goes when the solver looks for what is missing.
ADDED_IN_FIELD = ("in", "salaried", "sufficient")
ADDED_ANY_FIELD = ("out", "salaried", "sufficient")


@dataclass(frozen=True, slots=True)
class ModulationRule:
    key: str
    authority: str
    floor: Fraction
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class InternshipRule:
    """An internship a pathway requires: bounds before modulation, and its qualifiers."""

    key: str
    least: Fraction | None
    most: Fraction | None
    standard: Fraction | None
    in_field: bool
    report: bool
    decided_by: str | None
    modulation: ModulationRule | None
    provenance: Provenance
    report_provenance: Provenance | None = None
    decided_provenance: Provenance | None = None
    waiver_provenance: Provenance | None = None  # `stage non exigé si entrée en fonctions pendant la formation`
    field_provenance: Provenance | None = None  # `stage en relation avec le diplôme préparé`

    @property
    def floor(self) -> Fraction | None:
        """The least length the rules allow, every modulation taken (None: no positive floor)."""
        low = self.least
        if low is not None and self.modulation is not None:
            low = min(low, self.modulation.floor)
        return low if low is not None and low > 0 else None

    def lengths(self) -> tuple[Fraction | None, Fraction | None]:
        """The lengths the internship may take: (floor, every modulation taken, or None; ceiling or None)."""
        return self.floor, self.most

    @property
    def needs_report(self) -> bool:
        return self.report or self.report_provenance is not None

    @property
    def needs_decision(self) -> bool:
        """The length is set by an authority (`durée décidée par le Cnam`): until its decision is recorded,
        no internship already done completes it."""
        return self.decided_provenance is not None

    @property
    def waivable(self) -> bool:
        """Not required when the candidate took up the duties during the training (`stage non exigé si
        entrée en fonctions`)."""
        return self.waiver_provenance is not None


@dataclass(frozen=True, slots=True)
class Pathway:
    """One way (voie) to meet a source's requirement for a diploma at some milestones."""

    key: str
    name: str
    source: str
    diploma: str
    milestones: tuple[str, ...]
    experience: tuple[ExperienceRule, ...]
    internship: InternshipRule | None
    valid_from: date | None
    valid_until: date | None
    provenance: Provenance
    reused_from: str | None = None

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until
        )


@dataclass(frozen=True, slots=True)
class GeneralRule:
    """A rule of a whole source: `un stage seul ne suffit jamais`."""

    key: str
    source: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class EarlyReviewRule:
    key: str
    source: str
    least_ue: int | None  # None: no condition
    provenance: Provenance
    commission_provenance: Provenance | None = None  # `la commission fixe le complément`

    @property
    def commission_sets(self) -> bool:
        """The commission that reviews the file sets the complement (its nature and length) itself."""
        return self.commission_provenance is not None


@dataclass(frozen=True, slots=True)
class CheckRule:
    """What the rules cannot compute and the adviser must still check (`à vérifier`): never part of a status."""

    key: str
    source: str
    text: str
    diplomas: tuple[str, ...]  # empty: every answer the source takes part in
    when_internship: bool  # only when the answer asks for an internship
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Certification:
    """A certification of the Cnam a source names, with its title (`certification du Cnam CODE « titre »`)."""

    code: str
    title: str
    source: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class RequestLimitRule:
    key: str
    most: int
    per_certification: bool
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class VaeRules:
    key: str
    source: str
    experience: tuple[ExperienceRule, ...]
    limits: tuple[RequestLimitRule, ...]
    valid_from: date | None
    valid_until: date | None
    provenance: Provenance

    def in_force_during(self, year: int) -> bool:
        start, end = date(year, 1, 1), date(year, 12, 31)
        return (self.valid_from is None or self.valid_from <= end) and (
            self.valid_until is None or start <= self.valid_until
        )


@dataclass(frozen=True, slots=True)
class Expected:
    kind: str  # satisfied | internship | missing | conflict | eligible | limit | early | not_applicable
    least: Fraction | None = None
    most: Fraction | None = None
    missing: Fraction | None = None
    early: bool | None = None
    span: Span | None = None
    decided_by: str | None = None  # for an internship: who sets its length, when the example says it


@dataclass(frozen=True, slots=True)
class Example:
    """A worked example of a rule file: a candidate, a question and the expected answers."""

    title: str
    source: str
    diploma: str | None
    milestone: str
    certification: str | None
    year: int | None
    candidate: dict  # the candidate, as a candidate file's data (read by `cnam_dsl.candidate`)
    expected: tuple[Expected, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: str
    title: str | None
    document: str | None
    text: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class DiplomaInfo:
    id: str
    name: str
    milestones: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class RuleBase:
    """The checked rules. The lookups by diploma and by source read indexes built on first use from
    the fields (which never change): a question touches only the rules of its diploma, however many
    diplomas the base holds. The indexes are not pickled (see `__getstate__`): one pass rebuilds them."""

    sources: dict[str, SourceInfo]
    diplomas: dict[str, DiplomaInfo]
    pathways: tuple[Pathway, ...]
    generals: tuple[GeneralRule, ...]
    early_reviews: tuple[EarlyReviewRule, ...]
    vae: tuple[VaeRules, ...]
    examples: tuple[Example, ...]
    texts: dict[str, str] = field(default_factory=dict)  # file -> text, for diagnostics
    checks: tuple[CheckRule, ...] = ()
    certifications: tuple[Certification, ...] = ()

    def pathways_for(self, source: str, diploma: str, milestone: str, on: date) -> tuple[Pathway, ...]:
        """The pathways of a source for this diploma at this milestone, on that day, in file order."""
        return tuple(p for p in self._pathways_by_diploma.get(diploma, {}).get(source, ())
                     if milestone in p.milestones and p.in_force(on))

    def sources_for(self, diploma: str, milestone: str, on: date) -> list[str]:
        """The sources that state requirements for this diploma at this milestone, on that day."""
        key = (diploma, milestone, on)
        found = self._sources_memo.get(key)
        if found is None:
            found = sorted({p.source for pathways in self._pathways_by_diploma.get(diploma, {}).values()
                            for p in pathways if milestone in p.milestones and p.in_force(on)})
            if len(self._sources_memo) < 4096:
                self._sources_memo[key] = found
        return list(found)

    @cached_property
    def _sources_memo(self) -> dict[tuple, list[str]]:
        return {}

    def generals_of(self, source: str) -> tuple[GeneralRule, ...]:
        return self._generals_by_source.get(source, ())

    def early_review_of(self, source: str) -> EarlyReviewRule | None:
        return self._early_review_by_source.get(source)

    def checks_for(self, sources, diploma: str | None, internship: bool) -> tuple[CheckRule, ...]:
        """What the adviser must still check for an answer of these sources (for a diploma, or for a VAE
        request when `diploma` is None), in file order."""
        return tuple(c for c in self.checks if c.source in sources
                     and (not c.diplomas or diploma in c.diplomas) and (internship or not c.when_internship))

    def certification(self, code: str) -> Certification | None:
        """A certification the rules name, by its code (case as given by the sources)."""
        return next((c for c in self.certifications if c.code == code), None)

    def vae_sources(self, year: int) -> list[str]:
        return sorted({v.source for v in self.vae if v.in_force_during(year)})

    @cached_property
    def _pathways_by_diploma(self) -> dict[str, dict[str, tuple[Pathway, ...]]]:
        """diploma -> source -> its pathways for the diploma, in the order of `pathways`."""
        found: dict[str, dict[str, list[Pathway]]] = {}
        for p in self.pathways:
            found.setdefault(p.diploma, {}).setdefault(p.source, []).append(p)
        return {d: {s: tuple(ps) for s, ps in by_source.items()} for d, by_source in found.items()}

    @cached_property
    def _generals_by_source(self) -> dict[str, tuple[GeneralRule, ...]]:
        found: dict[str, list[GeneralRule]] = {}
        for g in self.generals:
            found.setdefault(g.source, []).append(g)
        return {s: tuple(gs) for s, gs in found.items()}

    @cached_property
    def _early_review_by_source(self) -> dict[str, EarlyReviewRule]:
        """Each source's first early-review rule."""
        found: dict[str, EarlyReviewRule] = {}
        for e in self.early_reviews:
            found.setdefault(e.source, e)
        return found

    def __getstate__(self) -> dict:
        """The fields only, for pickling (the rule-base cache): the indexes are rebuilt on first use."""
        return {name: self.__dict__[name] for name in self.__dataclass_fields__}
