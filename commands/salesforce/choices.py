"""The rep's answer to a conflict: keep Salesforce's values, or write theirs over them."""

from __future__ import annotations

from commands.context import Actor, Env, Pressed
from commands.permissions import can_change_deal
from commands.results import CommandError, Duplicate, Notice, Problem, Refused, Stop
from commands.salesforce import outbox
from commands.salesforce.results import SF_KEEP_THEIRS
from commands.unit import Unit, run_unit
from store import deals as store_deals
from store import salesforce as store_sf


def press(env: Env, actor: Actor, pressed: Pressed) -> Notice | Stop | Duplicate:
    """Keep Salesforce's values, or write mine: the buttons of a conflict's DM."""

    def work(unit: Unit) -> Notice:
        if not pressed.value.isdigit():
            raise CommandError(Problem("That button no longer works."))
        row = store_sf.outbox_row(unit.session, actor.workspace_id, int(pressed.value))
        if row is None or row.status != "conflict":
            return Notice("Already settled: nothing is waiting on that choice.")
        deal = store_deals.get_deal(unit.session, actor.workspace_id, row.deal_id)
        if deal is None or (
            row.by_id != unit.me.id and not can_change_deal(unit.session, unit.me, deal)
        ):
            raise CommandError(
                Refused(
                    "Only whoever made the change, or someone who may change the deal, can choose.",
                    "the deal's owner, their manager or an admin",
                )
            )
        if pressed.action_id == SF_KEEP_THEIRS:
            outbox.keep_theirs(unit.session, row, unit.now)
            return Notice(f"Kept Salesforce's values for {deal.name}; the deal here has them.")
        outbox.write_mine(row, unit.now)
        return Notice(f"Writing your values for {deal.name} to Salesforce.")

    return run_unit(env, actor, work, key=pressed.key)
