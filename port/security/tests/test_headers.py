"""Security headers, `check --deploy`, CSRF on every form, and templates fit for the strict CSP."""

import io
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

PORT_DIR = Path(__file__).resolve().parents[2]

STRICT_CSP = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
}


def csp_directives(response) -> set[str]:
    return {part.strip() for part in response["Content-Security-Policy"].split(";")}


@pytest.mark.parametrize("url", ["/accounts/login/", "/help/riverside/", "/api/v1/docs", "/no-such-page/"])
def test_every_page_sends_the_strict_content_security_policy(cast, url):
    response = Client().get(url)
    assert csp_directives(response) == STRICT_CSP
    assert "unsafe" not in response["Content-Security-Policy"]


def test_signed_in_pages_and_the_admin_send_it_too(cast):
    assert csp_directives(cast.client_for(cast.peer).get(reverse("referrals:my_queue"))) == STRICT_CSP
    assert csp_directives(cast.client_for(cast.admin).get(reverse("admin:index"))) == STRICT_CSP


def test_framing_sniffing_and_referrers_are_refused(cast):
    response = Client().get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=False)
def test_hsts_is_sent_over_https(db):
    assert Client().get(reverse("login"), secure=True)["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
    )
    assert "Strict-Transport-Security" not in Client().get(reverse("login"))


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_to_https(db):
    response = Client().get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"


def test_the_api_docs_page_loads_only_local_scripts_and_no_inline_code(db):
    page = Client().get("/api/v1/docs").content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", page)
    assert scripts
    for attributes in scripts:
        assert 'src="/static/' in attributes or 'type="application/json"' in attributes, attributes
    assert "style=" not in page
    assert re.findall(r'<link [^>]*href="([^"]+)"', page) and all(
        href.startswith("/static/") for href in re.findall(r'<link [^>]*href="([^"]+)"', page)
    )


# --- check --deploy ------------------------------------------------------------------------------


PRODUCTION_LIKE = {
    "DEBUG": False,
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": ["port.example.org"],
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
    "FIELD_ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
    "AUDIT_HMAC_KEY": secrets.token_urlsafe(50),
}


@pytest.fixture
def no_browser_test_environment(db):
    """The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a production server never
    has it. Taken away for the test only, and given back before the database is rolled back: a process that
    has run browser tests still has Playwright's event loop, and Django refuses the rollback without it."""
    saved = os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    yield
    if saved is not None:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


def test_check_deploy_finds_nothing_to_warn_about_with_production_settings(db, no_browser_test_environment):
    out = io.StringIO()
    with override_settings(**PRODUCTION_LIKE):
        # Raises SystemCheckError on any warning.
        call_command("check", "--deploy", fail_level="WARNING", stdout=out)
    assert "System check identified no issues" in out.getvalue()


def test_check_deploy_catches_a_production_setting_left_out(db, no_browser_test_environment):
    from django.core.management.base import SystemCheckError

    with override_settings(**{**PRODUCTION_LIKE, "SECURE_HSTS_SECONDS": 0}), pytest.raises(SystemCheckError):
        call_command("check", "--deploy", fail_level="WARNING", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_documented_production_environment_alone_passes_check_deploy(tmp_path):
    """The settings module itself, given only what docs/deployment.md asks for, turns everything on."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECURE_COOKIES",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env |= {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "port.example.org",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PORT_VAR_DIR": str(tmp_path),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "port.settings",
    }
    result = subprocess.run(  # noqa: S603 (our own interpreter and manage.py, fixed arguments)
        [sys.executable, str(PORT_DIR.parent / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    shown = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
            "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=PORT_DIR.parent,
    )
    assert shown.stdout.split() == ["True", "31536000", "True", "True", "True"]


# --- CSRF ----------------------------------------------------------------------------------------


def csrf_client(membership=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if membership is not None:
        client.force_login(membership.user)
    return client


def test_forms_posted_without_a_csrf_token_are_refused(cast):
    anonymous = csrf_client()
    assert anonymous.post(reverse("login"), {"username": "pat", "password": "x"}).status_code == 403
    assert anonymous.post(reverse("password_reset"), {"email": "pat@example.org"}).status_code == 403
    assert anonymous.post(reverse("public:help", args=[cast.program.slug]), {}).status_code == 403
    peer = csrf_client(cast.peer)
    assert peer.post(reverse("referrals:new"), {}).status_code == 403
    assert peer.post(reverse("accounts:program_switch"), {"program": cast.program.pk}).status_code == 403
    assert peer.post(reverse("security:enrol"), {"code": "123456"}).status_code == 403
    assert peer.post(reverse("logout")).status_code == 403
    admin = csrf_client(cast.admin)
    assert (
        admin.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "reset_two_factor", "_selected_action": [cast.peer.user.pk]},
        ).status_code
        == 403
    )


def test_the_same_form_with_its_token_goes_through(cast):
    from port.testing.factories import PASSWORD

    client = csrf_client()
    client.get(reverse("login"))
    response = client.post(
        reverse("login"),
        {"username": "pat", "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 302


TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)


def templates() -> list[Path]:
    return sorted(path for path in PORT_DIR.rglob("templates/**/*.html") if "tests" not in path.parts)


def test_every_post_form_in_every_template_carries_a_csrf_token():
    missing = []
    for path in templates():
        text = path.read_text()
        for form in re.finditer(r"<form\b[^>]*method=\"post\"[^>]*>", text, re.IGNORECASE):
            end = text.find("</form>", form.end())
            if "{% csrf_token %}" not in text[form.end() : end if end != -1 else None]:
                missing.append(str(path.relative_to(PORT_DIR)))
    assert missing == []


def test_no_template_has_inline_script_style_or_event_handlers():
    """The CSP would block them: scripts and styles come from static files only."""
    problems = []
    patterns = {
        "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
        "style element": re.compile(r"<style\b", re.I),
        "style attribute": re.compile(r"\sstyle\s*=", re.I),
        "event handler": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I),
        "javascript: URL": re.compile(r"javascript:", re.I),
    }
    for path in templates():
        text = TEMPLATE_COMMENT.sub("", path.read_text())
        for name, pattern in patterns.items():
            if pattern.search(text):
                problems.append(f"{path.relative_to(PORT_DIR)}: {name}")
    assert problems == []


def test_base_html_keeps_htmx_from_injecting_inline_styles():
    base = (PORT_DIR / "core" / "templates" / "base.html").read_text()
    assert '"includeIndicatorStyles": false' in base


def test_settings_name_no_third_party_host_in_the_policy():
    for sources in django_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].values():
        assert all(source in {"'self'", "'none'", "data:"} for source in sources)
