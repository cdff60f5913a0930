"""`/learn privacy` and forget me, through the real Bolt app, say what Upnext keeps of the social side: shares sent and
received, wins and the celebration choice, and the reporting line from the people file; the export holds them, and
tells a sharer nothing a share was meant to keep from them."""

from __future__ import annotations

import json
from pathlib import Path

from bot.block_kit.blocks import button_value
from learning.timestamps import utcnow
from tests.helpers import mrkdwn_texts
from tests.slack_requests import ANA, click, command, onboard

SQL = "swcarpentry/sql-novice-survey/01-select"
SHELL = "swcarpentry/shell-novice/01-intro"
BEA, LUIS = "U0BEA", "U0LUIS"


def social_ana(server, service, tmp_path: Path) -> None:
    """Ana earned a win and celebrates it, reports to U0BOSS in Data (Madrid), shared a course with Bea (and with
    Luis, who turned shares off, so it reached Bea alone), got one from Bea, and recommended one to her team."""
    onboard(service)
    command(server, "celebrate on")
    server.answer("respond", "weekly learning-wins post")
    click(server, "course_done", button_value(0, SQL))
    server.answer("chat.postMessage", "You finished your first course")
    people = tmp_path / "people.csv"
    people.write_text(f"person,manager,department,location\n{ANA},U0BOSS,Data,Madrid\n")
    assert service.people_importer.import_file(people).imported == 1
    service.shares.set_accepting(LUIS, False, utcnow())
    service.shares.record(ANA, SHELL, [BEA], utcnow(), note="for you")  # what the share modal keeps: who it reached
    service.shares.record(BEA, SQL, [ANA], utcnow(), note="from Bea")
    service.reporting.recommend(ANA, SHELL, utcnow())


def exported(server) -> dict:
    click(server, "privacy_export", "export")
    return json.loads(server.slack.wait_for_call("upload")[0].body["content"])


def test_the_privacy_message_counts_shares_wins_the_celebration_choice_and_the_people_files_line(
    server, service, tmp_path
):
    social_ana(server, service, tmp_path)
    command(server, "privacy")
    text = "\n".join(mrkdwn_texts(server.answer("respond", "What Upnext knows")["blocks"]))
    assert "Courses you shared: 1; shared with you: 1" in text
    assert "Your wins: 1; in the weekly learning-wins post: yes" in text
    assert "From your company's people file: who your manager is, your department and location" in text


def test_the_privacy_message_says_when_nothing_social_is_kept(server, service):
    onboard(service)
    command(server, "privacy")
    text = "\n".join(mrkdwn_texts(server.answer("respond", "What Upnext knows")["blocks"]))
    assert "Your wins: 0; in the weekly learning-wins post: no" in text
    assert "From your company's people file: nothing" in text


def test_the_export_holds_the_reporting_line_wins_celebration_shares_and_recommendations(server, service, tmp_path):
    social_ana(server, service, tmp_path)
    data = exported(server)
    assert data["reporting_line"] == {"manager_id": "U0BOSS", "department": "Data", "location": "Madrid",
                                      "imported_at": data["reporting_line"]["imported_at"]}  # fmt: skip
    assert [a["kind"] for a in data["achievements"]] == ["first_course"] and len(data["celebrations"]) == 1
    assert [(s["course_id"], s["note"]) for s in data["shares_sent"]] == [(SHELL, "for you")]
    assert [(s["course_id"], s["shared_by"], s["note"]) for s in data["shares_received"]] == [(SQL, BEA, "from Bea")]
    assert [r["course_id"] for r in data["team_recommendations"]] == [SHELL]


def test_the_export_never_says_how_many_people_a_share_reached(server, service, tmp_path):
    """A share that reached fewer people than were picked would tell the sharer that someone turned shares off (or
    is elsewhere): the sharer is told "the people you picked who accept shares", and the export no more."""
    social_ana(server, service, tmp_path)
    data = exported(server)
    assert all(set(s) == {"kind", "course_id", "note", "channel_id", "at"} for s in data["shares_sent"])
    assert BEA not in json.dumps(data["shares_sent"]) and LUIS not in json.dumps(data)


def test_a_manager_s_export_does_not_say_who_got_their_recommendation(server, service, tmp_path):
    """Her recommendation reached Bea as a card (a manager's share): her export lists what she recommended, never
    who got it nor how many."""
    social_ana(server, service, tmp_path)
    service.shares.record(ANA, SHELL, [BEA], utcnow(), kind="manager")  # the card Bea got
    data = exported(server)
    assert [s["kind"] for s in data["shares_sent"]] == ["colleague"]
    assert [r["course_id"] for r in data["team_recommendations"]] == [SHELL]


def test_forget_me_says_it_erases_shares_wins_celebrations_and_the_reporting_line(server, service):
    onboard(service)
    command(server, "forget me")
    answer = server.answer("respond", "erases everything")
    text = answer["text"]
    for what in ("shares you sent and received", "wins", "learning-wins post", "people file"):
        assert what in text
    confirm = next(e["confirm"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert "shares" in confirm["text"]["text"] and "wins" in confirm["text"]["text"]
    click(server, "privacy_forget", "forget")
    done = server.answer("respond", "Upnext has forgotten you")
    assert "shares" in done["text"] and "wins" in done["text"] and "people file" in done["text"]
