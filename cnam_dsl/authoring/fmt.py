"""Format rule files into one canonical layout, and prove that the new layout keeps their meaning.

The layout (`cnam fmt`):

- a block header (`source`, `diplôme`, `voie`, `reprise`, `règle générale`,
  `examen anticipé`, `vae`, `exemple`) at column 1; the block's statements and
  its own citation indented 2 spaces; the citation (`selon « … »`) of a
  statement indented 4;
- one blank line between blocks, none inside a block;
- one space between words, none before a comma; the spaces of a multi-word
  keyword (`d'au   moins`) reduced to one; apostrophes and numbers as written;
- a quoted passage always on one line, its inner spaces and line breaks
  reduced to one space, one space inside the guillemets (`« … »`): it is never
  wrapped, so it can be searched for, whole, in its source document;
- comments kept where the author put them: an end-of-line comment after two
  spaces; a comment on its own line indented like the line it precedes inside
  a block, at column 1 between blocks, or 2 spaces when it closes a block
  (indented, right after the block's last line);
- the file ends with one line break (LF).

Formatting never changes meaning, and proves it before anything is written:
the parsed rules are equal (spans aside), the comments are the same, the
layout is stable, and the compiled constraints of every source × diploma ×
milestone are equivalent (`solve.equivalence`). Otherwise the file is left
untouched and `FormatError` says why.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lark import Token, Tree, UnexpectedInput

from ..language import nodes as n
from ..language.check import check_files, rule_files
from ..language.folders import declares_diplomas
from ..language.parse import layout_parser, parse_text
from ..solve import SolverError
from ..solve.equivalence import meaning_differences

INDENT = {"header": 0, "statement": 2, "block_citation": 2, "citation": 4}


class FormatError(Exception):
    """A file the formatter leaves untouched; the message (in French) says why."""


@dataclass(frozen=True, slots=True)
class Line:
    """One logical line of a rule file: its tokens (a quote may span several lines) and its role."""

    role: str  # header | block_citation | statement | citation
    tokens: tuple[Token, ...]

    @property
    def indent(self) -> int:
        return INDENT[self.role]


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    indented: bool


BLANK = None  # a blank line between two logical lines


# ---------------------------------------------------------------- layout


def format_text(text: str, path: str = "<texte>") -> str:
    """The canonical layout of a rule file's text (no proof: see `format_source`).

    >>> print(format_text("voie  a pour b # ok\\n selon «x\\n y»\\nexige expérience  salariée ,d'au  moins 3 ans\\n"), end="")
    voie a pour b  # ok
      selon « x y »
      exige expérience salariée, d'au moins 3 ans
    """
    text = _normalise(text)
    lines = _logical_lines(text, path)
    out: list[str] = []
    for before, after, eol, items in _gaps(text, lines):
        if eol is not None:
            out[-1] += "  " + eol
        out += _gap_layout(items, before, after)
        if after is not None:
            out.append(" " * after.indent + _join(text, after.tokens))
    return "\n".join(out) + "\n" if out else ""


def comments_of(text: str, path: str = "<texte>") -> list[str]:
    """Every comment of a rule file, in order (what the formatter must keep).

    >>> comments_of("# a\\nsource x  # b\\n  # c\\n")
    ['# a', '# b', '# c']
    """
    text = _normalise(text)
    found = []
    for _, _, eol, items in _gaps(text, _logical_lines(text, path)):
        found += [eol] if eol is not None else []
        found += [item.text for item in items if item is not BLANK]
    return found


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n")  # as parse_text reads it


def _logical_lines(text: str, path: str) -> list[Line]:
    try:
        tree = layout_parser().parse(text if text.endswith("\n") else text + "\n")
    except UnexpectedInput:
        _, diagnostics = parse_text(text, path)
        where = " ; ".join(f"ligne {d.span.line}, colonne {d.span.column} : {d.message}" for d in diagnostics[:3])
        raise FormatError(f"{path}: erreur de syntaxe, fichier laissé tel quel ({where})") from None
    lines = []
    for block in _trees(tree.children):
        header, *rest = _trees(block.children)
        lines.append(Line("header", _tokens(header)))
        for child in rest:
            if child.data == "citation":
                lines.append(Line("block_citation", _tokens(child)))
                continue
            body, *citation = _trees(child.children)
            lines.append(Line("statement", _tokens(body)))
            lines += [Line("citation", _tokens(c)) for c in citation]
    return lines


def _trees(children) -> list[Tree]:
    return [c for c in children if isinstance(c, Tree)]


def _tokens(tree: Tree) -> tuple[Token, ...]:
    return tuple(t for t in tree.scan_values(lambda v: isinstance(v, Token)) if t.type != "_NL")


def _gaps(text: str, lines: list[Line]) -> Iterator[tuple[Line | None, Line | None, str | None, list]]:
    """What lies between logical lines: (line before, line after, end-of-line comment, own lines)."""
    position, before = 0, None
    for line in lines + [None]:
        end = line.tokens[0].start_pos if line is not None else len(text)
        segments = text[position:end].split("\n")
        eol = _eol_comment(segments.pop(0)) if before is not None else None
        if line is not None:
            segments.pop()  # the indentation of the next line
        yield before, line, eol, [_own_line(s) for s in segments]
        if line is not None:
            position, before = line.tokens[-1].end_pos, line


def _eol_comment(segment: str) -> str | None:
    segment = segment.strip()
    if segment and not segment.startswith("#"):
        raise FormatError(f"texte inattendu en fin de ligne : {segment[:30]}")
    return segment or None


def _own_line(segment: str) -> Comment | None:
    stripped = segment.strip()
    if not stripped:
        return BLANK
    if not stripped.startswith("#"):
        raise FormatError(f"texte inattendu entre deux lignes : {stripped[:30]}")
    return Comment(stripped, indented=segment[:1] in (" ", "\t", "\f"))


def _gap_layout(items: list, before: Line | None, after: Line | None) -> list[str]:
    """Own-line comments and blank lines between two logical lines, laid out canonically."""
    if before is None:  # head of the file: comments at column 1, no leading blank line
        laid = [None if c is BLANK else c.text for c in items]
        return _collapse(laid, keep_last=after is not None)
    if after is not None and after.role != "header":  # inside a block
        return [" " * after.indent + c.text for c in items if c is not BLANK]
    if after is not None and BLANK not in items:  # between blocks: at least one blank line
        closing = next((i for i, c in enumerate(items) if not c.indented), len(items))
        items = items[:closing] + [BLANK] + items[closing:]
    laid, seen_blank = [], False
    for c in items:
        seen_blank = seen_blank or c is BLANK
        laid.append(None if c is BLANK else ("  " if c.indented and not seen_blank else "") + c.text)
    return _collapse(laid, keep_first=True, keep_last=after is not None)


def _collapse(laid: list[str | None], keep_first: bool = False, keep_last: bool = True) -> list[str]:
    """Runs of blank lines (None) reduced to one; the first and last blank lines kept if asked."""
    out: list[str | None] = []
    for item in laid:
        if item is None and (out[-1:] == [None] or not out and not keep_first):
            continue
        out.append(item)
    if not keep_last:
        while out and out[-1] is None:
            out.pop()
    return ["" if item is None else item for item in out]


def _join(text: str, tokens: tuple[Token, ...]) -> str:
    line = ""
    for previous, token in zip((None,) + tokens, tokens):
        if previous is not None and text[previous.end_pos:token.start_pos].strip():
            raise FormatError(f"ligne {token.line} : texte inattendu entre deux mots")
        word = _word(token)
        line += word if not line or word == "," else " " + word
    return line


def _word(token: Token) -> str:
    if token.type != "QUOTE":
        return " ".join(str(token).split())
    opening, inner, closing = str(token)[0], " ".join(str(token)[1:-1].split()), str(token)[-1]
    if opening == "«":
        return f"« {inner} »" if inner else "« »"
    return f"{opening}{inner}{closing}"


# ---------------------------------------------------------------- proof


@dataclass
class Context:
    """The rule base a file is formatted in: its files, and texts to read instead of theirs."""

    paths: list[Path]
    overrides: dict[Path, str] = field(default_factory=dict)
    on: date = field(default_factory=date.today)
    _before: tuple | None = field(default=None, init=False, repr=False)

    def before(self):
        """The rule base as it is (checked once per context), or None when it has errors."""
        if self._before is None:
            self._before = check_files(self.paths, None, self.overrides)
        return self._before[0]

    def after(self, path: Path, text: str):
        paths = self.paths if path.resolve() in {p.resolve() for p in self.paths} else self.paths + [path]
        return check_files(paths, None, {**self.overrides, path.resolve(): text})


@dataclass(frozen=True, slots=True)
class Formatted:
    """A file's text and its formatted text, proven to mean the same; notes say what was not checked."""

    path: Path
    original: str
    text: str
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.text != self.original


Layout = Callable[[str, str], str]


def format_source(path: Path, original: str, context: Context, layout: Layout = format_text) -> Formatted:
    """The formatted text of one file, proven to keep its meaning; FormatError when it cannot be."""
    formatted = layout(original, str(path))
    if formatted == original:
        return Formatted(path, original, formatted)
    problems = _syntax_problems(original, formatted, str(path), layout)
    notes: tuple[str, ...] = ()
    if not problems:
        more, notes = meaning_problems(path, formatted, context)
        problems += more
    if problems:
        raise FormatError(f"{path}: fichier laissé tel quel : " + " ; ".join(problems))
    return Formatted(path, original, formatted, notes)


def _syntax_problems(original: str, formatted: str, path: str, layout: Layout) -> list[str]:
    before, diagnostics = parse_text(original, path)
    if before is None:
        return [f"le fichier a une erreur à corriger d'abord ({diagnostics[0].message})"]
    after, diagnostics = parse_text(formatted, path)
    if after is None:
        return [f"le texte formaté ne se lit plus ({diagnostics[0].message})"]
    problems = []
    changed = _first_difference(before, after)
    if changed is not None:
        problems.append(f"les règles lues après formatage diffèrent (bloc de la ligne {changed})")
    try:
        if comments_of(original, path) != comments_of(formatted, path):
            problems.append("des commentaires seraient perdus ou modifiés")
        if layout(formatted, path) != formatted:
            problems.append("la mise en page n'est pas stable (formater deux fois change encore le texte)")
    except FormatError as exc:
        problems.append(str(exc))
    return problems


def _first_difference(before: n.RuleFile, after: n.RuleFile) -> int | None:
    """The line (in the original) of the first block whose rules differ, spans aside; None if equal."""
    for old, new in zip(before.blocks, after.blocks):
        if without_spans(old) != without_spans(new):
            return old.span.line
    if len(before.blocks) > len(after.blocks):
        return before.blocks[len(after.blocks)].span.line
    if len(before.blocks) < len(after.blocks):
        return before.blocks[-1].span.line if before.blocks else 1
    return None


def without_spans(node):
    """A node as nested tuples, its spans left out: equal for the same rules written anywhere.

    >>> a = n.Quantity(3, "ans", n.Span("f", 1, 1, 1, 6))
    >>> without_spans(a) == without_spans(n.Quantity(3, "ans", n.Span("g", 9, 4, 9, 9)))
    True
    """
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return (type(node).__name__,) + tuple(
            without_spans(getattr(node, f.name)) for f in dataclasses.fields(node)
            if not f.name.endswith("span")
        )
    if isinstance(node, (tuple, list)):
        return tuple(without_spans(x) for x in node)
    if isinstance(node, frozenset):
        return frozenset(without_spans(x) for x in node)
    return node


def meaning_problems(path: Path, formatted: str, context: Context) -> tuple[list[str], tuple[str, ...]]:
    """Why the rule base would not mean the same with this text for the file (empty: it would), and notes."""
    before = context.before()
    if before is None:
        return [], ("la base de règles a des erreurs : le sens est vérifié sur les règles lues seulement, "
                    "sans comparer les contraintes compilées",)
    after, diagnostics = context.after(path, formatted)
    if after is None:
        first = next(d for d in diagnostics if d.is_error)
        return [f"le texte formaté ne passe plus la vérification ({first.span}: {first.message})"], ()
    try:
        differences = meaning_differences(before, after, context.on)
    except SolverError as exc:
        return [f"preuve impossible : {exc}"], ()
    if differences:
        more = f" et {len(differences) - 1} autre(s)" if len(differences) > 1 else ""
        return [f"les contraintes compilées ne sont plus équivalentes ({differences[0]}{more})"], ()
    return [], ()


# ---------------------------------------------------------------- files


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, then rename it: never a half-written file."""
    path = path.resolve()  # a link keeps pointing at the rewritten file
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with suppress(OSError):
            shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


@dataclass
class Report:
    """What `cnam fmt` did: files changed (or that would change), files left alone and why."""

    changed: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)
    notes: list[tuple[Path, str]] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "changed": [str(p) for p in self.changed],
            "unchanged": [str(p) for p in self.unchanged],
            "refused": [{"file": str(p), "reason": r} for p, r in self.refused],
            "notes": [{"file": str(p), "note": r} for p, r in self.notes],
        }

    def text(self, check_only: bool) -> str:
        """The report in French; refusals are printed apart (on standard error)."""
        verb = "à reformater" if check_only else "reformaté(s)"
        lines = [f"{verb.removesuffix('(s)')} : {p}" for p in self.changed]
        lines += [f"note : {p} : {note}" for p, note in self.notes]
        total = len(self.changed) + len(self.unchanged) + len(self.refused)
        summary = f"{total} fichier(s) : {len(self.changed)} {verb}, {len(self.unchanged)} déjà en forme"
        if self.refused:
            summary += f", {len(self.refused)} laissé(s) tel(s) quel(s)"
        return "\n".join(lines + [summary + "."])


def format_files(files: list[Path], context_of: Callable[[Path], Context], check_only: bool = False,
                 layout: Layout = format_text) -> Report:
    """Format files in place (or, with check_only, only say which would change)."""
    report = Report()
    for path in files:
        try:
            original = path.read_text(encoding="utf-8")
            if check_only:
                result = Formatted(path, original, layout(original, str(path)))
            else:
                result = format_source(path, original, context_of(path), layout)
                if result.changed:
                    write_atomically(path, result.text)
        except FormatError as exc:
            report.refused.append((path, str(exc)))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            report.refused.append((path, f"{path}: fichier illisible ou impossible à écrire ({exc.__class__.__name__})"))
            continue
        (report.changed if result.changed else report.unchanged).append(path)
        report.notes += [(path, note) for note in result.notes]
    return report


def contexts(root: Path) -> Callable[[Path], Context]:
    """The context of each file: the whole rule base for its files, else the file with the base's diplomas."""
    root = root.resolve()
    base_files = rule_files(root) if root.is_dir() else []
    shared = Context(base_files)
    diplomas = [p for p in base_files if p.parent == root and declares_diplomas(p)]

    def context_of(path: Path) -> Context:
        if path.resolve().is_relative_to(root):
            return shared
        extra = [] if declares_diplomas(path) else [p for p in diplomas if p.resolve() != path.resolve()]
        return Context(extra + [path])

    return context_of
