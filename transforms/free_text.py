"""Free text of an extract, scrubbed in the task that writes it: a function
`transforms.extract` calls per batch, as tags or as the patients' surrogates."""

from __future__ import annotations

from anonymization.identifier_patterns import residual_rules
from anonymization.scrubber import Scrubber
from anonymization.surrogates import PatientContext
from transforms.extract import SURROGATES, RowPatients, ScrubbedNote, TextScrubber


def text_scrubber(mode: str) -> TextScrubber:
    """Scrub free text in this task's process (one model load per language per task), as
    tags or as the patients' surrogates; each result carries the release rules its
    published text still fails (surrogates masked)."""
    scrubbers: dict[str, Scrubber] = {}

    def scrub(
        texts: list[str | None], language: str, patients: RowPatients | None
    ) -> list[ScrubbedNote | None]:
        if language not in scrubbers:
            scrubbers[language] = Scrubber(language)
        scrubber = scrubbers[language]
        rows = [i for i, text in enumerate(texts) if text is not None]
        present = [texts[i] or "" for i in rows]
        notes: list[ScrubbedNote] = []
        if mode == SURROGATES:
            if patients is None:
                raise ValueError("surrogates need each row's patient")
            contexts = [
                PatientContext(patients.secrets[i], patients.shifts[i], patients.references[i])
                for i in rows
            ]
            for text, replacements in scrubber.surrogates(present, contexts):
                masked = list(text)
                for r in replacements:
                    if r.surrogate:
                        masked[r.start : r.end] = " " * (r.end - r.start)
                notes.append(ScrubbedNote(text, tuple(residual_rules("".join(masked)))))
        else:
            for result in scrubber.scrub(present):
                notes.append(ScrubbedNote(result.text, tuple(residual_rules(result.text))))
        out: list[ScrubbedNote | None] = [None] * len(texts)
        for index, note in zip(rows, notes, strict=True):
            out[index] = note
        return out

    return scrub
