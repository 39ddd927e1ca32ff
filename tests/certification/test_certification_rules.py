"""The certification rule engine: requirements, sign-off, practice, expiry, renewal, revocation."""

from __future__ import annotations

import functools
import subprocess
import sys
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from lti_tool.content import load
from modules import catalogue
from modules.certification import PRACTICE
from modules.certification import SIGNOFF
from modules.certification import Evidence
from modules.certification import PreviousCertificate
from modules.certification import RequirementKind
from modules.certification import SchoolRules
from modules.certification import Status
from modules.certification import add_months
from modules.certification import criteria_narrative
from modules.certification import decide
from modules.certification import expiry_band
from modules.certification import status_at
from modules.model import Programme

T0 = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
NO_EXTRAS = SchoolRules(signoff_required=False, supervised_practice_required=False)


@pytest.fixture(scope="module")
def secondary() -> Programme:
    path = catalogue.programme_files()["becoming-a-peer-mentor-secondary"]
    parse = functools.partial(catalogue.parse_programme, module_ids=None)
    return load(path, catalogue.PROGRAMME_SCHEMA, parse)


def everything(programme: Programme, at: datetime = T0, **extra: datetime | None) -> Evidence:
    return Evidence(
        completed_modules={m: at for m in programme.required_modules},
        passed_quizzes={q: at for q in programme.required_quizzes},
        signed_off_at=extra.get("signed_off_at"),
        practice_recorded_at=extra.get("practice_recorded_at"),
    )


def test_rules_import_no_framework() -> None:
    code = "import sys, modules.certification; print(' '.join(sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert not {"flask", "sqlalchemy", "pylti1p3", "lti_tool"} & set(run.stdout.split())


def test_all_requirements_met_certifies_for_the_programme_validity(secondary: Programme) -> None:
    decision = decide(secondary, everything(secondary), T0, NO_EXTRAS)
    assert decision.certifies and not decision.is_renewal
    assert decision.valid_from == T0
    assert decision.valid_until == datetime(2027, 1, 31, 9, 0, tzinfo=UTC)


def test_nothing_done_lists_every_requirement_in_order(secondary: Programme) -> None:
    decision = decide(secondary, Evidence({}, {}), T0)
    labels = [r.label for r in decision.missing]
    assert labels[:2] == ["Watch: What a peer mentor does", "Watch: Listening well"]
    assert "Pass: Boundaries quiz" in labels
    assert labels[-2:] == ["Supervised practice", "Trainer sign-off"]
    assert not decision.certifies and not decision.is_close


@pytest.mark.parametrize("index", range(6))
def test_each_missing_module_blocks(secondary: Programme, index: int) -> None:
    module_id = secondary.required_modules[index]
    evidence = everything(secondary)
    evidence = Evidence(
        {m: t for m, t in evidence.completed_modules.items() if m != module_id},
        evidence.passed_quizzes,
    )
    decision = decide(secondary, evidence, T0, NO_EXTRAS)
    assert [(r.kind, r.item_id) for r in decision.missing] == [(RequirementKind.WATCH, module_id)]
    assert decision.is_close


@pytest.mark.parametrize("quiz_id", ["confidentiality", "boundaries", "safeguarding-disclosures"])
def test_each_missing_quiz_blocks(secondary: Programme, quiz_id: str) -> None:
    evidence = everything(secondary)
    evidence = Evidence(
        evidence.completed_modules,
        {q: t for q, t in evidence.passed_quizzes.items() if q != quiz_id},
    )
    decision = decide(secondary, evidence, T0, NO_EXTRAS, titles={"boundaries": "Boundaries quiz"})
    assert [r.item_id for r in decision.missing] == [quiz_id]
    assert decision.missing[0].label.startswith("Pass: ")


def test_signoff_required_by_programme_blocks_until_signed(secondary: Programme) -> None:
    rules = SchoolRules(supervised_practice_required=False)
    assert decide(secondary, everything(secondary), T0, rules).missing == (SIGNOFF,)
    signed = everything(secondary, signed_off_at=T0)
    assert decide(secondary, signed, T0, rules).certifies


def test_school_setting_overrides_programme_signoff(secondary: Programme) -> None:
    assert decide(secondary, everything(secondary), T0, NO_EXTRAS).certifies
    staff_like = SchoolRules(signoff_required=True, supervised_practice_required=False)
    assert decide(secondary, everything(secondary), T0, staff_like).missing == (SIGNOFF,)


def test_supervised_practice_blocks_until_recorded(secondary: Programme) -> None:
    rules = SchoolRules(signoff_required=False, supervised_practice_required=True)
    assert decide(secondary, everything(secondary), T0, rules).missing == (PRACTICE,)
    practised = everything(secondary, practice_recorded_at=T0)
    assert decide(secondary, practised, T0, rules).certifies


def test_school_validity_overrides_programme(secondary: Programme) -> None:
    rules = SchoolRules(False, False, validity_months=24)
    assert decide(secondary, everything(secondary), T0, rules).valid_until == add_months(T0, 24)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(T0, 1) == datetime(2026, 2, 28, 9, 0, tzinfo=UTC)
    assert add_months(datetime(2027, 12, 15, tzinfo=UTC), 2) == datetime(2028, 2, 15, tzinfo=UTC)


def test_status_and_expiry_bands_with_time_travel() -> None:
    expires = add_months(T0, 12)
    assert status_at(T0, expires) is Status.VALID
    assert expiry_band(T0, expires) is None
    assert expiry_band(expires - timedelta(days=45), expires) == 60
    assert expiry_band(expires - timedelta(days=30), expires) == 30
    assert expiry_band(expires - timedelta(days=6, hours=23), expires) == 7
    assert status_at(expires, expires) is Status.EXPIRED
    assert expiry_band(expires, expires) is None


def test_revocation_and_supersession() -> None:
    expires = add_months(T0, 12)
    revoked = T0 + timedelta(days=3)
    assert status_at(T0 + timedelta(days=2), expires, revoked) is Status.VALID
    assert status_at(T0 + timedelta(days=3), expires, revoked) is Status.REVOKED
    assert status_at(T0 + timedelta(days=400), expires, revoked) is Status.REVOKED
    assert status_at(T0 + timedelta(days=10), expires, None, T0 + timedelta(days=9)) is Status.EXPIRED


def test_valid_certificate_outside_renewal_window_is_already_certified(secondary: Programme) -> None:
    previous = PreviousCertificate(T0, add_months(T0, 12))
    decision = decide(secondary, everything(secondary), T0 + timedelta(days=100), NO_EXTRAS, previous)
    assert decision.already_certified and not decision.certifies and not decision.missing


def test_renewal_needs_only_the_refresher_done_after_the_window_opens(secondary: Programme) -> None:
    previous = PreviousCertificate(T0, add_months(T0, 12))
    later = previous.expires_at + timedelta(days=10)  # expired ten days ago
    old_work = everything(secondary)  # everything done, but a year ago
    decision = decide(secondary, old_work, later, NO_EXTRAS, previous)
    assert decision.is_renewal
    assert {r.item_id for r in decision.missing} == {
        "secondary-confidentiality", "secondary-boundaries", "secondary-spotting-worries", "refresher",
    }
    fresh = later - timedelta(days=1)
    refresher = Evidence(
        {m: fresh for m in secondary.refresher.modules}, {q: fresh for q in secondary.refresher.quizzes}
    )
    renewed = decide(secondary, refresher, later, NO_EXTRAS, previous)
    assert renewed.certifies and renewed.is_renewal
    assert renewed.valid_until == add_months(later, 12)


def test_renewal_window_opens_sixty_days_before_expiry(secondary: Programme) -> None:
    previous = PreviousCertificate(T0, add_months(T0, 12))
    opens = previous.expires_at - timedelta(days=60)
    refresher = Evidence(
        {m: opens for m in secondary.refresher.modules}, {q: opens for q in secondary.refresher.quizzes}
    )
    assert decide(secondary, refresher, opens, NO_EXTRAS, previous).certifies
    too_early = Evidence(
        {m: opens - timedelta(seconds=1) for m in secondary.refresher.modules},
        {q: opens for q in secondary.refresher.quizzes},
    )
    assert not decide(secondary, too_early, opens, NO_EXTRAS, previous).certifies


def test_renewal_after_revocation_needs_a_new_signoff(secondary: Programme) -> None:
    revoked = T0 + timedelta(days=20)
    previous = PreviousCertificate(T0, add_months(T0, 12), revoked_at=revoked)
    after = revoked + timedelta(days=1)
    refresher = Evidence(
        {m: after for m in secondary.refresher.modules},
        {q: after for q in secondary.refresher.quizzes},
        signed_off_at=T0,  # the old sign-off does not count again
    )
    assert decide(secondary, refresher, after, NO_EXTRAS, previous).missing == (SIGNOFF,)
    signed = Evidence(refresher.completed_modules, refresher.passed_quizzes, signed_off_at=after)
    assert decide(secondary, signed, after, NO_EXTRAS, previous).certifies


def test_criteria_narrative_lists_what_was_completed(secondary: Programme) -> None:
    decision = decide(secondary, everything(secondary, signed_off_at=T0, practice_recorded_at=T0), T0)
    text = criteria_narrative(secondary, decision, {"boundaries": "Boundaries quiz"})
    assert text.splitlines()[0] == "Completed Becoming a peer mentor:"
    assert "- Watched Listening well" in text
    assert "- Passed Boundaries quiz" in text
    assert text.splitlines()[-2:] == ["- Completed supervised practice", "- Signed off by a trainer"]
