"""Wins through the real app: a completion that earns an achievement is announced once in the learner's DM and shown
on Home; *Share with #channel* posts only after the learner chose a channel (and only where Upnext is); celebrations
are off until `/learn celebrate on`."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.block_kit.blocks import button_value
from learning.people.history import COMPLETED, NUDGES_SNOOZED
from learning.timestamps import iso, utcnow
from tests.conftest import ANA_PROFILE
from tests.helpers import assert_valid_blocks, assert_valid_message, mrkdwn_texts
from tests.slack_requests import ANA, click, command, event, interact, onboard

SQL = "swcarpentry/sql-novice-survey/01-select"
SHELL = "swcarpentry/shell-novice"
SHELL_STEPS = ["01-intro", "02-filedir", "03-create", "04-pipefilter", "05-loop", "06-script", "07-find"]
MADRID = ZoneInfo(ANA_PROFILE["tz"])
CHANNEL = "C0WINS"


def finish(server, course_id: str, user: str = ANA):
    """Ana clicks Done on a card showing `course_id`."""
    return click(server, "course_done", button_value(0, course_id), user)


def dms(server, user: str = ANA) -> list[dict]:
    return [c.body for c in server.slack.calls_to("chat.postMessage") if c.body.get("channel") == user]


def announced(server, containing: str) -> dict:
    """The DM announcing a win (waiting for it)."""
    return server.answer("chat.postMessage", containing)


def home_text(call) -> str:
    view = call.body["view"]
    assert_valid_blocks(view["blocks"], limit=100)
    return "\n".join(mrkdwn_texts(view["blocks"]))


def home_showing(server, text: str) -> None:
    """Wait until a Home tab published for the learner shows `text`."""
    server.slack.wait_for(lambda calls: any(text in home_text(c) for c in calls if c.method == "views.publish"))


def week_ago(weeks: int) -> datetime:
    """Tuesday noon in Madrid, `weeks` weeks before this one."""
    today = utcnow().astimezone(MADRID).date()
    monday = today - timedelta(days=today.weekday(), weeks=weeks)
    return datetime.combine(monday + timedelta(days=1), time(12), MADRID)


def test_a_first_finished_course_is_announced_once_in_the_dm_and_shown_on_home(server, service):
    onboard(service)
    assert finish(server, SQL).status == 200
    message = announced(server, "You finished your first course")
    assert_valid_message(message)
    [share] = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert share["action_id"] == "win_share" and share["text"]["text"] == "Share with #channel"
    home_showing(server, "*Your wins*\n🎓 First course finished")

    finish(server, f"{SHELL}/01-intro")
    server.slack.wait_for_call("views.publish", count=2)  # after the second click's news, if it had any
    server.settle()
    assert sum("first course" in m["text"] for m in dms(server)) == 1
    assert [c.body["channel"] for c in server.slack.calls_to("chat.postMessage")] == [ANA]  # nothing posted elsewhere


def test_finishing_a_fifth_course_announces_five_courses_and_not_the_first_earned_days_ago(server, service):
    onboard(service)
    for step in SHELL_STEPS[:4]:
        service.history.record(ANA, f"{SHELL}/{step}", COMPLETED, at=utcnow() - timedelta(days=3))
    finish(server, SQL)
    assert_valid_message(announced(server, "Five courses finished!"))
    home_showing(server, "First course finished")  # shown, not announced
    server.settle()
    assert not any("first course" in m["text"] for m in dms(server))


def test_finishing_the_last_course_of_a_path_announces_the_path_by_its_title(server, service):
    onboard(service)
    for step in SHELL_STEPS[:-1]:
        service.history.record(ANA, f"{SHELL}/{step}", COMPLETED, at=utcnow() - timedelta(days=3))
    finish(server, f"{SHELL}/{SHELL_STEPS[-1]}")
    assert_valid_message(announced(server, "You finished the whole *The Unix Shell* path!"))
    home_showing(server, "Path finished: *The Unix Shell*")


def test_a_snoozed_week_keeps_a_four_week_run_and_an_empty_one_breaks_it(server, service):
    onboard(service)
    courses = [f"{SHELL}/{step}" for step in SHELL_STEPS]
    for weeks, course in [(4, courses[0]), (3, courses[1]), (1, courses[2])]:
        service.history.record(ANA, course, COMPLETED, at=week_ago(weeks))
    finish(server, courses[3])  # this week: weeks 4, 3, 1 and 0 ago, week 2 ago empty
    server.slack.wait_for_call("views.publish")  # after the click's news, if it had any
    assert not any("Four weeks" in m["text"] for m in dms(server))

    monday = week_ago(2) - timedelta(days=1)  # week 2 ago was snoozed, from Monday on, for five days
    service.history.record(ANA, None, NUDGES_SNOOZED, at=monday, value=iso(monday + timedelta(days=5)))
    finish(server, courses[4])
    assert_valid_message(announced(server, "Four weeks in a row with something finished!"))
    home_showing(server, "🔥 Four weeks in a row")


def test_learn_done_announces_what_it_earned(server, service):
    onboard(service)
    command(server, "done Selecting Data")
    server.answer("respond", "Marked")
    announced(server, "You finished your first course")


def share_button(server) -> str:
    finish(server, SQL)
    message = announced(server, "You finished your first course")
    return next(e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])


def submit_share(server, win_id: str, channel: str, user: str = ANA):
    return interact(server, {
        "type": "view_submission", "user": {"id": user}, "team": {"id": "T0LOCAL"}, "api_app_id": "AUPNEXT",
        "view": {"id": "V9", "type": "modal", "callback_id": "win_share_modal", "private_metadata": win_id,
                 "state": {"values": {"channel": {"channel_pick": {"type": "conversations_select",
                                                                   "selected_conversation": channel}}}}},
    })  # fmt: skip


def posts_in(server, channel: str) -> list[dict]:
    return [c.body for c in server.slack.calls_to("chat.postMessage") if c.body.get("channel") == channel]


def test_share_with_channel_posts_in_the_learners_name_only_once_they_chose_the_channel(server, service):
    onboard(service)
    win_id = share_button(server)
    click(server, "win_share", win_id)
    modal = server.slack.wait_for_call("views.open")[0].body["view"]
    assert modal["callback_id"] == "win_share_modal" and modal["private_metadata"] == win_id
    assert_valid_blocks(modal["blocks"], limit=100)
    picker = next(b for b in modal["blocks"] if b.get("block_id") == "channel")["element"]
    assert picker["type"] == "conversations_select" and picker["filter"]["include"] == ["public", "private"]
    assert "*Ana García* finished their first course 🎉" in "\n".join(mrkdwn_texts(modal["blocks"]))
    assert [c.body["channel"] for c in server.slack.calls_to("chat.postMessage")] == [ANA]  # still nothing posted

    assert submit_share(server, win_id, CHANNEL).status == 200
    server.answer("chat.postMessage", f"Shared in <#{CHANNEL}>")
    [post] = posts_in(server, CHANNEL)
    assert_valid_message(post)
    assert post["text"] == "*Ana García* finished their first course 🎉"


def test_sharing_where_upnext_is_not_posts_nothing_and_says_how_to_add_it(server, service):
    onboard(service)
    win_id = share_button(server)
    server.slack.fail("chat.postMessage", status=200, error="not_in_channel")
    submit_share(server, win_id, CHANNEL)
    told = server.answer("chat.postMessage", "Upnext is not in")
    assert "`/invite @Upnext`" in told["text"] and posts_in(server, CHANNEL) == []


def test_nobody_can_share_someone_elses_win_or_a_forged_channel(server, service):
    onboard(service)
    win_id = share_button(server)
    click(server, "win_share", win_id, user="U0LUIS")
    submit_share(server, win_id, CHANNEL, user="U0LUIS")
    submit_share(server, win_id, "<!channel>")
    server.settle()
    assert server.slack.calls_to("views.open") == []
    assert [c.body["channel"] for c in server.slack.calls_to("chat.postMessage")] == [ANA]


def test_a_hostile_name_is_escaped_in_a_shared_win(server, service, fake_slack):
    fake_slack.users[ANA] = {**ANA_PROFILE, "real_name": "<!channel> Ana `x`"}
    onboard(service)
    win_id = share_button(server)
    submit_share(server, win_id, CHANNEL)
    server.answer("chat.postMessage", "Shared in")
    [post] = posts_in(server, CHANNEL)
    assert "<!channel>" not in json.dumps(post) and "&lt;!channel&gt; Ana" in post["text"] and "`" not in post["text"]


def test_celebrations_are_off_until_the_learner_turns_them_on(server, service):
    onboard(service)
    assert not service.achievements.repository.celebrates(ANA)
    command(server, "celebrate on")
    server.answer("respond", "weekly learning-wins post")
    assert service.achievements.repository.celebrates(ANA)
    command(server, "celebrate off")
    server.answer("respond", "Your wins stay yours")
    assert not service.achievements.repository.celebrates(ANA)
    event(server, {"type": "app_home_opened", "user": ANA, "tab": "home", "channel": "D" + ANA})
    [home] = server.slack.wait_for_call("views.publish")
    assert "Your wins" not in home_text(home)  # nothing won yet: no empty section
