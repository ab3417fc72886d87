"""Where the trained de-identification NER models live, and loading one."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

MODEL_DIR: Final = Path(__file__).resolve().parent.parent / "models"
# spaCy's label for each entity the model finds → the scrubber's entity type.
MODEL_LABELS: Final = {
    "PERSON": "PERSON",
    "LOCATION": "LOCATION",
    "HOSPITAL": "HOSPITAL",
    "ORGANIZATION": "ORGANIZATION",
    "ADDRESS": "ADDRESS",
}


def model_path(language: str) -> Path:
    return MODEL_DIR / f"ner-{language}"


def load_model(language: str) -> Any:
    """The committed model for `language` (raises FileNotFoundError naming the path)."""
    import spacy

    from anonymization.ner import lexicon_norms

    assert lexicon_norms.FACTORY  # the model's first component is registered by the import
    path = model_path(language)
    if not (path / "config.cfg").is_file():
        raise FileNotFoundError(f"de-identification model missing: {path} (run make train-deid)")
    return spacy.load(path)
