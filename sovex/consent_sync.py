"""Loading the consent portal's FHIR exports into the consent registry (the
`consent_sync` DAG and `sovex consent sync`).

Every `*.ndjson`, `*.ndjson.gz` and Bundle `*.json` file of the inbox is loaded in name
order; a file already loaded (same content) changes nothing, so the sync can run as
often as wanted. Malformed resources go to `<state>/consent/rejects/<file>.rejects.jsonl`
with their line numbers. Each newly loaded file leaves an audit record (name, sha256 and
counts: never a patient id). With `SOVEX_CONSENT_SOURCE_KEY` (the portal's public key), a
file without a valid detached signature `<file>.sig` is not loaded: it is audited
(`consents_refused`) and the sync ends with exit 5 after loading the others.

Consents of other systems are read through the mappings the steward declared in
`infra/consent/sources/` (docs/consent.md). A file with a resource of a source nobody
declared is not loaded; the sync loads the others, then ends with exit 2 naming the file,
line, field and rule. Codes a mapping does not use are reported per file (counts per code).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sovex.audit import AuditAction, AuditLog, default_log_path
from sovex.audit_signing import load_public_key
from sovex.consent_signatures import file_sha256, signature_problem
from sovex.model.errors import IntegrityError, InvalidInput
from sovex.model.settings import Settings

CONSENT_FILE_PATTERNS = ("*.ndjson", "*.ndjson.gz", "*.json")
SYNC_ACTOR = "sovex-consent-sync"


@dataclass(frozen=True)
class SyncedFile:
    file: str
    sha256: str
    accepted: int
    rejected: int
    new_versions: int
    already_loaded: bool
    reject_file: str
    # {"source", "system", "code", "resources"}: codes of a declared source no purpose uses.
    unmapped_codes: list[dict[str, Any]]


def inbox_files(inbox: Path) -> list[Path]:
    if not inbox.is_dir():
        raise InvalidInput(f"consent inbox {inbox}: no such folder")
    found = {path for pattern in CONSENT_FILE_PATTERNS for path in inbox.glob(pattern)}
    return sorted(path for path in found if path.is_file())


def sync_consents(
    settings: Settings, at: datetime, inbox: Path | None = None, actor: str = SYNC_ACTOR
) -> list[SyncedFile]:
    from transforms.consent_mapping import load_sources, sources_dir
    from transforms.consent_regimes import load_regimes, regimes_file
    from transforms.consent_registry import load_file

    folder = inbox or settings.consent_inbox_dir
    log = AuditLog(default_log_path(settings.state_dir))
    source_key = (
        load_public_key(settings.consent_source_key) if settings.consent_source_key else None
    )
    regimes = regimes_file(settings.infra_dir)
    known = load_regimes(regimes).regimes if regimes.is_file() else None
    sources = load_sources(sources_dir(settings.infra_dir), known_purposes=known)
    synced = []
    refused = []
    undeclared: list[str] = []
    for path in inbox_files(folder):
        if source_key is not None and (problem := signature_problem(path, source_key)):
            # Whoever can write the inbox cannot re-include people who opposed.
            refused.append(f"{path.name}: {problem}")
            log.append(
                actor,
                AuditAction.CONSENTS_REFUSED,
                path.name,
                {"sha256": file_sha256(path), "reason": problem},
            )
            continue
        reject_path = settings.consent_rejects_dir / f"{path.name}.rejects.jsonl"
        try:
            result = load_file(
                settings.consent_registry_db, path, reject_path, ingested_at=at, sources=sources
            )
        except InvalidInput as error:
            undeclared += error.problems
            continue
        unmapped = [
            {"source": source, "system": system, "code": code, "resources": count}
            for source, system, code, count in result.unmapped_codes
        ]
        entry = SyncedFile(
            file=str(path),
            sha256=result.file_sha256,
            accepted=result.accepted,
            rejected=result.rejected,
            new_versions=result.new_versions,
            already_loaded=result.already_loaded,
            reject_file=str(result.reject_path),
            unmapped_codes=unmapped,
        )
        synced.append(entry)
        if not result.already_loaded:
            log.append(
                actor,
                AuditAction.CONSENTS_LOADED,
                path.name,
                {
                    "sha256": result.file_sha256,
                    "accepted": result.accepted,
                    "rejected": result.rejected,
                    "new_versions": result.new_versions,
                    "unmapped_codes": unmapped,
                },
            )
    if refused:
        lines = "\n".join(refused + undeclared)
        raise IntegrityError(
            f"consent file(s) in {folder} not loaded, not signed by the portal's key:\n{lines}"
        )
    if undeclared:
        raise InvalidInput(undeclared)
    return synced


def synced_json(synced: list[SyncedFile]) -> list[dict[str, Any]]:
    return [asdict(entry) for entry in synced]
