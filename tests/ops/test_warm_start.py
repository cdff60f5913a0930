"""A web process gets its recommendations ready on its own after start-up (catalog frame, everyone's signals, the
exploration totals), in the background: healthy at once, and the first learner to ask does not pay for it."""

from __future__ import annotations

import json
import time

from learning.people.history import ENROLLED, Event
from tests.ops.conftest import http_status
from tests.slack_requests import command, onboard

FIRST_COURSE = "swcarpentry/shell-novice/01-intro"


def test_the_web_process_prepares_recommendations_before_anyone_asks(start_upnext):
    upnext = start_upnext()
    deadline = time.monotonic() + 60  # a bound for the poll, not a timing claim
    while "recommendations ready" not in upnext.log and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "recommendations ready" in upnext.log
    assert not upnext.slack.calls_to("chat.postMessage")  # nobody asked: the process did it by itself


def test_a_failed_warm_up_is_logged_with_its_cause_and_the_process_keeps_serving(start_upnext, service):
    """An event whose time cannot be read (a broken import row) makes the warm-up fail: the log says so with the
    cause, and the process stays healthy."""
    broken = Event("UBROKEN", FIRST_COURSE, ENROLLED, "2026-13-45T00:00:00+00:00", "import")
    service.history.record_many([broken])
    upnext = start_upnext()
    deadline = time.monotonic() + 60  # a bound for the poll, not a timing claim
    while "warm-up failed" not in upnext.log and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "warm-up failed" in upnext.log
    assert "ValueError" in upnext.log
    assert http_status(upnext.url + "/healthz") == 200


def test_a_replica_on_an_empty_disk_with_a_truncated_stored_vector_is_healthy_and_finds_that_course(
    start_upnext, service, store
):
    onboard(service)
    course = service.courses.get("swcarpentry/git-novice/01-basics")
    store.sql.execute("UPDATE course_vectors SET vector = :blob WHERE content_hash = :hash",
                      {"blob": b"\x00\x01\x02", "hash": course.content_hash})  # fmt: skip
    service.catalog.index.path.unlink()  # the index is built from the stored vectors at start
    upnext = start_upnext()  # healthy (/healthz 200), or the test fails here
    assert "1 stored course vector(s) malformed" in upnext.log and "Traceback" not in upnext.log
    assert command(upnext, course.title).status == 200
    upnext.slack.wait_for(lambda calls: any(course.title in json.dumps(c.body) for c in calls if c.method == "respond"))
