from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from bot.render import Message, Modal, esc, render
from bot.render.blocks import BLOCK_LIMIT, SECTION_LIMIT
from bot.slack.listeners.forms import form_values
from commands.deals.results import DealForm, DealList, DealSaved, DealView, FieldChange
from commands.results import Choice, Option, Problem, Refused

HOSTILE = "<!channel> <@U123> <https://evil|click> & <script>alert('x')</script> ̷z̷a̷l̷g̷o 🚀"


def view(**overrides: object) -> DealView:
    base = dict(
        id=7,
        name="Acme",
        account=None,
        owner="jo",
        owner_user_id="U0JO00001",
        stage="Decision",
        status="open",
        amount=Decimal("120000"),
        close_date=date(2026, 12, 15),
        created_date=date(2026, 11, 1),
        next_step=None,
        category="Commit",
        category_is_explicit=False,
        product=None,
        region=None,
        segment=None,
        source=None,
        external_id=None,
        updated_at=datetime(2026, 11, 23, tzinfo=UTC),
        currency="$",
    )
    return DealView(**(base | overrides))  # type: ignore[arg-type]


def all_text(message: Message) -> str:
    return json.dumps(message.blocks, ensure_ascii=False) + message.text


def test_escape_makes_mentions_and_links_inert():
    assert esc(HOSTILE).startswith(
        "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|click&gt; &amp;"
    )


def test_hostile_deal_fields_render_inert_everywhere():
    deal = view(name=HOSTILE, account=HOSTILE, next_step=HOSTILE, region=HOSTILE)
    for result in (
        DealSaved(
            deal, created=False, changes=[FieldChange("name", HOSTILE, HOSTILE)], notes=[HOSTILE]
        ),
        DealList("t", [deal]),
        Problem(HOSTILE, HOSTILE),
        Refused(HOSTILE, HOSTILE),
        Choice(HOSTILE, [Option("x", "deal.pick", "{}")]),
    ):
        shown = render(result)
        assert isinstance(shown, Message)
        blocks = json.dumps(shown.blocks, ensure_ascii=False)
        assert "<!channel>" not in blocks and "<@U123>" not in blocks and "<script>" not in blocks


def test_long_lists_stay_within_slacks_limits():
    deals = [view(id=i, name=f"Deal {i} " + "x" * 80) for i in range(200)]
    shown = render(DealList("Your open deals", deals, more=True))
    assert isinstance(shown, Message)
    assert len(shown.blocks) <= BLOCK_LIMIT
    for block in shown.blocks:
        text = block.get("text", {}).get("text", "")
        assert len(text) <= SECTION_LIMIT


def test_the_form_round_trips_through_slacks_state_shape():
    modal = render(
        DealForm(
            view(next_step="call", region="EMEA"),
            ["Prospecting", "Decision"],
            ["Pipeline", "Commit"],
            {"region": ["EMEA"]},
            can_set_owner=True,
        )
    )
    assert isinstance(modal, Modal)
    blocks = {b["block_id"]: b for b in modal.view["blocks"]}
    assert blocks["close"]["element"]["initial_date"] == "2026-12-15"
    assert blocks["owner"]["element"]["initial_user"] == "U0JO00001"
    assert blocks["region"]["hint"]["text"] == "Known: EMEA"
    state = {
        "values": {
            "name": {"value": {"type": "plain_text_input", "value": "Acme"}},
            "stage": {"value": {"type": "static_select", "selected_option": {"value": "Decision"}}},
            "close": {"value": {"type": "datepicker", "selected_date": None}},
            "owner": {"value": {"type": "users_select", "selected_user": "U0JO00001"}},
            "next": {"value": {"type": "plain_text_input", "value": None}},
        }
    }
    assert form_values(state) == {
        "name": "Acme",
        "stage": "Decision",
        "close": "",
        "owner": "<@U0JO00001>",
        "next": "",
    }


def test_reps_get_no_owner_field():
    modal = render(DealForm(None, ["Prospecting"], ["Pipeline"], {}, can_set_owner=False))
    assert isinstance(modal, Modal)
    assert "owner" not in {b["block_id"] for b in modal.view["blocks"]}


def test_a_long_checklist_is_paged_within_slacks_limits():
    from datetime import date
    from decimal import Decimal

    from bot.render.forecast import DEALS_PER_MESSAGE, checklist_messages
    from commands.checklist import DEFAULT_QUESTIONS, Checklist, ChecklistDeal

    deals = [
        ChecklistDeal(
            n,
            f"Deal {n}",
            "Jo",
            1,
            "Commit",
            Decimal(1000),
            date(2026, 12, 1),
            "$",
            {},
            ("Budget",),
            {},
        )
        for n in range(30)
    ]
    checklist = Checklist("Title", "2026-Q4", list(DEFAULT_QUESTIONS), deals, "none")
    pages = checklist_messages(checklist)
    assert [len(p.blocks) for p in pages] == [
        2 + 2 * DEALS_PER_MESSAGE,
        2 * (30 - DEALS_PER_MESSAGE),
    ]
    assert all(len(p.blocks) <= 50 for p in pages)
    reply = render(checklist)
    assert reply.blocks[-1]["elements"][0]["text"].startswith("…and 8 more deals")
