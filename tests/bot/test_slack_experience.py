"""Every way people reach Upnext, end to end: signed HTTP into the real app, answers observed on the fake Slack."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.conftest import ANA_PROFILE
from tests.helpers import assert_valid_blocks, assert_valid_message, mrkdwn_texts
from tests.slack_requests import ANA, answer_buttons, click, command, dm, event, onboard, submit_interests

SQL = "swcarpentry/sql-novice-survey/01-select"


# -- App Home -----------------------------------------------------------------------------------------------------
def test_home_greets_by_name_with_rows_progress_and_settings(server, service):
    assert event(server, {"type": "app_home_opened", "user": ANA, "tab": "home", "channel": "D" + ANA}).status == 200
    view = server.slack.wait_for_call("views.publish")[0].body["view"]
    assert view["type"] == "home"
    assert_valid_blocks(view["blocks"], limit=100)
    assert view["blocks"][0]["type"] == "header" and ", Ana" in view["blocks"][0]["text"]["text"]
    texts = " ".join(mrkdwn_texts(view["blocks"]))
    assert "Pick 3 or more interests" in texts and "*Nudges:* on" in texts
    more = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "row_more"]
    assert 1 <= len(more) <= 4


def test_home_ignores_the_messages_tab(server):
    event(server, {"type": "app_home_opened", "user": ANA, "tab": "messages", "channel": "D" + ANA})
    server.settle()
    assert server.slack.calls_to("views.publish") == []


# -- asking -------------------------------------------------------------------------------------------------------
def test_a_direct_message_asking_what_next_gets_explained_picks(server, service):
    onboard(service)
    dm(server, "What should I learn next?")
    answer = server.answer("chat.postMessage", "Up next for you")
    assert_valid_message(answer)
    reasons = [b for b in answer["blocks"] if b["type"] == "context" and "_" in b["elements"][0]["text"]]
    assert 3 <= len(reasons) <= 5
    assert answer["channel"] == "D" + ANA


def test_a_direct_message_with_words_searches(server, service):
    onboard(service)
    dm(server, "sql joins")
    assert_valid_message(server.answer("chat.postMessage", "Courses for"))


def test_a_mention_is_answered_in_its_thread_without_the_mention(server, service):
    onboard(service)
    event(server, {"type": "app_mention", "user": ANA, "channel": "C0GENERAL", "ts": "100.1",
                   "text": "<@UUPNEXTBOT> version control", "event_ts": "100.1"})  # fmt: skip
    answer = server.answer("chat.postMessage", "Courses for “version control”")
    assert answer["thread_ts"] == "100.1" and answer["channel"] == "C0GENERAL"


def test_assistant_thread_greets_by_name_with_suggested_prompts_then_answers(server, service):
    onboard(service)
    thread = {"user_id": ANA, "channel_id": "D" + ANA, "thread_ts": "200.1", "context": {}}
    event(server, {"type": "assistant_thread_started", "assistant_thread": thread, "event_ts": "200.2"})
    greeting = server.answer("chat.postMessage", "Hi Ana")
    assert greeting["thread_ts"] == "200.1"
    prompts = server.slack.wait_for_call("assistant.threads.setSuggestedPrompts")[0].body["prompts"]
    prompts = json.loads(prompts) if isinstance(prompts, str) else prompts
    assert 1 <= len(prompts) <= 4 and prompts[0]["message"] == "What should I learn next?"
    dm(server, "What should I learn next?", thread_ts="200.1")
    answer = server.answer("chat.postMessage", "Up next for you")
    assert answer["thread_ts"] == "200.1"


def test_the_bot_ignores_its_own_and_other_bots_messages(server, service):
    onboard(service)
    dm(server, "hello from a bot", bot_id="B999", subtype="bot_message")
    dm(server, "edited", subtype="message_changed")
    server.settle()
    assert server.slack.calls_to("chat.postMessage") == []


def test_a_retried_event_is_answered_once(server, service):
    onboard(service)
    ts = f"{time.time():.6f}"
    payload = {"type": "message", "channel": "D" + ANA, "channel_type": "im", "user": ANA, "text": "git",
               "ts": ts, "event_ts": ts}  # fmt: skip
    assert event(server, payload, event_id="EvSAME").status == 200
    assert event(server, payload, event_id="EvSAME", retry=1).status == 200
    assert event(server, payload, event_id="EvSAME", retry=2).status == 200
    server.answer("chat.postMessage", "Courses for")
    server.settle()
    assert len(server.slack.calls_to("chat.postMessage")) == 1


# -- /learn subcommands -------------------------------------------------------------------------------------------
def test_first_contact_gets_a_welcome_with_the_interests_picker_once(server):
    command(server, "sql")
    welcome = server.answer("respond", "Pick 3 or more interests")
    assert welcome["blocks"][0]["accessory"]["action_id"] == "open_interests"
    server.answer("respond", "Courses for")
    command(server, "git")
    server.slack.wait_for(lambda calls: sum("Courses for" in c.body.get("text", "") for c in calls) == 2)
    assert sum("Pick 3 or more" in c.body.get("text", "") for c in server.slack.calls_to("respond")) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next", "Up next for you"),
        ("next version control", "Up next for you"),
        ("saved", "Nothing saved yet"),
        ("help", "How to use /learn"),
        ("privacy", "What Upnext knows about you"),
        ("forget me", "This erases everything Upnext knows about you"),
        ("nudges off", "Nudges are off"),
        ("nudges on", "Nudges are on"),
        ("nudges snooze 2w", "Nudges are snoozed until"),
        ("nudges later", "Use `/learn nudges off`"),
        ("done", "Tell me which course"),
        ("done Selecting Data", "Marked *Selecting Data* as done"),
        ("done zzqqxx", "I couldn't find"),
        ("what should I learn next?", "Up next for you"),
    ],
)
def test_learn_subcommands(server, service, text, expected):
    onboard(service)
    command(server, text)
    assert_valid_message(server.answer("respond", expected))


def test_every_use_of_upnext_counts_as_activity_for_come_back_nudges(server, service):
    onboard(service)
    assert service.learners.get(ANA).last_active_at is None
    command(server, "help")
    server.answer("respond", "")
    assert service.learners.get(ANA).last_active_at is not None


def test_learn_interests_opens_the_modal_with_role_prefilled(server, service):
    onboard(service)
    command(server, "interests")
    view = server.slack.wait_for_call("views.open")[0].body["view"]
    assert view["callback_id"] == "interests_modal"
    assert_valid_blocks(view["blocks"], limit=100)
    role = next(b for b in view["blocks"] if b.get("block_id") == "role")
    assert role["element"]["initial_value"] == "Data Analyst"


def test_nudge_settings_and_done_change_the_learner(server, service):
    onboard(service)
    command(server, "nudges off")
    server.answer("respond", "Nudges are off")
    assert service.learners.get(ANA).nudges == "off"
    command(server, "done Selecting Data")
    server.answer("respond", "Marked")
    assert service.history.states(ANA)[SQL].completed_at is not None


# -- buttons ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action_id", "state"),
    [("course_start", "▶️ Started"), ("course_save", "🔖 Saved for later"), ("course_done", "✅ Done"),
     ("course_dismiss", "Hidden. You'll see fewer courses like this.")],
)  # fmt: skip
def test_each_card_button_records_the_event_updates_the_message_in_place_and_the_home(
    server, service, action_id, state
):
    onboard(service)
    buttons = answer_buttons(server, "select data from a database")
    button = next(b for b in buttons if b["action_id"] == action_id)
    course_id = json.loads(button["value"])["c"]
    assert click(server, action_id, button["value"]).status == 200
    redrawn = server.slack.wait_for(
        lambda calls: any(c.body.get("replace_original") in (True, "true") for c in calls if c.method == "respond")
    )
    update = next(c.body for c in redrawn if c.method == "respond" and c.body.get("replace_original"))
    assert_valid_message(update)
    assert any(state in text for text in mrkdwn_texts(update["blocks"]))
    server.slack.wait_for_call("views.publish")
    kind = {"course_start": "started", "course_save": "saved", "course_done": "completed"}.get(action_id, "dismissed")
    assert [e.kind for e in service.history.for_learner(ANA) if e.course_id == course_id] == [kind]


def test_the_which_one_choice_keeps_its_question_when_a_card_is_clicked(server, service):
    onboard(service)
    command(server, "done shell")
    choice = server.answer("respond", "Which one did you finish?")
    buttons = [e for b in choice["blocks"] if b["type"] == "actions" for e in b["elements"]]
    done = next(e for e in buttons if e["action_id"] == "course_done")
    assert click(server, "course_done", done["value"]).status == 200
    redrawn = server.slack.wait_for(
        lambda calls: any(c.method == "respond" and c.body.get("replace_original") in (True, "true") for c in calls)
    )
    update = next(c.body for c in redrawn if c.method == "respond" and c.body.get("replace_original"))
    assert_valid_message(update)
    assert update["text"] == "Which one did you finish?"


def test_a_forged_button_value_is_ignored(server, service):
    onboard(service)
    assert click(server, "course_save", '{"a": 999, "c": "no-such-course"}').status == 200
    assert click(server, "course_save", "not json").status == 200
    server.settle()
    assert service.history.for_learner(ANA) == []


def test_interests_submission_needs_three_and_changes_the_next_answer(server, service):
    onboard(service)

    refused = submit_interests(server, ["sql", "git"], "Analyst")
    assert refused.status == 200 and refused.json()["response_action"] == "errors"
    offered = service.courses.top_topics(3)  # what the modal offers: the catalog's most common topics
    assert submit_interests(server, offered, "Analyst").status == 200
    server.slack.wait_for_call("views.publish")
    learner = service.learners.get(ANA)
    assert learner.interests == tuple(offered) and learner.title == "Analyst"
    command(server, "next")
    answer = server.answer("respond", "Up next for you")
    assert "Matches your interest in" in " ".join(mrkdwn_texts(answer["blocks"]))


def test_privacy_export_sends_a_file_and_forget_me_erases_everything(server, service):
    onboard(service)
    service.history.record(ANA, SQL, "completed")
    click(server, "privacy_export", "export")
    upload = server.slack.wait_for_call("upload")[0].body["content"]
    exported = json.loads(upload)
    assert exported["profile"]["slack_id"] == ANA and exported["history"][0]["course_id"] == SQL
    server.slack.wait_for_call("files.completeUploadExternal")
    click(server, "privacy_forget", "forget")
    server.answer("respond", "Upnext has forgotten you")
    assert service.learners.get(ANA) is None and service.history.for_learner(ANA) == []


# -- hostile catalog text -----------------------------------------------------------------------------------------
def test_a_hostile_course_title_is_escaped_everywhere(server, service, tmp_path):
    hostile = {"id": "evil", "title": "<!channel> & <@U123> *free*", "description": "<!here> click", "topics": ["sql"],
               "url": "https://example.com/?a=1&b=2"}  # fmt: skip
    path = tmp_path / "evil.jsonl"
    path.write_text(json.dumps(hostile) + "\n")
    service.catalog.import_file(path)
    onboard(service)
    service.learners.update(service.learners.get(ANA), interests=("sql", "free"))
    command(server, "free channel")
    dm(server, "free channel")
    event(server, {"type": "app_home_opened", "user": ANA, "tab": "home", "channel": "D" + ANA})
    search = server.answer("respond", "Courses for")
    message = server.answer("chat.postMessage", "Courses for")
    home = server.slack.wait_for_call("views.publish")[0].body["view"]
    for surface in (search, message):
        texts = [*mrkdwn_texts(surface["blocks"]), surface["text"]]
        assert any("&lt;!channel&gt; &amp; &lt;@U123&gt; *free*" in t for t in texts)
    for text in [*mrkdwn_texts(search["blocks"]), *mrkdwn_texts(message["blocks"]), *mrkdwn_texts(home["blocks"])]:
        assert "<!channel>" not in text and "<@U123>" not in text and "<!here>" not in text


def test_a_spanish_speaker_is_answered_in_spanish(server, service):
    onboard(service, "U0LUIS")
    command(server, "next", user="U0LUIS")
    answer = server.answer("respond", "Lo siguiente para ti")
    assert_valid_message(answer)
    buttons = [e["text"]["text"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "Guardar" in buttons


def test_a_japanese_speaker_gets_home_answers_and_dates_in_japanese(server, service):
    server.slack.users["U0YUKI"] = {
        **ANA_PROFILE, "id": "U0YUKI", "name": "yuki", "real_name": "田中 由紀", "tz": "Asia/Tokyo", "locale": "ja-JP",
        "profile": {"first_name": "由紀", "real_name": "田中 由紀", "title": "データアナリスト", "email": None},
    }  # fmt: skip
    onboard(service, "U0YUKI")
    event(server, {"type": "app_home_opened", "user": "U0YUKI", "tab": "home", "channel": "DU0YUKI"})
    home = server.slack.wait_for_call("views.publish")[0].body["view"]
    assert_valid_blocks(home["blocks"], limit=100)
    assert "由紀さん" in home["blocks"][0]["text"]["text"]
    assert "*通知:* オン" in " ".join(mrkdwn_texts(home["blocks"]))
    command(server, "next", user="U0YUKI")
    answer = server.answer("respond", "あなたへの次のおすすめ")
    assert_valid_message(answer)
    assert "*由紀さんへの次のおすすめ*" in mrkdwn_texts(answer["blocks"])
    buttons = [e["text"]["text"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {"開始", "あとで見る", "完了"} <= set(buttons)
    command(server, "nudges snooze 2w", user="U0YUKI")
    snoozed = server.answer("respond", "通知を")
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日まで", snoozed["text"]), snoozed["text"]
