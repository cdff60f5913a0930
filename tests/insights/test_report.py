"""The learning team's figures, from a store seeded through the real listeners (signed Slack requests into the
running app), against counts worked out by hand; small cells count nowhere; forgotten people leave."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from admin.dashboard import dashboard_page
from bot.block_kit.digest_message import digest_message
from insights.cells import Cells
from insights.formats import as_csv, as_json, as_text
from insights.gaps import GapFinder
from insights.intervals import difference, wilson
from insights.report import Report, ReportBuilder, Window
from learning.timestamps import utcnow
from tests.conftest import PUBLIC_URL
from tests.fakes.slack import default_user
from tests.slack_requests import click, command, onboard
from upnext.cli import main

PEOPLE = [f"U0P{i:02d}" for i in range(1, 7)]  # six learners with the fake Slack's default profiles
GAP_QUESTIONS = ("underwater basket weaving", "basket weaving under water", "weaving baskets underwater")


def _answer_buttons(server, user: str) -> list[dict]:
    """The card buttons of the latest /learn answer to `user`."""

    def mine(call):
        return (
            call.method == "respond"
            and any(
                e.get("action_id") == "course_start" for b in call.body.get("blocks", []) for e in b.get("elements", [])
            )
            and json.loads(
                next(
                    e["value"]
                    for b in call.body["blocks"]
                    for e in b.get("elements", [])
                    if e.get("action_id") == "course_start"
                )
            )["a"]
            in answer_ids(server, user)
        )

    calls = server.slack.wait_for(lambda cs: any(mine(c) for c in cs))
    body = [c for c in calls if mine(c)][-1].body
    return [e for b in body["blocks"] for e in b.get("elements", []) if e.get("type") == "button"]


def answer_ids(server, user: str) -> set[int]:
    """The learner's search answers so far."""
    rows = server.store.sql.rows("SELECT id FROM answers WHERE learner_id = :user AND kind = 'search'", {"user": user})
    return {row[0] for row in rows}


@pytest.fixture
def seeded(server, service, fake_slack, store):
    """Six people (one with a role nobody else has) search `/learn sql databases`; four click Start on their first
    card, one of them Done on it too, and rates it 👍. Three of them also ask, each in their own words, for
    something the catalog does not teach."""
    server.service, server.store = service, store
    for user in PEOPLE:
        fake_slack.users[user] = default_user(user)
        onboard(service, user)
    unique = fake_slack.users[PEOPLE[-1]]
    unique["profile"] = {**unique["profile"], "title": "Chief Unicorn Officer"}  # a role only one person has
    for user in PEOPLE:
        assert command(server, "sql databases", user).status == 200
        server.slack.wait_for(lambda calls, u=user: len(answer_ids(server, u)) == 1)
    starters = PEOPLE[:4]
    for user in starters:
        start = next(b for b in _answer_buttons(server, user) if b["action_id"] == "course_start")
        assert click(server, "course_start", start["value"], user).status == 200
    done = next(b for b in _answer_buttons(server, PEOPLE[0]) if b["action_id"] == "course_done")
    assert click(server, "course_done", done["value"], PEOPLE[0]).status == 200
    prompt = server.slack.wait_for(lambda calls: any(c.method == "chat.postMessage" and "Worth your time" in
                                                    c.body.get("text", "") for c in calls))  # fmt: skip
    rate = next(
        e
        for c in prompt
        if c.method == "chat.postMessage" and "Worth your time" in c.body.get("text", "")
        for b in c.body["blocks"]
        for e in b.get("elements", [])
        if e["action_id"] == "course_rate_up"
    )
    assert click(server, "course_rate_up", rate["value"], PEOPLE[0]).status == 200
    for user, words in zip(PEOPLE[3:], GAP_QUESTIONS):
        assert command(server, words, user).status == 200
        server.slack.wait_for(lambda calls, u=user: len(answer_ids(server, u)) == 2)
    server.settle()
    return service


def this_week(upnext, encoder) -> Report:
    """This week's figures (seeded just now), read once the week has ended: a week in progress never counts."""
    later = utcnow() + timedelta(weeks=1)
    builder = ReportBuilder(upnext.report_queries(), GapFinder(encoder), min_group=3, clock=lambda: later)
    return builder.build(Window.last_weeks(1, today=later.date()))


def test_figures_from_real_slack_requests_match_hand_counts(seeded, encoder, upnext, store):
    # cards on the 9 answers but the first person's: their Done, alone, is under the minimum, so their picks count
    # nowhere (counted in "started" but not in "done", they would leave started - done to the other three)
    shown = store.sql.value(
        "SELECT count(*) FROM impressions i JOIN answers a ON a.id = i.answer_id WHERE a.learner_id != :first",
        {"first": PEOPLE[0]},
    )
    report = this_week(upnext, encoder)

    # the Chief Unicorn Officer, alone in their role, is counted nowhere in adoption: beside the role groups, the
    # total would give them away
    assert report.adoption.active == 5 and report.adoption.known == 5
    assert [(w.active, w.new, w.returning) for w in report.adoption.weeks] == [(5, 5, 0)]
    total = report.funnel.total
    assert (total.shown, total.started, total.done) == (shown, 3, 0)
    assert total.click_through == wilson(3, shown)
    assert [(r.label, r.shown, r.started) for r in report.funnel.by_surface] == [("/learn", shown, 3)]
    assert [(r.label, r.started, r.done) for r in report.funnel.by_reason] == [("search", 3, 0)]
    # 9 questions; the 3 weak ones and 2 of the sql ones got no click
    assert report.search.questions == 9 and report.search.unclicked == 5
    [gap] = report.search.gaps
    assert (gap.questions, gap.askers, report.search.gaps_other) == (3, 3, 0)
    assert gap.label == "basket weaving"  # the words all three typed ("baskets" counts as "basket")
    # one 👍 from one person is counted nowhere (in the totals, two windows would differ by exactly it)
    assert report.feedback.ratings == [] and (report.feedback.up, report.feedback.down) == (0, 0)
    assert report.catalog.courses == seeded.courses.count()
    assert report.catalog.never_started == report.catalog.courses - 1
    shown_to_three = store.sql.value(  # a course counts as shown in a week when at least the minimum group saw it
        "SELECT count(*) FROM (SELECT i.course_id FROM impressions i JOIN answers a ON a.id = i.answer_id "
        "GROUP BY i.course_id HAVING count(DISTINCT a.learner_id) >= 3) AS shown"
    )
    assert report.catalog.never_shown == report.catalog.courses - shown_to_three
    # the same figures in each export format
    assert json.loads(as_json(report))["funnel"]["total"]["started"] == 3
    rows = list(csv.reader(io.StringIO(as_csv(report))))
    assert ["funnel.total", "all", "done", "0"] in rows and ["adoption", "all", "active", "5"] in rows
    assert "Adoption: 5 active of 5 known learners" in as_text(report)


def test_someone_forgotten_leaves_every_figure(seeded, encoder, upnext):
    seeded.forget_me(PEOPLE[0])
    report = this_week(upnext, encoder)
    assert report.adoption.active == 4 and report.adoption.known == 4  # and the Chief Unicorn Officer, as above
    assert (report.funnel.total.started, report.funnel.total.done) == (3, 0)
    assert report.search.questions == 8
    assert (report.feedback.up, report.feedback.down) == (0, 0)


def test_a_small_cell_is_counted_nowhere_so_no_total_gives_it_away():
    cells = Cells(people=("active",))
    for person in ("a1", "a2", "a3", "b1"):  # three analysts and one person in a role of their own
        cells.add("2026-11-16", person, {"all": "all", "role": person[0]}, active=1)
    for person in ("c1", "c2", "c3"):  # the next week, three people: two share a time zone, one has their own ...
        cells.add("2026-11-23", person, {"all": "all", "tz": "Pacific/Chatham" if person != "c3" else "UTC"},
                  active=1)  # fmt: skip
    shown = cells.weekly(3)
    # the total counts the three analysts only: with the fourth in it, it would give away their role's cell
    assert shown["2026-11-16"] == {("all", "all", "active"): 3, ("role", "a", "active"): 3}
    # ... so none of them counts, in the total either
    assert "2026-11-23" not in shown
    assert cells.totals(3)[("all", "all", "active")] == 3


def test_people_added_alike_count_as_so_many_people_added_one_by_one():
    one_by_one, alike = (Cells(people=("known", "active"), complements=(("known", "active"),)) for _ in range(2))
    for cells in (one_by_one, alike):
        for person in ("a1", "a2", "a3"):
            cells.add("2026-11-16", person, {"all": "all", "role": "a"}, known=1, active=1)
    for person in ("i1", "i2"):  # two analysts idle that week: the pair's cell of its own is under the minimum ...
        one_by_one.add("2026-11-16", person, {"all": "all", "role": "a"}, known=1)
    alike.add_alike("2026-11-16", 2, {"all": "all", "role": "a"}, known=1)
    assert one_by_one.weekly(3) == alike.weekly(3)
    assert alike.totals(3)[("role", "a", "known")] == 3  # ... so they count nowhere: 3 known, 3 active
    alike.add_alike("2026-11-16", 1, {"all": "all", "role": "a"}, known=1)
    assert alike.totals(3)[("role", "a", "known")] == 6  # three idle ones make a cell of the minimum


def test_intervals_match_published_values():
    # Wilson 95% for 4/10 is 0.168 to 0.687 (Newcombe 1998, table I); an empty group says nothing
    i = wilson(4, 10)
    assert (round(i.low, 3), round(i.high, 3)) == (0.168, 0.687)
    assert wilson(0, 0).low == 0 and wilson(0, 0).high == 1
    # Newcombe's method 10 for 56/70 - 48/80: 0.2 with 0.0524 to 0.3339 (Newcombe 1998, table II)
    d = difference(56, 70, 48, 80)
    assert (round(d.estimate, 4), round(d.low, 4), round(d.high, 4)) == (0.2, 0.0524, 0.3339)


def test_no_view_export_or_digest_names_or_lists_a_learner(seeded, encoder, server, fake_slack, upnext):
    report = this_week(upnext, encoder)
    assert [g.label for g in report.adoption.by_role] == ["not set"]  # the one Chief Unicorn Officer is no group
    digest = digest_message(report, report, PUBLIC_URL)
    outputs = [as_text(report), as_json(report), as_csv(report), dashboard_page(report), json.dumps(digest.blocks)]
    for output in outputs:
        assert "Chief Unicorn" not in output
        for user in PEOPLE:
            assert user not in output and default_user(user)["real_name"] not in output


def test_upnext_report_refuses_a_window_that_ends_before_it_starts(capsys):
    assert main(["report", "--since", "2026-02-01", "--until", "2026-01-01"]) == 2
    assert "--since 2026-02-01 is after --until 2026-01-01" in capsys.readouterr().err


def test_shares_sent_count_only_in_weeks_enough_people_shared_and_a_forgotten_sharer_counts_nowhere(
    service, upnext, encoder, fake_slack
):
    """Three people share four courses this week (the minimum group here is 3): four shares; once one of them is
    forgotten, two sharers are too few and the week counts nowhere. No format names a sharer."""
    course = service.courses.urls()[0][0]
    for user, times in zip(PEOPLE[:3], (2, 1, 1)):
        service.learners.ensure(user)
        for _ in range(times):
            service.shares.record(user, course, [PEOPLE[5]], utcnow(), note="a note about it")
    report = this_week(upnext, encoder)
    assert report.shares.sent == 4 and len(report.shares.weeks) == 1
    assert json.loads(as_json(report))["shares"]["sent"] == 4
    assert ["shares", "all", "sent", "4"] in list(csv.reader(io.StringIO(as_csv(report))))
    assert "Shares: 4 courses shared with colleagues" in as_text(report)
    page = dashboard_page(report)
    assert "courses shared" in page and not any(p in page or p in as_csv(report) for p in PEOPLE)
    assert "a note about it" not in as_json(report) + page
    service.forget_me(PEOPLE[0])
    assert this_week(upnext, encoder).shares.sent == 0
