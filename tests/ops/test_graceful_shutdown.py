"""SIGTERM to `upnext serve --http`: it stops accepting, finishes every request and answer in flight, and exits."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from tests.fakes.signing import FORM, form_body, post_signed, slash_command
from tests.ops.conftest import http_status

QUERIES = ["python", "sql joins", "git branches", "shell loops", "plotting in r", "spreadsheets"]


def test_sigterm_during_in_flight_requests_loses_no_answer(start_upnext, fake_slack):
    upnext = start_upnext()
    # First contact looks each learner up in users.info: held up by 429s with Retry-After, so every answer is
    # still being worked on when the signal arrives.
    fake_slack.fail("users.info", status=429, retry_after=3, times=len(QUERIES))

    def ask(i: int) -> int:
        fields = slash_command(QUERIES[i], fake_slack.response_url(f"answer-{i}"), user_id=f"U0NEW{i}")
        return post_signed(upnext, form_body(fields), FORM).status

    with ThreadPoolExecutor(len(QUERIES)) as clients:
        acks = list(clients.map(ask, range(len(QUERIES))))
    assert acks == [200] * len(QUERIES)
    assert not any(c.method == "respond" for c in fake_slack.calls)  # nothing answered yet

    upnext.process.send_signal(15)
    for _ in range(400):  # a hang guard, not a speed check: the server stops accepting at once
        if http_status(upnext.url + "/healthz") is None:
            break
        time.sleep(0.05)
    assert http_status(upnext.url + "/healthz") is None
    assert upnext.process.poll() is None  # no longer accepting, still finishing the answers
    assert upnext.process.wait(timeout=15) == 0  # the server's own 10 s grace ends it; the log says all finished

    answered = {c.path.rsplit("/", 1)[-1] for c in fake_slack.calls if c.method == "respond"}
    assert answered == {f"answer-{i}" for i in range(len(QUERIES))}
    assert "every request and answer finished" in upnext.log
