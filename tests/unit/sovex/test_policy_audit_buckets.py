"""The policy audit's bucket check, without a store: every in-use target whose bucket
cannot be asked fails the audit by name (the checks against a real store are in
tests/integration/test_real_s3_target.py)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from sovex.model.errors import EXIT_POLICY_REFUSED
from sovex.model.settings import PROJECT_ROOT, Settings, settings_from_environ
from sovex.policy_audit import InUseBucketFailed, audit_buckets


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    infra = tmp_path / "infra"
    shutil.copytree(PROJECT_ROOT / "infra" / "targets", infra / "targets")
    base = settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path / "state")})
    return replace(base, infra_dir=infra)


def test_every_in_use_bucket_that_cannot_be_asked_fails_the_audit_by_name(settings, monkeypatch):
    for name in ("OVH_S3_ACCESS_KEY", "OVH_S3_SECRET_KEY", "AIRFLOW_CONN_SCALEWAY_S3"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InUseBucketFailed) as raised:
        audit_buckets(settings)
    failed = raised.value.failed
    # No local server in this state folder, no OVH keys, no Scaleway connection.
    assert set(failed) == {"local-seaweedfs", "ovhcloud-gra", "scaleway-par"}
    assert "local storage is not running" in failed["local-seaweedfs"]
    assert "environment variable OVH_S3_ACCESS_KEY is not set" in failed["ovhcloud-gra"]
    assert "Airflow connection 'scaleway_s3' is not defined" in failed["scaleway-par"]
    assert raised.value.exit_code == EXIT_POLICY_REFUSED


def test_targets_not_in_use_or_refused_are_not_asked(settings, monkeypatch):
    for path in settings.targets_dir.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("in_use: true\n", ""), encoding="utf-8")
    # A refused in-use target is the policy audit's to report (audit_targets): its
    # credentials are not read and its endpoint is not contacted.
    refused = settings.targets_dir / "aws-us-east-1.yaml"
    refused.write_text(refused.read_text(encoding="utf-8") + "in_use: true\n", encoding="utf-8")
    assert audit_buckets(settings) == {"checked": 0, "ok": [], "downgraded": [], "failed": []}
