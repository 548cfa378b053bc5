"""Plain data (a candidate file's mapping) into a validated `Profile`, or every error, each naming its field.

The one schema of a candidate file (`shared/CONTRACT.md`): what each field may
hold, its default, and the French message when it holds something else.
Values are taken as they are (no conversion: `"12"` is not a number, `1` is
not `true`), within the bounds below.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

MAX_PERIODS = 1000  # most entries allowed in each list of a candidate file
MAX_MONTHS = 1200  # longest duration accepted, in months (100 years)
MAX_UE = 1000  # most UE a candidate may declare
MIN_YEAR, MAX_YEAR = 1900, 2200  # bounds for years and dates
MAX_TEXT = 500  # longest name or label, in characters
MAX_DEPTH = 32  # deepest nesting of lists and mappings accepted

FIELDS = ("in", "out")
AUTHORITIES = ("cnam", "jury", "commission")
KINDS = ("salaried", "self_employed", "volunteer", "union")
LEVELS = ("sufficient", "insufficient")
CERTIFICATION = re.compile(r"[A-Za-z0-9]{1,40}")
DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")  # a number as French writes it, in a file: refused, with the fix


# ---------------------------------------------------------------- the values


@dataclass(frozen=True, slots=True, kw_only=True)
class Experience:
    """One period of experience: `months` (a number), or `start` and `end` dates (end included; no end: still
    going on, counted up to the question's date). `months` is None for a dated period: its length depends on
    the question's date (`counting`)."""

    label: str | None = None
    months: float | None = None
    start: date | None = None
    end: date | None = None
    time_share: float = 1.0
    field: str
    kind: str = "salaried"
    level: str = "sufficient"


@dataclass(frozen=True, slots=True, kw_only=True)
class InternshipDone:
    """An internship already done (defaults: in the field, without a report)."""

    months: float | None = None
    start: date | None = None
    end: date | None = None
    field: str = "in"
    report: bool = False


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
    internships: tuple[InternshipDone, ...] = ()
    vae_requests: tuple[VaeRequest, ...] = ()
    decided_by: str | None = None  # who set the decided length or complement: cnam | jury | commission
    decided_experience_months: float | None = None  # a complement of professional experience decided
    entered_duties: bool = False  # took up the diploma's duties during the training (référentiel's waiver)

    def to_dict(self) -> dict[str, Any]:
        """The candidate-file mapping that `read_profile` reads back to this profile; defaults omitted.

        >>> Profile(experiences=(Experience(months=24.0, field="in"),)).to_dict()
        {'experiences': [{'months': 24, 'field': 'in'}]}
        """
        data: dict[str, Any] = {}
        if self.name is not None:
            data["name"] = self.name
        if self.ue_acquired:
            data["ue_acquired"] = self.ue_acquired
        if self.decided_internship_months is not None:
            data["decided_internship_months"] = plain_number(self.decided_internship_months)
        if self.decided_experience_months is not None:
            data["decided_experience_months"] = plain_number(self.decided_experience_months)
        if self.decided_by is not None:
            data["decided_by"] = self.decided_by
        if self.entered_duties:
            data["entered_duties"] = True
        if self.experiences:
            data["experiences"] = [_experience_dict(e) for e in self.experiences]
        if self.internships:
            data["internships"] = [_internship_dict(i) for i in self.internships]
        if self.vae_requests:
            data["vae_requests"] = [{"certification": v.certification, "year": v.year} for v in self.vae_requests]
        return data


def plain_number(value: float) -> int | float:
    """A whole number as an int (`24`, not `24.0`)."""
    return int(value) if float(value).is_integer() else value


def _period_dict(months: float | None, start: date | None, end: date | None) -> dict[str, Any]:
    if start is not None:
        return {"start": start.isoformat(), **({"end": end.isoformat()} if end is not None else {})}
    return {"months": plain_number(months)}


def _experience_dict(e: Experience) -> dict[str, Any]:
    data: dict[str, Any] = {} if e.label is None else {"label": e.label}
    data.update(_period_dict(e.months, e.start, e.end))
    if e.time_share != 1:
        data["time_share"] = e.time_share
    data["field"] = e.field
    if e.kind != "salaried":
        data["kind"] = e.kind
    if e.level != "sufficient":
        data["level"] = e.level
    return data


def _internship_dict(i: InternshipDone) -> dict[str, Any]:
    data = _period_dict(i.months, i.start, i.end)
    if i.field != "in":
        data["field"] = i.field
    if i.report:
        data["report"] = True
    return data


# ---------------------------------------------------------------- errors


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad field: where (`experiences[1].time_share`; '' for the whole file) and what is expected."""

    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.location} : {self.reason}" if self.location else self.reason


class ProfileError(Exception):
    """A candidate file that is not valid: every problem found, in the order of the file.

    `str()` is one line: the file (`origin`), the first problem's field and what is expected
    (`alice.yaml: experiences[1].time_share : attendu un nombre dans ]0, 1], reçu 1.5`).
    """

    def __init__(self, origin: str, problems: list[Problem]) -> None:
        self.origin, self.problems = origin, problems
        first = problems[0]
        self.location, self.reason = (first.location or None), first.reason
        more = f" (et {len(problems) - 1} autre(s) erreur(s))" if len(problems) > 1 else ""
        super().__init__(f"{origin}: {first}{more}")


EXPECTED = {
    "name": f"un texte (au plus {MAX_TEXT} caractères)",
    "label": f"un texte (au plus {MAX_TEXT} caractères)",
    "ue_acquired": f"un entier entre 0 et {MAX_UE}",
    "decided_internship_months": f"un nombre de mois > 0 (au plus {MAX_MONTHS})",
    "decided_experience_months": f"un nombre de mois > 0 (au plus {MAX_MONTHS})",
    "decided_by": "cnam, jury ou commission",
    "entered_duties": "true ou false",
    "months": f"un nombre de mois > 0 (au plus {MAX_MONTHS})",
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
PROFILE_KEYS = ("name", "ue_acquired", "decided_internship_months", "decided_experience_months", "decided_by",
                "entered_duties", "experiences", "internships", "vae_requests")
EXPERIENCE_KEYS = ("months", "start", "end", "label", "time_share", "field", "kind", "level")
INTERNSHIP_KEYS = ("months", "start", "end", "field", "report")
VAE_REQUEST_KEYS = ("certification", "year")
KEYSETS = {keys: frozenset(keys) for keys in (PROFILE_KEYS, EXPERIENCE_KEYS, INTERNSHIP_KEYS, VAE_REQUEST_KEYS)}


def shown(value: object) -> str:
    """A short, readable rendering of a received value.

    >>> shown("12"), shown(True), shown([1])
    ('"12"', 'true', 'une liste')
    """
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (list, tuple, set)):
        return "une liste"
    if isinstance(value, dict):
        return "un objet"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- reading


class _Reader:
    """Reads one mapping, remembering every problem (with where it is)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def wrong(self, location: str, reason: str) -> None:
        self.problems.append(Problem(location, reason))

    def expected(self, location: str, key: str, value: object) -> None:
        comma = isinstance(value, str) and DECIMAL_COMMA.fullmatch(value.strip())
        point = f" (le séparateur décimal d'un fichier est le point : {value.strip().replace(',', '.')})" if comma else ""
        self.wrong(location, f"attendu {EXPECTED[key]}, reçu {shown(value)}{point}")

    def keys(self, entry: dict, allowed: tuple[str, ...], where: str) -> None:
        if entry.keys() <= KEYSETS[allowed]:
            return
        for key in entry:
            if not isinstance(key, str):
                self.wrong(where or "premier niveau", f"clé {shown(key)} invalide, attendu un nom de champ")
            elif key not in allowed:
                self.wrong(_at(where, key), f"champ inconnu ; champs permis : {', '.join(allowed)}")

    def number(self, entry: dict, key: str, where: str, most: float, default=None):
        """A number in ]0, most]: int or float, never bool, finite (absent or null: the default)."""
        value = entry.get(key)
        if value is None:
            return default
        if type(value) not in (int, float) or not 0 < value <= most:  # NaN fails the comparison
            self.expected(_at(where, key), key, value)
            return default
        return float(value)

    def integer(self, entry: dict, key: str, where: str, least: int, most: int, default=None):
        value = entry.get(key, default)
        if key in entry and (type(value) is not int or not least <= value <= most):
            self.expected(_at(where, key), key, value)
            return default
        return value

    def choice(self, entry: dict, key: str, where: str, choices: tuple[str, ...], default=None):
        if key not in entry:
            if default is None:
                self.wrong(_at(where, key), f"champ obligatoire manquant, attendu {EXPECTED[key]}")
            return default
        value = entry[key]
        if type(value) is not str or value not in choices:
            self.expected(_at(where, key), key, value)
            return default
        return value

    def text(self, entry: dict, key: str, where: str) -> str | None:
        value = entry.get(key)
        if value is None:
            return None
        if type(value) is not str or len(value) > MAX_TEXT or not _encodable(value):
            self.expected(_at(where, key), key, value)
            return None
        return value

    def day(self, entry: dict, key: str, where: str) -> date | None:
        value = entry.get(key)
        if value is None:
            return None
        if type(value) is str and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                pass
        if type(value) is not date or not MIN_YEAR <= value.year <= MAX_YEAR:
            self.expected(_at(where, key), key, value)
            return None
        return value

    def period(self, entry: dict, where: str):
        """(months, start, end) of a period given by its months, or by its start (and end, unless it goes on)."""
        errors = len(self.problems)
        months = self.number(entry, "months", where, MAX_MONTHS)
        start, end = self.day(entry, "start", where), self.day(entry, "end", where)
        if len(self.problems) > errors:
            return None, None, None
        if months is not None and (start is not None or end is not None):
            self.wrong(_at(where, "months"), "donner soit months, soit start et end, pas les deux")
        elif months is None and start is None and end is None:
            self.wrong(_at(where, "months"), "champ obligatoire manquant : donner months, ou start et end")
        elif end is not None and start is None:
            self.wrong(_at(where, "start"), "champ obligatoire manquant : start et end vont ensemble")
        elif start is not None and end is not None and end < start:
            self.wrong(_at(where, "end"), f"la fin {end.isoformat()} précède le début {start.isoformat()}")
        else:
            return months, start, end
        return None, None, None

    def entries(self, data: dict, key: str) -> list:
        value = data.get(key)
        if value is None:
            return []
        if type(value) is not list:
            self.expected(key, key, value)
            return []
        if len(value) > MAX_PERIODS:
            self.wrong(key, f"au plus {MAX_PERIODS} entrées, reçu {len(value)}")
            return []
        good = []
        for i, entry in enumerate(value):
            if type(entry) is not dict:
                self.wrong(f"{key}[{i}]", f"attendu un objet (champ: valeur), reçu {shown(entry)}")
            else:
                good.append((i, entry))
        return good


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _encodable(text: str) -> bool:
    """False for a text with a lone surrogate (UTF-8 cannot carry it)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_profile(data: object, origin: str = "<profil>") -> Profile:
    """A `Profile` from a candidate file's data; ProfileError (every problem, each naming its field).

    >>> read_profile({"experiences": [{"months": 24, "field": "in"}]}).experiences[0].months
    24.0
    """
    if not isinstance(data, dict):
        what = "un document vide" if data is None else shown(data)
        raise ProfileError(origin, [Problem("", f"attendu un objet (champ: valeur) au premier niveau, reçu {what}")])
    r = _Reader()
    r.keys(data, PROFILE_KEYS, "")
    name = r.text(data, "name", "")
    ue = r.integer(data, "ue_acquired", "", 0, MAX_UE, 0)
    decided = r.number(data, "decided_internship_months", "", MAX_MONTHS)
    complement = r.number(data, "decided_experience_months", "", MAX_MONTHS)
    decided_by = r.choice(data, "decided_by", "", AUTHORITIES, None) if "decided_by" in data else None
    if decided_by is not None and decided is None and complement is None:
        r.wrong("decided_by", "qui a décidé quoi ? donner aussi decided_internship_months ou "
                              "decided_experience_months")
    duties = data.get("entered_duties", False)
    if type(duties) is not bool:
        r.expected("entered_duties", "entered_duties", duties)
    experiences = _read_entries(r, data, "experiences", _experience)
    internships = _read_entries(r, data, "internships", _internship)
    requests = _read_entries(r, data, "vae_requests", _vae_request)
    if r.problems:
        raise ProfileError(origin, r.problems)
    return Profile(name, ue, decided, experiences, internships, requests, decided_by, complement, duties)


_READ: dict[tuple, object] = {}  # valid entries already read (a cohort repeats many), by kind and (key, type, value)
READ_KEPT = 1 << 16


def _read_entries(r: _Reader, data: dict, key: str, read) -> tuple:
    """The entries of a list field, each read by `read` (a valid entry met before: its value again, the
    types of its values part of what is compared, so that `1` is never taken for `true`)."""
    found = []
    for i, entry in r.entries(data, key):
        try:
            memo = (key, *((k, type(v), v) for k, v in entry.items()))
            value = _READ.get(memo)
        except TypeError:  # a list or mapping among the values: read it, it is wrong anyway
            memo, value = None, None
        if value is None:
            errors = len(r.problems)
            value = read(r, entry, f"{key}[{i}]")
            if value is None:
                continue
            if memo is not None and len(r.problems) == errors and len(_READ) < READ_KEPT:
                _READ[memo] = value
        found.append(value)
    return tuple(found)


def _experience(r: _Reader, entry: dict, where: str) -> Experience | None:
    errors = len(r.problems)
    r.keys(entry, EXPERIENCE_KEYS, where)
    months, start, end = r.period(entry, where)
    label = r.text(entry, "label", where)
    share = r.number(entry, "time_share", where, 1, 1.0)
    field_ = r.choice(entry, "field", where, FIELDS)
    kind = r.choice(entry, "kind", where, KINDS, "salaried")
    level = r.choice(entry, "level", where, LEVELS, "sufficient")
    if len(r.problems) > errors:
        return None
    return Experience(label=label, months=months, start=start, end=end, time_share=share, field=field_, kind=kind,
                      level=level)


def _internship(r: _Reader, entry: dict, where: str) -> InternshipDone | None:
    errors = len(r.problems)
    r.keys(entry, INTERNSHIP_KEYS, where)
    months, start, end = r.period(entry, where)
    field_ = r.choice(entry, "field", where, FIELDS, "in")
    report = entry.get("report", False)
    if type(report) is not bool:
        r.expected(_at(where, "report"), "report", report)
    if len(r.problems) > errors:
        return None
    return InternshipDone(months=months, start=start, end=end, field=field_, report=report)


def _vae_request(r: _Reader, entry: dict, where: str) -> VaeRequest | None:
    errors = len(r.problems)
    r.keys(entry, VAE_REQUEST_KEYS, where)
    code = entry.get("certification")
    if "certification" not in entry:
        r.wrong(_at(where, "certification"), f"champ obligatoire manquant, attendu {EXPECTED['certification']}")
    elif type(code) is not str or not CERTIFICATION.fullmatch(code):
        r.expected(_at(where, "certification"), "certification", code)
    year = entry.get("year")
    if "year" not in entry:
        r.wrong(_at(where, "year"), f"champ obligatoire manquant, attendu {EXPECTED['year']}")
    else:
        r.integer(entry, "year", where, MIN_YEAR, MAX_YEAR)
    if len(r.problems) > errors:
        return None
    return VaeRequest(code, year)


def check_depth(data: object, origin: str) -> None:
    """Refuse lists and mappings nested deeper than MAX_DEPTH (iteratively, so never a RecursionError): for
    the loaders of files and bodies (the reader itself never recurses)."""
    pending = [(data, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ProfileError(origin, [Problem("", f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)")])
        if isinstance(node, dict):
            pending.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, (list, tuple)):
            pending.extend((child, depth + 1) for child in node)

