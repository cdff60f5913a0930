"""Courses: the catalog record and its repository in the store."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields

from learning.store.engine import Sql, Store, TableSteps
from learning.timestamps import iso, utcnow

LEVELS = ("beginner", "intermediate", "advanced")
CATALOG_VERSION = "catalog_version"  # meta key, changed by every import that adds or changes a course
_LEVEL_WORDS = {
    **{level: level for level in LEVELS},
    "beginners": "beginner",
    "novice": "beginner",
    "introductory": "beginner",
    "intro": "beginner",
    "basic": "beginner",
    "easy": "beginner",
    "medium": "intermediate",
    "hard": "advanced",
    "expert": "advanced",
}


def level_of(word: str) -> str | None:
    """A level from the words catalogs and people use for it ('Novice' -> 'beginner'); None if not a level."""
    return _LEVEL_WORDS.get(word.strip().casefold())


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    description: str | None = None
    topics: tuple[str, ...] = ()
    level: str | None = None
    duration_minutes: int | None = None
    language: str | None = None
    url: str | None = None
    image_url: str | None = None
    provider: str | None = None
    path_id: str | None = None
    path_title: str | None = None
    position: int | None = None
    published_at: str | None = None
    translation_of: str | None = None  # the id of the course this one is a translation of
    num: int | None = field(default=None, compare=False)

    def embedding_text(self) -> str:
        """What the model reads: title first (it carries the most meaning), then path, topics, description."""
        parts = [self.title]
        if self.path_title and self.path_title != self.title:
            parts.append(self.path_title)
        if self.topics:
            parts.append(", ".join(self.topics))
        if self.description:
            parts.append(self.description)
        return ". ".join(parts)

    def stored(self) -> dict:
        """The course's columns as the courses table holds them."""
        record = {name: getattr(self, name) for name in _COLUMNS}
        record["topics"] = json.dumps(list(self.topics), ensure_ascii=False)
        return record

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.embedding_text().encode()).hexdigest()[:32]

    @property
    def row_hash(self) -> str:
        """Every field but num (read directly: dataclasses.asdict deep-copies, and was most of an import's time)."""
        data = {name: getattr(self, name) for name in _HASHED}
        if data["translation_of"] is None:
            del data["translation_of"]  # rows from before the field existed keep their hash
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]

    def record(self) -> dict:
        """The stored columns with both hashes: what an import writes."""
        return {**self.stored(), "row_hash": self.row_hash, "content_hash": self.content_hash}


_HASHED = tuple(f.name for f in fields(Course) if f.name != "num")


@dataclass(frozen=True)
class CatalogPath:
    id: str
    title: str | None
    steps: frozenset[str]  # the ids of its courses


# The schema of the tables this module owns, by the schema version that brought each step (append-only; the store
# joins every owner's step N into migration N).
TABLES: TableSteps = {
    1: """
        CREATE TABLE courses (
            num INTEGER PRIMARY KEY,          -- stable integer id, used as the FAISS vector id
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            description TEXT,
            topics TEXT NOT NULL DEFAULT '[]', -- JSON list
            level TEXT,
            duration_minutes INTEGER,
            language TEXT,
            url TEXT,
            image_url TEXT,
            provider TEXT,
            path_id TEXT,
            path_title TEXT,
            position INTEGER,
            published_at TEXT,
            row_hash TEXT NOT NULL,           -- every field: tells updated from unchanged
            content_hash TEXT NOT NULL,       -- the embedded text only: keys the vector cache
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX courses_path ON courses(path_id, position);
        CREATE INDEX courses_published ON courses(published_at);
""",
    7: """
        ALTER TABLE courses ADD COLUMN translation_of TEXT;    -- id of the course this one translates
""",
}


_COLUMNS = (
    "id title description topics level duration_minutes language url image_url provider path_id path_title "
    "position published_at translation_of"
).split()


def course_from_row(row: dict) -> Course:
    values = {name: row[name] for name in _COLUMNS}
    values["topics"] = tuple(json.loads(row["topics"] or "[]"))
    return Course(**values, num=row["num"])


_STORED = [*_COLUMNS, "row_hash", "content_hash"]
_UPSERT = (
    f"INSERT INTO courses ({', '.join(_STORED)}, added_at, updated_at) "
    f"VALUES ({', '.join(':' + n for n in _STORED)}, :now, :now) "
    f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in _STORED[1:])}, "
    "updated_at = excluded.updated_at"
)


IN_CHUNK = 500  # values in one IN list (SQLite accepts at most 32,766 placeholders in a statement)


@dataclass
class UpsertCounts:
    added: list[Course] = field(default_factory=list)
    updated: list[Course] = field(default_factory=list)
    unchanged: int = 0


class CourseRepository:
    def __init__(self, store: Store):
        self.store = store

    def count(self) -> int:
        return self.store.sql.value("SELECT count(*) FROM courses")

    def num_bound(self) -> int:
        """One more than the highest course num: the length of arrays indexed by num."""
        return (self.store.sql.value("SELECT max(num) FROM courses") or 0) + 1

    def get(self, course_id: str) -> Course | None:
        found = self.many_by_id([course_id])
        return found.get(course_id)

    def many_by_id(self, course_ids: Iterable[str]) -> dict[str, Course]:
        return self._select_in("id", list(course_ids), key="id")

    def many_by_num(self, nums: Iterable[int]) -> dict[int, Course]:
        return self._select_in("num", list(nums), key="num")

    def frame_rows(self) -> list[tuple]:
        """(num, id, language, path_id, position, published_at, topics, title, level, translation_of) of every
        course: what the recommender's catalog frame is built from."""
        columns = "num, id, language, path_id, position, published_at, topics, title, level, translation_of"
        return self.store.sql.rows(f"SELECT {columns} FROM courses")

    def version(self) -> str | None:
        """The catalog's version in the store, changed by every import that adds or changes a course (whichever
        process made it): one read of `meta`, cheap enough to poll."""
        return self.store.get_meta(CATALOG_VERSION)

    def vocabulary_version(self) -> str | None:
        """Changes whenever a course is added, removed or updated."""
        return self.store.sql.value(
            "SELECT CAST(count(*) AS TEXT) || CAST(max(num) AS TEXT) || max(updated_at) FROM courses"
        )

    def title_words(self) -> list[tuple[str, str, str | None]]:
        """(title, topics as stored, path title) of every course."""
        return self.store.sql.rows("SELECT title, topics, path_title FROM courses")

    def with_urls(self) -> list[Course]:
        """Every course that has a URL (history imports may name a course by it)."""
        nums = [row[0] for row in self.store.sql.rows("SELECT num FROM courses WHERE url IS NOT NULL")]
        return list(self.many_by_num(nums).values())

    def titles(self, nums: Iterable[int]) -> dict[int, str]:
        """num -> title, lighter than loading whole courses."""
        return dict(self._pairs("num, title", "num", list(nums)))

    def paths_with(self, course_ids: Sequence[str]) -> dict[str, CatalogPath]:
        """Every path holding one of these courses, with all its courses (what finishing a path means)."""
        path_ids = sorted({path for (path,) in self._pairs("path_id", "id", course_ids) if path})
        steps: dict[str, tuple[str | None, set[str]]] = {}
        for path, title, course_id in self._pairs("path_id, path_title, id", "path_id", path_ids):
            steps.setdefault(path, (title, set()))[1].add(course_id)
        return {path: CatalogPath(path, title, frozenset(ids)) for path, (title, ids) in steps.items()}

    def _pairs(self, columns: str, column: str, values: Sequence) -> Iterator[tuple]:
        """Rows of `columns` where `column` is one of `values`, queried IN_CHUNK values at a time."""
        for start in range(0, len(values), IN_CHUNK):
            chunk = list(values[start : start + IN_CHUNK])
            yield from self.store.sql.rows(
                f"SELECT {columns} FROM courses WHERE {column} IN (:values)", {"values": chunk}
            )

    def _select_in(self, column: str, values: list, key: str) -> dict:
        found: dict = {}
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            for row in self.store.sql.records(f"SELECT * FROM courses WHERE {column} IN (:values)", {"values": chunk}):
                found[row[key]] = course_from_row(row)
        return found

    def top_topics(self, limit: int) -> list[str]:
        """The catalog's most common topics, for the interests picker (each in the spelling that sorts first)."""
        topics = self.store.dialect.json_items("courses.topics", "topic")
        rows = self.store.sql.rows(
            f"SELECT min(topic.value), count(*) AS n FROM courses, {topics} GROUP BY lower(topic.value) "
            f"ORDER BY n DESC, min(topic.value) LIMIT :limit",
            {"limit": limit},
        )
        return [row[0] for row in rows]

    def content_hashes(self) -> dict[int, str]:
        """num -> content hash for every course: what the vector index must hold."""
        return dict(self.store.sql.rows("SELECT num, content_hash FROM courses"))

    def row_hashes(self, course_ids: Sequence[str]) -> dict[str, str]:
        return dict(self._pairs("id, row_hash", "id", course_ids))

    def classify(self, courses: Sequence[Course]) -> UpsertCounts:
        """Split courses into added, updated and unchanged against the store, without writing."""
        existing = self.row_hashes([c.id for c in courses])
        counts = UpsertCounts()
        for course in courses:
            old = existing.get(course.id)
            if old is None:
                counts.added.append(course)
            elif old != course.row_hash:
                counts.updated.append(course)
            else:
                counts.unchanged += 1
        return counts

    def upsert(self, courses: Sequence[Course]) -> UpsertCounts:
        """Insert new courses and update changed ones in short transactions (Store.write_in_chunks), so other writers
        never wait long for the lock; unchanged rows are not touched. Running an interrupted import again finishes it.
        Rows and hashes are built before any lock is taken; each transaction reads its chunk's stored hashes in one
        query and writes what changed in one executemany."""
        counts = UpsertCounts()
        records = [(course, course.record()) for course in courses]

        def write(sql: Sql, chunk: Sequence[tuple[Course, dict]]) -> None:
            ids = [course.id for course, _ in chunk]
            stored = dict(sql.rows("SELECT id, row_hash FROM courses WHERE id IN (:ids)", {"ids": ids}))
            now = iso(utcnow())
            changed = []
            for course, record in chunk:
                old = stored.get(course.id)
                if old == record["row_hash"]:
                    counts.unchanged += 1
                    continue
                (counts.added if old is None else counts.updated).append(course)
                changed.append({**record, "now": now})
            if changed:
                self.store.set_meta(CATALOG_VERSION, f"{now}/{uuid.uuid4().hex[:8]}")
                sql.execute_many(_UPSERT, changed)

        self.store.write_in_chunks(records, write, chars=_text_length)
        return counts


def _text_length(item: tuple[Course, dict]) -> int:
    """What keyword indexing reads of a course: its chunk is cut shorter when descriptions are long."""
    course = item[0]
    texts = (course.title, course.description or "", course.path_title or "", *course.topics)
    return sum(len(text) for text in texts)
