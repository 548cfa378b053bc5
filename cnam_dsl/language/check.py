"""Check parsed rule files and build the rule base (`model.RuleBase`), or diagnostics."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from . import nodes as n
from ..diagnostics import Diagnostic, sort_key
from .model import (
    PROFESSIONAL_KINDS, Certification, CheckRule, DiplomaInfo, EarlyReviewRule, Example, ExperienceRule,
    Expected, GeneralRule, InternshipRule, ModulationRule, Pathway, Provenance, RequestLimitRule,
    RuleBase, SourceInfo, VaeRules,
)
from .parse import parse_file, parse_text

DURATION_UNITS = {"mois": Fraction(1), "an": Fraction(12), "ans": Fraction(12)}
MAX_RULE_FILE_BYTES = 1_000_000
# A source document is a plain file beside its rule file: no folder, no "..", no control character.
SAFE_DOCUMENT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,200}")
MAX_RULE_FILES = 2_000
MAX_BLOCKS = 10_000  # blocks (voie, reprise, exemple...) in one rule base; the shipped one has about 100

# Which statements each kind of block may hold.
ALLOWED = {
    "source": (n.Title, n.Document),
    "diploma": (n.Milestones,),
    "pathway": (n.Milestones, n.ExperienceRequirement, n.InternshipRequirement, n.DecidedBy,
                n.Modulation, n.ReportRequired, n.InternshipWaiver, n.InternshipInField, n.Validity),
    "reuse": (n.Milestones, n.Validity),
    "general": (n.InternshipAloneInsufficient,),
    "early": (n.EarlyReviewCondition, n.CommissionDecides),
    "vae": (n.ExperienceRequirement, n.RequestLimit, n.Validity),
    "certification": (),
    "check": (n.CheckText, n.ExampleTarget, n.CheckWhenInternship),
    "example": (n.ExampleTarget, n.ExampleCertification, n.ExperienceFact, n.InternshipFact,
                n.UeFact, n.DecisionFact, n.ComplementFact, n.DutiesFact, n.RequestFact, n.Expectation),
}
BLOCK_FR = {
    "source": "source", "diploma": "diplôme", "pathway": "voie", "reuse": "reprise",
    "general": "règle générale", "early": "examen anticipé", "vae": "vae",
    "certification": "certification du Cnam", "check": "à vérifier", "example": "exemple",
}


def normalize_quote(text: str) -> str:
    """Fold typography so a quote matches its document whatever the apostrophes and spaces.

    >>> normalize_quote("l’expérience  est\\u00a0« hors »")
    "l'experience est hors"
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("«", " ").replace("»", " ").replace("•", " ")
    return " ".join(text.lower().split())


def rule_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.cnr") if p.is_file())


def load_rule_base(root: Path) -> tuple[RuleBase | None, list[Diagnostic]]:
    """Parse and check every `.cnr` file under root; the rule base is None on any error."""
    root = Path(root)
    if not root.is_dir():
        span = n.Span(str(root), 1, 1, 1, 1)
        return None, [Diagnostic("error", "E002", "dossier de règles introuvable", span)]
    return check_files(rule_files(root), root)


def check_files(paths: list[Path], root: Path | None = None,
                overrides: dict[Path, str] | None = None) -> tuple[RuleBase | None, list[Diagnostic]]:
    """Check files together; `overrides` gives, by resolved path, a text to read instead of the
    file's (an editor's unsaved buffer, a formatter's result)."""
    parsed, diagnostics, texts = [], [], {}
    for path in paths[:MAX_RULE_FILES]:
        display = _display(path, root)
        text = (overrides or {}).get(path.resolve())
        size = len(text.encode("utf-8")) if text is not None else path.stat().st_size
        if size > MAX_RULE_FILE_BYTES:
            diagnostics.append(Diagnostic("error", "E003", "fichier de règles trop volumineux (1 Mo au plus)",
                                          n.Span(display, 1, 1, 1, 1)))
            continue
        rule_file, diags = parse_file(path, display) if text is None else parse_text(text, display)
        diagnostics += diags
        try:
            texts[display] = text if text is not None else path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
        if rule_file is not None:
            parsed.append((path, rule_file))
    if len(paths) > MAX_RULE_FILES:
        diagnostics.append(Diagnostic("error", "E004", f"plus de {MAX_RULE_FILES} fichiers de règles",
                                      n.Span(str(root), 1, 1, 1, 1)))
    too_many = _block_beyond_limit(parsed)
    if too_many is not None:
        diagnostics.append(Diagnostic("error", "E005", f"trop de blocs dans la base de règles (au plus "
                                      f"{MAX_BLOCKS}) : ce bloc et les suivants ne sont pas lus", too_many))
        diagnostics.sort(key=sort_key)
        return None, diagnostics
    base, found = build_base(parsed, texts)
    diagnostics += found
    diagnostics.sort(key=sort_key)
    if any(d.is_error for d in diagnostics):
        return None, diagnostics
    return base, diagnostics


def build_base(parsed: list[tuple[Path, n.RuleFile]], texts: dict[str, str]) -> tuple[RuleBase, list[Diagnostic]]:
    """The rule base of parsed files, whatever the checks find (their diagnostics beside it): `check_files`
    keeps it only without error; an editor may show a file's blocks with it while the file is being typed."""
    builder = Builder()
    for path, rule_file in parsed:
        builder.add_file(path, rule_file)
    base = builder.finish()
    base.texts.update(texts)
    return base, builder.diagnostics


def _block_beyond_limit(parsed: list[tuple[Path, n.RuleFile]]) -> n.Span | None:
    """The span of the first block past MAX_BLOCKS over all the files, or None within the limit."""
    seen = 0
    for _, rule_file in parsed:
        if seen + len(rule_file.blocks) > MAX_BLOCKS:
            return rule_file.blocks[MAX_BLOCKS - seen].span
        seen += len(rule_file.blocks)
    return None


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(Path(root.resolve().name) / path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


@dataclass
class Builder:
    """Collects blocks of all files, then resolves ids and builds the rule base."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, SourceInfo] = field(default_factory=dict)
    diplomas: dict[str, DiplomaInfo] = field(default_factory=dict)
    pending: list[tuple[str, n.Block, Path]] = field(default_factory=list)
    texts_by_source: dict[str, str | None] = field(default_factory=dict)
    quotes_checked: set[n.Span] = field(default_factory=set)

    def error(self, code: str, message: str, span: n.Span, related=()) -> None:
        self.diagnostics.append(Diagnostic("error", code, message, span, tuple(related)))

    def warning(self, code: str, message: str, span: n.Span, related=()) -> None:
        self.diagnostics.append(Diagnostic("warning", code, message, span, tuple(related)))

    # ------------------------------------------------------------ first pass

    def add_file(self, path: Path, rule_file: n.RuleFile) -> None:
        blocks = rule_file.blocks
        if not blocks:
            return
        first = blocks[0]
        if first.kind != "source" and any(b.kind != "diploma" for b in blocks):
            self.error("E200", "un fichier de règles commence par « source <identifiant> »", first.span)
            return
        source = first.name if first.kind == "source" else None
        for block in blocks:
            self._check_statements(block)
            if block.kind == "source":
                if block is not first:
                    self.error("E200", "une seule ligne « source » par fichier, en tête", block.span)
                    continue
                self._declare_source(block, path)
            elif block.kind == "diploma":
                self._declare_diploma(block)
            else:
                self.pending.append((source, block, path))

    def _check_statements(self, block: n.Block) -> None:
        for st in block.statements:
            if not isinstance(st.body, ALLOWED[block.kind]):
                self.error("E220", f"instruction non permise dans un bloc « {BLOCK_FR[block.kind]} »", st.span)

    def _declare_source(self, block: n.Block, path: Path) -> None:
        title = _first(block, n.Title)
        document = _first(block, n.Document)
        known = self.sources.get(block.name)
        if known is not None and (title or document) and (known.title or known.document):
            self.error("E201", f"la source « {block.name} » est déjà décrite (titre, document)",
                       block.name_span, [("décrite ici", known.span)])
            return
        if path.parent.name != block.name and path.parent.name in self.sources:
            self.warning("W202", f"le fichier est dans le dossier « {path.parent.name} » mais déclare la "
                                 f"source « {block.name} »", block.name_span)
        if known is not None and not (title or document):
            return
        text = None
        if document is not None and not SAFE_DOCUMENT_NAME.fullmatch(document.path):
            self.error("E243", f"nom de document invalide « {document.path[:60]} » : attendu un nom de fichier "
                               "du dossier de la source (lettres, chiffres, . _ -)", document.span)
            document = None
        if document is not None:
            doc_path = path.parent / document.path
            try:
                text = doc_path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self.error("E242", f"document source illisible : {document.path}", document.span)
        self.sources[block.name] = SourceInfo(block.name, title.text if title else None,
                                              document.path if document else None, text, block.name_span)
        self.texts_by_source[block.name] = normalize_quote(text) if text else None

    def _declare_diploma(self, block: n.Block) -> None:
        if block.name in self.diplomas:
            self.error("E202", f"diplôme « {block.name} » déclaré deux fois", block.name_span,
                       [("première déclaration", self.diplomas[block.name].span)])
            return
        declared = _first(block, n.Milestones)
        milestones = ("delivery",) + tuple(m for m in (declared.ids if declared else ()) if m != "delivery")
        self.diplomas[block.name] = DiplomaInfo(block.name, block.label or block.name, milestones, block.name_span)

    # ------------------------------------------------------------ second pass

    def finish(self) -> RuleBase:
        pathways, generals, early, vae, examples, checks, certifications = [], [], [], [], [], [], []
        reuses = []
        seen: dict[tuple[str, str], n.Span] = {}
        for source, block, path in self.pending:
            if source not in self.sources:
                self.error("E212", f"source inconnue : « {source} »", block.span)
                continue
            if block.kind in ("pathway", "vae", "general", "check", "certification") and block.name is not None:
                key = (source, block.name)
                if key in seen:
                    self.error("E203", f"identifiant « {block.name} » déjà utilisé dans la source {source}",
                               block.name_span, [("première utilisation", seen[key])])
                    continue
                seen[key] = block.name_span
            if block.kind == "pathway":
                pathway = self._pathway(source, block)
                if pathway is not None:
                    pathways.append(pathway)
            elif block.kind == "reuse":
                reuses.append((source, block))
            elif block.kind == "general":
                generals.append(self._general(source, block))
            elif block.kind == "early":
                early.append(self._early(source, block))
            elif block.kind == "vae":
                vae.append(self._vae(source, block))
            elif block.kind == "check":
                checks.append((source, block))
            elif block.kind == "certification":
                certifications.append(Certification(block.name, block.label, source,
                                                    self._provenance(source, block, None)))
            elif block.kind == "example":
                examples.append((source, block))
        pathways += self._resolve_reuses(reuses, pathways)
        built_checks = tuple(c for c in (self._check(s, b) for s, b in checks) if c is not None)
        built = [e for e in (self._example(s, b) for s, b in examples) if e is not None]
        self._check_duplicate_early(early)
        return RuleBase(self.sources, self.diplomas, tuple(pathways), tuple(generals),
                        tuple(e for e in early if e), tuple(vae), tuple(built), checks=built_checks,
                        certifications=tuple(certifications))

    def _check(self, source: str, block: n.Block) -> CheckRule | None:
        """An `à vérifier` block: what the adviser must check, for which diplomas, whether only with a stage."""
        text = _first(block, n.CheckText)
        if text is None:
            self.error("E254", "un bloc « à vérifier » dit ce qu'il faut vérifier : texte « … »", block.span)
            return None
        target = _first(block, n.ExampleTarget)
        diplomas = (target.diploma, *target.others) if target else ()
        if target is not None and (target.milestone is not None
                                   or not all(self._known_diploma(d, target.span) for d in diplomas)):
            return None
        return CheckRule(f"{source}/{block.name}", source, text.text, diplomas,
                         _first(block, n.CheckWhenInternship) is not None, self._provenance(source, block, None))

    def _provenance(self, source: str, block: n.Block, statement: n.Statement | None) -> Provenance:
        citation = (statement.citation if statement else None) or block.citation
        span = statement.span if statement else block.span
        if citation is None:
            what = "cette instruction" if statement else f"ce bloc « {BLOCK_FR[block.kind]} »"
            self.error("E240", f"{what} ne cite aucun passage de la source (ajoutez « selon « … » »)",
                       span if statement else block.span)
            return Provenance(source, "", span)
        self._check_quote(source, citation)
        return Provenance(source, citation.quote, span)

    def _check_quote(self, source: str, citation: n.Citation) -> None:
        text = self.texts_by_source.get(source)
        if text is None or citation.span in self.quotes_checked:
            return
        self.quotes_checked.add(citation.span)
        if normalize_quote(citation.quote) not in text:
            self.error("E241", f"citation introuvable dans le document de la source {source}", citation.span)

    def _months(self, q: n.Quantity | None) -> Fraction | None:
        if q is None:
            return None
        factor = DURATION_UNITS.get(q.unit or "mois")
        if factor is None:
            self.error("E230", f"unité « {q.unit} » incorrecte pour une durée ; attendu mois, an ou ans", q.span)
            return q.value
        return q.value * factor

    def _count(self, q: n.Quantity, units: tuple[str, ...], what: str) -> int:
        if q.unit not in units:
            self.error("E230", f"unité « {q.unit} » incorrecte pour {what} ; attendu {' ou '.join(units)}", q.span)
        if q.value.denominator != 1:
            self.error("E233", f"{what} : un nombre entier est attendu", q.span)
        return int(q.value)

    def _milestones_of(self, block: n.Block, diploma: str) -> tuple[str, ...]:
        stated = _first(block, n.Milestones)
        milestones = stated.ids if stated else ("delivery",)
        info = self.diplomas.get(diploma)
        for m in milestones:
            if info is not None and m not in info.milestones:
                self.error("E211", f"le diplôme {diploma} n'a pas de jalon « {m} »", stated.span,
                           [("diplôme déclaré ici", info.span)])
        return milestones

    def _known_diploma(self, diploma: str, span: n.Span) -> bool:
        if diploma in self.diplomas:
            return True
        known = ", ".join(sorted(self.diplomas)) or "aucun"
        self.error("E210", f"diplôme inconnu : « {diploma} » (connus : {known})", span)
        return False

    def _pathway(self, source: str, block: n.Block) -> Pathway | None:
        if not self._known_diploma(block.target, block.target_span):
            return None
        header = self._provenance(source, block, None)
        key = f"{source}/{block.name}"
        experience = tuple(
            self._experience(f"{key}@{st.span.line}", source, block, st)
            for st in block.statements if isinstance(st.body, n.ExperienceRequirement)
        )
        internship = self._internship(key, source, block)
        valid_from, valid_until = self._validity(block)
        return Pathway(key, block.name, source, block.target, self._milestones_of(block, block.target),
                       experience, internship, valid_from, valid_until, header)

    def _experience(self, key: str, source: str, block: n.Block, st: n.Statement) -> ExperienceRule:
        req: n.ExperienceRequirement = st.body
        kinds = req.kinds or PROFESSIONAL_KINDS
        least = self._months(req.least)
        if least is not None and least <= 0:
            self.error("E234", "une durée exigée doit être positive", req.least.span)
        return ExperienceRule(key, req.in_field, frozenset(kinds), req.sufficient_level, req.full_time,
                              least, self._provenance(source, block, st))

    def _internship(self, key: str, source: str, block: n.Block) -> InternshipRule | None:
        stages = [st for st in block.statements if isinstance(st.body, n.InternshipRequirement)]
        extras = {t: [st for st in block.statements if isinstance(st.body, t)]
                  for t in (n.DecidedBy, n.Modulation, n.ReportRequired, n.InternshipWaiver, n.InternshipInField)}
        if len(stages) > 1:
            self.error("E250", "une voie exige au plus un stage", stages[1].span, [("premier stage", stages[0].span)])
        if not stages:
            for sts in extras.values():
                for st in sts:
                    self.error("E251", "cette précision porte sur un stage, mais la voie n'en exige aucun", st.span)
            return None
        st = stages[0]
        req: n.InternshipRequirement = st.body
        least, most, standard = self._months(req.least), self._months(req.most), self._months(req.standard)
        if least is not None and most is not None and least > most:
            self.error("E231", f"durée minimale ({_fmt(least)} mois) supérieure à la durée maximale "
                               f"({_fmt(most)} mois)", st.span)
        modulation = None
        if extras[n.Modulation]:
            mst = extras[n.Modulation][0]
            floor = self._months(mst.body.floor)
            ceiling = most if most is not None else standard
            if ceiling is not None and floor > ceiling:
                self.error("E231", f"la modulation descend à {_fmt(floor)} mois, au-dessus de la durée "
                                   f"maximale ({_fmt(ceiling)} mois)", mst.span, [("stage exigé ici", st.span)])
            modulation = ModulationRule(f"{key}@{mst.span.line}", mst.body.authority, floor,
                                        self._provenance(source, block, mst))
        decided = extras[n.DecidedBy][0] if extras[n.DecidedBy] else None
        report = extras[n.ReportRequired][0] if extras[n.ReportRequired] else None
        waiver = extras[n.InternshipWaiver][0] if extras[n.InternshipWaiver] else None
        related = extras[n.InternshipInField][0] if extras[n.InternshipInField] else None
        decided_by = decided.body.authority if decided else (modulation.authority if modulation else None)
        return InternshipRule(
            f"{key}@{st.span.line}", least, most, standard, req.in_field or related is not None, req.report,
            decided_by, modulation, self._provenance(source, block, st),
            self._provenance(source, block, report) if report else None,
            self._provenance(source, block, decided) if decided else None,
            self._provenance(source, block, waiver) if waiver else None,
            self._provenance(source, block, related) if related else None,
        )

    def _validity(self, block: n.Block):
        validity = _first(block, n.Validity)
        if validity is None:
            return None, None
        if validity.start and validity.end and validity.start > validity.end:
            self.error("E232", "période de validité vide : la date de début suit la date de fin", validity.span)
        return validity.start, validity.end

    def _general(self, source: str, block: n.Block) -> GeneralRule:
        st = block.statements[0] if block.statements else None
        if st is None:
            self.error("E252", "règle générale vide : attendu « un stage seul ne suffit jamais »", block.span)
        return GeneralRule(f"{source}/{block.name}", source, self._provenance(source, block, st))

    def _early(self, source: str, block: n.Block) -> EarlyReviewRule | None:
        st = _first_statement(block, n.EarlyReviewCondition)
        if st is None:
            self.error("E253", "attendu « possible avec au moins N UE » ou « possible sans condition »", block.span)
            return None
        least = self._count(st.body.least, ("UE",), "un nombre d'UE") if st.body.least else None
        commission = _first_statement(block, n.CommissionDecides)
        return EarlyReviewRule(f"{source}/examen-anticipe", source, least, self._provenance(source, block, st),
                               self._provenance(source, block, commission) if commission else None)

    def _check_duplicate_early(self, early: list) -> None:
        by_source = defaultdict(list)
        for e in early:
            if e is not None:
                by_source[e.source].append(e)
        for rules in by_source.values():
            for extra in rules[1:]:
                self.error("E203", "examen anticipé déjà décrit pour cette source", extra.provenance.span,
                           [("première description", rules[0].provenance.span)])

    def _vae(self, source: str, block: n.Block) -> VaeRules:
        key = f"{source}/{block.name}"
        experience = tuple(self._experience(f"{key}@{st.span.line}", source, block, st)
                           for st in block.statements if isinstance(st.body, n.ExperienceRequirement))
        limits = tuple(
            RequestLimitRule(f"{key}@{st.span.line}",
                             self._count(st.body.most, ("demande", "demandes"), "un nombre de demandes"),
                             st.body.per_certification, self._provenance(source, block, st))
            for st in block.statements if isinstance(st.body, n.RequestLimit)
        )
        valid_from, valid_until = self._validity(block)
        return VaeRules(key, source, experience, limits, valid_from, valid_until,
                        self._provenance(source, block, None))

    def _resolve_reuses(self, reuses, pathways: list[Pathway]) -> list[Pathway]:
        copies = []
        for source, block in reuses:
            if not (self._known_diploma(block.name, block.name_span)
                    and self._known_diploma(block.target, block.target_span)):
                continue
            header = self._provenance(source, block, None)
            milestones = self._milestones_of(block, block.name)
            models = [p for p in pathways if p.source == source and p.diploma == block.target]
            if not models:
                self.error("E213", f"la source {source} n'a aucune voie pour « {block.target} » à reprendre",
                           block.target_span)
            for p in models:
                shared = tuple(m for m in milestones if m in p.milestones)
                if shared:
                    copies.append(Pathway(f"{p.key}->{block.name}", p.name, source, block.name, shared,
                                          p.experience, p.internship, p.valid_from, p.valid_until,
                                          header, reused_from=p.key))
        return copies

    # ------------------------------------------------------------ examples

    def _example(self, source: str, block: n.Block) -> Example | None:
        target = _first(block, n.ExampleTarget)
        cert = _first(block, n.ExampleCertification)
        expected = tuple(Expected(e.kind, self._months(e.least), self._months(e.most),
                                  self._months(e.missing), e.early, e.span, e.authority)
                         for e in _all(block, n.Expectation))
        if (target is None) == (cert is None):
            self.error("E260", "un exemple indique « pour <diplôme> » ou « certification <code> »", block.span)
            return None
        if not expected:
            self.error("E261", "un exemple indique au moins une réponse « attendu … »", block.span)
            return None
        if target is not None and not self._known_diploma(target.diploma, target.span):
            return None
        if target is not None and target.others:
            self.error("E263", "un exemple porte sur un seul diplôme", target.span)
            return None
        milestone = (target.milestone if target else None) or "delivery"
        if target is not None and milestone not in self.diplomas[target.diploma].milestones:
            self.error("E211", f"le diplôme {target.diploma} n'a pas de jalon « {milestone} »", target.span)
            return None
        return Example(block.label, source, target.diploma if target else None, milestone,
                       cert.code if cert else None, cert.year if cert else None,
                       self._example_candidate(block), expected, block.span)

    def _example_candidate(self, block: n.Block) -> dict:
        """The candidate of a worked example, as a candidate file's data (read by the candidate reader)."""
        for f in _all(block, n.ExperienceFact):
            if not 0 < f.share <= 1:
                self.error("E235", "la part du temps plein est comprise entre 0 et 100 %", f.span)
        experiences = [{"months": _number(self._months(f.duration)), "time_share": _number(f.share),
                        "field": "in" if f.in_field else "out", "kind": f.kind,
                        "level": "sufficient" if f.sufficient_level else "insufficient"}
                       for f in _all(block, n.ExperienceFact)]
        internships = [{"months": _number(self._months(f.duration)), "field": "in" if f.in_field else "out",
                        "report": f.report} for f in _all(block, n.InternshipFact)]
        ue = _first(block, n.UeFact)
        decision = _first(block, n.DecisionFact)
        complement = _first(block, n.ComplementFact)
        data: dict = {"experiences": experiences, "internships": internships,
                      "vae_requests": [{"certification": f.code, "year": f.year} for f in _all(block, n.RequestFact)]}
        if ue:
            data["ue_acquired"] = int(ue.count)
        if decision:
            data["decided_internship_months"] = _number(self._months(decision.duration))
        if complement:
            data["decided_experience_months"] = _number(self._months(complement.duration))
        authorities = {f.authority for f in (decision, complement) if f is not None and f.authority}
        if len(authorities) > 1:
            self.error("E262", "une seule autorité décide pour un candidat (le jury, le Cnam ou la commission)",
                       block.span)
        if authorities:
            data["decided_by"] = authorities.pop()
        if _first(block, n.DutiesFact):
            data["entered_duties"] = True
        return data


def _number(value: Fraction) -> int | float:
    """A rule file's number as a candidate file writes it (an int when whole)."""
    return int(value) if Fraction(value).denominator == 1 else float(value)


def _first(block: n.Block, kind):
    return next((st.body for st in block.statements if isinstance(st.body, kind)), None)


def _first_statement(block: n.Block, kind) -> n.Statement | None:
    return next((st for st in block.statements if isinstance(st.body, kind)), None)


def _all(block: n.Block, kind) -> list:
    return [st.body for st in block.statements if isinstance(st.body, kind)]


def _fmt(value: Fraction) -> str:
    return str(int(value)) if value.denominator == 1 else f"{float(value):g}"

