"""Button clicks: course cards, *Share with #channel*, privacy buttons and *Recommend to my team*."""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.block_kit import blocks
from bot.block_kit.blocks import Message
from bot.block_kit.browse import SHELF_CALLBACK, Place
from bot.block_kit.modals import more_modal
from bot.block_kit.social.team import RECOMMEND_ACTION
from bot.block_kit.social.wins import SHARE_ACTION
from bot.i18n import messages_for
from bot.respond import open_modal, send, show_view
from bot.use_cases.browse import Browsing
from bot.use_cases.clicks import ACTION_EVENTS, CardClicks
from bot.use_cases.home_publisher import HomePublisher
from bot.use_cases.identity import Identity
from bot.use_cases.privacy_requests import PrivacyRequests
from bot.use_cases.questions import Questions
from bot.use_cases.team import Team
from bot.use_cases.wins import Wins

log = logging.getLogger(__name__)


def register(
    app: App,
    identity: Identity,
    clicks: CardClicks,
    answering: Questions,
    home_tab: HomePublisher,
    privacy: PrivacyRequests,
    wins: Wins,
    team: Team,
    browsing: Browsing,
) -> None:
    @app.action(re.compile(f"^({'|'.join(ACTION_EVENTS)})$"))
    def on_course_action(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        answer = clicks.course_action(learner, action["action_id"], action.get("value") or "")
        view, container = body.get("view") or {}, body.get("container") or {}
        if _from_unfurl(container):
            _confirm_in_conversation(client, container, learner.slack_id, clicks.confirmation(learner, action))
        elif view.get("callback_id") == SHELF_CALLBACK and view.get("id"):  # a card on a browse page
            place = Place.of(view.get("private_metadata"))
            show_view(client.views_update, browsing.shelf_view(learner, place, redraw=True), view_id=view["id"])
        elif answer is not None and container.get("type") == "message":
            message = answering.redraw(answer, learner)
            if message is not None:
                send(respond, message, replace_original=True)
        elif answer is not None and view.get("type") == "modal" and view.get("id"):
            title = answer.context.get("title", "")
            modal = more_modal(
                title, answering.picks_of(answer), messages_for(learner), answer.id, answering.states(learner)
            )
            client.views_update(view_id=view["id"], view=modal)
        if action["action_id"] == "course_done" and answer is not None:
            prompt = clicks.rating_prompt(learner, action.get("value") or "")
            if prompt is not None:
                send(client.chat_postMessage, prompt, channel=learner.slack_id)
        if action["action_id"] == "course_done":
            wins.announce(client, learner)  # before the Home tab, which shows what it earned
        home_tab.publish(client, learner)

    @app.action(SHARE_ACTION)
    def on_share_win(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        open_modal(client, body, wins.share_view(learner, action.get("value") or ""))

    @app.action("privacy_export")
    def on_export(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        t = messages_for(learner)
        data = privacy.export(learner)
        try:
            channel = client.conversations_open(users=learner.slack_id)["channel"]["id"]
            client.files_upload_v2(
                channel=channel, content=data, filename="upnext-my-data.json", title="upnext-my-data.json",
                initial_comment=t("privacy.exported"),
            )  # fmt: skip
        except SlackApiError as error:
            log.error("privacy export failed for %s: %s", learner.slack_id, error)
            send(respond, blocks.text_message(t("privacy.export_failed")), response_type="ephemeral")

    @app.action("privacy_forget")
    def on_forget(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        """Erase everything about the person who clicked (Slack already asked them to confirm)."""
        ack()
        user_id = body["user"]["id"]
        t = messages_for(identity.known(user_id))
        privacy.forget(user_id)
        send(respond, blocks.text_message(t("forget.done")), replace_original=True)
        home_tab.publish_forgotten(client, user_id, t)

    @app.action(RECOMMEND_ACTION)
    def on_recommend(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        """A manager chose a course for their team: the choice is replaced by what happens next."""
        ack()
        manager = identity.learner(client, body["user"]["id"])
        send(respond, team.recommend(manager, action.get("value") or ""), replace_original=True)


def _from_unfurl(container: dict) -> bool:
    """A card a catalog link unfolded into: an attachment of someone else's message, the same for everyone in the
    conversation, so it is never redrawn for one person (they are told what their click did instead)."""
    return container.get("is_app_unfurl") is True or container.get("type") == "message_attachment"


def _confirm_in_conversation(client: WebClient, container: dict, user_id: str, confirmation: Message | None) -> None:
    """Only the person who clicked sees it (an ephemeral message in the conversation the unfurl is in)."""
    channel = container.get("channel_id")
    if confirmation is None or not isinstance(channel, str) or not channel:
        return
    try:
        send(client.chat_postEphemeral, confirmation, channel=channel, user=user_id)
    except SlackApiError as error:
        log.warning("could not confirm a click on an unfurled course: %s", error.response.get("error"))
