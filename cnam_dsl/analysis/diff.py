"""Compare two sources, or two versions of the rule base: divergences with witness candidates, checked by the engine.

`solve.diff` finds, with Z3, each kind of candidate the two sides answer
differently and the plainest witness of it. Here each witness becomes a
candidate file (`Profile.to_dict()`), both sides answer it through the real
engine (`explain.missing_answer`, as `cnam missing` would), and only the
witnesses on which those answers really differ are reported, with the rule
lines that make the difference and the band of candidates it holds for.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

from ..answer.describe import KIND_FR, months_fr, profile_facts_fr
from ..answer.explain import comparable, missing_answer, number
from ..request import FieldError, RequestError, missing_question
from ..language.model import MILESTONE_FR, MILESTONES, Pathway, RuleBase, milestone_id
from ..candidate import Experience, InternshipDone, Profile, facts_of, read_profile
from ..solve import Engine
from ..solve.witness import Band, DivergenceSearch, Found, Side
from ..solve.terms import DECISION

TIER_FR = {
    "plain": "",
    "internships": "avec des stages déjà effectués",
    "decision": "avec une durée de stage décidée",
}


@dataclass(frozen=True)
class RuleSet:
    """A checked rule base under a label (a folder, a git revision) with its engine."""

    label: str
    base: RuleBase
    engine: Engine


@dataclass(frozen=True)
class Party:
    """One side of a comparison: a source of a rule set, answering under a label."""

    label: str
    rules: RuleSet
    source: str


@dataclass(frozen=True)
class Comparison:
    """One diploma at one milestone, answered by two parties."""

    diploma: str
    milestone: str
    left: Party
    right: Party

    @property
    def source(self) -> str | None:
        """The source compared with itself across two rule sets; None when two sources are compared."""
        return self.left.source if self.left.source == self.right.source else None

    def side(self, party: Party, on: date) -> Side:
        return Side(party.label, party.rules.engine.traced((party.source,), self.diploma, self.milestone, on))


# ---------------------------------------------------------------- what to compare


def diff_report(args, on: date, load) -> tuple[dict, dict[str, str]]:
    """The report `cnam diff` prints, and the diplomas' names; `load(path)` checks a rule folder.

    `args` carries the command-line options: rules, sources, against, against_rev,
    diploma, milestone.
    """
    from ..paths import default_rules_dir

    root = args.rules or default_rules_dir()
    label = str(args.rules) if args.rules else "base livrée"
    milestone = milestone_id(args.milestone) if args.milestone else None  # its id or its French word
    if args.against is not None and args.against_rev is not None:
        raise RequestError([FieldError("against", "--against et --against-rev : choisissez l'une des deux options")])
    if args.against is None and args.against_rev is None:
        rules = _rule_set(label, root, load)
        report = compare(source_comparisons(rules, args.sources or [], args.diploma, milestone, on), on)
        return report, _names(rules.base)
    with tempfile.TemporaryDirectory(prefix="cnam-diff-") as tmp:
        if args.against_rev is not None:
            old = _rule_set(args.against_rev, revision_rules(root, args.against_rev, Path(tmp)), load)
            new = _rule_set(f"{label} (copie de travail)", root, load)
        else:
            old = _rule_set(label, root, load)
            new = _rule_set(str(args.against) + (" (nouvelle)" if str(args.against) == label else ""),
                            args.against, load)
        comparisons, changes = rules_comparisons(old, new, args.sources, args.diploma, milestone, on)
        report = compare(comparisons, on, changes)
        report["sides"] = [old.label, new.label]
        return report, {**_names(old.base), **_names(new.base)}


def _rule_set(label: str, folder: Path, load) -> RuleSet:
    """A side of the comparison: `load(folder)` gives its `rules.Rules`."""
    rules = load(Path(folder))
    return RuleSet(label, rules.base, rules.engine)


def _names(base: RuleBase) -> dict[str, str]:
    return {d: info.name for d, info in base.diplomas.items()}



def source_comparisons(rules: RuleSet, sources: list[str], diploma: str | None, milestone: str | None,
                       on: date) -> list[Comparison]:
    """Every diploma and milestone both sources state requirements for (or the one asked for)."""
    if len(set(sources)) != 2:
        raise RequestError([FieldError("sources", "donnez exactement deux sources différentes à comparer "
                           "(--source A --source B)")])
    base = rules.base
    for s in sources:
        _known_source(s, [base])
    a, b = sources
    found = [Comparison(d, m, Party(a, rules, a), Party(b, rules, b))
             for d, m in _targets([base], diploma, milestone)
             if {a, b} <= set(base.sources_for(d, m, on))]
    if diploma is not None and not found:
        at = f" au jalon {milestone}" if milestone else ""
        raise RequestError([FieldError("diploma", f"les sources {a} et {b} n'énoncent pas toutes deux d'exigence pour "
                           f"{diploma}{at} à la date du {on.isoformat()}")])
    if not found:
        raise RequestError([FieldError("sources", nothing_shared(base, [a, b], milestone, on))])
    return found


def nothing_shared(base: RuleBase, sources: list[str], milestone: str | None, on: date) -> str:
    """Why two sources cannot be compared: the diplomas each states requirements for, none in common."""
    at = f" au jalon {milestone}" if milestone else ""
    stated = []
    for s in sources:
        diplomas = sorted({d for d, info in base.diplomas.items() for m in info.milestones
                           if milestone in (None, m) and s in base.sources_for(d, m, on)})
        vae = " (règles de recevabilité VAE seulement, que cnam diff ne compare pas)" if (
            not diplomas and s in base.vae_sources(on.year)) else ""
        stated.append(f"{s} : {', '.join(diplomas) or 'aucun diplôme'}{vae}")
    return (f"les sources {' et '.join(sources)} n'énoncent d'exigence pour aucun diplôme commun{at} à la date du "
            f"{on.isoformat()}, rien à comparer ({' ; '.join(stated)})")


def rules_comparisons(old: RuleSet, new: RuleSet, sources: list[str] | None, diploma: str | None,
                      milestone: str | None, on: date) -> tuple[list[Comparison], list[dict]]:
    """Each source's requirements in both versions, and what one version states and the other does not."""
    for s in sources or ():
        _known_source(s, [old.base, new.base])
    comparisons, changes = [], []
    for d, m in _targets([old.base, new.base], diploma, milestone):
        before = _stating(old.base, d, m, on, sources)
        after = _stating(new.base, d, m, on, sources)
        for s in sorted(before | after):
            if s in before and s in after:
                comparisons.append(Comparison(d, m, Party(old.label, old, s), Party(new.label, new, s)))
            else:
                changes.append({"diploma": d, "milestone": m, "source": s,
                                "change": "removed" if s in before else "added"})
    return comparisons, changes


def _stating(base: RuleBase, diploma: str, milestone: str, on: date, sources: list[str] | None) -> set[str]:
    if diploma not in base.diplomas or milestone not in base.diplomas[diploma].milestones:
        return set()
    return {s for s in base.sources_for(diploma, milestone, on) if not sources or s in sources}


def _known_source(source: str, bases: list[RuleBase]) -> None:
    known = sorted({s for b in bases for s in b.sources})
    if source not in known:
        raise RequestError([FieldError("sources", f"source inconnue « {source} » ; attendu l'une de : {', '.join(known)}")])


def _targets(bases: list[RuleBase], diploma: str | None, milestone: str | None) -> list[tuple[str, str]]:
    """(diploma, milestone) pairs declared by any of the bases, restricted to those asked for."""
    declared = {}
    for b in bases:
        for d, info in b.diplomas.items():
            declared.setdefault(d, set()).update(info.milestones)
    if diploma is not None and diploma not in declared:
        raise RequestError([FieldError("diploma", f"diplôme inconnu « {diploma} » ; attendu l'un de : "
                           + ", ".join(sorted(declared)))])
    if milestone is not None and milestone not in MILESTONES:
        raise RequestError([FieldError("milestone", f"jalon inconnu « {milestone} » ; attendu l'un de : " + ", ".join(MILESTONES))])
    if diploma is not None and milestone is not None and milestone not in declared[diploma]:
        raise RequestError([FieldError("milestone", f"le diplôme {diploma} n'a pas de jalon « {milestone} » ; attendu l'un de : "
                           + ", ".join(m for m in MILESTONES if m in declared[diploma]))])
    return [(d, m) for d in sorted(declared) if diploma in (None, d)
            for m in MILESTONES if m in declared[d] and milestone in (None, m)]


# ---------------------------------------------------------------- divergences


def compare(comparisons: list[Comparison], on: date, changes: list[dict] | None = None) -> dict:
    """The report of `cnam diff` (JSON-ready): every divergence found, each with its checked witness."""
    divergences, compared = [], []
    for c in comparisons:
        found = divergences_of(c, on)
        divergences += found
        compared.append({"diploma": c.diploma, "milestone": c.milestone, "source": c.source,
                         "sides": [c.left.label, c.right.label], "divergences": len(found)})
    sides = [comparisons[0].left.label, comparisons[0].right.label] if comparisons else []
    return {"date": on.isoformat(), "sides": sides, "compared": compared, "divergences": divergences,
            "changes": changes or []}


def divergences_of(c: Comparison, on: date) -> list[dict]:
    """Each kind of divergence of one comparison whose witness the engine confirms."""
    search = DivergenceSearch(c.side(c.left, on), c.side(c.right, on))
    entries = []
    while (found := search.next()) is not None:
        witness = witness_profile(found.values).to_dict()
        profile = read_profile(witness, origin="<témoin>")
        answers = {p.label: _answer(c, p, profile, on) for p in (c.left, c.right)}
        if comparable(answers[c.left.label]) == comparable(answers[c.right.label]):
            search.reject(found)
            continue
        entries.append(_entry(c, found, witness, profile, answers, on))
    return entries


def _answer(c: Comparison, party: Party, profile: Profile, on: date) -> dict:
    question = missing_question(party.rules.base, {"diploma": c.diploma, "sources": [party.source],
                                                   "milestone": c.milestone, "date": on.isoformat()}, on, profile)
    answer = missing_answer(party.rules.engine, question)
    return {k: answer[k] for k in ("status", "internship", "missing_months")}


def _entry(c: Comparison, found: Found, witness: dict, profile: Profile, answers: dict, on: date) -> dict:
    rules = []
    for party in (c.left, c.right):
        pathways = party.rules.base.pathways_for(party.source, c.diploma, c.milestone, on)
        for prov in decisive_rules(pathways, profile, answers[party.label]["status"]):
            rules.append({"file": prov.file, "line": prov.line, "source": prov.source, "side": party.label})
    return {
        "diploma": c.diploma,
        "milestone": c.milestone,
        "source": c.source,
        "situation": found.tier,
        "witness": witness,
        "facts": profile_facts_fr(profile),
        "answers": answers,
        "rules": rules,
        "bands": [band_json(b) for b in found.bands],
    }


def witness_profile(values: dict[str, Fraction]) -> Profile:
    """The candidate file of a witness: one period per category of experience, one per internship."""
    experiences, internships, decision = [], [], None
    for name, months in values.items():
        parts = name.split(":")
        if parts[0] == "exp":
            experiences.append(Experience(months=float(months), field=parts[1], kind=parts[2], level=parts[3]))
        elif parts[0] == "stage":
            internships.append(InternshipDone(months=float(months), field=parts[1], report=parts[2] == "report"))
        elif name == DECISION:
            decision = float(months)
    return Profile(decided_internship_months=decision, experiences=tuple(experiences),
                   internships=tuple(internships))


def decisive_rules(pathways: tuple[Pathway, ...], profile: Profile, status: str) -> list:
    """The rule lines that make a side's answer: what lets a pathway apply, what stops the better ones."""
    months = facts_of(profile, date.today()).experience  # a witness has no dates
    unmet = {p.key: [r.provenance for r in p.experience if not r.reached(r.counted(months))] for p in pathways}
    open_plain = [p for p in pathways if not unmet[p.key] and p.internship is None]
    open_staged = [p for p in pathways if not unmet[p.key] and p.internship is not None]
    if status == "satisfied":
        chosen = [_lines(p) for p in (open_plain or open_staged)]
    elif status == "internship":
        chosen = [_lines(p) for p in open_staged] + [unmet[p.key] for p in pathways if p.internship is None]
    else:
        chosen = [_lines(p) for p in open_staged] + [unmet[p.key] for p in pathways]
    seen, result = set(), []
    for prov in (prov for group in chosen for prov in group):
        if (prov.file, prov.line) not in seen:
            seen.add((prov.file, prov.line))
            result.append(prov)
    return sorted(result, key=lambda prov: (prov.file, prov.line))


def _lines(p: Pathway) -> list:
    lines = [r.provenance for r in p.experience]
    if p.internship is not None:
        lines.append(p.internship.provenance)
        if p.internship.modulation is not None:
            lines.append(p.internship.modulation.provenance)
    return lines or [p.provenance]


# ---------------------------------------------------------------- bands, in French


def fact_fr(name: str) -> str:
    """What a witness variable counts, after « N mois » (« d'expérience hors domaine »)."""
    if name == DECISION:
        return "de stage décidé"
    parts = name.split(":")
    if parts[0] == "stage":
        return ("de stage effectué" + (" dans le domaine" if parts[1] == "in" else "")
                + (", avec rapport" if parts[2] == "report" else ""))
    _, field_, kind, level = parts
    kind_fr = "" if kind == "salaried" else f" {KIND_FR[kind]}"
    where = " dans le domaine" if field_ == "in" else " hors domaine"
    return f"d'expérience{kind_fr}{where}" + (" de niveau insuffisant" if level == "insufficient" else "")


def whole_months(band: Band) -> tuple[int, int | None] | None:
    """The first and last whole months of a band (None for the last when it has no end)."""
    low = band.low
    first = int(low) if low.denominator == 1 and band.low_closed else int(low // 1) + 1
    if band.high is None:
        return first, None
    high = band.high
    last = int(high) if high.denominator == 1 and band.high_closed else -int(-high // 1) - 1
    return (first, last) if first <= last else None


def band_fr(band: Band) -> str:
    """A band in plain French.

    >>> band_fr(Band("exp:out:salaried:sufficient", Fraction(24), True, Fraction(36), False))
    "de 24 à 35 mois d'expérience hors domaine"
    >>> band_fr(Band("exp:in:self_employed:sufficient", Fraction(24), True, None, False))
    "24 mois ou plus d'expérience non salariée dans le domaine"
    """
    what = fact_fr(band.name)
    whole = whole_months(band)
    if whole is None:
        low = ("de " if band.low_closed else "de plus de ") + months_fr(band.low)
        high = ("à " if band.high_closed else "à moins de ") + months_fr(band.high)
        return f"{low} {high} {what}"
    first, last = whole
    if last is None:
        return f"{first} mois ou plus {what}" if first > 0 else f"toute durée {what}"
    if first == last:
        return f"exactement {first} mois {what}" if first else f"aucun mois {what}"
    return f"de {first} à {last} mois {what}"


def band_json(band: Band) -> dict:
    whole = whole_months(band)
    return {
        "fact": band.name,
        "from": whole[0] if whole else None,
        "to": whole[1] if whole else None,
        "low": number(band.low), "low_included": band.low_closed,
        "high": number(band.high), "high_included": band.high_closed,
        "text": band_fr(band),
    }


# ---------------------------------------------------------------- a git revision of the rule base


def revision_rules(rules_dir: Path, revision: str, into: Path) -> Path:
    """Extract the rule folder as it is at a git revision into `into`; the path of the copy."""
    rules_dir = Path(rules_dir).resolve()
    top = _git(rules_dir, "rev-parse", "--show-toplevel",
               failure=f"le dossier de règles {rules_dir} n'est pas dans un dépôt git").decode().strip()
    relative = rules_dir.relative_to(Path(top).resolve()).as_posix()
    _git(rules_dir, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}",
         failure=f"révision inconnue « {revision} »")
    archive = _git(rules_dir, "archive", "--format=tar", revision, "--", relative,
                   failure=f"la révision {revision} n'a pas de dossier {relative}", top=top)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    copy = Path(into) / relative
    if not copy.is_dir():
        raise RequestError([FieldError("against_rev", f"la révision {revision} n'a pas de dossier {relative}")])
    return copy


def _git(where: Path, *args: str, failure: str, top: str | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=top or where, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        raise RequestError([FieldError("against_rev", failure + " (git introuvable ou trop lent)")]) from None
    if done.returncode != 0:
        raise RequestError([FieldError("against_rev", failure)])
    return done.stdout


# ---------------------------------------------------------------- text for people


def diff_text(report: dict, names: dict[str, str]) -> str:
    """The report in French: one block per diploma and milestone, one item per divergence."""
    sides = " / ".join(report["sides"]) or "—"
    lines = [f"Comparaison : {sides} — règles en vigueur le {report['date']}"]
    by_target: dict[tuple, list[dict]] = {}
    for d in report["divergences"]:
        by_target.setdefault((d["diploma"], d["milestone"], d["source"]), []).append(d)
    same = []
    for c in report["compared"]:
        entries = by_target.get((c["diploma"], c["milestone"], c["source"]), [])
        if entries:
            lines += [""] + _target_text(c, entries, names)
        else:
            same.append(c["diploma"] + ("" if c["milestone"] == "delivery" else f" ({MILESTONE_FR[c['milestone']]})")
                        + (f" [{c['source']}]" if c["source"] else ""))
    if same:
        lines += ["", f"Mêmes réponses pour tous les candidats ({len(same)}) : " + " ; ".join(same) + "."]
    for change in report["changes"]:
        lines += ["", change_fr(change)]
    total = len(report["divergences"])
    lines += ["", f"{len(report['compared'])} diplôme(s) et jalon(s) comparé(s) : {total} divergence(s)"
              + (f", {len(report['changes'])} changement(s) de portée." if report["changes"] else ".")]
    return "\n".join(lines)


def _target_text(c: dict, entries: list[dict], names: dict[str, str]) -> list[str]:
    source = f" — source {c['source']}" if c["source"] else ""
    lines = [f"== {c['diploma']} ({names.get(c['diploma'], c['diploma'])}), "
             f"{MILESTONE_FR[c['milestone']]}{source} : {len(entries)} divergence(s)"]
    width = max(len(s) for s in c["sides"])
    tier = "plain"
    for k, e in enumerate(entries, 1):
        if e["situation"] != tier:
            tier = e["situation"]
            lines.append(f"  -- {TIER_FR[tier][0].upper()}{TIER_FR[tier][1:]} :")
        lines += _divergence_text(k, e, c["sides"], width)
    return lines


def _divergence_text(k: int, e: dict, sides: list[str], width: int) -> list[str]:
    from ..answer.present import short_answer

    lines = [f"  {k}. Candidat : {' ; '.join(e['facts'])}"]
    for side in sides:
        lines.append(f"       {side.ljust(width)} : {short_answer(e['answers'][side])}")
    if e["bands"]:
        rest = " (le reste inchangé)" if len(e["bands"]) > 1 or len(e["facts"]) > 1 else ""
        lines.append(f"     Même écart{rest} : " + " ; ".join(b["text"] for b in e["bands"]) + ".")
    for side in sides:
        cited = _cited(e["rules"], side)
        if cited:
            lines.append(f"     Règles ({side}) : {cited}")
    lines.append(f"     Fichier candidat : {json.dumps(e['witness'], ensure_ascii=False)}")
    return lines


def _cited(rules: list[dict], side: str) -> str:
    by_file: dict[str, list[str]] = {}
    for r in rules:
        if r["side"] == side:
            by_file.setdefault(r["file"], []).append(str(r["line"]))
    return " ; ".join(f"{f}:{', '.join(lines)}" for f, lines in by_file.items())


def change_fr(change: dict) -> str:
    where = f"{change['diploma']} ({MILESTONE_FR[change['milestone']]})"
    if change["change"] == "added":
        return f"Changement de portée : la source {change['source']} énonce désormais des exigences pour {where}."
    return f"Changement de portée : la source {change['source']} n'énonce plus d'exigence pour {where}."
