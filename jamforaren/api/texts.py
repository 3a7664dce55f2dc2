"""Texts of the API description: translated for the documentation page, English in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale


def english(text: Any) -> str:
    """A lazy translated text in English (the source language), whatever the reader's language."""
    if text is None:
        return ""
    with force_locale("en"):
        return str(text)
