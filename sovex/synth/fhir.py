"""The synthetic consents as FHIR R4 `Consent` NDJSON, shaped like a Bulk Data export.

Each row of the `consents` table (sovex.synth.population) becomes Consent resource versions with the
row's consent_id as resource id:
- active: an active permit recorded on given_on, period given_on … valid_until (an
  "expired" row is one whose valid_until is in the past);
- withdrawn: that permit, then a later version of the same resource, `inactive`,
  recorded on withdrawn_on;
- refused: an active deny (an opposition) recorded on given_on, period from given_on.

To exercise the loader, the file also holds a few `entered-in-error` resources (a deny
recorded by mistake for a patient, with its own id: the registry ignores it) and about
0.1 % malformed lines (at least one of each kind in MALFORMED_KINDS), placed at random
lines drawn from the Generator passed in: same table and seed, same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sovex.model.errors import InvalidInput
from transforms.fhir_consent import PURPOSE_SYSTEM, RESEARCH_SCOPE, SCOPE_SYSTEM

MALFORMED_RATE = 0.001
MALFORMED_KINDS = ("invalid_json", "missing_patient", "invalid_status", "missing_type")
ENTERED_IN_ERROR_RATE = 0.0005
MIN_ENTERED_IN_ERROR = 3
# The consent portal records choices during the day, Paris time (same UTC date).
RECORDED_TIME = "T10:00:00+01:00"
# Every value spliced into the JSON text must match this, so no escaping is needed.
SAFE_TOKEN = r"^[A-Za-z0-9\-.]{1,60}$"
CONSENT_CATEGORY = '{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}'
POLICY_URI = "urn:sovex:policy:research-use"
REQUIRED_COLUMNS = ("consent_id", "patient_id", "purpose", "status", "given_on")
ROWS_PER_BATCH = 50_000
# Every column read, in the order `_versions` unpacks them.
COLUMNS = (*REQUIRED_COLUMNS, "withdrawn_on", "valid_until")
# Patient, purpose and day of the malformed lines written for an empty table.
PLACEHOLDER_ROW = ("P00000000", "chronic-disease-research", "2020-01-01")
# The first version of every row is active; a withdrawal adds an inactive one.
TYPE_FOR_ROW = {"active": "permit", "withdrawn": "permit", "refused": "deny"}


@dataclass(frozen=True)
class FhirWriteStats:
    resources: int  # distinct valid resource ids (entered-in-error ones included)
    versions: int  # valid lines: what the registry accepts
    withdrawals: int  # `inactive` versions
    entered_in_error: int
    malformed: int  # lines the registry must reject
    lines: int


def _resource(
    resource_id: str,
    status: str,
    patient_id: str,
    recorded_on: str,
    provision: str,
) -> str:
    return (
        f'{{"resourceType":"Consent","id":"{resource_id}","status":"{status}",'
        f'"scope":{{"coding":[{{"system":"{SCOPE_SYSTEM}","code":"{RESEARCH_SCOPE}"}}]}},'
        f'"category":[{CONSENT_CATEGORY}],"patient":{{"reference":"Patient/{patient_id}"}},'
        f'"dateTime":"{recorded_on}{RECORDED_TIME}","policy":[{{"uri":"{POLICY_URI}"}}],'
        f'"provision":{provision}}}'
    )


def _provision(kind: str, purpose: str, start: str, end: str | None) -> str:
    period = f'"start":"{start}"' + ("" if end is None else f',"end":"{end}"')
    return (
        f'{{"type":"{kind}","period":{{{period}}},'
        f'"purpose":[{{"system":"{PURPOSE_SYSTEM}","code":"{purpose}"}}]}}'
    )


def _malformed(kind: str, resource_id: str, patient_id: str, purpose: str, day: str) -> str:
    provision = _provision("permit", purpose, day, None)
    if kind == "invalid_json":
        whole = _resource(resource_id, "active", patient_id, day, provision)
        return whole[: len(whole) // 2]  # a line cut short, as by a failed transfer
    if kind == "missing_patient":
        whole = _resource(resource_id, "active", patient_id, day, provision)
        return whole.replace(f'"patient":{{"reference":"Patient/{patient_id}"}},', "")
    if kind == "invalid_status":
        return _resource(resource_id, "approved", patient_id, day, provision)
    untyped = provision.replace('"type":"permit",', "")
    return _resource(resource_id, "active", patient_id, day, untyped)


def _check_columns(consents: pa.Table) -> None:
    for column in REQUIRED_COLUMNS:
        if consents[column].null_count:
            raise InvalidInput(f"consents: column {column!r} must have a value in every row")
    for column in ("consent_id", "patient_id", "purpose"):
        safe = pc.all(pc.match_substring_regex(consents[column], SAFE_TOKEN)).as_py()
        if consents.num_rows and not safe:
            raise InvalidInput(
                f"consents: column {column!r} must hold FHIR ids ([A-Za-z0-9-.], 1-60 chars)"
            )


def write_consents_ndjson(
    consents: pa.Table, path: Path, rng: np.random.Generator
) -> FhirWriteStats:
    """Write `consents` (the population's table) to `path` as Consent NDJSON; what was written.

    Lines are streamed to a temporary sibling renamed into place, so memory stays flat
    and a failure leaves no partial file.
    """
    _check_columns(consents)
    rows = consents.num_rows
    withdrawals = pc.sum(pc.equal(consents["status"], "withdrawn")).as_py() or 0
    versions = rows + withdrawals

    extra: list[str] = []
    entered_in_error = 0
    if rows:
        wanted = max(MIN_ENTERED_IN_ERROR, round(ENTERED_IN_ERROR_RATE * rows))
        entered_in_error = min(wanted, rows)  # one per row at most: ids stay distinct
        for row in _rows(consents, rng.choice(rows, entered_in_error, replace=False)):
            provision = _provision("deny", row["purpose"], row["given_on"], None)
            resource_id = f"{row['consent_id']}.eie"
            extra.append(
                _resource(
                    resource_id, "entered-in-error", row["patient_id"], row["given_on"], provision
                )
            )
    malformed = max(len(MALFORMED_KINDS), round(MALFORMED_RATE * (versions + entered_in_error)))
    samples = _rows(consents, rng.integers(rows, size=malformed)) if rows else []
    for number in range(malformed):
        patient, purpose, day = (
            (samples[number]["patient_id"], samples[number]["purpose"], samples[number]["given_on"])
            if rows
            else PLACEHOLDER_ROW
        )
        kind = MALFORMED_KINDS[number % len(MALFORMED_KINDS)]
        extra.append(_malformed(kind, f"M{number + 1:08d}", patient, purpose, day))

    total = versions + len(extra)
    is_extra = np.zeros(total, dtype=bool)
    is_extra[rng.choice(total, len(extra), replace=False)] = True
    regular, irregular = _versions(consents), iter(extra)

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8") as stream:
            for flag in is_extra.tolist():
                stream.write(next(irregular) if flag else next(regular))
                stream.write("\n")
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return FhirWriteStats(
        resources=rows + entered_in_error,
        versions=versions + entered_in_error,
        withdrawals=withdrawals,
        entered_in_error=entered_in_error,
        malformed=malformed,
        lines=total,
    )


def _rows(consents: pa.Table, indices: np.ndarray) -> list[dict[str, str]]:
    """Rows at `indices`, every value as text (dates in ISO form)."""
    picked = consents.select(list(COLUMNS)).take(pa.array(indices))
    return picked.cast(pa.schema([(name, pa.string()) for name in COLUMNS])).to_pylist()


def _versions(consents: pa.Table) -> Iterator[str]:
    """Each row's versions, in row order: its first version, then its withdrawal if any.

    Converted to Python a batch at a time: a million rows at once would cost ~0.5 GB.
    """
    for batch in consents.select(list(COLUMNS)).to_batches(max_chunksize=ROWS_PER_BATCH):
        columns = [column.cast(pa.string()).to_pylist() for column in batch.columns]
        for resource_id, patient, purpose, status, start, stop, end in zip(*columns, strict=True):
            if status not in TYPE_FOR_ROW:
                raise InvalidInput(
                    f"consents: column 'status' must be one of {', '.join(TYPE_FOR_ROW)}"
                )
            kind = TYPE_FOR_ROW[status]
            provision = _provision(kind, purpose, start, None if kind == "deny" else end)
            yield _resource(resource_id, "active", patient, start, provision)
            if status == "withdrawn":
                if stop is None:
                    raise InvalidInput("consents: a withdrawn row needs its 'withdrawn_on' date")
                yield _resource(resource_id, "inactive", patient, stop, provision)
