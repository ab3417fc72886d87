"""`sovex synth --model omop`: the synthetic population as an OMOP CDM 5.4 warehouse.

The same invented patients, stays, diagnoses, measurements, notes and consents as the
default model (`sovex.synth.population`), reshaped into the CDM tables the OMOP catalog
(`infra/catalogs/omop.yaml`) classifies: person, observation_period, visit_occurrence,
condition_occurrence, drug_exposure, measurement, procedure_occurrence, note, death,
location, care_site and provider. Conditions, drugs, measurements and procedures carry
the concept ids of the bundled vocabulary subset (`infra/catalogs/vocabulary/
omop-demo.yaml`); a heart-failure or asthma diagnosis is coded with the disease's concept
or one of its descendants, so cohorts by concept need the descendants.

Seeded: the same seed and size give the same tables. The reshaping is SQL run by DuckDB
over the Arrow tables; the few random choices (which descendant, who died) are drawn
from their own numpy stream. Written atomically, like the default model.

One module, long on purpose: one SQL statement per CDM table, each listing every column of
CDM 5.4 in its order, so the tables read against the specification side by side.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from sovex.synth.population import (
    DEFAULT_REFERENCE_DATE,
    DEFAULT_SEED,
    ProgressCallback,
    _check_replaceable,
    _check_size,
    build_tables,
    write_source_folder,
)

OMOP_TABLES = (
    "person",
    "observation_period",
    "visit_occurrence",
    "condition_occurrence",
    "drug_exposure",
    "measurement",
    "procedure_occurrence",
    "note",
    "death",
    "location",
    "care_site",
    "provider",
)
# Its own random stream: the shared population does not change with it.
OMOP_SEED_STREAM = 11

# OMOP concept ids written from memory of the standard vocabularies (see the vocabulary
# file's provenance note); the demo only needs them consistent with that file.
MALE, FEMALE = 8507, 8532
INPATIENT_VISIT, EMERGENCY_VISIT = 9201, 9203
EHR_TYPE = 32817
INPATIENT_HOSPITAL = 8717
ORAL_ROUTE = 4132161
UTF8_ENCODING = 32678
FRENCH_LANGUAGE = 4180186
EMERGENCY_UNIT = "urgences"
# ICD-10 code of the default model → the concepts it is coded with (one drawn per row).
CONDITION_CONCEPTS: dict[str, tuple[int, ...]] = {
    "I50.9": (316139, 319835, 443580, 444031),
    "J45.9": (317009, 4051466, 257581),
    "E11.9": (201826,),
    "I10": (320128,),
    "I21.9": (4329847,),
    "J44.9": (255573,),
}
# ICD-10 code → the drug ingredient given for it (concept, name).
DRUG_CONCEPTS: dict[str, tuple[int, str]] = {
    "I50.9": (956874, "furosemide"),
    "E11.9": (1503297, "metformin"),
    "J45.9": (1154343, "albuterol"),
    "I10": (1332418, "amlodipine"),
}
DRUG_DAYS_SUPPLY = 30
# Measurement code of the default model → (concept, unit concept).
MEASUREMENT_CONCEPTS: dict[str, tuple[int, int]] = {
    "HBA1C": (3004410, 8554),
    "BMI": (3038553, 9531),
    "SBP": (3004249, 8876),
    "DBP": (3012888, 8876),
    "CREAT": (3016723, 8749),
    "LDL": (3028437, 8753),
}
# Unit of the stay → the procedure done at admission (concept, source value).
PROCEDURE_CONCEPTS: dict[str, tuple[int, str]] = {
    "cardiologie": (4230911, "echocardiography"),
    "pneumologie": (4133224, "spirometry"),
}
# Who dies: this share of the patients aged at least DEATH_MIN_AGE at the reference date,
# within DEATH_MAX_DAYS_AFTER_STAY of their last discharge.
DEATH_RATE = 0.15
DEATH_MIN_AGE = 75
DEATH_MAX_DAYS_AFTER_STAY = 60


def build_omop_tables(
    patients: int, seed: int = DEFAULT_SEED, reference_date: date = DEFAULT_REFERENCE_DATE
) -> tuple[dict[str, pa.Table], pa.Table]:
    """The OMOP tables in memory, and the consents keyed by OMOP person_id (as text)."""
    base = build_tables(patients, seed, reference_date)
    rng = np.random.default_rng([seed, OMOP_SEED_STREAM])
    diagnoses = base["diagnoses"]
    variant = rng.random(diagnoses.num_rows)
    diagnoses = diagnoses.append_column("variant", pa.array(variant))
    people = base["patients"]
    dies = rng.random(people.num_rows) < DEATH_RATE
    death_offset = rng.integers(0, DEATH_MAX_DAYS_AFTER_STAY + 1, people.num_rows)
    people = people.append_column("dies", pa.array(dies)).append_column(
        "death_offset", pa.array(death_offset, type=pa.int32())
    )
    concepts = pa.table(
        {
            "icd10": [code for code, ids in CONDITION_CONCEPTS.items() for _ in ids],
            "concept_id": [c for ids in CONDITION_CONCEPTS.values() for c in ids],
            "rank": [r for ids in CONDITION_CONCEPTS.values() for r in range(len(ids))],
            "variants": [len(ids) for ids in CONDITION_CONCEPTS.values() for _ in ids],
        }
    )
    drugs = pa.table(
        {
            "icd10": list(DRUG_CONCEPTS),
            "drug_concept_id": [c for c, _ in DRUG_CONCEPTS.values()],
            "drug_name": [n for _, n in DRUG_CONCEPTS.values()],
        }
    )
    measures = pa.table(
        {
            "code": list(MEASUREMENT_CONCEPTS),
            "concept_id": [c for c, _ in MEASUREMENT_CONCEPTS.values()],
            "unit_concept_id": [u for _, u in MEASUREMENT_CONCEPTS.values()],
        }
    )
    procedures = pa.table(
        {
            "unit": list(PROCEDURE_CONCEPTS),
            "concept_id": [c for c, _ in PROCEDURE_CONCEPTS.values()],
            "source_value": [s for _, s in PROCEDURE_CONCEPTS.values()],
        }
    )
    con = duckdb.connect(":memory:")
    for name, table in {
        "patients": people,
        "encounters": base["encounters"],
        "diagnoses": diagnoses,
        "measurements": base["measurements"],
        "notes": base["notes"],
        "condition_map": concepts,
        "drug_map": drugs,
        "measure_map": measures,
        "procedure_map": procedures,
    }.items():
        con.register(name, table)
    con.execute(f"SET VARIABLE reference_date = DATE '{reference_date.isoformat()}'")
    # A patient's OMOP person_id is the number of their hospital id (P00000042 → 42).
    con.execute(
        """
        CREATE TABLE ids AS SELECT patient_id, CAST(substr(patient_id, 2) AS BIGINT) AS person_id
        FROM patients;
        CREATE TABLE sites AS SELECT CAST(row_number() OVER (ORDER BY unit) AS BIGINT)
            AS care_site_id, unit FROM (SELECT DISTINCT unit FROM encounters);
        CREATE TABLE visits AS SELECT
            CAST(row_number() OVER (ORDER BY e.encounter_id) AS BIGINT) AS visit_occurrence_id,
            i.person_id, e.* FROM encounters e JOIN ids i USING (patient_id);
        CREATE TABLE doctors AS SELECT CAST(row_number() OVER (ORDER BY author) AS BIGINT)
            AS provider_id, author FROM (SELECT DISTINCT author FROM notes);
        """
    )
    sql: dict[str, str] = {
        "person": f"""
            SELECT i.person_id,
                CAST(CASE p.sex WHEN 'F' THEN {FEMALE} ELSE {MALE} END AS INTEGER)
                    AS gender_concept_id,
                CAST(year(p.birth_date) AS INTEGER) AS year_of_birth,
                CAST(month(p.birth_date) AS INTEGER) AS month_of_birth,
                CAST(day(p.birth_date) AS INTEGER) AS day_of_birth,
                CAST(p.birth_date AS TIMESTAMP) AS birth_datetime,
                0 AS race_concept_id, 0 AS ethnicity_concept_id,
                i.person_id AS location_id, CAST(NULL AS BIGINT) AS provider_id,
                CAST(NULL AS BIGINT) AS care_site_id,
                p.patient_id AS person_source_value, p.sex AS gender_source_value,
                0 AS gender_source_concept_id, CAST(NULL AS VARCHAR) AS race_source_value,
                0 AS race_source_concept_id, CAST(NULL AS VARCHAR) AS ethnicity_source_value,
                0 AS ethnicity_source_concept_id
            FROM patients p JOIN ids i USING (patient_id) ORDER BY i.person_id""",
        "observation_period": """
            SELECT CAST(row_number() OVER (ORDER BY person_id) AS BIGINT)
                    AS observation_period_id, person_id,
                min(admission_date) AS observation_period_start_date,
                getvariable('reference_date') AS observation_period_end_date,
                32817 AS period_type_concept_id
            FROM visits GROUP BY person_id ORDER BY person_id""",
        "visit_occurrence": f"""
            SELECT v.visit_occurrence_id, v.person_id,
                CAST(CASE WHEN v.unit = '{EMERGENCY_UNIT}' THEN {EMERGENCY_VISIT}
                    ELSE {INPATIENT_VISIT} END AS INTEGER) AS visit_concept_id,
                v.admission_date AS visit_start_date,
                CAST(v.admission_date AS TIMESTAMP) AS visit_start_datetime,
                v.discharge_date AS visit_end_date,
                CAST(v.discharge_date AS TIMESTAMP) AS visit_end_datetime,
                {EHR_TYPE} AS visit_type_concept_id, CAST(NULL AS BIGINT) AS provider_id,
                s.care_site_id, v.encounter_id AS visit_source_value,
                0 AS visit_source_concept_id, 0 AS admitted_from_concept_id,
                CAST(NULL AS VARCHAR) AS admitted_from_source_value,
                0 AS discharged_to_concept_id,
                CAST(NULL AS VARCHAR) AS discharged_to_source_value,
                lag(v.visit_occurrence_id) OVER (
                    PARTITION BY v.person_id ORDER BY v.admission_date, v.visit_occurrence_id
                ) AS preceding_visit_occurrence_id
            FROM visits v JOIN sites s USING (unit) ORDER BY v.visit_occurrence_id""",
        "condition_occurrence": f"""
            SELECT CAST(row_number() OVER (ORDER BY d.diagnosis_id) AS BIGINT)
                    AS condition_occurrence_id, v.person_id,
                CAST(coalesce(m.concept_id, 0) AS INTEGER) AS condition_concept_id,
                d.diagnosis_date AS condition_start_date,
                CAST(d.diagnosis_date AS TIMESTAMP) AS condition_start_datetime,
                v.discharge_date AS condition_end_date,
                CAST(v.discharge_date AS TIMESTAMP) AS condition_end_datetime,
                {EHR_TYPE} AS condition_type_concept_id, 0 AS condition_status_concept_id,
                CAST(NULL AS VARCHAR) AS stop_reason, CAST(NULL AS BIGINT) AS provider_id,
                v.visit_occurrence_id, CAST(NULL AS BIGINT) AS visit_detail_id,
                d.icd10_code AS condition_source_value, 0 AS condition_source_concept_id,
                CAST(NULL AS VARCHAR) AS condition_status_source_value
            FROM diagnoses d JOIN visits v USING (encounter_id)
            LEFT JOIN condition_map m ON m.icd10 = d.icd10_code
                AND m.rank = CAST(floor(d.variant * m.variants) AS INTEGER)
            ORDER BY condition_occurrence_id""",
        "drug_exposure": f"""
            SELECT CAST(row_number() OVER (ORDER BY d.diagnosis_id) AS BIGINT)
                    AS drug_exposure_id, v.person_id, g.drug_concept_id,
                d.diagnosis_date AS drug_exposure_start_date,
                CAST(d.diagnosis_date AS TIMESTAMP) AS drug_exposure_start_datetime,
                d.diagnosis_date + {DRUG_DAYS_SUPPLY} AS drug_exposure_end_date,
                CAST(d.diagnosis_date + {DRUG_DAYS_SUPPLY} AS TIMESTAMP)
                    AS drug_exposure_end_datetime,
                CAST(NULL AS DATE) AS verbatim_end_date, {EHR_TYPE} AS drug_type_concept_id,
                CAST(NULL AS VARCHAR) AS stop_reason, 0 AS refills,
                CAST({DRUG_DAYS_SUPPLY} AS DOUBLE) AS quantity,
                {DRUG_DAYS_SUPPLY} AS days_supply, CAST(NULL AS VARCHAR) AS sig,
                {ORAL_ROUTE} AS route_concept_id, CAST(NULL AS VARCHAR) AS lot_number,
                CAST(NULL AS BIGINT) AS provider_id, v.visit_occurrence_id,
                CAST(NULL AS BIGINT) AS visit_detail_id, g.drug_name AS drug_source_value,
                0 AS drug_source_concept_id, 'oral' AS route_source_value,
                CAST(NULL AS VARCHAR) AS dose_unit_source_value
            FROM diagnoses d JOIN visits v USING (encounter_id)
            JOIN drug_map g ON g.icd10 = d.icd10_code ORDER BY drug_exposure_id""",
        "measurement": """
            SELECT CAST(row_number() OVER (ORDER BY x.measurement_id) AS BIGINT)
                    AS measurement_id, i.person_id,
                CAST(coalesce(m.concept_id, 0) AS INTEGER) AS measurement_concept_id,
                x.measured_on AS measurement_date,
                CAST(x.measured_on AS TIMESTAMP) AS measurement_datetime,
                CAST(NULL AS VARCHAR) AS measurement_time, 32817 AS measurement_type_concept_id,
                0 AS operator_concept_id, x.value AS value_as_number,
                0 AS value_as_concept_id,
                CAST(coalesce(m.unit_concept_id, 0) AS INTEGER) AS unit_concept_id,
                CAST(NULL AS DOUBLE) AS range_low, CAST(NULL AS DOUBLE) AS range_high,
                CAST(NULL AS BIGINT) AS provider_id,
                (SELECT min(v.visit_occurrence_id) FROM visits v WHERE v.patient_id = x.patient_id
                    AND x.measured_on BETWEEN v.admission_date AND v.discharge_date)
                    AS visit_occurrence_id,
                CAST(NULL AS BIGINT) AS visit_detail_id, x.code AS measurement_source_value,
                0 AS measurement_source_concept_id, x.unit AS unit_source_value,
                0 AS unit_source_concept_id, CAST(x.value AS VARCHAR) AS value_source_value,
                CAST(NULL AS BIGINT) AS measurement_event_id,
                0 AS meas_event_field_concept_id
            FROM measurements x JOIN ids i USING (patient_id)
            LEFT JOIN measure_map m USING (code) ORDER BY measurement_id""",
        "procedure_occurrence": f"""
            SELECT CAST(row_number() OVER (ORDER BY v.visit_occurrence_id) AS BIGINT)
                    AS procedure_occurrence_id, v.person_id,
                CAST(p.concept_id AS INTEGER) AS procedure_concept_id,
                v.admission_date AS procedure_date,
                CAST(v.admission_date AS TIMESTAMP) AS procedure_datetime,
                v.admission_date AS procedure_end_date,
                CAST(v.admission_date AS TIMESTAMP) AS procedure_end_datetime,
                {EHR_TYPE} AS procedure_type_concept_id, 0 AS modifier_concept_id,
                1 AS quantity, CAST(NULL AS BIGINT) AS provider_id, v.visit_occurrence_id,
                CAST(NULL AS BIGINT) AS visit_detail_id, p.source_value AS procedure_source_value,
                0 AS procedure_source_concept_id, CAST(NULL AS VARCHAR) AS modifier_source_value
            FROM visits v JOIN procedure_map p USING (unit) ORDER BY procedure_occurrence_id""",
        "note": f"""
            SELECT CAST(row_number() OVER (ORDER BY n.note_id) AS BIGINT) AS note_id,
                i.person_id, n.written_on AS note_date,
                CAST(n.written_on AS TIMESTAMP) AS note_datetime,
                {EHR_TYPE} AS note_type_concept_id, 0 AS note_class_concept_id,
                'Compte rendu d''hospitalisation' AS note_title, n.text AS note_text,
                {UTF8_ENCODING} AS encoding_concept_id, {FRENCH_LANGUAGE} AS language_concept_id,
                d.provider_id,
                (SELECT min(v.visit_occurrence_id) FROM visits v WHERE v.patient_id = n.patient_id
                    AND n.written_on BETWEEN v.admission_date AND v.discharge_date)
                    AS visit_occurrence_id,
                CAST(NULL AS BIGINT) AS visit_detail_id, n.note_id AS note_source_value,
                CAST(NULL AS BIGINT) AS note_event_id, 0 AS note_event_field_concept_id
            FROM notes n JOIN ids i USING (patient_id) JOIN doctors d USING (author)
            ORDER BY note_id""",
        "death": f"""
            SELECT i.person_id,
                least(max(v.discharge_date) + any_value(p.death_offset),
                    getvariable('reference_date')) AS death_date,
                CAST(least(max(v.discharge_date) + any_value(p.death_offset),
                    getvariable('reference_date')) AS TIMESTAMP) AS death_datetime,
                {EHR_TYPE} AS death_type_concept_id, CAST(NULL AS INTEGER) AS cause_concept_id,
                CAST(NULL AS VARCHAR) AS cause_source_value, 0 AS cause_source_concept_id
            FROM patients p JOIN ids i USING (patient_id) JOIN visits v USING (patient_id)
            WHERE p.dies AND date_diff('year', p.birth_date, getvariable('reference_date'))
                >= {DEATH_MIN_AGE}
            GROUP BY i.person_id ORDER BY i.person_id""",
        "location": """
            SELECT i.person_id AS location_id, p.address AS address_1,
                CAST(NULL AS VARCHAR) AS address_2, p.city, CAST(NULL AS VARCHAR) AS state,
                p.postcode AS zip, CAST(NULL AS VARCHAR) AS county,
                CAST(NULL AS VARCHAR) AS location_source_value, 0 AS country_concept_id,
                'FR' AS country_source_value, CAST(NULL AS DOUBLE) AS latitude,
                CAST(NULL AS DOUBLE) AS longitude
            FROM patients p JOIN ids i USING (patient_id) ORDER BY location_id""",
        "care_site": f"""
            SELECT care_site_id, unit AS care_site_name,
                {INPATIENT_HOSPITAL} AS place_of_service_concept_id,
                CAST(NULL AS BIGINT) AS location_id, unit AS care_site_source_value,
                CAST(NULL AS VARCHAR) AS place_of_service_source_value
            FROM sites ORDER BY care_site_id""",
        "provider": """
            SELECT provider_id, author AS provider_name, CAST(NULL AS VARCHAR) AS npi,
                CAST(NULL AS VARCHAR) AS dea, 0 AS specialty_concept_id,
                CAST(NULL AS BIGINT) AS care_site_id, CAST(NULL AS INTEGER) AS year_of_birth,
                0 AS gender_concept_id, CAST(NULL AS VARCHAR) AS provider_source_value,
                CAST(NULL AS VARCHAR) AS specialty_source_value,
                0 AS specialty_source_concept_id, CAST(NULL AS VARCHAR) AS gender_source_value,
                0 AS gender_source_concept_id
            FROM doctors ORDER BY provider_id""",
    }
    tables = {name: con.sql(sql[name]).to_arrow_table() for name in OMOP_TABLES}
    consents = _consents_by_person(con, base["consents"])
    con.close()
    return tables, consents


def _consents_by_person(con: duckdb.DuckDBPyConnection, consents: pa.Table) -> pa.Table:
    """The consents with each patient's OMOP person_id (as text) in place of their
    hospital id: what the consent registry matches the source's person_id against."""
    con.register("consents", consents)
    renamed = con.sql(
        "SELECT c.* REPLACE (CAST(i.person_id AS VARCHAR) AS patient_id) "
        "FROM consents c JOIN ids i USING (patient_id) ORDER BY c.consent_id"
    ).to_arrow_table()
    return renamed.cast(consents.schema)


def generate_omop(
    out_dir: Path,
    patients: int,
    seed: int = DEFAULT_SEED,
    reference_date: date = DEFAULT_REFERENCE_DATE,
    progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """Write one Parquet file per OMOP table and the FHIR consents into `out_dir`,
    atomically (an existing folder written by `sovex synth` is replaced); rows per table."""
    _check_size(patients)
    _check_replaceable(out_dir)
    tables, consents = build_omop_tables(patients, seed, reference_date)
    marker = {
        "generator": "sovex.synth.omop",
        "model": "omop",
        "patients": patients,
        "seed": seed,
        "reference_date": reference_date.isoformat(),
    }
    source = {name: tables[name] for name in OMOP_TABLES}
    return write_source_folder(out_dir, source, consents, seed, marker, progress)
