"""`{% load display %}` then `{{ user|display_name }}`: a person's name as port.core.names gives it."""

from typing import Any

from django import template

from port.core import names

register = template.Library()


@register.filter
def display_name(user: Any) -> str:
    """Their full name, or their username when they gave no name; "" for nobody."""
    return names.display_name(user)
