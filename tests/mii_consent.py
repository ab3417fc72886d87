"""MII broad consent resources shaped as gICS exports them, for tests.

A resource: scope consentscope#research, the MII profile, `policy.uri` of the template,
a top-level `deny` over the consent's period (30 years) and one nested `permit` per policy
code, each with its own period (the consent's by default).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

POLICY_SYSTEM = "urn:oid:2.16.840.1.113883.3.1937.777.24.5.3"
TEMPLATE_URI = "urn:oid:2.16.840.1.113883.3.1937.777.24.2.1791"
PROFILE = (
    "https://www.medizininformatik-initiative.de/fhir/modul-consent/StructureDefinition/"
    "mii-pr-consent-einwilligung"
)
SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
YEARS_OF_CONSENT = 30


def policy_code(number: int) -> str:
    return f"{POLICY_SYSTEM[len('urn:oid:') :]}.{number}"


MDAT_ERHEBEN = policy_code(6)
MDAT_SPEICHERN_VERARBEITEN = policy_code(7)
MDAT_WISSENSCHAFTLICH_NUTZEN = policy_code(8)
BIOMAT_ERHEBEN = policy_code(19)
BIOMAT_LAGERN_VERARBEITEN = policy_code(20)
BIOMAT_WISSENSCHAFTLICH_NUTZEN = policy_code(22)
IDAT_ERHEBEN = policy_code(2)  # no purpose of the shipped mapping uses it
MDAT_CODES = (MDAT_ERHEBEN, MDAT_SPEICHERN_VERARBEITEN, MDAT_WISSENSCHAFTLICH_NUTZEN)
BIOMAT_CODES = (BIOMAT_ERHEBEN, BIOMAT_LAGERN_VERARBEITEN, BIOMAT_WISSENSCHAFTLICH_NUTZEN)


def thirty_years(start: date) -> date:
    """The end of a consent given on `start` (inclusive), as the MII template sets it."""
    try:
        end = start.replace(year=start.year + YEARS_OF_CONSENT)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + YEARS_OF_CONSENT, day=28)
    return end - timedelta(days=1)


def nested(
    code: str, kind: str = "permit", start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    provision: dict[str, Any] = {
        "type": kind,
        "code": [{"coding": [{"system": POLICY_SYSTEM, "code": code}]}],
    }
    if start is not None or end is not None:
        provision["period"] = {
            key: value.isoformat() for key, value in (("start", start), ("end", end)) if value
        }
    return provision


def mii_consent(
    resource_id: str,
    patient_id: str,
    given_on: date,
    permits: tuple[str, ...] = MDAT_CODES,
    status: str = "active",
    extra: tuple[dict[str, Any], ...] = (),
    template: str = TEMPLATE_URI,
) -> dict[str, Any]:
    """A broad consent given on `given_on` permitting `permits` for 30 years; `extra`
    nested provisions are appended (another period, a nested deny)."""
    end = thirty_years(given_on)
    return {
        "resourceType": "Consent",
        "id": resource_id,
        "meta": {"profile": [PROFILE]},
        "status": status,
        "scope": {"coding": [{"system": SCOPE_SYSTEM, "code": "research"}]},
        "category": [
            {"coding": [{"system": "http://loinc.org", "code": "57016-8"}]},
            {
                "coding": [
                    {
                        "system": "https://www.medizininformatik-initiative.de/fhir/"
                        "modul-consent/CodeSystem/mii-cs-consent-consent_category",
                        "code": "2.16.840.1.113883.3.1937.777.24.2.184",
                    }
                ]
            },
        ],
        "patient": {"reference": f"Patient/{patient_id}"},
        "dateTime": f"{given_on.isoformat()}T12:00:00+01:00",
        "policy": [{"uri": template}],
        "provision": {
            "type": "deny",
            "period": {"start": given_on.isoformat(), "end": end.isoformat()},
            "provision": [nested(code, "permit", given_on, end) for code in permits] + list(extra),
        },
    }
