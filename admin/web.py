"""/admin on the web process: the one-time sign-in link, the dashboard and its exports.

Every page is a GET that changes nothing but the sign-in itself (a single-use secret in the link), so there is no
form to forge (CSRF-safe). The session cookie is HttpOnly and SameSite=Strict, and Secure behind https. Anything
without a valid session gets a 403 page that says how to get a new link.

Each admin sees the scopes their right covers (admin.signin.Granted) and every org and workspace inside them
(`within`), the first by default and the others by `?scope=` (insights.queries.Scope); any other scope is refused."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from html import escape
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from admin.dashboard import dashboard_page, page, refusal_page
from admin.signin import SESSION_TTL, AdminRights, Granted, SignIn
from insights.dates import DateError, asked_window
from insights.formats import as_csv, as_json
from insights.queries import Scope
from insights.report import Report, Window
from learning.store.engine import StoreUnavailable

log = logging.getLogger(__name__)

PREFIX = "/admin"
COOKIE = "upnext_admin"
StartResponse = Callable[..., Any]
HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),  # the sign-in token is in the URL: never send it on
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
]  # fmt: skip


def is_admin_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class OneBuildAtATime:
    """Reports by scope and window from `build` (served from the store's snapshots, shared by every web replica: see
    insights.snapshots), one build per scope and window at a time in this process: requests for one being computed
    wait for it and are then served its snapshot rather than compute it again."""

    def __init__(self, build: Callable[[Scope, Window], Report]):
        self.build = build
        self._building: dict[tuple[Scope, Window], tuple[threading.Lock, list[int]]] = {}
        self._lock = threading.Lock()

    def __call__(self, scope: Scope, window: Window) -> Report:
        key = (scope, window)
        with self._lock:
            lock, waiting = self._building.setdefault(key, (threading.Lock(), [0]))
            waiting[0] += 1
        try:
            with lock:
                return self.build(scope, window)
        finally:
            with self._lock:
                waiting[0] -= 1
                if not waiting[0]:
                    del self._building[key]


class AdminWeb:
    def __init__(self, signin: SignIn, build_report: Callable[[Scope, Window], Report], rights: AdminRights,
                 secure_cookie: bool = True, within: Callable[[Scope], list[Scope]] = lambda scope: []):  # fmt: skip
        """`within`: the orgs and workspaces inside a scope (none with one token: the whole store is all there is)."""
        self.signin = signin
        self.build_report = build_report
        self.rights = rights
        self.secure_cookie = secure_cookie
        self.within = within

    def visible(self, granted: Granted) -> list[Scope]:
        """The scopes granted, each followed by those inside it, once each."""
        return list(dict.fromkeys(seen for scope in granted for seen in (scope, *self.within(scope))))

    def _respond(self, start_response: StartResponse, status: str, body: str | bytes, content_type: str,
                 extra: list[tuple[str, str]] | None = None) -> Iterable[bytes]:  # fmt: skip
        data = body.encode() if isinstance(body, str) else body
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data))), *HEADERS,
                                *(extra or [])])  # fmt: skip
        return [data]

    def _html(self, start_response: StartResponse, status: str, html: str, extra=None) -> Iterable[bytes]:
        return self._respond(start_response, status, html, "text/html; charset=utf-8", extra)

    def _session(self, environ: dict[str, Any]) -> str | None:
        try:
            cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        except CookieError:
            return None
        morsel = cookie.get(COOKIE)
        return self.signin.session_user(morsel.value if morsel else None)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            return self._serve(environ, start_response)
        except StoreUnavailable as error:
            log.warning("dashboard request failed: %s", error)
            return self._html(start_response, "503 Service Unavailable", page("Upnext: try again", (
                '<main id="main"><h1>Please try again in a moment</h1><p>Upnext cannot reach its database just now.'
                "</p></main>")), [("Retry-After", "10")])  # fmt: skip

    def _serve(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "").rstrip("/") or PREFIX
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return self._html(start_response, "405 Method Not Allowed", page("Not allowed", "<p>GET only.</p>"),
                              [("Allow", "GET")])  # fmt: skip
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == PREFIX + "/login":
            return self._login(start_response, (query.get("token") or [""])[0])
        granted, refused = self._admin(start_response, self._session(environ))
        if refused is not None:
            return refused
        visible = self.visible(granted)
        try:
            window = asked_window((query.get("since") or [None])[0], (query.get("until") or [None])[0])
            scope = Scope.parse(query["scope"][0]) if query.get("scope") else visible[0]
        except (DateError, ValueError) as error:
            return self._html(start_response, "400 Bad Request", page("Bad request", f"<p>{escape(str(error))}.</p>"))
        if scope not in visible:
            log.warning("refused an admin the figures of an org or workspace their right does not cover")
            return self._html(start_response, "403 Forbidden", page("Upnext: not yours", (
                '<main id="main"><h1>Not yours to see</h1><p>Those figures are for another organisation or workspace. '
                '<a href="/admin">Open yours</a>.</p></main>')))  # fmt: skip
        if path == PREFIX:
            return self._html(
                start_response, "200 OK", dashboard_page(self.build_report(scope, window), scope, visible)
            )
        if path == PREFIX + "/report.json":
            return self._respond(start_response, "200 OK", as_json(self.build_report(scope, window)),
                                 "application/json")  # fmt: skip
        if path == PREFIX + "/report.csv":
            return self._respond(start_response, "200 OK", as_csv(self.build_report(scope, window)),
                                 "text/csv; charset=utf-8",
                                 [("Content-Disposition", 'attachment; filename="upnext-report.csv"')])  # fmt: skip
        return self._html(start_response, "404 Not Found", page("Not found", "<p>No such page.</p>"))

    def _admin(self, start_response: StartResponse, user_id: str | None) -> tuple[Granted, Iterable[bytes] | None]:
        """What `user_id` (a session's or a link's holder) is an admin of now, or a refusal page; someone who no
        longer is one loses every session."""
        granted = self.rights(user_id) if user_id else ()
        if granted is None:
            return (), self._html(start_response, "503 Service Unavailable", page("Upnext: try again", (
                '<main id="main"><h1>Please try again in a minute</h1><p>Upnext cannot reach Slack to confirm '
                "that you are still an admin.</p></main>")), [("Retry-After", "60")])  # fmt: skip
        if not granted:
            if user_id:
                self.signin.end_sessions(user_id)
                log.warning("refused the dashboard to someone who is not an admin (now); their sessions ended")
            return (), self._html(start_response, "403 Forbidden", refusal_page())
        return granted, None

    def _login(self, start_response: StartResponse, token: str) -> Iterable[bytes]:
        holder = self.signin.link_user(token)
        if holder is not None and (refused := self._admin(start_response, holder)[1]) is not None:
            return refused
        session = self.signin.redeem(token)
        if session is None:
            log.warning("refused an admin sign-in link (missing, expired, used or forged)")
            return self._html(start_response, "403 Forbidden", refusal_page())
        cookie = f"{COOKIE}={session}; Path={PREFIX}; Max-Age={int(SESSION_TTL.total_seconds())}; HttpOnly; " \
                 f"SameSite=Strict" + ("; Secure" if self.secure_cookie else "")  # fmt: skip
        # A page, not a redirect: a Strict cookie set while arriving from Slack (another site) is sent on the next
        # navigation that starts here, which a redirect would not be.
        html = page("Upnext: signed in", '<main id="main"><h1>Signed in</h1><p><a href="/admin">Open the dashboard</a>'
                    "</p></main>", '<meta http-equiv="refresh" content="0;url=/admin">')  # fmt: skip
        return self._html(start_response, "200 OK", html, [("Set-Cookie", cookie)])
