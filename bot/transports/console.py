"""The local console: talk to the real Bolt app without a Slack workspace.

What you type becomes a signed Slack request dispatched to the same app and listeners that serve Slack; the bot's
Web API calls land on a local stand-in for Slack and are printed as readable text.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TextIO
from urllib.parse import urlencode

from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from admin.tokens import AdminTokenRepository
from bot.app import create_app
from bot.block_kit.text_render import message_to_text
from bot.seen_events import SeenEventRepository
from bot.transports.local_slack import TEAM_ID, Call, LocalSlack
from config import Settings
from learning.service import LearningService

DEMO_USER_ID = "U0DEMO"
DEMO_USER: dict[str, Any] = {
    "id": DEMO_USER_ID,
    "team_id": TEAM_ID,
    "name": "ana",
    "real_name": "Ana García",
    "tz": "Europe/Madrid",
    "tz_offset": 3600,
    "locale": "en-US",
    "deleted": False,
    "is_bot": False,
    "profile": {"first_name": "Ana", "real_name": "Ana García", "title": "Data Analyst", "email": None},
}
SHOWN_METHODS = {"respond", "chat.postMessage", "chat.postEphemeral", "chat.update", "views.publish"}


class ConsoleSession:
    def __init__(
        self,
        settings: Settings,
        service: LearningService,
        seen_events: SeenEventRepository,
        admin_tokens: AdminTokenRepository,
        user_id: str = DEMO_USER_ID,
    ):
        self.user_id = user_id
        self.slack = LocalSlack(users={DEMO_USER_ID: DEMO_USER}).start()
        secret = secrets.token_hex(16)
        self._verifier = SignatureVerifier(secret)
        local = replace(
            settings,
            slack_bot_token="xoxb-local-console",
            slack_signing_secret=secret,
            slack_api_url=self.slack.api_url,
        )
        # process_before_response: the listener finishes before dispatch returns, so each answer is complete.
        self.app = create_app(local, service, seen_events, admin_tokens, process_before_response=True)

    def close(self) -> None:
        self.slack.stop()

    def _dispatch(self, body: str, content_type: str) -> None:
        timestamp = str(int(time.time()))
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body) or ""  # None: no timestamp
        headers: dict[str, str | Sequence[str]] = {
            "content-type": content_type,
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": signature,
        }
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        if response.status >= 400:
            raise RuntimeError(f"the app refused the request: {response.status} {response.body}")

    def command(self, text: str, command: str = "/learn") -> None:
        body = urlencode(
            {
                "token": "unused",
                "team_id": TEAM_ID,
                "channel_id": "D" + self.user_id,
                "channel_name": "directmessage",
                "user_id": self.user_id,
                "user_name": self.user_id.lower(),
                "command": command,
                "text": text,
                "response_url": self.slack.response_url(secrets.token_hex(4)),
                "trigger_id": secrets.token_hex(8),
                "api_app_id": "AUPNEXT",
            }
        )
        self._dispatch(body, "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any]) -> None:
        body = json.dumps({
            "token": "unused", "team_id": TEAM_ID, "api_app_id": "AUPNEXT", "type": "event_callback",
            "event_id": "Ev" + secrets.token_hex(8), "event_time": int(time.time()), "event": event,
        })  # fmt: skip
        self._dispatch(body, "application/json")

    def direct_message(self, text: str) -> None:
        ts = f"{time.time():.6f}"
        self.event({"type": "message", "channel": "D" + self.user_id, "channel_type": "im", "user": self.user_id,
                    "text": text, "ts": ts, "event_ts": ts})  # fmt: skip

    def ask(self, text: str) -> list[str]:
        """Send one line as the learner (a DM, `/learn …`, or `/home` to open the App Home) and return the bot's
        replies as text."""
        before = len(self.slack.calls)
        words = text.strip()
        if words == "/home":
            self.event({"type": "app_home_opened", "user": self.user_id, "tab": "home", "channel": "D" + self.user_id})
        elif words.startswith("/"):
            name, _, rest = words.partition(" ")
            self.command(rest, command=name)
        else:
            self.direct_message(words)
        return [self._render(call) for call in self.slack.calls[before:] if call.method in SHOWN_METHODS]

    @staticmethod
    def _render(call: Call) -> str:
        if call.method == "views.publish":
            return "[App Home]\n" + message_to_text(call.body.get("view") or {})
        return message_to_text(call.body)


def run_console(
    session: ConsoleSession, ask: str | None = None, stdin: TextIO = sys.stdin, out: Callable[[str], None] = print
) -> int:
    try:
        if ask is not None:
            for reply in session.ask(ask):
                out(reply)
            return 0
        out("Upnext console: you are Ana, a demo learner, messaging the real bot. Try: what should I learn next?")
        out("Or: python for data analysis · /learn help · /home (your App Home). Ctrl-D to quit.")
        while True:
            if stdin.isatty():
                sys.stdout.write("you> ")
                sys.stdout.flush()
            line = stdin.readline()
            if not line:
                return 0
            if line.strip():
                for reply in session.ask(line):
                    out(reply)
                    out("")
    finally:
        session.close()
