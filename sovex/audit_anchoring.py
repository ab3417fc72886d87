"""Anchoring the audit log: its head hash copied to the audit bucket under object lock
(the `retention_sweep` DAG after each sweep, and `sovex audit anchor`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sovex.audit import AUDIT_BUCKET, AuditLog, anchor, default_log_path
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
