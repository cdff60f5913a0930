"""The `upnext` command."""

from __future__ import annotations

import argparse
import io
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

from config import Settings, SettingsError, load_settings
from insights.dates import DateError
from learning.background import every, in_background
from learning.store.backup import BackupError
from learning.store.engine import StoreError, StoreUnavailable

log = logging.getLogger("upnext")


def _progress(done: int, total: int) -> None:
    print(f"\r  embedding courses: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)


def _build(settings: Settings):
    from upnext.build import build

    return build(settings, on_progress=_progress)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """`make run`: Slack when tokens are configured, otherwise the local console."""
    if settings.has_slack:
        return cmd_serve(settings, argparse.Namespace(http=False, port=None))
    print("No Slack tokens set: starting the local console (see README to connect a workspace).", file=sys.stderr)
    return cmd_console(settings, argparse.Namespace(ask=None, as_user=None))


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import check_slack, create_app, listener_pool, web_client
    from learning.catalog.course_index import FOLLOW_SECONDS

    port = args.port or settings.port
    http = args.http or not settings.socket_mode
    if settings.metrics_port == port:
        raise SettingsError("UPNEXT_METRICS_PORT must differ from the port Slack reaches: it keeps /metrics off it")
    if http:
        settings.require_http()
    elif settings.oauth:
        raise SettingsError(
            "installing by OAuth needs HTTP mode (its install page): unset SLACK_APP_TOKEN or use --http"
        )
    elif not settings.slack_bot_token:
        raise SettingsError("SLACK_BOT_TOKEN is required to serve Slack (it starts with xoxb-)")
    if settings.slack_bot_token:
        check_slack(web_client(settings), settings)  # a wrong token or URL stops here, before minutes of start-up
    started = time.monotonic()
    upnext = _build(settings)
    service = upnext.service
    metrics = _metrics(service) if settings.metrics else None
    listeners = listener_pool(settings, metrics)
    app = create_app(
        settings,
        service,
        upnext.seen_events,
        upnext.admin_tokens,
        verify_token=True,
        executor=listeners,
        metrics=metrics,
        oauth=upnext.oauth_stores() if settings.oauth else None,
    )
    log.info("ready in %.1fs", time.monotonic() - started)
    in_background("warm-up", lambda: _warm(service.recommender))
    # a catalog another process imported reaches this one's index within a minute, asked for or not
    every("catalog follow", FOLLOW_SECONDS, service.catalog.index.follow)
    if http:
        from admin.web import is_admin_path
        from bot.transports.http import SlackWsgiApp, catalog_health
        from bot.transports.http_server import serve_http
        from bot.transports.metrics_page import MetricsWsgi

        assert settings.slack_signing_secret  # require_http() checked it
        wsgi = SlackWsgiApp(app, settings.slack_signing_secret, health=catalog_health(service),
                            pages=is_admin_path, pages_app=upnext.admin_web(),
                            public_url=settings.reporting.public_url)  # fmt: skip
        if metrics and settings.metrics_port:
            _serve_metrics(metrics, settings.metrics_port)
        measured = MetricsWsgi(wsgi, metrics, page=not settings.metrics_port) if metrics else wsgi
        serve_http(measured, port, listeners, threads=settings.listener_threads)
    else:
        from bot.transports.socket_mode import serve_socket_mode

        assert settings.slack_app_token
        serve_socket_mode(app, settings.slack_app_token)
    return 0


def _serve_metrics(metrics, port: int) -> None:
    from bot.transports.metrics_page import serve_metrics

    try:
        serve_metrics(metrics, port)
    except OSError as error:
        raise SettingsError(f"cannot serve metrics on UPNEXT_METRICS_PORT={port} ({error.strerror})") from None


def _warm(recommender) -> None:
    """In the background, so the process is healthy at once and the first learner to ask does not wait."""
    started = time.monotonic()
    recommender.warm()
    log.info("recommendations ready in %.1fs", time.monotonic() - started)


def _metrics(service):
    """/metrics for this web process; nudge counts are read from the store, which the clock writes."""
    from bot.metrics import Metrics

    metrics = Metrics(service.nudges.status_counts)
    service.recommender.signals.on_rebuild = metrics.timed_rebuild("signals")
    return metrics


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.transports.console import DEMO_USER_ID, ConsoleSession, run_console

    upnext = _build(settings)
    session = ConsoleSession(
        settings, upnext.service, upnext.seen_events, upnext.admin_tokens, user_id=args.as_user or DEMO_USER_ID
    )
    return run_console(session, ask=args.ask)


def _import(args: argparse.Namespace, run, what: str) -> int:
    """Shared by the catalog and history imports: print every rejection and the summary; exit 1 if any row was
    rejected or the file holds no rows at all, 2 if the file as a whole is unusable."""
    for stream in (sys.stdout, sys.stderr):  # a file's undecodable bytes are echoed escaped, never a traceback
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    try:
        report = run(path)
    except ValueError as error:  # e.g. a CSV without the required columns
        print(f"error: {path}: {error}", file=sys.stderr)
        return 2
    if report.empty:
        print(f"error: {path}: no {what} in this file (it is empty, or has only a header row)", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    return 1 if report.rejected else 0


def cmd_catalog_import(settings: Settings, args: argparse.Namespace) -> int:
    from learning.catalog.columns import parse_map
    from upnext.build import build_service

    try:
        mapping = parse_map(args.map or [])
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    service = build_service(settings, prepare=False)
    reading = {"preset": args.preset, "mapping": mapping, "strict": args.strict}
    return _import(
        args,
        lambda path: service.catalog.import_file(path, args.dry_run, on_progress=_progress, **reading),
        "courses",
    )


def cmd_history_import(settings: Settings, args: argparse.Namespace) -> int:
    from upnext.build import build_service

    service = build_service(settings)
    return _import(args, lambda path: service.history_importer.import_file(path, dry_run=args.dry_run), "history rows")


def _nudge_parts(settings: Settings):
    from scheduler.delivery import Sender, nudge_client
    from scheduler.planner import Planner
    from upnext.build import build

    upnext = build(settings)
    service = upnext.service

    def sender(leading: Callable[[], bool] = lambda: True) -> Sender:
        clients = _installation_clients(settings, upnext, leading) or nudge_client(settings, leading)
        return Sender(service, clients, settings.nudges, leading=leading)

    return upnext, Planner(service, settings.nudges, workspaces=_installation_clients(settings, upnext)), sender


def _installation_clients(settings: Settings, upnext, leading: Callable[[], bool] = lambda: True):
    """Installed by OAuth: each learner reached with their workspace's installation (None with one token)."""
    if not settings.oauth:
        return None
    return upnext.installation_clients(leading)


def _weekly(settings: Settings, upnext, leading) -> list:
    """The clock's weekly posts: the learning-team digest and the learning-wins post, each where it is set."""
    celebrations = upnext.celebrations(leading) if settings.reporting.celebrate_channels else None
    return [post for post in (_digest(settings, upnext, leading), celebrations) if post is not None]


def _digest(settings: Settings, upnext, leading):
    """The weekly learning-team digest, when UPNEXT_REPORT_CHANNEL names a channel; installed by OAuth, each org's
    or workspace's, to the channel its admins chose."""
    if settings.oauth:
        return upnext.scoped_digests(leading=leading)
    if not settings.reporting.report_channel:
        return None
    from scheduler.delivery import nudge_client

    return upnext.weekly_digest(nudge_client(settings, leading), leading=leading)


def _retraining(settings: Settings, upnext):
    """The learned ranker's training, when UPNEXT_RANKER is on: the clock trains, web processes read the store."""
    if not settings.ranker:
        return None
    from learning.recommend.ranker import SavedRanker
    from learning.recommend.ranker_training import Retraining

    service = upnext.service
    return Retraining(service.recommender, service.learners, SavedRanker(upnext.store))


def cmd_clock(settings: Settings, args: argparse.Namespace) -> int:
    """The only process with a scheduler: plans nudges and sends them."""
    from scheduler.clock import run_clock

    if not settings.has_slack:
        raise SettingsError("SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, to install by OAuth) is "
                            "required to send nudges")  # fmt: skip
    upnext, planner, sender = _nudge_parts(settings)
    housekeeping = upnext.housekeeping()
    lease = upnext.store.lease("clock")  # one clock plans and sends for the store; any other waits to take over
    weekly = _weekly(settings, upnext, lease.held)
    with_digest = any(post.kind == "digest" for post in weekly)
    run_clock(planner, sender(lease.held), housekeeping, lease, upnext.store.where, weekly,
              _retraining(settings, upnext), upnext.snapshot_refresh(with_digest=with_digest))  # fmt: skip
    return 0


def cmd_nudges_preview(settings: Settings, args: argparse.Namespace) -> int:
    """Who would get what, when and why, without writing or sending anything."""
    from insights.dates import parse_moment

    at = parse_moment(args.at, "--at") if args.at else None
    _, planner, _ = _nudge_parts(settings)
    plans = planner.plan(now=at, user=args.user, dry_run=True)
    for plan in sorted(plans, key=lambda p: p.due_at):
        held = " (hold-out: not sent)" if plan.status == "held_out" else ""
        print(f"{plan.due_at:%Y-%m-%d %H:%M}Z  {plan.learner_id}  {plan.kind}  {plan.period}  {plan.why}{held}")
    print(f"{len(plans)} nudge(s) would be planned")
    return 0


def cmd_nudges_stats(settings: Settings, args: argparse.Namespace) -> int:
    from insights.nudge_stats import holdout_comparison, nudge_stats

    upnext, _, _ = _nudge_parts(settings)
    queries = upnext.report_queries()
    statuses = ("planned", "sending", "sent", "failed", "skipped", "held_out")
    print(f"{'kind':<10}" + "".join(f"{s:>10}" for s in statuses) + f"{'clicked':>10}{'returned':>10}")
    for row in nudge_stats(queries):
        cells = "".join(f"{row.counts.get(s, 0):>10}" for s in statuses)
        print(f"{row.kind:<10}{cells}{row.clicked:>10}{row.returned:>10}")
    comparison = holdout_comparison(queries)
    print(
        f"come-back return rate within 7 days: nudged {comparison['sent_return_rate']:.1%} "
        f"of {comparison['sent_learners']}, held out {comparison['held_out_return_rate']:.1%} "
        f"of {comparison['held_out_learners']}"
    )
    return 0


def _catalog_import_options(importing: argparse.ArgumentParser) -> None:
    from learning.catalog.columns import PRESETS, TARGETS

    importing.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="read a vendor's export by its column names: "
        + "; ".join(f"{p.name}: {p.what}" for p in PRESETS.values()),
    )
    importing.add_argument(
        "--map",
        action="append",
        metavar='FIELD="Column"',
        help=f"fill FIELD from this column (repeatable; over a preset). Fields: {', '.join(TARGETS)}",
    )
    importing.add_argument(
        "--strict", action="store_true", help="reject a row whose optional value cannot be understood"
    )


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """A consistent copy of the store, safe while the server and clock run (pg_dump's on PostgreSQL)."""
    from learning.store.backup import backup
    from learning.store.pg_backup import pg_backup

    target = Path(args.file)
    print(pg_backup(settings.database_url, target) if settings.database_url else backup(settings.database_path, target))
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from learning.store.backup import restore
    from learning.store.pg_backup import pg_restore
    from learning.store.postgres import masked
    from upnext.schema import MIGRATIONS

    if settings.database_url:
        pg_restore(Path(args.file), settings.database_url)
        into = f"DATABASE_URL {masked(settings.database_url)}"
    else:
        restore(Path(args.file), settings.database_path, MIGRATIONS)
        into = str(settings.database_path)
    print(f"restored {args.file} into {into}; run `upnext check` before starting Upnext again")
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """The SQLite store under UPNEXT_HOME copied into the empty PostgreSQL database of DATABASE_URL."""
    from learning.store.backup import sole_use
    from learning.store.postgres import PostgresStore, reach
    from learning.store.sqlite import SqliteStore
    from learning.store.transfer import migrate
    from upnext.schema import MIGRATIONS

    if not settings.database_url:
        raise SettingsError("DATABASE_URL is required to migrate: the empty PostgreSQL database to copy the store into")
    reach(settings.database_url).close()
    if _no_store_at(settings.database_path):
        return 2
    with sole_use(settings.database_path, "migrate"):
        pass  # refused while a server, clock or command has it open (README: stop them before migrating)
    SqliteStore(settings.database_path, MIGRATIONS).close()  # brought to this release's schema first
    target = PostgresStore(settings.database_url, MIGRATIONS)
    try:
        copied = migrate(settings.database_path, target, lambda table, n: print(f"{table}: {n} row(s)"))
    finally:
        target.close()
    print(f"migrated {sum(copied.values())} rows from {settings.database_path} into DATABASE_URL {target.where}; "
          "start Upnext with DATABASE_URL set")  # fmt: skip
    return 0


def _no_store_at(path: Path) -> bool:
    """Whether there is no SQLite store at `path` (said on stderr): commands that read one make none."""
    if path.is_file() and path.stat().st_size:
        return False
    what = "an empty file" if path.is_file() else "something that is not a file" if path.exists() else "nothing"
    print(f"error: no Upnext store at {path}: there is {what} (is UPNEXT_HOME right?)", file=sys.stderr)
    return True


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    """Integrity of the store; vectors and indexes repaired where they disagree with the courses."""
    from upnext.build import build

    if not settings.database_url and _no_store_at(settings.database_path):  # checking makes no store
        return 2
    report = build(settings, prepare=False).check()
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def cmd_models_build(settings: Settings, args: argparse.Namespace) -> int:
    """The int8 model and the bundled catalog's vectors in UPNEXT_MODELS, made ahead of time (the image does this
    at build time, so a fresh UPNEXT_HOME embeds nothing at start)."""
    from embeddings.encoder import load_encoder
    from learning.catalog.bundled_vectors import write_bundled_vectors

    encoder = load_encoder(settings.encoder, settings.models_dir)
    print(f"wrote {write_bundled_vectors(encoder, settings.models_dir)}")
    return 0


def _slack_user(text: str) -> str:
    from learning.people.learners import SLACK_USER_ID

    if not SLACK_USER_ID.match(text):
        raise argparse.ArgumentTypeError(f"not a Slack user id (U0123ABC): {text!r}")
    return text


def _slack_scope(text: str) -> str:
    from insights.queries import Scope

    try:
        return Scope.parse(f"org:{text}").ident
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a Slack org or workspace id (E0123ABC, T0123ABC): {text!r}") from None


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """Every figure the learning team sees, for scripts: aggregates only, from weekly cells of the minimum group; of
    everyone, or of one org's or workspace's learners."""
    from insights.dates import asked_window
    from insights.formats import as_format
    from insights.queries import EVERYONE, Scope
    from upnext.build import build

    window = asked_window(args.since, args.until, ("--since", "--until"))
    scope = Scope.org(args.org) if args.org else Scope.workspace(args.workspace) if args.workspace else EVERYONE
    report = build(settings).report_builder(scope).build(window, fresh=args.fresh)
    sys.stdout.write(as_format(report, args.format))
    return 0


def cmd_admin_link(settings: Settings, args: argparse.Namespace) -> int:
    """A one-time sign-in link to the dashboard, for operators (the person's Slack id is recorded with it). Only
    for an admin, unless `--force`: the link then still signs them in only if they are one when they use it."""
    from admin.signin import SignIn
    from admin.tokens import AdminTokenRepository
    from bot.app import web_client
    from bot.use_cases.admin_access import admin_status
    from upnext.schema import open_store

    if not settings.reporting.public_url:
        raise SettingsError("UPNEXT_PUBLIC_URL is required to make a link (the address of `upnext serve --http`)")
    user, admins = args.user, settings.reporting.admins
    admin = admin_status(web_client(settings), admins, user) if settings.slack_bot_token else (user in admins or None)
    if not admin:
        doubt = (f"{user} is not an admin (neither in UPNEXT_ADMINS nor a workspace admin or owner in Slack)"
                 if admin is False else f"cannot confirm that {user} is an admin (Slack did not answer)")  # fmt: skip
        if not args.force:
            print(f"error: {doubt}: no link made (--force makes one anyway)", file=sys.stderr)
            return 2
        print(f"warning: {doubt}: the link signs them in only if they are one when they use it", file=sys.stderr)
    settings.home.mkdir(parents=True, exist_ok=True)
    print(SignIn(AdminTokenRepository(open_store(settings.database))).link(user, settings.reporting.public_url))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="upnext", description="Upnext, the Slack learning assistant.")
    commands = root.add_subparsers(dest="command", required=True)

    commands.add_parser("run", help="serve Slack if tokens are set, else open the local console").set_defaults(
        func=cmd_run
    )

    serve = commands.add_parser("serve", help="serve Slack (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    serve.add_argument("--http", action="store_true", help="HTTP mode even if SLACK_APP_TOKEN is set")
    serve.add_argument("--port", type=int, help="HTTP port (default: PORT or 3000)")
    serve.set_defaults(func=cmd_serve)

    console = commands.add_parser("console", help="talk to the bot locally, no Slack needed")
    console.add_argument("--ask", help="answer this one message and exit")
    console.add_argument("--as", dest="as_user", metavar="SLACK_USER_ID", help="act as this learner")
    console.set_defaults(func=cmd_console)

    for name, what, func in (
        ("catalog", "import courses from CSV, .xlsx or JSON Lines", cmd_catalog_import),
        ("history", "import completions: CSV (learner, course_id, status, date) or xAPI", cmd_history_import),
    ):
        group = commands.add_parser(name, help=f"{name}: {what}").add_subparsers(dest=f"{name}_command", required=True)
        importing = group.add_parser("import", help=what)
        importing.add_argument("file")
        importing.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        importing.set_defaults(func=func)
        if name == "catalog":
            _catalog_import_options(importing)

    clock = commands.add_parser("clock", help="plan and send nudges (one per store; another waits to take over)")
    clock.set_defaults(func=cmd_clock)
    nudges = commands.add_parser("nudges", help="inspect nudges").add_subparsers(dest="nudges_command", required=True)
    preview = nudges.add_parser("preview", help="who would get what and why, without sending")
    preview.add_argument("--user", help="only this Slack user id")
    preview.add_argument("--at", help="as if it were this time (ISO 8601)")
    preview.set_defaults(func=cmd_nudges_preview)
    nudges.add_parser("stats", help="planned/sent/failed/clicked per kind").set_defaults(func=cmd_nudges_stats)

    for name, what, func in (
        ("backup", "copy the store to FILE, consistently, while Upnext runs", cmd_backup),
        (
            "restore",
            "replace the store with the backup FILE (Upnext stopped; on PostgreSQL an empty database)",
            cmd_restore,
        ),
    ):
        command = commands.add_parser(name, help=what)
        command.add_argument("file")
        command.set_defaults(func=func)
    models = commands.add_parser("models", help="the encoder's files").add_subparsers(
        dest="models_command", required=True
    )
    models.add_parser("build", help="build the int8 model and the bundled catalog's vectors").set_defaults(
        func=cmd_models_build
    )
    commands.add_parser("check", help="verify the store; rebuild vectors and indexes that disagree").set_defaults(
        func=cmd_check
    )
    commands.add_parser(
        "migrate", help="copy the SQLite store under UPNEXT_HOME into the empty PostgreSQL database of DATABASE_URL"
    ).set_defaults(func=cmd_migrate)
    report = commands.add_parser("report", help="the learning team's figures (aggregates only)")
    report.add_argument("--since", help="first day, YYYY-MM-DD (default: 12 weeks before --until)")
    report.add_argument("--until", help="last day, YYYY-MM-DD (default: today, UTC)")
    report.add_argument("--format", choices=("text", "json", "csv"), default="text")
    whose = report.add_mutually_exclusive_group()
    whose.add_argument("--org", type=_slack_scope, help="only this Enterprise Grid org's learners (E...)")
    whose.add_argument("--workspace", type=_slack_scope, help="only this workspace's learners (T...)")
    report.add_argument("--fresh", action="store_true", help="compute the figures now rather than read the ones the "
                        "clock keeps (and keep these)")  # fmt: skip
    report.set_defaults(func=cmd_report)

    admin = commands.add_parser("admin", help="the learning-team dashboard").add_subparsers(
        dest="admin_command", required=True
    )
    link = admin.add_parser("link", help="print a one-time sign-in link (10 minutes) to /admin")
    link.add_argument("--user", required=True, type=_slack_user, help="the admin's Slack user id (U...)")
    link.add_argument(
        "--force",
        action="store_true",
        help="make the link even if Upnext cannot confirm they are an admin now (it still works only for an admin)",
    )
    link.set_defaults(func=cmd_admin_link)
    return root


def _configure_logging(command: str, settings: Settings | None) -> None:
    """Servers log at INFO; interactive commands only show warnings, so answers stay readable."""
    from upnext.logs import configure_logging

    one_off = (
        "console",
        "catalog",
        "history",
        "nudges",
        "backup",
        "restore",
        "check",
        "migrate",
        "models",
        "report",
        "admin",
    )
    interactive = command in one_off or (command == "run" and not (settings and settings.has_slack))
    configure_logging(settings, logging.WARNING if interactive else logging.INFO)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    _configure_logging(args.command, settings)
    try:
        return args.func(settings, args)
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    except StoreUnavailable as error:  # the server cannot be reached (now): nothing about the store is wrong
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (BackupError, StoreError, DateError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
