"""`/sla`: figures for everyone, settings for admins, every refusal saying what to write."""

from __future__ import annotations

from commands.context import Actor, Env
from commands.results import Help, Notice, Problem, Refused
from commands.sla import command as sla
from commands.sla.command import SlaShown
from commands.sla.figures import SlaReport


def test_admins_set_the_sla_and_everyone_reads_it(env: Env, maya: Actor, jo: Actor):
    shown = sla.run(env, maya, "settings")
    assert isinstance(shown, SlaShown) and shown.sla.follow_up_hours == 24
    assert shown.sla.feedback_days == 5 and shown.sla.required_fields == ()
    changed = sla.run(
        env,
        maya,
        "set hours=16 day=08:30-17:30 workdays=sun-thu feedback=3 required=company,email "
        'reasons="Too small; Competitor" marketing=<#C0MKTG001|marketing>',
        "k1",
    )
    assert isinstance(changed, SlaShown)
    s = changed.sla
    assert (s.follow_up_hours, s.feedback_days) == (16, 3)
    assert (f"{s.days.starts:%H:%M}", f"{s.days.ends:%H:%M}") == ("08:30", "17:30")
    assert sorted(s.days.workdays) == [0, 1, 2, 3, 6]
    assert s.required_fields == ("company", "email")
    assert s.rejection_reasons == ("Too small", "Competitor")
    assert s.marketing_channel == "C0MKTG001"
    seen = sla.run(env, jo, "settings")
    assert isinstance(seen, SlaShown) and seen.sla == s


def test_reps_may_not_change_it_and_bad_settings_say_how(env: Env, maya: Actor, jo: Actor):
    sla.run(env, maya, "settings")
    refused = sla.run(env, jo, "set hours=8", "k2")
    assert isinstance(refused, Refused) and "Only admins change the SLA" in refused.message
    for typed, said in (
        ("set hours=0", "hours is a whole number from 1 to 480"),
        ("set required=phone", "`phone` is not a lead field"),
        ("set day=17:00-09:00", "a working day ends after it starts"),
        ("set colour=red", "`colour` is not an SLA setting"),
        ("set hours", "`hours` is not of the form name=value"),
    ):
        problem = sla.run(env, maya, typed, f"k-{typed}")
        assert isinstance(problem, Problem) and said in problem.message, typed
    shown = sla.run(env, maya, "settings")
    assert isinstance(shown, SlaShown) and shown.sla.follow_up_hours == 24  # nothing changed


def test_figures_help_and_a_bad_dimension(env: Env, maya: Actor):
    report = sla.run(env, maya, "2026-Q4 by source")
    assert isinstance(report, SlaReport) and report.dimension == "source"
    assert report.total.mqls == 0 and report.total.median_hours is None
    assert isinstance(sla.run(env, maya, "help"), Help)
    problem = sla.run(env, maya, "by region")
    assert isinstance(problem, Problem) and "`region` is not a dimension of the SLA" in (
        problem.message
    )
    missing = sla.run(env, maya, "mql 00QNOPE", "k3")
    assert isinstance(missing, Problem) and "No lead `00QNOPE`" in missing.message
    assert not isinstance(missing, Notice)
