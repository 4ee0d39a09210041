"""Scenarios through the real HTTP endpoint: signed payloads in, Slack Web API calls out."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from commands.context import Env
from store.models import Deal, DealVersion
from tests.support.fake_slack import HANG, FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import (
    FORM,
    JO,
    MAYA,
    app_mention,
    block_actions,
    post,
    slash_command,
    view_submission,
)


def deals(env: Env) -> int:
    with env.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Deal)) or 0


def versions(env: Env) -> int:
    with env.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(DealVersion)) or 0


def command(app: RunningApp, slack: FakeSlack, text: str, user=MAYA, name: str = "/deal"):
    """Send a slash command; return the reply posted to its response_url."""
    before = len(slack.calls_to("response_url"))
    url = slack.response_url(f"c{before}")
    reply = post(app.events_url, slash_command(name, text, url, user), content_type=FORM)
    assert reply.status == 200 and reply.body == ""
    return slack.wait_for("response_url", before + 1)[-1]


def test_deal_create_replies_ephemerally_through_the_response_url(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    reply = command(
        http_app,
        slack,
        'new Acme renewal stage=Decision amount=120k close=2026-12-15 next="send MSA"',
    )
    assert reply.params["response_type"] == "ephemeral"
    assert "Created *Acme renewal*" in reply.blocks()[0]["text"]["text"]
    assert reply.params["text"].startswith(":white_check_mark: Created Acme renewal")
    assert deals(env) == 1


def test_user_text_is_escaped_so_it_pings_no_one(http_app: RunningApp, slack: FakeSlack):
    reply = command(http_app, slack, "new <!channel> <script>alert(1)</script> & co")
    text = json.dumps(reply.blocks())
    assert "<!channel>" not in text and "<script>" not in text
    assert "&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text
    assert "<!channel>" not in reply.params["text"]


def test_forged_and_stale_signatures_get_401_and_change_nothing(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    body = slash_command("/deal", "new Forged", slack.response_url())
    forged = post(http_app.events_url, body, content_type=FORM, secret="not-the-secret")
    stale = post(http_app.events_url, body, content_type=FORM, timestamp=int(time.time()) - 360)
    altered = post(
        http_app.events_url,
        body.replace("Forged", "Altered"),
        content_type=FORM,
        signed_body=body,
    )
    assert (forged.status, stale.status, altered.status) == (401, 401, 401)
    # bolt refuses before dispatching, so no listener can have started.
    assert deals(env) == 0 and slack.calls_to("response_url") == []


def test_ambiguous_name_gets_buttons_and_pressing_one_updates_that_deal(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    command(http_app, slack, "new Acme renewal")
    command(http_app, slack, "new Acme expansion")
    choice = command(http_app, slack, "Acme amount=50k")
    buttons = [b["accessory"] for b in choice.blocks() if "accessory" in b]
    assert len(buttons) == 2 and versions(env) == 2
    url = slack.response_url("press")
    reply = post(http_app.events_url, block_actions(buttons[0], url), content_type=FORM)
    assert reply.status == 200
    outcome = slack.wait_for("response_url", 4)[-1]
    assert outcome.path == "/response/press"
    assert outcome.params["replace_original"] is True
    assert "amount – → $50,000" in outcome.blocks()[0]["text"]["text"]
    assert versions(env) == 3


def test_create_button_double_clicked_creates_one_deal(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    offer = command(http_app, slack, "Initech pilot stage=Qualification")
    button = next(b for b in offer.blocks() if b["type"] == "actions")["elements"][0]
    for _ in range(2):
        post(http_app.events_url, block_actions(button, slack.response_url("p")), content_type=FORM)
    replies = slack.wait_for("response_url", 3)
    texts = sorted(r.params["text"] for r in replies[1:])
    assert texts[0].startswith(":white_check_mark: Created Initech pilot")
    assert texts[1].startswith("Already done")
    assert deals(env) == 1


def test_refusal_says_who_can(http_app: RunningApp, slack: FakeSlack, env: Env):
    command(http_app, slack, "new Maya's deal")
    reply = command(http_app, slack, "Maya's deal amount=1", user=JO)
    text = json.dumps(reply.blocks())
    assert "you cannot change it" in text and "Who can: its owner maya or an admin" in text
    assert versions(env) == 1


def test_edit_opens_the_form_and_submitting_it_saves_and_confirms(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    command(http_app, slack, "new Acme renewal amount=10k region=EMEA")
    response_url = slack.response_url("edit")
    body = slash_command("/deal", "edit Acme", response_url)
    assert post(http_app.events_url, body, content_type=FORM).status == 200
    opened = slack.wait_for("views.open")[0]
    view = opened.view()
    assert view["callback_id"] == "deal_form" and opened.params["trigger_id"]
    by_id = {b["block_id"]: b for b in view["blocks"]}
    assert by_id["amount"]["element"]["initial_value"] == "10000.00"
    assert by_id["stage"]["element"]["initial_option"]["value"] == "Prospecting"

    invalid = post(
        http_app.events_url,
        view_submission(view, {"amount": "lots"}, view_id="V0EDIT0001"),
        content_type=FORM,
    )
    assert invalid.status == 200
    assert invalid.json() == {
        "response_action": "errors",
        "errors": {"amount": "`lots` is not an amount; for example `amount=120k`, `amount=$1.2M`"},
    }
    assert versions(env) == 1

    answers = {"amount": "12k", "stage": "Decision", "close": "2026-12-15"}
    saved = post(
        http_app.events_url, view_submission(view, answers, view_id="V0EDIT0001"), content_type=FORM
    )
    assert saved.status == 200 and saved.body == ""
    confirmation = slack.wait_for("response_url", 2)[-1]
    assert confirmation.path == "/response/edit"
    text = confirmation.blocks()[0]["text"]["text"]
    assert "stage Prospecting → Decision" in text and "amount $10,000 → $12,000" in text
    assert "close – → 2026-12-15" in text
    assert versions(env) == 2

    resubmitted = post(
        http_app.events_url, view_submission(view, answers, view_id="V0EDIT0001"), content_type=FORM
    )
    assert resubmitted.status == 200 and versions(env) == 2


def test_new_deal_form_from_a_bare_command(http_app: RunningApp, slack: FakeSlack, env: Env):
    post(
        http_app.events_url, slash_command("/deal", "", slack.response_url("n")), content_type=FORM
    )
    view = slack.wait_for("views.open")[0].view()
    assert view["title"]["text"] == "New deal"
    answers = {"name": "Hooli pilot", "amount": "$45k", "owner": JO.id}
    post(http_app.events_url, view_submission(view, answers), content_type=FORM)
    confirmation = slack.wait_for("response_url")[-1]
    assert "Created *Hooli pilot*" in confirmation.blocks()[0]["text"]["text"]
    assert "*Owner:* jo" in json.dumps(confirmation.blocks())
    assert deals(env) == 1


def test_an_owner_slack_cannot_name_keeps_their_id(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    post(
        http_app.events_url, slash_command("/deal", "", slack.response_url("n")), content_type=FORM
    )
    view = slack.wait_for("views.open")[0].view()
    post(
        http_app.events_url,
        view_submission(view, {"name": "X", "owner": "U0GHOST01"}),
        content_type=FORM,
    )
    confirmation = slack.wait_for("response_url")[-1]
    assert "*Owner:* U0GHOST01" in json.dumps(confirmation.blocks())
    assert "U0GHOST01" in [c.params["user"] for c in slack.calls_to("users.info")]


def test_a_mention_runs_deal_and_a_retried_event_has_one_effect(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    body = app_mention("deal new Umbrella renewal amount=80k", event_id="Ev0MENTION1")
    first = post(http_app.events_url, body, content_type="application/json")
    retry = post(
        http_app.events_url,
        body,
        content_type="application/json",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert first.status == retry.status == 200
    posted = slack.wait_for("chat.postEphemeral")
    time.sleep(0.5)  # a bounded wait for a reply that must not come
    assert len(slack.calls_to("chat.postEphemeral")) == 1
    assert posted[0].params["user"] == MAYA.id
    assert "Created *Umbrella renewal*" in json.dumps(posted[0].blocks())
    assert deals(env) == 1


def test_a_mention_without_a_command_gets_a_hint(http_app: RunningApp, slack: FakeSlack):
    post(
        http_app.events_url,
        app_mention("hello", event_id="Ev0HELLO01"),
        content_type="application/json",
    )
    hint = slack.wait_for("chat.postEphemeral")[0]
    assert "Mention me with a /deal command" in hint.params["text"]


def test_healthz_answers_without_a_signature(http_app: RunningApp):
    import urllib.request

    with urllib.request.urlopen(f"{http_app.url}/healthz", timeout=5) as response:
        assert (response.status, response.read()) == (200, b"ok\n")


def test_council_role_through_slack_with_an_escaped_mention(http_app: RunningApp, slack: FakeSlack):
    command(http_app, slack, "people", name="/council")
    command(http_app, slack, "list", user=JO)
    reply = command(http_app, slack, f"role <@{JO.id}|jo> manager", name="/council")
    assert reply.params["text"] == "jo is now a manager (was rep)."
    refused = command(http_app, slack, f"role <@{MAYA.id}|maya> rep", user=JO, name="/council")
    assert "Only admins" in refused.params["text"]


def test_url_verification_challenge_is_answered(http_app: RunningApp):
    body = json.dumps(
        {
            "token": "unused",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    reply = post(http_app.events_url, body, content_type="application/json")
    assert reply.status == 200
    assert reply.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_the_edit_button_opens_the_form(http_app: RunningApp, slack: FakeSlack):
    created = command(http_app, slack, "new Acme renewal")
    edit = next(b for b in created.blocks() if b["type"] == "actions")["elements"][0]
    assert edit["text"]["text"] == "Edit"
    post(http_app.events_url, block_actions(edit, slack.response_url("e")), content_type=FORM)
    view = slack.wait_for("views.open")[0].view()
    assert view["title"]["text"] == "Edit deal"
    assert json.loads(view["private_metadata"])["response_url"] == slack.response_url("e")


def test_a_form_without_a_response_url_confirms_by_dm(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    command(http_app, slack, "new Acme renewal")
    post(
        http_app.events_url,
        slash_command("/deal", "edit Acme", slack.response_url()),
        content_type=FORM,
    )
    view = slack.wait_for("views.open")[0].view()
    view["private_metadata"] = json.dumps({"deal": 1})
    post(http_app.events_url, view_submission(view, {"amount": "9k"}), content_type=FORM)
    dm = slack.wait_for("chat.postMessage")[0]
    assert dm.params["channel"] == MAYA.id and "amount – → $9,000" in dm.params["text"]


def test_a_reply_slack_answers_busy_is_sent_again_once(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    slack.fail_next("response_url", 503, {"ok": False}, headers={"Retry-After": "0"})
    slack.fail_next("response_url", 429, {"ok": False}, headers={"Retry-After": "0"})
    reply = command(http_app, slack, "new Busy deal amount=10k")
    assert "Created *Busy deal*" in reply.blocks()[0]["text"]["text"]
    assert len(slack.calls_to("response_url!failed")) == 2
    assert len(slack.calls_to("response_url")) == 1 and deals(env) == 1


def test_a_reply_slack_leaves_unanswered_is_sent_again_once(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    slack.fail_next("response_url", HANG)
    reply = command(http_app, slack, "new Slow deal amount=10k")
    assert "Created *Slow deal*" in reply.blocks()[0]["text"]["text"]
    assert len(slack.calls_to("response_url!failed")) == 1
    assert len(slack.calls_to("response_url")) == 1 and deals(env) == 1


def test_the_picker_shows_whole_lines_own_open_deals_first_and_unique_ids(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    long = "Stark Industries global platform renewal with professional services bundle"
    command(http_app, slack, f'new "{long} A" amount=900k close=2027-01-15 stage=won')
    command(http_app, slack, f'new "{long} B" amount=100k close=2027-01-20')
    command(http_app, slack, f'new "{long} C" amount=5k close=2027-02-20', JO)
    choice = command(http_app, slack, "show Stark", JO)
    picks = [b for b in choice.blocks() if "accessory" in b]
    lines = [b["text"]["text"] for b in picks]
    # Jo's own open deal, then others' open deals, then the won one; each line whole.
    assert lines == [
        f"{long} C · jo · Prospecting · $5k · closes 2027-02-20",
        f"{long} B · maya · Prospecting · $100k · closes 2027-01-20",
        f"{long} A · maya · Closed Won · $900k · closes 2027-01-15",
    ]
    for block in choice.blocks():
        ids = [e["action_id"] for e in block.get("elements", []) if "action_id" in e]
        ids += [block["accessory"]["action_id"]] if "accessory" in block else []
        assert len(ids) == len(set(ids))
    assert len({b["block_id"] for b in picks}) == 3
