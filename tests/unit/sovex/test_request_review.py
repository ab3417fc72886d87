from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from sovex.governance.store import RequestStore
from sovex.model.errors import InvalidInput
from sovex.model.settings import PROJECT_ROOT, Settings, settings_from_environ
from sovex.request_review import review_request
from sovex.roles import PermissionRefused
from tests.helpers import register_project

EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"
CLAIRE = "claire.moreau@chu-exemple.fr"
NOW = datetime(2026, 11, 29, 9, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path / "state")})
    raw = yaml.safe_load(EXAMPLE.read_text())
    raw.pop("schedule")
    request = tmp_path / "request.yaml"
    request.write_text(yaml.safe_dump(raw))
    register_project(settings, raw["project"], CLAIRE)
    RequestStore.for_settings(settings).submit(request, CLAIRE, NOW)
    return settings


def test_a_steward_approves_as_the_logged_in_user(settings: Settings) -> None:
    message = review_request(settings, "diabetes-t2-2026", "approve", None, "admin", NOW)
    assert "approved" in message
    approval = RequestStore.for_settings(settings).get("diabetes-t2-2026").approval
    assert approval is not None and approval.approved_by == "admin"


def test_a_requester_logged_into_the_ui_cannot_review(settings: Settings) -> None:
    with pytest.raises(PermissionRefused, match="steward"):
        review_request(settings, "diabetes-t2-2026", "approve", None, CLAIRE, NOW)


def test_a_review_without_a_user_or_with_an_unknown_decision_is_refused(
    settings: Settings,
) -> None:
    with pytest.raises(InvalidInput, match="no logged-in user"):
        review_request(settings, "diabetes-t2-2026", "approve", None, None, NOW)
    with pytest.raises(InvalidInput, match="'maybe' is not one of: approve, reject"):
        review_request(settings, "diabetes-t2-2026", "maybe", None, "admin", NOW)


def test_a_rejection_needs_a_reason(settings: Settings) -> None:
    with pytest.raises(InvalidInput):
        review_request(settings, "diabetes-t2-2026", "reject", None, "admin", NOW)
    assert "rejected" in review_request(
        settings, "diabetes-t2-2026", "reject", "cohort too broad", "admin", NOW
    )
