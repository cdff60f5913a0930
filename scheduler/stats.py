"""What nudges did: planned, sent, failed, skipped, clicked and returned, per kind, and the hold-out comparison
that says whether come-back nudges bring people back at all."""

from __future__ import annotations

from dataclasses import dataclass

from learning.store import Store

RETURN_DAYS = 7  # engaging within this many days of a nudge (or of being held out) counts as having returned
_WHEN = "coalesce(n.sent_at, n.due_at)"


def _window(since: str | None, until: str | None) -> tuple[str, list[str]]:
    """SQL condition (and its parameters) keeping nudges sent or held out in [since, until)."""
    return f"{_WHEN} >= ? AND {_WHEN} < ?", [since or "", until or "9999"]


@dataclass(frozen=True)
class KindStats:
    kind: str
    counts: dict[str, int]  # by status
    clicked: int  # nudges with at least one click on their cards
    returned_by_status: dict[str, int]  # sent | held_out -> learners active within RETURN_DAYS after it

    @property
    def returned(self) -> int:
        return sum(self.returned_by_status.values())

    @property
    def outcomes(self) -> int:
        return self.counts.get("sent", 0) + self.counts.get("held_out", 0)


def nudge_stats(store: Store, since: str | None = None, until: str | None = None) -> list[KindStats]:
    """Per kind, for nudges sent (or due) in [since, until), all of them by default."""
    db = store.db
    window, params = _window(since, until)
    counts: dict[str, dict[str, int]] = {}
    for kind, status, n in db.execute(
        f"SELECT kind, status, count(*) FROM nudges n WHERE {window} GROUP BY kind, status", params
    ):
        counts.setdefault(kind, {})[status] = n
    clicked = dict(db.execute(
        f"SELECT n.kind, count(DISTINCT n.id) FROM nudges n JOIN events e ON e.source = 'nudge' "
        f"AND e.value = CAST(n.id AS TEXT) WHERE {window} GROUP BY n.kind", params
    ).fetchall())  # fmt: skip
    returned = dict(db.execute(
        f"SELECT n.kind || ':' || n.status, count(DISTINCT n.id) FROM nudges n JOIN events e "
        f"ON e.learner_id = n.learner_id AND e.at > {_WHEN} "
        f"AND e.at <= strftime('%Y-%m-%dT%H:%M:%S+00:00', {_WHEN}, '+{RETURN_DAYS} days') "
        f"WHERE n.status IN ('sent', 'held_out') AND {window} GROUP BY n.kind, n.status", params
    ).fetchall())  # fmt: skip
    return [
        KindStats(kind, by_status, clicked.get(kind, 0),
                  {status: returned.get(f"{kind}:{status}", 0) for status in ("sent", "held_out")})
        for kind, by_status in sorted(counts.items())
    ]  # fmt: skip


def holdout_comparison(store: Store, since: str | None = None, until: str | None = None) -> dict[str, float | int]:
    """Return rate of idle learners who got a come-back nudge against those held out (in [since, until))."""
    db = store.db
    window, params = _window(since, until)
    rates: dict[str, float | int] = {}
    for status in ("sent", "held_out"):
        total, came_back = db.execute(
            f"SELECT count(*), count(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.learner_id = "
            f"n.learner_id AND e.at > {_WHEN} AND e.at <= strftime('%Y-%m-%dT%H:%M:%S+00:00', "
            f"{_WHEN}, '+{RETURN_DAYS} days')) THEN n.id END) FROM nudges n "
            f"WHERE n.kind = 'come_back' AND n.status = ? AND {window}",
            [status, *params],
        ).fetchone()
        rates[f"{status}_learners"] = total
        rates[f"{status}_returned"] = came_back
        rates[f"{status}_return_rate"] = round(came_back / total, 3) if total else 0.0
    return rates


def nudge_status_counts(store: Store) -> dict[str, int]:
    """Nudges by status, all kinds together (cheap enough for every metrics scrape)."""
    return dict(store.db.execute("SELECT status, count(*) FROM nudges GROUP BY status").fetchall())
