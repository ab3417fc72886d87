"""The extract manifest: the only list of files a reader trusts, written last."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sovex.model.request import ExtractRequest
from sovex.model.run import RunContext

MANIFEST_NAME = "_manifest.json"
# 2: retention (object-lock deadline); 3: consent regimes; 4: free-text mode; 5: the
# bucket's capabilities as checked before the run, and the steward's downgrades
MANIFEST_SCHEMA_VERSION = 5


class ManifestFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str  # object key relative to the extract prefix, e.g. "patients/part-00000.parquet"
    table: str
    rows: int = Field(ge=0)
    bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    # The object version published (and locked); a reader reads this version only. None
    # in manifests written before versions were pinned.
    version_id: str | None = None


class DowngradeRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    capability: str  # what the bucket lacks and the steward accepted: object_lock
    reason: str  # the steward's reason, from the target file


class BucketRecord(BaseModel):
    """What the bucket answered before the run read anything (sovex.bucket_capabilities)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    endpoint: str
    bucket: str
    versioning: bool
    object_lock: bool
    default_encryption: str | None  # the bucket's default SSE algorithm, e.g. AES256
    # What the provider registry records the provider's storage supports (reviewed).
    provider_capabilities: list[str]
    # Declared downgrades this bucket needed: the extract went without these.
    downgrades: list[DowngradeRecord]


class PolicyRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    target: str
    provider: str
    country: str
    allowed: bool
    reasons: list[dict[str, str]]
    policy_bundle_sha256: str
    params: dict[str, bool]  # the policy parameters in force (e.g. require_hds)
    # None in manifests written before the bucket was checked (schema 4 and earlier).
    bucket: BucketRecord | None = None


class ConsentRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    regime: str
    purpose: str
    as_of: str
    # Transaction time: the registry as loaded by then (UTC ISO); replaying the decisions
    # as of `as_of` with it gives `snapshot_sha256` again, whatever was loaded since.
    known_by: str | None = None
    snapshot_sha256: str
    cohort: int
    included: int
    excluded_denied: int  # an opposition, a withdrawal or a refusal covers the purpose
    excluded_no_consent: int  # opt-in only: no permit covering the purpose and date


class RetentionRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    until: str  # the request's retention date (ISO date)
    locked_until: str  # object-lock deadline of every file (ISO datetime, UTC)
    # S3 object-lock mode: COMPLIANCE; "none" when the target downgraded object_lock
    # (the store does not enforce locked_until).
    mode: str


class GateRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    success: bool
    quasi_identifiers: list[str]  # column names as published in the person table
    generalisation: dict[str, str]  # column → level chosen by the gate
    k_threshold: int
    k_achieved: int
    suppressed_records: int
    suppression_rate: float
    max_prosecutor_risk: float
    avg_prosecutor_risk: float
    # Distinct l-diversity per published sensitive column ("table.column").
    l_diversity: dict[str, int]
    expectations: list[dict[str, object]]
    data_docs: str | None = None  # key of the Great Expectations Data Docs index
    # LKC-privacy over the event tables an adversary may know (anonymization.event_risk):
    # levels chosen, events suppressed, risk planned and measured on the published files,
    # and the full-knowledge figure (information, not a guarantee). None: no event table.
    events: dict[str, Any] | None = None


class FreeTextRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # "tags": identifiers replaced by <TYPE>; "surrogates": fake names per patient, dates
    # moved by the patient's shift, ages of 90 and over as "90+", other types as tags.
    mode: str
    columns: list[str]  # published free-text columns ("table.column")
    # Published notes still matching a free-text release rule (always 0 when published).
    residual_rows: int = 0


class ManifestDraft(BaseModel):
    """Everything a manifest says but its files, known before the upload; the files are
    added once they are stored (`with_files`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    extract_id: str
    project: str
    request_id: str
    request_sha256: str
    code_version: str
    logical_date: str
    published_at: str
    bucket: str
    prefix: str
    key_fingerprint: str
    policy: PolicyRecord
    consent: ConsentRecord
    release_gate: GateRecord
    retention: RetentionRecord
    free_text: FreeTextRecord
    tables: dict[str, int]

    def with_files(self, files: list[ManifestFile]) -> Manifest:
        return Manifest(**dict(self), files=files)


class Manifest(ManifestDraft):
    schema_version: int = MANIFEST_SCHEMA_VERSION
    files: list[ManifestFile]


def row_counts(tables: Iterable[str], parts: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Rows per published table (0 for a table with no row), from (table, rows) of each
    part; parts of other tables (the gate's docs) are not counted."""
    counts = dict.fromkeys(tables, 0)
    for table, rows in parts:
        if table in counts:
            counts[table] += rows
    return counts


def draft_manifest(
    run: RunContext,
    request: ExtractRequest,
    *,
    code_version: str,
    bucket: str,
    prefix: str,
    key_fingerprint: str,
    policy: PolicyRecord,
    consent: ConsentRecord,
    gate: GateRecord,
    retention: RetentionRecord,
    free_text_columns: list[str],
    published_tables: Iterable[str],
    parts: Iterable[tuple[str, int]],
) -> ManifestDraft:
    """The manifest of a run's extract, but its files: the request's identity and hash,
    what each gate decided, the retention and the rows of every published table."""
    return ManifestDraft(
        extract_id=run.extract_id,
        project=request.project,
        request_id=request.id,
        request_sha256=run.request_sha256,
        code_version=code_version,
        logical_date=run.logical_date.astimezone(UTC).isoformat(),
        published_at=datetime.now(UTC).isoformat(timespec="seconds"),
        bucket=bucket,
        prefix=prefix,
        key_fingerprint=key_fingerprint,
        policy=policy,
        consent=consent,
        release_gate=gate,
        retention=retention,
        free_text=FreeTextRecord(mode=request.free_text_mode, columns=free_text_columns),
        tables=row_counts(published_tables, parts),
    )
