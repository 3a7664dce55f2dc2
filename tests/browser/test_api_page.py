"""The open data documentation page in a real browser: zero axe violations (WCAG 2.1 A and AA) in Swedish
and English at 1280 and 390 px, no horizontal overflow, reachable from the footer, and its example links
lead to answers of the API."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, expect

from tests.api_helpers import Contract
from tests.browser.test_accessibility import SCREENSHOTS, WIDTHS, assert_no_violations


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_api_page_has_no_axe_violations(browser: Browser, base_url: str, language: str, width: str):
    context = browser.new_context(viewport=WIDTHS[width], base_url=base_url, locale="sv-SE")
    page = context.new_page()
    page.goto(f"/sprak/{language}")
    page.locator(".site-footer a[href='/oppna-data']").click()
    expect(page).to_have_url(f"{base_url}/oppna-data")
    page.wait_for_load_state("load")  # the style sheet applied before the width is measured
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("script").count() == 0
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert overflow is False, f"the API page is wider than the screen at {width}"
    assert_no_violations(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"open-data-{language}-{width}.png"), full_page=True)
    context.close()


def test_the_example_links_answer_with_json(browser: Browser, base_url: str):
    context = browser.new_context(base_url=base_url, locale="sv-SE")
    page = context.new_page()
    page.goto("/oppna-data")
    link = page.locator(".api-endpoint a[href*='/api/v1/units/']").first
    response = page.request.get(link.get_attribute("href") or "")
    assert response.status == 200 and response.headers["content-type"] == "application/json"
    body = json.loads(response.text())
    assert body["slug"]
    contract = Contract(page.request.get("/api/v1/openapi.json").json())
    contract.validate(body, "/components/schemas/UnitDetail", link.get_attribute("href") or "")
    context.close()
