"""Two workspaces with the same people, deal names and council names: everything one of
them does (commands, buttons, forms, digests, reminders, weekly DMs, the Home tab, the CLI
and imports) neither shows nor changes a row of the other."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.console.repl import Console
from bot.run.cli import main
from bot.webapi.outlet import outlets
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.demo import load_demo
from schedules.digests import deliver_due
from schedules.nudges import send_nudges
from schedules.reminders import send_reminders
from store.db import Database
from store.models import (
    Action,
    ActionEvent,
    Base,
    Council,
    Deal,
    DealVersion,
    DigestCell,
    DigestMessage,
    DigestRun,
    Person,
)
from tests.support.clock import FakeClock

A, B = "T0AAAAAA1", "T0BBBBBB1"
SECRET_DEAL = "Zeta secret merger"
SECRET_PERSON = "Bea Secret"
SCRIPT = [
    "/deal list all",
    "/deal Globex renewal 14 amount=99k next=call",
    "/deal show Globex renewal 14",
    "/deal find zeta",
    "/apm region",
    "/coverage region EMEA",
    "/forecast region EMEA 100k",
    "/forecast",
    "/forecast questions",
    "/council people",
    "/council targets",
    "/council settings stale_days=10",
    "/council questions meddicc",
    "/council create #pipeline dimensions=region tz=UTC",
    "/digest pipeline",
    "/actions council pipeline",
    "/deal snooze Globex renewal 14 until=12/31 reason=legal",
    "/nudge",
    "/remind",
    "/home",
    "/as Jo Park",
    "/forecast questions",
    "1",
    "/home",
]


def snapshot(db: Database, workspace: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row that belongs to the workspace, table by table."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            if "workspace_id" in table.c:
                query = select(table).where(table.c.workspace_id == workspace)
            elif table.name == "workspaces":
                query = select(table).where(table.c.id == workspace)
            else:
                continue
            rows[table.name] = sorted(map(tuple, session.execute(query)), key=repr)
        runs = select(DigestRun.id).where(DigestRun.workspace_id == workspace)
        councils = select(Council.id).where(Council.workspace_id == workspace)
        actions = select(Action.id).where(Action.workspace_id == workspace)
        deals = select(Deal.id).where(Deal.workspace_id == workspace)
        for model, column, parents in (
            (DigestMessage, DigestMessage.run_id, runs),
            (DigestCell, DigestCell.council_id, councils),
            (ActionEvent, ActionEvent.action_id, actions),
            (DealVersion, DealVersion.deal_id, deals),
        ):
            found = session.scalars(select(model).where(column.in_(parents))).all()
            rows[f"{model.__tablename__} via parent"] = sorted(
                repr({k: v for k, v in vars(r).items() if not k.startswith("_")}) for r in found
            )
    return rows


def console(env: Env, workspace: str, lines: list[str]) -> str:
    out = io.StringIO()
    typed: Iterator[str] = iter(lines)
    console = Console(env, workspace, out, lambda prompt: next(typed))
    for line in typed:
        out.write(f"> {line}\n")
        console.handle(line)
    return out.getvalue()


@pytest.fixture
def twins(env: Env, clock: FakeClock) -> Env:
    """A and B: the same demo team and deals; B also has a secret deal and person."""
    clock.current = clock.current.replace(hour=9)
    load_demo(env, A)
    load_demo(env, B)
    b_admin = Actor(B, "U0DEMO001", "Maya Chen", "console")
    deal.run(
        env,
        b_admin,
        f"new {SECRET_DEAL} amount=777777 close=12/20 owner=<@U0SECRET1|{SECRET_PERSON}>",
    )
    council.run(env, b_admin, "role <@U0SECRET1|Bea Secret> manager")
    return env


def test_one_workspace_never_sees_or_changes_the_other(
    twins: Env, database: Database, tmp_path: Path, monkeypatch, capsys
):
    env = twins
    before = snapshot(database, B)
    with env.db.transaction() as session:
        secret_id = session.scalar(select(Deal.id).where(Deal.name == SECRET_DEAL))
    transcript = console(
        env, A, [*SCRIPT, f"/deal #{secret_id} amount=1", f"/deal show #{secret_id}"]
    )
    # The CLI and an import, pointed at A.
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    export = tmp_path / "deals.csv"
    export.write_text(
        "Id,Name,StageName,Amount,CloseDate,CreatedDate,Owner.Name\n"
        "006A1,Globex renewal 14,Decision,5000,2026-12-20,2026-10-01,Jo Park\n"
    )
    assert main(["import", "deals", str(export), "--workspace", A]) == 0
    assert main(["apm", "--by", "region", "--workspace", A, "--json"]) == 0
    assert main(["coverage", "--workspace", A]) == 0
    transcript += capsys.readouterr().out
    # Jobs for every workspace run; B's may post for B, never with A's or about A.
    posted: list[tuple[str, str]] = []

    class Recorder:
        def __init__(self, workspace: str) -> None:
            self.workspace = workspace

        def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:
            posted.append((self.workspace, repr(kwargs)))
            return {"ok": True, "ts": f"{len(posted)}.0001", "channel": kwargs["channel"]}

        def chat_update(self, **kwargs: Any) -> dict[str, Any]:
            return {"ok": True}

        def chat_getPermalink(self, **kwargs: Any) -> dict[str, Any]:
            return {"ok": True, "permalink": "x"}

        def files_upload_v2(self, **kwargs: Any) -> dict[str, Any]:
            return {"ok": True}

    assert snapshot(database, B) == before  # nothing A did touched B
    send_nudges(env, outlets(Recorder))
    send_reminders(env, outlets(Recorder))
    deliver_due(env, outlets(Recorder))

    assert SECRET_DEAL not in transcript and SECRET_PERSON not in transcript
    assert "777,777" not in transcript and "$778k" not in transcript
    assert f"No deal matches `#{secret_id}`" in transcript  # another workspace's number
    assert "Saved for" in transcript and "Called region EMEA at $100,000" in transcript
    for workspace, message in posted:
        if workspace == A:
            assert SECRET_DEAL not in message and SECRET_PERSON not in message
    assert B in {w for w, _ in posted}  # B's weekly DMs went out, with B's client
    # B's jobs wrote only B's own bookkeeping: its weekly DMs, to B's people.
    after = snapshot(database, B)
    sent_to = {row[2] for row in after.pop("nudges")}  # person_id
    with env.db.transaction() as session:
        b_people = set(session.scalars(select(Person.id).where(Person.workspace_id == B)))
    assert sent_to and sent_to <= b_people
    before.pop("nudges")
    assert after == before
