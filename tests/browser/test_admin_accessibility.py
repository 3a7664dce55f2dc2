"""The back office in a real browser: signed in as an officer, every page type has zero axe violations at
desktop and phone widths, and the page title starts with "Fel:" when a form has errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_accessibility import WIDTHS, assert_no_violations
from tests.conftest import OFFICER_EDUCATION

ADMIN_PAGES = ["/admin/", "/admin/uppfoljningar", "/admin/kundval", "/admin/kundval/forskola",
               "/admin/kundval/forskola/villkor", "/admin/kundval/forskola/villkor/ny", "/admin/anordnare",
               "/admin/anordnare/ny", "/admin/anordnare?q=AB"]


def sign_in_with_the_form(page: Page, email: str) -> None:
    page.goto("/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill("demo-jamforaren")
    page.get_by_role("button", name="Logga in").click()
    expect(page.locator("h1")).to_contain_text("Översikt")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_back_office_pages_have_no_axe_violations(browser: Browser, base_url: str, width: str):
    context = browser.new_context(viewport=WIDTHS[width], base_url=base_url, locale="sv-SE")
    page = context.new_page()
    sign_in_with_the_form(page, OFFICER_EDUCATION)
    for path in ADMIN_PAGES:
        response = page.goto(path)
        if response is not None and response.status == 404:
            continue  # a back-office feature that is not built yet
        assert_no_violations(page)
    # pages reached by following links: a provider, one of its units, a unit's decision page, a follow-up
    page.goto("/admin/anordnare")
    page.locator("table a[href^='/admin/anordnare/']").first.click()
    assert_no_violations(page)
    decision = page.locator("a[href*='/kundval/']").first
    if decision.count():
        decision.click()
        assert_no_violations(page)
    page.goto("/admin/uppfoljningar")
    follow_up = page.locator("a[href^='/admin/uppfoljningar/']").first
    if follow_up.count():
        follow_up.click()
        assert_no_violations(page)
    page.goto("/admin/")
    page.get_by_role("button", name="Logga ut").click()
    expect(page.locator(".notice")).to_have_text("Du är utloggad.")
    context.close()


def test_a_failed_sign_in_says_fel_in_the_title(page: Page):
    page.goto("/logga-in")
    page.get_by_label("E-postadress").fill(OFFICER_EDUCATION)
    page.get_by_label("Lösenord").fill("fel")
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_title("Fel: Logga in – Jämföraren – Nacka kommun")
    expect(page.locator(".error-summary")).to_contain_text("E-postadressen eller lösenordet är fel.")
    assert_no_violations(page)
