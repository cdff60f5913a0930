"""UI strings from config/locale/<language>.json, chosen from the learner's Slack locale (English fallback)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources

from learning.people.learners import Learner

DEFAULT_LANGUAGE = "en"


def _one_or_other(count: int) -> str:
    return "one" if count == 1 else "other"


# CLDR's cardinal plural categories for each language with a catalog (a new language adds its rule here)
PLURAL_RULES: dict[str, Callable[[int], str]] = {"en": _one_or_other, "es": _one_or_other}


@cache
def _catalog(language: str) -> dict[str, str]:
    path = resources.files("config") / "locale" / f"{language}.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def language_of(locale: str | None) -> str:
    """'es-ES' -> 'es'; unknown or missing -> 'en'."""
    language = (locale or DEFAULT_LANGUAGE).replace("_", "-").split("-")[0].lower()
    return language if _catalog(language) else DEFAULT_LANGUAGE


class Messages:
    def __init__(self, locale: str | None = None):
        self.language = language_of(locale)
        self._strings = _catalog(self.language)
        self._fallback = _catalog(DEFAULT_LANGUAGE)

    def __call__(self, key: str, **values: object) -> str:
        template = self._strings.get(key) or self._fallback[key]
        return template.format(**values) if values else template

    def plural(self, key: str, count: int, **values: object) -> str:
        """`key.one` or `key.other` by the language's plural rule for `count` (which fills `{count}`)."""
        form = PLURAL_RULES.get(self.language, _one_or_other)(count)
        return self(f"{key}.{form}", count=count, **values)

    def named(self, key: str, name: str | None, **values: object) -> str:
        """`key` addressed to `name`, or its `_anonymous` twin when the name is unknown."""
        return self(key, name=name, **values) if name else self(f"{key}_anonymous", **values)


def messages_for(learner: Learner | None) -> Messages:
    """UI strings in the learner's language (English for someone Upnext does not know yet)."""
    return Messages(learner.locale if learner else None)
