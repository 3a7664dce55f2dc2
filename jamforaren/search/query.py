"""From what a resident typed to what the engine looks up: words, and for each word the terms per field.

User input is words, never syntax. :func:`query_words` keeps runs of letters and digits and drops
everything else (quotes, ``*``, ``?``, ``~``, ``:``, brackets, emoji, control characters), operator words
typed in capitals (``AND``, ``OR``, ``NOT``), stop words and repeated words; it reads at most
:data:`MAX_QUERY_CHARS` characters and keeps at most :data:`MAX_QUERY_WORDS` words. It never raises.

:func:`plan_word` turns one word into a :class:`WordQuery`: the word's own forms in every text field
(Swedish fields get the Swedish stem and its other forms, English fields the English stem), each with the
field's boost — *or* all of its compound parts (``montessoriförskola`` also matches a unit whose profile says
``Montessori`` and whose area is ``Förskola``). A word with no term in the index is replaced by the close
spellings and completions the spelling field offers (``hemtjänts`` → ``hemtjänst``, ``montess`` →
``montessori``), at :data:`FUZZY_BOOST`. :func:`plan_words` also lets words that name an area
(``förskolor``, ``home care``) rank that area's units first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jamforaren.search import analysis
from jamforaren.search.analysis import fold, swedish_terms

MAX_QUERY_CHARS = 1000
MAX_QUERY_WORDS = 10
FUZZY_BOOST = 0.4     # a corrected or completed word counts less than the word itself
PART_WEIGHT = 0.8     # a compound's parts found separately count a little less than the whole word
MAX_CORRECTIONS = 4   # close spellings and completions searched for a word that is not in the index
AREA_NAME_BOOST = 4.0  # the query names an area ("förskolor", "home care"): its units come first
AREA_NAME_FIELD = "area_exact"
MAX_AREA_NAME_WORDS = 4

# How much a match in each text field counts: a name match beats a district, area or profile match,
# which beat a description match.
FIELD_BOOSTS: dict[str, float] = {
    "name": 6.0,
    "district_text": 3.0,
    "area_sv": 2.0,
    "area_en": 1.5,
    "provider": 1.5,
    "attributes_sv": 1.5,
    "attributes_en": 1.2,
    "languages_sv": 1.5,
    "languages_en": 1.5,
    "description_sv": 0.6,
    "description_en": 0.5,
}
SWEDISH_FIELDS = ("name", "district_text", "area_sv", "provider", "attributes_sv", "languages_sv",
                  "description_sv")
ENGLISH_FIELDS = ("area_en", "attributes_en", "languages_en", "description_en")

Clause = tuple[str, str, float]             # (field, term, boost): the term in the field
PartsClause = tuple[tuple[Clause, ...], ...]  # every part must match; a part matches any of its clauses


@dataclass(frozen=True)
class WordQuery:
    """A unit matches a word when it matches any clause; scores add up."""

    clauses: tuple[Clause, ...] = ()
    parts: tuple[PartsClause, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.clauses or self.parts)


@dataclass
class WordPlan:
    word: str                     # as typed (NFC)
    folded: str
    query: WordQuery = field(default_factory=WordQuery)
    known: bool = False           # some form of the word itself is in the index
    corrections: list[str] = field(default_factory=list)  # folded words searched instead
    terms: dict[str, set[str]] = field(default_factory=dict)    # field → terms to highlight
    primary: dict[str, set[str]] = field(default_factory=dict)  # the same without compound parts


def query_words(text: Any) -> list[str]:
    """The searchable words of a resident's query (see the module docstring). Never raises."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    kept: list[str] = []
    seen: set[str] = set()
    for word in analysis.words(text[:MAX_QUERY_CHARS]):
        if word in analysis.OPERATOR_WORDS:
            continue
        folded = fold(word)
        if folded in analysis.STOP_WORDS_SV or folded in analysis.STOP_WORDS_EN or folded in seen:
            continue
        seen.add(folded)
        kept.append(word)
        if len(kept) == MAX_QUERY_WORDS:
            break
    return kept


Exists = Callable[[str, str], bool]            # is (field, term) in the index?
Corrector = Callable[[str], list[str]]         # folded word → close folded words in the index


def plan_word(word: str, exists: Exists, correct: Corrector | None = None) -> WordPlan:
    plan = WordPlan(word=word, folded=fold(word))
    clauses, parts = _exact(plan.folded, 1.0, exists, plan)
    plan.known = bool(clauses or parts)
    if not plan.known and correct is not None:
        plan.corrections = correct(plan.folded)[:MAX_CORRECTIONS]
        for correction in plan.corrections:
            more_clauses, more_parts = _exact(correction, FUZZY_BOOST, exists, plan)
            clauses += more_clauses
            parts += more_parts
    plan.query = WordQuery(tuple(clauses), tuple(parts))
    return plan


def plan_words(words: list[str], exists: Exists, correct: Corrector | None = None) -> list[WordPlan]:
    """Plans for the words of a query. Where consecutive words name an area (in Swedish or English,
    stop words aside), the first of them also matches that area's units by name, with
    :data:`AREA_NAME_BOOST` — the words' meaning does not change, only the order."""
    plans = [plan_word(w, exists, correct) for w in words]
    for size in range(1, min(MAX_AREA_NAME_WORDS, len(words)) + 1):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start:start + size])
            for language in ("sv", "en"):
                key = analysis.phrase_key(phrase, language)
                if key and exists(AREA_NAME_FIELD, key):
                    plan = plans[start]
                    clause = (AREA_NAME_FIELD, key, AREA_NAME_BOOST)
                    if clause not in plan.query.clauses:
                        plan.query = WordQuery(plan.query.clauses + (clause,), plan.query.parts)
    return plans


def _exact(folded: str, weight: float, exists: Exists, plan: WordPlan) -> tuple[list[Clause], list[PartsClause]]:
    sv = swedish_terms(folded)
    en = analysis.english_terms(folded)
    clauses: list[Clause] = []

    def add(fieldname: str, term: str) -> None:
        if exists(fieldname, term):
            clauses.append((fieldname, term, FIELD_BOOSTS[fieldname] * weight))
            plan.primary.setdefault(fieldname, set()).add(term)
            plan.terms.setdefault(fieldname, set()).add(term)

    if folded not in analysis.STOP_WORDS_SV:
        for fieldname in SWEDISH_FIELDS:
            for term in (sv.stem, *sv.alternatives):
                add(fieldname, term)
    for fieldname in ENGLISH_FIELDS:
        for term in en:
            add(fieldname, term)

    parts: list[PartsClause] = []
    if sv.parts:
        per_part: list[tuple[Clause, ...]] = []
        for part in sv.parts:
            options = tuple((f, part, FIELD_BOOSTS[f] * weight * PART_WEIGHT)
                            for f in SWEDISH_FIELDS if exists(f, part))
            if not options:
                per_part = []
                break
            per_part.append(options)
        if per_part:
            parts.append(tuple(per_part))
            for options in per_part:
                for fieldname, term, _boost in options:
                    plan.terms.setdefault(fieldname, set()).add(term)
    return clauses, parts
