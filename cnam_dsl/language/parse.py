"""Parse rule-file text (grammar/cnr.lark) into the typed AST of `nodes`, or into diagnostics."""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedInput, UnexpectedToken, v_args

from . import nodes as n
from .model import milestone_id
from ..diagnostics import Diagnostic
from ..paths import grammar_path


KIND_IDS = {
    "salariée": "salaried",
    "non salariée": "self_employed",
    "bénévole": "volunteer",
    "syndicale": "union",
}

# What a terminal means, in the author's words (used in syntax errors).
EXPECTED_FR = {
    "ID": "un identifiant (ex. licence, cnam-na)",
    "QUOTE": "un texte entre guillemets « … »",
    "NUMBER": "un nombre",
    "UNIT": "une unité (mois, an, ans, UE, demandes)",
    "DATE": "une date AAAA-MM-JJ",
    "CODE": "un code de certification (ex. LP110504)",
    "MILESTONE": "un jalon (délivrance, candidature, probatoire, soutenance)",
    "KIND": "une nature d'expérience (salariée, non salariée, bénévole, syndicale)",
    "AUTHORITY": "« le jury », « le Cnam » ou « la commission »",
    "AU_MOINS": "« d'au moins »",
    "AU_PLUS": "« au plus »",
    "_NL": "une fin de ligne",
    "SELON": "« selon »",
    "EXPERIENCE": "« expérience »",
    "STAGE": "« stage »",
    "IN_FIELD": "« dans le domaine »",
    "OUT_FIELD": "« hors domaine »",
    "PER_YEAR": "« par année civile »",
    "EARLY_VERDICT": "« possible » ou « impossible »",
}

# Common mistakes, recognised by the parser state they leave (Lark's match_examples),
# each with the advice an author needs. Statement mistakes are tried at the first
# statement of a block, after a citation, and after another statement (the
# parser's stack differs in each place).
STATEMENT_MISTAKES = {
    "écrivez « d'au moins » suivi d'une durée, par exemple « d'au moins 2 ans »": [
        "exige expérience au moins 2 ans", "exige expérience dans le domaine au moins 2 ans",
    ],
    "précisez l'unité de la durée : mois, an ou ans": [
        "exige expérience d'au moins 2", "exige un stage de 6",
    ],
    "une citation se met entre guillemets : selon « … »": ["selon Deux ans"],
}
HEADER_MISTAKES = {
    "un en-tête de voie s'écrit « voie <identifiant> pour <diplôme> »": ["voie a b", "voie a"],
}
_PREFIXES = ("", "  selon « x »\n", "  selon « x »\n  exige expérience d'au moins 1 an\n",
             "  exige expérience d'au moins 1 an\n")


def _friendly_examples() -> dict[str, list[str]]:
    examples = {advice: [f"source s\n{line}\n" for line in lines] for advice, lines in HEADER_MISTAKES.items()}
    for advice, lines in STATEMENT_MISTAKES.items():
        examples[advice] = [f"source s\nvoie a pour b\n{prefix}  {line}\n" for line in lines for prefix in _PREFIXES]
    return examples


HEADER_WORDS = (
    "source", "diplôme", "voie", "reprise", "règle générale", "examen anticipé", "vae", "certification du Cnam",
    "à vérifier", "exemple",
)


def _grammar_path() -> Path:
    path = grammar_path()
    if not path.exists():
        raise FileNotFoundError("grammar/cnr.lark introuvable")
    return path


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser, built once per process (Lark caches the tables on disk)."""
    return _lark()


@lru_cache(maxsize=1)
def layout_parser() -> Lark:
    """The same grammar keeping every token (keywords, commas, line ends): for the formatter."""
    return _lark(keep_all_tokens=True)


def _lark(**options) -> Lark:
    return Lark(
        _grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=False,
        cache=_tables_file("layout" if options else "rules"),
        **options,
    )


def _tables_file(name: str) -> str | bool:
    """Where Lark keeps the parser's tables: in the user's private cache folder (`cache.cache_dir`),
    never in the shared temporary folder (`cache=True`), where anyone could plant the file, of
    predictable name, that Lark unpickles. False (no file) when the cache is off or not private."""
    import os

    from ..cache import cache_dir

    folder = cache_dir()
    if folder is None:
        return False
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return False
    if getattr(os, "getuid", lambda: info.st_uid)() != info.st_uid or info.st_mode & 0o022:
        return False
    return str(folder / f"lark-{name}.tables")


def parse_text(text: str, path: str) -> tuple[n.RuleFile | None, list[Diagnostic]]:
    """Parse one file's text; on syntax errors, return every error found (one per block).

    >>> rf, diags = parse_text("source cnam-na\\n", "x.cnr")
    >>> rf.blocks[0].kind, rf.blocks[0].name, diags
    ('source', 'cnam-na', [])
    """
    text = text.replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    try:
        tree = parser().parse(text)
    except UnexpectedInput:
        return None, _errors_by_block(text, path)
    builder = ToAst(path)
    rule_file = builder.transform(tree)
    return (None if builder.errors else rule_file), builder.errors


def parse_file(path: Path, display: str | None = None) -> tuple[n.RuleFile | None, list[Diagnostic]]:
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        span = n.Span(name, 1, 1, 1, 1)
        return None, [Diagnostic("error", "E001", f"fichier illisible ({exc.__class__.__name__})", span)]
    return parse_text(text, name)


def parse_blocks(text: str, path: str) -> n.RuleFile:
    """The blocks of a file that parse on their own, at their own lines: what an editor can still show of a
    file being typed, whose block under the cursor does not parse yet.

    >>> rf = parse_blocks("source cnam-na\\n\\nvoie v pour\\n\\nexemple « E »\\n  pour licence\\n", "x.cnr")
    >>> [(b.kind, b.span.line) for b in rf.blocks]
    [('source', 1), ('example', 5)]
    """
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    starts = sorted({0, *_block_starts(lines)})
    blocks = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        try:
            tree = parser().parse("\n" * start + "\n".join(lines[start:end]) + "\n")
        except UnexpectedInput:
            continue
        builder = ToAst(path)
        rule_file = builder.transform(tree)
        if not builder.errors:
            blocks += rule_file.blocks
    return n.RuleFile(path, tuple(blocks), n.Span(path, 1, 1, max(len(lines), 1), 1))


# ---------------------------------------------------------------- syntax errors


def _block_starts(lines: list[str]) -> list[int]:
    """0-based indices of the lines that open a block (a header keyword at column 1)."""
    starts = []
    for i, line in enumerate(lines):
        if line[:1].strip() and not line.startswith("#") and line.startswith(HEADER_WORDS):
            starts.append(i)
    return starts or [0]


def _errors_by_block(text: str, path: str) -> list[Diagnostic]:
    """Parse each block on its own (padded so lines keep their numbers) to report every error."""
    lines = text.split("\n")
    starts = _block_starts(lines)
    if starts[0] != 0:
        starts.insert(0, 0)
    diagnostics = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        chunk = "\n" * start + "\n".join(lines[start:end]) + "\n"
        try:
            parser().parse(chunk)
        except UnexpectedInput as exc:
            diagnostics.append(_syntax_diagnostic(exc, lines, path))
    if not diagnostics:  # the whole failed but no block alone did: report the whole's error
        try:
            parser().parse(text)
        except UnexpectedInput as exc:
            diagnostics.append(_syntax_diagnostic(exc, lines, path))
    return diagnostics


def _syntax_diagnostic(exc: UnexpectedInput, lines: list[str], path: str) -> Diagnostic:
    line, column = max(exc.line, 1), max(exc.column, 1)
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        found = "la fin du fichier"
        width = 1
    elif isinstance(exc, UnexpectedToken):
        found = f"« {str(exc.token).strip() or exc.token.type} »" if exc.token.type != "_NL" else "la fin de la ligne"
        width = max(1, len(str(exc.token).split("\n")[0]))
    else:
        text = lines[line - 1] if line - 1 < len(lines) else ""
        word = re.match(r"\S+", text[column - 1:])
        found = f"« {word.group(0)} »" if word else "ce caractère"
        width = len(word.group(0)) if word else 1
    expected = _expected_fr(exc)
    advice = _friendly(exc)
    if found == "la fin de la ligne":
        message = "la ligne s'arrête trop tôt"
    elif found == "la fin du fichier":
        message = "le fichier s'arrête trop tôt"
    else:
        message = f"{found} n'est pas à sa place ici"
    if advice:
        message += f" : {advice}"
    elif expected:
        message += f" ; attendu : {expected}"
    return Diagnostic("error", "E100", message, n.Span(path, line, column, line, column + width))


@lru_cache(maxsize=1)
def _friendly_errors() -> tuple[tuple[str, UnexpectedInput], ...]:
    """The error each example of a common mistake raises, computed once (as Lark's match_examples)."""
    found = []
    for advice, texts in _friendly_examples().items():
        for text in texts:
            try:
                parser().parse(text)
            except UnexpectedInput as exc:
                found.append((advice, exc))
    return tuple(found)


def _friendly(exc: UnexpectedInput) -> str | None:
    if getattr(exc, "state", None) is None:
        return None
    for advice, example in _friendly_errors():
        if example.state == exc.state and getattr(example, "accepts", None) == getattr(exc, "accepts", None):
            return advice
    return None


def _expected_fr(exc: UnexpectedInput) -> str:
    if isinstance(exc, UnexpectedCharacters):
        allowed = exc.allowed or set()
    elif isinstance(exc, UnexpectedToken):
        allowed = exc.expected or set()
    else:
        return ""
    words = []
    for name in sorted(allowed):
        if name in EXPECTED_FR:
            words.append(EXPECTED_FR[name])
        elif name == "$END":
            words.append("la fin du fichier")
        else:
            words.append(_keyword_fr(name))
    words = sorted(set(w for w in words if w))
    if len(words) > 5:
        return ", ".join(words[:5]) + " ou une autre instruction"
    return " ou ".join(words)


def _keyword_fr(terminal: str) -> str:
    try:
        pattern = parser().get_terminal(terminal).pattern
    except KeyError:
        return ""
    if pattern.type == "str":
        return f"« {pattern.value} »"
    first = re.split(r"\||\\s\+", pattern.value.replace("(d['’])?", "d'"))
    readable = pattern.value.split("|")[0].replace("\\s+", " ").replace("['’]", "'")
    readable = re.sub(r"[()?\\]", "", readable)
    return f"« {readable} »" if first else ""


# ---------------------------------------------------------------- AST building


def _span(path: str, meta_or_token) -> n.Span:
    if isinstance(meta_or_token, Token):
        t = meta_or_token
        return n.Span(path, t.line, t.column, t.end_line, t.end_column)
    m = meta_or_token
    return n.Span(path, m.line, m.column, m.end_line, m.end_column)


def _unquote(token: Token) -> str:
    return " ".join(str(token)[1:-1].split())


def _number(token: Token) -> Fraction:
    return Fraction(str(token).replace(",", "."))


def _words(token: Token) -> str:
    return " ".join(str(token).split())


@v_args(meta=True)
class ToAst(Transformer):
    """One method per grammar rule, each building one node from its children."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.errors: list[Diagnostic] = []

    def _date(self, token: Token) -> date:
        try:
            return date.fromisoformat(str(token))
        except ValueError:
            self.errors.append(
                Diagnostic("error", "E101", f"date impossible : {token}", _span(self.path, token))
            )
            return date.min

    def _s(self, meta) -> n.Span:
        return _span(self.path, meta)

    def start(self, meta, blocks):
        span = self._s(meta) if not meta.empty else n.Span(self.path, 1, 1, 1, 1)
        return n.RuleFile(self.path, tuple(blocks), span)

    def block(self, meta, children):
        header, rest = children[0], children[1:]
        citation = rest[0] if rest and isinstance(rest[0], n.Citation) else None
        statements = tuple(c for c in rest if isinstance(c, n.Statement))
        kind, name, target, label = header
        return n.Block(
            kind,
            str(name) if name is not None else None,
            _span(self.path, name) if isinstance(name, Token) else None,
            str(target) if target is not None else None,
            _span(self.path, target) if isinstance(target, Token) else None,
            label,
            citation,
            statements,
            self._s(meta),
        )

    def source_header(self, meta, c):
        return ("source", c[0], None, None)

    def diploma_header(self, meta, c):
        return ("diploma", c[1], None, _unquote(c[2]))

    def pathway_header(self, meta, c):
        return ("pathway", c[0], c[1], None)

    def reuse_header(self, meta, c):
        return ("reuse", c[0], c[1], None)

    def general_header(self, meta, c):
        return ("general", c[1], None, None)

    def early_header(self, meta, c):
        return ("early", None, None, None)

    def vae_header(self, meta, c):
        return ("vae", c[0], None, None)

    def certification_header(self, meta, c):
        return ("certification", c[1], None, _unquote(c[2]))

    def check_header(self, meta, c):
        return ("check", c[1], None, None)

    def example_header(self, meta, c):
        return ("example", None, None, _unquote(c[0]))

    def citation(self, meta, c):
        return n.Citation(_unquote(c[0]), _span(self.path, c[0]))

    def statement(self, meta, c):
        citation = c[1] if len(c) > 1 else None
        return n.Statement(c[0], citation, self._s(meta))

    def title(self, meta, c):
        return n.Title(_unquote(c[0]), self._s(meta))

    def document(self, meta, c):
        return n.Document(_unquote(c[0]), self._s(meta))

    def milestones(self, meta, c):
        return n.Milestones(tuple(milestone_id(str(t)) for t in c[1:]), self._s(meta))

    def requires(self, meta, c):
        return c[0]

    def experience_req(self, meta, c):
        flags = [x for x in c if isinstance(x, tuple)]
        kinds = frozenset(v for k, v in flags if k == "kind") or None
        least = next((x for x in c if isinstance(x, n.Quantity)), None)
        return n.ExperienceRequirement(
            in_field=("in_field", True) in flags,
            kinds=kinds,
            sufficient_level=("level", True) in flags,
            full_time=("full_time", True) in flags,
            least=least,
            span=self._s(meta),
        )

    def in_field(self, meta, c):
        return ("in_field", True)

    def out_field(self, meta, c):
        return ("in_field", False)

    def kind(self, meta, c):
        return ("kind", KIND_IDS[_words(c[0])])

    fact_kind = kind

    def sufficient_level(self, meta, c):
        return ("level", True)

    def insufficient_level(self, meta, c):
        return ("level", False)

    def full_time(self, meta, c):
        return ("full_time", True)

    def with_report(self, meta, c):
        return ("report", True)

    def share(self, meta, c):
        return ("share", _number(c[0]) / 100)

    def internship_req(self, meta, c):
        least, most, standard = c[0]
        flags = c[1:]
        return n.InternshipRequirement(
            least, most, standard, ("in_field", True) in flags, ("report", True) in flags, self._s(meta)
        )

    def fixed_length(self, meta, c):
        return (c[0], c[0], c[0])

    def range_length(self, meta, c):
        unit = str(c[1]) if len(c) == 3 else None
        first = n.Quantity(_number(c[0]), unit, _span(self.path, c[0]))
        return (first, c[-1], None)

    def at_most_length(self, meta, c):
        return (None, c[1], None)

    def at_least_length(self, meta, c):
        return (c[1], None, None)

    def decided_by(self, meta, c):
        return n.DecidedBy(_authority(c[1]), self._s(meta))

    def modulation(self, meta, c):
        return n.Modulation(_authority(c[1]), c[-1], self._s(meta))

    def report_required(self, meta, c):
        return n.ReportRequired(self._s(meta))

    def waiver(self, meta, c):
        return n.InternshipWaiver(self._s(meta))

    def internship_in_field(self, meta, c):
        return n.InternshipInField(self._s(meta))

    def commission_decides(self, meta, c):
        return n.CommissionDecides(self._s(meta))

    def check_text(self, meta, c):
        return n.CheckText(_unquote(c[0]), self._s(meta))

    def check_when_internship(self, meta, c):
        return n.CheckWhenInternship(self._s(meta))

    def internship_alone(self, meta, c):
        return n.InternshipAloneInsufficient(self._s(meta))

    def early_possible(self, meta, c):
        least = c[1] if len(c) > 1 and isinstance(c[1], n.Quantity) else None
        return n.EarlyReviewCondition(least, self._s(meta))

    def request_limit(self, meta, c):
        per_cert = any(isinstance(t, Token) and t.type == "PER_CERTIFICATION" for t in c)
        return n.RequestLimit(c[1], per_cert, self._s(meta))

    def validity(self, meta, c):
        dates = [self._date(t) for t in c if isinstance(t, Token) and t.type == "DATE"]
        words = [t.type for t in c if isinstance(t, Token)]
        if "DU" in words:
            return n.Validity(dates[0], dates[1], self._s(meta))
        if "DEPUIS" in words:
            return n.Validity(dates[0], None, self._s(meta))
        return n.Validity(None, dates[0], self._s(meta))

    def example_target(self, meta, c):
        ids = [str(t) for t in c if isinstance(t, Token) and t.type == "ID"]
        milestone = next((milestone_id(str(t)) for t in c if isinstance(t, Token) and t.type == "MILESTONE"), None)
        return n.ExampleTarget(ids[0], milestone, self._s(meta), tuple(ids[1:]))

    def example_certification(self, meta, c):
        year = int(c[1]) if len(c) > 1 else None
        return n.ExampleCertification(str(c[0]), year, self._s(meta))

    def fact_experience(self, meta, c):
        flags = dict(x for x in c[2:] if isinstance(x, tuple))
        return n.ExperienceFact(
            duration=c[1],
            in_field=flags.get("in_field", False),
            kind=flags.get("kind", "salaried"),
            share=flags.get("share", Fraction(1)),
            sufficient_level=flags.get("level", True),
            span=self._s(meta),
        )

    def fact_internship(self, meta, c):
        flags = c[2:]
        return n.InternshipFact(c[1], ("in_field", True) in flags, ("report", True) in flags, self._s(meta))

    def fact_ue(self, meta, c):
        return n.UeFact(_number(c[0]), self._s(meta))

    def fact_decision(self, meta, c):
        return n.DecisionFact(c[1], self._s(meta), _authority(c[-1]) if len(c) > 2 else None)

    def fact_complement(self, meta, c):
        return n.ComplementFact(c[1], self._s(meta), _authority(c[-1]) if len(c) > 2 else None)

    def fact_duties(self, meta, c):
        return n.DutiesFact(self._s(meta))

    def fact_request(self, meta, c):
        return n.RequestFact(str(c[1]), int(c[2]), self._s(meta))

    def expected(self, meta, c):
        e = c[0]
        return n.Expectation(e.kind, e.least, e.most, e.missing, e.early, self._s(meta), e.authority)

    def expect_satisfied(self, meta, c):
        return n.Expectation("satisfied")

    def expect_internship(self, meta, c):
        least, most, _ = c[0]
        return n.Expectation("internship", least=least, most=most,
                             authority=_authority(c[2]) if len(c) > 2 else None)

    def expect_missing(self, meta, c):
        return n.Expectation("missing", missing=c[0])

    def expect_conflict(self, meta, c):
        return n.Expectation("conflict")

    def expect_eligible(self, meta, c):
        return n.Expectation("eligible")

    def expect_limit(self, meta, c):
        return n.Expectation("limit")

    def expect_early(self, meta, c):
        return n.Expectation("early", early=str(c[1]) == "possible")

    def expect_not_applicable(self, meta, c):
        return n.Expectation("not_applicable")

    def quantity(self, meta, c):
        return n.Quantity(_number(c[0]), str(c[1]), self._s(meta))


def _authority(token: Token) -> str:
    text = str(token)
    return "jury" if "jury" in text else "commission" if "commission" in text else "cnam"
