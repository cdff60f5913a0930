"""Housekeeping in the clock process: old answers go, and the report's roll-ups stay current.

What Upnext promised not to keep forever goes daily; the roll-ups are brought up to date every few minutes, so that
a report finds little to catch up on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from insights.rollups import Rollups
from learning.service import LearningService
from learning.timestamps import utcnow

log = logging.getLogger(__name__)


class Housekeeping:
    def __init__(self, service: LearningService, answers_retention_days: int, clock: Callable[[], datetime] = utcnow):
        self.answers = service.answers
        self.keep = timedelta(days=answers_retention_days)
        self.clock = clock
        self.rollups = Rollups(service.courses.store)

    def run(self) -> int:
        """Prune the answers log to its retention period; returns how many answers went."""
        removed = self.answers.prune(self.clock() - self.keep)
        if removed:
            log.info("pruned %d answer(s) older than %d days", removed, self.keep.days)
        return removed

    def roll_up(self) -> None:
        """Bring the report's roll-ups up to date with what was recorded since the last run."""
        self.rollups.update()
