"""The production deployment files (infra/deploy/) are valid and keep the house rules:
CeleryExecutor, three volume servers in three racks with replication set, nothing
published on every interface, no secret written in them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from sovex.model.settings import PROJECT_ROOT
from sovex.services.seaweed_cluster import placements

DEPLOY = PROJECT_ROOT / "infra" / "deploy"
AIRFLOW_COMPOSE = DEPLOY / "airflow.compose.yaml"
SEAWEEDFS_COMPOSE = DEPLOY / "seaweedfs.compose.yaml"
COMPOSE_FILES = (AIRFLOW_COMPOSE, SEAWEEDFS_COMPOSE)
# Services that may publish a port (on an address the operator chooses, loopback by
# default): the Airflow UI/API and the S3 gateway. Everything else stays internal.
PUBLISHING_SERVICES = {"airflow-api-server", "seaweedfs-s3"}
# Environment variables that carry (or point at) a secret, by how their names end.
SECRET_NAME = re.compile(
    r"(PASSWORD|SECRET|KEY|TOKEN|CONN|BROKER_URL|RESULT_BACKEND|ACL|PGPASSFILE|_URL)"
    r"(_CMD|_FILE)?$"
)
SECRET_WORD = re.compile(r"PASSWORD|SECRET|KEY|TOKEN", re.IGNORECASE)
# How a secret may be written: a reference to the environment of `docker compose` (filled
# by the secret store), or a file the secret store mounts under /run/secrets/.
SECRET_REFERENCE = re.compile(
    r"^(\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}|(cat )?/run/secrets/[a-z0-9_.]+|)$"
)
# Not secrets although their names look like it: plain settings.
NOT_SECRETS = {
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "SOVEX_SOURCE_URL",  # a libpq URL without password (SOVEX_SOURCE_URL contract)
}
CREDENTIALS_IN_URL = re.compile(r"://[^/@\s]*:[^/@\s]*@")
EVERY_INTERFACE = {"", "0.0.0.0", "::", "[::]", "*"}


def load(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict) and loaded.get("services"), path
    return loaded


def services(path: Path) -> dict[str, dict[str, Any]]:
    return dict(load(path)["services"])


def environment(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {str(name): str(value) for name, value in raw.items()}


def option(command: list[str], name: str) -> str | None:
    """The value of `-name=value` in a weed command line."""
    prefix = f"-{name}="
    values = [part[len(prefix) :] for part in command if part.startswith(prefix)]
    return values[-1] if values else None


def default_of(reference: str) -> str:
    """`${VAR:-default}` → default; anything else as it is."""
    match = re.fullmatch(r"\$\{[A-Z0-9_]+:?-([^}]*)\}", reference)
    return match.group(1) if match else reference


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda path: path.name)
def test_compose_file_is_valid_yaml_with_services(path: Path) -> None:
    assert services(path)


def test_every_airflow_component_runs_the_celery_executor() -> None:
    airflow = {name: s for name, s in services(AIRFLOW_COMPOSE).items() if "airflow" in name}
    assert {"airflow-api-server", "airflow-scheduler", "airflow-dag-processor"} <= set(airflow)
    for name, service in airflow.items():
        assert environment(service)["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name


def test_celery_workers_scale_out_and_redis_and_postgres_back_them() -> None:
    defined = services(AIRFLOW_COMPOSE)
    worker = defined["airflow-worker"]
    assert worker["command"][:2] == ["celery", "worker"]
    assert default_of(str(worker["deploy"]["replicas"])) not in ("", "0", "1")
    assert "redis" in defined and "postgres" in defined
    env = environment(worker)
    assert env["AIRFLOW__CELERY__BROKER_URL_CMD"].startswith("cat /run/secrets/")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD"].startswith("cat /run/secrets/")


def test_airflow_containers_mount_the_project_and_read_the_dags_from_it() -> None:
    for name, service in services(AIRFLOW_COMPOSE).items():
        if not name.startswith("airflow-"):
            continue
        mounts = {volume.split(":")[1]: volume for volume in service["volumes"]}
        assert "/opt/sovex" in mounts and mounts["/opt/sovex"].endswith(":ro"), name
        assert environment(service)["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/sovex/dags", name


def test_the_pseudonymisation_key_reaches_the_workers_only() -> None:
    for name, service in services(AIRFLOW_COMPOSE).items():
        env = environment(service)
        has_key = "SOVEX_MASTER_KEY_FILE" in env or "SOVEX_MASTER_KEY" in env
        assert has_key == (name == "airflow-worker"), name


def test_seaweedfs_has_three_volume_servers_in_three_racks_with_replication() -> None:
    defined = services(SEAWEEDFS_COMPOSE)
    commands = {name: [str(part) for part in s["command"]] for name, s in defined.items()}
    volumes = {name: command for name, command in commands.items() if command[0] == "volume"}
    masters = [command for command in commands.values() if command[0] == "master"]
    assert len(volumes) == 3 and len(masters) == 1
    replication = option(masters[0], "defaultReplication")
    assert replication is not None
    # The same rule as the local cluster: valid digits, and copies fewer than servers.
    placements(replication, len(volumes))
    other_racks = int(replication[1])
    racks = {(option(c, "dataCenter"), option(c, "rack")) for c in volumes.values()}
    assert len(racks) == len(volumes)  # one failure domain each
    assert other_racks + 1 < len(racks)  # still placeable with one rack lost
    filer = next(command for command in commands.values() if command[0] == "filer")
    assert option(filer, "defaultReplicaPlacement") == replication
    for command in volumes.values():
        assert option(command, "master") is not None


def test_seaweedfs_gateway_refuses_what_sovex_never_allows() -> None:
    commands = [[str(part) for part in s["command"]] for s in services(SEAWEEDFS_COMPOSE).values()]
    s3 = next(command for command in commands if command[0] == "s3")
    assert option(s3, "allowDeleteBucketNotEmpty") == "false"
    assert option(s3, "autoCreateBucket") == "false"
    assert (option(s3, "config") or "").startswith("/run/secrets/")
    assert option(s3, "cert.file") and option(s3, "key.file")
    master = next(command for command in commands if command[0] == "master")
    assert option(master, "telemetry") == "false"


def test_seaweedfs_internal_servers_are_out_of_airflows_reach_and_locked() -> None:
    # Airflow shares `storage` with the S3 gateway only; master, volumes and filer are on
    # a network of their own, with their HTTP APIs off and mutual TLS on gRPC.
    weed = services(SEAWEEDFS_COMPOSE)
    for name, service in services(AIRFLOW_COMPOSE).items():
        assert "storage-internal" not in (service.get("networks") or []), name
    for name, service in weed.items():
        command = [str(part) for part in service["command"]]
        networks = service.get("networks") or []
        assert "storage-internal" in networks, name
        assert ("storage" in networks) is (command[0] == "s3"), name
        if command[0] in {"master", "filer"}:
            assert "-disableHttp" in command, name
        targets = {
            secret.get("target") for secret in service["secrets"] if isinstance(secret, dict)
        }
        assert "/etc/seaweedfs/security.toml" in targets, name
    assert load(SEAWEEDFS_COMPOSE)["networks"]["storage-internal"]["internal"] is True


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda path: path.name)
def test_only_the_ui_and_the_gateway_publish_ports_and_never_on_every_interface(
    path: Path,
) -> None:
    for name, service in services(path).items():
        ports = service.get("ports") or []
        assert not ports or name in PUBLISHING_SERVICES, name
        for port in ports:
            assert isinstance(port, str), (name, port)  # long syntax would hide host_ip
            parts = re.split(r":(?![^{]*\})", port)  # split on ':' outside ${...}
            assert len(parts) == 3, (name, port)
            assert default_of(parts[0]) not in EVERY_INTERFACE, (name, port)
            assert default_of(parts[0]) == "127.0.0.1", (name, port)
        for part in service.get("command") or []:
            assert not re.search(r"(0\.0\.0\.0|::)", str(part)), (name, part)


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda path: path.name)
def test_no_secret_is_written_in_the_file(path: Path) -> None:
    for name, service in services(path).items():
        for variable, value in environment(service).items():
            assert not CREDENTIALS_IN_URL.search(value), (name, variable)
            if SECRET_NAME.search(variable) and variable not in NOT_SECRETS:
                assert SECRET_REFERENCE.match(value), (name, variable, value)
    for secret, source in (load(path).get("secrets") or {}).items():
        # From the secret store through the environment of `docker compose`, or external:
        # never a file beside the compose file.
        assert set(source) <= {"environment", "external", "name"}, secret


def test_the_image_holds_no_secret() -> None:
    dockerfile = (DEPLOY / "airflow.Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith(("ENV", "ARG")):
            assert not SECRET_WORD.search(line), line
    copied = [line.split()[-2] for line in dockerfile.splitlines() if line.startswith("COPY")]
    assert not [source for source in copied if source.startswith((".sovex", "infra"))]
