"""The report reads roll-ups (insights.rollups) that the clock and each report bring up to date: a later event that
changes an earlier week's figures changes them, forget me and a history's move from an email to a Slack id leave
nothing behind under the old id, and the clock keeps them current."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from insights.gaps import GapFinder
from insights.queries import ReportQueries
from insights.report import Report, ReportBuilder, Window
from insights.rollups import Rollups
from learning.people.history import COMPLETED, STARTED
from learning.people.learners import PENDING_PREFIX
from tests.insights.test_differencing import LATER, Seeder, _at, _seed, first_courses
from tests.insights.test_differencing import PEOPLE as EVERYONE

PEOPLE = [f"U0ROLL{i}" for i in range(1, 6)]
TUESDAY = date(2026, 11, 10)
WEEK = Window(date(2026, 11, 9), date(2026, 11, 15))
ROLLUPS = ("usage_days", "pick_days", "first_takes")


def seeded(upnext) -> Seeder:
    courses = [row[0] for row in upnext.store.sql.rows("SELECT id FROM courses ORDER BY num LIMIT 3")]
    return Seeder(upnext.store.sql, courses)


def report(upnext, encoder) -> Report:
    return ReportBuilder(ReportQueries(upnext.store), GapFinder(encoder), 5, LATER).build(WEEK)


def started_picks(seeder: Seeder) -> None:
    for k, who in enumerate(PEOPLE):
        seeder.learner(who, "Analyst", "Europe/Madrid", "en-US", date(2026, 10, 1))
        picks = seeder.answer(who, "next", "dm", _at(TUESDAY, 10, k), [seeder.a], "up_next")
        seeder.event(who, seeder.a, STARTED, _at(TUESDAY, 11, k), answer_id=picks)


def test_a_course_completed_after_a_report_counts_as_done_for_the_earlier_pick(upnext, service, encoder):
    seeder = seeded(upnext)
    started_picks(seeder)
    before = report(upnext, encoder).funnel.total
    for k, who in enumerate(PEOPLE):  # completed later, without a click on the card: still the pick's doing
        seeder.event(who, seeder.a, COMPLETED, _at(TUESDAY + timedelta(days=1), 9, k))
    after = report(upnext, encoder).funnel.total
    assert (before.shown, before.started, before.done) == (5, 5, 0)
    assert (after.shown, after.started, after.done) == (5, 5, 5)


def test_forget_me_leaves_no_rollup_row_of_the_person(upnext, service, encoder):
    started_picks(seeded(upnext))
    report(upnext, encoder)
    store = upnext.store
    assert all(store.sql.value(f"SELECT count(*) FROM {t} WHERE learner_id = :who", {"who": PEOPLE[0]})
               for t in ROLLUPS)  # fmt: skip
    service.forget_me(PEOPLE[0])
    assert [store.sql.value(f"SELECT count(*) FROM {t} WHERE learner_id = :who", {"who": PEOPLE[0]})
            for t in ROLLUPS] == [0, 0, 0]  # fmt: skip
    assert report(upnext, encoder).funnel.total.shown == 0  # four people left: fewer than the minimum group


def test_history_imported_under_an_email_leaves_the_rollups_when_it_moves_to_the_slack_id(upnext, service, encoder):
    seeder = seeded(upnext)
    pending = PENDING_PREFIX + "ana@example.com"
    seeder.sql.execute("INSERT INTO learners (slack_id, email, created_at) VALUES (:id, :email, :at)",
                       {"id": pending, "email": "ana@example.com", "at": _at(TUESDAY, 0)})  # fmt: skip
    seeder.event(pending, seeder.a, STARTED, _at(TUESDAY, 9), source="import")
    seeder.event(pending, seeder.a, COMPLETED, _at(TUESDAY, 10), source="import")
    report(upnext, encoder)
    store = upnext.store
    service.learners.save_profile("U0ANA", {"email": "ana@example.com", "real_name": "Ana"})
    report(upnext, encoder)
    takes = store.sql.rows("SELECT learner_id, course_id, first_at, done FROM first_takes")
    assert takes == [("U0ANA", seeder.a, _at(TUESDAY, 9), 1)]


def test_replicas_and_the_clock_catching_up_at_once_all_succeed(upnext, service, encoder):
    """Each web replica's report and the clock may bring the roll-ups up to date at the same moment."""
    seeder = seeded(upnext)
    started_picks(seeder)
    failures: list[Exception] = []
    for minute in range(8):  # each round, a new click changes Tuesday: every catch-up recomputes it at once
        seeder.event(PEOPLE[0], seeder.b, STARTED, _at(TUESDAY, 20, minute))
        together = threading.Barrier(4)

        def catch_up(together: threading.Barrier) -> None:
            together.wait()
            try:
                Rollups(upnext.store).update()
            except Exception as failure:
                failures.append(failure)

        threads = [threading.Thread(target=catch_up, args=(together,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    assert report(upnext, encoder).funnel.total.shown == 5


def rolled_up(store) -> dict[str, list[tuple]]:
    """Every roll-up row, in one order."""
    return {table: sorted(store.sql.rows(f"SELECT * FROM {table}")) for table in ROLLUPS}


def rolled_up_in_one_go(store) -> dict[str, list[tuple]]:
    """The roll-ups made again from nothing, in one transaction."""
    with store.transaction() as sql:
        for table in ROLLUPS:
            sql.execute(f"DELETE FROM {table}")
        sql.execute("DELETE FROM meta WHERE key IN ('rollups.events', 'rollups.answers')")
    Rollups(store).update(events_chunk=10**9, answers_chunk=10**9)
    return rolled_up(store)


def seed(store, people: list[str]) -> None:
    with store.transaction() as sql:
        seeder = Seeder(sql, first_courses(sql))
        for who in people:
            _seed(seeder, who)


def test_a_first_catch_up_in_tiny_chunks_rolls_up_exactly_what_one_transaction_does(upnext, service):
    store = upnext.store
    seed(store, EVERYONE)
    Rollups(store).update(
        events_chunk=3, answers_chunk=2
    )  # a transaction per three events and two answers, marks advanced with each
    chunked = rolled_up(store)
    assert all(chunked.values())
    assert rolled_up_in_one_go(store) == chunked


def test_catching_up_in_tiny_chunks_after_more_was_written_rolls_up_exactly_what_one_transaction_does(upnext, service):
    store = upnext.store
    seed(store, EVERYONE[: len(EVERYONE) // 2])
    Rollups(store).update(events_chunk=2, answers_chunk=3, days_chunk=2)
    seed(store, EVERYONE[len(EVERYONE) // 2 :])
    Rollups(store).update(events_chunk=2, answers_chunk=3, days_chunk=2)
    with store.transaction() as sql:  # clicks on answers already rolled up, and no answer beside them
        seeder = Seeder(sql, first_courses(sql))
        for who, answer, at in sql.rows("SELECT learner_id, min(id), min(created_at) FROM answers WHERE kind = 'next' "
                                        "GROUP BY learner_id"):  # fmt: skip
            seeder.event(who, seeder.b, STARTED, at.replace("T10:", "T22:"), answer_id=answer)
    Rollups(store).update(events_chunk=2, answers_chunk=3, days_chunk=2)
    chunked = rolled_up(store)
    assert rolled_up_in_one_go(store) == chunked
