"""What a target's bucket can do, asked of the bucket itself before any source row is read.

The hosting policy decides who may hold the data; this check decides whether the bucket
can hold it the way sovex publishes: it must answer (`the object store at <endpoint> does
not answer` otherwise), accept the credentials, exist, keep versions, lock them (object
lock, COMPLIANCE mode) and encrypt them with keys the store manages (SSE-S3, the `AES256`
header every upload carries).

Two kinds of evidence, both needed where both exist: the provider registry says what the
provider's storage supports according to its public documentation (reviewed, sourced); the
bucket says how this bucket is configured. Object lock needs the bucket to have it and the
registry to confirm the provider enforces it (for the organisation's own servers,
`capabilities_from_bucket`, the bucket alone). SSE-S3 needs the registry, or the bucket's
own default encryption being SSE-S3. A bucket without object lock is refused unless the
target file declares the downgrade with its reason; the downgrade is then recorded in the
manifest. Versioning and SSE-S3 are never waived.

Only configuration is read (GetBucketVersioning, GetObjectLockConfiguration,
GetBucketEncryption): nothing is written to the bucket, since a probe object in a bucket
with default retention could never be deleted again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    SSLError,
)

from sovex.model.errors import ConfigurationError, PolicyRefused
from sovex.model.target import OBJECT_LOCK, HostingTarget
from transforms.publish import SERVER_SIDE_ENCRYPTION

T = TypeVar("T")

SSE_S3 = "sse_s3"
VERSIONING_ENABLED = "Enabled"
# Error codes S3 answers when the signature or the key is not the store's.
CREDENTIALS_REFUSED = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidToken",
        "ExpiredToken",
        "AuthorizationHeaderMalformed",
        "InvalidSecurity",
    }
)
BUCKET_MISSING = frozenset({"NoSuchBucket", "404", "NotFound"})
ACCESS_DENIED = frozenset({"AccessDenied", "403", "Forbidden"})
NO_LOCK_CONFIGURATION = "ObjectLockConfigurationNotFoundError"
NO_ENCRYPTION_CONFIGURATION = "ServerSideEncryptionConfigurationNotFoundError"
UNREACHABLE = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
)

# Every refusal of the check, with what it means for a compliance officer.
REASON_CODES: dict[str, str] = {
    "BUCKET_VERSIONING_OFF": "the bucket does not keep object versions",
    "BUCKET_OBJECT_LOCK_OFF": "the bucket has no object lock, so retention cannot be enforced",
    "OBJECT_LOCK_UNCONFIRMED": (
        "the provider registry does not record that the provider enforces object lock"
    ),
    "SSE_S3_UNCONFIRMED": (
        "neither the provider registry nor the bucket's default encryption confirms SSE-S3"
    ),
}


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class BucketAnswers:
    """How the bucket is configured, as it answered."""

    versioning: bool
    object_lock: bool
    default_encryption: str | None


def check_bucket(
    s3: Any, target: HostingTarget, endpoint_url: str, provider: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Ask the bucket, compare with the registry entry `provider`; the record the
    manifest keeps (`BucketRecord`), or ConfigurationError (no answer, credentials refused,
    no such bucket, not allowed to read its configuration) or PolicyRefused (a capability
    missing and not downgraded)."""
    answers = ask_bucket(s3, target, endpoint_url)
    refusals, downgrades = capability_refusals(target, provider or {}, answers)
    if refusals:
        raise PolicyRefused(target.name, [str(refusal) for refusal in refusals])
    return {
        "endpoint": endpoint_url,
        "bucket": target.bucket,
        "versioning": answers.versioning,
        "object_lock": answers.object_lock,
        "default_encryption": answers.default_encryption,
        "provider_capabilities": sorted((provider or {}).get("capabilities", [])),
        "downgrades": [
            {"capability": d.capability, "reason": d.reason}
            for d in target.downgrades
            if d.capability in downgrades
        ],
    }


def ask_bucket(s3: Any, target: HostingTarget, endpoint_url: str) -> BucketAnswers:
    """Versioning, object lock and default encryption, as the bucket answers them."""
    bucket = target.bucket
    versioning = _asked(target, endpoint_url, lambda: s3.get_bucket_versioning(Bucket=bucket))
    lock = _asked(
        target,
        endpoint_url,
        lambda: s3.get_object_lock_configuration(Bucket=bucket),
        absent=NO_LOCK_CONFIGURATION,
    )
    encryption = _asked(
        target,
        endpoint_url,
        lambda: s3.get_bucket_encryption(Bucket=bucket),
        absent=NO_ENCRYPTION_CONFIGURATION,
    )
    return BucketAnswers(
        versioning=versioning.get("Status") == VERSIONING_ENABLED,
        object_lock=(lock or {}).get("ObjectLockConfiguration", {}).get("ObjectLockEnabled")
        == VERSIONING_ENABLED,
        default_encryption=_default_algorithm(encryption),
    )


def capability_refusals(
    target: HostingTarget, provider: Mapping[str, Any], answers: BucketAnswers
) -> tuple[list[Refusal], set[str]]:
    """What refuses the bucket, and which declared downgrades it needs (pure: the
    registry entry and the bucket's answers in, the verdict out)."""
    recorded = set(provider.get("capabilities", []))
    from_bucket = bool(provider.get("capabilities_from_bucket"))
    name = provider.get("display_name", target.provider)
    refusals: list[Refusal] = []
    downgrades: set[str] = set()
    if not answers.versioning:
        refusals.append(
            Refusal(
                "BUCKET_VERSIONING_OFF",
                f"bucket {target.bucket!r} does not have versioning enabled: published "
                "versions cannot be pinned (enable versioning, or create the bucket with "
                "object lock, which enables it)",
            )
        )
    lock_missing = []
    if not answers.object_lock:
        lock_missing.append(
            Refusal(
                "BUCKET_OBJECT_LOCK_OFF",
                f"bucket {target.bucket!r} has no object lock: the retention date could "
                "not be enforced; create a bucket with object lock, or declare "
                "`downgrades: [{capability: object_lock, reason: ...}]` in the target file",
            )
        )
    if not from_bucket and OBJECT_LOCK not in recorded:
        lock_missing.append(
            Refusal(
                "OBJECT_LOCK_UNCONFIRMED",
                f"the provider registry does not record that {name} enforces object lock "
                "(policies/data/providers.yaml, capabilities): add it once a review "
                "confirms it from the provider's documentation, or declare the downgrade",
            )
        )
    if lock_missing:
        if target.downgraded(OBJECT_LOCK) is None:
            refusals.extend(lock_missing)
        else:
            downgrades.add(OBJECT_LOCK)
    sse_by_bucket = answers.default_encryption == SERVER_SIDE_ENCRYPTION
    if not sse_by_bucket and (from_bucket or SSE_S3 not in recorded):
        refusals.append(
            Refusal(
                "SSE_S3_UNCONFIRMED",
                f"bucket {target.bucket!r} reports default encryption "
                f"{answers.default_encryption or 'none'} and the provider registry does not "
                f"record SSE-S3 for {name}: set the bucket's default encryption to "
                f"{SERVER_SIDE_ENCRYPTION} (SSE-S3), which sovex also requests per object",
            )
        )
    return refusals, downgrades


def _default_algorithm(encryption: dict[str, Any] | None) -> str | None:
    rules = (encryption or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    for rule in rules:
        algorithm = rule.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm")
        if algorithm:
            return str(algorithm)
    return None


def _asked(
    target: HostingTarget,
    endpoint_url: str,
    call: Callable[[], dict[str, Any]],
    absent: str | None = None,
) -> dict[str, Any]:
    """One configuration request; its failure as a message naming the target, the store
    and the rule (`absent`: the error code meaning "not configured", returned as {})."""
    prefix = f"target {target.name}"
    try:
        return call()
    except SSLError:
        raise ConfigurationError(
            f"{prefix}: the object store at {endpoint_url} does not answer with a TLS "
            "certificate sovex trusts (SSLError); if it is signed by a private CA, set "
            "ca_bundle in the target file to that CA's PEM file"
        ) from None
    except UNREACHABLE as error:
        raise ConfigurationError(
            f"{prefix}: the object store at {endpoint_url} does not answer ({type(error).__name__})"
        ) from None
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if absent is not None and code == absent:
            return {}
        raise ConfigurationError(
            _client_error_message(prefix, target, endpoint_url, code)
        ) from None
    except BotoCoreError as error:
        raise ConfigurationError(
            f"{prefix}: the object store at {endpoint_url} could not be asked about bucket "
            f"{target.bucket!r} ({type(error).__name__})"
        ) from None


def _client_error_message(prefix: str, target: HostingTarget, endpoint_url: str, code: str) -> str:
    if code in CREDENTIALS_REFUSED:
        return (
            f"{prefix}: the object store at {endpoint_url} does not accept the credentials "
            f"(credentials.source {target.credentials.source}; {code})"
        )
    if code in BUCKET_MISSING:
        return (
            f"{prefix}: bucket {target.bucket!r} does not exist at {endpoint_url}; create it "
            "with object lock and SSE-S3 default encryption"
        )
    if code in ACCESS_DENIED:
        return (
            f"{prefix}: the credentials may not read bucket {target.bucket!r}'s configuration "
            "(s3:GetBucketVersioning, s3:GetBucketObjectLockConfiguration, "
            f"s3:GetEncryptionConfiguration needed; {code})"
        )
    return f"{prefix}: the object store at {endpoint_url} refused a request ({code or 'no code'})"
