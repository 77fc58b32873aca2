import pytest

from port.accounts.models import Organization, OrganizationKind
from port.accounts.roles import Role
from port.testing.cast import make_member
from port.testing.linkage import person_build


@pytest.fixture
def person(cast):
    return person_build(cast)


@pytest.fixture
def clinic(cast) -> Organization:
    return Organization.objects.create(
        program=cast.program, name="Northside Methadone Clinic", kind=OrganizationKind.TREATMENT
    )


@pytest.fixture
def clinic_provider(cast, clinic):
    return make_member(cast.program, "carl", Role.PROVIDER, clinic)
