import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from port.accounts.models import User


@pytest.mark.parametrize(
    "password, problem",
    [
        ("Short1!pass", "at least 12 characters"),
        ("password1234", "too common"),
        ("839201746512", "entirely numeric"),
        ("pat.tester.riverside", "too similar"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(db, password, problem):
    user = User(username="pat.tester.riverside", first_name="Pat", last_name="Tester", email="pat@example.org")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert problem in " ".join(refused.value.messages)


def test_a_long_passphrase_is_accepted(db):
    validate_password("kettle orbit lantern mosaic", User(username="pat"))


def test_a_new_api_token_expires_in_a_year_unless_the_admin_chooses_otherwise(cast):
    response = cast.client_for(cast.admin).get(reverse("admin:accounts_apitoken_add"))
    initial = response.context["adminform"].form.initial["expires_at"]
    assert abs(initial - (timezone.now() + dt.timedelta(days=365))) < dt.timedelta(minutes=1)


def test_people_change_their_password_on_a_page_of_the_app_and_a_weak_one_is_refused(cast):
    from port.testing.factories import PASSWORD

    client = cast.client_for(cast.peer)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert [t.name for t in page.templates][:2] == ["registration/password_change_form.html", "base.html"]
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "password1234", "new_password2": "password1234"},
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
