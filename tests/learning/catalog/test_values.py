"""Optional catalog values as vendors write them: languages, levels, durations, dates, topics."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from learning.catalog.values import ValueProblem, duration_minutes, language_tag, level, moment, topics


@pytest.mark.parametrize(
    ("written", "tag"),
    [
        ("English", "en"),
        ("english", "en"),
        ("en-US", "en-us"),
        ("EN", "en"),
        ("English (US)", "en-us"),
        ("Español", "es"),
        ("spanish", "es"),
        ("pt_BR", "pt-br"),
        ("Chinese (Simplified)", "zh"),
        ("Chinese (Traditional)", "zh-hant"),
        ("中文", "zh"),
        ("Français", "fr"),
        ("اللغة العربية", "ar"),
    ],
)
def test_languages_are_understood_in_any_common_form(written, tag):
    assert language_tag(written) == tag


@pytest.mark.parametrize("written", ["Elvish", "xx", "None", "not a language"])
def test_unknown_languages_are_problems(written):
    with pytest.raises(ValueProblem):
        language_tag(written)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("Beginner", "beginner"),
        ("Beginner Level", "beginner"),
        ("Introductory", "beginner"),
        ("intermediate", "intermediate"),
        ("Expert Level", "advanced"),
        ("Beginner + Intermediate", "beginner"),
        ("Intermediate to Advanced", "intermediate"),
        ("All Levels", None),
        ("all", None),
        ("Mixed", None),
    ],
)
def test_levels_are_understood_as_vendors_write_them(written, stored):
    assert level(written) == stored


@pytest.mark.parametrize("written", ["esperto", "wizard", "Beginner friendly", "3"])
def test_unknown_levels_are_problems(written):
    with pytest.raises(ValueProblem):
        level(written)


@pytest.mark.parametrize(
    ("written", "minutes"),
    [
        ("1h 30m", 90),
        ("90 min", 90),
        ("90", 90),
        (90, 90),
        ("PT1H30M", 90),
        ("PT45M", 45),
        ("1.5 hours", 90),
        ("1,5 h", 90),
        ("1:30:00", 90),
        ("2 hours 15 minutes", 135),
        ("Approx. 21 hours", 1260),
    ],
)
def test_durations_are_understood(written, minutes):
    assert duration_minutes(written) == minutes


def test_a_bare_number_in_an_hours_column_counts_hours():
    assert duration_minutes("1.5", bare_unit="h") == 90
    assert duration_minutes("45 min", bare_unit="h") == 45


@pytest.mark.parametrize("written", ["a while", "1h 30x", "PT", "-5", "9999999 hours", True])
def test_unreadable_durations_are_problems(written):
    with pytest.raises(ValueProblem):
        duration_minutes(written)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2024-05-31", "2024-05-31T00:00:00+00:00"),
        ("2024-05-31T10:00:00+02:00", "2024-05-31T08:00:00+00:00"),
        ("2015-10-12T21:43:11Z", "2015-10-12T21:43:11+00:00"),
        ("31/05/2024", "2024-05-31T00:00:00+00:00"),
        ("05/31/2024", "2024-05-31T00:00:00+00:00"),
        ("01.02.2024", "2024-02-01T00:00:00+00:00"),
        ("05/05/2024", "2024-05-05T00:00:00+00:00"),
        ("31 May 2024", "2024-05-31T00:00:00+00:00"),
        ("May 31, 2024", "2024-05-31T00:00:00+00:00"),
        (datetime(2024, 5, 31, 9, 30), "2024-05-31T09:30:00+00:00"),
        (date(2024, 5, 31), "2024-05-31T00:00:00+00:00"),
    ],
)
def test_dates_are_understood_day_first_month_first_and_iso(written, stored):
    assert moment(written) == stored


@pytest.mark.parametrize("written", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00", "31/02/2024"])
def test_dates_past_what_a_calendar_or_python_can_hold_are_problems(written):
    with pytest.raises(ValueProblem):
        moment(written)


def test_a_date_that_reads_both_ways_is_a_problem_naming_both_readings():
    with pytest.raises(ValueProblem, match=r"ambiguous.*2024-04-03 or 2024-03-04"):
        moment("03/04/2024")


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("SQL;Data", ("SQL", "Data")),
        ("SQL|Data|sql", ("SQL", "Data")),
        ("['Machine Learning', 'Python']", ("Machine Learning", "Python")),
        ('["A", "B"]', ("A", "B")),
        (["A", " B "], ("A", "B")),
    ],
)
def test_topics_are_read_from_lists_and_separated_text(written, stored):
    assert topics(written) == stored


@pytest.mark.parametrize("written", ["[1, 2]", "[" * 100_000, [1], 7])
def test_topics_that_are_not_a_list_of_strings_are_problems(written):
    with pytest.raises(ValueProblem):
        topics(written)
