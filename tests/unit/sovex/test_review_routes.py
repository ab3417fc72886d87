"""The review screen's routes through FastAPI's TestClient: who sees what, who may decide,
CSRF on every form, the JSON API taking bearer tokens only (issue 20).

Logins are the one stand-in: Airflow's auth manager is replaced by a table of tokens
(the real one runs in tests/integration/test_review_browser.py)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from fastapi import Request
from fastapi.testclient import TestClient

from sovex.audit import AuditLog, default_log_path
from sovex.governance.store import RequestStore
from sovex.model.settings import PROJECT_ROOT, Settings, settings_from_environ
from sovex.review.app import BEARER, COOKIE, Login, create_review_app
from sovex.review.csrf import csrf_token, key_path, load_or_create_key
from sovex.synth.population import generate_population
from tests.helpers import register_project

CLAIRE = "claire.moreau@chu-exemple.fr"
PAUL = "paul.bernard@chu-exemple.fr"
NADIA = "nadia.haddad@chu-exemple.fr"
TOKENS = {"t-claire": CLAIRE, "t-paul": PAUL, "t-nadia": NADIA}
EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"
REQUEST_ID = "diabetes-t2-2026"


async def token_table(request: Request) -> Login | None:
    header = request.headers.get("authorization", "")
    if header.startswith("Bearer ") and header[7:] in TOKENS:
        return Login(TOKENS[header[7:]], BEARER)
    cookie = request.cookies.get("_token")
    return Login(TOKENS[cookie], COOKIE) if cookie in TOKENS else None


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A submission is checked as `request validate` checks it: the source must exist.
    folder = tmp_path_factory.mktemp("source")
    generate_population(folder, patients=30)
    return folder


@pytest.fixture
def settings(tmp_path: Path, source: Path) -> Settings:
    infra = tmp_path / "infra"
    shutil.copytree(PROJECT_ROOT / "infra", infra, ignore=shutil.ignore_patterns("deploy"))
    (infra / "roles.yaml").write_text(
        yaml.safe_dump({"users": {CLAIRE: ["requester"], PAUL: ["steward"], NADIA: ["compliance"]}})
    )
    settings = settings_from_environ(
        {
            "SOVEX_STATE_DIR": str(tmp_path / "state"),
            "SOVEX_INFRA_DIR": str(infra),
            "SOVEX_SOURCE_DIR": str(source),
        }
    )
    request_file = tmp_path / "request.yaml"
    raw = yaml.safe_load(EXAMPLE.read_text())
    raw.pop("schedule", None)
    request_file.write_text(yaml.safe_dump(raw))
    register_project(settings, raw["project"], CLAIRE)
    RequestStore.for_settings(settings).submit(request_file, CLAIRE, datetime.now(UTC))
    return settings


def client_as(settings: Settings, token: str | None) -> TestClient:
    app = create_review_app(lambda: settings, token_table, mount_path="")
    client = TestClient(app, follow_redirects=False)
    if token is not None:
        client.cookies.set("_token", token)
    return client


def form(settings: Settings, user: str, **fields: str) -> dict[str, str]:
    key = load_or_create_key(key_path(settings.state_dir))
    return {"csrf": csrf_token(key, user), **fields}


def test_nobody_logged_in_is_sent_to_the_login_page(settings: Settings) -> None:
    response = client_as(settings, None).get(f"/requests/{REQUEST_ID}")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/auth/login/?next=")


def test_the_queue_lists_the_submitted_request(settings: Settings) -> None:
    response = client_as(settings, "t-paul").get("/")
    assert response.status_code == 200
    assert REQUEST_ID in response.text
    assert response.headers["x-frame-options"] == "DENY"


def test_the_steward_sees_the_content_and_the_requester_sees_no_approve_button(
    settings: Settings,
) -> None:
    steward = client_as(settings, "t-paul").get(f"/requests/{REQUEST_ID}").text
    assert "parcours-diabete" in steward and 'id="approve"' in steward
    assert "chronic-disease-research" in steward  # the content, as submitted
    assert "opt_out" in steward  # the purpose's consent regime
    requester = client_as(settings, "t-claire").get(f"/requests/{REQUEST_ID}").text
    assert 'id="approve"' not in requester and 'id="own-request"' in requester


def test_the_requester_cannot_approve_even_by_posting_the_form(settings: Settings) -> None:
    response = client_as(settings, "t-claire").post(
        f"/requests/{REQUEST_ID}/approve", data=form(settings, CLAIRE, comment="mine")
    )
    assert response.status_code == 403
    assert RequestStore.for_settings(settings).get(REQUEST_ID).state.value == "submitted"


def test_a_form_without_the_csrf_token_is_refused(settings: Settings) -> None:
    response = client_as(settings, "t-paul").post(
        f"/requests/{REQUEST_ID}/approve", data={"comment": "ok", "csrf": "0" * 64}
    )
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert RequestStore.for_settings(settings).get(REQUEST_ID).state.value == "submitted"


def test_the_steward_approves_with_a_comment_and_conditions(settings: Settings) -> None:
    client = client_as(settings, "t-paul")
    response = client.post(
        f"/requests/{REQUEST_ID}/approve",
        data=form(settings, PAUL, comment="cohort is proportionate", conditions="no linkage\n"),
    )
    assert response.status_code == 303
    status = RequestStore.for_settings(settings).get(REQUEST_ID)
    assert status.state.value == "approved"
    assert status.approval is not None and status.approval.conditions == ("no linkage",)
    records = list(AuditLog(default_log_path(settings.state_dir)).records())
    names = {(r["actor"], r["action"], r["actor_auth"]) for r in records}
    assert (CLAIRE, "request_submitted", "declared") in names
    assert (PAUL, "request_approved", "authenticated") in names
    page = client.get(response.headers["location"]).text
    assert "cohort is proportionate" in page


def test_the_api_takes_bearer_tokens_only(settings: Settings) -> None:
    cookie_only = client_as(settings, "t-paul").post(
        f"/api/requests/{REQUEST_ID}/approve", json={"comment": "ok"}
    )
    assert cookie_only.status_code == 401
    api = client_as(settings, None)
    own = api.post(
        f"/api/requests/{REQUEST_ID}/approve",
        json={},
        headers={"Authorization": "Bearer t-claire"},
    )
    assert own.status_code == 403 and own.json()["exit_code"] == 2
    done = api.post(
        f"/api/requests/{REQUEST_ID}/approve",
        json={"comment": "ok", "conditions": ["no linkage"]},
        headers={"Authorization": "Bearer t-paul"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"]["approval"]["approved_by"] == PAUL
    again = api.post(
        f"/api/requests/{REQUEST_ID}/reject",
        json={"reason": "late"},
        headers={"Authorization": "Bearer t-paul"},
    )
    assert again.status_code == 409


def test_only_the_compliance_role_reads_the_compliance_page(settings: Settings) -> None:
    assert client_as(settings, "t-paul").get("/compliance").status_code == 403
    page = client_as(settings, "t-nadia").get("/compliance")
    assert page.status_code == 200
    assert "parcours-diabete" in page.text
    assert json.dumps(page.headers.get("content-security-policy", "")).count("default-src") == 1


def submit_as(settings: Settings, token: str, file_name: str, content: str):  # type: ignore[no-untyped-def]
    return client_as(settings, None).post(
        "/api/requests",
        json={"file_name": file_name, "content": content},
        headers={"Authorization": f"Bearer {token}"},
    )


def changed_example(**changes: object) -> str:
    raw = yaml.safe_load(EXAMPLE.read_text())
    raw.pop("schedule", None)
    raw.update(changes)
    return yaml.safe_dump(raw)


def test_a_request_submitted_through_the_api_is_kept_on_the_server_and_names_its_person(
    settings: Settings,
) -> None:
    content = changed_example(small_cell_threshold=20)
    response = submit_as(settings, "t-claire", "diabetes-t2.yaml", content)
    assert response.status_code == 200, response.text
    assert "again: the change needs a new approval" in response.json()["message"]
    status = RequestStore.for_settings(settings).get(REQUEST_ID)
    kept = Path(status.submission.request_file)
    # The run re-reads the file it was submitted from: it lives in the server's state.
    assert kept.is_relative_to(settings.state_dir / "received-requests")
    assert kept.read_text() == content
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    assert oct(kept.parent.stat().st_mode & 0o777) == "0o700"
    records = list(AuditLog(default_log_path(settings.state_dir)).records())
    assert (records[-1]["actor"], records[-1]["action"], records[-1]["actor_auth"]) == (
        CLAIRE,
        "request_submitted",
        "authenticated",
    )


def test_a_refused_submission_names_the_senders_file_and_leaves_nothing(
    settings: Settings,
) -> None:
    response = submit_as(settings, "t-claire", "mine.yaml", changed_example(target="aws-paris"))
    assert response.status_code == 400
    body = response.json()
    assert body["exit_code"] == 2
    assert "mine.yaml: field 'target'" in body["error"]
    assert str(settings.state_dir) not in body["error"]
    received = settings.state_dir / "received-requests"
    assert not received.exists() or not any(received.iterdir())
    assert RequestStore.for_settings(settings).get(REQUEST_ID).state.value == "submitted"


@pytest.mark.parametrize("file_name", ["../escape.yaml", "request.txt", "", ".hidden.yaml"])
def test_a_submitted_file_name_that_is_not_a_plain_yaml_name_is_refused(
    settings: Settings, file_name: str
) -> None:
    response = submit_as(settings, "t-claire", file_name, changed_example())
    assert response.status_code == 400
    assert "field 'file_name'" in response.json()["error"]


def test_a_steward_changes_projects_through_the_api_and_others_cannot(settings: Settings) -> None:
    api = client_as(settings, None)
    refused = api.post(
        "/api/projects/etude-hta/create",
        json={"description": "Hypertension cohort"},
        headers={"Authorization": "Bearer t-claire"},
    )
    assert refused.status_code == 403
    created = api.post(
        "/api/projects/etude-hta/create",
        json={"description": "Hypertension cohort"},
        headers={"Authorization": "Bearer t-paul"},
    )
    assert created.status_code == 200, created.text
    assert created.json()["result"]["created_by"] == PAUL
    added = api.post(
        "/api/projects/etude-hta/add-member",
        json={"person": CLAIRE, "role": "researcher"},
        headers={"Authorization": "Bearer t-paul"},
    )
    assert added.status_code == 200, added.text
    assert added.json()["lines"] == [f"{CLAIRE} is a researcher on etude-hta"]
    unknown = api.post(
        "/api/projects/etude-hta/rename",
        json={},
        headers={"Authorization": "Bearer t-paul"},
    )
    assert unknown.status_code == 400 and "unknown action" in unknown.json()["error"]
    records = [
        (r["actor"], r["action"], r["actor_auth"])
        for r in AuditLog(default_log_path(settings.state_dir)).records()
        if r["subject"] == "etude-hta"
    ]
    assert records == [
        (PAUL, "project_created", "authenticated"),
        (PAUL, "project_member_added", "authenticated"),
    ]
