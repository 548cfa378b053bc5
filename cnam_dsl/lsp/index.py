"""What the language server knows of a rule base: where ids are defined and used, and what each rule says.

Positions are 1-based (line, column in characters), as in `nodes.Span`; the
server converts them to the editor's. Hovers use the wording of the
generated documentation (`answer.describe`, `describe.source_rules`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..language import nodes as n
from ..language.check import BLOCK_FR
from ..answer.describe import (
    SourceRule, expected_fr, milestones_fr, pathway_fr, profile_facts_fr, source_rules, validity_fr,
)
from ..language.model import RuleBase
from ..language.vocabulary import STATEMENTS, headers, keywords, milestones, units
from ..candidate import read_profile

ID_CHARS = re.compile(r"[a-z0-9][a-z0-9+\-]*")
EXAMPLE_TARGET = re.compile(r"pour\s+([a-z0-9](?:[a-z0-9+\-]*[a-z0-9+])?)")
BLOCK_KINDS = {"source": "source", "diplôme": "diploma", "voie": "pathway", "reprise": "reuse",
               "règle générale": "general", "examen anticipé": "early", "vae": "vae", "exemple": "example"}


@dataclass(frozen=True, slots=True)
class Occurrence:
    """An id written in a rule file: a diploma, a source, or the name a block defines."""

    kind: str  # diploma | source | pathway | general | vae
    name: str
    span: n.Span
    defines: bool


@dataclass(frozen=True, slots=True)
class Symbol:
    """An entry of a file's outline: a block, and its statements as children."""

    name: str
    detail: str
    kind: str  # the block's kind, or "statement"
    span: n.Span
    selection: n.Span
    children: tuple[Symbol, ...] = ()


@dataclass(frozen=True, slots=True)
class Completion:
    label: str
    kind: str  # keyword | statement | header | diploma | source | unit | milestone
    detail: str = ""


def contains(span: n.Span, line: int, column: int) -> bool:
    """Whether a position falls in a span (its end excluded, unless the span is empty)."""
    start, end = (span.line, span.column), (span.end_line, span.end_column)
    return start <= (line, column) < end or start == end == (line, column)


@dataclass
class Index:
    """Ids, rules and outlines of every file of a rule base, from its last parse and check."""

    files: dict[str, n.RuleFile]  # file -> parsed rules (of a file with a syntax error: its blocks that parse)
    texts: dict[str, str]  # file -> text as checked
    base: RuleBase | None  # the last rule base that checked without error
    occurrences: list[Occurrence] = field(default_factory=list)
    rules: list[SourceRule] = field(default_factory=list)

    @classmethod
    def build(cls, files: dict[str, n.RuleFile], texts: dict[str, str], base: RuleBase | None) -> Index:
        index = cls(files, texts, base)
        for file, rule_file in files.items():
            index.occurrences += _occurrences(rule_file, texts.get(file, ""))
        if base is not None:
            index.rules = [r for s in base.sources for r in source_rules(base, s)]
        return index

    # ------------------------------------------------------------ ids

    def occurrence_at(self, file: str, line: int, column: int) -> Occurrence | None:
        found = [o for o in self.occurrences if o.span.file == file and contains(o.span, line, column)]
        if found:
            return found[0]
        word = _word_at(self.texts.get(file, ""), line, column)
        if word is None or self._block_at(file, line, column) is not None:
            return None
        for kind in ("diploma", "source"):  # the block does not parse (yet): resolve the word by name
            if any(o.kind == kind and o.name == word for o in self.occurrences):
                return Occurrence(kind, word, n.Span(file, line, column, line, column), False)
        return None

    def definitions(self, occurrence: Occurrence) -> list[n.Span]:
        same = [o for o in self.occurrences if (o.kind, o.name) == (occurrence.kind, occurrence.name)]
        defining = [o.span for o in same if o.defines]
        return defining or [o.span for o in same][:1]

    def references(self, occurrence: Occurrence, include_declaration: bool = True) -> list[n.Span]:
        return [o.span for o in self.occurrences if (o.kind, o.name) == (occurrence.kind, occurrence.name)
                and (include_declaration or not o.defines)]

    # ------------------------------------------------------------ hover

    def hover(self, file: str, line: int, column: int) -> str | None:
        """Markdown in French: an id's meaning, else the rule under the cursor, else its block's rules."""
        occurrence = self.occurrence_at(file, line, column)
        if occurrence is not None and occurrence.kind == "diploma":
            return self.diploma_hover(occurrence.name)
        if occurrence is not None and occurrence.kind == "source":
            return self.source_hover(occurrence.name)
        rules = [r for r in self.rules if r.provenance.file == file and contains(r.provenance.span, line, column)]
        if rules:
            rule = min(rules, key=lambda r: (r.provenance.span.end_line - r.provenance.span.line))
            return _rule_markdown(rule)
        block = self._block_at(file, line, column)
        return self._block_hover(block) if block is not None else None

    def diploma_hover(self, diploma: str) -> str | None:
        if self.base is None or diploma not in self.base.diplomas:
            return None
        info = self.base.diplomas[diploma]
        lines = [f"**{info.name}** (`{diploma}`)", "", f"Jalons : {milestones_fr(info.milestones)}."]
        by_source = defaultdict(list)
        for p in self.base.pathways:
            if p.diploma == diploma:
                by_source[p.source].append(p)
        if not by_source:
            lines += ["", "Aucune source n'énonce d'exigence pour ce diplôme."]
        for source, pathways in sorted(by_source.items()):
            lines += ["", f"**{source}** — une voie au choix :"]
            for p in pathways:
                when = milestones_fr(p.milestones)
                reuse = f", reprise de {p.reused_from.split('/')[-1]}" if p.reused_from else ""
                validity = validity_fr(p.valid_from, p.valid_until)
                lines.append(f"- voie `{p.name}` ({when}{reuse}{', ' + validity if validity else ''}) : "
                             f"{pathway_fr(p)}.")
        return "\n".join(lines)

    def source_hover(self, source: str) -> str | None:
        if self.base is None or source not in self.base.sources:
            return None
        info = self.base.sources[source]
        lines = [f"**Source `{source}`**" + (f" — {info.title}" if info.title else "")]
        if info.document:
            lines += ["", f"Document : `{info.document}`"]
        count = sum(1 for p in self.base.pathways if p.source == source and p.reused_from is None)
        lines += ["", f"{count} voie(s) encodée(s)."]
        return "\n".join(lines)

    def _block_at(self, file: str, line: int, column: int) -> n.Block | None:
        rule_file = self.files.get(file)
        if rule_file is None:
            return None
        return next((b for b in rule_file.blocks if contains(b.span, line, column)), None)

    def _block_hover(self, block: n.Block) -> str | None:
        inside = [r for r in self.rules if r.provenance.file == block.span.file
                  and contains(block.span, r.provenance.span.line, r.provenance.span.column)]
        if inside:
            return f"**{inside[0].heading}**\n\n" + "\n".join(f"- {r.text}" for r in inside)
        if block.kind == "example" and self.base is not None:
            return self._example_hover(block)
        if block.kind == "diploma" and block.name is not None:
            return self.diploma_hover(block.name)
        return None

    def _example_hover(self, block: n.Block) -> str | None:
        example = next((e for e in self.base.examples if e.span == block.span), None)
        if example is None:
            return None
        question = f"pour {example.diploma}" if example.diploma else f"VAE {example.certification}"
        facts = " ; ".join(profile_facts_fr(read_profile(example.candidate)))
        expected = " ; ".join(expected_fr(e) for e in example.expected)
        return (f"**Exemple « {example.title} »** ({question})\n\nFaits : {facts}.\n\n"
                f"Réponse attendue : {expected} (vérifiée par `cnam check`).")

    # ------------------------------------------------------------ outline

    def symbols(self, file: str) -> list[Symbol]:
        rule_file = self.files.get(file)
        if rule_file is None:
            return []
        lines = self.texts.get(file, "").split("\n")
        return [_block_symbol(b, lines) for b in rule_file.blocks]

    # ------------------------------------------------------------ completion

    def completions(self, file: str, line: int, column: int) -> list[Completion]:
        """What may be written at a position: the right kind of words first, everything else after."""
        lines = self.texts.get(file, "").split("\n")
        before = lines[line - 1][:column - 1] if 0 < line <= len(lines) else ""
        words = before.split()
        previous = (words if before.endswith((" ", "\t")) else words[:-1])[-1:]
        previous = previous[0] if previous else None
        if not words or (len(words) == 1 and not before.endswith(" ")):
            return self._line_starts(lines, line, indented=before[:1] in (" ", "\t"))
        if previous in ("pour", "reprise", "comme"):
            return self._ids("diploma")
        if previous == "source":
            return self._ids("source")
        if previous is not None and re.fullmatch(r"\d+(?:[.,]\d+)?", previous):
            return [Completion(u, "unit", "unité") for u in units()]
        if words[0].startswith("jalon") or previous == "jalon":
            return [Completion(m, "milestone", "jalon") for m in milestones()]
        return ([Completion(k, "keyword", "mot-clé") for k in sorted(keywords())]
                + self._ids("diploma") + [Completion(u, "unit", "unité") for u in units()])

    def _line_starts(self, lines: list[str], line: int, indented: bool) -> list[Completion]:
        kind = _block_kind_above(lines, line)
        statements = [Completion(s, "statement", f"instruction d'un bloc « {BLOCK_FR[kind]} »")
                      for s in STATEMENTS.get(kind, ())]
        header_items = [Completion(h, "header", "début de bloc") for h in headers()]
        return statements + header_items if indented else header_items + statements

    def _ids(self, kind: str) -> list[Completion]:
        names = sorted({o.name for o in self.occurrences if o.kind == kind})
        if kind == "diploma" and self.base is not None:
            return [Completion(d, "diploma", self.base.diplomas[d].name if d in self.base.diplomas else "diplôme")
                    for d in names]
        return [Completion(name, kind, "diplôme" if kind == "diploma" else "source") for name in names]


# ---------------------------------------------------------------- helpers


def _occurrences(rule_file: n.RuleFile, text: str) -> list[Occurrence]:
    blocks = rule_file.blocks
    source = blocks[0].name if blocks and blocks[0].kind == "source" else None
    found = []
    for block in blocks:
        if block.kind == "source":
            described = any(isinstance(s.body, (n.Title, n.Document)) for s in block.statements)
            found.append(Occurrence("source", block.name, block.name_span, described))
        elif block.kind == "diploma":
            found.append(Occurrence("diploma", block.name, block.name_span, True))
        elif block.kind == "pathway":
            found.append(Occurrence("pathway", f"{source}/{block.name}", block.name_span, True))
            found.append(Occurrence("diploma", block.target, block.target_span, False))
        elif block.kind == "reuse":
            found.append(Occurrence("diploma", block.name, block.name_span, False))
            found.append(Occurrence("diploma", block.target, block.target_span, False))
        elif block.kind in ("general", "vae"):
            found.append(Occurrence(block.kind, f"{source}/{block.name}", block.name_span, True))
        elif block.kind == "example":
            found += [o for s in block.statements if isinstance(s.body, n.ExampleTarget)
                      for o in [_example_target(s.body, text)] if o is not None]
    return found


def _example_target(target: n.ExampleTarget, text: str) -> Occurrence | None:
    """The diploma id of `pour <id>` in a worked example (the node keeps the statement's span only)."""
    lines = text.split("\n")
    span = target.span
    if not 0 < span.line <= len(lines):
        return None
    match = EXAMPLE_TARGET.match(lines[span.line - 1], span.column - 1)
    if match is None:
        return None
    start, end = match.span(1)
    return Occurrence("diploma", target.diploma, n.Span(span.file, span.line, start + 1, span.line, end + 1), False)


def _word_at(text: str, line: int, column: int) -> str | None:
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return None
    for match in ID_CHARS.finditer(lines[line - 1]):
        if match.start() < column <= match.end() + 1:
            return match.group(0)
    return None


def _block_kind_above(lines: list[str], line: int) -> str:
    """The kind of the block a line belongs to, read from the text (it may not parse while being typed)."""
    for text in reversed(lines[:line - 1]):
        for word, kind in BLOCK_KINDS.items():
            if text.startswith(word + " ") or text.rstrip() == word:
                return kind
    return "source"


def _rule_markdown(rule: SourceRule) -> str:
    quote = rule.provenance.quote
    cited = f"\n\n> « {quote} »\n\n— source `{rule.provenance.source}`" if quote else ""
    return f"**{rule.heading}**\n\n{rule.text}{cited}"


def _first_line(span: n.Span, lines: list[str]) -> n.Span:
    """A span cut to its first line and to the text on it (block spans run to the next block)."""
    text = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
    end = span.end_column if span.end_line == span.line else len(text.split("#")[0].rstrip()) + 1
    return n.Span(span.file, span.line, span.column, span.line, max(end, span.column))


def _block_symbol(block: n.Block, lines: list[str]) -> Symbol:
    header = _first_line(block.span, lines)
    name = f"{BLOCK_FR[block.kind]} {block.name}" if block.name else BLOCK_FR[block.kind]
    if block.kind == "example":
        name = f"exemple « {block.label} »"
    detail = f"pour {block.target}" if block.kind == "pathway" else (
        f"comme {block.target}" if block.kind == "reuse" else (block.label or ""))
    last = block.statements[-1].span if block.statements else header
    whole = n.Span(block.span.file, block.span.line, 1, last.line if block.statements else header.end_line,
                   _first_line(last, lines).end_column)
    children = tuple(
        Symbol(lines[s.span.line - 1].strip(), "", "statement", _first_line(s.span, lines),
               _first_line(s.span, lines))
        for s in block.statements if 0 < s.span.line <= len(lines)
    )
    return Symbol(name, detail, block.kind, whole, block.name_span or header, children)
