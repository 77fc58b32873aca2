"""Fixtures the admin tests share: the program admin's client and an installation superuser."""

import pytest
from django.test import Client

from port.accounts.models import User
from port.testing.factories import PASSWORD


@pytest.fixture
def admin_client_(cast) -> Client:
    return cast.client_for(cast.admin)


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(username="root", password=PASSWORD, email="root@example.org")


@pytest.fixture
def root_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client
