"""Where something stands in a rule file: the span every AST node, rule and diagnostic carries (shared by every
stage; defined apart so that reading a cached rule base needs neither the AST module nor the parser)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node stands: file, 1-based line and column, end line and end column.

    The AST's spans (`language.nodes.Span` is this class), the rules' and the diagnostics'.
    """

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"
