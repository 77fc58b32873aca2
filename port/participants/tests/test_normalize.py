"""Names that look the same normalize the same; invisible characters never reach a stored name."""

import pytest

from port.participants.normalize import name_key, normalize_name, strip_invisible

CYRILLIC_A = "\u0430"


def test_maria_with_a_cyrillic_a_normalizes_like_maria():
    assert f"M{CYRILLIC_A}ria" != "Maria"
    assert normalize_name(f"M{CYRILLIC_A}ria") == normalize_name("Maria")


def test_a_name_written_wholly_in_lookalike_cyrillic_letters_normalizes_like_the_latin_name():
    # С, о, р, е: Cyrillic capital es, small o, er, ie.
    assert normalize_name("\u0421\u043e\u0440\u0435") == normalize_name("Cope")


def test_fullwidth_letters_normalize_like_plain_ones():
    assert normalize_name("\uff2d\uff41\uff52\uff49\uff41") == normalize_name("Maria")  # Ｍａｒｉａ


def test_accents_case_and_punctuation_still_do_not_matter():
    assert normalize_name("José  O'Brien-Smith") == normalize_name("jose obriensmith")
    assert normalize_name("MARÍA") == normalize_name("María") == normalize_name("maria")


@pytest.mark.parametrize("name", ["Αλέξανδρος", "Мария", "Ольга", "Ζωή", "Дмитрий"])
def test_greek_and_cyrillic_names_keep_their_letters_and_match_themselves(name):
    assert normalize_name(name) != ""
    assert normalize_name(name) == normalize_name(name.upper()) == normalize_name(name.lower())


def test_different_greek_or_cyrillic_names_stay_different():
    assert normalize_name("Мария") != normalize_name("Ольга")
    assert normalize_name("Νίκος") != normalize_name("Ζωή")


@pytest.mark.parametrize(
    "invisible",
    [
        "\u200b",
        "\u200c",
        "\u200d",
        "\u2060",
        "\ufeff",
        "\u00ad",
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
    ],
)
def test_invisible_and_direction_characters_are_stripped_and_do_not_change_the_key(invisible):
    assert strip_invisible(f"Ma{invisible}ria{invisible}") == "Maria"
    assert name_key(f"Ma{invisible}ria", "Gonzalez") == name_key("Maria", "Gonzalez")


def test_stripping_keeps_every_visible_character_and_spacing_inside_a_name():
    assert strip_invisible("  Mary-Jo  O'Neil ") == "  Mary-Jo  O'Neil "
    assert strip_invisible("Zoë Ærø Дмитрий") == "Zoë Ærø Дмитрий"


def test_a_very_long_name_gives_a_key_that_fits_the_column():
    assert len(name_key("m" * 100, "m" * 100)) <= 220


def test_the_participant_services_never_store_invisible_characters_in_names(cast):
    from port.participants.services import participant_create, participant_update_from_referral

    person = participant_create(
        program=cast.program, first_name="\u202eAvery", last_name="Lane\u200b", preferred_name="A\u2066v"
    )
    participant_update_from_referral(participant=person, details={"first_name": "Ave\u200dry", "last_name": "Lin"})
    assert (person.first_name, person.last_name, person.preferred_name) == ("Avery", "Lane", "Av")
    assert [(a.first_name, a.last_name) for a in person.aliases.all()] == [("Avery", "Lin")]
