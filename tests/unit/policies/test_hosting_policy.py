from __future__ import annotations

import re
import shutil

import pytest
import regopy

from policies.evaluator import (
    DEFAULT_PARAMS,
    POLICIES_DIR,
    POLICY_PARAMETERS,
    REASON_CODES,
    Decision,
    endpoint_facts,
    evaluate_target,
    load_registry,
    policy_bundle_sha256,
)
from sovex.model.errors import InvalidInput
from sovex.model.settings import PROJECT_ROOT
from sovex.model.target import load_target

TARGETS_DIR = PROJECT_ROOT / "infra" / "targets"
REGO_TEST_FILE = POLICIES_DIR / "hosting_test.rego"
REGO_TEST_NAMES = re.findall(r"^(test_\w+)", REGO_TEST_FILE.read_text(encoding="utf-8"), re.M)
REQUIRED_PROVIDERS = {
    "aws", "azure", "gcp", "oracle", "cloudflare-r2", "backblaze-b2", "wasabi",
    "ovhcloud", "ovhcloud-us", "ovhcloud-ca", "scaleway", "outscale", "clever-cloud",
    "ionos", "hetzner", "open-telekom-cloud", "exoscale", "infomaniak", "self-hosted",
}  # fmt: skip
EU_MEMBER_STATES = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}  # fmt: skip
# Every registry fact group a reviewer must be able to trace to a public source.
FACTS_NEEDING_A_SOURCE = ("legal_entity", "seat_country", "parents", "regions")
OPERATOR = "OPERATOR_NON_EU_JURISDICTION"
US_WEST = ["us-west-or"]

TARGET_TEMPLATE = """\
name: {name}
provider: {provider}
region: {region}
country: "{country}"
endpoint: {endpoint}
bucket: sovex-extracts
credentials: {{source: env, access_key_var: S3_ACCESS_KEY, secret_key_var: S3_SECRET_KEY}}
"""


def decide(target_name: str, **kwargs) -> Decision:
    return evaluate_target(load_target(TARGETS_DIR / f"{target_name}.yaml"), **kwargs)


def decide_new(tmp_path, provider, region, country, endpoint, **kwargs) -> Decision:
    path = tmp_path / "t.yaml"
    path.write_text(
        TARGET_TEMPLATE.format(
            name="t", provider=provider, region=region, country=country, endpoint=endpoint
        ),
        encoding="utf-8",
    )
    return evaluate_target(load_target(path), **kwargs)


def codes_of(decision: Decision) -> set[str]:
    return {r.code for r in decision.reasons}


# (target file, allowed, codes) with the default parameters.
BUNDLED_TARGETS = [
    ("local-seaweedfs", True, set()),
    ("ovhcloud-gra", True, set()),
    ("scaleway-par", True, set()),
    ("aws-eu-west-3-paris", False, {OPERATOR}),
    ("aws-us-east-1", False, {"COUNTRY_NOT_EU", OPERATOR}),
    ("azure-francecentral", False, {OPERATOR, "ENDPOINT_REGION_MISMATCH"}),
    ("gcp-europe-west9", False, {OPERATOR, "ENDPOINT_REGION_MISMATCH"}),
    ("ovhcloud-mismatch", False, {"ENDPOINT_PROVIDER_MISMATCH"}),
    ("ovhcloud-region-mismatch", False, {"ENDPOINT_REGION_MISMATCH"}),
    ("ovhcloud-us-east-va", False, {"COUNTRY_NOT_EU", OPERATOR}),
    ("ovhcloud-gra-plain-http", False, {"TLS_REQUIRED"}),
    ("infomaniak-ch", False, {"COUNTRY_NOT_EU", OPERATOR}),
    ("exoscale-de-fra", False, {OPERATOR}),
    ("self-hosted-oslo", False, {"COUNTRY_NOT_EU", OPERATOR}),
    ("acme-cloud-fr", False, {"PROVIDER_UNKNOWN", "ENDPOINT_PROVIDER_MISMATCH"}),
]


@pytest.mark.parametrize("target_name, allowed, codes", BUNDLED_TARGETS)
def test_each_bundled_target_gets_its_expected_decision(target_name, allowed, codes):
    decision = decide(target_name)
    assert decision.allowed is allowed
    assert codes_of(decision) == codes
    assert all(len(r.message) > 20 for r in decision.reasons)
    assert decision.params == DEFAULT_PARAMS


def test_every_bundled_target_file_has_a_test_of_its_decision():
    assert {p.stem for p in TARGETS_DIR.glob("*.yaml")} == {t for t, _, _ in BUNDLED_TARGETS}


@pytest.mark.parametrize("target_name, allowed, codes", BUNDLED_TARGETS)
def test_each_bundled_target_file_says_why_it_is_allowed_or_refused(target_name, allowed, codes):
    comment = (TARGETS_DIR / f"{target_name}.yaml").read_text(encoding="utf-8").split("\nname:")[0]
    assert ("ALLOWED" if allowed else "REFUSED") in comment
    assert all(code in comment for code in codes)


@pytest.mark.parametrize(
    "provider, region, endpoint",
    [
        ("aws", "eu-west-3", "https://s3.eu-west-3.amazonaws.com"),
        ("azure", "francecentral", "https://acct.blob.core.windows.net"),
        ("gcp", "europe-west9", "https://storage.googleapis.com"),
        ("oracle", "eu-paris-1", "https://ns.compat.objectstorage.eu-paris-1.oraclecloud.com"),
        ("wasabi", "eu-west-2", "https://s3.eu-west-2.wasabisys.com"),
        ("backblaze-b2", "eu-central-003", "https://s3.eu-central-003.backblazeb2.com"),
        ("cloudflare-r2", "eu", "https://acct.eu.r2.cloudflarestorage.com"),
    ],
)
def test_us_controlled_operators_are_refused_in_their_eu_regions(
    tmp_path, provider, region, endpoint
):
    country = load_registry()["providers"][provider]["regions"].get(region, {}).get("country")
    decision = decide_new(tmp_path, provider, region, country or "NL", endpoint)
    assert not decision.allowed
    assert OPERATOR in codes_of(decision)
    [reason] = [r for r in decision.reasons if r.code == OPERATOR]
    assert "(US)" in reason.message or "established in US" in reason.message
    assert "US CLOUD Act" in reason.message


@pytest.mark.parametrize(
    "provider, region, country, endpoint",
    [
        ("ovhcloud", "sbg", "FR", "https://s3.sbg.io.cloud.ovh.net"),
        ("ovhcloud", "waw", "PL", "https://sovex-extracts.s3.waw.io.cloud.ovh.net"),
        ("scaleway", "nl-ams", "NL", "https://s3.nl-ams.scw.cloud"),
        ("outscale", "eu-west-2", "FR", "https://oos.eu-west-2.outscale.com"),
        ("clever-cloud", "par", "FR", "https://cellar-c2.services.clever-cloud.com"),
        ("ionos", "eu-central-2", "DE", "https://s3-eu-central-2.ionoscloud.com"),
        ("hetzner", "hel1", "FI", "https://hel1.your-objectstorage.com"),
        ("open-telekom-cloud", "eu-de", "DE", "https://obs.eu-de.otc.t-systems.com"),
    ],
)
def test_eu_operators_are_allowed_in_their_eu_regions(
    tmp_path, provider, region, country, endpoint
):
    decision = decide_new(tmp_path, provider, region, country, endpoint)
    assert decision.allowed, decision.reasons


def test_ovhclouds_us_subsidiary_is_refused_for_its_own_jurisdiction_not_its_parents():
    [reason] = [r for r in decide("ovhcloud-us-east-va").reasons if r.code == OPERATOR]
    assert "OVH US LLC is established in US, outside the EU" in reason.message
    assert "controlled by OVH Groupe SA (FR)" in reason.message


def test_ovhclouds_canadian_region_declared_as_ovh_sas_is_refused_for_its_host(tmp_path):
    decision = decide_new(tmp_path, "ovhcloud", "bhs", "CA", "https://s3.bhs.io.cloud.ovh.net")
    assert {"ENDPOINT_PROVIDER_MISMATCH", "REGION_UNKNOWN", "COUNTRY_NOT_EU"} <= codes_of(decision)
    declared_right = decide_new(
        tmp_path, "ovhcloud-ca", "bhs", "CA", "https://s3.bhs.io.cloud.ovh.net"
    )
    assert codes_of(declared_right) == {"COUNTRY_NOT_EU", OPERATOR}


def test_a_swiss_operators_eu_zone_is_refused_and_its_control_chain_is_named():
    [reason] = decide("exoscale-de-fra").reasons
    assert "Akenes SA (Exoscale) is established in CH, outside the EU" in reason.message
    assert "A1 Telekom Austria AG (AT), América Movil S.A.B. de C.V. (MX)" in reason.message


def test_swiss_and_norwegian_storage_are_allowed_with_the_parameter_only_for_an_eu_operator():
    adequacy = {"allow_eea_adequacy": True}
    assert decide("self-hosted-oslo", params=adequacy).allowed
    infomaniak = decide("infomaniak-ch", params=adequacy)
    assert codes_of(infomaniak) == {OPERATOR}


def test_the_region_must_be_the_one_the_endpoint_serves():
    [reason] = decide("ovhcloud-region-mismatch").reasons
    assert "s3.sbg.io.cloud.ovh.net is not an endpoint of region gra" in reason.message
    assert "expected s3.gra.io.cloud.ovh.net, s3.gra.perf.cloud.ovh.net" in reason.message


def test_a_region_in_another_country_than_declared_is_refused(tmp_path):
    decision = decide_new(tmp_path, "ovhcloud", "de", "FR", "https://s3.de.io.cloud.ovh.net")
    assert codes_of(decision) == {"REGION_COUNTRY_MISMATCH"}


def test_a_region_missing_from_the_registry_is_refused(tmp_path):
    decision = decide_new(tmp_path, "scaleway", "fr-lyo", "FR", "https://s3.fr-lyo.scw.cloud")
    assert codes_of(decision) == {"REGION_UNKNOWN"}


@pytest.mark.parametrize(
    "target_name, allowed_with_hds",
    [
        ("ovhcloud-gra", True),
        ("scaleway-par", True),
        ("local-seaweedfs", False),
    ],
)
def test_require_hds_keeps_hds_certified_hosts_and_refuses_the_others(
    target_name, allowed_with_hds
):
    assert decide(target_name).allowed
    decision = decide(target_name, params={"require_hds": True})
    assert decision.allowed is allowed_with_hds
    assert decision.params == {**DEFAULT_PARAMS, "require_hds": True}
    if not allowed_with_hds:
        assert codes_of(decision) == {"HDS_CERTIFICATION_MISSING"}


def test_an_eu_provider_without_hds_is_allowed_by_default_and_refused_when_hds_is_required(
    tmp_path,
):
    args = ("hetzner", "fsn1", "DE", "https://fsn1.your-objectstorage.com")
    assert decide_new(tmp_path, *args).allowed
    refused = decide_new(tmp_path, *args, params={"require_hds": True})
    [reason] = refused.reasons
    assert reason.code == "HDS_CERTIFICATION_MISSING"
    assert "Hetzner Online GmbH" in reason.message


@pytest.mark.parametrize(
    "params, detail",
    [
        ({"require_hsd": True}, "unknown policy parameter"),
        ({"require_hds": "yes"}, "must be true or false"),
        ({"allow_eea_adequacy": 1}, "must be true or false"),
    ],
)
def test_a_misspelt_or_non_boolean_parameter_refuses_instead_of_being_ignored(params, detail):
    decision = decide("ovhcloud-gra", params=params)
    assert not decision.allowed
    [reason] = decision.reasons
    assert reason.code == "POLICY_ERROR"
    assert detail in reason.message


def test_every_parameter_and_reason_code_is_documented_in_the_policy():
    rego = (POLICIES_DIR / "hosting.rego").read_text(encoding="utf-8")
    assert set(POLICY_PARAMETERS) == set(DEFAULT_PARAMS)
    assert all(value is False for value in DEFAULT_PARAMS.values())
    assert all(name in rego for name in POLICY_PARAMETERS)
    assert all(code in rego for code in REASON_CODES if code != "POLICY_ERROR")
    emitted = set(re.findall(r'reason\("([A-Z_]+)"', rego))
    assert emitted == set(REASON_CODES) - {"POLICY_ERROR"}


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


@pytest.mark.parametrize("key", sorted(REQUIRED_PROVIDERS - {"self-hosted"}))
def test_every_registry_fact_names_its_public_source_and_review_date(key):
    entry = load_registry()["providers"][key]
    sourced = {fact for source in entry["sources"] for fact in source["facts"]}
    needed = set(FACTS_NEEDING_A_SOURCE)
    if entry["extraterritorial_exposure"]:
        needed.add("extraterritorial_exposure")
    if not entry["parents"]:
        needed.discard("parents")
    assert needed <= sourced, f"{key}: no source for {sorted(needed - sourced)}"
    dated = [*entry["sources"], *entry["certifications"]]
    assert all(item["date"] and item["source"] for item in dated), key


@pytest.mark.parametrize("key", sorted(REQUIRED_PROVIDERS - {"self-hosted"}))
def test_the_registrys_eu_claim_agrees_with_the_seat_and_every_parent(key):
    entry = load_registry()["providers"][key]
    all_in_eu = entry["seat_country"] in EU_MEMBER_STATES and all(
        p["jurisdiction_country"] in EU_MEMBER_STATES for p in entry["parents"]
    )
    exposed = entry["extraterritorial_exposure"] is not None
    assert entry["exclusive_eu_jurisdiction"] is (all_in_eu and not exposed), key


@pytest.mark.parametrize(
    "key, exclusive_eu",
    [
        ("ovhcloud", True),
        ("ovhcloud-us", False),
        ("ovhcloud-ca", False),
        ("exoscale", False),
        ("infomaniak", False),
        ("open-telekom-cloud", True),
        ("cloudflare-r2", False),
    ],
)
def test_the_registry_records_the_reviewed_jurisdiction_of_each_operator(key, exclusive_eu):
    assert load_registry()["providers"][key]["exclusive_eu_jurisdiction"] is exclusive_eu


def test_every_recorded_region_host_belongs_to_its_provider():
    registry = load_registry()
    for key, entry in registry["providers"].items():
        for region, spec in entry["regions"].items():
            for host in spec["hosts"]:
                facts = endpoint_facts(f"https://{host}", registry)
                assert facts["matched_provider"] == key, (key, host)
                assert region in facts["endpoint_regions"], (key, host)


def test_a_malformed_registry_is_invalid_input(tmp_path):
    path = tmp_path / "providers.yaml"
    path.write_text("providers: {x: {legal_entity: X}}\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="invalid provider registry"):
        load_registry(path)


@pytest.mark.parametrize(
    "endpoint, expected",
    [
        ("https://s3.eu-west-3.amazonaws.com", ("https", False, False, "aws", ["eu-west-3"])),
        ("https://s3.gra.io.cloud.ovh.net", ("https", False, False, "ovhcloud", ["gra"])),
        ("https://b.s3.gra.io.cloud.ovh.net", ("https", False, False, "ovhcloud", ["gra"])),
        ("https://s3.bhs.io.cloud.ovh.net", ("https", False, False, "ovhcloud-ca", ["bhs"])),
        ("https://s3.us-west-or.io.cloud.ovh.us", ("https", False, False, "ovhcloud-us", US_WEST)),
        ("https://S3.FR-PAR.SCW.CLOUD:443", ("https", False, False, "scaleway", ["fr-par"])),
        ("https://s3.gra.io.cloud.ovh.net.evil.example", ("https", False, False, None, [])),
        ("https://xs3.gra.io.cloud.ovh.net", ("https", False, False, "ovhcloud", [])),
        ("https://amazonaws.com.evil.example", ("https", False, False, None, [])),
        ("http://127.0.0.1:8333", ("http", True, True, None, [])),
        ("http://[::1]:8333", ("http", True, True, None, [])),
        ("http://localhost:8333", ("http", False, True, None, [])),
        ("https://203.0.113.7", ("https", True, False, None, [])),
        ("local", ("http", True, True, None, [])),
    ],
)  # fmt: skip
def test_endpoint_facts_are_derived_from_the_url_and_the_registry(endpoint, expected):
    facts = endpoint_facts(endpoint, load_registry())
    keys = ("scheme", "is_ip", "is_loopback", "matched_provider", "endpoint_regions")
    assert tuple(facts[k] for k in keys) == expected


def test_the_rego_test_file_has_tests():
    assert len(REGO_TEST_NAMES) >= 35


@pytest.mark.parametrize("name", REGO_TEST_NAMES)
def test_rego_unit_test_passes_under_regopy(name):
    interpreter = regopy.Interpreter()
    for path in sorted(POLICIES_DIR.glob("*.rego")):
        interpreter.add_module(path.name, path.read_text(encoding="utf-8"))
    output = interpreter.query(f"data.sovex.hosting_test.{name}")
    assert output.ok(), str(output)
    assert str(output) == '{"expressions":[true]}'


@pytest.mark.parametrize(
    ("endpoint", "code"),
    [
        # A trailing dot, capitals, fullwidth dots: still AWS, still refused.
        ("https://S3.EU-WEST-3.AMAZONAWS.COM.", "ENDPOINT_PROVIDER_MISMATCH"),
        ("https://s3．eu-west-3．amazonaws．com", "ENDPOINT_PROVIDER_MISMATCH"),
        ("https://ｓ３.eu-west-3.amazonaws.com", "ENDPOINT_PROVIDER_MISMATCH"),
        # IPv4 written the ways the C resolver reads them: bare IPs, refused.
        ("https://3405803786", "ENDPOINT_BARE_IP"),
        ("https://0xcb00710a", "ENDPOINT_BARE_IP"),
        ("https://0313.0.113.10", "ENDPOINT_BARE_IP"),
        ("https://203.113.10", "ENDPOINT_BARE_IP"),
    ],
)
def test_lookalike_hosts_are_normalised_before_any_comparison(tmp_path, endpoint, code):
    decision = decide_new(tmp_path, "self-hosted", "oslo", "FR", endpoint)
    assert not decision.allowed
    assert code in codes_of(decision), decision.reasons


def test_a_host_that_is_no_valid_name_is_refused_not_guessed_at(tmp_path):
    decision = decide_new(tmp_path, "self-hosted", "oslo", "FR", "https://exa_mple..com")
    assert not decision.allowed
    [reason] = decision.reasons
    assert reason.code == "POLICY_ERROR"
    assert "endpoint host 'exa_mple..com': not a valid host name" in reason.message


# -- provider capabilities (issue 18) ------------------------------------------------------


def test_capabilities_are_recorded_only_with_a_source_naming_them(tmp_path):
    text = (POLICIES_DIR / "data" / "providers.yaml").read_text(encoding="utf-8")
    unsourced = text.replace(
        '      - {facts: [capabilities], source: "OVHcloud guide', '      - {facts: [x], source: "X'
    )
    assert unsourced != text
    path = tmp_path / "providers.yaml"
    path.write_text(unsourced, encoding="utf-8")
    with pytest.raises(InvalidInput, match="capabilities are recorded without a source"):
        load_registry(path)


def test_what_a_review_did_not_confirm_is_absent_from_the_registry():
    providers = load_registry()["providers"]
    assert set(providers["ovhcloud"]["capabilities"]) == {"object_lock", "sse_s3", "sse_c"}
    assert set(providers["scaleway"]["capabilities"]) == {"object_lock", "sse_c"}
    # Non-EU operators are refused by the policy anyway: nothing about them was reviewed.
    assert all(not providers[key]["capabilities"] for key in ("aws", "azure", "gcp"))
    assert providers["self-hosted"]["capabilities_from_bucket"] is True
    assert [k for k, e in providers.items() if e["capabilities_from_bucket"]] == ["self-hosted"]
