"""Airflow's web UI and scheduler for stewards, on 127.0.0.1 only.

`airflow standalone` starts log servers bound to every interface, so the components are
started here one by one instead: the API server on loopback, and the scheduler and
triggerer without their log servers (the API server reads task logs from local files).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from sovex.model.settings import Settings
from sovex.services.local_processes import stop_groups

LOOPBACK = "127.0.0.1"
# Seconds between checks that every component is still alive.
WATCH_INTERVAL_S = 2.0
STOP_TIMEOUT_S = 30.0
LOCAL_PARALLELISM = 4


def component_commands(airflow_cli: Path, port: int) -> dict[str, list[str]]:
    cli = str(airflow_cli)
    return {
        "api-server": [cli, "api-server", "--host", LOOPBACK, "--port", str(port)],
        "scheduler": [cli, "scheduler", "--skip-serve-logs"],
        "dag-processor": [cli, "dag-processor"],
        "triggerer": [cli, "triggerer", "--skip-serve-logs"],
    }


def ui_environ(settings: Settings, port: int, base: Mapping[str, str]) -> dict[str, str]:
    environ = dict(base)
    environ.update(settings.as_environ())
    environ.update(
        {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}",
            "AIRFLOW__API__HOST": LOOPBACK,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{LOOPBACK}:{port}/execution/",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            # LocalExecutor starts this many worker processes; 32 is too many for 2 cores.
            "AIRFLOW__CORE__PARALLELISM": str(LOCAL_PARALLELISM),
            # A steward's approval of a scheduled request is what registers its DAG: new
            # DAGs start unpaused (the first task re-checks the approval anyway).
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            # Logins are the FAB auth manager's users (`sovex users sync`), set by
            # airflow_environ; the review screen is a plugin of this server (/sovex).
        }
    )
    return environ


def password_file(settings: Settings, user: str = "admin") -> Path:
    """Where `sovex users sync` wrote the generated password of `user` (0600)."""
    from sovex.accounts import passwords_dir

    return passwords_dir(settings) / user


def run_airflow_ui(settings: Settings, port: int, base_environ: Mapping[str, str]) -> int:
    """Start every component, stop them all when one exits or on Ctrl-C."""
    airflow_cli = Path(sys.executable).parent / "airflow"
    environ = ui_environ(settings, port, base_environ)
    log_dir = settings.logs_dir / "airflow-ui"
    log_dir.mkdir(parents=True, exist_ok=True)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    # A SIGTERM (service manager, `timeout`) must also stop the components: exit cleanly.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        for name, command in component_commands(airflow_cli, port).items():
            with (log_dir / f"{name}.log").open("ab") as log:
                # Own process group each, so stopping one also stops the workers it forked.
                processes[name] = subprocess.Popen(
                    command,
                    env=environ,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        while all(process.poll() is None for process in processes.values()):
            time.sleep(WATCH_INTERVAL_S)
        exited = [name for name, process in processes.items() if process.poll() is not None]
        print(
            f"Airflow component(s) stopped: {', '.join(exited)}; logs in {log_dir}", file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_groups(list(processes.values()), STOP_TIMEOUT_S)
