"""Forget me: erase a person and everything recorded about them, in one transaction.

It does so by asking each owner of such rows to erase them. The purge of a workspace that left
(`learning.people.departures`) erases the same rows, without remembering the person as forgotten.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from learning.background import in_background
from learning.people.learners import LearnerRepository
from learning.store.engine import Store
from learning.timestamps import utcnow

log = logging.getLogger(__name__)

SCRUB_TRIES, SCRUB_PAUSE = 24, 5.0  # a long read (a backup of a large store) may hold the log for a minute or two


class Eraser(Protocol):
    """An owner of rows about people (events, nudges, answers, admin sign-in tokens, …)."""

    def erase(self, learner_ids: Sequence[str]) -> int:
        """Delete every row about these learner ids; how many went."""
        ...


@dataclass(frozen=True)
class ForgetMe:
    store: Store
    learners: LearnerRepository
    erasers: Sequence[Eraser]  # every other owner of rows about a person; the composition root lists them

    def __call__(self, slack_id: str) -> int:
        """Erase the learner and everything recorded about them, under their Slack id and their email (history an
        LMS export filed under it); returns how many rows went. Only one-way hashes of those identifiers stay
        behind, so that no import brings them back, and the files are scrubbed (see `Store.scrub`)."""
        identifiers, learner_ids = self.learners.known_as(slack_id)
        with self.store.transaction():
            removed = self.erase(learner_ids)
            self.learners.remember_forgotten(identifiers, utcnow())
        self.scrub()
        return removed

    def erase(self, learner_ids: Sequence[str]) -> int:
        """Inside the caller's transaction: delete these learner ids and every row about them, keeping no trace
        (forget me then remembers the hashes; a purge after an uninstall does not); how many rows went."""
        # the learner rows go first: a write about them that holds their row (`LearnerRepository.hold`, e.g. a
        # nudge's answer) then either finished before, and its rows are erased below, or finds them gone
        removed = self.learners.erase(learner_ids)
        return removed + sum(eraser.erase(learner_ids) for eraser in self.erasers)

    def scrub(self) -> None:
        """Make erasures final in the files too (`Store.scrub`): now, or once a long read no longer needs the log."""
        if not self.store.scrub():
            in_background("forget-me scrub", self._scrub_later)

    def _scrub_later(self) -> None:
        for _ in range(SCRUB_TRIES):
            time.sleep(SCRUB_PAUSE)
            if self.store.scrub():
                return
        log.error("forget me: the write-ahead log stayed in use; the erased rows leave it at its next checkpoint")
