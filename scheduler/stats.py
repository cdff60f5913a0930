"""What nudges did: planned, sent, failed, skipped, clicked and returned, per kind, and the hold-out comparison
that says whether come-back nudges bring people back at all."""

from __future__ import annotations

from dataclasses import dataclass

from learning.store import Store

RETURN_DAYS = 7  # engaging within this many days of a nudge (or of being held out) counts as having returned


@dataclass(frozen=True)
class KindStats:
    kind: str
    counts: dict[str, int]  # by status
    clicked: int  # nudges with at least one click on their cards
    returned: int  # learners active within RETURN_DAYS after it was sent (or held out)

    @property
    def outcomes(self) -> int:
        return self.counts.get("sent", 0) + self.counts.get("held_out", 0)


def nudge_stats(store: Store) -> list[KindStats]:
    db = store.db
    counts: dict[str, dict[str, int]] = {}
    for kind, status, n in db.execute("SELECT kind, status, count(*) FROM nudges GROUP BY kind, status"):
        counts.setdefault(kind, {})[status] = n
    clicked = dict(db.execute(
        "SELECT n.kind, count(DISTINCT n.id) FROM nudges n JOIN events e ON e.source = 'nudge' "
        "AND e.value = CAST(n.id AS TEXT) GROUP BY n.kind"
    ).fetchall())  # fmt: skip
    returned = dict(db.execute(
        f"SELECT n.kind || ':' || n.status, count(DISTINCT n.id) FROM nudges n JOIN events e "
        f"ON e.learner_id = n.learner_id AND e.at > coalesce(n.sent_at, n.due_at) "
        f"AND e.at <= strftime('%Y-%m-%dT%H:%M:%S+00:00', coalesce(n.sent_at, n.due_at), '+{RETURN_DAYS} days') "
        f"WHERE n.status IN ('sent', 'held_out') GROUP BY n.kind, n.status"
    ).fetchall())  # fmt: skip
    return [
        KindStats(kind, by_status, clicked.get(kind, 0),
                  returned.get(f"{kind}:sent", 0) + returned.get(f"{kind}:held_out", 0))
        for kind, by_status in sorted(counts.items())
    ]  # fmt: skip


def holdout_comparison(store: Store) -> dict[str, float | int]:
    """Return rate of idle learners who got a come-back nudge against those held out."""
    db = store.db
    rates: dict[str, float | int] = {}
    for status in ("sent", "held_out"):
        total, came_back = db.execute(
            f"SELECT count(*), count(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.learner_id = "
            f"n.learner_id AND e.at > coalesce(n.sent_at, n.due_at) AND e.at <= strftime('%Y-%m-%dT%H:%M:%S+00:00', "
            f"coalesce(n.sent_at, n.due_at), '+{RETURN_DAYS} days')) THEN n.id END) FROM nudges n "
            f"WHERE n.kind = 'come_back' AND n.status = ?",
            [status],
        ).fetchone()
        rates[f"{status}_learners"] = total
        rates[f"{status}_return_rate"] = round(came_back / total, 3) if total else 0.0
    return rates


def nudge_status_counts(store: Store) -> dict[str, int]:
    """Nudges by status, all kinds together (cheap enough for every metrics scrape)."""
    return dict(store.db.execute("SELECT status, count(*) FROM nudges GROUP BY status").fetchall())
