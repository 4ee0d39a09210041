"""The `council` command: the console, the Slack processes and the operator tools."""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.run import logs
from bot.run.cli_imports import add_parsers
from bot.run.cli_salesforce import add_parsers as add_salesforce_parsers
from commands.dimensions import APM_DIMENSIONS, DIMENSIONS

log = logging.getLogger("council")

# Each command imports what it uses where it runs: `council apm` and `council --help` must
# start at once, and SQLAlchemy, alembic, Slack's SDK, the renderings of every other
# command and matplotlib each cost a good part of a second (BENCHMARKS.md, "CLI start").
if TYPE_CHECKING:
    from bot.slack.settings import Settings
    from commands.context import Actor, Env


# How often a process answering its own work looks for what a dead one left behind.
ORPHAN_POLL = 5.0


def _env() -> Env:
    from commands.context import Env
    from store.db import open_database

    return Env(open_database())


def _need(settings: Settings, *names: str) -> None:
    missing = [n for n in names if not getattr(settings, n.lower().removeprefix("slack_"), None)]
    if missing:
        raise SystemExit(f"council: set {' and '.join(names)} first (see README, 'Slack app').")


def cmd_console(args: argparse.Namespace) -> int:
    """Run the local console against the store (the embedded SQLite file by default)."""
    from bot.console.prompt import terminal_ask
    from bot.console.repl import CONSOLE_WORDS, Console
    from commands.demo import load_demo

    if args.reset:
        _reset_store()
    env = _env()
    workspace = _workspace(env, args)
    if args.demo and args.deals:
        made = _generated(env, workspace, args.deals)
        print(f"Demo organisation: {made.people:,} people, {made.deals:,} deals.")
    elif args.demo:
        summary = load_demo(env, workspace)
        what = "Loaded" if summary.loaded else "Using the already loaded"
        print(f"{what} demo organisation: {summary.people} people, {summary.deals} deals.")
    if args.demo:
        print(f"Its data lives in {_where()}; `council console --demo --reset` starts afresh.")
    # At a terminal: history and completion; piped (tests, scripts): plain lines, echoed.
    ask = terminal_ask(CONSOLE_WORDS) if sys.stdin.isatty() else _read_line
    Console(env, workspace, sys.stdout, ask).loop()
    return 0


def _where() -> str:
    """Where the store is, as a person finds it: a file's full path, or the URL without
    its password."""
    from sqlalchemy.engine import make_url

    from store.db import database_url

    url = make_url(database_url())
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return str(Path(url.database).resolve())
    return url.render_as_string(hide_password=True)


def _reset_store() -> None:
    """Remove the embedded SQLite file, so the demo starts afresh; a server database is
    never dropped from here."""
    from sqlalchemy.engine import make_url

    from store.db import database_url

    url = make_url(database_url())
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise SystemExit(
            f"council: --reset only removes an SQLite file; {_where()} is left as it is."
        )
    path = Path(url.database)
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        stale.unlink(missing_ok=True)
    print(f"Removed {path.resolve()}: starting afresh.")


def _generated(env: Env, workspace: str, deals: int) -> Any:
    """A generated organisation of `deals` deals, unless the workspace already has one."""
    from sqlalchemy import func, select

    from commands.generate import Generated, generate
    from store import people
    from store.models import Deal

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
    from bot.run import worker
    from bot.run.server import serve
    from bot.run.wsgi import create_wsgi
    from bot.slack.app import create_app, web_client
    from bot.slack.oauth import clients_for
    from bot.slack.settings import Settings
    from store.db import open_database

    settings = Settings.from_env()
    if settings.oauth:
        _need(settings, "SLACK_SIGNING_SECRET")
    else:
        _need(settings, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    open_database().dispose()  # migrate the embedded store once, before workers start

    def build() -> object:
        env = _env()
        if not args.web_only:
            # Answers its own work, and slowly takes up what a process that died left.
            worker.in_background(env, clients_for(env, settings, web_client), ORPHAN_POLL)
        return create_wsgi(create_app(env, settings, answer_here=not args.web_only))

    serve(build, args.port)
    return 0


def cmd_socket(args: argparse.Namespace) -> int:
    """Connect to Slack over Socket Mode: no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.run import worker
    from bot.slack.app import create_app, web_client
    from bot.slack.oauth import clients_for
    from bot.slack.settings import Settings

    settings = Settings.from_env()
    _need(settings, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    env = _env()
    worker.in_background(env, clients_for(env, settings, web_client), ORPHAN_POLL)
    app = create_app(env, settings)
    handler = SocketModeHandler(app, settings.app_token, web_client=web_client(settings))
    handler.start()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Answer the slash commands and presses `council serve --web-only` queued."""
    import threading

    from bot.run import worker
    from bot.slack.app import web_client
    from bot.slack.oauth import clients_for
    from bot.slack.settings import Settings

    settings = Settings.from_env()
    if not settings.oauth:
        _need(settings, "SLACK_BOT_TOKEN")
    # Acks have Slack's 3 seconds and answers do not: on cores shared with the web
    # processes, the worker gives way (WORKER_NICE, 10 by default; 0 to compete).
    os.nice(int(os.environ.get("WORKER_NICE", "10")))
    env = _env()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker.work(env, clients_for(env, settings, web_client), stop)
    return 0


def _workspace(env: Env, args: argparse.Namespace) -> str:
    """The workspace the command names, the only one in the store, or `local` in an empty
    store; several without `--workspace` stop the command (ValueError names them)."""
    from commands.workspace import default_workspace

    with env.db.transaction() as session:
        return default_workspace(session, args.workspace)


def _actor(env: Env, args: argparse.Namespace) -> Actor:
    """The operator at the terminal, acting in the workspace the command names."""
    from commands.context import Actor

    workspace = _workspace(env, args)
    return Actor(workspace, "cli", "council CLI", "cli", workspace)


def _print_result(result: object, as_json: Callable[[Any], dict[str, Any]], args: Any) -> int:
    from commands.results import Problem

    if isinstance(result, Problem):
        print(f"council: {result.message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(as_json(result), indent=2, ensure_ascii=False))
        return 0
    from bot.console.text import blocks_text
    from bot.render.blocks import Message, render

    shown = render(result)
    assert isinstance(shown, Message)
    print(blocks_text(shown.blocks)[0])
    return 0


def cmd_apm(args: argparse.Namespace) -> int:
    """Print the APM for one dimension."""
    from bot.render.apm import apm_json
    from commands.apm import build_apm

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
    from bot.render.apm import coverage_json
    from commands.apm import build_coverage

    env = _env()
    result = build_coverage(env, _actor(env, args), args.by, args.value, args.period, args.as_of)
    return _print_result(result, coverage_json, args)


def cmd_sla(args: argparse.Namespace) -> int:
    """Print the hand-off SLA's figures (SPEC section 9)."""
    from bot.render.sla import sla_json
    from commands.sla.review import build_sla

    env = _env()
    result = build_sla(env, _actor(env, args), args.period, args.as_of, args.by)
    return _print_result(result, sla_json, args)


def cmd_campaigns(args: argparse.Namespace) -> int:
    """Print every campaign with its figures, children rolled up into their parents."""
    from bot.render.campaign import campaigns_json
    from commands.campaigns.reading import build_campaigns

    env = _env()
    result = build_campaigns(env, _actor(env, args), args.period, args.as_of)
    return _print_result(result, campaigns_json, args)


def cmd_clock(args: argparse.Namespace) -> int:
    """Run the scheduler: each council's digest at its local day and time."""
    from bot.slack.app import web_client
    from bot.slack.oauth import clients_for
    from bot.slack.settings import Settings
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
    from commands.councils.meeting import find as find_council
    from commands.digest import build_digest
    from schedules.digests import deliver

    env = _env()
    actor = _actor(env, args)
    with env.db.transaction(background=args.dry_run) as session:
        council = find_council(session, actor.workspace_id, args.council)
        if args.dry_run:
            payload = render_digest(build_digest(session, council, env.now()), 0)
        council_id = council.id
    if args.dry_run:
        # A temporary folder unless one is named: never the working directory.
        folder = args.image_dir or tempfile.mkdtemp(prefix="council-digest-")
        print_digest(payload, Path(folder))
        return 0
    from bot.slack.app import web_client
    from bot.slack.oauth import clients_for
    from bot.slack.settings import Settings
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
    from bot.console.text import blocks_text

    folder.mkdir(parents=True, exist_ok=True)
    for message in payload["messages"]:
        if message["kind"] == "image":
            # digest-apm.png, digest-pacing.png: one file per picture, named by its title.
            path = folder / f"digest-{message['title'].split()[0].lower()}.png"
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
    from store.db import Database, database_url

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
        "--reset", action="store_true", help="remove the SQLite file first, to start afresh"
    )
    console.add_argument(
        "--deals", type=int, help="with --demo: a generated organisation of this many deals"
    )
    console.set_defaults(run=cmd_console)

    serve = sub.add_parser("serve", parents=[common], help=cmd_serve.__doc__)
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    serve.add_argument(
        "--web-only",
        action="store_true",
        help="only acknowledge: `council worker` processes answer (see the Procfile)",
    )
    serve.set_defaults(run=cmd_serve)

    socket = sub.add_parser("socket", parents=[common], help=cmd_socket.__doc__)
    socket.set_defaults(run=cmd_socket)

    queue_worker = sub.add_parser("worker", parents=[common], help=cmd_worker.__doc__)
    queue_worker.set_defaults(run=cmd_worker)

    for name, run, doc in (
        ("apm", cmd_apm, cmd_apm.__doc__),
        ("coverage", cmd_coverage, cmd_coverage.__doc__),
    ):
        metric = sub.add_parser(name, parents=[common], help=doc)
        metric.add_argument(
            "--by",
            required=name == "apm",
            choices=APM_DIMENSIONS if name == "apm" else DIMENSIONS,
            help="the dimension",
        )
        if name == "coverage":
            metric.add_argument("--value", help="the dimension's value")
        metric.add_argument("--period", help="2026-Q4, FY2027-Q1, this, next or last")
        metric.add_argument("--as-of", help="a date (its end) or an ISO datetime; default now")
        metric.add_argument("--json", action="store_true", help="SPEC's JSON instead of a table")
        metric.set_defaults(run=run)

    sla = sub.add_parser("sla", parents=[common], help=cmd_sla.__doc__)
    sla.add_argument("--by", choices=("source", "segment"), help="a row per value")
    sla.add_argument("--period", help="2026-Q4, FY2027-Q1, this, next or last")
    sla.add_argument("--as-of", help="a date (its end) or an ISO datetime; default now")
    sla.add_argument("--json", action="store_true", help="SPEC's JSON instead of a table")
    sla.set_defaults(run=cmd_sla)
    campaigns = sub.add_parser("campaigns", parents=[common], help=cmd_campaigns.__doc__)
    campaigns.add_argument("--period", help="2026-Q4, this, next or last (default: all time)")
    campaigns.add_argument("--as-of", help="a date (its end) or an ISO datetime; default now")
    campaigns.add_argument("--json", action="store_true", help="SPEC's JSON instead of a list")
    campaigns.set_defaults(run=cmd_campaigns)

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
    digest.add_argument(
        "--image-dir", help="where --dry-run writes the images (default: a temporary folder)"
    )
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
    except ValueError as error:
        print(f"council: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        # Imported here: only a command that got as far as the store or a use case can
        # raise these, and a plain start should not pay for their modules.
        from commands.results import CommandError
        from store.db import SchemaOutOfDate

        if isinstance(error, SchemaOutOfDate):
            print(f"council: {error}", file=sys.stderr)
            return 2
        if isinstance(error, CommandError):
            print(f"council: {getattr(error.result, 'message', error)}", file=sys.stderr)
            return 2
        if isinstance(error, OSError) and error.strerror:
            where = f": {error.filename}" if error.filename else ""
            print(f"council: {error.strerror}{where}", file=sys.stderr)
            return 2
        # Anything else is ours to fix: the whole story in the log at debug level, one
        # line here, never a traceback.
        log.debug("council %s failed", args.command, exc_info=True)
        print(
            f"council: {args.command} failed ({type(error).__name__}: {error}). "
            f"Run `council --log-level debug {args.command} ...` for the details.",
            file=sys.stderr,
        )
        return 1


def entry() -> None:
    """The installed `council` command."""
    # Piped into `head`, stop quietly when the reader has had enough. Only here: in a
    # process that also serves sockets (a test run), a closed peer must not kill it.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())


if __name__ == "__main__":
    entry()
