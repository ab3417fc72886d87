"""Publishing an extract to S3: parts first (each verified), the manifest last.

The manifest is written with `If-None-Match: *`, so two runs can never both publish the
same extract id; a reader trusts only what the manifest lists.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from sovex.errors import EXIT_INVALID_INPUT, IntegrityError, UserError
from sovex.manifest import MANIFEST_NAME, Manifest, ManifestFile

EXTRACTS_ROOT = "extracts"
# Parts wait here until all are verified; nothing under it is ever an extract.
STAGING_ROOT = "_staging"
# Server-side encryption with keys managed by the store (SSE-S3): required for every object.
SERVER_SIDE_ENCRYPTION = "AES256"


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


CONTENT_TYPES = {".parquet": "application/vnd.apache.parquet", ".html": "text/html"}
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def _b64_sha256(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def upload_part(s3: Any, bucket: str, key: str, part: LocalPart) -> None:
    """Upload one part; the store checks the SHA-256 we send, then we check its size."""
    with part.path.open("rb") as body:
        s3.put_object(
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
    """Where parts wait until every one is verified: `_staging/<extract prefix>`."""
    return f"{STAGING_ROOT}/{prefix}"


def _keys_under(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/"):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def remove_leftovers(s3: Any, bucket: str, prefix: str) -> int:
    """Delete what an interrupted attempt left: staged parts, parts promoted without a
    manifest (never visible to readers), unfinished multipart uploads. Returns the count."""
    removed = 0
    for area in (staging_prefix(prefix), prefix):
        for key in _keys_under(s3, bucket, area):
            s3.delete_object(Bucket=bucket, Key=key)
            removed += 1
        try:
            uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix=f"{area}/").get("Uploads", [])
        except ClientError:
            uploads = []  # a store without the listing has nothing we started to abort
        for upload in uploads:
            s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            removed += 1
    return removed


def _promote(s3: Any, bucket: str, source_key: str, key: str, part: LocalPart) -> None:
    """Server-side copy from staging to the extract prefix, size checked again."""
    s3.copy_object(
        Bucket=bucket,
        Key=key,
        CopySource={"Bucket": bucket, "Key": source_key},
        ServerSideEncryption=SERVER_SIDE_ENCRYPTION,
        MetadataDirective="COPY",
    )
    head = s3.head_object(Bucket=bucket, Key=key)
    if head["ContentLength"] != part.bytes:
        raise IntegrityError(f"s3://{bucket}/{key}: promoted size differs from the staged part")


def publish_extract(
    s3: Any,
    bucket: str,
    prefix: str,
    parts: list[LocalPart],
    build_manifest: Callable[[list[ManifestFile]], Manifest],
    request_sha256: str,
    progress: Callable[[str], None] | None = None,
) -> Manifest:
    """Publish atomically: parts to staging (each checked by the store's SHA-256 and by
    size), promoted, then the manifest written last with If-None-Match. A reader sees
    the whole extract or nothing; a rerun of the same run after a crash cleans up and
    completes, and a rerun after success changes nothing."""
    published = read_published_manifest(s3, bucket, prefix)
    if published is not None:
        if published.request_sha256 != request_sha256:
            raise AlreadyPublished(f"s3://{bucket}/{prefix}: already published (manifest exists)")
        # The same run again: complete already; a crash may have left staged copies.
        _delete_staging(s3, bucket, prefix)
        return published
    remove_leftovers(s3, bucket, prefix)
    staged = staging_prefix(prefix)
    files: list[ManifestFile] = []
    for part in parts:
        upload_part(s3, bucket, f"{staged}/{part.relative_key}", part)
        if progress:
            progress(part.relative_key)
    for part in parts:
        _promote(s3, bucket, f"{staged}/{part.relative_key}", f"{prefix}/{part.relative_key}", part)
        files.append(
            ManifestFile(
                key=part.relative_key,
                table=part.table,
                rows=part.rows,
                bytes=part.bytes,
                sha256=part.sha256,
            )
        )
    manifest = build_manifest(files)
    body = json.dumps(manifest.model_dump(mode="json"), indent=2, sort_keys=True).encode()
    try:
        s3.put_object(
            Bucket=bucket,
            Key=f"{prefix}/{MANIFEST_NAME}",
            Body=body,
            IfNoneMatch="*",
            ChecksumSHA256=base64.b64encode(hashlib.sha256(body).digest()).decode(),
            ServerSideEncryption=SERVER_SIDE_ENCRYPTION,
            ContentType="application/json",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412"):
            raise AlreadyPublished(
                f"s3://{bucket}/{prefix}: another run published this extract first"
            ) from None
        raise
    _delete_staging(s3, bucket, prefix)
    return manifest


def _delete_staging(s3: Any, bucket: str, prefix: str) -> None:
    for key in _keys_under(s3, bucket, staging_prefix(prefix)):
        s3.delete_object(Bucket=bucket, Key=key)
