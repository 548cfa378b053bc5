"""Where a rule base's text comes from: its rule files and the source documents they declare, and the limits
on them; read without the parser (the cache's key reads them on every start)."""

from __future__ import annotations

import re
from pathlib import Path

MAX_RULE_FILE_BYTES = 1_000_000
MAX_RULE_FILES = 2_000
MAX_DOCUMENT_BYTES = 1_000_000  # a source document (the shipped ones: under 8 kB); every quote is searched in it
# A source document is a plain file beside its rule file: no folder, no "..", no control character.
SAFE_DOCUMENT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,200}")
DOCUMENT = re.compile(rb'document[\t \f]*(?:\xc2\xab([^\xbb]*)\xc2\xbb|"([^"]*)")')  # `document « name »`


def rule_files(root: Path) -> list[Path]:
    """The rule files (`*.cnr`, regular files) under a folder, in order."""
    return sorted(p for p in root.rglob("*.cnr") if p.is_file())


def declared_documents(rule_text: bytes) -> list[str]:
    """The names of the source documents a rule file declares (those the checker may open: plain names).

    >>> declared_documents("source s\\n  document « texte.txt »\\n  document « ../x »\\n".encode())
    ['texte.txt']
    """
    names = ((a or b).decode("utf-8", "replace").strip() for a, b in DOCUMENT.findall(rule_text))
    return [name for name in names if SAFE_DOCUMENT_NAME.fullmatch(name)]
