"""From a red cell to its deals, through the real HTTP endpoint: `/apm region EMEA`,
`/deal list region=...`, its pages, and the digest's Deals buttons."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest

from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.demo import load_demo
from schedules.digests import deliver
from store.models import Deal, DealVersion
from tests.support.clock import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import (
    CHANNEL,
    FORM,
    JO,
    MAYA,
    User,
    block_actions,
    post,
    slash_command,
)

SAM = User("U0SAM0001", "sam")


def ask(app: RunningApp, slack: FakeSlack, command: str, text: str, user: User = MAYA) -> Any:
    seen = len(slack.calls_to("response_url"))
    body = slash_command(command, text, slack.response_url(), user)
    post(app.events_url, body, content_type=FORM)
    return slack.wait_for("response_url", seen + 1)[-1]


def press(
    app: RunningApp,
    slack: FakeSlack,
    button: dict[str, Any],
    user: User = MAYA,
    *,
    ephemeral: bool = True,
) -> Any:
    """Press `button` on an ephemeral reply, or (not `ephemeral`) on a channel message."""
    seen = len(slack.calls_to("response_url"))
    body = block_actions(button, slack.response_url("press"), user)
    payload = json.loads(parse_qs(body)["payload"][0])
    payload["container"]["is_ephemeral"] = ephemeral
    post(app.events_url, urlencode({"payload": json.dumps(payload)}), content_type=FORM)
    return slack.wait_for("response_url", seen + 1)[-1]


def text_of(reply: Any) -> str:
    return "\n".join(
        b["text"]["text"] for b in reply.blocks() if b["type"] == "section" and "text" in b
    )


def lines_of(reply: Any) -> list[str]:
    return [line for line in text_of(reply).split("\n") if line.startswith("• ")]


@pytest.fixture
def week(env: Env, clock: FakeClock, maya: Actor, jo: Actor, sam: Actor) -> None:
    """EMEA deals made on Monday 23 November and changed eight days later, so each made one
    of the moves the digest counts: Initech won, Acme grown, Globex pushed out, Hooli new
    (made after a week ago), Stark unchanged; Umbrella is in AMER."""
    deal.run(env, maya, "new Initech region=EMEA amount=200k close=2026-12-01 stage=Decision")
    deal.run(env, maya, "new Stark region=EMEA amount=10k close=2026-12-10 stage=Prospecting")
    deal.run(env, jo, "new Acme region=EMEA amount=100k close=2026-12-15 stage=Decision")
    deal.run(env, jo, "new Globex region=EMEA amount=50k close=2026-12-20 stage=Consideration")
    deal.run(env, jo, "new Umbrella region=AMER amount=80k close=2026-12-20")
    deal.run(env, sam, "new Wonka region=EMEA amount=70k close=2026-12-18")
    council.run(env, maya, f"role <@{SAM.id}> manager")
    council.run(env, maya, f"manager <@{JO.id}> <@{SAM.id}>")
    clock.advance(days=8)
    deal.run(env, maya, "Initech stage=won")
    deal.run(env, jo, "Acme amount=150k")
    deal.run(env, jo, "Globex close=2027-02-01")
    deal.run(env, jo, "new Hooli region=EMEA amount=30k close=2026-12-22")


def test_apm_region_value_lists_its_deals_with_this_weeks_move(
    http_app: RunningApp, slack: FakeSlack, week: None
):
    reply = ask(http_app, slack, "/apm", "region EMEA")
    text = text_of(reply)
    assert text.startswith("*Deals · region EMEA · 2026-Q4* (everyone's; 6 deals)")
    # Biggest first; each with owner, stage, amount, close date and move.
    assert lines_of(reply) == [
        "• #1 *Initech* · maya · Closed Won · $200k · closes 2026-12-01 · _won_",
        "• #3 *Acme* · jo · Decision · $150k · closes 2026-12-15 · _grown_",
        "• #6 *Wonka* · sam · Prospecting · $70k · closes 2026-12-18",
        "• #4 *Globex* · jo · Consideration · $50k · closes 2027-02-01 · _pushed out_",
        "• #7 *Hooli* · jo · Prospecting · $30k · closes 2026-12-22 · _new_",
        "• #2 *Stark* · maya · Prospecting · $10k · closes 2026-12-10",
    ]
    assert "Moves since 2026-11-24" in json.dumps(reply.blocks())


def test_a_rep_sees_their_own_and_a_manager_their_teams(
    http_app: RunningApp, slack: FakeSlack, week: None
):
    mine = ask(http_app, slack, "/deal", "list region=emea closing=this", JO)
    assert [line.split(" · ")[0] for line in lines_of(mine)] == [
        "• #3 *Acme*",
        "• #4 *Globex*",
        "• #7 *Hooli*",
    ]
    assert "(yours; 3 deals)" in text_of(mine)
    team = ask(http_app, slack, "/deal", "list region=EMEA", SAM)
    assert [line.split(" · ")[0] for line in lines_of(team)] == [
        "• #3 *Acme*",
        "• #6 *Wonka*",
        "• #4 *Globex*",
        "• #7 *Hooli*",
    ]
    refused = ask(http_app, slack, "/deal", "list region=EMEA all", JO)
    assert "Only admins can list every deal" in refused.params["text"]


def test_stage_and_period_narrow_the_list(http_app: RunningApp, slack: FakeSlack, week: None):
    decision = ask(http_app, slack, "/deal", "list region=EMEA stage=deci closing=this")
    assert [line.split(" · ")[0] for line in lines_of(decision)] == ["• #3 *Acme*"]
    # Globex now closes in 2027-Q1: that quarter lists it, with the move it made into it.
    next_quarter = ask(http_app, slack, "/apm", "region EMEA 2027Q1")
    assert lines_of(next_quarter) == [
        "• #4 *Globex* · jo · Consideration · $50k · closes 2027-02-01 · _pulled in_"
    ]
    unknown = ask(http_app, slack, "/apm", "region Mars")
    assert (
        "`Mars` is neither a known region nor a period. Known: AMER, EMEA;"
        in unknown.params["text"]
    )


def test_pages_turn_with_next_and_previous(
    http_app: RunningApp, slack: FakeSlack, env: Env, maya: Actor
):
    for n in range(23):
        deal.run(env, maya, f"new Deal{n:02} region=APAC amount={n + 1}k close=2026-12-{n + 1}")
    first = ask(http_app, slack, "/apm", "region APAC")
    assert "(everyone's; 23 deals, page 1 of 3)" in text_of(first)
    assert lines_of(first)[0].startswith("• #23 *Deal22* · maya")
    buttons = next(b for b in first.blocks() if b["type"] == "actions")["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Next ▶"]
    second = press(http_app, slack, buttons[0])
    assert second.params.get("replace_original") is True
    assert "page 2 of 3" in text_of(second)
    assert lines_of(second)[0].startswith("• #13 *Deal12*")
    buttons = next(b for b in second.blocks() if b["type"] == "actions")["elements"]
    assert [b["text"]["text"] for b in buttons] == ["◀ Previous", "Next ▶"]
    assert len({b["action_id"] for b in buttons}) == 2  # unique within the block
    third = press(http_app, slack, buttons[1])
    assert [line.split(" · ")[0] for line in lines_of(third)] == [
        "• #3 *Deal02*",
        "• #2 *Deal01*",
        "• #1 *Deal00*",
    ]
    back = next(b for b in third.blocks() if b["type"] == "actions")["elements"][0]
    assert "page 2 of 3" in text_of(press(http_app, slack, back))


def _expected_deals(env: Env, product: str, now_at: Any, start: date, end: date) -> set[str]:
    """By hand: deals of `product` (as they stand now) that close in the quarter now or
    did a week ago, from every version in plain Python."""
    then_at = now_at - timedelta(days=7)
    with env.db.transaction() as session:
        versions = list(session.query(DealVersion))
        names = {d.id: d.name for d in session.query(Deal)}

    def state(deal_id: int, at: Any) -> DealVersion | None:
        for v in versions:
            ended = v.valid_to is None or v.valid_to > at
            if v.deal_id == deal_id and v.valid_from <= at and ended:
                return v
        return None

    found = set()
    for deal_id, name in names.items():
        now, then = state(deal_id, now_at), state(deal_id, then_at)
        closes = [v for v in (now, then) if v and v.close_date and start <= v.close_date < end]
        if now is not None and closes and now.product == product:
            found.add(name)
    return found


def test_the_digests_deals_buttons_list_a_cells_deals(
    env: Env, slack: FakeSlack, http_app: RunningApp, client_for, clock: FakeClock
):
    load_demo(env)
    admin = Actor("local", "U0DEMO001", "Maya Chen", "console")
    council.run(env, admin, f"create <#{CHANNEL}|pipeline> dimensions=product tz=UTC")
    assert deliver(env, client_for, 1).status == "posted"
    cells = [c for c in slack.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    cell_buttons = next(b for b in cells[0].blocks() if b["type"] == "actions")["elements"]
    assert [b["text"]["text"] for b in cell_buttons] == ["Assign owner", "Deals"]
    product = json.loads(cell_buttons[1]["value"])["where"]["product"]
    demo_admin = User("U0DEMO001", "maya", "local")
    reply = press(http_app, slack, cell_buttons[1], demo_admin, ephemeral=False)
    assert reply.params.get("replace_original") is not True  # a channel message stays
    expected = _expected_deals(env, product, clock(), date(2026, 10, 1), date(2027, 1, 1))
    assert f"(everyone's; {len(expected)} deals" in text_of(reply)
    shown = {line.split(" · ")[0].split("*")[1] for line in lines_of(reply)}
    assert shown <= expected and len(shown) == min(10, len(expected))
    # Each "what changed" line has a Deals button for its value.
    parent = slack.calls_to("chat.postMessage")[0].blocks()
    changed = [b for b in parent if b.get("accessory", {}).get("text", {}).get("text") == "Deals"]
    assert changed
    first_changed = changed[0]["accessory"]
    value = json.loads(first_changed["value"])["where"]["product"]
    assert f"*{value}*" in changed[0]["text"]["text"]
    listed = press(http_app, slack, first_changed, demo_admin, ephemeral=False)
    assert f"product {value}" in text_of(listed)
