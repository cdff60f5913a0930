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
