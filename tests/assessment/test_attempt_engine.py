"""The attempt engine: preparation, the server clock, sequenced saves, submission and the sweep."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from assessment import attempts, exams, services
from assessment.attempts import (
    AccessRefused,
    AttemptClosed,
    DeadlinePassed,
    NotStarted,
    SeqConflict,
    UnknownQuestion,
    answer_save,
    attempt_start,
    attempt_submit,
)
from assessment.data import AttemptGraded
from assessment.models import Answer, Attempt, AttemptQuestion
from assessment.signals import attempt_graded
from tests import factories as site_factories

from . import factories


def token(question: AttemptQuestion, authored: str) -> str:
    """The opaque id this attempt shows for an authored option/step id."""
    return next(key for key, value in question.id_map.items() if value == authored)


@pytest.fixture
def bank(tenant_a):
    return factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)


@pytest.fixture
def paper(bank, tenant_a):
    """One single-choice (a is right), one ordering and one essay question."""
    return [
        factories.make_item(bank, "single_choice", actor=tenant_a.teacher),
        factories.make_item(bank, "ordering", actor=tenant_a.teacher),
        factories.make_item(bank, "essay", actor=tenant_a.teacher),
    ]


def prepare(tenant, exam, learner=None):
    [attempt] = attempts.exam_attempts_prepare(
        actor=tenant.teacher, exam=exam, learners=[learner or tenant.learner]
    )
    return attempt


@pytest.fixture
def started(tenant_a, paper):
    exam = factories.make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=paper[:2], time_limit_minutes=30
    )
    attempt = prepare(tenant_a, exam)
    return attempt_start(attempt=attempt, learner=tenant_a.learner)


def q(attempt, question_type):
    return attempt.questions.get(item_version__question_type=question_type)


# --- preparation --------------------------------------------------------------------------


def test_the_learner_view_leaks_no_answer_and_no_authored_id(tenant_a, paper):
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=paper)
    attempt = prepare(tenant_a, exam)
    state = attempts.attempt_state(
        attempt=attempt_start(attempt=attempt, learner=tenant_a.learner), learner=tenant_a.learner
    )
    text = json.dumps(state)
    assert '"correct"' not in text
    for authored in ('"s1"', '"s2"', '"s3"', '"s4"', '"a"', '"b"', '"c"'):
        assert authored not in text
    ordering = next(entry for entry in state["questions"] if entry["type"] == "ordering")
    assert {step["text"] for step in ordering["body"]["steps"]} == {
        "Cắt nguồn",
        "Kiểm tra không còn điện",
        "Nối đất",
        "Treo biển báo",
    }
    assert all(entry["key"] and entry["stem"] for entry in state["questions"])


def test_opaque_ids_differ_between_attempts(tenant_a, paper):
    other = site_factories.make_learner(tenant_a.institution)
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=paper[:1])
    one, two = attempts.exam_attempts_prepare(
        actor=tenant_a.teacher, exam=exam, learners=[tenant_a.learner, other]
    )
    assert set(q(one, "single_choice").id_map).isdisjoint(q(two, "single_choice").id_map)
    assert q(one, "single_choice").key != q(two, "single_choice").key


def test_prepare_is_idempotent_and_respects_attempts_allowed(tenant_a, paper):
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=paper[:1])
    first = prepare(tenant_a, exam)
    assert prepare(tenant_a, exam).pk == first.pk
    attempt_start(attempt=first, learner=tenant_a.learner)
    attempt_submit(attempt=first, actor=tenant_a.learner)
    assert (
        attempts.exam_attempts_prepare(
            actor=tenant_a.teacher, exam=exam, learners=[tenant_a.learner]
        )
        == []
    )
    assert Attempt.objects.filter(exam=exam).count() == 1


def test_prepare_refuses_other_staff_other_learners_and_unpublished_exams(
    tenant_a, tenant_b, paper
):
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=paper[:1])
    with pytest.raises(PermissionDenied):
        prepare(tenant_b, exam, learner=tenant_a.learner)
    with pytest.raises(PermissionDenied):
        attempts.exam_attempts_prepare(
            actor=tenant_a.learner, exam=exam, learners=[tenant_a.learner]
        )
    with pytest.raises(ValidationError):
        prepare(tenant_a, exam, learner=tenant_b.learner)
    draft = factories.make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=paper[:1], publish=False
    )
    with pytest.raises(ValidationError):
        prepare(tenant_a, draft)
    assert not Attempt.objects.exists()


# --- the clock ----------------------------------------------------------------------------


def test_deadline_is_start_plus_limit_plus_accommodation_capped_by_close(tenant_a, paper):
    now = timezone.now()
    exam = factories.make_exam(
        tenant_a.institution,
        actor=tenant_a.teacher,
        items=paper[:1],
        time_limit_minutes=60,
        closes_at=now + timedelta(minutes=100),
    )
    exams.accommodation_set(
        actor=tenant_a.teacher,
        exam=exam,
        learner=tenant_a.learner,
        extra_percent=50,
        extra_minutes=5,
    )
    attempt = attempt_start(attempt=prepare(tenant_a, exam), learner=tenant_a.learner, now=now)
    assert attempt.deadline == now + timedelta(minutes=95)
    other = site_factories.make_learner(tenant_a.institution)
    exams.accommodation_set(actor=tenant_a.teacher, exam=exam, learner=other, extra_percent=100)
    late = attempt_start(attempt=prepare(tenant_a, exam, other), learner=other, now=now)
    assert late.deadline == now + timedelta(minutes=100)  # the close wins over 120 minutes


def test_start_checks_window_code_network_and_learner(tenant_a, tenant_b, paper):
    now = timezone.now()
    exam = factories.make_exam(
        tenant_a.institution,
        actor=tenant_a.teacher,
        items=paper[:1],
        opens_at=now + timedelta(hours=1),
        closes_at=now + timedelta(hours=3),
        access_code="K7-2026",
        allowed_networks=["10.20.0.0/16", "2001:db8::/32"],
    )
    attempt = prepare(tenant_a, exam)
    inside = now + timedelta(hours=2)
    good = {"access_code": "K7-2026", "ip": "10.20.3.4"}
    with pytest.raises(AccessRefused):
        attempt_start(attempt=attempt, learner=tenant_a.learner, now=now, **good)
    with pytest.raises(AttemptClosed):
        attempt_start(
            attempt=attempt, learner=tenant_a.learner, now=now + timedelta(hours=3), **good
        )
    for bad in ({"access_code": "k7-2026"}, {"ip": "10.21.0.1"}, {"ip": "not an ip"}, {"ip": None}):
        with pytest.raises(AccessRefused):
            attempt_start(attempt=attempt, learner=tenant_a.learner, now=inside, **{**good, **bad})
    with pytest.raises(PermissionDenied):
        attempt_start(attempt=attempt, learner=tenant_b.learner, now=inside, **good)
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.PREPARED
    started = attempt_start(attempt=attempt, learner=tenant_a.learner, now=inside, **good)
    assert started.started_at == inside
    # Starting again (a reconnect) changes nothing, even from elsewhere or later.
    again = attempt_start(attempt=attempt, learner=tenant_a.learner, now=inside + timedelta(1))
    assert again.started_at == inside


# --- saves --------------------------------------------------------------------------------


def test_saves_are_idempotent_by_seq_and_never_go_backwards(started, tenant_a):
    question = q(started, "single_choice")
    a, b = token(question, "a"), token(question, "b")

    def save(seq, response):
        return answer_save(
            attempt=started,
            learner=tenant_a.learner,
            question_key=question.key,
            seq=seq,
            response=response,
        )

    assert save(5, a).status == "saved"
    assert save(5, a).status == "unchanged"
    result = save(4, b)
    assert (result.status, result.seq) == ("stale", 5)
    with pytest.raises(SeqConflict):
        save(5, b)
    assert save(6, b).status == "saved"
    assert save(5, a).status == "stale"
    stored = Answer.objects.get(question=question)
    assert (stored.seq, stored.response) == (6, b)


@pytest.mark.parametrize(
    "response",
    [
        "a",  # an authored id is not a token of this attempt
        ["x"],
        {"nested": "object"},
        "o" + "0" * 10,
        "x" * 70_000,
    ],
)
def test_malformed_or_tampered_answers_are_refused_and_change_nothing(started, tenant_a, response):
    question = q(started, "single_choice")
    good = token(question, "b")
    answer_save(
        attempt=started, learner=tenant_a.learner, question_key=question.key, seq=1, response=good
    )
    with pytest.raises(ValidationError):
        answer_save(
            attempt=started,
            learner=tenant_a.learner,
            question_key=question.key,
            seq=2,
            response=response,
        )
    stored = Answer.objects.get(question=question)
    assert (stored.seq, stored.response) == (1, good)


def test_an_ordering_answer_must_use_this_attempts_step_ids(started, tenant_a):
    question = q(started, "ordering")
    with pytest.raises(ValidationError):
        answer_save(
            attempt=started,
            learner=tenant_a.learner,
            question_key=question.key,
            seq=1,
            response=["s1", "s2", "s3", "s4"],
        )
    right = [token(question, step) for step in ("s1", "s2", "s3", "s4")]
    assert (
        answer_save(
            attempt=started,
            learner=tenant_a.learner,
            question_key=question.key,
            seq=1,
            response=right,
        ).status
        == "saved"
    )


@pytest.mark.parametrize("seq", [0, -1, True, "3", 2**31, None, 1.5])
def test_bad_sequence_numbers_are_refused(started, tenant_a, seq):
    question = q(started, "single_choice")
    with pytest.raises(ValidationError):
        answer_save(
            attempt=started,
            learner=tenant_a.learner,
            question_key=question.key,
            seq=seq,
            response=None,
        )


def test_tampered_question_key_and_another_learners_attempt_are_refused(
    started, tenant_a, tenant_b, paper
):
    with pytest.raises(UnknownQuestion):
        answer_save(
            attempt=started, learner=tenant_a.learner, question_key="q-guess", seq=1, response=None
        )
    # A key of another attempt of the same exam is not a key of this one.
    other_learner = site_factories.make_learner(tenant_a.institution)
    other = prepare(tenant_a, started.exam, other_learner)
    with pytest.raises(UnknownQuestion):
        answer_save(
            attempt=started,
            learner=tenant_a.learner,
            question_key=q(other, "single_choice").key,
            seq=1,
            response=None,
        )
    question = q(started, "single_choice")
    for intruder in (other_learner, tenant_b.learner, tenant_a.teacher, None):
        with pytest.raises(PermissionDenied):
            answer_save(
                attempt=started,
                learner=intruder,
                question_key=question.key,
                seq=1,
                response=token(question, "a"),
            )
    assert not Answer.objects.exists()


def test_saves_before_the_start_and_after_submission_are_refused(tenant_a, paper):
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=paper[:1])
    attempt = prepare(tenant_a, exam)
    question = q(attempt, "single_choice")
    args = {"learner": tenant_a.learner, "question_key": question.key, "response": None}
    with pytest.raises(NotStarted):
        answer_save(attempt=attempt, seq=1, **args)
    attempt_start(attempt=attempt, learner=tenant_a.learner)
    answer_save(attempt=attempt, seq=1, **{**args, "response": token(question, "a")})
    attempt_submit(attempt=attempt, actor=tenant_a.learner)
    with pytest.raises(AttemptClosed):
        answer_save(attempt=attempt, seq=2, **args)
    assert Answer.objects.get(question=question).response == token(question, "a")


@override_settings(ASSESSMENT_SAVE_GRACE_SECONDS=120)
def test_saves_within_grace_count_and_beyond_grace_are_refused(started, tenant_a):
    question = q(started, "single_choice")
    a, b = token(question, "a"), token(question, "b")
    deadline = started.deadline
    kwargs = {"attempt": started, "learner": tenant_a.learner, "question_key": question.key}
    answer_save(seq=1, response=b, now=deadline + timedelta(seconds=119), **kwargs)
    with pytest.raises(DeadlinePassed):
        answer_save(seq=2, response=a, now=deadline + timedelta(seconds=121), **kwargs)
    assert Answer.objects.get(question=question).response == b


# --- submission ---------------------------------------------------------------------------


def test_submit_marks_with_the_version_seen_and_is_idempotent(started, tenant_a):
    choice = q(started, "single_choice")
    ordering = q(started, "ordering")
    save = {"attempt": started, "learner": tenant_a.learner, "seq": 1}
    answer_save(question_key=choice.key, response=token(choice, "a"), **save)
    answer_save(
        question_key=ordering.key,
        response=[token(ordering, s) for s in ("s1", "s2", "s4", "s3")],
        **save,
    )
    # The author corrects the key afterwards: a new version, the attempt keeps the old one.
    body = dict(choice.item_version.body, correct="b")
    services.item_update(actor=tenant_a.teacher, item=choice.item_version.item, body=body)

    result = attempt_submit(attempt=started, actor=tenant_a.learner)
    assert (result.score, result.max_score) == (Decimal("1.5"), Decimal(2))
    assert result.submitted_by == Attempt.SubmittedBy.LEARNER
    again = attempt_submit(attempt=started, actor=tenant_a.learner, now=timezone.now())
    assert (again.score, again.submitted_at) == (result.score, result.submitted_at)
    assert AttemptQuestion.objects.get(pk=choice.pk).score == 1


def test_another_learner_cannot_submit_but_staff_can(started, tenant_a, tenant_b):
    for intruder in (site_factories.make_learner(tenant_a.institution), tenant_b.teacher):
        with pytest.raises(PermissionDenied):
            attempt_submit(attempt=started, actor=intruder)
    assert Attempt.objects.get(pk=started.pk).status == Attempt.Status.IN_PROGRESS
    done = attempt_submit(attempt=started, actor=tenant_a.teacher)
    assert done.submitted_by == Attempt.SubmittedBy.STAFF


def test_negative_marking_takes_a_share_for_wrong_answers_and_floors_the_total(tenant_a, bank):
    items = [
        factories.make_item(
            bank, actor=tenant_a.teacher, body=dict(factories.BODIES["single_choice"], points=2)
        )
        for _ in range(3)
    ]
    exam = factories.make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=items, negative_marking=Decimal("0.25")
    )
    attempt = attempt_start(attempt=prepare(tenant_a, exam), learner=tenant_a.learner)
    rows = list(attempt.questions.all())
    for row, authored in zip(rows, ("a", "b", None), strict=True):
        answer_save(
            attempt=attempt,
            learner=tenant_a.learner,
            question_key=row.key,
            seq=1,
            response=token(row, authored) if authored else None,
        )
    result = attempt_submit(attempt=attempt, actor=tenant_a.learner)
    scores = [AttemptQuestion.objects.get(pk=row.pk).score for row in rows]
    assert scores == [Decimal(2), Decimal("-0.5"), Decimal(0)]  # unanswered costs nothing
    assert result.score == Decimal("1.5")

    other = site_factories.make_learner(tenant_a.institution)
    wrong = attempt_start(attempt=prepare(tenant_a, exam, other), learner=other)
    for row in wrong.questions.all():
        answer_save(
            attempt=wrong, learner=other, question_key=row.key, seq=1, response=token(row, "c")
        )
    assert attempt_submit(attempt=wrong, actor=other).score == 0


def test_hand_marked_questions_hold_the_grade_back(
    tenant_a, paper, django_capture_on_commit_callbacks
):
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=paper)
    attempt = attempt_start(attempt=prepare(tenant_a, exam), learner=tenant_a.learner)
    essay = q(attempt, "essay")
    answer_save(
        attempt=attempt,
        learner=tenant_a.learner,
        question_key=essay.key,
        seq=1,
        response="Cắt nguồn, kiểm tra, nối đất.",
    )
    received = []
    attempt_graded.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t1")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = attempt_submit(attempt=attempt, actor=tenant_a.learner)
    finally:
        attempt_graded.disconnect(dispatch_uid="t1")
    assert result.needs_manual
    assert AttemptQuestion.objects.get(pk=essay.pk).score is None
    assert received == []


def test_attempt_graded_is_sent_on_commit_with_a_dataclass(
    started, tenant_a, django_capture_on_commit_callbacks
):
    received = []
    attempt_graded.connect(
        lambda **kw: received.append(kw["result"]), weak=False, dispatch_uid="t2"
    )
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            attempt_submit(attempt=started, actor=tenant_a.learner)
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        attempt_graded.disconnect(dispatch_uid="t2")
    [payload] = received
    assert isinstance(payload, AttemptGraded)
    assert (payload.attempt_id, payload.learner_id) == (started.pk, tenant_a.learner.pk)
    assert payload.max_score == Decimal(2)


@override_settings(ASSESSMENT_SAVE_GRACE_SECONDS=60)
def test_the_sweep_submits_overdue_attempts_keeping_confirmed_answers(started, tenant_a):
    question = q(started, "single_choice")
    answer_save(
        attempt=started,
        learner=tenant_a.learner,
        question_key=question.key,
        seq=3,
        response=token(question, "a"),
        now=started.deadline + timedelta(seconds=59),  # arrived late, within grace
    )
    assert attempts.attempts_expire(now=started.deadline + timedelta(seconds=59)) == 0
    assert attempts.attempts_expire(now=started.deadline + timedelta(seconds=61)) == 1
    done = Attempt.objects.get(pk=started.pk)
    assert (done.status, done.submitted_by, done.score) == (
        Attempt.Status.SUBMITTED,
        Attempt.SubmittedBy.DEADLINE,
        Decimal(1),
    )
    assert attempts.attempts_expire(now=started.deadline + timedelta(hours=1)) == 0


def test_the_sweep_task_runs_the_service(started):
    from assessment.tasks import attempts_expire_task

    Attempt.objects.filter(pk=started.pk).update(deadline=timezone.now() - timedelta(hours=1))
    attempts_expire_task.enqueue()  # the immediate backend in tests
    assert Attempt.objects.get(pk=started.pk).status == Attempt.Status.SUBMITTED


def test_a_reconnect_after_the_end_sees_the_attempt_submitted(started, tenant_a):
    later = started.deadline + timedelta(hours=1)
    state = attempts.attempt_state(attempt=started, learner=tenant_a.learner, now=later)
    assert state["status"] == Attempt.Status.SUBMITTED


def test_submission_is_recorded_once_in_the_lrs(started, tenant_a):
    from lrs.models import Statement

    question = q(started, "single_choice")
    answer_save(
        attempt=started,
        learner=tenant_a.learner,
        question_key=question.key,
        seq=1,
        response=token(question, "a"),
    )
    attempt_submit(attempt=started, actor=tenant_a.learner)
    attempt_submit(attempt=started, actor=tenant_a.learner)
    # (Released at once, the result is also a "scored" statement: tests/assessment/test_marking_*.)
    [statement] = Statement.objects.filter(
        registration=started.public_id, verb_id="http://adlnet.gov/expapi/verbs/completed"
    )
    assert statement.institution == tenant_a.institution
    assert statement.verb_id == "http://adlnet.gov/expapi/verbs/completed"
    payload = statement.payload
    assert payload["actor"]["account"]["name"] == tenant_a.learner.learner_id
    assert payload["result"]["score"] == {"raw": 1.0, "min": 0.0, "max": 2.0, "scaled": 0.5}
