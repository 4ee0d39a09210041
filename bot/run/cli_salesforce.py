"""`council salesforce connect | sync | status | map`: a workspace's Salesforce org."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

# The connector and the sync are imported when a `council salesforce` command runs: every
# other `council` command builds this parser, and must start at once.
if TYPE_CHECKING:
    from commands.context import Actor, Env
    from schedules.outlet import Outlet
    from schedules.salesforce import SyncRun

Handler = Callable[[argparse.Namespace, "Env", "Actor"], int]
SETUP = "see README, 'Salesforce'"


def sync_minutes(environ: dict[str, str] | None = None) -> int:
    raw = (os.environ if environ is None else environ).get("SALESFORCE_SYNC_MINUTES") or "5"
    try:
        return max(1, int(raw))
    except ValueError:
        raise ValueError(
            f"SALESFORCE_SYNC_MINUTES must be a number of minutes, not `{raw}`"
        ) from None


def cmd_connect(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    """Connect the workspace to a Salesforce org (client credentials flow)."""
    from bot.salesforce.client import Client
    from commands.salesforce import admin
    from commands.salesforce.org import OrgError
    from store.sealed import Sealer, SecretKeyError, keys_from_env

    url = os.environ.get("SALESFORCE_INSTANCE_URL", "")
    client_id = os.environ.get("SALESFORCE_CLIENT_ID", "")
    secret = os.environ.get("SALESFORCE_CLIENT_SECRET", "")
    missing = [
        name
        for name, value in (
            ("SALESFORCE_INSTANCE_URL", url),
            ("SALESFORCE_CLIENT_ID", client_id),
            ("SALESFORCE_CLIENT_SECRET", secret),
        )
        if not value
    ]
    if missing:
        print(f"council: set {' and '.join(missing)} first ({SETUP}).", file=sys.stderr)
        return 2
    try:
        sealer = Sealer(keys_from_env())
    except SecretKeyError as error:
        print(f"council: {error}", file=sys.stderr)
        return 2
    try:
        Client(url, client_id, secret).authenticate()
    except OrgError as error:
        print(f"council: {error.message}", file=sys.stderr)
        return 1
    replaced = admin.connect(
        env,
        actor.workspace_id,
        instance_url=url,
        client_id=client_id,
        client_secret=secret,
        sealer=sealer,
    )
    verb = "Reconnected" if replaced else "Connected"
    print(
        f"{verb} workspace {actor.workspace_id} to {url}. "
        "Next: council salesforce sync --once (and map fields with council salesforce map)."
    )
    return 0


def cmd_map(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    """Which Opportunity fields feed product, region, segment and source, and which Lead
    fields hold the hand-off's moments (mql=MQL_Date__c; kept)."""
    from commands.parsing import ParseError
    from commands.salesforce import admin

    try:
        kept = admin.set_map(env, actor.workspace_id, args.pairs)
    except ParseError as error:
        print(f"council: {error}", file=sys.stderr)
        return 2
    shown = " ".join(f"{d}={f}" for d, f in sorted(kept.items())) or "(nothing mapped)"
    print(f"Mapped fields: {shown}. The next sync reads them (--full to read every record).")
    return 0


def _outlet(env: Env, workspace_id: str) -> Outlet | None:
    """Slack, when this process is configured for it: matching users by email and telling
    reps about write-back conflicts. Without it the sync still runs."""
    from bot.slack.app import web_client
    from bot.slack.oauth import clients_for
    from bot.slack.settings import Settings
    from bot.webapi.outlet import outlets

    settings = Settings.from_env()
    if not (settings.oauth or settings.bot_token):
        return None
    return outlets(clients_for(env, settings, web_client))(workspace_id)


def print_run(run: SyncRun) -> None:
    pulled, sent = run.pulled, run.delivery
    deals = pulled.deals
    print(
        f"Pulled {pulled.stages} stages ({len(pulled.stages_added)} new), {pulled.users} users "
        f"({pulled.slack_matched} matched in Slack), {deals.rows:,} Opportunities "
        f"({deals.created:,} new, {deals.changed:,} changed, {deals.unchanged:,} unchanged, "
        f"{pulled.deleted:,} deleted, {len(deals.bad):,} refused), "
        f"{pulled.history.rows:,} history rows, {pulled.field_history.rows:,} field history "
        f"rows, in {pulled.pages:,} pages."
    )
    for sobject, part in pulled.objects.items():
        removed = pulled.removed.get(sobject, 0)
        print(
            f"  {sobject}: {part.rows:,} read ({part.created:,} new, {part.changed:,} changed, "
            f"{part.unchanged:,} unchanged, {removed:,} deleted, {len(part.bad):,} refused)"
        )
        for line, reason in part.bad[:5]:
            print(f"    record {line}: {reason}")
    for skipped in pulled.skipped:
        print(f"  Skipped {skipped}: the integration user cannot read it (see the README).")
    print(
        f"Wrote back {sent.sent} changes; {sent.conflicts} conflicts and {sent.refused} "
        f"refusals told to their reps; {sent.waiting} waiting for Salesforce."
    )
    for line, reason in deals.bad[:20]:
        print(f"  record {line}: {reason}")
    for note in pulled.notes:
        print(f"  {note}")
    if pulled.stopped:
        print(f"Stopped early: {pulled.stopped}. The next sync goes on from there.")


def cmd_sync(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    """Pull the org (and write back what changed here); every SALESFORCE_SYNC_MINUTES,
    or once."""
    from bot.salesforce.connection import client_for
    from schedules.salesforce import sync_workspace

    minutes = sync_minutes()
    while True:
        org = client_for(env, actor.workspace_id)
        if org is None:
            print("council: connect an org first: council salesforce connect", file=sys.stderr)
            return 2
        started = time.perf_counter()
        run = sync_workspace(
            env, actor.workspace_id, org, _outlet(env, actor.workspace_id), full=args.full
        )
        if run is None:
            print("Another process is syncing this workspace now; nothing done.")
        else:
            print_run(run)
            print(f"Done in {time.perf_counter() - started:.1f}s, {org.calls} API calls.")
        if args.once:
            return 0 if run is None or not run.pulled.stopped else 1
        time.sleep(timedelta(minutes=minutes).total_seconds())


def cmd_status(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    """The connection, the calls used, how far each object is synced, unmatched reps."""
    from commands.salesforce import admin

    found = admin.status(env, actor.workspace_id)
    if found is None:
        print(f"Workspace {actor.workspace_id} has no Salesforce org connected.")
        return 1
    calls = (
        f"{found.calls_used:,} of {found.calls_limit:,} API calls used (24 hours)"
        if found.calls_used is not None and found.calls_limit
        else "API calls: not known until the first sync"
    )
    print(f"Salesforce org {found.instance_url} for workspace {found.workspace_id}. {calls}.")
    mapped = " ".join(f"{d}={f}" for d, f in sorted(found.field_map.items()))
    print(f"Mapped fields: {mapped or '(nothing mapped)'}")
    print(f"Last sync: {_when(found.last_started_at)} to {_when(found.last_finished_at)}")
    if found.last_error:
        print(f"  stopped: {found.last_error}")
    for state in found.objects:
        print(f"  {state.sobject}: {state.rows:,} records read, up to {_when(state.watermark)}")
        if state.error:
            print(f"    skipped: {state.error}")
    print(f"Users: {found.users}; without a Slack account: {len(found.unmatched)}")
    for name, email in found.unmatched:
        print(f"  {name} <{email}>")
    if found.outbox:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(found.outbox.items()))
        print(f"Write-back: {counts}")
    return 0


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "never"


def add_parsers(
    sub: Any, common: argparse.ArgumentParser, with_env: Callable[[Handler], Any]
) -> None:
    top = sub.add_parser("salesforce", help="a workspace's Salesforce org, both ways")
    inner = top.add_subparsers(dest="salesforce_command", required=True)
    connect = inner.add_parser("connect", parents=[common], help=cmd_connect.__doc__)
    connect.set_defaults(run=with_env(cmd_connect))
    sync = inner.add_parser("sync", parents=[common], help=cmd_sync.__doc__)
    sync.add_argument("--once", action="store_true", help="one sync, then exit")
    sync.add_argument("--full", action="store_true", help="read every record, not the changes")
    sync.set_defaults(run=with_env(cmd_sync))
    status = inner.add_parser("status", parents=[common], help=cmd_status.__doc__)
    status.set_defaults(run=with_env(cmd_status))
    mapping = inner.add_parser("map", parents=[common], help=cmd_map.__doc__)
    mapping.add_argument(
        "pairs", nargs="+", metavar="NAME=Field", help="region=Region__c, mql=MQL_Date__c"
    )
    mapping.set_defaults(run=with_env(cmd_map))
