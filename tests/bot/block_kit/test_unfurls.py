"""An unfolded course link: the card (escaped, Start and Save for whoever clicks) and the Work Object (plain text)."""

from __future__ import annotations

import json

from bot.block_kit import blocks
from bot.block_kit.unfurls import CONTENT_ITEM, course_entity, course_unfurl
from bot.i18n import Messages
from learning.reasons import Reason
from learning.recommend.picks import Pick
from tests.bot.block_kit.test_blocks import HOSTILE
from tests.helpers import assert_valid_blocks, mrkdwn_texts


def test_the_unfurled_card_escapes_catalog_text_and_offers_start_and_save_to_anyone():
    unfurl = course_unfurl(HOSTILE, Messages("en"))
    assert_valid_blocks(unfurl["blocks"])
    shown = " ".join(mrkdwn_texts(unfurl["blocks"]))
    assert "<!channel>" not in shown and "<!here>" not in shown and "&lt;!channel&gt;" in shown
    assert "Beginner" in shown and "1 h 35 min" in shown
    buttons = [e for b in unfurl["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["course_start", "course_save"]
    assert {json.loads(b["value"])["a"] for b in buttons} == {0}  # no one's answer: the click counts for the clicker


def test_the_work_object_is_a_content_item_in_plain_text_naming_the_posted_link():
    posted = "http://example.com/?a=1&b=<2>&utm_source=x"
    entity = course_entity(HOSTILE, posted, Messages("es"))
    assert entity["entity_type"] == CONTENT_ITEM
    assert (entity["app_unfurl_url"], entity["url"]) == (posted, HOSTILE.url)
    assert entity["external_ref"] == {"id": "evil", "type": "course"}
    payload = entity["entity_payload"]
    assert payload["attributes"]["title"]["text"] == HOSTILE.title  # plain text: shown as written, never as markup
    assert len(payload["fields"]["description"]["value"]) <= 1000
    assert payload["fields"]["preview"]["alt_text"] == HOSTILE.title
    custom = {field["key"]: field["value"] for field in payload["custom_fields"]}
    assert custom["level"] == "Principiante" and custom["provider"] == "<!here>"
    assert len(custom["path"]) <= 150
    assert set(payload["display_order"]) == {*payload["fields"], *custom}


def test_taken_by_is_said_in_each_language_with_its_plural():
    assert blocks.proof_text(12, Messages("en")) == "Taken by 12 people in your role"
    assert blocks.proof_text(1, Messages("en")) == "Taken by 1 person in your role"
    assert blocks.proof_text(5, Messages("es")) == "Lo han cursado 5 personas con tu puesto"
    assert blocks.proof_text(None, Messages("en")) is None


def test_a_pick_with_takers_says_so_on_its_card_and_the_others_do_not():
    picks = [Pick(HOSTILE, Reason("popular")), Pick(HOSTILE.__class__(id="other", title="Other"), Reason("popular"))]
    message = blocks.picks_answer(picks, Messages("en"), "Ana", answer_id=1, takers={"evil": 7})
    contexts = [b["elements"][0]["text"] for b in message.blocks if b["type"] == "context"]
    assert [("Taken by 7 people in your role" in text) for text in contexts[:2]] == [True, False]
