"""UI strings: every language has every message, with the same placeholders and the plural forms its language needs;
the learner's locale picks the nearest language, and numbers and dates are written the way that locale writes them."""

from __future__ import annotations

import json
import re
from datetime import date, time
from pathlib import Path

import pytest
from babel import Locale

from bot.i18n import Messages, language_of

LOCALES = Path(__file__).resolve().parents[2] / "config" / "locale"
PLACEHOLDER = re.compile(r"{(\w*)[^{}]*}")
NEW_LANGUAGES = ("pt-BR", "fr", "de", "ja")


def strings(tag: str) -> dict:
    return json.loads((LOCALES / f"{tag}.json").read_text(encoding="utf-8"))


def templates(entry: str | dict) -> list[str]:
    """A message's templates: itself, or each plural form."""
    return [entry] if isinstance(entry, str) else [text for form, text in entry.items() if form != "plural"]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def missing_and_extra(tag: str) -> list[str]:
    english, found = strings("en"), strings(tag)
    problems = [f"missing {key}" for key in english if key not in found]
    problems += [f"extra {key}" for key in found if key not in english]
    for key in english.keys() & found.keys():
        wanted = placeholders(templates(english[key])[-1])
        for text in templates(found[key]):
            if placeholders(text) != wanted:
                problems.append(f"{key}: {sorted(placeholders(text))} instead of {sorted(wanted)}")
    return problems


def test_the_ui_speaks_english_spanish_portuguese_french_german_and_japanese():
    assert sorted(p.stem for p in LOCALES.glob("*.json")) == sorted(["en", "es", *NEW_LANGUAGES])


@pytest.mark.parametrize("tag", sorted(p.stem for p in LOCALES.glob("*.json")))
def test_every_locale_has_every_message_with_the_same_placeholders_and_no_others(tag):
    assert missing_and_extra(tag) == []


@pytest.mark.parametrize("tag", sorted(p.stem for p in LOCALES.glob("*.json")))
def test_every_count_has_exactly_the_plural_forms_its_language_has_in_cldr(tag):
    categories = Locale.parse(tag, sep="-").plural_form.tags | {"other"}
    english = strings("en")
    for key, entry in strings(tag).items():
        if isinstance(english.get(key), dict) or isinstance(entry, dict):
            assert isinstance(entry, dict) and entry["plural"] == english[key]["plural"], (tag, key)
            assert set(entry) - {"plural"} == categories, (tag, key)


def test_placeholders_are_read_with_their_format_specs_and_positional_fields_too():
    assert placeholders("Hi {name}, {days:d} days") == {"name", "days"}
    assert placeholders("{} and {0}") == {"", "0"}  # a positional field is never filled: it counts as a mismatch


def test_the_slack_locale_chooses_the_nearest_language_with_english_as_fallback():
    assert language_of("es-ES") == "es" and language_of("es_MX") == "es" and language_of("es-LA") == "es"
    assert language_of("pt-BR") == "pt-BR" and language_of("pt-PT") == "pt-BR"
    assert language_of("fr-FR") == "fr" and language_of("fr-CA") == "fr"
    assert language_of("de-DE") == "de" and language_of("de-CH") == "de"
    assert language_of("ja-JP") == "ja" and language_of("JA_jp") == "ja"
    assert language_of("ko-KR") == "en" and language_of("en-GB") == "en" and language_of(None) == "en"
    assert language_of("") == "en" and language_of("not a locale") == "en"
    assert [Messages(tag)("button.save") for tag in ("es-ES", "pt-BR", "fr-FR", "de-DE", "ja-JP", "ko-KR")] == [
        "Guardar", "Salvar para depois", "Garder pour plus tard", "Für später merken", "あとで見る", "Save for later",
    ]  # fmt: skip


def test_every_message_that_names_the_person_has_a_twin_for_when_the_name_is_unknown():
    english = strings("en")
    named = [key for key, entry in english.items() if any("{name}" in text for text in templates(entry))]
    assert named and all(f"{key}_anonymous" in english for key in named)
    spanish = Messages("es")
    assert spanish.named("greeting.reply", "Luis").startswith("¡Hola, Luis!")
    assert spanish.named("greeting.reply", "").startswith("¡Hola! ")


def test_a_count_takes_the_plural_form_its_language_uses_for_it():
    english, french, portuguese, japanese = Messages("en-US"), Messages("fr-FR"), Messages("pt-BR"), Messages("ja")
    assert english("privacy.events", events=1) == "1 learning event"
    assert english("privacy.events", events=0) == "0 learning events"
    assert english("nudge.footer", cap=1, days=english.days(range(5))).startswith("At most 1 nudge a week, on weekdays")
    assert french("privacy.events", events=0) == "0 événement d’apprentissage"  # French: 0 and 1 are singular
    assert french("privacy.events", events=2) == "2 événements d’apprentissage"
    assert portuguese("privacy.events", events=1) == "1 evento de aprendizagem"
    assert portuguese("privacy.events", events=3) == "3 eventos de aprendizagem"
    assert japanese("privacy.events", events=1) == "学習の記録 1 件"  # Japanese: one form for every count
    assert Messages("es")("privacy.events", events=1_000_000) == "1.000.000 de eventos de aprendizaje"


def test_numbers_are_written_the_way_the_learners_locale_writes_them():
    assert Messages("de-DE")("privacy.events", events=1234) == "1.234 Lernereignisse"
    assert Messages("en-US")("privacy.events", events=1234) == "1,234 learning events"
    assert Messages("fr-FR").format(1234.5) == "1\u202f234,5"
    assert Messages("de-DE").format(2.5) == "2,5" and Messages("ja-JP").format(2.5) == "2.5"
    assert Messages("pt-PT").format(1234.5) == "1\u00a0234,5"  # Brazilian Portuguese text, Portugal's numbers


def test_dates_and_times_are_written_the_way_the_learners_locale_writes_them():
    day = date(2026, 12, 17)
    assert Messages("en-US")("nudges.snoozed", date=day) == "Nudges are snoozed until December 17, 2026."
    assert Messages("en-GB")("nudges.snoozed", date=day) == "Nudges are snoozed until 17 December 2026."
    assert "17. Dezember 2026" in Messages("de-DE")("nudges.snoozed", date=day)
    assert "2026年12月17日" in Messages("ja-JP")("nudges.snoozed", date=day)
    assert "17 de dezembro de 2026" in Messages("pt-BR")("nudges.snoozed", date=day)
    assert "17 décembre 2026" in Messages("fr-FR")("nudges.snoozed", date=day)
    assert Messages("en-US").format(time(16)) == "4:00\u202fPM" and Messages("de-DE").format(time(16)) == "16:00"
