"""The adviser's page in a real headless Chromium, live: the answer beside the form follows the typing (no submit),
empty fields are unknown, the facts without effect are marked, the next question highlighted, « Pourquoi pas ? »
comes after the answer, a phone has no horizontal scroll, and without JavaScript the button gives the same."""

from __future__ import annotations

import json

import pytest

from browser import ARTIFACTS, launch
from conftest import ROOT
from webserver import running_server

pytestmark = pytest.mark.slow
IMAGES = ROOT / "docs" / "images"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server():
    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def open_page(browser, server, viewport=None, javascript=True):
    context = browser.new_context(locale="fr-FR", viewport=viewport or {"width": 1280, "height": 900},
                                  java_script_enabled=javascript)
    page = context.new_page()
    page.goto(server + "/")
    return page


def magasinier(page, sources=("cnam-eleves",)) -> None:
    """The issue's file typed in: the magasinier's field left empty, the vendeur's level unknown."""
    page.select_option("#diploma", "licence")
    page.fill("#date", "2026-01-01")
    for box in ("cnam-eleves", "cnam-na"):
        page.set_checked(f"#source-{box}", box in sources)
    page.fill("#experiences-0-label", "Magasinier")
    page.fill("#experiences-0-months", "36")
    page.click("button[data-add=experiences]")
    page.fill("#experiences-1-label", "Vendeur")
    page.fill("#experiences-1-months", "12")
    page.select_option("#experiences-1-field", "out")
    page.select_option("#experiences-1-level", "unknown")


def status(page) -> str:
    return page.get_attribute("#reponse p.status", "data-status")


def wait_status(page, expected: str) -> None:
    page.wait_for_selector(f"#reponse p.status[data-status={expected}]")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_typing_updates_the_answer_without_a_submit(browser, server):
    page = open_page(browser, server)
    page.evaluate("window.stillTheSamePage = true")
    assert page.locator("#reponse .placeholder").count() == 1
    magasinier(page)
    wait_status(page, "undetermined")
    page.select_option("#experiences-0-field", "out")
    wait_status(page, "internship")
    page.select_option("#experiences-0-field", "in")
    wait_status(page, "satisfied")
    page.fill("#experiences-0-months", "20")
    page.fill("#experiences-1-months", "")
    page.fill("#experiences-1-label", "")
    wait_status(page, "missing")
    shown = json.loads(page.locator("#answer-json").text_content())
    assert shown["missing_months"] == 16 and shown["sources"] == ["cnam-eleves"]
    assert page.evaluate("window.stillTheSamePage") is True
    page.context.close()


def test_fields_without_effect_are_marked_and_the_next_question_highlighted(browser, server):
    page = open_page(browser, server)
    magasinier(page)
    wait_status(page, "undetermined")
    next_question = page.locator("#reponse .next-question")
    assert "L'expérience « Magasinier » est-elle dans le domaine du diplôme ?" in next_question.inner_text()
    assert next_question.locator("a").get_attribute("href") == "#experiences-0-field"
    irrelevant = page.locator("#reponse .irrelevant a[data-fact='experiences[1].level']")
    assert irrelevant.get_attribute("href") == "#experiences-1-level"
    after = "(id) => getComputedStyle(document.querySelector(`label[for=${id}]`), '::after').content"
    assert "sans effet sur la réponse" in page.evaluate(after, "experiences-1-level")
    assert "question suivante" in page.evaluate(after, "experiences-0-field")
    assert page.evaluate(after, "experiences-0-months") == "none"
    assert [li.get_attribute("data-status") for li in page.locator("#reponse ol.possible > li").all()] == \
        ["satisfied", "internship"]
    ARTIFACTS.mkdir(exist_ok=True)
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, document.querySelector('#experiences').offsetTop - 10)")
    page.screenshot(path=str(IMAGES / "live-partial.png"))
    page.context.close()


def test_pourquoi_pas_comes_after_a_complete_answer_and_pourquoi_opens_on_a_summary(browser, server):
    page = open_page(browser, server)
    magasinier(page)
    page.select_option("#experiences-0-field", "out")
    page.select_option("#experiences-1-level", "sufficient")  # a complete file: « Pourquoi pas ? » is its own
    wait_status(page, "internship")
    page.wait_for_selector("#why-not ol li")
    changes = page.locator("#why-not ol li").all_inner_texts()
    assert any("Demander au jury de fixer la durée du stage" in c for c in changes)
    assert any("Magasinier » est reconnue dans le domaine" in c for c in changes)
    why = page.locator("#reponse details.why-details")
    assert why.get_attribute("open") is None
    assert "règles de cnam-eleves" in why.locator("summary").inner_text()
    why.locator("summary").click()
    assert why.locator("blockquote").first.is_visible()
    page.context.close()


@pytest.mark.parametrize("state", ["empty", "incomplete", "complete"])
def test_a_phone_has_no_horizontal_scroll(browser, server, state):
    page = open_page(browser, server, PHONE)
    if state != "empty":
        magasinier(page, sources=("cnam-eleves", "cnam-na"))
        wait_status(page, "undetermined")
    if state == "complete":
        page.select_option("#experiences-0-field", "out")
        page.select_option("#experiences-1-level", "sufficient")
        wait_status(page, "internship")
        page.wait_for_selector("#why-not ol li")
        page.click("#reponse details.why-details > summary")
        page.click("#reponse details.raw > summary")
    assert no_horizontal_scroll(page)
    if state == "incomplete":
        page.locator("#reponse").screenshot(path=str(IMAGES / "live-phone.png"))
    page.context.close()


def test_without_javascript_the_button_gives_the_same_answer(browser, server):
    page = open_page(browser, server, javascript=False)
    page.select_option("#diploma", "licence")
    page.fill("#date", "2026-01-01")
    page.set_checked("#source-cnam-na", False)
    page.fill("#experiences-0-label", "Magasinier")
    page.fill("#experiences-0-months", "36")
    assert page.locator("#reponse .placeholder").count() == 1  # nothing follows the typing
    page.click("button.primary[value=missing]")
    assert status(page) == "undetermined"
    shown = json.loads(page.locator("#answer-json").text_content())
    assert shown["questions"][0]["fact"] == "experiences[0].field"
    assert page.input_value("#experiences-0-months") == "36"
    page.select_option("#experiences-0-field", "out")
    page.click("button.primary[value=missing]")
    assert status(page) == "internship"
    assert page.locator("#why-not ol li").count() >= 3  # computed with the page: no script to fetch it
    page.context.close()
