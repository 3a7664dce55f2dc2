"""The providers' self-service in a real browser, on a private copy of the demo portal: a provider edits a
description, the public page stays as it was, an officer approves, and the resident's unit page shows the new
text and search finds a word only the new text contains. Every page of the portal and of the officers' review
has zero axe violations at 1280 and 390 px."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.models import Action, ActionStatus, FollowUp, FollowUpStatus, Unit
from tests.browser.test_accessibility import WIDTHS, assert_no_violations
from tests.browser.conftest import t
from tests.conftest import EDITOR, OFFICER_EDUCATION
from tests.test_providers_portal import provider_of, unit_without_pending

NEW_SENTENCE = "Varje höst ordnar vi en tipspromenad med svampkunskap i Ekorrskogen."
ONLY_IN_THE_NEW_TEXT = "svampkunskap"


def sign_in(page: Page, email: str) -> None:
    page.goto("/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill("demo-jamforaren")
    page.get_by_role("button", name="Logga in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Logga ut").click()
    expect(page.locator(".notice")).to_have_text("Du är utloggad.")


def test_a_provider_edits_an_officer_approves_and_residents_see_and_find_it(browser: Browser, fresh_app: Flask,
                                                                         private_server: str):
    with fresh_app.app_context():
        unit = unit_without_pending(EDITOR)
        unit_name, slug, old_text = unit.name, unit.slug, unit.description_sv
    context = browser.new_context(base_url=private_server, locale="sv-SE")
    page = context.new_page()

    # Before: search does not find the word.
    page.goto(f"/sok?q={ONLY_IN_THE_NEW_TEXT}")
    expect(page.locator(f".search-hits a[href='/enheter/{slug}']")).to_have_count(0)

    sign_in(page, EDITOR)
    expect(page.locator("h1")).to_have_text(t(fresh_app, "Your units"))
    page.get_by_role("link", name=unit_name, exact=True).click()
    expect(page.locator("h1")).to_have_text(unit_name)
    page.get_by_role("link", name=t(fresh_app, "Change the profile")).click()
    expect(page.locator("h1")).to_have_text(t(fresh_app, "Change the profile of %(unit)s", unit=unit_name))
    description = page.get_by_label(t(fresh_app, "Description in Swedish"))
    expect(description).to_have_value(old_text)
    description.fill(f"{old_text} {NEW_SENTENCE}")
    page.get_by_role("button", name=t(fresh_app, "Send for review")).click()
    expect(page.locator(".notice")).to_have_text(t(
        fresh_app, "Your changes have been sent to the municipality for review. The public page shows the "
                   "published profile until they are approved."))
    expect(page.locator("#changes ~ .audit-event h3").first).to_contain_text(t(fresh_app, "Waiting for review"))

    # The public page does not change yet.
    page.goto(f"/enheter/{slug}")
    expect(page.locator("p.lead")).to_have_text(old_text)
    expect(page.get_by_text(NEW_SENTENCE)).to_have_count(0)
    page.goto("/anordnare-portal/")
    sign_out(page)

    # An officer approves.
    sign_in(page, OFFICER_EDUCATION)
    page.get_by_role("link", name=t(fresh_app, "Profile changes"), exact=True).click()
    expect(page.locator("h1")).to_have_text(t(fresh_app, "Profile changes from providers"))
    page.locator("tr", has=page.get_by_role("rowheader", name=unit_name, exact=True)).get_by_role("link").click()
    expect(page.locator("h1")).to_have_text(t(fresh_app, "Profile change: %(unit)s", unit=unit_name))
    expect(page.locator("ins")).to_contain_text(ONLY_IN_THE_NEW_TEXT)
    page.get_by_role("button", name=t(fresh_app, "Approve and publish")).click()
    expect(page.locator(".notice")).to_have_text(t(fresh_app, "The change is approved and published on the unit's page."))
    sign_out(page)

    # Residents see it at once, and search finds it.
    page.goto(f"/enheter/{slug}")
    expect(page.locator("p.lead")).to_have_text(f"{old_text} {NEW_SENTENCE}")
    page.goto("/")
    page.get_by_label("Sök enheter").first.fill(ONLY_IN_THE_NEW_TEXT)
    page.get_by_label("Sök enheter").first.press("Enter")
    hit = page.locator(f".search-hits a[href='/enheter/{slug}']")
    expect(hit).to_have_count(1)
    hit.click()
    expect(page.locator("h1")).to_have_text(unit_name)
    context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_portal_and_the_review_pages_have_no_axe_violations(browser: Browser, fresh_app: Flask,
                                                                private_server: str, width: str):
    with fresh_app.app_context():
        unit_id = unit_without_pending(EDITOR).id
        action = db.session.scalar(
            select(Action).join(FollowUp).join(Unit, Unit.id == FollowUp.unit_id)
            .where(Unit.provider_id == provider_of(EDITOR).id, FollowUp.status == FollowUpStatus.PUBLISHED,
                   FollowUp.superseded_at.is_(None), Action.status == ActionStatus.OPEN).order_by(Action.id))
        action_id, action_unit = action.id, action.follow_up.unit.name
    context = browser.new_context(viewport=WIDTHS[width], base_url=private_server, locale="sv-SE")
    page = context.new_page()
    sign_in(page, EDITOR)
    assert_no_violations(page)  # the start page
    page.goto(f"/anordnare-portal/enheter/{unit_id}/profil")
    assert_no_violations(page)
    # a form with errors
    page.get_by_label(t(fresh_app, "Description in Swedish")).fill("")
    page.get_by_label(t(fresh_app, "E-mail")).fill("inte-en-adress")
    page.get_by_role("button", name=t(fresh_app, "Send for review")).click()
    expect(page.locator(".error-summary li")).to_have_count(2)
    assert page.title().startswith("Fel: ")
    assert_no_violations(page)
    # a change waiting for review, on the unit page and its own page
    page.get_by_label(t(fresh_app, "Description in Swedish")).fill("Vi har ett nytt växthus där barnen odlar.")
    page.get_by_label(t(fresh_app, "E-mail")).fill("")
    page.get_by_role("button", name=t(fresh_app, "Send for review")).click()
    expect(page.locator(".notice")).to_be_visible()
    assert_no_violations(page)
    page.get_by_role("link", name=t(fresh_app, "Open the change")).first.click()
    assert_no_violations(page)
    # an action: the answer form, with an error, then answered
    page.goto(f"/anordnare-portal/atgarder/{action_id}")
    assert_no_violations(page)
    page.get_by_label(t(fresh_app, "What has been done?")).fill("Rutinen är framtagen och känd av all personal.")
    page.get_by_role("button", name=t(fresh_app, "Send the answer")).click()
    assert page.title().startswith("Fel: ")
    assert_no_violations(page)
    page.get_by_label(t(fresh_app, "Date it was done")).fill(date.today().isoformat())
    page.get_by_role("button", name=t(fresh_app, "Send the answer")).click()
    expect(page.locator(".notice")).to_be_visible()
    page.goto("/anordnare-portal/")
    sign_out(page)

    # The officer's side.
    sign_in(page, OFFICER_EDUCATION)
    page.goto("/admin/profilandringar")
    assert_no_violations(page)
    page.locator("a[href^='/admin/profilandringar/']").first.click()
    assert_no_violations(page)
    page.get_by_role("button", name=t(fresh_app, "Reject")).click()  # without a reason
    assert page.title().startswith("Fel: ")
    assert_no_violations(page)
    page.goto("/admin/atgardssvar")
    assert_no_violations(page)
    page.locator("tr", has=page.get_by_role("rowheader", name=action_unit, exact=True)).get_by_role("link").first.click()
    assert_no_violations(page)
    page.get_by_role("button", name=t(fresh_app, "Return to the provider")).click()  # without a comment
    assert page.title().startswith("Fel: ")
    assert_no_violations(page)
    context.close()
