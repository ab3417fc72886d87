"""Partitioned reads and extracts, the patients' keys computed once, and the release-gate
scan done while parts are written (checked against the Great Expectations suite)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from anonymization.identifier_patterns import (
    COMPILED_IDENTIFIER_PATTERNS,
    RE2_IDENTIFIER_PATTERNS,
)
from anonymization.keys import derive_project_key
from anonymization.pseudonyms import date_shift_days, patient_keys, pseudonym
from sovex.model.catalog import ColumnSpec, Role, TableSpec
from transforms.extract import (
    RowPatients,
    ScrubbedNote,
    WrittenPart,
    extract_table,
    release_scan_failures,
    scan_batch,
    sha256_of,
)
from transforms.release_gate import validate_scanned_part, validate_table
from transforms.source import ParquetSource
from transforms.source_base import BATCH_ROWS, Partition

KEY = derive_project_key(b"p" * 32, "partitions")
ROWS = 20_000
ROW_GROUP_ROWS = 1_500
PATIENTS = 700


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> ParquetSource:
    directory = tmp_path_factory.mktemp("partitioned-source")
    numbers = [(i * 7) % PATIENTS for i in range(ROWS)]
    table = pa.table(
        {
            "event_id": [f"E{i}" for i in range(ROWS)],
            "patient_id": [f"P{n:05d}" for n in numbers],
            "event_date": pa.array([date(2020, 1, 1 + i % 28) for i in range(ROWS)]),
            "code": [f"C{i % 13}" for i in range(ROWS)],
            "note": [None if i % 11 == 0 else f"texte {i % 5}" for i in range(ROWS)],
        }
    )
    pq.write_table(table, directory / "events.parquet", row_group_size=ROW_GROUP_ROWS)
    return ParquetSource(directory)


SPEC = TableSpec(
    "events",
    {
        "event_id": ColumnSpec("event_id", Role.DIRECT_IDENTIFIER),
        "patient_id": ColumnSpec("patient_id", Role.PERSON_ID),
        "event_date": ColumnSpec("event_date", Role.EVENT_DATE),
        "code": ColumnSpec("code", Role.ATTRIBUTE),
        "note": ColumnSpec("note", Role.ATTRIBUTE),
    },
)
PUBLISHED = ["patient_id", "event_date", "code", "note"]
PERIOD = (date(2020, 1, 3), date(2020, 1, 25))


def _event_ids(source: ParquetSource, partition: Partition) -> list[str]:
    return [
        value
        for batch in source.batches("events", ["event_id"], partition=partition)
        for value in batch.column(0).to_pylist()
    ]


@pytest.mark.parametrize("count", [1, 3, 4, 14, 20])
def test_partitions_are_disjoint_and_together_are_the_table(
    source: ParquetSource, count: int
) -> None:
    pieces = [_event_ids(source, Partition(index, count)) for index in range(count)]
    everything = [value for piece in pieces for value in piece]
    assert len(everything) == len(set(everything)) == ROWS
    # 14 row groups: past 14 partitions, the extra ones are empty, never duplicated.
    assert sum(1 for piece in pieces if piece) == min(count, -(-ROWS // ROW_GROUP_ROWS))


def test_batches_are_bounded_and_filters_apply_to_unread_columns(source: ParquetSource) -> None:
    import pyarrow.dataset as ds

    batches = list(source.batches("events", ["event_id"], filter=ds.field("code") == "C3"))
    assert all(batch.num_rows <= BATCH_ROWS for batch in batches)
    kept = pa.concat_arrays([batch.column(0) for batch in batches]).to_pylist()
    assert kept == [f"E{i}" for i in range(ROWS) if i % 13 == 3]


def test_a_partition_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError, match="partition 4 of 4"):
        Partition(4, 4)


def _published(parts: list) -> list[dict]:
    table = pa.concat_tables(pq.read_table(part.path) for part in parts)
    return table.sort_by([(name, "ascending") for name in table.column_names]).to_pylist()


def test_a_partitioned_extract_equals_the_whole_table_extract(
    source: ParquetSource, tmp_path: Path
) -> None:
    included = pa.array([f"P{n:05d}" for n in range(0, PATIENTS, 2)])
    arguments = dict(
        source=source,
        table=SPEC,
        person_id_column="patient_id",
        columns=PUBLISHED,
        included_ids=included,
        period=PERIOD,
        project_key=KEY,
    )
    whole = extract_table(out_dir=tmp_path / "whole", **arguments)
    pieces = []
    for index in range(5):
        pieces += extract_table(
            out_dir=tmp_path / "pieces", partition=Partition(index, 5), **arguments
        )
    assert len({part.path for part in pieces}) == len(pieces) > 1
    assert _published(whole) == _published(pieces)
    assert sum(p.rows for p in whole) == sum(p.rows for p in pieces) > 0
    for part in [*whole, *pieces]:
        assert part.sha256 == sha256_of(part.path)  # hashed while written, as on disk
        assert part.bytes == part.path.stat().st_size
    # Rerunning one partition replaces only its own files.
    before = sorted(p.name for p in (tmp_path / "pieces").iterdir())
    extract_table(out_dir=tmp_path / "pieces", partition=Partition(2, 5), **arguments)
    assert sorted(p.name for p in (tmp_path / "pieces").iterdir()) == before


def test_patient_keys_hash_each_patient_once_and_look_rows_up() -> None:
    keys = patient_keys(KEY, pa.array(["P2", "P1", "P2", "P3"]))
    assert len(keys.ids) == 3
    rows = pa.array(["P3", "P1", "P1", "P2"])
    positions = keys.positions(rows)
    assert keys.pseudonyms.take(positions).to_pylist() == [
        pseudonym(KEY, p) for p in rows.to_pylist()
    ]
    dates = pa.array([date(2020, 1, 1)] * 4)
    shifted = keys.shift(dates, positions).to_pylist()
    assert [(s - date(2020, 1, 1)).days for s in shifted] == [
        date_shift_days(KEY, p) for p in rows.to_pylist()
    ]
    with pytest.raises(ValueError, match="outside the included cohort"):
        keys.positions(pa.array(["P1", "P9"]))
    with pytest.raises(ValueError, match="nulls"):
        patient_keys(KEY, pa.array(["P1", None]))


CORPUS = [
    "rappel au 06 12 34 56 78 demain",
    "tel:0612345678",
    "x0612345678",
    "+33 (0)6 12 34 56 78",
    "0033612345678",
    "NIR 1 84 12 75 123 456 78",
    "184127512345678",
    "a184127512345678b",
    "2 84 12 2A 123 456 78",
    "écrire à jean.dupont@exemple.fr",
    "jean@localhost",
    "E11.9",
    "maladie de Parkinson",
    "0123456789abcdef0123456789abcdef",
    "",
    "ligne\n06 12 34 56 78",
]


@pytest.mark.parametrize("rule", sorted(RE2_IDENTIFIER_PATTERNS))
def test_arrow_patterns_find_exactly_what_python_patterns_find(rule: str) -> None:
    import pyarrow.compute as pc

    found = pc.match_substring_regex(pa.array(CORPUS), RE2_IDENTIFIER_PATTERNS[rule]).to_pylist()
    expected = [bool(COMPILED_IDENTIFIER_PATTERNS[rule].search(text)) for text in CORPUS]
    assert found == expected
    assert any(expected)


def test_the_scan_counts_what_the_great_expectations_suite_counts() -> None:
    good = pseudonym(KEY, "P1")
    table = pa.table(
        {
            "patient_id": [good, good, "not-a-pseudonym", None, good, good],
            "code": ["E11.9", "I10", "E11.9", "N18.3", "E11.9", "I10"],
            "note": [
                "rappel au 06 12 34 56 78",
                "RAS",
                "NIR 1 84 12 75 123 456 78 et jean@exemple.fr",
                None,
                "RAS",
                "écrire à jean.dupont@exemple.fr",
            ],
        }
    )
    columns, pseudonyms = table.column_names, ["patient_id"]
    by_gx = validate_table("events", table, columns, pseudonyms)
    # The scan as extract_table runs it, batch by batch, counts summed per part.
    counts: dict[str, int] = {}
    for batch in table.to_batches(max_chunksize=4):
        for key, count in scan_batch(batch, pseudonyms).items():
            counts[key] = counts.get(key, 0) + count
    by_scan = validate_scanned_part(
        "events", table.schema, table.num_rows, columns, pseudonyms, counts
    )
    assert not by_gx.success and not by_scan.success
    assert {(o.expectation, o.column): o.unexpected_count for o in by_scan.outcomes} == {
        (o.expectation, o.column): o.unexpected_count for o in by_gx.outcomes
    }
    assert by_scan.failures() == by_gx.failures()
    # Failure messages name the table, column and rule, never a value.
    assert not any(re.search(r"06 12|jean|P1", failure) for failure in by_scan.failures())


def test_scan_failures_are_summed_over_parts_and_an_unscanned_part_is_refused(
    tmp_path: Path,
) -> None:
    from transforms.extract import WrittenPart

    path = tmp_path / "part-00000.parquet"
    path.write_bytes(b"x")
    parts = [
        WrittenPart("notes", path, 2, 1, "0", scan={"text:FR_NIR": 1, "text:EMAIL": 0}),
        WrittenPart("notes", path, 2, 1, "0", scan={"text:FR_NIR": 2}),
    ]
    assert release_scan_failures(parts) == [
        "table notes, column text: rule FR_NIR failed on 3 rows"
    ]
    with pytest.raises(ValueError, match="not scanned"):
        release_scan_failures([WrittenPart("notes", path, 2, 1, "0")])


def test_a_failure_mid_table_leaves_no_part_behind(source: ParquetSource, tmp_path: Path) -> None:
    spec = TableSpec(
        "events",
        {**SPEC.columns, "note": ColumnSpec("note", Role.FREE_TEXT, language="fr")},
    )
    calls = 0

    def scrub_then_fail(
        texts: list[str | None], language: str, patients: RowPatients | None
    ) -> list[ScrubbedNote | None]:
        nonlocal calls
        calls += 1
        if calls == 3:  # after parts were already being written
            raise RuntimeError("scrubber crashed")
        return [None if t is None else ScrubbedNote(t) for t in texts]

    out_dir = tmp_path / "events"
    with pytest.raises(RuntimeError, match="scrubber crashed"):
        extract_table(
            source=source,
            table=spec,
            person_id_column="patient_id",
            columns=PUBLISHED,
            included_ids=pa.array([f"P{n:05d}" for n in range(PATIENTS)]),
            period=PERIOD,
            project_key=KEY,
            out_dir=out_dir,
            scrub_text=scrub_then_fail,
            partition=Partition(0, 1),
        )
    assert calls == 3
    assert not list(out_dir.glob("*.parquet"))


def _extract_notes(source: ParquetSource, out_dir: Path, **options: Any) -> list[WrittenPart]:
    """The events table, its note column as free text, every patient included."""
    return extract_table(
        source=source,
        table=TableSpec(
            "events",
            {**SPEC.columns, "note": ColumnSpec("note", Role.FREE_TEXT, language="fr")},
        ),
        person_id_column="patient_id",
        columns=PUBLISHED,
        included_ids=pa.array([f"P{n:05d}" for n in range(PATIENTS)]),
        period=PERIOD,
        project_key=KEY,
        out_dir=out_dir,
        partition=Partition(0, 1),
        **options,
    )


def test_a_note_the_scrubber_left_a_url_in_fails_the_release_rules(
    source: ParquetSource, tmp_path: Path
) -> None:
    def scrub_leaving_a_url(
        texts: list[str | None], language: str, patients: RowPatients | None
    ) -> list[ScrubbedNote | None]:
        # As if the scrubber had missed one link in every note holding "texte 3".
        return [
            None if t is None else ScrubbedNote(t, ("URL",) if t.endswith("3") else ())
            for t in texts
        ]

    parts = _extract_notes(source, tmp_path / "events", scrub_text=scrub_leaving_a_url)
    failures = release_scan_failures(parts)
    assert len(failures) == 1
    assert failures[0].startswith("table events, column note: rule URL failed on ")


def test_in_surrogate_mode_each_note_gets_its_own_patients_shift_and_secret(
    source: ParquetSource, tmp_path: Path
) -> None:
    seen: list[RowPatients] = []

    def scrub_recording(
        texts: list[str | None], language: str, patients: RowPatients | None
    ) -> list[ScrubbedNote | None]:
        assert patients is not None and len(patients.secrets) == len(texts)
        seen.append(patients)
        return [None if t is None else ScrubbedNote(t) for t in texts]

    _extract_notes(
        source, tmp_path / "events", scrub_text=scrub_recording, free_text_mode="surrogates"
    )
    patients = seen[0]
    # The rows of one patient share one secret and one shift, the patient's own.
    secrets_by_shift: dict[bytes, set[int]] = {}
    for secret, shift in zip(patients.secrets, patients.shifts, strict=True):
        secrets_by_shift.setdefault(secret, set()).add(shift)
    assert all(len(shifts) == 1 for shifts in secrets_by_shift.values())
    assert len(secrets_by_shift) >= 50
    assert all(isinstance(d, date) for d in patients.references)


def test_an_unknown_free_text_mode_is_refused(source: ParquetSource, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="free_text_mode"):
        _extract_notes(source, tmp_path / "events", free_text_mode="pseudonyms")
