"""Swedish (and English) text analysis for the search index.

Whoosh's ``LanguageAnalyzer("sv")`` stems with Snowball, which leaves definite forms alone (``förskolan``
stays ``förskolan`` while ``förskola`` becomes ``förskol``), works on unfolded text (so ``forskola`` typed
without the ring never meets ``förskola``) and cannot split compounds. This module replaces it.

The Swedish pipeline, the same for indexing and for queries::

    words  →  lower case  →  fold accents  →  stop words  →  normalise (stem)  →  compound parts

1. **Words** are runs of letters and digits (combining accents stay inside the word). Anything else —
   punctuation, quotes, wildcards, emoji, control characters — separates words and is never a word.
2. **Folding**: ``å ä → a``, ``ö ø → o``, ``é è ê → e``, ``ü → u``, ``æ → ae``, ``ß → ss`` and any other
   accent removed (Unicode NFKD without combining marks). Folding comes *before* everything else, so
   ``forskola`` and ``förskola`` are the same word from then on, and so are the stop words.
3. **Stop words**: Snowball's Swedish list (folded). ``i``, ``och``, ``för`` never reach the index.
4. **Normalising** (:func:`stem`), a small light stemmer of our own for nouns, written for the words
   residents type. Applied repeatedly until nothing changes (so ``klövern`` → ``klöver`` → ``klöv``):

   - protected words are left alone (``demens``, ``assistans``, ``kompetens``… look inflected, are not);
     a few irregular forms are mapped (``vuxna`` → ``vuxen``);
   - genitive ``-s`` after a definite or plural ending: ``förskolans`` → ``förskolan``;
   - the longest of the definite/plural endings ``-orna -arna -erna -ena -or -ar -er -an -en -et``
     (``förskolorna``, ``gårdarna``, ``boendena``, ``skolor``, ``gården``, ``boendet``);
   - definite ``-n`` after ``-el``/``-er`` (``hasseln``, ``klövern``) and after ``-o``/``-i``/``-u``/``-y``
     (``studion`` → ``studio``);
   - Latin ``-ium``/``-eum`` lose ``-um`` (``gymnasium`` meets ``gymnasiet``);
   - otherwise a final ``-a`` or ``-e`` (``förskola``, ``boende``);
   - a final ``mm``/``nn`` becomes ``m``/``n`` (``hemmet`` meets ``hem``, ``lönnen`` meets ``lönn``);
   - a stem keeps at least three letters; words shorter than four letters and words with digits are
     left as they are.

   So ``förskola förskolan förskolor förskolorna`` → ``forskol``; ``hemtjänst hemtjänsten`` →
   ``hemtjanst``; ``boende boendet boenden`` → ``boend``; ``demens demensen`` → ``demens``.
   The stems are index terms, not words: only equality matters.
5. **Compounds** (:func:`compound_parts`): a word whose stem *ends* in a known head (``skola``,
   ``förskola``, ``gården``, ``boende``, ``gymnasium``, ``hemtjänst``…, :data:`HEAD_WORDS`) with at least
   two letters before it is also indexed as its parts (``Ekbacksskolan`` → ``ekback`` + ``skol``;
   ``Montessoriförskolan`` → ``montessori`` + ``forskol``; ``äldreboende`` → ``aldr`` + ``boend``), a
   linking ``-s`` dropped. A word that *starts* with a known domain word (``montessori``, ``demens``,
   ``musik``…, :data:`PREFIX_WORDS`) is split after it. Heads are split again (``kulturskola`` →
   ``kultur`` + ``skola``) except :data:`ATOMIC_WORDS` (``förskola`` is not a ``skola``). Parts share the
   word's position and characters, so the whole word is highlighted when a part matches.
6. At index time a word ending in ``-s`` is also indexed without it (``Ektorps`` also as ``ektorp``), so
   the genitive of a name is found by the name.

Also here: :func:`phrase_key` (a whole area name as one term, so a query that names an area ranks that
area's units first), :func:`sort_key` (Swedish alphabetical order), :func:`term_spans` (the analyzers'
terms with their character spans, for highlighting) and :func:`fingerprint` (a change of rules or word
lists makes a new index name, so the index is rebuilt).

Typos are not handled here: :mod:`jamforaren.search.index` looks a word that is not in the index up in
the *spelling* field (folded, unstemmed words, see :func:`spelling_analyzer`) and searches for the close
words it finds there — edit distance on real words, before stemming, which is what Whoosh's ``~`` cannot
do.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stemmer_for_language, stopwords_for_language

# A word: letters or digits, with any combining accents that follow them (text may arrive decomposed).
WORD_PATTERN = r"[^\W_](?:[^\W_]|[\u0300-\u036f])*"
WORD_RE = re.compile(WORD_PATTERN)
MAX_WORD_LENGTH = 60  # longer "words" are noise (a pasted hash, a 5,000-letter string) and are dropped

_SPECIAL_FOLDS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d",
                                "þ": "th", "ı": "i"})


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case without accents: ``"Förskolan Ängen"`` → ``"forskolan angen"``."""
    text = text.lower().translate(_SPECIAL_FOLDS)
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"})


def sort_key(text: str) -> str:
    """A key that sorts names in Swedish alphabetical order (å, ä, ö after z; é as e; ü as y)."""
    return fold(unicodedata.normalize("NFC", text).lower().translate(_SWEDISH_ORDER))


def words(text: str) -> list[str]:
    """The words of ``text`` as typed (NFC), without punctuation, symbols or over-long strings."""
    text = unicodedata.normalize("NFC", text)
    return [w for w in WORD_RE.findall(text) if len(w) <= MAX_WORD_LENGTH]


# --- stop words -----------------------------------------------------------------------------------

STOP_WORDS_SV = frozenset(fold(w) for w in stopwords_for_language("sv"))
STOP_WORDS_EN = frozenset(fold(w) for w in stopwords_for_language("en"))
# Query syntax words a resident may type in capitals; they are words, not operators, and mean nothing.
OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})

# --- the normaliser -------------------------------------------------------------------------------

MIN_STEM = 3

# Base forms that look inflected (they end like a genitive or a definite form) and must stay as they are.
PROTECTED = frozenset(fold(w) for w in """
    demens kompetens konferens referens licens tendens frekvens sekvens existens evidens intelligens
    differens preferens konsekvens karens ekvivalens transparens insolvens konvergens
    balans assistans distans instans finans allians relevans substans tolerans ambulans nyans chans romans
    ordinans resonans elegans vakans ambivalens dominans ignorans arrogans leverans
    anders
""".split())

# Irregular forms, folded: form → the word whose stem they share.
IRREGULAR = {fold(k): fold(v) for k, v in {
    "vuxna": "vuxen", "vuxnas": "vuxen", "vuxet": "vuxen",
    "öppna": "öppen", "öppet": "öppen",
    "egna": "egen", "eget": "egen",
    "barnet": "barn", "barnen": "barn",
}.items()}

_GENITIVE_BASES = ("an", "en", "et", "na", "or", "ar", "er")
_ENDINGS = ("orna", "arna", "erna", "ena", "or", "ar", "er", "an", "en", "et")
_VOWELS = frozenset("aeiouy")


def _is_stem(text: str) -> bool:
    """Long enough and with a vowel: ``stjärna`` must not lose ``-arna``."""
    return len(text) >= MIN_STEM and any(c in _VOWELS for c in text)


def _strip_once(w: str) -> str:
    if w in PROTECTED:
        return w
    if len(w) > 4 and w.endswith("s") and w[:-1].endswith(_GENITIVE_BASES):
        return w[:-1]
    for ending in _ENDINGS:
        if w.endswith(ending) and _is_stem(w[: -len(ending)]):
            return w[: -len(ending)]
    if w[-1] == "n" and (w.endswith(("eln", "ern")) or w[-2] in "iouy") and _is_stem(w[:-1]):
        return w[:-1]
    if w.endswith(("ium", "eum")) and len(w) >= 6:
        return w[:-2]
    if w[-1] in "ae" and _is_stem(w[:-1]):
        return w[:-1]
    if w.endswith(("mm", "nn")):
        return w[:-1]
    return w


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The normalised form of a folded, lower-case word (see the module docstring for the rules)."""
    if len(word) < 4 or not word.isalpha():
        return word
    word = IRREGULAR.get(word, word)
    for _ in range(6):
        shorter = _strip_once(word)
        if shorter == word:
            break
        word = shorter
    return word


# --- compounds ------------------------------------------------------------------------------------

# Heads: the last part of compounds in unit names and catalogue texts (Swedish, any form).
HEAD_WORDS = """
    förskola skola gymnasium kulturskola musikskola dansskola konstskola teaterskola friskola
    gård boende hemtjänst omsorg vård stöd service center centrum hem daghem bostad verksamhet verkstad
    ateljé studio mottagning utbildning klass fritidshem insats assistans träffpunkt lärcenter
    sjukdom inriktning profil pedagogik språk kultur musik dans teater idrott natur
""".split()
# Domain words that begin compounds whose rest is not a known head ("Montessorigruppen").
PREFIX_WORDS = """
    montessori waldorf reggio demens äldre musik kultur dans språk teater konst natur idrott
    familj grupp korttid service trygghet special resurs hemtjänst vuxen
""".split()
# Words that are never split even though they end in a head: a "förskola" is not a kind of "skola", and a
# "förskoleklass" (the school year before year 1) is not a "förskola".
ATOMIC_WORDS = """förskola förskoleklass""".split()

MIN_MODIFIER = 2     # letters before a head: "Ekskolan" → ek + skola
MIN_PREFIX_REST = 4  # letters after a prefix word: "naturlig" is not natur + lig


def _stems(words_: list[str]) -> tuple[str, ...]:
    return tuple(sorted({stem(fold(w)) for w in words_}, key=lambda s: (-len(s), s)))


HEADS = _stems(HEAD_WORDS)
PREFIXES = _stems(PREFIX_WORDS)
ATOMIC = frozenset(stem(fold(w)) for w in ATOMIC_WORDS)


def _modifier(text: str) -> str:
    """A compound's first part without its linking ``-s`` (``ekbacks`` → ``ekback``), normalised."""
    if len(text) > 3 and text.endswith("s") and text not in PROTECTED and stem(text) not in PREFIXES:
        text = text[:-1]
    return stem(text)


@lru_cache(maxsize=65536)
def compound_parts(word_stem: str) -> tuple[str, ...]:
    """The known parts of a compound, as stems: ``montessoriforskol`` → ``("montessori", "forskol")``."""
    if not word_stem.isalpha() or word_stem in ATOMIC:
        return ()
    parts: list[str] = []
    for head in HEADS:
        rest = word_stem[: -len(head)]
        if word_stem.endswith(head) and len(rest) >= MIN_MODIFIER:
            modifier = _modifier(rest)
            if len(modifier) >= MIN_MODIFIER:
                parts.append(modifier)
                parts.extend(compound_parts(modifier))
            parts.append(head)
            parts.extend(compound_parts(head))
            break
    if not parts:
        for prefix in PREFIXES:
            rest = word_stem[len(prefix):]
            if word_stem.startswith(prefix) and len(rest) >= MIN_PREFIX_REST:
                parts.append(prefix)
                rest = stem(rest[1:] if rest.startswith("s") and len(rest) > MIN_STEM else rest)
                parts.append(rest)
                parts.extend(compound_parts(rest))
                break
    seen = {word_stem}
    return tuple(p for p in parts if not (p in seen or seen.add(p)))  # type: ignore[func-returns-value]


@dataclass(frozen=True)
class SwedishTerms:
    """What one folded word becomes: its stem, other forms indexed with it, and its compound parts."""

    stem: str
    alternatives: tuple[str, ...]
    parts: tuple[str, ...]

    def all(self) -> tuple[str, ...]:
        return (self.stem, *self.alternatives, *self.parts)


@lru_cache(maxsize=65536)
def swedish_terms(folded_word: str) -> SwedishTerms:
    base = stem(folded_word)
    alternatives: tuple[str, ...] = ()
    if len(folded_word) >= 5 and folded_word.endswith("s") and folded_word.isalpha() \
            and not folded_word.endswith("ss"):
        alternative = stem(folded_word[:-1])
        if alternative != base:
            alternatives = (alternative,)
    parts = compound_parts(base)
    for alternative in alternatives:
        parts += tuple(p for p in compound_parts(alternative) if p not in parts)
    parts = tuple(p for p in parts if p != base and p not in alternatives)
    return SwedishTerms(base, alternatives, parts)


# --- Whoosh filters and analyzers ---------------------------------------------------------------------


class FoldFilter(Filter):
    """Folds each token's text (accents removed; lower case)."""

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        for t in tokens:
            t.text = fold(t.text)
            yield t


class LengthFilter(Filter):
    """Drops tokens longer than ``maxsize``."""

    def __init__(self, maxsize: int = MAX_WORD_LENGTH):
        self.maxsize = maxsize

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        for t in tokens:
            if len(t.text) <= self.maxsize:
                yield t


class SwedishFilter(Filter):
    """Replaces each folded word by its stem, then yields its other forms and compound parts at the same
    position and characters (see :func:`swedish_terms`)."""

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        for t in tokens:
            terms = swedish_terms(t.text)
            for text in terms.all():
                t.text = text
                yield t


class SpellingFilter(Filter):
    """Yields each folded word and the unstemmed parts of a compound (``montessoriforskolan`` →
    ``montessori``, ``forskolan``): the vocabulary that typos are corrected against."""

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        for t in tokens:
            word = t.text
            extra = spelling_parts(word)
            yield t
            for text in extra:
                t.text = text
                yield t


@lru_cache(maxsize=65536)
def spelling_parts(folded_word: str) -> tuple[str, ...]:
    """Surface forms of a compound's first part and head: the stem is a prefix of the folded word, so
    the parts can be cut from the word itself."""
    base = stem(folded_word)
    if not base.isalpha() or base in ATOMIC:
        return ()
    for head in HEADS:
        rest = base[: -len(head)]
        if base.endswith(head) and len(rest) >= MIN_MODIFIER:
            first, last = folded_word[: len(rest)], folded_word[len(rest):]
            return tuple(p for p in (first, last) if len(p) >= 3)
    for prefix in PREFIXES:
        if base.startswith(prefix) and len(base) - len(prefix) >= MIN_PREFIX_REST \
                and folded_word.startswith(prefix):
            rest = folded_word[len(prefix):]
            return tuple(p for p in (prefix, rest) if len(p) >= 3)
    return ()


def _tokenizer() -> RegexTokenizer:
    return RegexTokenizer(WORD_PATTERN)


def swedish_analyzer():  # type: ignore[no-untyped-def]
    return (_tokenizer() | LowercaseFilter() | FoldFilter() | LengthFilter()
            | StopFilter(stoplist=STOP_WORDS_SV, minsize=1) | SwedishFilter())


def english_analyzer():  # type: ignore[no-untyped-def]
    return (_tokenizer() | LowercaseFilter() | FoldFilter() | LengthFilter()
            | StopFilter(stoplist=STOP_WORDS_EN, minsize=1) | StemFilter(lang="en"))


def spelling_analyzer():  # type: ignore[no-untyped-def]
    return (_tokenizer() | LowercaseFilter() | FoldFilter() | LengthFilter()
            | StopFilter(stoplist=STOP_WORDS_SV | STOP_WORDS_EN, minsize=3) | SpellingFilter())


def phrase_key(text: str, language: str) -> str:
    """A whole name as one term — its words' stems without stop words, joined by ``_`` — so that a query
    naming an area (``förskolor``, ``home care``) can be told from one that only shares a word with it
    (``preschool`` and ``Preschool class``)."""
    stems: list[str] = []
    for word in words(text):
        folded = fold(word)
        if language == "en":
            stems.extend(english_terms(folded))
        elif folded not in STOP_WORDS_SV:
            stems.append(swedish_terms(folded).stem)
    return "_".join(stems)


_english_stemmer = stemmer_for_language("en")


@lru_cache(maxsize=65536)
def english_stem(folded_word: str) -> str:
    """The English analyzer's stem (Snowball English, as :func:`english_analyzer` uses)."""
    return _english_stemmer(folded_word)


def english_terms(folded_word: str) -> tuple[str, ...]:
    """What the English analyzer makes of one folded word: nothing for a stop word, else its stem."""
    if folded_word in STOP_WORDS_EN or len(folded_word) > MAX_WORD_LENGTH:
        return ()
    return (english_stem(folded_word),)


def term_spans(text: str, language: str) -> Iterator[tuple[tuple[str, ...], int, int]]:
    """``(terms, start, end)`` for each word of ``text`` that the Swedish (``"sv"``) or English analyzer
    indexes: the same terms as the analyzer, without Whoosh's token machinery (used to highlight)."""
    for match in WORD_RE.finditer(text):
        word = match.group()
        if len(word) > MAX_WORD_LENGTH:
            continue
        folded = fold(word)
        if language == "en":
            terms = english_terms(folded)
        elif folded in STOP_WORDS_SV:
            continue
        else:
            terms = swedish_terms(folded).all()
        if terms:
            yield terms, match.start(), match.end()


def analyze(analyzer, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The terms ``analyzer`` makes of ``text`` (for tests and queries)."""
    return [t.text for t in analyzer(text)]


def fingerprint() -> str:
    """A digest of everything that decides which terms the analyzers make (the word lists and the code of
    the rules): when it changes, the index is outdated and is rebuilt."""
    h = hashlib.sha256()
    code = [inspect.getsource(f) for f in (fold, _is_stem, _strip_once, stem, _modifier, compound_parts,
                                          swedish_terms, spelling_parts, swedish_analyzer, english_analyzer,
                                          spelling_analyzer, english_terms, phrase_key)]
    for chunk in (*code, WORD_PATTERN, str(MAX_WORD_LENGTH), str(MIN_STEM), str(MIN_MODIFIER),
                  str(MIN_PREFIX_REST),
                  " ".join(sorted(STOP_WORDS_SV)), " ".join(sorted(STOP_WORDS_EN)),
                  " ".join(sorted(PROTECTED)), repr(sorted(IRREGULAR.items())), repr(_GENITIVE_BASES),
                  repr(_ENDINGS), " ".join(HEADS), " ".join(PREFIXES), " ".join(sorted(ATOMIC))):
        h.update(chunk.encode())
        h.update(b"\0")
    return h.hexdigest()[:10]
