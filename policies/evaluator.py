"""Evaluate the hosting policy (`hosting.rego`) for a target and return a typed decision.

Facts regopy has no built-ins for (is the host an IP, a loopback, which provider's host
pattern it matches, which of its regions the host serves) are derived here and passed in
the input. Any evaluation problem, including an unknown or non-boolean policy parameter,
refuses the target with POLICY_ERROR: the policy fails closed, never open.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import idna
import regopy
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sovex.model.errors import InvalidInput
from sovex.model.reviewed_yaml import safe_yaml_load
from sovex.model.target import LOCAL_ENDPOINT, HostingTarget

POLICIES_DIR = Path(__file__).resolve().parent
REGISTRY_RELATIVE_PATH = Path("data") / "providers.yaml"
DECISION_QUERY = "data.sovex.hosting.decision"
TEST_FILE_SUFFIX = "_test.rego"
POLICY_ERROR = "POLICY_ERROR"
# The local SeaweedFS server when its port is not known yet (`sovex storage up` binds
# it to 127.0.0.1 only).
UNRESOLVED_LOCAL_ENDPOINT = "http://127.0.0.1"
LOCALHOST_NAMES = frozenset({"localhost"})
# What inet_aton may read as an IPv4 address: digits, hex digits after 0x, and dots.
_NUMERIC_HOST = re.compile(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}")
# Rego error dumps are long ASTs: keep the reason readable.
MAX_ERROR_CHARS = 300
COUNTRY_CODE_PATTERN = r"^[A-Z]{2}$"
# "2026-11" (the review month: "as reviewed") or a full date.
FACT_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$"

# Policy parameters, all off by default (the embedded local demo). Documented in
# hosting.rego and shown in every policy report.
ALLOW_EEA_ADEQUACY = "allow_eea_adequacy"
REQUIRE_HDS = "require_hds"
POLICY_PARAMETERS: dict[str, str] = {
    ALLOW_EEA_ADEQUACY: (
        "accept storage in an EEA country outside the EU (IS, LI, NO) or a country with "
        "an EU adequacy decision (e.g. CH, GB, JP); the operator and its parents must "
        "still be under exclusive EU jurisdiction"
    ),
    REQUIRE_HDS: (
        "require the provider to hold the French HDS certification (Hébergeur de Données "
        "de Santé); turn on in production for health data"
    ),
}
DEFAULT_PARAMS: dict[str, bool] = {ALLOW_EEA_ADEQUACY: False, REQUIRE_HDS: False}

# Every code a decision can carry, with what it means for a compliance officer.
REASON_CODES: dict[str, str] = {
    "COUNTRY_NOT_EU": "the declared storage country is not an EU member state",
    "PROVIDER_UNKNOWN": "the provider is not in the reviewed provider registry",
    "OPERATOR_NON_EU_JURISDICTION": (
        "the operator or a company controlling it is not under exclusive EU jurisdiction"
    ),
    "REGION_UNKNOWN": "the region is not a reviewed region of the provider",
    "REGION_COUNTRY_MISMATCH": (
        "the registry stores the region's data in another country than the target declares"
    ),
    "ENDPOINT_PROVIDER_MISMATCH": "the endpoint host is not one of the provider's hosts",
    "ENDPOINT_REGION_MISMATCH": "the endpoint host does not prove the declared region",
    "ENDPOINT_BARE_IP": "the endpoint is a bare IP address (only loopback is accepted)",
    "TLS_REQUIRED": "the endpoint is plain http to a remote host",
    "HDS_CERTIFICATION_MISSING": "require_hds is on and no HDS certification is recorded",
    POLICY_ERROR: "the policy could not be evaluated; refused until it evaluates cleanly",
}


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[Reason, ...]
    # Which policy decided: recorded in every manifest.
    policy_bundle_sha256: str
    # The policy parameters in force (DEFAULT_PARAMS overridden by the caller's).
    params: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_PARAMS))


class _Parent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    jurisdiction_country: str = Field(pattern=COUNTRY_CODE_PATTERN)


class _Certification(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    source: str
    date: str = Field(pattern=FACT_DATE_PATTERN)
    scope: str | None = None


class _Region(BaseModel):
    model_config = ConfigDict(extra="forbid")
    country: str = Field(pattern=COUNTRY_CODE_PATTERN)
    # Empty: the provider's endpoint hosts do not name this region (unverifiable).
    hosts: list[str]


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    facts: list[str] = Field(min_length=1)
    source: str
    date: str = Field(pattern=FACT_DATE_PATTERN)


# What a provider's object storage may be recorded to support (providers.yaml explains
# each); the bucket check (`sovex.bucket_capabilities`) reads them.
PROVIDER_CAPABILITIES = (
    "object_lock",
    "sse_s3",
    "sse_c",
    "sse_kms",
    "checksum_sha256",
    "conditional_writes",
)
Capability = Literal[
    "object_lock", "sse_s3", "sse_c", "sse_kms", "checksum_sha256", "conditional_writes"
]
# S3 addressing when neither the target nor the registry names one: works with any bucket
# name and any certificate for the endpoint host.
DEFAULT_ADDRESSING_STYLE: Literal["path"] = "path"


class _ProviderEntry(BaseModel):
    """Shape check of one registry entry, so the policy sees what it expects."""

    model_config = ConfigDict(extra="forbid")
    display_name: str
    legal_entity: str
    seat_country: str | None = Field(pattern=COUNTRY_CODE_PATTERN)
    # Direct parent first, ultimate controller last; [] for an independent operator.
    parents: list[_Parent]
    exclusive_eu_jurisdiction: bool | None
    jurisdiction_from_target_country: bool = False
    extraterritorial_exposure: str | None
    certifications: list[_Certification]
    regions: dict[str, _Region]
    endpoint_host_patterns: list[str]
    sources: list[_Source]
    notes: str | None = None
    # Confirmed in review from the provider's public documentation; absent = unconfirmed.
    capabilities: list[Capability] = []
    # Self-hosted: no provider to review, the bucket's own answers decide.
    capabilities_from_bucket: bool = False
    addressing_style: Literal["path", "virtual"] | None = None

    @model_validator(mode="after")
    def _sourced(self) -> _ProviderEntry:
        sourced = {fact for source in self.sources for fact in source.facts}
        if self.capabilities and "capabilities" not in sourced:
            raise ValueError("capabilities are recorded without a source naming them")
        if self.addressing_style and "addressing_style" not in sourced:
            raise ValueError("addressing_style is recorded without a source naming it")
        if self.capabilities_from_bucket and not self.jurisdiction_from_target_country:
            raise ValueError("capabilities_from_bucket is for the organisation's own servers only")
        return self


class _Registry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    providers: dict[str, _ProviderEntry]


def load_registry(path: Path | None = None) -> dict[str, Any]:
    """The provider registry as {"providers": {key: entry}}; InvalidInput if malformed."""
    path = path or POLICIES_DIR / REGISTRY_RELATIVE_PATH
    try:
        raw = safe_yaml_load(path.read_text(encoding="utf-8"))
        return _Registry.model_validate(raw).model_dump(mode="json")
    except (OSError, ValueError) as error:  # YAMLError and ValidationError are ValueErrors
        detail = error.errors() if isinstance(error, ValidationError) else error
        raise InvalidInput(f"{path}: invalid provider registry: {detail}") from error


def endpoint_facts(endpoint: str, registry: dict[str, Any]) -> dict[str, Any]:
    """Scheme, host, is_ip, is_loopback, matched_provider and endpoint_regions of a URL.

    endpoint_regions: the regions of the matched provider whose hosts the endpoint is
    (or is a bucket subdomain of); [] when none, or when no provider matched.
    """
    if endpoint == LOCAL_ENDPOINT:
        endpoint = UNRESOLVED_LOCAL_ENDPOINT
    parts = urlsplit(endpoint)
    host, address = normalise_host(parts.hostname or "")
    matched = _matched_provider(host, registry)
    return {
        "scheme": parts.scheme.lower(),
        "host": host,
        "is_ip": address is not None,
        "is_loopback": host in LOCALHOST_NAMES or (address is not None and address.is_loopback),
        "matched_provider": matched,
        "endpoint_regions": _endpoint_regions(host, registry, matched),
    }


def normalise_host(raw: str) -> tuple[str, ipaddress.IPv4Address | ipaddress.IPv6Address | None]:
    """The host as every comparison must see it, and its address when it is an IP literal:
    lower case and UTS-46 (fullwidth dots and letters folded, "ＡＷＳ．com" is aws.com), one
    trailing dot removed ("s3.amazonaws.com." is s3.amazonaws.com), and whatever the C
    resolver reads as an IPv4 address (decimal "3405803786", hex, octal, short forms) taken
    as that address. A host that is none of these is InvalidInput: never guessed at."""
    host = raw.strip()
    try:
        return host, ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        # UTS-46 maps fullwidth and ideographic dots to ".", so split after mapping.
        ascii_host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError:
        # A trailing dot is refused by IDNA; a numeric host is not a name at all.
        ascii_host = idna.uts46_remap(host, std3_rules=False, transitional=False)
    ascii_host = ascii_host.lower()
    if ascii_host.endswith("."):
        ascii_host = ascii_host[:-1]
    if _NUMERIC_HOST.fullmatch(ascii_host):
        try:
            address = ipaddress.ip_address(socket.inet_aton(ascii_host))
        except OSError:
            raise InvalidInput(f"endpoint host {raw!r}: not a valid IPv4 address") from None
        return str(address), address
    try:
        ascii_host = idna.encode(ascii_host, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError:
        raise InvalidInput(f"endpoint host {raw!r}: not a valid host name") from None
    return ascii_host.lower(), None


def _matched_provider(host: str, registry: dict[str, Any]) -> str | None:
    """The provider whose host pattern matches; the most specific pattern wins."""
    matches = [
        (len(pattern), key)
        for key, entry in registry["providers"].items()
        for pattern in entry["endpoint_host_patterns"]
        if _host_matches(host, pattern.lower())
    ]
    return max(matches)[1] if matches else None


def _endpoint_regions(host: str, registry: dict[str, Any], provider: str | None) -> list[str]:
    if provider is None:
        return []
    regions = registry["providers"][provider]["regions"]
    return sorted(
        name
        for name, region in regions.items()
        if any(host == known or host.endswith("." + known) for known in region["hosts"])
    )


def _host_matches(host: str, pattern: str) -> bool:
    # "*.example.com" matches any subdomain of example.com; other patterns are exact.
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def policy_bundle_sha256(policies_dir: Path | None = None) -> str:
    """sha256 over the policy files (not tests), sorted by name, then the registry.

    Each file contributes its name, a NUL, its bytes and a NUL, so renaming or moving
    bytes between files changes the hash.
    """
    policies_dir = policies_dir or POLICIES_DIR
    digest = hashlib.sha256()
    for path in [*_policy_files(policies_dir), policies_dir / REGISTRY_RELATIVE_PATH]:
        digest.update(path.relative_to(policies_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _policy_files(policies_dir: Path) -> list[Path]:
    return sorted(p for p in policies_dir.glob("*.rego") if not p.name.endswith(TEST_FILE_SUFFIX))


def evaluate_target(
    target: HostingTarget,
    resolved_endpoint: str | None = None,
    params: dict[str, Any] | None = None,
    *,
    policies_dir: Path | None = None,
) -> Decision:
    """The hosting policy's decision for `target`; refused with POLICY_ERROR on any fault.

    `resolved_endpoint` is the real URL behind `endpoint: local` (e.g.
    "http://127.0.0.1:41234"); without it, `local` is taken as loopback http.
    """
    policies_dir = policies_dir or POLICIES_DIR
    try:
        bundle_hash = policy_bundle_sha256(policies_dir)
    except OSError:
        bundle_hash = ""
    try:
        in_force = effective_params(params)
    except ValueError as error:
        return Decision(False, (_policy_error(error),), bundle_hash, dict(DEFAULT_PARAMS))
    try:
        allowed, reasons = _evaluate(target, resolved_endpoint, in_force, policies_dir)
    except Exception as error:  # fail closed on anything, never open
        return Decision(False, (_policy_error(error),), bundle_hash, in_force)
    return Decision(allowed, reasons, bundle_hash, in_force)


def effective_params(params: dict[str, Any] | None) -> dict[str, bool]:
    """DEFAULT_PARAMS overridden by `params`; ValueError on an unknown name or non-bool.

    A misspelt parameter must not silently leave a safeguard such as require_hds off.
    """
    params = params or {}
    unknown = sorted(set(params) - set(DEFAULT_PARAMS))
    if unknown:
        raise ValueError(f"unknown policy parameter(s) {unknown}; known: {sorted(DEFAULT_PARAMS)}")
    not_boolean = sorted(name for name, value in params.items() if not isinstance(value, bool))
    if not_boolean:
        raise ValueError(f"policy parameter(s) {not_boolean} must be true or false")
    return {**DEFAULT_PARAMS, **params}


def _evaluate(
    target: HostingTarget,
    resolved_endpoint: str | None,
    params: dict[str, bool],
    policies_dir: Path,
) -> tuple[bool, tuple[Reason, ...]]:
    registry = load_registry(policies_dir / REGISTRY_RELATIVE_PATH)
    endpoint = (
        resolved_endpoint
        if target.endpoint == LOCAL_ENDPOINT and resolved_endpoint
        else target.endpoint
    )
    provider = registry["providers"].get(target.provider)
    document = {
        "target": target.model_dump(mode="json"),
        "endpoint_facts": endpoint_facts(endpoint, registry),
        "provider": {"key": target.provider, **provider} if provider else None,
        "params": params,
    }
    policy_files = _policy_files(policies_dir)
    if not policy_files:
        raise ValueError(f"no policy (*.rego) in {policies_dir}")
    interpreter = regopy.Interpreter()
    for path in policy_files:
        interpreter.add_module(path.name, path.read_text(encoding="utf-8"))
    interpreter.set_input(document)
    output = interpreter.query(DECISION_QUERY)
    if not output.ok():
        raise ValueError(f"policy evaluation failed: {output}")
    return _parse_decision(str(output))


def _parse_decision(output: str) -> tuple[bool, tuple[Reason, ...]]:
    """Check the decision's shape; anything unexpected is an error, never an allow."""
    if output == "undefined":
        raise ValueError(f"{DECISION_QUERY} is undefined")
    (decision,) = json.loads(output)["expressions"]
    allowed, raw_reasons = decision["allowed"], decision["reasons"]
    if not isinstance(allowed, bool) or not isinstance(raw_reasons, list):
        raise ValueError(f"malformed decision: {decision!r}")
    reasons = tuple(
        sorted(
            {Reason(str(r["code"]), str(r["message"])) for r in raw_reasons},
            key=lambda r: (r.code, r.message),
        )
    )
    if allowed and reasons:
        raise ValueError("the policy allowed the target while giving refusal reasons")
    if not allowed and not reasons:
        raise ValueError("the policy refused the target without giving a reason")
    return allowed, reasons


def _policy_error(error: BaseException) -> Reason:
    detail = " ".join(str(error).split())[:MAX_ERROR_CHARS]
    return Reason(
        POLICY_ERROR,
        f"the hosting policy could not be evaluated ({type(error).__name__}: {detail}); "
        "the target is refused until the policy evaluates cleanly",
    )
