"""The Brief Assessment of Recovery Capital (BARC-10), written out in English and Spanish.

Source: Vilsaint CL, Kelly JF, Bergman BG, Groshkova T, Best D, White W. "Development and validation of a
Brief Assessment of Recovery Capital (BARC-10) for alcohol and drug use disorder." Drug and Alcohol
Dependence 2017;177:71-76. Free to use. Ten statements, each rated 1 (strongly disagree) to 6 (strongly
agree); the total (10 to 60) is the sum, none reverse-scored; a total of 47 or more was associated with
sustained remission (more than 12 months).

The English statements are the published items, word for word. The Spanish is this project's own
translation (no published Spanish version is known to the project): plain words, "tú"-free neutral
register, with both genders where Spanish marks one ("contento/a"). Like the consent wording
(port/consent/wording.py), both are written here rather than left to translation catalogs, so a Spanish
form is wholly Spanish whatever language the peer's screen is in.
"""

from dataclasses import dataclass

ITEM_COUNT = 10
LOWEST, HIGHEST = 1, 6
TOTAL_MIN, TOTAL_MAX = ITEM_COUNT * LOWEST, ITEM_COUNT * HIGHEST
# A total at or above this was associated with sustained remission in the paper.
REMISSION_CUT_OFF = 47

CITATION = (
    "Vilsaint CL, Kelly JF, Bergman BG, Groshkova T, Best D, White W. Development and validation of a Brief "
    "Assessment of Recovery Capital (BARC-10) for alcohol and drug use disorder. Drug and Alcohol Dependence "
    "2017;177:71-76."
)

ITEMS = {
    "en": (
        "There are more important things to me in life than using substances.",
        "In general I am happy with my life.",
        "I have enough energy to complete the tasks I set myself.",
        "I am proud of the community I live in and feel part of it.",
        "I get lots of support from friends.",
        "I regard my life as challenging and fulfilling without the need for using drugs or alcohol.",
        "My living space has helped to drive my recovery journey.",
        "I take full responsibility for my actions.",
        "I am happy dealing with a range of professional people.",
        "I am making good progress on my recovery journey.",
    ),
    "es": (
        "En mi vida hay cosas más importantes para mí que consumir sustancias.",
        "En general, estoy contento/a con mi vida.",
        "Tengo suficiente energía para terminar las tareas que me propongo.",
        "Estoy orgulloso/a de la comunidad donde vivo y me siento parte de ella.",
        "Recibo mucho apoyo de mis amigos.",
        "Veo mi vida como un reto que me llena, sin necesidad de consumir drogas o alcohol.",
        "El lugar donde vivo me ha ayudado a avanzar en mi camino de recuperación.",
        "Asumo toda la responsabilidad de mis actos.",
        "Me siento bien tratando con distintos tipos de profesionales.",
        "Estoy avanzando bien en mi camino de recuperación.",
    ),
}

SCALE = {
    "en": ("Strongly disagree", "Disagree", "Somewhat disagree", "Somewhat agree", "Agree", "Strongly agree"),
    "es": (
        "Totalmente en desacuerdo",
        "En desacuerdo",
        "Algo en desacuerdo",
        "Algo de acuerdo",
        "De acuerdo",
        "Totalmente de acuerdo",
    ),
}


@dataclass(frozen=True)
class Wording:
    """Everything the form says in one language."""

    language: str
    title: str
    instructions: str
    items: tuple[str, ...]
    scale: tuple[str, ...]
    credit: str
    translation_note: str


WORDING = {
    "en": Wording(
        language="en",
        title="Brief Assessment of Recovery Capital (BARC-10)",
        instructions=(
            "Here are some statements about your life now. For each one, say how much you agree, from 1 "
            "(strongly disagree) to 6 (strongly agree). There are no right or wrong answers."
        ),
        items=ITEMS["en"],
        scale=SCALE["en"],
        credit="BARC-10: " + CITATION,
        translation_note="",
    ),
    "es": Wording(
        language="es",
        title="Evaluación breve del capital de recuperación (BARC-10)",
        instructions=(
            "Estas son algunas frases sobre su vida ahora. Para cada una, diga qué tan de acuerdo está, del 1 "
            "(totalmente en desacuerdo) al 6 (totalmente de acuerdo). No hay respuestas buenas ni malas."
        ),
        items=ITEMS["es"],
        scale=SCALE["es"],
        credit="BARC-10: " + CITATION,
        translation_note=(
            "Traducción al español hecha por este proyecto; no es una versión publicada ni validada del BARC-10."
        ),
    ),
}

LANGUAGES = tuple(WORDING)


def barc10_total(answers: list[int]) -> int:
    """The BARC-10 total: the sum of the ten answers (none is reverse-scored)."""
    if len(answers) != ITEM_COUNT or any(not LOWEST <= a <= HIGHEST for a in answers):
        raise ValueError("ten answers from 1 to 6")
    return sum(answers)
