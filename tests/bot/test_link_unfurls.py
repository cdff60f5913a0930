"""Catalog links posted in Slack unfold into course cards, end to end: signed HTTP into the real app, chat.unfurl
observed on the fake Slack; Start and Save on an unfurl act for whoever clicks."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.helpers import assert_valid_blocks, mrkdwn_texts
from tests.slack_requests import ANA, click, event

SQL = "swcarpentry/sql-novice-survey/01-select"
LUIS = "U0LUIS"


def shared(links: list, member: bool = True, **extra) -> dict:
    """A link_shared event for a message in #data-team posted by Ana."""
    return {"type": "link_shared", "channel": "C0DATA", "is_bot_user_member": member, "user": ANA,
            "message_ts": "1700000000.000100", "unfurl_id": "C0DATA.1700000000.000100.abc",
            "source": "conversations_history", "event_ts": "1700000000.000100",
            "links": [{"url": url, "domain": "swcarpentry.github.io"} for url in links], **extra}  # fmt: skip


def no_unfurl_after(server) -> None:
    server.settle()
    assert server.slack.calls_to("chat.unfurl") == []


def test_a_catalog_link_unfolds_into_its_course_card_and_other_links_are_left_alone(server, service):
    course = service.courses.get(SQL)
    posted = course.url.replace("https://", "http://") + "/?utm_source=newsletter"
    assert event(server, shared([posted, "https://swcarpentry.github.io/not-a-lesson/"])).status == 200
    call = server.slack.wait_for_call("chat.unfurl")[0].body
    assert (call["unfurl_id"], call["source"]) == ("C0DATA.1700000000.000100.abc", "conversations_history")
    assert list(call["unfurls"]) == [posted] and "metadata" not in call
    card = call["unfurls"][posted]["blocks"]
    assert_valid_blocks(card)
    shown = " ".join(mrkdwn_texts(card))
    assert course.title in shown and "Software Carpentry" in shown and "Beginner" in shown
    buttons = [e for b in card if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["course_start", "course_save"]
    assert buttons[0]["url"] == course.url


def test_links_where_upnext_is_not_a_member_or_outside_the_catalog_do_not_unfold(server, service):
    url = service.courses.get(SQL).url
    event(server, shared([url], member=False))
    event(server, shared(["https://example.com/blog/sql"]))
    no_unfurl_after(server)


@pytest.mark.parametrize(
    "malformed",
    [
        {"links": "https://swcarpentry.github.io/"},
        {"links": [1, None, {"url": 5}, {"domain": "x"}]},
        {"links": [{"url": "javascript:alert(1)"}, {"url": "https://[::1"}]},
        {"is_bot_user_member": "yes"},
        {"channel": None, "message_ts": None, "unfurl_id": None, "source": None},
    ],
)
def test_a_malformed_link_shared_event_is_acknowledged_and_unfurls_nothing(server, service, malformed):
    payload = {**shared([service.courses.get(SQL).url]), **malformed}
    assert event(server, payload).status == 200
    no_unfurl_after(server)


class TestWithWorkObjects:
    @pytest.fixture
    def settings(self, settings):
        return replace(settings, work_objects=True)

    def test_the_course_also_goes_as_a_content_item_and_opens_in_the_side_panel(self, server, service):
        course = service.courses.get(SQL)
        posted = course.url + "#objectives"
        event(server, shared([posted]))
        call = server.slack.wait_for_call("chat.unfurl")[0].body
        [entity] = call["metadata"]["entities"]
        assert entity["entity_type"] == "slack#/entities/content_item"
        assert (entity["app_unfurl_url"], entity["url"], entity["external_ref"]["id"]) == (posted, course.url, SQL)
        assert entity["entity_payload"]["attributes"]["title"]["text"] == course.title
        assert list(call["unfurls"]) == [posted]  # the card too, for clients without Work Objects
        event(server, {"type": "entity_details_requested", "user": LUIS, "external_ref": {"id": SQL, "type": "course"},
                       "entity_url": course.url, "app_unfurl_url": posted, "trigger_id": "123.456.abc",
                       "user_locale": "es-ES", "channel": "C0DATA", "message_ts": "1700000000.000100"})  # fmt: skip
        details = server.slack.wait_for_call("entity.presentDetails")[0].body
        assert details["trigger_id"] == "123.456.abc"
        assert details["metadata"]["external_ref"]["id"] == SQL
        assert details["metadata"]["entity_payload"]["attributes"]["display_type"] == "Curso"


def test_save_on_an_unfurl_saves_for_whoever_clicked_and_tells_only_them(server, service):
    course = service.courses.get(SQL)
    event(server, shared([course.url]))
    card = server.slack.wait_for_call("chat.unfurl")[0].body["unfurls"][course.url]["blocks"]
    save = next(e for b in card if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "course_save")
    unfurl = {
        "type": "message_attachment",
        "message_ts": "1700000000.000100",
        "attachment_id": 1,
        "channel_id": "C0DATA",
        "is_ephemeral": False,
        "is_app_unfurl": True,
        "app_unfurl_url": course.url,
    }
    assert click(server, "course_save", save["value"], user=LUIS, container=unfurl).status == 200  # fmt: skip
    told = server.slack.wait_for_call("chat.postEphemeral")[0].body
    assert (told["channel"], told["user"]) == ("C0DATA", LUIS) and course.title in told["text"]
    server.settle()
    assert service.history.states(LUIS)[SQL].saved
    assert SQL not in service.history.states(ANA)  # the poster's own history is untouched
    assert server.slack.calls_to("respond") == []  # the unfurl is everyone's: it is not redrawn for one person
    assert json.loads(save["value"])["a"] == 0


def test_the_unfurl_speaks_the_posters_language_when_upnext_knows_them(server, service):
    service.learners.save_profile(ANA, {"locale": "es-ES", "real_name": "Ana"})
    event(server, shared([service.courses.get(SQL).url]))
    card = next(iter(server.slack.wait_for_call("chat.unfurl")[0].body["unfurls"].values()))["blocks"]
    assert "Principiante" in " ".join(mrkdwn_texts(card))
