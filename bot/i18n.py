"""UI strings from config/locale/<tag>.json, chosen from the learner's Slack locale (English fallback).

A catalog maps each key to a template (`str.format` placeholders) or, for a sentence that depends on a count, to a
plural entry: `{"plural": "<placeholder>", "one": ..., "other": ...}` with one template per CLDR plural category of
the catalog's language (Japanese has only `other`; French `one` covers 0 and 1). Numbers, dates and times given as
values are formatted for the learner's locale with Babel (1.234,5 in German, 2026年12月17日 in Japanese).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_day_names
from babel.lists import format_list
from babel.numbers import format_decimal

from learning.people.learners import Learner

DEFAULT_LANGUAGE = "en"
WORKWEEK = (0, 1, 2, 3, 4)  # Monday = 0
# Slack locales Babel does not know by that name: Slack's Latin American Spanish is CLDR's es-419.
SLACK_ALIASES = {"es-la": "es-419"}

Entry = str | dict[str, str]


def _locales_dir() -> Any:
    return resources.files("config") / "locale"


@cache
def supported() -> tuple[str, ...]:
    """The catalogs' tags (`en`, `pt-BR`, ...), English first."""
    tags = sorted(p.name.removesuffix(".json") for p in _locales_dir().iterdir() if p.name.endswith(".json"))
    return (DEFAULT_LANGUAGE, *(tag for tag in tags if tag != DEFAULT_LANGUAGE))


@cache
def catalog(tag: str) -> dict[str, Entry]:
    return json.loads((_locales_dir() / f"{tag}.json").read_text(encoding="utf-8"))


def _tag(locale: str | None) -> str:
    tag = (locale or "").strip().replace("_", "-").lower()
    return SLACK_ALIASES.get(tag, tag)


def language_of(locale: str | None) -> str:
    """The catalog nearest to a Slack locale: the same tag (pt-BR), else the same language (pt-PT -> pt-BR,
    fr-CA -> fr, es-LA -> es), else English."""
    tag = _tag(locale)
    exact = [s for s in supported() if s.lower() == tag]
    same_language = [s for s in supported() if s.split("-")[0].lower() == tag.split("-")[0]]
    return (exact or same_language or [DEFAULT_LANGUAGE])[0]


def language_named(text: str) -> str | None:
    """The catalog someone means by a code (`pt`, `pt_BR`, `fr-CA`) or a name in English or in itself (`Japanese`,
    `日本語`, `português`); None when they name none of them."""
    wanted = " ".join(text.split()).lower()
    for tag in supported():
        own = babel_locale(tag)
        names = {own.get_display_name(own), own.get_display_name("en"), own.get_language_name(own)}
        if wanted in {name.lower() for name in names | {own.get_language_name("en")} if name}:
            return tag
    code = _tag(wanted)
    return language_of(code) if code and language_of(code).split("-")[0].lower() == code.split("-")[0] else None


def language_name(tag: str) -> str:
    """A catalog's language as its speakers write it: `português (Brasil)`, `日本語`."""
    own = babel_locale(tag)
    return own.get_display_name(own) or tag


def babel_locale(tag: str) -> Locale:
    return Locale.parse(tag, sep="-")


def formatting_locale(locale: str | None, language: str) -> Locale:
    """How numbers and dates are written: the learner's own locale when it is of the catalog's language (en-GB dates
    in English, pt-PT numbers in Brazilian Portuguese), else the catalog's."""
    try:
        own = babel_locale(_tag(locale)) if locale else None
    except (UnknownLocaleError, ValueError):
        own = None
    catalog_locale = babel_locale(language)
    return own if own is not None and own.language == catalog_locale.language else catalog_locale


class Messages:
    def __init__(self, locale: str | None = None):
        self.language = language_of(locale)
        self.locale = formatting_locale(locale, self.language)
        self._plural_rule = babel_locale(self.language).plural_form
        self._strings = catalog(self.language)
        self._fallback = catalog(DEFAULT_LANGUAGE)

    def __call__(self, key: str, **values: object) -> str:
        template = self._template(key, values)
        return template.format(**{name: self.format(value) for name, value in values.items()}) if values else template

    def _template(self, key: str, values: dict[str, object]) -> str:
        entry = self._strings.get(key) or self._fallback[key]
        if isinstance(entry, str):
            return entry
        count = values[entry["plural"]]
        if not isinstance(count, int | float):
            raise TypeError(f"{key} takes its plural form from {entry['plural']}, a number, not {count!r}")
        return entry.get(self._plural_rule(count)) or entry["other"]

    def named(self, key: str, name: str | None, **values: object) -> str:
        """`key` addressed to `name`, or its `_anonymous` twin when the name is unknown."""
        return self(key, name=name, **values) if name else self(f"{key}_anonymous", **values)

    def days(self, weekdays: Sequence[int]) -> str:
        """When something happens in the week: 'on weekdays', or the days named ('on Saturday and Sunday')."""
        if tuple(weekdays) == WORKWEEK:
            return self("days.weekdays")
        names = get_day_names("wide", locale=self.locale)
        return self("days.named", days=format_list([names[day] for day in weekdays], locale=self.locale))

    def format(self, value: object) -> object:
        """A number, date or time written for the learner's locale; anything else as it is."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return format_decimal(value, locale=self.locale)
        if isinstance(value, datetime):
            raise TypeError("give a date or a time in the learner's time zone, not a datetime")
        if isinstance(value, date):
            return format_date(value, format="long", locale=self.locale)
        if isinstance(value, time):
            return format_time(value, format="short", locale=self.locale)
        return value


def messages_for(learner: Learner | None) -> Messages:
    """UI strings in the learner's language (English for someone Upnext does not know yet)."""
    return Messages(learner.speaks if learner else None)
