"""Helpers shared by test modules (import as `tests.helpers`; no side effects)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sovex.manifest import (
    ConsentRecord,
    GateRecord,
    Manifest,
    ManifestFile,
    PolicyRecord,
    RetentionRecord,
)
from sovex.settings import PROJECT_ROOT, Settings
from transforms.publish import LOCK_MODE, extract_prefix

EXAMPLE_REQUEST = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"


def write_one_off_variant(directory: Path, **changes: object) -> Path:
    """The example request with changes and without its schedule, as `<id>.yaml`."""
    import yaml

    raw = yaml.safe_load(EXAMPLE_REQUEST.read_text())
    raw.pop("schedule", None)
    raw.update(changes)
    path = directory / f"{raw['id']}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


# Two people of infra/roles.yaml: the four-eyes rule needs a steward other than the author.
STEWARD = "paul.bernard@chu-exemple.fr"


def approve_request(settings: Settings, request_file: Path) -> None:
    """Submit a request as its own requester and approve it as a steward (unless the same
    content is already approved)."""
    from datetime import UTC, datetime

    from sovex.request import load_request
    from sovex.request_lifecycle import RequestStore

    store = RequestStore.for_settings(settings)
    request = load_request(request_file, settings.catalogs_dir, settings.targets_dir)
    store.submit(request_file, request.requester, datetime.now(UTC))
    approval = store.get(request.id).approval
    if approval is None or approval.request_sha256 != request.sha256():
        store.approve(request.id, STEWARD, datetime.now(UTC))


def stand_in_manifest(
    *,
    project: str,
    extract_id: str,
    request_id: str,
    request_sha256: str,
    bucket: str,
    retention_until: date,
    locked_until: datetime,
    tables: dict[str, int],
    files: list[ManifestFile],
) -> Manifest:
    """A valid manifest for publishing test parts directly (no run behind it): only
    what the publish and retention code read is meaningful."""
    return Manifest(
        extract_id=extract_id,
        project=project,
        request_id=request_id,
        request_sha256=request_sha256,
        code_version="test",
        logical_date="2026-11-01T00:00:00+00:00",
        published_at="2026-11-01T00:00:00+00:00",
        bucket=bucket,
        prefix=extract_prefix(project, extract_id),
        key_fingerprint="0" * 16,
        policy=PolicyRecord(
            target="local-seaweedfs",
            provider="self-hosted",
            country="FR",
            allowed=True,
            reasons=[],
            policy_bundle_sha256="0" * 64,
            params={},
        ),
        consent=ConsentRecord(
            regime="opt_in",
            purpose="p",
            as_of="2026-11-01",
            snapshot_sha256="0" * 64,
            cohort=1,
            included=1,
            excluded_denied=0,
            excluded_no_consent=0,
        ),
        release_gate=GateRecord(
            success=True,
            quasi_identifiers=[],
            generalisation={},
            k_threshold=5,
            k_achieved=5,
            suppressed_records=0,
            suppression_rate=0.0,
            max_prosecutor_risk=0.2,
            avg_prosecutor_risk=0.2,
            l_diversity={},
            expectations=[],
        ),
        retention=RetentionRecord(
            until=retention_until.isoformat(),
            locked_until=locked_until.isoformat(),
            mode=LOCK_MODE,
        ),
        tables=tables,
        files=files,
    )
