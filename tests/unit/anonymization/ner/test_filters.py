from __future__ import annotations

import pytest

from anonymization.ner.filters import model_span_is_plausible, trimmed_model_span


def plausible(text: str, span: str, language: str = "fr") -> bool:
    start = text.index(span)
    return model_span_is_plausible(text, start, start + len(span), language)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("à tester demain", "tester"),
        ("Entrée le 3", "Entrée"),
        ("RESPIRATION ample", "RESPIRATION"),
    ],
)
def test_when_the_model_tags_an_ordinary_word_then_the_span_is_dropped(
    text: str, span: str
) -> None:
    assert not plausible(text, span)


@pytest.mark.parametrize(
    ("text", "span"), [("le 12/03", "12/03"), ("TA : ---", "---"), ("EVA 6/10", "6/10")]
)
def test_when_the_span_holds_no_letter_then_it_is_dropped(text: str, span: str) -> None:
    assert not plausible(text, span)


@pytest.mark.parametrize(
    ("text", "span", "language"),
    [
        ("Mme Lapierre", "Lapierre", "fr"),
        ("vu avec Kevin", "Kevin", "fr"),
        ("tester Lapierre", "tester Lapierre", "fr"),  # one name word is enough
        ("une rose", "rose", "fr"),  # a word a name lexicon knows is kept
        ("Mr Baker", "Baker", "en"),
    ],
)
def test_when_a_span_holds_a_name_word_then_it_is_kept(text: str, span: str, language: str) -> None:
    assert plausible(text, span, language)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("vu par dr tester", "tester"),
        ("Dr. Tester", "Tester"),
        ("Dr: tester", "tester"),
        ("sa fille entrée", "entrée"),
        ("Mme Respiration", "Respiration"),
    ],
)
def test_when_a_title_or_role_stands_before_a_common_word_then_it_is_kept_as_a_name(
    text: str, span: str
) -> None:
    assert plausible(text, span)


def test_a_protocol_day_count_at_the_end_of_a_model_span_is_trimmed() -> None:
    text = "Appel de Mme Vidal J-6 avant la greffe."
    start = text.index("Vidal")
    trimmed = trimmed_model_span(text, start, start + len("Vidal J"), "fr")
    assert trimmed is not None and text[trimmed[0] : trimmed[1]] == "Vidal"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Conditionnement : Fludarabine J-6 à J-2, puis greffe.", "Fludarabine J"),
        ("- Poursuite du Xalatan OG le soir.", "Poursuite du Xalatan OG"),
        ("Medical hx: ADHD on Adderall XR (held today).", "Adderall XR"),
    ],
)
def test_a_model_span_holding_a_drug_name_is_dropped(text: str, span: str) -> None:
    start = text.index(span)
    assert trimmed_model_span(text, start, start + len(span), "fr") is None


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Discharge Summary - Neurology / Stroke Service\nPatient: x", "Service"),
        ("moved it to Wednesdays so Sunday isn't pill day", "Sunday"),
    ],
)
def test_a_model_span_of_stop_words_or_weekdays_alone_is_dropped(text: str, span: str) -> None:
    start = text.index(span)
    assert trimmed_model_span(text, start, start + len(span), "en") is None


@pytest.mark.parametrize(
    ("text", "span"), [("night of 12/13 Oct", "13 Oct"), ("Tran, Mai  MRN", "Mai")]
)
def test_a_date_or_a_name_spelled_like_a_month_stays(text: str, span: str) -> None:
    start = text.index(span)
    assert trimmed_model_span(text, start, start + len(span), "en") is not None


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Harriet Kwok\nSpecialty Registrar in Diabetes", "Specialty Registrar"),
        ("DELACROIX, JOELLE MD\nMovement Disorders Fellow", "Movement Disorders Fellow"),
        ("R. Onuoha\nOccupational Health Advisor, Medigold", "Occupational Health Advisor"),
    ],
)
def test_a_model_span_ending_with_a_job_title_is_dropped(text: str, span: str) -> None:
    start = text.index(span)
    assert trimmed_model_span(text, start, start + len(span), "en") is None


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("radial pulse 2+ on palpation. Anterior chest", "palpation"),
        ("Pt and wife verbalized understanding.", "verbalized"),
        ("initial sx L hand rest tremor, micrographia).", "micrographia"),
    ],
)
def test_a_person_in_lower_case_that_no_lexicon_knows_is_dropped(text: str, span: str) -> None:
    start = text.index(span)
    assert trimmed_model_span(text, start, start + len(span), "en", is_person=True) is None
    # Another type keeps it: "stellantis", "sochaux" are an employer and a town.
    assert trimmed_model_span(text, start, start + len(span), "en") is not None


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("vu par dr kerjean de garde cette nuit", "kerjean"),
        ("Imprimé le 05/06/2024 14:31 par mdelaunay\n", "mdelaunay"),
        ("organisées par la famille : PF Le Guennec, theix-noyalo.", "theix-noyalo"),
    ],
)
def test_a_person_in_lower_case_with_a_title_a_known_name_or_place_stays(
    text: str, span: str
) -> None:
    start = text.index(span)
    assert trimmed_model_span(text, start, start + len(span), "fr", is_person=True) is not None


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("IVUS-guided PCI LAD: EBU 3.5 guide", "PCI LAD"),
        ("Bloods next round: FBC, CRP.", "FBC, CRP"),
        ("PMH:\nHypertension, on ramipril", "Hypertension"),
    ],
)
def test_a_model_span_of_clinical_abbreviations_or_medical_words_is_dropped(
    text: str, span: str
) -> None:
    start = text.index(span)
    assert trimmed_model_span(text, start, start + len(span), "en") is None
