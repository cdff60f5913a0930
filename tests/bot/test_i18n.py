"""UI strings: every language has every message, with the same placeholders; the learner's locale picks it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.i18n import Messages, language_of

LOCALES = Path(__file__).resolve().parents[2] / "config" / "locale"
PLACEHOLDER = re.compile(r"{(\w+)}")


def test_every_locale_has_every_message_with_the_same_placeholders():
    english = json.loads((LOCALES / "en.json").read_text())
    for path in LOCALES.glob("*.json"):
        strings = json.loads(path.read_text())
        assert set(strings) == set(english), path.name
        for key, text in english.items():
            assert set(PLACEHOLDER.findall(strings[key])) == set(PLACEHOLDER.findall(text)), (path.name, key)


def test_the_slack_locale_chooses_the_language_with_english_as_fallback():
    assert language_of("es-ES") == "es" and language_of("es_MX") == "es"
    assert language_of("fr-FR") == "en" and language_of(None) == "en"
    assert Messages("es-ES")("button.save") == "Guardar"
    assert Messages("de-DE")("button.save") == "Save for later"


def test_every_message_that_names_the_person_has_a_twin_for_when_the_name_is_unknown():
    english = json.loads((LOCALES / "en.json").read_text())
    named = [key for key, text in english.items() if "{name}" in text]
    assert named and all(f"{key}_anonymous" in english for key in named)
    spanish = Messages("es")
    assert spanish.named("greeting.reply", "Luis").startswith("¡Hola, Luis!")
    assert spanish.named("greeting.reply", "").startswith("¡Hola! ")
