"""Signals built from everyone's history: what the collaborative components learn from it."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import numpy as np
from scipy import sparse

from learning.people.history import ENROLLED, Event
from learning.recommend.signals import Signals, _inverse_in_place

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
SQL = "swcarpentry/sql-novice-survey"
FIRST, OLD_NEXT, NEW_NEXT = f"{SQL}/01-select", f"{SQL}/02-sort-dup", f"{SQL}/03-filter"


def enrol(learner_id: str, course_id: str, days_ago: int) -> Event:
    return Event(learner_id, course_id, ENROLLED, (NOW - timedelta(days=days_ago)).isoformat(), "import")


def test_recent_co_enrolments_count_more_than_old_ones_in_ease(service):
    """Twenty people took FIRST with OLD_NEXT three years ago, twenty took it with NEW_NEXT last month: for someone
    who just took FIRST, the pairing of the recent past wins."""
    events = []
    for n in range(20):
        events += [enrol(f"UOLD{n}", FIRST, 1100), enrol(f"UOLD{n}", OLD_NEXT, 1095)]
        events += [enrol(f"UNEW{n}", FIRST, 35), enrol(f"UNEW{n}", NEW_NEXT, 30)]
    service.history.record_many(events)
    signals = Signals.build(service.history, service.courses, NOW)
    num = {c: service.courses.get(c).num for c in (FIRST, OLD_NEXT, NEW_NEXT)}
    size = max(num.values()) + 1
    scores = signals.taken_with([num[FIRST]], np.ones(1, np.float32), size)
    assert scores[num[NEW_NEXT]] > 2 * scores[num[OLD_NEXT]] > 0


def test_the_ease_inverse_is_exact_and_computed_in_the_matrix_own_memory():
    """EASE inverts a courses x courses Gram matrix (256 MB at 8,000 courses): the inverse must match float64's and
    overwrite the matrix, so a rebuild holds one such matrix instead of three (the web process stays under 2 GB)."""
    rng = np.random.default_rng(7)
    taken = sparse.csr_matrix((rng.random((3000, 1500)) < 0.02).astype(np.float32))
    for gram in ((taken.T @ taken).toarray(), (taken.T @ taken).toarray(order="C")):  # Fortran and C order
        gram[np.diag_indices_from(gram)] += 50.0
        expected = np.linalg.inv(gram.astype(np.float64))
        address = gram.ctypes.data
        inverse = _inverse_in_place(gram)
        assert inverse.ctypes.data == address
        np.testing.assert_allclose(inverse, expected, atol=1e-6)
        np.testing.assert_array_equal(inverse, inverse.T)


def test_a_failed_background_rebuild_is_logged_with_its_cause_and_the_last_good_signals_keep_serving(service, caplog):
    """An event whose time cannot be read (a broken import row) makes the background rebuild fail: the failure is
    logged with its cause, and learners keep getting the signals built before it."""
    service.history.record_many([enrol("UOK", FIRST, 3)])
    cache = service.recommender.signals
    good = cache.current()
    cache.refresh_seconds = 0
    broken = Event("UBROKEN", OLD_NEXT, ENROLLED, "2026-13-45T00:00:00+00:00", "import")
    service.history.record_many([broken])
    with caplog.at_level(logging.ERROR):
        assert cache.current() is good  # the rebuild starts in the background; this request is served at once
        deadline = time.monotonic() + 30  # a bound for the poll, not a timing claim
        while not caplog.records and time.monotonic() < deadline:
            time.sleep(0.05)
    [failure] = caplog.records
    assert "signals" in failure.getMessage() and "last good" in failure.getMessage()
    assert failure.exc_info and failure.exc_info[0] is ValueError
    assert cache.current() is good
