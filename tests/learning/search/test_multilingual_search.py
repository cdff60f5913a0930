"""Search in every language of the catalog: two models routed (the English one between English words, the
multilingual one wherever the query or a course is not English), over the real models, FAISS and the store."""

from __future__ import annotations

import pytest

from learning.catalog.importer import bundled_catalog_path
from learning.search.query_language import query_language
from learning.search.routing import place

GIT_SETUP = "swcarpentry/git-novice/02-setup"


@pytest.fixture
def bundled(service):
    """The service over the bundled Carpentries catalog: en, es, fr, it, ja, uk and zh."""
    assert service.catalog.import_file(bundled_catalog_path()).rejected == 0
    return service


def test_a_japanese_query_finds_the_japanese_and_english_versions_of_the_episode_it_names(bundled):
    found = [course.id for course in bundled.search.search("Gitの設定", 5).courses]  # "Setting up Git"
    assert f"{GIT_SETUP}@ja" in found and GIT_SETUP in found


def test_a_query_filtered_to_another_language_finds_that_language_s_version(bundled):
    result = bundled.search.search("setting up git lang:ja", 5)
    assert result.courses and all(course.language == "ja" for course in result.courses)
    assert f"{GIT_SETUP}@ja" in [course.id for course in result.courses]


def test_an_english_query_on_an_english_catalog_is_the_english_model_s_search_alone(service):
    english = service.search.index.vectors.search(service.search.encoder.encode_query("version control"), 20)
    assert service.search.dense("version control", 20) == english


def test_an_english_query_keeps_the_english_model_s_order_and_places_other_languages_among_it(bundled):
    search, query = bundled.search, "setting up git"
    is_english = search.languages.current().english
    hits = search.dense(query, 20)
    english_model = [hit for hit in search.index.vectors.search(search.encoder.encode_query(query), 100)
                     if is_english(hit[0])]  # fmt: skip
    english = [hit for hit in hits if is_english(hit[0])]
    assert english == english_model[: len(english)]
    others = bundled.courses.many_by_num([num for num, _ in hits if not is_english(num)])
    assert f"{GIT_SETUP}@ja" in {course.id for course in others.values()}


def test_placing_keeps_the_english_scores_and_slots_others_by_their_rank_among_english_courses():
    english = [(1, 0.70), (2, 0.50), (3, 0.30)]
    multilingual = [(1, 0.90), (10, 0.88), (2, 0.86), (3, 0.84), (11, 0.80), (12, 0.95)]
    placed = dict(place(english, multilingual, lambda num: num < 10))
    assert {n: placed[n] for n in (1, 2, 3)} == dict(english)
    assert placed[2] < placed[10] < placed[1]  # between the first and second English course, as e5 ranks it
    assert placed[11] < placed[3] and placed[12] > placed[1]  # below the last, above the first: kept apart


@pytest.mark.parametrize(
    ("query", "locale", "language"),
    [
        ("Gitの設定", None, "ja"),
        ("版本控制", None, "zh"),
        ("Налаштування Git", None, "uk"),
        ("análisis de datos con Python", None, "es"),
        ("Programmer avec Python", None, "fr"),
        ("how do I merge data frames", "es-ES", "en"),  # sure of English: the locale does not matter
        ("python lists", "pt-BR", "pt"),  # not sure: the learner's locale decides, the catalog having Portuguese
        ("python lists", "de-DE", "en"),  # ... but not for a language the catalog does not have
    ],
)
def test_a_query_s_language_is_told_by_its_script_then_a_sure_detector_then_the_learner_s_locale(
    query, locale, language
):
    assert query_language(query, {"en", "es", "fr", "it", "ja", "pt", "uk", "zh"}, locale) == language


def test_on_an_english_only_catalog_every_latin_script_query_is_english():
    assert query_language("análisis de datos con Python", {"en"}) == "en"
