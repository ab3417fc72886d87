"""Anchoring the audit log: its head hash copied to the audit bucket under object lock
(the `retention_sweep` DAG after each sweep, and `sovex audit anchor`), and the log
checked against every anchor (`sovex audit verify --anchored-on`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sovex.audit import (
    ANCHOR_KEY_PREFIX,
    ANCHOR_LOCK_MODE,
    AUDIT_BUCKET,
    AuditAction,
    AuditLog,
    VerifyResult,
    anchor,
    check_against_anchor,
    default_log_path,
    read_anchor,
)
from sovex.model.errors import IntegrityError
from sovex.model.settings import Settings

# Audit evidence outlives the extracts it describes (CNIL: keep the trail of access and
# deletion for the time a dispute may arise); 10 years, after which the store may drop it.
ANCHOR_RETENTION = timedelta(days=3653)


def anchor_audit_log(settings: Settings, target_name: str, now: datetime) -> str:
    """Write the verified head of the deployment's audit log to `s3://sovex-audit/...`,
    locked in COMPLIANCE mode; returns the object's key."""
    from sovex.storage_access import publishing_client
    from transforms.publish import require_object_lock

    s3, _, _ = publishing_client(settings, target_name)
    require_object_lock(s3, AUDIT_BUCKET)
    log = AuditLog(default_log_path(settings.state_dir))
    return anchor(log, s3, AUDIT_BUCKET, retain_until=now + ANCHOR_RETENTION, at=now)


def verify_anchors(
    result: VerifyResult, path: Path, s3: Any, bucket: str = AUDIT_BUCKET
) -> dict[str, Any]:
    """Check the log against every anchor in the bucket, not only the newest (a planted
    newer one proves nothing: the older, locked ones still must match): each must be
    locked in COMPLIANCE mode and attest a record the log holds with that hash; every
    anchor the log says it wrote must exist; no anchor at all is a failure too.
    IntegrityError (exit 5) naming the anchor otherwise; the count and newest if intact."""
    anchors = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"{ANCHOR_KEY_PREFIX}/"
    ):
        anchors += [item["Key"] for item in page.get("Contents", [])]
    if not anchors:
        raise IntegrityError(f"s3://{bucket}/{ANCHOR_KEY_PREFIX}/: no anchor attests the log")
    for key in sorted(anchors):
        head = s3.head_object(Bucket=bucket, Key=key)
        until = head.get("ObjectLockRetainUntilDate")
        if head.get("ObjectLockMode") != ANCHOR_LOCK_MODE or until is None:
            raise IntegrityError(
                f"s3://{bucket}/{key}: not locked in {ANCHOR_LOCK_MODE} mode, so not an "
                "anchor sovex wrote; remove it or find who wrote it"
            )
        check_against_anchor(result, path, read_anchor(s3, bucket, key))
    named = {
        str(record["subject"])
        for record in AuditLog(path).records()
        if record.get("action") == AuditAction.ANCHOR_WRITTEN
    }
    held = {f"s3://{bucket}/{key}" for key in anchors}
    for subject in sorted(named):
        if subject.startswith(f"s3://{bucket}/") and subject not in held:
            raise IntegrityError(f"{subject}: the log records writing this anchor; it is missing")
    return {"anchors": len(anchors), "newest": f"s3://{bucket}/{max(anchors)}"}
