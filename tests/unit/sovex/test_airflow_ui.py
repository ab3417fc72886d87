from __future__ import annotations

from pathlib import Path

from sovex.model.settings import settings_from_environ
from sovex.services.airflow_ui import component_commands, ui_environ


def test_api_server_binds_loopback_and_no_component_starts_a_public_log_server() -> None:
    commands = component_commands(Path("/venv/bin/airflow"), 8123)
    api = commands["api-server"]
    assert api[api.index("--host") + 1] == "127.0.0.1"
    assert api[api.index("--port") + 1] == "8123"
    # The log servers of scheduler and triggerer bind every interface: never started.
    assert "--skip-serve-logs" in commands["scheduler"]
    assert "--skip-serve-logs" in commands["triggerer"]


def test_tasks_started_by_the_ui_get_the_same_settings_and_the_loopback_api(tmp_path: Path) -> None:
    settings = settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path)})
    environ = ui_environ(settings, 8123, {"PATH": "/usr/bin"})
    assert environ["SOVEX_STATE_DIR"] == str(tmp_path)
    assert environ["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8123/execution/"
    assert "SOVEX_MASTER_KEY" not in environ
