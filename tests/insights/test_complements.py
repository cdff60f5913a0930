"""A part shown beside its total never gives away the people in between: the difference (questions nobody clicked
against all questions, picks started against picks shown, courses finished against courses started, nudges clicked
against nudges sent, ...) comes from nobody in particular or from at least the minimum group.

The store holds five people who all behave alike and a sixth who differs from them in one way for each figure (asks
three questions and clicks every answer, does not finish, ignores a nudge); everyone is in every total and part, so
each cell alone holds at least the minimum group. A seventh analyst is known on Slack and never used Upnext: known
learners against active ones is a pair like the others.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from insights.formats import as_data
from insights.gaps import GapFinder
from insights.queries import ReportQueries
from insights.report import Report, ReportBuilder, Window
from learning.people.history import COMPLETED, NUDGES_OFF, STARTED
from learning.store.engine import Store
from tests.insights.test_differencing import LATER, Seeder, _at, numeric_leaves, variants

MIN_GROUP = 5
ALIKE = [f"U0ALIKE{i}" for i in range(1, 6)]
ODD = "U0ODD"
IDLE = "U0IDLE"  # an analyst known on Slack who never used Upnext: "6 of 7 analysts active" would point at them
PEOPLE = [*ALIKE, ODD, IDLE]
TUESDAY = date(2026, 11, 10)
WEEK = (date(2026, 11, 9), date(2026, 11, 15))
PAIRS = (("known", "active"), ("questions", "unclicked"), ("shown", "started"), ("started", "done"),
         ("started", "finished"), ("sent", "clicked"), ("sent", "returned"), ("sent", "opted_out"),
         ("nudged", "nudged_returned"), ("held_out", "held_out_returned"))  # fmt: skip


def seed(seeder: Seeder, k: int, who: str) -> None:
    """One week (but for the idle one): searches, picks started (and finished by all but the odd one), a come-back
    nudge the next day (clicked, followed by a return and nudges off, by all but the odd one)."""
    seeder.learner(who, "Analyst", "Europe/Madrid", "en-US", date(2026, 10, 1))
    if who == IDLE:
        return
    if who == ODD:  # three questions, every answer clicked
        for minute in range(3):
            asked = seeder.answer(who, "search", "slash", _at(TUESDAY, 8, minute), [seeder.c], "match", "sql joins")
            seeder.event(who, seeder.c, STARTED, _at(TUESDAY, 8, 10 + minute), answer_id=asked)
    else:  # one question, nothing clicked
        seeder.answer(who, "search", "slash", _at(TUESDAY, 8, k), [seeder.c], "match", "sql joins")
    picks = seeder.answer(who, "next", "dm", _at(TUESDAY, 10, k), [seeder.a], "up_next")
    seeder.event(who, seeder.a, STARTED, _at(TUESDAY, 11, k), answer_id=picks)
    if who == ODD:
        seeder.answer(who, "next", "dm", _at(TUESDAY, 12, k), [seeder.b], "up_next")  # shown, never started
        seeder.nudge(who, "sent", TUESDAY + timedelta(days=1))
        return
    seeder.event(who, seeder.a, COMPLETED, _at(TUESDAY, 12, k), answer_id=picks)
    nudge = seeder.nudge(who, "sent", TUESDAY + timedelta(days=1))
    seeder.event(who, seeder.a, STARTED, _at(TUESDAY + timedelta(days=1), 9, 30 + k), source="nudge",
                 value=str(nudge))  # fmt: skip
    seeder.event(who, None, NUDGES_OFF, _at(TUESDAY + timedelta(days=1), 14, k))


@pytest.fixture
def stores(store_copies) -> dict[str | None, Store]:
    """The seeded store (key None) and, for each person, the same store seeded without them."""
    return variants(store_copies, PEOPLE, lambda seeder, who: seed(seeder, PEOPLE.index(who) + 1, who))


def report(store: Store, encoder, window: tuple[date, date] = WEEK) -> Report:
    return ReportBuilder(ReportQueries(store), GapFinder(encoder), MIN_GROUP, LATER).build(Window(*window))


def test_questions_with_a_click_are_not_shown_when_one_person_clicked(stores, encoder):
    search = report(stores[None], encoder).search
    # the reviewer's case: five people asked one question each and clicked nothing, one asked three and clicked
    assert [(questions, unclicked) for _, questions, unclicked in search.weeks] == [(5, 5)]
    assert (search.questions, search.unclicked) == (5, 5)


def test_drop_off_is_not_shown_when_one_person_did_not_finish(stores, encoder):
    drop_off = report(stores[None], encoder).feedback.drop_off
    # six people started the course and five finished it: "5 / 6 finished" would point at the sixth
    assert [(d.started, d.finished) for d in drop_off] == [(5, 5)]


def pairs(data: dict) -> dict[str, tuple[float, float]]:
    """(total, part) for every pair shown in the report's data, by the total's path and the part's name."""
    leaves = numeric_leaves(data)
    found: dict[str, tuple[float, float]] = {}
    for path, total in leaves.items():
        for whole, part in PAIRS:
            if path.endswith(f".{whole}") and (sibling := f"{path[: -len(whole)]}{part}") in leaves:
                found[f"{path} - {part}"] = (total, leaves[sibling])
    return found


@pytest.mark.parametrize("window", [WEEK, (WEEK[0] - timedelta(days=7), WEEK[1])], ids=["week", "two weeks"])
def test_no_total_minus_its_part_is_derived_from_fewer_than_the_minimum_group(stores, encoder, window):
    """Someone's erasure that leaves a total and its part showing (neither suppressed) must not change the difference
    between them, unless at least the minimum group of people each would."""
    by_variant = {who: pairs(as_data(report(store, encoder, window))) for who, store in stores.items()}
    shown = by_variant[None]
    # every pair the report offers is read, and the figures are not all empty
    assert {key.rsplit(".", 1)[1] for key in shown} >= {f"{whole} - {part}" for whole, part in PAIRS}
    assert sum(1 for key in shown if "[" in key) >= 4  # weeks, surfaces, reasons, courses, kinds
    leaks = {}
    for key, (total, part) in shown.items():
        still_shown = {who: by_variant[who].get(key, (0.0, 0.0)) for who in PEOPLE}
        changed_by = [who for who, (t, p) in still_shown.items()
                      if t and (p or not part) and t - p != total - part]  # fmt: skip
        if total != part and 0 < len(changed_by) < MIN_GROUP:
            leaks[key] = changed_by
    assert not leaks, f"a total minus its part is derived from fewer than {MIN_GROUP} people: {leaks}"
