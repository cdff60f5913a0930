"""The learning team's sharing and team figures: courses shared and who shared, shares turned off, managers'
recommendations, managers with a team for `/learn team` and learners celebrating their wins. Aggregates only, each
from at least the minimum group of one workspace's people (3 here), held back below it; no format names anyone."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from admin.dashboard import dashboard_page
from insights.formats import as_csv, as_json, as_text
from insights.gaps import GapFinder
from insights.queries import Scope
from insights.report import Report, ReportBuilder, Window
from learning.teams.reporting import Line
from learning.timestamps import utcnow
from tests.insights.test_report import this_week

COURSE = "swcarpentry/sql-novice-survey/01-select"
MANAGERS = [f"U0BOSS{i}" for i in range(1, 5)]


def test_people_who_shared_and_shares_turned_off_count_from_the_minimum_group(service, upnext, encoder):
    for user, times in (("U0S1", 2), ("U0S2", 1), ("U0S3", 1)):
        for _ in range(times):
            service.shares.record(user, COURSE, ["U0FRIEND"], utcnow())
    for user in ("U0OFF1", "U0OFF2"):
        service.shares.set_accepting(user, False, utcnow())
    report = this_week(upnext, encoder)
    assert (report.shares.sent, report.shares.sharers, report.shares.turned_off) == (4, 3, 0)  # two: held back
    service.shares.set_accepting("U0OFF3", False, utcnow())
    assert this_week(upnext, encoder).shares.turned_off == 3
    service.shares.set_accepting("U0OFF3", True, utcnow())  # on again: no longer counted as off
    assert this_week(upnext, encoder).shares.turned_off == 0


def test_manager_recommendations_count_only_in_weeks_enough_managers_recommended(service, upnext, encoder):
    for manager in MANAGERS[:2]:
        service.reporting.recommend(manager, COURSE, utcnow())
    assert this_week(upnext, encoder).teams.recommendations == 0  # two managers: held back
    service.reporting.recommend(MANAGERS[2], COURSE, utcnow())
    service.reporting.recommend(MANAGERS[2], COURSE, utcnow())
    teams = this_week(upnext, encoder).teams
    assert (teams.recommendations, teams.managers) == (4, 3)


def a_team(service, manager: str, workspace: str, reports: int) -> list[Line]:
    """A manager of `workspace` and `reports` direct reports there who used Upnext (the first named by email)."""
    service.learners.save_profile(manager, {"team_id": workspace, "real_name": "A Manager"})
    lines = []
    for n in range(reports):
        report = f"{manager}R{n}"
        email = f"{report.lower()}@example.com"
        service.learners.save_profile(report, {"team_id": workspace, "real_name": "A Report", "email": email})
        service.learners.touch(report, utcnow())
        lines.append(Line(f"email:{email}" if n == 0 else report, manager))
    return lines


def in_workspace(upnext, encoder, team_id: str) -> Report:
    """This week's figures of one workspace's learners, read once the week has ended."""
    later = utcnow() + timedelta(weeks=1)
    builder = ReportBuilder(upnext.report_queries(Scope.workspace(team_id)), GapFinder(encoder), min_group=3,
                            clock=lambda: later)  # fmt: skip
    return builder.build(Window.last_weeks(1, today=later.date()))


def test_managers_with_a_team_count_per_workspace_from_the_minimum_group(service, upnext, encoder):
    """Three managers with three reports each in workspace A, two in B: everyone's figure is A's three, not five;
    a manager with two reports who used Upnext has no team (nor one whose reports never used it)."""
    lines = [*a_team(service, "U0A1", "T0A", 3), *a_team(service, "U0A2", "T0A", 3), *a_team(service, "U0A3", "T0A", 3),
             *a_team(service, "U0B1", "T0B", 3), *a_team(service, "U0B2", "T0B", 3), *a_team(service, "U0A4", "T0A", 2),
             Line("U0NEVER1", "U0A4"), Line("U0NEVER2", "U0A4")]  # fmt: skip
    service.reporting.replace(lines, utcnow())
    assert this_week(upnext, encoder).teams.with_team == 3
    assert [in_workspace(upnext, encoder, w).teams.with_team for w in ("T0A", "T0B")] == [3, 0]
    service.reporting.replace([ln for ln in lines if ln.manager != "U0A3"], utcnow())
    assert this_week(upnext, encoder).teams.with_team == 0  # two in A, two in B


def test_learners_celebrating_count_from_the_minimum_group(service, upnext, encoder):
    for user in ("U0C1", "U0C2"):
        service.achievements.repository.celebrate(user, True, utcnow())
    assert this_week(upnext, encoder).teams.celebrating == 0
    service.achievements.repository.celebrate("U0C3", True, utcnow())
    assert this_week(upnext, encoder).teams.celebrating == 3


def test_every_format_shows_the_sharing_and_team_figures_and_names_no_one(service, upnext, encoder):
    people = ["U0S1", "U0S2", "U0S3"]
    for user in people:
        service.shares.record(user, COURSE, ["U0FRIEND"], utcnow(), note="a note about it")
        service.shares.set_accepting(user, False, utcnow())
        service.reporting.recommend(user, COURSE, utcnow())
        service.achievements.repository.celebrate(user, True, utcnow())
    report = this_week(upnext, encoder)
    data = json.loads(as_json(report))
    assert {k: data["shares"][k] for k in ("sent", "sharers", "turned_off")} == {"sent": 3, "sharers": 3,
                                                                                 "turned_off": 3}  # fmt: skip
    assert data["teams"] | {"weeks": []} == {"recommendations": 3, "managers_recommending": 3,
                                             "managers_with_team": 0, "celebrating": 3, "weeks": []}  # fmt: skip
    rows = list(csv.reader(io.StringIO(as_csv(report))))
    for row in (["shares", "all", "sharers", "3"], ["shares", "all", "turned_off", "3"],
                ["teams", "all", "recommendations", "3"], ["teams", "all", "celebrating", "3"],
                ["teams", "all", "managers_with_team", "0"]):  # fmt: skip
        assert row in rows
    week = data["shares"]["weeks"][0]["week"]
    assert ["teams.weeks", week, "managers_recommending", "3"] in rows
    text = as_text(report)
    assert "3 turned shares off" in text and "3 courses recommended by 3 managers" in text
    page = dashboard_page(report)
    assert "Sharing and teams" in page and "Manager recommendations per week" in page
    for shown in (as_json(report), as_csv(report), text, page):
        assert not any(p in shown for p in [*people, "U0FRIEND"]) and "a note about it" not in shown
