"""The verdict on a bucket from the registry and the bucket's answers (pure); the requests
themselves run against a real store in tests/integration/test_real_s3_target.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.evaluator import load_registry
from sovex.bucket_capabilities import REASON_CODES, BucketAnswers, capability_refusals
from sovex.model.target import HostingTarget, load_target

REGISTRY = load_registry()["providers"]
FULL = BucketAnswers(versioning=True, object_lock=True, default_encryption="AES256")
DOWNGRADE = (
    "downgrades: [{capability: object_lock, "
    "reason: 'archive bucket of the Lyon site, object lock arrives in 2027'}]\n"
)


def hosting(tmp_path: Path, provider: str, extra: str = "") -> HostingTarget:
    endpoints = {
        "self-hosted": ("site", "https://s3.site.example.org"),
        "ovhcloud": ("gra", "https://s3.gra.io.cloud.ovh.net"),
        "scaleway": ("fr-par", "https://s3.fr-par.scw.cloud"),
        "hetzner": ("fsn1", "https://fsn1.your-objectstorage.com"),
    }
    region, endpoint = endpoints[provider]
    path = tmp_path / "t.yaml"
    path.write_text(
        f"name: t\nprovider: {provider}\nregion: {region}\ncountry: DE\nendpoint: {endpoint}\n"
        "bucket: sovex-extracts\n"
        "credentials: {source: env, access_key_var: S3_ACCESS, secret_key_var: S3_SECRET}\n"
        + extra,
        encoding="utf-8",
    )
    return load_target(path)


def codes(tmp_path: Path, provider: str, answers: BucketAnswers, extra: str = "") -> set[str]:
    refusals, _ = capability_refusals(
        hosting(tmp_path, provider, extra), REGISTRY[provider], answers
    )
    return {refusal.code for refusal in refusals}


@pytest.mark.parametrize("provider", ["self-hosted", "ovhcloud", "scaleway"])
def test_a_versioned_locked_sse_s3_bucket_is_accepted(tmp_path, provider):
    assert codes(tmp_path, provider, FULL) == set()


def test_a_bucket_without_versioning_is_refused_whatever_the_provider(tmp_path):
    answers = BucketAnswers(versioning=False, object_lock=True, default_encryption="AES256")
    assert codes(tmp_path, "ovhcloud", answers) == {"BUCKET_VERSIONING_OFF"}


def test_a_bucket_without_object_lock_is_refused_unless_the_steward_downgrades_it(tmp_path):
    answers = BucketAnswers(versioning=True, object_lock=False, default_encryption="AES256")
    assert codes(tmp_path, "self-hosted", answers) == {"BUCKET_OBJECT_LOCK_OFF"}
    target = hosting(tmp_path, "self-hosted", DOWNGRADE)
    refusals, downgrades = capability_refusals(target, REGISTRY["self-hosted"], answers)
    assert (refusals, downgrades) == ([], {"object_lock"})


def test_a_declared_downgrade_a_lockable_bucket_does_not_need_is_not_applied(tmp_path):
    target = hosting(tmp_path, "ovhcloud", DOWNGRADE)
    assert capability_refusals(target, REGISTRY["ovhcloud"], FULL) == ([], set())


def test_object_lock_the_registry_does_not_confirm_is_refused_even_if_the_bucket_says_so(
    tmp_path,
):
    # Hetzner's registry entry records no capability: the bucket's answer alone is not a
    # reviewed promise that COMPLIANCE retention is enforced.
    assert "object_lock" not in REGISTRY["hetzner"]["capabilities"]
    assert codes(tmp_path, "hetzner", FULL) == {"OBJECT_LOCK_UNCONFIRMED"}


def test_sse_s3_needs_the_registry_or_the_buckets_default_encryption(tmp_path):
    unencrypted = BucketAnswers(versioning=True, object_lock=True, default_encryption=None)
    assert "sse_s3" in REGISTRY["ovhcloud"]["capabilities"]
    assert codes(tmp_path, "ovhcloud", unencrypted) == set()
    assert "sse_s3" not in REGISTRY["scaleway"]["capabilities"]
    assert codes(tmp_path, "scaleway", unencrypted) == {"SSE_S3_UNCONFIRMED"}
    assert codes(tmp_path, "self-hosted", unencrypted) == {"SSE_S3_UNCONFIRMED"}
    kms = BucketAnswers(versioning=True, object_lock=True, default_encryption="aws:kms")
    assert codes(tmp_path, "self-hosted", kms) == {"SSE_S3_UNCONFIRMED"}


def test_every_refusal_names_the_bucket_or_provider_and_what_to_do(tmp_path):
    nothing = BucketAnswers(versioning=False, object_lock=False, default_encryption=None)
    refusals, _ = capability_refusals(hosting(tmp_path, "hetzner"), REGISTRY["hetzner"], nothing)
    assert {r.code for r in refusals} == set(REASON_CODES)
    for refusal in refusals:
        assert "sovex-extracts" in refusal.message or "Hetzner" in refusal.message
        assert str(refusal).startswith(f"{refusal.code}: ")
