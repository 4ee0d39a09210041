"""Sending a rendered result back to where the person is."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient, WebhookResponse

from bot.render import Message, Modal, render
from bot.webapi.retries import retry_handlers


def reply(
    result: object,
    *,
    respond: Respond | Replier,
    client: WebClient,
    trigger_id: str | None,
    response_url: str | None = None,
    replace_original: bool = False,
) -> None:
    """Show `result` to the person: a modal when it is a form, else an ephemeral reply."""
    shown = render(result)
    if isinstance(shown, Modal):
        open_modal(client, shown, trigger_id, response_url)
        return
    assert isinstance(shown, Message)
    respond(
        text=shown.text,
        blocks=shown.blocks,
        response_type="ephemeral",
        replace_original=replace_original,
    )


def open_modal(
    client: WebClient, modal: Modal, trigger_id: str | None, response_url: str | None
) -> None:
    view: dict[str, Any] = dict(modal.view)
    metadata = json.loads(view.get("private_metadata") or "{}")
    # The confirmation after the form is saved goes back where the command was typed.
    metadata.setdefault("response_url", response_url)
    view["private_metadata"] = json.dumps(metadata)
    client.views_open(trigger_id=trigger_id, view=view)


class Replier:
    """Posts to a `response_url` as bolt's `respond` does, but waits out 429s and retries
    5xx answers, resets and timeouts, so a busy Slack does not swallow a reply. (A reply
    whose answer was lost may so show twice: Slack cannot be asked whether it has it.)"""

    def __init__(self, response_url: str, timeout: float) -> None:
        self.response_url = response_url
        self.timeout = timeout

    def __call__(self, text: str = "", **fields: Any) -> WebhookResponse:
        client = WebhookClient(
            self.response_url,
            timeout=self.timeout,  # type: ignore[arg-type]  # a float is fine for urllib
            retry_handlers=retry_handlers(),
        )
        body = {"text": text, **{k: v for k, v in fields.items() if v is not None}}
        return client.send_dict(body)


Reply = Respond | Replier


def patient(respond: Respond, client: WebClient) -> Reply:
    """`respond`, retrying when Slack is busy or slow as `client` does, wherever there is a
    response URL."""
    if not respond.response_url:
        return respond
    return Replier(respond.response_url, client.timeout)
