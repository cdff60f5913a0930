"""`upnext people import` of a large HR export, timed as an operator runs it (issue 22).

    python -m benchmarks.people_import [--rows 100000] [--runs 3] [--work var/bench] [--postgres] [--smoke]

Writes a realistic HRIS export (not timed): Workday/BambooHR-style headers (Employee ID, names, Employee Email,
Manager Email, Department, Location, Job Title, Hire Date), one organisation of --rows people in a tree of teams of
3 to 12 (a CEO with no manager at the top), and about 0.3% of rows an HR file really has wrong (a manager written
as a name, an email missing, a person listed twice). Fifty of the people asked Upnext to forget them (their hashes
are in the store). Each run, on a fresh UPNEXT_HOME, times `upnext people import FILE --preset hris` in its own
process (start-up included), then the same file again (replacing the lines the first import wrote); the median of
the runs is reported, with the peak memory of the largest import process.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import engines
from benchmarks.common import report
from learning.people.history import EventRepository
from learning.people.learners import LearnerRepository
from learning.teams.people_file import PeopleImporter
from learning.teams.reporting import ReportingLines
from learning.timestamps import utcnow
from upnext.schema import open_store

HEADER = "Employee ID,Legal First Name,Legal Last Name,Employee Email,Manager Email,Department,Location,Job Title," \
    "Hire Date\n"  # fmt: skip
FIRST = "Ana Luis Maria José Wei Priya Olu Sam Eva Jonas Fatima Kenji Lena Tomás Aisha Noah Ingrid Ravi Chloe Omar"
LAST = "García Pérez Chen Okafor Müller Kowalski Smith Nakamura Silva Haddad Novak Rossi Dubois Kim Andersen Patel"
DEPARTMENTS = ("Engineering", "Data", "Sales", "Marketing", "Finance", "People", "Legal", "Support", "Design",
               "Operations", "Product", "Security", "Research", "IT", "Procurement")  # fmt: skip
LOCATIONS = ("Madrid", "Lisbon", "Berlin", "Lagos", "Bangalore", "Tokyo", "São Paulo", "Toronto", "Austin",
             "Dublin", "Warsaw", "Singapore", "Nairobi", "Sydney", "Paris", "Remote")  # fmt: skip
FORGOTTEN = 50


def write_export(path: Path, rows: int, seed: int = 22) -> list[str]:
    """An organisation of `rows` people, managers before their reports (as HR systems sort by hierarchy);
    returns everyone's email."""
    rng = random.Random(seed)
    first, last = FIRST.split(), LAST.split()
    emails: list[str] = []
    managers: list[int] = []  # people who may still take reports, with room left
    room: dict[int, int] = {}
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        for n in range(rows):
            given, family = rng.choice(first), rng.choice(last)
            emails.append(f"{given.lower()}.{family.lower()}.{n}@example.com")
            manager = ""
            if n:
                boss = managers[rng.randrange(min(len(managers), 50))]  # teams fill near the top first
                room[boss] -= 1
                if not room[boss]:
                    managers.remove(boss)
                manager = emails[boss]
            managers.append(n)
            room[n] = rng.randint(3, 12)
            email, odd = emails[n], rng.random()
            if odd < 0.001:
                manager = f"{rng.choice(first)} {rng.choice(last)}"  # a name where an email belongs
            elif odd < 0.002:
                email = ""
            title = "Manager" if n < rows // 8 else rng.choice(("Engineer", "Analyst", "Specialist", "Associate"))
            line = (f"E{n:06d},{given},{family},{email},{manager},{rng.choice(DEPARTMENTS)},{rng.choice(LOCATIONS)},"
                    f"{title},20{rng.randint(10, 26)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}\n")  # fmt: skip
            out.write(line)
            if 0.002 <= odd < 0.003:
                out.write(line)  # listed twice
    return emails


def _home(work: Path, emails: list[str], database_url: str | None) -> tuple[Path, dict[str, str]]:
    """A fresh UPNEXT_HOME (and database) in which FORGOTTEN of these people asked to be forgotten."""
    home = work / "people-import-home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_") and k != "DATABASE_URL"}
    env["UPNEXT_HOME"] = str(home)
    if database_url:
        env["DATABASE_URL"] = engines.fresh_database(database_url, "bench_people")
    store = open_store(env.get("DATABASE_URL") or home / "upnext.db")
    learners = LearnerRepository(store, EventRepository(store))
    learners.remember_forgotten(random.Random(7).sample(emails, min(FORGOTTEN, len(emails))), utcnow())
    store.close()
    return home, env


def _timed_import(path: Path, env: dict[str, str]) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "upnext.cli", "people", "import", str(path), "--preset", "hris"],
                          env=env, capture_output=True, text=True, check=False)  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: some rows were rejected, as the export means them to be
        raise RuntimeError(f"people import failed ({done.returncode}): {done.stderr}")
    lines = done.stdout.strip().splitlines()
    rejected = sum(line.startswith("rejected") for line in lines)
    return {"s": round(seconds, 2), "summary": lines[-1], "rejected_lines": rejected}


class _TimedLines(ReportingLines):
    """The repository, timing its whole write and its one long transaction (the swap: how long the write lock is
    held at most)."""

    write: float = 0.0
    swapped: float = 0.0

    def replace(self, lines, now):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        replaced = super().replace(lines, now)
        self.write = time.perf_counter() - started
        return replaced

    def swap(self) -> int:
        started = time.perf_counter()
        replaced = super().swap()
        self.swapped = time.perf_counter() - started
        return replaced


def _phases(path: Path, emails: list[str], work: Path, database_url: str | None) -> dict:
    """In this process, on a fresh store: reading and validating the file, and the one write transaction."""
    home, env = _home(work, emails, database_url)
    store = open_store(env.get("DATABASE_URL") or home / "upnext.db")
    try:
        lines = _TimedLines(store)
        importer = PeopleImporter(lines, LearnerRepository(store, EventRepository(store)))
        started = time.perf_counter()
        importer.import_file(path, dry_run=True, preset="hris")
        read = time.perf_counter() - started
        importer.import_file(path, preset="hris")
        return {"read_and_validate_s": round(read, 2), "write_s": round(lines.write, 2),
                "longest_transaction_s": round(lines.swapped, 2)}  # fmt: skip
    finally:
        store.close()


def _runs(path: Path, emails: list[str], work: Path, runs: int, database_url: str | None) -> dict:
    first, again = [], []
    for _ in range(runs):
        _, env = _home(work, emails, database_url)
        first.append(_timed_import(path, env))
        again.append(_timed_import(path, env))
    return {
        "first_import_median_s": statistics.median(r["s"] for r in first),
        "reimport_median_s": statistics.median(r["s"] for r in again),
        "first_import_runs_s": [r["s"] for r in first],
        "reimport_runs_s": [r["s"] for r in again],
        "peak_rss_mb_of_any_import": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "first_summary": first[0]["summary"],
        "reimport_summary": again[0]["summary"],
        "rejected_lines": first[0]["rejected_lines"],
        "in_process": _phases(path, emails, work, database_url),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("var") / "bench")
    parser.add_argument("--smoke", action="store_true")
    engines.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.runs = 2_000, 1
    args.work.mkdir(parents=True, exist_ok=True)
    path = args.work / f"hris-{args.rows}.csv"
    emails = write_export(path, args.rows)
    results: dict = {"rows": args.rows, "file_mb": round(path.stat().st_size / 2**20, 1), "runs": args.runs}
    with engines.postgres_server(args) as server:
        results["sqlite"] = _runs(path, emails, args.work, args.runs, None)
        if server:
            results["postgres"] = _runs(path, emails, args.work, args.runs, server)
    report("people_import", results)
    return results


if __name__ == "__main__":
    main()
