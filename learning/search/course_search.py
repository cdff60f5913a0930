"""Course search: keyword beside dense retrieval, fused by a weighted sum.

Keyword search uses the store's keyword index (BM25); dense search uses sentence embeddings and FAISS.

Exact and near-exact title matches come first; words the catalog does not use anywhere (titles, descriptions, topics,
paths) are also searched as the closest catalog word: a typo fix that never replaces a word the catalog knows ("hash
table" stays, it is not "hash tableau"), is searched beside the query as typed, and counts for less than it, so a course
matching the original wins; filters (level, duration, language, provider) restrict both retrievers before ranking, not
after.
"""

from __future__ import annotations

import difflib
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from embeddings.encoder import Encoder
from learning.catalog.course_index import CourseIndex
from learning.catalog.courses import Course, CourseRepository
from learning.search.course_filters import course_condition, courses_passing
from learning.search.query import Filters, Query, fold_case, parse_query
from learning.search.query_language import ENGLISH, query_language
from learning.search.routing import CourseLanguages, interleave, place
from learning.store.engine import Store, TermCounts

MAX_RESULTS = 50
CANDIDATES = 100  # from each retriever, before fusion
# Fused score = cosine similarity + KEYWORD_WEIGHT * BM25 / (best BM25 for this query). Chosen over reciprocal rank
# fusion by measurement on MeTA and Coursera (BENCHMARKS.md, search quality).
KEYWORD_WEIGHT = 0.3
# BM25 weights of the keyword index's fields: title, description, topics, path title
BM25_WEIGHTS = (10.0, 1.0, 4.0, 2.0)
NEAR_TITLE = 0.9
NO_FILTERS = Filters()
CORRECTION_WEIGHT = 0.8  # a course found only through the corrected words scores this share of its fused score
VOCABULARY_CHECK_SECONDS = 30.0  # a catalog change reaches typo correction within this long
COMMON_TERM_SHARE, COMMON_TERM_MIN_CATALOG = 0.2, 20_000  # in big catalogs, skip words in over 20% of courses
MAX_CACHED_TERMS = 50_000  # document frequencies remembered per catalog size (queries bring arbitrary words)
STOPWORDS = frozenset(
    "a about an and are as at be by can course courses do does for from get how i in into is it learn learning "
    "me my of on or over the this to up want what when where which who why with you your".split()
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SearchHit:
    course: Course
    score: float
    matched: str  # "title", "both", "keyword" or "meaning": which evidence found it


@dataclass(frozen=True)
class SearchResult:
    query: Query
    hits: list[SearchHit] = field(default_factory=list)
    corrected: str | None = None  # the query with unknown words replaced by catalog words, searched beside it

    @property
    def courses(self) -> list[Course]:
        return [hit.course for hit in self.hits]


def title_rank(title: str, folded_query: str) -> int:
    """0 for the exact title, 1 for a near-exact one (a typo, a missing word), 2 otherwise."""
    if abs(len(title) - len(folded_query)) > (1 - NEAR_TITLE) * max(len(title), len(folded_query)) + 1:
        return 2  # too different in length to be a near match: skip the costly comparisons
    title = fold_case(title)
    if title == folded_query:
        return 0
    matcher = difflib.SequenceMatcher(None, title, folded_query)
    return 1 if matcher.quick_ratio() >= NEAR_TITLE and matcher.ratio() >= NEAR_TITLE else 2


def words(text: str) -> list[str]:
    return _WORD.findall(fold_case(text))


def combine(
    dense: Sequence[tuple[int, float]], keyword: Sequence[tuple[int, float]], weight: float = KEYWORD_WEIGHT
) -> dict[int, float]:
    """Weighted sum of cosine similarity and max-normalised BM25; a retriever that missed a course adds 0."""
    fused: dict[int, float] = defaultdict(float)
    for num, score in dense:
        fused[num] += score
    best = max((score for _, score in keyword), default=0.0) or 1.0
    for num, score in keyword:
        fused[num] += weight * score / best
    return fused


class Vocabulary:
    """Words of the catalog's titles, topics and paths, for correcting misspellings of words the catalog does not
    use anywhere (`known`: the keyword index, which also holds descriptions). Rebuilt when the catalog changes (its
    version is the highest updated_at)."""

    def __init__(self, courses: CourseRepository, known: Callable[[str], bool]):
        self.courses = courses
        self.known = known
        self._version: str | None = None
        self._checked = -VOCABULARY_CHECK_SECONDS
        self._counts: Counter[str] = Counter()
        self._by_first: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        if time.monotonic() - self._checked < VOCABULARY_CHECK_SECONDS:
            return
        self._checked = time.monotonic()
        version = self.courses.vocabulary_version()
        if version == self._version:
            return
        with self._lock:
            counts: Counter[str] = Counter()
            for title, topics, path_title in self.courses.title_words():
                counts.update(set(words(f"{title} {topics} {path_title or ''}")))
            by_first: dict[str, list[str]] = defaultdict(list)
            for word in counts:
                if len(word) >= 3 and not word.isdigit():
                    by_first[word[0]].append(word)
            self._counts, self._by_first, self._version = counts, dict(by_first), version

    def correct(self, word: str) -> str:
        """The catalog word closest to a word the catalog never uses (edit distance ~1-2), or the word itself."""
        self._refresh()
        if len(word) < 4 or word in self._counts or word in STOPWORDS or not word.isalpha() or self.known(word):
            return word
        pool = [w for w in self._by_first.get(word[0], ()) if abs(len(w) - len(word)) <= 2]
        close = difflib.get_close_matches(word, pool, n=3, cutoff=0.8)
        return max(close, key=self._counts.__getitem__) if close else word


class KeywordSearch:
    """Keyword search over the store's keyword index (`Store.keywords`): which words to match, and how often each
    occurs in the catalog."""

    def __init__(self, store: Store, courses: CourseRepository, clock: Callable[[], float] = time.monotonic):
        self.store = store
        self.courses = courses
        self.clock = clock
        self._frequency: dict[str, int] = {}  # term -> courses containing it, in the catalog as of `_catalog`
        self._catalog: tuple[int, str | None] = (0, None)  # its size and version
        self._checked = clock() - VOCABULARY_CHECK_SECONDS - 1

    @property
    def _catalog_size(self) -> int:
        return self._catalog[0]

    def _refresh(self) -> None:
        """Catalog size and version at most every VOCABULARY_CHECK_SECONDS; a catalog changed by any process
        forgets the cached frequencies."""
        if self.clock() - self._checked > VOCABULARY_CHECK_SECONDS:
            self._checked = self.clock()
            catalog = (self.courses.count(), self.courses.version())
            if catalog != self._catalog:
                self._catalog, self._frequency = catalog, {}

    def known(self, word: str) -> bool:
        """Whether any course uses the word (or a word with its stem) in its title, description, topics or path."""
        self._refresh()
        return self._document_frequency(word) > 0

    def _document_frequency(self, term: str) -> int:
        return self._document_frequencies([term])[term]

    def _document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """Each term's count of courses, the ones not known yet read in one statement."""
        known = self._frequency  # this one throughout: a catalog change seen meanwhile swaps in a new one
        if missing := [t for t in dict.fromkeys(terms) if t not in known]:
            if len(known) + len(missing) > MAX_CACHED_TERMS:
                known = self._frequency = {}
            known.update(zip(missing, self.store.keywords.documents_with(missing)))
        return {term: known[term] for term in terms}

    def terms(self, text: str) -> list[str]:
        """The words worth matching: no stopwords, and no word most of a large catalog contains (BM25 gives
        those almost no weight, but ranking their tens of thousands of matches is what makes a query slow)."""
        self._refresh()
        terms = list(dict.fromkeys([w for w in words(text) if w not in STOPWORDS] or words(text)))
        if len(terms) > 1 and self._catalog_size >= COMMON_TERM_MIN_CATALOG:
            counts = self._document_frequencies(terms)
            rare = [t for t in terms if counts[t] <= COMMON_TERM_SHARE * self._catalog_size]
            terms = rare or terms
        return terms

    def search(self, text: str, k: int, filters: Filters = NO_FILTERS) -> list[tuple[int, float]]:
        """BM25 over title, description, topics and path, any word matching; best first as (num, score)."""
        terms = self.terms(text)
        if not terms:
            return []
        counts = TermCounts(self._catalog_size, self._document_frequencies(terms))
        return self.store.keywords.search(
            terms, k, BM25_WEIGHTS, counts, course_condition(filters) if filters else None
        )

    def repair(self) -> bool:
        """Check the index against the courses and rebuild it if they disagree; True when it was rebuilt."""
        return self.store.keywords.repair()

    def allowed(self, filters: Filters) -> list[int] | None:
        """Course nums that pass the filters, or None when there are no filters."""
        return courses_passing(self.store, filters) if filters else None


class CourseSearch:
    def __init__(
        self,
        store: Store,
        courses: CourseRepository,
        index: CourseIndex,
        encoder: Encoder,
        multilingual: CourseIndex | None = None,
    ):
        """`index`: the English model's vectors (`encoder` embeds queries for it); `multilingual`: the multilingual
        model's, which score wherever the query or a course is not English (`learning.search.routing`)."""
        self.courses = courses
        self.index = index
        self.encoder = encoder
        self.multilingual = multilingual
        self.languages = CourseLanguages(courses, index)
        self.keyword = KeywordSearch(store, courses)
        self.vocabulary = Vocabulary(courses, self.keyword.known)

    def course_vector(self, course: Course) -> np.ndarray:
        """The course's own embedding (from the cache; computed if somehow missing)."""
        cached = self.index.cache.get([course.content_hash]).get(course.content_hash)
        return cached if cached is not None else self.encoder.encode([course.embedding_text()])[0]

    @staticmethod
    def course_words(course: Course) -> str:
        return " ".join([course.title, *course.topics])

    def similar(self, course: Course, k: int = 10, exclude: set[int] | None = None) -> list[Course]:
        """Courses most like this one, by meaning and by shared title and topic words, fused; itself excluded."""
        skip = {course.num, *(exclude or ())}
        keyword = [hit for hit in self.keyword.search(self.course_words(course), CANDIDATES) if hit[0] not in skip]
        dense = [hit for hit in self.index.vectors.search(self.course_vector(course), CANDIDATES) if hit[0] not in skip]
        fused = combine(dense, keyword)
        ranked = sorted(fused, key=fused.__getitem__, reverse=True)[:k]
        by_num = self.courses.many_by_num(ranked)
        return [by_num[n] for n in ranked if n in by_num]

    def closest(self, text: str) -> float:
        """How close the catalog's best match comes, on the English model's scale (what content gaps were tuned
        on, whatever the query's language)."""
        found = self.index.vectors.search(self.encoder.encode_query(text), 1)
        return found[0][1] if found else 0.0

    def dense(
        self, text: str, k: int, allowed: list[int] | None = None, locale: str | None = None
    ) -> list[tuple[int, float]]:
        """The k courses closest in meaning, by the model the query and the courses route to (`locale`, the
        learner's, breaks a tie on the query's language)."""
        if allowed is not None and not allowed:
            return []
        if self.multilingual is None:
            return self.index.vectors.search(self.encoder.encode_query(text), k, allowed=allowed)
        languages = self.languages.current()
        multilingual = self.multilingual

        def reach() -> list[tuple[int, float]]:
            return multilingual.vectors.search(multilingual.cache.encoder.encode_query(text), k, allowed)

        language = query_language(text, languages.present, locale)
        if language != ENGLISH:
            return interleave(reach(), languages.speaks(language), languages.english)
        english = [hit for hit in self.index.vectors.search(self.encoder.encode_query(text), k, allowed)
                   if languages.english(hit[0])]  # fmt: skip
        if not languages.any_other(allowed):
            return english
        return place(english, reach(), languages.english)[:k]

    def search(self, raw: str | Query, k: int = 5, locale: str | None = None) -> SearchResult:
        """The k courses that best match the query's words and meaning, best first; `locale` is the learner's."""
        query = parse_query(raw) if isinstance(raw, str) else raw
        k = max(1, min(k, MAX_RESULTS))
        if not words(query.text):
            return SearchResult(query)
        corrected_words = [self.vocabulary.correct(w) for w in words(query.text)]
        corrected = " ".join(corrected_words) if corrected_words != words(query.text) else None
        allowed = self.keyword.allowed(query.filters)
        keyword = self.keyword.search(query.text, CANDIDATES, query.filters)
        dense = self.dense(query.text, CANDIDATES, allowed, locale)
        fused = combine(dense, keyword)
        if corrected:
            corrected_keyword = self.keyword.search(corrected, CANDIDATES, query.filters)
            corrected_dense = self.dense(corrected, CANDIDATES, allowed, locale)
            for num, score in combine(corrected_dense, corrected_keyword).items():
                fused[num] = max(fused.get(num, 0.0), CORRECTION_WEIGHT * score)
            keyword, dense = [*keyword, *corrected_keyword], [*dense, *corrected_dense]
        titles = self.courses.titles(fused)
        in_keyword, in_dense = {n for n, _ in keyword}, {n for n, _ in dense}
        folded_query = fold_case(query.text)
        ranks = {num: title_rank(titles[num], folded_query) for num in titles}
        ranked = sorted(titles, key=lambda n: (ranks[n], -fused[n]))[:k]
        by_num = self.courses.many_by_num(ranked)
        hits = []
        for num in ranked:
            matched = (
                "title"
                if ranks[num] < 2
                else "both"
                if num in in_keyword and num in in_dense
                else "keyword"
                if num in in_keyword
                else "meaning"
            )
            hits.append(SearchHit(by_num[num], fused[num], matched))
        return SearchResult(query, hits, corrected)
