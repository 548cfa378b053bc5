"""What a reader of the documentation site sees, word for word: document names as written, which diploma a
reprise takes its pathways from, punctuation, the charts' axes, French tooltips, French pages only."""

from __future__ import annotations

import re

from docs_site import built_site


def page(path: str) -> str:
    site, _, _ = built_site()
    return (site / path / "index.html").read_text(encoding="utf-8")


def test_document_names_show_as_written():
    site, _, _ = built_site()
    for html in site.rglob("index.html"):
        assert not re.search(r"<code>[^<]*\\[_*|\[\]][^<]*</code>", html.read_text(encoding="utf-8")), html
    assert "<code>000_6c32f63ad9fce940.txt</code>" in page("sources/cnam-na")
    assert "<code>, durée décidée par le jury|le Cnam</code>" in page("auteurs/langage")


def test_a_reprise_says_which_diploma_it_takes_its_pathways_from():
    assert ("Le diplôme psychologue-travail reprend les voies du diplôme ingenieur (Titre d'ingénieur) de la même "
            "source.") in page("sources/cnam-na")


def test_the_period_of_the_vae_rules_is_one_sentence():
    text = page("vae")
    assert "Sans date de début ni de fin (en vigueur en 2026)." in text
    assert ". (" not in re.sub(r"<[^>]+>", "", text)


def test_the_vertical_axis_of_a_chart_has_an_upright_arrow_pointing_up():
    text = page("diplomes/licence")
    assert ">mois dans le domaine</text>" in text and 'aria-hidden="true">↑</text>' in text
    assert "mois dans le domaine →" not in text


def test_the_site_speaks_french_only():
    site, _, _ = built_site()
    assert "Cette page s'adresse à qui travaille sur l'outil" in page("projet/architecture")
    for html in site.rglob("index.html"):
        text = html.read_text(encoding="utf-8")
        assert "Permanent link" not in text, html
    assert 'title="Lien vers cette section"' in page("diplomes/licence")
