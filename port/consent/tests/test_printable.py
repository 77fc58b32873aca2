"""The printable consent form, in English and in Spanish: a recorded consent shows every element as it was
given; a blank form for each kind and language is ready to sign on paper. Plus the page furniture the
strict CSP needs: the signature pad is a JavaScript file, and no template has inline script."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from port.consent.gate import NOTICE_2_32
from port.consent.models import ConsentKind
from port.consent.services import consent_revoke
from port.consent.wording import NOTICE_2_32_ES
from port.testing.consent import record


def printed(cast, consent, language: str | None = None) -> str:
    url = reverse("consent:print", args=[consent.public_id]) + (f"?language={language}" if language else "")
    response = cast.client_for(cast.peer).get(url)
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index("<article") : page.index("</article>")]


def spanish_consent(cast, network, participant):
    return record(
        cast,
        participant,
        language="es",
        recipient_agency=network.treatment,
        expires_on=dt.date(2099, 3, 5),
        information_description="Nombre, fecha de nacimiento y si el equipo logró contactar a Dana",
        purpose="Para programar una cita de admisión en la clínica",
        revocation_statement="Entiendo que puedo revocar este consentimiento en cualquier momento.",
        expiry_event="Cuando termine el tratamiento",
        signed_by_name="Lee Whitfield",
        signer_authority="Tutor legal",
    )


def test_a_recorded_consent_prints_every_element_in_english(cast, network, participant):
    consent = record(
        cast,
        participant,
        recipient_agency=network.treatment,
        expires_on=dt.date(2099, 3, 5),
        signed_by_name="Lee Whitfield",
        signer_authority="Legal guardian",
    )
    article = printed(cast, consent)
    assert 'lang="en"' in article
    for text in (
        "Consent to disclose substance use information to a named recipient",
        "1. Participant&#x27;s name",
        "Dana Whitfield",
        "2. Who may disclose the information",
        "Riverside PORT",
        "3. What information, described specifically",
        "Name and date of birth",
        "(chosen)",
        "(not chosen)",
        "whether the team reached Dana after the overdose of March 3",
        "4. To whom",
        "Riverside Recovery Clinic",
        "5. Purpose",
        "To arrange an intake appointment at the clinic",
        "6. My right to revoke this consent",
        "I may revoke this consent at any time",
        "The program will not make my treatment, services",
        "7. When this consent ends",
        "March 5, 2099",
        "When I finish treatment at the clinic",
        "8. Signature and date",
        "Signed on the screen:",
        reverse("consent:signature", args=[consent.public_id]),
        "9. If someone other than the participant signs",
        "Lee Whitfield",
        "Legal guardian",
        NOTICE_2_32[:120],
    ):
        assert text in article, text
    assert re.search(r"Date signed: <strong>\w+ \d+, \d{4}</strong>", article)


def test_a_recorded_consent_prints_every_element_in_spanish(cast, network, participant):
    consent = spanish_consent(cast, network, participant)
    article = printed(cast, consent)  # in the consent's own language by default
    assert 'lang="es"' in article
    for text in (
        "Consentimiento para divulgar información sobre el uso de sustancias a un destinatario nombrado",
        "Estos registros están protegidos por las normas federales de confidencialidad (42 CFR parte 2)",
        "1. Nombre del participante",
        "Dana Whitfield",
        "2. Quién puede divulgar la información",
        "Riverside PORT",
        "3. Qué información (descrita de forma específica)",
        "Nombre y fecha de nacimiento",
        "(marcado)",
        "Nombre, fecha de nacimiento y si el equipo logró contactar a Dana",
        "4. A quién",
        "Esta organización:",
        "Riverside Recovery Clinic",
        "5. Propósito",
        "Para programar una cita de admisión en la clínica",
        "6. Mi derecho a revocar este consentimiento",
        "Entiendo que puedo revocar este consentimiento",
        "El programa no condicionará mi tratamiento",
        "7. Cuándo termina este consentimiento",
        "5 de marzo de 2099",
        "Cuando termine el tratamiento",
        "8. Firma y fecha",
        "Firmado en la pantalla:",
        "La firma trazada en la pantalla",
        "9. Si firma otra persona en lugar del participante",
        "Lee Whitfield",
        "Tutor legal",
        "Lo que se le informa a cada destinatario",
        NOTICE_2_32_ES[:120],
        NOTICE_2_32[:120],
    ):
        assert text in article, text
    # The English interface words stay out of the Spanish form.
    for english in ("Participant's name", "Who may disclose", "Purpose", "Signed on the screen", "chosen)"):
        assert english not in article, english


def test_the_same_consent_can_be_printed_in_the_other_language(cast, network, participant):
    consent = spanish_consent(cast, network, participant)
    article = printed(cast, consent, language="en")
    assert 'lang="en"' in article and "6. My right to revoke this consent" in article
    assert "March 5, 2099" in article


def test_a_revoked_consent_prints_as_revoked(cast, network, participant):
    consent = spanish_consent(cast, network, participant)
    consent_revoke(by=cast.peer, consent=consent, note="Por teléfono")
    assert "REVOCADO el" in printed(cast, consent)
    assert "REVOKED on" in printed(cast, consent, language="en")


def test_verbal_consent_prints_its_witness(cast, network, participant):
    consent = record(
        cast, participant, recipient_agency=network.treatment, signature_method="verbal", witness_name="Quinn Tester"
    )
    article = printed(cast, consent)
    assert "gave this consent verbally" in article and "Quinn Tester" in article and "<img" not in article


def test_a_tpo_consent_prints_its_class_and_the_redisclosure_statement(cast, participant):
    consent = record(
        cast,
        participant,
        kind=ConsentKind.TPO,
        recipient_class="My treating providers and health plans",
        purpose="For treatment, payment and health care operations",
    )
    article = printed(cast, consent)
    assert "This class of recipients:" in article and "My treating providers and health plans" in article
    assert "may be redisclosed as the HIPAA rules permit" in article


def test_a_participation_consent_discloses_to_nobody_outside_the_team(cast, participant):
    consent = record(cast, participant, kind=ConsentKind.PARTICIPATION)
    article = printed(cast, consent)
    assert "Only the program&#x27;s own team." in article and NOTICE_2_32[:80] not in article


@pytest.mark.parametrize("kind", ConsentKind.values)
@pytest.mark.parametrize(
    "language, title_word, revoke_words",
    [
        ("en", "Consent", "I understand that I may revoke this consent at any time"),
        ("es", "Consentimiento", "Entiendo que puedo revocar este consentimiento en cualquier momento"),
    ],
)
def test_a_blank_form_for_every_kind_and_language(cast, kind, language, title_word, revoke_words):
    response = cast.client_for(cast.peer).get(reverse("consent:blank_form", args=[kind, language]))
    assert response.status_code == 200
    page = response.content.decode()
    article = page[page.index("<article") : page.index("</article>")]
    assert f'lang="{language}"' in article and f"<h1>{title_word}" in article
    assert revoke_words in article and "Riverside PORT" in article
    assert article.count('class="write-line"') >= 4  # name, dates, signer: lines to write on
    if kind == ConsentKind.PARTICIPATION:
        assert NOTICE_2_32[:80] not in article
    else:
        assert NOTICE_2_32[:80] in article
    if language == "es":
        assert "«todos los registros», no es válida" in article


def test_an_unknown_blank_form_is_404(cast):
    client = cast.client_for(cast.peer)
    assert client.get(reverse("consent:blank_form", args=["everything", "en"])).status_code == 404
    assert client.get(reverse("consent:blank_form", args=["tpo", "fr"])).status_code == 404


def test_blank_forms_are_for_the_team(cast, network):
    url = reverse("consent:blank_forms")
    page = cast.client_for(cast.peer).get(url).content.decode()
    assert reverse("consent:blank_form", args=["counseling_notes", "es"]) in page
    for member in (cast.partner, network.provider, network.law_enforcement, network.analyst):
        assert cast.client_for(member).get(url).status_code == 403


# ---- no inline script: a strict CSP later ----


def test_the_signature_pad_is_a_javascript_file_the_form_loads(cast, participant):
    path = finders.find("consent/signature.js")
    assert path is not None
    source = Path(path).read_text()
    assert 'toDataURL("image/png")' in source and "pointerdown" in source
    page = cast.client_for(cast.peer).get(reverse("consent:new", args=[participant.public_id, "disclosure"]))
    assert '<script src="/static/consent/signature.js" defer></script>' in page.content.decode()
    assert "<canvas" in page.content.decode()


def template_files() -> list[Path]:
    root = Path(settings.BASE_DIR) / "port"
    return sorted(root.glob("*/templates/**/*.html"))


def test_no_template_has_inline_script_or_style_attributes():
    opening = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
    offenders = []
    for path in template_files():
        text = path.read_text()
        for match in opening.finditer(text):
            attributes = match.group(1)
            # A file (src=) is allowed; so is inert JSON data, which a CSP does not run.
            if "src=" not in attributes and 'type="application/json"' not in attributes:
                offenders.append(f"{path}: {match.group(0)}")
        if re.search(r"\son[a-z]+=\"", text) or ' style="' in text:
            offenders.append(f"{path}: inline handler or style")
    assert template_files() and not offenders, offenders
