"""Every public page, in a real browser: zero axe violations (WCAG 2.1 A and AA), in both languages,
a working skip link, and a usable page without JavaScript."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PAGES = ["/", "/kundval/forskola", "/kundval/forskola?sida=2", "/kundval/hemtjanst", "/kundval/kulturskola",
         "/finns-inte"]


def first_unit_path(page: Page, area: str) -> str:
    page.goto(f"/kundval/{area}")
    return page.locator(".unit-card h3 a").first.get_attribute("href") or ""


def assert_no_violations(page: Page) -> None:
    result = Axe().run(page, options=WCAG)
    details = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result.response["violations"]]
    assert result.violations_count == 0, details


@pytest.mark.parametrize("language", ["sv", "en"])
def test_public_pages_have_no_axe_violations(page: Page, language: str):
    page.goto(f"/sprak/{language}")
    paths = PAGES + [first_unit_path(page, "forskola"), first_unit_path(page, "sarskilt-boende-for-aldre")]
    for path in paths:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert_no_violations(page)


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(page: Page):
    page.goto("/kundval/forskola")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_pages_work_without_javascript(browser, base_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, base_url=base_url)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name="Förskola", exact=True).click()
    expect(page.locator("h1")).to_have_text("Förskola")
    page.get_by_role("link", name="Nästa sida").first.click()
    expect(page).to_have_url(f"{base_url}/kundval/forskola?sida=2")
    page.locator(".unit-card h3 a").first.click()
    expect(page.locator("h2", has_text="Kontakt")).to_be_visible()
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    context.close()


def test_the_portal_is_usable_on_a_phone(browser, base_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base_url)
    page = context.new_page()
    page.goto("/kundval/forskola")
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert overflow is False
    assert_no_violations(page)
    context.close()
