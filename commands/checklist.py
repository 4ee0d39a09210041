"""Forecast questions: the checklist every Commit and Best Case deal closing this quarter
answers, with each answer kept, and who has gaps."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from commands.context import Actor, Env, Pressed
from commands.fiscal import quarter_containing
from commands.formatting import short_money
from commands.metrics import NONE_LABEL
from commands.permissions import acts_for, is_manager
from commands.results import CommandError, Duplicate, Notice, Problem, Refused, Stop
from commands.unit import Unit, run_unit
from commands.workspace import DIMENSIONS, local_today
from store import checklists, people
from store import deals as store_deals
from store.models import Deal, Person, Workspace

# A forecast question ticked; its block carries the deal: `checklist:<deal id>`.
CHECKLIST_ANSWER = "checklist.answer"
CHECKLIST_BLOCK = "checklist:"

CATEGORIES = ("Commit", "Best Case")
# Slack shows at most 10 options in one set of checkboxes.
MAX_QUESTIONS = 10
MAX_GAPS = 30  # deals with gaps listed by name; the rest are counted


@dataclass(frozen=True)
class Question:
    key: str
    short: str
    text: str


DEFAULT_QUESTIONS = (
    Question("budget", "Budget", "Does the prospect have budget?"),
    Question("exec", "Exec sign-off", "Has their executive signed off?"),
    Question("deciders", "Decision makers", "Are all key decision makers identified and engaged?"),
    Question("roi", "ROI", "Is the ROI quantified?"),
    Question("event", "Compelling event", "Is there a compelling event driving the timeline?"),
)
MEDDICC = (
    Question("metrics", "Metrics", "Are the customer's success metrics quantified?"),
    Question("buyer", "Economic buyer", "Have we met the economic buyer?"),
    Question("criteria", "Decision criteria", "Do we know their decision criteria?"),
    Question("process", "Decision process", "Do we know their decision process and dates?"),
    Question("pain", "Identified pain", "Is the pain identified and agreed?"),
    Question("champion", "Champion", "Is there a champion who sells for us?"),
    Question("competition", "Competition", "Do we know who we compete with and why we win?"),
)
PRESETS = {"default": DEFAULT_QUESTIONS, "meddicc": MEDDICC}


def questions_of(workspace: Workspace) -> list[Question]:
    """The workspace's forecast questions: its own list, or the five from the seeds."""
    if not workspace.questions:
        return list(DEFAULT_QUESTIONS)
    return [Question(q["key"], q["short"], q["text"]) for q in workspace.questions]


@dataclass(frozen=True)
class ChecklistDeal:
    id: int
    name: str
    owner: str
    owner_id: int
    category: str
    amount: Decimal | None
    close_date: date | None
    currency: str
    answers: dict[str, bool]
    missing: tuple[str, ...]
    cells: dict[str, str]  # the deal's value of each dimension

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def label(self) -> str:
        parts = [self.name, self.category, short_money(self.amount, self.currency)]
        if self.close_date:
            parts.append(f"closes {self.close_date.isoformat()}")
        return " · ".join(parts)


@dataclass(frozen=True)
class Checklist:
    """A person's deals to answer the questions for."""

    title: str
    period: str
    questions: list[Question]
    deals: list[ChecklistDeal]
    empty: str


@dataclass(frozen=True)
class Count:
    """Of `committed` Commit deals, how many have every question answered yes."""

    name: str
    complete: int
    committed: int


@dataclass(frozen=True)
class ChecklistSummary:
    title: str
    period: str
    questions: int
    complete: int
    committed: int
    by_rep: list[Count]
    by_cell: dict[str, list[Count]]
    gaps: list[ChecklistDeal]  # the first MAX_GAPS, soonest closing first
    more_gaps: int = 0
    # Deals with gaps by forecast category (Commit and Best Case), all of them, not only
    # the listed first ones: what the list below the count is made of.
    gaps_by_category: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerSaved:
    deal: ChecklistDeal
    changes: list[tuple[str, bool]]


@dataclass(frozen=True)
class QuestionList:
    questions: list[Question]
    changed: bool = False


@dataclass(frozen=True)
class AnswerLine:
    question: Question
    answer: bool | None
    by: str
    at: datetime | None


def checklist_deals(
    session: Session, workspace: Workspace, owner_ids: Sequence[int] | None, today: date
) -> list[ChecklistDeal]:
    """The Commit and Best Case deals closing this quarter, with their answers."""
    period = quarter_containing(today, workspace.fiscal_year_start_month)
    found = store_deals.deals_closing(
        session, workspace.id, period.start, period.end, CATEGORIES, owner_ids
    )
    return _with_answers(session, workspace, found, _names(session, workspace))


def _names(session: Session, workspace: Workspace) -> dict[int, str]:
    return {p.id: p.display_name for p in people.list_people(session, workspace.id)}


def _with_answers(
    session: Session, workspace: Workspace, found: Sequence[Deal], names: dict[int, str]
) -> list[ChecklistDeal]:
    questions = questions_of(workspace)
    current = checklists.answers(session, [d.id for d in found])
    result = []
    for deal in found:
        answers = {
            q.key: current[deal.id][q.key].answer for q in questions if q.key in current[deal.id]
        }
        missing = tuple(q.short for q in questions if not answers.get(q.key))
        result.append(
            ChecklistDeal(
                deal.id,
                deal.name,
                names.get(deal.owner_id, "someone"),
                deal.owner_id,
                deal.forecast_category,
                deal.amount,
                deal.close_date,
                workspace.currency_symbol,
                answers,
                missing,
                {dim: getattr(deal, dim) or NONE_LABEL for dim in DIMENSIONS},
            )
        )
    return result


def summary(
    session: Session,
    workspace: Workspace,
    owner_ids: Sequence[int] | None,
    dimensions: Sequence[str],
    today: date,
    title: str = "Forecast questions",
) -> ChecklistSummary:
    """Per rep and per cell, how many Commit deals have every answer yes; and the deals
    with gaps, soonest closing first. Counted in the database (grouped by owner, category
    and cell), and only the first gaps read as deals, so a large organisation's summary
    takes a query, not a pass over its deals."""
    period = quarter_containing(today, workspace.fiscal_year_start_month)
    names = _names(session, workspace)
    keys = [q.key for q in questions_of(workspace)]
    closing = store_deals.closing_query(
        workspace.id, period.start, period.end, CATEGORIES, owner_ids
    )
    tallies: dict[str, dict[str, list[int]]] = {group: {} for group in ("rep", *dimensions)}
    complete = committed = with_gaps = 0
    by_category: dict[str, int] = {}
    for group in checklists.tallies(session, closing, workspace.id, keys):
        if not group.complete:
            with_gaps += group.count
            by_category[group.category] = by_category.get(group.category, 0) + group.count
        if group.category != "Commit":
            continue
        committed += group.count
        done = group.count if group.complete else 0
        complete += done
        cells = [("rep", names.get(group.owner_id, "someone"))]
        cells += [(dim, group.cells[dim] or NONE_LABEL) for dim in dimensions]
        for tally_group, key in cells:
            tally = tallies[tally_group].setdefault(key, [0, 0])
            tally[0] += done
            tally[1] += group.count
    first = checklists.first_incomplete(session, closing, workspace.id, keys, MAX_GAPS)
    gaps = _with_answers(session, workspace, first, names)

    def counts(group: str) -> list[Count]:
        return [Count(name, done, of) for name, (done, of) in sorted(tallies[group].items())]

    return ChecklistSummary(
        title,
        period.label,
        len(questions_of(workspace)),
        complete,
        committed,
        counts("rep"),
        {dim: counts(dim) for dim in dimensions},
        gaps,
        with_gaps - len(gaps),
        {c: by_category[c] for c in CATEGORIES if c in by_category},
    )


def show(
    env: Env, actor: Actor, words: list[str]
) -> Checklist | ChecklistSummary | Stop | Duplicate:
    """`/forecast questions [team]`: my checklist to tick, or my team's answers and gaps."""
    if words not in ([], ["mine"], ["team"]):
        return Problem(
            f"`{' '.join(words)}` is not a checklist I know.", example="/forecast questions team"
        )

    def work(unit: Unit) -> Checklist | ChecklistSummary:
        me, workspace = unit.member()
        today = local_today(workspace, unit.now)
        if words == ["team"]:
            if not is_manager(me):
                raise CommandError(
                    Problem("Only managers have a team checklist; yours is `/forecast questions`.")
                )
            team = sorted(people.team_ids(unit.session, workspace.id, me.id) | {me.id})
            title = "Your team's forecast questions"
            return summary(unit.session, workspace, team, (), today, title)
        return my_checklist(unit.session, workspace, me, today)

    return run_unit(env, actor, work)


def my_checklist(session: Session, workspace: Workspace, me: Person, today: date) -> Checklist:
    period = quarter_containing(today, workspace.fiscal_year_start_month)
    return Checklist(
        f"Forecast questions for your Commit and Best Case deals closing in {period.label}",
        period.label,
        questions_of(workspace),
        checklist_deals(session, workspace, [me.id], today),
        empty=f"No Commit or Best Case deals of yours close in {period.label}.",
    )


def answer(
    env: Env, actor: Actor, deal_id: int, selected: Sequence[str], key: str | None = None
) -> AnswerSaved | Stop | Duplicate:
    """Save the ticked questions of one deal: ticked is yes, unticked is no. Only changes
    are recorded, so the same ticks delivered twice record nothing twice."""

    def work(unit: Unit) -> AnswerSaved:
        session, now = unit.session, unit.now
        me, workspace = unit.member()
        deal = store_deals.lock_deal(session, workspace.id, deal_id)
        if deal is None:
            raise CommandError(Problem("That deal is gone; `/forecast questions` lists yours."))
        if not acts_for(session, me, deal.owner_id):
            owner = people.get_person(session, workspace.id, deal.owner_id)
            raise CommandError(
                Refused(
                    f"Only the owner of {deal.name} or their manager answers its questions.",
                    who_can=owner.display_name if owner else "its owner",
                )
            )
        questions = questions_of(workspace)
        if set(selected) - {q.key for q in questions}:
            raise CommandError(
                Problem("Those questions changed; `/forecast questions` shows the current ones.")
            )
        current = checklists.answers(session, [deal.id])[deal.id]
        changes = []
        for q in questions:
            ticked = q.key in selected
            before = current[q.key].answer if q.key in current else None
            if (before is None and not ticked) or before == ticked:
                continue
            checklists.record_answer(
                session, workspace.id, deal.id, q.key, ticked, by_id=me.id, at=now, via=actor.via
            )
            changes.append((q.short, ticked))
        session.flush()
        owner = people.get_person(session, workspace.id, deal.owner_id)
        names = {deal.owner_id: owner.display_name} if owner else {}
        return AnswerSaved(_with_answers(session, workspace, [deal], names)[0], changes)

    return run_unit(env, actor, work, key=key)


def deal_answers(session: Session, workspace: Workspace, deal_id: int) -> list[AnswerLine]:
    """Each question with the deal's current answer, who gave it and when (for /deal show)."""
    current = checklists.answers(session, [deal_id])[deal_id]
    lines = []
    for q in questions_of(workspace):
        row = current.get(q.key)
        who = None
        if row is not None and row.answered_by_id is not None:
            who = people.get_person(session, workspace.id, row.answered_by_id)
        lines.append(
            AnswerLine(
                q,
                row.answer if row else None,
                who.display_name if who else "",
                row.answered_at if row else None,
            )
        )
    return lines


QUESTIONS_EXAMPLE = '/council questions add "Legal: Has legal reviewed the MSA?"'


def configure(workspace: Workspace, args: list[str]) -> QuestionList:
    """`/council questions [default|meddicc|add "Short: question?"|remove KEY]`."""
    if not args:
        return QuestionList(questions_of(workspace))
    verb, rest = args[0].lower(), args[1:]
    questions = questions_of(workspace)
    if verb in PRESETS and not rest:
        questions = list(PRESETS[verb])
    elif verb == "add" and len(rest) == 1:
        questions.append(_new_question(rest[0], questions))
    elif verb == "remove" and len(rest) == 1:
        keep = [q for q in questions if rest[0].lower() not in (q.key, q.short.lower())]
        if len(keep) == len(questions):
            known = ", ".join(q.key for q in questions)
            raise CommandError(Problem(f"No question `{rest[0]}`; the keys are {known}."))
        if not keep:
            raise CommandError(Problem("Keep at least one question, or go back to `default`."))
        questions = keep
    else:
        raise CommandError(
            Problem(
                "Write `/council questions` to list them, `default` or `meddicc` for a set, "
                '`add "Short: the question?"` or `remove KEY`.',
                example=QUESTIONS_EXAMPLE,
            )
        )
    workspace.questions = [{"key": q.key, "short": q.short, "text": q.text} for q in questions]
    return QuestionList(questions, changed=True)


def _new_question(text: str, existing: list[Question]) -> Question:
    short, colon, question = text.partition(":")
    short, question = short.strip(), question.strip()
    if not colon or not short or not question or len(short) > 40 or len(question) > 150:
        raise CommandError(
            Problem(
                "A question is a short name (up to 40 characters), a colon, and the question "
                "(up to 150).",
                example=QUESTIONS_EXAMPLE,
            )
        )
    if len(existing) >= MAX_QUESTIONS:
        raise CommandError(Problem(f"At most {MAX_QUESTIONS} questions fit in one checklist."))
    key = re.sub(r"[^a-z0-9]+", "_", short.lower()).strip("_")[:30] or "question"
    taken = {q.key for q in existing}
    base, n = key, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return Question(key, short, question)


def notice_of(saved: AnswerSaved) -> Notice:
    done = sum(1 for yes in saved.deal.answers.values() if yes)
    total = done + len(saved.deal.missing)
    if not saved.changes:
        return Notice(f"{saved.deal.name}: no change ({done} of {total} yes).")
    said = ", ".join(f"{short} {'yes' if yes else 'no'}" for short, yes in saved.changes)
    return Notice(f"Saved for {saved.deal.name}: {said} ({done} of {total} yes).")


def press_tick(env: Env, actor: Actor, pressed: Pressed) -> AnswerSaved | Stop | Duplicate:
    """A forecast question ticked or unticked: the deal's block carries its number, and the
    whole set of ticks comes with every change."""
    number = pressed.block_id.removeprefix(CHECKLIST_BLOCK)
    deal_id = int(number) if number.isascii() and number.isdigit() else 0
    return answer(env, actor, deal_id, pressed.selected)
