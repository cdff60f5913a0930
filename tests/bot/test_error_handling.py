"""When our own code fails: the failure is logged with its request kind, the person gets the apology in their
language, and the HTTP layer says 500 (our bug), never 400 (which would blame Slack's payload)."""

from __future__ import annotations

import json
import logging

from tests.slack_requests import click, dm, submit_interests

SQL = "swcarpentry/sql-novice-survey/01-select"

LUIS = "U0LUIS"  # Spanish
MISSING_TABLE = {"sqlite": "OperationalError", "postgres": "UndefinedTable"}  # what each engine raises for one


def test_a_failing_listener_is_logged_by_kind_and_the_learner_gets_the_apology_in_their_language(
    server, service, caplog, store, engine
):
    service.learners.save_profile(LUIS, {"real_name": "Luis Pérez", "first_name": "Luis", "locale": "es-ES"})
    store.sql.execute("DROP TABLE events")  # the click cannot be recorded

    with caplog.at_level(logging.ERROR, logger="bot.failures"):
        value = json.dumps({"a": 0, "c": SQL})  # a real card's button
        assert click(server, "course_save", value, user=LUIS).status == 200  # acknowledged before it failed
        answer = server.slack.wait_for(lambda calls: any(c.method == "respond" for c in calls))
        server.settle()

    apology = next(c.body for c in answer if c.method == "respond")
    assert apology["text"].startswith("Lo siento, algo ha fallado")
    assert apology["response_type"] == "ephemeral"
    assert any(r.getMessage() == f"action request failed: {MISSING_TABLE[engine]}" for r in caplog.records)


def test_a_failure_after_an_event_was_acknowledged_is_logged_with_the_apology_in_the_conversation(
    server, service, caplog, store, engine
):
    store.sql.execute("DROP TABLE seen_slack_events")  # the retry check every event listener starts with

    with caplog.at_level(logging.ERROR, logger="bot.failures"):
        assert dm(server, "python").status == 200  # the ack never waits on (or fails with) the database
    posted = server.slack.wait_for_call("chat.postMessage")[0].body
    assert posted["channel"] == "DU0ANA"
    assert posted["text"].startswith("Sorry, something went wrong on my side")
    assert any(r.getMessage() == f"event:message request failed: {MISSING_TABLE[engine]}" for r in caplog.records)


def test_a_failure_before_the_ack_is_a_500_not_a_400(server, service, caplog, store, engine):
    store.sql.execute("DROP TABLE learners")  # the "too few interests" answer reads the person's language

    with caplog.at_level(logging.ERROR, logger="bot.failures"):
        assert submit_interests(server, ["sql"], "Analyst").status == 500  # our bug, not Slack's payload
    assert any(r.getMessage() == f"view request failed: {MISSING_TABLE[engine]}" for r in caplog.records)
