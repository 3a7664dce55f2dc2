"""The search engine (jamforaren.search): the Swedish analyzer, query handling, relevance over the demo data,
facets against the database, the index lifecycle and concurrent writers."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from jamforaren import search
from jamforaren.extensions import db
from jamforaren.models import Area, Authorisation, AuthorisationStatus, Provider, Unit, UnitAttribute
from jamforaren.search import analysis, changes
from jamforaren.search import index as index_module
from jamforaren.search.analysis import (
    analyze, compound_parts, english_analyzer, fold, sort_key, spelling_analyzer, stem, swedish_analyzer,
    swedish_terms, term_spans,
)
from jamforaren.search.documents import AreaRef, UnitDocument, all_documents, documents_for, published_unit_ids
from jamforaren.search.index import IndexStatus, SearchIndex, SearchResult
from jamforaren.search.query import MAX_QUERY_WORDS, query_words
from jamforaren.services.listing import LISTED_STATUSES

RELEVANCE_FILE = Path(__file__).with_name("search_relevance.yaml")


# --- the analyzer ---------------------------------------------------------------------------------

FAMILIES = [
    "förskola förskolan förskolor förskolorna förskolans förskolornas",
    "skola skolan skolor skolorna skolans",
    "hemtjänst hemtjänsten hemtjänstens",
    "boende boendet boenden boendena boendets",
    "demens demensen demensens",
    "äldreboende äldreboendet äldreboenden äldreboendena",
    "gård gården gårdar gårdarna gårdens",
    "gymnasium gymnasiet gymnasier gymnasierna",
    "kulturskola kulturskolan kulturskolor kulturskolorna",
    "insats insatsen insatser insatserna",
    "utbildning utbildningen utbildningar",
    "stjärna stjärnan stjärnor stjärnorna",
    "tall tallen tallar tallarna",
    "ekorre ekorren ekorrar",
    "hem hemmet hemmen",
    "klöver klövern",
    "studio studion",
    "sjö sjön",
    "lönn lönnen",
    "vuxen vuxna",
    "assistans assistansen",
    "myra myran myrans",
    "omsorg omsorgen",
]


@pytest.mark.parametrize("family", FAMILIES)
def test_inflected_forms_meet(family: str) -> None:
    forms = family.split()
    assert len({stem(fold(w)) for w in forms}) == 1, {w: stem(fold(w)) for w in forms}


@pytest.mark.parametrize("a, b", [("förskola", "skola"), ("hemtjänst", "hem"), ("demens", "dem"),
                                  ("boende", "bod"), ("tall", "tal")])
def test_different_words_stay_apart(a: str, b: str) -> None:
    assert stem(fold(a)) != stem(fold(b))


def test_folding() -> None:
    assert fold("Förskolan Ängen ÅÄÖ é ü ø æ ß") == "forskolan angen aao e u o ae ss"
    assert fold("fo\u0308rskola") == "forskola"  # decomposed input
    assert analyze(swedish_analyzer(), "forskola") == analyze(swedish_analyzer(), "förskola")


@pytest.mark.parametrize("word, parts", [
    ("Montessoriförskolan", {"montessori", "forskol"}),
    ("Ekbacksskolan", {"ekback", "skol"}),
    ("Tallhagsgården", {"tallhag", "gard"}),
    ("äldreboende", {"aldr", "boend"}),
    ("Demensboende", {"demens", "boend"}),
    ("Ekbergsgymnasiet", {"ekberg", "gymnasi"}),
    ("kulturskolan", {"kultur", "skol"}),
    ("Boendestödet", {"boend", "stod"}),
])
def test_compounds_are_split(word: str, parts: set[str]) -> None:
    assert parts <= set(swedish_terms(fold(word)).parts)


@pytest.mark.parametrize("word", ["förskola", "förskolan", "hemtjänst", "Tallen", "Boo", "demens"])
def test_plain_words_are_not_split(word: str) -> None:
    assert swedish_terms(fold(word)).parts == ()


def test_förskola_is_not_a_kind_of_skola() -> None:
    assert "skol" not in compound_parts(stem("forskola"))
    assert "skol" not in swedish_terms(fold("Montessoriförskolan")).parts


def test_analyzer_drops_stop_words_and_symbols() -> None:
    terms = analyze(swedish_analyzer(), 'Förskolor i Boo, "och" för 🙂 \x00 *')
    assert terms == ["forskol", "boo"]
    assert analyze(english_analyzer(), "Preschools and home care") == ["preschool", "home", "care"]


def test_genitive_of_a_name_is_indexed_without_s() -> None:
    assert "ektorp" in analyze(swedish_analyzer(), "Ektorps förskola")


def test_spelling_field_keeps_unstemmed_words_and_parts() -> None:
    assert analyze(spelling_analyzer(), "Montessoriförskolan Tallen i Boo") == [
        "montessoriforskolan", "montessori", "forskolan", "tallen", "boo"]


@pytest.mark.parametrize("text", [
    "Vi är en verksamhet i Boo med fokus på språk och kommunikation.",
    "Montessoriförskolan Tallen, Ekbacksskolan och äldreboenden i Saltsjöbaden!",
    "We are based in Älta and focus on safety and participation — preschools, 24/7.",
])
def test_highlighting_sees_the_same_terms_as_the_index(text: str) -> None:
    fast_sv = [t for terms, _s, _e in term_spans(text, "sv") for t in terms]
    fast_en = [t for terms, _s, _e in term_spans(text, "en") for t in terms]
    assert fast_sv == analyze(swedish_analyzer(), text)
    assert fast_en == analyze(english_analyzer(), text)


def test_swedish_sort_order() -> None:
    assert sorted(["Örnen", "Ängen", "Åsen", "Zeta", "Almen"], key=sort_key) == [
        "Almen", "Zeta", "Åsen", "Ängen", "Örnen"]


# --- query words ------------------------------------------------------------------------------------


def test_query_words_are_plain_words() -> None:
    assert query_words('"förskola" AND NOT (hemtjänst OR skol*) name:boo^2 ~x') == [
        "förskola", "hemtjänst", "skol", "name", "boo", "2", "x"]
    assert query_words("i och för på") == []
    assert query_words("Boo boo BOO") == ["Boo"]
    assert query_words(None) == [] and query_words(42) == ["42"]
    assert len(query_words(" ".join(f"ord{i}" for i in range(100)))) == MAX_QUERY_WORDS
    assert query_words("a" * 5000) == []  # one over-long "word"
    assert query_words("\x00förskola\x07 🙂") == ["förskola"]


# --- documents from the database ---------------------------------------------------------------


def test_documents_are_the_published_units(demo_app: Flask) -> None:
    with demo_app.app_context():
        published = set(db.session.scalars(
            select(Authorisation.unit_id).where(Authorisation.status.in_(LISTED_STATUSES))))
        documents = list(all_documents())
        assert {d.unit_id for d in documents} == published
        assert len(documents) == len(published)
        not_published = db.session.scalar(select(Unit.id).where(Unit.id.not_in(published)))
        if not_published is not None:
            assert documents_for([not_published]) == []
        for doc in documents:
            listed = set(db.session.scalars(select(Area.slug).join(Authorisation).where(
                Authorisation.unit_id == doc.unit_id, Authorisation.status.in_(LISTED_STATUSES))))
            assert set(doc.area_slugs) == listed


def test_documents_are_read_with_a_fixed_number_of_queries(demo_app: Flask) -> None:
    with demo_app.app_context():
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            documents = list(all_documents())
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert len(documents) > 100
        assert len(statements) <= 10, statements  # ids, areas, then per batch: units + 4 selectinloads


def test_documents_name_languages_in_swedish_and_english(demo_app: Flask) -> None:
    with demo_app.app_context():
        doc = next(d for d in all_documents() if "ar" in d.languages)
        assert "arabiska" in doc.languages_sv and "Arabic" in doc.languages_en


# --- the demo index ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_index(demo_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    index = SearchIndex.open_or_create(tmp_path_factory.mktemp("search") / "index")
    with demo_app.app_context():
        search.reindex(index)
    yield index
    index.close()


class Truth:
    """What the database says about the published units, computed without the search code."""

    def __init__(self, session: Session):
        units = session.scalars(select(Unit).options(
            selectinload(Unit.languages), selectinload(Unit.attributes),
            selectinload(Unit.authorisations).selectinload(Authorisation.area))).all()
        self.units: dict[int, Unit] = {}
        self.listed: dict[int, set[str]] = {}
        for unit in units:
            areas = {a.area.slug for a in unit.authorisations if a.status in LISTED_STATUSES}
            if areas:
                self.units[unit.id] = unit
                self.listed[unit.id] = areas
        self.areas = {a.slug: a for a in session.scalars(select(Area))}
        self.attributes: dict[int, list[tuple[str, str, str]]] = {}  # unit → (area, key, value) where listed
        self.labels: dict[int, list[str]] = {}
        for unit_id, unit in self.units.items():
            rows, labels = [], []
            for attribute in unit.attributes:
                area = next((a for a in self.areas.values() if a.id == attribute.area_id), None)
                if area is None or area.slug not in self.listed[unit_id]:
                    continue
                rows.append((area.slug, attribute.key, attribute.value))
                definition = area.attribute_definition(attribute.key) or {}
                if definition.get("type") in ("choice", "multichoice"):
                    for option in definition.get("options", []):
                        if option["key"] == attribute.value:
                            labels += [option["label"]["sv"], option["label"].get("en", "")]
                elif definition.get("type") == "boolean" and attribute.value == "true":
                    labels += [definition["label"]["sv"], definition["label"].get("en", "")]
            self.attributes[unit_id] = rows
            self.labels[unit_id] = labels

    def select(self, spec: dict[str, Any]) -> set[int]:
        ids = set(self.units)
        for key, value in spec.items():
            if key == "any_of":
                union: set[int] = set()
                for part in value:
                    union |= self.select(part)
                ids &= union
            elif key == "listed_in":
                ids &= {u for u in ids if value in self.listed[u]}
            elif key == "district":
                ids &= {u for u in ids if self.units[u].district == value}
            elif key == "language":
                ids &= {u for u in ids if value in {x.language for x in self.units[u].languages}}
            elif key == "attribute":
                area, rest = value.split("/")
                attribute, option = rest.split("=")
                ids &= {u for u in ids if (area, attribute, option) in self.attributes[u]}
            elif key == "attribute_any":
                attribute, option = value.split("=")
                ids &= {u for u in ids if any(k == attribute and v == option for _a, k, v in self.attributes[u])}
            elif key == "flag":
                ids &= {u for u in ids if any(k == value and v == "true" for _a, k, v in self.attributes[u])}
            elif key == "name_word":
                pattern = re.compile(rf"(?<!\w)(?:{value})(?!\w)", re.IGNORECASE)
                ids &= {u for u in ids if pattern.search(self.units[u].name)}
            elif key == "name_suffix":
                ids &= {u for u in ids if self.units[u].name.lower().endswith(value.lower())}
            elif key == "mentions":
                ids &= {u for u in ids if any(fold(value) in fold(label) for label in self.labels[u])}
            else:
                raise ValueError(f"unknown expectation {key!r}")
        return ids


@pytest.fixture(scope="module")
def truth(demo_app: Flask) -> Truth:
    with demo_app.app_context():
        return Truth(db.session)


def all_hits(index: SearchIndex, query: str, **filters: Any) -> list[int]:
    ids: list[int] = []
    page = 1
    while True:
        result = index.search(query, page=page, per_page=100, **filters)
        assert result.error is None and result.available
        ids += [h.unit_id for h in result.hits]
        if page >= result.pages:
            return ids
        page += 1


RELEVANCE_CASES = yaml.safe_load(RELEVANCE_FILE.read_text(encoding="utf-8"))


def test_relevance_suite_covers_every_kind_of_query() -> None:
    assert len(RELEVANCE_CASES) >= 30
    covered = {kind for case in RELEVANCE_CASES for kind in case["covers"]}
    assert {"definite", "plural", "folded", "compound", "typo", "district", "language", "two-word"} <= covered


@pytest.mark.parametrize("case", RELEVANCE_CASES, ids=[f"{c['query']}-{i}" for i, c in enumerate(RELEVANCE_CASES)])
def test_relevance(case: dict[str, Any], demo_index: SearchIndex, truth: Truth) -> None:
    expected = truth.select(case["expect"])
    check = case["check"]
    result = demo_index.search(case["query"], per_page=100)
    assert result.available and result.error is None
    hits = [h.unit_id for h in result.hits]
    names = {h.unit_id: h.name for h in result.hits}

    def show(ids: Any) -> list[str]:
        return [names.get(i) or truth.units[i].name for i in ids]

    if check.get("exact_first"):
        if not expected:
            assert not result.matched_all or result.total == 0
        else:
            first = hits[:len(expected)]
            assert set(first) == expected, (
                f"first {len(expected)} hits {show(first)}; missing {show(expected - set(first))}")
    if "top" in check:
        assert expected, "the demo data should have such units"
        first = hits[:min(check["top"], len(expected))]
        assert first and set(first) <= expected, f"unexpected among the first: {show(set(first) - expected)}"
    if check.get("recall"):
        found = set(all_hits(demo_index, case["query"]))
        assert expected <= found, f"not found: {show(expected - found)}"
    if "suggestion" in check:
        assert result.suggestion == check["suggestion"]


def test_a_unit_is_found_by_its_name(demo_index: SearchIndex, truth: Truth) -> None:
    """A unit whose name is the only one with both its distinctive word and its kind comes first."""
    units = sorted(truth.units.values(), key=lambda u: u.id)
    patterns = [(r"^Montessoriförskolan (\w+)$", "montessori"), (r"^Förskolan (\w+)$", "förskol"),
                (r"^(\w+) hemtjänst$", "hemtjänst"), (r"^(\w+)gården$", "gård"),
                (r"^(\w+)s förskola$", "förskol"), (r"^(\w+)skolan$", "skol")]
    for pattern, kind in patterns:
        unit = next((u for u in units if (m := re.match(pattern, u.name)) and sum(
            m.group(1).lower() in v.name.lower() and kind in v.name.lower() for v in units) == 1), None)
        assert unit is not None, pattern
        for query in (unit.name, fold(unit.name), unit.name.upper()):
            result = demo_index.search(query)
            assert result.hits and result.hits[0].unit_id == unit.id, (query, [h.name for h in result.hits[:3]])
            assert "<mark>" in result.hits[0].name_html


def test_genitive_name_finds_the_unit(demo_index: SearchIndex, truth: Truth) -> None:
    unit = next(u for u in sorted(truth.units.values(), key=lambda u: u.id)
                if re.match(r"^\w+s förskola$", u.name) and "forskola" in truth.listed[u.id])
    word = unit.name.split()[0][:-1]  # "Bryggans" → "Bryggan"
    hits = [h.unit_id for h in demo_index.search(f"{word.lower()} förskola").hits]
    same_word = truth.select({"listed_in": "forskola", "name_word": f"{word}s?"})
    assert unit.id in hits[:len(same_word)]


def test_name_match_beats_description_match(demo_index: SearchIndex, truth: Truth) -> None:
    result = demo_index.search("Boo")
    first = truth.units[result.hits[0].unit_id]
    assert first.district == "Boo"
    named = [u for u in truth.units.values() if re.search(r"\bBoo\b", u.name)]
    if named:
        assert result.hits[0].unit_id in {u.id for u in named}


def test_search_in_english_shows_english_snippets(demo_index: SearchIndex) -> None:
    result = demo_index.search("dementia", language="en")
    assert result.hits
    assert all("<mark>dementia</mark>" in h.snippet.lower() for h in result.hits[:5])


def test_highlights_are_marked(demo_index: SearchIndex) -> None:
    result = demo_index.search("förskolor i Boo")
    assert all("<mark>" in h.name_html or "<mark>" in h.snippet for h in result.hits)
    assert any("<mark>Boo</mark>" in h.snippet for h in result.hits)
    hit = demo_index.search("montessoriförskola").hits[0]
    assert hit.name_html.startswith("<mark>Montessoriförskolan</mark>")


def test_and_falls_back_to_or(demo_index: SearchIndex) -> None:
    result = demo_index.search("montessori husdjur")  # no preschool allows pets
    assert not result.matched_all and result.total > 0
    assert demo_index.search("montessori förskola").matched_all


def test_unknown_words_are_reported(demo_index: SearchIndex) -> None:
    result = demo_index.search("förskola qzxvw")
    assert result.ignored_words == ["qzxvw"] and result.total > 0 and result.matched_all
    assert demo_index.search("qzxvw").total == 0


def test_no_suggestion_when_the_spelling_is_right(demo_index: SearchIndex) -> None:
    for query in ("förskola", "hemtjänst Boo", "montessori", ""):
        assert demo_index.search(query).suggestion is None


def test_half_words_are_completed(demo_index: SearchIndex, truth: Truth) -> None:
    result = demo_index.search("montess")
    named = truth.select({"name_word": "montessoriförskolan"})
    assert set(h.unit_id for h in result.hits[:len(named)]) == named


def test_pages_partition_the_result(demo_index: SearchIndex) -> None:
    first = demo_index.search("förskola", per_page=7)
    assert first.pages > 2
    ids: list[int] = []
    for page in range(1, first.pages + 1):
        ids += [h.unit_id for h in demo_index.search("förskola", page=page, per_page=7).hits]
    assert len(ids) == len(set(ids)) == first.total
    whole = demo_index.search("förskola", per_page=100)
    assert ids[:len(whole.hits)] == [h.unit_id for h in whole.hits]
    beyond = demo_index.search("förskola", page=10_000, per_page=7)
    assert beyond.page == beyond.pages and beyond.hits


def test_blank_query_lists_all_units_by_name(demo_index: SearchIndex, truth: Truth) -> None:
    result = demo_index.search("", per_page=100)
    assert result.blank and result.total == len(truth.units)
    names = [h.name for h in result.hits]
    assert names == sorted(names, key=sort_key)
    assert demo_index.search("i och för").blank


# --- facets against the database ---------------------------------------------------------------------


def test_facets_without_query_equal_database_counts(demo_app: Flask, demo_index: SearchIndex, truth: Truth) -> None:
    with demo_app.app_context():
        per_area = dict(db.session.execute(
            select(Area.slug, db.func.count()).join(Authorisation, Authorisation.area_id == Area.id)
            .where(Authorisation.status.in_(LISTED_STATUSES)).group_by(Area.slug)).all())
    result = demo_index.search("")
    assert result.area_counts == per_area
    assert result.district_counts == dict(Counter(u.district for u in truth.units.values() if u.district))

    for slug in ("forskola", "hemtjanst"):
        filtered = demo_index.search("", area=slug)
        listed = [u for u in truth.units.values() if slug in truth.listed[u.id]]
        assert filtered.total == len(listed) == per_area[slug]
        assert filtered.district_counts == dict(Counter(u.district for u in listed if u.district))
        assert filtered.area_counts == per_area  # the area facet ignores the area filter

    in_boo = demo_index.search("", district="Boo")
    boo = [u for u in truth.units.values() if u.district == "Boo"]
    assert in_boo.total == len(boo)
    assert in_boo.area_counts == dict(Counter(a for u in boo for a in truth.listed[u.id]))


@pytest.mark.parametrize("query", ["hemtjänst", "förskola montessori", "arabiska", "äldreboende"])
def test_facets_of_a_query_equal_database_counts_for_its_hits(query: str, demo_index: SearchIndex,
                                                               truth: Truth) -> None:
    result = demo_index.search(query)
    hits = all_hits(demo_index, query)
    assert len(hits) == result.total > 0
    assert result.area_counts == dict(Counter(a for u in hits for a in truth.listed[u]))
    assert result.district_counts == dict(Counter(truth.units[u].district for u in hits if truth.units[u].district))
    for slug, count in result.area_counts.items():
        filtered = demo_index.search(query, area=slug)
        assert filtered.total == count
        assert all(slug in truth.listed[u] for u in all_hits(demo_index, query, area=slug))
    district, count = next(iter(result.district_counts.items()))
    assert demo_index.search(query, district=district).total == count


# --- any input gives a result -----------------------------------------------------------------------

NASTY_INPUTS = [
    "", "   ", '"förskola"', '"', "'", "förskola*", "*", "?", "förs?ola", "skol~", "~2", "AND", "OR NOT",
    "förskola AND NOT hemtjänst", "(förskola OR skola)", "name:förskola", "förskola^3", "[a TO z]", "{}",
    "\\", "/", "a" * 5000, "förskola " * 1000, ("ab " * 2500)[:5000], "🙂", "👩‍👩‍👧 förskola 🏫",
    "\x00\x01\x02förskola\x1f\x7f", "\u200b\u200e\ufeff", "i och för på", "och", "DROP TABLE unit;--",
    "<script>alert(1)</script>", "%s %d {0}", "ö" * 300, "ÅÄÖ", "ﬁnska", "fo\u0308rskola", "١٢٣", "日本語",
    "1234567890" * 500, "\ud800", "NOT NOT NOT", "-förskola +boo", "hem* AND skol?", None, 42,
]


@pytest.mark.parametrize("query", NASTY_INPUTS, ids=range(len(NASTY_INPUTS)))
def test_any_input_gives_a_result(query: Any, demo_index: SearchIndex) -> None:
    started = time.perf_counter()
    result = demo_index.search(query)
    assert isinstance(result, SearchResult)
    assert result.available and result.error is None
    assert result.total >= len(result.hits) and result.page >= 1
    assert time.perf_counter() - started < 5


def test_decomposed_and_compatibility_characters_are_understood(demo_index: SearchIndex) -> None:
    assert demo_index.search("fo\u0308rskola").total == demo_index.search("förskola").total
    assert demo_index.search("ﬁnska").total == demo_index.search("finska").total


@pytest.mark.parametrize("filters", [
    {"area": "<script>"}, {"district": "\x00"}, {"page": "abc"}, {"page": -5}, {"page": 10**12},
    {"per_page": 0}, {"per_page": 10**6}, {"language": "xx"}, {"area": "", "district": ""},
])
def test_any_parameters_give_a_result(filters: dict[str, Any], demo_index: SearchIndex) -> None:
    result = demo_index.search("förskola", **filters)
    assert result.available and result.error is None and 1 <= result.per_page <= 100


# --- index lifecycle on small synthetic indexes -----------------------------------------------------


def make_doc(unit_id: int, name: str, *, area: str = "forskola", district: str | None = "Boo",
             description: str = "", languages: tuple[str, ...] = ()) -> UnitDocument:
    names = {"forskola": ("Förskola", "Preschool"), "hemtjanst": ("Hemtjänst", "Home care")}[area]
    return UnitDocument(unit_id=unit_id, slug=f"enhet-{unit_id}", name=name, provider="Test AB",
                        district=district, areas=[AreaRef(area, *names)], description_sv=description,
                        description_en="", languages=list(languages))


@pytest.fixture()
def small_index(tmp_path: Path) -> Iterator[SearchIndex]:
    index = SearchIndex.open_or_create(tmp_path / "index", write_timeout=30)
    index.rebuild([make_doc(1, "Förskolan Ekorren"), make_doc(2, "Montessoriförskolan Tallen", district="Älta"),
                   make_doc(3, "Sjövikens hemtjänst", area="hemtjanst", district="Orminge")])
    yield index
    index.close()


def found(index: SearchIndex, query: str) -> set[int]:
    return {h.unit_id for h in index.search(query, per_page=100).hits}


def test_update_replaces_and_delete_removes(small_index: SearchIndex) -> None:
    assert found(small_index, "ekorren") == {1}
    assert small_index.update([make_doc(1, "Förskolan Räven")]) == 1
    assert found(small_index, "ekorren") == set() and found(small_index, "räven") == {1}
    assert small_index.delete([1, 99]) == 1
    assert found(small_index, "räven") == set()
    assert small_index.unit_ids() == {2, 3} and small_index.document_count() == 2
    assert small_index.search("", per_page=100).total == 2


def test_sync_writes_published_units_and_removes_the_others(small_index: SearchIndex) -> None:
    report = small_index.sync([2, 3, 4], lambda ids: [make_doc(4, "Förskolan Lärkan")])
    assert (report.updated, report.deleted, report.skipped) == (1, 2, False)
    assert small_index.unit_ids() == {1, 4}


def test_sync_loads_documents_while_holding_the_lock(small_index: SearchIndex) -> None:
    def load(ids: list[int]) -> list[UnitDocument]:
        with pytest.raises(search.IndexBusy):
            SearchIndex(small_index.path, write_timeout=0.2).update([make_doc(9, "Förskolan Haren")])
        return [make_doc(i, "Förskolan Igelkotten") for i in ids]

    small_index.sync([5], load)
    assert small_index.unit_ids() == {1, 2, 3, 5}


def test_names_and_snippets_are_escaped(small_index: SearchIndex) -> None:
    small_index.update([make_doc(7, '<script>alert("x")</script> & Förskolan',
                                 description="<b>Fet</b> förskola & <i>mer</i>")])
    hit = next(h for h in small_index.search("förskolan").hits if h.unit_id == 7)
    assert "<script>" not in hit.name_html and "&lt;script&gt;" in hit.name_html
    assert "<mark>Förskolan</mark>" in hit.name_html and "&amp;" in hit.name_html
    assert "<b>" not in hit.snippet and "&lt;b&gt;Fet&lt;/b&gt; <mark>förskola</mark> &amp;" in hit.snippet


def test_missing_and_unfinished_indexes_say_so(tmp_path: Path) -> None:
    missing = SearchIndex(tmp_path / "nothing")
    assert missing.status() is IndexStatus.MISSING and not missing.is_current()
    result = missing.search("förskola")
    assert not result.available and result.status is IndexStatus.MISSING and result.hits == []
    assert missing.sync([1], lambda ids: pytest.fail("nothing to write to")).skipped
    assert missing.delete([1]) == 0

    building = SearchIndex.open_or_create(tmp_path / "new")
    assert building.status() is IndexStatus.BUILDING
    assert building.search("förskola").status is IndexStatus.BUILDING
    assert building.update([make_doc(1, "Förskolan Ekorren")]) == 0  # the coming rebuild reads everything
    assert building.ensure_current(lambda: [make_doc(1, "Förskolan Ekorren")]) is True
    assert building.is_current() and found(building, "ekorren") == {1}


def test_outdated_schema_is_detected_and_rebuilt(small_index: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    old_files = set(p.name for p in small_index.path.iterdir())
    monkeypatch.setattr(index_module, "SCHEMA_VERSION", index_module.SCHEMA_VERSION + 1)
    newer = SearchIndex(small_index.path)
    assert newer.name != small_index.name
    assert newer.status() is IndexStatus.OUTDATED and not newer.is_current()
    result = newer.search("ekorren")
    assert not result.available and result.status is IndexStatus.OUTDATED
    assert found(small_index, "ekorren") == {1}  # the old index still answers meanwhile

    assert newer.ensure_current(lambda: [make_doc(8, "Förskolan Ugglan")]) is True
    assert newer.is_current() and found(newer, "ugglan") == {8}
    assert newer.ensure_current(lambda: pytest.fail("built twice")) is False
    remaining = {p.name for p in newer.path.iterdir()}
    assert old_files and not any(small_index.name in name for name in remaining)


def test_analyzer_and_field_changes_make_a_new_index_name(monkeypatch: pytest.MonkeyPatch) -> None:
    before = index_module.index_name()
    assert index_module.index_name() == before
    with monkeypatch.context() as patch:
        patch.setattr(analysis, "HEADS", (*analysis.HEADS, "kvarn"))
        assert index_module.index_name() != before
    original = index_module.make_schema

    def with_another_field() -> Any:
        schema = original()
        schema.add("extra", index_module.STORED())
        return schema

    monkeypatch.setattr(index_module, "make_schema", with_another_field)
    assert index_module.index_name() != before


def test_rebuild_replaces_everything(small_index: SearchIndex) -> None:
    assert small_index.rebuild(iter([make_doc(10, "Förskolan Månen")])) == 1
    assert small_index.unit_ids() == {10}


def test_threads_search_while_another_writes(small_index: SearchIndex) -> None:
    errors: list[str] = []

    def read(_n: int) -> None:
        for _ in range(30):
            result = small_index.search("förskolan")
            if result.error or not result.available or not result.hits:
                errors.append(repr(result))

    with ThreadPoolExecutor(max_workers=4) as pool:
        readers = [pool.submit(read, n) for n in range(4)]
        for unit_id in range(100, 110):
            small_index.update([make_doc(unit_id, f"Förskolan Nummer{unit_id}")])
        for future in readers:
            future.result()
    assert errors == []
    assert found(small_index, "förskolan") >= set(range(100, 110))


def _write_many(path: str, first_id: int, count: int, start: Any) -> None:
    """A writer process: waits for the start signal, then commits ``count`` documents one by one."""
    index = SearchIndex(path, write_timeout=60)
    start.wait(60)
    for unit_id in range(first_id, first_id + count):
        index.update([make_doc(unit_id, f"Förskolan Nummer{unit_id}")])
        index.sync([0], lambda ids, u=unit_id: [make_doc(0, f"Förskolan Delad{u}")])


def test_two_writer_processes_lose_nothing(tmp_path: Path) -> None:
    index = SearchIndex.open_or_create(tmp_path / "index", write_timeout=60)
    index.rebuild([make_doc(0, "Förskolan Delad")])
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    writers = [context.Process(target=_write_many, args=(str(index.path), first, 25, start))
               for first in (1000, 2000)]
    for writer in writers:
        writer.start()
    start.set()
    for writer in writers:
        writer.join(timeout=180)
    for writer in writers:
        if writer.is_alive():
            writer.terminate()
            writer.join(5)
            pytest.fail("a writer process hung")
    assert [w.exitcode for w in writers] == [0, 0]
    expected = {0} | set(range(1000, 1025)) | set(range(2000, 2025))
    assert index.unit_ids() == expected
    assert index.search("", per_page=100).total == len(expected)
    assert found(index, "nummer2024") == {2024} and found(index, "nummer1000") == {1000}


# --- keeping the index in step with the database --------------------------------------------------------


@pytest.fixture()
def fresh_index(fresh_app: Flask, tmp_path: Path) -> Iterator[SearchIndex]:
    index = SearchIndex.open_or_create(tmp_path / "search-index")
    with fresh_app.app_context():
        search.reindex(index)
    yield index
    index.close()


def _listed_unit(area_slug: str) -> Unit:
    return db.session.scalars(
        select(Unit).join(Authorisation).join(Area)
        .where(Area.slug == area_slug, Authorisation.status.in_(LISTED_STATUSES)).order_by(Unit.id)).first()


def test_profile_change_is_found_after_sync(fresh_app: Flask, fresh_index: SearchIndex) -> None:
    with fresh_app.app_context():
        unit = _listed_unit("forskola")
        area = db.session.scalar(select(Area).where(Area.slug == "forskola"))
        unit.description_sv = "Vi har en egen zebrahage och odlar grönsaker."
        db.session.query(UnitAttribute).filter_by(unit_id=unit.id, area_id=area.id, key="pedagogik").delete()
        db.session.add(UnitAttribute(unit_id=unit.id, area_id=area.id, key="pedagogik", value="waldorf"))
        db.session.commit()
        assert found(fresh_index, "zebrahage") == set()  # not before the sync
        report = search.sync_units(fresh_index, [unit.id])
        assert (report.updated, report.deleted) == (1, 0)
        assert found(fresh_index, "zebrahagen") == {unit.id}
        assert unit.id in found(fresh_index, "waldorf förskola")


def test_withdrawn_unit_is_no_longer_found(fresh_app: Flask, fresh_index: SearchIndex) -> None:
    with fresh_app.app_context():
        unit = _listed_unit("hemtjanst")
        assert unit.id in found(fresh_index, unit.name)
        for authorisation in unit.authorisations:
            if authorisation.status in LISTED_STATUSES:
                authorisation.status = AuthorisationStatus.REVOKED
        db.session.commit()
        report = search.sync_units(fresh_index, [unit.id])
        assert (report.updated, report.deleted) == (0, 1)
        assert unit.id not in found(fresh_index, unit.name)
        assert unit.id not in fresh_index.unit_ids()
        assert fresh_index.unit_ids() == set(published_unit_ids())


def test_after_commit_hooks_sync_commits_and_ignore_rollbacks(fresh_app: Flask, fresh_index: SearchIndex) -> None:
    """The pattern for the app's hooks: remember ids after flush, sync after commit, forget on rollback."""
    with fresh_app.app_context():
        synced: list[set[int]] = []
        session = Session(db.engine)
        event.listen(session, "after_flush", lambda s, _ctx: changes.remember(s))
        event.listen(session, "after_commit", lambda s: synced.append(changes.take(s)))
        event.listen(session, "after_rollback", lambda s: changes.forget(s))
        try:
            unit = session.scalars(select(Unit).where(Unit.id.in_(published_unit_ids()))).first()
            unit.description_sv = "Här finns en kvarnhjulsverkstad."
            session.flush()
            session.rollback()
            assert synced == [] and found(fresh_index, "kvarnhjulsverkstad") == set()

            unit.description_sv = "Här finns en kvarnhjulsverkstad."
            session.commit()
            assert synced == [{unit.id}]
            search.sync_units(fresh_index, synced[0])
            assert found(fresh_index, "kvarnhjulsverkstad") == {unit.id}

            provider = session.get(Provider, unit.provider_id)
            provider.name = "Helt Nytt Namn AB"
            session.commit()
            assert synced[-1] == {u.id for u in provider.units}
        finally:
            session.close()


def test_documents_for_uses_committed_data(fresh_app: Flask) -> None:
    with fresh_app.app_context():
        unit = _listed_unit("forskola")
        unit.description_sv = "Ej sparad text"
        db.session.flush()
        assert documents_for([unit.id])[0].description_sv != "Ej sparad text"  # a private session
        assert documents_for([unit.id], session=db.session)[0].description_sv == "Ej sparad text"
        db.session.rollback()
