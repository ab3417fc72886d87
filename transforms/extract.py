"""One table of an extract: cohort rows only, requested columns only, each column treated
according to its catalog role, written as Parquet parts.

Rows stream through as record batches; memory stays bounded by the batch size, whatever
the table's size. Each included patient's pseudonym and date shift are computed once per
table (one HMAC each), then looked up per batch with vectorised Arrow kernels. Every
written batch is also scanned for residual identifiers (the release gate's regex rules,
run by Arrow's RE2), so the gate gets counts per part without reading the parts again.

One module, long on purpose: the batch loop runs the transform, the writer and the
release scan on their own threads; they share its queue and its failure handling.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from anonymization.identifier_patterns import RE2_IDENTIFIER_PATTERNS, RE2_PSEUDONYM_PATTERN
from anonymization.pseudonyms import PatientKeys, link_pseudonyms, patient_keys
from sovex.model.catalog import (
    DERIVED_ROLES,
    NEVER_EXTRACTABLE,
    NOT_YET_EXTRACTABLE,
    ColumnSpec,
    Role,
    TableSpec,
)
from transforms.source_base import WHOLE_TABLE, Partition, Source

if TYPE_CHECKING:
    from transforms.event_release import EventRelease

# Rows per published Parquet file: bounded so a reader can fetch parts independently.
ROWS_PER_PART = 1_000_000
# Batches written or scanned in the background while the next one is transformed.
IN_FLIGHT_BATCHES = 2
PARQUET_COMPRESSION = "zstd"
# Room for a batch's distinct pseudonyms in the column's dictionary page (Arrow's 1 MiB
# default overflows at ~30k patients per batch and falls back to plain 32-character
# strings: larger files, more to compress).
DICTIONARY_PAGE_BYTES = 8 * 1024 * 1024


# The release gate's per-part counts: "<column>:<rule>" → rows failing the rule.
ScanCounts = dict[str, int]
PSEUDONYM_RULE = "PSEUDONYM"
# One pass first: most columns match no rule at all.
ANY_IDENTIFIER_PATTERN = "|".join(f"(?:{p})" for p in RE2_IDENTIFIER_PATTERNS.values())
NULL_RULE = "NOT_NULL"


@dataclass(frozen=True)
class WrittenPart:
    table: str
    path: Path
    rows: int
    bytes: int
    sha256: str
    # Residual-identifier and pseudonym-shape counts over this part (all zero to pass).
    scan: ScanCounts | None = None


def scan_batch(batch: pa.RecordBatch, pseudonym_columns: list[str]) -> ScanCounts:
    """This batch's rows failing a release rule: a pseudonym column null
    or not shaped like a keyed pseudonym; any text column containing something shaped
    like a NIR, an e-mail address or a phone number.

    Each rule runs on the column's distinct values (a batch repeats codes, labels and
    pseudonyms many times); a distinct value's result counts for every row holding it."""
    counts: ScanCounts = defaultdict(int)
    for field, column in zip(batch.schema, batch.columns, strict=True):
        if not pa.types.is_string(field.type):
            continue
        encoded = pc.dictionary_encode(column)
        values, indices = encoded.dictionary, encoded.indices

        def failing_rows(failing_values: pa.Array, indices: pa.Array = indices) -> int:
            return int(pc.sum(pc.take(failing_values, indices)).as_py() or 0)

        if field.name in pseudonym_columns:
            counts[f"{field.name}:{NULL_RULE}"] += column.null_count
            misshaped = pc.invert(pc.match_substring_regex(values, RE2_PSEUDONYM_PATTERN))
            counts[f"{field.name}:{PSEUDONYM_RULE}"] += failing_rows(misshaped)
        if not pc.any(pc.match_substring_regex(values, ANY_IDENTIFIER_PATTERN)).as_py():
            continue
        for rule, pattern in RE2_IDENTIFIER_PATTERNS.items():
            counts[f"{field.name}:{rule}"] += failing_rows(
                pc.match_substring_regex(values, pattern)
            )
    return counts


def release_scan_failures(parts: list[WrittenPart]) -> list[str]:
    """One message per (table, column, rule) with failing rows: names and counts only."""
    totals: dict[tuple[str, str], int] = {}
    for part in parts:
        if part.scan is None:
            raise ValueError(f"table {part.table}: part {part.path.name} was not scanned")
        for key, count in part.scan.items():
            totals[(part.table, key)] = totals.get((part.table, key), 0) + count
    return [
        f"table {table}, column {key.split(':')[0]}: rule {key.split(':')[1]} failed on "
        f"{count} row{'s' if count != 1 else ''}"
        for (table, key), count in sorted(totals.items())
        if count
    ]


@dataclass(frozen=True)
class ScrubbedNote:
    text: str
    # Free-text rules (`anonymization.identifier_patterns.residual_rules`) the published
    # text still fails, surrogates aside: any one stops the release.
    residual: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowPatients:
    """Who each row of a free-text column belongs to, for surrogates: the patient's
    secret (keyed on the project key), date shift and the row's own unshifted date."""

    secrets: list[bytes]
    shifts: list[int]
    references: list[date | None]


# (texts, language, patients or None) → one result per text (None stays None).
TextScrubber = Callable[[list[str | None], str, RowPatients | None], list[ScrubbedNote | None]]
# Surrogate mode needs each row's patient; tags mode does not.
SURROGATES = "surrogates"
TAGS = "tags"
FREE_TEXT_MODES = (TAGS, SURROGATES)
# A quasi-identifier's chosen generalisation level (anonymization.hierarchies).
LevelFunction = Callable[[pa.Array], pa.Array]


@dataclass(frozen=True)
class DerivedInputs:
    """What derived columns are computed from, aligned with the included patients' keys:
    each patient's birth (year or date) and the level the gate chose for it (age at an
    event), and their index date (days since index; null when the cohort has none)."""

    births: pa.Array | None = None
    birth_level: str | None = None
    index_dates: pa.Array | None = None


def output_type(role: Role, source_type: pa.DataType | None) -> pa.DataType:
    if role in (
        Role.PERSON_ID,
        Role.FREE_TEXT,
        Role.QUASI_IDENTIFIER,
        Role.LINK_ID,
        Role.AGE_AT_EVENT,
    ):
        return pa.string()
    if role is Role.DAYS_SINCE_INDEX:
        return pa.int32()
    if source_type is None:
        raise ValueError(f"role {role.value} needs the source column's type")
    if role is Role.EVENT_DATE:
        return pa.date32()
    return source_type


def row_patients(
    keys: PatientKeys, positions: pa.Array, project_key: bytes, references: pa.Array | None
) -> RowPatients:
    """Each row's patient secret (one HMAC per distinct patient), shift and date."""
    from anonymization.surrogates import patient_secret

    position_list = positions.to_pylist()
    secrets: dict[int, bytes] = {}
    for position in set(position_list):
        secrets[position] = patient_secret(project_key, keys.pseudonyms[position].as_py())
    shifts = keys.shifts.take(positions).to_pylist()
    dates = references.to_pylist() if references is not None else [None] * len(position_list)
    return RowPatients(
        secrets=[secrets[p] for p in position_list],
        shifts=shifts,
        references=[d if isinstance(d, date) else None for d in dates],
    )


def _derived_column(
    spec: ColumnSpec,
    batch: pa.RecordBatch,
    keys: PatientKeys,
    positions: pa.Array,
    derived: DerivedInputs | None,
    project_key: bytes,
    truncate: LevelFunction | None = None,
) -> pa.Array:
    """A link pseudonym or a derived column. Derived columns are computed from the dates
    as published: shifted, then truncated to the release gate's date level (`truncate`),
    so they say nothing the published dates do not (days since index: between the
    truncated shifted event and the truncated shifted index date)."""
    if spec.role is Role.LINK_ID:
        return link_pseudonyms(project_key, str(spec.links), batch.column(spec.name))
    if spec.role not in DERIVED_ROLES:
        raise ValueError(f"role {spec.role.value} is neither a link nor derived")
    source_dates = batch.column(str(spec.of))

    def published(shifted: pa.Array) -> pa.Array:
        return (truncate(shifted) if truncate is not None else shifted).cast(pa.date32())

    if spec.role is Role.AGE_AT_EVENT:
        from anonymization.ages import age_labels

        if derived is None or derived.births is None or derived.birth_level is None:
            raise ValueError("age at an event needs the birth and its released level")
        shifted = published(keys.shift(source_dates, positions))
        return age_labels(derived.birth_level, derived.births.take(positions), shifted)
    if derived is None or derived.index_dates is None:
        raise ValueError("days since index need the cohort's index dates")
    index_days = pc.cast(
        published(keys.shift(derived.index_dates.take(positions), positions)), pa.int32()
    )
    event_days = pc.cast(published(keys.shift(source_dates, positions)), pa.int32())
    return pc.subtract(event_days, index_days)


def _transform_column(
    role: Role,
    values: pa.Array,
    keys: PatientKeys,
    positions: pa.Array,
    language: str,
    scrub_text: TextScrubber | None,
    level: LevelFunction | None,
    patients: RowPatients | None = None,
    residuals: ScanCounts | None = None,
    column: str = "",
) -> pa.Array:
    if role in NEVER_EXTRACTABLE or role in NOT_YET_EXTRACTABLE:
        # The request validator refuses these; this is the last line of defence.
        raise ValueError(f"role {role.value} must never reach the writer")
    if role is Role.LINK_ID or role in DERIVED_ROLES:
        raise ValueError(f"role {role.value} is computed by _derived_column")
    if role is Role.PERSON_ID:
        return keys.pseudonyms.take(positions)
    if role is Role.EVENT_DATE:
        return keys.shift(values, positions)
    if role is Role.FREE_TEXT:
        if scrub_text is None:
            raise ValueError("free text cannot be released without a scrubber")
        notes = scrub_text(values.to_pylist(), language, patients)
        if residuals is not None:
            for note in notes:
                for rule in note.residual if note is not None else ():
                    residuals[f"{column}:{rule}"] += 1
        return pa.array([None if n is None else n.text for n in notes], type=pa.string())
    if role is Role.QUASI_IDENTIFIER:
        if level is None:
            raise ValueError("a quasi-identifier cannot be released without its chosen level")
        return _on_distinct_values(level, values)
    return values


def _on_distinct_values(level: LevelFunction, values: pa.Array) -> pa.Array:
    """A level applied once per distinct value (nulls included, as a value of their own:
    some levels label them), then spread back to the rows: a batch holds few distinct
    birth dates or postcodes."""
    encoded = pc.dictionary_encode(values, null_encoding="encode")
    return level(encoded.dictionary).take(encoded.indices)


def first_event_date_column(table: TableSpec) -> str | None:
    """The column a request's period applies to (the table's first event date)."""
    return table.period_column()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_table_file(table: pa.Table, name: str, out_dir: Path) -> WrittenPart:
    """A small derived table (e.g. an aggregate) as one Parquet part."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "part-00000.parquet"
    pq.write_table(table, path, compression=PARQUET_COMPRESSION)
    return WrittenPart(
        table=name,
        path=path,
        rows=table.num_rows,
        bytes=path.stat().st_size,
        sha256=sha256_of(path),
    )


def part_name(partition: Partition, number: int) -> str:
    """`part-00000.parquet` for a whole table; `part-0002-00000.parquet` for partition 2."""
    if partition.count == 1:
        return f"part-{number:05d}.parquet"
    return f"part-{partition.index:04d}-{number:05d}.parquet"


def _stale_parts(out_dir: Path, partition: Partition) -> list[Path]:
    if partition.count == 1:
        return list(out_dir.glob("part-*.parquet"))
    return list(out_dir.glob(f"part-{partition.index:04d}-*.parquet"))


def extract_table(
    source: Source,
    table: TableSpec,
    person_id_column: str,
    columns: list[str],
    included_ids: pa.Array,
    period: tuple[date, date],
    project_key: bytes,
    out_dir: Path,
    scrub_text: TextScrubber | None = None,
    quasi_identifier_levels: dict[str, LevelFunction] | None = None,
    partition: Partition = WHOLE_TABLE,
    keys: PatientKeys | None = None,
    free_text_mode: str = TAGS,
    event_release: EventRelease | None = None,
    derived: DerivedInputs | None = None,
) -> list[WrittenPart]:
    """Write the extract's parts for one table (or one partition of it) into `out_dir`,
    replacing that table's (partition's) earlier parts. `keys` (the included patients'
    pseudonyms and shifts) may be passed when several tables share them. In
    `free_text_mode` "surrogates" the scrubber is given each row's patient, so names get
    the patient's surrogates and dates the patient's shift. `event_release` (an event table
    the adversary may know rows of) truncates its dates, generalises its known attributes
    and drops the events the release gate suppressed. `derived` feeds the derived columns
    (age at event, days since index)."""
    if free_text_mode not in FREE_TEXT_MODES:
        raise ValueError(f"free_text_mode must be one of {FREE_TEXT_MODES}; got {free_text_mode!r}")
    specs = [table.columns[name] for name in columns]
    source_schema = source.schema(table.name)
    out_schema = pa.schema(
        [
            pa.field(
                s.name,
                (event_release.output_type(s.name) if event_release else None)
                or output_type(
                    s.role,
                    None if s.role in DERIVED_ROLES else source_schema.field(s.name).type,
                ),
            )
            for s in specs
        ]
    )
    pseudonym_columns = [s.name for s in specs if s.role is Role.PERSON_ID]
    # The person id first: a PostgreSQL source partitions on the first column.
    derived_from = [str(s.of) for s in specs if s.role in DERIVED_ROLES]
    read_columns = list(
        dict.fromkeys([person_id_column, *table.source_columns(columns), *derived_from])
    )
    # The cohort is applied below, where each row's patient is looked up anyway (one hash
    # lookup per row instead of two); the source applies the period.
    row_filter: ds.Expression | None = None
    date_column = first_event_date_column(table)
    if date_column is not None:
        row_filter = (ds.field(date_column) >= period[0]) & (ds.field(date_column) <= period[1])
        read_columns = list(dict.fromkeys([*read_columns, date_column]))
    if keys is None:
        keys = patient_keys(project_key, included_ids)

    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in _stale_parts(out_dir, partition):
        stale.unlink()
    parts: list[WrittenPart] = []
    writer: pq.ParquetWriter | None = None
    sink: _HashingFile | None = None
    part_path: Path | None = None
    part_rows = 0
    counts: ScanCounts = defaultdict(int)
    # Writing (compression) and the release scan run on their own threads while the main
    # thread reads and transforms the next batch: Arrow and zstd release the GIL. At most
    # IN_FLIGHT_BATCHES batches wait, so memory stays bounded.
    in_flight: deque[tuple[Future[None], Future[ScanCounts]]] = deque()

    def settle(keep: int) -> None:
        while len(in_flight) > keep:
            written, scanned = in_flight.popleft()
            written.result()
            for key, count in scanned.result().items():
                counts[key] += count

    def close_part() -> None:
        nonlocal writer, sink, part_rows, counts
        settle(0)
        if writer is None or part_path is None or sink is None:
            return
        writer.close()
        sink.close()
        parts.append(
            WrittenPart(
                table=table.name,
                path=part_path,
                rows=part_rows,
                bytes=sink.size,
                sha256=sink.hexdigest(),
                scan=dict(counts),
            )
        )
        writer, sink, part_rows, counts = None, None, 0, defaultdict(int)

    with (
        ThreadPoolExecutor(1, thread_name_prefix="parquet-writer") as writing,
        ThreadPoolExecutor(1, thread_name_prefix="release-scan") as scanning,
    ):
        try:
            for batch in source.batches(
                table.name, read_columns, filter=row_filter, partition=partition
            ):
                # Only the included patients' rows; each row's position in `keys`.
                batch, positions = keys.select(batch, person_id_column)
                if batch.num_rows == 0:
                    continue
                patients = None
                if free_text_mode == SURROGATES and any(s.role is Role.FREE_TEXT for s in specs):
                    references = batch.column(date_column) if date_column else None
                    patients = row_patients(keys, positions, project_key, references)
                residuals: ScanCounts = defaultdict(int)
                arrays = [
                    _derived_column(
                        s,
                        batch,
                        keys,
                        positions,
                        derived,
                        project_key,
                        event_release.date_truncation(str(s.of))
                        if event_release is not None and s.role in DERIVED_ROLES
                        else None,
                    )
                    if s.role is Role.LINK_ID or s.role in DERIVED_ROLES
                    else _transform_column(
                        s.role,
                        batch.column(s.name),
                        keys,
                        positions,
                        s.language,
                        scrub_text,
                        (quasi_identifier_levels or {}).get(s.name),
                        patients,
                        residuals,
                        s.name,
                    )
                    for s in specs
                ]
                if event_release is not None:
                    arrays, kept = _released_events(
                        event_release, specs, arrays, batch.column(person_id_column)
                    )
                    if not pc.all(kept).as_py():
                        arrays = [array.filter(kept) for array in arrays]
                out_batch = pa.RecordBatch.from_arrays(
                    [a.cast(f.type) for a, f in zip(arrays, out_schema, strict=True)],
                    schema=out_schema,
                )
                if out_batch.num_rows == 0:
                    continue
                if writer is None:
                    part_path = out_dir / part_name(partition, len(parts))
                    sink = _HashingFile(part_path)
                    writer = pq.ParquetWriter(
                        sink,
                        out_schema,
                        compression=PARQUET_COMPRESSION,
                        dictionary_pagesize_limit=DICTIONARY_PAGE_BYTES,
                    )
                in_flight.append(
                    (
                        writing.submit(writer.write_batch, out_batch),
                        scanning.submit(scan_batch, out_batch, pseudonym_columns),
                    )
                )
                settle(IN_FLIGHT_BATCHES)
                for rule, count in residuals.items():
                    counts[rule] += count
                part_rows += out_batch.num_rows
                if part_rows >= ROWS_PER_PART:
                    close_part()
            close_part()
        except BaseException:
            # Nothing partial stays behind: the background work is stopped, then this
            # call's files are deleted (earlier parts of the table included).
            pending: list[Future[Any]] = [future for pair in in_flight for future in pair]
            for future in pending:
                future.cancel()
            wait(pending)
            if writer is not None:
                with contextlib.suppress(Exception):  # the first error is the one to raise
                    writer.close()
            if sink is not None:
                sink.close()
            for path in [*(part.path for part in parts), *([part_path] if part_path else [])]:
                path.unlink(missing_ok=True)
            raise
    if not parts and partition.index == 0:
        # An empty table is still published, with its schema, so readers see it exists.
        empty = write_table_file(out_schema.empty_table(), table.name, out_dir)
        parts.append(replace(empty, scan={}))
    return parts


def _released_events(
    release: EventRelease,
    specs: list[ColumnSpec],
    arrays: list[pa.Array],
    patient_ids: pa.Array | pa.ChunkedArray,
) -> tuple[list[pa.Array], pa.Array]:
    """The known columns at their chosen levels, and a mask of the events kept."""
    known = {*release.date_columns, *release.attribute_columns}
    # Suppressed events are named as recorded: dates shifted but not truncated.
    recorded = {
        spec.name: array for spec, array in zip(specs, arrays, strict=True) if spec.name in known
    }
    if isinstance(patient_ids, pa.ChunkedArray):
        patient_ids = patient_ids.combine_chunks()
    published = release.published(patient_ids, recorded)
    leveled = [published.get(spec.name, array) for spec, array in zip(specs, arrays, strict=True)]
    return leveled, release.kept_rows(patient_ids, recorded)


class _HashingFile:
    """A file the Parquet writer writes through, hashing the bytes on their way to disk:
    the part's SHA-256 without reading it back."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("wb")
        self._digest = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data: bytes | memoryview) -> int:
        self._digest.update(data)
        self.size += len(data)
        return self._file.write(data)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if not self.closed:
            self._file.close()
            self.closed = True

    def hexdigest(self) -> str:
        return self._digest.hexdigest()
