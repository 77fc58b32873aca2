"""Display names: what a person who signs in is called on a page, in a list or in a message."""

from typing import Protocol


class _Named(Protocol):
    def get_full_name(self) -> str: ...

    def get_username(self) -> str: ...


def display_name(user: _Named | None) -> str:
    """Their full name, or their username when they gave no name; "" for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
