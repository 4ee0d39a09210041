"""`council import deals|history|people|targets` (loading CRM exports from the terminal)
and `council people admin`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from commands.parsing import ParseError

# The loaders (and the store under them) are imported when a file is loaded: every other
# `council` command builds this parser, and must start at once.
if TYPE_CHECKING:
    from commands.context import Actor, Env
    from commands.import_people import PeopleReport, SlackDirectory
    from commands.imports import ImportReport

LISTED = 50


class Bar:
    """A progress bar on a terminal; nothing otherwise (the summary line says it all)."""

    def __init__(self, total: int, out: TextIO, *, estimated: bool = False) -> None:
        self.total, self.out = max(total, 1), out
        self.about = "~" if estimated else ""
        self.live = out.isatty()
        self.shown = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if not self.live or (now - self.shown < 0.1 and done < self.total):
            return
        self.shown = now
        # The total is estimated from the file's size (no second pass over it).
        self.total = max(self.total, done)
        filled = int(30 * done / self.total)
        self.out.write(
            f"\r  [{'#' * filled}{' ' * (30 - filled)}] {done:,}/{self.about}{self.total:,} rows"
        )
        self.out.flush()

    def close(self) -> None:
        if self.live:
            self.out.write("\n")


def print_report(path: Path, report: ImportReport, seconds: float, out: TextIO) -> None:
    verb = "Checked (dry run, nothing saved)" if report.dry_run else "Imported"
    print(
        f"{verb} {path.name}: {report.rows:,} rows in {seconds:.1f}s: {report.created:,} "
        f"created, {report.changed:,} changed, {report.unchanged:,} unchanged, "
        f"{len(report.bad):,} refused.",
        file=out,
    )
    if report.flags:
        print("Loaded with a flag:", file=out)
        for what, count in report.flags.most_common():
            lines = ", ".join(map(str, report.flag_lines[what]))
            print(f"  {count:,} × {what} (lines {lines}{', …' if count > 5 else ''})", file=out)
    if report.bad:
        print("Refused:", file=out)
        for line, reason in report.bad[:LISTED]:
            print(f"  line {line}: {reason}", file=out)
        if len(report.bad) > LISTED:
            print(f"  … and {len(report.bad) - LISTED:,} more", file=out)
    if report.new_stages:
        added = ", ".join(
            f"{s.name} ({s.status}, {s.category}, {s.probability}%)" for s in report.new_stages
        )
        print(f"Stages added from the file: {added}.", file=out)
    if report.unknown_stages:
        pairs = " ".join(f"--stage-map '{s}=OURS'" for s in report.unknown_stages)
        counts = ", ".join(f"{s} ({n:,} rows)" for s, n in report.unknown_stages.most_common())
        print(f"Unknown stages: {counts}. Map them: {pairs}", file=out)


def _run(
    args: argparse.Namespace,
    env: Env,
    actor: Actor,
    load: Callable[..., ImportReport],
    **options: object,
) -> int:
    from commands.import_columns import parse_mapping
    from commands.import_files import estimated_rows

    path = Path(args.file)
    if not path.is_file():
        print(f"council: no file {path}", file=sys.stderr)
        return 2
    try:
        stage_map = parse_mapping(args.stage_map or [], "--stage-map")
        bar = Bar(estimated_rows(path), sys.stderr, estimated=True)
        started = time.monotonic()
        report = load(
            env,
            actor,
            path,
            stage_map=stage_map,
            dry_run=args.dry_run,
            progress=bar,
            new_stages=not args.known_stages_only,
            **options,
        )
        bar.close()
    except ParseError as error:
        print(f"council: {error}", file=sys.stderr)
        return 2
    print_report(path, report, time.monotonic() - started, sys.stdout)
    return 1 if report.bad else 0


def _run_mapped(
    args: argparse.Namespace,
    env: Env,
    actor: Actor,
    load: Callable[..., ImportReport],
    option: str,
    pairs: list[str] | None,
    flag: str,
) -> int:
    """`_run` with the `COLUMN=FIELD` pairs given by `flag` read first and handed to the
    loader as `option`."""
    from commands.import_columns import parse_mapping

    try:
        mapping = parse_mapping(pairs or [], flag)
    except ParseError as error:
        print(f"council: {error}", file=sys.stderr)
        return 2
    return _run(args, env, actor, load, **{option: mapping})


def import_deals_command(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    from commands.imports import import_deals

    return _run_mapped(args, env, actor, import_deals, "column_map", args.map, "--map")


def import_history_command(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    from commands.imports import import_history

    return _run(args, env, actor, import_history)


def _slack_directory(actor: Actor, notes: list[str]) -> SlackDirectory | None:
    """users.lookupByEmail with the workspace's bot token (OAuth) or SLACK_BOT_TOKEN;
    None, with a note, when there is neither."""
    from bot.slack.app import web_client
    from bot.slack.oauth import NotInstalled, clients_for
    from bot.slack.settings import Settings
    from bot.webapi.directory import WebApiDirectory

    settings = Settings.from_env()
    if not settings.oauth and not settings.bot_token:
        notes.append("No Slack token (SLACK_BOT_TOKEN): people not matched to Slack users.")
        return None
    from bot.run.cli import _env

    try:
        client = clients_for(_env(), settings, web_client)(actor.workspace_id)
    except NotInstalled:
        notes.append(f"The app is not installed in {actor.workspace_id}: no Slack matching.")
        return None
    return WebApiDirectory(client)


def print_people(path: Path, report: PeopleReport, notes: list[str], out: TextIO) -> None:
    slack = (
        f"; {report.in_slack:,} in Slack, {len(report.not_in_slack):,} active without a "
        "Slack account"
        if report.looked_up
        else ""
    )
    print(
        f"Imported {path.name}: {report.rows:,} rows: {report.created:,} people added, "
        f"{report.updated:,} updated, {len(report.bad):,} refused{slack}"
        + (f", {report.inactive:,} inactive." if report.inactive else "."),
        file=out,
    )
    if report.not_in_slack:
        names = ", ".join(report.not_in_slack[:LISTED])
        more = len(report.not_in_slack) - LISTED
        print(
            f"Not in Slack (they own deals all the same): {names}"
            + (f" … and {more:,} more" if more > 0 else ""),
            file=out,
        )
    for line, reason in report.bad[:LISTED]:
        print(f"  line {line}: {reason}", file=out)
    for note in [*report.notes, *notes][:LISTED]:
        print(f"  {note}", file=out)


def import_people_command(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"council: no file {path}", file=sys.stderr)
        return 2
    from commands.import_people import import_people

    notes: list[str] = []
    directory = None if args.no_slack else _slack_directory(actor, notes)
    try:
        report = import_people(env, actor, path, slack=directory)
    except ParseError as error:
        print(f"council: {error}", file=sys.stderr)
        return 2
    notes += getattr(directory, "problems", [])[:LISTED]
    print_people(path, report, notes, sys.stdout)
    return 1 if report.bad else 0


def people_admin_command(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    from commands.admins import grant_admin
    from commands.results import Problem

    result = grant_admin(env, actor, args.who)
    if isinstance(result, Problem):
        print(f"council: {result.message}", file=sys.stderr)
        return 2
    print(result.text)
    return 0


def import_targets_command(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    from commands.targets import import_targets

    path = Path(args.file)
    if not path.is_file():
        print(f"council: no file {path}", file=sys.stderr)
        return 2
    report = import_targets(env, actor, path, allow_new=args.new_values)
    print(f"Imported {path.name}: {report.saved:,} targets saved, {len(report.bad):,} refused.")
    for problem in report.bad[:LISTED]:
        print(f"  {problem}")
    for note in report.notes[:LISTED]:
        print(f"  {note}")
    return 1 if report.bad else 0


def import_leads_command(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    from commands.sla.imports import import_leads

    return _run_mapped(args, env, actor, import_leads, "column_map", args.map, "--map")


def import_lead_history_command(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    from commands.sla.imports import import_lead_history

    return _run_mapped(
        args, env, actor, import_lead_history, "status_map", args.status_map, "--status-map"
    )


def import_campaign_kind(loader: str) -> Callable[..., int]:
    """A handler for one of the campaign exports (SPEC section 8's column names), its
    loader `commands.campaigns.imports.<loader>` imported when a file is loaded."""

    def handler(args: argparse.Namespace, env: Env, actor: Actor) -> int:
        from commands.campaigns import imports as campaign_imports

        load = getattr(campaign_imports, loader)
        path = Path(args.file)
        if not path.is_file():
            print(f"council: no file {path}", file=sys.stderr)
            return 2
        started = time.monotonic()
        try:
            report = load(env, actor, path, dry_run=args.dry_run)
        except ParseError as error:
            print(f"council: {error}", file=sys.stderr)
            return 2
        print_report(path, report, time.monotonic() - started, sys.stdout)
        return 1 if report.bad else 0

    return handler


def add_parsers(
    sub: argparse._SubParsersAction,
    common: argparse.ArgumentParser,
    run: Callable[[Callable[..., int]], Callable[[argparse.Namespace], int]],
) -> None:
    imports = sub.add_parser("import", help="load CRM exports and targets")
    kinds = imports.add_subparsers(dest="import_kind", required=True)
    deals = kinds.add_parser(
        "deals", parents=[common], help="upsert deals from a Salesforce Opportunity export"
    )
    deals.add_argument("file")
    deals.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=field",
        help="read COLUMN as field (name, stage, amount, close, created, owner, owner_id, "
        "account, product, region, segment, source, category, next, id); kept for later "
        "imports",
    )
    history = kinds.add_parser(
        "history",
        parents=[common],
        help="backfill change history from an OpportunityHistory export",
    )
    history.add_argument("file")
    for parser, handler in ((deals, import_deals_command), (history, import_history_command)):
        parser.add_argument(
            "--stage-map",
            action="append",
            metavar="'THEIRS=OURS'",
            help="read their stage THEIRS as our stage OURS (kept for later imports)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count everything, save nothing"
        )
        parser.add_argument(
            "--known-stages-only",
            action="store_true",
            help="refuse rows whose stage the workspace lacks (by default such stages are "
            "added as the file says: IsClosed, IsWon, Probability, ForecastCategoryName)",
        )
        parser.set_defaults(run=run(handler))
    folks = kinds.add_parser(
        "people",
        parents=[common],
        help="people from a Salesforce User export (Id, Name, Email, ManagerId, IsActive, "
        "UserRole.Name) or name,email,role,manager,region; matched to Slack by email",
    )
    folks.add_argument("file")
    folks.add_argument(
        "--no-slack", action="store_true", help="do not look people up in Slack by email"
    )
    folks.set_defaults(run=run(import_people_command))
    staff = sub.add_parser("people", help="the workspace's people")
    staff_kinds = staff.add_subparsers(dest="people_kind", required=True)
    admin = staff_kinds.add_parser(
        "admin", parents=[common], help="make someone an admin: EMAIL or Slack user id"
    )
    admin.add_argument("who", metavar="EMAIL|SLACK_ID")
    admin.set_defaults(run=run(people_admin_command))
    targets = kinds.add_parser(
        "targets", parents=[common], help="targets: period,dimension,value,metric,amount"
    )
    targets.add_argument("file")
    targets.add_argument(
        "--new-values",
        action="store_true",
        help="accept values no deal has yet (otherwise they are refused, with the closest)",
    )
    targets.set_defaults(run=run(import_targets_command))
    leads = kinds.add_parser(
        "leads", parents=[common], help="upsert leads from a Salesforce Lead export"
    )
    leads.add_argument("file")
    leads.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help="read COLUMN as FIELD, e.g. MQL_Date__c=MQLDate (MQLDate, AcceptedDate, "
        "RejectedDate, RejectionReason, Segment, CampaignId, Owner.Name, ...)",
    )
    leads.add_argument(
        "--dry-run", action="store_true", help="check and count everything, save nothing"
    )
    leads.set_defaults(run=run(import_leads_command), stage_map=None, known_stages_only=False)
    lead_history = kinds.add_parser(
        "lead-history",
        parents=[common],
        help="status moments of imported leads from a LeadHistory export",
    )
    lead_history.add_argument("file")
    lead_history.add_argument(
        "--status-map",
        action="append",
        metavar="'THEIRS=STEP'",
        help="read their Status THEIRS as the step MQL, accepted or rejected",
    )
    lead_history.add_argument(
        "--dry-run", action="store_true", help="check and count everything, save nothing"
    )
    lead_history.set_defaults(
        run=run(import_lead_history_command), stage_map=None, known_stages_only=False
    )
    for kind, load, what in (
        ("campaigns", "import_campaigns", "a Salesforce Campaign export"),
        (
            "campaign-statuses",
            "import_campaign_statuses",
            "a CampaignMemberStatus export (each campaign's member statuses)",
        ),
        (
            "campaign-members",
            "import_campaign_members",
            "a CampaignMember export",
        ),
    ):
        parser = kinds.add_parser(kind, parents=[common], help=f"upsert from {what}")
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count everything, save nothing"
        )
        parser.set_defaults(run=run(import_campaign_kind(load)))
