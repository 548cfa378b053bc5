"""A question to the rules, from a mapping (an API body, a batch line, the command line's options): one type per
question, one set of limits, every error worded once and naming its field.

`missing_question` and `vae_question` read every field and report every bad
one (`RequestError.errors`, each a `FieldError(path, message)` with paths
such as `diploma` or `profile.experiences[1].time_share`); each front end
only renders them (the command line as `--diploma : …`, the API as a 422,
the batch as an error line).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from .candidate import Profile, ProfileError, read_profile
from .candidate.unknown import PartialProfile, read_candidate
from .candidate.schema import CERTIFICATION, MAX_YEAR, MIN_YEAR, shown
from .language.model import MILESTONE_FR, MILESTONES, RuleBase, milestone_id

MISSING_FIELDS = ("diploma", "sources", "source", "milestone", "date", "profile")
VAE_FIELDS = ("certification", "year", "sources", "source", "profile")
MAX_ID = 60  # longest identifier of a diploma, source or milestone
MAX_SOURCES = 20
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field: its path in the question ('' for the whole question) and what is expected, in French."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path} : {self.message}" if self.path else self.message


class RequestError(Exception):
    """A question that cannot be answered as asked: every bad field (at least one)."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__(" ; ".join(str(e) for e in errors))


@dataclass(frozen=True)
class MissingQuestion:
    """`cnam missing`: what does this candidate still need for this diploma, under these sources, on that day?"""

    diploma: str
    sources: tuple[str, ...]  # those that answer: the ones asked for, or every one stating requirements
    milestone: str
    on: date
    profile: Profile | PartialProfile  # a file with unknown facts only where asked (`partial`)


@dataclass(frozen=True)
class VaeQuestion:
    """`cnam vae`: may this candidate file a VAE request for this certification in that year?"""

    certification: str
    year: int
    sources: tuple[str, ...]
    profile: Profile


def profile_errors(error: ProfileError, prefix: str = "profile") -> list[FieldError]:
    """A candidate file's problems as errors on the question's fields (`profile.experiences[1].months`)."""
    return [FieldError(f"{prefix}.{p.location}" if p.location else prefix, p.reason) for p in error.problems]


class _Fields:
    """Reads a question's fields, remembering every error."""

    def __init__(self, data: Mapping, allowed: tuple[str, ...]) -> None:
        self.data, self.errors = data, []
        for key in data:
            if key not in allowed:
                self.errors.append(FieldError(str(key), f"champ inconnu ; champs permis : {', '.join(allowed)}"))
        if "source" in data and "sources" in data:
            self.errors.append(FieldError("source", "donner source ou sources, pas les deux"))

    def wrong(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def identifier(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key, default)
        if value is None:
            self.wrong(key, "champ obligatoire manquant")
        elif type(value) is not str or not value or len(value) > MAX_ID:
            self.wrong(key, f"attendu un identifiant (texte de 1 à {MAX_ID} caractères), reçu {shown(value)}")
        else:
            return value
        return None

    def sources(self) -> list[str] | None:
        key = "sources" if "sources" in self.data else "source"
        value = self.data.get(key)
        if value is None:
            return None
        values = [value] if type(value) is str else value
        if (type(values) is not list or len(values) > MAX_SOURCES
                or not all(type(v) is str and 0 < len(v) <= MAX_ID for v in values)):
            self.wrong(key, f"attendu une liste d'identifiants de sources (au plus {MAX_SOURCES}), reçu {shown(value)}")
            return None
        return values

    def day(self, today: date) -> date | None:
        value = self.data.get("date")
        if value is None:
            return today
        day = value if type(value) is date else _day(value) if type(value) is str else None
        if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
            self.wrong("date", f"date invalide {shown(value)} ; attendu AAAA-MM-JJ, entre {MIN_YEAR} et {MAX_YEAR}")
            return None
        return day

    def profile(self, given: Profile | None, partial: bool = False) -> Profile | PartialProfile | None:
        if given is not None:
            return given
        if "profile" not in self.data:
            self.wrong("profile", "champ obligatoire manquant : le fichier candidat")
            return None
        try:
            return (read_candidate if partial else read_profile)(self.data["profile"], origin="profile")
        except ProfileError as error:
            self.errors.extend(profile_errors(error))
            return None

    def done(self) -> None:
        if self.errors:
            raise RequestError(self.errors)


@functools.lru_cache(maxsize=4096)
def _day(text: str) -> date | None:
    """The day written AAAA-MM-JJ, or None."""
    if not DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def missing_question(base: RuleBase, data: Mapping, today: date, profile: Profile | None = None,
                     partial: bool = False) -> MissingQuestion:
    """The question of `cnam missing` read from a mapping (`profile`: the candidate already read, e.g. from
    a file; `partial`: its facts may be `unknown`, `candidate.unknown`); RequestError naming every bad field.

    A cohort asks the same requirement again and again: the fields but the candidate, once read without
    error, are remembered (by their values and the day), and only the candidate is read each time."""
    key = _requirement_key(data, today)
    known = _requirements(base).get(key) if key is not None else None
    if known is not None:  # the same fields were read before (the same keys, profile among them)
        if profile is None:
            try:
                profile = (read_candidate if partial else read_profile)(data["profile"], origin="profile")
            except ProfileError as error:
                raise RequestError(profile_errors(error)) from None
        return MissingQuestion(known[0], known[1], known[2], known[3], profile)
    question = _missing_question(base, data, today, profile, partial)
    if key is not None and len(_requirements(base)) < 4096:
        _requirements(base)[key] = (question.diploma, question.sources, question.milestone, question.on)
    return question


_REQUIREMENTS: dict[int, tuple[RuleBase, dict]] = {}  # by the rule base's identity (a few live at once)


def _requirements(base: RuleBase) -> dict:
    """The requirements read without error from a rule base's questions, by `_requirement_key`."""
    found = _REQUIREMENTS.get(id(base))
    if found is None or found[0] is not base:
        if len(_REQUIREMENTS) >= 8:
            _REQUIREMENTS.clear()
        found = _REQUIREMENTS[id(base)] = (base, {})
    return found[1]


def _requirement_key(data: Mapping, today: date) -> tuple | None:
    """The fields of a question but its candidate, when they are plain texts (else None: read every time)."""
    sources = data.get("sources", data.get("source"))
    if type(sources) is list:
        sources = tuple(sources)
    key = (data.get("diploma"), data.get("milestone"), data.get("date"), sources, "source" in data, today,
           frozenset(data))
    try:
        hash(key)
    except TypeError:
        return None
    if not all(v is None or type(v) is str for v in key[:3]):
        return None
    return key


def _missing_question(base: RuleBase, data: Mapping, today: date, profile: Profile | None,
                      partial: bool) -> MissingQuestion:
    f = _Fields(data, MISSING_FIELDS)
    diploma = f.identifier("diploma")
    milestone = f.identifier("milestone", "delivery")
    asked = f.sources()
    on = f.day(today)
    if diploma is not None and diploma not in base.diplomas:
        f.wrong("diploma", f"diplôme inconnu « {diploma} » ; attendu l'un de : {', '.join(sorted(base.diplomas))}")
        diploma = None
    if milestone is not None and diploma is not None:
        milestone = milestone_id(milestone)
        known = base.diplomas[diploma].milestones
        if milestone not in MILESTONES or milestone not in known:
            f.wrong("milestone", f"jalon « {milestone} » inconnu pour {diploma} ; attendu l'un de : "
                                 + ", ".join(f"{m} ({MILESTONE_FR[m]})" for m in known))
            milestone = None
    sources = None
    if diploma is not None and milestone is not None and on is not None:
        sources = _sources(f, base, diploma, milestone, asked, on)
    candidate = f.profile(profile, partial)
    f.done()
    return MissingQuestion(diploma, sources, milestone, on, candidate)


def _sources(f: _Fields, base: RuleBase, diploma: str, milestone: str, asked: list[str] | None,
             on: date) -> tuple[str, ...] | None:
    """The sources that answer: those asked for, or every source stating requirements."""
    stating = base.sources_for(diploma, milestone, on)
    key = "sources" if "sources" in f.data else "source"
    if not asked:
        if not stating:
            f.wrong("", f"aucune source n'énonce d'exigence pour {diploma} au jalon {milestone} "
                        f"à la date du {on.isoformat()}")
            return None
        return tuple(stating)
    for s in asked:
        if s not in base.sources:
            f.wrong(key, f"source inconnue « {s} » ; attendu l'une de : {', '.join(sorted(base.sources))}")
        elif s not in stating:
            f.wrong(key, f"la source {s} n'énonce rien pour {diploma} au jalon {milestone} à la date du "
                         f"{on.isoformat()} (sources qui en énoncent : {', '.join(stating) or 'aucune'})")
    return tuple(sorted(set(asked)))


def vae_question(base: RuleBase, data: Mapping, today: date, profile: Profile | None = None) -> VaeQuestion:
    """The question of `cnam vae` read from a mapping; RequestError naming every bad field."""
    f = _Fields(data, VAE_FIELDS)
    code = data.get("certification")
    if code is None:
        f.wrong("certification", "champ obligatoire manquant")
    elif type(code) is not str or not CERTIFICATION.fullmatch(code):
        f.wrong("certification", f"attendu un code de 1 à 40 lettres et chiffres (ex. LP110504), reçu {shown(code)}")
        code = None
    year = data.get("year", today.year)
    if type(year) is str and year.isascii() and year.isdigit() and len(year) == 4:
        year = int(year)
    if type(year) is not int or not MIN_YEAR <= year <= MAX_YEAR:
        f.wrong("year", f"attendu une année AAAA entre {MIN_YEAR} et {MAX_YEAR}, reçu {shown(year)}")
        year = None
    asked = f.sources()
    candidate = f.profile(profile)
    sources = None
    if year is not None:
        in_force = base.vae_sources(year)
        key = "sources" if "sources" in data else "source"
        for s in asked or ():
            if s not in in_force:
                f.wrong(key, f"la source {s} n'a pas de règle de recevabilité VAE en vigueur en {year} "
                             f"(sources qui en ont : {', '.join(in_force) or 'aucune'})")
        sources = tuple(sorted(set(asked))) if asked else tuple(in_force)
        if not sources:
            f.wrong("year", f"aucune règle de recevabilité VAE n'est en vigueur en {year}")
    f.done()
    return VaeQuestion(code.upper(), year, sources, candidate)
