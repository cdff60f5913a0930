"""The language a search query is written in, told offline and cheaply, among the catalog's languages.

What it decides is which model scores the query (`learning.search.routing`): only an English query is scored by
the English model, so a wrong "English" costs a non-English query its reach across languages, and a wrong
"not English" costs an English query some quality. Hence:

- the script alone decides where it can: kana is Japanese, Han without kana is Chinese (Japanese when the catalog
  has no Chinese or the learner's locale is Japanese), Cyrillic is Ukrainian (the catalog's only Cyrillic language,
  else Russian), Hangul Korean;
- Latin script goes to `langid` (langid.py, BSD, a 5 MB pure-Python model), restricted to the catalog's Latin
  languages, and counts only when it is sure (SURE, SURE_ENGLISH): short queries ("python lists") are often a coin
  toss between English and Spanish;
- when it is not sure, the learner's locale breaks the tie if the catalog has courses in that language, else the
  query is English (the catalog's lingua franca, and today's English quality).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

ENGLISH = "en"
# langid's normalised probability for its verdict to count: higher for a language other than English, as English is
# most queries and the English model keeps their quality exactly (on the bundled catalog's Latin-script queries, 0.99
# keeps 99 of 100 short English queries English and tells 162 of 187 Spanish ones; 0.9: 96 and 167; BENCHMARKS.md)
SURE, SURE_ENGLISH = 0.99, 0.9
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_NOT_LATIN = {"ja", "zh", "uk", "ru", "ko", "ar", "he", "el", "hi", "th", "fa", "bg", "sr", "be", "mk", "ka", "hy"}


def base_language(code: str | None) -> str | None:
    """ "pt-BR" → "pt"; None or "" → None."""
    return (code or "").replace("_", "-").split("-")[0].lower() or None


class _Langid:
    """langid's model, loaded on first use (about 2 s) and shared; `classify` is not thread-safe once restricted."""

    _lock = threading.Lock()
    _identifier: Any = None
    _supported: frozenset[str] = frozenset()

    @classmethod
    def classify(cls, text: str, languages: tuple[str, ...]) -> tuple[str, float]:
        with cls._lock:
            if cls._identifier is None:
                from langid.langid import LanguageIdentifier, model

                cls._identifier = LanguageIdentifier.from_modelstring(model, norm_probs=True)
                cls._supported = frozenset(cls._identifier.nb_classes)  # before any restriction narrows it
            identifier = cls._identifier
            usable = [code for code in languages if code in cls._supported]
            if len(usable) < 2:
                return (usable[0] if usable else ENGLISH), 1.0
            identifier.set_languages(usable)
            language, probability = identifier.classify(text)
            return str(language), float(probability)


def query_language(text: str, catalog_languages: Iterable[str], locale: str | None = None) -> str:
    """The query's language (a base code such as "ja"), among `catalog_languages` (base codes) and English."""
    languages = {base for code in catalog_languages if (base := base_language(code))} | {ENGLISH}
    hint = base_language(locale)
    if _KANA.search(text):
        return "ja"
    if _HAN.search(text):
        return "ja" if "ja" in languages and ("zh" not in languages or hint == "ja") else "zh"
    if _HANGUL.search(text):
        return "ko"
    if _CYRILLIC.search(text):
        return "uk" if "uk" in languages or "ru" not in languages else "ru"
    latin = tuple(sorted(languages - _NOT_LATIN))
    if not _LATIN_LETTER.search(text) or latin == (ENGLISH,):
        return ENGLISH
    language, probability = _Langid.classify(text, latin)
    if probability >= (SURE_ENGLISH if language == ENGLISH else SURE):
        return language
    return hint if hint in languages and hint not in _NOT_LATIN else ENGLISH
