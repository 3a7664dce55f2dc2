"""Every public page type in a real browser: zero axe violations (WCAG 2.1 A and AA) in Swedish and
English at 1280 and 390 px, screenshots for people to look at, a keyboard-only flow with visible focus,
and the same flow without JavaScript."""

from __future__ import annotations

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from jamforaren.paths import PROJECT_ROOT

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots" / (
    "postgresql" if os.environ.get("JAMFORAREN_TEST_POSTGRES") else "sqlite")


def assert_no_violations(page: Page) -> None:
    result = Axe().run(page, options=WCAG)
    details = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result.response["violations"]]
    assert result.violations_count == 0, (page.url, details)


def unit_paths(page: Page, area: str, count: int) -> list[str]:
    page.goto(f"/kundval/{area}")
    return [page.locator(".unit-card h3 a").nth(i).get_attribute("href") or "" for i in range(count)]


def page_types(page: Page) -> dict[str, str]:
    first, second, third = unit_paths(page, "hemtjanst", 3)
    slugs = [p.rsplit("/", 1)[1] for p in (first, second, third)]
    return {
        "start": "/",
        "area": "/kundval/forskola",
        "area-filtered": "/kundval/hemtjanst?kommundel=Boo&kommundel=Orminge&driftsform=enskild&sortera=nojdhet",
        "area-sorted-by-figure": "/kundval/grundskola?sortera=nyckeltal-N15501&sida=2",
        "unit": first,
        "unit-elderly-care": unit_paths(page, "sarskilt-boende-for-aldre", 1)[0],
        "compare": "/kundval/hemtjanst/jamfor?" + "&".join(f"enhet={s}" for s in slugs),
        "compare-error": "/kundval/hemtjanst/jamfor?enhet=" + slugs[0],
        "rules": "/kundval/hemtjanst/villkor",
        "search": "/sok?q=f%C3%B6rskolor+i+Boo",
        "search-narrowed": "/sok?q=hemtj%C3%A4nst&kundval=hemtjanst&kommundel=Boo",
        "search-nothing": "/sok?q=qwxzzy",
        "about": "/om-jamforelserna",
        "accessibility": "/tillganglighet",
        "not-found": "/kundval/finns-inte",
        "sign-in": "/logga-in",
    }


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_public_page_type_has_no_axe_violations(browser: Browser, base_url: str, language: str, width: str):
    context = browser.new_context(viewport=WIDTHS[width], base_url=base_url, locale="sv-SE")
    page = context.new_page()
    page.goto(f"/sprak/{language}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in page_types(page).items():
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
        assert overflow is False, f"{path} is wider than the screen at {width}"
        assert_no_violations(page)
        if name in ("start", "area", "unit", "compare", "search"):
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{language}-{width}.png"), full_page=True)
    context.close()


def focus_visible(page: Page) -> bool:
    return page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) return false;
        const style = getComputedStyle(el);
        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
    }""")


def tab_to(page: Page, selector: str, limit: int = 400) -> None:
    """Press Tab until the focused element matches ``selector``, checking focus is visible each step."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert focus_visible(page), page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"never reached {selector}")


def test_keyboard_only_filter_choose_three_and_compare(page: Page):
    page.goto("/kundval/forskola")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Hoppa till innehåll")
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    tab_to(page, "input[name=driftsform][value=kommunal]")
    page.keyboard.press("Space")
    tab_to(page, ".filters button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/kundval/forskola?*driftsform=kommunal*")

    for _ in range(3):
        tab_to(page, "input[name=enhet]:not(:checked)")
        page.keyboard.press("Space")
    tab_to(page, ".compare-bar button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/kundval/forskola/jamfor?*")
    expect(page.locator("h1")).to_have_text("Jämför enheter: Förskola")
    expect(page.locator(".compare-table thead th")).to_have_count(3)


def test_the_same_flows_work_without_javascript(browser: Browser, base_url: str):
    context = browser.new_context(java_script_enabled=False, base_url=base_url, locale="sv-SE")
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name="Hemtjänst", exact=True).click()
    expect(page.locator("h1")).to_have_text("Hemtjänst")
    page.get_by_role("checkbox", name="Enskild (företag)").check()
    page.get_by_label("Sortera efter").select_option("nojdhet")
    page.get_by_role("button", name="Visa resultat").click()
    expect(page).to_have_url(f"{base_url}/kundval/hemtjanst?driftsform=enskild&sortera=nojdhet")
    for i in range(3):
        page.locator("input[name=enhet]").nth(i).check()
    page.get_by_role("button", name="Jämför valda enheter").click()
    expect(page.locator(".compare-table thead th")).to_have_count(3)

    unit = page.locator(".compare-table thead th a").first
    unit.click()
    page.get_by_role("button", name="Ta bort från jämförelsen").click()
    expect(page.locator(".notice")).to_have_text("Enheten har tagits bort från din jämförelse.")
    page.get_by_label("Din synpunkt").fill("Det fungerar bra för oss, men informationen kunde komma tidigare.")
    page.get_by_role("button", name="Skicka synpunkt").click()
    expect(page.locator(".notice")).to_have_text("Tack! Din synpunkt har skickats till kommunen.")
    page.get_by_role("button", name="Ja", exact=True).click()
    expect(page.locator(".notice")).to_have_text("Tack för ditt svar.")
    page.get_by_role("searchbox", name="Sök enheter").fill("äldreboende demens")
    page.get_by_role("button", name="Sök", exact=True).first.click()
    expect(page.locator("h1")).to_contain_text("Sökresultat")
    page.locator(".search-hits h3 a").first.click()
    expect(page.locator("h2", has_text="Om enheten")).to_be_visible()
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    context.close()


def test_print_layout_hides_the_page_furniture(page: Page):
    paths = unit_paths(page, "hemtjanst", 2)
    page.goto("/kundval/hemtjanst/jamfor?" + "&".join(f"enhet={p.rsplit('/', 1)[1]}" for p in paths))
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".page-feedback")).to_be_hidden()
    expect(page.locator(".compare-table")).to_be_visible()

