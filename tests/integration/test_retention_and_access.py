"""Retention, project-scoped access and audit anchoring on the real SeaweedFS."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from sovex.audit import AuditLog, check_against_anchor, default_log_path, latest_anchor, verify
from sovex.audit_anchoring import AUDIT_BUCKET, anchor_audit_log
from sovex.cli import main
from sovex.governance.store import RequestStore
from sovex.member_access import issue_member_credentials, member_credential_path
from sovex.model.errors import IntegrityError
from sovex.model.manifest import (
    Manifest,
    ManifestFile,
)
from sovex.model.request import load_request
from sovex.model.settings import Settings
from sovex.project_access import credentials_path, grant_access, read_credentials
from sovex.retention_sweep import sweep_retention
from sovex.roles import SYSTEM_ACTOR
from sovex.services.storage_server import LocalStorage
from sovex.storage_access import reading_client
from tests.helpers import (
    RESEARCHER,
    STEWARD,
    approve_request,
    register_project,
    stand_in_manifest,
    write_one_off_variant,
)
from transforms.download import manifest_pin
from transforms.extract import sha256_of
from transforms.publish import (
    LocalPart,
    extract_prefix,
    object_versions,
    publish_extract,
    remove_other_versions,
)

pytestmark = pytest.mark.integration

TARGET = "local-seaweedfs"
FAR_FUTURE = datetime(2030, 1, 1, tzinfo=UTC)
MEMBERS = {"projet-a": RESEARCHER, "projet-b": "marc.petit@chu-exemple.fr"}


def manifest_for(project: str, extract_id: str, bucket: str, retain_until: datetime):  # type: ignore[no-untyped-def]
    def build(files: list[ManifestFile]) -> Manifest:
        return stand_in_manifest(
            project=project,
            extract_id=extract_id,
            request_id=extract_id,
            request_sha256="b" * 64,
            bucket=bucket,
            retention_until=(retain_until - timedelta(days=1)).date(),
            locked_until=retain_until,
            tables={"values": 3},
            files=files,
        )

    return build


def publish_small_extract(
    settings: Settings, tmp_path: Path, project: str, extract_id: str, retain_until: datetime
) -> str:
    s3, target = reading_client(settings, TARGET)  # the admin identity
    path = tmp_path / project / extract_id / "part-00000.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"value": [1, 2, 3]}), path)
    part = LocalPart("values", path, 3, path.stat().st_size, sha256_of(path))
    prefix = extract_prefix(project, extract_id)
    publish_extract(
        s3,
        target.bucket,
        prefix,
        [part],
        manifest_for(project, extract_id, target.bucket, retain_until),
        "b" * 64,
        retain_until,
    )
    # As `publish` records it: the manifest version downloads trust.
    pin = manifest_pin(s3, target.bucket, prefix)
    AuditLog(default_log_path(settings.state_dir)).append(
        SYSTEM_ACTOR,
        "extract_published",
        extract_id,
        {"manifest_version_id": pin.version_id, "manifest_sha256": pin.sha256},
    )
    return prefix


def record_in_life_cycle(
    settings: Settings, tmp_path: Path, request_id: str, project: str, prefix: str
) -> None:
    """An approved request whose run published this extract (id = the request's id)."""
    request_file = write_one_off_variant(tmp_path, id=request_id, project=project)
    approve_request(settings, request_file)
    store = RequestStore.for_settings(settings)
    sha256 = load_request(request_file, settings.catalogs_dir, settings.targets_dir).sha256()
    now = datetime.now(UTC)
    store.start_run(request_id, request_id, request_sha256=sha256, actor=SYSTEM_ACTOR, at=now)
    store.finish_run(
        request_id, request_id, True, SYSTEM_ACTOR, now, manifest=f"s3://sovex-extracts/{prefix}/"
    )


def project_client(settings: Settings, project: str):  # type: ignore[no-untyped-def]
    credentials = read_credentials(credentials_path(settings, project), project)
    client, _ = reading_client(settings, TARGET, credentials)
    return client


def error_code(call, **arguments) -> str:  # type: ignore[no-untyped-def]
    """The S3 error code the call fails with (the test fails if it succeeds)."""
    with pytest.raises(ClientError) as raised:
        call(**arguments)
    return str(raised.value.response["Error"]["Code"])


@pytest.fixture(scope="module")
def two_projects(pipeline_settings: Settings, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp_path = tmp_path_factory.mktemp("projects")
    prefixes = {}
    for project in ("projet-a", "projet-b"):
        prefixes[project] = publish_small_extract(
            pipeline_settings, tmp_path, project, f"{project}-x1", FAR_FUTURE
        )
        grant_access(pipeline_settings, project, "sovex-extracts")
        # Each project's member gets their own credential (the CLI downloads with it).
        register_project(pipeline_settings, project, MEMBERS[project])
        issue_member_credentials(
            pipeline_settings,
            project,
            "sovex-extracts",
            datetime.now(UTC),
            STEWARD,
            retention_until=FAR_FUTURE.date(),
        )
    return prefixes


def test_a_projects_credentials_read_its_own_extract_only(
    pipeline_settings: Settings, two_projects: dict[str, str]
) -> None:
    a = project_client(pipeline_settings, "projet-a")
    own, other = two_projects["projet-a"], two_projects["projet-b"]
    listed = a.list_objects_v2(Bucket="sovex-extracts", Prefix="extracts/projet-a/")
    assert f"{own}/_manifest.json" in [item["Key"] for item in listed["Contents"]]
    assert a.get_object(Bucket="sovex-extracts", Key=f"{own}/_manifest.json")["Body"].read()

    assert (
        error_code(lambda: a.list_objects_v2(Bucket="sovex-extracts", Prefix="extracts/projet-b/"))
        == "AccessDenied"
    )
    assert error_code(lambda: a.list_objects_v2(Bucket="sovex-extracts")) == "AccessDenied"
    assert (
        error_code(lambda: a.get_object(Bucket="sovex-extracts", Key=f"{other}/_manifest.json"))
        == "AccessDenied"
    )
    # Read-only, even on its own prefix; and nothing of the audit bucket.
    assert (
        error_code(lambda: a.put_object(Bucket="sovex-extracts", Key=f"{own}/extra", Body=b"x"))
        == "AccessDenied"
    )
    assert (
        error_code(lambda: a.delete_object(Bucket="sovex-extracts", Key=f"{own}/_manifest.json"))
        == "AccessDenied"
    )
    assert error_code(lambda: a.list_objects_v2(Bucket=AUDIT_BUCKET)) == "AccessDenied"


def test_anonymous_requests_are_refused(
    pipeline_settings: Settings, two_projects: dict[str, str]
) -> None:
    _, target = reading_client(pipeline_settings, TARGET)
    endpoint = LocalStorage(pipeline_settings.storage_dir).endpoint().endpoint_url
    anonymous = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        config=Config(
            signature_version=UNSIGNED, region_name="eu-local", retries={"max_attempts": 1}
        ),
    )
    key = f"{two_projects['projet-a']}/_manifest.json"
    assert error_code(lambda: anonymous.get_object(Bucket=target.bucket, Key=key)) == "AccessDenied"
    assert error_code(lambda: anonymous.list_objects_v2(Bucket=target.bucket)) == "AccessDenied"
    assert (
        error_code(lambda: anonymous.put_object(Bucket=target.bucket, Key="anonymous", Body=b"x"))
        == "AccessDenied"
    )


def test_download_uses_the_members_credential_and_refuses_another_projects(
    pipeline_settings: Settings, two_projects: dict[str, str], tmp_path: Path
) -> None:
    environ = {**pipeline_settings.as_environ(), "SOVEX_USER": MEMBERS["projet-a"]}
    assert (
        main(
            ["extract", "download", "projet-a-x1", "--project", "projet-a", "--to", str(tmp_path)],
            environ=environ,
        )
        == 0
    )
    assert (tmp_path / "projet-a-x1" / "values" / "part-00000.parquet").exists()
    # B's member's credential file, used for A's extract: refused before any read.
    b_file = member_credential_path(pipeline_settings, "projet-b", MEMBERS["projet-b"])
    assert (
        main(
            [
                "extract",
                "download",
                "projet-a-x1",
                "--project",
                "projet-a",
                "--credentials",
                str(b_file),
                "--to",
                str(tmp_path / "other"),
            ],
            environ=environ,
        )
        == 2
    )
    assert not (tmp_path / "other" / "projet-a-x1").exists()


def test_no_secret_key_is_written_to_logs_audit_or_manifests(
    pipeline_settings: Settings, two_projects: dict[str, str]
) -> None:
    secret = read_credentials(credentials_path(pipeline_settings, "projet-a")).secret_key
    assert oct(credentials_path(pipeline_settings, "projet-a").stat().st_mode & 0o777) == "0o600"
    places = [
        pipeline_settings.logs_dir,
        pipeline_settings.state_dir / "audit",
        pipeline_settings.runs_dir,
    ]
    for place in places:
        for path in place.rglob("*") if place.exists() else []:
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
    s3, target = reading_client(pipeline_settings, TARGET)
    body = s3.get_object(Bucket=target.bucket, Key=f"{two_projects['projet-a']}/_manifest.json")
    assert secret.encode() not in body["Body"].read()


def test_only_the_version_a_publish_wrote_is_kept_under_the_extract(
    pipeline_settings: Settings,
) -> None:
    # What a crash can leave: another version of a part (here older, the way a killed
    # upload reappears after the store restarts) and a delete marker on a stray key.
    # A version under lock stays whatever happens: nobody can delete it before its date.
    s3, target = reading_client(pipeline_settings, TARGET)
    prefix = extract_prefix("projet-versions", "versions-x1")
    key, stray_key = f"{prefix}/values/part-00000.parquet", f"{prefix}/values/stray.parquet"
    locked_key = f"{prefix}/values/locked.parquet"
    locked = s3.put_object(
        Bucket=target.bucket,
        Key=locked_key,
        Body=b"locked",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=datetime.now(UTC) + timedelta(minutes=5),
    )["VersionId"]
    s3.put_object(Bucket=target.bucket, Key=key, Body=b"interrupted")
    kept = s3.put_object(Bucket=target.bucket, Key=key, Body=b"published")["VersionId"]
    s3.put_object(Bucket=target.bucket, Key=stray_key, Body=b"stray")
    s3.delete_object(Bucket=target.bucket, Key=stray_key)
    assert len(object_versions(s3, target.bucket, prefix)) == 5

    removed = remove_other_versions(s3, target.bucket, prefix, keep={key: kept})

    assert removed == 3
    assert sorted(object_versions(s3, target.bucket, prefix)) == sorted(
        [(key, kept), (locked_key, locked)]
    )
    assert s3.get_object(Bucket=target.bucket, Key=key)["Body"].read() == b"published"


def test_a_locked_extract_cannot_be_deleted_before_its_date_and_the_sweep_removes_it_after(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    s3, target = reading_client(pipeline_settings, TARGET)  # even the admin identity
    retain_until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=8)
    shorter = timedelta(seconds=3)
    prefix = publish_small_extract(
        pipeline_settings, tmp_path, "projet-court", "court-x1", retain_until
    )
    record_in_life_cycle(pipeline_settings, tmp_path, "court-x1", "projet-court", prefix)
    grant_access(pipeline_settings, "projet-court", target.bucket)
    versions = object_versions(s3, target.bucket, prefix)
    assert len(versions) == 2  # the part and the manifest
    for key, version_id in versions:
        head = s3.head_object(Bucket=target.bucket, Key=key, VersionId=version_id)
        assert head["ObjectLockMode"] == "COMPLIANCE"
        assert (
            error_code(s3.delete_object, Bucket=target.bucket, Key=key, VersionId=version_id)
            == "AccessDenied"
        )
        # COMPLIANCE: the retention cannot be shortened either.
        assert (
            error_code(
                s3.put_object_retention,
                Bucket=target.bucket,
                Key=key,
                VersionId=version_id,
                Retention={"Mode": "COMPLIANCE", "RetainUntilDate": retain_until - shorter},
            )
            == "AccessDenied"
        )
        head = s3.head_object(Bucket=target.bucket, Key=key, VersionId=version_id)
        assert head["ObjectLockRetainUntilDate"] == retain_until

    early = sweep_retention(pipeline_settings, TARGET, datetime.now(UTC))
    assert prefix not in [d.prefix for d in early.deleted]
    assert object_versions(s3, target.bucket, prefix) == versions

    time.sleep(max(0.0, (retain_until - datetime.now(UTC)).total_seconds()) + 1)
    dry = sweep_retention(pipeline_settings, TARGET, datetime.now(UTC), dry_run=True)
    assert prefix in [d.prefix for d in dry.deleted]
    assert object_versions(s3, target.bucket, prefix) == versions
    report = sweep_retention(pipeline_settings, TARGET, datetime.now(UTC))
    assert [d.prefix for d in report.deleted] == [prefix]
    assert object_versions(s3, target.bucket, prefix) == []  # no hidden version left
    # Other extracts, still retained, are untouched.
    assert report.kept >= 1

    records = list(AuditLog(default_log_path(pipeline_settings.state_dir)).records())
    deleted = [
        r for r in records if r["action"] == "extract_deleted" and r["subject"] == "court-x1"
    ]
    assert len(deleted) == 1
    assert deleted[0]["detail"]["project"] == "projet-court"
    assert deleted[0]["detail"]["objects"] == 2
    revoked = [
        r for r in records if r["action"] == "access_revoked" and r["subject"] == "projet-court"
    ]
    assert len(revoked) == 1
    assert not credentials_path(pipeline_settings, "projet-court").exists()
    # The request whose extract it was has reached the end of its life cycle.
    assert RequestStore.for_settings(pipeline_settings).get("court-x1").state.value == "expired"
    assert verify(default_log_path(pipeline_settings.state_dir)).ok


def test_the_audit_head_is_anchored_under_lock_and_a_cut_log_is_detected(
    pipeline_settings: Settings, two_projects: dict[str, str], tmp_path: Path
) -> None:
    log_path = default_log_path(pipeline_settings.state_dir)
    key = anchor_audit_log(pipeline_settings, TARGET, datetime.now(UTC))
    s3, _ = reading_client(pipeline_settings, TARGET)
    head = s3.head_object(Bucket=AUDIT_BUCKET, Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=3000)
    version = head["VersionId"]
    assert (
        error_code(lambda: s3.delete_object(Bucket=AUDIT_BUCKET, Key=key, VersionId=version))
        == "AccessDenied"
    )

    anchor = latest_anchor(s3, AUDIT_BUCKET)
    assert anchor is not None and anchor["key"].endswith(key)
    check_against_anchor(verify(log_path), log_path, anchor)  # intact: no error
    # A copy of the log with its newest records cut off is still a valid chain, but the
    # anchor shows the cut.
    lines = log_path.read_bytes().splitlines(keepends=True)
    cut = tmp_path / "audit.jsonl"
    cut.write_bytes(b"".join(lines[: anchor["seq"] - 1]))
    assert verify(cut).ok
    with pytest.raises(IntegrityError, match="removed from the end"):
        check_against_anchor(verify(cut), cut, anchor)
    environ = pipeline_settings.as_environ()
    assert (
        main(["audit", "verify", "--log", str(cut), "--anchored-on", TARGET], environ=environ) == 5
    )
    assert main(["audit", "verify", "--anchored-on", TARGET], environ=environ) == 0


def test_a_rewritten_log_a_planted_anchor_and_a_missing_anchor_all_fail_verification(
    pipeline_settings: Settings, two_projects: dict[str, str], tmp_path: Path
) -> None:
    """Whoever can write the state folder rewrites the log with a recomputed chain and
    plants a newer anchor for it: the older, locked anchors still disagree, and the
    planted one is not locked. A log naming an anchor the store does not hold fails too."""
    log_path = default_log_path(pipeline_settings.state_dir)
    anchor_audit_log(pipeline_settings, TARGET, datetime.now(UTC))
    environ = pipeline_settings.as_environ()
    assert main(["audit", "verify", "--anchored-on", TARGET], environ=environ) == 0

    # The same records with one detail changed, the chain recomputed: a valid chain.
    rewritten = AuditLog(tmp_path / "rewritten.jsonl")
    for record in AuditLog(log_path).records():
        detail = dict(record["detail"])
        if record["seq"] == 1:
            detail["rewritten"] = True
        at = datetime.fromisoformat(record["at"])
        rewritten.append(record["actor"], record["action"], record["subject"], detail, at=at)
    assert verify(rewritten.path).ok
    last = list(rewritten.records())[-1]
    s3, _ = reading_client(pipeline_settings, TARGET)
    planted_key = f"audit-anchors/29991231T000000Z-{last['seq']}.json"
    planted = s3.put_object(
        Bucket=AUDIT_BUCKET,
        Key=planted_key,
        Body=json.dumps(
            {
                "format": "sovex-audit-anchor/1",
                "log": "audit.jsonl",
                "head": last["hash"],
                "seq": last["seq"],
                "records": last["seq"],
                "anchored_at": "2999-12-31T00:00:00+00:00",
            }
        ).encode(),
    )
    try:
        verify_rewritten = ["audit", "verify", "--log", str(rewritten.path), "--anchored-on"]
        assert main([*verify_rewritten, TARGET], environ=environ) == 5
        # Even the true log is not trusted while an unlocked anchor sits beside it.
        assert main(["audit", "verify", "--anchored-on", TARGET], environ=environ) == 5
    finally:
        s3.delete_object(Bucket=AUDIT_BUCKET, Key=planted_key, VersionId=planted["VersionId"])
    assert main(["audit", "verify", "--anchored-on", TARGET], environ=environ) == 0

    # A copy of the true log that says it wrote an anchor the store does not hold.
    claims = AuditLog(tmp_path / "claims.jsonl")
    shutil.copyfile(log_path, claims.path)
    claims.append(
        "sovex", "anchor_written", f"s3://{AUDIT_BUCKET}/audit-anchors/20260101T000000Z-1.json"
    )
    assert (
        main(
            ["audit", "verify", "--log", str(claims.path), "--anchored-on", TARGET], environ=environ
        )
        == 5
    )
