"""Block Kit builders are pure and stay within Slack's limits whatever the catalog holds."""

from __future__ import annotations

from bot.block_kit import blocks
from bot.i18n import Messages
from learning.catalog.courses import Course
from learning.search.course_search import SearchHit, SearchResult
from learning.search.query import parse_query
from tests.helpers import assert_valid_message, mrkdwn_texts


def result(query: str, courses: list[Course]) -> SearchResult:
    return SearchResult(parse_query(query), [SearchHit(c, 1.0, "both") for c in courses])


HOSTILE = Course(
    id="evil",
    title="<!channel> & <@U123> *free*",
    description="<script> & " + "long " * 2000,
    topics=("x",) * 3,
    level="beginner",
    duration_minutes=95,
    url="https://example.com/?a=1&b=<2>",
    image_url="https://example.com/i.png",
    provider="<!here>",
    path_title="P" * 3000,
)


def test_search_results_escape_catalog_text_everywhere():
    message = blocks.search_answer(result("<!everyone> sql", [HOSTILE] * 5), Messages("en"))
    assert_valid_message(message.as_kwargs())
    dumped = " ".join([*mrkdwn_texts(message.blocks), message.text])
    assert "<!channel>" not in dumped and "<!here>" not in dumped and "<!everyone>" not in dumped
    assert "<@U123>" not in dumped
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt; *free*" in dumped


def test_card_shows_meta_description_and_image_with_alt_text():
    card = blocks.render(blocks.course_card(HOSTILE, Messages("en")))[0]
    assert "Beginner · 1 h 35 min" in card["text"]["text"]
    assert card["accessory"] == {
        "type": "image",
        "image_url": "https://example.com/i.png",
        "alt_text": "<!channel> & <@U123> *free*",
    }


def test_no_results_is_a_helpful_sentence():
    message = blocks.search_answer(result("zzzz", []), Messages("en"))
    assert "couldn't find" in message.text


def test_without_images_drops_only_image_accessories():
    message = blocks.search_answer(result("x", [HOSTILE]), Messages("en")).without_images()
    assert "image" not in repr(message.blocks)
    assert_valid_message(message.as_kwargs())


def share_buttons(message_blocks: list[dict]) -> list[dict]:
    actions = [e for b in message_blocks if b["type"] == "actions" for e in b["elements"]]
    return [e for e in actions if e["action_id"] == "course_share"]


def test_every_card_with_buttons_has_share_in_answers_nudges_and_home_rows():
    from datetime import UTC, datetime

    from bot.block_kit.home_view import home_view
    from bot.block_kit.nudge_messages import come_back_message, whats_new_message
    from config.nudges import NudgePolicy
    from learning.people.learners import Learner
    from learning.people.progress_strip import Progress
    from learning.reasons import Reason
    from learning.recommend.picks import Pick, Row

    t, learner = Messages("en"), Learner("U0ANA", first_name="Ana")
    picks = [Pick(HOSTILE, Reason("popular"))] * 5
    messages = [
        blocks.picks_answer(picks, t, "Ana", answer_id=7),
        whats_new_message(learner, picks, t, 7, NudgePolicy()),
        come_back_message(learner, picks[:3], t, 7, 30, NudgePolicy()),
    ]
    for message in messages:
        assert_valid_message(message.as_kwargs())
        assert len(share_buttons(message.blocks)) == len([b for b in message.blocks if b["type"] == "divider"])
    rows = [Row("popular", picks), Row("role", picks, "Analyst"), Row("new", picks), Row("interests", picks)]
    view = home_view(learner, rows, Progress(0, 0, 0), datetime.now(UTC), t, {"popular": 1, "role": 2, "new": 3,
                     "interests": 4}, {}, NudgePolicy())  # fmt: skip
    assert len(share_buttons(view["blocks"])) == 20 and len(view["blocks"]) <= 100


def test_a_recommendation_names_the_colleague_to_the_learner_and_a_stored_answer_keeps_no_name():
    from learning.reasons import recommended_by

    t = Messages("en")
    named, manager = recommended_by("colleague", "<@U0EVIL>"), recommended_by("manager", None)
    assert blocks.reason_text(named, t) == "Recommended by your colleague *&lt;@U0EVIL&gt;*"
    assert blocks.reason_text(named.kept(), t) == "Recommended by a colleague"
    assert blocks.reason_text(manager, t) == "Recommended by your manager"
    assert blocks.reason_text(named, Messages("es")) == "Te lo recomienda tu colega *&lt;@U0EVIL&gt;*"
