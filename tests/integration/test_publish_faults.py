"""Fault test on the real SeaweedFS: the server is killed (SIGKILL, by PID) at random
points of a publish, restarted, and the publish rerun. After each round exactly one
complete extract exists, every checksum matches its manifest, and no staging object
is left. Deterministic: the kill points come from a seeded generator."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sovex.model.manifest import (
    Manifest,
    ManifestFile,
)
from sovex.services.storage_server import LocalStorage
from tests.helpers import stand_in_manifest
from transforms.download import download_extract
from transforms.extract import sha256_of
from transforms.publish import (
    LOCK_MODE,
    STAGING_ROOT,
    LocalPart,
    extract_prefix,
    object_versions,
    publish_extract,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROUNDS = 20
PARTS = 12
ROWS_PER_PART = 150_000
KILL_SEED = 20261129
# The kill lands at a random point of an uninterrupted publish's time (measured first,
# fastest of TIMING_ROUNDS): on any machine most kills land mid-publish, in any phase.
KILL_WINDOW = 1.0
TIMING_ROUNDS = 3
BUCKET = "sovex-extracts"
REQUEST_SHA256 = "a" * 64
RETAIN_UNTIL = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


def make_parts(directory: Path) -> list[LocalPart]:
    parts = []
    generator = random.Random(KILL_SEED)
    for index in range(PARTS):
        table_dir = directory / "measurements"
        table_dir.mkdir(parents=True, exist_ok=True)
        path = table_dir / f"part-{index:05d}.parquet"
        values = [generator.random() for _ in range(ROWS_PER_PART)]
        pq.write_table(pa.table({"value": values}), path, compression="none")
        parts.append(
            LocalPart("measurements", path, ROWS_PER_PART, path.stat().st_size, sha256_of(path))
        )
    return parts


def manifest_for(extract_id: str, files: list[ManifestFile]) -> Manifest:
    return stand_in_manifest(
        project="faults",
        extract_id=extract_id,
        request_id="faults",
        request_sha256=REQUEST_SHA256,
        bucket=BUCKET,
        retention_until=RETAIN_UNTIL.date(),
        locked_until=RETAIN_UNTIL,
        tables={"measurements": PARTS * ROWS_PER_PART},
        files=files,
    )


def publish(storage: LocalStorage, parts: list[LocalPart], extract_id: str) -> Manifest:
    # One attempt, short timeouts: a killed server must fail the call, not stall it.
    s3 = storage.endpoint().s3_client(connect_timeout_s=2, read_timeout_s=5, max_attempts=1)
    return publish_extract(
        s3,
        BUCKET,
        extract_prefix("faults", extract_id),
        parts,
        lambda files: manifest_for(extract_id, files),
        REQUEST_SHA256,
        RETAIN_UNTIL,
    )


def all_keys(storage: LocalStorage) -> list[str]:
    s3 = storage.endpoint().s3_client()
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def test_killing_the_store_during_publish_never_leaves_a_partial_extract(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "storage")
    parts = make_parts(tmp_path / "parts")
    kills = random.Random(KILL_SEED)
    interrupted = 0
    try:
        storage.up()
        durations = []
        for timing_round in range(TIMING_ROUNDS):  # the first one also warms up
            started = time.monotonic()
            publish(storage, parts, f"faults-timing-{timing_round}")
            durations.append(time.monotonic() - started)
        max_kill_delay_s = KILL_WINDOW * min(durations)
        print(f"publish takes {min(durations):.2f} s uninterrupted", flush=True)
        for round_number in range(ROUNDS):
            extract_id = f"faults-{round_number:02d}"
            errors: list[BaseException] = []

            def attempt(extract_id: str = extract_id, errors: list = errors) -> None:
                try:
                    publish(storage, parts, extract_id)
                except BaseException as error:  # the kill makes the client fail
                    errors.append(error)

            worker = threading.Thread(target=attempt)
            worker.start()
            time.sleep(kills.uniform(0, max_kill_delay_s))
            pid = storage.status().pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            worker.join(timeout=60)
            assert not worker.is_alive()
            interrupted += bool(errors)
            print("round", round_number, "interrupted" if errors else "completed", flush=True)

            storage.up()  # restart on the same data
            manifest = publish(storage, parts, extract_id)  # the rerun completes it
            again = publish(storage, parts, extract_id)  # and a rerun after success is a no-op
            assert again == manifest

            s3 = storage.endpoint().s3_client()
            downloaded = download_extract(s3, BUCKET, "faults", extract_id, tmp_path / "dl")
            assert downloaded.files == PARTS  # every sha256 and size checked by the download
            keys = all_keys(storage)
            prefix = extract_prefix("faults", extract_id)
            assert sorted(k for k in keys if k.startswith(prefix + "/")) == sorted(
                [f"{prefix}/_manifest.json"] + [f"{prefix}/{f.key}" for f in manifest.files]
            )
            # Nothing in the staging area earlier versions used, not even hidden versions.
            assert not object_versions(s3, BUCKET, STAGING_ROOT)
            # One version per published key: nothing an interrupted attempt left behind.
            assert len(object_versions(s3, BUCKET, prefix)) == len(manifest.files) + 1
            for file in manifest.files:
                head = s3.head_object(Bucket=BUCKET, Key=f"{prefix}/{file.key}")
                assert head["ObjectLockMode"] == LOCK_MODE
                assert head["ObjectLockRetainUntilDate"] == RETAIN_UNTIL
        published = [k for k in all_keys(storage) if k.endswith("/_manifest.json")]
        assert len(published) == ROUNDS + TIMING_ROUNDS
        # Most rounds must really have been interrupted for the test to mean something.
        assert interrupted >= ROUNDS // 2, f"only {interrupted} publishes were interrupted"
        print(f"{ROUNDS} rounds, {interrupted} publishes interrupted by a kill, all recovered")
    finally:
        storage.down()
