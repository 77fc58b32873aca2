"""Reading pages in tests: the error shown beside a form field, the value an input holds."""

import html
import re


def field_errors(response, name: str) -> str:
    """The error text shown beside one field ('' if none)."""
    found = re.search(rf'<ul class="field-error" id="id_{name}_error">(.*?)</ul>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def input_value(response, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}" value="([^"]*)"', response.content.decode())
    return html.unescape(found.group(1)) if found else ""
