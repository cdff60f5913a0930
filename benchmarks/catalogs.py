"""Large catalogs for the speed benchmarks, built from the real public catalogs in ../shared/data/catalogs.

The four real catalogs hold about 8.8k distinct courses. Larger sizes repeat them with distinct ids and a distinct
title suffix ("(cohort 3)"). Embedding 100k texts with the real model would take hours on 2 cores and measure
nothing new, so `prefill_copies` puts each copy's vector into the product's vector cache as its original's vector
plus small Gaussian noise (cosine ~0.97 to the original): the index sees 100k distinct, realistically clustered
vectors, and the import embeds only the ~8.8k real texts.
"""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path

import numpy as np

from embeddings.vector_cache import VectorCache
from learning.catalog.courses import Course
from learning.catalog.files import FIELDS, CourseRowError, validate_row

NOISE = 0.03


def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as lines:
        return [{k: v for k, v in json.loads(line).items() if k in FIELDS} for line in lines if line.strip()]


def real_rows(data: Path) -> list[dict]:
    """Carpentries (as bundled), Exercism, Coursera 2019 and edX 2021, in the import format."""
    from learning.catalog.importer import bundled_catalog_path

    csv.field_size_limit(1 << 30)
    rows = _jsonl(bundled_catalog_path()) + _jsonl(data / "catalogs" / "exercism" / "items.jsonl")
    with open(data / "catalogs" / "bench-only" / "coursera_2019.csv", encoding="utf-8") as source:
        for record in csv.DictReader(source):
            skills = ast.literal_eval(record["skills"] or "[]")
            rows.append(
                {
                    "id": "coursera/" + record["course_id"],
                    "title": record["title"],
                    "description": record["about"],
                    "topics": skills[:30],
                    "url": record["url"],
                }
            )
    with open(data / "catalogs" / "bench-only" / "edx_2021.csv", encoding="utf-8") as source:
        for record in csv.DictReader(source):
            rows.append(
                {
                    "id": "edx/" + record["course_url"].rstrip("/").rsplit("/", 1)[-1],
                    "title": record["title"],
                    "description": record["summary"],
                    "topics": [record["subject"]] if record["subject"] else [],
                    "level": record["Level"],
                    "url": record["course_url"],
                    "provider": record["institution"],
                }
            )
    return rows


def real_courses(data: Path) -> list[Course]:
    courses, seen = [], set()
    for row in real_rows(data):
        try:
            course = validate_row(row)
        except CourseRowError:
            continue
        if course.id not in seen:
            seen.add(course.id)
            courses.append(course)
    return courses


def scaled(courses: list[Course], size: int) -> list[tuple[Course, Course | None]]:
    """`size` courses: the real ones first, then copies as (copy, original)."""
    out: list[tuple[Course, Course | None]] = [(c, None) for c in courses[:size]]
    cohort = 1
    while len(out) < size:
        cohort += 1
        for original in courses[: size - len(out)]:
            copy = Course(
                **{
                    **original.__dict__,
                    "num": None,
                    "id": f"{original.id}#c{cohort}",
                    "title": f"{original.title} (cohort {cohort})",
                }
            )
            out.append((copy, original))
    return out


def prefill_copies(cache: VectorCache, pairs: list[tuple[Course, Course | None]], seed: int = 7) -> int:
    """Cache each copy's vector as its original's plus noise. The originals must already be cached."""
    rng = np.random.default_rng(seed)
    copies = [(c, o) for c, o in pairs if o is not None]
    originals = cache.get(o.content_hash for _, o in copies)
    batch: dict[str, np.ndarray] = {}
    for copy, original in copies:
        vector = originals[original.content_hash] + rng.normal(0, NOISE, originals[original.content_hash].shape)
        batch[copy.content_hash] = (vector / np.linalg.norm(vector)).astype(np.float32)
        if len(batch) >= 5000:
            cache.put(batch)
            batch = {}
    cache.put(batch)
    return len(copies)
