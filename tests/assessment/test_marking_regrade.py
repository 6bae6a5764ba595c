"""Regrading after a key correction: every affected attempt recomputed, each change logged,
released results announced again."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessment import marking
from assessment.models import Attempt, ItemVersion, MarkingEvent, ResultNotice
from assessment.signals import attempt_graded

from .marking_setup import another_learner, essay_exam, question, sit

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sat(tenant_a):
    """An automatically released exam where one learner chose a (keyed right), one chose b."""
    exam = essay_exam(tenant_a, release="automatic")
    right = sit(tenant_a, exam, choice="a")
    wrong = sit(tenant_a, exam, another_learner(tenant_a, "hv-b"), choice="b")
    for attempt in (right, wrong):
        marking.response_mark(
            actor=tenant_a.teacher,
            question=question(attempt, "essay"),
            marking={"levels": {"accuracy": "0", "clarity": "0"}},
        )
    return exam, right, wrong


def test_correcting_the_key_regrades_every_attempt_and_logs_each_change(
    tenant_a, two_sat, django_capture_on_commit_callbacks
):
    _exam, right, wrong = two_sat
    assert marking.is_released(right) and marking.is_released(wrong)
    version = question(right, "single_choice").item_version
    announced = []
    attempt_graded.connect(
        lambda **kw: announced.append(kw["result"]), weak=False, dispatch_uid="regrade-test"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            changes = marking.item_key_correct(
                actor=tenant_a.teacher,
                item_version=version,
                body=dict(version.body, correct="b"),
                reason="Đáp án công bố sai: đúng là B.",
            )
    finally:
        attempt_graded.disconnect(dispatch_uid="regrade-test")
    assert {(c.attempt_id, c.old, c.new) for c in changes} == {
        (right.pk, Decimal(1), Decimal(0)),
        (wrong.pk, Decimal(0), Decimal(1)),
    }
    assert Attempt.objects.get(pk=right.pk).score == 0
    assert Attempt.objects.get(pk=wrong.pk).score == 1
    events = MarkingEvent.objects.filter(action="regrade").order_by("attempt_id")
    assert [(e.attempt_id, e.before, e.after) for e in events] == [
        (right.pk, {"score": "1.0000"}, {"score": "0.0000"}),
        (wrong.pk, {"score": "0.0000"}, {"score": "1.0000"}),
    ]
    assert {e.actor for e in events} == {tenant_a.teacher}
    assert {e.reason for e in events} == {"Đáp án công bố sai: đúng là B."}
    # Released results are announced again with the new score, and learners told.
    assert {(p.attempt_id, p.score) for p in announced} == {
        (right.pk, Decimal(0)),
        (wrong.pk, Decimal(1)),
    }
    assert ResultNotice.objects.filter(attempt=right, kind="changed").exists()
    assert ItemVersion.objects.get(pk=version.pk).body["correct"] == "b"


def test_correcting_to_the_same_key_changes_nothing(tenant_a, two_sat):
    _exam, right, _wrong = two_sat
    version = question(right, "single_choice").item_version
    assert (
        marking.item_key_correct(
            actor=tenant_a.teacher, item_version=version, body=version.body, reason="Kiểm tra"
        )
        == []
    )
    assert not MarkingEvent.objects.filter(action="regrade").exists()


def test_a_correction_that_changes_the_question_is_refused(tenant_a, two_sat):
    _exam, right, _wrong = two_sat
    version = question(right, "single_choice").item_version
    changed = copy.deepcopy(version.body)
    changed["options"][0]["text"] = "230 V"
    with pytest.raises(ValidationError):
        marking.item_key_correct(
            actor=tenant_a.teacher, item_version=version, body=changed, reason="x"
        )
    with pytest.raises(ValidationError):  # a key that names no option
        marking.item_key_correct(
            actor=tenant_a.teacher,
            item_version=version,
            body=dict(version.body, correct="zz"),
            reason="x",
        )
    with pytest.raises(ValidationError):  # no reason
        marking.item_key_correct(
            actor=tenant_a.teacher,
            item_version=version,
            body=dict(version.body, correct="b"),
            reason=" ",
        )
    essay = question(right, "essay").item_version
    with pytest.raises(ValidationError):  # hand-marked: no key
        marking.item_key_correct(
            actor=tenant_a.teacher, item_version=essay, body=essay.body, reason="x"
        )
    assert ItemVersion.objects.get(pk=version.pk).body["correct"] == "a"


def test_another_institution_cannot_correct_a_key(tenant_a, tenant_b, two_sat):
    _exam, right, _wrong = two_sat
    version = question(right, "single_choice").item_version
    with pytest.raises(PermissionDenied):
        marking.item_key_correct(
            actor=tenant_b.teacher,
            item_version=version,
            body=dict(version.body, correct="b"),
            reason="x",
        )
    assert ItemVersion.objects.get(pk=version.pk).body["correct"] == "a"
