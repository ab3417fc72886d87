"""The retention sweep: expired extracts deleted, each deletion recorded, and a project
left with no extract loses its read access, its members' credentials included (the
`retention_sweep` DAG and `sovex retention sweep`)."""

from __future__ import annotations

import contextlib
from datetime import datetime

from sovex.audit import AuditAction, AuditLog, default_log_path
from sovex.governance.errors import TransitionRefused, UnknownRequest
from sovex.governance.store import RequestStore
from sovex.member_access import reapply_member_grants, revoke_project_credentials
from sovex.model.settings import Settings
from sovex.project_access import credentials_path, grant_access, identity_name, revoke_access
from sovex.roles import SYSTEM_ACTOR
from transforms.publish import manifest_keys
from transforms.retention import DeletedExtract, SweepReport, sweep_expired

SWEEP_ACTOR = "sovex-retention"


def _expire_request(requests: RequestStore, deleted: DeletedExtract, now: datetime) -> None:
    """The request whose published extract this was reaches `expired`. Not when a later
    run of it is what stands now, nor for an extract published outside the life cycle."""
    try:
        status = requests.get(deleted.request_id)
    except UnknownRequest:
        return
    published = status.published
    if published is None or published.extract_id != deleted.extract_id:
        return
    with contextlib.suppress(TransitionRefused):  # already expired, or running again
        requests.expire(deleted.request_id, SYSTEM_ACTOR, now, "retention date passed")


def sweep_retention(
    settings: Settings, target_name: str, now: datetime, *, dry_run: bool = False
) -> SweepReport:
    """Sweep the target's bucket (the hosting policy is decided first, as for a publish)."""
    from sovex.storage_access import publishing_client

    s3, target, _ = publishing_client(settings, target_name)
    log = AuditLog(default_log_path(settings.state_dir))
    requests = RequestStore.for_settings(settings)

    def record(deleted: DeletedExtract) -> None:
        log.append(
            SWEEP_ACTOR,
            AuditAction.EXTRACT_DELETED,
            deleted.extract_id,
            {
                "project": deleted.project,
                "location": f"s3://{target.bucket}/{deleted.prefix}/",
                "objects": deleted.objects,
                "retention_until": deleted.retention_until,
                "locked_until": deleted.locked_until,
            },
        )
        _expire_request(requests, deleted, now)

    report = sweep_expired(s3, target.bucket, now, dry_run=dry_run, on_deleted=record)
    if dry_run:
        return report
    still_published = {key.split("/")[1] for key in manifest_keys(s3, target.bucket)}
    emptied = {d.project for d in report.deleted} - still_published
    for project in sorted({d.project for d in report.deleted} & still_published):
        # The project keeps reading its other extracts, not the deleted ones.
        if (
            target.credentials.source == "local-storage"
            and credentials_path(settings, project).exists()
        ):
            grant_access(settings, project, target.bucket)
    if target.credentials.source == "local-storage":
        for project in sorted({d.project for d in report.deleted} & still_published):
            reapply_member_grants(settings, project, target.bucket)
        for project in sorted(emptied):
            revoke_project_credentials(
                settings, project, SWEEP_ACTOR, "no extract left after retention"
            )
    for project in sorted(emptied):
        if (
            target.credentials.source == "local-storage"
            and credentials_path(settings, project).exists()
        ):
            revoke_access(settings, project)
            log.append(
                SWEEP_ACTOR,
                AuditAction.ACCESS_REVOKED,
                project,
                {"identity": identity_name(project), "reason": "no extract left after retention"},
            )
    log.append(
        SWEEP_ACTOR,
        AuditAction.RETENTION_SWEEP,
        target.name,
        {
            "swept_at": now.isoformat(),
            "examined": report.examined,
            "kept": report.kept,
            "deleted": len(report.deleted),
            "failed": len(report.failures),
        },
    )
    return report
