"""English note templates for the de-identification benchmark: (name, split, text).

Same conventions as `templates_fr`: titles are plain text around a name slot; each
template is `train` or `test` (about two thirds / one third).
"""

from __future__ import annotations

TRAIN = "train"
TEST = "test"

TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "en_discharge_summary",
        TRAIN,
        "DISCHARGE SUMMARY – Department of Neurology\n"
        "Patient: {title} {patient}   DOB: {dob}   MRN: {ipp}\n"
        "Admitted: {date}   Discharged: {date2}\n\n"
        "Diagnosis: {eponym} ({icd}) with falls. {score}.\n"
        "Examination: {eponym2} negative. {lab}.\n"
        "Discharge medication: {drug}, {drug2}.\n"
        "Consultant: {dr} {doctor}",
    ),
    (
        "en_clinic_letter",
        TRAIN,
        "{address2}\n{city2}\n{date}\n\n"
        "Dear {dr} {doctor_surname},\n"
        "Re: {patient}, DOB {dob}, {address}, {city}\n"
        "Thank you for referring this {age}-year-old with {eponym}. {pronoun} reports "
        "worsening symptoms. {lab}, {lab2}. I have started {drug}.\n"
        "Yours sincerely,\n{dr2} {doctor2}",
    ),
    (
        "en_prescription",
        TRAIN,
        "PRESCRIPTION – {date}\n"
        "Prescriber: {dr} {doctor}\n"
        "Patient: {patient}, {address}, {city}\n"
        "Rx: {drug} twice daily for 28 days; {drug2} at night.\n"
        "Review {lab} in 3 months. Pharmacy queries: {phone}.",
    ),
    (
        "en_emergency_note",
        TRAIN,
        "ED NOTE {numeric_date} {time}\n"
        "{patient}, {age}, brought in by ambulance after a fall at home.\n"
        "PMH: {eponym}, {short_eponym}. {score}. {lab}, {lab2}.\n"
        "Next of kin: {relative} ({relative_first}), {phone}.\n"
        "Impression: {icd}. Plan: CT head, {drug}.\n"
        "Seen by {dr} {doctor}",
    ),
    (
        "en_nursing_note",
        TRAIN,
        "Nursing note – night shift {short_date}\n"
        "Bay 3, bed 2: {patient_surname}, {patient_first}. Settled overnight. "
        "{lab}. {score}. {drug} given at {time}.\n"
        "The patient's son {relative_first} phoned, updated. Handover to {nurse}.",
    ),
    (
        "en_imaging_report",
        TRAIN,
        "MRI BRAIN WITHOUT CONTRAST\n"
        "Patient: {patient}   Hospital no: {ipp}   Date of exam: {date}\n"
        "Referrer: {dr} {doctor}\n"
        "Clinical details: ?{eponym}, history of {short_eponym}.\n"
        "Findings: no acute infarct. Mild generalised volume loss.\n"
        "Reported by {dr2} {doctor2}",
    ),
    (
        "en_lab_comment",
        TRAIN,
        "Clinical Biochemistry – {address}, {city}\n"
        "Specimen received {numeric_date} {time} for {patient} (MRN {ipp}).\n"
        "Comment: {lab}, {lab2}. Critical result phoned to {dr} {doctor_surname} "
        "on {phone} on {date}.",
    ),
    (
        "en_referral_letter",
        TRAIN,
        "Referral to gastroenterology – {date}\n"
        "I would be grateful if you could see {title} {patient}, DOB {dob}, "
        "contactable on {phone} or {email}. {pronoun} has {eponym} treated with {drug}. "
        "Last colonoscopy on {date2}. {lab}.\n"
        "Kind regards, {dr} {doctor} ({doctor_email})",
    ),
    (
        "en_telephone_message",
        TRAIN,
        "Telephone message taken {date} at {time} by {nurse_first}\n"
        "Caller: {relative_title} {relative}, daughter of {patient}, on {phone}.\n"
        "Reports increased tremor ({short_eponym}); asks for a call back from "
        "{dr} {doctor_surname}. Current medication: {drug}.",
    ),
    (
        "en_header_footer",
        TRAIN,
        "St Luke's Hospital\n{address}\n{city}\nSwitchboard {phone} | Fax {phone2}\n"
        "------------------------------\n"
        "Clinic date: {date} – {patient}\n"
        "Follow-up of {eponym}, {score}. Continue {drug}.\n"
        "------------------------------\n"
        "{dr} {doctor} | {doctor_email}\n"
        "Confidential: contains patient-identifiable information.",
    ),
    (
        "en_operation_note",
        TRAIN,
        "OPERATION NOTE\n"
        "Patient: {patient_surname}, {patient_first}   DOB {dob}\n"
        "Date: {date}. Surgeon: {dr} {doctor}. Anaesthetist: {dr2} {doctor2}.\n"
        "Indication: cholecystitis, {eponym} positive. {score}.\n"
        "Prophylaxis: {drug}. Uneventful. Discharge planned {short_date}.",
    ),
    (
        "en_memory_clinic",
        TRAIN,
        "Memory clinic {date}: {title} {patient}, {age}, attended with {possessive} wife "
        "{relative}. {score}. Findings consistent with early {eponym} ({icd}). "
        "Started {drug}. Lives at {address}, {city}. Review {short_date}.",
    ),
    # --- test templates -------------------------------------------------------------------
    (
        "en_neurology_opinion",
        TEST,
        "Request for neurology opinion – {date}\n"
        "Please review {patient} ({age}, MRN {ipp}) on ward 7B, admitted with {eponym}.\n"
        "Since {short_date}: new right-sided {eponym2}. {score}.\n"
        "Medication: {drug}. Contact: {dr} {doctor}, bleep 4512, or {phone}.",
    ),
    (
        "en_respiratory_letter",
        TEST,
        "{dr} {doctor}\nConsultant Respiratory Physician\n{address}\n{city}\n"
        "Tel: {phone}\n\n{date}\n"
        "Re: {title} {patient}, DOB {dob}\n"
        "COPD ({icd}), {lab}. {score}. No features of {eponym}.\n"
        "I suggest {drug} and continuing {drug2}.",
    ),
    (
        "en_care_home_transfer",
        TEST,
        "CARE HOME TRANSFER FORM\n"
        "Resident: {patient_surname} {patient_first}\n"
        "Date of birth: {dob}\n"
        "Next of kin: {relative}, {phone}\n"
        "GP: {dr} {doctor}, {phone2}\n"
        "Reason: fall, {score}. PMH: {eponym}, {short_eponym}.\n"
        "Medication: {drug}, {drug2}. Sent {date} by {nurse}.",
    ),
    (
        "en_preop_assessment",
        TEST,
        "Pre-operative assessment {date}\n"
        "{patient}, {age}, hospital number {ipp}. Surgery booked for {short_date} "
        "with {dr} {doctor_surname}.\n"
        "PMH: {eponym}. {score}. {lab}. Hold {drug} 48 h before.\n"
        "Assessed by {nurse}. Patient email for reminders: {email}.",
    ),
    (
        "en_cardiology_clinic",
        TEST,
        "Cardiology Clinic – {address}, {city}\n"
        "Seen {date}: {title} {patient}, DOB {dob}, referred by {dr} {doctor}.\n"
        "Heart failure {score}, {eponym}. {lab}, {lab2}.\n"
        "Impression: {icd}. Increase {drug}.\n"
        "{dr2} {doctor2} – {doctor2_email}",
    ),
    (
        "en_paediatric_clinic",
        TEST,
        "Paediatric clinic {date}\n"
        "Child: {patient_first} {patient_surname}, DOB {dob}\n"
        "Attended with mother {relative} (mobile {phone}) and father {relative2_first}.\n"
        "{score}. Query {eponym}. {lab}.\n"
        "Plan: {drug} liquid. Home address: {address}, {city}.",
    ),
)
