"""`upnext check`: verify the store and repair what is derived from it.

The courses, learners and events are the truth and cannot be repaired here (a failed integrity check means
restoring a backup). Everything derived from the courses is rebuilt when it disagrees with them: the keyword
index (FTS5), each course's cached vector, and the FAISS index file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from learning.catalog.course_index import CourseIndex
from learning.catalog.courses import CourseRepository
from learning.search.course_search import KeywordSearch
from learning.store.engine import Store

NORM_TOLERANCE = 1e-3  # cached vectors are L2-normalised


@dataclass
class CheckReport:
    corrupt: list[str] = field(default_factory=list)  # integrity_check lines: restore a backup
    repaired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.corrupt

    def lines(self) -> list[str]:
        out = [f"corrupt: {line}" for line in self.corrupt] + [f"repaired: {line}" for line in self.repaired]
        if self.corrupt:
            out.append("the store is damaged: restore the latest backup (see README, Backups)")
        else:
            out.append("store ok" + (f" after {len(self.repaired)} repair(s)" if self.repaired else ""))
        return out


def check_store(
    store: Store, keywords: KeywordSearch, courses: CourseRepository, indexes: Sequence[CourseIndex]
) -> CheckReport:
    """`indexes`: each model's (a course has a vector of each model); a repair of several is reported once."""
    report = CheckReport(corrupt=store.integrity_problems())
    if report.corrupt:
        return report
    if keywords.repair():
        report.repaired.append("keyword index rebuilt from the courses")
    embedded = set().union(*(_repair_vectors(courses, index) for index in indexes))
    if embedded:
        report.repaired.append(f"{len(embedded)} course vector(s) missing or malformed: embedded again")
    rebuilt = [index for index in indexes if not _index_matches(courses, index)]
    for index in rebuilt:
        index.rebuild()
    if rebuilt:
        report.repaired.append(f"vector index rebuilt from the cached vectors ({len(rebuilt[0].vectors)} courses)")
    return report


def _repair_vectors(courses: CourseRepository, index: CourseIndex) -> set[str]:
    """Embed every course whose cached vector is missing, malformed (`VectorCache.read`) or not a unit vector;
    returns their content hashes."""
    hashes = courses.content_hashes()
    cached = index.cache.get(hashes.values())
    wrong = {
        content_hash
        for content_hash in set(hashes.values())
        if (vector := cached.get(content_hash)) is None or abs(float(np.linalg.norm(vector)) - 1) > NORM_TOLERANCE
    }
    if not wrong:
        return set()
    nums = [num for num, content_hash in hashes.items() if content_hash in wrong]
    # keyed by the hash the store holds for the course, which is what the index reads the vector by
    texts = {hashes[num]: course.embedding_text() for num, course in courses.many_by_num(nums).items()}
    encoded = index.cache.encoder.encode(list(texts.values()))
    index.cache.put(dict(zip(texts, encoded)))
    return set(texts)


def _index_matches(courses: CourseRepository, index: CourseIndex) -> bool:
    """The index holds exactly one vector per course, equal to the course's cached vector."""
    hashes = courses.content_hashes()
    if dict(index.vectors.hashes) != hashes:
        return False
    if not hashes:
        return True
    ids, matrix = index.vectors.matrix()
    cached = index.cache.get(hashes.values())
    expected = np.vstack([cached[hashes[num]] for num in ids.tolist()])
    return bool(np.allclose(matrix, expected, atol=1e-5))
