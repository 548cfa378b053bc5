"""`cnam interview`: a candidate file completed in a terminal, one question at a time, asking only what can still
change the answer (the most decisive first), until the answer is determined or the adviser stops.

Each turn answers the file as it stands (`answer.unknown`: the possible
answers and the ranked questions), asks the first question not passed, reads
the reply (a number with a French decimal comma, a choice by its number or
its word, `?` to pass, `q` to stop) and gives it to the file through the one
reader, which names what is wrong with a reply. The file is saved with the
facts still unknown written `unknown`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from .answer.present import missing_text
from .answer.unknown import partial_text
from .candidate import Profile, ProfileError
from .candidate.unknown import PartialProfile, UnknownFact, read_candidate
from .rules import Rules

STOP = {"q", "quitter", "stop", "fin"}
PASS = {"?", "", "passer", "je ne sais pas", "inconnu"}
YES = {"o", "oui", "y", "yes", "vrai"}
NO = {"n", "non", "no", "faux"}
NO_DECISION = {"aucune", "non", "pas de décision", "absente", "0"}
WORDS = {  # replies a person types, by fact key, read as the file's values
    "field": {"dans le domaine": "in", "domaine": "in", "hors domaine": "out", "hors": "out"},
    "kind": {"salariée": "salaried", "salarie": "salaried", "salariee": "salaried", "non salariée": "self_employed",
             "indépendante": "self_employed", "bénévole": "volunteer", "benevole": "volunteer",
             "syndicale": "union"},
    "level": {"suffisant": "sufficient", "insuffisant": "insufficient"},
}
NUMBER = re.compile(r"^\d{1,9}(?:[.,]\d{1,9})?$")


class Interview:
    """An interview over one question (diploma, sources, milestone, date) and a candidate file."""

    def __init__(self, rules: Rules, asked: dict, profile: Profile | PartialProfile,
                 ask: Callable[[str], str] = input, say: Callable[[str], None] = print) -> None:
        self.rules, self.asked, self.profile = rules, asked, profile
        self.ask, self.say = ask, say
        self.passed: set[str] = set()

    def run(self) -> Profile | PartialProfile:
        """Ask until the answer is determined, every question is passed, or the adviser stops; the file."""
        while True:
            answer = self.answer()
            if answer.get("complete") is not False or len(answer["possible"]) <= 1:
                break
            question = next((q for q in answer["questions"] if q["fact"] not in self.passed), None)
            if question is None:
                self.say("Plus de question à poser : les faits restants sont passés ou sans effet.")
                break
            if not self.turn(question, answer):
                break
        self.say("")
        self.say(self.text(self.answer()))
        return self.profile

    def answer(self) -> dict:
        question = self.rules.missing_question(self.asked, self.profile)
        return self.rules.missing(question)

    def text(self, answer: dict) -> str:
        name = self.rules.base.diplomas[answer["diploma"]].name
        if answer.get("complete") is False:
            return partial_text(answer, name, self.profile.name)
        return missing_text(answer, name, self.profile.name)

    def turn(self, question: dict, answer: dict) -> bool:
        """Ask one question until its reply is read (True), or the adviser stops (False)."""
        possible = answer["possible"]
        self.say("")
        self.say(f"{question['text']}  [{len(possible)} réponses encore possibles]")
        for n, reply in enumerate(question["replies"], 1):
            leads = " ou ".join(_status_fr(possible[i]["status"]) for i in reply["possible"])
            self.say(f"  {n}. {reply['text']} → {leads}")
        fact = UnknownFact.at(question["fact"])
        while True:
            try:
                typed = self.ask("Réponse (numéro ou valeur ; ? pour passer, q pour arrêter) : ").strip()
            except EOFError:
                return False
            word = typed.lower()
            if word in STOP:
                return False
            if word in PASS:
                self.passed.add(fact.path)
                return True
            try:
                value = reply_value(fact, word, question["replies"])
                self.profile = self.profile.given({fact.path: value}, origin="réponse")
                return True
            except ValueError as error:
                self.say(f"Réponse non comprise : {error}")
            except ProfileError as error:
                self.say(f"Réponse refusée : {error.reason}")


def _status_fr(status: str) -> str:
    return {"satisfied": "rien de plus", "internship": "stage", "missing": "il manque de l'expérience",
            "conflict": "conflit"}[status]


def reply_value(fact: UnknownFact, typed: str, replies: list[dict]):
    """The file's value of a typed reply (ValueError saying what is expected).

    >>> reply_value(UnknownFact.at("experiences[0].months"), "24,5", [])
    24.5
    >>> reply_value(UnknownFact.at("experiences[0].field"), "2", [{"reply": "in"}, {"reply": "out"}])
    'out'
    """
    if fact.choices is not None:
        if typed.isascii() and typed.isdigit() and 1 <= int(typed) <= len(replies):
            key = replies[int(typed) - 1]["reply"]
            return {"true": True, "false": False}.get(key, key)
        if fact.key == "report" and typed in YES | NO:
            return typed in YES
        if fact.key == "field" and typed in YES | NO:
            return "in" if typed in YES else "out"
        value = WORDS.get(fact.key, {}).get(typed, typed)
        if value in fact.choices:
            return value
        raise ValueError(f"attendu le numéro d'une réponse, ou l'une de : {', '.join(map(str, fact.choices))}")
    if fact.key == "decided_internship_months" and typed in NO_DECISION:
        return None
    if not NUMBER.match(typed):
        raise ValueError("attendu un nombre (virgule décimale permise, ex. 24,5)")
    number = float(typed.replace(",", "."))
    return int(number) if number.is_integer() and fact.key != "time_share" else number


def starting_file(periods: int) -> PartialProfile:
    """A file of `periods` experiences whose durations, fields, kinds and levels are all unknown."""
    experiences = [{"label": f"Expérience {n}", "months": "unknown", "field": "unknown", "kind": "unknown",
                    "level": "unknown"} for n in range(1, periods + 1)]
    return read_candidate({"experiences": experiences})


def ask_periods(ask: Callable[[str], str], say: Callable[[str], None]) -> int | None:
    """How many periods of experience the candidate has (None: the adviser stops)."""
    while True:
        try:
            typed = ask("Combien de périodes d'expérience professionnelle le candidat a-t-il ? ").strip().lower()
        except EOFError:
            return None
        if typed in STOP:
            return None
        if typed.isascii() and typed.isdigit() and 1 <= int(typed) <= 20:
            return int(typed)
        say("Réponse non comprise : attendu un nombre entre 1 et 20.")


def save(profile: Profile | PartialProfile, path: str) -> None:
    """The file as YAML (the facts still unknown written `unknown`)."""
    import yaml

    text = yaml.safe_dump(profile.to_dict(), allow_unicode=True, sort_keys=False, default_flow_style=False)
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")
