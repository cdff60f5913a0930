"""Sharing a course: a card's Share button and the message shortcut open the share modal; its submission shares."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.block_kit import blocks
from bot.block_kit.blocks import SHARE_ACTION
from bot.block_kit.social.share import SHARE_CALLBACK, SHORTCUT_CALLBACK, submitted_share
from bot.i18n import messages_for
from bot.respond import send
from bot.use_cases.identity import Identity
from bot.use_cases.sharing import Sharing


def register(app: App, identity: Identity, sharing: Sharing) -> None:
    @app.action(SHARE_ACTION)
    def on_share_button(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        view = sharing.card_modal(learner, action.get("value") or "")
        if view is None:
            return
        if (body.get("view") or {}).get("type") == "modal":  # a card in a modal ("More"): the share modal stacks
            client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.message_shortcut(SHORTCUT_CALLBACK)
    def on_share_shortcut(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        view = sharing.message_modal(learner, body.get("message") or {}, (body.get("channel") or {}).get("id"))
        if view is None:
            send(respond, blocks.text_message(messages_for(learner)("share.no_link")), response_type="ephemeral")
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(SHARE_CALLBACK)
    def on_share_submitted(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        user_id = body["user"]["id"]
        request = submitted_share(view)
        problems = sharing.problems(user_id, request)
        if problems:  # the note's length, how many people, the daily limit: said in the modal, nothing sent
            ack(response_action="errors", errors=problems)
            return
        ack()
        sharer = identity.learner(client, user_id)
        send(client.chat_postMessage, sharing.share(client, sharer, request), channel=sharer.slack_id)
