"""Hand-written documents turned into training variants: the model must see their
contexts with other names in them, the spans exact, nothing else labelled."""

from __future__ import annotations

import re
from random import Random

from anonymization.ner.handwritten import ORIGINAL_EVERY, variant, variants
from anonymization.ner.slots import LABELS
from anonymization.ner.training_corpus import Example

# (text, gold spans) as the realistic corpus gives them; DATE is not a model label.
TEXT = (
    "Dr Yann LE GOFF, CHU de Brest. Vu Mme Maëlle Quéméner le 12/03/2024 à Plougastel "
    "(29470), 4 rue de Kerbriant. Mme Quéméner travaille à la Laiterie Le Gall. "
    "Signé : Y. Le Goff, O'Brien-Kerhervé"
)


def spans_of(text: str) -> list[tuple[int, int, str]]:
    found = []
    for value, label in (
        ("Yann LE GOFF", "PERSON"), ("CHU de Brest", "HOSPITAL"), ("Maëlle Quéméner", "PERSON"),
        ("12/03/2024", "DATE"), ("Plougastel", "LOCATION"), ("29470", "LOCATION"),
        ("4 rue de Kerbriant", "ADDRESS"), ("Quéméner", "PERSON"),
        ("Laiterie Le Gall", "ORGANIZATION"), ("Y. Le Goff", "PERSON"),
        ("O'Brien-Kerhervé", "PERSON"),
    ):  # fmt: skip
        start = text.index(value, found[-1][1] if found else 0)
        found.append((start, start + len(value), label))
    return found


SPANS = spans_of(TEXT)


def swapped(seed: int = 1) -> Example:
    return variant(TEXT, SPANS, "fr", Random(seed), swap=True)


def test_a_kept_variant_is_the_document_with_its_model_labels_only() -> None:
    example = variant(TEXT, SPANS, "fr", Random(1), swap=False)
    assert example.text == TEXT
    assert [(s, e, label) for s, e, label in SPANS if label in LABELS] == list(example.spans)


def test_every_model_span_is_swapped_and_labelled_where_it_now_stands() -> None:
    for seed in range(20):
        example = swapped(seed)
        labels = [label for _, _, label in example.spans]
        assert labels == [label for _, _, label in SPANS if label in LABELS]
        for start, end, _ in example.spans:
            value = example.text[start:end]
            assert value == value.strip() and value
        folded = example.text.lower()
        # No original name, town or postcode is left (case and accents may be noised).
        for original in ("yann", "goff", "maëlle", "quéméner", "plougastel", "29470", "brien"):
            assert original not in folded, (seed, original)


def test_dates_and_other_rule_types_stay_as_written_and_unlabelled() -> None:
    example = swapped()
    assert "12/03/2024" in example.text
    assert all("12/03/2024" not in example.text[s:e] for s, e, _ in example.spans)


def test_a_repeated_name_gets_the_same_surrogate_and_keeps_its_casing_and_particles() -> None:
    for seed in range(20):
        example = swapped(seed)
        persons = [example.text[s:e] for s, e, label in example.spans if label == "PERSON"]
        doctor, patient, patient_again, signature, hyphenated = persons
        assert patient.endswith(" " + patient_again)  # Quéméner → the same surname twice
        # LE GOFF and Le Goff are one name: its particle kept, one surrogate in two casings.
        doctor_surname = re.split(r" (?i:le) ", doctor, maxsplit=1)[1]
        signature_surname = re.split(r" (?i:le) ", signature, maxsplit=1)[1]
        assert doctor_surname.lower() == signature_surname.lower()
        if not (example.text.islower() or example.text.isupper()):  # no noise on the case
            assert doctor_surname.isupper() and not signature_surname.isupper()
        # LE GOFF and Le Goff are one name: one surrogate in two casings.
        assert doctor.split()[2].lower() == signature.split()[2].lower()
        assert hyphenated.startswith("O'") and "-" in hyphenated


def test_the_variants_are_reproducible_and_every_nth_keeps_the_original() -> None:
    documents = [(TEXT, SPANS)]
    first = variants(documents, "fr", ORIGINAL_EVERY + 2, seed=7)
    assert first == variants(documents, "fr", ORIGINAL_EVERY + 2, seed=7)
    assert first != variants(documents, "fr", ORIGINAL_EVERY + 2, seed=8)
    originals = [i for i, example in enumerate(first) if example.text == TEXT]
    assert originals == [0, ORIGINAL_EVERY]
    assert len({example.text for example in first}) == len(first) - 1


def test_training_reads_the_dev_half_of_the_handwritten_corpus_and_never_the_test_half() -> None:
    from anonymization.ner.train import handwritten_dev_documents
    from benchmarks.deid.realistic import load_corpus

    for language in ("fr", "en"):
        read = {text for text, _ in handwritten_dev_documents(language)}
        assert read == {document.text for document in load_corpus(language, "dev")}
        assert not read & {document.text for document in load_corpus(language, "test")}
