"""The one `users.lookupByEmail` reader, as the people import and the Salesforce sync (the
outlet) both use it: a person is found, a bot or a deactivated account is not, no such
user is no match and no problem, any other refusal is a problem that stops nothing."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from bot.webapi.directory import WebApiDirectory
from bot.webapi.outlet import WebApiOutlet

USERS: dict[str, dict[str, Any]] = {
    "ada@example.com": {"id": "U0ADA0001"},
    "bot@example.com": {"id": "U0BOT0001", "is_bot": True},
    "gone@example.com": {"id": "U0GONE001", "deleted": True},
}


class Answers:
    """Slack's answers to users.lookupByEmail, refusals as slack_sdk raises them."""

    def __init__(self, refusals: dict[str, str | Exception]) -> None:
        self.refusals = refusals
        self.asked: list[str] = []

    def users_lookupByEmail(self, **kwargs: Any) -> dict[str, Any]:
        email = kwargs["email"]
        self.asked.append(email)
        refusal = self.refusals.get(email)
        if isinstance(refusal, Exception):
            raise refusal
        error = refusal or ("" if email in USERS else "users_not_found")
        if error:
            raise SlackApiError(error, {"ok": False, "error": error})
        return {"ok": True, "user": USERS[email]}


def test_people_are_found_and_bots_deactivated_and_unknown_users_are_no_match() -> None:
    directory = WebApiDirectory(Answers({}))
    found = [
        directory.user_id_by_email(e)
        for e in ("ada@example.com", "bot@example.com", "gone@example.com", "who@example.com")
    ]
    assert found == ["U0ADA0001", None, None, None]
    assert directory.problems == []


def test_another_refusal_is_a_problem_and_the_next_lookup_goes_on() -> None:
    answers = Answers({"ada@example.com": "ratelimited", "bob@example.com": TimeoutError()})
    directory = WebApiDirectory(answers)
    assert directory.user_id_by_email("ada@example.com") is None
    assert directory.user_id_by_email("bob@example.com") is None
    answers.refusals.clear()
    assert directory.user_id_by_email("ada@example.com") == "U0ADA0001"
    assert directory.problems == [
        "ada@example.com: Slack said ratelimited",
        "bob@example.com: Slack said TimeoutError",
    ]


def test_the_sync_reads_through_the_same_reader() -> None:
    outlet = WebApiOutlet(Answers({"ada@example.com": "invalid_auth"}))  # type: ignore[arg-type]
    # a refusal stops no sync: no match this time, looked up again at the next one
    assert outlet.user_by_email("ada@example.com") is None
    assert outlet.user_by_email("bot@example.com") is None
    assert outlet.user_by_email("gone@example.com") is None
    assert WebApiOutlet(object()).user_by_email("ada@example.com") is None  # type: ignore[arg-type]
