"""Query evaluation over Whoosh's postings, fast enough for a national catalogue.

Whoosh's own matchers are pure Python and score every matching document through a tree of matcher
objects: a broad query ("förskola", 15,000 of 25,000 units) costs well over 100 ms. Here Whoosh stores and
reads (segments, postings, stored fields, locks) and the evaluation is ours:

- a word's score per document (BM25, summed over the fields and forms of the word, with field boosts)
  is computed once per *segment* and kept in a size-bounded LRU cache; segments never change once written
  (deletions are kept apart and applied at query time), so the cache survives index updates — only the
  new small segments start cold;
- all words must match: an intersection of the words' document sets (done in C by ``set``);
- facets and filters use per-segment arrays of each document's areas and district, read once from the
  postings;
- the top hits come from ``heapq.nlargest`` (score, then name).

The scores of a cached segment keep the collection statistics (idf, average field length) of the moment
they were computed; the drift until the next rebuild is negligible for ranking.
"""

from __future__ import annotations

import heapq
import threading
from collections import Counter, OrderedDict
from itertools import chain
from typing import Any

from jamforaren.search.query import WordQuery

K1 = 1.2
B = 0.75
Docs = set[int] | frozenset[int]  # global document numbers

SEGMENT_CACHE_ENTRIES = 400_000   # document scores kept per segment (≈ 40 MB at most)
VIEW_CACHE_WORDS = 256


class _SizedLRU:
    """An LRU of dicts bounded by the total number of entries in them."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self.entries = 0
        self.items: OrderedDict[Any, dict[int, float]] = OrderedDict()

    def get(self, key: Any) -> dict[int, float] | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: Any, value: dict[int, float]) -> None:
        if key in self.items:
            return
        self.items[key] = value
        self.entries += len(value) + 1
        while self.entries > self.max_entries and len(self.items) > 1:
            _old_key, old = self.items.popitem(last=False)
            self.entries -= len(old) + 1


class SegmentData:
    """What one segment's documents need for facets and sorting, and its cached word scores."""

    def __init__(self, reader: Any):
        self.id = reader.segment().segment_id()
        size = reader.doc_count_all()
        self.areas: list[tuple[str, ...]] = [()] * size
        self.district: list[str | None] = [None] * size
        self.names: list[str] = [""] * size
        fields = set(reader.indexed_field_names())
        if "area" in fields:
            for slug in reader.field_terms("area"):
                for docnum in reader.postings("area", slug).all_ids():
                    self.areas[docnum] = (*self.areas[docnum], slug)
        if "district" in fields:
            for name in reader.field_terms("district"):
                for docnum in reader.postings("district", name).all_ids():
                    self.district[docnum] = name
        if reader.has_column("name_sort"):
            column = reader.column_reader("name_sort")
            self.names = [value or "" for value in column]
        self._cache = _SizedLRU(SEGMENT_CACHE_ENTRIES)
        self._lock = threading.Lock()

    def word(self, reader: Any, query: WordQuery, stats: Stats) -> dict[int, float]:
        with self._lock:
            cached = self._cache.get(query)
        if cached is not None:
            return cached
        scores = _word_scores(reader, query, stats)
        with self._lock:
            self._cache.put(query, scores)
        return scores


class Stats:
    """Collection statistics of one searcher (idf, average field length), cached."""

    def __init__(self, searcher: Any):
        self.searcher = searcher
        self._idf: dict[tuple[str, str], float] = {}
        self._avg: dict[str, float] = {}

    def idf(self, fieldname: str, term: str) -> float:
        key = (fieldname, term)
        if key not in self._idf:
            self._idf[key] = self.searcher.idf(fieldname, term)
        return self._idf[key]

    def avg_length(self, fieldname: str) -> float:
        if fieldname not in self._avg:
            self._avg[fieldname] = self.searcher.avg_field_length(fieldname, 1.0) or 1.0
        return self._avg[fieldname]


def _term_scores(reader: Any, fieldname: str, term: str, boost: float, stats: Stats,
                 into: dict[int, float]) -> None:
    if (fieldname, term) not in reader:
        return
    idf = stats.idf(fieldname, term) * boost
    constant = K1 * (1 - B)
    per_length = K1 * B / stats.avg_length(fieldname)
    field_length = reader.doc_field_length
    matcher = reader.postings(fieldname, term)
    while matcher.is_active():
        docnum = matcher.id()
        tf = matcher.weight()
        length = field_length(docnum, fieldname, 1) or 1
        into[docnum] = into.get(docnum, 0.0) + idf * tf * (K1 + 1) / (tf + constant + per_length * length)
        matcher.next()


def _word_scores(reader: Any, query: WordQuery, stats: Stats) -> dict[int, float]:
    scores: dict[int, float] = {}
    for fieldname, term, boost in query.clauses:
        _term_scores(reader, fieldname, term, boost, stats, scores)
    for parts in query.parts:
        maps: list[dict[int, float]] = []
        for options in parts:
            part: dict[int, float] = {}
            for fieldname, term, boost in options:
                _term_scores(reader, fieldname, term, boost, stats, part)
            maps.append(part)
        maps.sort(key=len)
        common = set(maps[0]).intersection(*maps[1:]) if maps else set()
        for docnum in common:
            scores[docnum] = scores.get(docnum, 0.0) + sum(m[docnum] for m in maps)
    return scores


class SegmentRegistry:
    """The :class:`SegmentData` of the segments in use, shared by every thread of a process."""

    def __init__(self) -> None:
        self._segments: dict[str, SegmentData] = {}
        self._lock = threading.Lock()

    def get(self, reader: Any) -> SegmentData:
        segment_id = reader.segment().segment_id()
        with self._lock:
            data = self._segments.get(segment_id)
        if data is None:
            data = SegmentData(reader)
            with self._lock:
                data = self._segments.setdefault(segment_id, data)
        return data

    def keep_only(self, segment_ids: set[str]) -> None:
        with self._lock:
            for segment_id in [s for s in self._segments if s not in segment_ids]:
                del self._segments[segment_id]


class View:
    """One searcher's documents as the evaluation sees them: global document numbers, live documents,
    areas and districts, names in order, and the words' merged scores."""

    def __init__(self, searcher: Any, registry: SegmentRegistry):
        self.searcher = searcher
        self.stats = Stats(searcher)
        self.leaves: list[tuple[Any, int, SegmentData, frozenset[int]]] = []
        for reader, offset in searcher.reader().leaf_readers():
            deleted = frozenset(reader.deleted_docs_set) if reader.has_deletions() else frozenset()
            self.leaves.append((reader, offset, registry.get(reader), deleted))
        registry.keep_only({data.id for _r, _o, data, _d in self.leaves})
        self.areas: list[tuple[str, ...]] = list(chain.from_iterable(d.areas for _r, _o, d, _x in self.leaves))
        self.district: list[str | None] = list(chain.from_iterable(d.district for _r, _o, d, _x in self.leaves))
        self._lock = threading.Lock()
        self._words: OrderedDict[WordQuery, dict[int, float]] = OrderedDict()
        self._live: frozenset[int] | None = None
        self._rank: list[int] | None = None
        self._area_docs: dict[str, frozenset[int]] | None = None
        self._district_docs: dict[str, frozenset[int]] | None = None

    # -- documents --

    @property
    def live(self) -> frozenset[int]:
        if self._live is None:
            docs: set[int] = set()
            for reader, offset, _data, deleted in self.leaves:
                docs.update(offset + d for d in range(reader.doc_count_all()) if d not in deleted)
            self._live = frozenset(docs)
        return self._live

    @property
    def rank(self) -> list[int]:
        """Each document's place in name order."""
        if self._rank is None:
            names = list(chain.from_iterable(d.names for _r, _o, d, _x in self.leaves))
            rank = [0] * len(names)
            for place, docnum in enumerate(sorted(range(len(names)), key=names.__getitem__)):
                rank[docnum] = place
            self._rank = rank
        return self._rank

    def area_docs(self, slug: str) -> frozenset[int]:
        if self._area_docs is None:
            groups: dict[str, set[int]] = {}
            for docnum in self.live:
                for area in self.areas[docnum]:
                    groups.setdefault(area, set()).add(docnum)
            self._area_docs = {k: frozenset(v) for k, v in groups.items()}
        return self._area_docs.get(slug, frozenset())

    def district_docs(self, name: str) -> frozenset[int]:
        if self._district_docs is None:
            groups: dict[str, set[int]] = {}
            for docnum in self.live:
                district = self.district[docnum]
                if district:
                    groups.setdefault(district, set()).add(docnum)
            self._district_docs = {k: frozenset(v) for k, v in groups.items()}
        return self._district_docs.get(name, frozenset())

    # -- words --

    def word(self, query: WordQuery) -> dict[int, float]:
        """Global document number → score for one word (do not modify the returned dict)."""
        with self._lock:
            cached = self._words.get(query)
            if cached is not None:
                self._words.move_to_end(query)
                return cached
        if len(self.leaves) == 1 and not self.leaves[0][3]:
            reader, _offset, data, _deleted = self.leaves[0]
            merged = data.word(reader, query, self.stats)
        else:
            merged = {}
            for reader, offset, data, deleted in self.leaves:
                local = data.word(reader, query, self.stats)
                if offset == 0:
                    merged.update(local)
                else:
                    merged.update({d + offset: s for d, s in local.items()})
                for d in deleted:
                    merged.pop(d + offset, None)
        with self._lock:
            self._words[query] = merged
            while len(self._words) > VIEW_CACHE_WORDS:
                self._words.popitem(last=False)
        return merged

    def match_all(self, queries: list[WordQuery]) -> tuple[Docs, dict[int, float]]:
        """Documents matching every word, with the summed scores."""
        maps = sorted((self.word(q) for q in queries), key=len)
        if len(maps) == 1:
            return set(maps[0]), maps[0]
        docs = set(maps[0]).intersection(*(m.keys() for m in maps[1:]))
        return docs, {d: sum(m[d] for m in maps) for d in docs}

    def match_any(self, queries: list[WordQuery]) -> tuple[set[int], dict[int, float]]:
        """Documents matching some word, with the summed scores."""
        scores: dict[int, float] = {}
        for q in queries:
            for d, s in self.word(q).items():
                scores[d] = scores.get(d, 0.0) + s
        return set(scores), scores

    # -- facets and order --

    def facet_counts(self, docs: Docs, area: str | None, district: str | None) -> tuple[Counter[str], Counter[str]]:
        """Counts by area (ignoring the area filter) and by district (ignoring the district filter)."""
        for_areas = docs & self.district_docs(district) if district else docs
        for_districts = docs & self.area_docs(area) if area else docs
        area_counts: Counter[str] = Counter(chain.from_iterable(map(self.areas.__getitem__, for_areas)))
        district_counts: Counter[str] = Counter(map(self.district.__getitem__, for_districts))
        district_counts.pop(None, None)  # type: ignore[call-overload]
        return area_counts, district_counts

    def select(self, docs: Docs, area: str | None, district: str | None) -> Docs:
        if area:
            docs = docs & self.area_docs(area)
        if district:
            docs = docs & self.district_docs(district)
        return docs

    def top(self, docs: Docs, scores: dict[int, float] | None, count: int) -> list[int]:
        """The first ``count`` documents: by score (then name), or by name when there are no scores."""
        rank = self.rank
        if scores is None:
            return heapq.nsmallest(count, docs, key=rank.__getitem__)
        return heapq.nlargest(count, docs, key=lambda d: (scores[d], -rank[d]))
