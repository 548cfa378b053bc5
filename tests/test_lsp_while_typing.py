"""The language server's view of a file being typed (no editor needed): the blocks that parse keep their
outline and their hovers, at the lines they now have, while another block has a syntax error."""

from __future__ import annotations

import shutil

from conftest import ROOT
from cnam_dsl.language.parse import parse_blocks
from cnam_dsl.lsp.project import Project


def test_the_blocks_that_parse_are_kept_at_their_lines():
    text = "source cnam-na\n\nvoie v pour\n  exige expérience d'au moins\n\nexemple « E »\n  pour licence\n"
    rule_file = parse_blocks(text, "x.cnr")
    assert [(b.kind, b.span.line) for b in rule_file.blocks] == [("source", 1), ("example", 6)]


def test_hovers_follow_the_rules_to_their_new_lines(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = (rules / "cnam-eleves" / "licence.cnr").resolve()
    project = Project(rules.resolve())
    before = project.check({})
    lines = path.read_text(encoding="utf-8").split("\n")
    modulation = next(i for i, line in enumerate(lines, 1) if "durée modulable" in line)
    typed = "\n".join(lines[:1] + ["", "voie nouvelle pour"] + lines[1:])  # two lines more above every rule
    while_typing = project.check({path: typed})
    assert while_typing.base is None and any(d.code == "E100" for d in while_typing.diagnostics)
    assert len(while_typing.index.symbols(str(path))) == len(before.index.symbols(str(path)))
    hover = while_typing.index.hover(str(path), modulation + 2, 5)
    assert hover is not None and "sans descendre sous 3 mois" in hover
    assert while_typing.index.hover(str(path), modulation, 5) != hover


def test_a_word_in_the_block_being_typed_still_resolves_by_name(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = (rules / "cnam-eleves" / "licence.cnr").resolve()
    project = Project(rules.resolve())
    typed = path.read_text(encoding="utf-8") + "\nvoie nouvelle pour licence\n  exige expérience d'au moins 3\n"
    snapshot = project.check({path: typed})
    line = typed.split("\n").index("voie nouvelle pour licence") + 1
    occurrence = snapshot.index.occurrence_at(str(path), line, len("voie nouvelle pour ") + 2)
    assert occurrence is not None and (occurrence.kind, occurrence.name) == ("diploma", "licence")
