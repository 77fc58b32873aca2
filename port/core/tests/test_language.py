"""Pages are labelled with the language actually served: English until a translation exists."""

import re

from django.test import Client
from django.urls import reverse

from port.settings import interface_languages


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]*)"', response.content.decode()).group(1)


def test_a_browser_asking_for_spanish_gets_an_english_page_labelled_english(cast):
    client = cast.verified_client_for(cast.supervisor)
    response = client.get(reverse("referrals:queue"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert html_lang(response) == "en"
    assert response.headers.get("Content-Language", "en") == "en"


def test_the_sign_in_page_asked_for_in_spanish_is_labelled_english(db):
    response = Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    assert html_lang(response) == "en"


def test_a_language_is_offered_once_its_catalog_exists(tmp_path):
    assert interface_languages(tmp_path) == [("en", "English")]
    (tmp_path / "es" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "es" / "LC_MESSAGES" / "django.mo").write_bytes(b"")
    assert interface_languages(tmp_path) == [("en", "English"), ("es", "Español")]


def test_a_spanish_consent_form_still_says_it_is_spanish(cast):
    client = cast.client_for(cast.peer)
    response = client.get(reverse("consent:blank_form", args=["participation", "es"]), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert 'class="consent-document" lang="es"' in response.content.decode()
