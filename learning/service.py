"""The domain facade the Slack layer and the clock talk to; built once by the composition root.

It hands out repositories and domain objects, never the store: SQL stays with the owner of each table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from learning.catalog.courses import CourseRepository
from learning.catalog.importer import CatalogImporter
from learning.people.achievements import Achievements
from learning.people.answers import AnswerRepository
from learning.people.departures import Departures
from learning.people.forget_me import ForgetMe
from learning.people.history import EventRepository
from learning.people.history_import import HistoryImporter
from learning.people.learners import LearnerRepository
from learning.people.nudges import NudgeRepository
from learning.people.privacy import Privacy
from learning.recommend.recommender import Recommender
from learning.search.course_search import CourseSearch


@dataclass
class LearningService:
    courses: CourseRepository
    catalog: CatalogImporter
    search: CourseSearch
    learners: LearnerRepository
    history: EventRepository
    recommender: Recommender
    answers: AnswerRepository
    nudges: NudgeRepository
    privacy: Privacy
    forget_me: ForgetMe  # erases a person: every owner of rows about them, wired by the composition root
    departures: Departures  # workspaces that uninstalled Upnext, and the purge of their learners
    achievements: Achievements  # wins earned from what learners finished, and who wants them celebrated
    close: Callable[[], None]  # closes the store underneath (tests, benchmarks, one-shot commands)

    @property
    def history_importer(self) -> HistoryImporter:
        return HistoryImporter(self.courses, self.learners, self.history)
