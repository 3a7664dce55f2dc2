"""The peer reference for bench/run: Datasette publishing the same SQLite data, read-only.

:func:`prepare` makes a COPY of the generated database (the original is opened read-only and never
changed) with what Datasette needs for the equivalents of our routes:

- ``unit_fts``, an FTS5 table over the units' name, descriptions (sv, en) and district, created the way
  sqlite-utils' ``enable-fts`` does (an external-content table, ``content=[unit]``, rowid = ``unit.id``),
  so Datasette finds it for ``/portal/unit?_search=…``; the metadata also names it (``fts_table``,
  ``fts_pk``). The tokenizer folds diacritics (``unicode61 remove_diacritics 2``), as our search folds
  "hemtjanst" to "hemtjänst". No triggers: the copy is published immutable, nothing writes to it.
- ``area_unit``, a view of each area's authorised units with ownership form, district and latest overall
  satisfaction share, so that facets can be looked at in a browser
  (``/portal/area_unit?area=forskola&_facet=district&_facet=ownership``). bench/run does not measure it.

:func:`metadata` writes Datasette's metadata with three canned queries, the equivalents of our pages
that are not a single table or row (see bench/run.py's docstring for the whole mapping):

- ``area_list``: an area's authorised units with provider, ownership form, district, free places,
  languages and latest overall satisfaction share (results from fewer than 5 respondents suppressed),
  filtered by district, ownership form and language, sorted by name or by satisfaction (missing last),
  20 a page, with the total: what ``jamforaren/services/area_listing.py`` computes for ``/kundval/<area>``.
- ``compare``: four units of an area side by side: name, provider, ownership form, district, places,
  then every question of the area's latest surveys (with the municipality's share) and every unit key
  figure in its latest year (with the municipality's value): the core of ``/kundval/<area>/jamfor``.
- ``api_units``: a page of 20 published units sorted by name, with provider, languages and
  authorisations (as JSON arrays) and the total: what ``/api/v1/units`` returns.

The copy is served with ``datasette serve -i COPY -m metadata.json``: immutable (``-i``) is how Datasette
publishes a read-only database (it skips change detection and file locking, and may count rows once). The
settings bench/run passes (:func:`command`) raise the SQL time limit to wrk's 30 s timeout, so a slow
query under load is measured as slow rather than cut off into an error, and turn facet suggestions off
because none of our pages computes them.

The copy lives in ``<database>.peer/`` next to the database and is reused while the database's size
and modification time are unchanged (making it for the national dataset takes a while).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

NAME = "portal"  # the database's name in Datasette's URLs: /portal/unit/1
FORMAT = 1  # bump when the copy's extra tables or views change
MIN_RESPONDENTS = 5  # as jamforaren.models.MIN_RESPONDENTS
PER_PAGE = 20
TIME_LIMIT_MS = 30_000
SETTINGS = {"sql_time_limit_ms": TIME_LIMIT_MS, "facet_time_limit_ms": TIME_LIMIT_MS, "suggest_facets": "off"}

PREPARE_SQL = """
CREATE VIRTUAL TABLE [unit_fts] USING FTS5 (
    [name], [description_sv], [description_en], [district],
    content=[unit], content_rowid=[id], tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO [unit_fts] ([unit_fts]) VALUES ('rebuild');

CREATE VIEW area_unit AS
WITH latest_overall AS (
    SELECT s.area_id, q.id AS question_id FROM survey_question q JOIN survey s ON s.id = q.survey_id
    WHERE q.is_overall AND s.year = (SELECT max(year) FROM survey WHERE area_id = s.area_id)
)
SELECT ar.slug AS area, u.id AS unit_id, u.name, u.slug, u.district, p.name AS provider, p.ownership,
       u.free_places,
       (SELECT r.share_positive FROM survey_result r JOIN latest_overall lo ON lo.question_id = r.question_id
        WHERE lo.area_id = a.area_id AND r.unit_id = u.id AND r.respondents >= {min} LIMIT 1) AS satisfaction
FROM authorisation a JOIN area ar ON ar.id = a.area_id JOIN unit u ON u.id = a.unit_id
JOIN provider p ON p.id = u.provider_id
WHERE a.status = 'auktoriserad';
""".format(min=MIN_RESPONDENTS)

AREA_LIST_SQL = """
with chosen as (select id from area where slug = :area),
latest as (
  select q.id from survey_question q join survey s on s.id = q.survey_id
  where s.area_id = (select id from chosen) and q.is_overall
    and s.year = (select max(year) from survey where area_id = (select id from chosen))
),
listed as (
  select u.id, u.name,
    case when :sort = 'nojdhet' then
      (select r.share_positive from survey_result r where r.unit_id = u.id
         and r.question_id in (select id from latest) and r.respondents >= {min} limit 1)
    end as sort_value
  from authorisation a join unit u on u.id = a.unit_id join provider p on p.id = u.provider_id
  where a.area_id = (select id from chosen) and a.status = 'auktoriserad'
    and (:district = '' or u.district = :district)
    and (:ownership = '' or p.ownership = :ownership)
    and (:language = '' or exists (select 1 from unit_language l where l.unit_id = u.id and l.language = :language))
),
page as (
  select id, sort_value from listed
  order by sort_value is null and :sort = 'nojdhet', sort_value desc, lower(name), id
  limit {per_page} offset {per_page} * (max(cast(:page as integer), 1) - 1)
)
select u.name, u.slug, u.district, p.name as provider, p.ownership, u.free_places,
  (select group_concat(l.language, ' ') from unit_language l where l.unit_id = u.id) as languages,
  (select r.share_positive from survey_result r where r.unit_id = u.id
     and r.question_id in (select id from latest) and r.respondents >= {min} limit 1) as satisfaction,
  (select count(*) from listed) as total
from page join unit u on u.id = page.id join provider p on p.id = u.provider_id
order by page.sort_value is null and :sort = 'nojdhet', page.sort_value desc, lower(u.name), u.id
""".format(min=MIN_RESPONDENTS, per_page=PER_PAGE)


def _side_by_side(value: str, condition: str = "") -> str:
    return ", ".join(f"max(case when u.position = {n}{condition} then {value} end) as unit_{n}" for n in range(1, 5))


COMPARE_SQL = """
with chosen as (select id from area where slug = :area),
picked(position, slug) as (values (1, :unit1), (2, :unit2), (3, :unit3), (4, :unit4)),
units as (
  select picked.position, u.id, u.name, u.district, u.capacity, u.free_places, p.name as provider, p.ownership
  from picked join unit u on u.slug = picked.slug join provider p on p.id = u.provider_id
  join authorisation a on a.unit_id = u.id and a.area_id = (select id from chosen) and a.status = 'auktoriserad'
),
questions as (
  select q.id, q.position, q.text_sv, s.respondent_group, q.municipal_share_positive
  from survey_question q join survey s on s.id = q.survey_id
  where s.area_id = (select id from chosen)
    and s.year = (select max(year) from survey where area_id = (select id from chosen))
),
figures as (
  select f.id, f.position, f.name_sv,
    (select max(year) from key_figure_value v where v.key_figure_id = f.id and v.unit_id is not null) as year
  from key_figure f where f.area_id = (select id from chosen) and f.scope = 'unit'
)
select 0 as section, 1 as position, 'Enhet' as grp, 'Namn' as measure, null as municipality, {name}
from units u
union all select 0, 2, 'Enhet', 'Anordnare', null, {provider} from units u
union all select 0, 3, 'Enhet', 'Driftsform', null, {ownership} from units u
union all select 0, 4, 'Enhet', 'Kommundel', null, {district} from units u
union all select 0, 5, 'Enhet', 'Platser', null, {capacity} from units u
union all select 0, 6, 'Enhet', 'Lediga platser', null, {free_places} from units u
union all
select 1, q.position, q.respondent_group, q.text_sv, q.municipal_share_positive, {share}
from questions q cross join units u
left join survey_result r on r.question_id = q.id and r.unit_id = u.id
group by q.id
union all
select 2, f.position, 'Nyckeltal', f.name_sv,
  (select m.value from key_figure_value m where m.key_figure_id = f.id and m.unit_id is null and m.year = f.year),
  {value}
from figures f cross join units u
left join key_figure_value v on v.key_figure_id = f.id and v.unit_id = u.id and v.year = f.year
group by f.id
order by section, grp, position
""".format(name=_side_by_side("u.name"), provider=_side_by_side("u.provider"),
           ownership=_side_by_side("u.ownership"), district=_side_by_side("u.district"),
           capacity=_side_by_side("u.capacity"), free_places=_side_by_side("u.free_places"),
           share=_side_by_side("r.share_positive", f" and r.respondents >= {MIN_RESPONDENTS}"),
           value=_side_by_side("v.value"))

API_UNITS_SQL = """
with listed as (
  select u.id, u.name from unit u join provider p on p.id = u.provider_id
  where exists (select 1 from authorisation a join area ar on ar.id = a.area_id
                where a.unit_id = u.id and a.status != 'ansokt' and (:area = '' or ar.slug = :area))
    and (:ownership = '' or p.ownership = :ownership)
),
page as (
  select id from listed order by lower(name), id
  limit {per_page} offset {per_page} * (max(cast(:page as integer), 1) - 1)
)
select u.id, u.slug, u.name, p.id as provider_id, p.slug as provider_slug, p.name as provider_name,
  p.org_number as provider_org_number, p.ownership as provider_ownership, u.description_sv, u.description_en,
  u.street_address, u.postal_code, u.city, u.district, u.latitude, u.longitude, u.capacity, u.free_places,
  (select json_group_array(language) from
     (select l.language from unit_language l where l.unit_id = u.id order by l.language)) as languages,
  u.opening_hours_sv, u.opening_hours_en, u.email, u.phone, u.website, u.kolada_ou,
  (select json_group_array(json_object('area', ar.slug, 'status', a.status, 'status_since', a.status_since,
                                       'authorised_since', a.authorised_since,
                                       'decision_reference', a.decision_reference))
     from authorisation a join area ar on ar.id = a.area_id
     where a.unit_id = u.id and a.status != 'ansokt') as authorisations,
  u.updated_at, (select count(*) from listed) as total
from page join unit u on u.id = page.id join provider p on p.id = u.provider_id
order by lower(u.name), u.id
""".format(per_page=PER_PAGE)


@dataclass
class Peer:
    database: Path  # the copy Datasette serves
    metadata: Path


def database_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, or None for anything else (PostgreSQL: no peer)."""
    if not url.startswith("sqlite:///"):
        return None
    return Path(url[len("sqlite:///"):])


def prepare(source: Path, directory: Path | None = None) -> Peer:
    """The peer's copy of ``source`` with its FTS table and view, and the metadata; reused when current."""
    source = source.resolve()
    directory = directory or source.with_name(source.name + ".peer")
    directory.mkdir(parents=True, exist_ok=True)
    copy = directory / f"{NAME}.db"
    info = source.stat()
    stamp = {"source": str(source), "size": info.st_size, "mtime_ns": info.st_mtime_ns, "format": FORMAT}
    stamp_file = directory / "stamp.json"
    current = copy.exists() and stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp
    if not current:
        partial = directory / f"{NAME}.db.partial"
        partial.unlink(missing_ok=True)
        original = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(partial)
        try:
            original.backup(target)  # a consistent copy, page by page; the original stays untouched
            target.executescript(PREPARE_SQL)
            target.commit()
        finally:
            target.close()
            original.close()
        os.replace(partial, copy)
        stamp_file.write_text(json.dumps(stamp))
    meta = directory / "metadata.json"
    meta.write_text(json.dumps(metadata(), indent=2, ensure_ascii=False))
    return Peer(database=copy, metadata=meta)


def metadata() -> dict:
    return {
        "title": "Jämföraren peer (bench/run)",
        "databases": {NAME: {
            "tables": {"unit": {"fts_table": "unit_fts", "fts_pk": "id"}},
            "queries": {
                "area_list": {"title": "An area's authorised units", "sql": AREA_LIST_SQL.strip()},
                "compare": {"title": "Four units side by side", "sql": COMPARE_SQL.strip()},
                "api_units": {"title": "Published units, 20 a page", "sql": API_UNITS_SQL.strip()},
            },
        }},
    }


def command(peer: Peer, port: int) -> list[str]:
    settings = [part for name, value in SETTINGS.items() for part in ("--setting", name, str(value))]
    return [sys.executable, "-m", "datasette", "serve", "-i", str(peer.database), "--host", "127.0.0.1",
            "--port", str(port), "-m", str(peer.metadata), *settings]


# The peer's path for each of our routes (bench/run.py builds both from the same choices).

def area_list_path(area: str, *, district: str = "", ownership: str = "", language: str = "", sort: str = "namn",
                   page: int = 1) -> str:
    return f"/{NAME}/area_list?" + urlencode({"area": area, "district": district, "ownership": ownership,
                                              "language": language, "sort": sort, "page": page})


def unit_path(unit_id: int) -> str:
    return f"/{NAME}/unit/{unit_id}"


def compare_path(area: str, slugs: list[str]) -> str:
    return f"/{NAME}/compare?" + urlencode({"area": area, **{f"unit{n}": s for n, s in enumerate(slugs, 1)}})


def search_path(query: str) -> str:
    return f"/{NAME}/unit?_search={quote(query)}&_size={PER_PAGE}"


def api_list_path(*, area: str = "", ownership: str = "", page: int = 1) -> str:
    return f"/{NAME}/api_units.json?" + urlencode({"area": area, "ownership": ownership, "page": page,
                                                   "_shape": "objects"})


def api_detail_path(unit_id: int) -> str:
    return f"/{NAME}/unit/{unit_id}.json"
