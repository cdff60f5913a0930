"""Hybrid search over the real model, FAISS and FTS5 on a small real catalog."""

from __future__ import annotations

import dataclasses
import json

from learning.catalog.courses import Course, CourseRepository
from learning.search.course_search import VOCABULARY_CHECK_SECONDS, KeywordSearch, combine
from tests.helpers import MovableClock


def titles(result) -> list[str]:
    return [c.title for c in result.courses]


def test_fusion_rewards_agreement_and_normalises_bm25_per_query():
    fused = combine(dense=[(1, 0.6), (3, 0.5)], keyword=[(3, 20.0), (2, 10.0)], weight=0.3)
    assert max(fused, key=fused.__getitem__) == 3
    assert fused == {1: 0.6, 3: 0.5 + 0.3, 2: 0.15}


def test_finds_by_meaning_when_words_differ(service):
    result = service.search.search("keep track of changes to my files", 5)
    assert any(c.path_id == "swcarpentry/git-novice" for c in result.courses[:3])


def test_exact_title_comes_first(service):
    result = service.search.search("introducing the shell", 5)
    assert result.hits[0].course.title == "Introducing the Shell"
    assert result.hits[0].matched == "title"


def test_near_exact_title_comes_first(service):
    result = service.search.search("Introducing the Shel", 5)
    assert result.hits[0].course.title == "Introducing the Shell"


def test_misspelt_words_are_corrected_against_the_catalog(service):
    result = service.search.search("pyhton loops", 5)
    assert result.corrected == "python loops"
    assert any("python" in c.path_id for c in result.courses)


def test_filters_restrict_both_retrievers(service):
    spanish = service.search.search("the shell lang:es", 5)
    assert spanish.courses and all(c.language == "es" for c in spanish.courses)
    short = service.search.search("python under:10m", 10)
    assert short.courses and all(0 < (c.duration_minutes or 0) <= 10 for c in short.courses)
    provider = service.search.search('data provider:"Library Carpentry"', 5)
    assert provider.courses and all(c.provider == "Library Carpentry" for c in provider.courses)
    beginner = service.search.search("machine learning level:beginner", 5)
    assert all(c.level == "beginner" for c in beginner.courses)


def test_a_provider_filter_matches_whatever_the_case_it_is_typed_in(service):
    typed = service.search.search('data provider:"library CARPENTRY"', 5)
    assert typed.courses and all(c.provider == "Library Carpentry" for c in typed.courses)


def test_filters_that_match_nothing_give_no_results_not_other_courses(service):
    assert service.search.search("git lang:ja", 5).hits == []


def test_unknown_filter_is_explained_and_the_words_still_searched(service):
    result = service.search.search("sql colour:red", 5)
    assert result.query.problems[0].kind == "unknown_filter"
    assert result.courses


def test_a_duration_too_big_for_the_database_is_a_problem_not_a_crash(service):
    result = service.search.search("sql under:99999999999999999999m", 5)
    assert result.query.problems[0].kind == "bad_duration"
    assert result.courses


def test_queries_without_words_return_nothing_instead_of_failing(service):
    for text in ("", "   ", "!!! ???", "🙂"):
        assert service.search.search(text, 5).hits == []


def test_similar_courses_exclude_the_course_itself(service):
    course = service.courses.get("swcarpentry/sql-novice-survey/02-sort-dup")
    similar = service.search.similar(course, 5)
    assert course.id not in [c.id for c in similar]
    assert sum(c.path_id == "swcarpentry/sql-novice-survey" for c in similar) >= 3


def test_a_real_catalog_word_is_never_corrected_into_a_different_one(empty_service, tmp_path):
    """'table' is in the catalog (a description), so "Hash Table" must not become "hash tableau"."""
    rows = [
        {"id": "tab-1", "title": "Tableau Dashboards", "description": "Build dashboards in Tableau."},
        {"id": "tab-2", "title": "Tableau Calculations", "description": "Calculated fields in Tableau."},
        {"id": "tab-3", "title": "Tableau Maps", "description": "Maps and geography in Tableau."},
        {"id": "ds-1", "title": "Data Structures", "description": "Arrays, linked lists and the hash table."},
        {"id": "ds-2", "title": "Dictionaries in Python", "description": "Python's dict is a hash map."},
    ]
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert empty_service.catalog.import_file(catalog).rejected == 0
    result = empty_service.search.search("Hash Table", 5)
    assert result.corrected is None
    assert result.courses[0].id == "ds-1"
    assert not any(c.title.startswith("Tableau") for c in result.courses[:2])


def test_a_corrected_word_is_searched_beside_the_original_and_the_original_wins(service):
    """'shel' is unknown, 'shell' is its correction: both are searched, and a course matching the query as typed
    comes before courses found only through the correction."""
    result = service.search.search("shel git", 5)
    assert result.corrected == "shell git"
    assert result.courses[0].path_id == "swcarpentry/git-novice"


def test_word_counts_follow_a_catalog_another_process_changed(service, store):
    clock = MovableClock()
    keywords = KeywordSearch(service.search.keyword.store, service.courses, clock)
    assert not keywords.known("zanzibarian")
    course = service.courses.get("swcarpentry/sql-novice-survey/01-select")
    changed = dataclasses.replace(course, description="Selecting rows, the zanzibarian way.")
    CourseRepository(store).upsert([changed])  # another process's import: the catalog keeps its size
    clock.ahead = VOCABULARY_CHECK_SECONDS + 1
    assert keywords.known("zanzibarian")


def test_a_rare_word_outranks_a_common_one_and_the_ranking_follows_another_process_s_import(service, store):
    """Two courses alike but for one title word: the one whose word fewer courses hold ranks first (BM25's idf).
    Another process's import makes the other word the rarer one without changing the catalog's size, and the ranking
    follows at the next catalog check, with no restart."""
    clock = MovableClock()
    keywords = KeywordSearch(service.search.keyword.store, service.courses, clock)
    other = CourseRepository(store)

    def notes(word: str) -> list[Course]:
        return [Course(id=f"notes-{i}", title=f"Notes {i}", description=f"Seen: {word}.") for i in range(6)]

    def ranked() -> list[str]:
        nums = [num for num, _ in keywords.search("quokka wombat", 20)]
        ids = [service.courses.many_by_num(nums)[num].id for num in nums]
        return [id_ for id_ in ids if id_ in ("quokka", "wombat")]

    guides = [Course(id=animal, title=f"{animal.title()} field guide", description="Where to look.")
              for animal in ("quokka", "wombat")]  # fmt: skip
    other.upsert([*guides, *notes("wombat")])
    assert ranked() == ["quokka", "wombat"]
    other.upsert(notes("quokka"))
    clock.ahead = VOCABULARY_CHECK_SECONDS + 1
    assert ranked() == ["wombat", "quokka"]


def test_keyword_ranking_is_the_same_before_and_after_the_database_gathers_statistics(empty_service, store):
    """BM25 weighs a word by how many of the catalog's courses hold it. On PostgreSQL the catalog's size was once the
    planner's estimate, which a freshly imported table lacks: words were then weighed against the courses the query
    matched (a rare word counted three times a common one here, not 1.2 times), and the same query ranked otherwise
    once the database had analysed the table."""
    herds = [Course(id=f"herd-{i}", title=f"Herd {i}", description="A bison herd.") for i in range(2)]
    others = [Course(id=f"pottery-{i}", title=f"Pottery {i}", description="Clay and glaze.") for i in range(200)]
    guides = [Course(id="alpaca", title="Alpaca basics"), Course(id="bison", title="Bison bison bison")]
    CourseRepository(store).upsert([*guides, *herds, *others])

    def ranked() -> list[int]:
        return [num for num, _ in empty_service.search.keyword.search("alpaca bison", 5)]

    before = ranked()
    store.sql.execute("ANALYZE")
    assert ranked() == before


def test_the_best_few_keyword_matches_are_the_head_of_the_longer_ranking(empty_service, store):
    """A query mixing a rare word with one most courses hold: asking for the best 3 gives the first 3 of the best 50
    (PostgreSQL ranks the rare word's courses first and stops there when nothing else can beat them)."""
    sheets = [Course(id=f"sheet-{i}", title=f"Spreadsheet tricks {i}", description="Data in cells.") for i in range(5)]
    tables = [Course(id=f"table-{i}", title=f"Tables {i}", description=f"Data, data and more data {i}.")
              for i in range(30)]  # fmt: skip
    others = [Course(id=f"pottery-{i}", title=f"Pottery {i}", description="Clay and glaze.") for i in range(100)]
    CourseRepository(store).upsert([*sheets, *tables, *others])
    keyword = empty_service.search.keyword

    for query in ("spreadsheet data", "cells data", "data"):  # the rare word in titles, in descriptions, none
        assert keyword.search(query, 3) == keyword.search(query, 50)[:3]
