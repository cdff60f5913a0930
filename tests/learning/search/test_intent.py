"""Free text is routed predictably: recommendation requests (with an optional hint), searches, help, hellos."""

import pytest

from learning.search.intent import EMPTY, GREETING, HELP, NEXT, SEARCH, Intent, classify


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("What should I learn next?", Intent(NEXT)),
        ("what's next", Intent(NEXT)),
        ("next in data", Intent(NEXT, "data")),
        ("what should I learn next about SQL?", Intent(NEXT, "sql")),
        ("Can you recommend something on leadership", Intent(NEXT, "leadership")),
        ("surprise me", Intent(NEXT)),
        ("¿Qué debería aprender ahora?", Intent(NEXT)),
        ("recomiéndame algo sobre python", Intent(NEXT, "python")),
        ("excel pivot tables", Intent(SEARCH, "excel pivot tables")),
        ("how do I give feedback to my team", Intent(SEARCH, "how do I give feedback to my team")),
        ("help", Intent(HELP)),
        ("Hi!", Intent(GREETING)),
        ("   ", Intent(EMPTY)),
        ("🙂", Intent(EMPTY)),
    ],
)
def test_classify(text, intent):
    assert classify(text) == intent
