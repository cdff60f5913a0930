"""The domain facade the Slack layer and the clock talk to; built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from learning.catalog import Catalog
from learning.courses import CourseRepository
from learning.history import History
from learning.history_import import HistoryImporter
from learning.learners import LearnerRepository
from learning.recommender import Recommender
from learning.search import CourseSearch
from learning.store import Store


@dataclass
class LearningService:
    store: Store
    courses: CourseRepository
    catalog: Catalog
    search: CourseSearch
    learners: LearnerRepository
    history: History
    recommender: Recommender

    @property
    def history_importer(self) -> HistoryImporter:
        return HistoryImporter(self.courses, self.learners, self.history)
