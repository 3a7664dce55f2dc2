"""Checks every HTML page the tests fetch (after GOV.UK Notify's admin app): the page parses, has
exactly one <h1>, a <title> that starts with it, a lang attribute, a skip link to #main, no duplicate
ids, every form has an action and every form field a label."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.h1: list[str] = []
        self.title = ""
        self.html_lang: str | None = None
        self.links: list[str] = []
        self._capture: str | None = None
        self._text: list[str] = []
        self.label_targets: set[str] = set()
        self.fields: list[tuple[str, dict[str, str | None]]] = []
        self.label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.html_lang = attributes.get("lang")
        if "id" in attributes and attributes["id"] is not None:
            self.ids.append(attributes["id"])
        if tag == "form" and not attributes.get("action"):
            self.problems.append("a <form> without an action")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"] or "")
        if tag == "label":
            self.label_depth += 1
            if attributes.get("for"):
                self.label_targets.add(attributes["for"] or "")
        if tag in ("input", "select", "textarea") and attributes.get("type") not in ("hidden", "submit", "button"):
            if not (self.label_depth or attributes.get("aria-label") or attributes.get("aria-labelledby")):
                self.fields.append((tag, attributes))
        if tag in ("h1", "title"):
            self._capture, self._text = tag, []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth = max(0, self.label_depth - 1)
        if tag in VOID:
            return
        if tag == self._capture:
            text = " ".join("".join(self._text).split())
            (self.h1.append(text) if tag == "h1" else setattr(self, "title", text))
            self._capture = None
        if tag in ("p", "li", "dt", "dd", "option") and self.stack and self.stack[-1] != tag and tag not in self.stack:
            self.problems.append(f"stray </{tag}>")
            return
        while self.stack:
            top = self.stack.pop()
            if top == tag:
                return
            if top not in ("p", "li", "dt", "dd", "option"):
                self.problems.append(f"<{top}> closed by </{tag}>")
                return
        self.problems.append(f"unexpected </{tag}>")

    def handle_data(self, data: str) -> None:
        if self._capture:
            self._text.append(data)


def check_page(html: str) -> list[str]:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    problems = list(parser.problems)
    if len(parser.h1) != 1:
        problems.append(f"{len(parser.h1)} <h1> elements instead of one")
    elif not parser.title.removeprefix("Fel: ").removeprefix("Error: ").startswith(parser.h1[0]):
        problems.append(f"<title> {parser.title!r} does not start with the <h1> {parser.h1[0]!r}")
    if parser.html_lang not in ("sv", "en"):
        problems.append(f"<html lang> is {parser.html_lang!r}")
    if "#main" not in parser.links:
        problems.append("no skip link to #main")
    unlabelled = [f"{tag} {attrs.get('name')!r}" for tag, attrs in parser.fields
                  if attrs.get("id") not in parser.label_targets]
    if unlabelled:
        problems.append(f"form fields without a label: {', '.join(unlabelled)}")
    duplicates = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
    if duplicates:
        problems.append(f"duplicate ids: {', '.join(duplicates)}")
    return problems
