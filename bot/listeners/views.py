"""Modal submissions: the interests picked, and the channel a learner chose to share a win in.

Interests need at least three picks, or the modal explains what is missing.
"""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.block_kit.modals import INTERESTS_BLOCK, INTERESTS_CALLBACK, MIN_INTERESTS, submitted_interests
from bot.block_kit.wins import SHARE_CALLBACK
from bot.i18n import messages_for
from bot.respond import send
from bot.use_cases.home_publisher import HomePublisher
from bot.use_cases.identity import Identity
from bot.use_cases.preferences import Preferences
from bot.use_cases.wins import Wins


def register(app: App, identity: Identity, preferences: Preferences, home_tab: HomePublisher, wins: Wins) -> None:
    @app.view(INTERESTS_CALLBACK)
    def on_interests(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        values = (view.get("state") or {}).get("values") or {}
        user_id = body["user"]["id"]
        # what the client sent, unchecked: enough to answer "too few" inside the ack without the catalog
        picked, _ = submitted_interests(values, offered=None)
        if len(picked) < MIN_INTERESTS:  # answered inside the ack, from the store only: no network before it
            t = messages_for(identity.known(user_id))
            ack(response_action="errors", errors={INTERESTS_BLOCK: t("modal.too_few")})
            return
        ack()
        learner = identity.learner(client, user_id)
        learner = preferences.save_interests(
            learner, *submitted_interests(values, preferences.offered_interests(learner))
        )
        home_tab.publish(client, learner)

    @app.view(SHARE_CALLBACK)
    def on_share_win(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        """Posted only now that the learner chose the channel; the modal closes, and their DM says how it went."""
        ack()
        learner = identity.learner(client, body["user"]["id"])
        outcome = wins.share(client, learner, view)
        if outcome is not None:
            send(client.chat_postMessage, outcome, channel=learner.slack_id)
