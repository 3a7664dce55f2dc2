"""An officer's whole annual follow-up in a real browser, on a private copy of the demo portal: sign in, start a
follow-up of a preschool, assess every norm on the one form, add the action a "not fulfilled" needs, publish,
and see the summary on the unit's page. The list and the form have no axe violations."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.models import Area, Authorisation, AuthorisationStatus, FollowUp, FollowUpStatus, Rating, Unit
from tests.browser.test_accessibility import assert_no_violations
from tests.browser.conftest import t
from tests.conftest import OFFICER_EDUCATION

TODAY = date.today()


def test_an_officer_follows_up_a_preschool_from_draft_to_the_unit_page(browser: Browser, fresh_app: Flask,
                                                                        private_server: str):
    with fresh_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == "forskola"))
        done = select(FollowUp.unit_id).where(FollowUp.area_id == area.id, FollowUp.year == TODAY.year)
        unit = db.session.scalar(select(Unit).join(Authorisation).where(
            Authorisation.area_id == area.id, Authorisation.status == AuthorisationStatus.AUTHORISED,
            Unit.id.not_in(done)).order_by(Unit.name))
        choice, unit_name, slug = f"{area.id}:{unit.id}", unit.name, unit.slug
        norm_count = len(area.rulebooks[-1].norms)

    context = browser.new_context(base_url=private_server, locale="sv-SE")
    page = context.new_page()
    page.goto("/logga-in")
    page.get_by_label("E-postadress").fill(OFFICER_EDUCATION)
    page.get_by_label("Lösenord").fill("demo-jamforaren")
    page.get_by_role("button", name="Logga in").click()
    expect(page.locator("h1")).to_contain_text("Översikt")

    page.get_by_role("link", name=t(fresh_app, "Follow-ups"), exact=True).click()
    expect(page.locator("h1")).to_have_text(t(fresh_app, "Quality follow-ups"))
    assert_no_violations(page)

    page.get_by_label(t(fresh_app, "Unit"), exact=True).select_option(choice)
    page.get_by_role("button", name=t(fresh_app, "Create draft")).click()
    expect(page.locator("h1")).to_have_text(t(fresh_app, "Quality follow-up %(year)d: %(unit)s",
                                               year=TODAY.year, unit=unit_name))
    expect(page.locator(".notice")).to_contain_text(unit_name)
    assert_no_violations(page)

    # Every norm on one form: the first is not fulfilled, the rest fulfilled.
    groups = page.locator("fieldset.norm-assessment")
    expect(groups).to_have_count(norm_count)
    first_norm = groups.first.locator("legend").inner_text()
    groups.first.get_by_label(t(fresh_app, "Not fulfilled"), exact=True).check()
    groups.first.get_by_label(t(fresh_app, "Comment")).fill("Rutin för synpunkter och klagomål saknas.")
    for i in range(1, norm_count):
        groups.nth(i).get_by_label(t(fresh_app, "Fulfilled"), exact=True).check()
    page.get_by_label(t(fresh_app, "Public summary in Swedish")).fill(
        "Förskolan uppfyller kraven utom rutinen för klagomål, som ska tas fram.")

    # Publishing without the action is refused, and says why; what was typed is kept.
    page.get_by_role("button", name=t(fresh_app, "Publish")).click()
    expect(page).to_have_title(f"{t(fresh_app, 'Error:')} " + t(fresh_app, "Quality follow-up %(year)d: %(unit)s",
                                                                  year=TODAY.year, unit=unit_name)
                               + " – Jämföraren – Nacka kommun")
    expect(page.locator(".error-summary")).to_contain_text(first_norm.split(" ", 1)[0])
    expect(page.locator(".error-summary li")).to_have_count(1)
    assert_no_violations(page)

    # The action: the norm that is not fulfilled is suggested already.
    new_action = page.locator("fieldset.action-new")
    new_action.get_by_label(t(fresh_app, "What must the provider do?")).fill(
        "Ta fram en rutin för synpunkter och klagomål och gör den känd för vårdnadshavarna.")
    new_action.get_by_label(t(fresh_app, "Due date")).fill((TODAY + timedelta(days=60)).isoformat())
    expect(new_action.get_by_label(t(fresh_app, "Norm"))).to_have_value(
        page.locator("fieldset.norm-assessment").first.get_attribute("id").removeprefix("bedomning_"))
    new_action.get_by_role("button", name=t(fresh_app, "Add the action")).click()
    expect(page.locator(".notice")).to_have_text(t(fresh_app, "The action has been added."))
    expect(page.locator("fieldset.action-edit")).to_have_count(1)

    page.get_by_role("button", name=t(fresh_app, "Publish")).click()
    expect(page.locator(".notice")).to_have_text(
        t(fresh_app, "The follow-up has been published. Its summary now shows on the unit's page."))
    expect(page.locator("form[action$='/rattelse']")).to_be_visible()  # read-only now, with the correction form
    assert_no_violations(page)
    with fresh_app.app_context():
        follow_up = db.session.scalar(select(FollowUp).where(FollowUp.unit_id == unit.id, FollowUp.year == TODAY.year,
                                                             FollowUp.area_id == area.id))
        assert follow_up.status is FollowUpStatus.PUBLISHED
        assert follow_up.rating_counts()[Rating.NOT_MET] == 1 and len(follow_up.actions) == 1

    page.get_by_role("link", name=unit_name).first.click()
    expect(page).to_have_url(f"{private_server}/enheter/{slug}")
    expect(page.locator("h1")).to_have_text(unit_name)
    expect(page.get_by_text("Förskolan uppfyller kraven utom rutinen för klagomål, som ska tas fram.")).to_be_visible()
    expect(page.get_by_text("Ta fram en rutin för synpunkter och klagomål")).to_be_visible()
    context.close()
