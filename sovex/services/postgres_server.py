"""A throw-away PostgreSQL server on 127.0.0.1, for tests, the demo and the cluster tests.

Everything lives under one directory, `state_dir/<name>`:

    <name>/data/           the cluster (initdb on first use), owned by the server's OS user
    <name>/pgpass          libpq password file (0600) holding the generated password
    <name>/postgres.log    the server's log (no secrets)

The superuser role `sovex` authenticates with SCRAM-SHA-256 and a random password that
only the password file holds: URLs, settings and environment dumps carry the file's path,
never the password. The server listens on 127.0.0.1 only, on a free port chosen at each
start; its Unix socket sits inside the data directory.

PostgreSQL refuses to run as root: as root, initdb and the server run as the `postgres`
OS user (created by Debian's package), who owns the data directory.

One module, long on purpose: initdb, start, the password file and stop of one server
share its data directory and its secret handling.
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
import re
import secrets
import socket
import stat
import subprocess
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sovex.model.errors import ConfigurationError
from sovex.services.local_processes import free_loopback_port
from sovex.services.readiness import deadline_in, wait_until

LOOPBACK = "127.0.0.1"
SUPERUSER = "sovex"
# PostgreSQL's own maintenance database, present in every cluster.
MAINTENANCE_DATABASE = "postgres"
SERVER_OS_USER = "postgres"  # who runs PostgreSQL when we are root
POSTGRES_ROOT = Path("/usr/lib/postgresql")  # Debian: /usr/lib/postgresql/<major>/bin
REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")

DATA_DIR_NAME = "data"
PASSFILE_NAME = "pgpass"
LOG_FILE_NAME = "postgres.log"
# Written at each start (port, listen address, durability) and included last by
# postgresql.conf, so nothing passes through pg_ctl's shell command line.
SOVEX_CONF_NAME = "sovex.conf"
INCLUDE_LINE = f"include '{SOVEX_CONF_NAME}'"
# Only SCRAM password authentication, only loopback (and the socket in the data dir).
PG_HBA = (
    "# Written by sovex: SCRAM password authentication only, loopback only.\n"
    "local all all scram-sha-256\n"
    f"host all all {LOOPBACK}/32 scram-sha-256\n"
)

PASSWORD_BYTES = 24  # token_urlsafe: no ':' or '\\', which .pgpass would need escaped
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 60
CONNECT_POLL_INTERVAL_S = 0.1
# A free port is chosen before the server binds it; another process may take it between.
START_ATTEMPTS = 3
LOG_TAIL_LINES = 15
# sun_path is 108 bytes on Linux; past that the socket cannot be created.
MAX_SOCKET_PATH = 107
SOCKET_FILE_TEMPLATE = ".s.PGSQL.{port}"
# pg_ctl puts the data dir between double quotes in a /bin/sh command line.
SHELL_UNSAFE = re.compile(r'["\\$`\n]')
# `pg_ctl status` exit codes.
STATUS_RUNNING = 0
STATUS_NOT_RUNNING = 3
# Line 4 of postmaster.pid is the port (PostgreSQL's LOCK_FILE_LINE_PORT).
PID_FILE_PORT_LINE = 3

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostgresServer:
    data_dir: Path
    host: str  # always LOOPBACK
    port: int
    user: str
    passfile: Path  # 0600 .pgpass with the generated password

    def url(self, database: str) -> str:
        """A libpq URL without password (libpq reads it from PGPASSFILE)."""
        return (
            f"postgresql://{urllib.parse.quote(self.user, safe='')}@{self.host}:{self.port}/"
            f"{urllib.parse.quote(database, safe='')}"
        )

    def environ(self) -> dict[str, str]:
        """What a child process needs beside the URL to log in."""
        return {"PGPASSFILE": str(self.passfile)}


def find_postgres_bin() -> Path:
    """The newest /usr/lib/postgresql/<major>/bin holding initdb, pg_ctl and postgres."""
    candidates = [
        directory / "bin"
        for directory in POSTGRES_ROOT.glob("*")
        if directory.name.isdigit() and _has_binaries(directory / "bin")
    ]
    if not candidates:
        raise ConfigurationError(
            f"PostgreSQL server binaries not found under {POSTGRES_ROOT}/<version>/bin: "
            "run `make services` (installs Debian's postgresql package)"
        )
    return max(candidates, key=lambda path: int(path.parent.name))


def start_postgres(state_dir: Path, name: str = "postgres", durable: bool = True) -> PostgresServer:
    """Start (initialising on first use) the server kept in `state_dir/<name>`; return it
    once it accepts connections. A server already running there is returned as it is.

    `durable=False` turns fsync off: faster, and a crash may corrupt the cluster, so only
    for throw-away test data. As root, a private folder above the data directory is given
    to the `postgres` group with search permission only, so the server can reach it.
    """
    root = Path(state_dir).resolve() / name
    data_dir = root / DATA_DIR_NAME
    passfile = root / PASSFILE_NAME
    if SHELL_UNSAFE.search(str(data_dir)):
        raise ConfigurationError(
            f"{data_dir}: PostgreSQL's data directory path may not contain quotes, "
            "backslashes, '$', '`' or newlines: choose another state directory"
        )
    account = _server_account()
    root.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    if account is not None:
        _ensure_reachable(root, account)

    bin_dir = _bin_dir_for(data_dir)
    if not (data_dir / "PG_VERSION").is_file():
        _initdb(bin_dir, root, data_dir, passfile, account)
    elif not passfile.is_file():
        raise ConfigurationError(
            f"{data_dir} is initialised but its password file {passfile} is missing: "
            "stop any server using it and delete the folder to start afresh"
        )

    server = PostgresServer(data_dir, LOOPBACK, 0, SUPERUSER, passfile)
    running_port = _running_port(bin_dir, data_dir, account)
    if running_port is not None:
        return _with_port(server, running_port)

    log_file = root / LOG_FILE_NAME
    _create_owned(log_file, account, append=True)
    for attempt in range(1, START_ATTEMPTS + 1):
        port = free_loopback_port()
        _write_server_conf(data_dir, port, durable, account)
        offset = log_file.stat().st_size
        completed = _run_as(
            account,
            [
                str(bin_dir / "pg_ctl"),
                "start",
                "--silent",
                "--wait",
                f"--timeout={START_TIMEOUT_S}",
                f"--pgdata={data_dir}",
                f"--log={log_file}",
            ],
            cwd=root,
        )
        if completed.returncode == 0:
            started = _with_port(server, port)
            _wait_for_connections(started, log_file)
            return started
        new_log = _read_from(log_file, offset)
        if "could not bind" in new_log and attempt < START_ATTEMPTS:
            continue
        raise ConfigurationError(
            f"PostgreSQL did not start from {data_dir} on {LOOPBACK}:{port}: "
            f"{completed.stderr.strip() or completed.stdout.strip()}; last lines of "
            f"{log_file}:\n{_tail(new_log)}"
        )
    raise AssertionError("unreachable")


def stop_postgres(server: PostgresServer) -> None:
    """Fast shutdown (open sessions are ended); nothing to do if it is not running."""
    if not (server.data_dir / "PG_VERSION").is_file():
        return
    account = _server_account()
    bin_dir = _bin_dir_for(server.data_dir)
    if _running_port(bin_dir, server.data_dir, account) is None:
        return
    completed = _run_as(
        account,
        [
            str(bin_dir / "pg_ctl"),
            "stop",
            "--silent",
            "--wait",
            "--mode=fast",
            f"--timeout={STOP_TIMEOUT_S}",
            f"--pgdata={server.data_dir}",
        ],
        cwd=server.data_dir.parent,
    )
    if completed.returncode != 0 and _running_port(bin_dir, server.data_dir, account):
        raise ConfigurationError(
            f"PostgreSQL at {server.host}:{server.port} ({server.data_dir}) did not stop: "
            f"{completed.stderr.strip()}"
        )


def create_database(server: PostgresServer, database: str) -> None:
    """Create `database` unless it exists (owned by the server's superuser)."""
    from adbc_driver_manager import dbapi

    from transforms.source_postgres import connect, quote_identifier

    if not database or "\0" in database or len(database.encode()) > 63:
        raise ConfigurationError(
            f"database name {database!r}: 1 to 63 bytes, no NUL character (PostgreSQL's limit)"
        )
    with connect(
        server.url(MAINTENANCE_DATABASE), passfile=server.passfile, autocommit=True
    ) as connection:

        def exists() -> bool:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = $1", (database,))
                return cursor.fetchone() is not None

        if exists():
            return
        try:
            with connection.cursor() as cursor:
                # CREATE DATABASE takes no parameters: the name is quoted as an identifier.
                cursor.execute(f"CREATE DATABASE {quote_identifier(database)}")
        except dbapi.Error:
            if not exists():  # else another process created it meanwhile: fine
                raise


# -- starting -------------------------------------------------------------------------


def _has_binaries(bin_dir: Path) -> bool:
    return all(os.access(bin_dir / name, os.X_OK) for name in REQUIRED_BINARIES)


def _bin_dir_for(data_dir: Path) -> Path:
    """The binaries of the major version that initialised `data_dir` (else the newest)."""
    version_file = data_dir / "PG_VERSION"
    if not version_file.is_file():
        return find_postgres_bin()
    version = version_file.read_text().strip()
    bin_dir = POSTGRES_ROOT / version / "bin"
    if not _has_binaries(bin_dir):
        raise ConfigurationError(
            f"{data_dir} was initialised by PostgreSQL {version}, whose binaries are not in "
            f"{bin_dir}: install that version, or delete the folder to start afresh"
        )
    return bin_dir


def _server_account() -> pwd.struct_passwd | None:
    """The OS account PostgreSQL runs as when we are root; None: run as ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        raise ConfigurationError(
            f"PostgreSQL refuses to run as root and there is no `{SERVER_OS_USER}` OS user "
            "to run it: run `make services` (Debian's postgresql package creates it)"
        ) from None


def _ensure_reachable(directory: Path, account: pwd.struct_passwd) -> None:
    """Let the server's OS user traverse every folder above its data directory.

    Private folders (e.g. a 0700 temporary directory) are given to that user's group with
    search permission only (`--x`): it can reach the data directory, not list anything.
    """
    groups = {account.pw_gid} | {
        group.gr_gid for group in grp.getgrall() if account.pw_name in group.gr_mem
    }
    for folder in [*reversed(directory.parents), directory]:
        info = folder.stat()
        if _can_search(info, account.pw_uid, groups):
            continue
        if info.st_uid != os.geteuid() or info.st_mode & 0o070:
            raise ConfigurationError(
                f"the `{account.pw_name}` OS user, which runs PostgreSQL, cannot reach "
                f"{folder}: grant it search permission (e.g. `chmod o+x {folder}`) or "
                "choose a state directory it can reach"
            )
        os.chown(folder, -1, account.pw_gid)
        os.chmod(folder, stat.S_IMODE(info.st_mode) | stat.S_IXGRP)
        log.info("gave group %s search permission on %s", account.pw_name, folder)


def _can_search(info: os.stat_result, uid: int, groups: set[int]) -> bool:
    if info.st_uid == uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid in groups:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def _run_as(
    account: pwd.struct_passwd | None, command: Sequence[str], cwd: Path, timeout_s: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL tool as the server's OS user (or ourselves), minimal environment."""
    environ = {"PATH": os.defpath, "LC_ALL": "C", "TZ": "UTC"}
    if account is None:
        return subprocess.run(
            command,
            cwd=cwd,
            env=environ,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout_s,
        )
    return subprocess.run(
        command,
        cwd=cwd,
        env={**environ, "HOME": account.pw_dir, "USER": account.pw_name},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout_s,
        user=account.pw_uid,
        group=account.pw_gid,
        extra_groups=[],  # drop root's supplementary groups
        umask=0o077,
    )


def _initdb(
    bin_dir: Path,
    root: Path,
    data_dir: Path,
    passfile: Path,
    account: pwd.struct_passwd | None,
) -> None:
    data_dir.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    if account is not None:
        os.chown(data_dir, account.pw_uid, account.pw_gid)
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    # initdb reads the superuser's password from a file its own OS user can read.
    password_file = root / f".initdb-password-{secrets.token_hex(4)}"
    try:
        _write_private(password_file, password + "\n", account)
        completed = _run_as(
            account,
            [
                str(bin_dir / "initdb"),
                f"--pgdata={data_dir}",
                f"--username={SUPERUSER}",
                f"--pwfile={password_file}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",  # C collation: byte order, the same on every machine
                "--no-instructions",
            ],
            cwd=root,
        )
    finally:
        password_file.unlink(missing_ok=True)
    if completed.returncode != 0:
        raise ConfigurationError(
            f"initdb failed for {data_dir}:\n{_tail(completed.stderr or completed.stdout)}"
        )
    (data_dir / "pg_hba.conf").write_text(PG_HBA)
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write("\n# sovex: port, listen address, durability (rewritten at start)\n")
        conf.write(INCLUDE_LINE + "\n")
    # Written only once initdb succeeded: a password file always matches its cluster.
    _write_private(passfile, f"{LOOPBACK}:*:*:{SUPERUSER}:{password}\n", None)


def _write_server_conf(
    data_dir: Path, port: int, durable: bool, account: pwd.struct_passwd | None
) -> None:
    socket_dir = str(data_dir)
    if len(f"{socket_dir}/{SOCKET_FILE_TEMPLATE.format(port=port)}") > MAX_SOCKET_PATH:
        socket_dir = ""  # path too long for a Unix socket: TCP on loopback only
    lines = [
        f"listen_addresses = '{LOOPBACK}'",
        f"port = {port}",
        f"unix_socket_directories = '{_conf_string(socket_dir)}'",
        "password_encryption = 'scram-sha-256'",
        "timezone = 'UTC'",
    ]
    if not durable:
        lines += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
    conf = data_dir / SOVEX_CONF_NAME
    conf.write_text("\n".join(lines) + "\n")
    if account is not None:
        os.chown(conf, account.pw_uid, account.pw_gid)


def _conf_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "''")


def _running_port(bin_dir: Path, data_dir: Path, account: pwd.struct_passwd | None) -> int | None:
    """The port of the server running on `data_dir`, None if none runs."""
    completed = _run_as(
        account, [str(bin_dir / "pg_ctl"), "status", f"--pgdata={data_dir}"], cwd=data_dir.parent
    )
    if completed.returncode != STATUS_RUNNING:
        return None
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        return int(lines[PID_FILE_PORT_LINE])
    except (FileNotFoundError, IndexError, ValueError):
        return None


def _wait_for_connections(server: PostgresServer, log_file: Path) -> None:
    """pg_ctl waited for the server to say ready; check its TCP port answers too."""

    def accepts() -> str | None:
        try:
            socket.create_connection((server.host, server.port), timeout=1).close()
        except OSError as error:
            return type(error).__name__
        return None

    if wait_until(accepts, deadline_in(START_TIMEOUT_S), CONNECT_POLL_INTERVAL_S) is not None:
        raise ConfigurationError(
            f"PostgreSQL started from {server.data_dir} but {server.host}:{server.port} "
            f"accepts no connection; see {log_file}"
        )


def _with_port(server: PostgresServer, port: int) -> PostgresServer:
    return PostgresServer(server.data_dir, server.host, port, server.user, server.passfile)


# -- files ----------------------------------------------------------------------------


def _write_private(path: Path, content: str, account: pwd.struct_passwd | None) -> None:
    """Write a 0600 file atomically (owned by `account` when given)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(content)
        if account is not None:
            os.chown(temporary, account.pw_uid, account.pw_gid)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _create_owned(path: Path, account: pwd.struct_passwd | None, append: bool) -> None:
    """Create `path` (kept if `append`) writable by the server's OS user."""
    flags = os.O_WRONLY | os.O_CREAT | (0 if append else os.O_TRUNC)
    os.close(os.open(path, flags, PRIVATE_FILE_MODE))
    if account is not None:
        os.chown(path, account.pw_uid, account.pw_gid)


def _read_from(path: Path, offset: int) -> str:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode(errors="replace")


def _tail(text: str) -> str:
    lines = text.strip().splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:]) if lines else "(nothing written)"
