"""Builds the domain service from settings. The only place that knows how the parts fit together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from admin.tokens import AdminTokenRepository
from bot.seen_events import SeenEventRepository
from config import Settings
from embeddings.encoder import Encoder, load_encoder, load_multilingual
from embeddings.vector_cache import VectorCache
from insights.queries import EVERYONE, Scope
from insights.rollups import Rollups
from insights.snapshots import ReportSnapshots
from learning.background import wait_for_background
from learning.catalog.bundled_vectors import preload_bundled_vectors
from learning.catalog.course_index import CourseIndex
from learning.catalog.courses import CourseRepository
from learning.catalog.importer import CatalogImporter
from learning.people.achievements import AchievementRepository, Achievements
from learning.people.answers import AnswerRepository
from learning.people.departures import Departures
from learning.people.forget_me import Eraser, ForgetMe
from learning.people.history import EventRepository
from learning.people.learners import LearnerRepository
from learning.people.nudges import NudgeRepository
from learning.people.privacy import Privacy
from learning.people.shares import ShareRepository
from learning.recommend.catalog_frame import FrameCache
from learning.recommend.pick_feedback import PickFeedback
from learning.recommend.ranker import SavedRanker
from learning.recommend.recommender import Recommender
from learning.recommend.shelves import ShelfCache
from learning.recommend.signals import ProofPolicy, SignalCache
from learning.search.course_search import CourseSearch
from learning.service import LearningService
from learning.store.engine import Store
from learning.teams.reporting import ReportingLines
from learning.timestamps import utcnow
from upnext.schema import open_store

if TYPE_CHECKING:  # built on demand: a process that needs none of them does not import them
    from slack_sdk import WebClient

    from admin.signin import Granted
    from admin.web import AdminWeb
    from bot.installations import OAuthStores
    from bot.workspace_clients import InstallationClients
    from insights.queries import ReportQueries
    from insights.report import Report, ReportBuilder, Window
    from insights.snapshots import SnapshotRefresh
    from learning.check import CheckReport
    from scheduler.digest import ScopedDigests, WeeklyDigest
    from scheduler.housekeeping import Housekeeping
    from scheduler.weekly_post import WeeklyPosts

log = logging.getLogger(__name__)

CLOSE_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class Upnext:
    """What the composition root builds over one store: the domain service, and beside it the parts that are built
    from the store itself (reports, the admin pages, the weekly digest, `upnext check`)."""

    settings: Settings
    store: Store
    service: LearningService
    seen_events: SeenEventRepository  # the Bolt app's: Slack event ids already handled
    admin_tokens: AdminTokenRepository  # /admin's sign-in links and sessions

    def report_builder(self, scope: Scope = EVERYONE) -> ReportBuilder:
        """The learning team's figures over this store (or one org's or workspace's learners: `scope`), with content
        gaps clustered by the service's encoder, served from the store's snapshots (insights.snapshots) while they
        are younger than twice the refresh period."""
        from insights.gaps import GapFinder
        from insights.report import ReportBuilder

        gaps, reporting = GapFinder(self.service.search.encoder), self.settings.reporting
        return ReportBuilder(self.report_queries(scope), gaps, reporting.min_group,
                             snapshots=ReportSnapshots(self.store, scope),
                             refresh=timedelta(minutes=reporting.refresh_minutes))  # fmt: skip

    def build_report(self, scope: Scope, window: Window) -> Report:
        """`scope`'s report of `window` (see `report_builder`)."""
        return self.report_builder(scope).build(window)

    def report_queries(self, scope: Scope = EVERYONE) -> ReportQueries:
        """Read-only figures across tables (reports, `upnext nudges stats`), of everyone or of `scope`'s learners."""
        from insights.queries import ReportQueries

        return ReportQueries(self.store, scope)

    def admin_web(self, clock: Callable[[], datetime] = utcnow) -> AdminWeb:
        """/admin: sign-in and the dashboard, served by the web process beside /slack/events. Admin rights are
        asked of Slack (and UPNEXT_ADMINS) at sign-in and again every few minutes of a session: with one token, for
        the whole store; installed by OAuth, with the token of the admin's workspace, for their workspace or org and
        the workspaces inside it (bot.use_cases.admin_access)."""
        from admin.signin import AdminRights, SignIn
        from admin.web import AdminWeb, OneBuildAtATime

        secure = (self.settings.reporting.public_url or "").startswith("https://")
        rights = AdminRights(self._admin_scopes(), clock)
        sign_in = SignIn(self.admin_tokens, clock)
        within = (lambda scope: self.report_queries(scope).inside()) if self.settings.oauth else (lambda scope: [])
        return AdminWeb(sign_in, OneBuildAtATime(self.build_report), rights, secure_cookie=secure, within=within)

    def _admin_scopes(self) -> Callable[[str], Granted | None]:
        """Whom an admin's right covers, asked of Slack with SLACK_BOT_TOKEN, or (installed by OAuth) with the token
        of the installation serving the workspace their profile names."""
        from bot.app import web_client
        from bot.use_cases.admin_access import admin_scopes

        admins = self.settings.reporting.admins
        if not self.settings.oauth:
            client = web_client(self.settings)
            return lambda user_id: admin_scopes(client, admins, user_id, by_org=False)
        clients, learners = self.installation_clients(), self.service.learners

        def ask(user_id: str) -> Granted | None:
            learner = learners.get(user_id)
            client = clients.client_in(learner.enterprise_id, learner.team_id) if learner and learner.team_id else None
            return admin_scopes(client, admins, user_id, by_org=True)

        return ask

    def installation_clients(self, leading: Callable[[], bool] = lambda: True) -> InstallationClients:
        """Clients with the token of the installation serving a workspace (bot.workspace_clients), waiting out rate
        limits while `leading`."""
        from scheduler.delivery import installation_clients

        return installation_clients(self.settings, self.oauth_stores().installations, leading)

    def weekly_digest(
        self, client: WebClient, clock: Callable[[], datetime] = utcnow, leading: Callable[[], bool] = lambda: True
    ) -> WeeklyDigest:
        """The learning team's weekly digest, posted while `leading` (the clock lease is held); the weeks claimed
        and posted are recorded in the store's meta table."""
        from scheduler.digest import WeeklyDigest

        return WeeklyDigest(self.store, self.report_builder().build, client, self.settings.reporting, clock, leading)

    def scoped_digests(
        self, clock: Callable[[], datetime] = utcnow, leading: Callable[[], bool] = lambda: True
    ) -> ScopedDigests:
        """Installed by OAuth: each org's or workspace's weekly digest of its own learners, to the channel one of its
        admins chose (admin.digests), posted with the token of the installation serving that channel's workspace."""
        from scheduler.digest import ScopedDigests

        clients = self.installation_clients(leading)
        client_for = lambda chosen: clients.client_in(chosen.enterprise_id, chosen.team_id)  # noqa: E731
        return ScopedDigests(self.store, self.build_report, client_for, self.settings.reporting, clock, leading)

    def celebrations(self, leading: Callable[[], bool] = lambda: True, clock: Callable[[], datetime] = utcnow
                     ) -> WeeklyPosts:  # fmt: skip
        """The weekly learning-wins post to each UPNEXT_CELEBRATE_CHANNEL: with one token, everyone's wins in one
        channel; installed by OAuth, each workspace's own people's, with the installation serving it (its own, or
        its Grid org's org-wide one)."""
        from scheduler.celebration import celebrations
        from scheduler.delivery import nudge_client

        if self.settings.oauth:
            clients, learners = self.installation_clients(leading), self.service.learners
            client_for = lambda team: clients.client_in(learners.organisation_of(team), team)  # noqa: E731
        else:
            client = nudge_client(self.settings, leading)
            client_for = lambda team: client  # noqa: E731
        service = self.service
        return celebrations(self.store, service.achievements, service.learners,
                            self.settings.reporting.celebrate_channels, client_for, clock, leading)  # fmt: skip

    def snapshot_refresh(self, with_digest: bool) -> SnapshotRefresh:
        """The clock's job keeping the default windows' report snapshots current: the dashboard's (the last twelve
        finished weeks) and, when the digest is posted, the digest's."""
        from insights.report import Window
        from insights.snapshots import SnapshotRefresh
        from scheduler.digest import digest_windows

        def windows(today: date) -> list[Window]:
            return [Window.last_weeks(today=today), *(digest_windows(today) if with_digest else [])]

        return SnapshotRefresh(self.report_builder(), windows)

    def oauth_stores(self) -> OAuthStores:
        """Installs by OAuth: each workspace's (or org's) installation, and the states of installs under way."""
        from bot.installations import InstallationRepository, OAuthStates, OAuthStores

        return OAuthStores(InstallationRepository(self.store, self.service.departures), OAuthStates(self.store))

    def housekeeping(self, clock: Callable[[], datetime] = utcnow) -> Housekeeping:
        """The clock's tidying: the answers log pruned, workspaces that left purged after their retention period
        (the Grid orgs still installed somewhere keep their people), the report's roll-ups kept current."""
        from scheduler.housekeeping import Housekeeping

        settings, installations = self.settings, self.oauth_stores().installations
        return Housekeeping(self.service, settings.answers_retention_days, clock, settings.uninstall_retention_days,
                            installations.organisations)  # fmt: skip

    def check(self) -> CheckReport:
        """`upnext check`: verify the store and repair what is derived from it."""
        from learning.check import check_store

        service = self.service
        return check_store(self.store, service.search.keyword, service.courses, service.catalog.indexes)

    def close(self) -> None:
        close_store(self.store)


def close_store(store: Store, wait: float = CLOSE_WAIT_SECONDS) -> None:
    """Close the store once the background work reading through it has finished (a signals rebuild takes seconds);
    if some is still running after `wait`, leave the store to close with the process rather than crash it."""
    if wait_for_background(wait):
        store.close()
    else:
        log.warning("background work still running after %.0f s: the store closes with the process", wait)


def forget_me_of(store: Store, learners: LearnerRepository, history: EventRepository, nudges: NudgeRepository
                 ) -> ForgetMe:  # fmt: skip
    """Forget me over every owner of a person's rows: the one list, for a learner's own request and the purge."""
    owners: list[Eraser] = [
        history, nudges, AnswerRepository(store), AdminTokenRepository(store), Rollups(store), ReportSnapshots(store),
        AchievementRepository(store),
        ShareRepository(store),
        ReportingLines(store),
    ]  # fmt: skip
    return ForgetMe(store, learners, owners)


def departures_of(store: Store) -> Departures:
    """Leaving and the purge over `store` alone, without a model: for a process that only handles installations."""
    history, nudges = EventRepository(store), NudgeRepository(store)
    learners = LearnerRepository(store, history)
    return Departures(store, learners, nudges, forget_me_of(store, learners, history, nudges))


def build(
    settings: Settings,
    encoder: Encoder | None = None,
    prepare: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    multilingual: Encoder | None = None,
) -> Upnext:
    """Open the store and indexes under UPNEXT_HOME (the English model's and, unless UPNEXT_MULTILINGUAL is off, the
    multilingual model's, which search routes between); with `prepare`, import the bundled catalog into an empty
    store and repair the indexes if they fell behind the store."""
    settings.home.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.database, settings.busy_timeout)
    encoder = encoder or load_encoder(settings.encoder, settings.models_dir)
    courses = CourseRepository(store)
    index = CourseIndex(courses, VectorCache(store, encoder), settings.home)
    reach = None
    if settings.multilingual:
        reach = CourseIndex(courses, VectorCache(store, multilingual or load_multilingual()), settings.home)
    snapshots = ReportSnapshots(store)
    catalog = CatalogImporter(courses, index, snapshots.drop, multilingual=reach)
    if prepare:
        if courses.count() == 0:
            for each in catalog.indexes:
                preloaded = preload_bundled_vectors(each.cache, settings.models_dir)
                log.info("preloaded %d bundled course vectors of %s", preloaded, each.cache.encoder.name)
        result = catalog.ensure_ready(on_progress)
        log.info("catalog ready: %d courses (%s)", courses.count(), result)
    search = CourseSearch(store, courses, index, encoder, multilingual=reach)
    history = EventRepository(store)
    answers = AnswerRepository(store)
    nudges = NudgeRepository(store)
    learners = LearnerRepository(store, history)
    shares = ShareRepository(store)
    reporting = ReportingLines(store)
    admin_tokens = AdminTokenRepository(store)
    feedback = PickFeedback(answers.shown, answers.shown_times, history.took_up)
    recommender = Recommender(
        courses,
        history,
        search,
        SignalCache(history, courses, proof=ProofPolicy(settings.reporting.min_group, by_workspace=settings.oauth)),
        FrameCache(store, courses, index),
        encoder,
        feedback=feedback,
        recommended=shares,
        name_of=lambda slack_id: learner.name if (learner := learners.get(slack_id)) else None,
    )
    forget_me = forget_me_of(store, learners, history, nudges)
    achievements = AchievementRepository(store)
    if settings.ranker:  # the model the clock process trained and saved, when there is one (BENCHMARKS.md)
        recommender.ranker = SavedRanker(store)
    service = LearningService(
        courses=courses,
        catalog=catalog,
        search=search,
        learners=learners,
        history=history,
        recommender=recommender,
        shelves=ShelfCache(recommender.frames, courses),
        answers=answers,
        nudges=nudges,
        shares=shares,
        reporting=reporting,
        privacy=Privacy(history, nudges, answers, achievements, shares, reporting),
        forget_me=forget_me,
        departures=Departures(store, learners, nudges, forget_me),
        achievements=Achievements(achievements, history, courses, learners),
        close=lambda: close_store(store),
    )
    return Upnext(settings, store, service, SeenEventRepository(store), admin_tokens)


def build_service(
    settings: Settings,
    encoder: Encoder | None = None,
    prepare: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    multilingual: Encoder | None = None,
) -> LearningService:
    """The domain service alone (see `build`), for everything that needs nothing beside it."""
    return build(settings, encoder, prepare, on_progress, multilingual).service
