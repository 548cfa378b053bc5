"""The page's form: its fields as entered, into a candidate file (or French errors per field), and back.

Fields are named as in the candidate file: `ue_acquired`, and for each row of
a list `experiences-3-months` (list, row id, key). Row ids need not follow
each other: rows added and removed in the browser keep their ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..candidate import MAX_PERIODS, Profile, ProfileError, read_profile
from ..candidate.schema import shown
from ..candidate.unknown import UNKNOWN, PartialProfile, read_candidate

LISTS = {
    "experiences": ("label", "months", "start", "end", "time_share", "field", "kind", "level"),
    "internships": ("months", "start", "end", "field", "report"),
    "vae_requests": ("certification", "year"),
}
# A row is left out when these are all empty (the selects always have a value).
ROW_CONTENT = {
    "experiences": ("label", "months", "start", "end"),
    "internships": ("months", "start", "end"),
    "vae_requests": ("certification", "year"),
}
NUMBERS = {"months", "time_share", "year", "ue_acquired", "decided_internship_months", "decided_experience_months"}
# The candidate's own fields (not in a list), as named in the candidate file.
CANDIDATE = ("name", "ue_acquired", "decided_internship_months", "decided_experience_months", "decided_by",
             "entered_duties")
DECIDED = ("decided_internship_months", "decided_experience_months")
QUESTION = ("diploma", "milestone", "date", "certification", "year")
ROW_NAME = re.compile(r"^(experiences|internships|vae_requests)-(\d{1,6})-([a-z_]+)$")
# Messages of profile.py reworded for the form, whose fields are labelled in French.
FORM_WORDING = {
    "attendu in ou out": "choisir « dans le domaine » ou « hors domaine »",
    "donner soit months, soit start et end, pas les deux": "donner soit la durée en mois, soit les dates, pas les deux",
    "champ obligatoire manquant : donner months, ou start et end": "donner la durée en mois, ou les dates de début et de fin",
    "champ obligatoire manquant : start et end vont ensemble": "donner la date de début et la date de fin",
    "un nombre dans ]0, 1]": "un nombre dans ]0, 1] (ex. 0,5 pour un mi-temps)",
}


@dataclass
class FormData:
    """The form as entered (strings), with the errors to show next to its fields."""

    question: dict[str, str] = field(default_factory=dict)
    sources: list[str] | None = None  # None: every box checked (the default)
    candidate: dict[str, str] = field(default_factory=dict)  # the fields of CANDIDATE
    rows: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=lambda: {k: [] for k in LISTS})
    errors: dict[str, str] = field(default_factory=dict)  # form field name ('' for the whole form) -> message

    def value(self, name: str) -> str:
        return self.question.get(name) or self.candidate.get(name) or ""

    def add_row(self, list_name: str) -> None:
        rows = self.rows[list_name]
        rows.append((max((r for r, _ in rows), default=-1) + 1, {}))

    def remove_row(self, list_name: str, row: int) -> None:
        self.rows[list_name] = [(r, v) for r, v in self.rows[list_name] if r != row]


def read_form(fields: Mapping[str, str], sources: list[str], checked: list[str]) -> FormData:
    """The form's fields as entered; `checked` the source boxes ticked, out of `sources`."""
    form = FormData()
    form.question = {k: _text(fields.get(k)) for k in QUESTION}
    form.sources = None if set(sources) <= set(checked) else [s for s in sources if s in checked]
    form.candidate = {k: _text(fields.get(k)) for k in CANDIDATE}
    rows: dict[str, dict[int, dict[str, str]]] = {k: {} for k in LISTS}
    for name, value in fields.items():
        match = ROW_NAME.match(name)
        if match and match[3] in LISTS[match[1]]:
            rows[match[1]].setdefault(int(match[2]), {})[match[3]] = _text(value)
    form.rows = {k: sorted(v.items()) for k, v in rows.items()}
    return form


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def number(text: str) -> int | float | str:
    """A number typed in the form (French decimal comma allowed); the text itself when it is none.

    >>> number("24"), number("1,5"), number(" 0.5 "), number("deux")
    (24, 1.5, 0.5, 'deux')
    """
    cleaned = text.strip().replace(",", ".").replace("\u202f", "").replace(" ", "")
    if re.fullmatch(r"-?\d{1,9}", cleaned):
        return int(cleaned)
    if re.fullmatch(r"-?\d{0,9}\.\d{1,9}", cleaned):
        return float(cleaned)
    return text


def _entry(list_name: str, values: dict[str, str]) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for key in LISTS[list_name]:
        text = values.get(key, "")
        if key == "report":
            if text:
                entry[key] = True
        elif text:
            entry[key] = number(text) if key in NUMBERS else text
    return entry


def kept_rows(form: FormData, list_name: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a list that hold something (empty rows are left out)."""
    return [(r, v) for r, v in form.rows[list_name] if any(v.get(k) for k in ROW_CONTENT[list_name])]


def candidate_file(form: FormData) -> dict[str, Any]:
    """The candidate file of the form, as entered (numbers read, empty fields and rows left out)."""
    data: dict[str, Any] = {}
    for key, text in form.candidate.items():
        if key == "entered_duties":
            if text:
                data[key] = True
        elif text:
            data[key] = number(text) if key in NUMBERS else text
    for list_name in LISTS:
        entries = [_entry(list_name, values) for _, values in kept_rows(form, list_name)]
        if entries:
            data[list_name] = entries
    return data


def form_profile(form: FormData, partial: bool = False) -> Profile | PartialProfile | None:
    """The candidate of the form, or None with `form.errors` filled (every bad field, not only the first);
    with `partial`, its facts may be `unknown` (`with_unknowns`)."""
    read = read_candidate if partial else read_profile
    data = candidate_file(form)
    for key in CANDIDATE:
        if key in data:
            # who decided is read with what was decided (alone it is refused as saying nothing)
            alongside = {k: data[k] for k in DECIDED if k in data} if key == "decided_by" else {}
            _check(form, {**alongside, key: data[key]},
                   lambda location, key=key: location if location in CANDIDATE else key, form.candidate, read)
    for list_name in LISTS:
        kept = kept_rows(form, list_name)
        if len(kept) > MAX_PERIODS:
            form.errors[f"{list_name}-add"] = f"au plus {MAX_PERIODS} lignes"
        for row, values in kept[:MAX_PERIODS]:
            _check(form, {list_name: [_entry(list_name, values)]},
                   lambda location, row=row, list_name=list_name: _row_field(list_name, row, location), values,
                   read)
    if form.errors:
        return None
    try:
        return read(data, origin="formulaire")
    except ProfileError as error:
        form.errors[""] = f"{error.location or 'candidat'} : {error.reason}"
        return None


# What a person types for a fact they do not know, in a number field ("?", "inconnu").
UNKNOWN_WORDS = {"?", "inconnu", "inconnue", UNKNOWN}


def with_unknowns(form: FormData) -> FormData:
    """The form with its empty facts unknown (the page asks what a candidate still needs before the file is
    complete): an experience's empty duration (no dates either) and empty field, and any number typed `?` or
    `inconnu`. A copy: the form shown keeps what was typed (its errors are the same dictionary)."""
    def unknown_if(value: str, empty: bool) -> str:
        return UNKNOWN if (empty and not value) or value.strip().lower() in UNKNOWN_WORDS else value

    rows = {k: list(v) for k, v in form.rows.items()}
    kept = {name: {r for r, _ in kept_rows(form, name)} for name in ("experiences", "internships")}
    for name in kept:
        rows[name] = [(r, _unknown_row(name, values, unknown_if) if r in kept[name] else values)
                      for r, values in form.rows[name]]
    candidate = {k: unknown_if(v, False) if k in ("ue_acquired", "decided_internship_months") else v
                 for k, v in form.candidate.items()}
    return FormData(form.question, form.sources, candidate, rows, form.errors)


def _unknown_row(name: str, values: dict[str, str], unknown_if) -> dict[str, str]:
    values = dict(values)
    dated = bool(values.get("start") or values.get("end"))
    values["months"] = unknown_if(values.get("months", ""), not dated)
    if name == "experiences":
        values["field"] = unknown_if(values.get("field", ""), True)
        values["time_share"] = unknown_if(values.get("time_share", ""), False)
    return values


def _check(form: FormData, data: dict[str, Any], field_of, typed: Mapping[str, str], read=read_profile) -> None:
    """The first error of a part of the form beside its field, with its value as typed (`typed`: the part's
    fields, by key; `read`: the candidate file's reader, `read_candidate` where facts may be unknown)."""
    try:
        read(data, origin="formulaire")
    except ProfileError as error:
        field = field_of(error.location or "")
        reason = as_typed(error.reason, typed.get(field.rpartition("-")[2], ""))
        form.errors.setdefault(field, form_wording(reason))


def as_typed(reason: str, typed: str) -> str:
    """A message about a number with the number as the person typed it (a decimal comma, say).

    >>> as_typed("attendu un entier entre 0 et 1000, reçu 1.5", " 1,5")
    'attendu un entier entre 0 et 1000, reçu 1,5'
    """
    value = number(typed)
    if typed.strip() and not isinstance(value, str):
        return reason.replace(f"reçu {shown(value)}", f"reçu {typed.strip()}")
    return reason


def _row_field(list_name: str, row: int, location: str) -> str:
    """'experiences[0].time_share' (a one-entry check) -> 'experiences-<row>-time_share'."""
    key = location.rpartition(".")[2] if "." in location else ""
    if key not in LISTS[list_name]:
        key = LISTS[list_name][1] if list_name == "experiences" else LISTS[list_name][0]
    return f"{list_name}-{row}-{key}"


def form_wording(reason: str) -> str:
    """
    >>> form_wording("champ obligatoire manquant, attendu in ou out")
    'champ obligatoire manquant, choisir « dans le domaine » ou « hors domaine »'
    """
    for plain, worded in FORM_WORDING.items():
        reason = reason.replace(plain, worded)
    return reason


def profile_form(profile: Profile, question: dict[str, str], sources: list[str] | None) -> FormData:
    """The form showing a candidate (an imported file), the question fields kept."""
    data = profile.to_dict()
    form = FormData(question=dict(question), sources=sources)
    form.candidate = {k: _shown(data.get(k)) for k in CANDIDATE}
    for list_name in LISTS:
        entries = data.get(list_name, [])
        form.rows[list_name] = [(i, {k: _shown(v) for k, v in e.items()}) for i, e in enumerate(entries)]
    return form


def _shown(value: object) -> str:
    """A value of a candidate file as the form shows it.

    >>> _shown(0.5), _shown(True), _shown(None), _shown(24)
    ('0,5', 'on', '', '24')
    """
    if value is None or value is False:
        return ""
    if value is True:
        return "on"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)
