from __future__ import annotations

import copy
import gzip
import hashlib
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sovex.model.errors import InvalidInput
from transforms.fhir_consent import (
    PURPOSE_SYSTEM,
    SCOPE_SYSTEM,
    ConsentEvent,
    RejectCode,
    Rejection,
    parse_line,
    parse_resource,
    read_bundle,
    read_consents,
    read_ndjson,
    write_rejects,
)

PATIENT = "P00001234"
PURPOSE = "chronic-disease-research"


def consent(**overrides: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": "C1",
        "status": "active",
        "scope": {"coding": [{"system": SCOPE_SYSTEM, "code": "research"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{PATIENT}"},
        "dateTime": "2025-03-01",
        "policy": [{"uri": "urn:sovex:policy:research-use"}],
        "provision": {
            "type": "permit",
            "period": {"start": "2025-03-01", "end": "2030-02-28"},
            "purpose": [
                {"system": PURPOSE_SYSTEM, "code": PURPOSE},
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HRESCH"},
            ],
        },
    }
    resource.update(overrides)
    return resource


def with_provision(**changes: Any) -> dict[str, Any]:
    resource = consent()
    provision = copy.deepcopy(resource["provision"])
    for key, value in changes.items():
        if value is None:
            provision.pop(key, None)
        else:
            provision[key] = value
    resource["provision"] = provision
    return resource


def without(field: str) -> dict[str, Any]:
    resource = consent()
    del resource[field]
    return resource


def write_ndjson(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_valid_consent_becomes_an_event_with_the_fields_the_gate_uses() -> None:
    event = parse_resource(consent(), line=7)
    assert event == ConsentEvent(
        resource_id="C1",
        patient_id=PATIENT,
        status="active",
        provision_type="permit",
        purposes=(PURPOSE,),  # the v3-ActReason code is another system's: ignored
        period_start=date(2025, 3, 1),
        period_end=date(2030, 2, 28),
        recorded_on=date(2025, 3, 1),
        line=7,
    )


def test_a_datetime_counts_as_its_utc_date() -> None:
    resource = consent(dateTime="2025-03-01T23:30:00-02:00")
    resource["provision"]["period"] = {"start": "2025-03-01T23:30:00-02:00"}
    event = parse_resource(resource, line=1)
    assert isinstance(event, ConsentEvent)
    assert event.recorded_on == event.period_start == date(2025, 3, 2)
    assert event.period_end is None


@pytest.mark.parametrize(
    ("resource", "code", "field"),
    [
        (without("id"), RejectCode.MISSING_ID, "id"),
        (consent(status="approved"), RejectCode.INVALID_STATUS, "status"),
        (
            consent(scope={"coding": [{"system": SCOPE_SYSTEM, "code": "patient-privacy"}]}),
            RejectCode.NOT_RESEARCH,
            "scope",
        ),
        (without("patient"), RejectCode.INVALID_PATIENT, "patient"),
        (consent(patient={"reference": "Group/G1"}), RejectCode.INVALID_PATIENT, "patient"),
        (without("dateTime"), RejectCode.MISSING_RECORDED_DATE, "dateTime"),
        (consent(dateTime="2025-03"), RejectCode.PARTIAL_DATE, "dateTime"),
        (with_provision(type=None), RejectCode.INVALID_PROVISION_TYPE, "provision.type"),
        (with_provision(type="maybe"), RejectCode.INVALID_PROVISION_TYPE, "provision.type"),
        (
            with_provision(purpose=[{"system": "urn:other", "code": PURPOSE}]),
            RejectCode.MISSING_PURPOSE,
            "provision.purpose",
        ),
        (
            with_provision(period={"start": "2025-03-01", "end": "2025-02-01"}),
            RejectCode.INVALID_PERIOD,
            "provision.period",
        ),
        (with_provision(period={"end": "2026"}), RejectCode.PARTIAL_DATE, "provision.period.end"),
        (
            with_provision(data=[{"meaning": "related", "reference": {"reference": "X/1"}}]),
            RejectCode.PARTIAL_PERMIT,
            "provision.data",
        ),
        (
            consent(modifierExtension=[{"url": "urn:x", "valueBoolean": True}]),
            RejectCode.UNKNOWN_MODIFIER,
            "modifierExtension",
        ),
        (consent(unexpected=1), RejectCode.INVALID_FHIR, "unexpected"),
        (consent(category="research"), RejectCode.INVALID_FHIR, "category"),
        (consent(resourceType="Patient"), RejectCode.NOT_A_CONSENT, "resourceType"),
    ],
)
def test_a_resource_breaking_a_rule_is_rejected_naming_the_field(
    resource: dict[str, Any], code: RejectCode, field: str
) -> None:
    result = parse_resource(resource, line=3)
    assert isinstance(result, Rejection)
    assert (result.line, result.code) == (3, code)
    assert result.reason.startswith(field) or f"{field}:" in result.reason
    assert PATIENT not in result.reason


def test_a_rejection_keeps_the_resource_id_only_when_it_is_a_fhir_id() -> None:
    kept = parse_resource(consent(status="approved"), 1)
    assert isinstance(kept, Rejection)
    assert kept.resource_id == "C1"
    broken = parse_resource(consent(id="Dupont Jean", status="approved"), 1)
    assert isinstance(broken, Rejection)
    assert broken.resource_id is None


def test_a_validation_error_names_the_element_but_never_quotes_its_value() -> None:
    result = parse_resource(consent(dateTime=f"né le 01/02/1960 {PATIENT}"), line=1)
    assert isinstance(result, Rejection)
    assert result.code is RejectCode.INVALID_FHIR
    assert result.reason == "invalid FHIR Consent: dateTime: is not a valid FHIR value"


def test_a_deny_restricted_to_part_of_the_record_is_kept_as_a_whole_record_deny() -> None:
    resource = with_provision(
        type="deny", data=[{"meaning": "related", "reference": {"reference": "X/1"}}]
    )
    event = parse_resource(resource, line=1)
    assert isinstance(event, ConsentEvent)
    assert event.provision_type == "deny"


def test_lines_are_numbered_from_one_counting_blank_lines_which_are_skipped(
    tmp_path: Path,
) -> None:
    path = write_ndjson(
        tmp_path / "export.ndjson",
        [json.dumps(consent()), "", '{"resourceType": "Consent", "id": ', json.dumps(consent())],
    )
    results = list(read_ndjson(path, workers=1))
    assert [(type(r).__name__, r.line) for r in results] == [
        ("ConsentEvent", 1),
        ("Rejection", 3),
        ("ConsentEvent", 4),
    ]
    assert isinstance(results[1], Rejection)
    assert results[1].code is RejectCode.INVALID_JSON


def test_parsing_in_parallel_gives_the_same_results_in_the_same_order(tmp_path: Path) -> None:
    lines = []
    for number in range(40):
        status = "approved" if number % 7 == 0 else "active"
        lines.append(json.dumps(consent(id=f"C{number}", status=status)))
    path = write_ndjson(tmp_path / "export.ndjson", lines)
    sequential = list(read_ndjson(path, workers=1))
    parallel = list(read_ndjson(path, workers=2, chunk_lines=3))
    assert parallel == sequential
    assert sum(isinstance(r, Rejection) for r in parallel) == 6


def test_a_gzipped_export_is_read_and_hashed_as_its_content(tmp_path: Path) -> None:
    content = (json.dumps(consent()) + "\n").encode()
    path = tmp_path / "export.ndjson.gz"
    path.write_bytes(gzip.compress(content))
    digest = hashlib.sha256()
    results = list(read_consents(path, workers=1, digest=digest))
    assert [type(r) for r in results] == [ConsentEvent]
    assert digest.hexdigest() == hashlib.sha256(content).hexdigest()


def test_bundle_entries_are_numbered_from_one(tmp_path: Path) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": consent(id="C1")},
            {"resource": {"resourceType": "Patient", "id": PATIENT}},
            {"fullUrl": "urn:uuid:1"},
            {"resource": consent(id="C4")},
        ],
    }
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    results = list(read_bundle(path))
    assert [(r.line, type(r).__name__) for r in results] == [
        (1, "ConsentEvent"),
        (2, "Rejection"),
        (3, "Rejection"),
        (4, "ConsentEvent"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ('{"resourceType": "Consent"}', "must be 'Bundle'")],
)
def test_a_bundle_file_that_cannot_be_read_is_refused_as_a_whole(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        list(read_bundle(path))


def test_a_file_of_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not a consent file"):
        read_consents(tmp_path / "consents.csv")


def test_reject_rows_name_file_position_code_and_reason_without_patient_data() -> None:
    rejection = parse_line(json.dumps(consent(status="approved")), 12)
    assert isinstance(rejection, Rejection)
    stream = io.StringIO()
    assert write_rejects(stream, "export.ndjson", [rejection], unit="line") == 1
    row = json.loads(stream.getvalue())
    assert row == {
        "file": "export.ndjson",
        "line": 12,
        "resource_id": "C1",
        "code": "invalid_status",
        "reason": row["reason"],
    }
    assert row["reason"].startswith("status: must be one of")
    assert PATIENT not in stream.getvalue()


def test_a_line_nested_too_deeply_is_a_reject_not_the_end_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "consents.ndjson"
    deep = '{"resourceType": "Consent", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path.write_text(deep + "\nnot json\n")
    results = list(read_ndjson(path, workers=1))
    assert [r.line for r in results] == [1, 2]
    assert all(isinstance(r, Rejection) for r in results)
    assert results[0].reason == "line is nested too deeply"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"resourceType": "Consent"}\n', "not a complete gzip file"),
        (gzip.compress(b'{"a": 1}\n' * 1000)[:-6], "not a complete gzip file"),
        (gzip.compress(b"\n" * (40 << 20)), "a gzip bomb"),
    ],
    ids=["not gzip", "truncated", "bomb"],
)
def test_a_gzip_file_that_is_not_an_export_is_refused_by_name(
    tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "consents.ndjson.gz"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=says) as raised:
        list(read_ndjson(path, workers=1))
    assert str(raised.value).startswith(str(path))
