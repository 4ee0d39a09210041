"""/campaign's rights and rules (PERMISSIONS.md): admins create campaigns and change
their statuses, anyone moves a member, another workspace sees nothing; a refused change
leaves the store as it was."""

from __future__ import annotations

from sqlalchemy import func, select

from commands.campaigns import command as campaign
from commands.campaigns.command import CampaignChanged
from commands.campaigns.figures import CampaignFigures
from commands.campaigns.reading import CampaignShown
from commands.context import Actor, Env
from commands.results import Duplicate, Problem, Refused
from commands.unit import run_unit
from store.models import (
    Campaign,
    CampaignMember,
    CampaignMemberStatus,
    CampaignMemberVersion,
    Person,
)
from tests.support import campaign_org

ADMIN = campaign_org.OWNER  # the workspace's first person
MANAGER = Actor("T0CAMP001", "U0CAMP002", "Ola Manager", "slash_command", "camp")
REP = Actor("T0CAMP001", "U0CAMP003", "Rui Rep", "slash_command", "camp")
STRANGER = Actor("T0OTHER01", "U0CAMP001", "Mara Vogel", "slash_command", "other")


def count(env: Env, model: type, *where: object) -> int:
    with env.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def setup(env: Env) -> None:
    campaign_org.build(env)
    for actor in (MANAGER, REP):
        run_unit(env, actor, lambda unit: unit.member())
    with env.db.transaction() as session:
        manager = session.scalars(select(Person).where(Person.slack_user_id == MANAGER.user_id))
        manager.one().role = "manager"


def test_only_admins_create_campaigns_and_change_statuses(env: Env):
    setup(env)
    campaigns, statuses = count(env, Campaign), count(env, CampaignMemberStatus)
    for actor in (MANAGER, REP):
        for text in ("create Spring launch", "statuses Root add Attended responded"):
            refused = campaign.run(env, actor, text, key=f"{actor.user_id}:{text}")
            assert isinstance(refused, Refused) and "Mara Vogel" in refused.who_can
    assert (count(env, Campaign), count(env, CampaignMemberStatus)) == (campaigns, statuses)
    made = campaign.run(env, ADMIN, "create Spring launch parent=Root cost=2k", key="k1")
    assert isinstance(made, CampaignChanged) and "under Root" in made.text
    assert count(env, Campaign) == campaigns + 1
    again = campaign.run(env, ADMIN, "create Spring launch", key="k2")
    assert isinstance(again, Problem) and "already named" in again.message


def test_anyone_moves_a_member_to_one_of_the_campaigns_statuses(env: Env):
    setup(env)
    versions = count(env, CampaignMemberVersion)
    moved = campaign.run(env, REP, "member Root m1 Responded", key="r1")
    assert isinstance(moved, CampaignChanged)
    assert moved.text == "m1 in Root: Sent → Responded (responded)."
    assert count(env, CampaignMemberVersion) == versions + 1
    # The same request delivered again has no second effect.
    assert isinstance(campaign.run(env, REP, "member Root m1 Responded", key="r1"), Duplicate)
    wrong = campaign.run(env, REP, "member Root m1 Attended", key="r2")
    assert isinstance(wrong, Problem)
    assert "Root has no status `Attended`; its statuses are Sent, Responded." in wrong.message
    nobody = campaign.run(env, REP, "member Root 00Qnobody Sent", key="r3")
    assert isinstance(nobody, Problem) and "no member `00Qnobody`" in nobody.message
    assert count(env, CampaignMemberVersion) == versions + 1
    with env.db.transaction() as session:
        m1 = session.scalars(select(CampaignMember).where(CampaignMember.lead_id == "m1")).one()
        assert m1.status == "Responded" and m1.first_responded_date is not None


def test_a_campaign_keeps_one_default_and_one_responded_status(env: Env):
    setup(env)
    gone = campaign.run(env, ADMIN, "statuses B remove Responded", key="s1")
    assert isinstance(gone, Problem)
    assert "it needs at least one status that counts as responded" in gone.message
    held = campaign.run(env, ADMIN, "statuses Root remove Sent", key="s2")
    assert isinstance(held, Problem) and "hold the status Sent" in held.message
    added = campaign.run(env, ADMIN, "statuses B add Invited default", key="s3")
    assert isinstance(added, CampaignChanged) and "(the default)" in added.text
    with env.db.transaction() as session:
        b = session.scalars(select(Campaign).where(Campaign.name == "B")).one()
        defaults = session.scalars(
            select(CampaignMemberStatus.label).where(
                CampaignMemberStatus.campaign_id == b.id, CampaignMemberStatus.is_default
            )
        ).all()
    assert defaults == ["Invited"]  # the new default took over from Sent


def test_another_workspace_sees_and_changes_nothing(env: Env):
    setup(env)
    shown = campaign.run(env, STRANGER, "show Root")
    assert isinstance(shown, Problem) and "No campaign is named `Root`" in shown.message
    moved = campaign.run(env, STRANGER, "member Root m1 Responded", key="x1")
    assert isinstance(moved, Problem)
    listed = campaign.run(env, STRANGER, "list")
    assert isinstance(listed, CampaignFigures) and not listed.campaigns
    mine = campaign.run(env, ADMIN, "show Root")
    assert isinstance(mine, CampaignShown) and mine.line.own.members == 3
