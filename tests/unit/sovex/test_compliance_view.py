"""The compliance officer's view: built from the store, the steward's files and the audit
trail; nothing typed by hand, nothing left out, nothing executable in a spreadsheet."""

from __future__ import annotations

import csv
import io
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from sovex.audit import AuditAction, AuditLog
from sovex.compliance_files import (
    ACCESS_CSV,
    HTML_NAME,
    PROJECTS_CSV,
    REGISTER_CSV,
    write_compliance_view,
)
from sovex.compliance_view import UNKNOWN_PURPOSE, ComplianceView, compliance_view_of
from sovex.governance.store import RequestStore
from sovex.model.settings import PROJECT_ROOT
from sovex.roles import load_roles

CATALOGS = PROJECT_ROOT / "infra" / "catalogs"
TARGETS = PROJECT_ROOT / "infra" / "targets"
INFRA = PROJECT_ROOT / "infra"
EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"
CLAIRE = "claire.moreau@chu-exemple.fr"
PAUL = "paul.bernard@chu-exemple.fr"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def deployment(tmp_path: Path) -> tuple[RequestStore, Path, Path]:
    roles = tmp_path / "roles.yaml"
    roles.write_text(f"users:\n  {CLAIRE}: [requester]\n  {PAUL}: [steward]\n", encoding="utf-8")
    state = tmp_path / "state"
    store = RequestStore(state / "sovex.db", load_roles(roles), CATALOGS, TARGETS)
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw.pop("schedule", None)
    request_file = tmp_path / "diabetes.yaml"
    request_file.write_text(yaml.safe_dump(raw), encoding="utf-8")
    store.submit(request_file, CLAIRE, T0)
    store.approve(raw["id"], PAUL, T0 + timedelta(hours=1))
    return store, request_file, state / "audit" / "audit.jsonl"


def view_of(store: RequestStore, audit: Path) -> ComplianceView:
    return compliance_view_of(store, infra_dir=INFRA, audit_path=audit, now=T0)


def test_the_register_has_one_activity_per_purpose_with_what_its_requests_release(
    deployment: tuple[RequestStore, Path, Path],
) -> None:
    store, request_file, audit = deployment
    raw = yaml.safe_load(request_file.read_text(encoding="utf-8"))
    view = view_of(store, audit)
    regimes = yaml.safe_load((INFRA / "consent" / "regimes.yaml").read_text())["regimes"]
    # Every declared purpose is in the register, even one nobody asked for yet.
    assert {a.purpose for a in view.activities} == set(regimes)
    activity = next(a for a in view.activities if a.purpose == raw["purpose"])
    assert activity.consent_regime == regimes[raw["purpose"]]
    assert activity.legal_bases == (raw["legal_basis"],)
    assert {c.split(":")[0] for c in activity.data_categories} == set(raw["tables"])
    assert activity.recipients == (f"{raw['project']} ({raw['requester']})",)
    assert activity.storage and activity.storage[0].startswith(f"{raw['target']}: ")
    assert activity.latest_retention is not None
    assert activity.latest_retention.isoformat() == str(raw["retention_until"])
    assert activity.requests == (f"{raw['id']} (approved)",)
    assert activity.problems == ()


def test_a_request_whose_file_changed_is_listed_under_unknown_not_left_out(
    deployment: tuple[RequestStore, Path, Path],
) -> None:
    store, request_file, audit = deployment
    raw = yaml.safe_load(request_file.read_text(encoding="utf-8"))
    raw["k_threshold"] = raw.get("k_threshold", 5) + 1
    request_file.write_text(yaml.safe_dump(raw), encoding="utf-8")
    unknown = next(a for a in view_of(store, audit).activities if a.purpose == UNKNOWN_PURPOSE)
    assert unknown.problems == (f"{raw['id']}: request file changed since submission",)
    request_file.unlink()
    unknown = next(a for a in view_of(store, audit).activities if a.purpose == UNKNOWN_PURPOSE)
    assert unknown.problems[0].startswith(f"{raw['id']}: request file unreadable")


def test_who_accessed_what_and_who_holds_access_come_from_the_audit_trail(
    deployment: tuple[RequestStore, Path, Path],
) -> None:
    store, request_file, audit = deployment
    project = yaml.safe_load(request_file.read_text(encoding="utf-8"))["project"]
    log = AuditLog(audit)
    log.append(PAUL, AuditAction.ACCESS_GRANTED, project, {"identity": f"sovex-read-{project}"})
    log.append(CLAIRE, AuditAction.EXTRACT_DOWNLOADED, "e-1", {"project": project, "files": 3})
    log.append(CLAIRE, AuditAction.EXTRACT_DOWNLOADED, "e-1", {"project": project, "files": 3})
    # Not an access: left out of the report.
    log.append("sovex", AuditAction.POLICY_DECISION, "scaleway-par", {"allowed": True})
    view = view_of(store, audit)
    actions = [(e.actor, e.action, e.project) for e in view.access]
    assert (CLAIRE, "request_submitted", project) in actions
    assert actions.count((CLAIRE, "extract_downloaded", project)) == 2
    assert (PAUL, "request_approved", project) in actions
    assert all(e.action != "policy_decision" for e in view.access)
    (mine,) = [p for p in view.projects if p.project == project]
    assert mine.access_holders == (f"sovex-read-{project}",)
    assert mine.downloads == 2
    log.append(PAUL, AuditAction.ACCESS_REVOKED, project, {"identity": f"sovex-read-{project}"})
    (mine,) = [p for p in view_of(store, audit).projects if p.project == project]
    assert mine.access_holders == ()


def test_files_are_private_escaped_and_safe_in_a_spreadsheet(
    deployment: tuple[RequestStore, Path, Path], tmp_path: Path
) -> None:
    store, _request_file, audit = deployment
    log = AuditLog(audit)
    log.append('=HYPERLINK("x")', AuditAction.EXTRACT_DOWNLOADED, "<b>e-1</b>", {"project": "p"})
    written = write_compliance_view(view_of(store, audit), tmp_path / "out")
    assert set(written) == {HTML_NAME, REGISTER_CSV, ACCESS_CSV, PROJECTS_CSV}
    for path in written.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(written)
    page = written[HTML_NAME].read_text(encoding="utf-8")
    assert "<b>e-1</b>" not in page and "&lt;b&gt;e-1&lt;/b&gt;" in page
    rows = list(csv.reader(io.StringIO(written[ACCESS_CSV].read_text(encoding="utf-8"))))
    assert rows[0] == ["at", "actor", "actor_auth", "action", "subject", "project"]
    assert rows[-1][1:] == [
        '\'=HYPERLINK("x")',
        "declared",
        "extract_downloaded",
        "<b>e-1</b>",
        "p",
    ]
    register = list(csv.DictReader(io.StringIO(written[REGISTER_CSV].read_text(encoding="utf-8"))))
    assert any(r["requests"].endswith("(approved)") for r in register)
