"""The search index of published units, on Whoosh, behind a small interface.

Everything the portal needs goes through :class:`SearchIndex` and plain result types (:class:`SearchResult`,
:class:`Hit`, :class:`IndexStatus`); documents come in as :class:`~jamforaren.search.documents.UnitDocument`.
No Whoosh type crosses the interface, so another engine can replace this module.

Lifecycle
    The index lives in a folder (``SEARCH_INDEX_DIR``) under a name that carries :data:`SCHEMA_VERSION` and a
    fingerprint of the analyzers (``units_v1_<fingerprint>``). An index under another name is *outdated*;
    :meth:`SearchIndex.status` says so, :meth:`SearchIndex.search` answers "unavailable" instead of failing,
    and :meth:`SearchIndex.rebuild` (or :meth:`SearchIndex.ensure_current`) builds the current one and then
    removes the old files.

Writers
    Whoosh allows one writer at a time per index (an ``fcntl`` lock in the folder). Every write here waits
    for the lock, retrying until :attr:`SearchIndex.write_timeout`, so two processes writing at once both
    land. Pass a *callable* to :meth:`SearchIndex.sync` / :meth:`SearchIndex.rebuild`: it is called once
    the lock is held, so the documents are read from the database after any earlier writer has finished —
    the last writer writes the newest state.

Queries
    User input is words, never syntax (:func:`~jamforaren.search.query.query_words`). Each word matches its
    normalised forms in every text field (with field boosts, so a name match beats a description match),
    a compound word also matches all its parts, and a word that is not in the index matches the close
    spellings and completions found in the spelling field (:mod:`jamforaren.search.query`). All words must
    match; if no unit has all of them, any word may (``SearchResult.matched_all`` tells which). Evaluation
    is in :mod:`jamforaren.search.engine`.

Facets
    ``area_counts`` counts the matching units per area with the district filter applied but not the area
    filter; ``district_counts`` the other way round. So each facet shows what choosing another value
    would give, and with no filter both count the whole result.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import random
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from markupsafe import Markup
from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.filedb.filestore import FileStorage
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.query import Term

from jamforaren.search import analysis, highlight
from jamforaren.search.analysis import fold
from jamforaren.search.documents import UnitDocument
from jamforaren.search.engine import SegmentRegistry, View
from jamforaren.search.query import WordPlan, plan_words, query_words

log = logging.getLogger(__name__)

# Bump when what goes into the fields changes (document_fields, the documents). Changes to the fields
# themselves and to the analyzers change the index name on their own (see index_name).
SCHEMA_VERSION = 1
INDEX_PREFIX = "units_v"

MAX_PER_PAGE = 100
FEW_HITS = 3             # below this many hits a rarer word may earn a "did you mean"
MAX_DISTANCE_LONG = 8    # words this long may be two edits away from what was meant, shorter ones one
MAX_COMPLETIONS = 50     # words of the index that a half word may begin, looked at
SPELLING_FIELD = "spell"
LIST_SEPARATOR = " · "


def index_name() -> str:
    """The name the current schema version, fields and analyzers give the index, e.g.
    ``units_v1_3f9c0a…``; an index under any other name in the folder is outdated."""
    fields = repr([(name, type(f).__name__, f.stored, f.scorable, f.column_type is not None)
                   for name, f in sorted(make_schema().items())])
    digest = hashlib.sha256((analysis.fingerprint() + fields).encode()).hexdigest()[:12]
    return f"{INDEX_PREFIX}{SCHEMA_VERSION}_{digest}"


def make_schema() -> Schema:
    sv = analysis.swedish_analyzer()
    en = analysis.english_analyzer()
    return Schema(
        unit_id=ID(stored=True, unique=True),
        slug=STORED(),
        name=TEXT(analyzer=sv, stored=True, phrase=False),
        name_sort=ID(sortable=True),
        provider=TEXT(analyzer=sv, stored=True, phrase=False),
        area=KEYWORD(stored=True, scorable=False, lowercase=False, commas=False),
        area_sv=TEXT(analyzer=sv, phrase=False),
        area_exact=KEYWORD(lowercase=False, commas=True, scorable=True),
        area_en=TEXT(analyzer=en, phrase=False),
        district=ID(stored=True),
        district_text=TEXT(analyzer=sv, phrase=False),
        description_sv=TEXT(analyzer=sv, stored=True, phrase=False),
        description_en=TEXT(analyzer=en, stored=True, phrase=False),
        attributes_sv=TEXT(analyzer=sv, stored=True, phrase=False),
        attributes_en=TEXT(analyzer=en, stored=True, phrase=False),
        language=KEYWORD(stored=True, scorable=False, lowercase=True, commas=False),
        languages_sv=TEXT(analyzer=sv, stored=True, phrase=False),
        languages_en=TEXT(analyzer=en, stored=True, phrase=False),
        spell=TEXT(analyzer=analysis.spelling_analyzer(), phrase=False),
    )


def document_fields(doc: UnitDocument) -> dict[str, str]:
    """The Whoosh fields of a document."""
    lists = {
        "area_sv": [a.name_sv for a in doc.areas],
        "area_en": [a.name_en for a in doc.areas],
        "attributes_sv": doc.attributes_sv,
        "attributes_en": doc.attributes_en,
        "languages_sv": doc.languages_sv,
        "languages_en": doc.languages_en,
    }
    fields = {
        "unit_id": str(doc.unit_id),
        "slug": doc.slug,
        "name": doc.name,
        "name_sort": analysis.sort_key(doc.name),
        "provider": doc.provider,
        "area": " ".join(doc.area_slugs),
        "description_sv": doc.description_sv,
        "description_en": doc.description_en,
        "language": " ".join(doc.languages),
        **{key: LIST_SEPARATOR.join(values) for key, values in lists.items()},
    }
    if doc.district:
        fields["district"] = doc.district
        fields["district_text"] = doc.district
    fields["area_exact"] = ",".join(dict.fromkeys(
        key for a in doc.areas for key in (analysis.phrase_key(a.name_sv, "sv"), analysis.phrase_key(a.name_en, "en"))
        if key))
    fields["spell"] = "\n".join(
        [doc.name, doc.provider, doc.district or "", doc.description_sv, doc.description_en,
         *(v for values in lists.values() for v in values)]
    )
    return {k: v for k, v in fields.items() if v}


# --- results ------------------------------------------------------------------------------------------


class IndexStatus(StrEnum):
    MISSING = "missing"      # no index at all
    OUTDATED = "outdated"    # only an index of an older schema or analyzer
    BUILDING = "building"    # the current index exists but its first build has not finished
    READY = "ready"


class IndexUnavailable(RuntimeError):
    """The index cannot be searched or written now (missing, outdated, being built, unreadable)."""


class IndexBusy(RuntimeError):
    """Another process held the write lock for longer than the write timeout."""


@dataclass
class Hit:
    unit_id: int
    slug: str
    name: str
    name_html: Markup           # the name, escaped, with <mark> around matched words
    provider: str
    snippet: Markup             # a piece of description or profile, escaped, with <mark>…</mark>
    score: float
    areas: list[str]            # slugs of the areas where the unit is listed
    district: str | None


@dataclass
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    area_counts: dict[str, int] = field(default_factory=dict)      # slug → hits, ignoring the area filter
    district_counts: dict[str, int] = field(default_factory=dict)  # district → hits, ignoring that filter
    suggestion: str | None = None   # "Menade du …?": the query with better spellings
    words: list[str] = field(default_factory=list)          # the words searched for
    ignored_words: list[str] = field(default_factory=list)  # words that matched nothing and were left out
    corrected_words: dict[str, list[str]] = field(default_factory=dict)  # word → spellings also searched
    matched_all: bool = True        # False when no unit had every word and units with any word are shown
    blank: bool = False             # no searchable words (empty, only stop words or symbols): all units
    available: bool = True          # False while the index is missing, outdated or being built
    status: IndexStatus = IndexStatus.READY
    error: str | None = None        # set when searching failed unexpectedly (logged); hits are empty

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * self.per_page, self.total)


@dataclass
class SyncReport:
    updated: int = 0
    deleted: int = 0
    skipped: bool = False   # no built current index: the rebuild that must come reads the database anyway


# --- the index ----------------------------------------------------------------------------------------


def _abandon(writer: Any) -> None:
    """Gives up a writer after a failure, whatever state its commit left it in: its write lock is released,
    or the index would stay locked for this process (every later write waiting for it, and giving up)."""
    try:
        writer.cancel()
    except Exception:
        lock = getattr(writer, "writelock", None)
        try:
            if lock is not None:
                lock.release()
        except Exception:
            log.exception("could not release the search index's write lock")


class SearchIndex:
    """The units' search index in ``path``. Safe to share between threads; one per process is enough."""

    def __init__(self, path: str | os.PathLike[str], *, write_timeout: float = 120.0):
        self.path = Path(path)
        self.name = index_name()
        self.write_timeout = write_timeout
        self.schema = make_schema()
        self._local = threading.local()
        self._segments = SegmentRegistry()
        self._searchers: set[Any] = set()   # every thread's open searcher, for close()
        self._searchers_lock = threading.Lock()

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str], **options: Any) -> SearchIndex:
        """The index in ``path``, creating the folder and an empty current index when there is none
        (its status is ``BUILDING`` until :meth:`rebuild` has run)."""
        index = cls(path, **options)
        index._ensure_created()
        return index

    # -- state --

    def status(self) -> IndexStatus:
        if not self.path.is_dir():
            return IndexStatus.MISSING
        try:
            if whoosh_index.exists_in(self.path, indexname=self.name):
                ix = whoosh_index.open_dir(self.path, indexname=self.name)
                return IndexStatus.READY if ix.latest_generation() >= 1 else IndexStatus.BUILDING
        except Exception:  # an unreadable index is as good as none
            log.warning("search index %s in %s is unreadable", self.name, self.path, exc_info=True)
            return IndexStatus.OUTDATED
        return IndexStatus.OUTDATED if self._other_index_files() else IndexStatus.MISSING

    def is_current(self) -> bool:
        """True when the index exists for this schema version and analyzers and has been built."""
        return self.status() is IndexStatus.READY

    def generation(self) -> int | None:
        """The generation of the committed index this thread reads (it grows with every commit), or None
        while there is no built index: what a cached search page depends on besides the database."""
        try:
            return self._view().searcher.reader().generation()
        except IndexUnavailable:
            return None

    def document_count(self) -> int:
        """Units in the index (raises :class:`IndexUnavailable` when there is no built index)."""
        return self._searcher().doc_count()

    def unit_ids(self) -> set[int]:
        """Ids of the units in the index — to compare with the database (raises like
        :meth:`document_count`)."""
        searcher = self._searcher()
        return {int(fields["unit_id"]) for fields in searcher.all_stored_fields()}

    # -- writing --

    def rebuild(self, documents: Iterable[UnitDocument] | Callable[[], Iterable[UnitDocument]]) -> int:
        """Replaces the whole index by ``documents`` (a callable is called once the write lock is held)
        in one commit: searches see the old index until the new one is complete. Returns the count."""
        return self._rebuild(documents, only_if_needed=False)

    def ensure_current(self, documents: Callable[[], Iterable[UnitDocument]]) -> bool:
        """Builds the index if it is missing, outdated or unfinished; does nothing when another process
        has just built it. Returns True if it built. For start-up (maybe in a background thread)."""
        if self.is_current():
            return False
        return self._rebuild(documents, only_if_needed=True) is not None

    def update(self, documents: Iterable[UnitDocument]) -> int:
        """Adds or replaces ``documents``. Returns how many were written (0 while the index is not built)."""
        return self.sync([], lambda ids: documents).updated

    def delete(self, unit_ids: Iterable[int]) -> int:
        """Removes the units' documents (ids without one are ignored). Returns how many were removed."""
        ids = list(unit_ids)
        return self.sync(ids, lambda _ids: []).deleted

    def sync(self, unit_ids: Iterable[int],
             load: Callable[[list[int]], Iterable[UnitDocument]]) -> SyncReport:
        """Brings the units in line with the database: holding the write lock, calls ``load(unit_ids)``
        (e.g. :func:`~jamforaren.search.documents.documents_for`), writes the documents it returns and
        deletes the other ids (units no longer published). The after-commit entry point.

        While the index is missing, outdated or not yet built nothing is written (``skipped``): the
        rebuild that must come reads the database anyway. Raises :class:`IndexBusy` only when another
        process held the write lock longer than :attr:`write_timeout` (log it; ``reindex`` repairs)."""
        ids = sorted({int(i) for i in unit_ids})
        report = SyncReport()
        try:
            ix, writer = self._writer()
        except IndexUnavailable:
            report.skipped = True
            return report
        if ix.latest_generation() < 1:
            writer.cancel()
            report.skipped = True
            return report
        try:
            written = set()
            for doc in load(ids):
                writer.update_document(**document_fields(doc))
                written.add(doc.unit_id)
                report.updated += 1
            for unit_id in ids:
                if unit_id not in written:
                    report.deleted += writer.delete_by_term("unit_id", str(unit_id))
            writer.commit()
        except BaseException:
            _abandon(writer)  # also when the commit failed: a writer left holding the lock blocks every write
            raise
        return report

    # -- searching --

    def search(self, query: Any, *, area: str | None = None, district: str | None = None, page: Any = 1,
               per_page: Any = 20, language: str = "sv") -> SearchResult:
        """Searches the published units. Never raises: an unavailable index or an unexpected failure gives
        a result with ``available=False`` or ``error`` set (and the failure logged)."""
        try:
            text = query if isinstance(query, str) else ("" if query is None else str(query))
        except Exception:
            text = ""
        page = _positive_int(page, 1)
        per_page = min(_positive_int(per_page, 20), MAX_PER_PAGE)
        area = area or None
        district = district or None
        language = "en" if language == "en" else "sv"
        try:
            view = self._view()
        except IndexUnavailable:
            status = self.status()
            return SearchResult(query=text, page=1, per_page=per_page, available=False,
                                status=status if status is not IndexStatus.READY else IndexStatus.BUILDING)
        try:
            return self._search(view, text, area, district, page, per_page, language)
        except Exception as error:  # a bug must not cost a resident the page; it is logged
            log.exception("search failed for %r", text)
            return SearchResult(query=text, page=1, per_page=per_page, error=f"{type(error).__name__}: {error}")

    def close(self) -> None:
        """Closes the searchers of all threads (at shutdown; a later search opens a new one)."""
        with self._searchers_lock:
            searchers, self._searchers = self._searchers, set()
        for searcher in searchers:
            try:
                searcher.close()
            except Exception:
                log.debug("closing a searcher failed", exc_info=True)
        self._local = threading.local()

    # -- internals: files and locks --

    def _other_index_files(self) -> list[str]:
        mine = (f"{self.name}_", f"_{self.name}_")
        try:
            names = os.listdir(self.path)
        except OSError:
            return []
        return [n for n in names
                if (n.startswith(INDEX_PREFIX) or n.startswith("_" + INDEX_PREFIX)) and not n.startswith(mine)]

    def _remove_other_indexes(self, older_than: float) -> None:
        """Removes the files of other indexes last written before ``older_than`` (a newer index that a
        newer deployment wrote meanwhile stays)."""
        for name in self._other_index_files():
            path = self.path / name
            try:
                if path.stat().st_mtime < older_than:
                    os.remove(path)
            except OSError:
                log.warning("could not remove old search index file %s", name, exc_info=True)

    @contextmanager
    def _lock(self, lock_name: str):  # type: ignore[no-untyped-def]
        """A named lock in the index folder, waited for (with retries) up to the write timeout."""
        storage = FileStorage(str(self.path))
        lock = storage.lock(f"{self.name}_{lock_name}")
        deadline = time.monotonic() + self.write_timeout
        while not lock.acquire(blocking=False):
            if time.monotonic() > deadline:
                raise IndexBusy(f"the search index lock {lock_name} is held by another process")
            time.sleep(0.01 + random.random() * 0.04)
        try:
            yield
        finally:
            lock.release()

    def _ensure_created(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        with self._lock("CREATELOCK"):
            try:
                if whoosh_index.exists_in(self.path, indexname=self.name):
                    whoosh_index.open_dir(self.path, indexname=self.name).latest_generation()
                    return
            except Exception:
                log.warning("recreating unreadable search index %s", self.name, exc_info=True)
            whoosh_index.create_in(self.path, self.schema, indexname=self.name)

    def _open(self) -> Any:
        try:
            if not whoosh_index.exists_in(self.path, indexname=self.name):
                raise IndexUnavailable(f"no search index {self.name} in {self.path}")
            return whoosh_index.open_dir(self.path, indexname=self.name)
        except IndexUnavailable:
            raise
        except Exception as error:
            raise IndexUnavailable(f"search index {self.name} cannot be opened: {error}") from error

    def _writer(self) -> tuple[Any, Any]:
        """``(ix, writer)`` once the index's write lock is held, retrying until the write timeout."""
        ix = self._open()
        deadline = time.monotonic() + self.write_timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                return ix, ix.writer(timeout=max(0.0, min(2.0, remaining)), delay=0.02)
            except LockError:
                if time.monotonic() >= deadline:
                    raise IndexBusy("another process held the search index's write lock too long") from None
                time.sleep(random.random() * 0.05)

    def _rebuild(self, documents: Iterable[UnitDocument] | Callable[[], Iterable[UnitDocument]],
                 only_if_needed: bool) -> int | None:
        started = time.time()
        self._ensure_created()
        ix, writer = self._writer()
        if only_if_needed and ix.latest_generation() >= 1:
            writer.cancel()
            return None
        count = 0
        try:
            for doc in (documents() if callable(documents) else documents):
                writer.add_document(**document_fields(doc))
                count += 1
            writer.commit(mergetype=writing.CLEAR, optimize=True)
        except BaseException:
            _abandon(writer)
            raise
        self._remove_other_indexes(older_than=started)
        return count

    def _view(self) -> View:
        """This thread's view of the latest committed index, reopened when the index has changed.

        Not ``Searcher.refresh()``: it reuses the readers of segments that kept their id, with the
        deletions they had then, so deleted documents would come back. The cached segment data lives
        in the registry, not in readers, so reopening costs little."""
        current = getattr(self._local, "current", None)
        if current is not None:
            searcher, view = current
            try:
                if searcher.up_to_date():
                    return view
            except Exception:
                log.info("search index changed under a searcher; reopening", exc_info=True)
            try:
                fresh = self._open_view()
            except Exception:  # IndexUnavailable, or whatever a half-written table of contents raises
                # A commit in progress can look like no index for a moment: the last complete snapshot
                # (its files stay readable while open) answers until the new one can be opened.
                log.info("search index could not be reopened; searching the previous snapshot", exc_info=True)
                return view
            with self._searchers_lock:
                self._searchers.discard(searcher)
            try:
                searcher.close()
            except Exception:
                log.debug("closing an old searcher failed", exc_info=True)
        else:
            fresh = self._open_view()
        self._local.current = fresh
        with self._searchers_lock:
            self._searchers.add(fresh[0])
        return fresh[1]

    def _open_view(self) -> tuple[Any, View]:
        ix = self._open()
        if ix.latest_generation() < 1:
            raise IndexUnavailable("the search index is being built")
        try:
            searcher = ix.searcher()
            return searcher, View(searcher, self._segments)
        except Exception as error:
            raise IndexUnavailable(f"search index cannot be read: {error}") from error

    def _searcher(self) -> Any:
        return self._view().searcher

    # -- internals: queries --

    def _plan(self, view: View, words: list[str]) -> list[WordPlan]:
        reader = view.searcher.reader()
        return plan_words(words, lambda f, t: (f, t) in reader, lambda w: self._corrections(reader, w))

    def _corrections(self, reader: Any, folded: str) -> list[str]:
        """Words of the spelling field close to ``folded`` (edit distance 1, or 2 for long words, first
        letter kept) and then words it begins, each group most frequent first."""
        if len(folded) < 4 or not folded.isalpha():
            return []
        maxdist = 2 if len(folded) >= MAX_DISTANCE_LONG else 1
        found: dict[str, tuple[int, int]] = {}
        for distance in range(1, maxdist + 1):
            for word in reader.terms_within(SPELLING_FIELD, folded, distance, prefix=1):
                if word not in found and word != folded:
                    found[word] = (distance, -reader.doc_frequency(SPELLING_FIELD, word))
            if found:
                break
        for count, raw in enumerate(reader.expand_prefix(SPELLING_FIELD, folded)):
            if count >= MAX_COMPLETIONS:
                break
            word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            if word not in found and word != folded:
                found[word] = (maxdist + 1, -reader.doc_frequency(SPELLING_FIELD, word))
        return sorted(found, key=lambda w: (found[w], w))

    def _search(self, view: View, text: str, area: str | None, district: str | None, page: int,
                per_page: int, language: str) -> SearchResult:
        words = query_words(text)
        plans = self._plan(view, words)
        active = [p.query for p in plans if p.query]
        result = SearchResult(query=text, per_page=per_page, words=words,
                              ignored_words=[p.word for p in plans if not p.query],
                              corrected_words={p.word: p.corrections for p in plans if p.corrections},
                              blank=not words)
        scores: dict[int, float] | None = None
        if result.blank:
            matched: set[int] | frozenset[int] = view.live
        elif active:
            matched, scores = view.match_all(active)
            if not matched and len(active) > 1:
                matched, scores = view.match_any(active)
                result.matched_all = False
        else:
            matched = set()

        area_counts, district_counts = view.facet_counts(matched, area, district)
        result.area_counts = dict(sorted(area_counts.items(), key=lambda kv: (-kv[1], kv[0])))
        result.district_counts = dict(sorted(district_counts.items(), key=lambda kv: (-kv[1], fold(kv[0]))))
        selected = view.select(matched, area, district)
        result.total = len(selected)
        result.page = max(1, min(page, result.pages))

        first = (result.page - 1) * per_page
        searcher = view.searcher
        for docnum in view.top(selected, scores, result.page * per_page)[first:]:
            fields = searcher.stored_fields(docnum)
            name = fields.get("name", "")
            result.hits.append(Hit(
                unit_id=int(fields["unit_id"]),
                slug=fields.get("slug", ""),
                name=name,
                name_html=highlight.name_html(name, plans),
                provider=fields.get("provider", ""),
                snippet=highlight.snippet(fields, plans, language),
                score=scores[docnum] if scores is not None else 0.0,
                areas=(fields.get("area") or "").split(),
                district=fields.get("district") or None,
            ))
        result.suggestion = self._suggestion(view, plans, result.total)
        return result

    def _suggestion(self, view: View, plans: list[WordPlan], total: int) -> str | None:
        """The query with each word that is not in the index (or, when few units were found, a rare word)
        replaced by the closest more frequent spelling — offered when it finds units."""
        reader = view.searcher.reader()
        replaced = False
        corrected: list[str] = []
        for plan in plans:
            better = None
            if plan.corrections and not plan.known:
                better = next((c for c in plan.corrections if _is_close(plan.folded, c)), None)
            elif plan.known and total < FEW_HITS and len(plan.folded) >= 4 and plan.folded.isalpha():
                own = reader.doc_frequency(SPELLING_FIELD, plan.folded)
                better = next((c for c in self._corrections(reader, plan.folded)
                               if _is_close(plan.folded, c)
                               and reader.doc_frequency(SPELLING_FIELD, c) >= max(3, 5 * own)), None)
            if better:
                replaced = True
                corrected.append(self._surface(view, better, plan.word))
            else:
                corrected.append(plan.word)
        if not replaced:
            return None
        suggestion = " ".join(corrected)
        better_plans = self._plan(view, query_words(suggestion))
        if not better_plans or not all(p.known for p in better_plans):
            return None
        found, _scores = view.match_all([p.query for p in better_plans])
        if not found or (len(found) <= total and all(p.known for p in plans)):
            return None
        return suggestion

    def _surface(self, view: View, folded: str, typed: str) -> str:
        """How ``folded`` is written in the indexed texts (``hemtjanst`` → ``hemtjänst``)."""
        searcher = view.searcher
        docnum = next(iter(searcher.docs_for_query(Term(SPELLING_FIELD, folded))), None)
        if docnum is not None:
            fields = searcher.stored_fields(docnum)
            for key in ("name", "provider", "district", "attributes_sv", "languages_sv", "description_sv",
                        "attributes_en", "languages_en", "description_en"):
                for word in analysis.words(fields.get(key) or ""):
                    candidate = fold(word)
                    if candidate == folded:
                        surface = word
                    elif len(candidate) == len(word) and folded in analysis.spelling_parts(candidate):
                        start = 0 if candidate.startswith(folded) else len(candidate) - len(folded)
                        surface = word[start:start + len(folded)]
                    else:
                        continue
                    return surface if typed[:1].isupper() else surface.lower()
        return folded


def _positive_int(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return number if number >= 1 else default


def _is_close(a: str, b: str) -> bool:
    """A correction rather than a completion: the lengths differ by at most two letters."""
    return abs(len(a) - len(b)) <= 2


__all__ = ["Hit", "IndexBusy", "IndexStatus", "IndexUnavailable", "SCHEMA_VERSION", "SearchIndex",
           "SearchResult", "SyncReport", "document_fields", "index_name", "make_schema"]
