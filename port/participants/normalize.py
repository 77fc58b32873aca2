"""Normalization used for matching: names without case or accents, phones as E.164."""

import re
import unicodedata

import phonenumbers

_NOT_LETTERS = re.compile(r"[^a-z]+")


def normalize_name(value: str) -> str:
    """'José  O'Brien-Smith' -> 'joseobriensmith'."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NOT_LETTERS.sub("", ascii_only)


def name_key(first_name: str, last_name: str) -> str:
    first, last = normalize_name(first_name), normalize_name(last_name)
    return f"{first}|{last}" if (first or last) else ""


class InvalidPhone(ValueError):
    pass


def normalize_phone(value: str, region: str = "US") -> str:
    """Return E.164 ('+15555550123'), '' for blank, or raise InvalidPhone."""
    if not value or not value.strip():
        return ""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhone("not a possible number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return e164
