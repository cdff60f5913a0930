"""Catalog links posted in Slack, unfolded into course cards (and, where the workspace has them, Work Objects).

Slack sends `link_shared` for every conversation of the workspace; Upnext unfurls only where it is a member (the
event's `is_bot_user_member`), only links to catalog courses, and never more than MAX_UNFURLS of one message. What it
receives is checked, not trusted: anything malformed is logged and left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.block_kit.unfurls import course_entity, course_unfurl
from bot.i18n import Messages
from learning.catalog.course_links import CourseLinks

log = logging.getLogger(__name__)

MAX_UNFURLS = 5


def _posted_urls(event: dict[str, Any]) -> list[str]:
    """The links' URLs, each once; a link that is not an object with a URL is logged and left out."""
    links = event.get("links")
    found = [link.get("url") for link in links if isinstance(link, dict)] if isinstance(links, list) else []
    urls = [url for url in found if isinstance(url, str) and url]
    if not isinstance(links, list) or len(urls) < len(links):
        log.warning("ignored malformed links in a link_shared event")
    return list(dict.fromkeys(urls))


def _target(event: dict[str, Any]) -> dict[str, str] | None:
    """Which message to unfurl in: `unfurl_id` and `source` (a message or the composer), else `channel` and `ts`."""
    unfurl_id, source = event.get("unfurl_id"), event.get("source")
    if isinstance(unfurl_id, str) and isinstance(source, str) and unfurl_id and source:
        return {"unfurl_id": unfurl_id, "source": source}
    channel, ts = event.get("channel"), event.get("message_ts")
    if isinstance(channel, str) and isinstance(ts, str) and channel and ts:
        return {"channel": channel, "ts": ts}
    return None


@dataclass(frozen=True)
class LinkUnfurls:
    links: CourseLinks
    work_objects: bool = False  # UPNEXT_WORK_OBJECTS: send each course as a content_item entity too

    def unfurl(self, event: dict[str, Any], t: Messages) -> dict[str, Any] | None:
        """chat.unfurl's arguments for the catalog links of a `link_shared` event, or None: not a conversation
        Upnext is in, no catalog link, or no message to attach to."""
        if event.get("is_bot_user_member") is not True:
            return None
        target = _target(event)
        found = [(url, self.links.course_for(url)) for url in _posted_urls(event)[:MAX_UNFURLS]]
        courses = [(url, course) for url, course in found if course is not None]
        if not courses:
            return None
        if target is None:
            log.warning("ignored a link_shared event naming no message to unfurl in")
            return None
        arguments: dict[str, Any] = {**target, "unfurls": {url: course_unfurl(course, t) for url, course in courses}}
        if self.work_objects:
            arguments["metadata"] = {"entities": [course_entity(course, url, t) for url, course in courses]}
        return arguments

    def details(self, event: dict[str, Any], t: Messages) -> dict[str, Any] | None:
        """entity.presentDetails's arguments for a Work Object's side panel (`entity_details_requested`): the course
        its `external_ref` names, or None for anything else (not a course of the catalog, no trigger)."""
        reference, trigger = event.get("external_ref"), event.get("trigger_id")
        if not (self.work_objects and isinstance(reference, dict) and isinstance(trigger, str) and trigger):
            return None
        course_id = reference.get("id")
        course = self.links.courses.get(course_id) if isinstance(course_id, str) and course_id else None
        if course is None:
            return None
        posted = event.get("app_unfurl_url") or event.get("entity_url") or course.url or ""
        return {"trigger_id": trigger, "metadata": course_entity(course, str(posted), t)}
