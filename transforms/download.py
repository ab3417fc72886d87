"""Reading published extracts: a reader trusts only what the manifest lists, and checks it."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from sovex.model.errors import IntegrityError, InvalidInput
from sovex.model.manifest import MANIFEST_NAME, Manifest
from transforms.publish import (
    LOCK_MODE,
    NO_LOCK_MODE,
    extract_prefix,
    manifest_keys,
    read_manifest_at,
    version_argument,
)

CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class DownloadedExtract:
    extract_id: str
    directory: Path
    files: int
    bytes: int
    manifest: Manifest


def read_manifest(s3: Any, bucket: str, key: str) -> Manifest:
    manifest = read_manifest_at(s3, bucket, key)
    if manifest is None:
        raise InvalidInput(f"s3://{bucket}/{key}: no such extract manifest")
    return manifest


def list_extracts(s3: Any, bucket: str, project: str | None = None) -> list[Manifest]:
    """Every published extract (one with a manifest) in the bucket, optionally one project's."""
    manifests = [read_manifest(s3, bucket, key) for key in manifest_keys(s3, bucket, project)]
    return sorted(manifests, key=lambda m: (m.project, m.extract_id))


def _download_verified(
    s3: Any,
    bucket: str,
    key: str,
    path: Path,
    size: int,
    sha256: str,
    version_id: str | None = None,
) -> None:
    digest = hashlib.sha256()
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        body = s3.get_object(Bucket=bucket, Key=key, **version_argument(version_id))["Body"]
        for chunk in iter(lambda: body.read(CHUNK_BYTES), b""):
            digest.update(chunk)
            handle.write(chunk)
            written += len(chunk)
    if written != size or digest.hexdigest() != sha256:
        raise IntegrityError(
            f"s3://{bucket}/{key}: content does not match the manifest "
            f"({'size' if written != size else 'sha256'} differs)"
        )


def download_extract(
    s3: Any,
    bucket: str,
    project: str,
    extract_id: str,
    destination: Path,
    pin: ManifestPin | None = None,
) -> DownloadedExtract:
    """Download every file the manifest lists into destination/<extract_id>, verified.

    With a `pin` (the publication's audit record), only the pinned manifest version is
    read, its SHA-256 checked, and each file is read at the version the manifest names,
    checked locked in COMPLIANCE mode until the manifest's date and still current: a
    newer version planted over a part or the manifest is an integrity failure naming it.
    Files land in a temporary folder renamed into place only when all checks pass, so a
    failed download leaves nothing that looks like an extract.
    """
    prefix = extract_prefix(project, extract_id)
    if pin is None:
        manifest = read_manifest(s3, bucket, f"{prefix}/{MANIFEST_NAME}")
    else:
        manifest = _pinned_manifest(s3, bucket, f"{prefix}/{MANIFEST_NAME}", pin)
    final = destination / extract_id
    partial = destination / f".partial-{extract_id}"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        for file in manifest.files:
            if ".." in Path(file.key).parts or Path(file.key).is_absolute():
                raise IntegrityError(f"{prefix}/{MANIFEST_NAME}: unsafe file key {file.key!r}")
            key = f"{prefix}/{file.key}"
            if pin is not None:
                if file.version_id is None:
                    raise IntegrityError(f"s3://{bucket}/{key}: the manifest pins no version")
                _require_locked(s3, bucket, key, file.version_id, manifest)
            _download_verified(
                s3, bucket, key, partial / file.key, file.bytes, file.sha256, file.version_id
            )
        (partial / MANIFEST_NAME).write_text(
            json.dumps(manifest.model_dump(mode="json"), indent=2, sort_keys=True)
        )
        shutil.rmtree(final, ignore_errors=True)
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return DownloadedExtract(
        extract_id=extract_id,
        directory=final,
        files=len(manifest.files),
        bytes=sum(f.bytes for f in manifest.files),
        manifest=manifest,
    )


def download_tables(
    s3: Any, bucket: str, manifest: Manifest, tables: set[str], destination: Path
) -> dict[str, list[Path]]:
    """Only the parts of `tables` of one published extract, verified against its manifest,
    into `destination`; their paths by table."""
    prefix = extract_prefix(manifest.project, manifest.extract_id)
    paths: dict[str, list[Path]] = {}
    for file in manifest.files:
        if file.table not in tables:
            continue
        if ".." in Path(file.key).parts or Path(file.key).is_absolute():
            raise IntegrityError(f"{prefix}/{MANIFEST_NAME}: unsafe file key {file.key!r}")
        path = destination / file.key
        _download_verified(
            s3, bucket, f"{prefix}/{file.key}", path, file.bytes, file.sha256, file.version_id
        )
        paths.setdefault(file.table, []).append(path)
    return paths


@dataclass(frozen=True)
class ManifestPin:
    """The manifest version a publication wrote, as its audit record names it: a reader
    trusts that version only, never a newer one."""

    version_id: str
    sha256: str


def manifest_pin(s3: Any, bucket: str, prefix: str) -> ManifestPin:
    """The first version of the extract's manifest (written with If-None-Match, so no
    version can precede it; a later one is not the publication's) and its SHA-256."""
    key = f"{prefix}/{MANIFEST_NAME}"
    first: dict[str, Any] | None = None
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
        for item in page.get("Versions", []):
            if item["Key"] == key and (
                first is None or item["LastModified"] < first["LastModified"]
            ):
                first = item
    if first is None or first.get("VersionId") in (None, "null"):
        raise IntegrityError(f"s3://{bucket}/{key}: no versioned manifest to pin")
    body = s3.get_object(Bucket=bucket, Key=key, VersionId=first["VersionId"])["Body"].read()
    return ManifestPin(first["VersionId"], hashlib.sha256(body).hexdigest())


def _pinned_manifest(s3: Any, bucket: str, key: str, pin: ManifestPin) -> Manifest:
    try:
        body = s3.get_object(Bucket=bucket, Key=key, VersionId=pin.version_id)["Body"].read()
    except ClientError:
        raise IntegrityError(
            f"s3://{bucket}/{key}: the published manifest version is not readable"
        ) from None
    if hashlib.sha256(body).hexdigest() != pin.sha256:
        raise IntegrityError(f"s3://{bucket}/{key}: not the manifest the publication recorded")
    manifest = Manifest.model_validate(json.loads(body))
    _require_locked(s3, bucket, key, pin.version_id, manifest)
    return manifest


def _require_locked(s3: Any, bucket: str, key: str, version_id: str, manifest: Manifest) -> None:
    """This version is the object's current one (nothing was written over it) and is
    locked in COMPLIANCE mode until the manifest's date at least, unless the manifest
    (pinned by the signed audit log) records the target's object-lock downgrade."""
    head = s3.head_object(Bucket=bucket, Key=key)  # the current version: it must be ours
    if head.get("VersionId") != version_id:
        raise IntegrityError(
            f"s3://{bucket}/{key}: a version written after the publication hides the "
            "published one; not trusted (the published version is still locked in the store)"
        )
    if manifest.retention.mode == NO_LOCK_MODE:
        return
    until = head.get("ObjectLockRetainUntilDate")
    wanted = datetime.fromisoformat(manifest.retention.locked_until)
    if head.get("ObjectLockMode") != LOCK_MODE or until is None or until < wanted:
        raise IntegrityError(
            f"s3://{bucket}/{key}: version {version_id} is not locked in {LOCK_MODE} "
            f"mode until {manifest.retention.locked_until}"
        )
