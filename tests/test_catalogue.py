"""The seed catalogue: all 25 areas with rules, question sets and key figures; clear errors for bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from jamforaren.catalogue import CatalogueError, load_catalogue
from jamforaren.models import Area, KeyFigure, Norm, Process, Rulebook, Survey, SurveyQuestion
from jamforaren.paths import CATALOGUE_DIR

AREAS = {
    "utbildning": ["Förskola", "Pedagogisk omsorg", "Fritidshem", "Förskoleklass", "Grundskola",
                   "Anpassad grundskola", "Gymnasieskola", "Anpassad gymnasieskola"],
    "kultur-och-fritid": ["Kulturskola"],
    "arbete-och-etablering": ["Kommunal vuxenutbildning", "Anpassad utbildning för vuxna",
                              "Svenska för invandrare (sfi)", "Kommunala arbetsmarknadsinsatser",
                              "Förberedande arbetsmarknadsinsatser", "Introduktionsinsatser"],
    "social-omsorg": ["Hemtjänst", "Ledsagning", "Avlösning", "Särskilt boende för äldre",
                      "Dagverksamhet för äldre", "Boendestöd", "Öppenvårdsinsatser vid missbruk",
                      "Daglig verksamhet (LSS)", "Korttidsvistelse (LSS)",
                      "Bostad med särskild service för vuxna (LSS)"],
}
PROCESSES = ["Utbildningsprocessen", "Kultur- och fritidsprocessen", "Arbets- och etableringsprocessen",
             "Sociala omsorgsprocessen"]


def test_the_catalogue_files_hold_all_25_areas_in_their_processes():
    catalogue = load_catalogue(CATALOGUE_DIR)
    assert [p["name"]["sv"] for p in catalogue.processes] == PROCESSES
    found = {slug: [a["name"]["sv"] for a in catalogue.areas if a["process"] == slug] for slug in AREAS}
    assert found == AREAS
    for area in catalogue.areas:
        norms = [n for c in area["rulebook"]["chapters"] for n in c["norms"]]
        assert 8 <= len(norms) <= 15, area["slug"]
        assert all(n["guidance"]["sv"] and n["requirement"]["sv"] for n in norms), area["slug"]
        assert area["name"]["en"] and area["description"]["sv"] and area["target_group"]["sv"], area["slug"]
        assert area["surveys"] and area["key_figures"], area["slug"]


def test_kolada_ids_are_recorded_where_public_clients_cite_them():
    catalogue = load_catalogue(CATALOGUE_DIR)
    kpis = {f["kolada_kpi"]: a["slug"] for a in catalogue.areas for f in a["key_figures"] if f["kolada_kpi"]}
    assert kpis.get("N15501") == "grundskola"
    assert kpis.get("N17444") == "gymnasieskola"
    assert kpis.get("U21468") == "hemtjanst"
    assert kpis.get("U23471") == "sarskilt-boende-for-aldre"
    economy = [a["slug"] for a in catalogue.areas if any(f["economy"] for f in a["key_figures"])]
    assert len(economy) >= 20


def test_cli_seed_loads_the_catalogue_and_running_it_again_changes_nothing(run_cli, empty_database):
    assert run_cli("db", "upgrade", database_url=empty_database).returncode == 0
    first = run_cli("seed", "--year", "2026", database_url=empty_database)
    assert first.returncode == 0, first.stderr
    assert "25 areas" in first.stdout

    engine = create_engine(empty_database)
    try:
        def counts() -> dict[str, int]:
            with Session(engine) as session:
                return {model.__name__: session.scalar(select(func.count()).select_from(model))
                        for model in (Process, Area, Rulebook, Norm, Survey, SurveyQuestion, KeyFigure)}
        loaded = counts()
        assert loaded["Process"] == 4 and loaded["Area"] == 25 and loaded["Rulebook"] == 25
        assert 25 * 8 <= loaded["Norm"] <= 25 * 15
        assert loaded["Survey"] >= 25 and loaded["KeyFigure"] >= 75

        second = run_cli("seed", "--year", "2026", database_url=empty_database)
        assert second.returncode == 0, second.stderr
        assert "0 new rulebooks" in second.stdout
        assert counts() == loaded
    finally:
        engine.dispose()


@pytest.fixture()
def catalogue_copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, target)
    return target


def test_a_malformed_area_file_is_reported_with_file_and_line_and_nothing_is_written(
        run_cli, empty_database, catalogue_copy):
    (catalogue_copy / "areas" / "hemtjanst.yaml").write_text("slug: hemtjanst\nname: {sv: [unclosed\n")
    assert run_cli("db", "upgrade", database_url=empty_database).returncode == 0
    result = run_cli("seed", "--catalogue", str(catalogue_copy), database_url=empty_database)
    assert result.returncode == 1
    assert "hemtjanst.yaml: is not valid YAML (line" in result.stderr
    assert "Traceback" not in result.stderr
    engine = create_engine(empty_database)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Area)) == 0
    engine.dispose()


def test_a_missing_catalogue_or_file_gives_a_clear_message(run_cli, empty_database, catalogue_copy):
    assert run_cli("db", "upgrade", database_url=empty_database).returncode == 0
    missing_folder = run_cli("seed", "--catalogue", "/nonexistent/catalogue", database_url=empty_database)
    assert missing_folder.returncode == 1 and "catalogue folder not found" in missing_folder.stderr
    (catalogue_copy / "processes.yaml").unlink()
    missing_file = run_cli("seed", "--catalogue", str(catalogue_copy), database_url=empty_database)
    assert missing_file.returncode == 1 and "processes.yaml: file not found" in missing_file.stderr
    assert "Traceback" not in missing_file.stderr + missing_folder.stderr


def test_every_problem_in_a_file_is_listed_with_its_field(catalogue_copy):
    path = catalogue_copy / "areas" / "forskola.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("process: utbildning", "process: nonexistent", 1)
    text = text.replace("unit: number", "unit: furlongs", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(catalogue_copy)
    problems = raised.value.problems
    assert any("forskola.yaml: process: 'nonexistent' is not a process" in p for p in problems)
    assert any("forskola.yaml: key_figures[" in p and "furlongs" in p for p in problems)
