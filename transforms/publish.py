"""Publishing an extract to S3: parts first (each verified), the manifest last.

The manifest is written with `If-None-Match: *`, so two runs can never both publish the
same extract id; a reader trusts only what the manifest lists.

Retention: the bucket must have object lock enabled. The manifest is written in
COMPLIANCE mode until the retention deadline and every part is locked right after it, so
nobody (not even the store's admin) can delete or overwrite a published file before
then. Parts are locked only once the manifest exists: an interrupted attempt leaves
unlocked leftovers the next attempt can delete, never locked orphans. A rerun after a
crash between the manifest and the last lock finishes the locking. Only a target whose
steward declared the `object_lock` downgrade publishes to a bucket without object lock
(`lock=False`): nothing is locked and the manifest's retention mode says "none".
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

from botocore.exceptions import ClientError
from pydantic import ValidationError

from sovex.model.errors import EXIT_INVALID_INPUT, ConfigurationError, IntegrityError, UserError
from sovex.model.manifest import MANIFEST_NAME, Manifest, ManifestFile

T = TypeVar("T")

EXTRACTS_ROOT = "extracts"
# Where earlier versions of sovex staged parts before promoting them; still cleaned up
# after an interrupted publish. Nothing under it is ever an extract.
STAGING_ROOT = "_staging"
# Server-side encryption with keys managed by the store (SSE-S3): required for every object.
SERVER_SIDE_ENCRYPTION = "AES256"
# Nobody, the bucket owner included, may shorten or remove the retention.
LOCK_MODE = "COMPLIANCE"
# The manifest's retention mode when the target downgraded object lock: nothing is locked.
NO_LOCK_MODE = "none"


def retention_deadline(retention_until: date) -> datetime:
    """Objects stay locked through the request's retention date: until the next midnight UTC."""
    return datetime.combine(retention_until + timedelta(days=1), time(0), tzinfo=UTC)


def object_lock_enabled(s3: Any, bucket: str) -> bool:
    """Whether the bucket accepts object-lock retention (S3 GetObjectLockConfiguration)."""
    try:
        configuration = s3.get_object_lock_configuration(Bucket=bucket)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ObjectLockConfigurationNotFoundError":
            return False
        raise
    return configuration.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"


def require_object_lock(s3: Any, bucket: str) -> None:
    if not object_lock_enabled(s3, bucket):
        raise ConfigurationError(
            f"bucket {bucket!r}: object lock is not enabled, so the retention date cannot be "
            "enforced; create the bucket with object lock (`sovex storage up` does)"
        )


class AlreadyPublished(UserError):
    """An extract with this id already has a manifest: it is never overwritten."""

    exit_code = EXIT_INVALID_INPUT


def extract_prefix(project: str, extract_id: str) -> str:
    return f"{EXTRACTS_ROOT}/{project}/{extract_id}"


@dataclass(frozen=True)
class LocalPart:
    table: str
    path: Path
    rows: int
    bytes: int
    sha256: str
    # Object key relative to the extract prefix; default "<table>/<file name>".
    key: str | None = None

    @property
    def relative_key(self) -> str:
        return self.key or f"{self.table}/{self.path.name}"


CONTENT_TYPES = {
    ".parquet": "application/vnd.apache.parquet",
    ".html": "text/html",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def _b64_sha256(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def upload_part(s3: Any, bucket: str, key: str, part: LocalPart) -> str | None:
    """Upload one part; the store checks the SHA-256 we send, then we check its size.
    Returns the stored version's id (None on a store without versioning)."""
    with part.path.open("rb") as body:
        stored = s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ChecksumSHA256=_b64_sha256(part.sha256),
            ServerSideEncryption=SERVER_SIDE_ENCRYPTION,
            ContentType=CONTENT_TYPES.get(part.path.suffix, DEFAULT_CONTENT_TYPE),
        )
    head = s3.head_object(Bucket=bucket, Key=key)
    if head["ContentLength"] != part.bytes:
        raise IntegrityError(
            f"s3://{bucket}/{key}: stored size {head['ContentLength']} differs from "
            f"the {part.bytes} bytes written"
        )
    if head.get("ServerSideEncryption") != SERVER_SIDE_ENCRYPTION:
        raise IntegrityError(f"s3://{bucket}/{key}: the store did not encrypt it (SSE-S3)")
    version_id: str | None = stored.get("VersionId")
    return version_id


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def read_manifest_at(s3: Any, bucket: str, key: str) -> Manifest | None:
    """The manifest stored at `key`, None if there is none; an invalid one is an
    integrity failure."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if _missing(error):
            return None
        raise
    try:
        return Manifest.model_validate(json.loads(body))
    except (ValueError, ValidationError) as error:
        raise IntegrityError(f"s3://{bucket}/{key}: manifest is not valid: {error}") from None


def read_published_manifest(s3: Any, bucket: str, prefix: str) -> Manifest | None:
    """The extract's manifest if it is published, else None."""
    return read_manifest_at(s3, bucket, f"{prefix}/{MANIFEST_NAME}")


def staging_prefix(prefix: str) -> str:
    """Where earlier versions staged an extract's parts: `_staging/<extract prefix>`."""
    return f"{STAGING_ROOT}/{prefix}"


def manifest_keys(s3: Any, bucket: str, project: str | None = None) -> list[str]:
    """Keys of every published manifest (every extract), or of one project's, sorted."""
    root = f"{EXTRACTS_ROOT}/{project}/" if project else f"{EXTRACTS_ROOT}/"
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=root):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return sorted(key for key in keys if key.endswith(f"/{MANIFEST_NAME}"))


def object_versions(s3: Any, bucket: str, prefix: str) -> list[tuple[str, str | None]]:
    """Every (key, version id) under the prefix, delete markers included: in a versioned
    bucket a plain delete only hides an object, its bytes stay as an older version."""
    versions: list[tuple[str, str | None]] = []
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/"):
        for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            versions.append((item["Key"], item.get("VersionId")))
    return versions


def delete_versions(s3: Any, bucket: str, versions: list[tuple[str, str | None]]) -> None:
    """Delete these object versions for good; a refusal (e.g. still locked) is raised."""
    for key, version_id in versions:
        if version_id in (None, "null"):
            s3.delete_object(Bucket=bucket, Key=key)
        else:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=version_id)


def remove_other_versions(s3: Any, bucket: str, prefix: str, keep: dict[str, str | None]) -> int:
    """Delete every unlocked version under the prefix except the one `keep` names for its
    key (the version this publish wrote or locked). An upload cut short by a crash can
    leave a version the store lists only after its restart: it would otherwise stay
    beside the published file as an unlocked copy. A locked version is left alone: no
    one can delete it before its date. Returns the count deleted."""
    wanted = {key: _version_or_null(version) for key, version in keep.items()}
    removed = 0
    for key, version_id in object_versions(s3, bucket, prefix):
        if wanted.get(key, "") == _version_or_null(version_id):
            continue
        if _locked(s3, bucket, key, version_id):
            continue
        delete_versions(s3, bucket, [(key, version_id)])
        removed += 1
    return removed


def _locked(s3: Any, bucket: str, key: str, version_id: str | None) -> bool:
    """Whether this version is under a retention lock now (a delete marker never is)."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key, **version_argument(version_id))
    except ClientError:
        return False  # a delete marker has no head: it is never locked
    until = head.get("ObjectLockRetainUntilDate")
    return bool(head.get("ObjectLockMode")) and until is not None and until > datetime.now(UTC)


def version_argument(version_id: str | None) -> dict[str, str]:
    """The S3 `VersionId` argument naming this version; none names the current one."""
    return {"VersionId": version_id} if version_id else {}


def _version_or_null(version_id: str | None) -> str:
    # An unversioned object is listed with the version id "null".
    return version_id or "null"


def remove_leftovers(s3: Any, bucket: str, prefix: str) -> int:
    """Delete what an interrupted attempt left: staged parts, parts promoted without a
    manifest (never visible to readers, never locked), unfinished multipart uploads.
    Returns the count."""
    removed = 0
    for area in (staging_prefix(prefix), prefix):
        versions = object_versions(s3, bucket, area)
        delete_versions(s3, bucket, versions)
        removed += len(versions)
        try:
            uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix=f"{area}/").get("Uploads", [])
        except ClientError:
            uploads = []  # a store without the listing has nothing we started to abort
        for upload in uploads:
            s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            removed += 1
    return removed


def lock_until(
    s3: Any, bucket: str, key: str, retain_until: datetime, version_id: str | None = None
) -> str | None:
    """COMPLIANCE retention on this version (default: the current one), unless it is
    already locked as long. Returns the id of the version locked."""
    head = s3.head_object(Bucket=bucket, Key=key, **version_argument(version_id))
    version_id = head.get("VersionId", version_id)
    current = head.get("ObjectLockRetainUntilDate")
    if head.get("ObjectLockMode") == LOCK_MODE and current is not None and current >= retain_until:
        return version_id
    s3.put_object_retention(
        Bucket=bucket,
        Key=key,
        Retention={"Mode": LOCK_MODE, "RetainUntilDate": retain_until},
        **version_argument(version_id),
    )
    return version_id


def publish_extract(
    s3: Any,
    bucket: str,
    prefix: str,
    parts: list[LocalPart],
    build_manifest: Callable[[list[ManifestFile]], Manifest],
    request_sha256: str,
    retain_until: datetime,
    progress: Callable[[str], None] | None = None,
    *,
    lock: bool = True,
) -> Manifest:
    """Publish atomically: every part uploaded (each checked by the store's SHA-256 and by
    size), then the manifest written last with If-None-Match, then every part locked
    until `retain_until`. A reader trusts only what a manifest lists, so it sees the
    whole extract or nothing; a rerun of the same run after a crash deletes what the
    failed attempt left and completes, and a rerun after success only finishes what a
    crash may have left (missing locks, an older version's staged copies). `lock=False`
    (a declared downgrade only) publishes the same way without any lock."""
    if lock:
        require_object_lock(s3, bucket)
    published = read_published_manifest(s3, bucket, prefix)
    if published is not None:
        if published.request_sha256 != request_sha256:
            raise AlreadyPublished(f"s3://{bucket}/{prefix}: already published (manifest exists)")
        locked = (
            _lock_files(s3, bucket, prefix, published)
            if lock
            else {f"{prefix}/{file.key}": file.version_id for file in published.files}
        )
        manifest_version = s3.head_object(Bucket=bucket, Key=f"{prefix}/{MANIFEST_NAME}")
        locked[f"{prefix}/{MANIFEST_NAME}"] = manifest_version.get("VersionId")
        remove_other_versions(s3, bucket, prefix, keep=locked)
        _delete_staging(s3, bucket, prefix)
        return published
    remove_leftovers(s3, bucket, prefix)

    uploaded: dict[str, str | None] = {}

    def upload(part: LocalPart) -> None:
        # Straight to the final key: until the manifest exists no reader trusts it, and a
        # failed attempt's parts are deleted by the next one (remove_leftovers). A staging
        # copy would only double the bytes the store writes (measured in benchmarks/).
        key = f"{prefix}/{part.relative_key}"
        uploaded[key] = upload_part(s3, bucket, key, part)
        if progress:
            progress(part.relative_key)

    _in_parallel(upload, parts)
    remove_other_versions(s3, bucket, prefix, keep=uploaded)
    files = [
        ManifestFile(
            key=part.relative_key,
            table=part.table,
            rows=part.rows,
            bytes=part.bytes,
            sha256=part.sha256,
            version_id=uploaded[f"{prefix}/{part.relative_key}"],
        )
        for part in parts
    ]
    manifest = build_manifest(files)
    body = json.dumps(manifest.model_dump(mode="json"), indent=2, sort_keys=True).encode()
    retention = {"ObjectLockMode": LOCK_MODE, "ObjectLockRetainUntilDate": retain_until}
    try:
        s3.put_object(
            Bucket=bucket,
            Key=f"{prefix}/{MANIFEST_NAME}",
            Body=body,
            IfNoneMatch="*",
            ChecksumSHA256=base64.b64encode(hashlib.sha256(body).digest()).decode(),
            ServerSideEncryption=SERVER_SIDE_ENCRYPTION,
            ContentType="application/json",
            **(retention if lock else {}),
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412"):
            raise AlreadyPublished(
                f"s3://{bucket}/{prefix}: another run published this extract first"
            ) from None
        raise
    if lock:
        _lock_files(s3, bucket, prefix, manifest, versions=uploaded)
    return manifest


def _lock_files(
    s3: Any,
    bucket: str,
    prefix: str,
    manifest: Manifest,
    versions: dict[str, str | None] | None = None,
) -> dict[str, str | None]:
    """Lock every listed file (the version `versions` names for it, else the current
    one); returns each key's locked version id."""
    retain_until = datetime.fromisoformat(manifest.retention.locked_until)
    locked: dict[str, str | None] = {}

    def lock(file: ManifestFile) -> None:
        key = f"{prefix}/{file.key}"
        locked[key] = lock_until(s3, bucket, key, retain_until, (versions or {}).get(key))

    _in_parallel(lock, manifest.files)
    return locked


# Requests in flight at once: one upload leaves the store's disk and the network idle
# between requests (benchmarks/ measured 4 against 1, 2 and 8).
PUBLISH_CONCURRENCY = 4


def _in_parallel(action: Callable[[T], None], items: Sequence[T]) -> None:
    """`action` on every item, PUBLISH_CONCURRENCY at a time; the first error is raised
    once all started actions ended (none is left running behind the caller's back)."""
    if len(items) <= 1:
        for item in items:
            action(item)
        return
    with ThreadPoolExecutor(PUBLISH_CONCURRENCY, thread_name_prefix="publish") as pool:
        futures = [pool.submit(action, item) for item in items]
    for future in futures:
        future.result()


def _delete_staging(s3: Any, bucket: str, prefix: str) -> None:
    _in_parallel(
        lambda version: delete_versions(s3, bucket, [version]),
        object_versions(s3, bucket, staging_prefix(prefix)),
    )
