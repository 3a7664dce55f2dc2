"""Full-text search over the published units (Swedish-aware), with facets and spelling help.

The public API — all a view, a CLI command or an after-commit hook needs::

    from jamforaren import search

    index = search.SearchIndex.open_or_create(app.config["SEARCH_INDEX_DIR"])   # once per process
    search.ensure_current(index)          # at start-up (app context): build if missing/outdated
    search.reindex(index)                 # `jamforaren reindex` (app context)
    search.sync_units(index, unit_ids)    # after a commit that touched those units (app context)
    result = index.search(q, area=..., district=..., page=..., per_page=..., language="sv")

``result`` is a :class:`SearchResult`; while the index is missing, outdated or being built,
``result.available`` is False (and ``result.status`` says why) instead of an error.

Modules: :mod:`.analysis` (the Swedish analyzer), :mod:`.query` (user input → words and terms),
:mod:`.engine` (evaluation over Whoosh's postings), :mod:`.highlight` (``<mark>``), :mod:`.documents`
(units → documents), :mod:`.index` (the index and its lifecycle), :mod:`.changes` (which units a flush
touched).
"""

from __future__ import annotations

from collections.abc import Iterable

from jamforaren.search.changes import affected_unit_ids
from jamforaren.search.documents import AreaRef, UnitDocument, all_documents, documents_for, published_unit_ids
from jamforaren.search.index import (
    SCHEMA_VERSION, Hit, IndexBusy, IndexStatus, IndexUnavailable, SearchIndex, SearchResult, SyncReport,
)
from jamforaren.search.query import query_words


def reindex(index: SearchIndex) -> int:
    """Rebuilds the whole index from the database (needs an app context). Returns the number of units."""
    return index.rebuild(all_documents)


def ensure_current(index: SearchIndex) -> bool:
    """Builds the index from the database if it is missing, outdated or unfinished (needs an app
    context); a no-op when it is current or another process has just built it. True if it built."""
    return index.ensure_current(all_documents)


def sync_units(index: SearchIndex, unit_ids: Iterable[int]) -> SyncReport:
    """Writes the current database state of these units to the index: published units are added or
    replaced, the others removed. Reads committed data in a private session (needs an app context)."""
    return index.sync(unit_ids, documents_for)


__all__ = [
    "SCHEMA_VERSION", "AreaRef", "Hit", "IndexBusy", "IndexStatus", "IndexUnavailable", "SearchIndex",
    "SearchResult", "SyncReport", "UnitDocument", "affected_unit_ids", "all_documents", "documents_for",
    "ensure_current", "published_unit_ids", "query_words", "reindex", "sync_units",
]
