from django.http import HttpRequest

from port.accounts.roles import nav_links


def membership(request: HttpRequest) -> dict:
    """The membership the request acts under, and the links of the main navigation its role sees."""
    member = getattr(request, "membership", None)
    return {"membership": member, "nav": nav_links(member.role if member else None)}
