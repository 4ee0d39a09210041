"""The /campaign family: campaigns' figures, one campaign's members and hierarchy, and
what admins and marketing change in Slack (campaigns, their statuses, a member's status)."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from commands.campaigns.figures import CampaignFigures
from commands.campaigns.reading import (
    CampaignShown,
    When,
    figures_for,
    find_campaign,
    read_when,
    show_campaign,
)
from commands.context import Actor, Env
from commands.parsing import ParseError, parse_amount, parse_date
from commands.results import CommandError, Duplicate, Help, Problem, Refused, Stop, read_words
from commands.unit import Unit, run_unit
from commands.workspace import local_today
from store import campaigns as store_campaigns
from store import people
from store.campaigns import StatusSpec
from store.models import Campaign, Person

PERIOD_WORD = re.compile(r"^((fy)?\d{4}-q[1-4]|q[1-4]|this|next|last|previous|current)$", re.I)
EXAMPLE = '/campaign show "Summit 2026"'


def campaign_help() -> str:
    """*Campaigns*: members, responses, the pipeline they source and what they return.

    `/campaign` or `/campaign list [period]`: every campaign, children under their parents,
    with members, responded (and the response rate), opportunities, pipeline, won, cost per
    opportunity and ROI = (won − actual cost) / actual cost; with a period (`2026-Q4`,
    `this`, `last`) members added, deals created and deals closing in it, else all time.
    `/campaign show NAME [period]`: one campaign: members by status, its figures, the
    campaigns above it and each one below it, rolled up.
    `/campaign member NAME MEMBER STATUS`: give a member (their Lead or Contact Id) another
    of the campaign's statuses, e.g. `/campaign member "Summit 2026" 00Q5e00001 Attended`.
    Admins: `/campaign create NAME [type=Webinar] [parent="Summit 2026"] [status=Planned]
    [cost=4k] [budget=5k] [start=2026-10-01] [end=2026-12-31]` (a new campaign starts with
    Salesforce's statuses Sent, the default, and Responded);
    `/campaign statuses NAME add LABEL [responded] [default]`, `... default LABEL`,
    `... remove LABEL`: a campaign keeps one default status and at least one that counts as
    responded.
    """
    return inspect.cleandoc(campaign_help.__doc__ or "")


@dataclass(frozen=True)
class CampaignChanged:
    """What a change did, in a sentence."""

    text: str
    campaign: str


CampaignResult = CampaignFigures | CampaignShown | CampaignChanged | Help | Stop | Duplicate
VERBS = ("list", "show", "member", "create", "statuses")


def run(env: Env, actor: Actor, text: str, key: str | None = None) -> CampaignResult:
    """Carry out what someone typed after `/campaign`; `key` makes a replay harmless."""
    words = read_words(text, example=EXAMPLE)
    if isinstance(words, Problem):
        return words
    if words and words[0].lower() == "help":
        return Help("/campaign", campaign_help())
    verb, args = (words[0].lower(), words[1:]) if words else ("list", [])
    if verb not in VERBS:
        return Problem(f"`{verb}` is not a /campaign command.", example="/campaign help")
    reads = verb in ("list", "show")
    return run_unit(
        env, actor, lambda unit: _carry_out(unit, verb, args), key=None if reads else key
    )


def _carry_out(unit: Unit, verb: str, args: list[str]) -> CampaignResult:
    session, workspace_id = unit.session, unit.actor.workspace_id
    if verb == "list":
        if len(args) > 1:
            raise CommandError(Problem(f"`{' '.join(args)}` is more than a period.", EXAMPLE))
        return figures_for(session, _when(unit, args[0] if args else None))
    if verb == "show":
        campaign, period = _named_with_period(session, workspace_id, args)
        return show_campaign(session, _when(unit, period), campaign)
    if verb == "member":
        return _member(unit, args)
    _require_admin(session, unit.me)
    if verb == "create":
        return _create(unit, args)
    return _statuses(unit, args)


def _when(unit: Unit, period: str | None) -> When:
    return read_when(unit.session, unit.env, unit.actor, period, None)


def _named_with_period(
    session: Session, workspace_id: str, args: list[str]
) -> tuple[Campaign, str | None]:
    """The campaign the words name, and a period when the last word is one (unless the
    whole text is a campaign's name, like `Webinar Q4`)."""
    if not args:
        raise CommandError(Problem("Which campaign?", example=EXAMPLE))
    whole = " ".join(args)
    if store_campaigns.campaigns_named(session, workspace_id, whole):
        return find_campaign(session, workspace_id, whole), None
    if len(args) > 1 and PERIOD_WORD.match(args[-1]):
        return find_campaign(session, workspace_id, " ".join(args[:-1])), args[-1]
    return find_campaign(session, workspace_id, whole), None


def _require_admin(session: Session, me: Person) -> None:
    if me.role != "admin":
        admins = [
            p.display_name
            for p in people.list_people(session, me.workspace_id)
            if p.role == "admin"
        ]
        raise CommandError(
            Refused(
                "Only admins can create campaigns and change their statuses.", ", ".join(admins)
            )
        )


def _split(args: list[str]) -> tuple[list[str], dict[str, str]]:
    words = [a for a in args if "=" not in a]
    fields: dict[str, str] = {}
    for arg in args:
        if "=" in arg:
            key, _, value = arg.partition("=")
            fields[key.strip().lower()] = value.strip()
    return words, fields


CREATE_FIELDS = ("type", "parent", "status", "cost", "budget", "start", "end", "id")


def _create(unit: Unit, args: list[str]) -> CampaignChanged:
    session, now = unit.session, unit.now
    workspace = unit.member()[1]
    words, fields = _split(args)
    example = '/campaign create "Summit 2026" type=Event cost=4k'
    if not words:
        raise CommandError(Problem("What is the campaign called?", example=example))
    unknown = sorted(set(fields) - set(CREATE_FIELDS))
    if unknown:
        raise CommandError(
            Problem(
                f"`{unknown[0]}` is not a campaign field ({', '.join(CREATE_FIELDS)}).",
                example=example,
            )
        )
    name = " ".join(words)
    if len(name) > 255:
        raise CommandError(Problem("A campaign's name fits in 255 characters."))
    if store_campaigns.campaigns_named(session, workspace.id, name):
        raise CommandError(
            Problem(f"A campaign is already named `{name}`.", example=f"/campaign show {name}")
        )
    values: dict[str, Any] = {"name": name}
    try:
        today = local_today(workspace, now)
        for key, column in (("cost", "actual_cost"), ("budget", "budgeted_cost")):
            if key in fields:
                values[column] = parse_amount(fields[key])
        for key, column in (("start", "start_date"), ("end", "end_date")):
            if key in fields:
                values[column] = parse_date(fields[key], today, workspace.fiscal_year_start_month)
    except ParseError as error:
        raise CommandError(Problem(str(error), example=example)) from None
    if (
        values.get("start_date")
        and values.get("end_date")
        and values["end_date"] < values["start_date"]
    ):
        raise CommandError(Problem("The campaign ends before it starts.", example=example))
    for key, limit in (("type", 128), ("status", 64), ("id", 64)):
        if len(fields.get(key, "")) > limit:
            raise CommandError(Problem(f"A campaign's {key} fits in {limit} characters."))
    values["type"] = fields.get("type") or None
    values["status"] = fields.get("status") or "Planned"
    if fields.get("id"):
        if store_campaigns.campaigns_by_external_ids(session, workspace.id, [fields["id"]]):
            raise CommandError(Problem(f"A campaign already has the Id `{fields['id']}`."))
        values["external_id"] = fields["id"]
    parent = (
        find_campaign(session, workspace.id, fields["parent"]) if fields.get("parent") else None
    )
    values["parent_id"] = parent.id if parent else None
    campaign = store_campaigns.create_campaign(session, workspace.id, values, now)
    under = f" under {parent.name}" if parent else ""
    return CampaignChanged(
        f"Created campaign {campaign.name}{under}, with statuses Sent (the default) and Responded.",
        campaign.name,
    )


def _statuses(unit: Unit, args: list[str]) -> CampaignChanged:
    """`statuses NAME add|default|remove LABEL [responded] [default]`."""
    session = unit.session
    example = '/campaign statuses "Summit 2026" add Attended responded'
    verbs = [i for i, a in enumerate(args) if a.lower() in ("add", "default", "remove")]
    if not verbs or verbs[0] == 0 or verbs[0] + 1 >= len(args):
        raise CommandError(
            Problem("Say which campaign, then add, default or remove, then a status.", example)
        )
    at = verbs[0]
    campaign = find_campaign(session, unit.actor.workspace_id, " ".join(args[:at]))
    action, label, flags = args[at].lower(), args[at + 1], {a.lower() for a in args[at + 2 :]}
    unknown_flags = flags - {"responded", "default"}
    if unknown_flags or (flags and action != "add"):
        raise CommandError(
            Problem(
                f"`{' '.join(args[at + 2 :])}`: only `add` takes responded and default.", example
            )
        )
    if len(label) > 128:
        raise CommandError(Problem("A status fits in 128 characters."))
    current = store_campaigns.statuses_of(session, [campaign.id])[campaign.id]
    specs = [StatusSpec(s.label, s.has_responded, s.is_default, s.sort_order) for s in current]
    existing = next((s for s in specs if s.label.lower() == label.lower()), None)
    if action == "add":
        if existing is not None:
            raise CommandError(
                Problem(f"{campaign.name} already has the status `{existing.label}`.")
            )
        default = "default" in flags
        specs = [
            StatusSpec(s.label, s.has_responded, s.is_default and not default, s.sort_order)
            for s in specs
        ]
        order = max((s.sort_order for s in specs), default=0) + 1
        specs.append(StatusSpec(label, "responded" in flags, default, order))
        marks = [m for m in ("responded", "the default") if m.split()[-1] in flags]
        done = f"Added the status {label} to {campaign.name}" + (
            f" ({', '.join(marks)})" if marks else ""
        )
    elif existing is None:
        listed = ", ".join(s.label for s in specs)
        raise CommandError(
            Problem(f"{campaign.name} has no status `{label}` (its statuses: {listed}).")
        )
    elif action == "default":
        specs = [StatusSpec(s.label, s.has_responded, s is existing, s.sort_order) for s in specs]
        done = f"{existing.label} is now the default status of {campaign.name}"
    else:
        if existing.label in store_campaigns.labels_in_use(session, campaign.id):
            raise CommandError(
                Problem(
                    f"Members of {campaign.name} hold the status {existing.label}; move them first."
                )
            )
        specs = [s for s in specs if s is not existing]
        done = f"Removed the status {existing.label} from {campaign.name}"
    problem = store_campaigns.status_set_error(specs)
    if problem is not None:
        raise CommandError(
            Problem(f"Not done: then {campaign.name} would break a rule: {problem}.", example)
        )
    store_campaigns.replace_statuses(session, campaign, specs, ())
    return CampaignChanged(done + ".", campaign.name)


def _member(unit: Unit, args: list[str]) -> CampaignChanged:
    """`member NAME MEMBER STATUS`: the member's status from now on."""
    session = unit.session
    example = '/campaign member "Summit 2026" 00Q5e00001 Attended'
    if len(args) < 3:
        raise CommandError(Problem("Say the campaign, the member and their new status.", example))
    campaign = find_campaign(session, unit.actor.workspace_id, " ".join(args[:-2]))
    who, label = args[-2], args[-1]
    statuses = store_campaigns.statuses_of(session, [campaign.id])[campaign.id]
    status = next((s for s in statuses if s.label.lower() == label.lower()), None)
    if status is None:
        listed = ", ".join(s.label for s in statuses)
        raise CommandError(
            Problem(
                f"{campaign.name} has no status `{label}`; its statuses are {listed}. "
                "An admin adds one with `/campaign statuses NAME add LABEL`.",
                example,
            )
        )
    member = store_campaigns.find_member(session, campaign.id, who)
    if member is None:
        raise CommandError(
            Problem(
                f"{campaign.name} has no member `{who}` (give their Lead or Contact Id).", example
            )
        )
    before = member.status
    changed = store_campaigns.change_member_status(
        session, member, status, at=unit.now, by=unit.me.id
    )
    if not changed:
        return CampaignChanged(
            f"{who} already has the status {status.label} in {campaign.name}.", campaign.name
        )
    responded = " (responded)" if status.has_responded else ""
    return CampaignChanged(
        f"{who} in {campaign.name}: {before} → {status.label}{responded}.", campaign.name
    )
