"""Imports of survey results and key figures through the back office and the command line: every accepted
file variant lands, every kind of bad row is reported with its row and nothing is written."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.models import AuditEvent, KeyFigure, KeyFigureValue, Survey
from tests.conftest import ADMIN, OFFICER_CARE, OFFICER_EDUCATION, csrf_token, sign_in
from tests.imports_support import (
    YEAR, authorised_units, csv_bytes, never_authorised, result_of, snapshot, xlsx_bytes,
)
from tests.test_admin_authorisations import swedish

HEADER = ["Område", "År", "Enhet", "Fråga", "Antal svarande", "Andel positiva"]


def upload(client, data: bytes, kind: str = "surveys", filename: str = "resultat.csv"):  # type: ignore[no-untyped-def]
    import io
    return client.post("/admin/import", data={"csrf_token": csrf_token(client, "/admin/import"), "slag": kind,
                                              "fil": (io.BytesIO(data), filename)},
                        content_type="multipart/form-data")


def confirm(client, preview) -> object:  # type: ignore[no-untyped-def]
    body = preview.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', body) or \
        re.search(r'id="token" name="token" type="hidden" value="([^"]+)"', body)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body)
    assert token and csrf, "the preview has no commit form"
    return client.post("/admin/import/bekrafta", data={"csrf_token": csrf.group(1), "token": token.group(1)})


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).replace("\u00a0", " ")


def survey_rows(targets, values) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [HEADER] + [["förskola", str(YEAR), t.slug, t.question, str(n), share] for t, (n, share) in zip(targets, values)]


# -- accepted variants ---------------------------------------------------------------------------------

VARIANTS = {
    "utf8-bom-semicolon": dict(separator=";", encoding="utf-8-sig"),
    "utf8-comma": dict(separator=",", encoding="utf-8", newline="\n"),
    "windows-1252-semicolon": dict(separator=";", encoding="cp1252"),
    "tab": dict(separator="\t", encoding="utf-8"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_csv_variants_import_with_decimal_comma_percent_and_any_header_case(fresh_app: Flask, variant: str) -> None:
    a, b = authorised_units(fresh_app, "forskola", 2)
    shares = ["81,5 %", "77,25"] if VARIANTS[variant]["separator"] != "," else ['"81,5 %"', "77.25"]
    rows = [[h.upper() if i % 2 else h.lower() for i, h in enumerate(HEADER)]]
    rows += [["Förskola", str(YEAR), a.slug, a.question.upper(), "40", shares[0]],
             ["förskola", str(YEAR), b.name, b.question, "12", shares[1]],
             ["", "", "", "", "", ""], ["", "", "", "", "", ""]]  # trailing blank rows, as Excel saves them
    data = csv_bytes(rows, **VARIANTS[variant])
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    preview = upload(client, data)
    assert preview.status_code == 200
    text = page_text(preview)
    assert "2" in text and result_of(fresh_app, a.unit_id, "forskola", a.question) != (40, Decimal("81.5"))
    done = confirm(client, preview)
    assert done.status_code == 302
    assert result_of(fresh_app, a.unit_id, "forskola", a.question) == (40, Decimal("81.50"))
    assert result_of(fresh_app, b.unit_id, "forskola", b.question) == (12, Decimal("77.25"))


def test_xlsx_with_percent_formatted_cells_imports(fresh_app: Flask) -> None:
    a, b = authorised_units(fresh_app, "forskola", 2)
    data = xlsx_bytes([HEADER, ["förskola", YEAR, a.slug, a.question, 33, 0.912],
                       ["förskola", YEAR, b.slug, b.question, 21.0, 0.5]], percent_columns=(5,))
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    preview = upload(client, data, filename="resultat.xlsx")
    assert preview.status_code == 200, page_text(preview)
    assert confirm(client, preview).status_code == 302
    assert result_of(fresh_app, a.unit_id, "forskola", a.question) == (33, Decimal("91.20"))
    assert result_of(fresh_app, b.unit_id, "forskola", b.question) == (21, Decimal("50.00"))


def test_preview_writes_nothing_and_shows_old_and_new_values(fresh_app: Flask) -> None:
    (a,) = authorised_units(fresh_app, "forskola", 1)
    before = snapshot(fresh_app)
    old = result_of(fresh_app, a.unit_id, "forskola", a.question)
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    preview = upload(client, csv_bytes(survey_rows([a], [(55, "64,5")])))
    text = page_text(preview)
    assert snapshot(fresh_app) == before
    assert a.name in text and "64,5 %" in text
    assert old is not None and f"{old[0]}" in text


def test_reimporting_the_same_file_changes_nothing(fresh_app: Flask) -> None:
    a, b = authorised_units(fresh_app, "forskola", 2)
    data = csv_bytes(survey_rows([a, b], [(30, "70"), (31, "71")]) + [["förskola", str(YEAR), "Kommunen", a.question, "2000", "88,8"]])
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    assert confirm(client, upload(client, data)).status_code == 302
    after_first = snapshot(fresh_app)
    again = upload(client, data)
    assert swedish(fresh_app, "The file holds nothing new: every value is already in the portal.") in page_text(again)
    assert 'name="token"' not in again.get_data(as_text=True)
    assert snapshot(fresh_app) == after_first


def test_commit_is_recorded_once_in_the_audit_log_with_old_and_new_values(fresh_app: Flask) -> None:
    (a,) = authorised_units(fresh_app, "forskola", 1)
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    confirm(client, upload(client, csv_bytes(survey_rows([a], [(44, "61,4")])), filename="var.csv"))
    with fresh_app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import")
                                  .order_by(AuditEvent.id.desc()))
        assert event.actor == OFFICER_EDUCATION and event.entity_type == "surveys_import"
        assert event.changes["file"] == "var.csv" and event.changes["changed"] >= 1
        assert any(a.name in c["what"] and "61,4" in c["new"] for c in event.changes["changes"])


# -- bad rows --------------------------------------------------------------------------------------

def bad_survey_file(app: Flask) -> tuple[bytes, dict[int, str]]:
    a, b = authorised_units(app, "forskola", 2)
    not_authorised = never_authorised(app, "forskola")
    rows = [HEADER,
            ["förskola", str(YEAR), a.slug, a.question, "20", "80"],                    # 2: fine
            ["förskola", str(YEAR), "ingen-sadan-enhet", a.question, "20", "80"],       # 3: unknown unit
            ["förskola", str(YEAR), a.slug, "ingen-fraga", "20", "80"],                 # 4: unknown question
            ["förskola", "1999", a.slug, a.question, "20", "80"],                       # 5: year out of range
            ["förskola", str(YEAR), b.slug, a.question, "20", "100,5"],                 # 6: share over 100
            ["förskola", str(YEAR), b.slug, a.question, "-3", "50"],                    # 7: negative respondents
            ["förskola", str(YEAR), a.slug, a.question, "20", "80"],                    # 8: duplicate of row 2
            ["förskola", str(YEAR), not_authorised, a.question, "20", "80"],            # 9: not authorised
            ["grundskola-x", str(YEAR), a.slug, a.question, "20", "80"],                # 10: unknown area
            ["förskola", "tjugo", a.slug, a.question, "20", "80"],                      # 11: not a year
            ["förskola", str(YEAR), b.slug, a.question, "20", "många"]]                 # 12: not a number
    expected = {3: "Enhet", 4: "Fråga", 5: "År", 6: "Andel positiva", 7: "Antal svarande", 8: "–", 9: "Enhet",
                10: "Område", 11: "År", 12: "Andel positiva"}
    return csv_bytes(rows), expected


def test_every_kind_of_bad_row_is_reported_with_row_and_column_and_nothing_is_written(fresh_app: Flask) -> None:
    data, expected = bad_survey_file(fresh_app)
    before = snapshot(fresh_app)
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    preview = upload(client, data)
    assert preview.status_code == 200
    body = preview.get_data(as_text=True)
    assert "<title>" + swedish(fresh_app, "Error:") in body
    problems = re.findall(r'<tr><th scope="row">(\d+|–)</th><td>([^<]*)</td><td>([^<]*)</td></tr>', html.unescape(body))
    reported = {(int(row), column) for row, column, _ in problems if row != "–"}
    assert set(expected.items()) <= reported
    assert {row for row, _ in reported} == set(expected)
    assert 'name="token"' not in body  # no way to commit
    assert snapshot(fresh_app) == before


def test_officer_cannot_import_into_an_area_they_do_not_manage(fresh_app: Flask) -> None:
    (a,) = authorised_units(fresh_app, "forskola", 1)
    before = snapshot(fresh_app)
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    text = page_text(upload(client, csv_bytes(survey_rows([a], [(20, "80")]))))
    assert swedish(fresh_app, "You do not manage %(area)s.", area="Förskola") in text
    assert snapshot(fresh_app) == before


def test_missing_columns_and_unreadable_files_are_clear_errors(fresh_app: Flask) -> None:
    client = fresh_app.test_client()
    sign_in(client, ADMIN)
    text = page_text(upload(client, csv_bytes([["Område", "År", "Enhet"], ["förskola", "2025", "x"]])))
    assert "Fråga" in text and "Andel positiva" in text
    text = page_text(upload(client, b"PK\x03\x04 not really a workbook", filename="x.xlsx"))
    assert swedish(fresh_app, "The Excel file cannot be opened; save it again as XLSX.") in text
    empty = upload(client, b"")
    assert empty.status_code == 400
    assert swedish(fresh_app, "Choose a file to upload.") in page_text(empty) or \
        swedish(fresh_app, "The file is empty.") in page_text(empty)


def test_commit_revalidates_and_refuses_a_token_of_someone_else(fresh_app: Flask) -> None:
    (a,) = authorised_units(fresh_app, "forskola", 1)
    officer = fresh_app.test_client()
    sign_in(officer, OFFICER_EDUCATION)
    preview = upload(officer, csv_bytes(survey_rows([a], [(20, "33,3")])))
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    admin = fresh_app.test_client()
    sign_in(admin, ADMIN)
    before = snapshot(fresh_app)
    response = admin.post("/admin/import/bekrafta", data={"csrf_token": csrf_token(admin, "/admin/import"),
                                                          "token": token})
    assert response.status_code == 302 and snapshot(fresh_app) == before
    missing_csrf = officer.post("/admin/import/bekrafta", data={"token": token})
    assert missing_csrf.status_code == 400 and snapshot(fresh_app) == before


def test_editors_and_residents_cannot_reach_the_import(fresh_app: Flask) -> None:
    from tests.conftest import EDITOR
    client = fresh_app.test_client()
    assert client.get("/admin/import").status_code in (302, 401)
    sign_in(client, EDITOR)
    assert client.get("/admin/import").status_code in (403, 404)


# -- what residents see ------------------------------------------------------------------------------

def shown_on_unit_page(client, slug: str, question_text: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    body = html.unescape(client.get(f"/enheter/{slug}").get_data(as_text=True))
    match = re.search(rf'<th scope="row">{re.escape(question_text)}</th>\s*<td class="num">(.*?)</td>\s*'
                      rf'<td class="num">(.*?)</td>', body, re.S)
    assert match, f"no row for {question_text} on {slug}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip(), re.sub(r"<[^>]+>", "", match.group(2)).strip()


def test_imported_results_show_on_the_unit_page_and_fewer_than_five_respondents_stay_hidden(fresh_app: Flask) -> None:
    from tests.conftest import DEMO_YEAR
    a, b = authorised_units(fresh_app, "forskola", 2, year=DEMO_YEAR)
    rows = [HEADER, ["förskola", str(DEMO_YEAR), a.slug, a.question, "57", "12"],
            ["förskola", str(DEMO_YEAR), b.slug, b.question, "4", "13"]]
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    confirm(client, upload(client, csv_bytes(rows)))
    share, respondents = shown_on_unit_page(client, a.slug, a.question_text)
    assert share.replace("\u00a0", " ") == "12 %" and respondents == "57"
    assert result_of(fresh_app, b.unit_id, "forskola", b.question, DEMO_YEAR) == (4, Decimal("13.00"))  # stored
    share, _ = shown_on_unit_page(client, b.slug, b.question_text)
    assert share == swedish(fresh_app, "Too few answers")
    compare_csv = client.get(f"/kundval/forskola/jamfor.csv?enhet={b.slug}&enhet={a.slug}")
    assert compare_csv.status_code == 200
    assert a.question == b.question  # the first question of the survey: one row, a column per unit
    line = next(row for row in compare_csv.get_data(as_text=True).splitlines()
                if row.split(";")[1:2] == [b.question_text])
    cells = [c.replace("\u00a0", " ") for c in line.split(";")]
    assert cells[3] == "12 %"  # the unit with 57 respondents, second in the address
    assert cells[2] == swedish(fresh_app, "too few answers")  # 4 respondents: stored, never exported


# -- key figures ----------------------------------------------------------------------------------------

def test_key_figures_import_and_report_bad_values(fresh_app: Flask) -> None:
    a, _ = authorised_units(fresh_app, "grundskola", 2)
    header = ["område", "år", "enhet", "nyckeltal", "värde"]
    bad = csv_bytes([header,
                     ["grundskola", str(YEAR), a.slug, "N15419", "101"],                   # 2: percent over 100
                     ["grundskola", str(YEAR), a.slug, "own-grundskola-skolpeng", "1"],     # 3: municipality figure
                     ["grundskola", str(YEAR), a.slug, "N99999", "1"],                      # 4: unknown figure
                     ["grundskola", str(YEAR), a.slug, "N15501", "-2"],                     # 5: negative points
                     ["grundskola", str(YEAR), a.slug, "N15501", "abc"]])                   # 6: not a number
    before = snapshot(fresh_app)
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    body = html.unescape(upload(client, bad, kind="keyfigures").get_data(as_text=True))
    rows = {int(r) for r in re.findall(r'<tr><th scope="row">(\d+)</th>', body)}
    assert rows == {2, 3, 4, 5, 6}
    assert snapshot(fresh_app) == before
    good = csv_bytes([header, ["grundskola", str(YEAR), a.slug, "N15501", "234,5"],
                      ["grundskola", str(YEAR), "Kommunen", "own-grundskola-skolpeng", "112 400"]])
    assert confirm(client, upload(client, good, kind="keyfigures")).status_code == 302
    with fresh_app.app_context():
        def value(code: str, unit_id: int | None) -> Decimal:
            figure = db.session.scalar(select(KeyFigure).where(KeyFigure.code == code))
            return db.session.scalar(select(KeyFigureValue.value).where(
                KeyFigureValue.key_figure_id == figure.id, KeyFigureValue.unit_id.is_(None) if unit_id is None
                else KeyFigureValue.unit_id == unit_id, KeyFigureValue.year == YEAR))
        assert value("N15501", a.unit_id) == Decimal("234.5")
        assert value("own-grundskola-skolpeng", None) == Decimal("112400")


# -- the command line -------------------------------------------------------------------------------

def test_cli_imports_all_or_nothing(fresh_app: Flask, run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = fresh_app.config["SQLALCHEMY_DATABASE_URI"]
    data, expected = bad_survey_file(fresh_app)
    (tmp_path / "bad.csv").write_bytes(data)
    before = snapshot(fresh_app)
    result = run_cli("import", "surveys", str(tmp_path / "bad.csv"), database_url=url)
    assert result.returncode == 1
    for row in expected:
        assert f"{swedish(fresh_app, 'row %(row)s', row=row)}" in result.stderr
    assert snapshot(fresh_app) == before
    (a,) = authorised_units(fresh_app, "forskola", 1)
    (tmp_path / "good.csv").write_bytes(csv_bytes(survey_rows([a], [(66, "66,6")])))
    dry = run_cli("import", "surveys", str(tmp_path / "good.csv"), "--dry-run", database_url=url)
    assert dry.returncode == 0 and snapshot(fresh_app) == before
    done = run_cli("import", "surveys", str(tmp_path / "good.csv"), database_url=url)
    assert done.returncode == 0, done.stderr
    assert result_of(fresh_app, a.unit_id, "forskola", a.question) == (66, Decimal("66.60"))
    again = run_cli("import", "surveys", str(tmp_path / "good.csv"), database_url=url)
    assert again.returncode == 0 and "Nothing to import" in again.stdout


def test_a_new_years_results_create_that_years_question_set(fresh_app: Flask) -> None:
    """Results for a year the catalogue has no question set for copy the newest earlier one."""
    a, _ = authorised_units(fresh_app, "forskola", 2, year=2026)
    with fresh_app.app_context():
        survey = db.session.scalar(select(Survey).join(Survey.area).where(Survey.year == 2026)
                                   .where(Survey.area.has(slug="forskola")))
        db.session.delete(survey)
        db.session.commit()
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    rows = [HEADER, ["förskola", "2026", a.slug, a.question, "25", "72"]]
    confirm(client, upload(client, csv_bytes(rows)))
    assert result_of(fresh_app, a.unit_id, "forskola", a.question, 2026) == (25, Decimal("72.00"))
    with fresh_app.app_context():
        survey = db.session.scalar(select(Survey).where(Survey.year == 2026, Survey.area.has(slug="forskola")))
        assert [q.code for q in survey.questions][0] == a.question and survey.title_sv


def test_too_large_files_are_refused_before_they_are_read(fresh_app: Flask) -> None:
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    fresh_app.config["IMPORT_MAX_BYTES"] = 100 * 1024  # (small files: the test client keeps them in memory)
    response = upload(client, b"x" * (150 * 1024))
    assert response.status_code == 400
    assert swedish(fresh_app, "The file is larger than %(size)s MB.", size="0,1") in page_text(response)
    fresh_app.config["MAX_CONTENT_LENGTH"] = 200 * 1024  # the whole request: refused by the server
    assert upload(client, b"x" * (300 * 1024)).status_code == 413
