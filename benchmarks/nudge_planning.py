"""Nudge planning at company scale: 100k learners (time zones around the world, a tenth with interests, ~10
courses of history each, last active 0-120 days ago) and a 10k catalog with 200 courses published this month.

    python -m benchmarks.nudge_planning [--learners 100000] [--courses 10000] [--store HOME] [--workspaces 20]
                                        [--postgres | --database-url URL] [--smoke]

The store is built once under var/bench/ (the bundled catalog, copies up to the size with nearby vectors, see
benchmarks/catalogs.py). The planning run is measured in a fresh process, so its peak RSS is planning's own
(model load included, as in the clock process). With `--workspaces N` the copy planned on has its learners spread
round-robin over N workspaces, each installed by OAuth, and is planned as `upnext clock` installed by OAuth plans
(only learners an installation serves); without it, as with one SLACK_BOT_TOKEN.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk.oauth.installation_store import Installation

from benchmarks import engines
from benchmarks.catalogs import prefill_copies, scaled
from benchmarks.common import peak_rss_mb, report, share_vectors
from bot.installations import InstallationRepository
from config import Settings, load_settings
from learning.catalog.courses import Course
from learning.catalog.files import ParsedCatalog, read_catalog_file
from learning.catalog.importer import bundled_catalog_path
from learning.timestamps import iso
from upnext.build import build, build_service, departures_of
from upnext.schema import open_store

ZONES = ["Europe/Madrid", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Europe/London", "Asia/Kolkata",
         "Australia/Sydney", "America/Sao_Paulo", "UTC"]  # fmt: skip
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday morning in Europe


def build_store(home: Path, learners: int, courses: int, shared: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    shutil.rmtree(home, ignore_errors=True)
    service = build_service(Settings(multilingual=False, home=home), prepare=False)
    share_vectors(service, shared, "in")
    bundled = read_catalog_file(bundled_catalog_path()).courses
    pairs = scaled(bundled, courses)
    fresh = {c.id for c, _ in rng.sample(pairs, min(200, len(pairs) // 5))}
    published = iso(NOW - timedelta(days=5))
    pairs = [(Course(**{**c.__dict__, "published_at": published}) if c.id in fresh else c, o) for c, o in pairs]
    service.catalog.index.cache.vectors_for({c.content_hash: c.embedding_text() for c, _ in pairs if _ is None})
    share_vectors(service, shared, "out")
    prefill_copies(service.catalog.index.cache, pairs)
    service.catalog.import_parsed(ParsedCatalog(courses=[c for c, _ in pairs]))
    ids = [c.id for c, _ in pairs]
    topics = sorted({t for c, _ in pairs for t in c.topics})
    learner_rows, event_rows = [], []
    for i in range(learners):
        slack_id = f"U{i:08d}"
        interests = json.dumps(rng.sample(topics, 3)) if rng.random() < 0.1 else "[]"
        last = NOW - timedelta(days=rng.uniform(0, 120))  # everyone has used Upnext in Slack: only they are nudged
        learner_rows.append(
            (slack_id, f"Learner {i}", f"L{i}", rng.choice(ZONES), "en-US", interests, iso(NOW), iso(last))
        )
        for j in range(rng.randint(3, 17)):
            at = iso(last - timedelta(days=7 * j))
            event_rows.append((slack_id, rng.choice(ids), "completed" if j else "started", at, "slack"))
    store = open_store(home / "upnext.db")
    with store.transaction():  # the benchmark's raw bulk rows, in one write
        store.db.conn.executemany(
            "INSERT INTO learners (slack_id, real_name, first_name, tz, locale, interests, created_at, last_active_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            learner_rows,
        )
        store.db.conn.executemany(
            "INSERT OR IGNORE INTO events (learner_id, course_id, kind, at, source) VALUES (?, ?, ?, ?, ?)", event_rows
        )
    store.close()
    service.close()


def company_store(work: Path, learners: int, courses: int, rebuild: bool = False) -> Path:
    """The home of a company-scale store (built on first use, or when `rebuild`), shared by the benchmarks that
    measure the clock, the recommender and backups at that scale."""
    home = work / f"nudges-{learners}-{courses}"
    if rebuild or not (home / "upnext.db").exists():
        shared = work / "vectors" / "bundled.db"
        shared.parent.mkdir(parents=True, exist_ok=True)
        build_store(home, learners, courses, shared)
    return home


def spread_over_workspaces(db: Path, workspaces: int) -> None:
    """The SQLite store at `db` with its learners spread round-robin over `workspaces` workspaces, each installed
    by OAuth with a token of its own."""
    store = open_store(db)
    try:
        ids = [slack_id for (slack_id,) in store.sql.rows("SELECT slack_id FROM learners ORDER BY slack_id")]
        with store.transaction() as sql:
            sql.execute_many("UPDATE learners SET team_id = :team, enterprise_id = NULL WHERE slack_id = :id",
                             ({"team": _workspace(n % workspaces), "id": i} for n, i in enumerate(ids)))  # fmt: skip
        installations = InstallationRepository(store, departures_of(store))
        for n in range(workspaces):
            installations.save(Installation(app_id="AUPNEXT", team_id=_workspace(n), bot_token=f"xoxb-bench-{n:04d}",
                                            bot_user_id="UUPNEXTBOT", user_id=""))  # fmt: skip
    finally:
        store.close()


def _workspace(n: int) -> str:
    return f"T{n:05d}"


def plan_once(home: Path, url: str | None = None, by_installation: bool = False) -> dict:
    """Runs in its own process: open the store as the clock does, plan once (only for learners an installation
    serves, `by_installation`), report time and peak RSS."""
    from scheduler.delivery import installation_clients
    from scheduler.planner import Planner

    started = time.perf_counter()
    settings = Settings(multilingual=False, home=home, database_url=url)
    upnext = build(settings, prepare=False)
    service = upnext.service
    clients = installation_clients(settings, upnext.oauth_stores().installations) if by_installation else None
    planner = Planner(service, load_settings({}, env_file=None).nudges, clock=lambda: NOW, workspaces=clients)
    service.recommender.frames.current()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    plans = planner.plan(now=NOW)
    plan_s = time.perf_counter() - started
    kinds: dict[str, int] = {}
    for plan in plans:
        key = plan.kind + (" (hold-out)" if plan.status == "held_out" else "")
        kinds[key] = kinds.get(key, 0) + 1
    return {"open_store_and_model_s": round(load_s, 1), "plan_s": round(plan_s, 1), "planned": kinds,
            "peak_rss_mb": round(peak_rss_mb())}  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path("var") / "bench")
    parser.add_argument("--rebuild", action="store_true", help="build the store even if it exists")
    parser.add_argument("--plan-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--plan-url", help=argparse.SUPPRESS)
    parser.add_argument("--plan-by-installation", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workspaces", type=int, default=0,
                        help="spread the learners over this many workspaces, each installed by OAuth")  # fmt: skip
    parser.add_argument("--store", type=Path, help="plan on a copy of this UPNEXT_HOME's store instead of building one")
    parser.add_argument("--smoke", action="store_true")
    engines.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.plan_only:
        print(json.dumps(plan_once(args.plan_only, args.plan_url, args.plan_by_installation)))
        return {}
    if args.smoke:
        args.learners, args.courses = 100, 60
    started = time.perf_counter()
    home = args.store or company_store(args.work, args.learners, args.courses, rebuild=args.rebuild or args.smoke)
    build_s = time.perf_counter() - started
    fresh = args.work / "nudge-planning-run"  # planning writes its plans: each run plans on a fresh copy
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(home, fresh, ignore=shutil.ignore_patterns("*.lock", "*-wal", "*-shm"))
    results: dict = {"learners": args.learners, "courses": args.courses, "store_build_s": round(build_s, 1)}
    if args.workspaces:
        started = time.perf_counter()
        spread_over_workspaces(fresh / "upnext.db", args.workspaces)
        results |= {"workspaces": args.workspaces, "spread_s": round(time.perf_counter() - started, 1)}
    by_installation = bool(args.workspaces)
    with engines.postgres_server(args) as server:
        if server:  # the same store copied into PostgreSQL before SQLite's run plans, planned the same way
            url, results["postgres_copy"] = engines.copy_store(fresh / "upnext.db", server, "bench_nudges")
        results["sqlite"] = _plan_in_a_process(fresh, by_installation=by_installation)
        if server:
            results["postgres"] = _plan_in_a_process(fresh, url, by_installation)
    report("nudge_planning", results)
    return results


def _plan_in_a_process(home: Path, url: str | None = None, by_installation: bool = False) -> dict:
    command = [sys.executable, "-m", "benchmarks.nudge_planning", "--plan-only", str(home)]
    options = [*(["--plan-url", url] if url else []), *(["--plan-by-installation"] if by_installation else [])]
    run = subprocess.run([*command, *options], capture_output=True, text=True, check=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
