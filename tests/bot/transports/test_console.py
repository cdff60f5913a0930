"""The console drives the same Bolt app as Slack and prints the bot's replies as text."""

from __future__ import annotations

import io

from bot.transports.console import ConsoleSession, run_console


def test_console_answers_a_question_with_readable_courses(settings, service, upnext):
    session = ConsoleSession(settings, service, upnext.seen_events, upnext.admin_tokens)
    replies = session.ask("python for data analysis")
    session.close()
    assert "Pick 3 or more interests" in replies[0]  # a first-time learner is welcomed once
    assert "Courses for “python for data analysis”" in replies[-1]
    assert "Python" in replies[-1] and "(https://" in replies[-1]


def test_console_recommends_and_shows_the_home_tab(settings, service, upnext):
    session = ConsoleSession(settings, service, upnext.seen_events, upnext.admin_tokens)
    assert "Up next for you, Ana" in session.ask("what should I learn next?")[-1]
    home = session.ask("/home")
    session.close()
    assert home[0].startswith("[App Home]") and "Ana" in home[0]


def test_console_script_mode_answers_once(settings, service, upnext):
    lines: list[str] = []
    assert (
        run_console(
            ConsoleSession(settings, service, upnext.seen_events, upnext.admin_tokens),
            ask="/learn help",
            out=lines.append,
        )
        == 0
    )
    assert "/learn" in lines[-1]


def test_interactive_console_reads_until_end_of_input(settings, service, upnext):
    lines: list[str] = []
    stdin = io.StringIO("git branches\n\n/learn help\n")
    assert (
        run_console(
            ConsoleSession(settings, service, upnext.seen_events, upnext.admin_tokens), stdin=stdin, out=lines.append
        )
        == 0
    )
    assert sum("Courses for" in line for line in lines) == 1
    assert any("/learn next" in line for line in lines)
