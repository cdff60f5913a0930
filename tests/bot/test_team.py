"""Managers in Slack: `/learn team` shows a team of at least the minimum group its figures, folded, naming nobody, and
refuses a smaller one without a hint of who used Upnext; Recommend to my team reaches each report as a nudge would
(the weekly cap, snooze and nudges off obeyed), and the manager learns nothing about who got it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from config.nudges import NudgePolicy
from learning.timestamps import utcnow
from scheduler.delivery import TAKEN, WITHDRAWN, Sender, nudge_client
from scheduler.planner import COME_BACK, TEAM_PICK, Planner
from tests.conftest import ANA_PROFILE
from tests.helpers import mrkdwn_texts
from tests.slack_requests import ANA, click, command, onboard

SQL = "swcarpentry/sql-novice-survey/01-select"
SORTING = "swcarpentry/sql-novice-survey/02-sort-dup"
FILTERING = "swcarpentry/sql-novice-survey/03-filter"  # what the team finished
MANAGER_EMAIL = ANA_PROFILE["profile"]["email"]  # the people file names Ana, the manager, by her email
REPORTS = [f"U0REPORT{n}" for n in range(1, 6)]
ALWAYS = NudgePolicy(window_start_hour=0, window_end_hour=24, weekdays=tuple(range(7)), holdout_share=0.0,
                     sends_per_second=1000)  # fmt: skip


def people_file(tmp_path: Path, reports: list[str], manager: str = MANAGER_EMAIL) -> Path:
    path = tmp_path / "people.csv"
    path.write_text("person,manager,department,location\n" + "".join(f"{r},{manager},Data,Madrid\n" for r in reports))
    return path


def a_team(service, tmp_path: Path, size: int) -> list[str]:
    """`size` direct reports of Ana's (in her workspace) who used Upnext in each of the last four finished weeks and
    finished the filtering lesson; Ana has used Upnext too."""
    onboard(service)
    reports = REPORTS[:size]
    last_monday = utcnow() - timedelta(days=utcnow().weekday() + 7)
    for report in reports:
        service.learners.save_profile(report, {"team_id": "T0LOCAL", "real_name": f"Report {report}", "tz": "UTC"})
        service.learners.touch(report, utcnow() - timedelta(days=1))
        for week in range(4):
            service.history.record(report, FILTERING, "saved", at=last_monday - timedelta(days=7 * week))
        service.history.record(report, FILTERING, "completed", at=last_monday + timedelta(hours=1))
    report = service.people_importer.import_file(people_file(tmp_path, reports))
    assert report.imported == size and report.rejected == 0
    return reports


FIGURES, REFUSAL, CHOICES = "Your team's learning", "Team figures are for managers", "Courses to recommend"


def team_answer(server, text: str, containing: str, user: str = ANA) -> dict:
    """The answer to `/learn TEXT` from `user`: the first reply containing `containing` after this command."""

    def replies(calls) -> list[dict]:
        return [c.body for c in calls if c.method == "respond" and containing in c.body.get("text", "")]

    before = len(replies(server.slack.calls))
    command(server, text, user)
    return replies(server.slack.wait_for(lambda calls: len(replies(calls)) > before))[before]


def test_a_manager_with_five_reports_who_used_upnext_sees_their_figures_and_no_one_named(server, service, tmp_path):
    reports = a_team(service, tmp_path, 5)
    text = "\n".join(mrkdwn_texts(team_answer(server, "team", FIGURES)["blocks"]))
    assert "Your team's learning" in text
    assert "*Last 4 finished weeks*\nActive learners (weekly average): *5*\nCourses finished: *5*" in text
    assert "*Last 12 finished weeks*\nActive learners (weekly average): *2*\nCourses finished: *5*" in text
    assert "Top topics: *sql*" in text
    assert not any(r in text for r in reports) and "Report" not in text


def test_a_manager_with_four_gets_the_refusal_anyone_without_a_team_gets(server, service, tmp_path):
    reports = a_team(service, tmp_path, 4)
    refusal = team_answer(server, "team", REFUSAL)
    nobody = team_answer(server, "team", REFUSAL, user="U0NOBODY")  # no team Upnext knows of
    assert refusal["text"] == nobody["text"] and "at least 5 people" in refusal["text"]
    assert not any(r in refusal["text"] for r in reports) and "4" not in refusal["text"]


def test_only_direct_reports_in_the_managers_workspace_count(server, service, tmp_path):
    reports = a_team(service, tmp_path, 5)
    service.learners.save_profile(reports[0], {"team_id": "T0ELSEWHERE"})  # a workspace Ana cannot see
    assert "at least 5 people" in team_answer(server, "team", REFUSAL)["text"]


@pytest.fixture
def recommended(server, service, tmp_path) -> list[str]:
    """Ana's five reports; she recommends the SQL course to them through Slack."""
    reports = a_team(service, tmp_path, 5)
    choices = team_answer(server, "team recommend selecting data sql", CHOICES)
    buttons = [e for b in choices["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {b["action_id"] for b in buttons} == {"team_recommend"} and SQL in {b["value"] for b in buttons}
    click(server, "team_recommend", SQL)
    done = server.answer("respond", "Done:")
    assert "Selecting Data" in done["text"] and not any(r in done["text"] for r in reports)
    return reports


def recommendations_sent(fake_slack) -> dict[str, str]:
    """The recommendation cards posted, by whom they were posted to."""
    posted = fake_slack.calls_to("chat.postMessage")
    return {c.body["channel"]: str(c.body["blocks"]) for c in posted if "by your manager" in c.body["text"]}


def test_recommend_to_my_team_skips_nudges_off_and_snoozed_and_waits_for_a_full_cap(
    recommended, service, settings, fake_slack
):
    off, snoozed, capped, *others = recommended
    now = utcnow().replace(microsecond=0)  # as the store keeps times
    service.learners.update(service.learners.get(off), nudges="off")
    service.learners.update(service.learners.get(snoozed), snoozed_until=(now + timedelta(days=14)).isoformat())
    service.nudges.plan([(capped, COME_BACK, f"{n}", "sent", now - timedelta(days=3 + n), {}) for n in (0, 1)], now)
    plans = {p.learner_id: p for p in Planner(service, ALWAYS, lambda: now).plan() if p.kind == TEAM_PICK}
    assert {who: p.status for who, p in plans.items()} == {
        off: "skipped",
        snoozed: "skipped",
        capped: "planned",
        **{o: "planned" for o in others},
    }
    assert plans[capped].due_at >= now + timedelta(days=3)  # once the older of the two leaves the week
    assert [p for p in Planner(service, ALWAYS, lambda: now).plan() if p.kind == TEAM_PICK] == []  # planned once
    service.learners.update(service.learners.get(off), nudges="on")  # too late: skipped when it was planned
    service.history.record(finished := others.pop(), SQL, "completed")  # finished it meanwhile: not sent either
    report = Sender(service, nudge_client(settings), ALWAYS, lambda: now + timedelta(days=1),
                    sleep=lambda s: None).run_once()  # fmt: skip
    cards = recommendations_sent(fake_slack)
    assert set(cards) == set(others) and finished not in cards and report.reasons == {TAKEN: 1}
    assert all("Recommended by your manager" in card and "Selecting Data" in card for card in cards.values())


def test_a_recommendation_counts_toward_the_cap_like_any_nudge(server, recommended, service):
    """With one nudge sent this week, the first recommendation fills the cap of two: a second one waits."""
    now = utcnow().replace(microsecond=0)  # as the store keeps times
    busy, *others = recommended
    service.nudges.plan([(busy, COME_BACK, "earlier", "sent", now - timedelta(days=2), {})], now)
    Planner(service, ALWAYS, lambda: now).plan()
    click(server, "team_recommend", SORTING)
    server.answer("respond", "Done: *Sorting")
    second = {p.learner_id: p for p in Planner(service, ALWAYS, lambda: now).plan() if p.period == SORTING}
    assert second[busy].due_at >= now + timedelta(days=5)  # when the one sent two days ago leaves the week
    assert all(second[o].due_at <= now + timedelta(days=1) for o in others)


def test_a_recommendation_whose_manager_was_forgotten_is_not_sent(recommended, service, settings, fake_slack):
    now = utcnow().replace(microsecond=0)  # as the store keeps times
    Planner(service, ALWAYS, lambda: now).plan()
    service.forget_me(ANA)
    report = Sender(service, nudge_client(settings), ALWAYS, lambda: now + timedelta(days=1),
                    sleep=lambda s: None).run_once()  # fmt: skip
    assert report.sent == 0 and set(report.reasons) == {WITHDRAWN}
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_reimport_does_not_bring_a_forgotten_manager_back(recommended, service, tmp_path):
    service.forget_me(ANA)
    again = service.people_importer.import_file(people_file(tmp_path, recommended))
    assert again.imported == 0 and {r.reason for r in again.rejections} == {"their manager asked Upnext to forget them"}
    assert again.lines()[-1].endswith("nothing to import: the previous import's lines are kept")


def test_a_report_who_got_a_recommendation_is_offered_the_course_recommended_by_their_manager(
    server, recommended, service, settings, fake_slack
):
    """The card is a nudge, and also a recommendation like a colleague's share: the report's next picks lift the
    course, with the reason "Recommended by your manager"."""
    now = utcnow().replace(microsecond=0)  # as the store keeps times
    Planner(service, ALWAYS, lambda: now).plan()
    Sender(service, nudge_client(settings), ALWAYS, lambda: now, sleep=lambda s: None).run_once()
    report = recommended[0]
    assert report in recommendations_sent(fake_slack)
    fake_slack.users[report] = {**ANA_PROFILE, "id": report, "real_name": "Report One",
                                "profile": {"first_name": "Report", "email": "report1@example.com"}}  # fmt: skip
    command(server, "next", report)
    answer = server.answer("respond", "Up next for you")
    assert "Selecting Data" in str(answer) and "Recommended by your manager" in str(answer)


def test_recommend_to_my_team_searches_in_the_language_the_manager_chose(server, service, tmp_path):
    """'bucles' could be several languages: for a manager who chose Spanish, it is searched as Spanish (the same
    courses `/learn bucles` would show them), not as the English a stranger's query is taken for."""
    a_team(service, tmp_path, 5)
    service.learners.update(service.learners.get(ANA), language="es")
    choices = team_answer(server, "team recommend bucles", "Cursos para recomendar a tu equipo")
    offered = [e["value"] for b in choices["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert offered == [c.id for c in service.search.search("bucles", 5, locale="es").courses]
    assert offered != [c.id for c in service.search.search("bucles", 5).courses]
