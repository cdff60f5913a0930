"""A local stand-in for Slack's Web API on 127.0.0.1, used by the console and by the tests.

It records every call (method, parsed body, the token it carried) and every post to a response_url, answers the
methods Upnext uses the way Slack does, and can be told to answer some calls with HTTP 429 and Retry-After, as Slack
does under load. For installs by OAuth it hands out codes (`grant`) that `oauth.v2.access` exchanges once for a
workspace's or an org's token, answers `auth.test` for each such token, and refuses a token once it is revoked.
With token rotation (a grant's `expires_in`) a token comes with a refresh token, stops working when it expires, and
`oauth.v2.access` with `grant_type=refresh_token` exchanges a refresh token once for a new pair, as Slack does.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

BOT_USER_ID = "UUPNEXTBOT"
TEAM_ID = "T0LOCAL"
ROTATED_SECONDS = 12 * 3600  # how long a token got by a refresh lasts (Slack's 12 hours)


@dataclass
class Call:
    method: str  # Web API method, or "respond" for a post to a response_url
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    path: str = ""
    token: str | None = None  # the bearer token (or `token` field) the call carried


@dataclass(frozen=True)
class Grant:
    """What a user's consent on Slack's install page made: a token for a workspace, or for a whole org."""

    token: str
    team_id: str | None  # None for an org-wide install
    enterprise_id: str | None = None
    bot_user_id: str = BOT_USER_ID
    expires_in: int | None = None  # token rotation on: seconds the token got by the code lasts, with a refresh token

    def access(self) -> dict[str, Any]:
        """oauth.v2.access's answer for this grant."""
        org_wide = self.team_id is None
        return {
            "ok": True, "app_id": "AUPNEXT", "access_token": self.token, "token_type": "bot",
            "scope": "chat:write,commands,users:read", "bot_user_id": self.bot_user_id,
            "team": None if org_wide else {"id": self.team_id, "name": f"Team {self.team_id}"},
            "enterprise": {"id": self.enterprise_id, "name": "Org"} if self.enterprise_id else None,
            "is_enterprise_install": org_wide, "authed_user": {"id": "U0INSTALLER"},
        }  # fmt: skip

    def identity(self) -> dict[str, Any]:
        """auth.test's answer for this grant's token."""
        return {
            "ok": True, "user_id": self.bot_user_id, "bot_id": "B" + self.token[-6:].upper(), "team_id": self.team_id,
            "enterprise_id": self.enterprise_id, "is_enterprise_install": self.team_id is None, "user": "upnext",
            "url": "https://local.slack.invalid/",
        }  # fmt: skip


def _token(headers: Any, body: dict[str, Any]) -> str | None:
    bearer = str(headers.get("Authorization") or "")
    return bearer.removeprefix("Bearer ") if bearer.startswith("Bearer ") else body.get("token")


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        return json.loads(raw)
    body: dict[str, Any] = dict(parse_qsl(raw.decode(), keep_blank_values=True))
    for key in ("blocks", "view", "prompts", "attachments", "files", "metadata"):
        if isinstance(body.get(key), str):
            with contextlib.suppress(json.JSONDecodeError):
                body[key] = json.loads(body[key])
    return body


def default_user(user_id: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": user_id.lower(),
        "real_name": f"Learner {user_id}",
        "tz": "UTC",
        "tz_offset": 0,
        "locale": "en-US",
        "deleted": False,
        "is_bot": False,
        "profile": {"first_name": "", "real_name": f"Learner {user_id}", "title": "", "email": None},
    }


class LocalSlack:
    def __init__(self, users: dict[str, dict[str, Any]] | None = None):
        self.users: dict[str, dict[str, Any]] = dict(users or {})
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> messages posted there, for history
        self.file_names: dict[str, str] = {}  # file id -> the name it was uploaded under
        self.channels: dict[str, bool] = {}  # channel id -> whether Upnext is in it (a channel not listed: it is)
        self.unfurls: list[dict[str, Any]] = []  # each accepted chat.unfurl: its message and what it attached
        self._failures: list[tuple[str, int, float, int, str]] = []  # (method, status, retry_after, left, error)
        self._delays: dict[str, float] = {}  # method -> seconds each call waits after it is recorded
        self._hooks: dict[str, Callable[[dict[str, Any]], object]] = {}  # method -> run before it is answered
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._codes: dict[str, Grant] = {}  # OAuth codes not yet exchanged
        self._granted: dict[str, Grant] = {}  # token -> its grant, until revoked
        self._revoked: set[str] = set()
        self._expiry: dict[str, float] = {}  # a rotating token -> when it stops working (epoch seconds)
        self._refresh_tokens: dict[str, Grant] = {}  # refresh tokens not yet used -> their grant
        self._issued = itertools.count(1)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> LocalSlack:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                owner._handle(self)

            def do_GET(self) -> None:  # some Web API methods (conversations.history) are GETs with query params
                owner._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # a short poll interval: stop() returns within 50 ms instead of serve_forever's default 500 ms
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name="local-slack"
        ).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "r") -> str:
        return f"{self.base_url}/respond/{name}"

    # -- test controls ---------------------------------------------------------------------------------------
    def fail(self, method: str, status: int = 429, retry_after: float = 1, times: int = 1, error: str = "") -> None:
        """Answer the next `times` calls to `method` with `status` (and Retry-After for 429), or with HTTP 200
        and `{"ok": false, "error": error}` as Slack reports most API errors."""
        with self._lock:
            self._failures.append((method, status, retry_after, times, error or "ratelimited"))

    def slow(self, method: str, seconds: float) -> None:
        """Answer each call to `method` `seconds` late, after recording it (a message is in the history while its
        sender still waits for the answer); 0 answers at once again."""
        with self._lock:
            self._delays[method] = seconds

    def before(self, method: str, hook: Callable[[dict[str, Any]], object]) -> None:
        """Run `hook(body)` on each call to `method` after recording it and before answering it: something happens
        while the caller waits for Slack."""
        with self._lock:
            self._hooks[method] = hook

    def channel(self, channel_id: str, member: bool) -> None:
        """A channel Upnext is in, or not: conversations.info says so, and a post there fails with not_in_channel."""
        with self._lock:
            self.channels[channel_id] = member

    def grant(self, code: str, grant: Grant) -> None:
        """A user approved the install on Slack's page: Slack redirects their browser with `code`."""
        with self._lock:
            self._codes[code] = grant

    def revoke(self, token: str) -> None:
        """The token stops working (an uninstall), as Slack does before it sends app_uninstalled."""
        with self._lock:
            self._granted.pop(token, None)
            self._revoked.add(token)

    def expire(self, token: str) -> None:
        """The token's time is up (its 12 hours passed): calls with it are refused from now on."""
        with self._lock:
            self._expiry[token] = time.time()

    def refreshes(self) -> list[Call]:
        """The calls that exchanged (or tried to exchange) a refresh token."""
        return [c for c in self.calls_to("oauth.v2.access") if c.body.get("grant_type") == "refresh_token"]

    def tokens_used(self) -> set[str | None]:
        with self._lock:
            return {c.token for c in self.calls}

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 10) -> list[Call]:
        """Block until `predicate(calls)` holds; returns the calls, or raises TimeoutError."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(self.calls):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"Slack calls so far: {[c.method for c in self.calls]}")
                self._lock.wait(remaining)
            return list(self.calls)

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 10) -> list[Call]:
        self.wait_for(lambda calls: sum(c.method == method for c in calls) >= count, timeout)
        return self.calls_to(method)

    # -- serving ---------------------------------------------------------------------------------------------
    def _take_failure(self, method: str) -> tuple[int, float, str] | None:
        for i, (name, status, retry_after, remaining, error) in enumerate(self._failures):
            if name == method:
                if remaining <= 1:
                    del self._failures[i]
                else:
                    self._failures[i] = (name, status, retry_after, remaining - 1, error)
                return status, retry_after, error
        return None

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        path = url.path
        raw = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        if path.startswith("/upload/"):  # the file bytes of files_upload_v2 (any bytes), sent to the URL we handed out
            with self._lock:
                self.calls.append(Call("upload", {"content": raw.decode("utf-8", "replace"), "bytes": raw}, path=path))
                self._lock.notify_all()
            request.send_response(200)
            request.end_headers()
            request.wfile.write(b"OK")
            return
        try:
            body = _parse_body(raw, request.headers.get("Content-Type", ""))
            body.update(parse_qsl(url.query, keep_blank_values=True))
        except (json.JSONDecodeError, UnicodeDecodeError):
            self._reply(request, 400, {"ok": False, "error": "invalid_json"})
            return
        method = "respond" if path.startswith("/respond/") else path.removeprefix("/api/")
        with self._lock:
            failure = self._take_failure(method)
            if failure is None:
                self.calls.append(Call(method, body, path=path, token=_token(request.headers, body)))
                self._lock.notify_all()
            delay = self._delays.get(method, 0.0)
            hook = self._hooks.get(method)
        if failure is not None:
            status, retry_after, error = failure
            headers = {"Retry-After": str(int(retry_after))} if status == 429 else {}
            self._reply(request, status, {"ok": False, "error": error}, headers)
            return
        if method == "respond":
            request.send_response(200)
            request.send_header("Content-Type", "text/plain")
            request.end_headers()
            request.wfile.write(b"ok")
            return
        if hook is not None:
            hook(body)
        answer = self._refusal(method, body, _token(request.headers, body)) or self.answer(method, body)
        time.sleep(delay)
        self._reply(request, 200, answer)

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        try:
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the caller went away while it waited (a process killed mid-call)

    def _share(self, body: dict[str, Any]) -> dict[str, Any]:
        """Uploaded files, shared to `channel_id` as Slack does: one message there listing them (name and title)."""
        with self._lock:
            files = [{"id": f.get("id"), "name": self.file_names.get(str(f.get("id")), ""), "title": f.get("title")}
                     for f in body.get("files") or []]  # fmt: skip
            if body.get("channel_id"):
                message = {"text": body.get("initial_comment") or "", "ts": f"{time.time():.6f}", "files": files}
                self.messages.setdefault(str(body["channel_id"]), []).append(message)
        return {"ok": True, "files": [{"id": f["id"]} for f in files]}

    def _unfurl(self, body: dict[str, Any]) -> dict[str, Any]:
        """Recorded as Slack would attach it: to a message named by `channel` and `ts` or by `unfurl_id` and
        `source`, with `unfurls` (URL -> blocks) or Work Object `metadata`; anything less is refused."""
        message = body.get("channel") and body.get("ts")
        composer = body.get("unfurl_id") and body.get("source")
        unfurls, metadata = body.get("unfurls"), body.get("metadata")
        if not (message or composer) or not (isinstance(unfurls, dict) or isinstance(metadata, dict)):
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            self.unfurls.append(body)
        return {"ok": True}

    def _refusal(self, method: str, body: dict[str, Any], token: str | None) -> dict[str, Any] | None:
        """Slack's answer when the call cannot succeed (a revoked or expired token, an OAuth code or refresh token
        unknown or used before), or to an OAuth exchange."""
        with self._lock:
            if token in self._revoked:
                return {"ok": False, "error": "token_revoked"}
            if token in self._expiry and self._expiry[token] <= time.time():
                return {"ok": False, "error": "token_expired"}
            if method == "oauth.v2.access" and body.get("grant_type") == "refresh_token":
                grant = self._refresh_tokens.pop(str(body.get("refresh_token")), None)
                if grant is None:
                    return {"ok": False, "error": "invalid_refresh_token"}
                return self._issue(grant, f"xoxe.{grant.token}-{next(self._issued)}", ROTATED_SECONDS)
            if method == "oauth.v2.access":
                grant = self._codes.pop(str(body.get("code")), None)
                if grant is None:
                    return {"ok": False, "error": "invalid_code"}
                return self._issue(grant, grant.token, grant.expires_in)
            if method == "auth.test" and token in self._granted:
                return self._granted[token].identity()
        return None

    def _issue(self, grant: Grant, token: str, expires_in: int | None) -> dict[str, Any]:
        """oauth.v2.access's answer handing out `token` for `grant` (with rotation: expiring, with a refresh token)."""
        self._granted[token] = grant
        answer = {**grant.access(), "access_token": token}
        if expires_in is not None:
            refresh_token = f"xoxe-1-{grant.token[-6:]}-{next(self._issued)}"
            self._refresh_tokens[refresh_token] = grant
            self._expiry[token] = time.time() + expires_in
            answer.update(expires_in=expires_in, refresh_token=refresh_token)
        return answer

    def answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """What Slack would answer to a successful call."""
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER_ID,
                "bot_id": "BUPNEXT",
                "team_id": TEAM_ID,
                "user": "upnext",
                "team": "Local",
                "url": "https://local.slack.invalid/",
            }
        if method == "users.info":
            user_id = body.get("user", "")
            user = self.users.get(user_id) or default_user(user_id)
            return {"ok": True, "user": user}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(body.get("users", "X")).split(",")[0]}}
        if method == "conversations.info":
            channel = str(body.get("channel") or "")
            member = self.channels.get(channel, True)
            return {"ok": True, "channel": {"id": channel, "name": channel.lower(), "is_member": member}}
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            channel = str(body.get("channel") or "")
            if not self.channels.get(channel, True):
                return {"ok": False, "error": "not_in_channel"}
            if channel[:1] in ("U", "W"):  # posting to a user id opens (or reuses) the DM with the app
                channel = "D" + channel
            ts = body.get("ts") or f"{time.time():.6f}"
            message = {"text": body.get("text"), "ts": ts, "metadata": body.get("metadata")}
            if method == "chat.postMessage":
                with self._lock:
                    self.messages.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message_ts": ts, "message": message}
        if method == "chat.unfurl":
            return self._unfurl(body)
        if method == "conversations.history":
            oldest = float(body.get("oldest") or 0)
            with self._lock:
                found = [m for m in self.messages.get(str(body.get("channel")), []) if float(m["ts"]) >= oldest]
            if str(body.get("include_all_metadata")).lower() not in ("1", "true"):  # as Slack: metadata only if asked
                found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
            return {"ok": True, "messages": list(reversed(found)), "has_more": False}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):06d}"
            with self._lock:
                self.file_names[file_id] = str(body.get("filename") or "")
            return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return self._share(body)
        if method in ("views.publish", "views.open", "views.update", "views.push"):
            return {"ok": True, "view": {"id": f"V{next(self._ts)}", **(body.get("view") or {})}}
        return {"ok": True}
