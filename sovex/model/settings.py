"""Settings, read once from the environment at the entry point and passed down.

Library code takes a `Settings` (or an `environ` mapping) as a parameter so tests pass a
plain dict; nothing below the CLI reads `os.environ` itself.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sovex.model.errors import ConfigurationError

# The repository root: `infra/`, `dags/` and `examples/` live beside the packages
# (the project is installed in editable mode by `make`).
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    state_dir: Path
    airflow_home: Path
    source_dir: Path
    master_key_file: Path
    # Hex master secret handed over by a deployment's secret store; never printed.
    master_key_hex: str | None = field(default=None, repr=False)
    s3_endpoint_override: str | None = None
    user: str = "unknown"  # the acting person's identity, for the audit log
    # The review server (Airflow's API server with the sovex plugin): when set, review
    # decisions on the CLI go through it as the logged-in person (issue 20).
    api_url: str | None = None
    # The person's password file (0600, theirs): read to log in, never printed.
    password_file: Path | None = None
    infra_dir: Path = PROJECT_ROOT / "infra"
    dags_dir: Path = PROJECT_ROOT / "dags"
    examples_dir: Path = PROJECT_ROOT / "examples"
    consent_inbox: Path | None = None  # default: <source dir>/fhir
    # The consent portal's Ed25519 public key: when set, every inbox file must come with a
    # valid detached signature `<file>.sig`, or it is not loaded.
    consent_source_key: Path | None = None
    # A PostgreSQL source (libpq URL without password: libpq reads it from PGPASSFILE);
    # when unset, the Parquet folder `source_dir` is the source.
    source_url: str | None = None
    # A table is split into partitions of about this many rows, each one Airflow mapped
    # task; at most `partition_concurrency` of them run at once per run's DAG.
    partition_rows: int = 2_000_000
    partition_concurrency: int = 2
    # The deployment's hosting-policy parameters, applied to every decision (runs, reads,
    # access, the policy audit and `policy check`): HDS-certified providers only; EEA and
    # adequacy-decision storage countries accepted.
    require_hds: bool = False
    allow_eea_adequacy: bool = False

    def policy_params(self, purpose: str | None = None) -> dict[str, bool]:
        """The hosting policy's parameters: the deployment's, tightened by the purpose's
        requirements (`infra/hosting/purpose-requirements.yaml`) when a purpose is given."""
        from sovex.model.purpose_requirements import policy_params_for

        deployment = {
            "require_hds": self.require_hds,
            "allow_eea_adequacy": self.allow_eea_adequacy,
        }
        return policy_params_for(deployment, self.infra_dir, purpose)

    def as_environ(self) -> dict[str, str]:
        """These settings as the variables `settings_from_environ` reads (no secret), for
        handing them to Airflow tasks, which read their settings from the environment."""
        environ = {
            "SOVEX_STATE_DIR": str(self.state_dir),
            "SOVEX_SOURCE_DIR": str(self.source_dir),
            "SOVEX_MASTER_KEY_FILE": str(self.master_key_file),
            "SOVEX_INFRA_DIR": str(self.infra_dir),
            "AIRFLOW_HOME": str(self.airflow_home),
        }
        if self.s3_endpoint_override:
            environ["SOVEX_S3_ENDPOINT"] = self.s3_endpoint_override
        if self.source_url:
            environ["SOVEX_SOURCE_URL"] = self.source_url
        environ["SOVEX_PARTITION_ROWS"] = str(self.partition_rows)
        environ["SOVEX_PARTITION_CONCURRENCY"] = str(self.partition_concurrency)
        environ["SOVEX_REQUIRE_HDS"] = "true" if self.require_hds else "false"
        environ["SOVEX_ALLOW_EEA_ADEQUACY"] = "true" if self.allow_eea_adequacy else "false"
        if self.consent_inbox:
            environ["SOVEX_CONSENT_INBOX"] = str(self.consent_inbox)
        if self.consent_source_key:
            environ["SOVEX_CONSENT_SOURCE_KEY"] = str(self.consent_source_key)
        if self.user != "unknown":
            environ["SOVEX_USER"] = self.user
        if self.api_url:
            environ["SOVEX_API_URL"] = self.api_url
        if self.password_file:
            environ["SOVEX_PASSWORD_FILE"] = str(self.password_file)
        return environ

    @property
    def storage_dir(self) -> Path:
        return self.state_dir / "storage"

    @property
    def runs_dir(self) -> Path:
        return self.state_dir / "runs"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def consent_inbox_dir(self) -> Path:
        """Where FHIR Consent exports land (NDJSON / Bundle files) for `consent_sync`."""
        return self.consent_inbox or self.source_dir / "fhir"

    @property
    def consent_rejects_dir(self) -> Path:
        return self.state_dir / "consent" / "rejects"

    @property
    def state_db(self) -> Path:
        """The state database (SQLite): the request life cycle."""
        return self.state_dir / "sovex.db"

    @property
    def consent_registry_db(self) -> Path:
        """The consent registry (SQLite) of this source: one per source folder, because a
        registry maps FHIR patient references to one source's patient ids."""
        digest = hashlib.sha256(str(self.source_dir.resolve()).encode()).hexdigest()
        return self.state_dir / "consent" / f"registry-{digest[:12]}.db"

    @property
    def credentials_dir(self) -> Path:
        """Per-project read-only S3 credentials (0600 files), handed to researchers."""
        return self.state_dir / "credentials"

    @property
    def downloads_dir(self) -> Path:
        return self.state_dir / "downloads"

    @property
    def targets_dir(self) -> Path:
        return self.infra_dir / "targets"

    @property
    def catalogs_dir(self) -> Path:
        return self.infra_dir / "catalogs"

    @property
    def tldextract_cache_dir(self) -> Path:
        return self.state_dir / "cache" / "tldextract"


def settings_from_environ(environ: Mapping[str, str]) -> Settings:
    # SOVEX_STATE_DIR: set by the operator or the Makefile; everything local lives there.
    state_dir = Path(environ.get("SOVEX_STATE_DIR") or PROJECT_ROOT / ".sovex").resolve()
    return Settings(
        state_dir=state_dir,
        # AIRFLOW_HOME: set by a deployment that runs its own Airflow; else under state.
        airflow_home=Path(environ.get("AIRFLOW_HOME") or state_dir / "airflow"),
        # SOVEX_SOURCE_DIR: where the embedded Parquet source lives (`sovex synth` writes it).
        source_dir=Path(environ.get("SOVEX_SOURCE_DIR") or state_dir / "source"),
        # SOVEX_MASTER_KEY_FILE: the master secret file; `sovex demo` creates a demo one.
        master_key_file=Path(
            environ.get("SOVEX_MASTER_KEY_FILE") or state_dir / "keys" / "master.key"
        ),
        # SOVEX_MASTER_KEY: hex master secret from a secret store (wins over the file).
        master_key_hex=environ.get("SOVEX_MASTER_KEY") or None,
        # SOVEX_S3_ENDPOINT: an S3 endpoint to use instead of the local SeaweedFS state.
        s3_endpoint_override=environ.get("SOVEX_S3_ENDPOINT") or None,
        # SOVEX_USER: the acting person (researcher, steward), set by their shell or login.
        user=environ.get("SOVEX_USER") or "unknown",
        # SOVEX_API_URL: the review server (http://127.0.0.1:8081), set by a deployment
        # with logins; SOVEX_PASSWORD_FILE: the person's own password file (0600).
        api_url=environ.get("SOVEX_API_URL") or None,
        password_file=Path(environ["SOVEX_PASSWORD_FILE"])
        if environ.get("SOVEX_PASSWORD_FILE")
        else None,
        # SOVEX_INFRA_DIR: another folder of targets and catalogs (tests, deployments).
        infra_dir=Path(environ.get("SOVEX_INFRA_DIR") or PROJECT_ROOT / "infra"),
        # SOVEX_CONSENT_INBOX: where the consent portal's FHIR exports are dropped.
        consent_inbox=Path(environ["SOVEX_CONSENT_INBOX"])
        if environ.get("SOVEX_CONSENT_INBOX")
        else None,
        # SOVEX_CONSENT_SOURCE_KEY: the portal's public key; inbox files must be signed.
        consent_source_key=Path(environ["SOVEX_CONSENT_SOURCE_KEY"])
        if environ.get("SOVEX_CONSENT_SOURCE_KEY")
        else None,
        # SOVEX_SOURCE_URL: a PostgreSQL warehouse (postgresql://user@host:port/db, no
        # password: libpq takes it from PGPASSFILE) instead of the Parquet folder.
        source_url=environ.get("SOVEX_SOURCE_URL") or None,
        # SOVEX_PARTITION_ROWS / SOVEX_PARTITION_CONCURRENCY: partition size and the cap on
        # partitions processed at once (mapped tasks of research_extract).
        partition_rows=_positive_int(environ, "SOVEX_PARTITION_ROWS", 2_000_000),
        partition_concurrency=_positive_int(environ, "SOVEX_PARTITION_CONCURRENCY", 2),
        # SOVEX_REQUIRE_HDS / SOVEX_ALLOW_EEA_ADEQUACY: the hosting policy's parameters.
        require_hds=_boolean(environ, "SOVEX_REQUIRE_HDS"),
        allow_eea_adequacy=_boolean(environ, "SOVEX_ALLOW_EEA_ADEQUACY"),
    )


def _boolean(environ: Mapping[str, str], name: str) -> bool:
    text = (environ.get(name) or "false").strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ConfigurationError(f"environment variable {name}: true or false")


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigurationError(f"environment variable {name}: must be a positive integer")
    return value


def task_settings() -> Settings:
    """The settings of an Airflow task: a task is an entry point, so the environment is
    read there, once, and passed down."""
    return settings_from_environ(os.environ)
