"""`council import people`: owners by Salesforce user id, email or name; Slack accounts by
email; the first admin is never lost to an import."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bot.render import render
from bot.render.blocks import Message
from bot.slack.app import web_client
from bot.slack.settings import Settings
from bot.webapi.directory import WebApiDirectory
from commands import imports
from commands.admins import grant_admin
from commands.context import Actor, Env
from commands.councils import command as council
from commands.councils.command import TargetList
from commands.import_people import import_people
from commands.results import Notice, Problem, Refused
from commands.workspace import ensure_person
from store.models import Deal, Person
from tests.support.crm import crm_file
from tests.support.fake_slack import FakeSlack

CLI = Actor("T0TEST001", "cli", "council CLI", "cli")
USERS = (
    "Id,Name,Email,ManagerId,IsActive,UserRole.Name\n"
    "005A,Ada Vance,ada@acme.io,,true,VP Sales\n"
    "005B,Ben Ortiz,ben@acme.io,005A,true,Account Executive\n"
    "005C,Cy Lund,cy@acme.io,005A,false,Account Executive\n"
)


def everyone(env: Env) -> dict[str, Person]:
    with env.db.transaction() as session:
        return {p.display_name: p for p in session.scalars(select(Person))}


def directory(slack: FakeSlack) -> WebApiDirectory:
    return WebApiDirectory(web_client(Settings("xoxb-test", None, None, slack.api_url)))


def test_maven_teams_give_owners_their_managers_and_deals_their_region(env: Env):
    teams = crm_file("maven_crm_sales_opportunities", "sales_teams.csv")
    pipeline = crm_file("maven_crm_sales_opportunities", "sales_pipeline.csv")
    with teams.open(newline="") as handle:
        team_rows = list(csv.DictReader(handle))
    with pipeline.open(newline="") as handle:
        deal_rows = list(csv.DictReader(handle))
    report = import_people(env, CLI, teams)
    managers = {r["manager"] for r in team_rows}
    assert (report.created, report.bad) == (len(team_rows) + len(managers), [])
    found = everyone(env)
    by_id = {p.id: p for p in found.values()}
    for row in team_rows:
        person = found[row["sales_agent"]]
        assert (
            person.manager_id is not None
            and by_id[person.manager_id].display_name == row["manager"]
        )
    assert {found[m].role for m in managers} == {"manager"}
    deals = imports.import_deals(env, CLI, pipeline)
    assert (deals.created, deals.bad) == (len(deal_rows), [])
    region_of = {r["sales_agent"]: r["regional_office"] for r in team_rows}
    expected = Counter(region_of[r["sales_agent"]] for r in deal_rows)
    with env.db.transaction() as session:
        regions = Counter(session.scalars(select(Deal.region)))
    assert regions == expected
    assert len(everyone(env)) == len(team_rows) + len(managers)  # no owner added twice


def test_salesforce_users_own_deals_by_owner_id_and_meet_slack_by_email(
    env: Env, tmp_path: Path, slack: FakeSlack
):
    slack.emails = {"ada@acme.io": "U0ADA0001"}
    users = tmp_path / "User.csv"
    users.write_text(USERS)
    report = import_people(env, CLI, users, slack=directory(slack))
    assert (report.created, report.in_slack, report.inactive) == (3, 1, 1)
    assert report.not_in_slack == ["Ben Ortiz"]  # Cy is inactive: no one to invite
    lookups = [c.params["email"] for c in slack.calls_to("users.lookupByEmail")]
    assert sorted(lookups) == ["ada@acme.io", "ben@acme.io"]
    import_people(env, CLI, users, slack=directory(slack))  # Ada is linked: not asked again
    lookups = [c.params["email"] for c in slack.calls_to("users.lookupByEmail")]
    assert sorted(lookups) == ["ada@acme.io", "ben@acme.io", "ben@acme.io"]
    found = everyone(env)
    assert found["Ada Vance"].slack_user_id == "U0ADA0001"
    assert found["Ben Ortiz"].manager_id == found["Ada Vance"].id
    assert (found["Ada Vance"].role, found["Ben Ortiz"].role) == ("manager", "rep")
    deals = tmp_path / "Opportunity.csv"
    deals.write_text(
        "Id,Name,StageName,Amount,CloseDate,OwnerId\n"
        "006X,Acme,Prospecting,10,2026-12-01,005B\n"
        "006Y,Globex,Prospecting,20,2026-12-01,005C\n"
        "006Z,Initech,Prospecting,30,2026-12-01,005Q\n"
    )
    loaded = imports.import_deals(env, CLI, deals)
    assert (loaded.created, loaded.bad) == (3, [])
    with env.db.transaction() as session:
        owners = dict(session.execute(select(Deal.external_id, Deal.owner_id)).all())
    found = everyone(env)
    assert owners["006X"] == found["Ben Ortiz"].id and owners["006Y"] == found["Cy Lund"].id
    # An owner the people file did not list is kept by id, and named when it is imported.
    assert found["Salesforce user 005Q"].salesforce_id == "005Q"
    (tmp_path / "more.csv").write_text("Id,Name,Email\n005Q,Quinn Park,quinn@acme.io\n")
    again = import_people(env, CLI, tmp_path / "more.csv")
    assert (again.created, again.updated) == (0, 1)
    assert everyone(env)["Quinn Park"].id == owners["006Z"]


def test_the_first_slack_user_is_admin_after_an_import_and_an_import_never_demotes(
    env: Env, tmp_path: Path, maya: Actor, jo: Actor
):
    users = tmp_path / "User.csv"
    users.write_text(USERS)
    import_people(env, CLI, users)
    with env.db.transaction() as session:
        first = ensure_person(session, maya, env.now())
        second = ensure_person(session, jo, env.now())
        assert (first.role, second.role) == ("admin", "rep")
        first.email = "ada@acme.io"  # maya is Ada; the file calls her a VP (a manager)
    import_people(env, CLI, users)
    with env.db.transaction() as session:
        maya_now = session.scalar(select(Person).where(Person.slack_user_id == maya.user_id))
        assert maya_now is not None and maya_now.role == "admin"


def test_the_first_to_speak_is_admin_when_an_import_linked_everyone_to_slack_first(
    env: Env, tmp_path: Path, slack: FakeSlack, jo: Actor, sam: Actor
):
    slack.emails = {"ada@acme.io": jo.user_id, "ben@acme.io": sam.user_id}
    users = tmp_path / "User.csv"
    users.write_text(USERS)
    import_people(env, CLI, users, slack=directory(slack))
    with env.db.transaction() as session:
        first = ensure_person(session, sam, env.now())  # Ben, linked by email, speaks first
        second = ensure_person(session, jo, env.now())  # Ada, linked too
        assert (first.email, first.role) == ("ben@acme.io", "admin")
        assert (second.email, second.role) == ("ada@acme.io", "manager")


def test_council_people_admin_grants_it_and_a_refusal_always_names_someone(
    env: Env, tmp_path: Path, slack: FakeSlack, maya: Actor, jo: Actor
):
    # Everyone is imported and linked to Slack before anyone speaks: the first to speak (Jo,
    # Ben in the file) is the admin, and a refusal to the next names him.
    slack.emails = {"ada@acme.io": maya.user_id, "ben@acme.io": jo.user_id}
    users = tmp_path / "User.csv"
    users.write_text(USERS)
    import_people(env, CLI, users, slack=directory(slack))
    assert isinstance(council.run(env, jo, "targets"), TargetList)
    refused = council.run(env, maya, "role <@U0JO00001> rep")
    assert isinstance(refused, Refused) and "jo" in refused.who_can
    shown = render(refused)
    assert isinstance(shown, Message)
    assert "Who can: " in str(shown.blocks)
    assert grant_admin(env, CLI, "ADA@acme.io") == Notice("Ada Vance is now an admin of T0TEST001.")
    assert isinstance(council.run(env, maya, "role <@U0JO00001> manager"), Notice)
    assert isinstance(grant_admin(env, CLI, "nobody@acme.io"), Problem)
    assert grant_admin(env, CLI, "U0NEW0001") == Notice("U0NEW0001 is now an admin of T0TEST001.")
