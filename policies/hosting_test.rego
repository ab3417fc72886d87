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
	"parents": [{"name": "OVH Groupe SA", "jurisdiction_country": "FR"}],
	"exclusive_eu_jurisdiction": true,
	"extraterritorial_exposure": null,
	"certifications": [{"name": "HDS", "source": "esante.gouv.fr", "date": "2026-11"}],
	"regions": {
		"gra": {"country": "FR", "hosts": ["s3.gra.io.cloud.ovh.net"]},
		"sbg": {"country": "FR", "hosts": ["s3.sbg.io.cloud.ovh.net"]},
	},
	"endpoint_host_patterns": ["*.cloud.ovh.net"],
}

aws_entry := {
	"legal_entity": "Amazon Web Services EMEA SARL",
	"seat_country": "LU",
	"parents": [{"name": "Amazon.com, Inc.", "jurisdiction_country": "US"}],
	"exclusive_eu_jurisdiction": false,
	"extraterritorial_exposure": "US CLOUD Act",
	"certifications": [{"name": "HDS", "source": "esante.gouv.fr", "date": "2026-11"}],
	"regions": {"eu-west-3": {"country": "FR", "hosts": ["s3.eu-west-3.amazonaws.com"]}},
	"endpoint_host_patterns": ["*.amazonaws.com"],
}

swiss_entry := {
	"legal_entity": "Infomaniak Network SA",
	"seat_country": "CH",
	"parents": [],
	"exclusive_eu_jurisdiction": false,
	"extraterritorial_exposure": "Swiss law (operator established in Switzerland)",
	"certifications": [],
	"regions": {"dc3-a": {"country": "CH", "hosts": ["s3.pub1.infomaniak.cloud"]}},
	"endpoint_host_patterns": ["*.infomaniak.cloud"],
}

self_hosted_entry := {
	"legal_entity": "the organisation running sovex",
	"seat_country": null,
	"parents": [],
	"exclusive_eu_jurisdiction": null,
	"jurisdiction_from_target_country": true,
	"extraterritorial_exposure": null,
	"certifications": [],
	"regions": {},
	"endpoint_host_patterns": [],
}

no_params := {"allow_eea_adequacy": false, "require_hds": false}

ovhcloud_gra := {
	"target": {
		"name": "ovhcloud-gra", "provider": "ovhcloud", "region": "gra", "country": "FR",
		"endpoint": "https://s3.gra.io.cloud.ovh.net", "bucket": "sovex-extracts",
	},
	"endpoint_facts": {
		"scheme": "https", "host": "s3.gra.io.cloud.ovh.net", "is_ip": false,
		"is_loopback": false, "matched_provider": "ovhcloud", "endpoint_regions": ["gra"],
	},
	"provider": ovhcloud_entry,
	"params": no_params,
}

aws_paris := {
	"target": {
		"name": "aws-eu-west-3-paris", "provider": "aws", "region": "eu-west-3",
		"country": "FR", "endpoint": "https://s3.eu-west-3.amazonaws.com",
		"bucket": "sovex-extracts",
	},
	"endpoint_facts": {
		"scheme": "https", "host": "s3.eu-west-3.amazonaws.com", "is_ip": false,
		"is_loopback": false, "matched_provider": "aws", "endpoint_regions": ["eu-west-3"],
	},
	"provider": aws_entry,
	"params": no_params,
}

infomaniak_ch := {
	"target": {
		"name": "infomaniak-ch", "provider": "infomaniak", "region": "dc3-a",
		"country": "CH", "endpoint": "https://s3.pub1.infomaniak.cloud",
		"bucket": "sovex-extracts",
	},
	"endpoint_facts": {
		"scheme": "https", "host": "s3.pub1.infomaniak.cloud", "is_ip": false,
		"is_loopback": false, "matched_provider": "infomaniak", "endpoint_regions": ["dc3-a"],
	},
	"provider": swiss_entry,
	"params": no_params,
}

local_seaweedfs := {
	"target": {
		"name": "local-seaweedfs", "provider": "self-hosted", "region": "local",
		"country": "FR", "endpoint": "local", "bucket": "sovex-extracts",
	},
	"endpoint_facts": {
		"scheme": "http", "host": "127.0.0.1", "is_ip": true, "is_loopback": true,
		"matched_provider": null, "endpoint_regions": [],
	},
	"provider": self_hosted_entry,
	"params": no_params,
}

# One level of merge, written out: regopy's object.union is not recursive like opa's.
# No `with input as` here: regopy 1.5.2 crashes on it; the policy is a function instead.
patched(base, key, patch) := object.union(base, {key: object.union(base[key], patch)})

with_params(doc, params) := object.union(doc, {"params": object.union(no_params, params)})

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
	us_region := {"regions": {"gra": {"country": "US", "hosts": ["s3.gra.io.cloud.ovh.net"]}}}
	doc := patched(patched(ovhcloud_gra, "target", {"country": "US"}), "provider", us_region)
	d := decide(doc)
	d.allowed == false
	codes(d) == {"COUNTRY_NOT_EU"}
}

test_norwegian_self_hosted_storage_is_refused_by_default if {
	d := decide(patched(local_seaweedfs, "target", {"country": "NO"}))
	d.allowed == false
	codes(d) == {"COUNTRY_NOT_EU", "OPERATOR_NON_EU_JURISDICTION"}
	some r in d.reasons
	r.code == "COUNTRY_NOT_EU"
	contains(r.message, "allow_eea_adequacy")
}

test_norwegian_self_hosted_storage_is_allowed_with_the_adequacy_parameter if {
	doc := with_params(patched(local_seaweedfs, "target", {"country": "NO"}), {"allow_eea_adequacy": true})
	d := decide(doc)
	d.allowed == true
}

test_swiss_self_hosted_storage_is_accepted_only_with_the_parameter if {
	doc := patched(local_seaweedfs, "target", {"country": "CH"})
	decide(doc).allowed == false
	decide(with_params(doc, {"allow_eea_adequacy": true})).allowed == true
}

test_the_adequacy_parameter_does_not_accept_a_swiss_operator if {
	d := decide(with_params(infomaniak_ch, {"allow_eea_adequacy": true}))
	d.allowed == false
	codes(d) == {"OPERATOR_NON_EU_JURISDICTION"}
}

test_swiss_operator_storing_in_switzerland_is_refused_twice_by_default if {
	d := decide(infomaniak_ch)
	codes(d) == {"COUNTRY_NOT_EU", "OPERATOR_NON_EU_JURISDICTION"}
	some r in d.reasons
	r.code == "OPERATOR_NON_EU_JURISDICTION"
	contains(r.message, "is established in CH, outside the EU")
}

test_a_country_with_neither_eu_membership_nor_adequacy_stays_refused_with_the_parameter if {
	doc := with_params(patched(local_seaweedfs, "target", {"country": "US"}), {"allow_eea_adequacy": true})
	codes(decide(doc)) == {"COUNTRY_NOT_EU", "OPERATOR_NON_EU_JURISDICTION"}
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
	entry := object.union(ovhcloud_entry, {"parents": [{"name": "Foreign Parent Inc.", "jurisdiction_country": "US"}]})
	d := decide(object.union(ovhcloud_gra, {"provider": entry}))
	d.allowed == false
	codes(d) == {"OPERATOR_NON_EU_JURISDICTION"}
}

test_every_parent_up_to_the_ultimate_controller_must_be_in_the_eu if {
	chain := [
		{"name": "OVH Groupe SA", "jurisdiction_country": "FR"},
		{"name": "Overseas Holding Ltd", "jurisdiction_country": "KY"},
	]
	d := decide(patched(ovhcloud_gra, "provider", {"parents": chain}))
	d.allowed == false
	codes(d) == {"OPERATOR_NON_EU_JURISDICTION"}
	some r in d.reasons
	contains(r.message, "controlled by Overseas Holding Ltd (KY)")
}

test_missing_parents_are_refused if {
	entry := object.remove(ovhcloud_entry, ["parents"])
	d := decide(object.union(ovhcloud_gra, {"provider": entry}))
	codes(d) == {"OPERATOR_NON_EU_JURISDICTION"}
}

test_registry_claim_is_checked_against_the_operator_seat if {
	d := decide(patched(ovhcloud_gra, "provider", {"seat_country": "CH"}))
	d.allowed == false
	codes(d) == {"OPERATOR_NON_EU_JURISDICTION"}
}

test_an_eu_parent_does_not_make_a_us_subsidiary_eu if {
	entry := object.union(ovhcloud_entry, {
		"legal_entity": "OVH US LLC", "seat_country": "US",
		"exclusive_eu_jurisdiction": false, "extraterritorial_exposure": "US CLOUD Act",
	})
	d := decide(object.union(ovhcloud_gra, {"provider": entry}))
	codes(d) == {"OPERATOR_NON_EU_JURISDICTION"}
	some r in d.reasons
	contains(r.message, "OVH US LLC is established in US, outside the EU and exposed to the US CLOUD Act")
	contains(r.message, "controlled by OVH Groupe SA (FR)")
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

# ----------------------------------------------------------------- REGION_* rules --

test_a_region_the_registry_does_not_know_is_refused if {
	d := decide(patched(ovhcloud_gra, "target", {"region": "mars-1"}))
	d.allowed == false
	codes(d) == {"REGION_UNKNOWN"}
	some r in d.reasons
	contains(r.message, "known: gra, sbg")
}

test_a_region_stored_in_another_country_than_declared_is_refused if {
	doc := patched(ovhcloud_gra, "provider", {"regions": {"gra": {"country": "CA", "hosts": ["s3.gra.io.cloud.ovh.net"]}}})
	d := decide(doc)
	codes(d) == {"REGION_COUNTRY_MISMATCH"}
	some r in d.reasons
	contains(r.message, "declares storage country FR but region gra")
}

test_a_gra_target_with_an_sbg_endpoint_is_refused if {
	doc := patched(ovhcloud_gra, "endpoint_facts", {"host": "s3.sbg.io.cloud.ovh.net", "endpoint_regions": ["sbg"]})
	d := decide(doc)
	d.allowed == false
	codes(d) == {"ENDPOINT_REGION_MISMATCH"}
	some r in d.reasons
	contains(r.message, "expected s3.gra.io.cloud.ovh.net")
	contains(r.message, "serves region(s) sbg")
}

test_a_region_its_endpoints_do_not_name_is_refused_as_unverifiable if {
	doc := patched(ovhcloud_gra, "provider", {"regions": {"gra": {"country": "FR", "hosts": []}}})
	d := decide(patched(doc, "endpoint_facts", {"endpoint_regions": []}))
	codes(d) == {"ENDPOINT_REGION_MISMATCH"}
	some r in d.reasons
	contains(r.message, "cannot be verified")
}

test_missing_endpoint_regions_are_refused if {
	facts := object.remove(ovhcloud_gra.endpoint_facts, ["endpoint_regions"])
	d := decide(object.union(ovhcloud_gra, {"endpoint_facts": facts}))
	codes(d) == {"ENDPOINT_REGION_MISMATCH"}
}

test_self_hosted_targets_name_their_own_region if {
	d := decide(patched(local_seaweedfs, "target", {"region": "lyon-dc2"}))
	d.allowed == true
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

# ------------------------------------------------------- HDS_CERTIFICATION_MISSING --

test_a_provider_without_hds_is_allowed_when_hds_is_not_required if {
	entry := object.union(ovhcloud_entry, {"certifications": []})
	d := decide(object.union(ovhcloud_gra, {"provider": entry}))
	d.allowed == true
}

test_a_provider_without_hds_is_refused_when_hds_is_required if {
	entry := object.union(ovhcloud_entry, {"certifications": [{"name": "SecNumCloud", "source": "ANSSI", "date": "2026-11"}]})
	doc := with_params(object.union(ovhcloud_gra, {"provider": entry}), {"require_hds": true})
	d := decide(doc)
	d.allowed == false
	codes(d) == {"HDS_CERTIFICATION_MISSING"}
}

test_an_hds_certified_eu_provider_is_allowed_when_hds_is_required if {
	d := decide(with_params(ovhcloud_gra, {"require_hds": true}))
	d.allowed == true
}

test_self_hosted_storage_is_refused_when_hds_is_required_and_none_is_recorded if {
	d := decide(with_params(local_seaweedfs, {"require_hds": true}))
	codes(d) == {"HDS_CERTIFICATION_MISSING"}
}

test_hds_does_not_make_a_us_operator_acceptable if {
	d := decide(with_params(aws_paris, {"require_hds": true}))
	codes(d) == {"OPERATOR_NON_EU_JURISDICTION"}
}

test_a_non_boolean_parameter_does_not_turn_a_rule_off_or_on if {
	yes := {"params": {"require_hds": "yes", "allow_eea_adequacy": "yes"}}
	entry := object.union(ovhcloud_entry, {"certifications": []})
	decide(object.union(ovhcloud_gra, object.union(yes, {"provider": entry}))).allowed == true
	norway := object.union(patched(local_seaweedfs, "target", {"country": "NO"}), yes)
	codes(decide(norway)) == {"COUNTRY_NOT_EU", "OPERATOR_NON_EU_JURISDICTION"}
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
