"""`sovex users sync` against a real Airflow metadata database with the FAB auth manager
(issue 20): people of infra/roles.yaml become users with hashed passwords, generated
passwords land in 0600 files and are never printed, a password file others can read is
refused, and a person removed from the roles file loses their login."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sovex.model.settings import PROJECT_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STEWARD = "paul.bernard@chu-exemple.fr"
RESEARCHER = "claire.moreau@chu-exemple.fr"
SYNC_TIMEOUT_S = 600


def sync(state: Path, infra: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {
        key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "SOVEX_"))
    }
    environ |= {"SOVEX_STATE_DIR": str(state), "SOVEX_INFRA_DIR": str(infra)}
    return subprocess.run(
        [sys.executable, "-m", "sovex", "users", "sync", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=SYNC_TIMEOUT_S,
        check=False,
    )


def users_table(state: Path) -> dict[str, tuple[bool, str]]:
    with sqlite3.connect(state / "airflow" / "airflow.db") as db:
        return {
            name: (bool(active), password)
            for name, active, password in db.execute(
                "SELECT username, active, password FROM ab_user"
            )
        }


def test_users_sync_follows_the_roles_file(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    shutil.copytree(PROJECT_ROOT / "infra", infra, ignore=shutil.ignore_patterns("deploy"))
    (infra / "roles.yaml").write_text(
        yaml.safe_dump({"users": {RESEARCHER: ["requester"], STEWARD: ["steward"]}})
    )
    state = tmp_path / "state"

    first = sync(state, infra)
    assert first.returncode == 0, first.stderr[-2000:]
    synced = {row["user"]: row for row in json.loads(first.stdout.splitlines()[-1])}
    assert synced[STEWARD]["change"] == "created" and synced[STEWARD]["airflow_role"] == "Op"
    assert synced[RESEARCHER]["airflow_role"] == "Viewer"
    folder = state / "accounts" / "passwords"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    users = users_table(state)
    for person in (STEWARD, RESEARCHER):
        path = folder / person
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        password = path.read_text().strip()
        # Never printed, and stored only as a hash.
        assert password not in first.stdout + first.stderr
        assert users[person][0] and password not in users[person][1]

    loose = tmp_path / "given"
    loose.mkdir()
    (loose / STEWARD).write_text("a-password-others-can-read\n")
    os.chmod(loose / STEWARD, 0o644)
    refused = sync(state, infra, "--passwords", str(loose))
    assert refused.returncode == 2
    assert "readable by others" in refused.stderr
    assert "a-password-others-can-read" not in refused.stdout + refused.stderr

    (infra / "roles.yaml").write_text(yaml.safe_dump({"users": {STEWARD: ["steward"]}}))
    second = sync(state, infra)
    assert second.returncode == 0, second.stderr[-2000:]
    changes = {row["user"]: row["change"] for row in json.loads(second.stdout.splitlines()[-1])}
    assert changes == {STEWARD: "unchanged", RESEARCHER: "deactivated"}
    assert users_table(state)[RESEARCHER][0] is False
