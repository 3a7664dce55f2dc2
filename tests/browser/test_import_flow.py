"""An officer imports a year's survey results in a real browser, on a private copy of the demo portal: upload,
preview with the changes, commit, and the new figures on the unit's page. Upload, preview and problem pages have
no axe violations."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Browser, expect

from tests.browser.test_accessibility import assert_no_violations
from tests.browser.conftest import t
from tests.conftest import DEMO_YEAR, OFFICER_EDUCATION
from tests.imports_support import authorised_units, csv_bytes


def test_an_officer_uploads_previews_and_commits_survey_results(browser: Browser, fresh_app: Flask,
                                                                private_server: str, tmp_path) -> None:
    (target,) = authorised_units(fresh_app, "forskola", 1, year=DEMO_YEAR)
    good = tmp_path / "kundundersokning.csv"
    good.write_bytes(csv_bytes([["Område", "År", "Enhet", "Fråga", "Antal svarande", "Andel positiva"],
                                ["Förskola", str(DEMO_YEAR), target.name, target.question, "61", "23 %"]],
                               encoding="cp1252"))
    bad = tmp_path / "fel.csv"
    bad.write_bytes(csv_bytes([["Område", "År", "Enhet", "Fråga", "Antal svarande", "Andel positiva"],
                               ["Förskola", str(DEMO_YEAR), target.slug, target.question, "61", "230"]]))

    context = browser.new_context(base_url=private_server, locale="sv-SE")
    page = context.new_page()
    page.goto("/logga-in")
    page.get_by_label("E-postadress").fill(OFFICER_EDUCATION)
    page.get_by_label("Lösenord").fill("demo-jamforaren")
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("link", name=t(fresh_app, "Import"), exact=True).click()
    assert_no_violations(page)

    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name=t(fresh_app, "Show the preview")).click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("table").first).to_contain_text("Andel positiva")
    assert_no_violations(page)

    page.goto("/admin/import")
    page.get_by_label(t(fresh_app, "Survey results (CSV or Excel)")).check()
    page.locator("input[type=file]").set_input_files(str(good))
    page.get_by_role("button", name=t(fresh_app, "Show the preview")).click()
    expect(page.locator("h1")).to_contain_text("kundundersokning.csv")
    expect(page.get_by_role("table").filter(has_text=target.name)).to_contain_text("23")
    assert_no_violations(page)
    page.get_by_role("button", name=t(fresh_app, "Import"), exact=True).click()
    expect(page.locator(".flash, [role=status]").first).to_contain_text("kundundersokning.csv")

    page.goto(f"/enheter/{target.slug}")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=target.question_text, exact=True)).first
    expect(row).to_contain_text("23\u00a0%")
    expect(row).to_contain_text("61")
    context.close()
