from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from sovex.model.errors import InvalidInput
from sovex.synth.fhir import MALFORMED_KINDS, FhirWriteStats, write_consents_ndjson
from sovex.synth.population import DEFAULT_REFERENCE_DATE, PURPOSES, build_tables
from transforms.consent_registry import LoadResult, decisions_as_of, load_file

PATIENTS = 400
SEED = 7
REPLAY_DATE = date(2024, 6, 1)


@dataclass(frozen=True)
class RoundTrip:
    consents: pa.Table
    stats: FhirWriteStats
    result: LoadResult
    db: Path
    rejects: Path
    ndjson: Path


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    folder = tmp_path_factory.mktemp("synth_fhir")
    consents = build_tables(PATIENTS)["consents"]
    ndjson = folder / "Consent.ndjson"
    stats = write_consents_ndjson(consents, ndjson, np.random.default_rng(SEED))
    db, rejects = folder / "sovex.db", folder / "Consent.rejects.jsonl"
    result = load_file(db, ndjson, rejects, datetime(2026, 11, 1, tzinfo=UTC), workers=1)
    return RoundTrip(consents, stats, result, db, rejects, ndjson)


def expected_decisions(consents: pa.Table, purpose: str, on: date) -> dict[str, str]:
    """What the consents table says, read independently of the registry's code."""
    expected = {}
    for row in consents.to_pylist():
        if row["purpose"] != purpose or row["given_on"] > on:
            continue
        withdrawn = row["withdrawn_on"] is not None and row["withdrawn_on"] <= on
        if row["status"] == "refused" or withdrawn:
            expected[row["patient_id"]] = "deny"
        elif row["valid_until"] is None or row["valid_until"] >= on:
            expected[row["patient_id"]] = "permit"
    return expected


def test_every_valid_version_is_accepted_and_exactly_the_malformed_lines_rejected(
    round_trip: RoundTrip,
) -> None:
    stats, result = round_trip.stats, round_trip.result
    assert (result.accepted, result.rejected) == (stats.versions, stats.malformed)
    assert result.new_versions == stats.versions
    assert stats.lines == stats.versions + stats.malformed
    assert stats.versions == round_trip.consents.num_rows + stats.withdrawals + (
        stats.entered_in_error
    )
    lines = round_trip.ndjson.read_text(encoding="utf-8").splitlines()
    assert len(lines) == stats.lines


def test_each_kind_of_malformed_line_is_present_and_rejected_with_its_code(
    round_trip: RoundTrip,
) -> None:
    rows = [json.loads(line) for line in round_trip.rejects.read_text().splitlines()]
    codes = {row["code"] for row in rows}
    assert len(MALFORMED_KINDS) == 4
    assert codes == {"invalid_json", "invalid_patient", "invalid_status", "invalid_provision_type"}
    patients = set(round_trip.consents["patient_id"].to_pylist())
    assert not any(patient in row["reason"] for row in rows for patient in patients)


@pytest.mark.parametrize("on", [DEFAULT_REFERENCE_DATE, REPLAY_DATE])
@pytest.mark.parametrize("purpose", PURPOSES)
def test_registry_decisions_match_the_consents_table(
    round_trip: RoundTrip, purpose: str, on: date
) -> None:
    table = decisions_as_of(round_trip.db, purpose, on).table
    decided = {
        row["patient_id"]: row["decision"] for row in table.to_pylist() if row["decision"] != "none"
    }
    expected = expected_decisions(round_trip.consents, purpose, on)
    assert decided == expected
    assert "deny" in expected.values() and "permit" in expected.values()


def test_the_file_holds_withdrawals_and_entered_in_error_versions(round_trip: RoundTrip) -> None:
    statuses = []
    for line in round_trip.ndjson.read_text(encoding="utf-8").splitlines():
        try:
            statuses.append(json.loads(line)["status"])
        except ValueError:  # the lines cut short on purpose
            continue
    assert statuses.count("inactive") == round_trip.stats.withdrawals > 0
    assert statuses.count("entered-in-error") == round_trip.stats.entered_in_error >= 3


def test_the_same_table_and_seed_write_the_same_bytes(tmp_path: Path) -> None:
    consents = build_tables(50, seed=3)["consents"]
    paths = [tmp_path / f"{name}.ndjson" for name in ("a", "b", "c")]
    for path, seed in zip(paths, (1, 1, 2), strict=True):
        write_consents_ndjson(consents, path, np.random.default_rng(seed))
    a, b, c = (path.read_bytes() for path in paths)
    assert a == b != c


def test_about_one_line_in_a_thousand_is_malformed_and_never_fewer_than_one_per_kind(
    tmp_path: Path,
) -> None:
    consents = build_tables(1, seed=3)["consents"]
    assert consents.num_rows > 0
    small = write_consents_ndjson(consents, tmp_path / "small.ndjson", np.random.default_rng(1))
    assert small.malformed == len(MALFORMED_KINDS)
    many = pa.concat_tables([_renumbered(consents, n) for n in range(6000)])
    large = write_consents_ndjson(many, tmp_path / "large.ndjson", np.random.default_rng(1))
    assert large.malformed == round(large.versions / 1000)


def _renumbered(consents: pa.Table, n: int) -> pa.Table:
    ids = [f"C{n:05d}{i}" for i in range(consents.num_rows)]
    return consents.set_column(0, "consent_id", pa.array(ids))


def test_ids_that_are_not_fhir_ids_are_refused(tmp_path: Path) -> None:
    consents = build_tables(5, seed=3)["consents"]
    broken = consents.set_column(
        1, "patient_id", pa.array(['P"1'] * consents.num_rows, type=pa.string())
    )
    with pytest.raises(InvalidInput, match="'patient_id'"):
        write_consents_ndjson(broken, tmp_path / "x.ndjson", np.random.default_rng(1))
    assert not (tmp_path / "x.ndjson").exists()
