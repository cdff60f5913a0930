"""Courses people shared, and who turned shares off; what a recipient was recommended feeds their picks.

A share is one person's recommendation of a course, with an optional note, to colleagues (each one it reached is a
recipient row) and/or a channel. Its `kind` says who recommended it: a colleague (the *Share* button), or a manager
(*Recommend to my team* records its cards here too, with kind "manager"), so both reach the recommender the same way
(`recommended_to`). A sharer is named only to the people the course was shared with.

Forget me: a person's received shares and their opt-out go (a manager's card to them with them); the shares they sent
lose everything about them (who, the note, the channel) and stay, unnamed, only for the recipients they reached
("Recommended by a colleague"), and go once no recipient is left.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from learning.store.engine import Store, TableSteps
from learning.timestamps import iso

KINDS = ("colleague", "manager")  # who recommended a course: a colleague's share, or a manager's recommendation
MAX_PEOPLE = 20  # people per share
DAILY_SHARES = 50  # shares a person may send in 24 hours
MAX_NOTE = 280  # characters of a note
RECOMMENDED_DAYS = 90  # how long a recommendation lifts the course in the recipient's picks

TABLES: TableSteps = {
    13: """
        -- a course someone recommended: shared by a colleague, or recommended by a manager
        CREATE TABLE shares (
            id INTEGER PRIMARY KEY,
            sharer_id TEXT,                 -- NULL once the sharer was forgotten
            kind TEXT NOT NULL,             -- colleague | manager
            course_id TEXT NOT NULL,
            note TEXT,                      -- the sharer's words, as typed (escaped wherever shown)
            channel_id TEXT,                -- the channel it was posted in, if any
            at TEXT NOT NULL
        );
        CREATE INDEX shares_sharer ON shares(sharer_id, at);
        -- each person a share reached
        CREATE TABLE share_recipients (
            share_id INTEGER NOT NULL,
            recipient_id TEXT NOT NULL,
            PRIMARY KEY (share_id, recipient_id)
        ) WITHOUT ROWID;
        CREATE INDEX share_recipients_recipient ON share_recipients(recipient_id);
        CREATE TRIGGER shares_recipients_ad AFTER DELETE ON shares BEGIN
            DELETE FROM share_recipients WHERE share_id = old.id;
        END;
        -- people who turned colleagues' shares off (`/learn shares off`)
        CREATE TABLE shares_off (learner_id TEXT PRIMARY KEY, at TEXT NOT NULL);
""",
}


@dataclass(frozen=True)
class Recommendation:
    """A course recommended to a learner: by whom (`by`, a Slack id; None once they were forgotten), of which kind."""

    course_id: str
    kind: str  # colleague | manager
    by: str | None
    at: str


class ShareRepository:
    def __init__(self, store: Store):
        self.store = store

    def record(
        self,
        sharer_id: str,
        course_id: str,
        recipients: Sequence[str],
        at: datetime,
        *,
        note: str | None = None,
        channel_id: str | None = None,
        kind: str = "colleague",
    ) -> int:
        """Keep a share and the people it reached; returns its id."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        with self.store.transaction() as sql:
            share_id = int(sql.value(
                "INSERT INTO shares (sharer_id, kind, course_id, note, channel_id, at) "
                "VALUES (:sharer, :kind, :course, :note, :channel, :at) RETURNING id",
                {"sharer": sharer_id, "kind": kind, "course": course_id, "note": note or None, "channel": channel_id,
                 "at": iso(at)},
            ))  # fmt: skip
            sql.execute_many(
                "INSERT INTO share_recipients (share_id, recipient_id) VALUES (:share, :recipient) "
                "ON CONFLICT DO NOTHING",
                [{"share": share_id, "recipient": r} for r in dict.fromkeys(recipients)],
            )
        return share_id

    def sent_since(self, sharer_id: str, since: datetime, kind: str = "colleague") -> int:
        """How many shares of `kind` this person sent since `since` (the daily limit)."""
        return int(self.store.sql.value(
            "SELECT count(*) FROM shares WHERE sharer_id = :sharer AND kind = :kind AND at >= :since",
            {"sharer": sharer_id, "kind": kind, "since": iso(since)},
        ))  # fmt: skip

    def left_today(self, sharer_id: str, now: datetime) -> int:
        """How many more shares this person may send now (DAILY_SHARES in any 24 hours)."""
        return max(0, DAILY_SHARES - self.sent_since(sharer_id, now - timedelta(days=1)))

    def recommended_to(self, learner_id: str, now: datetime) -> list[Recommendation]:
        """What was recommended to this learner in the last RECOMMENDED_DAYS, newest first, one per course."""
        rows = self.store.sql.rows(
            "SELECT s.course_id, s.kind, s.sharer_id, s.at FROM shares s JOIN share_recipients r ON r.share_id = s.id "
            "WHERE r.recipient_id = :learner AND s.at >= :since ORDER BY s.at DESC, s.id DESC",
            {"learner": learner_id, "since": iso(now - timedelta(days=RECOMMENDED_DAYS))},
        )
        found: dict[str, Recommendation] = {}
        for course_id, kind, by, at in rows:
            found.setdefault(course_id, Recommendation(course_id, kind, by, at))
        return list(found.values())

    def set_accepting(self, learner_id: str, accepting: bool, at: datetime) -> None:
        """`/learn shares on|off`."""
        if accepting:
            self.store.sql.execute("DELETE FROM shares_off WHERE learner_id = :id", {"id": learner_id})
        else:
            self.store.sql.execute(
                "INSERT INTO shares_off (learner_id, at) VALUES (:id, :at) ON CONFLICT (learner_id) DO NOTHING",
                {"id": learner_id, "at": iso(at)},
            )

    def refusing(self, learner_ids: Iterable[str]) -> set[str]:
        """Those of these people who turned shares off."""
        ids = tuple(dict.fromkeys(learner_ids))
        if not ids:
            return set()
        rows = self.store.sql.rows("SELECT learner_id FROM shares_off WHERE learner_id IN (:ids)", {"ids": ids})
        return {learner_id for (learner_id,) in rows}

    def about(self, learner_id: str) -> dict[str, Any]:
        """For the learner's export: the courses they shared with colleagues (with their notes), those they received
        (with who sent them, when still known), and whether shares reach them. What a share reached is not theirs to
        know: not who (nor how many: fewer than were picked would say someone turned shares off), and not a manager's
        cards to their reports (`ReportingLines.about` lists what a manager recommended)."""
        sent = self.store.sql.records(
            "SELECT s.kind, s.course_id, s.note, s.channel_id, s.at FROM shares s "
            "WHERE s.sharer_id = :id AND s.kind = 'colleague' ORDER BY s.at, s.id",
            {"id": learner_id},
        )
        received = self.store.sql.records(
            "SELECT s.kind, s.course_id, s.sharer_id AS shared_by, s.note, s.at FROM shares s "
            "JOIN share_recipients r ON r.share_id = s.id WHERE r.recipient_id = :id ORDER BY s.at, s.id",
            {"id": learner_id},
        )
        off = self.refusing([learner_id])
        return {"shares_sent": sent, "shares_received": received, "shares": "off" if off else "on"}

    def erase(self, learner_ids: Sequence[str]) -> int:
        """Forget me: received shares and the opt-out go; sent shares go, or lose the sharer, their note and the
        channel where they still matter to someone they reached; how many rows went or were emptied."""
        ids = {"ids": tuple(learner_ids)}
        orphaned = "NOT EXISTS (SELECT 1 FROM share_recipients r WHERE r.share_id = shares.id)"
        with self.store.transaction() as sql:
            changed = sql.execute("DELETE FROM share_recipients WHERE recipient_id IN (:ids)", ids)
            changed += sql.execute(f"DELETE FROM shares WHERE sharer_id IN (:ids) AND {orphaned}", ids)
            changed += sql.execute(
                "UPDATE shares SET sharer_id = NULL, note = NULL, channel_id = NULL WHERE sharer_id IN (:ids)", ids
            )
            # a manager's share is their card to one report: it goes with that report
            changed += sql.execute(f"DELETE FROM shares WHERE (sharer_id IS NULL OR kind = 'manager') AND {orphaned}")
            return changed + sql.execute("DELETE FROM shares_off WHERE learner_id IN (:ids)", ids)
