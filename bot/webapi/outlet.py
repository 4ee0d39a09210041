"""The clock's jobs' outlet (`schedules.outlet.Outlet`) over Slack's Web API: content
rendered as Block Kit and each message posted once (`post_once`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from slack_sdk.errors import SlackApiError

from bot.render import Message, render
from bot.render.actions import reminder_text
from bot.render.alerts import alert_message
from bot.render.cleanup import room_messages
from bot.render.daily import daily_payload
from bot.render.digest import render_digest
from bot.render.forecast import checklist_messages
from bot.render.sla import lead_notice_message
from bot.webapi import digest_post
from bot.webapi.directory import WebApiDirectory
from bot.webapi.post_once import post_once, posted_keys
from bot.webapi.protocol import WebApi
from commands.actions.results import Reminder
from commands.alert_watch import AlertMessage
from commands.checklist import Checklist
from commands.cleanup import CleanRoom
from commands.councils.daily import DailyPipegen
from commands.digest import Digest
from commands.nudges import Content, Nudge
from commands.salesforce.results import WriteBackNotice
from commands.sla.handoff import LeadNotice
from schedules.outlet import Outlet, OutletFor, Payload, Undelivered


class WebApiOutlet:
    """Slack's client (or the console's stand-in for it) as the jobs' outlet."""

    def __init__(self, client: WebApi) -> None:
        self.client = client

    def digest_payload(self, digest: Digest, run_id: int) -> Payload:
        return render_digest(digest, run_id)

    def post_digest(
        self,
        payload: Payload,
        posted: dict[int, str],
        record: Callable[[int, str], None],
        *,
        run_id: int,
        resumed: bool,
    ) -> int:
        return digest_post.post_payload(
            self.client, payload, posted, record, run_id=run_id, resumed=resumed
        )

    def tell_creator(self, user_id: str, council: str, channel: str, error: str, key: str) -> None:
        digest_post.tell_creator(self.client, user_id, council, channel, error, key)

    def send_nudge(self, nudge: Nudge) -> None:
        messages = [m for content in nudge.contents for m in messages_of(content)]
        with undelivered():
            # A retry reads the DM back once for what the failed attempt got through.
            already = posted_keys(self.client, nudge.user_id) if nudge.again else set()
            for position, message in enumerate(messages):
                key = f"nudge:{nudge.id}:{position}"
                if key not in already:
                    post_once(
                        self.client,
                        key,
                        channel=nudge.user_id,
                        text=message.text,
                        blocks=message.blocks,
                    )

    def send_reminder(self, reminder: Reminder) -> None:
        assert reminder.action.owner_user_id
        with undelivered():
            post_once(
                self.client,
                f"remind:{reminder.action.id}:{reminder.day}",
                channel=reminder.action.owner_user_id,
                text=reminder_text(reminder),
                look_first=reminder.again,
            )

    def send_alert(self, message: AlertMessage) -> str:
        shown = alert_message(message)
        with undelivered():
            if message.ts:
                # The deal changed again within the batch: the alert is edited, not repeated.
                # A DM is edited under its conversation's id, not the user's.
                channel = message.channel
                if channel[:1] in ("U", "W"):
                    opened = self.client.conversations_open(users=channel)
                    channel = str(opened["channel"]["id"])
                self.client.chat_update(
                    channel=channel, ts=message.ts, text=shown.text, blocks=shown.blocks
                )
                return message.ts
            return post_once(
                self.client,
                message.key,
                channel=message.channel,
                text=shown.text,
                blocks=shown.blocks,
                look_first=message.attempted,
            )

    def daily_payload(self, daily: DailyPipegen) -> Payload:
        return daily_payload(daily)

    def send_lead_notice(self, notice: LeadNotice) -> None:
        shown = lead_notice_message(notice)
        with undelivered():
            post_once(
                self.client,
                notice.key,
                channel=notice.channel,
                text=shown.text,
                blocks=shown.blocks,
                look_first=notice.again,
            )

    def send_write_back(self, notice: WriteBackNotice) -> None:
        if not notice.user_id:
            raise Undelivered("the rep has no Slack account")
        shown = render(notice)
        assert isinstance(shown, Message)
        with undelivered():
            post_once(
                self.client,
                f"salesforce:{notice.outbox_id}:{notice.kind}",
                channel=notice.user_id,
                text=shown.text,
                blocks=shown.blocks,
            )

    def user_by_email(self, email: str) -> str | None:
        return WebApiDirectory(self.client).user_id_by_email(email)


@contextmanager
def undelivered() -> Iterator[None]:
    """Slack's refusal of a post, as the `Undelivered` the jobs handle."""
    try:
        yield
    except SlackApiError as error:
        raise Undelivered(str(error.response.get("error"))) from error


def messages_of(content: Content) -> list[Message]:
    """A nudge's content as the DMs that carry it, in order."""
    if isinstance(content, Checklist):
        return checklist_messages(content)
    if isinstance(content, CleanRoom):
        return room_messages(content)
    shown = render(content)
    assert isinstance(shown, Message)
    return [shown]


def outlets(client_for: Callable[[str], WebApi]) -> OutletFor:
    """Each workspace's outlet over its own client."""

    def outlet_for(workspace_id: str) -> Outlet:
        return WebApiOutlet(client_for(workspace_id))

    return outlet_for
