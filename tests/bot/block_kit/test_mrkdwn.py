"""Text we did not write can never become a mention, a link or a broadcast."""

from bot.block_kit.mrkdwn import escape, link, truncate


def test_escape_neutralises_mentions_broadcasts_and_entities():
    assert escape("<!channel> & <@U123> *free*") == "&lt;!channel&gt; &amp; &lt;@U123&gt; *free*"
    assert escape(None) == ""


def test_link_escapes_its_label_and_cannot_be_broken_out_of():
    text = link("https://x.org/a?b=1&c=<2>|3", "A <!here> title")
    assert text == "<https://x.org/a?b=1&amp;c=%3C2%3E%7C3|A &lt;!here&gt; title>"
    assert link(None, "<b>") == "&lt;b&gt;"


def test_truncate_cuts_on_a_word_with_an_ellipsis():
    assert truncate("short", 10) == "short"
    cut = truncate("one two three four five six seven", 16)
    assert len(cut) <= 16 and cut.endswith("…") and cut.startswith("one two three")
