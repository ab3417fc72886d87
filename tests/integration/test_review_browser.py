"""The review screen in a real browser (issue 20): `sovex airflow-ui` (FAB logins synced
from infra/roles.yaml, the sovex plugin at /sovex) and Debian's Chromium driven by
Playwright. The researcher cannot approve their request (page and API), the steward sees
its content and approves it with a comment, the audit log names both people and says
how each is known, the compliance officer sees the register and the access report."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sovex.accounts import passwords_dir
from sovex.audit import AuditLog, default_log_path
from sovex.governance.store import RequestStore
from sovex.model.settings import Settings
from tests.helpers import START_TIMEOUT_S, wait_for, write_one_off_variant
from tests.review_walkthrough import (
    CHROMIUM,
    COMMENT,
    COMPLIANCE,
    CONDITION,
    RESEARCHER,
    STEWARD,
    walk_through,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REQUEST_ID = "review-browser"
PROJECT = "projet-revue-navigateur"
# Lines `sovex airflow-ui` may write (library warnings) before the one with its URL.
MAX_START_LINES = 200


def start_ui(settings: Settings) -> tuple[subprocess.Popen[str], str]:
    """`sovex airflow-ui` and its base URL, once the review screen answers."""
    import urllib.request

    process = subprocess.Popen(
        [sys.executable, "-m", "sovex", "airflow-ui"],
        env={**os.environ, **settings.as_environ()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stderr is not None
    for _ in range(MAX_START_LINES):
        line = process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if match or not line:
            break
    assert match, "sovex airflow-ui printed no URL"
    base = f"http://127.0.0.1:{match.group(1)}"

    def answers() -> bool:
        with urllib.request.urlopen(f"{base}/auth/login/", timeout=10) as response:
            return bool(response.status == 200)

    wait_for("the API server", START_TIMEOUT_S, answers)
    return process, base


def stop(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    if process.stderr is not None:
        process.stderr.close()


def cli_as(settings: Settings, server: str, user: str, *arguments: str) -> str:
    """`sovex …` as `user` through the review server (their token, from their password
    file); the JSON it printed. A refusal fails the test with the CLI's message."""
    environ = {
        **os.environ,
        **settings.as_environ(),
        "SOVEX_API_URL": server,
        "SOVEX_USER": user,
        "SOVEX_PASSWORD_FILE": str(passwords_dir(settings) / user),
    }
    done = subprocess.run(
        [sys.executable, "-m", "sovex", *arguments],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def review_server(pipeline_settings: Settings) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make services` (infra/services/install.sh)")
    process, base = start_ui(pipeline_settings)
    try:
        yield base
    finally:
        stop(process)


def test_researcher_steward_and_compliance_officer_in_a_real_browser(
    pipeline_settings: Settings, review_server: str, tmp_path: Path
) -> None:
    request = write_one_off_variant(tmp_path, id=REQUEST_ID, project=PROJECT)
    folder = passwords_dir(pipeline_settings)
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    passwords = {}
    for user in (RESEARCHER, STEWARD, COMPLIANCE):
        path = folder / user
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        passwords[user] = path.read_text().strip()
    # The CLI through the server, each person with their own password file: the steward
    # registers the project and its member, the researcher submits the request.
    cli_as(
        pipeline_settings,
        review_server,
        STEWARD,
        "project",
        "create",
        PROJECT,
        "--description",
        "Review screen walk-through",
    )
    cli_as(
        pipeline_settings,
        review_server,
        STEWARD,
        "project",
        "add-member",
        PROJECT,
        RESEARCHER,
        "--role",
        "researcher",
    )
    submitted = cli_as(
        pipeline_settings, review_server, RESEARCHER, "request", "submit", str(request)
    )
    assert json.loads(submitted)["state"] == "submitted"
    # The server keeps what was sent: the researcher's own file is no longer needed.
    request.unlink()

    walk = walk_through(review_server, passwords, REQUEST_ID, tmp_path / "shots")

    # The researcher: their own request, no approve button, and the API refuses too.
    assert 'id="own-request"' in walk.researcher_page
    assert 'id="approve"' not in walk.researcher_page
    assert walk.researcher_api_status == 403
    # The steward saw the content as submitted and the dry-run counts, then approved.
    assert "projet-revue-navigateur" in walk.steward_page
    assert "patient(s) match the cohort filters" in walk.steward_page
    assert COMMENT in walk.approved_page and CONDITION in walk.approved_page
    status = RequestStore.for_settings(pipeline_settings).get(REQUEST_ID)
    assert status.state.value == "approved"
    assert status.approval is not None and status.approval.approved_by == STEWARD
    # The audit log names both people, and how each is known.
    records = [
        r
        for r in AuditLog(default_log_path(pipeline_settings.state_dir)).records()
        if r["subject"] == f"request:{REQUEST_ID}"
    ]
    assert [(r["action"], r["actor"], r["actor_auth"]) for r in records] == [
        ("request_submitted", RESEARCHER, "authenticated"),
        ("request_approved", STEWARD, "authenticated"),
    ]
    project_records = [
        (r["action"], r["actor"], r["actor_auth"])
        for r in AuditLog(default_log_path(pipeline_settings.state_dir)).records()
        if r["subject"] == PROJECT
    ]
    assert project_records == [
        ("project_created", STEWARD, "authenticated"),
        ("project_member_added", STEWARD, "authenticated"),
    ]
    # The compliance officer: the register and the access report, naming the approval.
    assert "Register of processing activities" in walk.compliance_page
    assert "Who accessed what" in walk.compliance_page
    assert STEWARD in walk.compliance_page
    assert all(path.stat().st_size > 0 for path in walk.screenshots)
