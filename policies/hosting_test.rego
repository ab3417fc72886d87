# Unit tests of the hosting policy, one or more per rule.
#
# Run by pytest through regopy (tests/unit/policies/test_hosting_policy.py) and by
# `opa test policies/` for anyone who has the opa CLI. Fixtures are inline (not the
# registry file) so each test states the facts it relies on.
package sovex.hosting_test

import rego.v1

import data.sovex.hosting

# ---------------------------------------------------------------------- fixtures --

ovhcloud_entry := {
	"legal_entity": "OVH SAS",
	"seat_country": "FR",
	"parent": {"name": "OVH Groupe SA", "jurisdiction_country": "FR"},
	"exclusive_eu_jurisdiction": true,
	"extraterritorial_exposure": null,
	"endpoint_host_patterns": ["*.cloud.ovh.net"],
}

aws_entry := {
	"legal_entity": "Amazon Web Services EMEA SARL",
	"seat_country": "LU",
	"parent": {"name": "Amazon.com, Inc.", "jurisdiction_country": "US"},
	"exclusive_eu_jurisdiction": false,
	"extraterritorial_exposure": "US CLOUD Act",
	"endpoint_host_patterns": ["*.amazonaws.com"],
}

self_hosted_entry := {
	"legal_entity": "the organisation running sovex",
	"seat_country": null,
	"parent": null,
	"exclusive_eu_jurisdiction": null,
	"jurisdiction_from_target_country": true,
	"extraterritorial_exposure": null,
	"endpoint_host_patterns": [],
}

ovhcloud_gra := {
	"target": {
		"name": "ovhcloud-gra", "provider": "ovhcloud", "region": "gra", "country": "FR",
		"endpoint": "https://s3.gra.io.cloud.ovh.net", "bucket": "sovex-extracts",
	},
	"endpoint_facts": {
		"scheme": "https", "host": "s3.gra.io.cloud.ovh.net", "is_ip": false,
		"is_loopback": false, "matched_provider": "ovhcloud",
	},
	"provider": ovhcloud_entry,
	"params": {"allow_eea_adequacy": false},
}

aws_paris := {
	"target": {
		"name": "aws-eu-west-3-paris", "provider": "aws", "region": "eu-west-3",
		"country": "FR", "endpoint": "https://s3.eu-west-3.amazonaws.com",
		"bucket": "sovex-extracts",
	},
	"endpoint_facts": {
		"scheme": "https", "host": "s3.eu-west-3.amazonaws.com", "is_ip": false,
		"is_loopback": false, "matched_provider": "aws",
	},
	"provider": aws_entry,
	"params": {"allow_eea_adequacy": false},
}

local_seaweedfs := {
	"target": {
		"name": "local-seaweedfs", "provider": "self-hosted", "region": "local",
		"country": "FR", "endpoint": "local", "bucket": "sovex-extracts",
	},
	"endpoint_facts": {
		"scheme": "http", "host": "127.0.0.1", "is_ip": true, "is_loopback": true,
		"matched_provider": null,
	},
	"provider": self_hosted_entry,
	"params": {"allow_eea_adequacy": false},
}

# One level of merge, written out: regopy's object.union is not recursive like opa's.
# No `with input as` here: regopy 1.5.2 crashes on it; the policy is a function instead.
patched(base, key, patch) := object.union(base, {key: object.union(base[key], patch)})

decide(doc) := hosting.evaluate(doc)

codes(decision) := {r.code | some r in decision.reasons}

# ------------------------------------------------------------------------ allowed --

test_eu_operator_storing_in_france_over_https_is_allowed if {
	d := decide(ovhcloud_gra)
	d.allowed == true
	count(d.reasons) == 0
}

test_local_self_hosted_server_over_loopback_http_is_allowed if {
	d := decide(local_seaweedfs)
	d.allowed == true
	count(d.reasons) == 0
}

# -------------------------------------------------------------------- COUNTRY_NOT_EU --

test_storage_outside_the_eu_is_refused if {
	d := decide(patched(ovhcloud_gra, "target", {"country": "US"}))
	d.allowed == false
	codes(d) == {"COUNTRY_NOT_EU"}
}

test_eea_country_is_refused_by_default if {
	d := decide(patched(ovhcloud_gra, "target", {"country": "NO"}))
	d.allowed == false
	codes(d) == {"COUNTRY_NOT_EU"}
	some r in d.reasons
	contains(r.message, "allow_eea_adequacy")
}

test_adequacy_country_is_accepted_only_with_the_parameter if {
	d := decide(object.union(
		patched(ovhcloud_gra, "target", {"country": "CH"}),
		{"params": {"allow_eea_adequacy": true}},
	))
	d.allowed == true
}

test_missing_country_is_refused if {
	doc := object.union(ovhcloud_gra, {"target": object.remove(ovhcloud_gra.target, ["country"])})
	d := decide(doc)
	d.allowed == false
	"COUNTRY_NOT_EU" in codes(d)
}

# ------------------------------------------------------------------ PROVIDER_UNKNOWN --

test_provider_missing_from_the_registry_is_refused if {
	doc := object.union(patched(ovhcloud_gra, "target", {"provider": "acme-cloud"}), {"provider": null})
	d := decide(doc)
	d.allowed == false
	"PROVIDER_UNKNOWN" in codes(d)
	not "OPERATOR_NON_EU_JURISDICTION" in codes(d)
}

# ---------------------------------------------------- OPERATOR_NON_EU_JURISDICTION --

test_us_operator_paris_region_is_refused_for_its_operator if {
	d := decide(aws_paris)
	d.allowed == false
	codes(d) == {"OPERATOR_NON_EU_JURISDICTION"}
	some r in d.reasons
	contains(r.message, "Amazon.com, Inc. (US)")
	contains(r.message, "US CLOUD Act")
}

test_registry_claim_is_checked_against_the_parent_jurisdiction if {
	entry := object.union(ovhcloud_entry, {"parent": {"name": "Foreign Parent Inc.", "jurisdiction_country": "US"}})
	d := decide(object.union(ovhcloud_gra, {"provider": entry}))
	d.allowed == false
	codes(d) == {"OPERATOR_NON_EU_JURISDICTION"}
}

test_registry_claim_is_checked_against_the_operator_seat if {
	d := decide(patched(ovhcloud_gra, "provider", {"seat_country": "CH"}))
	d.allowed == false
	codes(d) == {"OPERATOR_NON_EU_JURISDICTION"}
}

test_self_hosted_servers_outside_the_eu_are_refused_for_their_operator if {
	d := decide(patched(local_seaweedfs, "target", {"country": "US"}))
	d.allowed == false
	codes(d) == {"COUNTRY_NOT_EU", "OPERATOR_NON_EU_JURISDICTION"}
}

# ------------------------------------------------------ ENDPOINT_PROVIDER_MISMATCH --

test_eu_provider_name_with_an_amazonaws_host_is_refused if {
	doc := patched(ovhcloud_gra, "endpoint_facts", {"host": "s3.eu-west-3.amazonaws.com", "matched_provider": "aws"})
	d := decide(doc)
	d.allowed == false
	codes(d) == {"ENDPOINT_PROVIDER_MISMATCH"}
}

test_host_unknown_to_the_declared_provider_is_refused if {
	doc := patched(ovhcloud_gra, "endpoint_facts", {"host": "s3.example.org", "matched_provider": null})
	d := decide(doc)
	d.allowed == false
	codes(d) == {"ENDPOINT_PROVIDER_MISMATCH"}
}

test_self_hosted_target_pointing_at_a_cloud_provider_is_refused if {
	doc := patched(local_seaweedfs, "endpoint_facts", {
		"scheme": "https", "host": "s3.amazonaws.com", "is_ip": false,
		"is_loopback": false, "matched_provider": "aws",
	})
	d := decide(doc)
	d.allowed == false
	codes(d) == {"ENDPOINT_PROVIDER_MISMATCH"}
}

# ---------------------------------------------------------------- ENDPOINT_BARE_IP --

test_bare_public_ip_endpoint_is_refused if {
	doc := patched(local_seaweedfs, "endpoint_facts", {"scheme": "https", "host": "203.0.113.7", "is_loopback": false})
	d := decide(doc)
	d.allowed == false
	codes(d) == {"ENDPOINT_BARE_IP"}
}

# ------------------------------------------------------------------- TLS_REQUIRED --

test_plain_http_to_a_remote_host_is_refused if {
	d := decide(patched(ovhcloud_gra, "endpoint_facts", {"scheme": "http"}))
	d.allowed == false
	codes(d) == {"TLS_REQUIRED"}
}

# ------------------------------------------------------------------- fail closed --

test_empty_input_is_refused_with_every_applicable_reason if {
	d := decide({})
	d.allowed == false
	codes(d) == {"COUNTRY_NOT_EU", "PROVIDER_UNKNOWN", "ENDPOINT_PROVIDER_MISMATCH", "ENDPOINT_BARE_IP", "TLS_REQUIRED"}
}

test_malformed_sections_are_refused if {
	d := decide({"target": "FR", "endpoint_facts": [], "provider": "ovhcloud", "params": null})
	d.allowed == false
	count(d.reasons) >= 4
}

test_every_reason_has_a_code_and_a_message if {
	d := decide({})
	every r in d.reasons {
		is_string(r.code)
		count(r.message) > 20
	}
}
