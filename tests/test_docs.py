"""The documentation site generated from the rules: lexer, language reference, decision tables, pages, failures."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import tomllib

import pytest
import yaml
from pygments import lex
from pygments.token import Error, Keyword, Text

from cnam_dsl.answer.describe import pathway_statements
from cnam_dsl.answer.explain import comparable
from cnam_dsl.docsite.build import broken_line_links
from cnam_dsl.docsite.decisions import Decisions, Situation, comparable, situations, thresholds
from cnam_dsl.docsite.markdown import diploma_page, escape, source_page
from cnam_dsl.docsite.reference import CONSTRUCTS, definition, grammar_names, grammar_rules
from cnam_dsl.docsite.sources import REASONS, passages
from cnam_dsl.docsite.vae import missing_information
from helpers import ask, line_of, months
from cnam_dsl.authoring.highlight import (
    LITERAL_TOKENS, TERMINAL_TOKENS, CnrLexer, grammar_literals, grammar_terminals, grammar_text,
)
from cnam_dsl.language.parse import parse_text, parser
from conftest import ROOT, run_cnam
from docs_site import SITE_DAY, built_site

GRAMMAR = grammar_text()


# ---------------------------------------------------------------- the Pygments lexer


def test_lexer_gives_every_grammar_keyword_a_token():
    assert set(TERMINAL_TOKENS) == set(grammar_terminals(GRAMMAR))
    assert set(LITERAL_TOKENS) == grammar_literals(GRAMMAR)


@pytest.mark.parametrize("path", sorted((ROOT / "rules").rglob("*.cnr")), ids=lambda p: p.name)
def test_lexer_reads_every_rule_file(path):
    tokens = list(lex(path.read_text(encoding="utf-8"), CnrLexer()))
    assert not [v for t, v in tokens if t in Error or (t in Text and v.strip())]
    headers = {v for t, v in tokens if t in Keyword.Declaration}
    assert headers & {"source", "diplôme"}


def test_lexer_keeps_keywords_inside_identifiers_as_names():
    values = {v: t for t, v in lex("voie stage-seul pour licence-l3\n  exige un stage de 6 mois\n", CnrLexer())}
    assert values["stage-seul"] not in Keyword and values["stage"] in Keyword and values["mois"] in Keyword.Type


def test_lexer_is_a_pygments_plugin():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["pygments.lexers"]["cnr"] == "cnam_dsl.authoring.highlight:CnrLexer"
    try:
        importlib.metadata.distribution("cnam-dsl")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("package not installed: its entry points are not registered")
    from pygments.lexers import get_lexer_by_name

    assert get_lexer_by_name("cnr").name == "Cnr"


# ---------------------------------------------------------------- the language reference


@pytest.mark.parametrize("construct", CONSTRUCTS, ids=lambda c: c.title)
def test_reference_example_parses_and_shows_its_rules(construct):
    rule_file, diagnostics = parse_text(construct.example, "exemple.cnr")
    assert rule_file is not None and not diagnostics, [d.message for d in diagnostics]
    tree = parser().parse(construct.example)
    assert set(construct.rules) <= {t.data for t in tree.iter_subtrees()}
    assert all(definition(grammar_rules(GRAMMAR), r) for r in construct.rules)


def test_reference_covers_every_rule_of_the_grammar():
    used = set()
    for construct in CONSTRUCTS:
        used |= {t.data for t in parser().parse(construct.example).iter_subtrees()}
    assert grammar_names(GRAMMAR) - used == set()


# ---------------------------------------------------------------- decision tables


def test_situations_sit_on_both_sides_of_each_threshold(base):
    limits = thresholds(base, "licence", "delivery", SITE_DAY)
    assert limits == (12, 36)
    found = {(s.in_field, s.out_field) for s in situations(limits)}
    assert {(0, 0), (11, 0), (12, 0), (0, 35), (0, 36), (11, 25), (12, 24)} <= found


def _same(table_answer: dict, answer: dict) -> bool:
    return comparable(table_answer) == comparable(answer)


def test_decision_tables_agree_with_missing_answer(base, engine):
    decisions = Decisions(engine, SITE_DAY)
    checked = 0
    for diploma, info in base.diplomas.items():
        for milestone in info.milestones:
            if not base.sources_for(diploma, milestone, SITE_DAY):
                continue
            table = decisions.table(diploma, milestone)
            for row in table.rows:
                profile = row.situation.profile()
                alone = {s: ask(engine, diploma, profile, [s], milestone, SITE_DAY) for s in table.sources}
                for source, answer in alone.items():
                    assert _same(row.per_source[source], answer), (diploma, milestone, row.situation, source)
                together = ask(engine, diploma, profile, None, milestone, SITE_DAY)
                assert _same(row.combined, together)
                assert row.differs == (len({comparable(d) for d in together["divergences"]}) > 1)
                checked += 1
    assert checked > 50


def test_decision_table_agrees_with_cnam_missing(engine, tmp_path):
    table = Decisions(engine, SITE_DAY).table("licence", "delivery")
    by_status = {}
    for row in table.rows:
        by_status.setdefault(row.combined["status"], row)
    assert {"missing", "internship", "satisfied"} <= set(by_status)
    for status, row in by_status.items():
        candidate = tmp_path / f"{status}.yaml"
        candidate.write_text(row.situation.candidate_yaml(), encoding="utf-8")
        result = run_cnam("missing", "--diploma", "licence", "--profile", str(candidate), "--date",
                          SITE_DAY.isoformat(), "--format", "json")
        assert result.returncode == 0, result.stderr
        assert _same(row.combined, json.loads(result.stdout)), (status, row.situation)


def test_chart_cells_are_the_sources_answers(engine):
    decisions = Decisions(engine, SITE_DAY)
    grid = decisions.grid("bac+2", "delivery", "cnam-eleves")
    assert grid.values == (0, 6, 12, 18, 24, 30, 36, 42, 48)
    assert grid.cells[(24, 0)]["status"] == "satisfied"
    assert grid.cells[(0, 36)]["status"] == "internship"
    assert grid.cells[(0, 30)] == decisions.source_answer("cnam-eleves", "bac+2", "delivery", Situation(0, 30))


def test_witness_candidate_files_are_valid(tmp_path):
    from cnam_dsl.candidate import load_profile

    path = tmp_path / "c.yaml"
    path.write_text(Situation(12, 24).candidate_yaml(), encoding="utf-8")
    assert months(load_profile(str(path))) == months(Situation(12, 24).profile())


# ---------------------------------------------------------------- source documents


def test_every_reason_matches_a_passage_no_rule_cites(base):
    for source, reasons in REASONS.items():
        uncited = [p for p in passages(base, source) if not p.cited]
        for words, reason in reasons:
            assert any(p.reason == reason for p in uncited), (source, words)


def test_cited_passages_are_found(base):
    found = passages(base, "cnam-eleves")
    cited = [p.text for p in found if p.cited]
    assert any(t.startswith("Justifier de 2 ans d’expérience dans le domaine") for t in cited)
    assert not any("convention de stage doit impérativement" in t for t in cited)


def test_vae_information_is_quoted_from_the_documents(base):
    assert missing_information(base) == []


# ---------------------------------------------------------------- the built site


@pytest.fixture(scope="module")
def site():
    return built_site()


def test_build_summary(site, base):
    _, _, summary = site
    assert summary["examples"] == len(base.examples) and summary["pages"] > 30


def test_every_diploma_page_shows_requirements_quotes_table_examples(site, base):
    _, markdown, _ = site
    for diploma in base.diplomas:
        text = (markdown / diploma_page(diploma)).read_text(encoding="utf-8")
        for p in base.pathways:
            if p.diploma == diploma:
                for sentence, provenance in pathway_statements(p):
                    assert f"**{escape(sentence)}**" in text
                    assert f"{provenance.file}:{provenance.line}" in text
        assert "## Tableau de décision" in text and "| Situation du candidat |" in text
        assert "<svg" in text and "## Divergences entre les sources" in text
        for example in base.examples:
            if example.diploma == diploma:
                assert f"{example.span.file}:{example.span.line}" in text


def test_licence_page_reads_as_the_rules_say(site):
    _, markdown, _ = site
    text = (markdown / diploma_page("licence")).read_text(encoding="utf-8")
    assert "**Exige au moins 36 mois (3 ans) d'expérience professionnelle.**" in text
    assert "> « Si l’expérience est hors spécialité, un stage de 6 mois dans la spécialité sera exigé. »" in text
    assert "stage de 3 à 6 mois" in text and "manque 36 mois (3 ans)" in text
    assert "cnam diff --source cnam-eleves --source cnam-na --diploma licence" in text


def test_source_page_lists_passages_not_encoded(site):
    _, markdown, _ = site
    text = (markdown / source_page("cnam-eleves")).read_text(encoding="utf-8")
    assert "## Ce que la base de règles en retient" in text and "## Passages non encodés" in text
    assert "Conventions de stage" in text


def test_vae_page_separates_rules_and_information(site):
    _, markdown, _ = site
    text = (markdown / "vae.md").read_text(encoding="utf-8")
    rules, information = text.split("## Informations pratiques")
    assert "au plus 3 demandes de VAE par année civile" in rules.replace("Au plus", "au plus")
    assert "250 €" in information and "250 €" not in rules


def test_site_is_offline_and_searchable(site):
    root, _, _ = site
    for page in root.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="(https?:)?//[^"]+\.(js|css|woff2?)', html), page
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html, page
    index = json.loads((root / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["fr"]
    assert any("Licence" in doc["title"] for doc in index["docs"])


def test_links_to_rule_lines_land_on_the_line(site):
    root, _, _ = site
    assert broken_line_links(root) == []
    html = (root / "diplomes" / "licence" / "index.html").read_text(encoding="utf-8")
    line = line_of("rules/cnam-eleves/licence.cnr", "exige expérience", after="voie licence-hors-specialite")
    assert f'href="../../regles/cnam-eleves-licence/#__codelineno-0-{line}"' in html


def test_rule_file_pages_are_highlighted_with_the_cnr_lexer(site):
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        get_lexer_by_name("cnr")
    except ClassNotFound:
        pytest.skip("package not installed: the cnr lexer is not registered")
    root, _, _ = site
    html = (root / "regles" / "cnam-na-licence" / "index.html").read_text(encoding="utf-8")
    assert 'class="language-cnr' in html and '<span class="kd">voie</span>' in html


# ---------------------------------------------------------------- failures


def test_a_broken_example_fails_the_build_with_its_line(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    bac2 = rules / "cnam-na" / "bac2.cnr"
    lines = bac2.read_text(encoding="utf-8").splitlines()
    line = lines.index("  attendu manque 1 mois") + 1
    lines[line - 1] = "  attendu manque 2 mois"
    bac2.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cnam("docs", "build", "--rules", str(rules), "--out", str(tmp_path / "site"))
    assert result.returncode == 1
    assert f"rules/cnam-na/bac2.cnr:{line}:" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "site" / "index.html").exists()


def test_a_folder_that_is_not_a_site_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("à garder", encoding="utf-8")
    result = run_cnam("docs", "build", "--out", str(tmp_path))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "--out" in result.stderr and (tmp_path / "notes.txt").exists()


def test_docs_needs_an_action():
    result = run_cnam("docs")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_yaml_of_witness_is_a_candidate_file():
    assert yaml.safe_load(Situation(0, 0).candidate_yaml()) == {"experiences": []}
