"""A replicated SeaweedFS cluster on 127.0.0.1: the store past one machine, rehearsed.

`weed mini` (sovex.services.storage_server) runs every SeaweedFS component in one process. Here
each component is its own process, as in production (infra/deploy/seaweedfs.compose.yaml):
one master, N volume servers, one filer and one S3 gateway. Every volume server gets its
own rack (or data center) so the replica placement is honoured as it would be on
separate hosts: with the default replication `010` every chunk is stored twice, on two
volume servers in different racks, and the cluster keeps serving reads and writes when
one volume server dies.

    state_dir/master/            master metadata
    state_dir/volume-<i>/        volume server i's volumes
    state_dir/filer/             filer metadata store (embedded leveldb)
    state_dir/logs/<name>.log    each component's log (no secrets)
    state_dir/s3-config.json     S3 identities (0600): generated access/secret key
    state_dir/sse.key            secret the SSE-S3 key is derived from (0600)

Every port is chosen free on 127.0.0.1 at start and given explicitly; every component
binds 127.0.0.1 only; telemetry is off; anonymous S3 access is refused.

One module, long on purpose: the components are started, waited for and stopped as one
cluster, in the order SeaweedFS needs (master, volumes, filer, gateway).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sovex.model.errors import ConfigurationError
from sovex.services.local_processes import free_loopback_ports, signal_group, stop_groups
from sovex.services.readiness import deadline_in, wait_until
from sovex.services.storage_security import write_security_files
from sovex.services.storage_server import (
    ACCESS_KEY_BYTES,
    LOOPBACK,
    NEVER_USE_PORTS,
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    SECRET_KEY_BYTES,
    SSE_KEY_BYTES,
    StorageEndpoint,
    find_weed_binary,
    s3_identities_config,
)

DEFAULT_VOLUME_SERVERS = 3
# Two copies of every chunk, on two volume servers in different racks of one data center.
DEFAULT_REPLICATION = "010"
# Small volumes, created sparse (no preallocation): the master grows new volumes often and
# cheaply, so when a volume server dies there is room to grow fresh ones on the survivors.
VOLUME_SIZE_LIMIT_MB = 64
# Volume slots per volume server. Each bucket is a SeaweedFS collection with its own
# volumes, and the master grows several volumes at a time (6 for two copies), so the
# default of 8 slots runs out after a bucket or two.
MAX_VOLUMES_PER_SERVER = 60
DATA_CENTER_PREFIX = "dc"
RACK_PREFIX = "rack"

MASTER_DIR_NAME = "master"
FILER_DIR_NAME = "filer"
LOG_DIR_NAME = "logs"
S3_CONFIG_FILE_NAME = "s3-config.json"
SSE_KEY_FILE_NAME = "sse.key"

START_ATTEMPTS = 3
START_TIMEOUT_S = 90.0
READY_POLL_INTERVAL_S = 0.25
STOP_TIMEOUT_S = 15.0
SHELL_TIMEOUT_S = 30.0
READY_SHELL_TIMEOUT_S = 5.0  # while starting: one poll, then the next
LOG_TAIL_LINES = 15


class ComponentExited(ConfigurationError):
    """A component of the cluster exited on its own (during a start, most often because
    a port chosen free was taken meanwhile)."""


@dataclass(frozen=True)
class Placement:
    data_center: str
    rack: str


def placements(replication: str, volume_servers: int) -> list[Placement]:
    """Where each volume server sits, so that `replication` (SeaweedFS's "xyz": x extra
    copies in other data centers, y in other racks, z on other servers of the same rack)
    can be honoured, and still be honoured with one volume server gone."""
    if len(replication) != 3 or not replication.isdigit():
        raise ConfigurationError(
            f"replication {replication!r}: expected three digits like '010' "
            "(extra copies in other data centers, racks, servers)"
        )
    other_dcs, other_racks, same_rack = (int(digit) for digit in replication)
    if sum(1 for digit in (other_dcs, other_racks, same_rack) if digit) > 1:
        raise ConfigurationError(
            f"replication {replication!r}: only one kind of extra copy is supported here"
        )
    copies = 1 + other_dcs + other_racks + same_rack
    if copies >= volume_servers:
        raise ConfigurationError(
            f"replication {replication!r} keeps {copies} copies: it needs more than "
            f"{copies} volume servers to keep accepting writes with one of them gone "
            f"(got {volume_servers})"
        )
    result = []
    for index in range(volume_servers):
        data_center = f"{DATA_CENTER_PREFIX}{index + 1 if other_dcs else 1}"
        rack = f"{RACK_PREFIX}{index + 1 if other_racks else 1}"
        result.append(Placement(data_center, rack))
    return result


@dataclass
class Component:
    """One running `weed` process (its own process group)."""

    name: str  # "master", "volume-0", "filer", "s3"
    process: subprocess.Popen[bytes]
    http_port: int
    grpc_port: int
    log_file: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def address(self) -> str:
        """`host:port.grpcport`, how SeaweedFS components name each other."""
        return f"{LOOPBACK}:{self.http_port}.{self.grpc_port}"

    def alive(self) -> bool:
        return self.process.poll() is None


@dataclass
class SeaweedCluster:
    state_dir: Path
    replication: str
    endpoint: StorageEndpoint
    master: Component
    volumes: list[Component]
    placements: list[Placement]
    filer: Component
    s3: Component
    weed_binary: Path
    killed: set[int] = field(default_factory=set)

    @property
    def components(self) -> list[Component]:
        return [self.master, *self.volumes, self.filer, self.s3]

    def kill_volume(self, index: int, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """SIGKILL volume server `index` (no goodbye to the master: a crashed host)."""
        component = self.volumes[index]
        signal_group(component.process, signal.SIGKILL)
        component.process.wait(timeout=timeout_s)
        self.killed.add(index)

    def shell(self, commands: Sequence[str], timeout_s: float = SHELL_TIMEOUT_S) -> str:
        """Run `weed shell` commands with our client certificate (the state folder's
        security.toml); the master's and filer's HTTP APIs are off. Returns the output."""
        try:
            completed = subprocess.run(
                [
                    str(self.weed_binary),
                    "shell",
                    f"-master={self.master.address}",
                    f"-filer={self.filer.address}",
                ],
                input="\n".join([*commands, "exit"]) + "\n",
                capture_output=True,
                text=True,
                cwd=self.state_dir,
                env={"PATH": os.defpath, "HOME": str(self.state_dir)},
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired as error:
            raise ConfigurationError(f"weed shell: no answer within {timeout_s} s") from error
        return completed.stdout

    def data_nodes(self, timeout_s: float = SHELL_TIMEOUT_S) -> dict[str, Placement]:
        """Volume servers the master currently knows, `ip:port` → placement."""
        return _volume_servers(self.shell(["cluster.ps"], timeout_s))

    def volume_replicas(self, collection: str) -> dict[int, list[str]]:
        """For each volume of `collection` (a bucket), the volume servers holding a copy."""
        replicas: dict[int, list[str]] = {}
        for url, volumes in _volume_list(self.shell(["volume.list"])).items():
            for volume, volume_collection in volumes:
                if volume_collection == collection:
                    replicas.setdefault(volume, []).append(url)
        return replicas

    def object_volumes(self, bucket: str, keys: Sequence[str]) -> dict[str, set[int]]:
        """For each key, the volumes holding the chunks of every stored version of it,
        read from the filer's metadata (a versioned bucket keeps them under
        `<key>.versions/`). Two `weed shell` runs for all the keys."""
        paths = [f"/buckets/{bucket}/{key}" for key in keys]
        # Each listing is followed by `fs.pwd`, whose "/" separates one key's from the next.
        listing = self.shell(
            [part for path in paths for part in (f"fs.ls {path}.versions/", "fs.pwd")]
        )
        groups: list[list[str]] = [[]]
        for line in listing.splitlines():
            if line.strip() == "/":
                groups.append([])
            elif line.strip():
                groups[-1].append(line.strip())
        files = [
            [f"{path}.versions/{name}" for name in names] or [path]
            for path, names in zip(paths, groups, strict=False)
        ]
        entries = _json_values(
            self.shell([f"fs.meta.cat {file}" for group in files for file in group])
        )
        if len(entries) != sum(len(group) for group in files):
            raise ConfigurationError(f"weed shell: the filer's metadata of {bucket} is incomplete")
        volumes: dict[str, set[int]] = {}
        position = 0
        for key, group in zip(keys, files, strict=True):
            found = entries[position : position + len(group)]
            position += len(group)
            volumes[key] = {
                int(chunk["fileId"].split(",", 1)[0])
                for entry in found
                for chunk in entry.get("chunks") or []
            }
        return volumes

    def wait_for_data_nodes(self, count: int, timeout_s: float = START_TIMEOUT_S) -> None:
        """Until the master sees exactly `count` volume servers (after a kill: the dead
        one dropped, its volumes no longer offered for writes)."""
        seen: dict[str, Placement] = {}

        def counted() -> str | None:
            nonlocal seen
            self._check_alive()
            with contextlib.suppress(ConfigurationError):
                seen = self.data_nodes(timeout_s=READY_SHELL_TIMEOUT_S)
            return None if len(seen) == count else f"{len(seen)}"

        if wait_until(counted, deadline_in(timeout_s), READY_POLL_INTERVAL_S) is not None:
            raise ConfigurationError(
                f"SeaweedFS master at {self.master.address} sees {len(seen)} volume server(s), "
                f"expected {count}: {sorted(seen)}"
            )

    def _check_alive(self) -> None:
        killed = {self.volumes[index].name for index in self.killed}
        for component in self.components:
            if component.name not in killed and not component.alive():
                raise ComponentExited(
                    f"SeaweedFS {component.name} (pid {component.pid}) exited "
                    f"(code {component.process.returncode}); last lines of "
                    f"{component.log_file}:\n{_log_tail(component.log_file)}"
                )


def start_cluster(
    state_dir: Path,
    volumes: int = DEFAULT_VOLUME_SERVERS,
    replication: str = DEFAULT_REPLICATION,
    *,
    weed_binary: Path | None = None,
    timeout_s: float = START_TIMEOUT_S,
) -> SeaweedCluster:
    """Start master, `volumes` volume servers, filer and S3 gateway on fresh loopback
    ports; return once a signed S3 call succeeds and the master sees every volume server.
    Nothing is left running if the start fails."""
    binary = weed_binary if weed_binary is not None else find_weed_binary()
    layout = placements(replication, volumes)
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    access_key, secret_key = _credentials(state_dir / S3_CONFIG_FILE_NAME)
    endpoint_keys = (access_key, secret_key)
    for attempt in range(1, START_ATTEMPTS + 1):
        started: list[Component] = []
        try:
            cluster = _launch(state_dir, binary, layout, replication, endpoint_keys, started)
            _wait_until_ready(cluster, deadline_in(timeout_s))
            return cluster
        except ComponentExited:
            # A free port chosen before weed bound it can be taken meanwhile (by anyone on
            # this shared host): start again with fresh ports.
            _stop_components(started)
            if attempt == START_ATTEMPTS:
                raise
        except BaseException:
            _stop_components(started)
            raise
    raise AssertionError("unreachable")


def stop_cluster(cluster: SeaweedCluster, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """Stop every component (SIGTERM, SIGKILL after `timeout_s`), gateway first."""
    _stop_components(cluster.components, timeout_s)


# -- starting ---------------------------------------------------------------------------


def _launch(
    state_dir: Path,
    binary: Path,
    layout: Sequence[Placement],
    replication: str,
    keys: tuple[str, str],
    started: list[Component],
) -> SeaweedCluster:
    log_dir = state_dir / LOG_DIR_NAME
    log_dir.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    # Mutual TLS on every gRPC port and signed tokens on the volume servers, as in
    # production: each component reads security.toml from its working directory.
    write_security_files(state_dir)
    ports = iter(free_loopback_ports(2 * (3 + len(layout)), avoid=NEVER_USE_PORTS))
    # HOME inside state_dir keeps weed away from any ~/.seaweedfs/*.toml of the user; the
    # working directory too (security.toml and master.toml are also read from ".").
    environ = {"PATH": os.defpath, "HOME": str(state_dir)}
    bind = [f"-ip={LOOPBACK}", f"-ip.bind={LOOPBACK}"]

    def start(name: str, arguments: list[str], extra_env: Mapping[str, str] = {}) -> Component:
        http_port, grpc_port = next(ports), next(ports)
        log_file = log_dir / f"{name}.log"
        with log_file.open("wb") as log:
            process = subprocess.Popen(
                [str(binary), *arguments, f"-port={http_port}", f"-port.grpc={grpc_port}"],
                cwd=state_dir,
                env={**environ, **extra_env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stopped as a whole
                umask=0o077,  # its /tmp sockets: the owner's only
            )
        component = Component(name, process, http_port, grpc_port, log_file)
        started.append(component)
        return component

    master_dir = _private_dir(state_dir / MASTER_DIR_NAME)
    master = start(
        "master",
        [
            "master",
            *bind,
            f"-mdir={master_dir}",
            "-peers=none",  # a single master: no Raft quorum to wait for
            "-disableHttp",  # no HTTP admin API (/col/delete...): gRPC with mutual TLS
            "-telemetry=false",
            f"-defaultReplication={replication}",
            f"-volumeSizeLimitMB={VOLUME_SIZE_LIMIT_MB}",
            "-volumePreallocate=false",
        ],
    )
    volume_servers = []
    for index, place in enumerate(layout):
        volume_dir = _private_dir(state_dir / f"volume-{index}")
        volume_servers.append(
            start(
                f"volume-{index}",
                [
                    "volume",
                    *bind,
                    f"-dir={volume_dir}",
                    f"-max={MAX_VOLUMES_PER_SERVER}",
                    f"-master={master.address}",
                    f"-dataCenter={place.data_center}",
                    f"-rack={place.rack}",
                    "-preStopSeconds=0",  # a stop is a stop (no 10 s grace period)
                ],
            )
        )
    filer_dir = _private_dir(state_dir / FILER_DIR_NAME)
    filer = start(
        "filer",
        [
            "filer",
            *bind,
            f"-master={master.address}",
            f"-defaultStoreDir={filer_dir}",
            f"-defaultReplicaPlacement={replication}",
            "-disableHttp",  # no HTTP API (identities, listings, deletes): gRPC only
        ],
    )
    sse_key = _sse_key(state_dir / SSE_KEY_FILE_NAME)
    s3 = start(
        "s3",
        [
            "s3",
            *bind,
            f"-filer={filer.address}",
            f"-config={state_dir / S3_CONFIG_FILE_NAME}",
            "-allowDeleteBucketNotEmpty=false",
            "-autoCreateBucket=false",
            "-iam=false",
            "-port.iceberg=0",
            "-port.lance=0",
        ],
        # Enables SSE-S3: the gateway derives the bucket-default encryption key from it.
        {"WEED_S3_SSE_KEY": sse_key},
    )
    access_key, secret_key = keys
    return SeaweedCluster(
        state_dir=state_dir,
        replication=replication,
        endpoint=StorageEndpoint(f"http://{LOOPBACK}:{s3.http_port}", access_key, secret_key),
        master=master,
        volumes=volume_servers,
        placements=list(layout),
        filer=filer,
        s3=s3,
        weed_binary=binary,
    )


def _wait_until_ready(cluster: SeaweedCluster, deadline: float) -> None:
    client = cluster.endpoint.s3_client(connect_timeout_s=1, read_timeout_s=3, max_attempts=1)

    def ready() -> str | None:
        cluster._check_alive()
        try:
            nodes = cluster.data_nodes(timeout_s=READY_SHELL_TIMEOUT_S)
            if len(nodes) != len(cluster.volumes):
                return f"master sees {len(nodes)} of {len(cluster.volumes)} volume servers"
            client.list_buckets()
        except ConfigurationError as error:
            return f"master: {error}"
        except (BotoCoreError, ClientError) as error:
            return f"S3: {type(error).__name__}"
        return None

    last_error = wait_until(ready, deadline, READY_POLL_INTERVAL_S)
    if last_error is not None:
        raise ConfigurationError(
            f"SeaweedFS cluster in {cluster.state_dir} not ready in time ({last_error}); "
            f"logs in {cluster.state_dir / LOG_DIR_NAME}"
        )


# -- stopping ---------------------------------------------------------------------------


def _stop_components(components: Sequence[Component], timeout_s: float = STOP_TIMEOUT_S) -> None:
    # Clients first (gateway, filer), then the volume servers, the master last.
    ordered = list(reversed(components))
    stop_groups([component.process for component in ordered], timeout_s)
    for component in ordered:
        _remove_unix_sockets((component.http_port, component.grpc_port))


def _remove_unix_sockets(ports: Sequence[int]) -> None:
    """weed leaves /tmp/seaweedfs-<component>-<port>.sock behind; remove ours only."""
    for port in ports:
        for leftover in Path("/tmp").glob(f"seaweedfs-*-{int(port)}.sock"):
            with contextlib.suppress(OSError):
                leftover.unlink()


# -- weed shell output ---------------------------------------------------------------------

_DATA_NODE = re.compile(r"^\s*DataNode (\S+) \S+\(")
_VOLUME = re.compile(r"^\s*volume Id:(\d+),.* Collection:([^,]*),")


def _volume_list(text: str) -> dict[str, list[tuple[int, str]]]:
    """`volume.list` read: each data node holding volumes, and its (volume id,
    collection)s."""
    nodes: dict[str, list[tuple[int, str]]] = {}
    node = ""
    for line in text.splitlines():
        if found := _DATA_NODE.match(line):
            node = found.group(1)
            nodes[node] = []
        elif (found := _VOLUME.match(line)) and node:
            nodes[node].append((int(found.group(1)), found.group(2)))
    return nodes


_PS_SECTION = re.compile(r"^\* ")
_PS_DATA_CENTER = re.compile(r"^\s*\* data center: (\S+)")
_PS_RACK = re.compile(r"^\s*\* rack: (\S+)")
_PS_SERVER = re.compile(r"^\s*\* (\S+:\d+) \(")


def _volume_servers(text: str) -> dict[str, Placement]:
    """`cluster.ps` read: every volume server the master knows (with volumes or not)."""
    servers: dict[str, Placement] = {}
    in_section = False
    data_center = rack = ""
    for line in text.splitlines():
        if _PS_SECTION.match(line):
            in_section = line.startswith("* volume servers")
        elif not in_section:
            continue
        elif found := _PS_DATA_CENTER.match(line):
            data_center = found.group(1)
        elif found := _PS_RACK.match(line):
            rack = found.group(1)
        elif found := _PS_SERVER.match(line):
            servers[found.group(1)] = Placement(data_center, rack)
    return servers


def _json_values(text: str) -> list[dict[str, Any]]:
    """The JSON objects printed one after another (`fs.meta.cat`); errors are skipped."""
    decoder = json.JSONDecoder()
    values, position = [], text.find("{")
    while position != -1:
        value, end = decoder.raw_decode(text, position)
        values.append(value)
        position = text.find("{", end)
    return values


# -- files ----------------------------------------------------------------------------------


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    return path


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def _credentials(s3_config_file: Path) -> tuple[str, str]:
    """The admin access/secret key: generated on the first start, then reused."""
    if not s3_config_file.exists():
        config = s3_identities_config(
            secrets.token_hex(ACCESS_KEY_BYTES), secrets.token_hex(SECRET_KEY_BYTES)
        )
        _write_private(s3_config_file, json.dumps(config, indent=2) + "\n")
    credentials = json.loads(s3_config_file.read_text())["identities"][0]["credentials"][0]
    return credentials["accessKey"], credentials["secretKey"]


def _sse_key(sse_key_file: Path) -> str:
    if not sse_key_file.exists():
        _write_private(sse_key_file, secrets.token_hex(SSE_KEY_BYTES) + "\n")
    return sse_key_file.read_text().strip()


def _log_tail(log_file: Path) -> str:
    try:
        lines = log_file.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no log written)"
    return "\n".join(lines[-LOG_TAIL_LINES:])
