"""A replicated SeaweedFS cluster on 127.0.0.1 (1 master, 3 volume servers each in its
own rack, filer, S3 gateway; replication 010): every chunk is stored twice, in two racks,
and with one volume server killed (SIGKILL) every object still reads back intact and new
objects are still written, twice."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator

import psutil
import pytest
from boto3.s3.transfer import TransferConfig

from sovex.services.seaweed_cluster import Placement, SeaweedCluster, start_cluster, stop_cluster
from sovex.services.storage_server import NEVER_USE_PORTS, ensure_buckets
from tests.helpers import internal_status

pytestmark = [pytest.mark.integration, pytest.mark.scale]

BUCKET = "sovex-extracts"  # created like production's: object lock, SSE-S3 by default
COPIES = 2  # replication 010: the original and one copy in another rack
MiB = 2**20
# Sizes around the S3 gateway's chunking: tiny (inline-sized), a few chunks, and a
# multipart upload of several parts.
OBJECT_SIZES = (1, 1_000, 300_000, 5 * MiB, 20 * MiB)
OBJECTS_PER_SIZE = 4
MULTIPART = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedCluster]:
    started = start_cluster(tmp_path_factory.mktemp("seaweed-cluster"), volumes=3)
    try:
        ensure_buckets(started.endpoint, [BUCKET])
        yield started
    finally:
        stop_cluster(started)


def put_objects(cluster: SeaweedCluster, prefix: str) -> dict[str, str]:
    """Random objects of every size; their sha256 by key."""
    client = cluster.endpoint.s3_client()
    written = {}
    for size in OBJECT_SIZES:
        for number in range(OBJECTS_PER_SIZE):
            body = secrets.token_bytes(size)
            key = f"{prefix}/{size}-{number}.bin"
            client.upload_fileobj(io.BytesIO(body), BUCKET, key, Config=MULTIPART)
            written[key] = hashlib.sha256(body).hexdigest()
    return written


def read_back(cluster: SeaweedCluster, keys: dict[str, str]) -> dict[str, str]:
    client = cluster.endpoint.s3_client()
    read = {}
    for key in keys:
        buffer = io.BytesIO()
        client.download_fileobj(BUCKET, key, buffer, Config=MULTIPART)
        read[key] = hashlib.sha256(buffer.getvalue()).hexdigest()
    return read


def copies_of(cluster: SeaweedCluster, keys: dict[str, str]) -> dict[str, list[list[str]]]:
    """For every object, the volume servers holding each of its volumes."""
    replicas = cluster.volume_replicas(BUCKET)
    stored = cluster.object_volumes(BUCKET, list(keys))
    return {key: [sorted(replicas[volume]) for volume in sorted(stored[key])] for key in keys}


def assert_stored_twice_in_two_racks(
    cluster: SeaweedCluster, keys: dict[str, str], placement: dict[str, Placement]
) -> None:
    for key, volumes in copies_of(cluster, keys).items():
        assert volumes, key
        for servers in volumes:
            assert len(servers) == COPIES, (key, servers)
            assert len({placement[server].rack for server in servers}) == COPIES, (key, servers)


def victim_forcing_growth(cluster: SeaweedCluster) -> int:
    """The volume server whose loss leaves the fewest volumes with both copies alive: the
    master then has to grow new volumes on the survivors to keep accepting writes."""
    replicas = cluster.volume_replicas(BUCKET)
    urls = [f"127.0.0.1:{volume.http_port}" for volume in cluster.volumes]

    def intact_after_losing(index: int) -> int:
        survivors = set(urls) - {urls[index]}
        return sum(1 for servers in replicas.values() if set(servers) <= survivors)

    return min(range(len(urls)), key=intact_after_losing)


def test_every_component_listens_on_loopback_only(cluster: SeaweedCluster) -> None:
    for component in cluster.components:
        listening = [
            conn.laddr
            for conn in psutil.Process(component.pid).net_connections(kind="inet")
            if conn.status == psutil.CONN_LISTEN
        ]
        assert listening, component.name
        assert {address.ip for address in listening} == {"127.0.0.1"}, component.name
        assert not {address.port for address in listening} & NEVER_USE_PORTS, component.name


def test_anonymous_requests_are_refused(cluster: SeaweedCluster) -> None:
    request = urllib.request.Request(f"{cluster.endpoint.endpoint_url}/{BUCKET}")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    refused.value.close()
    assert refused.value.code == 403


def test_with_a_volume_server_killed_every_object_reads_back_and_writes_go_on(
    cluster: SeaweedCluster,
) -> None:
    placement = {
        f"127.0.0.1:{server.http_port}": place
        for server, place in zip(cluster.volumes, cluster.placements, strict=True)
    }
    before = put_objects(cluster, "before")
    assert_stored_twice_in_two_racks(cluster, before, placement)

    victim = victim_forcing_growth(cluster)
    cluster.kill_volume(victim)
    cluster.wait_for_data_nodes(len(cluster.volumes) - 1)

    assert read_back(cluster, before) == before
    after = put_objects(cluster, "after")
    assert read_back(cluster, after) == after
    # New objects are still stored twice: on the two surviving racks.
    assert_stored_twice_in_two_racks(cluster, after, placement)


def test_a_local_process_without_the_clusters_secrets_gets_nowhere(
    cluster: SeaweedCluster,
) -> None:
    # Another local process knows every port (they are in the process list) but holds no
    # certificate and no token: the filer's identities and listings, deletes through the
    # filer and the master, the volume servers' chunks and `weed shell` all refuse it.
    client = cluster.endpoint.s3_client()
    client.put_object(Bucket=BUCKET, Key="internal/kept.txt", Body=b"kept")
    filer = f"http://127.0.0.1:{cluster.filer.http_port}"
    master = f"http://127.0.0.1:{cluster.master.http_port}"
    assert internal_status(f"{filer}/etc/iam/identities") == 404
    assert internal_status(f"{filer}/buckets/{BUCKET}/") == 404
    assert internal_status(f"{filer}/buckets/{BUCKET}/internal/kept.txt", "DELETE") == 404
    assert internal_status(f"{master}/col/delete?collection={BUCKET}") == 404
    for index, volume in enumerate(cluster.volumes):
        if index in cluster.killed:
            continue  # the test above killed it
        url = f"http://127.0.0.1:{volume.http_port}/1,01637037d6"
        assert internal_status(url) == internal_status(url, "DELETE") == 401
    elsewhere = cluster.state_dir.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    try:
        listed = subprocess.run(
            [
                str(cluster.weed_binary),
                "shell",
                f"-master={cluster.master.address}",
                f"-filer={cluster.filer.address}",
            ],
            input="collection.list\nexit\n",
            capture_output=True,
            text=True,
            cwd=elsewhere,
            env={"PATH": os.defpath, "HOME": str(elsewhere)},
            timeout=8,
        ).stdout
    except subprocess.TimeoutExpired:
        listed = ""
    assert BUCKET not in listed
    # With the cluster's certificate (its state folder), the same shell answers.
    assert f'collection:"{BUCKET}"' in cluster.shell(["collection.list"])
    assert client.get_object(Bucket=BUCKET, Key="internal/kept.txt")["Body"].read() == b"kept"
