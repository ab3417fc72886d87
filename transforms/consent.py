"""The consent gate: only patients whose research consent covers the purpose on the run date.

This first version applies the opt-in regime: a patient counts only with a consent row for
the request's purpose that was given on or before the run date, not expired, and not
withdrawn by then. A withdrawal is effective from its date.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from transforms.cohort import distinct_ids
from transforms.source import ParquetSource

REGIME_OPT_IN = "opt_in"
# A consent row in one of these states may cover a date (a withdrawal only ends it later).
COVERING_STATUSES = ("active", "withdrawn")
CONSENT_COLUMNS = ("patient_id", "purpose", "status", "given_on", "withdrawn_on", "valid_until")


@dataclass(frozen=True)
class ConsentOutcome:
    regime: str
    purpose: str
    as_of: date
    included: pa.Array  # patient ids, sorted
    cohort: int
    excluded_withdrawn: int
    excluded_no_consent: int
    snapshot_sha256: str

    def counts(self) -> dict[str, int]:
        return {
            "cohort": self.cohort,
            "included": len(self.included),
            "excluded_withdrawn": self.excluded_withdrawn,
            "excluded_no_consent": self.excluded_no_consent,
        }


def covering_expression(purpose: str, as_of: date) -> ds.Expression:
    """Consent rows covering `purpose` on `as_of`."""
    given = ds.field("given_on") <= as_of
    not_expired = ds.field("valid_until").is_null() | (ds.field("valid_until") >= as_of)
    not_withdrawn = ds.field("withdrawn_on").is_null() | (ds.field("withdrawn_on") > as_of)
    return (
        (ds.field("purpose") == purpose)
        & ds.field("status").isin(list(COVERING_STATUSES))
        & given
        & not_expired
        & not_withdrawn
    )


def withdrawn_expression(purpose: str, as_of: date) -> ds.Expression:
    return (
        (ds.field("purpose") == purpose)
        & (ds.field("status") == "withdrawn")
        & (ds.field("withdrawn_on") <= as_of)
    )


def _ids(source: ParquetSource, table: str, expression: ds.Expression) -> pa.Array:
    return distinct_ids(source.batches(table, ["patient_id"], expression), "patient_id")


def snapshot_sha256(purpose: str, as_of: date, included: pa.Array) -> str:
    """A hash naming exactly which consent state was applied (not the ids themselves)."""
    digest = hashlib.sha256(f"{REGIME_OPT_IN}|{purpose}|{as_of.isoformat()}|".encode())
    for patient_id in included.to_pylist():
        digest.update(patient_id.encode() + b"\n")
    return digest.hexdigest()


def apply_consent(
    source: ParquetSource, consent_table: str, cohort: pa.Array, purpose: str, as_of: date
) -> ConsentOutcome:
    covering = _ids(source, consent_table, covering_expression(purpose, as_of))
    included_mask = pc.is_in(cohort, value_set=covering)
    included = cohort.filter(included_mask)
    included = included.take(pc.array_sort_indices(included))
    excluded = cohort.filter(pc.invert(included_mask))
    withdrawn = _ids(source, consent_table, withdrawn_expression(purpose, as_of))
    excluded_withdrawn = pc.sum(pc.is_in(excluded, value_set=withdrawn)).as_py() or 0
    return ConsentOutcome(
        regime=REGIME_OPT_IN,
        purpose=purpose,
        as_of=as_of,
        included=included,
        cohort=len(cohort),
        excluded_withdrawn=excluded_withdrawn,
        excluded_no_consent=len(excluded) - excluded_withdrawn,
        snapshot_sha256=snapshot_sha256(purpose, as_of, included),
    )
