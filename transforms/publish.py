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

from sovex.errors import EXIT_INVALID_INPUT, IntegrityError, UserError
from sovex.manifest import MANIFEST_NAME, Manifest, ManifestFile

EXTRACTS_ROOT = "extracts"
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


def manifest_exists(s3: Any, bucket: str, prefix: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=f"{prefix}/{MANIFEST_NAME}")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def publish_extract(
    s3: Any,
    bucket: str,
    prefix: str,
    parts: list[LocalPart],
    build_manifest: Callable[[list[ManifestFile]], Manifest],
    progress: Callable[[str], None] | None = None,
) -> Manifest:
    """Upload every part, then the manifest built from what was uploaded."""
    if manifest_exists(s3, bucket, prefix):
        raise AlreadyPublished(f"s3://{bucket}/{prefix}: already published (manifest exists)")
    files: list[ManifestFile] = []
    for part in parts:
        relative_key = part.relative_key
        upload_part(s3, bucket, f"{prefix}/{relative_key}", part)
        files.append(
            ManifestFile(
                key=relative_key,
                table=part.table,
                rows=part.rows,
                bytes=part.bytes,
                sha256=part.sha256,
            )
        )
        if progress:
            progress(relative_key)
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
    return manifest
