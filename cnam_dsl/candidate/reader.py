"""Candidate files (YAML or JSON) into validated `Profile` values with their experience counted in months."""

from __future__ import annotations

import calendar
import functools
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Annotated, Any, Literal

MAX_PERIODS = 1000  # most entries allowed in each list of a candidate file
MAX_MONTHS = 1200.0  # longest duration accepted, in months (100 years)
MAX_UE = 1000  # most UE a candidate may declare
MAX_DEPTH = 32  # deepest nesting of lists and mappings accepted in a file
MIN_YEAR, MAX_YEAR = 1900, 2200  # bounds for years and dates
MAX_TEXT = 500  # longest name or label, in characters
STDIN_ORIGIN = "<entrée standard>"

FIELDS = ("in", "out")
KINDS = ("salaried", "self_employed", "volunteer", "union")
LEVELS = ("sufficient", "insufficient")

ExperienceKey = tuple[str, str, str]  # (field, kind, level)


class ProfileError(Exception):
    """One clear French line naming the file, the entry and the field, and what is expected.

    `origin` is the file (or `<profil>`), `location` the entry and field
    (`experiences[1].time_share`, or None for the whole file), `reason` the rest.
    """

    def __init__(self, origin: str, reason: str, location: str | None = None) -> None:
        self.origin, self.reason, self.location = origin, reason, location
        where = f"{location} : " if location else ""
        super().__init__(f"{origin}: {where}{reason}")


# ---------------------------------------------------------------------------
# Output values


@dataclass(frozen=True, slots=True, kw_only=True)
class Experience:
    """One period of professional experience.

    `months` is the period's length (for a dated period, `period_months(start, end)`),
    before `time_share` is applied. `field` is 'in' or 'out', `kind` one of
    salaried | self_employed | volunteer | union, `level` sufficient | insufficient.
    """

    label: str | None = None
    months: float
    start: date | None = None
    end: date | None = None
    time_share: float = 1.0
    field: str
    kind: str = "salaried"
    level: str = "sufficient"

    @property
    def counts_in_field(self) -> bool:
        """True when the period counts as experience in the diploma's field."""
        return self.field == "in" and self.level == "sufficient"


@dataclass(frozen=True, slots=True, kw_only=True)
class Internship:
    """An internship already done.

    Given by `months` or by `start` and `end` (then `months` is their length).
    Defaults (the contract states none): `field` is 'in', `report` is False.
    """

    months: float
    field: str = "in"
    report: bool = False
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class VaeRequest:
    """A VAE request already filed, for a certification code, in a year."""

    certification: str
    year: int


@dataclass(frozen=True, slots=True)
class Profile:
    """A validated candidate file."""

    name: str | None = None
    ue_acquired: int = 0
    decided_internship_months: float | None = None
    experiences: tuple[Experience, ...] = ()
    internships: tuple[Internship, ...] = ()
    vae_requests: tuple[VaeRequest, ...] = ()

    def experience_months(self) -> dict[ExperienceKey, float]:
        """Full-time-equivalent months by (field, kind, level), overlaps counted once.

        An insufficient level counts outside the field; only positive totals appear.
        """
        totals: dict[ExperienceKey, float] = defaultdict(float)
        dated = [e for e in self.experiences if e.start is not None]
        for experience, months in zip(dated, _credited_dated_months(dated)):
            totals[_experience_key(experience)] += months
        for experience in self.experiences:
            if experience.start is None:
                totals[_experience_key(experience)] += experience.months * experience.time_share
        rounded = {key: round(value, 9) for key, value in totals.items()}
        return {key: value for key, value in rounded.items() if value > 0}

    def to_dict(self) -> dict[str, Any]:
        """A candidate-file mapping that `parse_profile` reads back to this profile; defaults omitted."""
        data: dict[str, Any] = {}
        if self.name is not None:
            data["name"] = self.name
        if self.ue_acquired:
            data["ue_acquired"] = self.ue_acquired
        if self.decided_internship_months is not None:
            data["decided_internship_months"] = _plain_number(self.decided_internship_months)
        if self.experiences:
            data["experiences"] = [_experience_dict(e) for e in self.experiences]
        if self.internships:
            data["internships"] = [_internship_dict(i) for i in self.internships]
        if self.vae_requests:
            data["vae_requests"] = [{"certification": v.certification, "year": v.year} for v in self.vae_requests]
        return data


def _plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _period_dict(months: float, start: date | None, end: date | None) -> dict[str, Any]:
    if start is not None and end is not None:
        return {"start": start.isoformat(), "end": end.isoformat()}
    return {"months": _plain_number(months)}


def _experience_dict(experience: Experience) -> dict[str, Any]:
    data: dict[str, Any] = {} if experience.label is None else {"label": experience.label}
    data.update(_period_dict(experience.months, experience.start, experience.end))
    if experience.time_share != 1:
        data["time_share"] = experience.time_share
    data["field"] = experience.field
    if experience.kind != "salaried":
        data["kind"] = experience.kind
    if experience.level != "sufficient":
        data["level"] = experience.level
    return data


def _internship_dict(internship: Internship) -> dict[str, Any]:
    data = _period_dict(internship.months, internship.start, internship.end)
    if internship.field != "in":
        data["field"] = internship.field
    if internship.report:
        data["report"] = True
    return data


# ---------------------------------------------------------------------------
# Counting


def _add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, the day clamped to the month's last day."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last_day))


def period_months(start: date, end: date) -> float:
    """Length of the period from `start` to `end` (included): whole calendar months plus the rest in days / 30.

    >>> period_months(date(2021, 9, 1), date(2023, 8, 31))
    24.0
    >>> period_months(date(2021, 9, 15), date(2023, 9, 14))
    24.0
    >>> period_months(date(2024, 1, 1), date(2024, 1, 15))
    0.5
    >>> period_months(date(2023, 1, 31), date(2023, 2, 27))  # Jan 31 + 1 month = Feb 28
    1.0
    """
    end_excl = end + timedelta(days=1)
    whole = (end_excl.year - start.year) * 12 + end_excl.month - start.month
    while whole > 0 and _add_months(start, whole) > end_excl:
        whole -= 1
    rest = (end_excl - _add_months(start, whole)).days
    return whole + rest / 30


def _experience_key(experience: Experience) -> ExperienceKey:
    field = "in" if experience.counts_in_field else "out"
    return (field, experience.kind, experience.level)


def _priority(experience: Experience) -> tuple[int, int, int]:
    """Who is served first when overlapping periods exceed full time."""
    return (
        0 if experience.counts_in_field else 1,
        KINDS.index(experience.kind),
        LEVELS.index(experience.level),
    )


def _credited_dated_months(dated: list[Experience]) -> list[float]:
    """FTE months each dated period counts for, shares capped at full time on every day."""
    one_day = timedelta(days=1)
    starting, ending = defaultdict(list), defaultdict(list)
    for index, experience in enumerate(dated):
        starting[experience.start].append(index)
        ending[experience.end + one_day].append(index)
    rank = sorted(range(len(dated)), key=lambda i: (_priority(dated[i]), i))
    order = {index: position for position, index in enumerate(rank)}
    per_day = [e.months / ((e.end - e.start).days + 1) for e in dated]
    credited = [0.0] * len(dated)
    capped = [False] * len(dated)
    active: set[int] = set()
    for low, high in pairwise(sorted(starting.keys() | ending.keys())):
        active.difference_update(ending.get(low, ()))
        active.update(starting.get(low, ()))
        days, free = (high - low).days, 1.0
        for index in sorted(active, key=order.__getitem__):
            share = min(dated[index].time_share, max(free, 0.0))
            capped[index] |= share < dated[index].time_share
            credited[index] += per_day[index] * share * days
            free -= share
    return [
        credited[i] if capped[i] else e.months * e.time_share for i, e in enumerate(dated)
    ]


# ---------------------------------------------------------------------------
# Validation: plain files read directly; anything else judged by the pydantic schema


def _as_date(value: object) -> date:
    """A YAML date or an ISO 'YYYY-MM-DD' string, within MIN_YEAR..MAX_YEAR."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value = date.fromisoformat(value)  # ValueError for 2021-02-30
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError("not a date")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError("year out of range")
    return value


_PROFILE_KEYS = frozenset({"name", "ue_acquired", "decided_internship_months", "experiences", "internships",
                           "vae_requests"})
_EXPERIENCE_KEYS = frozenset({"months", "start", "end", "label", "time_share", "field", "kind", "level"})
_INTERNSHIP_KEYS = frozenset({"months", "start", "end", "field", "report"})
_VAE_REQUEST_KEYS = frozenset({"certification", "year"})
_CERTIFICATION = re.compile(r"[A-Za-z0-9]{1,40}")


class _NotPlain(Exception):
    """A value the plain reading leaves to the schema, which accepts it or says what is wrong."""


def _plain_profile(data: dict) -> Profile:
    """The profile of a file made only of values the schema accepts as they are; else _NotPlain.

    Only exact types within bounds are read here (no subclass, no lone surrogate, no combination
    the schema refuses), so that a file read here gives the profile the schema would give, and any
    other file, valid or not, is judged by the schema: its errors, in French, are the only ones.
    Importing pydantic and building the schema costs more than the rest of `cnam missing`.
    """
    _plain_keys(data, _PROFILE_KEYS)
    decided = data.get("decided_internship_months")
    return Profile(
        name=_plain_text(data.get("name")),
        ue_acquired=_plain_int(data.get("ue_acquired", 0), 0, MAX_UE),
        decided_internship_months=None if decided is None else _plain_positive(decided, MAX_MONTHS),
        experiences=tuple(_plain_experience(e) for e in _plain_entries(data.get("experiences"))),
        internships=tuple(_plain_internship(i) for i in _plain_entries(data.get("internships"))),
        vae_requests=tuple(_plain_vae_request(v) for v in _plain_entries(data.get("vae_requests"))),
    )


def _plain_experience(entry: object) -> Experience:
    _plain_keys(entry, _EXPERIENCE_KEYS)
    months, start, end = _plain_period(entry)
    return Experience(
        label=_plain_text(entry.get("label")), months=months, start=start, end=end,
        time_share=_plain_positive(entry.get("time_share", 1.0), 1), field=_plain_choice(entry.get("field"), FIELDS),
        kind=_plain_choice(entry.get("kind", "salaried"), KINDS),
        level=_plain_choice(entry.get("level", "sufficient"), LEVELS),
    )


def _plain_internship(entry: object) -> Internship:
    _plain_keys(entry, _INTERNSHIP_KEYS)
    months, start, end = _plain_period(entry)
    report = entry.get("report", False)
    if type(report) is not bool:
        raise _NotPlain
    return Internship(months=months, field=_plain_choice(entry.get("field", "in"), FIELDS), report=report,
                      start=start, end=end)


def _plain_vae_request(entry: object) -> VaeRequest:
    _plain_keys(entry, _VAE_REQUEST_KEYS)
    certification = entry.get("certification")
    if type(certification) is not str or not _CERTIFICATION.fullmatch(certification):
        raise _NotPlain
    return VaeRequest(certification, _plain_int(entry.get("year"), MIN_YEAR, MAX_YEAR))


def _plain_keys(entry: object, allowed: frozenset[str]) -> None:
    if type(entry) is not dict or not entry.keys() <= allowed:
        raise _NotPlain


def _plain_entries(value: object) -> list:
    if value is None:
        return []
    if type(value) is not list or len(value) > MAX_PERIODS:
        raise _NotPlain
    return value


def _plain_period(entry: dict) -> tuple[float, date | None, date | None]:
    """(months, start, end) of a period given by its months, or by its start and end (in order)."""
    months, start, end = entry.get("months"), _plain_day(entry.get("start")), _plain_day(entry.get("end"))
    if months is not None and start is None and end is None:
        return _plain_positive(months, MAX_MONTHS), None, None
    if months is None and start is not None and end is not None and start <= end:
        return period_months(start, end), start, end
    raise _NotPlain


def _plain_day(value: object) -> date | None:
    if value is None:
        return None
    try:
        day = _as_date(value)
    except ValueError:
        raise _NotPlain from None
    if type(day) is not date:
        raise _NotPlain
    return day


def _plain_positive(value: object, most: float) -> float:
    """A number in ]0, most], as a float."""
    if type(value) not in (int, float) or not 0 < value <= most:  # NaN fails the comparison
        raise _NotPlain
    return float(value)


def _plain_int(value: object, least: int, most: int) -> int:
    if type(value) is not int or not least <= value <= most:
        raise _NotPlain
    return value


def _plain_text(value: object) -> str | None:
    if value is None:
        return None
    if type(value) is not str or len(value) > MAX_TEXT or not (value.isascii() or _encodable(value)):
        raise _NotPlain
    return value


def _encodable(text: str) -> bool:
    """False for a text with a lone surrogate (the schema refuses it)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _plain_choice(value: object, choices: tuple[str, ...]) -> str:
    if type(value) is not str or value not in choices:
        raise _NotPlain
    return value


@functools.cache
def _schema() -> tuple[type, dict[str, type]]:
    """The pydantic schema of a candidate file, and the schema of the entries of each list field."""
    from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
    from pydantic_core import PydanticCustomError

    def entry_list(value: object) -> object:
        """`experiences:` left empty is an empty list; an overlong list is refused before its entries are read."""
        if value is None:
            return []
        if isinstance(value, list) and len(value) > MAX_PERIODS:
            raise PydanticCustomError("too_long", "too long", {"max_length": MAX_PERIODS})
        return value

    def cross_field(field: str, message: str) -> PydanticCustomError:
        """An error about a combination of fields, reported on `field`."""
        return PydanticCustomError("profile_rule", message.replace("{", "(").replace("}", ")"), {"field": field})

    Months = Annotated[float, Field(gt=0, le=MAX_MONTHS)]
    Day = Annotated[date, BeforeValidator(_as_date)]
    Text = Annotated[str, Field(max_length=MAX_TEXT)]
    Entries = BeforeValidator(entry_list)
    AtMost = Field(max_length=MAX_PERIODS)

    class _Schema(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)

    class _PeriodSchema(_Schema):
        months: Months | None = None
        start: Day | None = None
        end: Day | None = None

        @model_validator(mode="after")
        def _months_or_dates(self) -> _PeriodSchema:
            if self.months is not None and (self.start is not None or self.end is not None):
                raise cross_field("months", "donner soit months, soit start et end, pas les deux")
            if self.months is None and self.start is None and self.end is None:
                raise cross_field("months", "champ obligatoire manquant : donner months, ou start et end")
            if (self.start is None) != (self.end is None):
                missing = "end" if self.end is None else "start"
                raise cross_field(missing, "champ obligatoire manquant : start et end vont ensemble")
            if self.start is not None and self.end is not None and self.end < self.start:
                raise cross_field(
                    "end", f"la fin {self.end.isoformat()} précède le début {self.start.isoformat()}"
                )
            return self

        def length(self) -> float:
            if self.start is not None and self.end is not None:
                return period_months(self.start, self.end)
            assert self.months is not None
            return self.months

    class _ExperienceSchema(_PeriodSchema):
        label: Text | None = None
        time_share: float = Field(1.0, gt=0, le=1)
        field: Literal["in", "out"]
        kind: Literal["salaried", "self_employed", "volunteer", "union"] = "salaried"
        level: Literal["sufficient", "insufficient"] = "sufficient"

    class _InternshipSchema(_PeriodSchema):
        field: Literal["in", "out"] = "in"
        report: bool = False

    class _VaeRequestSchema(_Schema):
        certification: str = Field(pattern=r"^[A-Za-z0-9]+$", max_length=40)
        year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)

    class _ProfileSchema(_Schema):
        name: Text | None = None
        ue_acquired: int = Field(0, ge=0, le=MAX_UE)
        decided_internship_months: Months | None = None
        experiences: Annotated[list[_ExperienceSchema], Entries, AtMost] = []
        internships: Annotated[list[_InternshipSchema], Entries, AtMost] = []
        vae_requests: Annotated[list[_VaeRequestSchema], Entries, AtMost] = []

    entries = {"experiences": _ExperienceSchema, "internships": _InternshipSchema, "vae_requests": _VaeRequestSchema}
    return _ProfileSchema, entries


def _to_profile(schema: Any) -> Profile:
    experiences = tuple(
        Experience(
            label=e.label, months=e.length(), start=e.start, end=e.end, time_share=e.time_share,
            field=e.field, kind=e.kind, level=e.level,
        )
        for e in schema.experiences
    )
    internships = tuple(
        Internship(months=i.length(), field=i.field, report=i.report, start=i.start, end=i.end)
        for i in schema.internships
    )
    return Profile(
        name=schema.name,
        ue_acquired=schema.ue_acquired,
        decided_internship_months=schema.decided_internship_months,
        experiences=experiences,
        internships=internships,
        vae_requests=tuple(VaeRequest(v.certification, v.year) for v in schema.vae_requests),
    )


# ---------------------------------------------------------------------------
# Validation errors, in French

_EXPECTED = {
    "name": "un texte (au plus 500 caractères)",
    "label": "un texte (au plus 500 caractères)",
    "ue_acquired": f"un entier entre 0 et {MAX_UE}",
    "decided_internship_months": "un nombre de mois > 0 (au plus 1200)",
    "months": "un nombre de mois > 0 (au plus 1200)",
    "start": f"une date AAAA-MM-JJ valide entre {MIN_YEAR} et {MAX_YEAR}",
    "end": f"une date AAAA-MM-JJ valide entre {MIN_YEAR} et {MAX_YEAR}",
    "time_share": "un nombre dans ]0, 1]",
    "field": "in ou out",
    "kind": "salaried, self_employed, volunteer ou union",
    "level": "sufficient ou insufficient",
    "report": "true ou false",
    "certification": "un code non vide fait de lettres et de chiffres (au plus 40)",
    "year": f"une année entière entre {MIN_YEAR} et {MAX_YEAR}",
    "experiences": f"une liste d'expériences (au plus {MAX_PERIODS})",
    "internships": f"une liste de stages (au plus {MAX_PERIODS})",
    "vae_requests": f"une liste de demandes de VAE (au plus {MAX_PERIODS})",
}


def _render_location(loc: tuple[Any, ...]) -> str:
    """('experiences', 1, 'time_share') -> 'experiences[1].time_share'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _render_value(value: object) -> str:
    """A short, readable rendering of a received value."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (list, tuple, set)):
        return "une liste"
    if isinstance(value, dict):
        return "un objet"
    if isinstance(value, date):
        return value.isoformat()
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(error: dict[str, Any]) -> tuple[str, str]:
    """The location and the French reason for one pydantic error."""
    loc, kind, value = tuple(error["loc"]), error["type"], error.get("input")
    if kind == "profile_rule":
        return _render_location(loc + (error["ctx"]["field"],)), error["msg"]
    if kind == "invalid_key":
        where = _render_location(loc[:-1]) or "premier niveau"
        return where, f"clé {_render_value(value)} invalide, attendu un nom de champ"
    if kind == "extra_forbidden":
        profile_schema, entries = _schema()
        schema = entries.get(loc[0], profile_schema) if len(loc) > 1 else profile_schema
        return _render_location(loc), f"champ inconnu ; champs permis : {', '.join(schema.model_fields)}"
    if kind == "too_long":
        return _render_location(loc), f"au plus {MAX_PERIODS} entrées, reçu {len(value)}"
    if loc and isinstance(loc[-1], int):
        return _render_location(loc), f"attendu un objet (champ: valeur), reçu {_render_value(value)}"
    expected = _EXPECTED.get(str(loc[-1]) if loc else "", "une autre valeur")
    if kind == "missing":
        return _render_location(loc), f"champ obligatoire manquant, attendu {expected}"
    return _render_location(loc), f"attendu {expected}, reçu {_render_value(value)}"


# ---------------------------------------------------------------------------
# Entry points


def parse_profile(data: object, *, origin: str = "<profil>") -> Profile:
    """A `Profile` from an already-loaded candidate-file mapping; ProfileError if invalid."""
    if not isinstance(data, dict):
        what = "un document vide" if data is None else _render_value(data)
        raise ProfileError(origin, f"attendu un objet (champ: valeur) au premier niveau, reçu {what}")
    _check_depth(data, origin)
    try:
        return _plain_profile(data)
    except _NotPlain:
        pass
    from pydantic import ValidationError

    try:
        validated = _schema()[0].model_validate(data)
    except ValidationError as error:
        location, reason = _describe(error.errors(include_url=False)[0])
        raise ProfileError(origin, reason, location) from None
    return _to_profile(validated)


def _check_depth(data: object, origin: str) -> None:
    """Refuse lists and mappings nested deeper than MAX_DEPTH (iteratively, so never a RecursionError)."""
    pending = [(data, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ProfileError(origin, f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)")
        if isinstance(node, dict):
            pending.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, (list, tuple)):
            pending.extend((child, depth + 1) for child in node)


def load_profile(path: str, *, max_bytes: int = 1_000_000) -> Profile:
    """A `Profile` from a YAML or JSON file (`-` for standard input); ProfileError if unreadable or invalid."""
    origin = STDIN_ORIGIN if path == "-" else path
    raw = _read_bytes(path, origin, max_bytes)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        reason = f"fichier non encodé en UTF-8 (octet invalide à la position {error.start})"
        raise ProfileError(origin, reason) from None
    return read_profile_text(text, origin=origin, as_json=path.lower().endswith(".json"))


def read_profile_text(text: str, *, origin: str = "<profil>", as_json: bool = False) -> Profile:
    """A `Profile` from a candidate file's text: YAML, or JSON (`as_json`, or text opening with `{`).

    >>> read_profile_text('{"experiences": [{"months": 24, "field": "in"}]}').experiences[0].months
    24.0
    """
    if not text.strip():
        raise ProfileError(origin, "fichier vide, attendu un objet (champ: valeur)")
    as_json = as_json or text.lstrip().startswith("{")
    data = _load_json(text, origin) if as_json else _load_yaml(text, origin)
    return parse_profile(data, origin=origin)


def _read_bytes(path: str, origin: str, max_bytes: int) -> bytes:
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", None)
            raw = stream.read(max_bytes + 1) if stream is not None else sys.stdin.read(max_bytes + 1).encode()
        else:
            with open(path, "rb") as file:
                raw = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise ProfileError(origin, "fichier introuvable") from None
    except IsADirectoryError:
        raise ProfileError(origin, "c'est un dossier, attendu un fichier") from None
    except PermissionError:
        raise ProfileError(origin, "lecture refusée (permissions)") from None
    except OSError as error:
        raise ProfileError(origin, f"lecture impossible ({error.strerror or error})") from None
    if len(raw) > max_bytes:
        raise ProfileError(origin, f"fichier trop volumineux (plus de {max_bytes} octets)")
    return raw


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"clé « {key} » en double")
        data[key] = value
    return data


def _bounded_int(digits: str) -> int:
    if len(digits) > 30:
        raise ValueError(f"nombre entier trop long ({len(digits)} chiffres)")
    return int(digits)


def _load_json(text: str, origin: str) -> object:
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicates, parse_int=_bounded_int)
    except json.JSONDecodeError as error:
        raise ProfileError(origin, f"JSON invalide ligne {error.lineno}, colonne {error.colno} : {error.msg}") from None
    except RecursionError:
        raise ProfileError(origin, f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)") from None
    except ValueError as error:  # a duplicate key or an overlong integer, in French
        raise ProfileError(origin, f"JSON refusé : {error}") from None


# ---------------------------------------------------------------------------
# Safe YAML loading


@functools.cache
def _yaml_loading() -> tuple[Any, type, type]:
    """PyYAML, the error of a refused construct and the loader: imported for YAML files only."""
    import yaml

    class _RefusedYaml(yaml.MarkedYAMLError):
        """A construct the candidate file may not use; `problem` is in French."""

    class _ProfileLoader(yaml.SafeLoader):
        """yaml.SafeLoader that refuses aliases (no billion laughs), deep nesting and duplicate keys."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise _RefusedYaml(problem="alias YAML (*nom) refusé : recopier la valeur", problem_mark=mark)
            self.depth += 1
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _RefusedYaml(problem=f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)",
                                   problem_mark=mark)
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[tuple[str, str]] = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if (key_node.tag, key_node.value) in seen:
                        raise _RefusedYaml(problem=f"clé « {key_node.value} » en double",
                                           problem_mark=key_node.start_mark)
                    seen.add((key_node.tag, key_node.value))
            return super().construct_mapping(node, deep=deep)

        def construct_undefined(self, node: Any) -> Any:
            """Any tag outside plain data (`!!python/object`...) is refused, never constructed."""
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            raise _RefusedYaml(problem=f"étiquette YAML « {tag} » non autorisée", problem_mark=node.start_mark)

        def construct_lenient_int(self, node: Any) -> Any:
            """An int Python refuses (5000 digits) stays a string, reported later with its field."""
            try:
                return self.construct_yaml_int(node)
            except ValueError:
                return self.construct_scalar(node)

        def construct_lenient_timestamp(self, node: Any) -> Any:
            """A date Python refuses (2021-02-30) stays a string, reported later with its field."""
            try:
                return self.construct_yaml_timestamp(node)
            except ValueError:
                return self.construct_scalar(node)

    _ProfileLoader.add_constructor(None, _ProfileLoader.construct_undefined)
    _ProfileLoader.add_constructor("tag:yaml.org,2002:int", _ProfileLoader.construct_lenient_int)
    _ProfileLoader.add_constructor("tag:yaml.org,2002:timestamp", _ProfileLoader.construct_lenient_timestamp)
    return yaml, _RefusedYaml, _ProfileLoader


def _load_yaml(text: str, origin: str) -> object:
    yaml, refused, loader = _yaml_loading()
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except refused as error:
        raise ProfileError(origin, f"ligne {error.problem_mark.line + 1} : {error.problem}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else ""
        detail = " ; ".join(part for part in (error.context, error.problem) if part) or "erreur"
        raise ProfileError(origin, f"YAML invalide{where} ({detail})") from None
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        raise ProfileError(origin, f"YAML invalide ({error})") from None
