"""Every interface text has a Swedish translation, and the catalogues are in step with the code."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from jamforaren.paths import PROJECT_ROOT, TRANSLATIONS_DIR

METHODS = [("jamforaren/**.py", "python"), ("providers/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def extracted_messages() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(PROJECT_ROOT, METHODS, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalogue(language: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_every_message_in_code_and_templates_has_a_swedish_translation():
    swedish = catalogue("sv")
    missing = []
    for message in sorted(extracted_messages()):
        entry = swedish.get(message)
        strings = [] if entry is None else ([entry.string] if isinstance(entry.string, str) else list(entry.string))
        if entry is None or not all(strings) or entry.fuzzy:
            missing.append(message)
    assert missing == [], "run `make translations` and translate these in translations/sv"


def test_no_stale_messages_linger_in_the_catalogues():
    used = extracted_messages()
    for language in ("sv", "en"):
        stale = [m.id for m in catalogue(language) if m.id and (m.id[0] if isinstance(m.id, tuple) else m.id) not in used]
        assert stale == [], f"{language}: messages no longer used"
