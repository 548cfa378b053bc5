"""The typed AST of a rule file: frozen dataclasses, every node with its span."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from ..span import Span  # noqa: F401  (where a node stands; shared by every stage)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its unit as written (`3 ans`, `6 mois`, `2 UE`)."""

    value: Fraction
    unit: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Citation:
    """`selon « ... »`: the passage of the source a block or statement encodes."""

    quote: str
    span: Span


# ---------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class Title:
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Document:
    path: str
    span: Span


@dataclass(frozen=True, slots=True)
class Milestones:
    """`jalons probatoire et délivrance`, milestone ids as in the contract."""

    ids: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ExperienceRequirement:
    """`exige expérience [qualifiers] [d'au moins N]`; without N, any positive amount."""

    in_field: bool
    kinds: frozenset[str] | None  # None: professional experience (salaried, self-employed)
    sufficient_level: bool
    full_time: bool
    least: Quantity | None
    span: Span


@dataclass(frozen=True, slots=True)
class InternshipRequirement:
    """`exige un stage de 6 mois | de 3 à 6 mois | d'au plus 6 mois | d'au moins 3 mois`."""

    least: Quantity | None
    most: Quantity | None
    standard: Quantity | None
    in_field: bool
    report: bool
    span: Span


@dataclass(frozen=True, slots=True)
class DecidedBy:
    """`durée décidée par le jury | le Cnam`."""

    authority: str  # "jury" | "cnam"
    span: Span


@dataclass(frozen=True, slots=True)
class Modulation:
    """`durée modulable par le jury, sans descendre sous 3 mois`."""

    authority: str
    floor: Quantity
    span: Span


@dataclass(frozen=True, slots=True)
class ReportRequired:
    span: Span


@dataclass(frozen=True, slots=True)
class InternshipWaiver:
    """`stage non exigé si entrée en fonctions pendant la formation`."""

    span: Span


@dataclass(frozen=True, slots=True)
class InternshipInField:
    """`stage en relation avec le diplôme préparé`: the internship must be in the field."""

    span: Span


@dataclass(frozen=True, slots=True)
class CommissionDecides:
    """`la commission fixe le complément` (in an `examen anticipé` block)."""

    span: Span


@dataclass(frozen=True, slots=True)
class CheckText:
    """`texte « … »` (in an `à vérifier` block): what the adviser must check, in French."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class CheckWhenInternship:
    """`si un stage est exigé` (in an `à vérifier` block)."""

    span: Span


@dataclass(frozen=True, slots=True)
class InternshipAloneInsufficient:
    """`un stage seul ne suffit jamais`."""

    span: Span


@dataclass(frozen=True, slots=True)
class EarlyReviewCondition:
    """`possible avec au moins 2 UE` or `possible sans condition` (least is None)."""

    least: Quantity | None
    span: Span


@dataclass(frozen=True, slots=True)
class RequestLimit:
    """`au plus 1 demande par certification et par année civile`."""

    most: Quantity
    per_certification: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Validity:
    """`en vigueur du D1 au D2 | depuis le D | jusqu'au D` (bounds included)."""

    start: date | None
    end: date | None
    span: Span


@dataclass(frozen=True, slots=True)
class ExampleTarget:
    """`pour licence [au jalon soutenance]` (an example's diploma), or `pour licence, bac+2` (the diplomas
    of an `à vérifier` block): the first diploma, and the others."""

    diploma: str
    milestone: str | None
    span: Span
    others: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExampleCertification:
    code: str
    year: int | None
    span: Span


@dataclass(frozen=True, slots=True)
class ExperienceFact:
    """`expérience de 36 mois hors domaine, bénévole, à 50 %` in a worked example."""

    duration: Quantity
    in_field: bool
    kind: str
    share: Fraction
    sufficient_level: bool
    span: Span


@dataclass(frozen=True, slots=True)
class InternshipFact:
    duration: Quantity
    in_field: bool
    report: bool
    span: Span


@dataclass(frozen=True, slots=True)
class UeFact:
    count: Fraction
    span: Span


@dataclass(frozen=True, slots=True)
class DecisionFact:
    """`stage décidé de 4 mois [par le jury | le Cnam | la commission]`."""

    duration: Quantity
    span: Span
    authority: str | None = None


@dataclass(frozen=True, slots=True)
class ComplementFact:
    """`complément décidé de 6 mois [par la commission]`: more professional experience decided."""

    duration: Quantity
    span: Span
    authority: str | None = None


@dataclass(frozen=True, slots=True)
class DutiesFact:
    """`entrée en fonctions pendant la formation`."""

    span: Span


@dataclass(frozen=True, slots=True)
class RequestFact:
    code: str
    year: int
    span: Span


@dataclass(frozen=True, slots=True)
class Expectation:
    """`attendu ...`: kind is satisfied, internship, missing, conflict, eligible, limit, early or not_applicable
    (the source states nothing for that question: no requirement for the diploma at that milestone on the
    examples' day, no VAE rule in force that year)."""

    kind: str
    least: Quantity | None = None
    most: Quantity | None = None
    missing: Quantity | None = None
    early: bool | None = None
    span: Span | None = None
    authority: str | None = None  # `attendu stage …, durée décidée par le jury`: who sets the length


Body = (
    Title | Document | Milestones | ExperienceRequirement | InternshipRequirement
    | DecidedBy | Modulation | ReportRequired | InternshipAloneInsufficient
    | EarlyReviewCondition | RequestLimit | Validity | ExampleTarget
    | ExampleCertification | ExperienceFact | InternshipFact | UeFact
    | DecisionFact | RequestFact | Expectation | InternshipWaiver | InternshipInField | CommissionDecides | CheckText
    | CheckWhenInternship | ComplementFact | DutiesFact
)


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement line, with the citation that follows it, if any."""

    body: Body
    citation: Citation | None
    span: Span


# ---------------------------------------------------------------- blocks


@dataclass(frozen=True, slots=True)
class Block:
    """A header line and its statements.

    kind is one of: source, diploma, pathway, reuse, general, early, vae, certification, check, example.
    name is the block's id (source id, diploma id, pathway id...), or the title
    of an example; target is the diploma of a pathway or the model of a reuse.
    """

    kind: str
    name: str | None
    name_span: Span | None
    target: str | None
    target_span: Span | None
    label: str | None
    citation: Citation | None
    statements: tuple[Statement, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class RuleFile:
    path: str
    blocks: tuple[Block, ...]
    span: Span
