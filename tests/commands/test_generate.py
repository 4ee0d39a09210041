"""The generator: the same seed gives the same organisation, and it looks like a real one."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from commands.context import Env
from commands.generate import generate
from store.models import Deal, DealVersion, Person, Target


def snapshot(env: Env) -> list[tuple[object, ...]]:
    with env.db.transaction() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(Deal.name, Deal.stage, Deal.amount, Deal.close_date, Deal.version).order_by(
                    Deal.external_id
                )
            )
        ]


def test_the_same_seed_makes_the_same_organisation(env: Env, tmp_path):
    made = generate(env, "T1", deals_count=300, seed=5)
    assert (made.deals, made.people) == (300, 6)  # an admin, a manager, four reps
    first = snapshot(env)
    with env.db.transaction() as session:
        session.execute(DealVersion.__table__.delete())
        session.execute(Deal.__table__.delete())
    generate(env, "T2", deals_count=300, seed=5)
    assert snapshot(env) == first
    with env.db.transaction() as session:
        session.execute(DealVersion.__table__.delete())
        session.execute(Deal.__table__.delete())
    generate(env, "T3", deals_count=300, seed=6)
    assert snapshot(env) != first


def test_deals_have_lives_like_real_ones(env: Env):
    made = generate(env, "T1", deals_count=2000, years=3, seed=1)
    with env.db.transaction() as session:
        deals = session.execute(
            select(Deal.id, Deal.status, Deal.close_date, Deal.created_date, Deal.version)
        ).all()
        versions = session.scalar(select(func.count()).select_from(DealVersion))
        reps = session.scalar(select(func.count()).where(Person.role == "rep"))
        managers = session.scalars(select(Person.manager_id).where(Person.role == "rep")).all()
        targets = session.scalar(select(func.count()).select_from(Target))
        changes = session.scalars(select(DealVersion.changes).where(DealVersion.version > 1)).all()
    assert made.versions == versions and versions > 3 * len(deals)  # several changes each
    assert reps == 4 and len(set(managers)) == 1
    status = Counter(d.status for d in deals)
    closed = status["won"] + status["lost"]
    assert 0.20 <= status["won"] / closed <= 0.40
    today = env.now().date()
    closes = [d.close_date for d in deals]
    assert min(closes) < today.replace(year=today.year - 2)
    assert max(closes) > today and (max(closes) - today).days <= 183
    kinds = Counter(
        "pushed" if new > old else "pulled in"
        for change in changes
        if "close_date" in change
        for old, new in [change["close_date"]]
    )
    assert kinds["pushed"] > kinds["pulled in"] > 0
    reopened = sum(1 for c in changes if c.get("status") == ["won", "open"])
    assert reopened > 0
    assert targets > 100


def test_a_workspace_with_deals_is_refused(env: Env):
    generate(env, "T1", deals_count=10, seed=1)
    with pytest.raises(ValueError, match="already has 10 deals"):
        generate(env, "T1", deals_count=10, seed=1)
