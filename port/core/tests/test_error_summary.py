"""Every form puts its error summary (core/form_errors.html) at the top, before its first field, and the
summary is something static/core/error_summary.js can move focus to."""

import re
from pathlib import Path

import pytest
from django import forms
from django.template.loader import render_to_string

import port

PORT = Path(port.__file__).parent
FORM = re.compile(r"<form\b.*?</form>", re.S)
FIELD = re.compile(r'\{%\s*include\s+"core/field\.html"|\{%\s*for\s+field\s+in\b')
SUMMARY = re.compile(r'\{%\s*include\s+"core/form_errors\.html"')


def templates_with_fields() -> list[Path]:
    return sorted(
        path
        for path in PORT.glob("*/templates/**/*.html")
        if any(FIELD.search(form) for form in FORM.findall(path.read_text()))
    )


def test_there_are_forms_to_check():
    assert len(templates_with_fields()) >= 25


@pytest.mark.parametrize("path", templates_with_fields(), ids=lambda path: str(path.relative_to(PORT)))
def test_every_form_with_fields_shows_its_error_summary_before_its_first_field(path):
    text = path.read_text()
    previous_end = 0
    for form in FORM.finditer(text):
        fields = FIELD.search(form.group())
        if fields:
            # In the form, or just above it (between the previous form and this one), before any field.
            before_first_field = text[previous_end : form.start() + fields.start()]
            assert SUMMARY.search(before_first_field), (
                f"{path.relative_to(PORT)}: the form at character {form.start()} has fields but no "
                '{% include "core/form_errors.html" %} before the first one'
            )
        previous_end = form.end()


class _Form(forms.Form):
    name = forms.CharField()


def test_a_form_with_errors_renders_a_focusable_summary_that_is_read_out():
    form = _Form(data={})
    assert not form.is_valid()
    html = render_to_string("core/form_errors.html", {"form": form})
    summary = re.search(r"<div [^>]*data-error-summary[^>]*>", html).group()
    assert 'id="error-summary"' in summary
    assert 'tabindex="-1"' in summary
    assert 'role="alert"' in summary


def test_a_form_without_errors_renders_no_summary():
    assert "data-error-summary" not in render_to_string("core/form_errors.html", {"form": _Form()})


def test_the_script_that_focuses_the_summary_is_on_every_page():
    base = (PORT / "core/templates/base.html").read_text()
    assert "{% static 'core/error_summary.js' %}" in base
    assert "<script>" not in base  # no inline script (strict CSP)
