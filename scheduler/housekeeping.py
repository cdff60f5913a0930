"""Daily housekeeping in the clock process: what Upnext promised not to keep forever goes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from learning.service import LearningService
from learning.timestamps import utcnow

log = logging.getLogger(__name__)


class Housekeeping:
    def __init__(self, service: LearningService, answers_retention_days: int, clock: Callable[[], datetime] = utcnow):
        self.answers = service.answers
        self.keep = timedelta(days=answers_retention_days)
        self.clock = clock

    def run(self) -> int:
        """Prune the answers log to its retention period; returns how many answers went."""
        removed = self.answers.prune(self.clock() - self.keep)
        if removed:
            log.info("pruned %d answer(s) older than %d days", removed, self.keep.days)
        return removed
