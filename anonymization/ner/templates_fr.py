"""French line templates for the NER training corpus, grouped by the part of a document
they fill. Slots are described in `anonymization.ner.slots`. These are written for the
model's training only: the evaluation corpus (`benchmarks/deid/realistic`) and the
benchmark's generated notes (`benchmarks/deid/templates_fr.py`) share none of them."""

from __future__ import annotations

HEADERS = (
    "{UH}\n{USPEC}\n{A}, {CP}\n",
    "{H} – {H2}\nService de {SPEC}\n",
    "{H}, {T}\nUnité de {SPEC}\n",
    "{H}\nService de {SPEC}\n{A}\n{CP} {T}\nTél : {TEL} – Fax : {TEL2}\n",
    "{H} – Pôle {SPEC}\nSecrétariat : {TEL}\n",
    "{H}\n{A} – {CP} {T}\nConsultations : {TEL}\n\nDr {F1} {L1}\nPraticien hospitalier\nRPPS {NUM1}\n",
    "CENTRE HOSPITALIER {UT}\nSERVICE DE {USPEC}\n",
    "{H} ({T})\nUnité {ACR} – {SPEC}\n",
    "Cabinet du Dr {L1}\nMédecine générale\n{A}\n{CP} {T}\n{TEL}\n",
    "{H}\nHôpital de jour – {SPEC}\nChef de service : {DR2}\n",
    "Groupe hospitalier {H}\nSite {T}\n",
)
DATELINES = ("{T}, le {D}\n", "Le {D}\n", "Fait à {T} le {D}\n", "{T} le {D}\n", "Date : {D}\n")
RECIPIENTS = (
    "MT : {DR3} – {T3}\n",
    "Médecin traitant : Dr {F3} {L3}, {T3}\n",
    "Copie : Dr {L4}, {SPEC}, {T4}\n",
    "Adressé par : {DR3} ({H3})\n",
    "{DR3}\n{A3}\n{CP3} {T3}\n",
    "À l'attention du {DR3}, médecin traitant\n",
    "Destinataire : {DR3} ({T3})\nCopie : {DR4}\n",
    "Dr {L3}\nMédecin généraliste\n{CP3} {T3}\n",
)
IDENTITY = (
    "Adresse : {A5}, {CP5}\nTél. {TEL}\n",
    "Domicile : {T5} ({CP5})\n",
    "Patient(e) : {TL0}, né(e) le {D}\n",
    "NOM : {PL}\nPrénom : {PF}\nNé(e) le : {D} à {T5} ({CP5})\nIPP : {NUM}\n",
    "NOM D'USAGE : {PL}   NOM DE NAISSANCE : {L7}\nPRÉNOM : {PF}\nDDN : {D}\n",
    "Concerne : {PF} {PL} – {D}\n",
    "Objet : {TL0} ({AGE} ans)\n",
    "Identité : {PL} {PF}, {AGE} ans, domicilié(e) {A5}, {CP5} {T5}\n",
    "Mme {PL} née {L7} {PF}\n",
    "Patient : {PL}, {PF} – IPP {NUM} – NDA {NUM2}\n",
    "{PL} {PF} (F, {AGE} a)\n",
    "Nom : {PL} / Prénom : {PF} / Sexe : {SEX}\n",
)
GREETINGS = (
    "Cher confrère,\n", "Chère consœur,\n", "Cher ami,\n", "Mon cher {F3},\n", "Bonjour,\n",
    "Chère Madame,\n", "Monsieur,\n", "Cher {L3},\n", "Salut {F3},\n",
)  # fmt: skip
OPENINGS = (
    "J'ai revu en consultation ce jour {TL0}, {AGE} ans, que vous m'aviez adressé(e) pour {EPO}.",
    "Je vous remercie de m'avoir adressé {TL0} pour avis concernant une {ACR} récente.",
    "{TL0} a été hospitalisé(e) dans notre service du {D} au {D2} pour décompensation cardiaque.",
    "Votre patiente, Mme {PL}, {AGE} ans, a été vue aux urgences du {H2} le {D}.",
    "Je reçois ce jour {PF} {PL}, accompagné(e) de sa fille {F4}, pour bilan de chutes.",
    "Nous avons eu le plaisir de recevoir {TL0} en hôpital de jour.",
    "Suite à votre courrier, j'ai vu M. {PL} qui vit seul à {T5} depuis le décès de sa femme {F6}.",
    "Il s'agit d'une patiente de {AGE} ans, adressée par le {DR3} de {T3}, pour une dyspnée.",
    "Mr {PL} {PF} est suivi(e) au {H2} depuis {D} pour {EPO}.",
    "Je vous adresse {TL0}, que je suis pour {EPO}, pour avis chirurgical.",
    "Merci de recevoir M. {PL} en consultation de {SPEC} dès que possible.",
)
HISTORY = (
    "Antécédents : {ACR}, {ACR2}, {EPO}. Appendicectomie dans l'enfance.",
    "ATCD : {EPO} suivie par le {DR5} ({H5}), {ACR}, cholécystectomie au {H6} en {YEAR}.",
    "Mode de vie : vit avec son épouse {F6} à {T5}, deux enfants ({F7} et {F8}). Ancien ouvrier chez {O}.",
    "Mode de vie : veuve, vit seule au domicile ({A5}, {T5}), aide-ménagère 3 fois par semaine, fille ({F7}) très présente.",
    "Vit en {H7} depuis {D}. Personne de confiance : {F7} {L7} (fils), {TEL}.",
    "Professeur des écoles à l'{O}, deux enfants scolarisés à {T5}.",
    "Travaille comme cariste chez {O} à {T5}. Tabac sevré.",
    "Originaire de {T8}, arrivé(e) en France métropolitaine en {YEAR}.",
    "Né(e) à {T8}. Retraité(e) de {O}. Marié(e), 3 enfants.",
    "Suivi(e) par le {DR5}, médecin traitant à {T5}, et le {DR6}, cardiologue au {H6}.",
    "Traitement habituel : {DRUG} 1 cp/j, {DRUG2} 5 mg, {DRUG3} si douleur.",
    "Allergie : {DRUG}. Pas d'autre antécédent notable.",
    "Antécédents familiaux : mère décédée d'un {EPO}, frère suivi pour {ACR}.",
    "Habitus : ancienne agricultrice à {T5}, veuve de {F6}, une fille {F7} qui habite {T8}.",
)
CLINICAL = (
    "Examen clinique : TA 135/80, FC 72/min, SpO2 96 % en AA. {SC}.",
    "Biologie : Hb 11,2 g/dl, CRP 45 mg/l, créatinine 98 µmol/l, DFG 54 ml/min.",
    "ECG : rythme sinusal, pas de trouble de la repolarisation. ETT : FEVG 45 %.",
    "Le scanner montre une lésion de 12 mm du lobe supérieur droit. {SC}.",
    "On retient le diagnostic de {EPO}. {SC}.",
    "Mise en place d'une {EPO} au bloc, sans incident.",
    "Introduction de {DRUG} 5 mg matin et soir, surveillance de la kaliémie.",
    "Évolution favorable sous {DRUG}. Apyrexie à J3.",
    "Pas de {EPO}. Réflexes ostéo-tendineux présents et symétriques.",
    "Bilan gériatrique : {SC}, {SC2}, chute récente sans traumatisme.",
    "Le patient est confus la nuit ({SC}), contention évitée.",
    "Pas de signe de {EPOWORD}. Mollets souples.",
    "Douleur {SC}, soulagée par {DRUG}.",
    "Pansement refait, {EPO} en place, redon productif 30 ml.",
    "IRM cérébrale : pas de lésion récente. Hypersignaux de la substance blanche.",
    "Arrêt du {DRUG} au profit du {DRUG2}, à réévaluer en consultation.",
    "Conclusion : {EPO} stade {N}, {SC}.",
    "RAS sur le plan respiratoire. Diurèse conservée. Transit repris.",
)
FAMILY = (
    "Sa fille {F7} a appelé ce matin, elle passera vers {HH}.",
    "Vu avec son fils {F8} qui souhaite un retour à domicile.",
    "Appel de la femme du patient ({F6}) : inquiète, rappeler au {TEL}.",
    "Entretien avec la famille : {F7} (fille) et {F9} (belle-fille).",
    "Son mari {F6} est présent à l'entretien.",
    "Le petit-fils, {F9}, est étudiant à {T8} et vient le week-end.",
    "Personne à prévenir : {FL7} ({TEL}).",
    "Tuteur : {FL9}, UDAF de {T5}.",
    "Sa voisine, {TL9}, a donné l'alerte.",
    "Sa sœur {F9} vit à {T8} et ne peut pas venir.",
    "Accompagnée de sa nièce {F9} {L9}.",
    "Épouse ({F6}) en EHPAD à {T5} depuis {D}.",
)
STAFF = (
    "Patiente {FL0}, ch. {N}, {AGE} ans",
    "Équipe : {FL9} (IDE), {FL10} (AS)",
    "{FL11}, cadre de santé",
    "Manip radio : {F12}     IDE : {F13}",
    "Technicien : {F12} {I}",
    "Bed manager : {F13}, poste {N}",
    "Présents : {FL9}, {FL10}, {L11} (IDE)",
    "Relu par {FL12}, secrétaire",
    "l'AS {F13} relance la famille",
    "IOA : {F12}",
    "Vu avec {F10} (interne) et le {DR11}.",
    "{F12} IDE : pansement fait.",
    "Transmis à {F12} pour la nuit.",
    "Avis du {DR11}, chirurgien de garde.",
    "Relève {F12}/{F13}.",
    "Kiné ({F13}) : lever au fauteuil réussi.",
    "Appel au {DR11} de garde à {HH} : pas de modification.",
    "{F10}, externe, a pris l'observation.",
    "dr {L11} de garde cette nuit",
    "L'assistante sociale ({TL13}) a rencontré la famille.",
    "Staff avec {F12} et {F13} : retour à domicile validé.",
    "Diététicienne {F13} {L13} : régime hyposodé.",
)
NURSING = (
    "{HH} : patient calme, dort. Pas de douleur. {F12}",
    "{HH} T° 38,2 – paracétamol 1 g IV. Appel interne ({F10}).",
    "D : chute dans la chambre. A : relevé avec {F13} (AS), constantes prises. R : pas de lésion.",
    "Cible : douleur. D : {SC}. A : {DRUG} per os. R : soulagé à {HH}.",
    "Nuit agitée, a appelé sa femme {F6} plusieurs fois. Vu par {DR11}.",
    "Toilette au lit, escarre talon G, protocole {EPO}.",
    "Famille ({F7}) passée à {HH}, apporte des vêtements.",
    "Sonde urinaire retirée à {HH}, diurèse spontanée.",
    "RAS. {F12}",
    "Repas pris en totalité. Aide au repas par {F13}.",
    "Mme {PL} refuse son traitement ce soir, prévenir le {DR11}.",
)
SMS = (
    "salut {F12} tu peux passer voir mme {XPL} ch {N} stp elle sonne",
    "ok je dis à {F13} de descendre",
    "dr {L11} a dit pas de scanner ce soir",
    "{F12} la fille de m {XPL} a rappelé elle veut parler au medecin",
    "bloc retardé {HH}, prévenir {F10}",
    "on se voit à {HH} pour le staff ? bises {F13}",
    "le patient de la 12 ({XPL}) est parti aux urgences du {H2}",
    "jsuis à {T5} jusqu'à midi, appelle {F10} si besoin",
    "Merci {F12} ! 👍",
    "RDV annulé pour {PF}, reporté",
)
CONCLUSIONS = (
    "Retour à domicile à {T5} avec passage IDE ({F12}) matin et soir.",
    "Transfert au {H7} pour rééducation.",
    "Entrée en {H7} prévue, dossier envoyé.",
    "Prochain rendez-vous avec le {DR5} dans 3 mois.",
    "Je reste à votre disposition. Je reverrai {TL0} dans 6 mois.",
    "Consultation de contrôle au {H2} avec le {DR6}.",
    "Sortie vers le domicile de sa fille {F7} à {T8}.",
    "Suivi par l'HAD de {T5}.",
)
SIGNATURES = (
    "Bien confraternellement,\n{DR1}\n",
    "Amitiés,\n{F1}\n",
    "Bien à vous,\n\nDr {F1} {L1}\nPraticien hospitalier – {SPEC}\n",
    "Cordialement,\n{F1} {L1}\nInterne DES {SPEC}\n",
    "{DR1}\n",
    "Signé : {FL1}\n",
    "— {F1}",
    "Dr {L1} / secr. {F14}",
    "Compte rendu dicté par le {DR1}, relu et validé.",
    "Amitiés, {F1}",
    "Bien à toi,\n{F1}",
    "Pr {L1}\nChef de service\n",
    "Le médecin : {DR1}   L'interne : {F10} {L10}",
)
TABLES = (
    "| NOM | PRÉNOM | DDN | IPP |\n|---|---|---|---|\n| {PL} | {PF} | {D} | {NUM} |\n",
    "NOM\tPRÉNOM\tCHAMBRE\n{PL}\t{PF}\t{N}\n{L20}\t{F20}\t{N2}\n",
    "| Date | Intervenant | Acte |\n| {D} | {F12} IDE | pansement |\n| {D2} | {DR11} | visite |\n",
    "Médicament | Posologie | Prescripteur\n{DRUG} | 1-0-1 | {DR11}\n{DRUG2} | 0-0-1 | {DR11}\n",
    "{PL} | {PF} | {D} | {T5} | {CP5}\n",
    "Patient\t{PL} {PF}\nMédecin\t{DR5}\nÉtablissement\t{H2}\n",
    "| {PL} | {PF} | né(e) le {D} | {H2} |",
)
SOCIAL = (
    "Situation sociale : vit seul(e) au {A5}, {CP5} {T5}. Ancien employé de {O}.",
    "Mesure de protection : curatelle renforcée, curateur {FL9} ({O2}).",
    "Logement : HLM à {T5}, 3e étage sans ascenseur.",
    "Ressources : AAH. Employeur : {O}.",
    "Entretien avec {TL9}, assistante sociale du secteur de {T5}.",
    "Enfants : {F7} (habite {T8}), {F8} (sans nouvelles).",
)
DICTATION = (
    "patient vu ce jour par le dr {L11} pour {EPO} examen sans particularité",
    "mme {XPL} {XPF} {AGE} ans adressée par le docteur {L3} de {XT5}",
    "virgule retour à domicile chez sa fille {XF7} à {XT8} point",
    "on a vu avec {XF10} l'interne et {XF12} l'infirmière",
    "ordonnance de {DRUG} remise au patient point à la ligne",
)
# Medical prose and ordinary words: most of a note is neither, and the model must learn
# to leave any word it does not know alone unless its context says otherwise.
PROSE = (
    "{PH}.", "Pas de {XPH}.", "Antécédent de {XPH} en {YEAR}.", "Notion de {XPH}.",
    "{PH}, {XPH2} et {XPH3}.", "{W}.", "{W}, {W2}.", "Le patient {W} {XPH}.",
    "On note {XPH} {W}.", "Traitement par {DRUG} {N} mg {W}.", "{PH} : {W}.",
    "Elle {W} depuis {N} jours, {XPH}.", "Diagnostic retenu : {XPH}.", "{W} ({XPH}).",
    "- {PH}\n- {PH2}\n- {PH3}", "Surveillance {W}. {PH}.", "{UPH}", "{ACR} : {XPH}.",
)  # fmt: skip
