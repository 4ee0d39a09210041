"""The drill-down's buttons carry JSON a client could forge: any value gets an answer,
never an exception, and never another workspace's or another owner's deals."""

from __future__ import annotations

import json

import pytest

from commands.context import Actor, Env, Pressed
from commands.deals import command as deal
from commands.deals import drill
from commands.deals.results import DEAL_DRILL, DealDrill
from commands.results import Problem


@pytest.mark.parametrize(
    "value",
    [
        "{not json",
        "[]",
        json.dumps({"where": "EMEA"}),
        json.dumps({"where": {"owner_id": "1"}, "period": "this"}),
        json.dumps({"where": {"region": "EMEA"}, "page": [1]}),
        json.dumps({"where": {"region": "EMEA"}, "period": "someday"}),
        json.dumps({"where": {"region": "EMEA"}, "stages": ["nope"]}),
        json.dumps({"where": {"region": "EMEA"}, "scope": "all"}),
        json.dumps({"where": {"region": "EMEA"}, "page": -5}),
        json.dumps({"where": {"region": "EMEA"}, "page": 10**9}),
    ],
)
def test_any_button_value_gets_an_answer(env: Env, maya: Actor, jo: Actor, value: str):
    deal.run(env, maya, "new Acme region=EMEA amount=5k close=eoq")
    deal.run(env, jo, "new Hooli region=EMEA amount=7k close=eoq")
    result = drill.press(env, jo, Pressed(DEAL_DRILL, value))
    assert isinstance(result, (Problem, DealDrill)) or type(result).__name__ == "Refused"
    if isinstance(result, DealDrill):
        assert [line.deal.name for line in result.lines] == ["Hooli"]  # only Jo's own
