"""The consent registry: every accepted FHIR Consent version, append-only, in SQLite.

Loading (`load_file`) appends the versions read from one NDJSON or Bundle file; the same
content loaded twice changes nothing (files are known by the sha256 of their content,
versions by the sha256 of their normalised fields, so overlapping exports append only
what changed). Rows are never updated or deleted (triggers refuse it), so the registry
can be replayed as of any past date.

Which version counts, as of a date D (`decisions_as_of`):
1. Only versions recorded on or before D exist. `draft` and `proposed` versions are
   ignored as if never received: a proposal changes nothing that is in force.
2. Per resource id, the latest version (recorded_on, then ingest order) is the resource's
   state. If that version is `entered-in-error`, the resource is absent from D on: it
   was a mistake, so nothing it said holds (an erroneous deny no longer excludes, an
   erroneous permit no longer includes); it never grants or denies anything itself.
3. Per patient, among resources whose state lists the purpose, the latest (recorded_on,
   then ingest order) decides:

   | state of the deciding resource             | decision | basis          |
   |--------------------------------------------|----------|----------------|
   | active permit, period covers D             | PERMIT   | permit         |
   | active deny, period covers D               | DENY     | opposed        |
   | active (permit or deny), period misses D   | NONE     | outside_period |
   | inactive permit (consent withdrawn)        | DENY     | withdrawn      |
   | inactive deny (opposition lifted)          | NONE     | lifted         |
   | rejected, permit or deny (patient refused) | DENY     | refused        |

   A withdrawal counts as a deny, so whoever withdrew is never included (fail closed).
   Periods are inclusive at both ends; an open bound is unbounded.

Consents of other systems (`transforms.consent_mapping`): a version of a declared source
keeps, besides its row, its per-purpose rulings (`consent_version_rulings`: permit or deny
over a period, disjoint per purpose), every original code (`consent_version_codes`) and
the source and mapping file that ruled (`consent_version_sources`); the codes no purpose
uses are counted per file (`consent_file_unmapped_codes`). For such a version the ruling
covering D stands in for its provision type and period in the table above (none covering
D: outside_period). sovex-native versions have no rulings and are read as always.

Regimes (`apply_regime`): opt_in includes PERMIT only (DENY → excluded_denied, the rest →
excluded_no_consent); opt_out includes everyone but DENY (excluded_no_consent is 0).

An empty registry (no version ever accepted) is refused by `decisions_as_of`
(`ConsentRegistryEmpty`): under opt_out it would silently include everyone.

One module, long on purpose: the registry's tables, its triggers, loading and the replay
rules above are one contract; each rule is checked where the rows are read.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sovex.model.append_only_db import connect_append_only
from sovex.model.errors import ConfigurationError, IntegrityError, InvalidInput
from transforms.consent_mapping import NO_SOURCES, ConsentSources, MappedConsent
from transforms.consent_regimes import ConsentRegimes, Regime
from transforms.fhir_consent import (
    ConsentEvent,
    ParsedLine,
    RejectCode,
    Rejection,
    open_content,
    position_unit,
    read_consents,
    write_rejects,
)

INSERT_BATCH = 20_000
HASH_BLOCK_BYTES = 1 << 20
SNAPSHOT_BATCH = 100_000
FETCH_BATCH = 100_000
SNAPSHOT_FORMAT = "sovex-consent-snapshot/1"
# Statuses that never count, whatever their date (see rule 1 above).
IGNORED_STATUSES = ("draft", "proposed")
ENTERED_IN_ERROR = "entered-in-error"

SCHEMA = """
CREATE TABLE IF NOT EXISTS consent_files (
    file_sha256 TEXT PRIMARY KEY,  -- of the content as parsed (after gunzip)
    path TEXT NOT NULL,
    reject_path TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    new_versions INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS consent_versions (
    seq INTEGER PRIMARY KEY,  -- ingest order: breaks ties between equal recorded_on
    version_sha256 TEXT NOT NULL UNIQUE,
    file_sha256 TEXT NOT NULL,
    line INTEGER NOT NULL,
    resource_id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    status TEXT NOT NULL,
    provision_type TEXT NOT NULL,
    period_start TEXT,  -- ISO dates: they compare in date order as text
    period_end TEXT,
    recorded_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS consent_version_purposes (
    purpose TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (purpose, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consent_version_rulings (
    purpose TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    provision_type TEXT NOT NULL,  -- permit | deny, over the period below
    period_start TEXT,
    period_end TEXT,
    PRIMARY KEY (purpose, seq, ordinal)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consent_version_codes (
    seq INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    provision INTEGER NOT NULL,  -- index of the nested provision
    provision_type TEXT NOT NULL,
    system TEXT NOT NULL,
    code TEXT NOT NULL,
    period_start TEXT,
    period_end TEXT,
    mapped INTEGER NOT NULL,  -- 1: some purpose of the mapping uses it
    PRIMARY KEY (seq, ordinal)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consent_version_sources (
    seq INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    mapping_sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS consent_file_unmapped_codes (
    file_sha256 TEXT NOT NULL,
    source TEXT NOT NULL,
    system TEXT NOT NULL,
    code TEXT NOT NULL,
    resources INTEGER NOT NULL,  -- resources of the file carrying the code
    PRIMARY KEY (file_sha256, source, system, code)
) WITHOUT ROWID;
"""
APPEND_ONLY_TABLES = (
    "consent_files",
    "consent_versions",
    "consent_version_purposes",
    "consent_version_rulings",
    "consent_version_codes",
    "consent_version_sources",
    "consent_file_unmapped_codes",
)


class ConsentRegistryEmpty(ConfigurationError):
    """No consent was ever loaded: a gate run now would decide on nothing."""


class Decision(StrEnum):
    PERMIT = "permit"
    DENY = "deny"
    NONE = "none"


class Basis(StrEnum):
    PERMIT = "permit"
    OPPOSED = "opposed"
    OUTSIDE_PERIOD = "outside_period"
    WITHDRAWN = "withdrawn"
    LIFTED = "lifted"
    REFUSED = "refused"


DECISION_OF_BASIS = {
    Basis.PERMIT: Decision.PERMIT,
    Basis.OPPOSED: Decision.DENY,
    Basis.OUTSIDE_PERIOD: Decision.NONE,
    Basis.WITHDRAWN: Decision.DENY,
    Basis.LIFTED: Decision.NONE,
    Basis.REFUSED: Decision.DENY,
}


@dataclass(frozen=True)
class LoadResult:
    file_sha256: str
    accepted: int  # valid resources in the file
    rejected: int  # lines (entries) written to the reject file
    new_versions: int  # versions the registry did not hold yet
    already_loaded: bool  # True: nothing was read or written, counts are the first load's
    reject_path: Path  # where the rejects of this content were written (by the first load)
    # (source, system, code, resources): codes of declared sources no purpose uses.
    unmapped_codes: tuple[tuple[str, str, str, int], ...] = ()


@dataclass(frozen=True)
class RegistryStatus:
    files: int
    versions: int
    last_ingested_at: str | None

    @property
    def empty(self) -> bool:
        return self.versions == 0


@dataclass(frozen=True)
class ConsentDecisions:
    """Per patient with a resource for the purpose: the decision as of the date.

    `table` columns: patient_id, decision, basis, then the deciding version's
    resource_id, status, provision_type, period_start, period_end and recorded_on (ISO
    dates as text), sorted by patient_id. A patient absent from
    it has no consent resource for the purpose (decision NONE).
    """

    purpose: str
    as_of: date
    table: pa.Table

    def decision_for(self, patient_id: str) -> Decision:
        index = pc.index(self.table["patient_id"], patient_id).as_py()
        return Decision.NONE if index < 0 else Decision(self.table["decision"][index].as_py())


@dataclass(frozen=True)
class RegimeOutcome:
    regime: Regime
    purpose: str
    as_of: date
    included: pa.Array  # patient ids, sorted
    cohort: int
    excluded_denied: int  # opposed, withdrawn or refused
    excluded_no_consent: int  # opt_in only: no permit covering the date
    snapshot_sha256: str

    def counts(self) -> dict[str, int]:
        return {
            "cohort": self.cohort,
            "included": len(self.included),
            "excluded_denied": self.excluded_denied,
            "excluded_no_consent": self.excluded_no_consent,
        }


# --- Database ---------------------------------------------------------------------------


def _connect(db_path: Path) -> sqlite3.Connection:
    return connect_append_only(db_path, SCHEMA, APPEND_ONLY_TABLES, "the consent registry")


def registry_status(db_path: Path) -> RegistryStatus:
    """Files loaded, versions held, last ingest time (an absent database is empty)."""
    if not db_path.exists():
        return RegistryStatus(files=0, versions=0, last_ingested_at=None)
    with closing(_connect(db_path)) as connection:
        files, last = connection.execute(
            "SELECT count(*), max(ingested_at) FROM consent_files"
        ).fetchone()
        (versions,) = connection.execute("SELECT count(*) FROM consent_versions").fetchone()
    return RegistryStatus(files=files, versions=versions, last_ingested_at=last)


def require_loaded(db_path: Path) -> RegistryStatus:
    """The registry's status; ConsentRegistryEmpty when it holds no consent version."""
    status = registry_status(db_path)
    if status.empty:
        raise ConsentRegistryEmpty(
            f"{db_path}: the consent registry holds no consent (files loaded: {status.files}); "
            "load the FHIR Consent export first: deciding on an empty registry would "
            "include everyone under opt_out"
        )
    return status


# --- Loading ----------------------------------------------------------------------------


def load_file(
    db_path: Path,
    path: Path,
    reject_path: Path,
    ingested_at: datetime,
    workers: int | None = None,
    sources: ConsentSources = NO_SOURCES,
) -> LoadResult:
    """Append the Consent versions of one NDJSON (`*.ndjson[.gz]`) or Bundle (`*.json`) file.

    Rejected resources go to `reject_path` (JSONL, see `fhir_consent.write_rejects`),
    replaced as a whole. Content already loaded (under any name) is a no-op: nothing is
    read or written, and the result names the first load's reject file. The load is one
    transaction: a failure leaves the registry as it was. `workers` is passed to
    `fhir_consent.read_ndjson`. `sources`: the consent sources the steward declared; a
    resource naming a template or profile none of them declares refuses the whole file
    (InvalidInput, nothing loaded), so it can be loaded once its mapping is declared.
    """
    file_sha256 = _content_sha256(path)
    with closing(_connect(db_path)) as connection:
        previous = _previous_load(connection, file_sha256)
        if previous is not None:
            return previous
        connection.execute("BEGIN IMMEDIATE")
        partial = reject_path.with_name(f".{reject_path.name}.partial")
        try:
            # Re-checked under the write lock: another loader may have won the race.
            previous = _previous_load(connection, file_sha256)
            if previous is not None:
                connection.execute("ROLLBACK")
                return previous
            digest = hashlib.sha256()
            reject_path.parent.mkdir(parents=True, exist_ok=True)
            with (
                closing(
                    read_consents(path, workers=workers, digest=digest, sources=sources)
                ) as parsed,
                partial.open("w", encoding="utf-8") as rejects,
            ):
                accepted, rejected, new_versions, unmapped = _append(
                    connection, file_sha256, parsed, rejects, str(path), position_unit(path)
                )
            if digest.hexdigest() != file_sha256:
                raise IntegrityError(f"{path}: file changed while it was being loaded; retry")
            connection.execute(
                "INSERT INTO consent_files (file_sha256, path, reject_path, ingested_at, "
                "accepted, rejected, new_versions) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    file_sha256,
                    str(path),
                    str(reject_path),
                    _utc_text(ingested_at),
                    accepted,
                    rejected,
                    new_versions,
                ),
            )
            connection.executemany(
                "INSERT INTO consent_file_unmapped_codes (file_sha256, source, system, code, "
                "resources) VALUES (?, ?, ?, ?, ?)",
                ((file_sha256, *key, count) for key, count in unmapped),
            )
            # Renamed before the commit: a crash in between only makes a rerun redo both.
            partial.replace(reject_path)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            partial.unlink(missing_ok=True)
            raise
    return LoadResult(
        file_sha256,
        accepted,
        rejected,
        new_versions,
        False,
        reject_path,
        tuple((*key, count) for key, count in unmapped),
    )


def _content_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    # Hashes what the parser reads (decompressed), so foo.ndjson and foo.ndjson.gz are
    # the same content.
    with open_content(path) as stream:
        while block := stream.read(HASH_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def _previous_load(connection: sqlite3.Connection, file_sha256: str) -> LoadResult | None:
    row = connection.execute(
        "SELECT accepted, rejected, new_versions, reject_path FROM consent_files "
        "WHERE file_sha256 = ?",
        (file_sha256,),
    ).fetchone()
    if row is None:
        return None
    unmapped = connection.execute(
        "SELECT source, system, code, resources FROM consent_file_unmapped_codes "
        "WHERE file_sha256 = ? ORDER BY source, system, code",
        (file_sha256,),
    ).fetchall()
    return LoadResult(
        file_sha256, row[0], row[1], row[2], True, Path(row[3]), tuple(map(tuple, unmapped))
    )


def _append(
    connection: sqlite3.Connection,
    file_sha256: str,
    parsed: Iterable[ParsedLine],
    rejects: IO[str],
    file_label: str,
    unit: str,
) -> tuple[int, int, int, list[tuple[tuple[str, str, str], int]]]:
    accepted = rejected = new_versions = 0
    unmapped: Counter[tuple[str, str, str]] = Counter()
    iterator = iter(parsed)
    while batch := list(islice(iterator, INSERT_BATCH)):
        events = [item for item in batch if isinstance(item, ConsentEvent)]
        refused = [item for item in batch if isinstance(item, Rejection)]
        for item in refused:
            if item.code is RejectCode.UNDECLARED_SOURCE:
                raise InvalidInput(
                    f"{file_label}: {unit} {item.line}: {item.reason}; declare the source's "
                    "mapping (docs/consent.md) and load the file again: nothing of it was loaded"
                )
        rejected += write_rejects(rejects, file_label, refused, unit)
        accepted += len(events)
        for event in events:
            if event.mapped is not None:
                unmapped.update(
                    (event.mapped.source, code.system, code.code) for code in event.mapped.unmapped
                )
        new_versions += _insert(connection, file_sha256, events)
    return accepted, rejected, new_versions, sorted(unmapped.items())


def _insert(
    connection: sqlite3.Connection, file_sha256: str, events: Sequence[ConsentEvent]
) -> int:
    before = connection.total_changes
    hashes = [event.version_sha256() for event in events]
    connection.executemany(
        "INSERT OR IGNORE INTO consent_versions (version_sha256, file_sha256, line, "
        "resource_id, patient_id, status, provision_type, period_start, period_end, "
        "recorded_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                version,
                file_sha256,
                e.line,
                e.resource_id,
                e.patient_id,
                e.status,
                e.provision_type,
                _iso(e.period_start),
                _iso(e.period_end),
                e.recorded_on.isoformat(),
            )
            for version, e in zip(hashes, events, strict=True)
        ),
    )
    inserted = connection.total_changes - before
    # A version already held keeps its purposes; OR IGNORE makes this a no-op for it.
    connection.executemany(
        "INSERT OR IGNORE INTO consent_version_purposes (purpose, seq) "
        "SELECT ?, seq FROM consent_versions WHERE version_sha256 = ?",
        (
            (purpose, version)
            for version, e in zip(hashes, events, strict=True)
            for purpose in e.purposes
        ),
    )
    mapped = [(version, e.mapped) for version, e in zip(hashes, events, strict=True) if e.mapped]
    if mapped:
        _insert_mapped(connection, mapped)
    return inserted


def _insert_mapped(
    connection: sqlite3.Connection, mapped: Sequence[tuple[str, MappedConsent]]
) -> None:
    """Rulings, original codes and source of versions of declared sources (a version
    already held keeps its own: OR IGNORE on the same keys)."""
    seq_of = "(SELECT seq FROM consent_versions WHERE version_sha256 = ?)"
    connection.executemany(
        "INSERT OR IGNORE INTO consent_version_rulings (purpose, seq, ordinal, provision_type, "
        f"period_start, period_end) VALUES (?, {seq_of}, ?, ?, ?, ?)",
        (
            (r.purpose, version, ordinal, r.provision_type, _iso(r.start), _iso(r.end))
            for version, m in mapped
            for ordinal, r in enumerate(m.rulings)
        ),
    )
    connection.executemany(
        "INSERT OR IGNORE INTO consent_version_codes (seq, ordinal, provision, provision_type, "
        f"system, code, period_start, period_end, mapped) VALUES ({seq_of}, ?, ?, ?, ?, ?, ?, "
        "?, ?)",
        (
            (
                version,
                ordinal,
                c.provision,
                c.provision_type,
                c.system,
                c.code,
                _iso(c.start),
                _iso(c.end),
                int(c.mapped),
            )
            for version, m in mapped
            for ordinal, c in enumerate(m.codes)
        ),
    )
    connection.executemany(
        "INSERT OR IGNORE INTO consent_version_sources (seq, source, mapping_sha256) "
        f"VALUES ({seq_of}, ?, ?)",
        ((version, m.source, m.mapping_sha256) for version, m in mapped),
    )


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# --- Decisions --------------------------------------------------------------------------

VERSION_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("resource_id", pa.string()),
        ("patient_id", pa.string()),
        ("status", pa.string()),
        ("provision_type", pa.string()),
        ("period_start", pa.string()),
        ("period_end", pa.string()),
        ("recorded_on", pa.string()),
    ]
)
# What names the deciding version in the decisions and the snapshot: its content (the
# fields the decision depends on), not its ingest sequence number.
DECIDING_VERSION = (
    "resource_id",
    "status",
    "provision_type",
    "period_start",
    "period_end",
    "recorded_on",
)


def _record_batch(rows: list[tuple[object, ...]]) -> pa.RecordBatch:
    columns = zip(*rows, strict=True)
    return pa.record_batch(
        [
            pa.array(values, type=field.type)
            for values, field in zip(columns, VERSION_SCHEMA, strict=True)
        ],
        schema=VERSION_SCHEMA,
    )


def decisions_as_of(
    db_path: Path, purpose: str, as_of: date, known_by: datetime | None = None
) -> ConsentDecisions:
    """Each patient's decision for `purpose` on `as_of` (rules in the module docstring).

    `as_of` is valid time (what the versions say held on that day); `known_by` is
    transaction time: only files sovex had loaded by then count. A run records the
    moment it read the registry, so replaying it gives the same answer even after a
    backdated export is loaded later (that export changes later runs only)."""
    require_loaded(db_path)
    on = as_of.isoformat()
    known = "" if known_by is None else _utc_text(known_by)
    with closing(_connect(db_path)) as connection:
        # One snapshot for both queries (WAL: a concurrent load does not show half-way).
        connection.execute("BEGIN")
        # Only resources that listed the purpose in some version can decide for it; their
        # latest version is found below (it may have dropped the purpose since).
        cursor = connection.execute(
            f"SELECT {', '.join(VERSION_SCHEMA.names)} FROM consent_versions "
            f"WHERE recorded_on <= ? AND status NOT IN ({', '.join('?' * len(IGNORED_STATUSES))}) "
            "AND resource_id IN (SELECT v.resource_id FROM consent_version_purposes p "
            "JOIN consent_versions v ON v.seq = p.seq WHERE p.purpose = ?) "
            "AND (? = '' OR file_sha256 IN "
            "(SELECT file_sha256 FROM consent_files WHERE ingested_at <= ?))",
            (on, *IGNORED_STATUSES, purpose, known, known),
        )
        # Fetched in batches: a million rows as Python tuples at once would cost ~1 GB.
        batches = [_record_batch(rows) for rows in iter(lambda: cursor.fetchmany(FETCH_BATCH), [])]
        listing = connection.execute(
            "SELECT seq FROM consent_version_purposes WHERE purpose = ?", (purpose,)
        ).fetchall()
        rulings = connection.execute(
            "SELECT seq, provision_type, period_start, period_end FROM consent_version_rulings "
            "WHERE purpose = ?",
            (purpose,),
        ).fetchall()
        connection.execute("COMMIT")
    versions = pa.Table.from_batches(batches, schema=VERSION_SCHEMA)
    if rulings:
        versions = _apply_rulings(versions, rulings, on)
    purpose_seqs = pa.array([seq for (seq,) in listing], type=pa.int64())
    return ConsentDecisions(purpose, as_of, _decide(versions, purpose_seqs, on))


RULING_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("r_type", pa.string()),
        ("r_start", pa.string()),
        ("r_end", pa.string()),
    ]
)


def _apply_rulings(versions: pa.Table, rulings: list[tuple[object, ...]], on: str) -> pa.Table:
    """Versions of declared sources take the provision type and period of their ruling
    for the purpose that covers `on`; with none covering, of another (which misses `on`,
    so the version decides outside_period)."""
    table = pa.Table.from_pylist(
        [dict(zip(RULING_SCHEMA.names, row, strict=True)) for row in rulings],
        schema=RULING_SCHEMA,
    )
    starts = pc.or_kleene(pc.is_null(table["r_start"]), pc.less_equal(table["r_start"], on))
    ends = pc.or_kleene(pc.is_null(table["r_end"]), pc.greater_equal(table["r_end"], on))
    table = table.append_column("covers", pc.and_kleene(starts, ends))
    # Per seq, the covering ruling last (the rulings of a purpose are disjoint: at most one).
    table = table.take(pc.sort_indices(table, [("seq", "ascending"), ("covers", "ascending")]))
    seqs = table["seq"].combine_chunks()
    last = pa.concat_arrays([pc.not_equal(seqs[:-1], seqs[1:]), pa.array([True])])
    chosen = table.filter(last).drop_columns(["covers"])
    chosen = chosen.append_column("ruled", pa.array([True] * chosen.num_rows))
    joined = versions.join(chosen, "seq", join_type="left outer")
    ruled = pc.fill_null(joined["ruled"], False)
    columns = {
        "provision_type": pc.if_else(ruled, joined["r_type"], joined["provision_type"]),
        "period_start": pc.if_else(ruled, joined["r_start"], joined["period_start"]),
        "period_end": pc.if_else(ruled, joined["r_end"], joined["period_end"]),
    }
    return pa.table(
        {name: columns.get(name, joined[name]) for name in VERSION_SCHEMA.names},
        schema=VERSION_SCHEMA,
    )


def _utc_text(moment: datetime) -> str:
    """A time as UTC ISO text, so load times compare in time order as text."""
    if moment.tzinfo is None:
        raise InvalidInput("consent registry: times must carry a time zone")
    return moment.astimezone(UTC).isoformat()


def _latest(table: pa.Table, key: str) -> pa.Table:
    """The last row of each `key` by (recorded_on, seq)."""
    if table.num_rows == 0:
        return table
    order = pc.sort_indices(
        table, [(key, "ascending"), ("recorded_on", "ascending"), ("seq", "ascending")]
    )
    table = table.take(order)
    keys = table[key].combine_chunks()
    last = pc.not_equal(keys[:-1], keys[1:])
    return table.filter(pa.concat_arrays([last, pa.array([True])]))


def _decide(versions: pa.Table, purpose_seqs: pa.Array, on: str) -> pa.Table:
    resources = _latest(versions, "resource_id")
    resources = resources.filter(
        pc.and_(
            pc.not_equal(resources["status"], ENTERED_IN_ERROR),
            pc.is_in(resources["seq"], value_set=purpose_seqs),
        )
    )
    deciding = _latest(resources, "patient_id")

    def flag(expression: pa.ChunkedArray | pa.Array) -> np.ndarray:
        return np.asarray(expression.to_numpy(zero_copy_only=False), dtype=bool)

    status, kind = deciding["status"], deciding["provision_type"]
    active = flag(pc.equal(status, "active"))
    inactive = flag(pc.equal(status, "inactive"))
    permit = flag(pc.equal(kind, "permit"))
    starts = pc.or_kleene(
        pc.is_null(deciding["period_start"]), pc.less_equal(deciding["period_start"], on)
    )
    ends = pc.or_kleene(
        pc.is_null(deciding["period_end"]), pc.greater_equal(deciding["period_end"], on)
    )
    covers = flag(pc.and_kleene(starts, ends))
    bases = list(Basis)
    # Statuses left here are active, inactive and rejected. The first matching condition
    # wins; what is left is an active deny covering the date.
    basis_index = np.select(
        [
            ~active & ~inactive,  # rejected
            inactive & permit,
            inactive,
            active & ~covers,
            permit,
        ],
        [
            bases.index(Basis.REFUSED),
            bases.index(Basis.WITHDRAWN),
            bases.index(Basis.LIFTED),
            bases.index(Basis.OUTSIDE_PERIOD),
            bases.index(Basis.PERMIT),
        ],
        default=bases.index(Basis.OPPOSED),
    )
    basis = pc.take(pa.array([b.value for b in bases]), pa.array(basis_index, type=pa.int8()))
    decision = pc.take(
        pa.array([DECISION_OF_BASIS[b].value for b in bases]),
        pa.array(basis_index, type=pa.int8()),
    )
    return pa.table(
        {
            "patient_id": deciding["patient_id"],
            "decision": decision,
            "basis": basis,
            **{name: deciding[name] for name in DECIDING_VERSION},
        }
    )


# --- Regimes ----------------------------------------------------------------------------


def apply_regime(
    decisions: ConsentDecisions, cohort: pa.Array | pa.ChunkedArray, regime: Regime
) -> RegimeOutcome:
    """Who of `cohort` (distinct patient ids; duplicates and nulls are dropped) is included."""
    ids = pc.unique(pc.drop_null(cohort).cast(pa.string()))
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    ids = ids.take(pc.array_sort_indices(ids))
    table = decisions.table
    index = pc.index_in(ids, value_set=table["patient_id"])
    decision = pc.fill_null(pc.take(table["decision"], index), Decision.NONE.value)
    denied = pc.equal(decision, Decision.DENY.value)
    if regime is Regime.OPT_IN:
        included = pc.equal(decision, Decision.PERMIT.value)
    else:
        included = pc.invert(denied)
    outcome = pc.if_else(
        included, "included", pc.if_else(denied, "excluded_denied", "excluded_no_consent")
    )
    included_ids = ids.filter(included)
    excluded_denied = pc.sum(denied).as_py() or 0
    return RegimeOutcome(
        regime=regime,
        purpose=decisions.purpose,
        as_of=decisions.as_of,
        included=included_ids,
        cohort=len(ids),
        excluded_denied=excluded_denied,
        excluded_no_consent=len(ids) - len(included_ids) - excluded_denied,
        snapshot_sha256=_snapshot_sha256(
            regime,
            decisions,
            [
                ids,
                outcome,
                *(pc.fill_null(pc.take(table[name], index), "") for name in DECIDING_VERSION),
            ],
        ),
    )


def _snapshot_sha256(
    regime: Regime, decisions: ConsentDecisions, columns: Sequence[pa.Array]
) -> str:
    """What was applied: one line per cohort patient in id order: patient, outcome, then
    the deciding version (DECIDING_VERSION; empty fields without one), after a header
    naming the format, regime, purpose and date. Versions are named by content, not
    ingest order, so loading unrelated files in another order gives the same hash."""
    digest = hashlib.sha256(
        f"{SNAPSHOT_FORMAT}\t{regime.value}\t{decisions.purpose}\t{decisions.as_of}\n".encode()
    )
    lines = pc.binary_join_element_wise(*columns, "\t")
    for text in _batches(lines):
        digest.update(("\n".join(text) + "\n").encode())
    return digest.hexdigest()


def _batches(array: pa.Array) -> Iterator[list[str]]:
    for start in range(0, len(array), SNAPSHOT_BATCH):
        yield array.slice(start, SNAPSHOT_BATCH).to_pylist()


def apply_registry_consent(
    db_path: Path,
    regimes: ConsentRegimes,
    cohort: pa.Array | pa.ChunkedArray,
    purpose: str,
    as_of: date,
    known_by: datetime | None = None,
) -> RegimeOutcome:
    """The consent gate on the registry: the purpose's regime (UnknownPurpose when the
    steward declared none), then the decisions as of the date with what was loaded by
    `known_by` (ConsentRegistryEmpty when nothing was ever loaded)."""
    regime = regimes.regime_for(purpose)
    return apply_regime(decisions_as_of(db_path, purpose, as_of, known_by), cohort, regime)
