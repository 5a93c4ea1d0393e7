"""The report page in headless Chromium: it loads offline with no console errors, every
plot is drawn, the filters change the totals, a total opens its evidence (sentences and
source URLs), and a screenshot is kept in out/test-artifacts/ (git-ignored)."""

import json
import time

import pytest
from typer.testing import CliRunner

from relief_ner.commands import app

from test_report import DOCS, build_db

PLOTS = ("plot-flows", "plot-months", "plot-years", "plot-providers", "plot-recipients", "plot-units", "plot-areas")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    db = build_db(str(folder / "records.sqlite"), folder)
    path = folder / "report.html"
    result = CliRunner().invoke(app, ["report", db, "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _open(browser, path):
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(path.as_uri())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if browser.execute_script("return document.body && document.body.dataset.rendered"):
            return
        time.sleep(0.1)
    pytest.fail(f"the page did not render; console: {browser.get_log('browser')}")


def _wait_for_plots(browser):
    script = """return arguments[0].map(id => {
        const node = document.getElementById(id);
        return node.querySelectorAll('svg.main-svg').length > 0 &&
               node.querySelectorAll('.bars path, .hm image').length > 0;
    })"""
    deadline = time.monotonic() + 15
    drawn = []
    while time.monotonic() < deadline:
        drawn = browser.execute_script(script, list(PLOTS))
        if all(drawn):
            return
        time.sleep(0.1)
    pytest.fail(f"plots not drawn: {dict(zip(PLOTS, drawn))}")


def _total(browser, name):
    return browser.find_element("css selector", f"#total-{name} .value").text


def _set(browser, element_id, value):
    browser.execute_script(
        "const el = document.getElementById(arguments[0]);"
        "if (el.type === 'checkbox') el.checked = arguments[1]; else el.value = arguments[1];"
        "el.dispatchEvent(new Event('change'));",
        element_id,
        value,
    )


def test_page_loads_draws_every_plot_and_logs_no_error(browser, page, artifacts):
    _open(browser, page)
    _wait_for_plots(browser)
    problems = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert problems == []
    assert browser.execute_script("return window.injected") is None
    assert _total(browser, "events") == "5"
    assert _total(browser, "records") == "6"
    assert _total(browser, "money") == "320 万元"
    shot = artifacts / "report.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def test_filters_change_the_totals(browser, page):
    _open(browser, page)
    _set(browser, "f-from", "2026-11-01")
    _set(browser, "f-to", "2026-11-30")
    # a and b (one event) and c, and e, which has no date (shown unless unticked)
    assert _total(browser, "events") == "3" and _total(browser, "money") == "280 万元"
    _set(browser, "f-undated", False)
    assert _total(browser, "events") == "2" and _total(browser, "money") == "80 万元"
    _set(browser, "f-from", "")
    _set(browser, "f-to", "")
    assert _total(browser, "events") == "4"
    regions = browser.execute_script("return [...document.getElementById('f-pr').options].map(o => [o.value, o.text])")
    jiangsu = next(value for value, text in regions if text == "江苏")
    _set(browser, "f-pr", jiangsu)
    assert _total(browser, "events") == "1" and _total(browser, "money") == "50 万元"
    _set(browser, "f-pr", "-1")
    browser.find_element("id", "f-reset").click()
    assert _total(browser, "events") == "5"


def test_a_total_opens_its_evidence(browser, page, artifacts):
    _open(browser, page)
    row = next(
        tr
        for tr in browser.find_elements("css selector", "#table-providers tbody tr")
        if tr.find_element("css selector", "td").text == "浙江某某集团"
    )
    row.find_element("css selector", "a.evidence-link").click()
    title = browser.find_element("id", "evidence-title").text
    assert title == "Evidence: 浙江某某集团 (2 events)"
    events = browser.find_elements("css selector", "#evidence-list > li")
    assert len(events) == 2
    sources = {a.get_attribute("href") for a in browser.find_elements("css selector", "#evidence-list .sources a")}
    assert sources == {"http://example.org/a", "http://example.org/b", "http://example.org/d"}
    sentences = [s.text for s in browser.find_elements("css selector", "#evidence-list .sentence")]
    assert sorted(sentences) == sorted([DOCS[0]["text"], DOCS[1]["text"], DOCS[3]["text"]])
    browser.save_screenshot(str(artifacts / "report-evidence.png"))


def test_a_bar_opens_its_evidence(browser, page):
    from selenium.webdriver import ActionChains

    _open(browser, page)
    _wait_for_plots(browser)
    months = json.loads(
        browser.execute_script("return JSON.stringify(document.getElementById('plot-months').data[0].x)")
    )
    assert months == ["2025-01", "2026-11", "2026-12"]
    bars = browser.find_elements("css selector", "#plot-months .bars path")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", bars[1])
    ActionChains(browser).move_to_element(bars[1]).click().perform()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not browser.find_elements("css selector", "#evidence-list > li"):
        time.sleep(0.1)
    assert browser.find_element("id", "evidence-title").text == "Evidence: 2026-11 (2 events)"
