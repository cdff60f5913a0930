"""The browse modals are pure and stay within Slack's limits whatever the catalog holds or a payload claims."""

from __future__ import annotations

import json

from bot.block_kit import blocks
from bot.block_kit.browse import Place, ShelfItem, SubjectCard, shelf_modal, subjects_modal
from bot.i18n import Messages
from learning.catalog.courses import Course
from learning.recommend.shelves import shown_image
from tests.helpers import assert_valid_blocks, mrkdwn_texts

HOSTILE_NAME = "<!channel> " + "subject " * 200
SPANISH = Messages("es")


def test_the_subjects_modal_holds_a_page_of_hostile_subjects_within_slacks_limits():
    cards = [SubjectCard(f"{i:012x}", HOSTILE_NAME, 10**6, 10**4, "https://example.org/c.png") for i in range(10)]
    view = subjects_modal(cards, Place("", 99_998, 2**40, "home"), 99_999, SPANISH)
    assert_valid_blocks(view["blocks"], limit=100)
    assert len(view["title"]["text"]) <= 24 and len(view["private_metadata"]) <= 255
    assert "<!channel>" not in " ".join(mrkdwn_texts(view["blocks"]))
    labels = [e["accessibility_label"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
              if "accessibility_label" in e]  # fmt: skip
    assert labels and all(len(label) <= 75 for label in labels)


def test_a_shelf_page_of_ten_long_paths_fits_a_modal():
    course = Course(id="c" * 200, title="<@U1> " + "t" * 3000, description="d" * 5000, level="advanced",
                    path_id="p", path_title="<!here> " + "P" * 3000, url="https://example.org/x", num=1)  # fmt: skip
    items = [ShelfItem(course, 999) for _ in range(10)]
    view = shelf_modal(HOSTILE_NAME, 5, 1, items, Place("ab" * 6, 3, 7, "slash"), 9, SPANISH)
    assert_valid_blocks(view["blocks"], limit=100)
    assert len(view["title"]["text"]) <= 24
    texts = " ".join(mrkdwn_texts(view["blocks"]))
    assert "<!here>" not in texts and "<@U1>" not in texts and "Página 4 de 9" in texts


def test_a_forged_place_falls_back_to_the_first_page_of_the_subjects():
    for forged in ("", "nonsense", "[]", json.dumps({"s": "../x", "p": "2", "a": -3, "o": "admin"}), None, 7):
        assert Place.of(forged) == Place()
    place = Place.of(json.dumps({"s": "0123456789ab", "p": 4, "a": 12, "o": "home"}))
    assert place == Place("0123456789ab", 4, 12, "home")
    assert place.turned("5") == Place("0123456789ab", 5, 0, "home")
    assert place.turned("-1").page == 0 and place.turned("١").page == 0 and place.turned(None).page == 0


def test_slack_never_gets_an_svg_or_a_non_web_image():
    assert shown_image("https://example.org/a/cover.SVG?x=1") is None
    assert shown_image("javascript:alert(1)") is None and shown_image("/relative.png") is None
    assert shown_image(" https://example.org/a.png ") == "https://example.org/a.png"
    card = blocks.course_card(Course(id="x", title="X", image_url="https://example.org/x.svg"), Messages("en"))
    assert "accessory" not in card[0].to_dict()
