"""An org's figures are exactly the sums of its workspaces', and everyone's the sums of every org's, every standalone
workspace's and those of the people in no workspace: every minimum group is held within one workspace (a silo,
insights.queries), so an admin who sees an org and its workspaces, or everyone and every org, learns nothing by
subtracting one from the other. A workspace of three active people and a learner in no workspace count nowhere: not
in their own figures, not in their org's, not in everyone's.

The org holds A (seven people), B (five) and SMALL (three); ALONE (six, one of them idle) is a workspace of no org;
one more person is in no workspace. In one week each person is shown picks and starts one, asks for a course the
catalog lacks, finishes and rates another with a comment, and is nudged (B's are held out). SMALL's three and two of
B's are shown and start a fourth course: five people of the org in that week, never five of one workspace. Two of B's
five are engineers, like SMALL's three: five engineers in the org, never five in one workspace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

import pytest

from insights.cells import Cells
from insights.formats import as_data
from insights.gaps import GapFinder
from insights.queries import EVERYONE, ReportQueries, Scope
from insights.report import Report, ReportBuilder, Window
from learning.people.history import COMPLETED, NUDGES_OFF, RATED, STARTED
from learning.store.engine import Sql, Store
from tests.insights.test_differencing import LATER, Seeder, _at, numeric_leaves

MIN_GROUP = 5
ORG = "E0ORG"
A, B, SMALL, ALONE = "T0TEAMA", "T0TEAMB", "T0SMALL", "T0ALONE"
ORG_OF = {A: ORG, B: ORG, SMALL: ORG, ALONE: None}
PEOPLE = {A: [f"U0A{i}" for i in range(7)], B: [f"U0B{i}" for i in range(5)], SMALL: [f"U0S{i}" for i in range(3)],
          ALONE: [f"U0L{i}" for i in range(6)]}  # fmt: skip
NOWHERE = "U0NOWHERE"  # in no workspace: their profile names none
FEW = [*PEOPLE[SMALL], NOWHERE]
TUESDAY = date(2026, 11, 10)
WEEK = Window(date(2026, 11, 9), date(2026, 11, 15))  # one week: a weekly average is the week's count
NOVEMBER = Window(date(2026, 10, 26), date(2026, 12, 6))  # long enough for the month's comments to show
# figures that are not counts of people or of what they did: rates, intervals, yes/no, settings
NOT_SUMS = ("click_through", "finish_rate", "opt_out_rate", "difference", "enough_people", "min_group",
            "gap_threshold")  # fmt: skip


def seed_person(seeder: Seeder, fourth: str, team: str | None, k: int, who: str) -> None:
    role = "Analyst" if team == A or (team == B and k < 3) else "Engineer"
    seeder.learner(who, role, "Europe/Madrid", "en-US", date(2026, 10, 1))
    seeder.sql.execute("UPDATE learners SET team_id = :team, enterprise_id = :org WHERE slack_id = :who",
                       {"team": team, "org": ORG_OF.get(team or ""), "who": who})  # fmt: skip
    if team == ALONE and k == 5:
        return  # known on Slack, never used Upnext
    picks = seeder.answer(who, "next", "dm", _at(TUESDAY, 10, k), [seeder.a, seeder.b], "up_next")
    seeder.event(who, seeder.a, STARTED, _at(TUESDAY, 11, k), answer_id=picks)
    seeder.answer(who, "search", "slash", _at(TUESDAY, 12, k), [seeder.c], "match", "kubernetes for beginners")
    seeder.event(who, seeder.b, COMPLETED, _at(TUESDAY, 13, k))
    seeder.event(who, seeder.b, RATED, _at(TUESDAY, 14, k), value="down" if team == B else "up",
                 note=f"a comment from {team or 'nowhere'}")  # fmt: skip
    if team == SMALL or (team == B and k < 2):
        shown = seeder.answer(who, "next", "dm", _at(TUESDAY, 15, k), [fourth], "role")
        seeder.event(who, fourth, STARTED, _at(TUESDAY, 16, k), answer_id=shown)
    if team == B:
        seeder.nudge(who, "held_out", TUESDAY + timedelta(days=1))
        return
    nudge = seeder.nudge(who, "sent", TUESDAY + timedelta(days=1))
    seeder.event(who, seeder.a, STARTED, _at(TUESDAY + timedelta(days=1), 9, 30 + k), source="nudge",
                 value=str(nudge))  # fmt: skip
    seeder.event(who, None, NUDGES_OFF, _at(TUESDAY + timedelta(days=1), 14, k))


def seed(sql: Sql, leaving_out: Iterable[str] = ()) -> None:
    courses = [row[0] for row in sql.rows("SELECT id FROM courses ORDER BY num LIMIT 4")]
    seeder = Seeder(sql, courses)
    everyone = [(team, k, who) for team, people in PEOPLE.items() for k, who in enumerate(people)]
    for team, k, who in [*everyone, (None, 0, NOWHERE)]:
        if who not in leaving_out:
            seed_person(seeder, courses[3], team, k, who)


def reports(store: Store, encoder, window: Window) -> Callable[[Scope], Report]:
    gaps = GapFinder(encoder)
    return lambda scope: ReportBuilder(ReportQueries(store, scope), gaps, MIN_GROUP, LATER).build(window)


def counts(report: Report) -> dict[str, float]:
    """Every count the report shows (of people, questions, picks, ratings, comments, nudges...) by its path, but the
    catalog's: not 0."""
    data = as_data(report)
    del data["catalog"]  # courses never shown or started: not counts of people (see the catalog's test)
    return {k: v for k, v in numeric_leaves(data).items() if v and not any(name in k for name in NOT_SUMS)}


def summed(*parts: Report) -> dict[str, float]:
    total: dict[str, float] = {}
    for part in parts:
        for key, value in counts(part).items():
            total[key] = total.get(key, 0) + value
    return total


@pytest.fixture
def report(upnext, service, encoder) -> Callable[[Scope], Report]:
    with upnext.store.transaction() as sql:
        seed(sql)
    return reports(upnext.store, encoder, WEEK)


def test_an_orgs_figures_are_the_sums_of_its_workspaces_and_everyones_of_every_org_and_workspace(report):
    org, everyone = report(Scope.org(ORG)), report(EVERYONE)
    a, b, small, alone = (report(Scope.workspace(team)) for team in (A, B, SMALL, ALONE))
    assert counts(small) == {}  # three people: nothing of them shows
    assert counts(org) == summed(a, b, small)
    assert counts(everyone) == summed(org, alone)  # the one person in no workspace adds nothing either
    # the figures are not empty: each workspace of at least five people shows, in every section
    assert (a.adoption.active, b.adoption.active, org.adoption.active, everyone.adoption.active) == (7, 5, 12, 17)
    assert [(g.label, g.questions, g.askers) for g in org.search.gaps] == [("kubernetes", 12, 12)]
    assert (org.funnel.total.started, org.feedback.up, org.feedback.down) == (12, 7, 5)
    assert (org.nudges.holdout.nudged, org.nudges.holdout.held_out, org.nudges.holdout.enough) == (7, 5, True)
    # A's seven analysts show apart; B's three analysts and two engineers are "other" there, and so in the org's
    assert {g.label: g.people for g in org.adoption.by_role} == {"Analyst": 7, "other": 5}


def test_a_course_counts_as_shown_or_started_only_where_five_people_of_one_workspace_were_shown_or_started_it(report):
    catalogs = {scope: report(scope).catalog for scope in (Scope.workspace(A), Scope.org(ORG), EVERYONE)}
    a = catalogs[Scope.workspace(A)]
    assert (a.courses - a.never_shown, a.courses - a.never_started) == (3, 2)  # shown a, b, c; started a, b
    assert catalogs[Scope.org(ORG)] == a and catalogs[EVERYONE] == a  # not the fourth: no five of one workspace


def test_an_orgs_comments_are_those_of_its_workspaces(upnext, service, encoder):
    with upnext.store.transaction() as sql:
        seed(sql)
    build = reports(upnext.store, encoder, NOVEMBER)

    def comments(scope: Scope) -> list[str]:
        return sorted(c for r in build(scope).feedback.ratings for c in r.comments)

    a, b, small, alone = (comments(Scope.workspace(team)) for team in (A, B, SMALL, ALONE))
    assert small == []
    assert comments(Scope.org(ORG)) == sorted(a + b) == ["a comment from T0TEAMA"] * 7 + ["a comment from T0TEAMB"] * 5
    assert comments(EVERYONE) == sorted(a + b + alone)


def test_a_workspace_too_small_to_show_and_people_in_no_workspace_count_nowhere(store_copies, encoder):
    full, without = store_copies("everyone"), store_copies("without-the-few")
    for store, leaving_out in ((full, ()), (without, FEW)):
        with store.transaction() as sql:
            seed(sql, leaving_out)
    for window in (WEEK, NOVEMBER):
        with_them, without_them = reports(full, encoder, window), reports(without, encoder, window)
        for scope in (Scope.org(ORG), EVERYONE):
            assert plain(with_them(scope)) == plain(without_them(scope)), (scope, window)


def plain(report: Report) -> dict:
    data = as_data(report)
    del data["generated_at"]
    return data


def test_cells_hold_each_silos_rows_to_the_minimum_group_on_their_own():
    both, a_only = (Cells(people=("active",)) for _ in range(2))
    for person in ("a1", "a2", "a3"):  # three people of A, in a role of their own ...
        for cells in (both, a_only):
            cells.add("2026-11-16", person, {"all": "all", "role": "x"}, silo="A", active=1)
    both.add("2026-11-16", "b1", {"all": "all", "role": "x"}, silo="B", active=1)  # ... and one of B with them
    both.add_alike("2026-11-16", 2, {"all": "all", "role": "y"}, silo="B", active=1)
    # together four people hold role x, and six the total; within B, one holds x (too few) and then two are left (too
    # few): B counts nowhere, and A's figures are the same as without B
    assert both.weekly(3) == a_only.weekly(3) == {"2026-11-16": {("all", "all", "active"): 3,
                                                                 ("role", "x", "active"): 3}}  # fmt: skip
