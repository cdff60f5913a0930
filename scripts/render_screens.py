"""Capture what Home, an answer and a nudge look like, from the real app on the bundled catalog, as Block Kit JSON
(docs/screens/*.json) plus a Block Kit Builder link and a text rendering for the README.

    .venv/bin/python scripts/render_screens.py [UPNEXT_HOME]
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from bot.block_kit.text_render import blocks_to_text
from bot.transports.console import DEMO_USER_ID, ConsoleSession
from config import Settings
from scheduler.delivery import Sender, nudge_client
from scheduler.planner import Planner
from upnext.build import build
from upnext.schema import open_store

OUT = Path(__file__).resolve().parent.parent / "docs" / "screens"
BUILDER = "https://app.slack.com/block-kit-builder/#"


def save(name: str, surface: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(surface, indent=2, ensure_ascii=False) + "\n")
    (OUT / f"{name}.txt").write_text(blocks_to_text(surface["blocks"]) + "\n")
    (OUT / f"{name}.link").write_text(BUILDER + quote(json.dumps(surface, separators=(",", ":"))) + "\n")


def main(home: str = "var") -> None:
    settings = Settings(home=Path(home))
    upnext = build(settings)
    service = upnext.service
    session = ConsoleSession(settings, service, upnext.seen_events, upnext.admin_tokens)
    session.ask("hello")
    service.learners.update(service.learners.get(DEMO_USER_ID), interests=("python", "sql", "git"),
                                  onboarded_at=datetime.now(UTC).isoformat())  # fmt: skip
    service.history.record(DEMO_USER_ID, "swcarpentry/python-novice-inflammation/01-intro", "completed")
    service.history.record(DEMO_USER_ID, "swcarpentry/sql-novice-survey/01-select", "started")
    before = len(session.slack.calls)
    session.ask("what should I learn next?")
    answer = [c for c in session.slack.calls[before:] if c.method == "chat.postMessage"][-1].body
    save("answer", {"blocks": answer["blocks"]})
    session.ask("/home")
    home_view = session.slack.calls_to("views.publish")[-1].body["view"]
    save("home", {"type": "home", "blocks": home_view["blocks"]})
    later = datetime.now(UTC) + timedelta(days=40)
    service.learners.touch(DEMO_USER_ID, later - timedelta(days=35))
    store = open_store(settings.database_path)
    store.db.execute("UPDATE events SET at = ? WHERE learner_id = ?",
                     [(later - timedelta(days=35)).isoformat(), DEMO_USER_ID])  # fmt: skip
    local = Settings(home=Path(home), slack_bot_token="xoxb-local", slack_api_url=session.slack.api_url)
    Planner(service, local.nudges, lambda: later).plan(now=later, user=DEMO_USER_ID)
    Sender(
        service, nudge_client(local), local.nudges, lambda: later + timedelta(days=6), sleep=lambda s: None
    ).run_once()
    nudge = session.slack.calls_to("chat.postMessage")[-1].body
    save("nudge", {"blocks": nudge["blocks"]})
    store.db.execute("DELETE FROM nudges WHERE learner_id = ?", [DEMO_USER_ID])
    store.close()
    session.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:])
