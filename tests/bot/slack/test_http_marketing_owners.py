"""A red figure of the digest's Marketing and sales section gets an owner through Slack
like an APM row: its thread item, the Assign owner form, the owner's DM, `/actions`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select

from commands.actions.marketing import MQLS
from commands.context import Env
from commands.councils import command as council
from commands.demo import load_demo
from commands.digest import build_digest
from commands.targets import import_targets
from schedules.digests import deliver
from store.models import Action, Council, DigestCell
from tests.bot.slack.test_http_actions import ADMIN, JO, MAYA, actions_count
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import CHANNEL, FORM, post, slash_command, view_submission


def press(app: RunningApp, slack: FakeSlack, item, thread_ts: str) -> None:
    button = next(b for b in item.blocks() if b["type"] == "actions")["elements"][0]
    payload = {
        "type": "block_actions",
        "user": {"id": MAYA.id, "username": MAYA.name, "name": MAYA.name, "team_id": MAYA.team},
        "api_app_id": "A0COUNCIL1",
        "token": "unused",
        "container": {
            "type": "message",
            "message_ts": "1700000009.000100",
            "channel_id": CHANNEL,
            "is_ephemeral": False,
            "thread_ts": thread_ts,
        },
        "trigger_id": "1.2.9",
        "team": {"id": MAYA.team, "domain": "demo"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": CHANNEL, "name": "pipeline"},
        "message": {
            "type": "message",
            "ts": "1700000009.000100",
            "thread_ts": thread_ts,
            "text": item.params["text"],
            "blocks": item.blocks(),
        },
        "state": {"values": {}},
        "response_url": slack.response_url("press"),
        "actions": [
            {**button, "block_id": "cell-M1", "type": "button", "action_ts": "1700000100.9"}
        ],
    }
    post(app.events_url, urlencode({"payload": json.dumps(payload)}), content_type=FORM)


def test_a_red_mql_figure_gets_an_owner_like_a_red_row(
    env: Env, slack: FakeSlack, http_app: RunningApp, client_for, tmp_path: Path
):
    load_demo(env)
    targets = tmp_path / "targets.csv"
    targets.write_text("period,dimension,value,metric,amount\n2026-Q4,total,,mqls,200\n")
    assert import_targets(env, ADMIN, targets).bad == []
    council.run(env, ADMIN, f"create <#{CHANNEL}|pipeline> dimensions=product tz=UTC")
    with env.db.transaction() as session:
        found = session.scalar(select(Council))
        assert found is not None
        digest = build_digest(session, found, env.now())
    # By SPEC section 3's pacing colour: red below the elapsed share less 0.10. The demo
    # has 43 MQLs in the quarter so far; 43 / 200 = 0.215, far below 0.58 - 0.10 gone.
    assert digest.marketing is not None
    total = digest.marketing.total
    assert (total.mqls, total.target) == (43, 200)
    assert Decimal(43) / 200 < Decimal(str(digest.marketing.elapsed)) - Decimal("0.10")
    # Marketing's pipeline generation, $495,925 of $600,000 with 58% gone, is green.
    assert [(f.label, f.value, f.color) for f in digest.marketing_owners] == [("M1", MQLS, "red")]

    assert deliver(env, client_for, 1).status == "posted"
    posted = slack.calls_to("chat.postMessage")
    parent_ts = next(c for c in posted if c.params.get("thread_ts")).params["thread_ts"]
    item = next(c for c in posted if c.params["text"].startswith("🔴 M1 · Marketing and sales"))
    assert item.params["thread_ts"] == parent_ts
    assert f"{MQLS}: {total.mqls:,} of {total.target:,}" in item.params["text"]
    section = next(c for c in posted if "*Marketing and sales*" in json.dumps(c.blocks()))
    assert "an owner (M1" in json.dumps(section.blocks(), ensure_ascii=False)
    slack.calls.clear()

    press(http_app, slack, item, parent_ts)
    view = slack.wait_for("views.open")[0].view()
    assert "M1 · Marketing and sales · MQLs delivered" in json.dumps(view, ensure_ascii=False)
    answers = {"owner": JO.id, "kind": "Paid media budget", "description": "Two more webinars"}
    submission = view_submission(view, answers, user=MAYA, view_id="V0MKTG0001")
    assert post(http_app.events_url, submission, content_type=FORM).body == ""
    sent = slack.wait_for("chat.postMessage", 2)
    dm = next(c for c in sent if c.params["channel"] == JO.id)
    assert "You own M1" in dm.params["text"] and "Two more webinars" in dm.params["text"]
    post(http_app.events_url, submission, content_type=FORM)  # a resubmitted modal
    assert "Already done" in slack.wait_for("response_url")[0].params["text"]
    assert actions_count(env) == 1
    with env.db.transaction() as session:
        action = session.scalar(select(Action))
        assert action is not None
        assert (action.dimension, action.value, action.column) == ("marketing", MQLS, "mqls")
        assert (action.color_at, action.label) == ("red", "M1")
        # The run recorded the figure under its label, as the loop line and history read it.
        recorded = session.scalar(
            select(DigestCell).where(DigestCell.label == "M1", DigestCell.column == "mqls")
        )
        assert recorded is not None and recorded.color == "red"

    slack.calls.clear()
    post(
        http_app.events_url,
        slash_command("/actions", "", slack.response_url(), JO),
        content_type=FORM,
    )
    listed = slack.wait_for("response_url")[0]
    assert "Marketing and sales · MQLs delivered" in json.dumps(listed.params, ensure_ascii=False)
    assert "Two more webinars" in json.dumps(listed.params, ensure_ascii=False)

    # Next week's digest does not ask again for a figure that has an open action.
    with env.db.transaction() as session:
        found = session.scalar(select(Council))
        assert found is not None
        again = build_digest(session, found, env.now()).marketing_owners
        assert MQLS not in [f.value for f in again]
