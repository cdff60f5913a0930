"""Builds the domain service from settings. The only place that knows how the parts fit together."""

from __future__ import annotations

import logging
from collections.abc import Callable

from config import Settings
from embeddings.encoder import Encoder, load_encoder
from embeddings.vector_cache import VectorCache
from learning.answers import AnswerLog
from learning.bundled_vectors import preload_bundled_vectors
from learning.catalog import Catalog
from learning.catalog_frame import FrameCache
from learning.course_index import CourseIndex
from learning.courses import CourseRepository
from learning.feedback import Feedback
from learning.history import History
from learning.learners import LearnerRepository
from learning.ranker import MODEL_FILE, RankerFile
from learning.recommender import Recommender
from learning.search import CourseSearch
from learning.service import LearningService
from learning.signals import SignalCache
from learning.store import Store

log = logging.getLogger(__name__)


def build_service(
    settings: Settings,
    encoder: Encoder | None = None,
    prepare: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> LearningService:
    """Open the store and index under UPNEXT_HOME; with `prepare`, import the bundled catalog into an empty store
    and repair the index if it fell behind the store."""
    settings.home.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_path)
    encoder = encoder or load_encoder(settings.encoder, settings.models_dir)
    courses = CourseRepository(store)
    index = CourseIndex(courses, VectorCache(lambda: store.db, encoder), settings.home)
    catalog = Catalog(courses, index)
    if prepare:
        if courses.count() == 0:
            log.info("preloaded %d bundled course vectors", preload_bundled_vectors(index.cache, settings.models_dir))
        result = catalog.ensure_ready(on_progress)
        log.info("catalog ready: %d courses (%s)", courses.count(), result)
    search = CourseSearch(store, courses, index, encoder)
    history = History(store)
    answers = AnswerLog(store)
    feedback = Feedback(answers.shown, answers.shown_times, history.took_up)
    recommender = Recommender(
        courses, history, search, SignalCache(store), FrameCache(store, index), encoder, feedback=feedback
    )
    if settings.ranker:  # the model the clock process trained and saved, when there is one (BENCHMARKS.md)
        recommender.ranker = RankerFile(settings.home / MODEL_FILE)
    return LearningService(
        store=store,
        courses=courses,
        catalog=catalog,
        search=search,
        learners=LearnerRepository(store),
        history=history,
        recommender=recommender,
    )


def build_report_builder(settings: Settings, service: LearningService):
    """The learning team's figures over this store, with content gaps clustered by the service's encoder."""
    from insights.gaps import GapFinder
    from insights.report import ReportBuilder

    return ReportBuilder(service.store, GapFinder(service.search.encoder), settings.reporting.min_group)


def build_admin_web(settings: Settings, service: LearningService):
    """/admin: sign-in and the dashboard, served by the web process beside /slack/events."""
    from admin.signin import SignIn
    from admin.web import AdminWeb, ReportCache

    reports = build_report_builder(settings, service)
    secure = (settings.reporting.public_url or "").startswith("https://")
    return AdminWeb(SignIn(service.store), ReportCache(reports.build), secure_cookie=secure)
