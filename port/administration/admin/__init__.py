"""The admin for the ground floor's models, found by the admin's autodiscover: programs (with their
set-up), acuity levels, field visibility and agencies; users and memberships; API tokens. Each module
registers its classes on port.accounts.admin_site.admin_site."""

from port.administration.admin import programs, tokens, users  # noqa: F401 (registers the admin classes)
