"""No text anyone typed reaches Slack as a live mention, broadcast or link, and no input crashes a listener: every
listener and reply builder fed hostile strings (mentions, links, backticks, invisible and direction-changing
characters, NUL, look-alike brackets, 5,000 characters, deep JSON)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.block_kit import blocks
from bot.block_kit.home_view import home_view, row_title
from bot.block_kit.modals import interests_modal, more_modal
from bot.block_kit.nudge_messages import check_in_message, come_back_message, whats_new_message
from bot.block_kit.social.share import share_card, share_modal
from bot.i18n import Messages
from config.nudges import NudgePolicy
from learning.people.learners import Learner
from learning.people.progress_strip import Progress
from learning.reasons import Reason
from learning.recommend.picks import Pick, Row
from learning.search.course_search import SearchResult
from learning.search.query import Problem, parse_query
from tests.conftest import ANA_PROFILE
from tests.fakes.signing import FORM, form_body, learn, post_signed
from tests.helpers import assert_valid_blocks, http, mrkdwn_texts
from tests.slack_requests import ANA, dm, event, interact, onboard, submit_interests

LIVE = ("<!channel", "<!here", "<!everyone", "<@U0VICTIM", "<https://evil.example", "<http://evil.example")
HOSTILE = [
    "<!channel>",
    "<!here|here> <!everyone>",
    "<@U0VICTIM> please",
    "<https://evil.example|Reset your password>",
    "` <!channel> <https://evil.example|Reset your password> `",
    "\u202e<!channel>\u202c rtl",
    "zero\u200bwidth <!ever\u200byone>",
    "nul\x00<!channel>",
    "\uff1c!channel\uff1e full-width",  # NFKC turns these into < and >
    "x" * 5000 + " <!channel>",
    "[" * 20000 + "]" * 20000,
]
HOSTILE_USER = "U0HOSTILE"


def leaks(texts: list[str]) -> list[str]:
    return [text[:200] for text in texts if any(marker in text for marker in LIVE)]


def texts_sent(calls) -> list[str]:
    """Every text Slack would parse as mrkdwn in what Upnext sent: message fallbacks and mrkdwn objects."""
    found: list[str] = []
    for call in calls:
        body = call.body
        for key in ("text", "initial_comment"):
            if isinstance(body.get(key), str):
                found.append(body[key])
        for key in ("blocks", "view"):
            value = body.get(key)
            found += mrkdwn_texts(json.loads(value) if isinstance(value, str) else value)
    return found


def hostile_requests(server, text: str) -> list[int]:
    """Everything a person can send Upnext, carrying `text`; returns the HTTP statuses."""
    quoted = text.replace('"', "'")
    commands = [text, f"next {text}", f"done {text}", f"nudges snooze {text}", f'python level:"{quoted}"',
                f"python under:{text.split()[0] if text.split() else 'x'}", f'sql provider:"{quoted}"',
                f'sql lang:"{quoted}"']  # fmt: skip
    statuses = [learn(server, command, ANA).status for command in commands]
    statuses.append(dm(server, text).status)
    mention = f'<@UUPNEXTBOT> python level:"{quoted}"'
    statuses.append(event(server, {"type": "app_mention", "user": ANA, "channel": "C0GENERAL", "ts": "1.1",
                                   "text": mention, "event_ts": "1.1"}).status)  # fmt: skip
    statuses.append(dm(server, text, thread_ts="200.1").status)  # in an assistant thread
    button = {"type": "button", "block_id": "b"}
    actions = ("course_start", "course_done", "row_more", "open_interests", "nudges_snooze", "course_rate_down",
               "rating_comment")  # fmt: skip
    for action_id in actions:
        statuses.append(interact(server, {
            "type": "block_actions", "user": {"id": ANA}, "team": {"id": "T0LOCAL"}, "api_app_id": "AUPNEXT",
            "trigger_id": "1.2.t", "response_url": server.slack.response_url("action"),
            "container": {"type": "message", "message_ts": "1.1", "channel_id": "D" + ANA, "is_ephemeral": True},
            "actions": [{**button, "action_id": action_id, "value": text}],
        }).status)  # fmt: skip
    statuses.append(submit_interests(server, [text, "sql"], role=text, user=HOSTILE_USER).status)
    for metadata in (text, json.dumps({"c": "swcarpentry/sql-novice-survey/01-select"})):  # forged, and real
        statuses.append(interact(server, {
            "type": "view_submission", "user": {"id": ANA}, "team": {"id": "T0LOCAL"}, "api_app_id": "AUPNEXT",
            "view": {"id": "V2", "type": "modal", "callback_id": "rating_comment_modal", "private_metadata": metadata,
                     "state": {"values": {"comment": {"comment_input": {"type": "plain_text_input", "value": text}},
                                          "x": text}}},
        }).status)  # fmt: skip
    statuses.append(learn(server, f"admin {text}", ANA).status)
    statuses.append(event(server, {"type": "user_change", "user": text}).status)
    return statuses


def test_every_listener_fed_hostile_text_neither_crashes_nor_posts_a_live_mention_or_link(server, service):
    onboard(service)
    onboard(service, HOSTILE_USER)
    hostile_profile = {"first_name": HOSTILE[4], "real_name": HOSTILE[0], "title": HOSTILE[3], "email": "h@x.example"}
    server.slack.users[HOSTILE_USER] = {**ANA_PROFILE, "id": HOSTILE_USER, "real_name": HOSTILE[1],
                                        "profile": hostile_profile}  # fmt: skip
    event(server, {"type": "assistant_thread_started", "event_ts": "200.2",
                   "assistant_thread": {"user_id": ANA, "channel_id": "D" + ANA, "thread_ts": "200.1"}})  # fmt: skip
    for text in HOSTILE:
        statuses = hostile_requests(server, text)
        assert all(status < 500 for status in statuses), (text[:40], statuses)
    for user in (ANA, HOSTILE_USER):  # a person whose own Slack profile is hostile sees it echoed safely
        dm(server, "hello", user=user)
        event(server, {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    server.settle()
    calls = server.slack.calls
    assert leaks(texts_sent(calls)) == []
    assert len(calls) > 100  # the sweep really was answered
    assert http(server.url + "/healthz").status == 200


def test_the_reported_filter_injections_post_no_channel_ping_or_disguised_link(server, service):
    onboard(service)
    learn(server, "python level:<!channel>")
    mention = '<@UUPNEXTBOT> python level:"` <!channel> <https://evil.example|Reset your password> `"'
    event(server, {"type": "app_mention", "user": ANA, "channel": "C0GENERAL", "ts": "9.1", "text": mention,
                   "event_ts": "9.1"})  # fmt: skip
    answer = server.answer("respond", "Courses for")
    thread = server.answer("chat.postMessage", "Courses for")
    for message in (answer, thread):
        texts = [message["text"], *mrkdwn_texts(message["blocks"])]
        assert leaks(texts) == []
        assert any("&lt;!channel&gt;" in text for text in texts)


@pytest.mark.parametrize("text", HOSTILE)
def test_every_reply_builder_escapes_what_people_typed_and_stays_within_slacks_limits(service, text):
    t = Messages("en")
    course = service.courses.get("swcarpentry/sql-novice-survey/01-select")
    learner = Learner("U0H", first_name=text, real_name=text, title=text, interests=(text, "sql"), tz="UTC")
    kinds = ("interest", "role", "like_yours", "taken_with", "up_next", "recommended_colleague", "recommended_manager")
    reasons = [Reason(kind, text) for kind in kinds]
    picks = [Pick(course, reason) for reason in reasons]
    query = parse_query(f'{text} level:"{text}" under:{text[:30]} lang:{text[:30]}')
    result = SearchResult(query=query, hits=[], corrected=text)
    problems = [blocks.problem_text(Problem(kind, text, text), t) for kind in ("unknown_filter", "bad_level")]
    counts = {
        "events": 1,
        "nudges": 2,
        "answers": 3,
        "shares_sent": 4,
        "shares_received": 5,
        "wins": 6,
        "celebrate": 1,
        "reporting_line": 1,
    }
    built = [
        blocks.search_answer(result, t, 1),
        blocks.search_cards(text, [course], t, 1),
        blocks.picks_answer(picks, t, text, text, 1, {}),
        blocks.picks_answer(picks, t, text, None, 1, {}),
        blocks.welcome_message(learner, t),
        blocks.privacy_message(learner, counts, t, 5),
        share_card(course, text, text, t),
        share_card(course, text, text, t, channel=True),
        whats_new_message(learner, picks, t, 1, NudgePolicy()),
        come_back_message(learner, picks, t, 1, 30, NudgePolicy()),
        check_in_message(learner, t),
    ]
    rows = [Row("role", picks[:3], evidence=text), Row("because", picks[:3], evidence=text)]
    home = home_view(learner, rows, Progress(0, 0, 0), datetime(2026, 3, 2, tzinfo=UTC), t, {}, {}, NudgePolicy())
    modal = interests_modal([text, "sql"], learner, t)
    more = more_modal(row_title(rows[0], t), picks, t, 1, {})  # the title is mrkdwn the Home row built
    texts = [*problems, *(m.text for m in built), *(s for m in built for s in mrkdwn_texts(m.blocks))]
    texts += mrkdwn_texts(home["blocks"]) + mrkdwn_texts(modal["blocks"]) + mrkdwn_texts(more["blocks"])
    texts += mrkdwn_texts(share_modal(replace(course, title=text), t)["blocks"])
    assert leaks(texts) == []
    for message in built:
        assert_valid_blocks(message.blocks)
    assert_valid_blocks(home["blocks"], limit=100)


def test_deeply_nested_json_in_a_signed_payload_gets_400_not_500(server):
    deep = "[" * 100_000 + "]" * 100_000
    for body, content_type in (
        (f'{{"type": "event_callback", "event_id": "Ev1", "event": {deep}}}'.encode(), "application/json"),
        (form_body({"payload": f'{{"type": "block_actions", "actions": {deep}}}'}), FORM),
    ):
        assert post_signed(server, body, content_type).status == 400
    assert http(server.url + "/healthz").status == 200


@pytest.mark.parametrize(
    "actions",
    [[], [None], ["course_start"], [{"value": "x"}], [{"action_id": 7, "value": "x"}], {"action_id": "row_more"}],
)
def test_block_actions_with_an_empty_or_malformed_action_list_get_400(server, actions):
    payload = {"type": "block_actions", "user": {"id": ANA}, "team": {"id": "T0LOCAL"}, "actions": actions,
               "response_url": server.slack.response_url("action"), "trigger_id": "1.2.t"}  # fmt: skip
    assert post_signed(server, form_body({"payload": json.dumps(payload)}), FORM).status == 400
