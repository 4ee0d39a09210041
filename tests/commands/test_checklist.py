"""Forecast questions: which deals answer them, answers kept with history through stage
changes, who may answer, the per-rep and per-cell counts, and configurable questions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from commands import checklist
from commands.checklist import AnswerSaved, Checklist, ChecklistSummary, QuestionList
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.deals.results import DealCard
from commands.results import Problem, Refused
from store import workspaces
from store.models import DealAnswer
from tests.support.clock import FakeClock

ALL = ["budget", "exec", "deciders", "roi", "event"]


@pytest.fixture
def deals(env: Env, maya: Actor, jo: Actor, sam: Actor) -> dict[str, int]:
    """Jo's deals: two Commit and one Best Case closing this quarter (2026-Q4), one Commit
    next quarter, one Pipeline this quarter. Sam manages Jo."""
    council.run(env, maya, "people")
    made = {}
    for text in (
        "new Acme stage=Decision amount=100k close=2026-12-10 region=EMEA",
        "new Beta stage=Decision amount=80k close=2026-12-20 region=AMER",
        "new Gamma stage=Consideration amount=50k close=2026-12-12 region=EMEA",
        "new Later stage=Decision amount=70k close=2027-01-15 region=EMEA",
        "new Early stage=Prospecting amount=20k close=2026-12-01 region=EMEA",
    ):
        saved = deal.run(env, jo, text)
        made[saved.deal.name] = saved.deal.id  # type: ignore[union-attr]
    deal.run(env, sam, "list")  # Sam joins
    council.run(env, maya, "role <@U0SAM0001|sam> manager")
    council.run(env, maya, "manager <@U0JO00001|jo> <@U0SAM0001|sam>")
    return made


def answers(env: Env) -> int:
    with env.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(DealAnswer)) or 0


def test_the_checklist_holds_commit_and_best_case_deals_closing_this_quarter(
    env: Env, jo: Actor, deals: dict[str, int]
):
    mine = checklist.show(env, jo, [])
    assert isinstance(mine, Checklist)
    assert [d.name for d in mine.deals] == ["Acme", "Gamma", "Beta"]  # by close date
    assert [q.key for q in mine.questions] == ALL
    assert all(d.missing for d in mine.deals)


def test_ticks_are_saved_once_and_survive_a_stage_change(
    env: Env, jo: Actor, deals: dict[str, int], clock: FakeClock
):
    acme = deals["Acme"]
    saved = checklist.answer(env, jo, acme, ["budget", "roi"])
    assert isinstance(saved, AnswerSaved)
    assert saved.changes == [("Budget", True), ("ROI", True)]  # unticked, unanswered: nothing
    assert checklist.notice_of(saved).text == "Saved for Acme: Budget yes, ROI yes (2 of 5 yes)."
    again = checklist.answer(env, jo, acme, ["budget", "roi"])  # delivered twice
    assert isinstance(again, AnswerSaved) and again.changes == []
    assert answers(env) == 2
    clock.advance(minutes=5)
    untick = checklist.answer(env, jo, acme, ["budget"])
    assert isinstance(untick, AnswerSaved) and untick.changes == [("ROI", False)]
    # A stage change (Decision -> Consideration -> Decision) keeps the answers.
    deal.run(env, jo, "Acme stage=Consideration")
    deal.run(env, jo, "Acme stage=Decision")
    card = deal.run(env, jo, "show Acme")
    assert isinstance(card, DealCard)
    assert [(a.question.key, a.answer) for a in card.answers] == [
        ("budget", True),
        ("exec", None),
        ("deciders", None),
        ("roi", False),
        ("event", None),
    ]
    assert answers(env) == 3  # the history: budget yes, roi yes, roi no


def test_only_the_owner_or_their_manager_answers(
    env: Env, maya: Actor, sam: Actor, deals: dict[str, int]
):
    stranger = Actor("T0TEST001", "U0BOB0001", "bob", "slash_command", "testteam")
    refused = checklist.answer(env, stranger, deals["Acme"], ALL)
    assert isinstance(refused, Refused) and refused.who_can == "jo"
    assert answers(env) == 0
    assert isinstance(checklist.answer(env, sam, deals["Acme"], ALL), AnswerSaved)
    assert isinstance(checklist.answer(env, maya, deals["Beta"], ["exec"]), AnswerSaved)
    gone = checklist.answer(env, sam, 999, ALL)
    assert isinstance(gone, Problem)
    stale_keys = checklist.answer(env, sam, deals["Acme"], ["budget", "champion"])
    assert isinstance(stale_keys, Problem) and "questions changed" in stale_keys.message
    assert answers(env) == 6


def test_the_summary_counts_complete_commit_deals_per_rep_and_cell(
    env: Env, jo: Actor, sam: Actor, deals: dict[str, int]
):
    checklist.answer(env, jo, deals["Acme"], ALL)
    checklist.answer(env, jo, deals["Beta"], ["budget"])
    team = checklist.show(env, sam, ["team"])
    assert isinstance(team, ChecklistSummary)
    assert (team.complete, team.committed, team.questions) == (1, 2, 5)
    assert [(c.name, c.complete, c.committed) for c in team.by_rep] == [("jo", 1, 2)]
    assert [(g.name, g.missing) for g in team.gaps] == [
        ("Gamma", ("Budget", "Exec sign-off", "Decision makers", "ROI", "Compelling event")),
        ("Beta", ("Exec sign-off", "Decision makers", "ROI", "Compelling event")),
    ]
    with env.db.transaction() as session:
        workspace = workspaces.get_workspace(session, "T0TEST001")
        assert workspace is not None
        by_cell = checklist.summary(session, workspace, None, ["region"], date(2026, 11, 23))
    assert [(c.name, c.complete, c.committed) for c in by_cell.by_cell["region"]] == [
        ("AMER", 0, 1),
        ("EMEA", 1, 1),
    ]
    assert isinstance(checklist.show(env, jo, ["team"]), Problem)  # reps have no team


def test_the_summary_counts_each_questions_latest_answer_and_the_gaps_past_the_list(
    env: Env, jo: Actor, sam: Actor, deals: dict[str, int], monkeypatch: pytest.MonkeyPatch
):
    checklist.answer(env, jo, deals["Acme"], ALL)
    checklist.answer(env, jo, deals["Acme"], [k for k in ALL if k != "roi"])  # ROI un-ticked
    checklist.answer(env, jo, deals["Beta"], ["budget"])
    checklist.answer(env, jo, deals["Beta"], ALL)  # then every one
    monkeypatch.setattr(checklist, "MAX_GAPS", 1)
    team = checklist.show(env, sam, ["team"])
    assert isinstance(team, ChecklistSummary)
    # Beta complete; Acme (ROI now no) and Gamma (Best Case, nothing answered) have gaps.
    assert (team.complete, team.committed) == (1, 2)
    assert [(g.name, g.missing) for g in team.gaps] == [("Acme", ("ROI",))]
    assert team.more_gaps == 1


def test_questions_are_configurable_per_workspace(env: Env, maya: Actor, jo: Actor, deals):
    listed = council.run(env, maya, "questions meddicc")
    assert isinstance(listed, QuestionList) and listed.changed
    assert [q.key for q in listed.questions][:2] == ["metrics", "buyer"]
    mine = checklist.show(env, jo, [])
    assert isinstance(mine, Checklist) and len(mine.questions) == 7
    added = council.run(env, maya, 'questions add "Legal: Has legal reviewed the MSA?"')
    assert isinstance(added, QuestionList) and added.questions[-1].key == "legal"
    removed = council.run(env, maya, "questions remove champion")
    assert isinstance(removed, QuestionList)
    assert "champion" not in [q.key for q in removed.questions]
    for bad, says in (
        ('questions add "no colon here"', "short name"),
        ("questions remove nothing", "No question `nothing`"),
        ("questions shuffle", "`default` or `meddicc`"),
    ):
        problem = council.run(env, maya, bad)
        assert isinstance(problem, Problem) and says in problem.message, problem
    assert isinstance(council.run(env, jo, "questions default"), Refused)
    shown = council.run(env, jo, "questions")  # anyone may read them
    assert isinstance(shown, QuestionList) and len(shown.questions) == 7
