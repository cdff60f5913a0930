"""The domain facade the Slack layer and the clock talk to; built once by the composition root. It hands out
repositories and domain objects, never the store: SQL stays with the owner of each table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from learning.admin_tokens import AdminTokens
from learning.answers import AnswerLog
from learning.catalog import Catalog
from learning.courses import CourseRepository
from learning.history import History
from learning.history_import import HistoryImporter
from learning.learners import LearnerRepository
from learning.nudges import NudgeRepository
from learning.privacy import Privacy
from learning.recommender import Recommender
from learning.search import CourseSearch
from learning.seen_events import SeenSlackEvents


@dataclass
class LearningService:
    courses: CourseRepository
    catalog: Catalog
    search: CourseSearch
    learners: LearnerRepository
    history: History
    recommender: Recommender
    answers: AnswerLog
    nudges: NudgeRepository
    privacy: Privacy
    seen_events: SeenSlackEvents
    admin_tokens: AdminTokens
    close: Callable[[], None]  # closes the store underneath (tests, benchmarks, one-shot commands)

    @property
    def history_importer(self) -> HistoryImporter:
        return HistoryImporter(self.courses, self.learners, self.history)
