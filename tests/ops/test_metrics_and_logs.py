"""/metrics (Prometheus text, only when UPNEXT_METRICS=on) and JSON logs that never hold a secret or what people
typed, from a real `upnext serve --http` process."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families

from config.nudges import NudgePolicy
from scheduler.planner import Planner
from tests.fakes.signing import FORM, SIGNING_SECRET, form_body, post_signed, slash_command
from tests.helpers import http
from tests.ops.conftest import free_port
from tests.slack_requests import click, dm, event, interact
from upnext.logs import JsonFormatter


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_requests_latencies_slack_calls_429s_and_nudges(start_upnext, service, fake_slack):
    course = service.courses.many_by_num([1])[1]
    service.learners.save_profile("U0IDLE", {"real_name": "Idle", "tz": "UTC"})
    service.history.record("U0IDLE", course.id, "started", at=datetime(2026, 10, 1, tzinfo=UTC))
    service.learners.touch("U0IDLE", datetime(2026, 10, 1, tzinfo=UTC))  # used Upnext in Slack, then went idle
    assert Planner(service, NudgePolicy(holdout_share=0.0), lambda: datetime(2026, 11, 23, 8, tzinfo=UTC)).plan()
    upnext = start_upnext(env={"UPNEXT_METRICS": "on"})
    fake_slack.fail("users.info", status=429, retry_after=0.1)

    fields = slash_command("python", fake_slack.response_url("first"), user_id="U0NEW")
    assert post_signed(upnext, form_body(fields), FORM).status == 200
    fake_slack.wait_for(lambda calls: any(c.path.endswith("/first") for c in calls))
    assert http(upnext.events_url, b"{}", {"Content-Type": "application/json"}).status == 401
    answered = ("upnext_answer_seconds_count", frozenset({("kind", "command"), ("outcome", "ok")}))
    deadline = time.monotonic() + 10
    while answered not in (samples := _samples(http(upnext.url + "/metrics").body.decode())):
        assert time.monotonic() < deadline  # the listener records its time just after posting the answer
        time.sleep(0.05)

    response = http(upnext.url + "/metrics")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    command = frozenset({("kind", "command")})
    assert samples[("upnext_requests_total", command | {("outcome", "ok")})] == 1
    assert samples[("upnext_requests_total", frozenset({("kind", "other"), ("outcome", "unauthorized")}))] == 1
    assert samples[("upnext_ack_seconds_count", command)] == 1
    assert samples[("upnext_answer_seconds_count", command | {("outcome", "ok")})] == 1
    assert samples[("upnext_slack_api_calls_total", frozenset({("method", "users.info"), ("outcome", "ok")}))] == 1
    assert samples[("upnext_slack_rate_limited_total", frozenset({("method", "users.info")}))] == 1
    assert samples[("upnext_nudges", frozenset({("status", "planned")}))] == 1


def test_json_logs_hold_no_token_secret_or_message_text(start_upnext, fake_slack, settings):
    upnext = start_upnext(env={"UPNEXT_LOG_FORMAT": "json"})
    words = "quantum basket weaving for otters"
    assert dm(upnext, words).status == 200
    fields = slash_command(words, fake_slack.response_url("answer"), user_id="U0ANA")
    assert post_signed(upnext, form_body(fields), FORM).status == 200
    fake_slack.wait_for(lambda calls: any(c.path.endswith("/answer") for c in calls))
    fake_slack.wait_for_call("chat.postMessage")
    assert http(upnext.events_url, b"payload=%7B", {"Content-Type": FORM}).status == 401
    assert http(upnext.url + "/metrics").status == 404  # off unless UPNEXT_METRICS=on
    assert upnext.terminate() == 0

    lines = upnext.log.splitlines()
    entries = [json.loads(line) for line in lines]
    assert {"time", "level", "logger", "message"} <= entries[0].keys()
    assert any(e["message"].startswith("ready in") for e in entries)
    for forbidden in (settings.slack_bot_token, SIGNING_SECRET, words, "basket"):
        assert forbidden not in upnext.log


def test_tokens_and_the_signing_secret_are_redacted_from_a_log_line():
    message = "auth failed for %s with %s"
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, message, ("xoxb-1-2-abc", "s3cret-signing"), None)
    line = json.loads(JsonFormatter(["s3cret-signing"]).format(record))
    assert line["message"] == "auth failed for [redacted] with [redacted]"


def test_slack_ids_glued_to_other_text_long_ids_and_emails_never_reach_a_log_line_in_clear():
    hidden = ["U0123ABCDEF", "U0123ABCDEFGH", "E0123ABCDEFGHIJ", "ana.garcia@example.com"]
    message = "user%%3DU0123ABCDEF start_U0123ABCDEFGH org E0123ABCDEFGHIJ email:ana.garcia@example.com"
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, message, (), None)
    line = JsonFormatter(["s3cret-signing"]).format(record)
    assert not [value for value in hidden if value in line]


def test_metrics_on_their_own_port_are_not_served_on_the_public_one(start_upnext):
    port = free_port()
    upnext = start_upnext(env={"UPNEXT_METRICS": "on", "UPNEXT_METRICS_PORT": str(port)})
    assert post_signed(upnext, form_body(slash_command("help", "http://127.0.0.1:9/r")), FORM).status == 200

    assert http(upnext.url + "/metrics").status == 404
    scraped = http(f"http://127.0.0.1:{port}/metrics")
    assert scraped.status == 200
    command = frozenset({("kind", "command"), ("outcome", "ok")})
    assert _samples(scraped.body.decode())[("upnext_requests_total", command)] == 1


def test_made_up_event_types_share_one_kind_label(start_upnext):
    upnext = start_upnext(env={"UPNEXT_METRICS": "on"})
    for n in range(3):
        event(upnext, {"type": f"made_up_event_{n}", "user": "U0ANA"})
    assert dm(upnext, "python").status == 200

    kinds = {dict(labels)["kind"] for name, labels in _samples(http(upnext.url + "/metrics").body.decode())
             if name == "upnext_requests_total"}  # fmt: skip
    assert kinds == {"event:other", "event:message"}


def test_logs_hold_slack_ids_only_as_keyed_pseudonyms_and_no_payload_fragments(start_upnext, fake_slack):
    user = "U024BE7LH"  # the shape of a real Slack id
    upnext = start_upnext(env={"UPNEXT_LOG_FORMAT": "json"})
    fake_slack.fail("users.info", status=200, error="user_not_found")  # logged, with whose profile failed
    assert click(upnext, "course_start", "not json: fragment-4242", user=user).status == 200
    dialog = {"type": "dialog_submission", "user": {"id": user}, "team": {"id": "T024BE7LJ"},
              "channel": {"id": "C024BE91L"}, "callback_id": "x", "submission": {"q": "typed words 77"}}  # fmt: skip
    interact(upnext, dialog)  # no listener for it: Bolt's warning would quote the submission
    assert upnext.terminate() == 0  # after the answers in flight

    log = upnext.log
    for forbidden in (user, "T024BE7LJ", "C024BE91L", "fragment-4242", "typed words"):
        assert forbidden not in log
    pseudonyms = set(re.findall(r"U#[0-9a-f]{8}", log))
    assert len(pseudonyms) == 1  # the same person is the same pseudonym in every line
    unkeyed = hashlib.sha256(user.encode()).hexdigest()
    assert unkeyed[:8] not in log  # keyed: a dictionary of ids hashed without the key finds nobody
