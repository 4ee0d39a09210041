"""Every command family's write survives losing a race on PostgreSQL: a trigger fails the
first write to the family's table with a serialization failure or a deadlock, exactly as
PostgreSQL reports a lost race, and the person still gets their answer, with one effect."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from commands import checklist, cleanup, forecast
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.results import Duplicate, Problem, Refused
from store.db import Database
from store.models import Action, DealAnswer, DealSnooze, DealVersion, ForecastCall, Person, Target
from tests.support.actions import assign_spiff
from tests.support.clock import FakeClock
from tests.support.databases import PostgresServer
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import FORM, User, post, slash_command

pytestmark = pytest.mark.postgres

LOSE_A_RACE = """
CREATE OR REPLACE FUNCTION lose_a_race() RETURNS trigger AS $$
BEGIN
  -- A sequence is not rolled back with the failed transaction, so it counts the attempts.
  IF nextval('race_attempts') = 1 THEN
    RAISE EXCEPTION 'lost a race on %', TG_TABLE_NAME USING ERRCODE = TG_ARGV[0];
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
"""


@pytest.fixture
def database(_postgres: PostgresServer) -> Iterator[Database]:
    """PostgreSQL only: the races are PostgreSQL's."""
    db = _postgres.fresh()
    yield db
    db.dispose()


@pytest.fixture
def lose_once(database: Database) -> Iterator[Callable[[str, str, str], None]]:
    """Make the next write of `event` (INSERT or UPDATE) to `table` fail once with `state`."""
    made: list[str] = []

    def arm(table: str, event: str, state: str) -> None:
        with database.engine.begin() as connection:
            connection.execute(text("CREATE SEQUENCE race_attempts"))
            connection.execute(text(LOSE_A_RACE))
            connection.execute(
                text(
                    f"CREATE TRIGGER lose_a_race BEFORE {event} ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION lose_a_race('{state}')"
                )
            )
        made.append(table)

    yield arm
    with database.engine.begin() as connection:
        for table in made:
            connection.execute(text(f"DROP TRIGGER IF EXISTS lose_a_race ON {table}"))
        connection.execute(text("DROP FUNCTION IF EXISTS lose_a_race()"))
        connection.execute(text("DROP SEQUENCE IF EXISTS race_attempts"))


def attempts(database: Database) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(text("SELECT last_value FROM race_attempts")).scalar_one())


def count(env: Env, model: type) -> int:
    with env.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def acme(env: Env, maya: Actor, jo: Actor, sam: Actor, clock: FakeClock) -> int:
    """Maya admin with a council, Jo a rep with a Commit deal closing this quarter, Sam a
    rep."""
    clock.current = datetime(2026, 11, 23, 10, tzinfo=UTC)
    council.run(env, maya, "people")
    saved = deal.run(env, jo, "new Acme stage=Decision amount=100k close=2026-12-10")
    council.run(env, sam, "people")
    council.run(env, maya, "create #pipeline dimensions=product tz=UTC")
    return saved.deal.id  # type: ignore[union-attr]


STATES = ["40001", "40P01"]  # serialization failure, deadlock
MAYA = Actor("T0TEST001", "U0MAYA001", "maya", "slash_command", "testteam")
JO = Actor("T0TEST001", "U0JO00001", "jo", "slash_command", "testteam")
# What each family writes: the table it writes first, and how many rows it adds there.
WRITES: dict[str, tuple[str, Callable[[Env, int], object], type, int]] = {
    "deal update": (
        "deal_versions",
        lambda env, _: deal.run(env, JO, "Acme amount=120k"),
        DealVersion,
        1,
    ),
    "forecast call": (
        "forecast_calls",
        lambda env, _: forecast.run(env, JO, "250k"),
        ForecastCall,
        1,
    ),
    "target": (
        "targets",
        lambda env, _: council.run(env, MAYA, "target 2026-Q4 region EMEA closed 1.2M new"),
        Target,
        1,
    ),
    "checklist ticks": (
        "deal_answers",
        lambda env, deal_id: checklist.answer(env, JO, deal_id, ["budget", "exec"]),
        DealAnswer,
        2,
    ),
    "snooze": (
        "deal_snoozes",
        lambda env, deal_id: cleanup.snooze(env, JO, deal_id, "2026-12-05", "legal", "view:V1"),
        DealSnooze,
        1,
    ),
    "assignment": ("actions", lambda env, _: assign_spiff(env, MAYA, "<@U0JO00001|jo>"), Action, 1),
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("family", sorted(WRITES))
def test_a_write_that_lost_a_race_is_made_once(env, lose_once, acme, family, state):
    table, write, model, rows = WRITES[family]
    before = count(env, model)
    lose_once(table, "INSERT", state)
    result = write(env, acme)
    assert not isinstance(result, (Problem, Refused, Duplicate)), result
    assert count(env, model) == before + rows
    assert attempts(env.db) == 1 + rows  # the first row of the lost attempt, then each row


@pytest.mark.parametrize("state", STATES)
def test_a_role_change_that_lost_a_race_is_saved_once(env, lose_once, acme, state):
    lose_once("people", "UPDATE", state)
    result = council.run(env, MAYA, "role <@U0SAM0001|sam> manager")
    assert not isinstance(result, (Problem, Refused)), result
    with env.db.transaction() as session:
        sam = session.scalar(select(Person).where(Person.slack_user_id == "U0SAM0001"))
        assert sam is not None and sam.role == "manager"
    assert attempts(env.db) == 2


def test_a_slash_command_that_lost_a_race_answers_as_usual(
    env: Env, lose_once, acme, slack: FakeSlack, http_app: RunningApp
):
    lose_once("forecast_calls", "INSERT", "40001")
    jo = User("U0JO00001", "jo", "T0TEST001")
    post(
        http_app.events_url,
        slash_command("/forecast", "250k", slack.response_url(), jo),
        content_type=FORM,
    )
    reply = slack.wait_for("response_url")[0]
    assert reply.params["text"].startswith("Called $250,000 for your deals in 2026-Q4")
    assert count(env, ForecastCall) == 1 and attempts(env.db) == 2
