from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

from bot.console.repl import Console
from commands.context import Env
from commands.demo import load_demo


def run_console(env: Env, lines: list[str]) -> str:
    """Type `lines` into a console; return everything it printed, prompts and input too."""
    out = io.StringIO()
    typed: Iterator[str] = iter(lines)

    def ask(prompt: str) -> str:
        line = next(typed)  # StopIteration ends the test loudly if the console asks too much
        out.write(f"{prompt}{line}\n")
        return line

    console = Console(env, "local", out, ask)
    for line in typed:
        out.write(f"> {line}\n")
        console.handle(line)
    return out.getvalue()


def test_the_console_shows_the_same_replies_as_slack_with_numbered_buttons(env: Env):
    load_demo(env)
    transcript = run_console(
        env,
        [
            '/deal new Acme renewal stage=deci amount=120k close=12/15 next="send MSA"',
            "/deal Acme renewal amount=$1.5M",
            "/deal nothing like this amount=5k",
            "1",
            "/deal show Acme renewal",
            "/as Jo Park",
            "/deal Acme renewal amount=1",
            "/deal list",
            "/nope",
        ],
    )
    assert "✅ Created Acme renewal" in transcript
    assert "amount $120,000 → $1,500,000" in transcript
    assert "[1] Create “nothing like this”" in transcript
    assert "✅ Created nothing like this" in transcript
    assert "Maya Chen via console: amount $120,000 → $1,500,000" in transcript
    assert "You are Jo Park." in transcript
    assert "⛔ Acme renewal belongs to Maya Chen; you cannot change it." in transcript
    assert "Who can: its owner Maya Chen or an admin" in transcript
    assert "Your open deals" in transcript
    assert "`/nope` is not a command here" in transcript


def test_the_form_is_asked_field_by_field_and_errors_are_asked_again(env: Env):
    load_demo(env)
    transcript = run_console(
        env,
        [
            "/deal edit",
            # name, account, stage, amount, close, next, category, product, region, segment,
            # source, owner
            "Console deal",
            "",
            "deci",
            "lots",
            "next friday",
            "call them",
            "",
            "",
            "emea",
            "",
            "",
            "",
            "75k",  # asked again for the amount
        ],
    )
    assert "⚠️ amount: `lots` is not an amount" in transcript
    assert "✅ Created Console deal" in transcript
    assert "Close: 2026-11-27" in transcript and "Region: EMEA" in transcript
    assert "Amount: $75,000" in transcript


def test_unknown_person_and_missing_button_are_explained(env: Env):
    transcript = run_console(env, ["/as Nobody", "3", "/whoami"])
    assert "No one called 'Nobody' here" in transcript
    assert "There is no such button" in transcript
    assert "You are you." in transcript


def test_the_demo_loads_once_and_is_the_same_every_time(env: Env):
    first = load_demo(env)
    again = load_demo(env)
    assert first.loaded and not again.loaded
    assert (first.people, first.deals) == (7, 120) == (again.people, again.deals)
    transcript = run_console(env, ["/deal list all"])
    assert transcript.count("• #") > 5


def test_a_whole_council_cycle_runs_in_the_console(env: Env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where the digest's image must NOT be written
    load_demo(env)
    transcript = run_console(
        env,
        [
            "/council create #pipeline dimensions=region tz=UTC",
            "/time 2026-11-23T09:05",
            "/digest pipeline",
            "3",  # R1's Assign owner: 1 and 2 are the "what changed" lines' Deals
            "@Jo Park",
            "SPIFF",
            "SPIFF for AMER reps",
            "2026-11-27",
            "/time 2026-11-26T09:30",
            "/remind",
            "/as Jo Park",
            "/actions",
            "1",
            "/time 2026-11-30T09:10",
            "/remind",
            "/digest pipeline",
        ],
    )
    # One thread item per row, its red columns under it.
    assert re.search(
        r"\[#pipeline, in the thread\]\n🔴 R1 · region AMER · \$[\d.]+k short of pace\n"
        r"Open pipe 🔴",
        transcript,
    )
    assert (
        "✅ R1 (region AMER · Open pipe) → <@U0DEMO004>: SPIFF: SPIFF for AMER reps" in transcript
    )
    assert "[DM to U0DEMO004]\nYou own R1" in transcript
    assert "is due tomorrow: SPIFF: SPIFF for AMER reps" in transcript
    assert "✅ Action #1: done." in transcript
    assert "0 reminders sent." in transcript  # none after done
    last = transcript.rsplit("/digest pipeline", 1)[1]
    assert (
        "R1 region AMER · Open pipe → Jo Park: SPIFF for AMER reps (due 2026-11-27, done)" in last
    )
    assert not list(tmp_path.glob("*.png"))  # the working directory stays clean
    shown = re.search(r"image APM 2026-Q4: (\S+\.png)", transcript)
    assert shown and Path(shown.group(1)).read_bytes()[:4] == b"\x89PNG"


def test_the_console_runs_forecast_questions_snoozes_and_home(env: Env, clock) -> None:
    load_demo(env)
    clock.current = clock.current.replace(hour=9)
    transcript = run_console(
        env,
        [
            "/as Jo Park",
            "/forecast questions",
            "1",
            "2",
            "1",  # unticks the first again
            "/forecast 90k",
            "/nudge",
            "/nudge",
            "/deal snooze Globex pilot 41 until=1/10 reason=champion on leave",
            "/home",
        ],
    )
    assert "[1] ☐ Does the prospect have budget?" in transcript
    assert "Saved for Pied Piper pilot 81: Budget yes (1 of 5 yes)." in transcript
    assert "Saved for Pied Piper pilot 81: Exec sign-off yes (2 of 5 yes)." in transcript
    assert "Saved for Pied Piper pilot 81: Budget no (1 of 5 yes)." in transcript
    assert "Called $90,000 for your deals in 2026-Q4" in transcript
    assert "[DM to U0DEMO004]\nClean your room: your stale deals (6)" in transcript
    assert "0 weekly nudges sent." in transcript  # the second round: all sent already
    assert "Snoozed Globex pilot 41 until 2027-01-10: champion on leave." in transcript
    home = transcript.split("> /home")[1]
    assert "Your forecast · calculated $84.7k · call $90k (Jo Park, 2026-11-23)" in home
    assert "Globex pilot 41" in home and "snoozed" in home
    assert "Pied Piper pilot 81: lacks Budget, Decision makers, ROI, Compelling event" in home


def test_the_console_snooze_form_asks_again_until_it_can_save(env: Env, clock) -> None:
    load_demo(env)
    clock.current = clock.current.replace(hour=9)
    transcript = run_console(
        env,
        [
            "/as Jo Park",
            "/deal list stale",
            "/nudge",
            "35",  # Snooze on Globex pilot 41, in Jo's clean-your-room DM
            "",  # no reason
            "yesterday",
            "waiting for budget",
            "2027-01-10",
        ],
    )
    assert "⚠️ reason: Say why" in transcript
    assert "⚠️ until: A snooze ends after today" in transcript
    assert "Snoozed Globex pilot 41 until 2027-01-10: waiting for budget." in transcript


def test_the_demo_hands_off_an_mql_that_is_rejected_with_a_reason_and_a_breach(env: Env):
    """`make demo`'s lead hand-off: Jo's fresh MQL, rejected with a reason that reaches
    #marketing; a breach Jo's manager hears of; a lead sent back for its missing company."""
    load_demo(env)
    transcript = run_console(
        env,
        ["/as Jo Park", "/handoff", "2", "No budget", "Student project", "/handoff", "/sla"],
    )
    assert "New MQL for <@U0DEMO004>: Riley Shaw. Accept or reject it." in transcript
    assert "[2] Reject" in transcript
    assert "Lead rejected by Jo Park: Riley Shaw: No budget (Student project)" in transcript
    assert "[DM to U0DEMO002]\nSLA breached: <@U0DEMO004> has not followed up Casey Lin" in (
        transcript
    )
    assert "Returned to marketing, not handed off: Morgan Fox has no company" in transcript
    # A campaign by its name, not its Salesforce Id.
    assert "campaign: Summit webinars" in transcript and "campaign: 701" not in transcript
    assert "3 lead hand-off notices sent." in transcript
    assert "0 lead hand-off notices sent." in transcript  # the second round: nothing twice
    assert "Hand-off SLA · " in transcript and "MQLs delivered:" in transcript


def test_a_missing_council_is_said_without_a_traceback(env: Env, caplog) -> None:
    load_demo(env)
    transcript = run_console(env, ["/digest nosuch"])
    assert "nosuch" in transcript and "Traceback" not in transcript
    assert not [r for r in caplog.records if r.exc_info]  # nothing logged a stack


def test_cancel_and_ctrl_c_leave_a_form_with_nothing_saved(env: Env) -> None:
    load_demo(env)
    transcript = run_console(env, ["/deal", "Zeta", "cancel", "/deal find Zeta"])
    assert "Cancelled; nothing was saved." in transcript
    assert "No deal matches “Zeta”." in transcript
    out = io.StringIO()
    answers: Iterator[str] = iter(["Zeta"])

    def ask(prompt: str) -> str:
        for answer in answers:
            return answer
        raise KeyboardInterrupt  # Ctrl-C at the second field

    console = Console(env, "local", out, ask)
    console.handle("/deal")
    console.handle("/deal find Zeta")
    assert "Cancelled; nothing was saved." in out.getvalue()
    assert "No deal matches “Zeta”." in out.getvalue()


def test_a_thread_reply_assigns_and_a_posted_digests_buttons_can_be_pressed_later(
    env: Env, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    load_demo(env)
    transcript = run_console(
        env,
        [
            "/council create #pipeline dimensions=region tz=UTC",
            "/time 2026-11-23T09:05",
            "/digest pipeline",
            '/reply assign R1 "@Jo Park" SPIFF for AMER reps due 2026-11-27',
            "/deal list",
            "/posted",
            "2",  # the second posted button: EMEA's "what changed" Deals
        ],
    )
    assert "✅ R1 (region AMER · Open pipe) → <@U0DEMO004>: SPIFF: SPIFF for AMER reps" in (
        transcript
    )
    after = transcript.rsplit("> /posted", 1)[1]
    assert "[1] Deals\n" in after and "[2] Deals\n" in after
    assert "Deals · region EMEA · 2026-Q4 (everyone's;" in after.rsplit("> 2", 1)[1]
