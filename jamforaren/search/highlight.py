"""Matched words in ``<mark>``: HTML-safe names and snippets for search results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from jamforaren.search import analysis
from jamforaren.search.query import WordPlan

SNIPPET_CHARS = 180
SNIPPET_FIELDS = ("description", "attributes", "languages")


def _language(fieldname: str) -> str:
    return "en" if fieldname.endswith("_en") else "sv"


def highlight(text: str, language: str, terms: set[str], max_chars: int | None = None) -> Markup:
    """``text`` escaped, with ``<mark>`` around each word that has a term in ``terms`` (analysed as the
    index analyses ``language``); when ``max_chars`` is given, cut to about that many characters around
    the first match, with "…" where text was left out."""
    spans = [(start, end) for word_terms, start, end in analysis.term_spans(text, language)
             if terms.intersection(word_terms)] if terms and text else []
    begin, finish = 0, len(text)
    if max_chars and len(text) > max_chars:
        if spans:
            begin = max(0, spans[0][0] - max_chars // 4)
            space = text.rfind(" ", 0, begin)
            begin = 0 if begin == 0 or space < 0 else space + 1
        finish = min(len(text), begin + max_chars)
        if finish < len(text):
            space = text.rfind(" ", begin, finish)
            finish = space if space > begin else finish
    out: list[str] = ["…" if begin > 0 else ""]
    position = begin
    for start, end in spans:
        if start < position or end > finish:
            continue
        out.append(str(escape(text[position:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(str(escape(text[position:finish])))
    if finish < len(text):
        out.append("…")
    return Markup("".join(out))


def name_html(name: str, plans: Sequence[WordPlan]) -> Markup:
    terms = set().union(*(p.terms.get("name", set()) for p in plans)) if plans else set()
    return highlight(name, "sv", terms)


def snippet(fields: dict[str, Any], plans: Sequence[WordPlan], language: str) -> Markup:
    """The description, profile or languages text — the reader's language first — that matches the most
    query words (whole words before compound parts), cut around its first match; without a match there,
    the start of the description."""
    other = "en" if language == "sv" else "sv"
    order = [f"{kind}_{lang}" for lang in (language, other) for kind in SNIPPET_FIELDS]
    best: tuple[int, int] = (0, 0)
    chosen: str | None = None
    for key in order:
        text = fields.get(key) or ""
        if not text or not any(key in p.terms for p in plans):
            continue
        present: set[str] = set()
        for word_terms, _start, _end in analysis.term_spans(text, _language(key)):
            present.update(word_terms)
        rank = (sum(1 for p in plans if p.primary.get(key, set()) & present),
                sum(1 for p in plans if p.terms.get(key, set()) & present))
        if rank > best:
            best, chosen = rank, key
    if chosen is not None:
        terms = set().union(*(p.terms.get(chosen, set()) for p in plans))
        return highlight(fields[chosen], _language(chosen), terms, SNIPPET_CHARS)
    text = fields.get(f"description_{language}") or fields.get("description_sv") or ""
    return highlight(text, language, set(), SNIPPET_CHARS)
