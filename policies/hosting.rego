# Hosting policy: may a research extract be published to this hosting target?
#
# Health data may only go to storage hosted AND operated under exclusive EU jurisdiction
# (CNIL: "entités relevant exclusivement des juridictions de l'Union européenne"). A US
# operator's Paris region is refused just like Virginia: the US CLOUD Act follows the
# operator, not the data centre.
#
# Input, built by policies/evaluator.py:
#   target          the fields of the hosting target file (infra/targets/NAME.yaml)
#   endpoint_facts  {scheme, host, is_ip, is_loopback, matched_provider,
#                   endpoint_regions}, derived in Python because regopy lacks the
#                   built-ins (glob.match, net.*); endpoint_regions lists the regions of
#                   the matched provider whose endpoint hosts the target's host is
#   provider        the provider registry entry named by target.provider, or null
#   params          the policy parameters, both false unless the caller turns them on:
#     allow_eea_adequacy  accept storage in an EEA country outside the EU (IS, LI, NO)
#                         or in a country with an EU adequacy decision (CH, GB, ...).
#                         Off: only the 27 EU member states. It never relaxes the
#                         operator rule: the operator's seat and every parent must still
#                         be in the EU (a Swiss operator stays refused).
#     require_hds         require an HDS certification ("Hébergeur de Données de Santé",
#                         French law for hosting health data) recorded in the registry
#                         for the provider. Off for the embedded local demo (synthetic
#                         data); turn it on in production for real health data.
#
# Rules (each refusal has a stable code):
#   COUNTRY_NOT_EU                declared storage country not an EU member state
#   PROVIDER_UNKNOWN              provider not in policies/data/providers.yaml
#   OPERATOR_NON_EU_JURISDICTION  operator seat or any parent outside the EU, or not
#                                 reviewed as exclusively under EU jurisdiction
#   REGION_UNKNOWN                region not recorded for the provider
#   REGION_COUNTRY_MISMATCH       the registry says the region stores data elsewhere
#   ENDPOINT_PROVIDER_MISMATCH    endpoint host not one of the declared provider's hosts
#                                 (or, self-hosted, a registered provider's host)
#   ENDPOINT_REGION_MISMATCH      endpoint host is not a host of the declared region
#   ENDPOINT_BARE_IP              bare IP endpoint (only loopback is accepted)
#   TLS_REQUIRED                  plain http to anything but loopback
#   HDS_CERTIFICATION_MISSING     require_hds on and no HDS certification recorded
# Self-hosted targets (provider.jurisdiction_from_target_country) name their own region:
# the region rules do not apply; the declared country decides the jurisdiction.
#
# Output: decision := {"allowed": bool, "reasons": [{"code", "message"}, ...]}.
#
# Fail closed: every refusal reads "not <requirement met>", so a missing or malformed
# input field refuses instead of silently passing, and allowed needs zero reasons.
#
# Written as pure functions of the input document (evaluate(doc)) so tests call them
# directly: regopy 1.5.2 crashes on `with input as` over derived rules. Messages use
# concat, not sprintf: regopy 1.5.2 quotes strings bound from literals inside sprintf
# and then emits invalid JSON.
package sovex.hosting

import rego.v1

self_hosted := "self-hosted"

# The 27 EU member states, ISO 3166-1 alpha-2 (Greece is GR here, not the EU's "EL").
eu_member_states := {
	"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
	"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}

# EEA members outside the EU, and countries with an EU adequacy decision. Their law, not
# exclusively EU law, governs data stored there: accepted only with
# params.allow_eea_adequacy. The US is deliberately absent: the Data Privacy Framework
# covers certified companies, not a country, and leaves CLOUD Act exposure intact.
eea_or_adequacy_countries := {
	"IS", "LI", "NO", # EEA
	"AD", "AR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "UY",
}

# ---------------------------------------------------------------------- decision --

decision := evaluate(input_document)

input_document := input if is_object(input) else := {}

evaluate(doc) := {"allowed": count(found) == 0, "reasons": [r | some r in found]} if {
	found := refusals(doc)
}

refusals(doc) := union({
	country_refusals(doc),
	provider_refusals(doc),
	operator_refusals(doc),
	region_unknown_refusals(doc),
	region_country_refusals(doc),
	endpoint_mismatch_refusals(doc),
	endpoint_region_refusals(doc),
	bare_ip_refusals(doc),
	tls_refusals(doc),
	hds_refusals(doc),
})

country_refusals(doc) := {r |
	not storage_country_accepted(doc)
	r := reason("COUNTRY_NOT_EU", country_message(doc))
}

provider_refusals(doc) := {r |
	not provider_known(doc)
	r := reason("PROVIDER_UNKNOWN", provider_unknown_message(doc))
}

# An unknown provider is reported once, as PROVIDER_UNKNOWN.
operator_refusals(doc) := {r |
	provider_known(doc)
	not operator_jurisdiction_accepted(doc)
	r := reason("OPERATOR_NON_EU_JURISDICTION", operator_message(doc))
}

# Region rules apply to a known provider that has its own regions (not self-hosted).
region_unknown_refusals(doc) := {r |
	provider_has_regions(doc)
	not region_recorded(doc)
	r := reason("REGION_UNKNOWN", region_unknown_message(doc))
}

region_country_refusals(doc) := {r |
	provider_has_regions(doc)
	region_recorded(doc)
	not region_country_matches(doc)
	r := reason("REGION_COUNTRY_MISMATCH", region_country_message(doc))
}

endpoint_mismatch_refusals(doc) := {r |
	not endpoint_matches_provider(doc)
	r := reason("ENDPOINT_PROVIDER_MISMATCH", mismatch_message(doc))
}

# Only once the host is the provider's: a foreign host is reported as a mismatch above.
endpoint_region_refusals(doc) := {r |
	provider_has_regions(doc)
	region_recorded(doc)
	endpoint_matches_provider(doc)
	not endpoint_serves_region(doc)
	r := reason("ENDPOINT_REGION_MISMATCH", endpoint_region_message(doc))
}

bare_ip_refusals(doc) := {r |
	not endpoint_is_named_host(doc)
	r := reason("ENDPOINT_BARE_IP", bare_ip_message(doc))
}

tls_refusals(doc) := {r |
	not transport_acceptable(doc)
	r := reason("TLS_REQUIRED", tls_message(doc))
}

hds_refusals(doc) := {r |
	require_hds(doc)
	provider_known(doc)
	not hds_recorded(doc)
	r := reason("HDS_CERTIFICATION_MISSING", hds_message(doc))
}

reason(code, message) := {"code": code, "message": message}

# ---------------------------------------------------------------- normalised input --

target(doc) := t if {
	t := doc.target
	is_object(t)
} else := {}

facts(doc) := f if {
	f := doc.endpoint_facts
	is_object(f)
} else := {}

provider(doc) := p if {
	p := doc.provider
	is_object(p)
} else := {}

provider_known(doc) if is_object(doc.provider)

allow_eea_adequacy(doc) if doc.params.allow_eea_adequacy == true

require_hds(doc) if doc.params.require_hds == true

# Any value as message text; never undefined, so a refusal cannot vanish.
text(x) := x if is_string(x) else := "<missing>"

target_country(doc) := text(object.get(target(doc), "country", null))

target_provider(doc) := text(object.get(target(doc), "provider", null))

target_region(doc) := text(object.get(target(doc), "region", null))

endpoint_host(doc) := text(object.get(facts(doc), "host", null))

endpoint_regions(doc) := r if {
	r := facts(doc).endpoint_regions
	is_array(r)
} else := []

regions(doc) := r if {
	r := provider(doc).regions
	is_object(r)
} else := {}

declared_region(doc) := r if {
	r := regions(doc)[target_region(doc)]
	is_object(r)
} else := {}

declared_region_hosts(doc) := h if {
	h := declared_region(doc).hosts
	is_array(h)
} else := []

parents(doc) := p if {
	p := provider(doc).parents
	is_array(p)
} else := []

# "Google LLC (US), Alphabet Inc. (US)", in control order.
control_chain(doc) := concat(", ", [concat("", [text(q.name), " (", text(q.jurisdiction_country), ")"]) |
	some q in parents(doc)
])

non_eu_parents(doc) := [q |
	some q in parents(doc)
	not q.jurisdiction_country in eu_member_states
]

list_text(items) := concat(", ", items) if count(items) > 0 else := "none"

matched_provider(doc) := object.get(facts(doc), "matched_provider", null)

provider_field(doc, key) := text(object.get(provider(doc), key, null))


# ------------------------------------------------------------------ requirements --

accepted_country(_, country) if country in eu_member_states

accepted_country(doc, country) if {
	allow_eea_adequacy(doc)
	country in eea_or_adequacy_countries
}

storage_country_accepted(doc) if accepted_country(doc, target_country(doc))

# Self-hosted: the organisation itself operates the servers, in the declared country.
operator_jurisdiction_accepted(doc) if {
	provider(doc).jurisdiction_from_target_country == true
	accepted_country(doc, target_country(doc))
}

# A provider: the registry must say exclusive EU jurisdiction, and the operator's seat
# and EVERY parent's jurisdiction must be EU member states (checked, not trusted).
# allow_eea_adequacy plays no part here: it is about where data is stored, not who
# operates it.
operator_jurisdiction_accepted(doc) if {
	p := provider(doc)
	p.exclusive_eu_jurisdiction == true
	p.seat_country in eu_member_states
	every_parent_under_eu_jurisdiction(p)
}

every_parent_under_eu_jurisdiction(p) if {
	is_array(p.parents)
	every q in p.parents {
		q.jurisdiction_country in eu_member_states
	}
}

self_managed(doc) if provider(doc).jurisdiction_from_target_country == true

provider_has_regions(doc) if {
	provider_known(doc)
	not self_managed(doc)
}

region_recorded(doc) if is_object(regions(doc)[target_region(doc)])

region_country_matches(doc) if declared_region(doc).country == target_country(doc)

endpoint_serves_region(doc) if target_region(doc) in endpoint_regions(doc)

hds_recorded(doc) if {
	some c in provider(doc).certifications
	c.name == "HDS"
}

# The endpoint host must be one of the declared provider's known hosts; a self-hosted
# target must not point at any registered provider's host.
endpoint_matches_provider(doc) if {
	target_provider(doc) == self_hosted
	matched_provider(doc) == null
}

endpoint_matches_provider(doc) if {
	target_provider(doc) != self_hosted
	matched_provider(doc) == target_provider(doc)
}

endpoint_is_named_host(doc) if facts(doc).is_ip == false

endpoint_is_named_host(doc) if facts(doc).is_loopback == true

transport_acceptable(doc) if facts(doc).scheme == "https"

transport_acceptable(doc) if facts(doc).is_loopback == true

# ---------------------------------------------------------------------- messages --

country_message(doc) := concat("", [
	"storage country ", target_country(doc),
	" is in the EEA or covered by an EU adequacy decision but is not an EU member state: ",
	"its law, not exclusively EU law, governs the data; refused unless the policy ",
	"parameter allow_eea_adequacy is set",
]) if {
	target_country(doc) in eea_or_adequacy_countries
} else := concat("", [
	"storage country ", target_country(doc),
	" is not an EU member state: data stored there is not under exclusive EU jurisdiction",
])

provider_unknown_message(doc) := concat("", [
	"provider '", target_provider(doc), "' is not in the provider registry ",
	"(policies/data/providers.yaml): its operator and jurisdiction are unknown; ",
	"add it to the registry after a compliance review",
])

operator_message(doc) := concat("", [
	"self-hosted storage is operated by the organisation itself in ", target_country(doc),
	", which is not an EU member state",
]) if {
	self_managed(doc)
} else := concat("", [
	"operator ", provider_field(doc, "legal_entity"),
	" is established in ", provider_field(doc, "seat_country"),
	", outside the EU", exposure_clause(doc), control_clause(doc),
	"; an EU parent or an EU region does not change the operator's own jurisdiction",
]) if {
	is_string(provider(doc).seat_country)
	not provider(doc).seat_country in eu_member_states
} else := concat("", [
	"operator ", provider_field(doc, "legal_entity"),
	" is controlled by ", text(non_eu_parents(doc)[0].name),
	" (", text(non_eu_parents(doc)[0].jurisdiction_country), ")",
	exposure_clause(doc),
	"; an EU region does not change the operator's jurisdiction",
]) if {
	count(non_eu_parents(doc)) > 0
} else := concat("", [
	"operator ", provider_field(doc, "legal_entity"),
	" (seat ", provider_field(doc, "seat_country"),
	") is not recorded in the provider registry as under exclusive EU jurisdiction ",
	"with its seat and every parent company in the EU",
])

exposure_clause(doc) := concat("", [" and exposed to the ", provider(doc).extraterritorial_exposure]) if {
	is_string(provider(doc).extraterritorial_exposure)
} else := ""

control_clause(doc) := concat("", ["; controlled by ", control_chain(doc)]) if {
	count(parents(doc)) > 0
} else := ""

region_unknown_message(doc) := concat("", [
	"region ", target_region(doc), " is not a reviewed region of provider '",
	target_provider(doc), "' (known: ", list_text(sort(object.keys(regions(doc)))),
	"): where the data would be stored cannot be established; ",
	"add the region to policies/data/providers.yaml after a compliance review",
])

region_country_message(doc) := concat("", [
	"the target declares storage country ", target_country(doc), " but region ",
	target_region(doc), " of provider '", target_provider(doc), "' stores data in ",
	text(declared_region(doc).country), " (provider registry)",
])

endpoint_region_message(doc) := concat("", [
	"region ", target_region(doc), " of provider '", target_provider(doc),
	"' cannot be verified from endpoint host ", endpoint_host(doc),
	": this provider's endpoint hosts do not name the region, so where the data ",
	"would be stored cannot be established",
]) if {
	count(declared_region_hosts(doc)) == 0
} else := concat("", [
	"endpoint host ", endpoint_host(doc), " is not an endpoint of region ",
	target_region(doc), " (expected ", list_text(declared_region_hosts(doc)),
	"); it serves region(s) ", list_text(endpoint_regions(doc)),
	": the data would not be stored where the target declares",
])

hds_message(doc) := concat("", [
	"no HDS certification (Hébergeur de Données de Santé) is recorded for ",
	provider_field(doc, "legal_entity"),
	" in the provider registry, and the policy parameter require_hds is on: ",
	"health data may only be hosted by an HDS-certified host",
])

mismatch_message(doc) := concat("", [
	"endpoint host ", endpoint_host(doc), " belongs to provider '",
	text(matched_provider(doc)), "', not to the declared provider '",
	target_provider(doc), "': the operator actually holding the data would not be ",
	"the one reviewed",
]) if {
	is_string(matched_provider(doc))
} else := concat("", [
	"endpoint host ", endpoint_host(doc), " is not a known endpoint of provider '",
	target_provider(doc), "' (endpoint_host_patterns in policies/data/providers.yaml): ",
	"who operates it cannot be established",
])

bare_ip_message(doc) := concat("", [
	"endpoint host ", endpoint_host(doc), " is a bare IP address: who operates it ",
	"cannot be established (only a loopback address, for the local server, is accepted)",
]) if {
	facts(doc).is_ip == true
} else := concat("", [
	"endpoint host ", endpoint_host(doc), " could not be established as a named host ",
	"(endpoint facts missing)",
])

tls_message(doc) := concat("", [
	"endpoint ", endpoint_host(doc), " uses ", text(object.get(facts(doc), "scheme", null)),
	", not https: data would travel unencrypted (plain http is accepted only on loopback)",
])
