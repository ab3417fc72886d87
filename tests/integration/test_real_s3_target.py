"""A self-hosted EU target reached over TLS with credentials from the environment.

A second SeaweedFS, its S3 gateway answering only TLS at https://localhost:PORT with a
certificate from a CA made for this module, plays the organisation's own store: the real
DAG publishes to it and the download verifies what it reads. Targets whose credentials are
wrong, whose bucket does not exist or cannot lock are refused in `decide_hosting`: a
counting source shows that not one source row was read.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import transforms.source as source_module
from sovex.airflow_runner import RunResult, run_request
from sovex.audit import AuditAction, AuditLog, default_log_path
from sovex.model.errors import ConfigurationError, PolicyRefused
from sovex.model.settings import Settings
from sovex.model.target import load_target
from sovex.services.storage_server import LocalStorage, S3Tls
from sovex.storage_access import check_target_bucket, decide_for_target, reading_client
from tests.helpers import RESEARCHER, register_project, write_one_off_variant
from transforms.download import ManifestPin, download_extract
from transforms.publish import LOCK_MODE, NO_LOCK_MODE
from transforms.source_base import WHOLE_TABLE, Partition, Source

pytestmark = pytest.mark.integration

RUN_TIME = dt.datetime(2026, 11, 3, 9, 0, 0, tzinfo=dt.UTC)
LOCKED_BUCKET = "sovex-tls-extracts"
UNLOCKED_BUCKET = "sovex-tls-no-lock"
ACCESS_VAR = "SOVEX_TEST_TLS_S3_ACCESS_KEY"
SECRET_VAR = "SOVEX_TEST_TLS_S3_SECRET_KEY"
WRONG_SECRET_VAR = "SOVEX_TEST_TLS_S3_WRONG_SECRET"
WRONG_SECRET = "not-the-secret-key-of-this-store-0123456789"
DOWNGRADE_REASON = "test store: the archive bucket of this site has no object lock yet"


# -- the TLS store ------------------------------------------------------------------------


def write_test_ca(directory: Path) -> S3Tls:
    """A CA made for this module and a certificate for localhost it signed (0600 keys)."""
    directory.mkdir(mode=0o700)
    now = dt.datetime.now(dt.UTC)
    valid = (now - dt.timedelta(minutes=5), now + dt.timedelta(days=1))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sovex test private CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    tls = S3Tls(directory / "tls.crt", directory / "tls.key", directory / "ca.pem")
    tls.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    tls.cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    tls.key_file.touch(mode=0o600)
    tls.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tls


@dataclass(frozen=True)
class TlsStore:
    endpoint_url: str
    ca_file: Path
    access_key: str
    secret_key: str
    client: Any
    storage: LocalStorage


@pytest.fixture(scope="module")
def tls_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsStore]:
    directory = tmp_path_factory.mktemp("tls-store")
    directory.chmod(0o700)
    tls = write_test_ca(directory / "tls")
    storage = LocalStorage(directory / "store", s3_tls=tls)
    try:
        endpoint = storage.up(buckets=(LOCKED_BUCKET,))
        client = endpoint.s3_client()
        # A bucket like one made without object lock: versioned, encrypted, not lockable.
        client.create_bucket(Bucket=UNLOCKED_BUCKET)
        client.put_bucket_versioning(
            Bucket=UNLOCKED_BUCKET, VersioningConfiguration={"Status": "Enabled"}
        )
        client.put_bucket_encryption(
            Bucket=UNLOCKED_BUCKET,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        yield TlsStore(
            endpoint.endpoint_url,
            tls.ca_file,
            endpoint.access_key,
            endpoint.secret_key,
            client,
            storage,
        )
    finally:
        storage.down()


def target_text(name: str, endpoint: str, bucket: str, ca_file: Path | None, **extra: Any) -> str:
    raw: dict[str, Any] = {
        "name": name,
        "provider": "self-hosted",
        "region": "test-site",
        "country": "FR",
        "endpoint": endpoint,
        "bucket": bucket,
        "credentials": {
            "source": "env",
            "access_key_var": ACCESS_VAR,
            "secret_key_var": SECRET_VAR,
        },
        **({"ca_bundle": str(ca_file)} if ca_file else {}),
        **extra,
    }
    return yaml.safe_dump(raw, sort_keys=False)


@pytest.fixture(scope="module")
def tls_settings(
    pipeline_settings: Settings, tls_store: TlsStore, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """The test deployment with targets on the TLS store (in a copy of infra/)."""
    infra = tmp_path_factory.mktemp("tls-infra") / "infra"
    shutil.copytree(pipeline_settings.infra_dir, infra)
    url, ca = tls_store.endpoint_url, tls_store.ca_file
    wrong_keys = {"source": "env", "access_key_var": ACCESS_VAR, "secret_key_var": WRONG_SECRET_VAR}
    targets = {
        "tls-self-hosted": target_text("tls-self-hosted", url, LOCKED_BUCKET, ca, in_use=True),
        "tls-wrong-secret": target_text(
            "tls-wrong-secret", url, LOCKED_BUCKET, ca, credentials=wrong_keys
        ),
        "tls-unknown-bucket": target_text("tls-unknown-bucket", url, "sovex-no-such-bucket", ca),
        "tls-no-lock": target_text("tls-no-lock", url, UNLOCKED_BUCKET, ca),
        "tls-no-lock-downgraded": target_text(
            "tls-no-lock-downgraded",
            url,
            UNLOCKED_BUCKET,
            ca,
            downgrades=[{"capability": "object_lock", "reason": DOWNGRADE_REASON}],
        ),
        "tls-untrusted-ca": target_text("tls-untrusted-ca", url, LOCKED_BUCKET, None),
    }
    for name, text in targets.items():
        (infra / "targets" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return replace(pipeline_settings, infra_dir=infra)


@pytest.fixture(scope="module")
def store_keys_in_environment(tls_store: TlsStore) -> Iterator[None]:
    """The store's keys in the variables the targets name, as a deployment exports them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ACCESS_VAR, tls_store.access_key)
        patch.setenv(SECRET_VAR, tls_store.secret_key)
        patch.setenv(WRONG_SECRET_VAR, WRONG_SECRET)
        yield


# -- a source that counts what is read ----------------------------------------------------


@dataclass
class SourceReads:
    opened: int = 0
    calls: int = 0
    rows: int = 0


class CountingSource:
    """The run's real source, counting every call and every row it hands out."""

    def __init__(self, source: Source, reads: SourceReads) -> None:
        self.source = source
        self.reads = reads

    def schema(self, table: str) -> pa.Schema:
        self.reads.calls += 1
        return self.source.schema(table)

    def row_count(self, table: str) -> int:
        self.reads.calls += 1
        return self.source.row_count(table)

    def batches(
        self,
        table: str,
        columns: Sequence[str],
        filter: ds.Expression | None = None,
        partition: Partition = WHOLE_TABLE,
    ) -> Iterator[pa.RecordBatch]:
        self.reads.calls += 1
        for batch in self.source.batches(table, columns, filter, partition):
            self.reads.rows += batch.num_rows
            yield batch


def counting(patch: pytest.MonkeyPatch) -> SourceReads:
    """Every source the run opens (the steps open it through transforms.source) counts."""
    reads = SourceReads()
    real_open = source_module.open_source

    def open_counting(source_dir: Path, source_url: str | None) -> Source:
        reads.opened += 1
        return CountingSource(real_open(source_dir, source_url), reads)

    patch.setattr(source_module, "open_source", open_counting)
    return reads


def approved_request(settings: Settings, directory: Path, request_id: str, target: str) -> Path:
    from tests.helpers import approve_request

    path = write_one_off_variant(directory, id=request_id, target=target)
    approve_request(settings, path)
    return path


def publication_pin(settings: Settings, extract_id: str) -> ManifestPin:
    """The manifest version the publication's audit record names (as `extract download`)."""
    for record in reversed(list(AuditLog(default_log_path(settings.state_dir)).records())):
        detail = record.get("detail") or {}
        if record.get("action") == AuditAction.EXTRACT_PUBLISHED and (
            record.get("subject") == extract_id
        ):
            return ManifestPin(str(detail["manifest_version_id"]), str(detail["manifest_sha256"]))
    raise AssertionError(f"no publication record for {extract_id}")


# -- publishing over TLS ------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    result: RunResult
    reads: SourceReads


def run_counted(settings: Settings, request: Path) -> Published:
    with pytest.MonkeyPatch.context() as patch:
        reads = counting(patch)
        result = run_request(settings, request, RUN_TIME)
    return Published(result, reads)


@pytest.fixture(scope="module")
def published(
    tls_settings: Settings,
    store_keys_in_environment: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Published:
    request = approved_request(
        tls_settings, tmp_path_factory.mktemp("tls-request"), "diabetes-t2-tls", "tls-self-hosted"
    )
    return run_counted(tls_settings, request)


def test_the_target_is_a_self_hosted_eu_store_reached_over_tls(tls_settings, tls_store):
    decision, target, endpoint_url = decide_for_target(tls_settings, "tls-self-hosted")
    assert decision.allowed, decision.reasons
    assert endpoint_url == tls_store.endpoint_url
    assert endpoint_url.startswith("https://localhost:")
    assert target.credentials.source == "env"


def test_the_real_dag_publishes_to_the_tls_target_and_the_download_verifies_it(
    tls_settings, tls_store, published, tmp_path
):
    manifest_url = published.result.result["manifest"]
    assert manifest_url.startswith(f"s3://{LOCKED_BUCKET}/extracts/parcours-diabete/")
    assert published.reads.rows > 0  # the counting source sees a real run's reads
    s3, target = reading_client(tls_settings, "tls-self-hosted")
    assert target.bucket == LOCKED_BUCKET
    extract_id = published.result.extract_id
    downloaded = download_extract(
        s3,
        target.bucket,
        "parcours-diabete",
        extract_id,
        tmp_path,
        publication_pin(tls_settings, extract_id),
    )
    assert downloaded.files == len(downloaded.manifest.files) > 0
    patients = pq.read_table(downloaded.directory / "patients").num_rows
    assert patients == downloaded.manifest.tables["patients"] > 0
    assert downloaded.manifest.retention.mode == LOCK_MODE
    bucket = downloaded.manifest.policy.bucket
    assert bucket is not None
    assert (bucket.endpoint, bucket.bucket) == (tls_store.endpoint_url, LOCKED_BUCKET)
    assert (bucket.versioning, bucket.object_lock) == (True, True)
    assert bucket.default_encryption == "AES256"
    assert bucket.downgrades == []


def test_the_published_objects_are_locked_and_encrypted_in_the_tls_store(tls_store, published):
    prefix = published.result.result["prefix"]
    listed = tls_store.client.list_objects_v2(Bucket=LOCKED_BUCKET, Prefix=f"{prefix}/")
    keys = [item["Key"] for item in listed["Contents"]]
    assert f"{prefix}/_manifest.json" in keys
    for key in keys:
        head = tls_store.client.head_object(Bucket=LOCKED_BUCKET, Key=key)
        assert head["ObjectLockMode"] == LOCK_MODE, key
        assert head["ServerSideEncryption"] == "AES256", key


def test_the_audit_log_records_the_bucket_check_without_any_key(tls_settings, tls_store, published):
    text = default_log_path(tls_settings.state_dir).read_text(encoding="utf-8")
    checks = [
        json.loads(line)
        for line in text.splitlines()
        if '"bucket_checked"' in line and published.result.extract_id in line
    ]
    assert checks and checks[-1]["detail"]["object_lock"] is True
    assert tls_store.secret_key not in text
    assert tls_store.access_key not in text


def test_a_researcher_downloads_with_the_projects_own_keys_and_no_steward_secret(
    tls_settings, tls_store, published, tmp_path, monkeypatch
):
    """The store's operator gives the project's researcher a read-only identity (here
    through weed shell, as sovex does on the local store); the researcher's machine has
    her own credential file and the CA, not the steward's variables."""
    from sovex.cli import main
    from sovex.member_access import MEMBER_CREDENTIAL_FORMAT
    from sovex.project_access import seaweedfs_actions
    from sovex.services.readiness import deadline_in, wait_until
    from sovex.services.storage_server import add_identity

    extract_id = published.result.extract_id
    reader_key, reader_secret = "tlsreader0123456789", "tls-reader-secret-0123456789abcdef"
    actions = seaweedfs_actions(LOCKED_BUCKET, "parcours-diabete", [extract_id])
    add_identity(tls_store.storage, "parcours-diabete-reader", reader_key, reader_secret, actions)
    reader = replace(
        tls_store.storage.endpoint(), access_key=reader_key, secret_key=reader_secret
    ).s3_client(max_attempts=1)

    def known() -> str | None:
        try:
            reader.list_objects_v2(Bucket=LOCKED_BUCKET, Prefix="extracts/parcours-diabete/")
        except Exception as error:  # not yet picked up by the gateway
            return type(error).__name__
        return None

    assert wait_until(known, deadline_in(15), 0.2) is None
    keys_file = tmp_path / "parcours-diabete.json"
    keys_file.touch(mode=0o600)
    keys_file.write_text(
        json.dumps(
            {
                "format": MEMBER_CREDENTIAL_FORMAT,
                "project": "parcours-diabete",
                "person": RESEARCHER,
                "access_key": reader_key,
                "secret_key": reader_secret,
                "issued_at": dt.datetime.now(dt.UTC).isoformat(),
                "expires_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat(),
            }
        )
    )
    monkeypatch.delenv(ACCESS_VAR)
    monkeypatch.delenv(SECRET_VAR)
    argv = ["extract", "download", extract_id, "--project", "parcours-diabete"]
    argv += ["--target", "tls-self-hosted", "--credentials", str(keys_file)]
    argv += ["--to", str(tmp_path / "downloads")]
    # The researcher named on the project downloads with the key the operator made her.
    register_project(tls_settings, "parcours-diabete", RESEARCHER)
    assert main(argv, environ={**tls_settings.as_environ(), "SOVEX_USER": RESEARCHER}) == 0
    downloaded = tmp_path / "downloads" / extract_id
    assert pq.read_table(downloaded / "patients").num_rows > 0
    # The project's identity reads its published extract and nothing else of the bucket.
    with pytest.raises(Exception, match="AccessDenied"):
        reader.list_objects_v2(Bucket=LOCKED_BUCKET, Prefix="extracts/other-project/")


# -- refused in decide_hosting, nothing read ----------------------------------------------

REFUSED = {
    # target: (error class, what the message says)
    "tls-wrong-secret": (ConfigurationError, "does not accept the credentials"),
    "tls-unknown-bucket": (ConfigurationError, "bucket 'sovex-no-such-bucket' does not exist"),
    "tls-no-lock": (PolicyRefused, "BUCKET_OBJECT_LOCK_OFF"),
}


@pytest.mark.parametrize("target", REFUSED, ids=REFUSED.keys())
def test_a_target_whose_bucket_cannot_take_the_extract_is_refused_before_any_row_is_read(
    tls_settings, tls_store, store_keys_in_environment, tmp_path, target
):
    kind, expected = REFUSED[target]
    request_id = f"diabetes-t2-{target}"
    request = approved_request(tls_settings, tmp_path, request_id, target)
    before = tls_store.client.list_object_versions(Bucket=UNLOCKED_BUCKET).get("Versions", [])
    with pytest.MonkeyPatch.context() as patch:
        reads = counting(patch)
        with pytest.raises(kind) as raised:
            run_request(tls_settings, request, RUN_TIME)
    message = str(raised.value)
    assert expected in message
    assert f"target {target}" in message or f"'{target}'" in message
    for secret in (tls_store.secret_key, WRONG_SECRET, tls_store.access_key):
        assert secret not in message
    assert (reads.opened, reads.calls, reads.rows) == (0, 0, 0)
    run_dir = tls_settings.runs_dir / f"{request_id}-{RUN_TIME:%Y%m%dT%H%M%SZ}"
    outcome = json.loads((run_dir / "outcome.json").read_text())
    assert outcome["step"] == "decide_hosting"
    assert not (run_dir / "included.parquet").exists()
    assert not (run_dir / "parts").exists()
    after = tls_store.client.list_object_versions(Bucket=UNLOCKED_BUCKET).get("Versions", [])
    assert after == before


def test_without_the_private_ca_the_store_is_not_trusted(tls_settings, tls_store):
    target = load_target(tls_settings.targets_dir / "tls-untrusted-ca.yaml")
    with pytest.raises(ConfigurationError, match="TLS certificate sovex trusts") as raised:
        check_target_bucket(tls_settings, target, tls_store.endpoint_url)
    assert "ca_bundle" in str(raised.value)


def test_an_endpoint_nothing_listens_on_does_not_answer(tls_settings, store_keys_in_environment):
    import socket

    with socket.socket() as probe:  # a free port, closed again: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"https://localhost:{port}"
    target = load_target(tls_settings.targets_dir / "tls-self-hosted.yaml")
    with pytest.raises(ConfigurationError) as raised:
        check_target_bucket(tls_settings, target.model_copy(update={"endpoint": url}), url)
    assert str(raised.value).startswith(
        f"target tls-self-hosted: the object store at {url} does not answer"
    )


def test_a_missing_credentials_variable_is_named_before_the_store_is_asked(
    tls_settings, tls_store, monkeypatch
):
    monkeypatch.delenv(SECRET_VAR, raising=False)
    monkeypatch.setenv(ACCESS_VAR, tls_store.access_key)
    target = load_target(tls_settings.targets_dir / "tls-self-hosted.yaml")
    with pytest.raises(ConfigurationError) as raised:
        check_target_bucket(tls_settings, target, tls_store.endpoint_url)
    assert str(raised.value).startswith(
        f"target tls-self-hosted: credentials.secret_key_var: environment variable "
        f"{SECRET_VAR} is not set"
    )
    assert tls_store.access_key not in str(raised.value)


# -- a declared downgrade -----------------------------------------------------------------


def test_a_declared_object_lock_downgrade_publishes_unlocked_and_the_manifest_says_so(
    tls_settings, tls_store, store_keys_in_environment, tmp_path
):
    request = approved_request(
        tls_settings, tmp_path, "diabetes-t2-tls-unlocked", "tls-no-lock-downgraded"
    )
    published = run_counted(tls_settings, request)
    s3, target = reading_client(tls_settings, "tls-no-lock-downgraded")
    extract_id = published.result.extract_id
    downloaded = download_extract(
        s3,
        target.bucket,
        "parcours-diabete",
        extract_id,
        tmp_path / "downloads",
        publication_pin(tls_settings, extract_id),
    )
    manifest = downloaded.manifest
    assert manifest.retention.mode == NO_LOCK_MODE
    assert manifest.policy.bucket is not None
    assert manifest.policy.bucket.object_lock is False
    assert [(d.capability, d.reason) for d in manifest.policy.bucket.downgrades] == [
        ("object_lock", DOWNGRADE_REASON)
    ]
    head = tls_store.client.head_object(
        Bucket=UNLOCKED_BUCKET, Key=f"{manifest.prefix}/_manifest.json"
    )
    assert "ObjectLockMode" not in head


# -- the daily policy audit asks in-use buckets -------------------------------------------

AUDITED_BUCKET = "sovex-tls-audited"


def test_the_policy_audit_fails_loudly_when_an_in_use_bucket_loses_a_capability(
    tls_settings, tls_store, store_keys_in_environment, tmp_path
):
    from sovex.policy_audit import InUseBucketFailed, audit_buckets

    tls_store.client.create_bucket(Bucket=AUDITED_BUCKET, ObjectLockEnabledForBucket=True)
    tls_store.client.put_bucket_encryption(
        Bucket=AUDITED_BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    targets = tmp_path / "infra" / "targets"
    targets.mkdir(parents=True)
    text = target_text(
        "tls-audited", tls_store.endpoint_url, AUDITED_BUCKET, tls_store.ca_file, in_use=True
    )
    (targets / "tls-audited.yaml").write_text(text, encoding="utf-8")
    settings = replace(tls_settings, infra_dir=tmp_path / "infra")
    assert audit_buckets(settings) == {
        "checked": 1,
        "ok": ["tls-audited"],
        "downgraded": [],
        "failed": [],
    }
    # Someone removes the bucket's default encryption: the self-hosted store's only
    # evidence of SSE-S3.
    tls_store.client.delete_bucket_encryption(Bucket=AUDITED_BUCKET)
    with pytest.raises(InUseBucketFailed) as raised:
        audit_buckets(settings)
    assert list(raised.value.failed) == ["tls-audited"]
    assert "SSE_S3_UNCONFIRMED" in str(raised.value)
    assert tls_store.secret_key not in str(raised.value)
