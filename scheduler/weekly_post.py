"""A message the clock posts to a channel once per week, across restarts and clock hand-overs.

The learning team's digest and the learning-wins post are such posts. The week is claimed in the store (with the
claiming clock's name) before anything goes to Slack, and recorded once every part is there. The message carries the
week in its metadata and an uploaded file's name names the week, so a clock that finds a claim nobody finished (its
holder died between Slack accepting the post and the store recording it) looks for them in the channel's history and
posts only what is not there. A week with nothing to post is recorded as done without posting.
"""

from __future__ import annotations

import logging
import os
import socket
import urllib.error
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from insights.queries import EVERYONE, Scope
from insights.report import Window
from learning.store.engine import Store
from learning.timestamps import iso, utcnow
from scheduler.delivery import SLACK_TIMEOUT

log = logging.getLogger(__name__)

IN_FLIGHT = timedelta(seconds=4 * SLACK_TIMEOUT)  # from a claim to the end of its last call to Slack (post, upload)
CLAIMED = "claimed"  # a week's value while a clock posts it: `claimed <holder> <when>`; once posted, when it was
HISTORY_SLACK = 60  # seconds before the claim that the history is read from (clocks of two machines disagree)


class Weekly(Protocol):
    """What the clock posts once a week (one post, or one of each of several scopes)."""

    kind: str

    def post(self) -> bool:
        """Post last week's unless it went out already; True when this call finished it."""
        ...

    def settles_at(self) -> datetime | None:
        """When another clock's unfinished claim can be reconciled, or None."""
        ...


def last_full_week(today: date) -> Window:
    """Monday to Sunday of the week before `today`'s."""
    monday = today - timedelta(days=today.weekday())
    return Window(monday - timedelta(days=7), monday - timedelta(days=1))


def holder_name() -> str:
    """Who claims a weekly post: this process, told apart from any other clock's."""
    return f"{socket.gethostname()}:{os.getpid()}/{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Claim:
    holder: str
    at: datetime

    @classmethod
    def parse(cls, value: str | None) -> Claim | None:
        """The claim a week's value holds, or None (not claimed, or posted)."""
        parts = (value or "").split(" ")
        if len(parts) != 3 or parts[0] != CLAIMED:
            return None
        return cls(parts[1], datetime.fromisoformat(parts[2]))


@dataclass(frozen=True)
class Upload:
    """A file posted after the message (the digest's chart), found again in the channel by its name."""

    content: bytes
    filename: str
    title: str
    alt_text: str


@dataclass(frozen=True)
class Post:
    message: dict[str, Any]  # chat.postMessage's arguments (text, blocks)
    upload: Upload | None = None


class WeeklyPost:
    """One weekly post of one scope to one channel. `kind` names it (in the store's meta keys and the message's
    metadata: `upnext_<kind>`); `content` makes last week's post, or None when there is nothing to post."""

    def __init__(self, store: Store, kind: str, content: Callable[[Window], Post | None], client: WebClient,
                 channel: str | None, clock: Callable[[], datetime] = utcnow,
                 leading: Callable[[], bool] = lambda: True, scope: Scope = EVERYONE,
                 holder: str | None = None):  # fmt: skip
        """`leading`: whether this process still holds the clock lease (the clock's `Lease.held`); posted by
        `holder` (by default a name of this instance's own)."""
        self.store = store
        self.kind = kind
        self.content = content
        self.client = client
        self.channel = channel
        self.clock = clock
        self.leading = leading
        self.scope = scope
        self.holder = holder or holder_name()

    def _week(self) -> tuple[Window, str]:
        """Last week, and the meta key of its post (of the scope's: claimed apart from every other scope's)."""
        week = last_full_week(self.clock().date())
        return week, f"{self.kind}:{self.scope.key + ':' if self.scope.kind else ''}{week.since.isoformat()}"

    def settles_at(self) -> datetime | None:
        """When another clock's unfinished claim on last week's post can be reconciled (none of its calls to Slack
        can still be on the way), or None when there is none."""
        claim = Claim.parse(self.store.get_meta(self._week()[1]))
        return claim.at + IN_FLIGHT if claim is not None and claim.holder != self.holder else None

    def post(self) -> bool:
        """Post last week's unless it went out already (or no channel is set); True when this call finished it. A
        claim left by an earlier clock (or by this one, when Slack's answer was lost) is taken over once IN_FLIGHT
        has passed, and only what the channel does not show yet is posted."""
        channel = self.channel
        week, key = self._week()
        value = self.store.get_meta(key)
        if not channel or (value is not None and Claim.parse(value) is None):
            return False
        earlier = Claim.parse(value)
        if earlier is not None and earlier.holder != self.holder and self.clock() < earlier.at + IN_FLIGHT:
            return False  # its calls may still reach Slack: reconciled at `settles_at`
        content = self.content(week)
        if not self.leading():
            return False
        if content is None:  # nothing to post this week: done
            self.store.swap_meta(key, value, iso(self.clock()))
            return False
        claim = f"{CLAIMED} {self.holder} {iso(self.clock())}"
        if not self.store.swap_meta(key, value, claim):
            return False  # another clock claimed or finished it meanwhile
        try:
            posted = self._post(channel, week, content, earlier)
        except SlackApiError as error:
            log.error("weekly %s not posted: %s", self.kind, error)
            self.store.swap_meta(key, claim, None)  # Slack refused the message: the next check tries again
            return False
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            log.warning("weekly %s: Slack could not be reached (%s); will reconcile with the channel", self.kind, error)
            return False
        self.store.swap_meta(key, claim, iso(self.clock()))
        return posted

    def _post(self, channel: str, week: Window, content: Post, earlier: Claim | None) -> bool:
        """Post the message and upload the file, each unless `earlier`'s holder got it to the channel; True when
        anything was posted. The file's failure alone is logged: the post is the message."""
        upload = content.upload
        message_there, found_file = self._found(channel, week, earlier, upload) if earlier else (False, False)
        if not message_there:
            metadata = {"event_type": self._event_type, "event_payload": self._payload(week)}
            self.client.chat_postMessage(channel=channel, **content.message, unfurl_links=False, metadata=metadata)
        if upload is not None and not found_file:
            try:
                self.client.files_upload_v2(channel=channel, file=upload.content, filename=upload.filename,
                                            title=upload.title, alt_txt=upload.alt_text)  # fmt: skip
            except SlackApiError as error:
                log.error("weekly %s posted without its file: %s", self.kind, error)
        if message_there or found_file:
            what = "both parts" if message_there and found_file else "the message" if message_there else "the file"
            log.info("weekly %s: an earlier clock had posted %s", self.kind, what)
        return not (message_there and (found_file or upload is None))

    def _found(self, channel: str, week: Window, earlier: Claim, upload: Upload | None) -> tuple[bool, bool]:
        """Whether the channel shows this week's message and file, posted since the earlier claim. A history the app
        may not read (an install from before it asked for channels:history) shows neither: a week's post is better
        posted twice than lost."""
        message = found_file = False
        try:
            history = list(self._history(channel, earlier.at - timedelta(seconds=HISTORY_SLACK)))
        except SlackApiError as error:
            log.warning("weekly %s: cannot read the channel's history (%s; the app needs channels:history, or "
                        "groups:history for a private channel), so it may be posted twice",
                        self.kind, error)  # fmt: skip
            return False, False
        for posted in history:
            metadata = posted.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            message |= metadata.get("event_type") == self._event_type and payload == self._payload(week)
            found_file |= upload is not None and any(
                f.get("name") == upload.filename for f in posted.get("files") or []
            )
        return message, found_file

    @property
    def _event_type(self) -> str:
        return f"upnext_{self.kind}"

    def _payload(self, week: Window) -> dict[str, str]:
        """The week (and the scope) a post carries in its metadata."""
        return {"week": week.since.isoformat(), **({"scope": self.scope.key} if self.scope.kind else {})}

    def _history(self, channel: str, oldest: datetime) -> Iterator[dict[str, Any]]:
        cursor = None
        while True:
            page = self.client.conversations_history(channel=channel, oldest=str(oldest.timestamp()),
                                                     include_all_metadata=True, limit=200, cursor=cursor)  # fmt: skip
            yield from page.get("messages") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return


class WeeklyPosts:
    """Several weekly posts (one per org, workspace or channel), made afresh at each check by `made`."""

    def __init__(self, kind: str, made: Callable[[], Sequence[WeeklyPost]]):
        self.kind = kind
        self.made = made

    def post(self) -> bool:
        """Post each of last week's posts that has not gone out; True when this call finished any."""
        return any([weekly.post() for weekly in self.made()])

    def settles_at(self) -> datetime | None:
        """When the earliest unfinished claim of another clock can be reconciled, or None."""
        return min(filter(None, (weekly.settles_at() for weekly in self.made())), default=None)
