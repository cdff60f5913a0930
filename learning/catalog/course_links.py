"""Which catalog course a link points to, however it was written, and the domains the catalog's links live on.

People paste links as their browser shows them: `http` or `https`, with or without `www.`, a trailing slash, a
tracking query (`?utm_source=…`) or a fragment. A link is compared by its key: the host lowercased without `www.` or
a default port, the path without trailing slashes, the query without tracking parameters and sorted, no fragment.
"""

from __future__ import annotations

import threading
from collections import Counter
from urllib.parse import parse_qsl, urlencode, urlsplit

from learning.catalog.courses import Course, CourseRepository

TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok")
DEFAULT_PORTS = {"http": 80, "https": 443}


def host_of(url: str) -> str | None:
    """The link's host, lowercased (with its port unless the default); None for anything not an http(s) link."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except (ValueError, AttributeError):  # a malformed port or IPv6 literal, or not text at all
        return None
    if parts.scheme.lower() not in DEFAULT_PORTS or not host:
        return None
    return host if port in (None, DEFAULT_PORTS[parts.scheme.lower()]) else f"{host}:{port}"


def link_key(url: str, with_query: bool = True) -> str | None:
    """What two links to the same page share (see the module docstring); None for anything not http(s)."""
    host = host_of(url)
    if host is None:
        return None
    parts = urlsplit(url.strip())
    page = host.removeprefix("www.") + parts.path.rstrip("/")
    if not with_query:
        return page
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith(TRACKING))
    return page + (f"?{urlencode(query)}" if query else "")


class CourseLinks:
    """The catalog's links, by key, read again whenever the catalog changed (one read of its version per look-up)."""

    def __init__(self, courses: CourseRepository):
        self.courses = courses
        self._lock = threading.Lock()
        self._version: str | None = None
        self._by_key: dict[str, str] = {}
        self._hosts: Counter[str] = Counter()

    def _current(self) -> dict[str, str]:
        version = self.courses.version()
        with self._lock:
            if version != self._version or not self._by_key:
                by_key: dict[str, str] = {}
                hosts: Counter[str] = Counter()
                for course_id, url in self.courses.urls():
                    key, host = link_key(url), host_of(url)
                    if key and host:
                        by_key.setdefault(key, course_id)
                        hosts[host] += 1
                self._by_key, self._hosts, self._version = by_key, hosts, version
            return self._by_key

    def course_id_for(self, url: str) -> str | None:
        """The id of the course at this link: the same page and query, else the same page when the catalog's link
        to it has no query (a link someone shared with `?session=…` still finds its course)."""
        by_key = self._current()
        key = link_key(url)
        if key is None:
            return None
        return by_key.get(key) or by_key.get(link_key(url, with_query=False) or "")

    def course_for(self, url: str) -> Course | None:
        course_id = self.course_id_for(url)
        return self.courses.get(course_id) if course_id else None

    def hosts(self) -> list[tuple[str, int]]:
        """(host, how many courses link there) for each host of the catalog's links, the most courses first."""
        self._current()
        return sorted(self._hosts.items(), key=lambda item: (-item[1], item[0]))
