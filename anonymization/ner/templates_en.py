"""English (UK and US) line templates for the NER training corpus; see `templates_fr`.
None of them is shared with the evaluation corpus or the benchmark's generated notes."""

from __future__ import annotations

HEADERS = (
    "{H}\nDepartment of {SPEC}\n{A}\n{T} {CP}\nTel: {TEL}\n",
    "{H} NHS Foundation Trust\n{SPEC} Outpatients\n",
    "{UH}\n{A}, {T}, {CP}\nPhone {TEL}  Fax {TEL2}\n",
    "{H} – {SPEC}\nConsultant: {DR2}\n",
    "{SPEC} Clinic, {H}\n",
    "{L1} Medical Practice\n{A}\n{T}\n",
)
DATELINES = ("Date: {D}\n", "Dictated {D}, typed {D2}\n", "{D}\n", "Clinic date: {D}\n")
RECIPIENTS = (
    "{DR3}\n{A3}\n{T3} {CP3}\n",
    "To: {DR3}, GP\n",
    "cc: {DR4}, {H4}\n",
    "Referring physician: {DR3}\n",
)
IDENTITY = (
    "Re: {TL0}, DOB {D}, NHS No {NUM}\n",
    "Patient: {UPL}, {UPF} A\nMRN: {NUM}\nDOB: {D}\n",
    "Name: {PF} {PL}   Hospital No: {NUM}\n",
    "RE: {PL}, {PF} ({AGE} y/o F)\n",
    "{UPL}, {UPF}  {D}  {NUM}\n",
    "Patient name: {PL}, {PF}\nAddress: {A5}, {T5} {CP5}\n",
    "Pt: {PF} {PL}, {AGE}M\n",
)
GREETINGS = (
    "Dear Dr {L3},\n",
    "Dear {F3},\n",
    "Dear Colleague,\n",
    "Hi {F3},\n",
    "Dear Sir/Madam,\n",
)
OPENINGS = (
    "I saw {TL0} in clinic today, a {AGE}-year-old retired teacher from {T5}.",
    "Thank you for referring this {AGE}-year-old gentleman with {EPO}.",
    "{TL0} was admitted under the care of {DR2} on {D} with shortness of breath.",
    "Many thanks for asking me to see {PF} {PL}, who attended with her daughter {F4}.",
    "This {AGE} yo woman presented to the ED at {H2} after a fall at home.",
    "{PF} is well known to our service and was reviewed today with her husband {F6}.",
    "I reviewed Mr {PL} in the {SPEC} clinic. He lives alone in {T5} since his wife {F6} died.",
    "{PL}, {PF} is a {AGE} y.o. male with PMH of {ACR} and {EPO}, referred by {DR3}.",
)
HISTORY = (
    "PMH: {ACR}, {EPO}, appendicectomy as a child.",
    "Social: lives with wife {F6} in a bungalow in {T5}; two children ({F7}, {F8}). Ex-smoker. Worked for {O}.",
    "Social history: widowed, lives alone at {A5}, {T5}. Daughter {F7} visits daily.",
    "Resident at {H7} since {D}. Next of kin: {FL7} (son), {TEL}.",
    "Works as a delivery driver for {O}. Kids at {O2}.",
    "Originally from {T8}, moved to {T5} in {YEAR}.",
    "Born in {T8}. Retired from {O}. Married, three children.",
    "Under {DR5} (GP, {T5}) and {DR6} (cardiology, {H6}).",
    "Meds: {DRUG} 5 mg OD, {DRUG2} 20 mg nocte, {DRUG3} PRN.",
    "Allergies: {DRUG}. NKDA otherwise.",
    "FH: mother had {EPO}; brother with {ACR}.",
)
CLINICAL = (
    "O/E: BP 138/82, HR 76, sats 96% RA. {SC}.",
    "Bloods: Hb 112, CRP 45, creatinine 98, eGFR 54.",
    "ECG: sinus rhythm. Echo: LVEF 45%.",
    "CT shows a 12 mm nodule in the right upper lobe.",
    "Impression: {EPO}. {SC}.",
    "A {EPO} was placed in theatre without complication.",
    "Started on {DRUG} 5 mg BD; check U&Es in a week.",
    "Improving on {DRUG}. Apyrexial by day 3.",
    "No evidence of {EPO}. Reflexes normal and symmetrical.",
    "Frailty assessment: {SC}, recent fall without injury.",
    "Pain score 6/10, settled with {DRUG}.",
    "MRI brain: no acute change. Small vessel disease.",
    "Plan: stop {DRUG}, switch to {DRUG2}, review in clinic.",
    "Assessment: {EPO}, {SC}.",
)
FAMILY = (
    "Daughter {F7} phoned this morning, will visit at {HH}.",
    "Discussed with son {F8}, who would like her home.",
    "Wife ({F6}) called, anxious; please ring back on {TEL}.",
    "Family meeting with {F7} (daughter) and {F9} (daughter-in-law).",
    "Husband {F6} present throughout.",
    "Grandson {F9} is at university in {T8}.",
    "NOK: {FL7} ({TEL}).",
    "Neighbour {TL9} raised the alarm.",
    "Sister {F9} lives in {T8} and cannot visit.",
)
STAFF = (
    "lady in bed {N} - {FL0} {TEL} - {AGE}yo, K+ 6.8",
    'With: mum ({FL7}) and mum\'s partner ("{F8}", not PR)',
    "Discussed with my team leader {FL9} and the safeguarding team.",
    "Named midwife: {FL10}",
    "{FL11}, Consultant Vascular Sonographer",
    "{UPF} {UPL} {AGE}M, bed {N}",
    "Resident: {UPL}, {PF} {F2} | Rm {N} | NHS {NUM}",
    "Staff key: {I}{I2} = {FL12} (RN), {I3}{I4} = {FL13} (carer)",
    "nursing handover (day {F12} -> night {F13})",
    "HV: {F13} (0-19 team). GP: {H2}.",
    "SLT ({F13}) reviewed swallow.",
    "midwife {F13}, student midwife {F12}",
    "{FL11}, Specialist Nurse",
    "Typed {D} by {XF1}",
    "Seen with {F10} (FY1) and {DR11}.",
    "{F12} RN: dressing changed.",
    "Handed over to {F12} for nights.",
    "Discussed with {DR11}, on-call surgical registrar.",
    "Physio ({F13}): mobilised to chair.",
    "Bleeped {DR11} at {HH}, no change to plan.",
    "dr {XL11} on call tonight",
    "Social worker {TL13} met the family.",
    "MDT with {F12} and {F13}: home with package of care.",
    "Sister {F13} aware.",
    "{F10} (med student) clerked the patient.",
)
NURSING = (
    "{HH}: settled, sleeping. No pain. {F12}",
    "{HH} temp 38.2, paracetamol 1 g IV given. FY1 ({F10}) informed.",
    "S: fall in bay. B: {AGE} yo with dementia. A: obs stable. R: r/v by {DR11}.",
    "Pain {SC}, {DRUG} given, settled by {HH}.",
    "Unsettled overnight, asking for wife {F6}. Seen by {DR11}.",
    "Pressure area care, grade 2 sore to heel.",
    "Family ({F7}) visited at {HH}, brought clothes.",
    "Catheter removed at {HH}, PU.",
    "NAD. {F12}",
    "Mrs {PL} declined evening meds, {DR11} aware.",
)
SMS = (
    "hi {F12} can u check on mrs {XPL} bed {N} pls she keeps buzzing",
    "ok will send {F13} down",
    "dr {XL11} says no CT tonight",
    "{F12} the daughter of mr {XPL} called again wants to speak to a doc",
    "theatre delayed till {HH}, let {F10} know",
    "staff at {HH}? thx {F13}",
    "pt in bay 3 ({XPL}) went to {H2} ED",
    "im in {T5} till noon call {F10} if needed",
    "Thanks {F12}!",
)
CONCLUSIONS = (
    "Discharged home to {T5} with carers QDS.",
    "Transferred to {H7} for rehab.",
    "Placement at {H7} being arranged.",
    "Follow-up with {DR5} in 3 months.",
    "I will see {TL0} again in 6 months.",
    "Discharged to daughter {F7}'s home in {T8}.",
)
SIGNATURES = (
    "Yours sincerely,\n\n{DR1}\nConsultant {SPEC}\n",
    "Kind regards,\n{F1}\n",
    "Best wishes,\n\nDr {F1} {L1}\nSpR {SPEC}\n",
    "{UL1}, {UF1} MD\n",
    "Electronically signed by {FL1} on {D}",
    "{DR1}\n",
    "— {F1}",
    "Dictated but not read: {DR1}",
    "Thanks, {F1}",
    "Attending: {DR1}   Resident: {F10} {L10}",
)
TABLES = (
    "| SURNAME | FORENAME | DOB | MRN |\n| {UPL} | {PF} | {D} | {NUM} |\n",
    "Name\tBed\tConsultant\n{PL}, {PF}\t{N}\t{DR11}\n{L20}, {F20}\t{N2}\t{DR11}\n",
    "| Date | Staff | Action |\n| {D} | {F12} RN | dressing |\n| {D2} | {DR11} | ward round |\n",
    "Drug | Dose | Prescriber\n{DRUG} | 5 mg OD | {DR11}\n{DRUG2} | 10 mg BD | {DR11}\n",
    "{PL} | {PF} | {D} | {T5} | {CP5}\n",
)
SOCIAL = (
    "Social: lives alone at {A5}, {T5} {CP5}. Formerly employed by {O}.",
    "Lasting power of attorney: {FL9}.",
    "Housing: council flat in {T5}, 3rd floor, no lift.",
    "Employer: {O}. On sick leave.",
    "Seen by {TL9}, social worker for the {T5} area.",
)
DICTATION = (
    "patient seen today by dr {XL11} for {EPO} exam unremarkable",
    "mrs {XPL} {XPF} {AGE} years old referred by doctor {XL3} from {XT5}",
    "comma discharge home to her daughter {XF7} in {XT8} full stop",
    "seen with {XF10} the f y one and {XF12} the nurse",
)
# Medical prose and ordinary words (see templates_fr.PROSE).
PROSE = (
    "{PH}.", "No {XPH}.", "History of {XPH} in {YEAR}.", "Known {XPH}.",
    "{PH}, {XPH2} and {XPH3}.", "{W}.", "{W}, {W2}.", "The patient {W} {XPH}.",
    "Noted {XPH} {W}.", "Started on {DRUG} {N} mg {W}.", "{PH}: {W}.",
    "She {W} for {N} days, {XPH}.", "Diagnosis: {XPH}.", "{W} ({XPH}).",
    "- {PH}\n- {PH2}\n- {PH3}", "Monitor {W}. {PH}.", "{UPH}", "{ACR}: {XPH}.",
)  # fmt: skip
