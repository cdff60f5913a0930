"""`/learn` in any of the catalog's languages, end to end: signed HTTP into the real app, over the bundled catalog."""

from __future__ import annotations

from learning.catalog.importer import bundled_catalog_path
from tests.helpers import assert_valid_message, mrkdwn_texts
from tests.slack_requests import command, onboard


def test_learn_in_japanese_answers_with_the_japanese_and_english_versions_of_the_episode_named(server, service):
    assert service.catalog.import_file(bundled_catalog_path()).rejected == 0
    onboard(service)
    command(server, "Gitの設定")  # "Setting up Git", an episode of the Git lesson translated into Japanese
    answer = server.answer("respond", "Courses for")
    assert_valid_message(answer)
    cards = " ".join(mrkdwn_texts(answer["blocks"]))
    assert "Gitの設定" in cards and "Setting Up Git" in cards
    metas = [text for text in mrkdwn_texts(answer["blocks"]) if "Software Carpentry" in text]
    assert any("· 日本語" in meta for meta in metas)  # a course in another language than Ana's says which
    assert not any("English" in meta for meta in metas)  # hers goes unmarked
