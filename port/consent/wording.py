"""The printed consent form's wording, in English and Spanish.

Written out here rather than left to translation catalogs: the form is a document the participant signs,
so a Spanish form must be wholly Spanish whatever language the screen is in, and must read the same
wherever it is printed. The 42 CFR 2.32 notice is printed in the English the rule prescribes; on the
Spanish form a translation comes first, for the reader's understanding.
"""

import datetime as dt

from port.consent.models import ConsentKind, InformationCategory, SignatureMethod

LANGUAGES = {"en": "English", "es": "Español"}

MONTHS: dict[str, list[str]] = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}


def long_date(value: dt.date | None, language: str) -> str:
    """ "March 5, 2026" or "5 de marzo de 2026"."""
    if value is None:
        return ""
    month = MONTHS[language][value.month - 1]
    if language == "es":
        return f"{value.day} de {month} de {value.year}"
    return f"{month} {value.day}, {value.year}"


# Titles and opening sentences, per kind of consent.
TITLES: dict[str, dict[str, str]] = {
    "en": {
        ConsentKind.PARTICIPATION: "Consent to take part in the program",
        ConsentKind.DISCLOSURE: "Consent to disclose substance use information to a named recipient",
        ConsentKind.TPO: "Consent to disclose substance use information for treatment, payment and health care "
        "operations",
        ConsentKind.COUNSELING_NOTES: "Consent to disclose counseling notes",
    },
    "es": {
        ConsentKind.PARTICIPATION: "Consentimiento para participar en el programa",
        ConsentKind.DISCLOSURE: "Consentimiento para divulgar información sobre el uso de sustancias a un "
        "destinatario nombrado",
        ConsentKind.TPO: "Consentimiento para divulgar información sobre el uso de sustancias para tratamiento, "
        "pago y operaciones de atención médica",
        ConsentKind.COUNSELING_NOTES: "Consentimiento para divulgar notas de consejería",
    },
}

INTROS: dict[str, dict[str, str]] = {
    "en": {
        ConsentKind.PARTICIPATION: "I agree to take part in the follow-up {program} offers after an overdose. I "
        "understand that the program's team will keep a record of our contacts and of "
        "the services I receive, and will use it only to help me. Nothing is shared "
        "outside the team under this consent.",
        ConsentKind.DISCLOSURE: "I agree that the program named below may disclose the information described below "
        "to the recipient named below, for the purpose described below.",
        ConsentKind.TPO: "I agree that the program named below may disclose the information described below to "
        "the recipients described below, for treatment, payment and health care operations.",
        ConsentKind.COUNSELING_NOTES: "I agree that the program named below may disclose my counseling notes, as "
        "described below, to the recipient named below. Counseling notes are "
        "disclosed only with a consent of their own.",
    },
    "es": {
        ConsentKind.PARTICIPATION: "Acepto participar en el seguimiento que ofrece {program} después de una "
        "sobredosis. Entiendo que el equipo del programa llevará un registro de nuestros "
        "contactos y de los servicios que reciba, y que lo usará solo para ayudarme. Con "
        "este consentimiento no se comparte nada fuera del equipo.",
        ConsentKind.DISCLOSURE: "Autorizo que el programa indicado abajo divulgue la información descrita abajo al "
        "destinatario nombrado abajo, con el propósito descrito abajo.",
        ConsentKind.TPO: "Autorizo que el programa indicado abajo divulgue la información descrita abajo a los "
        "destinatarios descritos abajo, para tratamiento, pago y operaciones de atención médica.",
        ConsentKind.COUNSELING_NOTES: "Autorizo que el programa indicado abajo divulgue mis notas de consejería, "
        "según se describen abajo, al destinatario nombrado abajo. Las notas de "
        "consejería solo se divulgan con un consentimiento propio.",
    },
}

KIND_LABELS: dict[str, dict[str, str]] = {
    "en": {kind.value: str(kind.label) for kind in ConsentKind},
    "es": {
        ConsentKind.PARTICIPATION: "Participación en el programa",
        ConsentKind.DISCLOSURE: "Divulgación a un destinatario nombrado",
        ConsentKind.TPO: "Tratamiento, pago y operaciones de atención médica",
        ConsentKind.COUNSELING_NOTES: "Notas de consejería",
    },
}

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "en": {
        InformationCategory.IDENTITY: "Name and date of birth",
        InformationCategory.CONTACT: "Phone, address and where to find the person",
        InformationCategory.REFERRAL_STATUS: "That a referral was made and its status",
        InformationCategory.OVERDOSE: "Overdose events and substances involved",
        InformationCategory.SERVICES: "Services given (naloxone, education, supplies)",
        InformationCategory.ASSESSMENTS: "Readiness, stage of change and the person's goals",
        InformationCategory.NOTES: "Notes from contacts and visits",
        InformationCategory.COUNSELING_NOTES: "Counseling notes",
    },
    "es": {
        InformationCategory.IDENTITY: "Nombre y fecha de nacimiento",
        InformationCategory.CONTACT: "Teléfono, dirección y dónde encontrar a la persona",
        InformationCategory.REFERRAL_STATUS: "Que se hizo una remisión a servicios y en qué estado está",
        InformationCategory.OVERDOSE: "Sobredosis y sustancias involucradas",
        InformationCategory.SERVICES: "Servicios recibidos (naloxona, educación, suministros)",
        InformationCategory.ASSESSMENTS: "Disposición al cambio, etapa de cambio y las metas de la persona",
        InformationCategory.NOTES: "Notas de contactos y visitas",
        InformationCategory.COUNSELING_NOTES: "Notas de consejería",
    },
}

SIGNATURE_METHODS: dict[str, dict[str, str]] = {
    "en": {SignatureMethod.DRAWN: "Signed on the screen", SignatureMethod.VERBAL: "Verbal consent, witnessed"},
    "es": {
        SignatureMethod.DRAWN: "Firmado en la pantalla",
        SignatureMethod.VERBAL: "Consentimiento verbal, con testigo",
    },
}

# The program-standard statement of the right to revoke (2.31(a)(6)); prefilled and editable.
REVOCATION_STATEMENT: dict[str, str] = {
    "en": "I understand that I may revoke this consent at any time, except to the extent that the program has "
    "already acted in reliance on it. To revoke it, I can write to {program} or tell any member of its "
    "team, in person or by phone. The revocation takes effect as soon as the program receives it.",
    "es": "Entiendo que puedo revocar este consentimiento en cualquier momento, excepto en la medida en que el "
    "programa ya haya actuado basándose en él. Para revocarlo, puedo escribir a {program} o decírselo a "
    "cualquier miembro de su equipo, en persona o por teléfono. La revocación entra en vigor en cuanto el "
    "programa la recibe.",
}

# 2.31(a)(4)(i): the designation a single consent for treatment, payment and operations may use.
TPO_RECIPIENT_CLASS: dict[str, str] = {
    "en": "My treating providers, health plans, third-party payers, and people helping to operate this program",
    "es": "Mis proveedores de tratamiento, planes de salud, terceros pagadores y las personas que ayudan a "
    "operar este programa",
}

DEFAULT_PURPOSES: dict[str, dict[str, str]] = {
    "en": {
        ConsentKind.PARTICIPATION: "To offer me follow-up, support and services after an overdose",
        ConsentKind.TPO: "For treatment, payment and health care operations",
    },
    "es": {
        ConsentKind.PARTICIPATION: "Para ofrecerme seguimiento, apoyo y servicios después de una sobredosis",
        ConsentKind.TPO: "Para tratamiento, pago y operaciones de atención médica",
    },
}

# The 2.32 notice in Spanish, for the reader's understanding; the English text is the one the rule prescribes.
NOTICE_2_32_ES = (
    "Este registro que se le ha divulgado está protegido por las normas federales de confidencialidad (42 CFR "
    "parte 2). Estas normas le prohíben usar o divulgar este registro, o testimonios que describan la información "
    "que contiene, en cualquier procedimiento civil, penal, administrativo o legislativo de cualquier autoridad "
    "federal, estatal o local contra el paciente, a menos que el paciente lo autorice con su consentimiento, salvo "
    "lo dispuesto en 42 CFR 2.12(c)(5) o lo que autorice un tribunal de conformidad con 42 CFR 2.64 o 2.65. "
    "Además, las normas federales le prohíben hacer cualquier otro uso o divulgación de este registro, a menos que "
    "se cumpla al menos una de las siguientes condiciones: (i) el consentimiento por escrito de la persona cuya "
    "información se divulga en este registro permite expresamente el uso o la divulgación posterior, o lo permite "
    "de otro modo 42 CFR parte 2; (ii) usted es una entidad cubierta o un socio comercial y recibió el registro "
    "para tratamiento, pago u operaciones de atención médica; o (iii) usted recibió el registro de una entidad "
    "cubierta o de un socio comercial según lo permitido por 45 CFR parte 164, subpartes A y E. Una autorización "
    "general para divulgar información médica o de otro tipo NO es suficiente para cumplir los requisitos del "
    "consentimiento por escrito para usar o volver a divulgar el registro (consulte 42 CFR 2.31)."
)

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "law_intro": "These records are protected by federal confidentiality rules (42 CFR part 2). They may be "
        "disclosed only as this consent allows, or as those rules otherwise permit.",
        "h_name": "1. Participant's name",
        "h_discloser": "2. Who may disclose the information",
        "h_what": "3. What information, described specifically",
        "h_categories": "Kinds of information",
        "h_description": "Description (what and how much)",
        "h_to_whom": "4. To whom",
        "h_purpose": "5. Purpose",
        "h_revoke": "6. My right to revoke this consent",
        "h_expiry": "7. When this consent ends",
        "expires_on": "On this date:",
        "expiry_event": "Or when this happens:",
        "h_signature": "8. Signature and date",
        "signature_line": "Signature of the participant, or of the person signing for them",
        "signed_on": "Date signed:",
        "h_signer": "9. If someone other than the participant signs",
        "signer_name": "Name of the person signing:",
        "signer_authority": "Their authority to sign for the participant (for example, legal guardian):",
        "signer_none": "The participant signed for themselves.",
        "verbal": "The participant gave this consent verbally, and the witness named here heard it.",
        "witness": "Witness:",
        "drawn": "Signed on the screen:",
        "signature_alt": "The signature drawn on the screen",
        "to_whom_participation": "Only the program's own team. Nothing is disclosed outside the team under this "
        "consent.",
        "to_whom_class": "This class of recipients:",
        "to_whom_agency": "This organization:",
        "condition": "The program will not make my treatment, services, enrollment or eligibility for benefits "
        "depend on whether I sign this consent.",
        "redisclosure": "If a recipient is a covered entity or business associate under HIPAA, my records may be "
        "redisclosed as the HIPAA rules permit, except for use in civil, criminal, administrative "
        "or legislative proceedings against me.",
        "general_release": "Check each kind of information that may be disclosed and describe it specifically. A "
        "general release, such as “all records”, is not valid.",
        "chosen": "chosen",
        "not_chosen": "not chosen",
        "h_notice": "What each recipient is told",
        "notice_intro": "Every disclosure under this consent carries this notice, required by 42 CFR 2.32:",
        "notice_translation": "",
        "copy": "The participant may ask for a copy of this form.",
        "revoked": "REVOKED on {date}. Nothing is disclosed under this consent any more.",
        "expired": "EXPIRED on {date}. Nothing is disclosed under this consent any more.",
        "recorded": "Recorded on {date}.",
    },
    "es": {
        "law_intro": "Estos registros están protegidos por las normas federales de confidencialidad (42 CFR parte "
        "2). Solo pueden divulgarse según lo permita este consentimiento, o según lo permitan de otro "
        "modo esas normas.",
        "h_name": "1. Nombre del participante",
        "h_discloser": "2. Quién puede divulgar la información",
        "h_what": "3. Qué información (descrita de forma específica)",
        "h_categories": "Tipos de información",
        "h_description": "Descripción (qué información y cuánta)",
        "h_to_whom": "4. A quién",
        "h_purpose": "5. Propósito",
        "h_revoke": "6. Mi derecho a revocar este consentimiento",
        "h_expiry": "7. Cuándo termina este consentimiento",
        "expires_on": "En esta fecha:",
        "expiry_event": "O cuando ocurra lo siguiente:",
        "h_signature": "8. Firma y fecha",
        "signature_line": "Firma del participante, o de la persona que firma en su nombre",
        "signed_on": "Fecha de la firma:",
        "h_signer": "9. Si firma otra persona en lugar del participante",
        "signer_name": "Nombre de la persona que firma:",
        "signer_authority": "Su autoridad para firmar en nombre del participante (por ejemplo, tutor legal):",
        "signer_none": "El participante firmó por sí mismo.",
        "verbal": "El participante dio este consentimiento de forma verbal, y el testigo aquí nombrado lo escuchó.",
        "witness": "Testigo:",
        "drawn": "Firmado en la pantalla:",
        "signature_alt": "La firma trazada en la pantalla",
        "to_whom_participation": "Solo el propio equipo del programa. Con este consentimiento no se divulga nada "
        "fuera del equipo.",
        "to_whom_class": "Este grupo de destinatarios:",
        "to_whom_agency": "Esta organización:",
        "condition": "El programa no condicionará mi tratamiento, mis servicios, mi inscripción ni mi elegibilidad "
        "para recibir beneficios a que yo firme este consentimiento.",
        "redisclosure": "Si un destinatario es una entidad cubierta o un socio comercial según HIPAA, mis registros "
        "podrán volver a divulgarse según lo permitan las normas de HIPAA, excepto para usarlos en "
        "procedimientos civiles, penales, administrativos o legislativos en mi contra.",
        "general_release": "Marque cada tipo de información que se puede divulgar y descríbala de forma "
        "específica. Una autorización general, como «todos los registros», no es válida.",
        "chosen": "marcado",
        "not_chosen": "no marcado",
        "h_notice": "Lo que se le informa a cada destinatario",
        "notice_intro": "Cada divulgación que se haga con este consentimiento lleva este aviso, exigido por 42 CFR "
        "2.32:",
        "notice_translation": "Traducción al español, para su información (el texto oficial en inglés aparece a "
        "continuación):",
        "copy": "El participante puede pedir una copia de este formulario.",
        "revoked": "REVOCADO el {date}. Ya no se divulga nada con este consentimiento.",
        "expired": "VENCIDO el {date}. Ya no se divulga nada con este consentimiento.",
        "recorded": "Registrado el {date}.",
    },
}
