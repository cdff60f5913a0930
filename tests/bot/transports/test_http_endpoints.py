"""`upnext serve --http`: real signed HTTP requests into the real Bolt app; answers land on a fake Slack."""

from __future__ import annotations

import json
import time

from tests.fakes.signing import FORM, JSON, form_body, json_body, learn, post_signed, signed_headers, slash_command
from tests.helpers import assert_valid_message, http, mrkdwn_texts


def test_health_check_answers_200_when_ready(server):
    result = http(server.url + "/healthz")
    assert result.status == 200
    assert result.json()["ok"] is True


def test_url_verification_challenge_is_echoed(server):
    result = post_signed(server, json_body({"type": "url_verification", "challenge": "abc123", "token": "x"}), JSON)
    assert result.status == 200
    assert b"abc123" in result.body


def test_learn_query_is_acked_then_answered_with_course_cards(server):
    result = learn(server, "python for data analysis")
    assert result.status == 200
    answer = server.answer("respond", "Courses for")
    assert_valid_message(answer)
    assert answer["response_type"] == "ephemeral"
    cards = [b for b in answer["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("*<https://")]
    assert 1 <= len(cards) <= 5
    assert "python" in answer["text"].lower()
    assert any("Python" in card["text"]["text"] for card in cards)


def test_learn_alone_and_learn_help_explain_usage(server):
    for text in ("", "help"):
        learn(server, text)
    server.slack.wait_for(lambda calls: sum(c.body.get("text") == "How to use /learn" for c in calls) == 2)
    for answer in server.slack.calls_to("respond"):
        assert_valid_message(answer.body)
    assert "/learn next" in server.answer("respond", "How to use")["blocks"][1]["text"]["text"]


def test_bad_signature_is_refused_with_401_and_nothing_is_answered(server):
    body = form_body(slash_command("python", server.slack.response_url()))
    headers = signed_headers("not-the-secret", body, FORM)
    assert http(server.events_url, body, headers).status == 401
    assert http(server.events_url, body, {**headers, "X-Slack-Signature": "v0=\u00e9t\u00e9"}).status == 401
    server.settle()
    assert server.slack.calls_to("respond") == []


def test_ten_minute_old_timestamp_is_refused_with_401(server):
    body = form_body(slash_command("python", server.slack.response_url()))
    assert post_signed(server, body, FORM, timestamp=int(time.time()) - 600).status == 401


def test_malformed_payloads_get_4xx_and_the_server_stays_up(server):
    malformed = [
        (b"payload=%7Bnot-json", FORM),
        (b"{not json at all", JSON),
        (b"payload=%5B1%2C2%5D", FORM),
        (b"\xff\xfe\x00garbage", FORM),
    ]
    for body, content_type in malformed:
        status = post_signed(server, body, content_type).status
        assert 400 <= status < 500, (body, status)
    assert http(server.url + "/healthz").status == 200
    assert learn(server, "git").status == 200
    assert server.answer("respond", "Courses for")


def test_unknown_paths_and_methods_are_4xx(server):
    assert http(server.url + "/nope").status == 404
    assert http(server.events_url).status == 405


def test_learn_explains_a_filter_it_cannot_use(server):
    learn(server, "python level:wizard")
    answer = server.answer("respond", "Courses for")
    assert_valid_message(answer)
    assert any("`level:` takes beginner" in text for text in mrkdwn_texts(answer["blocks"]))


def test_learn_with_no_words_explains_usage(server):
    learn(server, "?!? 🙂")
    assert server.answer("respond", "How to use /learn")


def test_signed_payloads_missing_fields_bolt_relies_on_get_400(server):
    broken = [
        {"type": "view_submission", "user": {"id": "U1"}, "view": {"id": "V1", "callback_id": "interests_modal"}},
        {"type": "block_actions", "user": {"id": "U1"}},
        {"type": "block_actions", "actions": []},
    ]
    for payload in broken:
        body = form_body({"payload": json.dumps(payload)})
        assert post_signed(server, body, FORM).status == 400
    event = json_body({"type": "event_callback", "event_id": "Ev1", "event": {"user": "U1"}})
    assert post_signed(server, event, JSON).status == 400
    assert http(server.url + "/healthz").status == 200
