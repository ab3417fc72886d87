from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from sovex.model.errors import InvalidInput
from transforms.consent_regimes import ConsentRegimes, Regime, UnknownPurpose
from transforms.consent_registry import (
    Basis,
    ConsentRegistryEmpty,
    Decision,
    LoadResult,
    apply_regime,
    apply_registry_consent,
    decisions_as_of,
    load_file,
    registry_status,
)
from transforms.fhir_consent import PURPOSE_SYSTEM, SCOPE_SYSTEM

PURPOSE = "chronic-disease-research"
OTHER_PURPOSE = "cancer-research"
INGESTED_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def resource(
    resource_id: str,
    patient: str,
    recorded: str,
    status: str = "active",
    kind: str = "permit",
    start: str | None = None,
    end: str | None = None,
    purposes: tuple[str, ...] = (PURPOSE,),
) -> dict[str, Any]:
    period = {key: value for key, value in (("start", start), ("end", end)) if value}
    provision: dict[str, Any] = {
        "type": kind,
        "purpose": [{"system": PURPOSE_SYSTEM, "code": code} for code in purposes],
    }
    if period:
        provision["period"] = period
    return {
        "resourceType": "Consent",
        "id": resource_id,
        "status": status,
        "scope": {"coding": [{"system": SCOPE_SYSTEM, "code": "research"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient}"},
        "dateTime": recorded,
        "provision": provision,
    }


class Registry:
    """A registry in tmp_path, fed NDJSON files written from resource dicts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db = folder / "state" / "sovex.db"
        self.files = 0

    def load(self, *resources: dict[str, Any] | str) -> LoadResult:
        self.files += 1
        path = self.folder / f"export-{self.files}.ndjson"
        lines = [item if isinstance(item, str) else json.dumps(item) for item in resources]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return self.load_path(path)

    def load_path(self, path: Path) -> LoadResult:
        return load_file(self.db, path, self.rejects(path), INGESTED_AT, workers=1)

    def rejects(self, path: Path) -> Path:
        return self.folder / "rejects" / f"{path.name}.rejects.jsonl"

    def decision(self, patient: str, on: date, purpose: str = PURPOSE) -> Decision:
        return decisions_as_of(self.db, purpose, on).decision_for(patient)

    def included(self, cohort: list[str], on: date, regime: Regime) -> list[str]:
        outcome = apply_regime(decisions_as_of(self.db, PURPOSE, on), pa.array(cohort), regime)
        return outcome.included.to_pylist()


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return Registry(tmp_path)


ON = date(2025, 6, 1)


@pytest.mark.parametrize(
    ("regime", "expected"),
    [
        (Regime.OPT_IN, ["P-PERMIT"]),
        (Regime.OPT_OUT, ["P-NOTHING", "P-OTHER-PURPOSE", "P-PERMIT"]),
    ],
)
def test_each_regime_includes_permits_excludes_denies_and_treats_silence_its_own_way(
    registry: Registry, regime: Regime, expected: list[str]
) -> None:
    registry.load(
        resource("C1", "P-PERMIT", "2025-01-01"),
        resource("C2", "P-DENY", "2025-01-01", kind="deny"),
        resource("C3", "P-OTHER-PURPOSE", "2025-01-01", kind="deny", purposes=(OTHER_PURPOSE,)),
    )
    cohort = ["P-PERMIT", "P-DENY", "P-OTHER-PURPOSE", "P-NOTHING"]
    assert registry.included(cohort, ON, regime) == expected


@pytest.mark.parametrize("regime", list(Regime))
def test_counts_reconcile_with_the_cohort(registry: Registry, regime: Regime) -> None:
    registry.load(
        resource("C1", "P1", "2025-01-01"),
        resource("C2", "P2", "2025-01-01", kind="deny"),
        resource("C3", "P3", "2025-01-01"),
        resource("C3", "P3", "2025-02-01", status="inactive"),
        resource("C4", "P4", "2025-01-01", status="rejected"),
        resource("C5", "P5", "2025-01-01", end="2025-03-01"),
    )
    cohort = pa.array(["P1", "P2", "P3", "P4", "P5", "P6", "P1", None])
    outcome = apply_regime(decisions_as_of(registry.db, PURPOSE, ON), cohort, regime)
    counts = outcome.counts()
    assert counts["cohort"] == 6  # duplicates and nulls dropped
    assert counts["excluded_denied"] == 3  # opposed, withdrawn, refused
    assert counts["included"] == (1 if regime is Regime.OPT_IN else 3)
    assert counts["excluded_no_consent"] == (2 if regime is Regime.OPT_IN else 0)
    assert counts["cohort"] == (
        counts["included"] + counts["excluded_denied"] + counts["excluded_no_consent"]
    )


def test_a_withdrawal_between_two_dates_changes_only_the_later_decision(
    registry: Registry,
) -> None:
    registry.load(
        resource("C1", "P1", "2025-01-01"),
        resource("C1", "P1", "2025-04-15", status="inactive"),
    )
    assert registry.decision("P1", date(2025, 4, 14)) is Decision.PERMIT
    assert registry.decision("P1", date(2025, 4, 15)) is Decision.DENY
    for regime in Regime:
        assert registry.included(["P1"], date(2025, 3, 1), regime) == ["P1"]
        assert registry.included(["P1"], date(2025, 5, 1), regime) == []


def test_a_later_version_supersedes_and_an_earlier_date_replays_the_old_state(
    registry: Registry,
) -> None:
    # Loaded in the opposite order to their dates: recorded_on orders versions.
    registry.load(resource("C1", "P1", "2025-05-01", kind="deny"))
    registry.load(resource("C1", "P1", "2025-01-01"))
    assert registry.decision("P1", date(2024, 12, 31)) is Decision.NONE
    assert registry.decision("P1", date(2025, 3, 1)) is Decision.PERMIT
    assert registry.decision("P1", date(2025, 5, 1)) is Decision.DENY


def test_versions_recorded_the_same_day_are_ordered_by_ingest(registry: Registry) -> None:
    registry.load(resource("C1", "P1", "2025-01-01"))
    registry.load(resource("C1", "P1", "2025-01-01", kind="deny"))
    assert registry.decision("P1", ON) is Decision.DENY


def test_the_latest_resource_listing_the_purpose_decides_for_the_patient(
    registry: Registry,
) -> None:
    registry.load(
        resource("C1", "P1", "2024-01-01", purposes=(PURPOSE, OTHER_PURPOSE)),
        resource("C2", "P1", "2025-01-01", kind="deny"),
    )
    assert registry.decision("P1", ON) is Decision.DENY
    assert registry.decision("P1", ON, purpose=OTHER_PURPOSE) is Decision.PERMIT


def test_a_version_that_drops_the_purpose_stops_deciding_for_it(registry: Registry) -> None:
    registry.load(
        resource("C1", "P1", "2024-01-01", kind="deny"),
        resource("C1", "P1", "2025-01-01", kind="deny", purposes=(OTHER_PURPOSE,)),
    )
    assert registry.decision("P1", date(2024, 6, 1)) is Decision.DENY
    assert registry.decision("P1", ON) is Decision.NONE


def test_an_entered_in_error_version_removes_its_resource_from_its_date(
    registry: Registry,
) -> None:
    registry.load(
        resource("C1", "P1", "2024-01-01"),
        resource("C2", "P1", "2025-01-01", kind="deny"),
        resource("C2", "P1", "2025-03-01", status="entered-in-error", kind="deny"),
    )
    assert registry.decision("P1", date(2025, 2, 1)) is Decision.DENY
    # The erroneous deny no longer holds: the earlier permit decides again.
    assert registry.decision("P1", ON) is Decision.PERMIT


def test_an_entered_in_error_resource_alone_never_decides(registry: Registry) -> None:
    registry.load(resource("C1", "P1", "2025-01-01", status="entered-in-error", kind="deny"))
    assert registry.decision("P1", ON) is Decision.NONE
    assert registry.included(["P1"], ON, Regime.OPT_OUT) == ["P1"]


@pytest.mark.parametrize("status", ["draft", "proposed"])
def test_draft_and_proposed_versions_never_count(registry: Registry, status: str) -> None:
    registry.load(
        resource("C1", "P1", "2025-01-01"),
        resource("C1", "P1", "2025-02-01", status=status, kind="deny"),
        resource("C2", "P2", "2025-01-01", status=status),
    )
    assert registry.decision("P1", ON) is Decision.PERMIT
    assert registry.decision("P2", ON) is Decision.NONE


@pytest.mark.parametrize(
    ("on", "decision"),
    [
        (date(2025, 1, 31), Decision.NONE),  # not started
        (date(2025, 2, 1), Decision.PERMIT),  # bounds are inclusive
        (date(2025, 3, 31), Decision.PERMIT),
        (date(2025, 4, 1), Decision.NONE),  # expired
    ],
)
def test_a_permit_counts_only_within_its_period(
    registry: Registry, on: date, decision: Decision
) -> None:
    registry.load(resource("C1", "P1", "2025-01-01", start="2025-02-01", end="2025-03-31"))
    assert registry.decision("P1", on) is decision


def test_an_expired_deny_no_longer_excludes(registry: Registry) -> None:
    registry.load(resource("C1", "P1", "2024-01-01", kind="deny", end="2024-12-31"))
    assert registry.included(["P1"], ON, Regime.OPT_OUT) == ["P1"]


@pytest.mark.parametrize(
    ("status", "kind", "decision", "basis"),
    [
        ("active", "permit", Decision.PERMIT, Basis.PERMIT),
        ("active", "deny", Decision.DENY, Basis.OPPOSED),
        ("inactive", "permit", Decision.DENY, Basis.WITHDRAWN),
        ("inactive", "deny", Decision.NONE, Basis.LIFTED),
        ("rejected", "permit", Decision.DENY, Basis.REFUSED),
        ("rejected", "deny", Decision.DENY, Basis.REFUSED),
    ],
)
def test_each_status_and_type_maps_to_its_decision(
    registry: Registry, status: str, kind: str, decision: Decision, basis: Basis
) -> None:
    registry.load(resource("C1", "P1", "2025-01-01", status=status, kind=kind))
    table = decisions_as_of(registry.db, PURPOSE, ON).table
    assert table.select(["patient_id", "decision", "basis", "resource_id"]).to_pylist() == [
        {"patient_id": "P1", "decision": decision.value, "basis": basis.value, "resource_id": "C1"}
    ]


def test_loading_the_same_file_twice_changes_nothing(registry: Registry) -> None:
    first = registry.load(resource("C1", "P1", "2025-01-01"), "not json")
    before = decisions_as_of(registry.db, PURPOSE, ON).table
    again = registry.load_path(registry.folder / "export-1.ndjson")
    assert (first.accepted, first.rejected, first.new_versions) == (1, 1, 1)
    assert again.already_loaded and not first.already_loaded
    assert (again.accepted, again.rejected, again.file_sha256) == (1, 1, first.file_sha256)
    status = registry_status(registry.db)
    assert (status.files, status.versions) == (1, 1)
    assert decisions_as_of(registry.db, PURPOSE, ON).table.equals(before)


def test_an_overlapping_export_appends_only_the_versions_not_held(registry: Registry) -> None:
    registry.load(resource("C1", "P1", "2025-01-01"))
    result = registry.load(
        resource("C1", "P1", "2025-01-01"), resource("C1", "P1", "2025-04-01", status="inactive")
    )
    assert (result.accepted, result.new_versions) == (2, 1)
    assert registry_status(registry.db).versions == 2


def test_malformed_lines_land_in_the_reject_file_with_line_numbers_and_no_patient_id(
    registry: Registry,
) -> None:
    missing_type = resource("C3", "P-SECRET-3", "2025-01-01")
    del missing_type["provision"]["type"]
    result = registry.load(
        resource("C1", "P-SECRET-1", "2025-01-01"),
        json.dumps(resource("C2", "P-SECRET-2", "2025-01-01"))[:80],
        missing_type,
        resource("C4", "P-SECRET-4", "2025-01-01", status="approved"),
    )
    assert (result.accepted, result.rejected) == (1, 3)
    text = registry.rejects(registry.folder / "export-1.ndjson").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines()]
    assert [(row["line"], row["resource_id"], row["code"]) for row in rows] == [
        (2, None, "invalid_json"),
        (3, "C3", "invalid_provision_type"),
        (4, "C4", "invalid_status"),
    ]
    assert all(row["file"].endswith("export-1.ndjson") for row in rows)
    assert "P-SECRET" not in text


def test_a_bundle_is_loaded_and_its_rejects_name_the_entry(registry: Registry) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": resource("C1", "P1", "2025-01-01", kind="deny")},
            {"resource": resource("C2", "P2", "2025-01-01", status="approved")},
        ],
    }
    path = registry.folder / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    result = registry.load_path(path)
    assert (result.accepted, result.rejected) == (1, 1)
    assert registry.decision("P1", ON) is Decision.DENY
    row = json.loads(registry.rejects(path).read_text(encoding="utf-8"))
    assert (row["entry"], row["resource_id"], "line" in row) == (2, "C2", False)


def test_a_failed_load_leaves_the_registry_and_reject_file_untouched(
    registry: Registry,
) -> None:
    registry.load(resource("C1", "P1", "2025-01-01"))
    path = registry.folder / "bundle.json"
    path.write_text("{broken", encoding="utf-8")
    with pytest.raises(InvalidInput):
        registry.load_path(path)
    status = registry_status(registry.db)
    assert (status.files, status.versions) == (1, 1)
    assert not registry.rejects(path).exists()
    assert list((registry.folder / "rejects").glob(".*partial")) == []


def test_registry_rows_can_never_be_updated_or_deleted(registry: Registry) -> None:
    registry.load(resource("C1", "P1", "2025-01-01"))
    with sqlite3.connect(registry.db) as connection:
        for statement in (
            "UPDATE consent_versions SET status = 'inactive'",
            "DELETE FROM consent_versions",
            "DELETE FROM consent_files",
            "DELETE FROM consent_version_purposes",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                connection.execute(statement)
    assert registry.decision("P1", ON) is Decision.PERMIT


def test_an_empty_registry_is_refused_rather_than_deciding_on_nothing(
    registry: Registry,
) -> None:
    status = registry_status(registry.db)
    assert status.empty and status.last_ingested_at is None
    assert not registry.db.exists()  # asking does not create it
    with pytest.raises(ConsentRegistryEmpty, match="holds no consent"):
        decisions_as_of(registry.db, PURPOSE, ON)
    registry.load("not json")  # a file with only rejects still leaves it empty
    with pytest.raises(ConsentRegistryEmpty):
        decisions_as_of(registry.db, PURPOSE, ON)
    assert registry_status(registry.db).files == 1


def test_the_status_reports_files_versions_and_last_ingest(registry: Registry) -> None:
    registry.load(resource("C1", "P1", "2025-01-01"), resource("C2", "P2", "2025-01-01"))
    status = registry_status(registry.db)
    assert (status.files, status.versions, status.empty) == (1, 2, False)
    assert status.last_ingested_at == INGESTED_AT.isoformat()


def test_the_snapshot_names_the_applied_state_not_the_ingest_order(tmp_path: Path) -> None:
    first = resource("C1", "P1", "2025-01-01")
    withdrawal = resource("C1", "P1", "2025-04-15", status="inactive")
    other = resource("C2", "P2", "2025-01-01", kind="deny")

    def snapshot(folder: str, *files: list[dict[str, Any]], on: date = ON) -> str:
        registry = Registry(tmp_path / folder)
        registry.folder.mkdir()
        for resources in files:
            registry.load(*resources)
        decisions = decisions_as_of(registry.db, PURPOSE, on)
        return apply_regime(decisions, pa.array(["P1", "P2"]), Regime.OPT_OUT).snapshot_sha256

    one_order = snapshot("a", [first, withdrawal], [other])
    other_order = snapshot("b", [other], [first, withdrawal])
    before_withdrawal = snapshot("c", [first, withdrawal], [other], on=date(2025, 3, 1))
    assert one_order == other_order != before_withdrawal


def test_the_gate_applies_the_regime_the_steward_declared(registry: Registry) -> None:
    registry.load(resource("C1", "P1", "2025-01-01"))
    regimes = ConsentRegimes(path=Path("regimes.yaml"), regimes={PURPOSE: Regime.OPT_IN})
    outcome = apply_registry_consent(registry.db, regimes, pa.array(["P1", "P2"]), PURPOSE, ON)
    assert (outcome.regime, outcome.included.to_pylist()) == (Regime.OPT_IN, ["P1"])
    with pytest.raises(UnknownPurpose, match=OTHER_PURPOSE):
        apply_registry_consent(registry.db, regimes, pa.array(["P1"]), OTHER_PURPOSE, ON)


def test_a_backdated_export_loaded_later_does_not_change_a_replay_of_an_earlier_run(
    registry: Registry,
) -> None:
    """Valid time and transaction time: an opposition dated before the run date but
    loaded after the run changes later runs, never the replay of the run that did not
    know it (the run records when it read the registry)."""
    registry.load(resource("C1", "P1", "2025-01-01"))
    run_read_at = INGESTED_AT + timedelta(hours=1)
    run = decisions_as_of(registry.db, PURPOSE, ON, run_read_at)
    assert run.decision_for("P1") is Decision.PERMIT

    later = INGESTED_AT + timedelta(days=3)
    backdated = registry.folder / "backdated.ndjson"
    backdated.write_text(
        json.dumps(resource("C1", "P1", "2025-05-01", status="inactive")) + "\n",
        encoding="utf-8",
    )
    load_file(registry.db, backdated, registry.rejects(backdated), later, workers=1)

    replay = decisions_as_of(registry.db, PURPOSE, ON, run_read_at)
    assert replay.table.equals(run.table)
    assert decisions_as_of(registry.db, PURPOSE, ON).decision_for("P1") is Decision.DENY
    assert decisions_as_of(registry.db, PURPOSE, ON, later).decision_for("P1") is Decision.DENY
