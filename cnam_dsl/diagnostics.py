"""Diagnostics as values, and the one renderer that prints them for people and scripts."""

from __future__ import annotations

from dataclasses import dataclass, field

from .span import Span

SEVERITY_FR = {"error": "erreur", "warning": "avertissement", "hint": "remarque"}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found in rule files: severity is "error", "warning" or "hint" (what the worked examples leave
    untested, shown by the language server); message in French."""

    severity: str
    code: str
    message: str
    span: Span
    related: tuple[tuple[str, Span], ...] = field(default=())

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_json(self) -> dict:
        return {
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "related": [
                {"label": label, "file": s.file, "line": s.line, "column": s.column}
                for label, s in self.related
            ],
        }


def sort_key(d: Diagnostic) -> tuple:
    return (d.span.file, d.span.line, d.span.column, d.code)


def render(diagnostic: Diagnostic, sources: dict[str, str] | None = None) -> str:
    """`path:line:col: erreur: message`, the source line with a caret, and related notes.

    >>> d = Diagnostic("error", "E1", "oups", Span("a.cnr", 1, 3, 1, 5))
    >>> print(render(d, {"a.cnr": "ab cd\\n"}))
    a.cnr:1:3: erreur: oups
        ab cd
          ^^
    """
    sources = sources or {}
    s = diagnostic.span
    lines = [f"{s.file}:{s.line}:{s.column}: {SEVERITY_FR[diagnostic.severity]}: {diagnostic.message}"]
    lines += _excerpt(s, sources.get(s.file))
    for label, rs in diagnostic.related:
        lines.append(f"{rs.file}:{rs.line}:{rs.column}: note: {label}")
        lines += _excerpt(rs, sources.get(rs.file))
    return "\n".join(lines)


def _excerpt(span: Span, text: str | None) -> list[str]:
    if text is None:
        return []
    all_lines = text.splitlines()
    if not 1 <= span.line <= len(all_lines):
        return []
    line = all_lines[span.line - 1].rstrip()
    width = span.end_column - span.column if span.end_line == span.line else len(line) - span.column + 1
    width = max(1, width)
    return [f"    {line}", "    " + " " * (span.column - 1) + "^" * width]
