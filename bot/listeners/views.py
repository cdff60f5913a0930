"""The interests modal's submission: at least three picks, or the modal explains what is missing."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.modals import INTERESTS_BLOCK, INTERESTS_CALLBACK, MIN_INTERESTS, submitted_interests
from bot.replies import Replies


def register(app: App, replies: Replies) -> None:
    @app.view(INTERESTS_CALLBACK)
    def on_interests(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        interests, role = submitted_interests(view.get("state", {}).get("values", {}))
        user_id = body["user"]["id"]
        if len(interests) < MIN_INTERESTS:  # answered inside the ack, from the store only: no network before it
            t = replies.messages(replies.service.learners.get(user_id))
            ack(response_action="errors", errors={INTERESTS_BLOCK: t("modal.too_few")})
            return
        ack()
        learner = replies.save_interests(replies.learner(client, user_id), interests, role)
        replies.publish_home(client, learner)
