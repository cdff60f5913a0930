"""Every language renders every surface within Slack's limits: Home, answers, nudges, modals and prompts.

The builders are pure, so each is run in each language with long, realistic content; slack_sdk's models raise when a
translated button, title or text is over its limit.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.block_kit import blocks
from bot.block_kit.feedback import admin_link_message, comment_modal, rating_prompt, rating_thanks
from bot.block_kit.home_view import home_view, row_title
from bot.block_kit.modals import interests_modal, more_modal
from bot.block_kit.nudge_messages import check_in_message, come_back_message, whats_new_message
from bot.block_kit.social.wins import Celebrated, celebration_message, earned_message, home_wins, share_modal
from bot.i18n import Messages
from config.nudges import NudgePolicy
from learning.catalog.courses import Course
from learning.people.achievements import FIRST_COURSE, FIVE_COURSES, PATH, WEEKS_IN_A_ROW, Win
from learning.people.learners import Learner
from learning.people.progress_strip import Progress
from learning.reasons import Reason
from learning.recommend.picks import Pick, Row
from learning.search.course_search import SearchHit, SearchResult
from learning.search.query import parse_query
from tests.helpers import assert_valid_blocks, assert_valid_message, mrkdwn_texts

LOCALES = Path(__file__).resolve().parents[3] / "config" / "locale"
SLACK_LOCALES = {"en": "en-US", "es": "es-ES", "pt-BR": "pt-BR", "fr": "fr-FR", "de": "de-DE", "ja": "ja-JP"}
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
COURSE = Course(
    id="c1", title="Data Analysis and Visualization in Python for Ecologists: Starting with Data " * 2,
    description="Learn to load, clean and plot data with pandas and matplotlib. " * 5, level="intermediate",
    duration_minutes=95, url="https://example.com/course", image_url="https://example.com/course.png",
    provider="Data Carpentry", path_title="Python for Ecologists",
)  # fmt: skip
REASONS = ("up_next", "continue", "taken_with", "taken_next", "like_yours", "builds_on", "topic", "interest", "role",
           "trending", "rising", "popular", "starter", "new_interest", "new_like", "match", "saved", "explore",
           "explore_interest", "explore_like")  # fmt: skip
ROWS = ("continue", "because", "interests", "new", "role", "popular", "for_you", "starters")
# Texts the builders cut to fit: a translation must fit whole.
TITLES_CUT_TO_24 = ("more.title", "rate.modal_title", "share.title", "share.submit")


def learner(slack_locale: str, **changes) -> Learner:
    base = Learner(
        "U0X", first_name="Maximiliane", tz="Asia/Tokyo", locale=slack_locale, title="Datenanalystin",
        interests=("python", "data visualisation", "sql"), onboarded_at="2026-01-01T00:00:00+00:00",
    )  # fmt: skip
    return replace(base, **changes)


WINS = [Win(kind, "2026-03-01T10:00:00+00:00", "slack", "p1", "Programming with Python " * 4, id=1)
        for kind in (PATH, WEEKS_IN_A_ROW, FIVE_COURSES, FIRST_COURSE, PATH, PATH)]  # fmt: skip


def picks(evidence: str = "Programming with Python: Analyzing Patient Data") -> list[Pick]:
    return [Pick(COURSE, Reason(kind, evidence)) for kind in REASONS]


@pytest.fixture(params=sorted(SLACK_LOCALES))
def slack_locale(request) -> str:
    return SLACK_LOCALES[request.param]


@pytest.mark.parametrize("nudges", ["on", "off", "snoozed"])
def test_home_fits_slacks_limits_in_every_language(slack_locale, nudges):
    t = Messages(slack_locale)
    changes = {"nudges": "off"} if nudges == "off" else {"snoozed_until": "2026-03-16T09:30:00+00:00"}
    someone = learner(slack_locale, **(changes if nudges != "on" else {}))
    rows = [Row(kind, picks()[:3], evidence="Programming with Python " * 4) for kind in ROWS[:4]]
    for progress in (Progress(0, 0, 0), Progress(1, 1, 1), Progress(12, 5, 1234)):
        view = home_view(someone, rows, progress, NOW, t, {r.kind: 1 for r in rows}, {}, NudgePolicy(), WINS)
        assert_valid_blocks(view["blocks"], limit=100)
    assert [row_title(Row(kind, [], evidence="x"), t) for kind in ROWS]


def test_answers_fit_slacks_limits_in_every_language(slack_locale):
    t = Messages(slack_locale)
    someone = learner(slack_locale)
    hits = SearchResult(parse_query("python level:beginner"), [SearchHit(COURSE, 1.0, "both")] * 5, corrected="pyton")
    messages = [
        blocks.picks_answer(picks()[:5], t, someone.name, None, 1, {}),
        blocks.picks_answer(picks()[5:10], t, None, "data analysis", 1, {}),
        blocks.picks_answer([], t, someone.name),
        blocks.search_answer(hits, t, 1),
        blocks.search_answer(SearchResult(parse_query("zzz level:expert under:forever lang:xx-yy nope:1"), []), t),
        blocks.search_answer(SearchResult(parse_query(""), []), t),
        blocks.saved_answer([COURSE] * 5, t, 1),
        blocks.saved_answer([], t),
        blocks.done_choice([COURSE] * 3, t, 1),
        blocks.welcome_message(someone, t),
        blocks.welcome_message(learner(slack_locale, first_name=None, real_name=None), t),
        blocks.privacy_message(
            someone,
            {
                "events": 1,
                "nudges": 0,
                "answers": 1234,
                "shares_sent": 2,
                "shares_received": 1,
                "wins": 3,
                "celebrate": 1,
                "reporting_line": 1,
            },
            t,
            5,
        ),
        blocks.forget_message(t),
        blocks.error_message(t),
        rating_prompt(COURSE, 1, t),
        rating_thanks(COURSE.id, t),
        admin_link_message("https://upnext.example.com/admin/sign-in?t=x", t),
    ]
    for message in messages:
        assert_valid_message(message.as_kwargs())
    for state in (blocks.CardState(saved=True, started=True), blocks.CardState(done=True), blocks.CardState(True)):
        assert_valid_blocks(blocks.render(blocks.course_card(COURSE, t, "x", state, 1)))
    assert_valid_blocks(blocks.render(blocks.course_card(COURSE, t, None, blocks.CardState(dismissed=True), 1)))


@pytest.mark.parametrize("days", [1, 30, 90])
def test_nudges_fit_slacks_limits_in_every_language(slack_locale, days):
    t = Messages(slack_locale)
    for someone in (learner(slack_locale), learner(slack_locale, first_name=None, real_name=None)):
        nudges = [
            whats_new_message(someone, picks()[:5], t, 1, NudgePolicy(weekly_cap=2)),
            come_back_message(someone, picks()[:3], t, 1, days, NudgePolicy(weekly_cap=1, weekdays=(0, 2, 4))),
        ]
        for message in [*nudges, check_in_message(someone, t)]:
            assert_valid_message(message.as_kwargs())
            assert "{" not in " ".join([message.text, *mrkdwn_texts(message.blocks)])


def test_wins_fit_slacks_limits_in_every_language(slack_locale):
    t = Messages(slack_locale)
    assert_valid_blocks(blocks.render(home_wins(WINS[:5], t)))
    for win in WINS[:4]:
        assert_valid_message(earned_message(win, t).as_kwargs())
        assert_valid_blocks(share_modal(win, learner(slack_locale), t)["blocks"], limit=100)
    people = [Celebrated(f"Person {i}", WINS[:4]) for i in range(60)]
    assert_valid_message(celebration_message(people, "2 – 8 Mar 2026", t).as_kwargs())


def test_modals_fit_slacks_limits_in_every_language(slack_locale):
    t = Messages(slack_locale)
    views = [
        interests_modal(["python", "sql"] * 60, learner(slack_locale), t, "home"),
        more_modal(row_title(Row("because", [], evidence="Programming with Python"), t), picks()[:10], t, 1, {}),
        comment_modal(COURSE, t),
    ]
    for view in views:
        assert_valid_blocks(view["blocks"], limit=100)
    for key in TITLES_CUT_TO_24:
        assert len(t(key)) <= 24, (slack_locale, key)


def test_assistant_prompts_are_short_enough_to_read_as_buttons(slack_locale):
    t = Messages(slack_locale)
    for key in ("prompt.next", "prompt.short", "prompt.new", "prompt.search"):
        assert 0 < len(t(key)) <= 75, (slack_locale, key)


def words(text: str) -> bool:
    """Whether a text says anything beyond its placeholders and units ("{hours} h {minutes} min" does not)."""
    return len(re.sub(r"{\w+}|\W", "", text)) > 8


def test_no_translation_is_the_english_left_in_place():
    """A reviewer's check: a translated catalog repeating English sentences has been copied, not translated."""
    english = json.loads((LOCALES / "en.json").read_text())
    for tag in ("pt-BR", "fr", "de", "ja"):
        found = json.loads((LOCALES / f"{tag}.json").read_text())
        same = [key for key, text in english.items() if isinstance(text, str) and found[key] == text and words(text)]
        assert same == [], tag


def home_texts(someone: Learner, policy: NudgePolicy | None = None) -> str:
    view = home_view(someone, [], Progress(0, 0, 0), NOW, Messages(someone.locale), {}, {}, policy or NudgePolicy())
    return " ".join(mrkdwn_texts(view["blocks"]))


def test_home_gives_the_snooze_date_as_the_learners_own_calendar_day_in_their_locale():
    snoozed = "2026-03-16T20:00:00+00:00"  # already 17 March in Tokyo
    assert "2026年3月17日" in home_texts(learner("ja-JP", snoozed_until=snoozed))
    assert "16 March 2026" in home_texts(learner("en-GB", snoozed_until=snoozed, tz="Europe/London"))
    assert "March 17, 2026" in home_texts(learner("en-US", snoozed_until=snoozed))


def test_home_gives_the_nudge_hours_the_operator_set_on_the_learners_clock():
    policy = NudgePolicy(window_start_hour=9, window_end_hour=17)
    assert "9:00\u202fAM and 5:00\u202fPM" in home_texts(learner("en-US"), policy)
    assert "9:00 und 17:00" in home_texts(learner("de-DE"), policy)
    assert "9:00〜17:00" in home_texts(learner("ja-JP"), policy)


def test_home_counts_progress_with_each_languages_plural():
    t = Messages("en-US")
    view = home_view(learner("en-US"), [], Progress(1, 1, 1234), NOW, t, {}, {}, NudgePolicy())
    assert "1 completed this month" in view["blocks"][1]["elements"][0]["text"]
    assert "1,234 saved" in view["blocks"][1]["elements"][0]["text"]
    french = home_view(learner("fr-FR"), [], Progress(2, 1, 0), NOW, Messages("fr-FR"), {}, {}, NudgePolicy())
    assert "2 terminés ce mois-ci" in french["blocks"][1]["elements"][0]["text"]


def test_home_and_nudges_name_the_days_the_operator_set_for_nudges():
    weekends = NudgePolicy(weekdays=(5, 6))
    assert "on weekdays between" in home_texts(learner("en-US"))
    assert "on Saturday and Sunday between" in home_texts(learner("en-US"), weekends)
    assert "am Samstag und Sonntag zwischen" in home_texts(learner("de-DE"), weekends)
    assert "土曜日、日曜日の 10:00〜16:00" in home_texts(learner("ja-JP"), weekends)
    t = Messages("fr-FR")
    nudge = come_back_message(learner("fr-FR"), picks()[:3], t, 1, 30, NudgePolicy(weekdays=(0, 2, 4)))
    assert "le lundi, mercredi et vendredi pendant vos heures de travail" in " ".join(mrkdwn_texts(nudge.blocks))
