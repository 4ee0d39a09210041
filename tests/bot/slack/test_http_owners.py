"""Fewer, sharper red cells, through the digest job and the signed HTTP endpoint: one
thread item per row with red cells, ranked by the money gap to pace, at most owners_max of
them; a row whose action is open or just done is not asked again; the owner's DM shows
the cell's colour and value when assigned."""

from __future__ import annotations

import json

from commands.actions.assign import assign
from commands.actions.results import ActionAssigned, Cell
from commands.context import Actor, Env, Place
from commands.councils import command as council
from commands.deals import command as deal
from commands.demo import load_demo
from schedules.digests import deliver
from tests.bot.slack.test_http_actions import JO, MAYA, press_assign
from tests.support.clock import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import CHANNEL, FORM, post, slash_command, view_submission

ADMIN = Actor("local", MAYA.id, "Maya Chen", "console")


def items(slack: FakeSlack) -> list:
    """The thread's items for the APM's rows (the demo's red marketing figures have items
    of their own, M1.., which owners_max does not count: test_http_marketing_owners)."""
    return [
        c
        for c in slack.calls_to("chat.postMessage")
        if c.params.get("thread_ts") and " · Marketing and sales · " not in c.params["text"]
    ]


def asked(slack: FakeSlack) -> list[str]:
    """The rows the thread asks an owner for: the items with a button."""
    return [
        c.params["text"].split(" · ")[1]
        for c in items(slack)
        if any(b["type"] == "actions" for b in c.blocks())
    ]


def three_regions(env: Env) -> None:
    """Three regions with open deals and closed targets, nothing closed: every closed,
    forecast and coverage cell red; no open-pipe or pipe-gen colour (no prior, no target)."""
    load_demo(env, deal_count=0)
    for region, amount in (("EMEA", "10k"), ("AMER", "20k"), ("APAC", "5k")):
        deal.run(env, ADMIN, f"new {region} deal region={region} amount={amount} close=eoq")
    for region, target in (("EMEA", "100k"), ("AMER", "300k"), ("APAC", "50k")):
        council.run(env, ADMIN, f"target this region {region} closed {target}")
    council.run(env, ADMIN, f"create <#{CHANNEL}|pipeline> dimensions=region tz=UTC owners_max=2")


def test_one_item_per_row_ranked_by_gap_and_at_most_owners_max(
    env: Env, slack: FakeSlack, client_for
):
    three_regions(env)
    assert deliver(env, client_for, 1).status == "posted"
    texts = [c.params["text"] for c in items(slack)]
    # Coverage's gap is the largest in each row: 3x what remains of the target, less the
    # open pipe. AMER 3 x 300k - 20k = 880k; EMEA 3 x 100k - 10k = 290k; APAC 145k.
    assert texts[0].startswith("🔴 R1 · region AMER · $880k short of pace")
    assert texts[1].startswith("🔴 R2 · region EMEA · $290k short of pace")
    # Each lists its red columns, largest gap first: coverage, then forecast (the whole
    # target, 300k), then closed (the target's share for the 58% of the quarter gone).
    assert texts[0].split("\n")[1].startswith("Coverage 🔴 0.07x")
    assert " · Forecast 🔴 $0 · Closed 🔴 $0" in texts[0]
    assert len(texts) == 3  # two asked, then the one left out
    assert texts[2].startswith("…and 1 more rows with red cells")
    assert "region APAC (Coverage, Forecast, Closed)" in texts[2] and "/apm region" in texts[2]
    buttons = [c for c in items(slack) if any(b["type"] == "actions" for b in c.blocks())]
    assert len(buttons) == 2


def test_a_row_with_an_action_is_not_asked_again_until_red_after_it_was_done(
    env: Env, slack: FakeSlack, http_app: RunningApp, client_for, clock: FakeClock
):
    three_regions(env)
    council.run(env, ADMIN, "edit pipeline owners_max=10")
    assert deliver(env, client_for, 1).status == "posted"
    first = items(slack)
    parent = first[0].params["thread_ts"]
    slack.calls.clear()
    press_assign(http_app, slack, first[0], MAYA, parent)  # R1, AMER, to Jo
    view = slack.wait_for("views.open")[0].view()
    answers = {"owner": JO.id, "kind": "SPIFF", "description": "push"}
    post(http_app.events_url, view_submission(view, answers, user=MAYA), content_type=FORM)
    dm = next(c for c in slack.wait_for("chat.postMessage", 2) if c.params["channel"] == JO.id)
    # The cell as the digest showed it: the item's first cell, AMER's coverage.
    assert "When assigned it was 🔴 0.07x." in dm.params["text"]
    emea = json.loads(
        next(b for b in first[1].blocks() if b["type"] == "actions")["elements"][0]["value"]
    )
    assert emea["value"] == "EMEA"
    given = assign(
        env,
        ADMIN,
        Cell.from_json(json.dumps(emea)),
        Place(CHANNEL, parent, None),
        owner="Maya Chen",
        kind="SPIFF",
        description="EMEA push",
        due="",
        key="emea",
    )
    assert isinstance(given, ActionAssigned), given
    clock.advance(days=1)  # Jo's action is done on Tuesday; Maya's stays open
    post(
        http_app.events_url,
        slash_command("/actions", "done 1", slack.response_url("done"), user=JO),
        content_type=FORM,
    )
    assert "done" in slack.wait_for("response_url")[-1].params["text"]
    slack.calls.clear()

    clock.advance(days=6)  # next Monday: AMER's action done, EMEA's open: only APAC asked
    assert deliver(env, client_for, 1).status == "posted"
    assert asked(slack) == ["region APAC"]
    slack.calls.clear()

    clock.advance(days=7)  # AMER was red in a digest after its action was done: asked again
    assert deliver(env, client_for, 1).status == "posted"
    assert asked(slack) == ["region AMER", "region APAC"]


def test_a_forced_digests_cell_keeps_its_value_for_the_owner_and_history(
    env: Env, slack: FakeSlack, http_app: RunningApp, client_for
):
    three_regions(env)
    # A forced digest keeps no record of its cells; the button carries what it showed.
    assert deliver(env, client_for, 1, "forced:now").status == "posted"
    item = items(slack)[0]
    slack.calls.clear()
    press_assign(http_app, slack, item, MAYA, item.params["thread_ts"])
    view = slack.wait_for("views.open")[0].view()
    answers = {"owner": JO.id, "kind": "SPIFF", "description": "push"}
    post(http_app.events_url, view_submission(view, answers, user=MAYA), content_type=FORM)
    dm = next(c for c in slack.wait_for("chat.postMessage", 2) if c.params["channel"] == JO.id)
    assert "When assigned it was 🔴 0.07x." in dm.params["text"]
    history = slash_command("/actions", "history 1", slack.response_url("h"), user=MAYA)
    post(http_app.events_url, history, content_type=FORM)
    shown = slack.wait_for("response_url")[-1].blocks()[0]["text"]["text"]
    assert "🔴 when assigned (0.07x)" in shown
