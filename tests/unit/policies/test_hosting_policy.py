from __future__ import annotations

import re
import shutil

import pytest
import regopy

from policies.evaluator import (
    POLICIES_DIR,
    Decision,
    endpoint_facts,
    evaluate_target,
    load_registry,
    policy_bundle_sha256,
)
from sovex.errors import InvalidInput
from sovex.settings import PROJECT_ROOT
from sovex.target import load_target

TARGETS_DIR = PROJECT_ROOT / "infra" / "targets"
REGO_TEST_FILE = POLICIES_DIR / "hosting_test.rego"
REGO_TEST_NAMES = re.findall(r"^(test_\w+)", REGO_TEST_FILE.read_text(encoding="utf-8"), re.M)
REQUIRED_PROVIDERS = {
    "aws", "azure", "gcp", "ovhcloud", "scaleway", "outscale", "ionos", "hetzner", "self-hosted",
}  # fmt: skip


def decide(target_name: str, **kwargs) -> Decision:
    return evaluate_target(load_target(TARGETS_DIR / f"{target_name}.yaml"), **kwargs)


@pytest.mark.parametrize(
    "target_name, allowed, codes",
    [
        ("local-seaweedfs", True, set()),
        ("ovhcloud-gra", True, set()),
        ("scaleway-par", True, set()),
        ("aws-eu-west-3-paris", False, {"OPERATOR_NON_EU_JURISDICTION"}),
        ("aws-us-east-1", False, {"COUNTRY_NOT_EU", "OPERATOR_NON_EU_JURISDICTION"}),
        ("azure-francecentral", False, {"OPERATOR_NON_EU_JURISDICTION"}),
        ("ovhcloud-mismatch", False, {"ENDPOINT_PROVIDER_MISMATCH"}),
    ],
)
def test_each_bundled_target_gets_its_expected_decision(target_name, allowed, codes):
    decision = decide(target_name)
    assert decision.allowed is allowed
    assert {r.code for r in decision.reasons} == codes
    assert all(len(r.message) > 20 for r in decision.reasons)


def test_a_us_operators_paris_region_is_refused_with_a_message_naming_the_parent_and_law():
    [reason] = decide("aws-eu-west-3-paris").reasons
    assert reason.message == (
        "operator Amazon Web Services EMEA SARL is controlled by Amazon.com, Inc. (US) and "
        "exposed to the US CLOUD Act; an EU region does not change the operator's jurisdiction"
    )


def test_the_local_target_is_allowed_on_its_resolved_loopback_port():
    assert decide("local-seaweedfs", resolved_endpoint="http://127.0.0.1:41234").allowed


def test_the_local_target_is_refused_if_it_resolves_to_a_remote_plain_http_host():
    decision = decide("local-seaweedfs", resolved_endpoint="http://203.0.113.7:8333")
    assert not decision.allowed
    assert {r.code for r in decision.reasons} == {"ENDPOINT_BARE_IP", "TLS_REQUIRED"}


def test_an_eea_country_is_accepted_only_with_the_adequacy_parameter(tmp_path):
    text = (TARGETS_DIR / "local-seaweedfs.yaml").read_text(encoding="utf-8")
    path = tmp_path / "local-seaweedfs.yaml"
    path.write_text(text.replace("country: FR", "country: NO"), encoding="utf-8")
    target = load_target(path)
    assert not evaluate_target(target).allowed
    assert evaluate_target(target, params={"allow_eea_adequacy": True}).allowed


def test_the_bundle_hash_names_the_policy_and_ignores_rego_tests(tmp_path):
    copy = shutil.copytree(POLICIES_DIR, tmp_path / "policies")
    assert decide("ovhcloud-gra").policy_bundle_sha256 == policy_bundle_sha256(copy)
    (copy / "hosting_test.rego").write_text("package changed\n", encoding="utf-8")
    assert policy_bundle_sha256(copy) == policy_bundle_sha256()
    registry = copy / "data" / "providers.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert policy_bundle_sha256(copy) != policy_bundle_sha256()


# (file in the policies dir, new content or None to delete it)
BREAKAGES = {
    "syntax-error": ("hosting.rego", "package sovex.hosting\nx if {\n"),
    "decision-undefined": ("hosting.rego", "package sovex.other\n"),
    "no-policy-file": ("hosting.rego", None),
    "registry-malformed": ("data/providers.yaml", "providers: 1\n"),
    "refusal-without-reason": (
        "hosting.rego",
        'package sovex.hosting\ndecision := {"allowed": false, "reasons": []}\n',
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES.values(), ids=BREAKAGES.keys())
def test_when_the_policy_cannot_be_evaluated_the_target_is_refused_with_policy_error(
    tmp_path, breakage
):
    copy = shutil.copytree(POLICIES_DIR, tmp_path / "policies")
    relative_path, content = breakage
    if content is None:
        (copy / relative_path).unlink()
    else:
        (copy / relative_path).write_text(content, encoding="utf-8")
    target = load_target(TARGETS_DIR / "ovhcloud-gra.yaml")
    decision = evaluate_target(target, policies_dir=copy)
    assert decision.allowed is False
    [reason] = decision.reasons
    assert reason.code == "POLICY_ERROR"
    assert "refused" in reason.message


def test_the_registry_describes_every_required_provider_with_its_jurisdiction():
    providers = load_registry()["providers"]
    assert set(providers) >= REQUIRED_PROVIDERS
    for key, entry in providers.items():
        assert entry["legal_entity"], key
        if key != "self-hosted":
            assert isinstance(entry["exclusive_eu_jurisdiction"], bool), key
            assert entry["endpoint_host_patterns"], key
    assert providers["self-hosted"]["jurisdiction_from_target_country"] is True


def test_a_malformed_registry_is_invalid_input(tmp_path):
    path = tmp_path / "providers.yaml"
    path.write_text("providers: {x: {legal_entity: X}}\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="invalid provider registry"):
        load_registry(path)


@pytest.mark.parametrize(
    "endpoint, expected",
    [
        ("https://s3.eu-west-3.amazonaws.com", ("https", False, False, "aws")),
        ("https://s3.gra.io.cloud.ovh.net", ("https", False, False, "ovhcloud")),
        ("https://S3.FR-PAR.SCW.CLOUD:443", ("https", False, False, "scaleway")),
        ("https://amazonaws.com.evil.example", ("https", False, False, None)),
        ("http://127.0.0.1:8333", ("http", True, True, None)),
        ("http://[::1]:8333", ("http", True, True, None)),
        ("http://localhost:8333", ("http", False, True, None)),
        ("https://203.0.113.7", ("https", True, False, None)),
        ("local", ("http", True, True, None)),
    ],
)
def test_endpoint_facts_are_derived_from_the_url_and_the_registry(endpoint, expected):
    facts = endpoint_facts(endpoint, load_registry())
    assert (facts["scheme"], facts["is_ip"], facts["is_loopback"], facts["matched_provider"]) == (
        expected
    )


def test_the_rego_test_file_has_tests():
    assert len(REGO_TEST_NAMES) >= 15


@pytest.mark.parametrize("name", REGO_TEST_NAMES)
def test_rego_unit_test_passes_under_regopy(name):
    interpreter = regopy.Interpreter()
    for path in sorted(POLICIES_DIR.glob("*.rego")):
        interpreter.add_module(path.name, path.read_text(encoding="utf-8"))
    output = interpreter.query(f"data.sovex.hosting_test.{name}")
    assert output.ok(), str(output)
    assert str(output) == '{"expressions":[true]}'
