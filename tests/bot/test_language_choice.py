"""`/learn language`: a learner picks the language Upnext speaks with them (and prefers courses in) over their Slack
locale, by code or by name, and can go back to Slack's; through the real Bolt app over signed HTTP."""

from __future__ import annotations

import pytest

from bot.i18n import language_named
from tests.slack_requests import ANA, command, onboard


def test_a_learner_who_chooses_portuguese_is_answered_in_it_until_they_go_back_to_slacks_language(server, service):
    onboard(service)
    command(server, "language pt-BR")
    assert "`/learn language auto`" in server.answer("respond", "o Upnext fala português (Brasil) com você")["text"]
    command(server, "help")
    assert "*`/learn language <código>`*" in str(server.answer("respond", "Como usar o /learn")["blocks"])
    assert service.learners.get(ANA).language == "pt-BR"  # kept while the Slack profile (en-US) is read again
    command(server, "language auto")
    server.answer("respond", "Upnext follows your Slack language again: English.")
    assert service.learners.get(ANA).language is None


def test_a_language_named_in_english_or_in_itself_is_understood(server, service):
    onboard(service)
    command(server, "language Japanese")
    server.answer("respond", "これからは Upnext が日本語でお話しし")
    command(server, "language français")
    server.answer("respond", "Désormais, Upnext vous parle en français")


def test_a_language_upnext_does_not_speak_lists_the_choices_and_changes_nothing(server, service):
    onboard(service)
    command(server, "language klingon")
    usage = server.answer("respond", "Upnext speaks English with you.")["text"]
    for choice in ("`en` (English)", "`es` (español)", "`pt-BR` (português (Brasil))", "`fr` (français)",
                   "`de` (Deutsch)", "`ja` (日本語)"):  # fmt: skip
        assert choice in usage
    assert service.learners.get(ANA).language is None


@pytest.mark.parametrize(
    ("said", "meant"),
    [("pt", "pt-BR"), ("pt_br", "pt-BR"), ("de-AT", "de"), ("Deutsch", "de"), ("German", "de"), ("日本語", "ja"),
     ("Portuguese", "pt-BR"), ("ES", "es"), ("zh", None), ("klingon", None), ("", None)],
)  # fmt: skip
def test_a_language_is_found_by_code_or_by_name(said, meant):
    assert language_named(said) == meant
