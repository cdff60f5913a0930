"""Parsing what people type: words, filters in any order, and problems explained rather than ignored."""

from __future__ import annotations

import pytest

from learning.search.query import (
    BAD_DURATION,
    BAD_LANGUAGE,
    BAD_LEVEL,
    UNKNOWN_FILTER,
    Filters,
    Problem,
    parse_minutes,
    parse_query,
)


def test_filters_are_recognised_in_any_order_and_removed_from_the_words():
    query = parse_query('python under:1h30m level:Beginner lang:ES provider:"Data Carpentry" pandas')
    assert query.text == "python pandas"
    assert query.filters == Filters(level="beginner", max_minutes=90, language="es", provider="Data Carpentry")
    assert query.problems == ()


def test_aliases_work():
    assert parse_query("git path:git-novice max:2h language:en").filters == Filters(
        max_minutes=120, language="en", provider="git-novice"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sql colour:red", Problem(UNKNOWN_FILTER, "colour")),
        ("sql level:wizard", Problem(BAD_LEVEL, "level", "wizard")),
        ("sql under:soon", Problem(BAD_DURATION, "under", "soon")),
        ("sql lang:english!", Problem(BAD_LANGUAGE, "lang", "english!")),
        # too big for SQLite's integers: it crashed search before it was refused here
        ("sql under:99999999999999999999m", Problem(BAD_DURATION, "under", "99999999999999999999m")),
        ("sql under:99999999999999999999h", Problem(BAD_DURATION, "under", "99999999999999999999h")),
    ],
)
def test_unusable_filters_are_reported_with_the_value_as_typed(text, problem):
    query = parse_query(text)
    assert query.text == "sql"
    assert query.problems == (problem,)


def test_urls_and_times_are_words_not_filters():
    assert parse_query("https://example.com meeting at 10:30").filters == Filters()
    assert parse_query("https://example.com meeting at 10:30").problems == ()


def test_text_is_normalised_and_bounded():
    assert parse_query("  Ｐｙｔｈｏｎ\t\u0000data  ").text == "Python data"
    assert len(parse_query("x" * 5000).text) == 256


@pytest.mark.parametrize(
    ("value", "minutes"), [("45", 45), ("45m", 45), ("90min", 90), ("2h", 120), ("1.5h", 90), ("1h30m", 90)]
)
def test_durations(value, minutes):
    assert parse_minutes(value) == minutes
