"""The scale benchmark's data: a 12-column warehouse table of hospital events, generated
by code (seeded, vectorised), with its catalog entry and a consent registry snapshot.

One row per event; about 100 rows per patient. Rows are in no particular patient order,
as in a warehouse table loaded by date: the worst case for per-patient work.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sovex.model.catalog import ColumnSpec, Role, TableSpec
from transforms.consent_registry import DECIDING_VERSION, ConsentDecisions, Decision

TABLE = "events"
PERSON_ID = "patient_id"
ROWS_PER_PATIENT = 100
# The warehouse's row groups: what a partition (a mapped task) reads independently.
ROW_GROUP_ROWS = 256 * 1024
GENERATE_CHUNK_ROWS = 65_536
EPOCH = date(1970, 1, 1)
FIRST_EVENT = (date(2015, 1, 1) - EPOCH).days
LAST_EVENT = (date(2026, 10, 31) - EPOCH).days
# Under the opt-out regime, these shares of patients opposed / never answered.
DENIED_SHARE = 0.08
PURPOSE = "chronic-disease-research"
AS_OF = date(2026, 11, 1)

UNITS = ["CARDIO", "ENDOC", "NEPHRO", "URG", "MED-INT", "PNEUMO", "GERIA", "ONCO"]
CODES = ["HBA1C", "GLY", "CREAT", "LDL", "HDL", "TG", "NA", "K", "HB", "PLAQ", "CRP", "TSH"]
ICD10 = ["E11.9", "E11.6", "I10", "I50.0", "N18.3", "E78.5", "J44.9", "C50.9", "F32.1", "K21.9"]
SEXES = ["F", "M"]
POSTCODES = ["75011", "69003", "13008", "31000", "33000", "59000", "67000", "44000", "20090"]

COLUMNS: dict[str, ColumnSpec] = {
    "event_id": ColumnSpec("event_id", Role.DIRECT_IDENTIFIER),
    PERSON_ID: ColumnSpec(PERSON_ID, Role.PERSON_ID),
    "birth_date": ColumnSpec("birth_date", Role.QUASI_IDENTIFIER, "birth_date", "20y_band"),
    "sex": ColumnSpec("sex", Role.QUASI_IDENTIFIER, "sex", "sex"),
    "postcode": ColumnSpec("postcode", Role.QUASI_IDENTIFIER, "postcode", "*"),
    "admission_date": ColumnSpec("admission_date", Role.EVENT_DATE),
    "discharge_date": ColumnSpec("discharge_date", Role.EVENT_DATE),
    "unit": ColumnSpec("unit", Role.ATTRIBUTE),
    "code": ColumnSpec("code", Role.ATTRIBUTE),
    "value": ColumnSpec("value", Role.ATTRIBUTE),
    "icd10_code": ColumnSpec("icd10_code", Role.SENSITIVE),
    # The prescriber's name: an identifier, never published.
    "prescriber": ColumnSpec("prescriber", Role.DIRECT_IDENTIFIER),
}
SPEC = TableSpec(TABLE, COLUMNS)
# What a request asks for: every extractable column.
PUBLISHED = SPEC.extractable_columns()


def patient_ids(numbers: np.ndarray) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), 8, "0")
    return pc.binary_join_element_wise("P", digits, "")


def _pick(rng: np.random.Generator, values: list[str], rows: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, len(values), rows), type=pa.int32()), pa.array(values)
    ).cast(pa.string())


def _chunk(rng: np.random.Generator, start: int, rows: int, patients: int) -> pa.Table:
    patient = rng.integers(0, patients, rows)
    # Per-patient attributes derived from the patient number, so they agree across rows.
    birth_days = (patient * 7919) % (80 * 365) + (date(1930, 1, 1) - EPOCH).days
    admission = rng.integers(FIRST_EVENT, LAST_EVENT, rows)
    stay = rng.integers(0, 15, rows)
    return pa.table(
        {
            "event_id": pc.binary_join_element_wise(
                "EV", pa.array(np.arange(start, start + rows)).cast(pa.string()), ""
            ),
            PERSON_ID: patient_ids(patient),
            "birth_date": pa.array(birth_days.astype("int32"), type=pa.int32()).cast(pa.date32()),
            "sex": pc.take(pa.array(SEXES), pa.array(patient % 2)),
            "postcode": pc.take(pa.array(POSTCODES), pa.array(patient % len(POSTCODES))),
            "admission_date": pa.array(admission.astype("int32")).cast(pa.date32()),
            "discharge_date": pa.array((admission + stay).astype("int32")).cast(pa.date32()),
            "unit": _pick(rng, UNITS, rows),
            "code": _pick(rng, CODES, rows),
            "value": pa.array(np.round(rng.normal(5.0, 2.0, rows), 2)),
            "icd10_code": _pick(rng, ICD10, rows),
            "prescriber": pc.binary_join_element_wise(
                "Dr ", pa.array(rng.integers(0, 5000, rows)).cast(pa.string()), ""
            ),
        }
    )


def write_events(path: Path, rows: int, patients: int, seed: int) -> None:
    """`rows` events of `patients` patients, written in bounded memory. The same seed and
    population give the same first rows whatever `rows` is: a smaller file is a slice
    of a larger one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = _chunk(np.random.default_rng(seed), 0, 1, 1).schema
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        pending: list[pa.Table] = []
        pending_rows = 0
        for start in range(0, rows, GENERATE_CHUNK_ROWS):
            # Each chunk has its own random stream, and is drawn whole then cut: the
            # rows at a given position never depend on how many rows were asked for.
            rng = np.random.default_rng([seed, start // GENERATE_CHUNK_ROWS])
            chunk = _chunk(rng, start, GENERATE_CHUNK_ROWS, patients)
            pending.append(chunk.slice(0, min(GENERATE_CHUNK_ROWS, rows - start)))
            pending_rows += pending[-1].num_rows
            if pending_rows >= ROW_GROUP_ROWS:
                writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
                pending, pending_rows = [], 0
        if pending:
            writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)


def consent_decisions(patients: int, seed: int) -> ConsentDecisions:
    """The registry's decisions as of AS_OF: DENIED_SHARE of patients opposed."""
    rng = np.random.default_rng(seed + 1)
    ids = patient_ids(np.arange(patients))
    denied = rng.random(patients) < DENIED_SHARE
    decision = pc.if_else(pa.array(denied), Decision.DENY.value, Decision.PERMIT.value)
    empty = pa.array([""] * patients)
    return ConsentDecisions(
        purpose=PURPOSE,
        as_of=AS_OF,
        table=pa.table(
            {
                PERSON_ID: ids,
                "decision": decision,
                "basis": pc.if_else(pa.array(denied), "opposed", "permit"),
                **{name: empty for name in DECIDING_VERSION},
            }
        ),
    )
