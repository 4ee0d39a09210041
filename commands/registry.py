"""Every slash command, button and form, and the use case that answers it.

Every connector (Slack, the console) dispatches through these tables, and the manifest
Slack reads is made from them (`council manifest`). Adding a command is its use case, its
renderer and one line here; a button or a form likewise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from commands import alerts, apm, checklist, cleanup, forecast
from commands.actions import assign
from commands.actions import command as actions
from commands.actions.results import ACTION_DONE, ACTION_FORM, CELL_ASSIGN
from commands.campaigns import command as campaign
from commands.checklist import CHECKLIST_ANSWER
from commands.cleanup import SNOOZE_FORM
from commands.context import Actor, Env, Pressed, Submitted
from commands.councils import command as council
from commands.deals import command as deal
from commands.deals import drill
from commands.deals.results import (
    DEAL_CREATE,
    DEAL_DRILL,
    DEAL_DRILL_BACK,
    DEAL_FORM,
    DEAL_PICK,
    DEAL_SNOOZE,
)
from commands.salesforce import choices as salesforce_choices
from commands.salesforce.results import SF_KEEP_THEIRS, SF_WRITE_MINE
from commands.sla import command as sla
from commands.sla import handoff
from commands.sla.handoff import LEAD_ACCEPT, LEAD_REJECT, LEAD_REJECT_FORM


class Run(Protocol):
    """A slash command's use case: `key` identifies the request (Slack's trigger id), so a
    replayed request has no second effect and answers `Duplicate`; None (the console, a
    read) runs it every time."""

    def __call__(self, env: Env, actor: Actor, text: str, key: str | None = None) -> object: ...


def _keyless(run: Callable[[Env, Actor, str], object]) -> Run:
    """A command that only reads: the same answer every time, so no key."""

    def keyed(env: Env, actor: Actor, text: str, key: str | None = None) -> object:
        return run(env, actor, text)

    keyed.__doc__ = run.__doc__
    return keyed


@dataclass(frozen=True)
class Command:
    """A slash command: its use case, and what Slack shows of it in the command menu."""

    run: Run
    description: str
    usage_hint: str


@dataclass(frozen=True)
class Button:
    """A button's use case, and how its answer is shown: `replace` puts it in place of the
    ephemeral reply that was pressed (an answered choice), `below` adds it under the
    message, `problems` says only what went wrong (a checkbox saves silently)."""

    press: Callable[[Env, Actor, Pressed], object]
    answer: Literal["replace", "below", "problems"] = "below"


@dataclass(frozen=True)
class Form:
    """A form's use case, and the field under which a refusal or an outage is shown."""

    submit: Callable[[Env, Actor, Submitted], object]
    error_field: str


SLASH_COMMANDS: dict[str, Command] = {
    "/deal": Command(
        deal.run,
        "Create, update, show, list and find deals",
        'Acme renewal stage=Decision amount=120k close=12/15 next="send MSA"',
    ),
    "/apm": Command(
        _keyless(apm.run_apm),
        "The accountability performance matrix, coloured by pacing",
        "[product|region|segment|source] [2026-Q4|this|next|last]",
    ),
    "/coverage": Command(
        _keyless(apm.run_coverage), "Pipe coverage with its parts", "[region EMEA] [period]"
    ),
    "/actions": Command(
        actions.run,
        "Your actions on the council's cells; mark them done",
        "[council NAME] | done ID | snooze ID DATE REASON | history ID",
    ),
    "/forecast": Command(
        forecast.run,
        "Your forecast call beside the calculated one; forecast questions",
        "[period] [region EMEA] [250k|clear] | questions [team] | accuracy [@person|team]",
    ),
    "/council": Command(
        council.run,
        "Councils, targets, people, roles, settings and forecast questions",
        "create #pipeline | target 2026-Q4 region EMEA closed 1.2M | questions",
    ),
    "/alerts": Command(
        alerts.run,
        "Deal alerts: won, lost, pushed, slipped, big changes; at once or batched",
        "add won lost pushed changed>20% region=EMEA daily | remove N",
    ),
    "/sla": Command(
        sla.run,
        "The lead hand-off SLA: its figures, and its settings for admins",
        "[period] [by source|segment] | settings | set hours=24 | mql LEAD",
    ),
    "/campaign": Command(
        campaign.run,
        "Campaigns: members, responses, pipeline sourced, cost per opportunity and ROI",
        'list [period] | show "Summit 2026" | member NAME LEAD_ID STATUS | create NAME',
    ),
}

BUTTONS: dict[str, Button] = {
    DEAL_PICK: Button(deal.press, "replace"),
    DEAL_CREATE: Button(deal.press, "replace"),
    DEAL_SNOOZE: Button(deal.press, "replace"),
    CELL_ASSIGN: Button(assign.press_assign),
    ACTION_DONE: Button(actions.press_done),
    CHECKLIST_ANSWER: Button(checklist.press_tick, "problems"),
    LEAD_ACCEPT: Button(handoff.press_accept),
    LEAD_REJECT: Button(handoff.press_reject),
    DEAL_DRILL: Button(drill.press, "replace"),
    DEAL_DRILL_BACK: Button(drill.press, "replace"),
    SF_KEEP_THEIRS: Button(salesforce_choices.press, "replace"),
    SF_WRITE_MINE: Button(salesforce_choices.press, "replace"),
}

FORMS: dict[str, Form] = {
    DEAL_FORM: Form(deal.submit_form, "name"),
    SNOOZE_FORM: Form(cleanup.submit_snooze, "reason"),
    ACTION_FORM: Form(assign.submit_form, "owner"),
    LEAD_REJECT_FORM: Form(handoff.submit_reject, "reason"),
}
