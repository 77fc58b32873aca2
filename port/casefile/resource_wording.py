"""The fixed words of a resource list, in English and Spanish, written out here as the consent forms'
are (port/consent/wording.py): the list is handed to the person, so a Spanish list is wholly Spanish
whatever language the screen is in. None of it names overdose, substance use or the program's purpose:
the list says "Resources" and what each service is, in the directory's own category names."""

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Resources",
        "for_you": "Resources for you",
        "phone": "Phone",
        "address": "Address",
        "hours_today": "Hours today",
        "what": "What it is for",
        "languages": "Languages",
        "walk_in": "Walk-in",
        "no_phone": "No phone listed",
        "no_address": "No address listed",
        "call_first": "Call before you go: hours can change.",
        "given_on": "Given on",
        "open_24": "Open 24 hours",
        "closed_today": "Closed today",
        "hours_unknown": "Call for hours",
    },
    "es": {
        "title": "Recursos",
        "for_you": "Recursos para usted",
        "phone": "Teléfono",
        "address": "Dirección",
        "hours_today": "Horario de hoy",
        "what": "Para qué es",
        "languages": "Idiomas",
        "walk_in": "Sin cita",
        "no_phone": "Sin teléfono",
        "no_address": "Sin dirección",
        "call_first": "Llame antes de ir: el horario puede cambiar.",
        "given_on": "Entregado el",
        "open_24": "Abierto las 24 horas",
        "closed_today": "Cerrado hoy",
        "hours_unknown": "Llame para el horario",
    },
}
LANGUAGES = {"en": "English", "es": "Español"}
