"""The weekly digest's Marketing and sales section, on the hand-counted quarter."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.render.digest import main_blocks
from commands.context import Actor, Env
from commands.councils import command as council
from commands.digest import build_digest
from store.db import Database
from store.models import Council, Person

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_the_digest_has_a_marketing_and_sales_section(loaded: Database):
    env = Env(loaded, lambda: AT)
    admin = Actor("local", "U0ADMIN01", "ada", "slash_command", "local")
    council.run(env, admin, "targets")  # Ada meets the bot after the import's reps...
    with loaded.transaction() as session:
        ada = session.scalar(select(Person).where(Person.slack_user_id == "U0ADMIN01"))
        assert ada is not None
        ada.role = "admin"  # ...so an admin is made one
    said = council.run(env, admin, "create <#C0PIPE001|pipeline> dimensions=source tz=UTC", "c1")
    with loaded.transaction() as session:
        found = session.scalar(select(Council))
        assert found is not None, said
        assert found is not None
        digest = build_digest(session, found, AT)
    assert digest.marketing is not None and digest.marketing.total.mqls == 7
    text = json.dumps(main_blocks(digest), ensure_ascii=False)
    # The figures counted by hand in fixture.py, as a sales VP reads them.
    assert "*Marketing and sales*" in text
    assert "MQLs delivered:* 🔴 7 of 20" in text
    assert "*Accepted* 2 · *rejected* 2 (acceptance 50%)" in text
    assert "rejections: No budget 1, Not a fit 1" in text
    assert "median 9.0 h, p90 28.0 h" in text and "within the 24 h SLA 60%" in text
    assert "breached 2" in text
    assert "🟡 $150k of $300k" in text
    assert "701A" in text and "701B" in text  # conversion by campaign


def test_a_workspace_without_mqls_has_no_such_section(env: Env, maya: Actor):
    council.run(env, maya, "create <#C0PIPE001|pipeline> dimensions=source tz=UTC", "c1")
    with env.db.transaction() as session:
        found = session.scalar(select(Council))
        assert found is not None
        digest = build_digest(session, found, env.now())
    assert digest.marketing is None
    assert "Marketing and sales" not in json.dumps(main_blocks(digest))
