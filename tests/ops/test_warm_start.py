"""A web process gets its recommendations ready on its own after start-up (catalog frame, everyone's signals, the
exploration totals), in the background: healthy at once, and the first learner to ask does not pay for it."""

from __future__ import annotations

import time


def test_the_web_process_prepares_recommendations_before_anyone_asks(start_upnext):
    upnext = start_upnext()
    deadline = time.monotonic() + 60  # a bound for the poll, not a timing claim
    while "recommendations ready" not in upnext.log and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "recommendations ready" in upnext.log
    assert not upnext.slack.calls_to("chat.postMessage")  # nobody asked: the process did it by itself
