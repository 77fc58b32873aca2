"""Normalization used for matching: names folded to what they look like, phones as E.164.

A name's key ignores case, accents, punctuation, spacing and characters nobody can see, and it folds
letters that look alike (the skeleton of Unicode Technical Standard #39): "Mаria" typed with a Cyrillic
"а" and "Ｍａｒｉａ" in fullwidth letters are both "Maria". The table of lookalikes is Unicode's own
`confusables.txt` (`data/confusables.txt`, version 13.0.0, kept as published).
"""

import re
import unicodedata
from functools import cache
from pathlib import Path

import phonenumbers

CONFUSABLES_FILE = Path(__file__).with_name("data") / "confusables.txt"
NAME_KEY_MAX_LENGTH = 220  # Participant.name_key and ParticipantAlias.name_key
_LINE = re.compile(r"^([0-9A-F]{4,6})\s*;\s*([0-9A-F ]+?)\s*;")


def strip_invisible(value: str) -> str:
    """Remove the characters nobody sees (Unicode category Cf: zero-width spaces and joiners, the
    byte-order mark, soft hyphens, and the bidirectional overrides and isolates that make a name show
    in another order than it is stored). Everything visible, spacing included, is kept."""
    return "".join(ch for ch in value or "" if unicodedata.category(ch) != "Cf")


@cache
def _prototypes() -> dict[int, str]:
    """Each confusable character and the prototype it looks like ("а" -> "a", "ｍ" -> "m")."""
    table: dict[int, str] = {}
    with CONFUSABLES_FILE.open(encoding="utf-8-sig") as lines:
        for line in lines:
            found = _LINE.match(line)
            if found:
                source, target = found.groups()
                table[int(source, 16)] = "".join(chr(int(code, 16)) for code in target.split())
    return table


def _fold(value: str) -> str:
    """Compatibility folding and case folding, without accents or other combining marks."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    return "".join(ch for ch in unicodedata.normalize("NFD", folded) if not unicodedata.combining(ch))


def normalize_name(value: str) -> str:
    """'José  O'Brien-Smith' and 'JOSE OBRIEN SMITH' give the same key; so do 'Maria' and 'Mаria'.

    Letters of every script are kept (a Greek or Cyrillic name matches itself); digits, punctuation,
    spaces and invisible characters are dropped. Folding and mapping to prototypes repeat until
    nothing changes, because a prototype can itself fold further ("М" -> "M" -> "m" -> "rn").
    """
    text = _fold(strip_invisible(value or ""))
    text = "".join(ch for ch in text if ch.isalpha())
    table = _prototypes()
    for _round in range(4):
        mapped = _fold(text.translate(table))
        if mapped == text:
            break
        text = mapped
    return "".join(ch for ch in text if ch.isalpha())


def name_key(first_name: str, last_name: str) -> str:
    first, last = normalize_name(first_name), normalize_name(last_name)
    if not (first or last):
        return ""
    # Folding can lengthen a name ("m" -> "rn"); the key must still fit its column.
    half = (NAME_KEY_MAX_LENGTH - 1) // 2
    return f"{first[:half]}|{last[:half]}"


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
