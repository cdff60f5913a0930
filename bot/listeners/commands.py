"""`/learn` and its subcommands (`/learn help` lists them): each acks, then delegates to a use case."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.block_kit import blocks
from bot.block_kit.browse import Place
from bot.i18n import messages_for
from bot.respond import build_and_send, send, show_view
from bot.use_cases.admin_access import AdminAccess
from bot.use_cases.browse import Browsing
from bot.use_cases.identity import Identity
from bot.use_cases.preferences import Preferences
from bot.use_cases.privacy_requests import PrivacyRequests
from bot.use_cases.questions import Questions
from bot.use_cases.sharing import Sharing
from bot.use_cases.team import Team
from bot.use_cases.wins import Wins

HELP_WORDS = {"", "help", "?", "-h", "--help", "ayuda"}
SURFACE = "slash"
FORGET_WORDS = {"forget me", "forget-me", "forget", "olvidame", "olvídame"}


def register(
    app: App,
    identity: Identity,
    answering: Questions,
    preferences: Preferences,
    privacy: PrivacyRequests,
    admin: AdminAccess,
    wins: Wins,
    sharing: Sharing,
    team: Team,
    browsing: Browsing,
) -> None:
    @app.command("/learn")
    def on_learn(ack: Ack, command: dict, respond: Respond, client: WebClient) -> None:
        ack()
        learner = identity.learner(client, command["user_id"])
        t = messages_for(learner)
        text = " ".join((command.get("text") or "").split())
        word, _, rest = text.partition(" ")
        word = word.lower()
        if word == "admin":  # before any welcome: this is about the dashboard, not learning
            send(respond, admin.answer(client, learner, rest, command), response_type="ephemeral")
            return
        if word == "interests" and command.get("trigger_id"):
            client.views_open(trigger_id=command["trigger_id"], view=preferences.interests_view(learner, "command"))
            return
        if word == "browse" and command.get("trigger_id"):
            show_view(client.views_open, browsing.subjects_view(learner, Place()), trigger_id=command["trigger_id"])
            return
        welcome = preferences.welcome(learner)
        if welcome is not None:
            send(respond, welcome, response_type="ephemeral")

        def build() -> blocks.Message:
            if text.lower() in HELP_WORDS:
                return blocks.help_message(t)
            if text.lower() in FORGET_WORDS:
                return blocks.forget_message(t)
            if word == "next":
                return answering.next_answer(learner, rest, surface=SURFACE)
            if word == "saved":
                return answering.saved_answer(learner, surface=SURFACE)
            if word == "done":
                return answering.mark_done(learner, rest, surface=SURFACE)
            if word == "nudges":
                return preferences.set_nudges(learner, rest)
            if word == "language":
                return preferences.set_language(learner, rest)
            if word == "celebrate":
                return wins.celebrate(learner, rest)
            if word == "shares":
                return sharing.set_accepting(learner, rest)
            if word == "team":
                return team.answer(learner, rest)
            if word == "privacy":
                return privacy.privacy_message(learner)
            return answering.for_text(learner, text, surface=SURFACE)

        build_and_send(respond, build, lambda: blocks.error_message(t), response_type="ephemeral")
        if word == "done":
            wins.announce(client, learner)
