"""Picks prefer the learner's language (their Slack locale), then others they read: the small catalog with the Git
lesson's first episodes translated into Portuguese (the bundled catalog has no Portuguese)."""

from __future__ import annotations

import json

import pytest

GIT = "swcarpentry/git-novice"
PT_PATH = {"path_id": f"{GIT}@pt", "path_title": "Controle de versão com Git", "provider": "Software Carpentry"}
PORTUGUESE = [  # the Git lesson's first three episodes, as the bundled catalog holds translations
    {"id": f"{GIT}/01-basics@pt", "title": "Controle de versão automatizado", "translation_of": f"{GIT}/01-basics",
     "description": "O que é controle de versão e por que devo usá-lo?", "position": 1},
    {"id": f"{GIT}/02-setup@pt", "title": "Configurando o Git", "translation_of": f"{GIT}/02-setup",
     "description": "Como configuro o Git para usá-lo pela primeira vez?", "position": 2},
    {"id": f"{GIT}/03-create@pt", "title": "Criando um repositório", "translation_of": f"{GIT}/03-create",
     "description": "Onde o Git guarda as informações? Criar um repositório Git local.", "position": 3},
]  # fmt: skip
INTERESTS = ("git", "version control", "sql")


@pytest.fixture
def with_portuguese(service, tmp_path):
    rows = [{**row, **PT_PATH, "topics": ["git"], "level": "beginner", "language": "pt-BR"} for row in PORTUGUESE]
    path = tmp_path / "pt.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert service.catalog.import_file(path).added == len(rows)
    return service


def learner(service, slack_id: str, locale: str, interests: tuple[str, ...] = INTERESTS):
    return service.learners.update(service.learners.ensure(slack_id), locale=locale, interests=interests)


def test_picks_for_a_learner_with_locale_pt_br_put_portuguese_courses_first_where_they_exist(with_portuguese):
    picks = with_portuguese.recommender.next_for(learner(with_portuguese, "U0PT", "pt-BR"), k=5)
    assert picks[0].course.id == f"{GIT}/01-basics@pt"  # the Git lesson's start, in their language
    assert f"{GIT}/01-basics" not in [pick.course.id for pick in picks]  # not offered twice, in two languages
    assert any(pick.course.language == "en" for pick in picks[1:])  # then the courses Portuguese does not have


def test_a_newcomer_with_locale_pt_br_is_offered_a_place_to_start_in_portuguese_first(with_portuguese):
    picks = with_portuguese.recommender.next_for(learner(with_portuguese, "U0NEW", "pt-BR", ()), k=5)
    assert picks[0].course.id == f"{GIT}/01-basics@pt" and picks[0].reason.kind == "starter"


def test_home_rows_for_a_learner_with_locale_pt_br_offer_the_portuguese_version(with_portuguese):
    rows = with_portuguese.recommender.rows_for(learner(with_portuguese, "U0PT", "pt-BR"))
    offered = [pick.course.id for row in rows for pick in row.picks]
    assert f"{GIT}/01-basics@pt" in offered and f"{GIT}/01-basics" not in offered


def test_an_english_speaker_is_offered_the_english_version(with_portuguese):
    picks = with_portuguese.recommender.next_for(learner(with_portuguese, "U0EN", "en-US"), k=5)
    ids = [pick.course.id for pick in picks]
    assert f"{GIT}/01-basics" in ids and not any(course_id.endswith("@pt") for course_id in ids)


def test_a_language_chosen_with_learn_language_counts_over_the_slack_locale(with_portuguese):
    chosen = with_portuguese.learners.update(learner(with_portuguese, "U0CH", "en-US"), language="pt-BR")
    picks = with_portuguese.recommender.next_for(chosen, k=5)
    assert picks[0].course.id == f"{GIT}/01-basics@pt"
