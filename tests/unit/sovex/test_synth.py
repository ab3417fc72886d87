from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from anonymization.nir import is_valid_nir
from sovex.model.errors import InvalidInput
from sovex.synth import population as synth
from sovex.synth.population import PURPOSES, SOURCE_TABLES, generate_population

REFERENCE_DATE = date(2026, 11, 1)
LARGE_POPULATION = 10_000
SMALL_POPULATION = 200

EXPECTED_COLUMNS = {
    "patients": [
        ("patient_id", pa.string()),
        ("last_name", pa.string()),
        ("first_name", pa.string()),
        ("nir", pa.string()),
        ("birth_date", pa.date32()),
        ("sex", pa.string()),
        ("address", pa.string()),
        ("postcode", pa.string()),
        ("city", pa.string()),
        ("phone", pa.string()),
        ("email", pa.string()),
    ],
    "encounters": [
        ("encounter_id", pa.string()),
        ("patient_id", pa.string()),
        ("admission_date", pa.date32()),
        ("discharge_date", pa.date32()),
        ("unit", pa.string()),
    ],
    "diagnoses": [
        ("diagnosis_id", pa.string()),
        ("patient_id", pa.string()),
        ("encounter_id", pa.string()),
        ("icd10_code", pa.string()),
        ("diagnosis_date", pa.date32()),
    ],
    "measurements": [
        ("measurement_id", pa.string()),
        ("patient_id", pa.string()),
        ("measured_on", pa.date32()),
        ("code", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
    ],
    "notes": [
        ("note_id", pa.string()),
        ("patient_id", pa.string()),
        ("written_on", pa.date32()),
        ("author", pa.string()),
        ("text", pa.string()),
    ],
    "consents": [
        ("consent_id", pa.string()),
        ("patient_id", pa.string()),
        ("purpose", pa.string()),
        ("status", pa.string()),
        ("given_on", pa.date32()),
        ("withdrawn_on", pa.date32()),
        ("valid_until", pa.date32()),
    ],
}

ID_PATTERNS = {
    ("patients", "patient_id"): r"P\d{8}",
    ("encounters", "encounter_id"): r"NDA\d{9}",
    ("diagnoses", "diagnosis_id"): r"DG\d{9}",
    ("measurements", "measurement_id"): r"M\d{10}",
    ("notes", "note_id"): r"NOTE\d{9}",
    ("consents", "consent_id"): r"C\d{9}",
}
PHONE_PATTERN = re.compile(
    r"0\d \d{2} \d{2} \d{2} \d{2}|0\d{9}|\+33 \d \d{2} \d{2} \d{2} \d{2}|0\d(\.\d{2}){4}"
)
EPONYMS = (
    "maladie de Parkinson",
    "syndrome de Cushing",
    "signe de Babinski",
    "score de Glasgow",
    "Child-Pugh",
    "maladie de Crohn",
)
RPPS_PATTERN = re.compile(r"RPPS (10\d{9})\b")


def read_source(directory: Path) -> dict[str, pa.Table]:
    return {name: pq.read_table(directory / f"{name}.parquet") for name in SOURCE_TABLES}


def rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


def digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.fixture(scope="module")
def large_source(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pa.Table]:
    directory = tmp_path_factory.mktemp("synth") / "source"
    generate_population(directory, LARGE_POPULATION, reference_date=REFERENCE_DATE)
    return read_source(directory)


@pytest.fixture(scope="module")
def patients_by_id(large_source: dict[str, pa.Table]) -> dict[str, dict]:
    return {p["patient_id"]: p for p in rows(large_source["patients"])}


# --- Files, schemas, reproducibility ----------------------------------------------------


def test_one_parquet_file_per_source_table_with_the_documented_schema(tmp_path: Path) -> None:
    counts = generate_population(tmp_path / "source", SMALL_POPULATION)
    tables = read_source(tmp_path / "source")
    assert list(counts) == list(SOURCE_TABLES)
    for name in SOURCE_TABLES:
        schema = tables[name].schema
        assert [(f.name, f.type) for f in schema] == EXPECTED_COLUMNS[name]
        assert counts[name] == tables[name].num_rows
    assert counts["patients"] == SMALL_POPULATION


def test_same_seed_and_size_give_byte_identical_files(tmp_path: Path) -> None:
    generate_population(tmp_path / "a", SMALL_POPULATION, seed=7)
    generate_population(tmp_path / "b", SMALL_POPULATION, seed=7)
    for name in SOURCE_TABLES:
        first = (tmp_path / "a" / f"{name}.parquet").read_bytes()
        second = (tmp_path / "b" / f"{name}.parquet").read_bytes()
        assert first == second, name


def test_different_seeds_give_different_populations(tmp_path: Path) -> None:
    generate_population(tmp_path / "a", SMALL_POPULATION, seed=7)
    generate_population(tmp_path / "b", SMALL_POPULATION, seed=8)
    a, b = read_source(tmp_path / "a"), read_source(tmp_path / "b")
    assert a["patients"].column("nir") != b["patients"].column("nir")
    assert a["notes"].column("text") != b["notes"].column("text")


def test_identifiers_follow_the_documented_formats(large_source: dict[str, pa.Table]) -> None:
    for (table, column), pattern in ID_PATTERNS.items():
        values = large_source[table].column(column).to_pylist()
        assert all(re.fullmatch(pattern, v) for v in values), (table, column)
        assert len(set(values)) == len(values), (table, column)


# --- Patients ---------------------------------------------------------------------------


def test_every_nir_is_valid_and_consistent_with_sex_and_birth_date(
    large_source: dict[str, pa.Table],
) -> None:
    for patient in rows(large_source["patients"]):
        nir, birth = patient["nir"], patient["birth_date"]
        assert len(nir) == 15 and is_valid_nir(nir)
        assert nir[1:3] == f"{birth.year % 100:02d}"
        assert nir[3:5] == f"{birth.month:02d}"
        assert (nir[0] in "137") == (patient["sex"] == "M")
        assert (nir[0] in "248") == (patient["sex"] == "F")


def test_population_includes_corsican_overseas_and_provisional_nirs(
    large_source: dict[str, pa.Table],
) -> None:
    nirs = large_source["patients"].column("nir").to_pylist()
    places = Counter(nir[5:7] for nir in nirs)
    corsica = (places["2A"] + places["2B"]) / len(nirs)
    assert 0.005 <= corsica <= 0.03
    assert places["2A"] > 0 and places["2B"] > 0
    assert places["97"] > 0
    assert any(nir[0] in "3478" for nir in nirs)


def test_residences_include_corsica_and_overseas_postcodes(
    large_source: dict[str, pa.Table],
) -> None:
    postcodes = large_source["patients"].column("postcode").to_pylist()
    assert all(re.fullmatch(r"\d{5}", p) for p in postcodes)
    assert any(p.startswith("20") for p in postcodes)
    assert any(p.startswith("97") for p in postcodes)


def test_ages_run_from_newborn_to_one_hundred(large_source: dict[str, pa.Table]) -> None:
    births = large_source["patients"].column("birth_date").to_pylist()
    assert min(births) >= REFERENCE_DATE - timedelta(days=100 * 366)
    assert max(births) < REFERENCE_DATE
    assert max(births) > REFERENCE_DATE - timedelta(days=365)


def test_names_include_hyphenated_surnames_and_compound_first_names(
    large_source: dict[str, pa.Table],
) -> None:
    patients = large_source["patients"]
    assert any("-" in name for name in patients.column("last_name").to_pylist())
    assert "Jean-Pierre" in patients.column("first_name").to_pylist()


def test_contact_details_use_french_formats(large_source: dict[str, pa.Table]) -> None:
    patients = rows(large_source["patients"])
    assert all(PHONE_PATTERN.fullmatch(p["phone"]) for p in patients)
    assert {p["phone"][0] for p in patients} == {"0", "+"}
    for patient in patients:
        email = patient["email"]
        assert email.isascii() and email.count("@") == 1
        assert email.split("@")[1] in synth.EMAIL_PROVIDERS
    assert any(re.search(r"\b(rue|avenue)\b", p["address"]) for p in patients)
    assert any(" bis " in p["address"] for p in patients)


# --- Clinical tables --------------------------------------------------------------------


def test_every_foreign_patient_id_exists_in_patients(
    large_source: dict[str, pa.Table], patients_by_id: dict[str, dict]
) -> None:
    for name in SOURCE_TABLES[1:]:
        assert set(large_source[name].column("patient_id").to_pylist()) <= set(patients_by_id)


def test_encounters_lie_within_the_ten_years_before_the_reference_date(
    large_source: dict[str, pa.Table], patients_by_id: dict[str, dict]
) -> None:
    encounters = rows(large_source["encounters"])
    per_patient = Counter(e["patient_id"] for e in encounters)
    assert set(per_patient.values()) <= set(range(1, 6))
    assert len(per_patient) == LARGE_POPULATION
    for encounter in encounters:
        admission, discharge = encounter["admission_date"], encounter["discharge_date"]
        assert REFERENCE_DATE - timedelta(days=10 * 366) <= admission <= discharge
        assert discharge <= REFERENCE_DATE
        assert admission >= patients_by_id[encounter["patient_id"]]["birth_date"]


def test_diagnoses_belong_to_their_encounter_and_use_icd10_codes(
    large_source: dict[str, pa.Table],
) -> None:
    encounters = {e["encounter_id"]: e for e in rows(large_source["encounters"])}
    for diagnosis in rows(large_source["diagnoses"]):
        encounter = encounters[diagnosis["encounter_id"]]
        assert encounter["patient_id"] == diagnosis["patient_id"]
        assert encounter["admission_date"] <= diagnosis["diagnosis_date"]
        assert diagnosis["diagnosis_date"] <= encounter["discharge_date"]
        assert re.fullmatch(r"[A-Z]\d{2}(\.\d)?", diagnosis["icd10_code"])


def test_type_2_diabetes_is_common(large_source: dict[str, pa.Table]) -> None:
    diabetic = {
        d["patient_id"] for d in rows(large_source["diagnoses"]) if d["icd10_code"] == "E11.9"
    }
    assert 0.15 <= len(diabetic) / LARGE_POPULATION <= 0.20


def test_measurements_are_plausible_with_their_units(large_source: dict[str, pa.Table]) -> None:
    measurements = rows(large_source["measurements"])
    per_patient = Counter(m["patient_id"] for m in measurements)
    assert set(per_patient.values()) <= set(range(3, 9))
    units = {spec.code: spec.unit for spec in synth.MEASURES}
    assert set(units) == {"HBA1C", "BMI", "SBP", "DBP", "CREAT", "LDL"}
    for measurement in measurements:
        assert measurement["unit"] == units[measurement["code"]]
    hba1c = [m["value"] for m in measurements if m["code"] == "HBA1C"]
    assert min(hba1c) >= 4.0 and max(hba1c) <= 14.0


# --- Notes ------------------------------------------------------------------------------


def test_every_note_names_its_patient_and_carries_a_direct_identifier(
    large_source: dict[str, pa.Table], patients_by_id: dict[str, dict]
) -> None:
    notes = rows(large_source["notes"])
    assert set(Counter(n["patient_id"] for n in notes).values()) <= {1, 2}
    for note in notes:
        patient, text = patients_by_id[note["patient_id"]], note["text"]
        assert patient["last_name"].lower() in text.lower()
        nir_written = patient["nir"] in text.replace(" ", "")
        phone_written = digits_only(patient["phone"])[-9:] in digits_only(text)
        email_written = patient["email"] in text
        assert nir_written or phone_written or email_written, note["note_id"]


def test_notes_embed_identifiers_in_varied_forms(
    large_source: dict[str, pa.Table], patients_by_id: dict[str, dict]
) -> None:
    texts = large_source["notes"].column("text").to_pylist()
    joined = "\n".join(texts)
    assert re.search(r"\b(Mme|M\.) [A-ZÀ-Ý][\w-]+ [A-ZÀ-Ý' -]{2,}\b", joined)  # "Mme Claire DUPONT"
    assert re.search(r"\b[12378] \d{2} \d{2} (\d{2}|2[AB]) \d{3} \d{3} \d{2}\b", joined)
    assert re.search(r"\b[12378]\d{12}\d{2}\b", joined)
    assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", joined)
    assert re.search(r"\b\d{1,2} (janvier|février|mars|avril|mai|juin) \d{4}\b", joined)
    assert re.search(r"IPP \d{9}", joined) and re.search(r"NDA \d{9}", joined)
    assert re.search(r"\d{5} [A-Z]", joined)  # postcode and city
    assert RPPS_PATTERN.search(joined)


def test_notes_keep_medical_eponyms_drugs_and_codes(large_source: dict[str, pa.Table]) -> None:
    joined = "\n".join(large_source["notes"].column("text").to_pylist()).lower()
    for eponym in EPONYMS:
        assert eponym.lower() in joined, eponym
    assert "metformine 1000 mg" in joined
    assert "e11.9" in joined


def test_note_authors_are_doctors(large_source: dict[str, pa.Table]) -> None:
    authors = large_source["notes"].column("author").to_pylist()
    assert all(re.fullmatch(r"Dr [\w-]+ [\w' -]+", a) for a in authors)


# --- Consents ---------------------------------------------------------------------------


def test_consent_dates_are_consistent(
    large_source: dict[str, pa.Table], patients_by_id: dict[str, dict]
) -> None:
    for consent in rows(large_source["consents"]):
        assert consent["purpose"] in PURPOSES
        assert consent["status"] in ("active", "withdrawn", "refused")
        birth = patients_by_id[consent["patient_id"]]["birth_date"]
        assert birth <= consent["given_on"] < REFERENCE_DATE
        if consent["status"] == "withdrawn":
            assert consent["given_on"] < consent["withdrawn_on"] < REFERENCE_DATE
        else:
            assert consent["withdrawn_on"] is None
        if consent["valid_until"] is not None:
            assert consent["valid_until"] > consent["given_on"]


def test_a_patient_has_at_most_one_consent_per_purpose(large_source: dict[str, pa.Table]) -> None:
    pairs = Counter((c["patient_id"], c["purpose"]) for c in rows(large_source["consents"]))
    assert set(pairs.values()) == {1}


def test_chronic_disease_consents_follow_the_documented_mix(
    large_source: dict[str, pa.Table],
) -> None:
    chronic = [c for c in rows(large_source["consents"]) if c["purpose"] == PURPOSES[0]]
    expired = [
        c
        for c in chronic
        if c["status"] == "active"
        and c["valid_until"] is not None
        and c["valid_until"] < REFERENCE_DATE
    ]
    statuses = Counter(c["status"] for c in chronic)
    share = {status: count / LARGE_POPULATION for status, count in statuses.items()}
    assert share["active"] - len(expired) / LARGE_POPULATION == pytest.approx(0.70, abs=0.03)
    assert share["withdrawn"] == pytest.approx(0.06, abs=0.015)
    assert share["refused"] == pytest.approx(0.04, abs=0.015)
    assert len(expired) / LARGE_POPULATION == pytest.approx(0.03, abs=0.015)
    assert len(chronic) / LARGE_POPULATION == pytest.approx(0.83, abs=0.03)


def test_other_purposes_are_consented_independently_and_less_often(
    large_source: dict[str, pa.Table],
) -> None:
    purposes = Counter(c["purpose"] for c in rows(large_source["consents"]))
    assert 0 < purposes["cancer-research"] < purposes["chronic-disease-research"]
    assert 0 < purposes["public-health-surveillance"] < purposes["chronic-disease-research"]


# --- Writing ----------------------------------------------------------------------------


def test_progress_is_reported_once_per_table_in_order(tmp_path: Path) -> None:
    reported: list[tuple[str, int]] = []
    counts = generate_population(
        tmp_path / "source", SMALL_POPULATION, progress=lambda t, n: reported.append((t, n))
    )
    # The tables, then the consents as FHIR NDJSON (counted in lines).
    assert reported[:-1] == list(counts.items())
    assert reported[-1][0] == synth.FHIR_CONSENTS_FILE and reported[-1][1] > counts["consents"]


def test_rerun_replaces_the_previous_source_entirely(tmp_path: Path) -> None:
    source = tmp_path / "source"
    generate_population(source, SMALL_POPULATION, seed=1)
    (source / "stale.parquet").write_bytes(b"left over")
    generate_population(source, 50, seed=2)
    assert not (source / "stale.parquet").exists()
    assert pq.read_table(source / "patients.parquet").num_rows == 50
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source"]


def test_empty_existing_folder_is_filled(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    generate_population(source, 20)
    assert (source / "patients.parquet").is_file()


def test_failure_while_writing_leaves_the_previous_source_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "source"
    generate_population(source, SMALL_POPULATION, seed=1)
    before = {str(p.relative_to(source)): p.read_bytes() for p in source.rglob("*") if p.is_file()}
    real_write = pq.write_table

    def fail_on_notes(table: pa.Table, where: Path, **kwargs: object) -> None:
        if Path(where).name == "notes.parquet":
            raise OSError("disk full")
        real_write(table, where, **kwargs)

    monkeypatch.setattr(synth.pq, "write_table", fail_on_notes)
    with pytest.raises(OSError, match="disk full"):
        generate_population(source, 50, seed=2)
    after = {str(p.relative_to(source)): p.read_bytes() for p in source.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source"]


def test_failure_on_first_run_leaves_no_folder_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(synth.pq, "write_table", fail)
    with pytest.raises(OSError):
        generate_population(tmp_path / "source", 20)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_not_written_by_synth_is_refused_not_deleted(tmp_path: Path) -> None:
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("…")
    with pytest.raises(InvalidInput, match="not written by `sovex synth`"):
        generate_population(precious, 20)
    assert (precious / "chapter1.tex").read_text() == "…"


@pytest.mark.parametrize("patients", [0, -1])
def test_a_population_needs_at_least_one_patient(tmp_path: Path, patients: int) -> None:
    with pytest.raises(InvalidInput, match="patients must be between 1"):
        generate_population(tmp_path / "source", patients)
    assert not (tmp_path / "source").exists()
