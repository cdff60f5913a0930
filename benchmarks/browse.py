"""Browsing the catalog at 10k and 100k courses: opening the subjects and turning a subject's pages, as the bot builds
them (`bot.use_cases.browse.Browsing`: the shelves, the courses of the page, the learner's card states, the answer
recorded, the Block Kit validated), and the first build of the shelves for a new catalog generation.

    python -m benchmarks.browse [--sizes 10000,100000] [--samples 300] [--data ../shared/data] [--work var/bench]
                                [--smoke]

The catalogs are the real public ones (benchmarks/catalogs.py: Carpentries, Exercism, Coursera 2019, edX 2021),
repeated with distinct ids above ~8.8k (`scaled`), in a SQLite store. Browsing reads no vectors, so the texts are
"embedded" by a stand-in encoder (a seeded random unit vector per text; copies get their original's plus noise, by
`prefill_copies`): the import embeds nothing real and the frame still loads a 384-d vector per course. A catalog
imported once is kept under --work and reused by later runs (delete it to import again).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.catalogs import prefill_copies, real_courses, scaled
from benchmarks.common import DEFAULT_DATA, latency_summary, peak_rss_mb, report
from bot.block_kit.browse import PAGE_SIZE, Place
from bot.use_cases.browse import Browsing, reading
from config import Settings
from learning.catalog.files import ParsedCatalog
from upnext.build import build_service

INTERESTS = ["python", "sql", "machine learning", "git", "data analysis", "leadership", "r", "statistics"]


class StandInEncoder:
    """A seeded random unit vector per text: what an import needs of an encoder, at no cost."""

    name = "browse-bench-stand-in"
    dimension = 384

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        rows = [np.random.default_rng(int(hashlib.sha1(t.encode()).hexdigest()[:12], 16)).normal(size=384)
                for t in texts]  # fmt: skip
        matrix = np.array(rows, np.float32).reshape(len(texts), self.dimension)
        return matrix / (np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def catalog_service(size: int, data: Path, work: Path):
    """A service over `size` courses, importing them unless an earlier run left them in `work`."""
    home = work / f"browse-{size}"
    encoder = StandInEncoder()
    service = build_service(Settings(multilingual=False, home=home), encoder=encoder, prepare=False)
    if service.courses.count() != size:
        pairs = scaled(real_courses(data), size)
        service.catalog.index.cache.vectors_for({c.content_hash: c.embedding_text() for c, o in pairs if o is None})
        prefill_copies(service.catalog.index.cache, pairs)
        started = time.perf_counter()
        service.catalog.import_parsed(ParsedCatalog(courses=[c for c, _ in pairs]))
        print(f"{size}: imported in {time.perf_counter() - started:.0f}s", flush=True)
        service.close()
        service = build_service(Settings(multilingual=False, home=home), encoder=encoder, prepare=False)
    return service


def timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


def measure(size: int, data: Path, work: Path, samples: int) -> dict:
    service = catalog_service(size, data, work)  # a fresh process's view: nothing built yet
    frame_s = timed(service.recommender.frames.current)
    shelves_s = timed(service.shelves.current)
    shelves = service.shelves.current()
    browsing = Browsing(service.shelves, service.courses, service.history, service.answers, "https://upnext.test/c.png")
    rng = random.Random(size)
    learners = [
        service.learners.update(
            service.learners.ensure(f"U0B{i:04d}"),
            interests=tuple(rng.sample(INTERESTS, 3)),
            locale=rng.choice(["en-US", "es-ES", "en-GB"]),
        )
        for i in range(50)
    ]
    opens, pages = [], []
    for _ in range(samples):
        learner = rng.choice(learners)
        ordered = shelves.ordered(reading(learner), learner.interests)
        opens.append(timed(browsing.subjects_view, learner, Place(page=rng.choice([0, 0, 0, 1]))))
        subject = rng.choice(ordered[:30])[0]
        last = max(0, (len(subject.shelf(shelves.codes(reading(learner)))) - 1) // PAGE_SIZE)
        pages.append(timed(browsing.shelf_view, learner, Place(subject.key, rng.randint(0, last))))
    biggest = max(shelves.subjects, key=lambda s: len(s.items))
    result = {
        "courses": size,
        "subjects": len(shelves.subjects),
        "largest_shelf": {"subject": biggest.name, "items": len(biggest.items)},
        "first_build_s": {"catalog_frame": round(frame_s, 2), "shelves": round(shelves_s, 2)},
        "open_subjects": latency_summary(opens),
        "open_or_turn_subject_page": latency_summary(pages),
    }
    service.close()
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--work", type=Path, default=Path("var") / "bench")
    parser.add_argument("--smoke", action="store_true", help="a tiny catalog and few samples, for the tests")
    args = parser.parse_args(argv)
    sizes = [300] if args.smoke else [int(s) for s in args.sizes.split(",")]
    results: dict = {}
    for size in sizes:
        results[str(size)] = measure(size, args.data, args.work, 20 if args.smoke else args.samples)
        print(f"{size}: {results[str(size)]['open_or_turn_subject_page']}", flush=True)
    results["peak_rss_mb"] = round(peak_rss_mb())
    report("browse", results)
    return results


if __name__ == "__main__":
    main()
