"""The whole job through the real DAG (`dag.test()`), a real SeaweedFS and real GX."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from anonymization.keys import derive_project_key, load_master_key
from anonymization.pseudonyms import pseudonym
from sovex.airflow_runner import (
    DAG_ID,
    RunResult,
    recorded_run_note,
    run_request,
    settings_exported,
)
from sovex.cli import main
from sovex.model.errors import GateFailed, PolicyRefused, UserError
from sovex.model.settings import PROJECT_ROOT, Settings
from sovex.storage_access import reading_client
from tests.helpers import approve_request
from transforms.download import download_extract, read_manifest

pytestmark = pytest.mark.integration

EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"
RUN_TIME = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)
PURPOSE = "chronic-disease-research"


def request_variant(tmp_path: Path, settings: Settings | None = None, **changes: object) -> Path:
    """A copy of the example with changes; submitted and approved when `settings` given."""
    raw = yaml.safe_load(EXAMPLE.read_text())
    raw.update(changes)
    path = tmp_path / f"{raw['id']}.yaml"
    path.write_text(yaml.safe_dump(raw))
    if settings is not None:
        approve_request(settings, path)
    return path


def bucket_keys(settings: Settings) -> list[str]:
    s3, target = reading_client(settings, "local-seaweedfs")
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=target.bucket):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


@pytest.fixture(scope="module")
def published(pipeline_settings: Settings) -> RunResult:
    return run_request(pipeline_settings, EXAMPLE, RUN_TIME)


@pytest.fixture(scope="module")
def downloaded(pipeline_settings: Settings, published: RunResult) -> dict[str, pa.Table]:
    s3, target = reading_client(pipeline_settings, "local-seaweedfs")
    result = download_extract(
        s3,
        target.bucket,
        "parcours-diabete",
        published.extract_id,
        pipeline_settings.downloads_dir,
    )
    tables = {}
    for part in sorted(result.directory.rglob("part-*.parquet")):
        name = str(part.parent.relative_to(result.directory))
        tables[name] = (
            pa.concat_tables([tables[name], pq.read_table(part)])
            if name in tables
            else pq.read_table(part)
        )
    return tables


def test_the_run_publishes_every_requested_table_with_a_manifest(
    pipeline_settings: Settings, published: RunResult
) -> None:
    keys = bucket_keys(pipeline_settings)
    prefix = f"extracts/parcours-diabete/{published.extract_id}/"
    assert f"{prefix}_manifest.json" in keys
    requested = {"patients", "encounters", "diagnoses", "measurements", "notes"}
    for table in requested:
        assert any(k.startswith(f"{prefix}{table}/part-") for k in keys), table
    assert set(published.result["tables"]) == requested | {"aggregates/patients-by-diagnosis"}
    assert 0 < published.result["tables"]["patients"] <= published.result["consent"]["included"]


def test_the_run_s_note_says_published_with_the_rows_written_per_table(
    published: RunResult,
) -> None:
    lines = published.note.splitlines()
    assert lines[0] == f"**Published** {published.extract_id}"
    for table, rows in published.result["tables"].items():
        if not table.startswith("aggregates/"):
            assert any(line.startswith(f"- {table}: {rows:,} (") for line in lines), table


def test_downloaded_rows_match_the_manifest(
    published: RunResult, downloaded: dict[str, pa.Table]
) -> None:
    assert {t: downloaded[t].num_rows for t in downloaded} == published.result["tables"]


def test_no_identifier_of_the_source_appears_in_the_extract(
    pipeline_settings: Settings, downloaded: dict[str, pa.Table]
) -> None:
    patients = pq.read_table(pipeline_settings.source_dir / "patients.parquet")
    forbidden = set()
    identifying = ("nir", "email", "phone", "last_name", "first_name", "address", "city")
    for column in (*identifying, "patient_id"):
        forbidden |= {str(v) for v in patients[column].to_pylist() if v}
    published_strings = set()
    for table in downloaded.values():
        for field in table.schema:
            if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
                published_strings |= {v for v in table[field.name].to_pylist() if v}
    assert published_strings
    assert not forbidden & published_strings
    blob = "\n".join(sorted(published_strings))
    leaked = [
        column
        for column in identifying
        if any(str(v) in blob for v in patients[column].to_pylist() if v and len(str(v)) > 3)
    ]
    assert leaked == []


def test_aggregate_counts_hide_small_cells_and_cannot_be_recovered_from_the_total(
    downloaded: dict[str, pa.Table],
) -> None:
    counts = downloaded["aggregates/patients-by-diagnosis"].to_pylist()
    total = next(row for row in counts if row["row_kind"] == "total")
    cells = [row for row in counts if row["row_kind"] == "group"]
    assert total["icd10_code"] is None and len(cells) == len(counts) - 1
    visible = [row["patients"] for row in cells if not row["suppressed"]]
    hidden = [row for row in cells if row["suppressed"]]
    assert all(count >= 10 for count in visible)
    assert hidden, "the synthetic cohort has rare diagnoses: some cells must be hidden"
    assert all(row["patients"] is None for row in hidden)
    # One hidden cell alone could be recomputed as total − visible: never the case.
    assert total["suppressed"] or len(hidden) != 1


def test_aggregates_count_the_released_rows_only(downloaded: dict[str, pa.Table]) -> None:
    """An aggregate beside the rows it counts is computed on the released rows (after the
    gate's suppressions), so it tells nothing the rows do not."""
    diagnoses = downloaded["diagnoses"].to_pylist()
    patients_by_code: dict[str, set[str]] = {}
    for row in diagnoses:
        patients_by_code.setdefault(row["icd10_code"], set()).add(row["patient_id"])
    counts = downloaded["aggregates/patients-by-diagnosis"].to_pylist()
    shown = {r["icd10_code"]: r["patients"] for r in counts if r["row_kind"] == "group"}
    assert set(shown) == set(patients_by_code)
    for code, count in shown.items():
        assert count is None or count == len(patients_by_code[code])
    # The total counts each patient once, however many codes they have.
    total = next(r for r in counts if r["row_kind"] == "total")
    everyone = set().union(*patients_by_code.values())
    assert total["suppressed"] or total["patients"] == len(everyone)
    assert sum(c for c in shown.values() if c) > len(everyone)


def test_published_notes_keep_no_identifier_of_their_patient(
    pipeline_settings: Settings, downloaded: dict[str, pa.Table]
) -> None:
    notes = downloaded["notes"]
    assert notes.num_rows > 0
    texts = "\n".join(notes["text"].to_pylist())
    assert "<PERSON>" in texts and "<FR_NIR>" in texts
    patients = pq.read_table(pipeline_settings.source_dir / "patients.parquet")
    for column in ("nir", "email", "phone", "address"):
        leaked = [v for v in patients[column].to_pylist() if v and v in texts]
        assert leaked == [], f"{column}: {len(leaked)} value(s) left in published notes"
    # Surnames: whole-word, case-insensitive (notes write them as Dupont or DUPONT).
    lowered = texts.lower()
    surnames = {v.lower() for v in patients["last_name"].to_pylist()}
    leaked_names = [
        n for n in surnames if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", lowered)
    ]
    assert leaked_names == []


def denied_patients(settings: Settings, on: date) -> set[str]:
    """Patients who withdrew or refused (opposed) research use for PURPOSE by `on`,
    from the synthetic source's own record of what it exported as FHIR."""
    consents = pq.read_table(settings.source_dir / "consents.parquet").to_pylist()
    return {
        c["patient_id"]
        for c in consents
        if c["purpose"] == PURPOSE
        and (
            (c["status"] == "withdrawn" and c["withdrawn_on"] <= on)
            or (c["status"] == "refused" and c["given_on"] <= on)
        )
    }


def project_pseudonyms(settings: Settings, patients: set[str]) -> set[str]:
    key = derive_project_key(load_master_key(settings.master_key_file, None), "parcours-diabete")
    return {pseudonym(key, p) for p in patients}


def test_patients_who_withdrew_or_opposed_are_absent_from_every_table(
    pipeline_settings: Settings, downloaded: dict[str, pa.Table]
) -> None:
    # chronic-disease-research is opt-out (infra/consent/regimes.yaml): everyone else counts.
    denied = denied_patients(pipeline_settings, RUN_TIME.date())
    assert denied
    excluded = project_pseudonyms(pipeline_settings, denied)
    for name, table in downloaded.items():
        if name.startswith("aggregates/"):
            continue
        assert not excluded & set(table["patient_id"].to_pylist()), name


def test_manifest_records_consent_policy_gate_and_key_fingerprint(
    pipeline_settings: Settings, published: RunResult
) -> None:
    s3, target = reading_client(pipeline_settings, "local-seaweedfs")
    result = download_extract(
        s3,
        target.bucket,
        "parcours-diabete",
        published.extract_id,
        Path(pipeline_settings.state_dir / "dl2"),
    )
    manifest = result.manifest
    consent = manifest.consent
    assert consent.regime == "opt_out" and consent.as_of == RUN_TIME.date().isoformat()
    assert (
        consent.cohort == consent.included + consent.excluded_denied + consent.excluded_no_consent
    )
    assert consent.excluded_denied > 0 and consent.excluded_no_consent == 0
    assert re.fullmatch(r"[0-9a-f]{64}", consent.snapshot_sha256)
    # The counts reconcile with the published person table.
    assert (
        consent.included - manifest.release_gate.suppressed_records == manifest.tables["patients"]
    )
    assert manifest.policy.allowed and manifest.policy.target == "local-seaweedfs"
    assert re.fullmatch(r"[0-9a-f]{64}", manifest.policy.policy_bundle_sha256)
    assert manifest.release_gate.success and manifest.release_gate.expectations
    assert re.fullmatch(r"[0-9a-f]{16}", manifest.key_fingerprint)
    master = pipeline_settings.master_key_file.read_text().strip()
    assert master not in manifest.model_dump_json()


def test_pseudonyms_differ_between_two_projects(
    pipeline_settings: Settings, downloaded: dict[str, pa.Table], tmp_path: Path
) -> None:
    other = request_variant(
        tmp_path, pipeline_settings, id="diabetes-t2-other", project="autre-projet"
    )
    result = run_request(pipeline_settings, other, RUN_TIME)
    s3, target = reading_client(pipeline_settings, "local-seaweedfs")
    extract = download_extract(
        s3, target.bucket, "autre-projet", result.extract_id, tmp_path / "dl"
    )
    other_ids = set(
        pq.read_table(next((extract.directory / "patients").glob("part-*.parquet")))[
            "patient_id"
        ].to_pylist()
    )
    ours = set(downloaded["patients"]["patient_id"].to_pylist())
    assert len(other_ids) == len(ours) > 0
    assert not other_ids & ours


def test_a_refused_target_stops_the_run_before_reading_and_writes_nothing(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    before = bucket_keys(pipeline_settings)
    refused = request_variant(
        tmp_path, pipeline_settings, id="diabetes-t2-aws", target="aws-eu-west-3-paris"
    )
    with pytest.raises(PolicyRefused) as raised:
        run_request(pipeline_settings, refused, RUN_TIME)
    assert raised.value.target == "aws-eu-west-3-paris"
    assert raised.value.reasons
    assert bucket_keys(pipeline_settings) == before
    run_dir = pipeline_settings.runs_dir / f"diabetes-t2-aws-{RUN_TIME:%Y%m%dT%H%M%SZ}"
    # The consent gate never ran: no source row was read.
    assert not (run_dir / "included.parquet").exists()
    assert not (run_dir / "parts").exists()


def test_a_deployment_requiring_hds_refuses_the_uncertified_local_store_in_the_run(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    # SOVEX_REQUIRE_HDS=true: the self-hosted local store has no HDS certification.
    settings = replace(pipeline_settings, require_hds=True)
    before = bucket_keys(pipeline_settings)
    request = request_variant(tmp_path, settings, id="diabetes-t2-hds")
    approve_request(settings, request)
    with pytest.raises(PolicyRefused) as raised:
        run_request(settings, request, RUN_TIME)
    assert raised.value.target == "local-seaweedfs"
    assert any("HDS" in reason for reason in raised.value.reasons)
    assert bucket_keys(pipeline_settings) == before
    run_dir = settings.runs_dir / f"diabetes-t2-hds-{RUN_TIME:%Y%m%dT%H%M%SZ}"
    policy = json.loads((run_dir / "policy.json").read_text())
    assert policy["params"]["require_hds"] is True
    assert [reason["code"] for reason in policy["reasons"]] == ["HDS_CERTIFICATION_MISSING"]
    assert not (run_dir / "parts").exists()


@pytest.mark.parametrize(("column", "rule"), [("email", "EMAIL"), ("nir", "FR_NIR")])
def test_an_identifier_in_a_non_text_column_blocks_publication(
    pipeline_settings: Settings, tmp_path: Path, column: str, rule: str
) -> None:
    # A steward's mistake: an identifier classified as a plain attribute. The gate catches it.
    infra = tmp_path / "infra"
    shutil.copytree(pipeline_settings.infra_dir, infra)
    catalog_file = infra / "catalogs" / "synthetic.yaml"
    catalog_file.write_text(
        catalog_file.read_text().replace(f"{column}: direct_identifier", f"{column}: attribute")
    )
    settings = replace(pipeline_settings, infra_dir=infra)
    project = f"fuite-{column}"
    leaky = request_variant(
        tmp_path,
        settings,
        id=f"diabetes-t2-leaky-{column}",
        project=project,
        tables={"patients": ["patient_id", column]},
        aggregates=[],
    )
    with pytest.raises(GateFailed) as raised:
        run_request(settings, leaky, RUN_TIME)
    assert any(column in failure and rule in failure for failure in raised.value.failures)
    assert not [k for k in bucket_keys(pipeline_settings) if k.startswith(f"extracts/{project}/")]
    values = pq.read_table(pipeline_settings.source_dir / "patients.parquet")[column].to_pylist()
    assert not any(value in str(raised.value) for value in values)


def test_an_impossible_k_stops_with_exit_4_and_a_report_and_publishes_nothing(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    impossible = request_variant(
        tmp_path,
        pipeline_settings,
        id="diabetes-t2-k-impossible",
        project="k-impossible",
        k_threshold=100,  # the ceiling: more than the cohort can reach
        max_suppression=0.0,
    )
    with pytest.raises(GateFailed) as raised:
        run_request(pipeline_settings, impossible, RUN_TIME)
    assert raised.value.exit_code == 4
    report = "\n".join(raised.value.failures)
    assert "k-anonymity" in report
    assert "birth_date" in report and "postcode" in report
    # The steward reads the same report as the run's note in Airflow, not in a traceback.
    note = recorded_run_note(DAG_ID, RUN_TIME)
    assert note is not None
    assert note.startswith("**Failed** in step `assess_disclosure` (exit 4)")
    # Airflow keeps 1000 characters of a note: the report's start, then where the rest is.
    assert f"- {raised.value.failures[0][:200]}" in note
    assert len(note) <= 1000
    assert not [k for k in bucket_keys(pipeline_settings) if k.startswith("extracts/k-impossible/")]


def test_a_run_the_scheduler_ends_gets_its_note_from_sovex_listener(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    """The scheduler's own path: it ends a run with `update_state` on a run in its session,
    and sovex's listener (registered by the plugin) writes the note, with no `sovex run`."""
    from airflow.models.dagbag import DBDagBag
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from sqlalchemy import select

    run_time = datetime(2026, 11, 3, 9, 0, 0, tzinfo=UTC)
    impossible = request_variant(
        tmp_path,
        pipeline_settings,
        id="diabetes-t2-k-scheduler",
        project="k-scheduler",
        k_threshold=100,
        max_suppression=0.0,
    )
    with pytest.raises(GateFailed):
        run_request(pipeline_settings, impossible, run_time)

    def this_run(session):  # type: ignore[no-untyped-def]
        return session.scalar(
            select(DagRun).where(DagRun.dag_id == DAG_ID, DagRun.logical_date == run_time)
        )

    # Forget the note `sovex run` wrote and put the run back where the scheduler finds it:
    # running, with every task finished.
    with create_session() as session:
        dag_run = this_run(session)
        session.delete(dag_run.dag_run_note)
        dag_run.state = DagRunState.RUNNING
    assert recorded_run_note(DAG_ID, run_time) is None
    with settings_exported(pipeline_settings), create_session() as session:
        dag_run = this_run(session)
        dag_run.dag = DBDagBag().get_dag_for_run(dag_run, session=session)
        dag_run.update_state(session=session, execute_callbacks=False)
        assert dag_run.state == DagRunState.FAILED
    note = recorded_run_note(DAG_ID, run_time)
    assert note is not None
    assert note.startswith("**Failed** in step `assess_disclosure` (exit 4)")
    assert "k-anonymity" in note


def test_k_computed_independently_on_the_downloaded_extract_meets_the_threshold(
    pipeline_settings: Settings, published: RunResult, downloaded: dict[str, pa.Table]
) -> None:
    s3, target = reading_client(pipeline_settings, "local-seaweedfs")
    manifest = download_extract(
        s3,
        target.bucket,
        "parcours-diabete",
        published.extract_id,
        pipeline_settings.state_dir / "dl-k",
    ).manifest
    gate = manifest.release_gate
    assert gate.quasi_identifiers == ["birth_date", "sex", "postcode"]
    assert gate.k_threshold == 5
    patients = downloaded["patients"].to_pylist()
    classes = Counter(tuple(row[c] for c in gate.quasi_identifiers) for row in patients)
    assert min(classes.values()) == gate.k_achieved >= gate.k_threshold
    consent = published.result["consent"]
    assert len(patients) == consent["included"] - gate.suppressed_records
    assert gate.suppressed_records <= 0.1 * consent["included"]
    assert gate.l_diversity["diagnoses.icd10_code"] >= 1
    assert gate.data_docs == "_gate_docs/index.html"
    docs = pipeline_settings.state_dir / "dl-k" / published.extract_id / "_gate_docs"
    assert (docs / "index.html").is_file()
    names = {e["expectation"] for e in gate.expectations}
    assert "expect_published_persons_to_equal_cohort_minus_exclusions" in names
    assert "expect_every_person_in_the_published_cohort" in names


def test_a_forged_newer_version_of_a_part_or_the_manifest_fails_the_download(
    pipeline_settings: Settings,
    published: RunResult,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Someone with write access plants an unlocked newer version over a part and over
    `_manifest.json` (its sha256 matching the forged part): `extract download` checks the
    versions the publication recorded, so either forgery is exit 5 naming the object,
    and nothing is left that looks like an extract."""
    s3, target = reading_client(pipeline_settings, "local-seaweedfs")  # the admin identity
    prefix = f"extracts/parcours-diabete/{published.extract_id}"
    original = read_manifest(s3, target.bucket, f"{prefix}/_manifest.json")
    key = f"{prefix}/diagnoses/part-00000.parquet"
    forged_part = s3.get_object(Bucket=target.bucket, Key=key)["Body"].read() + b"tampered"
    planted = [(key, s3.put_object(Bucket=target.bucket, Key=key, Body=forged_part))]
    # The example's requester downloads, with her own credential.
    environ = {**pipeline_settings.as_environ(), "SOVEX_USER": "claire.moreau@chu-exemple.fr"}

    def download(to: Path) -> int:
        arguments = ["extract", "download", published.extract_id, "--project", "parcours-diabete"]
        return main([*arguments, "--to", str(to)], environ=environ)

    try:
        assert download(tmp_path / "part-forged") == 5
        assert "diagnoses/part-00000.parquet" in capsys.readouterr().err
        assert not (tmp_path / "part-forged" / published.extract_id).exists()

        manifest_key = f"{prefix}/_manifest.json"
        manifest = json.loads(s3.get_object(Bucket=target.bucket, Key=manifest_key)["Body"].read())
        for file in manifest["files"]:
            if f"{prefix}/{file['key']}" == key:
                file.update(
                    sha256=hashlib.sha256(forged_part).hexdigest(),
                    bytes=len(forged_part),
                    version_id=planted[0][1]["VersionId"],
                )
        forged_manifest = json.dumps(manifest).encode()
        planted.append(
            (
                manifest_key,
                s3.put_object(Bucket=target.bucket, Key=manifest_key, Body=forged_manifest),
            )
        )
        assert download(tmp_path / "both-forged") == 5
        assert "_manifest.json" in capsys.readouterr().err
        assert not (tmp_path / "both-forged" / published.extract_id).exists()
        # Without the publication's record, a reader of the newest manifest is fooled:
        # that is why `extract download` pins the version.
        fooled = download_extract(
            s3, target.bucket, "parcours-diabete", published.extract_id, tmp_path / "unpinned"
        )
        assert fooled.manifest.files != original.files
    finally:
        for planted_key, stored in planted:  # unlocked: they can go, and the rest stays
            s3.delete_object(Bucket=target.bucket, Key=planted_key, VersionId=stored["VersionId"])


def test_a_rerun_of_the_same_run_changes_nothing_and_another_request_cannot_take_its_id(
    pipeline_settings: Settings, published: RunResult, tmp_path: Path
) -> None:
    before = bucket_keys(pipeline_settings)
    again = run_request(pipeline_settings, EXAMPLE, RUN_TIME)
    assert again.extract_id == published.extract_id
    assert again.result["manifest"] == published.result["manifest"]
    assert bucket_keys(pipeline_settings) == before
    # Same request id and run time, different content never approved: refused before
    # anything is read, and the published extract stays.
    changed = request_variant(tmp_path, k_threshold=6)
    with pytest.raises(UserError, match=r"not the submitted file") as raised:
        run_request(pipeline_settings, changed, RUN_TIME)
    assert raised.value.exit_code == 2
    assert bucket_keys(pipeline_settings) == before


def test_published_files_are_locked_until_the_retention_date_and_readable_by_the_project(
    pipeline_settings: Settings, published: RunResult, tmp_path: Path
) -> None:
    from tests.helpers import member_keys

    s3, target = reading_client(pipeline_settings, "local-seaweedfs")
    prefix = f"extracts/parcours-diabete/{published.extract_id}"
    manifest = download_extract(
        s3, target.bucket, "parcours-diabete", published.extract_id, tmp_path
    )
    assert manifest.manifest.retention.until == "2028-12-31"
    for key in [f"{prefix}/_manifest.json"] + [
        f"{prefix}/{f.key}" for f in manifest.manifest.files
    ]:
        head = s3.head_object(Bucket=target.bucket, Key=key)
        assert head["ObjectLockMode"] == "COMPLIANCE"
        assert head["ObjectLockRetainUntilDate"] == datetime(2029, 1, 1, tzinfo=UTC)
        assert head["ServerSideEncryption"] == "AES256"
    credentials = member_keys(pipeline_settings, "parcours-diabete")
    project_s3, _ = reading_client(pipeline_settings, "local-seaweedfs", credentials)
    again = download_extract(
        project_s3, target.bucket, "parcours-diabete", published.extract_id, tmp_path / "project"
    )
    assert again.files == len(manifest.manifest.files)


def test_a_withdrawal_between_two_runs_removes_the_patient_from_the_second_run_only(
    pipeline_settings: Settings,
    published: RunResult,
    downloaded: dict[str, pa.Table],
    tmp_path: Path,
) -> None:
    from sovex.consent_sync import sync_consents

    consents = pq.read_table(pipeline_settings.source_dir / "consents.parquet").to_pylist()
    published_ids = set(downloaded["patients"]["patient_id"].to_pylist())
    permits = {
        c["patient_id"]: c
        for c in consents
        if c["purpose"] == PURPOSE and c["status"] == "active" and c["valid_until"] is None
    }
    patient, consent = next(
        (p, c)
        for p, c in sorted(permits.items())
        if project_pseudonyms(pipeline_settings, {p}) <= published_ids
    )
    # The patient withdraws on 2026-11-10: a new version of the same Consent resource.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    withdrawal = {
        "resourceType": "Consent",
        "id": consent["consent_id"],
        "status": "inactive",
        "scope": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}
            ]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient}"},
        "dateTime": "2026-11-10T10:00:00+01:00",
        "provision": {
            "type": "permit",
            "period": {"start": consent["given_on"].isoformat()},
            "purpose": [{"system": "urn:sovex:purpose", "code": PURPOSE}],
        },
    }
    (inbox / "withdrawals-2026-11-10.ndjson").write_text(json.dumps(withdrawal) + "\n")
    first = sync_consents(pipeline_settings, datetime(2026, 11, 10, 12, tzinfo=UTC), inbox)
    assert first[0].accepted == 1 and first[0].rejected == 0
    again = sync_consents(pipeline_settings, datetime(2026, 11, 10, 13, tzinfo=UTC), inbox)
    assert again[0].already_loaded  # the same file twice changes nothing

    second = run_request(pipeline_settings, EXAMPLE, datetime(2026, 11, 20, 9, tzinfo=UTC))
    s3, target = reading_client(pipeline_settings, "local-seaweedfs")
    result = download_extract(
        s3, target.bucket, "parcours-diabete", second.extract_id, tmp_path / "second"
    )
    withdrawn = project_pseudonyms(pipeline_settings, {patient})
    for part in sorted(result.directory.rglob("part-*.parquet")):
        if "aggregates" in part.parts:
            continue
        assert not withdrawn & set(pq.read_table(part)["patient_id"].to_pylist()), part
    assert (
        result.manifest.consent.excluded_denied
        == published.result["consent"]["excluded_denied"] + 1
    )
    # Replayed as of the first run's date, the registry still says permit; as of the
    # second run's, the withdrawal decides.
    from transforms.consent_registry import Decision, decisions_as_of

    before = decisions_as_of(pipeline_settings.consent_registry_db, PURPOSE, RUN_TIME.date())
    after = decisions_as_of(pipeline_settings.consent_registry_db, PURPOSE, date(2026, 11, 20))
    assert before.decision_for(patient) is Decision.PERMIT
    assert after.decision_for(patient) is Decision.DENY


def test_an_mii_broad_consent_without_scientific_use_removes_the_patient_from_the_next_run(
    pipeline_settings: Settings,
    published: RunResult,
    downloaded: dict[str, pa.Table],
    tmp_path: Path,
) -> None:
    """A gICS export through the consent sync and the shipped mapping, then the real DAG:
    the nested permits decide (chronic-disease-research is opt_out and the mapping says an
    unpermitted purpose is an opposition)."""
    from sovex.consent_sync import sync_consents
    from tests.mii_consent import MDAT_CODES, mii_consent
    from transforms.consent_registry import Basis, Decision, decisions_as_of

    published_ids = set(downloaded["patients"]["patient_id"].to_pylist())
    consents = pq.read_table(pipeline_settings.source_dir / "consents.parquet").to_pylist()
    candidates = sorted(
        c["patient_id"]
        for c in consents
        if c["purpose"] == PURPOSE and c["status"] == "active" and c["valid_until"] is None
    )
    kept, dropped = [
        p for p in candidates if project_pseudonyms(pipeline_settings, {p}) <= published_ids
    ][-2:]
    signed_on = date(2026, 11, 21)
    inbox = tmp_path / "gics"
    inbox.mkdir()
    resources = [
        # Medical data collected and stored, but no scientific use: no permit for the purpose.
        mii_consent("mii-dropped", dropped, signed_on, permits=MDAT_CODES[:2]),
        mii_consent("mii-kept", kept, signed_on),
    ]
    (inbox / "gics-2026-11-21.ndjson").write_text(
        "".join(json.dumps(resource) + "\n" for resource in resources)
    )
    [synced] = sync_consents(pipeline_settings, datetime(2026, 11, 21, 12, tzinfo=UTC), inbox)
    assert (synced.accepted, synced.rejected) == (2, 0)

    decisions = decisions_as_of(pipeline_settings.consent_registry_db, PURPOSE, date(2026, 11, 25))
    assert decisions.decision_for(dropped) is Decision.DENY
    assert decisions.decision_for(kept) is Decision.PERMIT
    rows = {r["patient_id"]: r for r in decisions.table.to_pylist()}
    assert rows[dropped]["basis"] == Basis.OPPOSED.value
    assert rows[dropped]["resource_id"] == "mii-dropped"

    third = run_request(pipeline_settings, EXAMPLE, datetime(2026, 11, 25, 9, tzinfo=UTC))
    s3, target = reading_client(pipeline_settings, "local-seaweedfs")
    result = download_extract(
        s3, target.bucket, "parcours-diabete", third.extract_id, tmp_path / "third"
    )
    gone = project_pseudonyms(pipeline_settings, {dropped})
    for part in sorted(result.directory.rglob("part-*.parquet")):
        if "aggregates" in part.parts:
            continue
        assert not gone & set(pq.read_table(part)["patient_id"].to_pylist()), part


def test_the_extract_carries_a_codebook_that_frictionless_validates(
    pipeline_settings: Settings, published: RunResult, tmp_path: Path
) -> None:
    """`datapackage.json` and `README.md` come with the extract, listed and checksummed in
    the manifest, and `frictionless validate` passes on the downloaded extract: every
    table's parts, types, sizes and hashes as the codebook describes them."""
    from frictionless import validate

    s3, target = reading_client(pipeline_settings, "local-seaweedfs")
    result = download_extract(
        s3, target.bucket, "parcours-diabete", published.extract_id, tmp_path / "codebook"
    )
    listed = {f.key: f for f in result.manifest.files}
    for name in ("datapackage.json", "README.md"):
        path = result.directory / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == listed[name].sha256
    report = validate(result.directory / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])[:5]
    descriptor = json.loads((result.directory / "datapackage.json").read_text())
    resources = {r["name"]: r for r in descriptor["resources"]}
    # One part per table here: one resource each, named after its table.
    assert {n: r["sovex:rows"] for n, r in resources.items()} == published.result["tables"]
    fields = {f["name"]: f for f in resources["patients"]["schema"]["fields"]}
    chosen = result.manifest.release_gate.generalisation["birth_date"]
    assert fields["birth_date"]["sovex:generalisation"]["level"] == chosen
    dates = {f["name"]: f for f in resources["diagnoses"]["schema"]["fields"]}
    assert dates["diagnosis_date"]["sovex:dateShift"]["boundDays"] == 182
    readme = (result.directory / "README.md").read_text()
    assert "aggregates/patients-by-diagnosis" in readme and "read_parquet" in readme
    # Read as the README says: DuckDB over a table's folder, pandas with integer counts.
    import duckdb
    import pandas as pd

    folder = result.directory / "patients"
    rows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{folder}/*.parquet')").fetchall()
    assert rows == [(published.result["tables"]["patients"],)]
    counts = pd.read_parquet(result.directory / "aggregates" / "patients-by-diagnosis")
    assert str(counts["patients"].dtype) == "Int64"
    assert counts.loc[counts["suppressed"], "patients"].isna().all()
