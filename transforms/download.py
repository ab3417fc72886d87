"""Reading published extracts: a reader trusts only what the manifest lists, and checks it."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sovex.model.errors import IntegrityError, InvalidInput
from sovex.model.manifest import MANIFEST_NAME, Manifest
from transforms.publish import extract_prefix, manifest_keys, read_manifest_at

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


def _download_verified(s3: Any, bucket: str, key: str, path: Path, size: int, sha256: str) -> None:
    digest = hashlib.sha256()
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
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
    s3: Any, bucket: str, project: str, extract_id: str, destination: Path
) -> DownloadedExtract:
    """Download every file the manifest lists into destination/<extract_id>, verified.

    Files land in a temporary folder renamed into place only when all checks pass, so a
    failed download leaves nothing that looks like an extract.
    """
    prefix = extract_prefix(project, extract_id)
    manifest = read_manifest(s3, bucket, f"{prefix}/{MANIFEST_NAME}")
    final = destination / extract_id
    partial = destination / f".partial-{extract_id}"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        for file in manifest.files:
            if ".." in Path(file.key).parts or Path(file.key).is_absolute():
                raise IntegrityError(f"{prefix}/{MANIFEST_NAME}: unsafe file key {file.key!r}")
            _download_verified(
                s3, bucket, f"{prefix}/{file.key}", partial / file.key, file.bytes, file.sha256
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
        _download_verified(s3, bucket, f"{prefix}/{file.key}", path, file.bytes, file.sha256)
        paths.setdefault(file.table, []).append(path)
    return paths
