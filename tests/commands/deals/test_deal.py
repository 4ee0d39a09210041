from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from commands.context import Actor, Env, Pressed, Submitted
from commands.councils import command as council
from commands.deals import command as deal
from commands.deals.results import DealCard, DealForm, DealList, DealSaved
from commands.results import Choice, Duplicate, FormErrors, Help, Notice, Problem, Refused
from store.models import Deal, DealVersion, DimensionValue


def saved(result: object) -> DealSaved:
    assert isinstance(result, DealSaved), result
    return result


def admin_first(env: Env, maya: Actor) -> None:
    """Maya speaks first, so she is the workspace's admin."""
    assert council.run(env, maya, "people")


def count(env: Env, model: type, **where: object) -> int:
    with env.db.transaction() as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return session.scalar(query) or 0


def test_create_reads_every_field_as_people_type_it(env: Env, maya: Actor):
    result = saved(
        deal.run(
            env,
            maya,
            'new Acme renewal stage=deci amount=$1.2M close=12/15 next="send MSA" '
            'category=best account="Acme Corp" product=Platform region=EMEA segment=SMB source=bdr',
        )
    )
    view = result.deal
    assert result.created
    assert (view.name, view.stage, view.status) == ("Acme renewal", "Decision", "open")
    assert view.amount == Decimal("1200000.00")
    assert view.close_date == date(2026, 12, 15)
    assert view.created_date == date(2026, 11, 23)
    assert (view.next_step, view.account) == ("send MSA", "Acme Corp")
    assert (view.category, view.category_is_explicit) == ("Best Case", True)
    assert (view.product, view.region, view.segment, view.source) == (
        "Platform",
        "EMEA",
        "SMB",
        "BDR",
    )
    assert view.owner == "maya"
    assert "Took source `bdr` as `BDR`." not in result.notes  # a case difference needs no note
    assert "`EMEA` is a new region; added it to the list." in result.notes


def test_update_records_who_when_from_where_and_old_and_new_values(env: Env, maya: Actor, clock):
    saved(deal.run(env, maya, "new Acme renewal amount=100k"))
    clock.advance(hours=2)
    result = saved(deal.run(env, maya, "Acme stage=Decision amount=120k"))
    assert [(c.label, c.old, c.new) for c in result.changes] == [
        ("stage", "Prospecting", "Decision"),
        ("amount", "$100,000", "$120,000"),
        ("category", "Pipeline", "Commit"),
    ]
    with env.db.transaction() as session:
        versions = session.scalars(select(DealVersion).order_by(DealVersion.version)).all()
    assert [v.version for v in versions] == [1, 2]
    first, second = versions
    assert first.valid_to == second.valid_from == clock.current
    assert second.valid_to is None
    assert second.change_source == "slash_command"
    assert second.changes["amount"] == ["100000.00", "120000.00"]
    assert second.changes["stage"] == ["Prospecting", "Decision"]


def test_the_same_update_twice_changes_the_deal_once(env: Env, maya: Actor):
    saved(deal.run(env, maya, "new Acme renewal"))
    assert saved(deal.run(env, maya, "Acme amount=120k")).changes
    again = saved(deal.run(env, maya, "Acme amount=120,000"))
    assert again.unchanged
    assert count(env, DealVersion) == 2


def test_bare_words_after_a_field_continue_its_value(env: Env, maya: Actor):
    result = saved(deal.run(env, maya, "new Acme next=send MSA to legal stage=Closed Won"))
    assert result.deal.next_step == "send MSA to legal"
    assert result.deal.stage == "Closed Won"


def test_a_quoted_first_word_is_a_name_not_a_subcommand(env: Env, maya: Actor):
    saved(deal.run(env, maya, 'new "New York expansion"'))
    result = saved(deal.run(env, maya, '"New York" amount=5k'))
    assert result.deal.name == "New York expansion"


def test_errors_name_every_bad_part_and_write_nothing(env: Env, maya: Actor):
    saved(deal.run(env, maya, "new Acme renewal amount=100k"))
    result = deal.run(env, maya, "Acme stage=Negotiate amount=-5 close=someday next=ok")
    assert isinstance(result, Problem)
    assert "`Negotiate` is not a stage. Stages: Prospecting, Qualification" in result.message
    assert "amounts cannot be negative" in result.message
    assert "`someday` is not a date I can read" in result.message
    assert result.example == "stage=Decision"
    assert count(env, DealVersion) == 1


def test_an_unknown_field_is_named_with_the_list_of_fields(env: Env, maya: Actor):
    result = deal.run(env, maya, "Acme stagee=Decision")
    assert isinstance(result, Problem)
    assert "`stagee`" in result.message and "stage, amount, close" in result.message


def test_an_ambiguous_stage_prefix_lists_the_candidates(env: Env, maya: Actor):
    result = deal.run(env, maya, "new Acme stage=closed")
    assert isinstance(result, Problem)
    assert "`Closed Won` or `Closed Lost`" in result.message
    assert count(env, Deal) == 0


def test_zero_is_a_valid_amount(env: Env, maya: Actor):
    assert saved(deal.run(env, maya, "new Lost one stage=Closed Lost amount=0")).deal.amount == 0


def test_a_past_close_date_on_an_open_deal_is_saved_with_a_warning(env: Env, maya: Actor):
    result = saved(deal.run(env, maya, "new Acme close=2026-11-01"))
    assert result.deal.close_date == date(2026, 11, 1)
    assert any("in the past" in note for note in result.notes)
    closed = saved(deal.run(env, maya, "new Old win stage=won close=2026-11-01"))
    assert not any("in the past" in note for note in closed.notes)


def test_category_follows_the_stage_until_set_and_closed_stages_fix_it(env: Env, maya: Actor):
    saved(deal.run(env, maya, "new Acme"))
    assert saved(deal.run(env, maya, "Acme stage=Decision")).deal.category == "Commit"
    assert saved(deal.run(env, maya, "Acme category=best")).deal.category == "Best Case"
    stays = saved(deal.run(env, maya, "Acme stage=Consideration")).deal
    assert (stays.category, stays.category_is_explicit) == ("Best Case", True)
    follows = saved(deal.run(env, maya, "Acme category=auto")).deal
    assert (follows.category, follows.category_is_explicit) == ("Best Case", False)
    won = saved(deal.run(env, maya, "Acme stage=won")).deal
    assert (won.status, won.category) == ("won", "Closed")
    refused = deal.run(env, maya, "Acme category=commit")
    assert isinstance(refused, Problem) and "always in the Closed category" in refused.message
    reopened = saved(deal.run(env, maya, "Acme stage=Decision")).deal
    assert (reopened.status, reopened.category) == ("open", "Commit")
    bad = deal.run(env, maya, "Acme category=closed")
    assert isinstance(bad, Problem) and "Closed is for won deals" in bad.message


def test_a_value_one_typo_from_a_known_one_is_taken_as_it_with_a_note(env: Env, maya: Actor):
    saved(deal.run(env, maya, "new Acme segment=Enterprise"))
    result = saved(deal.run(env, maya, "new Globex segment=enterprse"))
    assert result.deal.segment == "Enterprise"
    assert result.notes == ["Took segment `enterprse` as `Enterprise`."]
    assert count(env, DimensionValue, dimension="segment") == 1


def test_a_cleared_value_counts_under_none(env: Env, maya: Actor):
    saved(deal.run(env, maya, "new Acme region=EMEA"))
    assert saved(deal.run(env, maya, "Acme region=none")).deal.region is None


def test_ambiguous_names_get_a_choice_never_a_guess(env: Env, maya: Actor):
    saved(deal.run(env, maya, "new Acme renewal"))
    saved(deal.run(env, maya, "new Acme expansion"))
    result = deal.run(env, maya, "Acme amount=50k")
    assert isinstance(result, Choice)
    assert [o.action for o in result.options] == ["deal.pick", "deal.pick"]
    assert count(env, DealVersion) == 2
    picked = saved(deal.press(env, maya, Pressed("deal.pick", result.options[1].value)))
    assert picked.deal.name in ("Acme renewal", "Acme expansion")
    assert picked.deal.amount == Decimal("50000.00")


def test_an_exact_name_wins_over_longer_names(env: Env, maya: Actor):
    saved(deal.run(env, maya, "new Acme"))
    saved(deal.run(env, maya, "new Acme expansion"))
    assert saved(deal.run(env, maya, "acme amount=1k")).deal.name == "Acme"


def test_a_deal_is_named_by_number(env: Env, maya: Actor):
    created = saved(deal.run(env, maya, "new Acme"))
    assert saved(deal.run(env, maya, f"#{created.deal.id} amount=1k")).deal.amount == 1000


def test_no_match_offers_to_create_and_the_button_creates_once(env: Env, maya: Actor):
    result = deal.run(env, maya, "Initech pilot stage=Qualification amount=20k")
    assert isinstance(result, Choice) and "No deal matches `Initech pilot`" in result.prompt
    button = result.options[0]
    assert button.action == "deal.create"
    created = saved(deal.press(env, maya, Pressed(button.action, button.value)))
    assert (created.deal.name, created.deal.stage) == ("Initech pilot", "Qualification")
    assert isinstance(deal.press(env, maya, Pressed(button.action, button.value)), Duplicate)
    assert count(env, Deal) == 1


def test_creating_a_second_deal_of_the_same_name_asks_first(env: Env, maya: Actor):
    saved(deal.run(env, maya, "new Acme renewal"))
    result = deal.run(env, maya, "new acme renewal amount=5k")
    assert isinstance(result, Choice) and "already have a deal named Acme renewal" in result.prompt
    assert count(env, Deal) == 1
    second = saved(
        deal.press(env, maya, Pressed(result.options[0].action, result.options[0].value))
    )
    assert second.created and second.deal.amount == 5000
    assert count(env, Deal) == 2


def test_reps_change_only_their_own_deals_and_are_told_who_can(
    env: Env, maya: Actor, jo: Actor, sam: Actor
):
    admin_first(env, maya)
    saved(deal.run(env, jo, "new Jo's deal"))
    saved(deal.run(env, sam, "new Sam's deal"))
    refused = deal.run(env, jo, "Sam's deal amount=1")
    assert isinstance(refused, Refused)
    assert refused.message == "Sam's deal belongs to sam; you cannot change it."
    assert refused.who_can == "its owner sam or an admin"
    # By number too.
    sams = deal.run(env, jo, "show Sam's deal")
    assert isinstance(sams, DealCard) and not sams.can_edit
    assert isinstance(deal.run(env, jo, f"#{sams.deal.id} amount=1"), Refused)
    assert saved(deal.run(env, maya, "Sam's deal amount=1")).changes  # admins may


def test_managers_change_their_teams_deals_and_no_one_elses(
    env: Env, maya: Actor, jo: Actor, sam: Actor
):
    admin_first(env, maya)
    saved(deal.run(env, jo, "new Jo's deal"))
    saved(deal.run(env, sam, "new Sam's deal"))
    assert isinstance(council.run(env, maya, "manager @jo @sam"), Notice)
    assert saved(deal.run(env, sam, "Jo's deal amount=7k")).changes
    assert isinstance(deal.run(env, jo, "Sam's deal amount=1"), Refused)
    refused = deal.run(env, jo, "Sam's deal stage=Decision")
    assert isinstance(refused, Refused)
    # Sam is now a manager and may hand deals within the team, not outside it.
    moved = saved(deal.run(env, sam, "Sam's deal owner=@jo"))
    assert moved.deal.owner == "jo"
    outside = deal.run(env, sam, "Jo's deal owner=@maya")
    assert isinstance(outside, Problem) and "maya is not in your team" in outside.message


def test_reps_cannot_give_deals_away(env: Env, maya: Actor, jo: Actor):
    admin_first(env, maya)
    saved(deal.run(env, maya, "new Anything"))
    saved(deal.run(env, jo, "new Mine"))
    result = deal.run(env, jo, "Mine owner=@maya")
    assert isinstance(result, Problem) and "only managers and admins" in result.message


def test_owner_by_slack_mention_adds_someone_new_as_a_rep(env: Env, maya: Actor):
    saved(deal.run(env, maya, "new Acme"))
    result = saved(deal.run(env, maya, "Acme owner=<@U0NEW0001|newbie>"))
    assert result.deal.owner == "newbie"


def test_show_has_fields_stale_flags_and_history(env: Env, maya: Actor, clock):
    saved(deal.run(env, maya, "new Acme amount=10k close=2026-12-01"))
    clock.advance(days=20)
    card = deal.run(env, maya, "show Acme")
    assert isinstance(card, DealCard) and card.can_edit
    assert set(card.deal.stale) == {
        "close date passed",
        "no update for 20 days",
        "no next step",
    }
    assert card.history[0].changes[0].label == "created"


def test_list_mine_team_stale_and_all(env: Env, maya: Actor, jo: Actor, sam: Actor, clock):
    admin_first(env, maya)
    saved(deal.run(env, jo, "new Jo fresh amount=1k close=2027-01-10 next=call"))
    saved(deal.run(env, jo, "new Jo stale"))
    saved(deal.run(env, sam, "new Sam one"))
    council.run(env, maya, "manager @jo @sam")
    mine = deal.run(env, jo, "list")
    assert isinstance(mine, DealList) and {d.name for d in mine.deals} == {"Jo fresh", "Jo stale"}
    stale = deal.run(env, jo, "list stale")
    assert isinstance(stale, DealList) and [d.name for d in stale.deals] == ["Jo stale"]
    team = deal.run(env, sam, "list team")
    assert isinstance(team, DealList) and len(team.deals) == 3
    assert isinstance(deal.run(env, jo, "list team"), Problem)
    assert isinstance(deal.run(env, jo, "list all"), Refused)
    everyone = deal.run(env, maya, "list all")
    assert isinstance(everyone, DealList) and len(everyone.deals) == 3
    assert isinstance(deal.run(env, jo, "list everything"), Problem)
    nothing = deal.run(env, sam, "list stale")
    assert isinstance(nothing, DealList)
    own = deal.run(env, maya, "list")
    assert isinstance(own, DealList) and own.empty.endswith("`/deal list team` shows your team's.")


def test_find_searches_names_accounts_and_next_steps_literally(env: Env, maya: Actor):
    saved(deal.run(env, maya, 'new Acme renewal account="Wonka Inc" next="100% sure"'))
    saved(deal.run(env, maya, "new Globex"))
    for text, names in [("wonka", ["Acme renewal"]), ("100%", ["Acme renewal"]), ("_", [])]:
        found = deal.run(env, maya, f"find {text}")
        assert isinstance(found, DealList)
        assert [d.name for d in found.deals] == names


def test_edit_and_no_arguments_open_the_form(env: Env, maya: Actor):
    blank = deal.run(env, maya, "")
    assert isinstance(blank, DealForm) and blank.deal is None
    assert blank.stages[0] == "Prospecting" and blank.can_set_owner
    saved(deal.run(env, maya, "new Acme"))
    form = deal.run(env, maya, "edit Acme")
    assert isinstance(form, DealForm) and form.deal and form.deal.name == "Acme"


def test_form_submission_saves_only_what_changed_and_reports_errors_by_field(env: Env, maya: Actor):
    created = saved(deal.run(env, maya, "new Acme amount=10k region=EMEA"))
    same = {"name": "Acme", "amount": "10000.00", "region": "EMEA", "stage": "Prospecting"}
    unchanged = deal.submit_form(env, maya, Submitted(same, {"deal": created.deal.id}, "view:V1"))
    assert isinstance(unchanged, DealSaved) and unchanged.unchanged
    bad = deal.submit_form(
        env,
        maya,
        Submitted(
            {**same, "amount": "lots", "close": "never"}, {"deal": created.deal.id}, "view:V2"
        ),
    )
    assert isinstance(bad, FormErrors) and set(bad.errors) == {"amount", "close"}
    good = deal.submit_form(
        env, maya, Submitted({**same, "amount": "12k"}, {"deal": created.deal.id}, "view:V2")
    )
    assert isinstance(good, DealSaved) and good.deal.amount == 12000
    again = deal.submit_form(
        env, maya, Submitted({**same, "amount": "13k"}, {"deal": created.deal.id}, "view:V2")
    )
    assert isinstance(again, Duplicate)
    assert count(env, DealVersion) == 2


def test_new_deal_form_needs_a_name(env: Env, maya: Actor):
    result = deal.submit_form(
        env, maya, Submitted({"name": "", "stage": "Prospecting"}, {"deal": None}, "view:V9")
    )
    assert isinstance(result, FormErrors) and "name" in result.errors
    assert count(env, Deal) == 0


def test_a_replayed_event_key_has_one_effect(env: Env, maya: Actor):
    assert saved(deal.run(env, maya, "new Acme", key="event:Ev1")).created
    assert isinstance(deal.run(env, maya, "new Acme", key="event:Ev1"), Duplicate)
    assert count(env, Deal) == 1


@pytest.mark.parametrize("text", ["help", "HELP"])
def test_help_is_the_commands_docstring(env: Env, maya: Actor, text: str):
    result = deal.run(env, maya, text)
    assert isinstance(result, Help) and result.text.startswith("*Keep your deals current")
    assert "    " not in result.text.split("\n")[1]


def test_an_unclosed_quote_is_explained(env: Env, maya: Actor):
    result = deal.run(env, maya, 'Acme next="send')
    assert isinstance(result, Problem) and "never closed" in result.message


def test_a_broken_button_value_is_refused_cleanly(env: Env, maya: Actor):
    assert isinstance(deal.press(env, maya, Pressed("deal.pick", "{not json")), Problem)
    assert isinstance(
        deal.press(env, maya, Pressed("deal.pick", json.dumps({"deal": "x"}))), Problem
    )


def test_workspaces_never_see_each_others_deals(env: Env, maya: Actor):
    saved(deal.run(env, maya, "new Acme"))
    other = Actor("T0OTHER01", "U0MAYA001", "maya", "slash_command")
    result = deal.run(env, other, "Acme amount=1")
    assert isinstance(result, Choice) and "No deal matches" in result.prompt
    found = deal.run(env, other, "find Acme")
    assert isinstance(found, DealList) and found.deals == []


def test_a_transaction_that_lost_a_race_is_run_again(env: Env, maya: Actor, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from store import deals as store_deals

    deal.run(env, maya, "new Racy amount=1k")
    original, tries = store_deals.change_deal, []

    class SerializationFailure(Exception):
        sqlstate = "40001"

    def loses_once(*args: object, **kwargs: object) -> object:
        tries.append(1)
        if len(tries) == 1:
            raise OperationalError("UPDATE", {}, SerializationFailure())
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_deals, "change_deal", loses_once)
    saved = deal.run(env, maya, "Racy amount=2k")
    assert saved.changes[0].new == "$2,000" and len(tries) == 2  # type: ignore[union-attr]
    with env.db.transaction() as session:
        assert len(store_deals.history(session, "T0TEST001", saved.deal.id)) == 2  # type: ignore[union-attr]
