"""An automated accessibility audit (axe-core, run in the real headless Chromium) of the adviser's page (form,
answers, errors, a rule file) and of the documentation site: no violation of WCAG 2.0, 2.1 or 2.2 at level A
or AA. And the page fits a 390 px phone.

axe-core's script is the one the `axe-playwright-python` package ships (from PyPI, like every test
dependency); it is injected into each page and run there.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from browser import launch
from docs_site import built_site
from webserver import running_server

pytestmark = pytest.mark.slow
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PHONE = {"width": 390, "height": 844}


def axe_script() -> str:
    axe = pytest.importorskip("axe_playwright_python")
    return (Path(axe.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def violations(page) -> list[str]:
    """axe-core's violations of level A and AA on the page as it is now, one line each (rule: elements)."""
    page.add_script_tag(content=axe_script())
    found = page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
        return result.violations.map(v => `${v.id} (${v.impact}) : ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
    }""", WCAG_A_AA)
    return found


@pytest.fixture(scope="module")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server():
    with running_server() as url:
        yield url


def new_page(chromium, viewport=None):
    # The audit adds axe-core to the page as an inline script, which the page's Content-Security-Policy refuses
    # (as it must any script not its own): the audit's browser leaves the policy aside.
    context = chromium.new_context(locale="fr-FR", viewport=viewport or {"width": 1100, "height": 900},
                                   bypass_csp=True)
    return context, context.new_page()


def ask_licence(page) -> None:
    page.fill("#name", "Léa Moreau")
    page.fill("#experiences-0-months", "36")
    page.select_option("#experiences-0-field", "out")
    page.select_option("#diploma", "licence")
    page.click("button.primary[value=missing]")
    page.wait_for_selector("#reponse")


# ---------------------------------------------------------------- the adviser's page


def test_the_form_has_no_accessibility_violation(chromium, server):
    context, page = new_page(chromium)
    page.goto(server + "/")
    assert violations(page) == []
    context.close()


def test_an_answer_has_no_accessibility_violation(chromium, server):
    context, page = new_page(chromium)
    page.goto(server + "/")
    ask_licence(page)
    assert violations(page) == []
    page.goto(server + "/")
    page.fill("#experiences-0-months", "12")
    page.select_option("#experiences-0-field", "in")
    page.fill("#certification", "LP110504")
    page.click("button.primary[value=vae]")
    page.wait_for_selector("#reponse")
    assert violations(page) == []
    context.close()


def test_errors_beside_their_fields_have_no_accessibility_violation(chromium, server):
    context, page = new_page(chromium)
    page.goto(server + "/")
    page.fill("#ue_acquired", "1,5")
    page.fill("#experiences-0-months", "12")
    page.fill("#experiences-0-time_share", "1,5")
    page.click("button.primary[value=missing]")
    assert page.locator("#ue_acquired-error").inner_text() == "attendu un entier entre 0 et 1000, reçu 1,5"
    assert page.locator("#experiences-0-time_share-error").inner_text().endswith("reçu 1,5")
    assert violations(page) == []
    context.close()


def test_a_rule_file_has_no_accessibility_violation(chromium, server):
    context, page = new_page(chromium)
    page.goto(server + "/regles/rules/cnam-eleves/licence.cnr")
    assert violations(page) == []
    context.close()


@pytest.mark.parametrize("step", ["form", "answer"])
def test_the_page_fits_a_390_px_phone(chromium, server, step):
    context, page = new_page(chromium, PHONE)
    page.goto(server + "/")
    page.select_option("#diploma", "ingenierie-formation")  # the longest diploma name
    if step == "answer":
        ask_licence(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert violations(page) == []
    context.close()


# ---------------------------------------------------------------- the documentation site


@pytest.fixture(scope="module")
def docs():
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


def test_every_documentation_page_has_no_accessibility_violation(chromium, docs):
    site, _, _ = built_site()
    paths = sorted(str(p.parent.relative_to(site)) + "/" for p in site.rglob("index.html"))
    assert len(paths) > 30 and "diplomes/licence/" in paths
    context, page = new_page(chromium)
    found = {}
    for path in paths:
        response = page.goto(f"{docs}/{path.removeprefix('./')}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        found[path] = violations(page)
    context.close()
    assert {path: v for path, v in found.items() if v} == {}
