"""Where the shipped rule base and grammar are, installed (wheel) or in a source checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).parent


def default_rules_dir() -> Path:
    """The rule base shipped with the project: inside the package when installed, else the checkout's."""
    packaged = PACKAGE / "rules"
    return packaged if packaged.is_dir() else PACKAGE.parent / "rules"


def grammar_path() -> Path:
    """The grammar of the rule language: inside the package when installed, else the checkout's."""
    packaged = PACKAGE / "grammar" / "cnr.lark"
    return packaged if packaged.is_file() else PACKAGE.parent / "grammar" / "cnr.lark"
