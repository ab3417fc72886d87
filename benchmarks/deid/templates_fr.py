"""French note templates for the de-identification benchmark: (name, split, text).

Slots are listed in `benchmarks.deid.corpus.SLOT_KINDS`. Titles ("Dr", "Mme") are plain
text written around a name slot, so the gold span is the name alone. Every template is
either `train` (seen while tuning) or `test` (scored), about two thirds / one third.
"""

from __future__ import annotations

TRAIN = "train"
TEST = "test"

TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "fr_cr_hospitalisation",
        TRAIN,
        "CENTRE HOSPITALIER – Service de neurologie\n"
        "{address2}, {city2} – Tél. secrétariat : {phone2}\n"
        "FINESS {finess}\n\n"
        "COMPTE RENDU D'HOSPITALISATION\n"
        "Patient{e} : {title} {patient}, né{e} le {dob}\n"
        "IPP : {ipp}   NDA : {nda}\n"
        "Séjour du {date} au {date2}.\n\n"
        "Motif : décompensation d'une {eponym} connue ({icd}).\n"
        "Examen : {eponym2} négatif. {lab}.\n"
        "Traitement de sortie : {drug}, {drug2}.\n\n"
        "{dr} {doctor} – RPPS {rpps}",
    ),
    (
        "fr_lettre_confrere",
        TRAIN,
        "{town}, le {date}\n\n"
        "Cher confrère,\n"
        "Je vous remercie d'avoir adressé {title} {patient}, {age} ans, pour avis concernant "
        "une {eponym}. {pronoun} vit seul{e} au {address}, {city}. "
        "L'examen retrouve un {score}, {lab}. Je propose d'introduire {drug}.\n"
        "Je reverrai {title} {patient_surname} dans trois mois.\n"
        "Bien confraternellement,\n"
        "{dr} {doctor}",
    ),
    (
        "fr_ordonnance",
        TRAIN,
        "{dr} {doctor}\n"
        "Médecine générale – RPPS {rpps}\n"
        "{address}\n{city}\n"
        "Tél. {phone}\n\n"
        "Le {date}\n"
        "{title} {patient} ({age} ans)\n\n"
        "1) {drug} : 1 comprimé matin et soir pendant 3 mois\n"
        "2) {drug2} : 1 comprimé le soir\n"
        "Contrôle {lab} dans 3 mois.\n"
        "Ordonnance à renouveler 2 fois.",
    ),
    (
        "fr_urgences",
        TRAIN,
        "URGENCES – Observation médicale du {date} à {time}\n"
        "NDA {nda} – {patient}, {age} ans, né{e} le {dob}\n"
        "Adressé{e} par le SAMU pour malaise. Antécédent de {eponym}.\n"
        "Constantes : {lab}, {lab2}. {score}.\n"
        "{eponym2} absent. ECG sans anomalie.\n"
        "Personne à prévenir : {relative} ({relative_first}), {mobile}.\n"
        "Diagnostic : {icd}. Sortie avec {drug}.\n"
        "Urgentiste : {dr} {doctor}",
    ),
    (
        "fr_transmissions_ide",
        TRAIN,
        "Transmissions infirmières – nuit du {short_date}\n"
        "Chambre 12 – {patient_surname} {patient_first}\n"
        "Patient{e} calme, {lab}. Douleur {score}, {drug} donné à {time}.\n"
        "Appel de sa fille {relative_first} à 22h, rassurée.\n"
        "Relève assurée par {nurse}. IDE : {nurse2_first}.",
    ),
    (
        "fr_cr_irm",
        TRAIN,
        "IMAGERIE MÉDICALE – IRM cérébrale\n"
        "Patient : {patient} – IPP {ipp} – Date d'examen : {date}\n"
        "Prescripteur : {dr} {doctor}\n"
        "Indication : bilan d'une {eponym}, suspicion de {short_eponym}.\n"
        "Résultat : pas de lésion ischémique récente. Atrophie hippocampique modérée.\n"
        "Conclusion : aspect compatible avec le contexte ({icd}).\n"
        "Radiologue : {dr2} {doctor2}",
    ),
    (
        "fr_commentaire_biologie",
        TRAIN,
        "Laboratoire de biologie médicale – {address}, {city}\n"
        "Dossier {nda} – {title} {patient} – prélevé le {numeric_date} à {time}\n"
        "Commentaire : {lab}, {lab2}, {lab3}. Résultat communiqué par téléphone au "
        "{dr} {doctor_surname} ({phone}) le {date}.\n"
        "Biologiste : {dr2} {doctor2}",
    ),
    (
        "fr_lettre_adressage",
        TRAIN,
        "Objet : demande de consultation en gastro-entérologie\n\n"
        "Chère consœur, cher confrère,\n"
        "Je vous adresse {title} {patient}, né{e} le {dob}, domicilié{e} {address}, {city}, "
        "joignable au {mobile} ou à l'adresse {email}.\n"
        "{pronoun} présente une {eponym} évoluant depuis 2019, traitée par {drug}. "
        "Dernière coloscopie le {date}. {lab}.\n"
        "Merci de votre avis.\n"
        "{dr} {doctor} – {doctor_email}",
    ),
    (
        "fr_message_telephonique",
        TRAIN,
        "Message téléphonique reçu le {date} à {time} par {nurse_first} (secrétariat)\n"
        "De : {relative_title} {relative} (famille), au {phone}.\n"
        "Concerne : {patient} (IPP {ipp}).\n"
        "Signale une majoration des tremblements ({short_eponym}). Demande un rappel du "
        "{dr} {doctor_surname} avant vendredi. Traitement actuel : {drug}.",
    ),
    (
        "fr_entete_pied_de_page",
        TRAIN,
        "Hôpital privé – Clinique du Parc\n"
        "{address}\n"
        "{city}\n"
        "Standard : {phone} – Fax : {phone2}\n"
        "N° FINESS : {finess}\n"
        "---------------------------------------------\n"
        "Consultation du {date} – {patient}\n"
        "Suivi d'une {eponym}, {score}. Poursuite de {drug}.\n"
        "---------------------------------------------\n"
        "{dr} {doctor} – RPPS {rpps} – {doctor_email}\n"
        "Document confidentiel, soumis au secret médical.",
    ),
    (
        "fr_cr_operatoire",
        TRAIN,
        "COMPTE RENDU OPÉRATOIRE\n"
        "Opéré{e} : {patient_surname} {patient_first} – né{e} le {dob} – IPP {ipp}\n"
        "Date de l'intervention : {date}\n"
        "Chirurgien : {dr} {doctor}. Anesthésiste : {dr2} {doctor2}. IBODE : {nurse}.\n"
        "Indication : cholécystite, {eponym} positif.\n"
        "Score {score}. Antibioprophylaxie par {drug}.\n"
        "Suites simples. Sortie prévue le {short_date}.",
    ),
    (
        "fr_rcp_oncologie",
        TRAIN,
        "Réunion de concertation pluridisciplinaire du {date}\n"
        "Dossier présenté par {dr} {doctor}\n"
        "{title} {patient}, né{e} le {dob}, INS {ins}\n"
        "Antécédents : {eponym}, {short_eponym} traité.\n"
        "Histologie : adénocarcinome, {score}. {lab}.\n"
        "Proposition : chimiothérapie, puis {drug}. Codage {icd}.\n"
        "Participants : {dr2} {doctor2}, {dr3} {doctor3}.",
    ),
    (
        "fr_consultation_memoire",
        TRAIN,
        "Consultation mémoire – {date}\n"
        "{title} {patient}, {age} ans, accompagné{e} de {relative} (conjoint).\n"
        "Plainte mnésique depuis deux ans. {score}. Bilan compatible avec une {eponym} "
        "au stade léger ({icd}).\n"
        "Introduction de {drug}. Orthophonie à domicile ({address}, {city}).\n"
        "Prochain rendez-vous le {short_date}. {dr} {doctor}",
    ),
    (
        "fr_certificat",
        TRAIN,
        "CERTIFICAT MÉDICAL\n"
        "Je soussigné{e}, {dr} {doctor}, certifie avoir examiné ce jour, {date}, "
        "{title} {patient}, né{e} le {dob} à {town}, demeurant {address}, {city}.\n"
        "{pronoun} présente une {eponym} nécessitant un arrêt de travail.\n"
        "Certificat remis en main propre pour faire valoir ce que de droit.\n"
        "Cachet – RPPS {rpps}",
    ),
    (
        "fr_consultation_diabeto",
        TRAIN,
        "Consultation de diabétologie du {date}. {patient} (IPP {ipp}) revu{e} pour "
        "diabète de type 2 ({icd}). {lab}, {lab2}. Pas de {eponym}. "
        "Poursuite de {drug} et {drug2}. Éducation thérapeutique avec {nurse}. "
        "Rendez-vous à reprendre au {phone}.",
    ),
    (
        "fr_bon_transport",
        TRAIN,
        "Prescription médicale de transport\n"
        "Assuré{e} : {patient}   N° d'immatriculation : {nir}\n"
        "Adresse de prise en charge : {address}, {city}\n"
        "Destination : hôpital de jour, le {date}\n"
        "Motif : {eponym} avec troubles de la marche, {score}.\n"
        "Prescripteur : {dr} {doctor}, RPPS {rpps}",
    ),
    (
        "fr_note_kine",
        TRAIN,
        "Bilan kinésithérapique – {date}\n"
        "{patient}, {age} ans. Adressé{e} par le {dr} {doctor_surname} pour rééducation "
        "de la marche dans le cadre d'une {eponym}.\n"
        "{score}. Test de marche de 6 minutes : 310 m.\n"
        "Kinésithérapeute : {nurse}, n° ADELI {adeli}, {phone}",
    ),
    (
        "fr_hopital_de_jour",
        TRAIN,
        "Hôpital de jour de rhumatologie – venue du {date}\n"
        "{title} {patient} (NDA {nda}) pour perfusion.\n"
        "Diagnostic : polyarthrite rhumatoïde ({icd}), {short_eponym} associé.\n"
        "Perfusion bien tolérée. {lab}. Prochaine perfusion le {short_date}.\n"
        "Traitement inchangé : {drug}, {drug2}.\n"
        "{dr} {doctor} – poste {phone}",
    ),
    (
        "fr_courriel_patient",
        TRAIN,
        "De : {email}\n"
        "Envoyé : {date} {time}\n"
        "À : {doctor_email}\n"
        "Objet : résultats\n\n"
        "Bonjour Docteur {doctor_surname},\n"
        "Je vous transmets mes résultats : {lab}. Mon {short_eponym} est stable sous "
        "{drug}. Vous pouvez me joindre au {mobile}.\n"
        "Cordialement,\n{patient}",
    ),
    (
        "fr_note_sociale",
        TRAIN,
        "Note de l'assistante sociale ({nurse}) – {date}\n"
        "{title} {patient_surname} vit seul{e} depuis le décès de son conjoint. "
        "Sa fille, {relative}, habite {address3}, {city3} ({phone}). "
        "Demande d'APA en cours. {eponym} évoluée, {score}.\n"
        "Contact avec le médecin traitant, {dr} {doctor}.",
    ),
    (
        "fr_echographie",
        TRAIN,
        "Échographie abdominale du {date}\n"
        "Patient{e} : {patient} – né{e} le {dob}\n"
        "Demandeur : {dr} {doctor}\n"
        "Foie dysmorphique, {score}. Pas d'ascite. {eponym} négatif.\n"
        "Conclusion : hépatopathie chronique ({icd}). Compte rendu validé par "
        "{dr2} {doctor2}.",
    ),
    (
        "fr_liaison_ide_liberale",
        TRAIN,
        "Fiche de liaison – soins infirmiers à domicile\n"
        "Patient{e} : {patient}, {address}, {city}, tél. {phone}\n"
        "INS : {ins}\n"
        "Soins : injection de {drug} le soir, surveillance {lab}.\n"
        "Antécédents : {eponym}, {short_eponym}.\n"
        "IDE libérale : {nurse} – ADELI {adeli} – {mobile}",
    ),
    # --- test templates -------------------------------------------------------------------
    (
        "fr_demande_avis_neuro",
        TEST,
        "Demande d'avis neurologique – {date}\n"
        "Bonjour, merci de voir en consultation {patient} ({age} ans, IPP {ipp}), "
        "hospitalisé{e} en chambre 214 pour {eponym}.\n"
        "Depuis le {short_date}, apparition d'un {eponym2} à droite, {score}.\n"
        "Traitement en cours : {drug}.\n"
        "Interne : {doctor}, bip 4512. Senior : {dr} {doctor2}.",
    ),
    (
        "fr_cr_pneumologie",
        TEST,
        "{dr} {doctor}\nPneumologue\n{address}\n{city}\n"
        "Tél. : {phone} – RPPS : {rpps}\n\n"
        "{town}, le {date}\n"
        "Objet : {title} {patient}, né{e} le {dob}\n"
        "BPCO stade 3 ({icd}), {lab}. {score}. Pas d'argument pour une {eponym}.\n"
        "Je propose {drug} et la poursuite de {drug2}.",
    ),
    (
        "fr_liaison_ehpad",
        TEST,
        "FICHE DE LIAISON EHPAD → URGENCES\n"
        "Résident{e} : {patient_surname} {patient_first}\n"
        "Date de naissance : {dob}\n"
        "N° sécurité sociale : {nir}\n"
        "Personne de confiance : {relative} – {phone}\n"
        "Médecin traitant : {dr} {doctor} – {phone2}\n"
        "Motif du transfert : chute, {score}. Antécédents : {eponym}, {short_eponym}.\n"
        "Traitement : {drug}, {drug2}. Transmis le {date} par {nurse}.",
    ),
    (
        "fr_consultation_anesthesie",
        TEST,
        "Consultation pré-anesthésique du {date}\n"
        "{patient}, {age} ans, IPP {ipp}. Intervention prévue le {short_date} "
        "par le {dr} {doctor_surname}.\n"
        "Antécédents : {eponym}. Classe {score}. {lab}.\n"
        "Traitement : {drug} à arrêter 48 h avant.\n"
        "Anesthésiste : {dr2} {doctor2}",
    ),
    (
        "fr_cr_cardiologie",
        TEST,
        "Service de cardiologie – {address}, {city} – FINESS {finess}\n"
        "Compte rendu de consultation du {date}\n"
        "{title} {patient}, né{e} le {dob}, adressé{e} par le {dr} {doctor}.\n"
        "Insuffisance cardiaque {score}, {eponym}. {lab}, {lab2}.\n"
        "Conclusion : {icd}. Majoration de {drug}.\n"
        "{dr2} {doctor2} – {doctor2_email}",
    ),
    (
        "fr_pediatrie",
        TEST,
        "Consultation de pédiatrie du {date}\n"
        "Enfant : {patient_first} {patient_surname}, né{e} le {dob}\n"
        "Accompagné{e} de sa mère, {relative}, joignable au {mobile}, "
        "et de son père {relative2_first}.\n"
        "{score} à la naissance. Suspicion de {eponym}. {lab}.\n"
        "Traitement : {drug} en sirop. Adresse : {address}, {city}.",
    ),
    (
        "fr_scanner_urgences",
        TEST,
        "SCANNER CÉRÉBRAL SANS INJECTION – {numeric_date} {time}\n"
        "Patient : {patient} – NDA {nda}\n"
        "Renseignements : chute, {score}, {eponym} connue, sous {drug}.\n"
        "Résultat : pas d'hémorragie intracrânienne.\n"
        "Compte rendu dicté par {dr} {doctor}, transmis au {phone}.",
    ),
    (
        "fr_dossier_admission",
        TEST,
        "DOSSIER D'ADMISSION\n"
        "Nom de naissance : {patient_surname}\n"
        "Prénom : {patient_first}\n"
        "Né{e} le : {dob} à {town}\n"
        "INS : {ins}\n"
        "Adresse : {address}\n"
        "{city}\n"
        "Téléphone : {mobile}\n"
        "Courriel : {email}\n"
        "Médecin traitant : {dr} {doctor} (RPPS {rpps})\n"
        "Motif : bilan de {eponym} ({icd}).",
    ),
    (
        "fr_regulation_samu",
        TEST,
        "Régulation SAMU – appel du {date} à {time}\n"
        "Appelant : {relative_title} {relative}, au {phone}, pour son parent "
        "{patient}, {age} ans, {address}, {city}.\n"
        "Antécédents de {short_eponym} et de {eponym}, traité par {drug}.\n"
        "{score}. Envoi VSAV. Médecin régulateur : {dr} {doctor}.",
    ),
    (
        "fr_cr_psychiatrie",
        TEST,
        "Entretien psychiatrique – {date}\n"
        "{title} {patient} (IPP {ipp}, NIR {nir}) reçu{e} en CMP.\n"
        "Humeur triste, ralentissement. Pas d'idée suicidaire. Antécédent de {eponym}.\n"
        "Poursuite de {drug}. Psychologue : {nurse}. "
        "Contact d'urgence : {relative}, {mobile}.\n"
        "{dr} {doctor}",
    ),
    (
        "fr_hepatologie",
        TEST,
        "Hépatologie – consultation du {date}\n"
        "{patient}, {age} ans, cirrhose alcoolique {score}, {eponym}.\n"
        "{lab}, {lab2}. Code {icd}.\n"
        "Traitement : {drug}. Écho de contrôle le {short_date}.\n"
        "Compte rendu adressé au {dr} {doctor}, {address}, {city} "
        "(messagerie sécurisée {doctor_email}).",
    ),
)
