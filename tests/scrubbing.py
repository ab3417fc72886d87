"""One Scrubber per language for the tests that scrub sentences through the whole
pipeline (building one loads the model and the word lists, so it is built once)."""

from __future__ import annotations

from anonymization.scrubber import Scrubber

_SCRUBBERS: dict[str, Scrubber] = {}


def scrubbed(text: str, language: str) -> str:
    """`text` scrubbed with tags."""
    if language not in _SCRUBBERS:
        _SCRUBBERS[language] = Scrubber(language)
    return _SCRUBBERS[language].scrub([text])[0].text
