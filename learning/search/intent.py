"""What a free-text message asks for: a recommendation ("what should I learn next?"), a search, help, or a hello.

Deliberately simple and predictable: a handful of phrasings in English and Spanish, and everything else that has
words is a search. "next in data" is a recommendation steered by "data".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from learning.search.query import fold_case

NEXT, SEARCH, HELP, GREETING, EMPTY = "next", "search", "help", "greeting", "empty"

_NEXT_PATTERNS = [
    r"\bwhat (?:should|shall|can|could) i (?:learn|study|take|do|watch|read)(?: next)?\b",
    r"\bwhat(?:'s| is)? (?:up )?next\b",
    r"\bup ?next\b",
    r"^next\b",
    r"\b(?:recommend|suggest)(?:ation|ations|ion|ions)?\b",
    r"\bsurprise me\b",
    r"\bsomething (?:new )?to learn\b",
    r"\bwhat to learn\b",
    r"\bque (?:deberia|puedo|podria) (?:aprender|estudiar|hacer)\b",
    r"\b(?:recomienda|recomiendame|sugiere|sugiereme|recomendacion|recomendaciones)\b",
    r"\bque sigue\b",
    r"^siguiente\b",
]
_NEXT = re.compile("|".join(_NEXT_PATTERNS))
# "next in data", "what should I learn next about SQL", "recommend something on leadership"
_HINT = re.compile(r"\b(?:in|about|on|for|around|with|sobre|de|en)\s+(.+)$")
_HELP = re.compile(r"^(?:help|\?|ayuda|how does this work|what can you do)\W*$")
_GREETING = re.compile(r"^(?:hi|hello|hey|hola|buenas|good (?:morning|afternoon|evening)|thanks|thank you|gracias)\W*$")
_FILLER = {"something", "a", "course", "courses", "me", "please", "algo", "un", "curso", "cursos", "por", "favor"}


@dataclass(frozen=True)
class Intent:
    kind: str
    text: str = ""  # the search words, or the hint steering a recommendation


def classify(text: str) -> Intent:
    cleaned = " ".join(text.split())
    folded = fold_case(cleaned).replace("’", "'")
    if not re.search(r"\w", folded):
        return Intent(EMPTY)
    if _HELP.match(folded):
        return Intent(HELP)
    if _GREETING.match(folded):
        return Intent(GREETING)
    asked_next = _NEXT.search(folded)
    if asked_next:
        hint = _HINT.search(folded[asked_next.end() :])
        words = [w for w in (hint.group(1) if hint else "").strip(" ?!.").split() if w not in _FILLER]
        return Intent(NEXT, " ".join(words))
    return Intent(SEARCH, cleaned)
