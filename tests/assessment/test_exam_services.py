"""Exams: creation, versions once attempted, publication, blueprints, accommodations, tenancy."""

import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError

from assessment import attempts, exams, services
from assessment.models import (
    Attempt,
    ExamItem,
    ExamVersion,
    ItemVersion,
    ItemVersionLabel,
)
from institutions.models import AuditEvent
from tests import factories as site_factories

from . import factories


@pytest.fixture
def bank(tenant_a):
    return factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)


@pytest.fixture
def item(bank, tenant_a):
    return factories.make_item(bank, actor=tenant_a.teacher)


def test_exam_create_freezes_its_fixed_items_and_audits(tenant_a, item):
    exam = factories.make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=[item], time_limit_minutes=30
    )
    version = exam.current_version
    assert version.number == 1
    assert version.time_limit_minutes == 30
    assert ItemVersion.objects.get(pk=item.pk).is_locked
    assert ExamItem.objects.get(section__version=version).item_version_id == item.pk
    assert AuditEvent.objects.filter(action="exam.create", object_id=str(exam.pk)).exists()
    assert AuditEvent.objects.filter(action="exam.publish", object_id=str(exam.pk)).exists()
    # PROTECT: an item version an exam uses cannot disappear under it.
    with pytest.raises(ProtectedError):
        ItemVersion.objects.filter(pk=item.pk).delete()


def test_staff_of_another_institution_cannot_create_update_or_publish(tenant_a, tenant_b, item):
    with pytest.raises(PermissionDenied):
        factories.make_exam(tenant_a.institution, actor=tenant_b.teacher, items=[item])
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, publish=False)
    for call in (
        lambda: exams.exam_update(actor=tenant_b.teacher, exam=exam, time_limit_minutes=5),
        lambda: exams.exam_publish(actor=tenant_b.admin, exam=exam),
        lambda: exams.exam_update(actor=tenant_a.learner, exam=exam, time_limit_minutes=5),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert exam.current_version.time_limit_minutes is None


def test_an_exam_cannot_use_an_item_its_institution_may_not_read(tenant_a, tenant_b):
    other_bank = factories.make_bank(tenant_b.institution, actor=tenant_b.teacher)
    other_item = factories.make_item(other_bank, actor=tenant_b.teacher)
    with pytest.raises(PermissionDenied):
        factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=[other_item])
    with pytest.raises(PermissionDenied):
        factories.make_exam(
            tenant_a.institution,
            actor=tenant_a.teacher,
            rules=[exams.RuleSpec(bank=other_bank, count=1)],
        )
    assert not ItemVersion.objects.get(pk=other_item.pk).is_locked


@pytest.mark.parametrize(
    "settings",
    [
        {"allowed_networks": ["10.0.0.0/33"]},
        {"allowed_networks": "10.0.0.0/8"},
        {"negative_marking": 2},
        {"attempts_allowed": 0},
        {"review_when": "sometimes"},
        {"secret_setting": True},
    ],
)
def test_exam_create_refuses_bad_settings(tenant_a, item, settings):
    with pytest.raises(ValidationError):
        factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=[item], **settings)


def test_exam_refuses_a_close_before_the_open(tenant_a, item):
    from django.utils import timezone

    now = timezone.now()
    with pytest.raises(ValidationError):
        factories.make_exam(
            tenant_a.institution, actor=tenant_a.teacher, items=[item], opens_at=now, closes_at=now
        )


def test_publishing_an_empty_exam_is_refused(tenant_a):
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, publish=False)
    with pytest.raises(ValidationError):
        exams.exam_publish(actor=tenant_a.teacher, exam=exam)


def test_editing_an_unattempted_exam_changes_the_same_version(tenant_a, item):
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=[item])
    version = exams.exam_update(actor=tenant_a.teacher, exam=exam, time_limit_minutes=45)
    assert version.number == 1
    assert ExamVersion.objects.filter(exam=exam).count() == 1
    assert ExamVersion.objects.get(exam=exam).time_limit_minutes == 45


def test_editing_an_attempted_exam_makes_a_new_version_and_attempts_keep_theirs(
    tenant_a, bank, item
):
    exam = factories.make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=[item], time_limit_minutes=30
    )
    [attempt] = attempts.exam_attempts_prepare(
        actor=tenant_a.teacher, exam=exam, learners=[tenant_a.learner]
    )
    second = factories.make_item(bank, actor=tenant_a.teacher, stem="<p>Câu mới</p>")
    version = exams.exam_update(
        actor=tenant_a.teacher,
        exam=exam,
        time_limit_minutes=60,
        sections=[exams.SectionSpec(items=[item, second])],
    )
    assert version.number == 2
    first = ExamVersion.objects.get(exam=exam, number=1)
    assert first.time_limit_minutes == 30
    assert ExamItem.objects.filter(section__version=first).count() == 1
    assert ExamItem.objects.filter(section__version=version).count() == 2
    assert Attempt.objects.get(pk=attempt.pk).version_id == first.pk
    assert attempt.questions.count() == 1
    # A settings-only edit of v2 (no attempts yet) stays on v2 and keeps its sections.
    again = exams.exam_update(actor=tenant_a.teacher, exam=exam, attempts_allowed=2)
    assert again.pk == version.pk
    assert AuditEvent.objects.filter(action="exam.version_create").count() == 1


def test_a_settings_edit_of_an_attempted_exam_copies_its_sections(tenant_a, item):
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=[item])
    attempts.exam_attempts_prepare(actor=tenant_a.teacher, exam=exam, learners=[tenant_a.learner])
    version = exams.exam_update(actor=tenant_a.teacher, exam=exam, access_code="ABC123")
    assert version.number == 2
    assert version.access_code == "ABC123"
    assert list(
        ExamItem.objects.filter(section__version=version).values_list("item_version", flat=True)
    ) == [item.pk]


def test_tags_are_indexed_rows_that_follow_versions(tenant_a, bank):
    version = factories.make_item(
        bank, actor=tenant_a.teacher, tags=["an toàn"], outcome_codes=["LO1"]
    )
    assert set(ItemVersionLabel.objects.filter(version=version).values_list("kind", "value")) == {
        ("tag", "an toàn"),
        ("outcome", "LO1"),
    }
    services.item_update(actor=tenant_a.teacher, item=version.item, tags=["đo lường"])
    assert list(
        ItemVersionLabel.objects.filter(version=version, kind="tag").values_list("value", flat=True)
    ) == ["đo lường"]


def _blueprint_bank(tenant):
    bank = factories.make_bank(tenant.institution, actor=tenant.teacher)
    safety = [
        factories.make_item(bank, actor=tenant.teacher, tags=["an toàn"], difficulty=2)
        for _ in range(6)
    ]
    hard = [
        factories.make_item(bank, actor=tenant.teacher, tags=["an toàn"], difficulty=4)
        for _ in range(2)
    ]
    measuring = [
        factories.make_item(bank, actor=tenant.teacher, outcome_codes=["LO2"]) for _ in range(3)
    ]
    return bank, safety, hard, measuring


def test_blueprint_draws_per_learner_by_tag_difficulty_and_outcome(tenant_a):
    bank, safety, hard, measuring = _blueprint_bank(tenant_a)
    learners = [tenant_a.learner] + [
        site_factories.make_learner(tenant_a.institution) for _ in range(5)
    ]
    exam = factories.make_exam(
        tenant_a.institution,
        actor=tenant_a.teacher,
        rules=[
            exams.RuleSpec(bank=bank, count=3, tag="an toàn", difficulty=2),
            exams.RuleSpec(bank=bank, count=1, tag="an toàn", difficulty=4),
            exams.RuleSpec(bank=bank, count=2, outcome_code="LO2"),
        ],
    )
    prepared = attempts.exam_attempts_prepare(actor=tenant_a.teacher, exam=exam, learners=learners)
    draws = []
    for attempt in prepared:
        drawn = list(attempt.questions.values_list("item_version", flat=True))
        assert len(drawn) == len(set(drawn)) == 6
        assert len(set(drawn) & {v.pk for v in safety}) == 3
        assert len(set(drawn) & {v.pk for v in hard}) == 1
        assert len(set(drawn) & {v.pk for v in measuring}) == 2
        draws.append(tuple(sorted(drawn)))
    assert len(set(draws)) > 1  # learners do not all get the same paper
    # Drawn versions are frozen; versions nobody drew stay editable.
    drawn_pks = {pk for draw in draws for pk in draw}
    assert all(v.is_locked for v in ItemVersion.objects.filter(pk__in=drawn_pks))


def test_blueprint_draw_is_reproducible_from_the_seed(tenant_a):
    bank, *_ = _blueprint_bank(tenant_a)
    exam = factories.make_exam(
        tenant_a.institution,
        actor=tenant_a.teacher,
        rules=[exams.RuleSpec(bank=bank, count=4, tag="an toàn")],
        shuffle_items=True,
    )
    drawer = attempts._Drawer(actor=tenant_a.teacher, version=exam.current_version)
    first = [v.pk for _, v in drawer.draw(random.Random(42))]
    again = [v.pk for _, v in drawer.draw(random.Random(42))]
    other = [v.pk for _, v in drawer.draw(random.Random(43))]
    assert first == again
    assert first != other or len(first) == 1


def test_blueprint_draws_the_newest_version_of_each_item(tenant_a, bank):
    version = factories.make_item(bank, actor=tenant_a.teacher, tags=["x"])
    services.item_version_lock(actor=None, version=version)
    newer = services.item_update(actor=tenant_a.teacher, item=version.item, difficulty=5)
    exam = factories.make_exam(
        tenant_a.institution,
        actor=tenant_a.teacher,
        rules=[exams.RuleSpec(bank=bank, count=1, tag="x")],
    )
    [attempt] = attempts.exam_attempts_prepare(
        actor=tenant_a.teacher, exam=exam, learners=[tenant_a.learner]
    )
    assert attempt.questions.get().item_version_id == newer.pk


def test_blueprint_with_too_few_matching_items_refuses_and_prepares_nothing(tenant_a, bank):
    factories.make_item(bank, actor=tenant_a.teacher, tags=["hiếm"])
    exam = factories.make_exam(
        tenant_a.institution,
        actor=tenant_a.teacher,
        rules=[exams.RuleSpec(bank=bank, count=2, tag="hiếm")],
    )
    with pytest.raises(ValidationError):
        attempts.exam_attempts_prepare(
            actor=tenant_a.teacher, exam=exam, learners=[tenant_a.learner]
        )
    assert not Attempt.objects.exists()


def test_accommodation_is_for_the_institutions_learners_only(tenant_a, tenant_b, item):
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=[item])
    accommodation = exams.accommodation_set(
        actor=tenant_a.teacher, exam=exam, learner=tenant_a.learner, extra_percent=25
    )
    assert accommodation.extra_percent == 25
    with pytest.raises(ValidationError):
        exams.accommodation_set(
            actor=tenant_a.teacher, exam=exam, learner=tenant_b.learner, extra_minutes=10
        )
    with pytest.raises(PermissionDenied):
        exams.accommodation_set(
            actor=tenant_b.teacher, exam=exam, learner=tenant_a.learner, extra_minutes=10
        )


def test_a_title_or_unchanged_settings_make_no_new_version(tenant_a, item):
    exam = factories.make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=[item], time_limit_minutes=30
    )
    attempts.exam_attempts_prepare(actor=tenant_a.teacher, exam=exam, learners=[tenant_a.learner])
    version = exams.exam_update(
        actor=tenant_a.teacher, exam=exam, title="Thi cuối kỳ", time_limit_minutes=30
    )
    assert version.number == 1
    exam.refresh_from_db()
    assert exam.title == "Thi cuối kỳ"
    assert ExamVersion.objects.filter(exam=exam).count() == 1
    assert exams.exam_update(actor=tenant_a.teacher, exam=exam, time_limit_minutes=45).number == 2
