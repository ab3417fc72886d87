"""The synthetic French population (`population`: patients, stays, diagnoses, notes,
consents) and its consents as FHIR NDJSON (`fhir`): the embedded demo source."""
