"""Course search: the query is embedded and matched against the course index."""

from __future__ import annotations

from dataclasses import dataclass

from embeddings.encoder import Encoder
from learning.course_index import CourseIndex
from learning.courses import Course, CourseRepository

MAX_RESULTS = 50


@dataclass(frozen=True)
class SearchHit:
    course: Course
    score: float


def normalise_query(text: str) -> str:
    return " ".join(text.split())[:256]


class CourseSearch:
    def __init__(self, courses: CourseRepository, index: CourseIndex, encoder: Encoder):
        self.courses = courses
        self.index = index
        self.encoder = encoder

    def search(self, query: str, k: int = 5) -> list[SearchHit]:
        """The k courses that best match the query's meaning, best first."""
        query = normalise_query(query)
        if not query:
            return []
        k = max(1, min(k, MAX_RESULTS))
        found = self.index.vectors.search(self.encoder.encode_query(query), k)
        by_num = self.courses.many_by_num([num for num, _ in found])
        return [SearchHit(by_num[num], score) for num, score in found if num in by_num]
