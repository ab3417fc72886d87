"""`sovex demo`: the whole job on the embedded default, end to end.

Synthetic population → local SeaweedFS → the bundled example request through the real
`research_extract` DAG → a published extract, downloaded and verified; then the same
request aimed at a US operator's Paris region, refused before any source row is read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from sovex.model.errors import PolicyRefused
from sovex.model.settings import Settings

DEMO_PATIENTS = 2_000
# A US operator's EU region: refused because of who operates it, not where it is.
REFUSED_DEMO_TARGET = "aws-eu-west-3-paris"


@dataclass(frozen=True)
class DemoStep:
    """Reports progress: `say(message)` for one-line notes, `step(title)` starts a phase."""

    say: Callable[[str], None]
    step: Callable[[str], None]


def _now_to_the_second() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _request_for_target(settings: Settings, request_file: Path, target: str) -> Path:
    """A copy of the example request aimed at another target (in the state dir)."""
    raw = yaml.safe_load(request_file.read_text(encoding="utf-8"))
    raw["target"] = target
    raw["id"] = f"{raw['id']}-{target}"[:63]
    path = settings.state_dir / "demo" / f"{raw['id']}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


# The demo plays both people of the four-eyes rule (infra/roles.yaml): the request's own
# requester submits, a steward approves.
DEMO_STEWARD = "paul.bernard@chu-exemple.fr"


def _submitted_and_approved(settings: Settings, request_file: Path) -> str:
    """Submit as the request's requester, approve as the demo steward (unless the same
    content is already approved); returns what happened, for the report."""
    from sovex.governance.store import RequestStore
    from sovex.model.request import load_request

    store = RequestStore.for_settings(settings)
    request = load_request(request_file, settings.catalogs_dir, settings.targets_dir)
    submitted = store.submit(request_file, request.requester, datetime.now(UTC))
    approval = store.get(request.id).approval
    if approval is not None and approval.request_sha256 == request.sha256():
        return f"{submitted.message}; already approved by {approval.approved_by}"
    approved = store.approve(request.id, DEMO_STEWARD, datetime.now(UTC))
    return f"{submitted.message}; {approved.message}"


def run_demo(
    settings: Settings, patients: int, report: DemoStep, model: str = "synthetic"
) -> dict[str, Any]:
    """The demo on the embedded source of `model` (synthetic: sovex's own schema; omop:
    an OMOP CDM 5.4 warehouse, with its own example request)."""
    from anonymization.keys import create_demo_master_key
    from sovex.airflow_runner import run_request
    from sovex.consent_sync import sync_consents
    from sovex.project_access import credentials_path, read_credentials
    from sovex.services.storage_server import LocalStorage
    from sovex.storage_access import reading_client
    from sovex.synth.models import demo_request, generator_for
    from transforms.download import download_extract

    request_file = demo_request(settings.examples_dir, model)
    generate_population = generator_for(model)

    report.step("demo key")
    if not settings.master_key_hex and create_demo_master_key(settings.master_key_file):
        report.say(
            f"created a local DEMO master key at {settings.master_key_file} "
            "(for synthetic data only; real deployments provide SOVEX_MASTER_KEY)"
        )

    report.step("local SeaweedFS")
    endpoint = LocalStorage(settings.storage_dir).up()
    report.say(f"local S3 (SeaweedFS) at {endpoint.endpoint_url}")

    report.step(f"synthetic population ({patients} patients, {model} model)")
    rows = generate_population(settings.source_dir, patients=patients)
    report.say("source tables: " + ", ".join(f"{t} {n}" for t, n in rows.items()))

    report.step("consent registry (FHIR Consent from the consent portal)")
    # The synthetic population was just regenerated: its registry starts afresh with it
    # (a real registry is never deleted; it only ever grows).
    for suffix in ("", "-wal", "-shm"):
        Path(f"{settings.consent_registry_db}{suffix}").unlink(missing_ok=True)
    for synced in sync_consents(settings, datetime.now(UTC)):
        report.say(
            f"{Path(synced.file).name}: {synced.accepted} resources loaded, "
            f"{synced.rejected} malformed set aside in {synced.reject_file}"
        )

    report.step("request submitted by its researcher, approved by a steward")
    report.say(_submitted_and_approved(settings, request_file))

    report.step("research_extract DAG (dag.test)")
    run = run_request(settings, request_file, _now_to_the_second())
    report.say(f"published {run.result['manifest']} (Airflow log: {run.log_file})")

    report.step("download and verify, as the project's researchers")
    project = run.result["prefix"].split("/")[1]
    credentials_file = credentials_path(settings, project)
    s3, target = reading_client(
        settings, "local-seaweedfs", read_credentials(credentials_file, project)
    )
    downloaded = download_extract(
        s3, target.bucket, project, run.extract_id, settings.downloads_dir
    )
    report.say(
        f"downloaded {downloaded.files} files to {downloaded.directory}, all sha256 match "
        f"(with the project's read-only credentials, {credentials_file})"
    )

    report.step(f"refused target ({REFUSED_DEMO_TARGET})")
    refused_request = _request_for_target(settings, request_file, REFUSED_DEMO_TARGET)
    _submitted_and_approved(settings, refused_request)  # approval never overrides the policy
    try:
        run_request(settings, refused_request, _now_to_the_second())
    except PolicyRefused as refusal:
        refused = {"target": refusal.target, "reasons": refusal.reasons}
        report.say(f"refused as expected: {refusal.target}")
    else:  # pragma: no cover - would be a policy bug; the demo must not hide it
        raise RuntimeError(f"target {REFUSED_DEMO_TARGET} was not refused")

    consent = run.result["consent"]
    return {
        "model": model,
        "extract_id": run.extract_id,
        "manifest": run.result["manifest"],
        "endpoint": endpoint.endpoint_url,
        "tables": run.result["tables"],
        "cohort": consent["cohort"],
        "included": consent["included"],
        "excluded_no_consent": consent["excluded_no_consent"],
        "excluded_denied": consent["excluded_denied"],
        "consent_regime": consent["regime"],
        "release_gate": run.result["release_gate"],
        "download_dir": str(downloaded.directory),
        "retention": run.result["retention"],
        "refused_target": refused,
    }
