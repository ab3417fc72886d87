"""Shared fixtures. The test session is an entry point: it sets the environment once, here,
before anything imports Airflow (which reads its configuration at import time)."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sovex.airflow_runner import configure_airflow_environ
from sovex.audit_signing import SIGNING_KEY_ENV, write_key_pair
from sovex.model.settings import PROJECT_ROOT, Settings, settings_from_environ
from tests.helpers import approve_request

# The session's throw-away PostgreSQL server and the synthetic warehouse loaded into it
# (started only by the tests that ask for them).
pytest_plugins = ["tests.postgres_fixture"]

# One state folder per test session: Airflow's SQLite DB, the local SeaweedFS, keys, runs.
_SESSION_STATE = Path(tempfile.mkdtemp(prefix="sovex-tests-"))
for _inherited in [name for name in os.environ if name.startswith(("AIRFLOW", "SOVEX_"))]:
    os.environ.pop(_inherited, None)
os.environ["SOVEX_STATE_DIR"] = str(_SESSION_STATE)
# Every audit record of the suite is signed, with a key kept outside the state folder, as
# a deployment does (sovex.audit_signing); `audit verify` then checks every signature.
_AUDIT_KEY_DIR = Path(tempfile.mkdtemp(prefix="sovex-tests-audit-key-"))
write_key_pair(_AUDIT_KEY_DIR / "audit-signing.key")
os.environ[SIGNING_KEY_ENV] = str(_AUDIT_KEY_DIR / "audit-signing.key")
SESSION_SETTINGS = settings_from_environ(os.environ)
configure_airflow_environ(SESSION_SETTINGS, os.environ)

# spaCy draws from the global random generator when first imported: import it before any
# test runs, so the guard below only catches draws made by the code under test.
import spacy  # noqa: E402, F401

TEST_PATIENTS = 800


@pytest.fixture(scope="session", autouse=True)
def _session_state_removed_at_the_end() -> Iterator[None]:
    """Set up first, so torn down last: after the storage server has been stopped."""
    yield
    shutil.rmtree(_SESSION_STATE, ignore_errors=True)
    shutil.rmtree(_AUDIT_KEY_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_global_random(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any unit test that draws from the global random generator (results must be
    seeded). Integration tests run Airflow and SeaweedFS clients, which use it themselves."""
    before = random.getstate()
    yield
    if request.node.get_closest_marker("integration") is None:
        assert random.getstate() == before, "test used the global random generator"


@pytest.fixture(scope="session")
def session_settings() -> Settings:
    return SESSION_SETTINGS


@pytest.fixture(scope="session")
def master_key(session_settings: Settings) -> Path:
    from anonymization.keys import create_demo_master_key

    create_demo_master_key(session_settings.master_key_file)
    return session_settings.master_key_file


@pytest.fixture(scope="session")
def local_storage(session_settings: Settings):  # type: ignore[no-untyped-def]
    """A real SeaweedFS server on 127.0.0.1 for the whole session."""
    from sovex.services.storage_server import LocalStorage

    storage = LocalStorage(session_settings.storage_dir)
    try:
        yield storage.up()
    finally:
        storage.down()


@pytest.fixture(scope="session")
def synthetic_source(session_settings: Settings) -> Path:
    from sovex.synth.population import generate_population

    generate_population(session_settings.source_dir, patients=TEST_PATIENTS)
    return session_settings.source_dir


@pytest.fixture(scope="session")
def pipeline_settings(
    session_settings: Settings, master_key: Path, local_storage, synthetic_source: Path
) -> Settings:
    """Settings with everything a run needs: key, storage, source, consent registry."""
    from datetime import UTC, datetime

    from sovex.consent_sync import sync_consents

    sync_consents(session_settings, datetime(2026, 11, 1, tzinfo=UTC))
    approve_request(session_settings, PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml")
    return session_settings
