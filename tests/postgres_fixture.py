"""One throw-away PostgreSQL server per test session, holding the synthetic source.

tests/conftest.py loads these fixtures (`pytest_plugins`); the server starts only for
the tests that ask for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sovex.model.settings import Settings
from sovex.services.postgres_server import (
    PostgresServer,
    create_database,
    start_postgres,
    stop_postgres,
)

WAREHOUSE = "warehouse"


@pytest.fixture(scope="session")
def postgres_server(session_settings: Settings) -> Iterator[PostgresServer]:
    """Under the session's state dir, which is removed after the server has stopped."""
    server = start_postgres(session_settings.state_dir, name="postgres-tests", durable=False)
    try:
        yield server
    finally:
        stop_postgres(server)


@pytest.fixture(scope="session")
def postgres_warehouse(
    postgres_server: PostgresServer, synthetic_source: Path
) -> tuple[PostgresServer, str]:
    """The server and the URL of a database loaded from the synthetic Parquet source."""
    from transforms.source_postgres import load_parquet_folder

    create_database(postgres_server, WAREHOUSE)
    url = postgres_server.url(WAREHOUSE)
    load_parquet_folder(url, synthetic_source, passfile=postgres_server.passfile)
    return postgres_server, url
