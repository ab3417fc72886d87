from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from sovex.model.errors import InvalidInput
from sovex.model.settings import PROJECT_ROOT
from tests.mii_consent import (
    BIOMAT_CODES,
    IDAT_ERHEBEN,
    MDAT_CODES,
    MDAT_WISSENSCHAFTLICH_NUTZEN,
    POLICY_SYSTEM,
    mii_consent,
    nested,
    thirty_years,
)
from transforms.consent_mapping import (
    Code,
    ConsentSource,
    ConsentSources,
    MappingRefused,
    Provision,
    Ruling,
    Unpermitted,
    load_source,
    load_sources,
    map_provisions,
    sources_dir,
)
from transforms.consent_regimes import Regime
from transforms.consent_registry import (
    Basis,
    Decision,
    apply_regime,
    decisions_as_of,
    load_file,
    registry_status,
)
from transforms.fhir_consent import ConsentEvent, RejectCode, Rejection, parse_resource

CHRONIC = "chronic-disease-research"  # needs the three MDAT codes
CANCER = "cancer-research"  # needs the MDAT and the BIOMAT codes
GIVEN = date(2024, 2, 23)
AS_OF = date(2026, 11, 1)
INGESTED_AT = datetime(2026, 11, 1, tzinfo=UTC)
SHIPPED = sources_dir(PROJECT_ROOT / "infra")


def source(unpermitted: Unpermitted = Unpermitted.OPPOSITION) -> ConsentSource:
    codes = {n: Code(POLICY_SYSTEM, c) for n, c in zip("abc", MDAT_CODES, strict=True)}
    return ConsentSource(
        name="test",
        path=Path("test.yaml"),
        sha256="0" * 64,
        policy_uris=frozenset({"urn:oid:1.2.3"}),
        profiles=frozenset(),
        purposes=((CHRONIC, frozenset(codes.values())), (CANCER, frozenset({codes["a"]}))),
        unpermitted=unpermitted,
    )


def permit(code: str, start: date, end: date) -> Provision:
    return Provision("permit", start, end, (Code(POLICY_SYSTEM, code),))


TOP = Provision("deny", date(2024, 1, 1), date(2053, 12, 31), ())


# --- Pure mapping -----------------------------------------------------------------------


def test_a_nested_permit_inside_a_deny_permits_only_its_codes_and_its_period() -> None:
    short = (date(2024, 1, 1), date(2025, 12, 31))
    provisions = [permit(MDAT_CODES[0], *short)] + [
        permit(code, date(2024, 1, 1), date(2053, 12, 31)) for code in MDAT_CODES[1:]
    ]
    mapped = map_provisions(source(), "active", TOP, provisions)
    chronic = [r for r in mapped.rulings if r.purpose == CHRONIC]
    assert chronic == [
        Ruling(CHRONIC, "permit", date(2024, 1, 1), date(2025, 12, 31)),
        # After the shortest permit ends, the top-level deny holds (opposition).
        Ruling(CHRONIC, "deny", date(2026, 1, 1), date(2053, 12, 31)),
    ]


def test_when_a_needed_code_is_not_permitted_then_opposition_denies_the_whole_period() -> None:
    provisions = [permit(MDAT_CODES[0], date(2024, 1, 1), date(2053, 12, 31))]
    mapped = map_provisions(source(), "active", TOP, provisions)
    assert [r for r in mapped.rulings if r.purpose == CHRONIC] == [
        Ruling(CHRONIC, "deny", date(2024, 1, 1), date(2053, 12, 31))
    ]
    assert [r for r in mapped.rulings if r.purpose == CANCER] == [
        Ruling(CANCER, "permit", date(2024, 1, 1), date(2053, 12, 31))
    ]


def test_when_a_needed_code_is_not_permitted_then_no_consent_rules_nothing() -> None:
    provisions = [permit(MDAT_CODES[0], date(2024, 1, 1), date(2053, 12, 31))]
    mapped = map_provisions(source(Unpermitted.NO_CONSENT), "active", TOP, provisions)
    assert mapped.purposes == (CANCER,)


def test_a_nested_permit_never_reaches_past_the_top_level_period() -> None:
    provisions = [permit(code, date(2020, 1, 1), date(2099, 1, 1)) for code in MDAT_CODES]
    mapped = map_provisions(source(Unpermitted.NO_CONSENT), "active", TOP, provisions)
    assert Ruling(CHRONIC, "permit", date(2024, 1, 1), date(2053, 12, 31)) in mapped.rulings


def test_a_nested_deny_takes_its_period_back_from_a_permit() -> None:
    provisions = [permit(code, date(2024, 1, 1), date(2053, 12, 31)) for code in MDAT_CODES]
    provisions.append(
        Provision("deny", date(2030, 1, 1), None, (Code(POLICY_SYSTEM, MDAT_CODES[2]),))
    )
    mapped = map_provisions(source(), "active", TOP, provisions)
    assert [r for r in mapped.rulings if r.purpose == CHRONIC] == [
        Ruling(CHRONIC, "permit", date(2024, 1, 1), date(2029, 12, 31)),
        Ruling(CHRONIC, "deny", date(2030, 1, 1), date(2053, 12, 31)),
    ]


def test_a_top_level_permit_is_refused_because_it_would_permit_every_purpose() -> None:
    with pytest.raises(MappingRefused, match=r"provision\.type"):
        map_provisions(source(), "active", Provision("permit", None, None, ()), [])


def test_a_withdrawn_consent_withdraws_every_purpose_it_ruled_on() -> None:
    provisions = [permit(MDAT_CODES[0], date(2024, 1, 1), date(2053, 12, 31))]
    mapped = map_provisions(source(), "inactive", TOP, provisions)
    assert {(r.purpose, r.provision_type) for r in mapped.rulings} == {
        (CHRONIC, "permit"),
        (CANCER, "permit"),
    }


def test_codes_no_purpose_uses_are_reported_and_grant_nothing() -> None:
    provisions = [permit(IDAT_ERHEBEN, date(2024, 1, 1), date(2053, 12, 31))]
    mapped = map_provisions(source(Unpermitted.NO_CONSENT), "active", TOP, provisions)
    assert mapped.rulings == ()
    assert mapped.unmapped == (Code(POLICY_SYSTEM, IDAT_ERHEBEN),)
    assert [c.code for c in mapped.codes] == [IDAT_ERHEBEN]


# --- Parsing a gICS-shaped resource -------------------------------------------------------


def shipped() -> ConsentSources:
    return load_sources(SHIPPED)


def test_an_mii_broad_consent_is_read_through_the_shipped_mapping() -> None:
    parsed = parse_resource(mii_consent("c1", "P1", GIVEN), 1, shipped())
    assert isinstance(parsed, ConsentEvent) and parsed.mapped is not None
    assert parsed.mapped.source == "mii-broad-consent"
    assert parsed.provision_type == "deny" and parsed.purposes == (CANCER, CHRONIC)
    rulings = {(r.purpose, r.provision_type) for r in parsed.mapped.rulings}
    assert rulings == {(CHRONIC, "permit"), (CANCER, "deny")}
    assert parsed.period_end == thirty_years(GIVEN)


def test_without_a_declared_source_an_mii_consent_is_rejected_as_undeclared() -> None:
    parsed = parse_resource(mii_consent("c1", "P1", GIVEN), 1)
    assert isinstance(parsed, Rejection) and parsed.code is RejectCode.UNDECLARED_SOURCE
    assert parsed.reason.startswith("policy.uri:")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {"data": [{"meaning": "instance", "reference": {"reference": "Observation/1"}}]},
            RejectCode.PARTIAL_PERMIT,
        ),
        ({"provision": [nested(MDAT_CODES[0])]}, RejectCode.UNMAPPABLE),
        ({"code": []}, RejectCode.UNMAPPABLE),
        ({"period": {"start": "2024-05"}}, RejectCode.PARTIAL_DATE),
    ],
)
def test_a_nested_provision_sovex_cannot_apply_whole_is_rejected(
    change: dict[str, Any], code: RejectCode
) -> None:
    resource = mii_consent("c1", "P1", GIVEN)
    resource["provision"]["provision"][0].update(change)
    if change.get("code") == []:
        del resource["provision"]["provision"][0]["code"]
    parsed = parse_resource(resource, 7, shipped())
    assert isinstance(parsed, Rejection) and parsed.code is code and parsed.line == 7
    assert parsed.reason.startswith("provision.provision[0]")


# --- The declared files -------------------------------------------------------------------


def test_a_mapping_file_with_problems_lists_every_field_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "other-system.yaml"
    path.write_text("source: wrong-name\nmatch: {}\npurposes: {x: {all_of: []}}\nextra: 1\n")
    with pytest.raises(InvalidInput) as raised:
        load_source(path)
    text = "\n".join(raised.value.problems)
    for field in ("'source'", "'match'", "'unpermitted_purpose'", "'purposes.x.all_of'", "'extra'"):
        assert field in text
    assert all(problem.startswith(str(path)) for problem in raised.value.problems)


def test_two_sources_may_not_claim_the_same_template(tmp_path: Path) -> None:
    text = (SHIPPED / "mii-broad-consent.yaml").read_text()
    (tmp_path / "mii-broad-consent.yaml").write_text(text)
    (tmp_path / "copy.yaml").write_text(text.replace("source: mii-broad-consent", "source: copy"))
    with pytest.raises(InvalidInput, match="also matched by source"):
        load_sources(tmp_path)


# --- Through the registry, both regimes -------------------------------------------------


def sources_with(tmp_path: Path, unpermitted: Unpermitted) -> ConsentSources:
    folder = tmp_path / "sources"
    folder.mkdir(exist_ok=True)
    text = (SHIPPED / "mii-broad-consent.yaml").read_text()
    text = text.replace("unpermitted_purpose: opposition", f"unpermitted_purpose: {unpermitted}")
    (folder / "mii-broad-consent.yaml").write_text(text)
    return load_sources(folder)


def load(tmp_path: Path, sources: ConsentSources, *resources: dict[str, Any]) -> Path:
    db = tmp_path / "sovex.db"
    path = tmp_path / f"gics-{len(list(tmp_path.glob('gics-*')))}.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in resources))
    load_file(db, path, tmp_path / "rejects.jsonl", INGESTED_AT, workers=1, sources=sources)
    return db


EXPIRED = date(2025, 12, 31)
POPULATION = (
    # everything: MDAT and BIOMAT
    mii_consent("c-all", "P-ALL", GIVEN, permits=MDAT_CODES + BIOMAT_CODES),
    # medical data only: no biomaterial
    mii_consent("c-mdat", "P-MDAT", GIVEN),
    # scientific use permitted only until the end of 2025
    mii_consent(
        "c-expired",
        "P-EXPIRED",
        GIVEN,
        permits=MDAT_CODES[:2],
        extra=(nested(MDAT_WISSENSCHAFTLICH_NUTZEN, "permit", GIVEN, EXPIRED),),
    ),
    # a broad consent that permits nothing
    mii_consent("c-none", "P-NONE", GIVEN, permits=()),
)
COHORT = pa.array(["P-ALL", "P-MDAT", "P-EXPIRED", "P-NONE", "P-NO-RESOURCE"])


@pytest.mark.parametrize(
    ("unpermitted", "purpose", "expected"),
    [
        (Unpermitted.OPPOSITION, CHRONIC, {"P-ALL": "permit", "P-MDAT": "permit",
                                           "P-EXPIRED": "deny", "P-NONE": "deny"}),
        (Unpermitted.OPPOSITION, CANCER, {"P-ALL": "permit", "P-MDAT": "deny",
                                          "P-EXPIRED": "deny", "P-NONE": "deny"}),
        (Unpermitted.NO_CONSENT, CHRONIC, {"P-ALL": "permit", "P-MDAT": "permit",
                                           "P-EXPIRED": "none", "P-NONE": "none"}),
        (Unpermitted.NO_CONSENT, CANCER, {"P-ALL": "permit", "P-MDAT": "none",
                                          "P-EXPIRED": "none", "P-NONE": "none"}),
    ],
)  # fmt: skip
def test_nested_permits_decide_each_purpose(
    tmp_path: Path, unpermitted: Unpermitted, purpose: str, expected: dict[str, str]
) -> None:
    db = load(tmp_path, sources_with(tmp_path, unpermitted), *POPULATION)
    decisions = decisions_as_of(db, purpose, AS_OF)
    got = {p: decisions.decision_for(p).value for p in expected}
    assert got == expected
    # The same consents a year before the scientific-use permit ended: permitted then.
    earlier = decisions_as_of(db, purpose, date(2025, 6, 1))
    assert earlier.decision_for("P-EXPIRED") == earlier.decision_for("P-MDAT")


@pytest.mark.parametrize("unpermitted", list(Unpermitted))
@pytest.mark.parametrize("regime", list(Regime))
def test_under_both_regimes_only_what_the_nested_permits_cover_is_included(
    tmp_path: Path, unpermitted: Unpermitted, regime: Regime
) -> None:
    db = load(tmp_path, sources_with(tmp_path, unpermitted), *POPULATION)
    outcome = apply_regime(decisions_as_of(db, CHRONIC, AS_OF), COHORT, regime)
    included = set(outcome.included.to_pylist())
    assert {"P-ALL", "P-MDAT"} <= included
    if regime is Regime.OPT_IN:
        assert included == {"P-ALL", "P-MDAT"}
    elif unpermitted is Unpermitted.OPPOSITION:
        # Non-opposition: the absence of a permit is an opposition; no resource, no opposition.
        assert included == {"P-ALL", "P-MDAT", "P-NO-RESOURCE"}
        assert outcome.excluded_denied == 2
    else:
        assert included == set(COHORT.to_pylist())


def test_a_withdrawn_broad_consent_excludes_the_patient_under_opt_out(tmp_path: Path) -> None:
    sources = sources_with(tmp_path, Unpermitted.NO_CONSENT)
    db = load(tmp_path, sources, mii_consent("c1", "P1", GIVEN))
    withdrawn = mii_consent("c1", "P1", GIVEN, status="inactive")
    withdrawn["dateTime"] = "2026-03-01T09:00:00+01:00"
    load(tmp_path, sources, withdrawn)
    decisions = decisions_as_of(db, CHRONIC, AS_OF)
    assert decisions.decision_for("P1") is Decision.DENY
    assert decisions.table["basis"].to_pylist() == [Basis.WITHDRAWN.value]
    outcome = apply_regime(decisions, pa.array(["P1"]), Regime.OPT_OUT)
    assert len(outcome.included) == 0


def test_the_registry_keeps_the_original_codes_and_counts_unmapped_ones(tmp_path: Path) -> None:
    sources = sources_with(tmp_path, Unpermitted.OPPOSITION)
    resources = [
        mii_consent(f"c{i}", f"P{i}", GIVEN, permits=(*MDAT_CODES, IDAT_ERHEBEN)) for i in range(3)
    ]
    db = tmp_path / "sovex.db"
    path = tmp_path / "gics.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in resources))
    result = load_file(db, path, tmp_path / "r.jsonl", INGESTED_AT, workers=1, sources=sources)
    assert result.unmapped_codes == (("mii-broad-consent", POLICY_SYSTEM, IDAT_ERHEBEN, 3),)
    again = load_file(db, path, tmp_path / "r.jsonl", INGESTED_AT, workers=1, sources=sources)
    assert again.already_loaded and again.unmapped_codes == result.unmapped_codes
    with sqlite3.connect(db) as connection:
        codes = connection.execute(
            "SELECT code, mapped FROM consent_version_codes c JOIN consent_versions v "
            "ON v.seq = c.seq WHERE v.resource_id = 'c0' ORDER BY ordinal"
        ).fetchall()
        kept_source = connection.execute(
            "SELECT DISTINCT source FROM consent_version_sources"
        ).fetchall()
    assert codes == [(code, 1) for code in MDAT_CODES] + [(IDAT_ERHEBEN, 0)]
    assert kept_source == [("mii-broad-consent",)]


def test_a_file_with_a_consent_of_an_undeclared_source_is_not_loaded_at_all(
    tmp_path: Path,
) -> None:
    native: dict[str, Any] = {
        "resourceType": "Consent",
        "id": "n1",
        "status": "active",
        "scope": mii_consent("x", "P", GIVEN)["scope"],
        "patient": {"reference": "Patient/P0"},
        "dateTime": "2025-01-01",
        "provision": {
            "type": "permit",
            "purpose": [{"system": "urn:sovex:purpose", "code": CHRONIC}],
        },
    }
    path = tmp_path / "mixed.ndjson"
    path.write_text(json.dumps(native) + "\n" + json.dumps(mii_consent("c1", "P1", GIVEN)) + "\n")
    db = tmp_path / "sovex.db"
    with pytest.raises(InvalidInput) as raised:
        load_file(db, path, tmp_path / "r.jsonl", INGESTED_AT, workers=1)
    message = str(raised.value)
    assert message.startswith(f"{path}: line 2: policy.uri:")
    assert "P1" not in message
    assert registry_status(db).versions == 0


def test_a_mapping_naming_a_purpose_without_a_regime_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    folder.mkdir()
    text = (SHIPPED / "mii-broad-consent.yaml").read_text()
    (folder / "mii-broad-consent.yaml").write_text(
        text.replace("  cancer-research:", "  cancer-reseach:")
    )
    with pytest.raises(InvalidInput, match=r"'purposes\.cancer-reseach': not a purpose"):
        load_sources(folder, known_purposes=[CHRONIC, CANCER])
    assert load_sources(SHIPPED, known_purposes=[CHRONIC, CANCER]).sources


@pytest.mark.parametrize("unpermitted", list(Unpermitted))
def test_a_rejected_broad_consent_refuses_every_declared_purpose(
    tmp_path: Path, unpermitted: Unpermitted
) -> None:
    sources = sources_with(tmp_path, unpermitted)
    db = load(tmp_path, sources, mii_consent("c1", "P1", GIVEN, permits=(), status="rejected"))
    for purpose in (CHRONIC, CANCER):
        decisions = decisions_as_of(db, purpose, AS_OF)
        assert decisions.table["basis"].to_pylist() == [Basis.REFUSED.value]
