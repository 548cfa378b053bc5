"""Parsing: a typed AST where every node has its span, and syntax errors in the author's words."""

from __future__ import annotations

from fractions import Fraction

from cnam_dsl.language import nodes as n
from cnam_dsl.language.parse import parse_text

TEXT = """# commentaire
source essai
  titre « Essai »

voie hors-domaine pour licence
  selon « Trois ans,
  et un stage »
  exige expérience salariée, de niveau suffisant, d’au moins 3 ans
  exige un stage de 6 mois, dans le domaine, avec rapport   # fin de ligne
  durée modulable par le jury, sans descendre sous 3 mois
    selon « Le jury module. »
  en vigueur du 2024-01-01 au 2025-12-31
"""


def test_blocks_statements_and_spans():
    rule_file, diagnostics = parse_text(TEXT, "essai.cnr")
    assert diagnostics == []
    source, pathway = rule_file.blocks
    assert (source.kind, source.name) == ("source", "essai")
    assert (pathway.kind, pathway.name, pathway.target) == ("pathway", "hors-domaine", "licence")
    assert pathway.name_span == n.Span("essai.cnr", 5, 6, 5, 18)
    assert pathway.citation.quote == "Trois ans, et un stage"  # multi-line quote, spaces folded
    experience, stage, modulation, validity = [st.body for st in pathway.statements]
    assert experience == n.ExperienceRequirement(
        in_field=False, kinds=frozenset({"salaried"}), sufficient_level=True, full_time=False,
        least=n.Quantity(Fraction(3), "ans", n.Span("essai.cnr", 8, 62, 8, 67)),
        span=n.Span("essai.cnr", 8, 9, 8, 67))
    assert (stage.least.value, stage.most.value, stage.in_field, stage.report) == (6, 6, True, True)
    assert stage.span.line == 9
    assert modulation.floor.value == 3 and modulation.authority == "jury"
    assert pathway.statements[2].citation.quote == "Le jury module."
    assert (validity.start.isoformat(), validity.end.isoformat()) == ("2024-01-01", "2025-12-31")


def test_every_node_has_a_span():
    rule_file, _ = parse_text(TEXT, "essai.cnr")
    for block in rule_file.blocks:
        assert isinstance(block.span, n.Span)
        for st in block.statements:
            assert isinstance(st.span, n.Span) and isinstance(st.body.span, n.Span)


def test_several_syntax_errors_in_one_run_with_positions():
    text = "source essai\nvoie a pour licence\n  exige expérience au moins 2 ans\nvoie b pour\nvoie c pour licence\n"
    rule_file, diagnostics = parse_text(text, "x.cnr")
    assert rule_file is None
    assert [(d.span.line, d.span.column) for d in diagnostics] == [(3, 20), (4, 12)]
    assert "« d'au moins »" in diagnostics[0].message
    assert diagnostics[1].message.startswith("la ligne s'arrête trop tôt ; attendu : un identifiant")
    assert all(d.severity == "error" for d in diagnostics)


def test_impossible_date_is_reported():
    text = "source essai\nvoie a pour licence\n  selon « x »\n  en vigueur depuis le 2024-02-30\n"
    rule_file, diagnostics = parse_text(text, "x.cnr")
    assert rule_file is None
    assert diagnostics[0].message == "date impossible : 2024-02-30"
    assert (diagnostics[0].span.line, diagnostics[0].span.column) == (4, 24)


def test_unexpected_character():
    rule_file, diagnostics = parse_text("source essai\nvoie a pour licence\n  exige € 3\n", "x.cnr")
    assert rule_file is None and diagnostics[0].span.line == 3


def test_syntax_error_recovery_parses_each_block_once(monkeypatch):
    """Every bad block reported, at its line, for text read about twice over (not once per block: issue 19)."""
    from cnam_dsl.language import parse

    real = parse.parser()
    parse._friendly_errors()  # the examples of common mistakes, parsed once per process, before counting
    parsed: list[int] = []

    class Counting:
        def parse(self, text: str):
            parsed.append(len(text))
            return real.parse(text)

    monkeypatch.setattr(parse, "parser", lambda: Counting())
    text = "source s\n" + "".join(f"voie a{i} pour b\n  exige expérience d'au moins deux\n" for i in range(500))
    rule_file, diagnostics = parse_text(text, "x.cnr")
    assert rule_file is None and len(diagnostics) == 500
    assert [d.span.line for d in diagnostics[:2]] == [3, 5] and diagnostics[-1].span.line == 1001
    assert sum(parsed) <= 2 * len(text) + 100


def test_the_blocks_an_editor_still_shows_are_parsed_once_each(monkeypatch):
    """What the language server shows of a file being typed: every block that parses, at its own lines, for text
    read once over (it was parsed after as many line ends as lines before it: issue 19)."""
    from cnam_dsl.language import parse

    real = parse.parser()
    parsed: list[int] = []

    class Counting:
        def parse(self, text: str):
            parsed.append(len(text))
            return real.parse(text)

    monkeypatch.setattr(parse, "parser", lambda: Counting())
    good = "voie a{} pour licence\n  exige expérience d'au moins 3 ans\n"
    text = "source s\n" + "".join((good.format(i) if i % 2 else "voie b pour\n") for i in range(500))
    rule_file = parse.parse_blocks(text, "x.cnr")
    assert [b.kind for b in rule_file.blocks] == ["source"] + ["pathway"] * 250
    assert [b.span.line for b in rule_file.blocks[:3]] == [1, 3, 6]
    assert rule_file.blocks[1].statements[0].span.line == 4
    assert sum(parsed) <= len(text) + 1000
