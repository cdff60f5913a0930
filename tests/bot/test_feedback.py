"""Learner feedback: Done on a card asks "Worth your time?"; a click records the rating (the latest counts) and
offers a comment in a modal; the comment is kept capped, and shown escaped."""

from __future__ import annotations

import json

from admin.charts import bars
from tests.helpers import assert_valid_blocks, assert_valid_message
from tests.slack_requests import ANA, answer_buttons, click, command, interact, onboard


def rating_buttons(server) -> dict[str, str]:
    prompt = server.answer("chat.postMessage", "Worth your time")
    assert_valid_message(prompt)
    return {e["action_id"]: e["value"] for b in prompt["blocks"] for e in b.get("elements", [])}


def submit_comment(server, view: dict, text: str):
    values = {"comment": {"comment_input": {"type": "plain_text_input", "value": text}}}
    return interact(server, {
        "type": "view_submission", "user": {"id": ANA}, "team": {"id": "T0LOCAL"}, "api_app_id": "AUPNEXT",
        "view": {**view, "id": "V1", "state": {"values": values}},
    })  # fmt: skip


def test_done_asks_worth_your_time_and_a_comment_follows(server, service, store):
    onboard(service)
    done = next(b for b in answer_buttons(server, "sql") if b["action_id"] == "course_done")
    course_id = json.loads(done["value"])["c"]
    assert click(server, "course_done", done["value"]).status == 200
    buttons = rating_buttons(server)
    assert set(buttons) == {"course_rate_up", "course_rate_down"}

    assert click(server, "course_rate_down", buttons["course_rate_down"]).status == 200
    server.answer("respond", "Thanks, noted")  # a change of mind comes after the first rating was recorded
    assert click(server, "course_rate_up", buttons["course_rate_up"]).status == 200
    server.slack.wait_for(lambda calls: sum("Thanks, noted" in c.body.get("text", "") for c in calls) == 2)
    thanks = server.answer("respond", "Thanks, noted")
    assert thanks["replace_original"] is True
    comment = next(e for b in thanks["blocks"] if "accessory" in b for e in [b["accessory"]])
    assert click(server, "rating_comment", comment["value"]).status == 200
    [opened] = server.slack.wait_for_call("views.open")
    view = opened.body["view"]
    assert_valid_blocks(view["blocks"], 100)

    hostile = "<!channel> & worth it " + "x" * 600
    assert submit_comment(server, view, hostile).status == 200
    server.settle()
    rows = store.sql.rows(
        "SELECT value, note, answer_id IS NOT NULL FROM events WHERE kind = 'rated' AND course_id = :course "
        "ORDER BY at, id",
        {"course": course_id},
    )
    assert [r[0] for r in rows][-1] == "up" and all(r[2] for r in rows)  # attributed to the answer
    assert rows[-1][1] == hostile[:500]  # capped; the latest rating carries it
    shown = bars("Comments", [(rows[-1][1], 1)], "escaped")
    assert "<!channel>" not in shown and "&lt;!channel&gt; &amp; worth it" in shown


def test_a_comment_without_a_rating_or_course_is_dropped(server, service, store):
    onboard(service)
    view = {"callback_id": "rating_comment_modal", "private_metadata": "not json", "type": "modal"}
    assert submit_comment(server, view, "hello").status == 200
    server.settle()
    assert store.sql.value("SELECT count(*) FROM events WHERE note IS NOT NULL") == 0


def test_privacy_says_what_admins_see(server, service):
    onboard(service)
    assert command(server, "privacy").status == 200
    reply = server.answer("respond", "What Upnext knows about you")
    text = " ".join(b["text"]["text"] for b in reply["blocks"] if "text" in b)
    assert "What your learning team sees" in text and "never your name" in text
    assert "fewer than 5 people" in text


def test_a_rating_for_a_course_never_finished_is_not_stored_and_the_learner_is_told(server, service, store):
    """A signed course_rate_up for a course the learner only started (or never touched) is refused by the domain,
    whatever button sent it; the learner reads why in their own language."""
    for user in (ANA, "U0LUIS"):
        onboard(service, user)
    start = next(b for b in answer_buttons(server, "sql") if b["action_id"] == "course_start")
    assert click(server, "course_start", start["value"]).status == 200
    assert click(server, "course_rate_up", start["value"]).status == 200
    assert click(server, "course_rate_up", start["value"], "U0LUIS").status == 200
    server.settle()

    assert store.sql.value("SELECT count(*) FROM events WHERE kind = 'rated'") == 0
    assert server.answer("respond", "once you have finished it")["replace_original"] is True
    server.answer("respond", "cuando lo hayas terminado")
