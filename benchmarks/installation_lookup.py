"""The cost per request of finding the installation whose token answers it (installs by OAuth).

    python -m benchmarks.installation_lookup [--workspaces 20] [--requests 5000] [--postgres | --database-url URL]

Bolt authorizes each request before any listener runs: the app's `RefreshingAuthorize` finds the installation
serving the request's workspace (its own, else its org's org-wide one) and returns its token (auth.test is asked once
per token, then remembered). This times that call, the whole of what installing by OAuth adds to an answer, for
requests spread round-robin over `--workspaces` standalone workspaces and as many of one Grid org served by an
org-wide install:

- *cached*: the installation repository's per-process cache warm, as on every request but the first per workspace
  within CACHE_SECONDS;
- *uncached*: the cache cleared before each request (what an uninstall, a reinstall or a token refresh does), so each
  lookup reads the store: the worst case.

Each engine is measured on a fresh store (`--postgres`: a throwaway server, as the tests start one). auth.test is
answered by the local Slack stand-in over HTTP, once per token, before timing starts.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation

from benchmarks.common import percentile, report
from benchmarks.engines import add_arguments, fresh_database, postgres_server
from bot.installations import InstallationRepository
from bot.token_rotation import RefreshingAuthorize, TokenRefresher
from bot.transports.local_slack import LocalSlack
from upnext.build import departures_of
from upnext.schema import open_store

ORG = "E0BENCH"


def workspaces(count: int) -> list[tuple[str | None, str]]:
    """(enterprise id, team id) of each workspace a request comes from: standalone ones, then the org's."""
    return [(None, f"T{n:08d}") for n in range(count)] + [(ORG, f"T9{n:07d}") for n in range(count)]


def installed(store_at: str | Path, count: int) -> InstallationRepository:
    """A store with an installation per standalone workspace and one org-wide install for the org."""
    store = open_store(store_at)
    installations = InstallationRepository(store, departures_of(store))
    for n, (_, team) in enumerate(workspaces(count)[:count]):
        installations.save(
            Installation(team_id=team, bot_token=f"xoxb-{n}", user_id="U0INSTALLER", bot_scopes="chat:write")
        )
    installations.save(Installation(
        enterprise_id=ORG, team_id=None, is_enterprise_install=True, bot_token="xoxb-org", user_id="U0INSTALLER",
        bot_scopes="chat:write",
    ))  # fmt: skip
    return installations


def timed(authorize: RefreshingAuthorize, client: WebClient, count: int, requests: int,
          before: Callable[[], None]) -> dict:  # fmt: skip
    """The latency of `requests` authorizations, round-robin over the workspaces, `before` each untimed."""
    where, seconds = workspaces(count), []
    for n in range(requests):
        enterprise, team = where[n % len(where)]
        context = BoltContext(client=client, is_enterprise_install=False)
        before()
        started = time.perf_counter()
        result = authorize(context=context, enterprise_id=enterprise, team_id=team, user_id="U0LEARNER")
        seconds.append(time.perf_counter() - started)
        assert result is not None and result.bot_token, f"no installation found for {team}"
    ms = [s * 1000 for s in seconds]  # fractions of a millisecond: latency_summary's one decimal would round to 0
    return {f"p{round(q * 100)}_ms": round(percentile(ms, q), 4) for q in (0.5, 0.95, 0.99)}


def measure(store_at: str | Path, count: int, requests: int, slack: LocalSlack) -> dict:
    installations = installed(store_at, count)
    authorize = RefreshingAuthorize(installations, TokenRefresher(installations, None))
    client = WebClient(base_url=slack.api_url)
    timed(authorize, client, count, 2 * count, lambda: None)  # auth.test once per token, as a process's first requests
    try:
        return {
            "cached_ms": timed(authorize, client, count, requests, lambda: None),
            "uncached_ms": timed(authorize, client, count, requests, installations.clear_cache),
        }
    finally:
        installations.store.close()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspaces", type=int, default=20, help="standalone workspaces, and as many in one org")
    parser.add_argument("--requests", type=int, default=5000)
    add_arguments(parser)
    args = parser.parse_args(argv)
    slack = LocalSlack().start()
    results: dict = {"workspaces": args.workspaces, "org_workspaces": args.workspaces, "requests": args.requests}
    try:
        with tempfile.TemporaryDirectory(prefix="upnext-bench-lookup-") as folder:
            results["sqlite"] = measure(Path(folder) / "upnext.db", args.workspaces, args.requests, slack)
        with postgres_server(args) as server:
            if server:
                url = fresh_database(server, "bench_installation_lookup")
                results["postgres"] = measure(url, args.workspaces, args.requests, slack)
    finally:
        slack.stop()
    report("installation_lookup", results)
    return results


if __name__ == "__main__":
    main()
