"""`council import deals|history|targets`: loading CRM exports from the terminal."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from commands.campaigns import imports as campaign_imports
from commands.context import Actor, Env
from commands.import_columns import parse_mapping
from commands.imports import ImportReport, count_rows, import_deals, import_history
from commands.parsing import ParseError
from commands.targets import import_targets

LISTED = 50


class Bar:
    """A progress bar on a terminal; nothing otherwise (the summary line says it all)."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.out = max(total, 1), out
        self.live = out.isatty()
        self.shown = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if not self.live or (now - self.shown < 0.1 and done < self.total):
            return
        self.shown = now
        filled = int(30 * done / self.total)
        self.out.write(f"\r  [{'#' * filled}{' ' * (30 - filled)}] {done:,}/{self.total:,} rows")
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
    path = Path(args.file)
    if not path.is_file():
        print(f"council: no file {path}", file=sys.stderr)
        return 2
    try:
        stage_map = parse_mapping(args.stage_map or [], "--stage-map")
        bar = Bar(count_rows(path), sys.stderr)
        started = time.monotonic()
        report = load(
            env, actor, path, stage_map=stage_map, dry_run=args.dry_run, progress=bar, **options
        )
        bar.close()
    except ParseError as error:
        print(f"council: {error}", file=sys.stderr)
        return 2
    print_report(path, report, time.monotonic() - started, sys.stdout)
    return 1 if report.bad else 0


def import_deals_command(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    try:
        column_map = parse_mapping(args.map or [], "--map")
    except ParseError as error:
        print(f"council: {error}", file=sys.stderr)
        return 2
    return _run(args, env, actor, import_deals, column_map=column_map)


def import_history_command(args: argparse.Namespace, env: Env, actor: Actor) -> int:
    return _run(args, env, actor, import_history)


def import_targets_command(args: argparse.Namespace, env: Env, actor: Actor) -> int:
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


def import_campaign_kind(load: Callable[..., ImportReport]) -> Callable[..., int]:
    """A handler for one of the campaign exports (SPEC section 8's column names)."""

    def handler(args: argparse.Namespace, env: Env, actor: Actor) -> int:
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
        help="read COLUMN as field (name, stage, amount, close, created, owner, "
        "account, product, region, segment, source, category, next, id)",
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
            help="read their stage THEIRS as our stage OURS",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count everything, save nothing"
        )
        parser.set_defaults(run=run(handler))
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
    for kind, load, what in (
        ("campaigns", campaign_imports.import_campaigns, "a Salesforce Campaign export"),
        (
            "campaign-statuses",
            campaign_imports.import_campaign_statuses,
            "a CampaignMemberStatus export (each campaign's member statuses)",
        ),
        (
            "campaign-members",
            campaign_imports.import_campaign_members,
            "a CampaignMember export",
        ),
    ):
        parser = kinds.add_parser(kind, parents=[common], help=f"upsert from {what}")
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count everything, save nothing"
        )
        parser.set_defaults(run=run(import_campaign_kind(load)))
