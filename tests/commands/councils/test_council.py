from __future__ import annotations

from datetime import date

from commands.context import Actor, Env
from commands.councils import command as council
from commands.councils.command import PeopleList, WorkspaceSettings
from commands.deals import command as deal
from commands.deals.results import DealSaved
from commands.results import Help, Notice, Problem, Refused


def test_the_first_person_is_admin_and_admins_change_roles(env: Env, maya: Actor, jo: Actor):
    people = council.run(env, maya, "people")
    assert isinstance(people, PeopleList) and people.people[0].role == "admin"
    deal.run(env, jo, "list")
    assert council.run(env, maya, "role @jo manager") == Notice("jo is now a manager (was rep).")
    assert council.run(env, maya, "role @jo manager") == Notice(
        "jo is already a manager; no change."
    )
    refused = council.run(env, jo, "role @maya rep")
    assert isinstance(refused, Refused) and refused.who_can == "maya"


def test_role_input_is_checked(env: Env, maya: Actor):
    for text, message in [
        ("role @maya boss", "Give a person and a role (rep, manager, admin)."),
        ("role @ghost rep", "No one called `@ghost` is known here; mention them."),
        ("role @maya rep", "You are the only admin; make someone else admin first."),
        ("dance", "`dance` is not a /council command."),
    ]:
        result = council.run(env, maya, text)
        assert isinstance(result, Problem) and result.message == message


def test_reporting_lines_cannot_loop_and_make_managers(env: Env, maya: Actor, jo: Actor, sam):
    council.run(env, maya, "people")
    deal.run(env, jo, "list")
    deal.run(env, sam, "list")
    assert council.run(env, maya, "manager @jo @sam") == Notice(
        "jo now reports to sam. sam is now a manager."
    )
    looped = council.run(env, maya, "manager @sam @jo")
    assert isinstance(looped, Problem) and "cannot loop" in looped.message
    assert council.run(env, maya, "manager @jo none") == Notice("jo has no manager now.")


def test_settings_change_the_fiscal_year_and_what_dates_mean(env: Env, maya: Actor):
    shown = council.run(env, maya, "settings")
    assert isinstance(shown, WorkspaceSettings)
    assert (shown.fiscal_start, shown.currency, shown.timezone) == (1, "$", "UTC")
    assert [s.name for s in shown.stages][-2:] == ["Closed Won", "Closed Lost"]
    saved = council.run(env, maya, "settings fiscal_start=2 currency=€ tz=Europe/Paris")
    assert isinstance(saved, WorkspaceSettings) and saved.changed == [
        "fiscal_start",
        "currency",
        "tz",
    ]
    created = deal.run(env, maya, "new Acme close=eoq amount=5k")
    assert isinstance(created, DealSaved)
    assert created.deal.close_date == date(2027, 1, 31)  # FY2027-Q4 ends in January
    assert created.deal.currency == "€"


def test_settings_refuse_bad_values_and_non_admins(env: Env, maya: Actor, jo: Actor):
    council.run(env, maya, "people")
    bad = council.run(env, maya, "settings fiscal_start=13 tz=Mars/Olympus colour=red")
    assert isinstance(bad, Problem)
    assert "1 to 12" in bad.message and "Mars/Olympus" in bad.message and "`colour`" in bad.message
    assert isinstance(council.run(env, jo, "settings"), WorkspaceSettings)
    assert isinstance(council.run(env, jo, "settings currency=£"), Refused)
    unchanged = council.run(env, maya, "settings")
    assert isinstance(unchanged, WorkspaceSettings) and unchanged.fiscal_start == 1


def test_help_lists_every_subcommand(env: Env, maya: Actor):
    result = council.run(env, maya, "")
    assert isinstance(result, Help)
    for word in ("people", "role", "manager", "settings"):
        assert f"/council {word}" in result.text


def test_admins_edit_the_list_of_actions(env: Env, maya: Actor):
    saved = council.run(env, maya, 'settings actions="SPIFF,Webinar series,Other"')
    assert isinstance(saved, WorkspaceSettings)
    assert saved.actions == ["SPIFF", "Webinar series", "Other"]
    bad = council.run(env, maya, "settings actions=,")
    assert isinstance(bad, Problem) and "comma-separated" in bad.message


def test_owners_max_is_ten_by_default_and_edited_within_its_range(env: Env, maya: Actor):
    from commands.councils.meeting import CouncilList

    council.run(env, maya, "create <#C0COUNCIL1|pipeline> tz=UTC")
    listed = council.run(env, maya, "list")
    assert isinstance(listed, CouncilList) and listed.councils[0].owners_max == 10
    assert council.run(env, maya, "edit pipeline owners_max=3") == Notice(
        "Council pipeline updated: owners_max."
    )
    listed = council.run(env, maya, "list")
    assert isinstance(listed, CouncilList) and listed.councils[0].owners_max == 3
    for wrong in ("0", "41", "ten"):
        refused = council.run(env, maya, f"edit pipeline owners_max={wrong}")
        assert isinstance(refused, Problem)
        assert f"owners_max is how many rows a digest asks owners for, 1 to 40, not `{wrong}`" in (
            refused.message
        )
    listed = council.run(env, maya, "list")
    assert isinstance(listed, CouncilList) and listed.councils[0].owners_max == 3
