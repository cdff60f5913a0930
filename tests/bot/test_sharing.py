"""Sharing a course, through the real Bolt app over signed HTTP with the fake Slack: a card's Share button and the
message shortcut open the share modal; a submission sends DM cards (the note echoed safely) and a channel card where
Upnext is a member; limits, opt-outs and workspaces hold; a share lifts the course in the recipient's picks, naming
the colleague to them alone."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from learning.people.shares import DAILY_SHARES
from learning.timestamps import utcnow
from tests.fakes.slack import default_user
from tests.helpers import assert_valid_message, mrkdwn_texts
from tests.slack_requests import ANA, click, command, interact, onboard

LUIS, BEA = "U0LUIS", "U0BEA"
TEAM_CHANNEL, QUIET_CHANNEL = "C0TEAM", "C0QUIET"
SHELL = "swcarpentry/shell-novice/02-filedir"
SHELL_URL = "https://swcarpentry.github.io/shell-novice/02-filedir.html"
HOSTILE_NOTE = "Worth it <!channel> see <http://evil.example|ok> and `rm -rf` & more"


def submit_share(server, people=(), channel=None, note=None, course=SHELL, user=ANA):
    """The share modal submitted with these people, this channel and this note."""
    values = {
        "share_people": {"share_people_pick": {"type": "multi_users_select", "selected_users": list(people)}},
        "share_channel": {"share_channel_pick": {"type": "conversations_select", "selected_conversation": channel}},
        "share_note": {"share_note_input": {"type": "plain_text_input", "value": note}},
    }
    return interact(server, {
        "type": "view_submission", "user": {"id": user}, "team": {"id": "T0LOCAL"}, "api_app_id": "AUPNEXT",
        "view": {"id": "V9", "type": "modal", "callback_id": "share_modal",
                 "private_metadata": json.dumps({"c": course}), "state": {"values": values}},
    })  # fmt: skip


def posts_to(server, channel: str) -> list[dict]:
    return [c.body for c in server.slack.calls_to("chat.postMessage") if c.body.get("channel") == channel]


def told_to_sharer(server, user: str = ANA, count: int = 1) -> str:
    """What Upnext told the sharer once the share was sent: the `count`th message to their DM."""
    server.slack.wait_for(lambda calls: len(posts_to(server, user)) >= count)
    return posts_to(server, user)[count - 1]["text"]


@pytest.fixture
def colleagues(fake_slack) -> None:
    """Bea works with Ana and Luis (the same workspace); Luis reads Spanish."""
    fake_slack.users[BEA] = {**default_user(BEA), "real_name": "Bea Ruiz", "profile": {"first_name": "Bea"}}


def test_a_share_button_on_a_card_opens_the_share_modal(server, service, colleagues):
    onboard(service)
    command(server, "next")
    answer = server.answer("respond", "Up next for you")
    buttons = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    share = next(b for b in buttons if b["action_id"] == "course_share")
    click(server, "course_share", share["value"])
    (opened,) = server.slack.wait_for_call("views.open")
    view = opened.body["view"]
    assert view["callback_id"] == "share_modal"
    assert json.loads(view["private_metadata"])["c"] == json.loads(share["value"])["c"]
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["share_people"]["type"] == "multi_users_select" and inputs["share_people"]["max_selected_items"] == 20
    assert inputs["share_channel"]["type"] == "conversations_select"
    assert inputs["share_note"]["max_length"] == 280


def test_a_share_to_two_people_and_a_channel_sends_each_a_card_with_the_note_escaped(server, service, colleagues,
                                                                                    store):  # fmt: skip
    onboard(service)
    assert submit_share(server, [LUIS, BEA], TEAM_CHANNEL, HOSTILE_NOTE).status == 200
    told = told_to_sharer(server)
    luis, bea, channel = posts_to(server, LUIS), posts_to(server, BEA), posts_to(server, TEAM_CHANNEL)
    assert len(luis) == len(bea) == len(channel) == 1
    assert "*Ana* thinks you'd like this" in mrkdwn_texts(bea[0]["blocks"])[0]
    assert "*Ana* cree que esto te gustará" in mrkdwn_texts(luis[0]["blocks"])[0]  # in the recipient's language
    assert "*Ana* shared a course" in mrkdwn_texts(channel[0]["blocks"])[0]
    for card in (luis[0], bea[0], channel[0]):
        assert_valid_message(card)
        texts = " ".join(mrkdwn_texts(card["blocks"]))
        assert "<!channel>" not in texts and "<http://evil" not in texts and "`" not in texts
        assert "&lt;!channel&gt;" in texts and "&lt;http://evil.example|ok&gt;" in texts and "&amp; more" in texts
        assert "<!channel>" not in card["text"]
        buttons = {e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]}
        assert {"course_start", "course_save", "course_share"} <= buttons
    assert "Shared *Navigating Files and Directories*" in told and f"<#{TEAM_CHANNEL}>" in told
    assert store.sql.rows("SELECT sharer_id, course_id, note, channel_id FROM shares") == [
        (ANA, SHELL, HOSTILE_NOTE, TEAM_CHANNEL)
    ]
    assert sorted(r for (r,) in store.sql.rows("SELECT recipient_id FROM share_recipients")) == [BEA, LUIS]


def test_a_channel_upnext_is_not_in_gets_nothing_and_the_sharer_is_told_how_to_add_it(server, service, store):
    onboard(service)
    server.slack.channel(QUIET_CHANNEL, member=False)
    submit_share(server, channel=QUIET_CHANNEL, note="for the team")
    told = told_to_sharer(server)
    assert "/invite @Upnext" in told and f"<#{QUIET_CHANNEL}>" in told
    assert posts_to(server, QUIET_CHANNEL) == []
    assert store.sql.value("SELECT channel_id FROM shares") is None


def test_a_failed_post_saying_not_in_channel_tells_the_sharer_how_to_add_upnext(server, service):
    onboard(service)
    server.slack.fail("conversations.info", status=200, error="missing_scope")
    server.slack.fail("chat.postMessage", status=200, error="not_in_channel")
    submit_share(server, channel=QUIET_CHANNEL)
    assert "/invite @Upnext" in told_to_sharer(server)


def test_someone_with_shares_off_gets_nothing_and_the_sharer_is_not_told_who(server, service, colleagues, store):
    onboard(service)
    onboard(service, LUIS)
    command(server, "shares off", user=LUIS)
    assert "desactivadas" in server.answer("respond", "/learn shares on")["text"]
    submit_share(server, [BEA], note="first")
    alone = told_to_sharer(server)
    submit_share(server, [LUIS, BEA], note="second")
    told = told_to_sharer(server, count=2)
    assert posts_to(server, LUIS) == [] and len(posts_to(server, BEA)) == 2
    assert told == alone  # the same words whether or not someone picked turned shares off: no name, no count
    assert "Luis" not in told and LUIS not in told
    recipients = store.sql.rows("SELECT recipient_id FROM share_recipients")
    assert recipients == [(BEA,), (BEA,)]  # nothing records that Luis was picked


def test_shares_can_be_turned_on_again(server, service, colleagues):
    onboard(service, BEA)
    command(server, "shares off", user=BEA)
    server.answer("respond", "Shares are off")
    command(server, "shares on", user=BEA)
    server.answer("respond", "Shares are on")
    onboard(service)
    submit_share(server, [BEA])
    told_to_sharer(server)
    assert len(posts_to(server, BEA)) == 1


def test_the_twenty_first_person_is_refused_in_the_modal_and_nothing_is_sent(server, service, store):
    onboard(service)
    people = [f"U0P{i:02d}" for i in range(21)]
    refused = submit_share(server, people)
    assert refused.json()["response_action"] == "errors"
    assert "at most 20 people" in refused.json()["errors"]["share_people"]
    accepted = submit_share(server, people[:20])
    assert accepted.status == 200 and b"errors" not in accepted.body
    told_to_sharer(server)
    server.settle()
    assert len([c for c in server.slack.calls_to("chat.postMessage") if c.body["channel"] in people]) == 20
    assert store.sql.value("SELECT count(*) FROM shares") == 1


def test_a_note_over_280_characters_is_refused_in_the_modal(server, service, store):
    onboard(service)
    refused = submit_share(server, [BEA], note="x" * 281)
    assert "280 characters (it has 281)" in refused.json()["errors"]["share_note"]
    nobody = submit_share(server, [], None, "hello")
    assert "at least one person or a channel" in nobody.json()["errors"]["share_people"]
    server.settle()
    assert server.slack.calls_to("chat.postMessage") == [] and store.sql.value("SELECT count(*) FROM shares") == 0


def test_the_fifty_first_share_of_a_day_is_refused_and_the_limit_is_said_clearly(server, service, colleagues):
    onboard(service)
    for i in range(DAILY_SHARES - 1):  # 49 shares in the last 24 hours, one a day before that
        service.shares.record(ANA, SHELL, [BEA], utcnow() - timedelta(minutes=20 * i + 1))
    service.shares.record(ANA, SHELL, [BEA], utcnow() - timedelta(hours=25))
    fiftieth = submit_share(server, [BEA], note="the fiftieth")
    assert fiftieth.status == 200 and b"errors" not in fiftieth.body
    told_to_sharer(server)  # once the share is recorded
    refused = submit_share(server, [BEA], note="one too many")
    assert "shared 50 times in the last 24 hours" in refused.json()["errors"]["share_people"]
    assert "again tomorrow" in refused.json()["errors"]["share_people"]
    server.settle()
    assert not any("one too many" in str(c.body) for c in server.slack.calls_to("chat.postMessage"))


def test_a_share_to_someone_in_another_workspace_is_not_sent(server, service, colleagues, fake_slack):
    fake_slack.users["U0ELSE"] = {**default_user("U0ELSE"), "team_id": "T0ELSEWHERE"}
    onboard(service)
    submit_share(server, ["U0ELSE", BEA])
    told_to_sharer(server)
    server.settle()
    assert posts_to(server, "U0ELSE") == [] and len(posts_to(server, BEA)) == 1


def test_the_recipient_sees_the_course_in_their_picks_recommended_by_the_colleague_named(server, service, colleagues,
                                                                                         store):  # fmt: skip
    onboard(service)
    onboard(service, BEA)
    submit_share(server, [BEA])
    told_to_sharer(server)
    command(server, "next", user=BEA)
    answer = server.answer("respond", "Up next for you")
    texts = mrkdwn_texts(answer["blocks"])
    card = next(i for i, text in enumerate(texts) if "Navigating Files and Directories" in text)
    assert "Recommended by your colleague *Ana*" in texts[card + 1]
    assert "Ana" not in str(store.sql.rows("SELECT payload FROM answers WHERE learner_id = :u", {"u": BEA}))
    buttons = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    save = next(b for b in buttons if b["action_id"] == "course_save" and json.loads(b["value"])["c"] == SHELL)
    click(server, "course_save", save["value"], BEA)  # the answer is redrawn in place: still naming Ana
    redrawn = server.slack.wait_for_call("respond", count=2)[-1].body
    assert redrawn["replace_original"] and "Recommended by your colleague *Ana*" in str(redrawn)
    command(server, "next")  # the sharer's own picks say nothing of it
    mine = server.slack.wait_for_call("respond", count=3)[-1].body
    assert "Up next for you, Ana" in str(mine) and "Recommended by" not in str(mine)


def test_the_message_shortcut_on_a_message_with_a_catalog_link_opens_the_modal_for_that_course(server, service):
    onboard(service)
    shortcut(server, {"text": f"this one was worth it <{SHELL_URL}|shell basics>", "ts": "1.2", "type": "message"})
    (opened,) = server.slack.wait_for_call("views.open")
    view = opened.body["view"]
    assert view["callback_id"] == "share_modal" and json.loads(view["private_metadata"]) == {"c": SHELL}
    channel = next(b for b in view["blocks"] if b.get("block_id") == "share_channel")["element"]
    assert channel["initial_conversation"] == TEAM_CHANNEL


def test_the_message_shortcut_on_a_message_without_a_catalog_link_explains_politely(server, service):
    onboard(service)
    shortcut(server, {"text": "lunch at <https://example.com/menu|noon>?", "ts": "1.2", "type": "message"})
    answer = server.answer("respond", "no link to a course from your catalog")
    assert answer["response_type"] == "ephemeral"
    assert server.slack.calls_to("views.open") == []


def shortcut(server, message: dict, user: str = ANA):
    return interact(server, {
        "type": "message_action", "callback_id": "share_course", "user": {"id": user}, "team": {"id": "T0LOCAL"},
        "api_app_id": "AUPNEXT", "trigger_id": "1.2.trigger", "response_url": server.slack.response_url("shortcut"),
        "channel": {"id": TEAM_CHANNEL, "name": "team"}, "message": message, "message_ts": message["ts"],
    })  # fmt: skip


def test_the_export_holds_the_shares_a_person_sent_and_received(server, service, colleagues):
    onboard(service)
    submit_share(server, [BEA], note="for you")
    told_to_sharer(server)
    service.shares.record(BEA, SHELL, [ANA], utcnow())
    export = service.privacy.export(service.learners.get(ANA))
    assert [(s["course_id"], s["note"]) for s in export["shares_sent"]] == [(SHELL, "for you")]  # not whom (see
    # tests/bot/test_privacy.py: nor how many)
    assert [(s["course_id"], s["shared_by"]) for s in export["shares_received"]] == [(SHELL, BEA)]
    assert export["shares"] == "on"
    command(server, "privacy")
    assert "Courses you shared: 1; shared with you: 1" in str(server.answer("respond", "What Upnext knows")["blocks"])


def test_share_on_a_card_inside_a_modal_stacks_the_share_modal_on_it(server, service):
    """A Home row's "More" modal shows cards too: Slack opens a modal from a modal only by pushing it."""
    onboard(service)
    interact(server, {
        "type": "block_actions", "user": {"id": ANA}, "team": {"id": "T0LOCAL"}, "api_app_id": "AUPNEXT",
        "trigger_id": "1.3.trigger", "container": {"type": "view", "view_id": "V7"},
        "view": {"id": "V7", "type": "modal", "callback_id": "", "state": {"values": {}}},
        "actions": [{"action_id": "course_share", "value": json.dumps({"a": 0, "c": SHELL}), "block_id": "b",
                     "type": "button"}],
    })  # fmt: skip
    (pushed,) = server.slack.wait_for_call("views.push")
    assert pushed.body["view"]["callback_id"] == "share_modal" and server.slack.calls_to("views.open") == []


def test_a_share_to_someone_who_asked_to_be_forgotten_reaches_them_and_records_nothing_about_them(
    server, service, colleagues, store
):
    """Being sent a course is not using Upnext: nothing about a forgotten person comes back until they use it."""
    onboard(service)
    service.learners.remember_forgotten([BEA], utcnow())
    submit_share(server, [BEA], note="welcome back?")
    told_to_sharer(server)
    assert len(posts_to(server, BEA)) == 1
    assert store.sql.value("SELECT count(*) FROM share_recipients") == 0 and service.learners.get(BEA) is None
