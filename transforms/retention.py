"""Deleting extracts whose retention date has passed (the `retention_sweep` DAG and
`sovex retention sweep`).

An extract is expired when its manifest's object-lock deadline is at or before `now`.
Its files go first and the manifest last, so an interrupted sweep leaves the manifest as
the marker of unfinished work and the next sweep completes it. Every version of every
object is deleted (in a versioned bucket a plain delete only hides bytes). The store
itself refuses to delete a version still under lock, whatever this code decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from sovex.model.errors import IntegrityError
from sovex.model.manifest import MANIFEST_NAME, Manifest
from transforms.publish import (
    delete_versions,
    manifest_keys,
    object_versions,
    read_manifest_at,
)


@dataclass(frozen=True)
class DeletedExtract:
    project: str
    request_id: str
    extract_id: str
    prefix: str
    retention_until: str
    locked_until: str
    objects: int  # object versions deleted, the manifest included


@dataclass(frozen=True)
class SweepFailure:
    prefix: str
    reason: str  # names the rule or the store's error code, never data


@dataclass
class SweepReport:
    examined: int = 0
    kept: int = 0  # not yet expired
    deleted: list[DeletedExtract] = field(default_factory=list)
    failures: list[SweepFailure] = field(default_factory=list)
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "examined": self.examined,
            "kept": self.kept,
            "deleted": [vars(d) for d in self.deleted],
            "failures": [vars(f) for f in self.failures],
            "dry_run": self.dry_run,
        }


def is_expired(manifest: Manifest, now: datetime) -> bool:
    return datetime.fromisoformat(manifest.retention.locked_until) <= now


def _delete_extract(s3: Any, bucket: str, prefix: str, manifest: Manifest) -> DeletedExtract:
    manifest_key = f"{prefix}/{MANIFEST_NAME}"
    versions = object_versions(s3, bucket, prefix)
    delete_versions(s3, bucket, [v for v in versions if v[0] != manifest_key])
    delete_versions(s3, bucket, [v for v in versions if v[0] == manifest_key])
    return DeletedExtract(
        project=manifest.project,
        request_id=manifest.request_id,
        extract_id=manifest.extract_id,
        prefix=prefix,
        retention_until=manifest.retention.until,
        locked_until=manifest.retention.locked_until,
        objects=len(versions),
    )


def sweep_expired(
    s3: Any,
    bucket: str,
    now: datetime,
    *,
    dry_run: bool = False,
    on_deleted: Callable[[DeletedExtract], None] | None = None,
) -> SweepReport:
    """Delete every expired extract of the bucket. One extract's failure (a manifest that
    cannot be read, a version the store still protects) is reported and the sweep goes on;
    `on_deleted` is called after each extract is gone (the caller records it)."""
    report = SweepReport(dry_run=dry_run)
    for key in manifest_keys(s3, bucket):
        prefix = key.removesuffix(f"/{MANIFEST_NAME}")
        report.examined += 1
        try:
            manifest = read_manifest_at(s3, bucket, key)
        except IntegrityError:
            report.failures.append(SweepFailure(prefix, "manifest is not a valid manifest"))
            continue
        if manifest is None:  # deleted meanwhile
            continue
        if not is_expired(manifest, now):
            report.kept += 1
            continue
        if dry_run:
            report.deleted.append(
                DeletedExtract(
                    manifest.project,
                    manifest.request_id,
                    manifest.extract_id,
                    prefix,
                    manifest.retention.until,
                    manifest.retention.locked_until,
                    objects=len(object_versions(s3, bucket, prefix)),
                )
            )
            continue
        try:
            deleted = _delete_extract(s3, bucket, prefix, manifest)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            report.failures.append(SweepFailure(prefix, f"the store refused a deletion ({code})"))
            continue
        report.deleted.append(deleted)
        if on_deleted is not None:
            on_deleted(deleted)
    return report
