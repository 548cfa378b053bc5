"""The documentation site in a real browser: built, served on 127.0.0.1, read in headless Chromium, photographed."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pytest

from browser import ARTIFACTS, launch
from conftest import ROOT
from docs_site import built_site
from helpers import line_of

pytestmark = pytest.mark.slow
README_SCREENSHOT = ROOT / "docs" / "images" / "diploma-page.png"


@pytest.fixture(scope="module")
def server():
    site, _, _ = built_site()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the standard library's signature
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        tab = context.new_page()
        tab.elsewhere = []  # every request that leaves the local server
        tab.on("request", lambda r: None if r.url.startswith((server, "data:")) else tab.elsewhere.append(r.url))
        yield tab
        browser.close()


def open_page(page, server: str, path: str) -> None:
    page.goto(f"{server}/{path}")
    page.wait_for_load_state("networkidle")


def test_home_page_lists_diplomas_and_sources(page, server):
    open_page(page, server, "")
    assert page.title().startswith("Exigences d'expérience professionnelle du Cnam")
    body = page.locator("article").inner_text()
    assert "Licence, parcours complet L1, L2, L3" in body and "cnam-eleves" in body
    assert page.locator("html").get_attribute("lang") == "fr"
    page.screenshot(path=str(ARTIFACTS / "docs-home.png"))
    assert page.elsewhere == []


def test_diploma_page_shows_requirements_quotes_table_and_chart(page, server):
    open_page(page, server, "diplomes/licence/")
    article = page.locator("article")
    text = article.inner_text()
    assert "Exige au moins 36 mois (3 ans) d'expérience professionnelle." in text
    assert "« Justifier de 3 ans d’expérience professionnelle, dont 1 an dans la spécialité" in text
    quotes = article.locator("blockquote")
    assert quotes.count() >= 8 and quotes.first.is_visible()
    table = article.locator("table", has=page.locator("th", has_text="Situation du candidat"))
    assert table.count() == 1 and table.locator("tbody tr").count() >= 10
    assert "stage de 3 à 6 mois" in table.inner_text() and "manque 36 mois" in table.inner_text()
    charts = article.locator("svg.cnam-chart")
    assert charts.count() == 2 and charts.first.is_visible()
    assert "Exemples vérifiés" in text and "✓" in article.locator("table").last.inner_text()
    assert page.locator("input.md-search__input").is_visible()
    page.screenshot(path=str(ARTIFACTS / "docs-diploma-licence.png"))
    README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTIFACTS / "docs-diploma-licence.png", README_SCREENSHOT)
    article.locator("#tableau-de-decision").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "docs-decision-table.png"))
    assert page.elsewhere == []


def test_a_rule_link_opens_the_rule_line(page, server):
    open_page(page, server, "diplomes/licence/")
    number = line_of("rules/cnam-eleves/licence.cnr", "exige expérience", after="voie licence-hors-specialite")
    page.locator("article a", has_text=f"rules/cnam-eleves/licence.cnr:{number}").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/regles/cnam-eleves-licence/#__codelineno-0-{number}")
    line = page.locator(f"#__codelineno-0-{number}")
    assert line.count() == 1
    assert "voie" in page.locator("code").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "docs-rule-file.png"))


def test_search_finds_a_diploma(page, server):
    open_page(page, server, "")
    page.locator("input.md-search__input").click()
    page.keyboard.type("psychologue")  # typed key by key: the search listens to the keyboard
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15_000)
    assert "psychologue" in page.locator(".md-search-result").inner_text().lower()
    page.screenshot(path=str(ARTIFACTS / "docs-search.png"))


def test_source_and_vae_pages(page, server):
    open_page(page, server, "sources/cnam-eleves/")
    text = page.locator("article").inner_text()
    assert "Passages non encodés" in text and "Conventions de stage" in text
    open_page(page, server, "vae/")
    text = page.locator("article").inner_text()
    assert "au plus 3 demandes de VAE par année civile" in text.replace("Au plus", "au plus")
    assert "Informations pratiques (non encodées en règles)" in text and "250 €" in text
    page.screenshot(path=str(ARTIFACTS / "docs-vae.png"))
    assert page.elsewhere == []
