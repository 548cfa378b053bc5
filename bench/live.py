"""The live adviser's page, end to end in Chromium: how long from a keystroke to the answer shown beside the form.

`python bench/live.py` starts `cnam serve` and a headless Chromium, opens
the page, types a candidate, then types durations one key at a time (each
key changes the answer: 3, 36, 3, 36…). For each keystroke the page itself
records the time from the `input` event to the new answer in the page
(`live.js` sets `data-answered` once it has replaced it; the measure
includes its 40 ms pause after the last key, the request, the answer and
its rendering), and the request's own time (sent to answer received, from
the page's Resource Timing). Four files: complete (the baseline, answered as before),
incomplete with finite unknown facts (a field left empty, a level unknown),
incomplete with a duration unknown (the solver certifies each answer), and
five facts unknown (a field, a level, a duration, the UE acquired and the
decided length).
Prints p50 / p95 / max per file.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser import launch  # noqa: E402  (the tests' Chromium, installed with apt-get when missing)
from webserver import running_server  # noqa: E402

TARGET_MS = 150.0
RECORDER = """() => {
  window.latencies = [];
  window.served = [];
  performance.setResourceTimingBufferSize(100000);
  const section = document.getElementById("reponse");
  let typed = null;
  document.getElementById("candidate-form").addEventListener("input", () => { typed = performance.now(); }, true);
  new MutationObserver(() => {
    if (typed === null) return;
    window.latencies.push(performance.now() - typed);
    const asked = performance.getEntriesByType("resource").filter(e => new URL(e.name).pathname === "/live").pop();
    window.served.push(asked.responseEnd - asked.requestStart);
    typed = null;
  }).observe(section, { attributes: true, attributeFilter: ["data-answered"] });
}"""
SCENARIOS = {
    "complete (baseline)": {"field": "out", "level": "sufficient", "other_months": "12"},
    "incomplete: a field empty, a level unknown": {"field": "", "level": "unknown", "other_months": "12"},
    "incomplete: a duration unknown": {"field": "out", "level": "sufficient", "other_months": "?"},
    "incomplete: five facts unknown": {"field": "", "level": "unknown", "other_months": "?", "ue_acquired": "?",
                                       "decided_internship_months": "?"},
}


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def measure(page, scenario: dict, keystrokes: int) -> list[list[float]]:
    """Each keystroke's time to its answer shown, and its request's time (ms)."""
    page.goto(page.url.split("#")[0])
    page.select_option("#diploma", "licence")
    page.fill("#date", "2026-01-01")
    page.fill("#experiences-0-label", "Magasinier")
    page.select_option("#experiences-0-field", scenario["field"])
    page.click("button[data-add=experiences]")
    page.fill("#experiences-1-label", "Vendeur")
    page.fill("#experiences-1-months", scenario["other_months"])
    page.select_option("#experiences-1-field", "out")
    page.select_option("#experiences-1-level", scenario["level"])
    for fact in ("ue_acquired", "decided_internship_months"):
        page.fill(f"#{fact}", scenario.get(fact, ""))
    page.fill("#experiences-0-months", "30")
    page.wait_for_selector("#answer-json", state="attached")
    page.wait_for_timeout(300)  # every answer asked while filling has arrived (none is counted for a keystroke)
    page.wait_for_function("document.getElementById('reponse').getAttribute('aria-busy') !== 'true'")
    page.evaluate(RECORDER)
    field = page.locator("#experiences-0-months")
    for n in range(keystrokes):
        before = page.evaluate("window.latencies.length")
        field.press("End")
        if n % 2 == 0:
            field.press("6")  # 3 → 36
        else:
            field.press("Backspace")  # 36 → 3
        page.wait_for_function(f"window.latencies.length > {before}", timeout=10_000)
        page.wait_for_timeout(60)  # the adviser's next key comes after the answer
    return page.evaluate("[window.latencies, window.served]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keystrokes", type=int, default=60, help="keystrokes per file (default 60)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results = {}
    with running_server() as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}).new_page()
        page.goto(url + "/")
        measure(page, SCENARIOS["incomplete: a duration unknown"], 4)  # warm the server (terms, templates)
        for name, scenario in SCENARIOS.items():
            page.goto(url + "/")
            results[name] = measure(page, scenario, args.keystrokes)
        browser.close()
    print("Live adviser's page, keystroke to answer shown (Chromium, end to end, 40 ms pause included), ms;")
    print("'server': the request /live alone, from sent to answer received (the page's Resource Timing)")
    print(f"{'file':<46} {'keys':>5} {'p50':>7} {'p95':>7} {'max':>7} {'p95 / baseline':>15} {'server p50':>11} "
          f"{'server p95':>11}")
    baseline = percentile(results["complete (baseline)"][0], 95)
    for name, (values, served) in results.items():
        print(f"{name:<46} {len(values):>5} {statistics.median(values):>7.1f} {percentile(values, 95):>7.1f} "
              f"{max(values):>7.1f} {percentile(values, 95) / baseline:>15.2f} {statistics.median(served):>11.1f} "
              f"{percentile(served, 95):>11.1f}")
    worst = max(percentile(v, 95) for v, _ in results.values())
    print(f"target: p95 ≤ {TARGET_MS:.0f} ms — {'met' if worst <= TARGET_MS else 'NOT met'} (worst p95 {worst:.1f} ms)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"({platform.system()} {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}; "
          f"load average at the end {load:.1f})")


if __name__ == "__main__":
    main()
