"""Free text in surrogate mode, through the real DAG (`dag.test()`) and a real SeaweedFS.

A request with `free_text_mode: surrogates` publishes notes whose names are fake names
(consistent per patient), whose dates are moved by the patient's own date shift (the one
applied to every structured event date), whose great ages read "90+" and whose other
identifiers are `<TYPE>` tags. Published rows are mapped back to the synthetic source
through the keyed pseudonym (`pseudonym(project key, patient id)`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from anonymization.keys import derive_project_key, load_master_key
from anonymization.pseudonyms import pseudonym
from anonymization.surrogates import patient_secret, surrogate_name
from sovex.airflow_runner import RunResult, run_request
from sovex.model.manifest import Manifest
from sovex.model.settings import Settings
from sovex.storage_access import reading_client
from tests.helpers import settings_with_catalog, without_event_knowledge
from tests.integration.test_research_extract import RUN_TIME, request_variant
from transforms.download import download_extract

pytestmark = pytest.mark.integration

PROJECT = "texte-libre"
PERIOD = (date(2018, 1, 1), date(2026, 10, 31))  # the example request's period
TABLES = {
    "patients": ["patient_id", "birth_date", "sex", "postcode"],
    "encounters": ["patient_id", "admission_date", "discharge_date", "unit"],
    "notes": ["patient_id", "written_on", "text"],
}
# A numeric date as the synthetic templates write them (sovex.synth.population `_written_date`,
# "%d/%m/%Y"), found loosely: a moved date is checked for its value first, its form apart.
NUMERIC_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
# The birth date follows "né le" / "née le"; every other numeric date of a template is
# the note's own date ("Consultation du …", "RCP du …", "urgences le …", "… le …").
BIRTH_DATE_PREFIX = re.compile(r"née? le\s*$")
GREAT_AGE = re.compile(r"(?<![\d,.])(?:9\d|1[01]\d) ans\b")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
NAME_PARTICLES = {"de", "du", "des", "le", "la", "les", "van", "von", "ben", "el", "al"}

Run = tuple[RunResult, dict[str, pa.Table], Manifest]
Rows = list[dict[str, Any]]


def _download(
    settings: Settings, extract_id: str, into: Path
) -> tuple[dict[str, pa.Table], Manifest]:
    s3, target = reading_client(settings, "local-seaweedfs")
    result = download_extract(s3, target.bucket, PROJECT, extract_id, into)
    parts: dict[str, list[pa.Table]] = defaultdict(list)
    for part in sorted(result.directory.rglob("part-*.parquet")):
        parts[str(part.parent.relative_to(result.directory))].append(pq.read_table(part))
    return {name: pa.concat_tables(tables) for name, tables in parts.items()}, result.manifest


@pytest.fixture(scope="module")
def surrogates_run(pipeline_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Run:
    directory = tmp_path_factory.mktemp("surrogates")
    # Surrogate dates are exact (shifted) dates: the event gate would refuse them on the
    # small test population, so this deployment declares no event knowledge.
    settings = settings_with_catalog(pipeline_settings, directory, without_event_knowledge)
    request = request_variant(
        directory,
        settings,
        id="free-text-surrogates",
        project=PROJECT,
        free_text_mode="surrogates",
        tables=TABLES,
        aggregates=[],
    )
    result = run_request(settings, request, RUN_TIME)
    tables, manifest = _download(settings, result.extract_id, directory / "dl")
    return result, tables, manifest


@pytest.fixture(scope="module")
def source(pipeline_settings: Settings) -> dict[str, Rows]:
    return {
        name: pq.read_table(pipeline_settings.source_dir / f"{name}.parquet").to_pylist()
        for name in ("patients", "encounters", "notes")
    }


@pytest.fixture(scope="module")
def project_key(pipeline_settings: Settings) -> bytes:
    return derive_project_key(load_master_key(pipeline_settings.master_key_file, None), PROJECT)


@pytest.fixture(scope="module")
def source_id_of(project_key: bytes, source: dict[str, Rows]) -> dict[str, str]:
    """Published pseudonym → source patient id."""
    return {pseudonym(project_key, p["patient_id"]): p["patient_id"] for p in source["patients"]}


@pytest.fixture(scope="module")
def shifts(
    surrogates_run: Run, source: dict[str, Rows], source_id_of: dict[str, str]
) -> dict[str, int]:
    """Each published patient's shift (days), as read off the published encounters and
    notes against the source's (within the request's period): one shift must map all of
    a patient's structured dates, in every table."""
    _, tables, _ = surrogates_run
    found: dict[str, int] = {}
    for table, columns in (
        ("encounters", ("admission_date", "discharge_date")),
        ("notes", ("written_on",)),
    ):
        published: dict[str, Rows] = defaultdict(list)
        for row in tables[table].to_pylist():
            published[source_id_of[row["patient_id"]]].append(row)
        original: dict[str, Rows] = defaultdict(list)
        for row in source[table]:
            if row["patient_id"] in published and PERIOD[0] <= row[columns[0]] <= PERIOD[1]:
                original[row["patient_id"]].append(row)
        for patient, rows in published.items():
            assert len(rows) == len(original[patient]), (table, patient)
            # Sorted by date, the published rows are the source rows moved by one shift.
            ours = sorted(tuple(r[c] for c in columns) for r in rows)
            theirs = sorted(tuple(r[c] for c in columns) for r in original[patient])
            moved = {
                (a - b).days
                for mine, yours in zip(ours, theirs, strict=True)
                for a, b in zip(mine, yours, strict=True)
            }
            assert len(moved) == 1, (table, patient, moved)
            shift = moved.pop()
            assert shift != 0, (table, patient)
            first = found.setdefault(patient, shift)
            assert first == shift, (table, patient, first, shift)
    return found


def _source_notes_by_day(source: dict[str, Rows], patient: str, day: date) -> list[dict[str, Any]]:
    return [r for r in source["notes"] if r["patient_id"] == patient and r["written_on"] == day]


def _numeric_dates(text: str, birth: bool | None = None) -> list[date]:
    """The dd/mm/yyyy dates of `text`; with `birth`, only the birth dates (True) or only
    the others (False), told apart by the templates' "né(e) le" (source texts only: a
    scrubber's name span may take that word along in a published text)."""
    found = []
    for match in NUMERIC_DATE.finditer(text):
        if birth is not None and bool(BIRTH_DATE_PREFIX.search(text[: match.start()])) != birth:
            continue
        day, month, year = (int(g) for g in match.groups())
        found.append(date(year, month, day))
    return found


def test_manifest_records_surrogate_mode(surrogates_run: Run) -> None:
    result, tables, manifest = surrogates_run
    assert manifest.free_text.mode == "surrogates"
    assert manifest.free_text.columns == ["notes.text"]
    assert result.result["tables"]["notes"] == tables["notes"].num_rows > 0


def test_note_dates_move_with_the_patients_own_shift_like_every_table(
    surrogates_run: Run,
    source: dict[str, Rows],
    source_id_of: dict[str, str],
    shifts: dict[str, int],
) -> None:
    _, tables, _ = surrogates_run
    notes = tables["notes"].to_pylist()
    # A shift per patient (read off their stays and notes), not one for everyone.
    assert len(shifts) > 50
    assert len(set(shifts.values())) > len(shifts) // 2

    checked_written = checked_births = 0
    for row in notes:
        patient = source_id_of[row["patient_id"]]
        shift = timedelta(days=shifts[patient])
        originals = _source_notes_by_day(source, patient, row["written_on"] - shift)
        assert originals, row
        # Every numeric date of the note is its published written_on, moved by the
        # patient's shift (a date left unmoved is not); the birth date is a tag: shifted,
        # it would still say more than the structured table's age band.
        dates = _numeric_dates(row["text"])
        assert set(dates) <= {row["written_on"]}, (patient, row["written_on"], row["text"])
        # It is there whenever the source note(s) of that day wrote it that way.
        if all(_numeric_dates(o["text"], birth=False) for o in originals):
            assert row["written_on"] in dates, (row["text"], [o["text"] for o in originals])
        if all(_numeric_dates(o["text"], birth=True) for o in originals):
            assert re.search(r"n[ée]e? le <DATE>", row["text"]), row["text"]
            checked_births += 1
        checked_written += dates.count(row["written_on"])
    assert checked_written > 50 and checked_births > 10


def _name_words(value: str) -> set[str]:
    return {
        w.lower() for w in WORD.findall(value) if len(w) >= 3 and w.lower() not in NAME_PARTICLES
    }


def test_no_name_contact_or_birth_date_of_the_source_is_left_in_the_notes(
    surrogates_run: Run,
    source: dict[str, Rows],
    source_id_of: dict[str, str],
    project_key: bytes,
) -> None:
    _, tables, _ = surrogates_run
    notes = tables["notes"].to_pylist()
    texts = "\n".join(row["text"] for row in notes)
    patients = {p["patient_id"]: p for p in source["patients"]}

    # Contacts and identifiers: as the source holds them, anywhere; and the note's own
    # patient's in any spacing (the templates write phones and NIRs several ways).
    for column in ("nir", "email", "phone"):
        leaked = [p[column] for p in source["patients"] if p[column] and p[column] in texts]
        assert leaked == [], f"{column}: {len(leaked)} value(s) left in published notes"
    for row in notes:
        patient = patients[source_id_of[row["patient_id"]]]
        digits = re.sub(r"[\s.\-]", "", row["text"])
        assert patient["nir"][:13] not in digits, row["text"]
        assert re.sub(r"\D", "", patient["phone"])[-9:] not in digits, row["text"]
        assert patient["email"].lower() not in row["text"].lower(), row["text"]
        born = patient["birth_date"]
        assert f"{born:%d/%m/%Y}" not in row["text"], row["text"]

    # Names: every source patient's and doctor's, whole words, any case. A surrogate is
    # drawn from a large lexicon and may happen to be some real person's name (that is
    # "hiding in plain sight"): such a word is excused only when it is this patient's
    # keyed surrogate of a capitalised word of one of the patient's source notes.
    doctors = {row["author"].removeprefix("Dr ") for row in source["notes"]}
    forbidden: set[str] = set()
    for p in source["patients"]:
        forbidden |= _name_words(p["first_name"]) | _name_words(p["last_name"])
    for doctor in doctors:
        forbidden |= _name_words(doctor)
    source_texts: dict[str, list[str]] = defaultdict(list)
    for row in source["notes"]:
        source_texts[row["patient_id"]].append(row["text"])

    unexplained: list[tuple[str, str]] = []
    full_names: list[tuple[str, str]] = []
    for row in notes:
        patient = patients[source_id_of[row["patient_id"]]]
        secret = patient_secret(project_key, row["patient_id"])
        surrogates = {
            surrogate_name(word, "fr", secret).lower()
            for text in source_texts[patient["patient_id"]]
            for word in WORD.findall(text)
            if word[:1].isupper()
        }
        words = {w.lower() for w in WORD.findall(row["text"])}
        unexplained += [(w, row["text"]) for w in sorted((words & forbidden) - surrogates)]
        lowered = row["text"].lower()
        own = (
            f"{patient['first_name']} {patient['last_name']}",
            f"{patient['last_name']} {patient['first_name']}",
        )
        full_names += [(name, row["text"]) for name in (*own, *doctors) if name.lower() in lowered]
    assert full_names == []
    assert unexplained == []
    # Names became fake names, not tags; the other identifiers became tags.
    assert "<PERSON>" not in texts
    assert "<PHONE_NUMBER>" in texts and "<FR_NIR>" in texts and "<EMAIL_ADDRESS>" in texts


def test_great_ages_read_90_plus(
    surrogates_run: Run,
    source: dict[str, Rows],
    source_id_of: dict[str, str],
    shifts: dict[str, int],
) -> None:
    _, tables, _ = surrogates_run
    great = 0
    for row in tables["notes"].to_pylist():
        assert not GREAT_AGE.search(row["text"]), row["text"]
        patient = source_id_of[row["patient_id"]]
        originals = _source_notes_by_day(
            source, patient, row["written_on"] - timedelta(days=shifts[patient])
        )
        if all(GREAT_AGE.search(o["text"]) for o in originals):
            assert "90+ ans" in row["text"], row["text"]
            great += 1
    assert great > 0


def test_numeric_dates_keep_their_written_form(surrogates_run: Run) -> None:
    """The source writes every numeric date dd/mm/yyyy: a moved date stays two-digit day
    and month. Otherwise the padding tells whether the original day (month) was below 10,
    which narrows the patient's secret shift."""
    _, tables, _ = surrogates_run
    reshaped = sorted(
        {
            match.group()
            for text in tables["notes"]["text"].to_pylist()
            for match in NUMERIC_DATE.finditer(text)
            if not re.fullmatch(r"\d{2}/\d{2}/\d{4}", match.group())
        }
    )
    assert reshaped == []


def test_the_same_request_in_tags_mode_writes_tags_instead(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    settings = settings_with_catalog(pipeline_settings, tmp_path, without_event_knowledge)
    request = request_variant(
        tmp_path,
        settings,
        id="free-text-tags",
        project=PROJECT,
        tables=TABLES,
        aggregates=[],
    )
    result = run_request(settings, request, RUN_TIME)
    tables, manifest = _download(settings, result.extract_id, tmp_path / "dl")
    assert manifest.free_text.mode == "tags"
    texts = "\n".join(tables["notes"]["text"].to_pylist())
    assert "<PERSON>" in texts and "<DATE>" in texts
    assert not NUMERIC_DATE.search(texts)
