# Hosting policy: may a research extract be published to this hosting target?
#
# Health data may only go to storage hosted AND operated under exclusive EU jurisdiction
# (CNIL: "entités relevant exclusivement des juridictions de l'Union européenne"). A US
# operator's Paris region is refused just like Virginia: the US CLOUD Act follows the
# operator, not the data centre.
#
# Input, built by policies/evaluator.py:
#   target          the fields of the hosting target file (infra/targets/NAME.yaml)
#   endpoint_facts  {scheme, host, is_ip, is_loopback, matched_provider}, derived in
#                   Python because regopy lacks the built-ins (glob.match, net.*)
#   provider        the provider registry entry named by target.provider, or null
#   params          {allow_eea_adequacy: bool}
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
	endpoint_mismatch_refusals(doc),
	bare_ip_refusals(doc),
	tls_refusals(doc),
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

endpoint_mismatch_refusals(doc) := {r |
	not endpoint_matches_provider(doc)
	r := reason("ENDPOINT_PROVIDER_MISMATCH", mismatch_message(doc))
}

bare_ip_refusals(doc) := {r |
	not endpoint_is_named_host(doc)
	r := reason("ENDPOINT_BARE_IP", bare_ip_message(doc))
}

tls_refusals(doc) := {r |
	not transport_acceptable(doc)
	r := reason("TLS_REQUIRED", tls_message(doc))
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

# Any value as message text; never undefined, so a refusal cannot vanish.
text(x) := x if is_string(x) else := "<missing>"

target_country(doc) := text(object.get(target(doc), "country", null))

target_provider(doc) := text(object.get(target(doc), "provider", null))

endpoint_host(doc) := text(object.get(facts(doc), "host", null))

matched_provider(doc) := object.get(facts(doc), "matched_provider", null)

provider_field(doc, key) := text(object.get(provider(doc), key, null))

parent_field(doc, key) := text(object.get(parent, key, null)) if {
	parent := provider(doc).parent
	is_object(parent)
} else := "<missing>"

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
# and its parent's jurisdiction must both be EU member states (checked, not trusted).
operator_jurisdiction_accepted(doc) if {
	p := provider(doc)
	p.exclusive_eu_jurisdiction == true
	p.seat_country in eu_member_states
	parent_under_eu_jurisdiction(p)
}

parent_under_eu_jurisdiction(p) if p.parent == null

parent_under_eu_jurisdiction(p) if p.parent.jurisdiction_country in eu_member_states

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
	provider(doc).jurisdiction_from_target_country == true
} else := concat("", [
	"operator ", provider_field(doc, "legal_entity"),
	" is controlled by ", parent_field(doc, "name"),
	" (", parent_field(doc, "jurisdiction_country"),
	") and exposed to the ", provider_field(doc, "extraterritorial_exposure"),
	"; an EU region does not change the operator's jurisdiction",
]) if {
	is_string(provider(doc).extraterritorial_exposure)
	is_object(provider(doc).parent)
} else := concat("", [
	"operator ", provider_field(doc, "legal_entity"),
	" (seat ", provider_field(doc, "seat_country"),
	") is not recorded in the provider registry as under exclusive EU jurisdiction ",
	"with its seat and any parent company in the EU",
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
