"""Export an exam, import the package: the same exam comes back, as far as QTI carries it."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import translation

from assessment.exams import SETTINGS, RuleSpec, SectionSpec, exam_create
from assessment.models import Exam
from assessment.qti.services import qti_export_exam, qti_import

from ..factories import make_bank
from .test_qti_export import _without_extension
from .test_qti_round_trip import _snapshot

# Settings the package carries: QTI's maxTime and shuffle, the rest in the extension.
# Opening times, access codes, networks and review details belong to a sitting, not a test.
CARRIED = (
    "instructions",
    "time_limit_minutes",
    "attempts_allowed",
    "shuffle_items",
    "shuffle_options",
    "negative_marking",
    "review_when",
)


@pytest.fixture(autouse=True)
def _english():
    """The report's sentences are checked in English (the site's default language is
    Vietnamese, whose catalogue translates them)."""
    with translation.override("en"):
        yield


def _content(version) -> dict:
    """What a learner sees and is marked on (tags and language are the item's, compared too)."""
    return _snapshot(version)


def _shape(exam: Exam) -> list[dict]:
    version = exam.current_version
    return [
        {
            "title": section.title,
            "items": [
                _content(row.item_version)
                for row in section.items.order_by("position").select_related("item_version")
            ],
            "rules": [
                (rule.count, rule.tag, rule.outcome_code, rule.difficulty)
                for rule in section.rules.order_by("position")
            ],
        }
        for section in version.sections.order_by("position")
    ]


@pytest.fixture
def exam(tenant_a, every_type):
    bank, versions = every_type
    return exam_create(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        title="Kiểm tra cuối kỳ: điện dân dụng",
        sections=[
            SectionSpec(
                title="Lý thuyết",
                items=[versions[k] for k in ("single_choice", "numeric", "cloze", "matching")],
            ),
            SectionSpec(title="", items=[versions["essay"], versions["practical_checklist"]]),
            SectionSpec(
                title="Ngẫu nhiên",
                rules=[RuleSpec(bank=bank, count=2, tag="an toàn", difficulty=None)],
            ),
        ],
        instructions="Đọc kỹ đề trước khi làm.",
        time_limit_minutes=45,
        attempts_allowed=3,
        shuffle_items=True,
        shuffle_options=True,
        negative_marking=Decimal("0.25"),
        review_when="immediately",
    )


@pytest.mark.parametrize("qti_version", ["2.1", "3.0"])
def test_an_exported_exam_imports_as_the_same_exam(tenant_a, exam, qti_version):
    data = qti_export_exam(actor=tenant_a.teacher, exam=exam, qti_version=qti_version)
    target = make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Đề nhập lại")
    report = qti_import(actor=tenant_a.teacher, bank=target, fileobj=io.BytesIO(data))
    assert report.failed == []
    (test,) = report.tests
    assert test.made and test.problems == [], (test.code, test.message, test.problems)
    copy = Exam.objects.get(pk=test.exam_id)
    assert copy.pk != exam.pk and copy.institution == exam.institution
    assert copy.title == exam.title
    assert _shape(copy) == _shape(exam)
    for name in CARRIED:
        assert getattr(copy.current_version, name) == getattr(exam.current_version, name), name
    # The rule draws from the bank imported into, which now holds the items it listed.
    (rule,) = copy.current_version.sections.get(position=3).rules.all()
    assert rule.bank == target
    assert target.items.count() == len(report.imported)
    # The copy is a new exam: nothing of the original changed or was shared.
    assert exam.current_version.number == 1 and Exam.objects.count() == 2


def test_every_setting_the_exam_has_is_either_carried_or_named_as_not(exam):
    not_carried = {
        "opens_at",
        "closes_at",
        "access_code",
        "allowed_networks",
        "review_marks",
        "review_correct",
        "review_feedback",
    }
    assert set(SETTINGS) == set(CARRIED) | not_carried


def test_another_tool_without_the_extension_still_gets_sections_items_time_and_shuffle(
    tenant_a, exam
):
    data = qti_export_exam(actor=tenant_a.teacher, exam=exam, qti_version="2.1")
    target = make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Công cụ khác")
    report = qti_import(actor=tenant_a.teacher, bank=target, fileobj=_without_extension(data))
    (test,) = report.tests
    assert test.made, test.message
    copy = Exam.objects.get(pk=test.exam_id)
    version = copy.current_version
    assert version.time_limit_minutes == 45 and version.shuffle_items is True
    sections = list(version.sections.order_by("position"))
    # The untitled section comes back with the title the export gave it (its position).
    assert [s.title for s in sections] == ["Lý thuyết", "2", "Ngẫu nhiên"]
    assert [s.items.count() for s in sections[:2]] == [4, 2]
    # Without the rule, the random selection cannot be carried: its pool becomes fixed, and
    # the report says so.
    assert sections[2].rules.count() == 0 and sections[2].items.count() > 2
    assert any("random selection of 2" in p for p in test.problems)


def test_a_rule_whose_pool_is_exactly_its_count_still_comes_back_as_a_rule(tenant_a):
    from ..factories import make_item

    bank = make_bank(tenant_a.institution, actor=tenant_a.teacher)
    for _ in range(2):
        make_item(bank, "true_false", actor=tenant_a.teacher, tags=["đo"], difficulty=2)
    exam = exam_create(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        title="Đo lường",
        sections=[SectionSpec(title="A", rules=[RuleSpec(bank=bank, count=2, tag="đo")])],
    )
    data = qti_export_exam(actor=tenant_a.teacher, exam=exam, qti_version="2.1")
    target = make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Đích")
    (test,) = qti_import(actor=tenant_a.teacher, bank=target, fileobj=io.BytesIO(data)).tests
    assert (test.made, test.items, test.rules) == (True, 0, 1)
    (rule,) = Exam.objects.get(pk=test.exam_id).current_version.sections.get().rules.all()
    assert (rule.bank, rule.count, rule.tag) == (target, 2, "đo")
