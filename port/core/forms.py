"""Small helpers for forms that every app shares."""

from typing import TypeVar

from django import forms

_Field = TypeVar("_Field", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[_Field]) -> _Field:
    """The form's field `name`, as the kind of field it was declared as, to set what only that kind has
    (a choice field's choices, a model choice field's queryset). A field of another kind is a mistake in
    the form, not in what was typed: TypeError."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field
