"""What Upnext knows about a learner, in full, for "see" and "export"; erasing it is `forget_me.ForgetMe`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from learning.people.achievements import AchievementRepository
from learning.people.answers import AnswerRepository
from learning.people.history import EventRepository
from learning.people.learners import Learner, filed_under
from learning.people.nudges import NudgeRepository
from learning.people.shares import ShareRepository


class FiledAbout(Protocol):
    """An owner of rows filed under a person's ids (`learners.filed_under`): the people file's lines
    (learning.teams.reporting.ReportingLines, which sits above this package)."""

    def about(self, learner_ids: Sequence[str]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Privacy:
    """Every repository that holds rows about a learner; each exports whole rows, so a column added later is
    exported too."""

    history: EventRepository
    nudges: NudgeRepository
    answers: AnswerRepository
    achievements: AchievementRepository
    shares: ShareRepository
    reporting: FiledAbout

    def export(self, learner: Learner) -> dict[str, Any]:
        """Everything stored about this learner, as plain data."""
        return {"profile": asdict(learner), **self._records(learner)}

    def summary(self, learner: Learner) -> dict[str, int]:
        """Counts for the privacy message: how much of each kind of record there is (celebrating and a reporting
        line: 1 or 0)."""
        records = self._records(learner)
        return {"events": len(records["history"]), "nudges": len(records["nudges"]),
                "answers": len(records["answers_shown"]), "shares_sent": len(records["shares_sent"]),
                "shares_received": len(records["shares_received"]), "wins": len(records["achievements"]),
                "celebrate": int(bool(records["celebrations"])),
                "reporting_line": int(records["reporting_line"] is not None)}  # fmt: skip

    def _records(self, learner: Learner) -> dict[str, Any]:
        return {
            "history": self.history.about(learner.slack_id),
            "nudges": self.nudges.about(learner.slack_id),
            "answers_shown": self.answers.about(learner.slack_id),
            **self.achievements.about(learner.slack_id),
            **self.shares.about(learner.slack_id),
            # the people file files someone by Slack id or by email (learners.filed_as)
            **self.reporting.about(filed_under(learner.slack_id, learner.email)),
        }
