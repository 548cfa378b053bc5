"""The adviser's page in a real headless Chromium: fill the form as a person would, read the answer shown."""

from __future__ import annotations

import json
import re

import pytest

from browser import ARTIFACTS, launch
from conftest import ROOT
from test_cases import CASES
from test_web_api import RULES_DATE, cli_answer
from webserver import running_server

pytestmark = pytest.mark.slow
BY_ID = {c["id"]: c for c in CASES}
SCREENSHOT = ROOT / "docs" / "images" / "web-answer.png"
SOURCES = ("cnam-eleves", "cnam-na", "referentiel-formation", "vae-2009", "vae-bfc")
STATUS_SENTENCE = {
    "satisfied": "L'expérience du candidat suffit : rien de plus n'est exigé.",
    "internship": "L'expérience du candidat suffit à condition d'effectuer un stage.",
    "missing": "L'expérience du candidat ne suffit pas : il lui faut davantage d'expérience.",
    "conflict": "Les règles et les faits du candidat se contredisent : aucune réponse ne les respecte tous.",
}


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


@pytest.fixture
def page(browser, server):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1100, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.goto(server + "/")
    yield tab
    context.close()


def fill_candidate(page, profile: dict) -> None:
    """Type a candidate into the form: one row per experience, added with the page's button."""
    if profile.get("ue_acquired"):
        page.fill("#ue_acquired", str(profile["ue_acquired"]))
    if profile.get("decided_internship_months"):
        page.fill("#decided_internship_months", str(profile["decided_internship_months"]))
    for index, experience in enumerate(profile.get("experiences") or []):
        if index > 0 or page.locator("#experiences-0-months").count() == 0:
            page.click("button[data-add=experiences]")
        row = page.locator("#experiences .rows fieldset.row").nth(index)
        prefix = f"#experiences-{row.get_attribute('data-row')}-"
        if "months" in experience:
            page.fill(prefix + "months", str(experience["months"]).replace(".", ","))
        else:
            page.fill(prefix + "start", str(experience["start"]))
            page.fill(prefix + "end", str(experience["end"]))
        page.select_option(prefix + "field", experience["field"])
        page.select_option(prefix + "kind", experience.get("kind", "salaried"))


def ask_missing(page, case: dict) -> None:
    fill_candidate(page, case["profile"])
    page.select_option("#diploma", case["diploma"])
    if "milestone" in case:
        page.select_option("#milestone", case["milestone"])
    page.fill("#date", RULES_DATE)
    for source in SOURCES:
        page.set_checked(f"#source-{source}", not case.get("sources") or source in case["sources"])
    with page.expect_navigation():  # the answer beside the form follows the typing; the button posts the form
        page.click("button.primary[value=missing]")
    page.wait_for_selector("#answer-json", state="attached")


def shown_answer(page) -> dict:
    return json.loads(page.locator("#answer-json").text_content())


def check_shown(page, expected: dict) -> None:
    """What the page shows, read as a person reads it, against the CLI's JSON."""
    status = page.locator("#reponse p.status")
    assert status.get_attribute("data-status") == expected["status"]
    assert status.inner_text().strip() == STATUS_SENTENCE[expected["status"]]
    if expected["status"] == "internship":
        for key in ("min_months", "max_months", "standard_months"):
            cell = page.inner_text(f"#reponse table.internship td[data-field={key}]")
            value = expected["internship"][key]
            assert (str(value) + " mois" in cell) if value is not None else ("mois" not in cell), (key, cell)
    if expected["status"] == "missing":
        shown = page.locator("#reponse [data-field=missing_months]")
        assert float(shown.get_attribute("data-months")) == expected["missing_months"]
    page.click("#reponse details.why-details > summary")  # « Pourquoi » opens on its summary, details folded
    refs = page.locator("#reponse .rule-ref").all_inner_texts()
    assert refs == [f"{e['file']}:{e['line']}" for e in expected["explanation"]]
    quotes = page.locator("#reponse ol.why blockquote").all_inner_texts()
    assert quotes == [f"« {e['quote']} »" for e in expected["explanation"] if e["quote"]]
    divergences = page.locator("#reponse .divergences li").count()
    assert divergences == len(expected["divergences"])
    assert shown_answer(page) == expected


@pytest.mark.parametrize("case_id", ["eleves-licence-out-of-field", "eleves-bac4-short-out-of-field",
                                     "both-certificat-no-experience", "na-ingenieur-probatoire-out-of-field"])
def test_the_page_answers_as_the_cli(page, case_id, tmp_path):
    case = BY_ID[case_id]
    ask_missing(page, case)
    check_shown(page, cli_answer(case, tmp_path))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-{case_id}.png"), full_page=True)


def test_vae_on_the_page(page, tmp_path):
    case = BY_ID["bfc-vae-short"]
    fill_candidate(page, case["profile"])
    page.fill("#certification", case["certification"])
    page.fill("#year", str(case["year"]))
    with page.expect_navigation():
        page.click("button.primary[value=vae]")
    page.wait_for_selector("#answer-json", state="attached")
    expected = cli_answer(case, tmp_path)
    assert page.get_attribute("#reponse p.status", "data-status") == expected["status"]
    assert float(page.get_attribute("#reponse [data-field=missing_months]", "data-months")) == expected["missing_months"]
    assert shown_answer(page) == expected


def fill(page, values: dict[str, str]) -> None:
    """Fill fields by selector, choosing in lists where the field is one."""
    for selector, value in values.items():
        if page.locator(selector).evaluate("element => element.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)


def test_a_validation_error_is_shown_next_to_its_field_and_the_data_kept(page):
    fill(page, {"#name": "Bruno Petit", "#experiences-0-label": "Formateur", "#experiences-0-months": "24",
                "#experiences-0-time_share": "1,5", "#experiences-0-field": "in", "#diploma": "bac+2"})
    page.click("button.primary[value=missing]")
    field = page.locator(".field", has=page.locator("#experiences-0-time_share"))
    error = field.locator(".field-error")
    assert "]0, 1]" in error.inner_text()
    assert page.get_attribute("#experiences-0-time_share", "aria-invalid") == "true"
    assert page.input_value("#experiences-0-time_share") == "1,5"
    assert page.input_value("#experiences-0-label") == "Formateur"
    assert page.input_value("#name") == "Bruno Petit"
    assert page.input_value("#diploma") == "bac+2"
    assert page.locator("#answer-json").count() == 0  # the answer beside the form waits for the errors to go
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-validation-error.png"), full_page=True)


def test_rows_are_added_and_removed_and_the_candidate_exported_and_imported(page, tmp_path):
    page.click("button[data-add=experiences]")
    page.click("button[data-add=experiences]")
    assert page.locator("#experiences fieldset.row").count() == 3
    page.locator("#experiences fieldset.row").nth(1).locator("button.remove").click()
    assert page.locator("#experiences fieldset.row").count() == 2
    fill(page, {"#name": "Chloé Durand", "#experiences-0-months": "30", "#experiences-0-field": "in",
                "#experiences-2-start": "2021-09-01", "#experiences-2-end": "2023-08-31",
                "#experiences-2-time_share": "0,5", "#experiences-2-field": "out"})
    with page.expect_download() as download:
        page.click("button[value=export]")
    saved = tmp_path / "chloe.yaml"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert "name: Chloé Durand" in text and "start: '2021-09-01'" in text and "time_share: 0.5" in text
    page.goto(page.url.split("#")[0])
    page.set_input_files("#candidate_file", str(saved))
    page.click("button[value=import]")
    assert page.input_value("#name") == "Chloé Durand"
    assert page.input_value("#experiences-1-start") == "2021-09-01"
    assert page.input_value("#experiences-1-time_share") == "0,5"


def test_screenshot_of_an_answer_for_the_readme(page):
    page.fill("#name", "Alice Martin")
    fill_candidate(page, {"ue_acquired": 3, "experiences": [
        {"start": "2020-09-01", "end": "2023-08-31", "field": "out"}]})
    page.fill("#experiences-0-label", "Commerciale, grande distribution")
    page.select_option("#diploma", "licence")
    page.fill("#date", RULES_DATE)
    with page.expect_navigation():
        page.click("button.primary[value=missing]")
    page.wait_for_selector("#answer-json", state="attached")
    answer = page.locator("#reponse")
    assert re.search(r"stage de 3 à 6 mois", answer.inner_text())
    ARTIFACTS.mkdir(exist_ok=True)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    box = answer.bounding_box()  # the top of the answer: status, internship, options, divergences, first reasons
    top = box["y"] + page.evaluate("window.scrollY")
    clip = {"x": box["x"] - 8, "y": top - 8, "width": box["width"] + 16, "height": min(box["height"], 1450) + 8}
    page.screenshot(path=str(SCREENSHOT), clip=clip, full_page=True)
    answer.screenshot(path=str(ARTIFACTS / "web-answer-full.png"))
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "web-answer-print.png"), full_page=True)
