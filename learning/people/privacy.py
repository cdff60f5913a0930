"""What Upnext knows about a learner, in full, for "see" and "export"; erasing it is `forget_me.ForgetMe`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from learning.people.achievements import AchievementRepository
from learning.people.answers import AnswerRepository
from learning.people.history import EventRepository
from learning.people.learners import Learner
from learning.people.nudges import NudgeRepository


@dataclass(frozen=True)
class Privacy:
    """Every repository that holds rows about a learner; each exports whole rows, so a column added later is
    exported too."""

    history: EventRepository
    nudges: NudgeRepository
    answers: AnswerRepository
    achievements: AchievementRepository

    def export(self, learner: Learner) -> dict[str, Any]:
        """Everything stored about this learner, as plain data."""
        return {"profile": asdict(learner), **self._records(learner)}

    def summary(self, learner: Learner) -> dict[str, int]:
        """Counts for the privacy message: how much of each kind of record there is."""
        records = self._records(learner)
        return {"events": len(records["history"]), "nudges": len(records["nudges"]),
                "answers": len(records["answers_shown"])}  # fmt: skip

    def _records(self, learner: Learner) -> dict[str, list[dict[str, Any]]]:
        return {
            "history": self.history.about(learner.slack_id),
            "nudges": self.nudges.about(learner.slack_id),
            "answers_shown": self.answers.about(learner.slack_id),
            **self.achievements.about(learner.slack_id),
        }
