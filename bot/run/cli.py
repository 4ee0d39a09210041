"""The `council` command: the console, the Slack processes and the operator tools."""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.console.text import blocks_text
from bot.render import Message, render
from bot.render.apm import apm_json, coverage_json
from bot.run import logs
from bot.run.cli_imports import add_parsers
from bot.run.cli_salesforce import add_parsers as add_salesforce_parsers
from bot.slack.settings import Settings
from commands.apm import build_apm, build_coverage
from commands.context import Actor, Env
from commands.councils.meeting import find as find_council
from commands.results import CommandError, Problem
from commands.workspace import DIMENSIONS, default_workspace
from store.db import Database, SchemaOutOfDate, database_url, open_database
from store.models import Deal


def _env() -> Env:
    return Env(open_database())


def _need(settings: Settings, *names: str) -> None:
    missing = [n for n in names if not getattr(settings, n.lower().removeprefix("slack_"), None)]
    if missing:
        raise SystemExit(f"council: set {' and '.join(names)} first (see README, 'Slack app').")


def cmd_console(args: argparse.Namespace) -> int:
    """Run the local console against the store (the embedded SQLite file by default)."""
    from bot.console.repl import Console
    from commands.demo import load_demo

    env = _env()
    workspace = _workspace(env, args)
    if args.demo and args.deals:
        made = _generated(env, workspace, args.deals)
        print(f"Demo organisation: {made.people:,} people, {made.deals:,} deals.")
    elif args.demo:
        summary = load_demo(env, workspace)
        what = "Loaded" if summary.loaded else "Using the already loaded"
        print(f"{what} demo organisation: {summary.people} people, {summary.deals} deals.")
    ask = input if sys.stdin.isatty() else _read_line
    Console(env, workspace, sys.stdout, ask).loop()
    return 0


def _generated(env: Env, workspace: str, deals: int) -> Any:
    """A generated organisation of `deals` deals, unless the workspace already has one."""
    from commands.generate import Generated, generate
    from store import people

    with env.db.transaction() as session:
        count = session.scalar(
            select(func.count()).select_from(Deal).where(Deal.workspace_id == workspace)
        )
        if count:
            return Generated(workspace, people.count_people(session, workspace), count, 0)
    return generate(env, workspace, deals_count=deals, seed=1)


def _read_line(prompt: str) -> str:
    # Piped input is echoed, so a transcript reads like the session it replays.
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    sys.stdout.write(prompt + line)
    return line.rstrip("\n")


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve Slack over HTTP: `/slack/events` and `/healthz`, behind gunicorn."""
    from bot.run.server import serve
    from bot.run.wsgi import create_wsgi
    from bot.slack.app import create_app

    settings = Settings.from_env()
    if settings.oauth:
        _need(settings, "SLACK_SIGNING_SECRET")
    else:
        _need(settings, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    open_database().dispose()  # migrate the embedded store once, before workers start

    def build() -> object:
        return create_wsgi(create_app(_env(), settings))

    serve(build, args.port)
    return 0


def cmd_socket(args: argparse.Namespace) -> int:
    """Connect to Slack over Socket Mode: no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.app import create_app, web_client

    settings = Settings.from_env()
    _need(settings, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    app = create_app(_env(), settings)
    handler = SocketModeHandler(app, settings.app_token, web_client=web_client(settings))
    handler.start()
    return 0


def _workspace(env: Env, args: argparse.Namespace) -> str:
    """The workspace the command names, the only one in the store, or `local` in an empty
    store; several without `--workspace` stop the command (ValueError names them)."""
    with env.db.transaction() as session:
        return default_workspace(session, args.workspace)


def _actor(env: Env, args: argparse.Namespace) -> Actor:
    """The operator at the terminal, acting in the workspace the command names."""
    workspace = _workspace(env, args)
    return Actor(workspace, "cli", "council CLI", "cli", workspace)


def _print_result(result: object, as_json: Callable[[Any], dict[str, Any]], args: Any) -> int:
    if isinstance(result, Problem):
        print(f"council: {result.message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(as_json(result), indent=2, ensure_ascii=False))
        return 0
    shown = render(result)
    assert isinstance(shown, Message)
    print(blocks_text(shown.blocks)[0])
    return 0


def cmd_apm(args: argparse.Namespace) -> int:
    """Print the APM for one dimension."""
    env = _env()
    result = build_apm(env, _actor(env, args), args.by, args.period, args.as_of)
    return _print_result(result, apm_json, args)


def cmd_coverage(args: argparse.Namespace) -> int:
    """Print coverage with its parts, for the total or one dimension value."""
    if (args.by is None) != (args.value is None):
        print(
            "council: --by and --value go together (or leave both out for the total)",
            file=sys.stderr,
        )
        return 2
    env = _env()
    result = build_coverage(env, _actor(env, args), args.by, args.value, args.period, args.as_of)
    return _print_result(result, coverage_json, args)


def cmd_clock(args: argparse.Namespace) -> int:
    """Run the scheduler: each council's digest at its local day and time."""
    from bot.slack.app import web_client
    from bot.slack.oauth import clients_for
    from bot.webapi.outlet import outlets
    from schedules import clock

    settings = Settings.from_env()
    if not settings.oauth:
        _need(settings, "SLACK_BOT_TOKEN")
    from bot.run.cli_salesforce import sync_minutes
    from bot.salesforce.connection import client_for

    env = _env()
    clock.run(
        env,
        outlets(clients_for(env, settings, web_client)),
        lambda workspace: client_for(env, workspace),
        sync_minutes(),
    )
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    """Build a council's digest now: print it (--dry-run) or post this week's."""
    from bot.render.digest import render_digest
    from commands.digest import build_digest
    from schedules.digests import deliver

    env = _env()
    actor = _actor(env, args)
    with env.db.transaction() as session:
        council = find_council(session, actor.workspace_id, args.council)
        if args.dry_run:
            payload = render_digest(build_digest(session, council, env.now()), 0)
        council_id = council.id
    if args.dry_run:
        print_digest(payload, Path(args.image_dir))
        return 0
    from bot.slack.app import web_client
    from bot.slack.oauth import clients_for
    from bot.webapi.outlet import outlets

    settings = Settings.from_env()
    if not settings.oauth:
        _need(settings, "SLACK_BOT_TOKEN")
    kind = f"forced:{uuid.uuid4().hex[:12]}" if args.force else "scheduled"
    delivery = deliver(
        env, outlets(clients_for(env, settings, web_client)), council_id, kind, resume=args.resume
    )
    print(f"{delivery.council}: {delivery.status} {delivery.detail}".rstrip())
    # Held by another process, failed or paused: nothing was posted by this command.
    return 0 if delivery.status in ("posted", "skipped") else 1


def print_digest(payload: dict[str, Any], folder: Path) -> None:
    """The digest as the channel will see it, and where its image was written."""
    for message in payload["messages"]:
        if message["kind"] == "image":
            path = folder / "digest-apm.png"
            path.write_bytes(base64.b64decode(message["png"]))
            print(f"[image] {path.resolve()}\n")
            continue
        prefix = "  ↳ (thread) " if message["kind"] == "thread" else ""
        print(prefix + blocks_text(message["blocks"])[0] + "\n")


def cmd_demo_data(args: argparse.Namespace) -> int:
    """Create a realistic organisation of N deals (reps, managers, targets, histories)."""
    from bot.run.cli_imports import Bar
    from commands.generate import generate

    if args.deals < 1 or args.years < 1:
        raise ValueError("--deals and --years are at least 1")
    env = _env()
    workspace = _workspace(env, args)
    bar = Bar(args.deals, sys.stderr)
    started = time.perf_counter()
    made = generate(
        env, workspace, deals_count=args.deals, years=args.years, seed=args.seed, progress=bar
    )
    bar.close()
    print(
        f"Created workspace {made.workspace_id}: {made.people:,} people, {made.deals:,} deals "
        f"with {made.versions:,} versions in {time.perf_counter() - started:.1f}s."
    )
    return 0


def cmd_manifest(args: argparse.Namespace) -> int:
    """Print the Slack app manifest, made from the commands the bot answers."""
    from bot.slack.manifest import manifest

    sys.stdout.write(manifest(args.url))
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Apply the migrations to DATABASE_URL."""
    database = Database(database_url())
    database.upgrade()
    print(f"Database at {database.engine.url.render_as_string(hide_password=True)} is current.")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="council", description="Pipeline Council: the sales pipeline council in Slack."
    )
    top.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "WARNING"))
    sub = top.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace", metavar="TEAM_ID", help="the workspace (default: the only one, or `local`)"
    )

    console = sub.add_parser("console", parents=[common], help=cmd_console.__doc__)
    console.add_argument("--demo", action="store_true", help="load a demo organisation first")
    console.add_argument(
        "--deals", type=int, help="with --demo: a generated organisation of this many deals"
    )
    console.set_defaults(run=cmd_console)

    serve = sub.add_parser("serve", parents=[common], help=cmd_serve.__doc__)
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    serve.set_defaults(run=cmd_serve)

    socket = sub.add_parser("socket", parents=[common], help=cmd_socket.__doc__)
    socket.set_defaults(run=cmd_socket)

    for name, run, doc in (
        ("apm", cmd_apm, cmd_apm.__doc__),
        ("coverage", cmd_coverage, cmd_coverage.__doc__),
    ):
        metric = sub.add_parser(name, parents=[common], help=doc)
        metric.add_argument(
            "--by", required=name == "apm", choices=DIMENSIONS, help="the dimension"
        )
        if name == "coverage":
            metric.add_argument("--value", help="the dimension's value")
        metric.add_argument("--period", help="2026-Q4, FY2027-Q1, this, next or last")
        metric.add_argument("--as-of", help="a date (its end) or an ISO datetime; default now")
        metric.add_argument("--json", action="store_true", help="SPEC's JSON instead of a table")
        metric.set_defaults(run=run)

    def with_env(handler: Callable[[argparse.Namespace, Env, Actor], int]):
        def command(args: argparse.Namespace) -> int:
            env = _env()
            return handler(args, env, _actor(env, args))

        return command

    add_parsers(sub, common, with_env)
    add_salesforce_parsers(sub, common, with_env)

    clock = sub.add_parser("clock", parents=[common], help=cmd_clock.__doc__)
    clock.set_defaults(run=cmd_clock)
    digest = sub.add_parser("digest", parents=[common], help=cmd_digest.__doc__)
    digest.add_argument("--council", required=True, help="its name (default: its channel's)")
    digest.add_argument("--dry-run", action="store_true", help="print it, post nothing")
    digest.add_argument("--force", action="store_true", help="post another even if posted")
    digest.add_argument(
        "--resume",
        action="store_true",
        help="take over this week's run now, when the process holding it is gone",
    )
    digest.add_argument("--image-dir", default=".", help="where --dry-run writes the image")
    digest.set_defaults(run=cmd_digest)

    demo = sub.add_parser("demo-data", parents=[common], help=cmd_demo_data.__doc__)
    demo.add_argument("--deals", type=int, default=10_000, help="how many deals (10,000)")
    demo.add_argument("--years", type=int, default=3, help="over how many years (3)")
    demo.add_argument("--seed", type=int, default=1, help="the same seed, the same data")
    demo.set_defaults(run=cmd_demo_data)

    shown = sub.add_parser("manifest", help=cmd_manifest.__doc__)
    shown.add_argument("--url", default="https://council.example.com", help="public address")
    shown.set_defaults(run=cmd_manifest)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", parents=[common], help=cmd_db_upgrade.__doc__)
    upgrade.set_defaults(run=cmd_db_upgrade)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `council` command; the exit code. Tests call this in-process."""
    args = parser().parse_args(argv)
    logs.configure(args.log_level)
    try:
        return int(args.run(args))
    except (SchemaOutOfDate, ValueError) as error:
        print(f"council: {error}", file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"council: {getattr(error.result, 'message', error)}", file=sys.stderr)
        return 2


def entry() -> None:
    """The installed `council` command."""
    # Piped into `head`, stop quietly when the reader has had enough. Only here: in a
    # process that also serves sockets (a test run), a closed peer must not kill it.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())


if __name__ == "__main__":
    entry()
