"""Airflow on CeleryExecutor on 127.0.0.1: the same DAGs, run by several Celery workers.

What a production deployment (infra/deploy/airflow.compose.yaml) runs on several hosts,
started here on one, for the scale tests and for trying it out:

    redis-server          Celery's broker, loopback only, no persistence, a password
    PostgreSQL            Airflow's metadata database and Celery's result backend
                          (services.postgres_server: loopback, SCRAM, password in pgpass)
    airflow api-server    REST API, UI and the Execution API the workers' tasks talk to
    airflow scheduler     queues task instances on the broker
    airflow dag-processor parses dags/
    airflow celery worker one per worker, each with its own Celery hostname

Everything lives under `state_dir`:

    state_dir/airflow/             AIRFLOW_HOME (its airflow.cfg holds defaults only)
    state_dir/logs/<name>.log      each component's output (task logs: the settings'
                                   logs dir, logs/airflow/, as with `sovex airflow-ui`)
    state_dir/redis/redis.conf     Redis settings, with its password (0600)
    state_dir/secrets/             generated secrets, one 0600 file each: the Redis
                                   password, the broker URL holding it, Airflow's JWT
                                   secret, API secret key and Fernet key, and the pgpass
                                   file every Airflow process logs in with
    state_dir/postgres/            the PostgreSQL cluster and its own pgpass file

No secret in use appears in a command line or an environment variable: Redis reads its
password from its config file, Airflow reads each secret from its file through an
`AIRFLOW__..._CMD` variable (as a deployment reads them from a mounted secret store), and
libpq reads the database passwords from PGPASSFILE.

One module, long on purpose: the processes above are started, waited for and stopped as
one cluster, in an order that matters (broker and database first, workers last).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sovex.model.errors import ConfigurationError
from sovex.model.settings import Settings
from sovex.services.local_processes import exit_status, free_loopback_port, stop_groups
from sovex.services.postgres_server import (
    PostgresServer,
    create_database,
    start_postgres,
    stop_postgres,
)
from sovex.services.readiness import deadline_in, wait_until

LOOPBACK = "127.0.0.1"
DEFAULT_WORKERS = 2
# Task slots per worker. One each on a small machine: every task is its own process
# (imports pyarrow, DuckDB, Presidio), and with one slot a worker never takes a second
# task while one runs, so two queued tasks always go to two workers.
DEFAULT_CONCURRENCY = 1
WORKER_NAME_PREFIX = "sovex-worker-"
# What Airflow records as a task instance's hostname on this worker (see worker_hostname).
WORKER_NAME_VARIABLE = "SOVEX_CELERY_WORKER"
CELERY_QUEUE = "default"  # Airflow's [operators] default_queue
AIRFLOW_DATABASE = "airflow"
API_WORKERS = 2
# Longer than the DAG's 6 h execution_timeout: the broker must not hand a running task to
# another worker (Airflow's own default, set explicitly to silence its warning).
VISIBILITY_TIMEOUT_S = 86400
ADMIN_USER = "admin"
PASSWORD_FILE_NAME = "simple_auth_manager_passwords.json.generated"

REDIS_PASSWORD_BYTES = 24
API_SECRET_KEY_BYTES = 32
# HS512 wants a key of at least 64 bytes (RFC 7518 3.2); Airflow's generated one is 16.
JWT_SECRET_BYTES = 64
FERNET_KEY_BYTES = 32
SECRETS_DIR_NAME = "secrets"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
START_ATTEMPTS = 3  # a free port chosen for Redis may be taken before it binds it
START_TIMEOUT_S = 180.0
MIGRATE_TIMEOUT_S = 300.0
POLL_INTERVAL_S = 0.5
REDIS_POLL_INTERVAL_S = 0.1
STOP_TIMEOUT_S = 30.0
LOG_TAIL_LINES = 20


def worker_hostname() -> str:
    """Airflow's `[core] hostname_callable` in this cluster: the worker's own name, so the
    task instances show which of the workers sharing this host ran them. Elsewhere (the
    scheduler, the API server) the host's name."""
    # SOVEX_CELERY_WORKER: set by start_celery_cluster for each worker process.
    return os.environ.get(WORKER_NAME_VARIABLE) or socket.getfqdn()


# -- Redis ---------------------------------------------------------------------------------


@dataclass
class RedisServer:
    port: int
    password_file: Path = field(repr=False)  # 0600, the generated password
    process: subprocess.Popen[bytes] = field(repr=False)
    log_file: Path

    def url(self, database: int = 0) -> str:
        """redis://:<password>@127.0.0.1:<port>/<db>: a secret, keep it out of argv/env."""
        password = self.password_file.read_text().strip()
        return f"redis://:{password}@{LOOPBACK}:{self.port}/{database}"


def find_redis_server() -> Path:
    found = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin")
    if found is None:
        raise ConfigurationError(
            "redis-server not found on PATH: run `make services` (Debian's redis-server)"
        )
    return Path(found)


def redis_config(port: int, directory: Path, password: str) -> str:
    """Loopback only, protected mode, nothing written to disk, a password."""
    return "\n".join(
        [
            f"bind {LOOPBACK}",
            "protected-mode yes",
            f"port {port}",
            'save ""',
            "appendonly no",
            f'dir "{directory}"',
            "daemonize no",
            'logfile ""',
            f"requirepass {password}",
            "",
        ]
    )


def start_redis(state_dir: Path, timeout_s: float = 30) -> RedisServer:
    """A throw-away Redis on a free 127.0.0.1 port; returns once it answers an AUTH'd PING."""
    import redis

    binary = find_redis_server()
    directory = _private_dir(Path(state_dir).resolve() / "redis")
    password_file = _secret_file(
        Path(state_dir).resolve(), "redis-password", secrets.token_urlsafe(REDIS_PASSWORD_BYTES)
    )
    password = password_file.read_text().strip()
    log_file = _private_dir(Path(state_dir).resolve() / "logs") / "redis.log"
    for attempt in range(1, START_ATTEMPTS + 1):
        port = free_loopback_port()
        config = directory / "redis.conf"
        config.unlink(missing_ok=True)
        _write_private(config, redis_config(port, directory, password))
        with log_file.open("ab") as log:
            process = subprocess.Popen(
                [str(binary), str(config)],
                cwd=directory,
                env={"PATH": os.defpath},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = RedisServer(port, password_file, process, log_file)

        def answers(process: subprocess.Popen[bytes] = process, port: int = port) -> str | None:
            if exit_status(process) is not None:
                return None  # exited: no use waiting (told apart below)
            try:
                client = redis.Redis(host=LOOPBACK, port=port, password=password)
                with contextlib.closing(client):
                    return None if client.ping() else "no PONG"
            except redis.RedisError as error:
                return type(error).__name__

        not_answering = wait_until(answers, deadline_in(timeout_s), REDIS_POLL_INTERVAL_S)
        if exit_status(process) is None:
            if not_answering is None:
                return server
            stop_redis(server)
            raise ConfigurationError(f"Redis on {LOOPBACK}:{port} did not answer; see {log_file}")
        stop_redis(server)  # reaps it
        if attempt == START_ATTEMPTS:
            raise ConfigurationError(
                f"redis-server exited during start (code {process.returncode}); see {log_file}"
            )
    raise AssertionError("unreachable")


def stop_redis(server: RedisServer, timeout_s: float = STOP_TIMEOUT_S) -> None:
    stop_groups([server.process], timeout_s)


# -- the Airflow cluster -------------------------------------------------------------------


@dataclass
class CeleryCluster:
    state_dir: Path
    airflow_home: Path
    api_url: str  # http://127.0.0.1:<port>
    redis: RedisServer
    postgres: PostgresServer
    worker_names: list[str]
    environ: dict[str, str] = field(repr=False)  # what every Airflow component runs with
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict, repr=False)

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    def admin_password(self) -> str | None:
        """The generated password of `admin` (None until the API server wrote it)."""
        path = self.airflow_home / PASSWORD_FILE_NAME
        if not path.is_file() or not path.stat().st_size:
            return None
        return str(json.loads(path.read_text())[ADMIN_USER])

    def celery_hostnames(self) -> list[str]:
        return [f"{name}@{LOOPBACK}" for name in self.worker_names]

    def ping_workers(self, timeout_s: float = 5) -> dict[str, Any]:
        """Celery's remote-control ping over the broker: which workers answer."""
        return self._inspect("ping", timeout_s)

    def worker_stats(self, timeout_s: float = 5) -> dict[str, Any]:
        """Celery's per-worker statistics (`total`: tasks executed, by task name)."""
        return self._inspect("stats", timeout_s)

    def _inspect(self, method: str, timeout_s: float) -> dict[str, Any]:
        from celery import Celery

        app = Celery("sovex-inspect", broker=self.redis.url())
        try:
            # Returns as soon as every worker replied, else after `timeout_s`.
            inspect = app.control.inspect(timeout=timeout_s, limit=len(self.worker_names))
            return dict(getattr(inspect, method)() or {})
        finally:
            app.close()

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            status = exit_status(process)
            if status is not None:
                raise ConfigurationError(
                    f"Airflow {name} exited (code {status}); last lines of "
                    f"{self.log_dir / (name + '.log')}:\n{_tail(self.log_dir / (name + '.log'))}"
                )


def cluster_environ(
    settings: Settings,
    base: Mapping[str, str],
    *,
    airflow_home: Path,
    api_port: int,
    secret_files: Mapping[str, Path],
    postgres: PostgresServer,
    workers: int,
    concurrency: int,
    unpause_new_dags: bool,
) -> dict[str, str]:
    """The environment of every Airflow component: CeleryExecutor, Redis broker,
    PostgreSQL metadata, all on loopback, AIRFLOW_HOME private to the cluster."""
    # Nothing inherited that could point Airflow or sovex elsewhere.
    environ = {
        name: value
        for name, value in base.items()
        if not name.startswith(("AIRFLOW", "SOVEX_", "PG"))
    }
    environ.update(settings.as_environ())
    metadata_url = postgres.url(AIRFLOW_DATABASE).replace("postgresql://", "postgresql+psycopg2://")
    api = f"http://{LOOPBACK}:{api_port}"
    environ.update(
        {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', os.defpath)}",
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(settings.dags_dir),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(workers * concurrency),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": str(not unpause_new_dags),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{__name__}.worker_hostname",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            # Secrets: each read from its 0600 file when needed, never in the environment.
            "AIRFLOW__CORE__FERNET_KEY_CMD": f"cat {secret_files['fernet-key']}",
            "AIRFLOW__API_AUTH__JWT_SECRET_CMD": f"cat {secret_files['jwt-secret']}",
            "AIRFLOW__API__SECRET_KEY_CMD": f"cat {secret_files['api-secret-key']}",
            # libpq (psycopg2, asyncpg too) reads the password from PGPASSFILE: none in
            # the URL. The file also holds the warehouse's line when the source is one.
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
            "PGPASSFILE": str(secret_files["pgpass"]),
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata_url}",
            # The broker URL holds Redis's password.
            "AIRFLOW__CELERY__BROKER_URL_CMD": f"cat {secret_files['broker-url']}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(concurrency),
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": str(
                VISIBILITY_TIMEOUT_S
            ),
            "AIRFLOW__API__HOST": LOOPBACK,
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__WORKERS": str(API_WORKERS),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(settings.logs_dir / "airflow"),
            "GX_ANALYTICS_ENABLED": "false",
        }
    )
    return environ


def component_commands(
    api_port: int, worker_names: Sequence[str], concurrency: int, pid_dir: Path
) -> dict[str, list[str]]:
    """Every long-running component. No log server anywhere (they would bind every
    interface): the API server reads task logs from the shared log folder."""
    airflow = str(Path(sys.executable).parent / "airflow")
    commands = {
        "api-server": [airflow, "api-server", "--host", LOOPBACK, "--port", str(api_port)],
        "scheduler": [airflow, "scheduler", "--skip-serve-logs"],
        "dag-processor": [airflow, "dag-processor"],
    }
    for name in worker_names:
        commands[name] = [
            airflow,
            "celery",
            "worker",
            "--celery-hostname",
            f"{name}@{LOOPBACK}",
            "--concurrency",
            str(concurrency),
            "--queues",
            CELERY_QUEUE,
            "--skip-serve-logs",
            "--without-gossip",
            "--without-mingle",
            # Each worker its own pid file (the default one in AIRFLOW_HOME is shared).
            "--pid",
            str(pid_dir / f"{name}.pid"),
        ]
    return commands


def start_celery_cluster(
    settings: Settings,
    state_dir: Path,
    base_environ: Mapping[str, str],
    *,
    workers: int = DEFAULT_WORKERS,
    concurrency: int = DEFAULT_CONCURRENCY,
    unpause_new_dags: bool = True,
    timeout_s: float = START_TIMEOUT_S,
) -> CeleryCluster:
    """Start Redis, PostgreSQL, migrate the metadata DB, then the API server, scheduler,
    DAG processor and `workers` Celery workers; return once the API answers, the scheduler
    and DAG processor report healthy and every worker answers a Celery ping. Whatever was
    started is stopped again if the start fails."""
    state_dir = _private_dir(Path(state_dir).resolve())
    log_dir = _private_dir(state_dir / "logs")
    airflow_home = _private_dir(state_dir / "airflow")
    pid_dir = _private_dir(state_dir / "run")
    redis_server = start_redis(state_dir)
    postgres: PostgresServer | None = None
    cluster: CeleryCluster | None = None
    try:
        postgres = start_postgres(state_dir, name="postgres", durable=False)
        create_database(postgres, AIRFLOW_DATABASE)
        secret_files = {
            "broker-url": _secret_file(state_dir, "broker-url", redis_server.url(), replace=True),
            "jwt-secret": _secret_file(
                state_dir, "jwt-secret", secrets.token_urlsafe(JWT_SECRET_BYTES)
            ),
            "api-secret-key": _secret_file(
                state_dir, "api-secret-key", secrets.token_urlsafe(API_SECRET_KEY_BYTES)
            ),
            "fernet-key": _secret_file(
                state_dir,
                "fernet-key",
                base64.urlsafe_b64encode(secrets.token_bytes(FERNET_KEY_BYTES)).decode(),
            ),
            # The metadata DB's password, and the warehouse's if the caller has one.
            "pgpass": _secret_file(
                state_dir,
                "pgpass",
                _passfile_lines([postgres.passfile, base_environ.get("PGPASSFILE")]),
                replace=True,
            ),
        }
        api_port = free_loopback_port()
        worker_names = [f"{WORKER_NAME_PREFIX}{number}" for number in range(1, workers + 1)]
        environ = cluster_environ(
            settings,
            base_environ,
            airflow_home=airflow_home,
            api_port=api_port,
            secret_files=secret_files,
            postgres=postgres,
            workers=workers,
            concurrency=concurrency,
            unpause_new_dags=unpause_new_dags,
        )
        cluster = CeleryCluster(
            state_dir=state_dir,
            airflow_home=airflow_home,
            api_url=f"http://{LOOPBACK}:{api_port}",
            redis=redis_server,
            postgres=postgres,
            worker_names=worker_names,
            environ=environ,
        )
        _migrate(environ, log_dir)
        deadline = deadline_in(timeout_s)
        commands = component_commands(api_port, worker_names, concurrency, pid_dir)
        # The scheduler last, once the API answers: a task it queues earlier would find
        # no Execution API to talk to.
        for name, command in commands.items():
            if name != "scheduler":
                _start_component(cluster, name, command)
        _wait_until_ready(cluster, deadline, components=())
        _start_component(cluster, "scheduler", commands["scheduler"])
        _wait_until_ready(cluster, deadline)
        return cluster
    except BaseException:
        if cluster is not None:
            stop_groups(list(cluster.processes.values()), STOP_TIMEOUT_S)
        if postgres is not None:
            with contextlib.suppress(ConfigurationError):
                stop_postgres(postgres)
        stop_redis(redis_server)
        raise


def _start_component(cluster: CeleryCluster, name: str, command: list[str]) -> None:
    environ = dict(cluster.environ)
    if name in cluster.worker_names:
        environ[WORKER_NAME_VARIABLE] = name
    with (cluster.log_dir / f"{name}.log").open("ab") as log:
        cluster.processes[name] = subprocess.Popen(
            command,
            env=environ,
            cwd=cluster.state_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own process group: stopping it also stops what it forked (task
            # supervisors, Celery pool processes, API server workers).
            start_new_session=True,
        )


def stop_celery_cluster(cluster: CeleryCluster, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """Stop the Airflow components (SIGTERM to each group, SIGKILL after `timeout_s`),
    then PostgreSQL and Redis. Every step runs even if an earlier one fails."""
    try:
        stop_groups(list(cluster.processes.values()), timeout_s)
    finally:
        try:
            stop_postgres(cluster.postgres)
        finally:
            stop_redis(cluster.redis, timeout_s)


def _migrate(environ: Mapping[str, str], log_dir: Path) -> None:
    airflow = str(Path(sys.executable).parent / "airflow")
    log_file = log_dir / "airflow-db-migrate.log"
    with log_file.open("ab") as log:
        completed = subprocess.run(
            [airflow, "db", "migrate"],
            env=dict(environ),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=MIGRATE_TIMEOUT_S,
            check=False,
        )
    if completed.returncode != 0:
        raise ConfigurationError(
            f"`airflow db migrate` failed (exit {completed.returncode}); last lines of "
            f"{log_file}:\n{_tail(log_file)}"
        )


HEALTH_COMPONENTS = ("metadatabase", "scheduler", "dag_processor")


def _wait_until_ready(
    cluster: CeleryCluster, deadline: float, components: Sequence[str] = HEALTH_COMPONENTS
) -> None:
    """Until the API answers, `components` report healthy and every worker answers."""

    def ready() -> str | None:
        cluster.check_alive()
        try:
            health = _get_json(f"{cluster.api_url}/api/v2/monitor/health")
            unhealthy = [
                component
                for component in components
                if (health.get(component) or {}).get("status") != "healthy"
            ]
            if unhealthy:
                return ", ".join(unhealthy)
            answered = set(cluster.ping_workers(timeout_s=1))
            missing = sorted(set(cluster.celery_hostnames()) - answered)
        except (OSError, ValueError) as error:
            return f"the API server ({type(error).__name__})"
        return "Celery worker(s) " + ", ".join(missing) if missing else None

    waiting_for = wait_until(ready, deadline, POLL_INTERVAL_S)
    if waiting_for is not None:
        raise ConfigurationError(
            f"Airflow Celery cluster not ready in time: waiting for {waiting_for}; "
            f"logs in {cluster.log_dir}"
        )


# -- helpers -----------------------------------------------------------------------------

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get_json(url: str) -> Any:
    with _OPENER.open(url, timeout=5) as response:
        return json.loads(response.read())


def _passfile_lines(files: Sequence[Path | str | None]) -> str:
    """The lines of several pgpass files, in order (libpq uses the first that matches)."""
    lines = []
    for name in files:
        if name and Path(name).is_file():
            lines += [line for line in Path(name).read_text().splitlines() if line.strip()]
    return "\n".join(lines)


def _secret_file(state_dir: Path, name: str, value: str, *, replace: bool = False) -> Path:
    """state_dir/secrets/<name> (0600) holding `value`; an existing one is kept (so data
    encrypted with a key stays readable) unless `replace`."""
    path = _private_dir(state_dir / SECRETS_DIR_NAME) / name
    if replace:
        path.unlink(missing_ok=True)
    if not path.exists():
        _write_private(path, value + "\n")
    return path


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    return path


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no log written)"
    return "\n".join(lines[-LOG_TAIL_LINES:])
