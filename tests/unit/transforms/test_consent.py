from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from transforms.consent import apply_consent
from transforms.source import ParquetSource

PURPOSE = "chronic-disease-research"
RUN_DATE = date(2026, 6, 1)

# (patient, purpose, status, given_on, withdrawn_on, valid_until)
CONSENT_ROWS = [
    ("P_ACTIVE", PURPOSE, "active", date(2024, 1, 1), None, None),
    ("P_WITHDRAWN", PURPOSE, "withdrawn", date(2024, 1, 1), date(2026, 3, 1), None),
    ("P_WITHDRAWS_LATER", PURPOSE, "withdrawn", date(2024, 1, 1), date(2026, 9, 1), None),
    ("P_REFUSED", PURPOSE, "refused", date(2024, 1, 1), None, None),
    ("P_EXPIRED", PURPOSE, "active", date(2020, 1, 1), None, date(2025, 12, 31)),
    ("P_FUTURE", PURPOSE, "active", date(2026, 7, 1), None, None),
    ("P_OTHER_PURPOSE", "cancer-research", "active", date(2024, 1, 1), None, None),
]
COHORT = [row[0] for row in CONSENT_ROWS] + ["P_NO_CONSENT"]


@pytest.fixture
def source(tmp_path: Path) -> ParquetSource:
    columns = list(zip(*CONSENT_ROWS, strict=True))
    table = pa.table(
        {
            "patient_id": pa.array(columns[0]),
            "purpose": pa.array(columns[1]),
            "status": pa.array(columns[2]),
            "given_on": pa.array(columns[3], type=pa.date32()),
            "withdrawn_on": pa.array(columns[4], type=pa.date32()),
            "valid_until": pa.array(columns[5], type=pa.date32()),
        }
    )
    pq.write_table(table, tmp_path / "consents.parquet")
    return ParquetSource(tmp_path)


def test_only_consents_covering_the_purpose_on_the_run_date_count(source: ParquetSource) -> None:
    outcome = apply_consent(source, "consents", pa.array(COHORT), PURPOSE, RUN_DATE)
    assert outcome.included.to_pylist() == ["P_ACTIVE", "P_WITHDRAWS_LATER"]


def test_counts_add_up_and_separate_withdrawals(source: ParquetSource) -> None:
    outcome = apply_consent(source, "consents", pa.array(COHORT), PURPOSE, RUN_DATE)
    counts = outcome.counts()
    assert counts == {
        "cohort": 8,
        "included": 2,
        "excluded_withdrawn": 1,
        "excluded_no_consent": 5,
    }
    assert counts["cohort"] == (
        counts["included"] + counts["excluded_withdrawn"] + counts["excluded_no_consent"]
    )


def test_a_withdrawal_is_effective_from_its_date(source: ParquetSource) -> None:
    before = apply_consent(source, "consents", pa.array(COHORT), PURPOSE, date(2026, 2, 28))
    after = apply_consent(source, "consents", pa.array(COHORT), PURPOSE, date(2026, 3, 1))
    assert "P_WITHDRAWN" in before.included.to_pylist()
    assert "P_WITHDRAWN" not in after.included.to_pylist()


def test_snapshot_hash_changes_when_the_applied_consents_change(source: ParquetSource) -> None:
    before = apply_consent(source, "consents", pa.array(COHORT), PURPOSE, date(2026, 2, 28))
    after = apply_consent(source, "consents", pa.array(COHORT), PURPOSE, date(2026, 3, 1))
    again = apply_consent(source, "consents", pa.array(COHORT), PURPOSE, date(2026, 3, 1))
    assert before.snapshot_sha256 != after.snapshot_sha256 == again.snapshot_sha256
