"""What nudges did: planned, sent, failed, skipped, clicked and returned, per kind, and the hold-out comparison.

The hold-out comparison says whether come-back nudges bring people back at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from insights.queries import ReportQueries


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


def nudge_stats(queries: ReportQueries, since: str | None = None, until: str | None = None) -> list[KindStats]:
    """Per kind, for nudges sent (or due) in [since, until), all of them by default."""
    counts: dict[str, dict[str, int]] = {}
    for kind, status, n in queries.nudges_by_status(since, until):
        counts.setdefault(kind, {})[status] = n
    clicked, returned = queries.nudges_clicked(since, until), queries.nudges_returned(since, until)
    return [
        KindStats(kind, by_status, clicked.get(kind, 0),
                  {status: returned.get((kind, status), 0) for status in ("sent", "held_out")})
        for kind, by_status in sorted(counts.items())
    ]  # fmt: skip


def holdout_comparison(
    queries: ReportQueries, since: str | None = None, until: str | None = None
) -> dict[str, float | int]:
    """Return rate of idle learners who got a come-back nudge against those held out (in [since, until))."""
    rates: dict[str, float | int] = {}
    for status in ("sent", "held_out"):
        total, came_back = queries.come_back_returns(status, since, until)
        rates[f"{status}_learners"] = total
        rates[f"{status}_returned"] = came_back
        rates[f"{status}_return_rate"] = round(came_back / total, 3) if total else 0.0
    return rates
