"""Demo data for assessment: an item bank, an exam and marked attempts (for `load_demo`).

`demo_assessment_load(institution=, teacher=, learners=)` is idempotent: a second call
finds the demo bank and does nothing. Every record goes through the services. Besides
the objective exam (released automatically), a written exam with an essay is marked by
hand: every response first-marked, half second-marked by another member of staff, one
disagreement moderated, and the results released by the examiner (so the lms gradebook
has them).
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from institutions.api import STAFF_ROLES

from . import attempts, exams, marking, services
from .models import ItemBank

BANK_NAME = "An toàn điện — ngân hàng câu hỏi mẫu"

ITEMS = [
    (
        "single_choice",
        "<p>Điện áp lưới điện sinh hoạt ở Việt Nam là bao nhiêu?</p>",
        {
            "options": [
                {"id": "a", "text": "220 V"},
                {"id": "b", "text": "380 V"},
                {"id": "c", "text": "110 V"},
            ],
            "correct": "a",
            "shuffle": True,
        },
        ["an toàn", "đo lường"],
        2,
    ),
    (
        "multiple_choice",
        "<p>Chọn các dụng cụ bảo hộ khi làm việc với điện.</p>",
        {
            "options": [
                {"id": "a", "text": "Găng tay cách điện"},
                {"id": "b", "text": "Ủng cách điện"},
                {"id": "c", "text": "Dép tổ ong"},
                {"id": "d", "text": "Kính bảo hộ"},
            ],
            "correct": ["a", "b", "d"],
            "scoring": "partial",
        },
        ["an toàn"],
        2,
    ),
    (
        "true_false",
        "<p>Phải cắt nguồn và kiểm tra không còn điện trước khi sửa chữa.</p>",
        {"correct": True},
        ["an toàn"],
        1,
    ),
    (
        "numeric",
        "<p>Một bóng đèn 100 W dùng điện áp 220 V. Dòng điện qua đèn là bao nhiêu ampe?</p>",
        {"answers": [{"value": 0.45, "tolerance": 0.01}], "units": [{"unit": "A", "factor": 1}]},
        ["đo lường"],
        3,
    ),
    (
        "ordering",
        "<p>Sắp xếp các bước cắt điện an toàn.</p>",
        {
            "steps": [
                {"id": "s1", "text": "Cắt nguồn"},
                {"id": "s2", "text": "Kiểm tra không còn điện"},
                {"id": "s3", "text": "Nối đất"},
                {"id": "s4", "text": "Treo biển báo"},
            ]
        },
        ["an toàn"],
        3,
    ),
]


def _answer(question, rng: random.Random):
    """A plausible learner answer in the attempt's own ids: mostly right, sometimes not."""
    body = question.item_version.body
    token = {authored: opaque for opaque, authored in question.id_map.items()}
    kind = question.view["type"]
    right = rng.random() < 0.7
    if kind == "single_choice":
        return token[body["correct"] if right else body["options"][1]["id"]]
    if kind == "multiple_choice":
        chosen = body["correct"] if right else [*body["correct"][:1], "c"]
        return [token[value] for value in chosen]
    if kind == "true_false":
        return bool(body["correct"]) if right else not body["correct"]
    if kind == "numeric":
        return "0,45 A" if right else "2,2 A"
    if kind == "ordering":
        steps = [step["id"] for step in body["steps"]]
        if not right:
            steps[1], steps[2] = steps[2], steps[1]
        return [token[step] for step in steps]
    return None


@transaction.atomic
def demo_assessment_load(*, institution, teacher, learners, seed: int = 5) -> ItemBank:
    """Make the demo bank, a published exam and submitted, marked attempts for `learners`
    (the last learner's attempt is left prepared, to sit in the demo)."""
    existing = ItemBank.objects.filter(institution=institution, name=BANK_NAME).first()
    if existing is not None:
        return existing
    rng = random.Random(seed)  # noqa: S311 -- demo answers, not a secret
    bank = services.bank_create(actor=teacher, institution=institution, name=BANK_NAME)
    versions = [
        services.item_create(
            actor=teacher,
            bank=bank,
            question_type=kind,
            stem=stem,
            body=body,
            tags=tags,
            difficulty=difficulty,
        )
        for kind, stem, body, tags, difficulty in ITEMS
    ]
    exam = exams.exam_create(
        actor=teacher,
        institution=institution,
        title="Kiểm tra an toàn điện (15 phút)",
        time_limit_minutes=15,
        shuffle_items=True,
        review_when="immediately",
        sections=[
            exams.SectionSpec(title="Phần 1: An toàn", items=versions[:3]),
            exams.SectionSpec(
                title="Phần 2: Đo lường và quy trình",
                rules=[exams.RuleSpec(bank=bank, count=1, tag="đo lường")],
                items=[versions[4]],
            ),
        ],
    )
    exams.exam_publish(actor=teacher, exam=exam)
    learners = list(learners)
    prepared = attempts.exam_attempts_prepare(actor=teacher, exam=exam, learners=learners)
    start = timezone.now() - timedelta(days=1)
    for attempt in prepared[:-1]:
        attempt = attempts.attempt_start(attempt=attempt, learner=attempt.learner, now=start)
        for seq, question in enumerate(attempt.questions.select_related("item_version"), 1):
            attempts.answer_save(
                attempt=attempt,
                learner=attempt.learner,
                question_key=question.key,
                seq=seq,
                response=_answer(question, rng),
                now=start + timedelta(minutes=seq),
            )
        attempts.attempt_submit(
            attempt=attempt, actor=attempt.learner, now=start + timedelta(minutes=12)
        )
    _written_exam(institution, teacher, bank, learners[:-1], start)
    return bank


ESSAY = (
    "<p>Trình bày quy trình cắt điện an toàn trước khi sửa chữa tủ điện.</p>",
    {
        "rubric": {
            "criteria": [
                {
                    "id": "steps",
                    "title": "Đủ và đúng thứ tự các bước",
                    "levels": [
                        {"id": "0", "label": "Thiếu nhiều bước", "points": 0},
                        {"id": "1", "label": "Thiếu một bước", "points": 2},
                        {"id": "2", "label": "Đủ và đúng thứ tự", "points": 4},
                    ],
                },
                {
                    "id": "safety",
                    "title": "Nêu biện pháp an toàn",
                    "levels": [
                        {"id": "0", "label": "Không nêu", "points": 0},
                        {"id": "1", "label": "Có nêu", "points": 2},
                    ],
                },
            ]
        },
        "max_words": 400,
    },
)

ESSAY_ANSWERS = [
    "Cắt cầu dao, kiểm tra không còn điện bằng bút thử, nối đất, treo biển báo, "
    "mang găng tay và ủng cách điện.",
    "Cắt nguồn rồi treo biển báo, sau đó làm việc.",
    "Kiểm tra không còn điện, cắt nguồn, nối đất. Mang bảo hộ.",
    "Ngắt aptomat tổng, đo kiểm tra, nối đất tạm thời, treo biển 'Cấm đóng điện'.",
    "Cắt điện.",
]

# (first marker's levels, a second marker's differing levels or None) per learner.
DEMO_MARKS = [
    ({"steps": "2", "safety": "1"}, {"steps": "2", "safety": "1"}),
    ({"steps": "1", "safety": "0"}, None),
    ({"steps": "1", "safety": "1"}, {"steps": "0", "safety": "1"}),  # disagreement: moderated
    ({"steps": "2", "safety": "1"}, None),
    ({"steps": "0", "safety": "0"}, None),
]


def _written_exam(institution, teacher, bank, learners, start) -> None:
    """A written exam (one choice question and an essay) marked, moderated and released."""
    staff = list(
        get_user_model()
        .objects.filter(memberships__institution=institution, memberships__role__in=STAFF_ROLES)
        .exclude(pk=teacher.pk)
        .distinct()
        .order_by("username")
    )
    essay = services.item_create(
        actor=teacher,
        bank=bank,
        question_type="essay",
        stem=ESSAY[0],
        body=ESSAY[1],
        tags=["an toàn", "tự luận"],
        difficulty=3,
    )
    exam = exams.exam_create(
        actor=teacher,
        institution=institution,
        title="Bài viết: quy trình cắt điện an toàn",
        time_limit_minutes=30,
        review_when="on_release",
        sections=[exams.SectionSpec(title="Tự luận", items=[essay])],
    )
    exams.exam_publish(actor=teacher, exam=exam)
    marking.exam_marking_update(
        actor=teacher,
        exam=exam,
        release="examiner",
        second_marking_percent=50 if len(staff) >= 2 else 0,
        pass_percent=50,
        blind=True,
    )
    prepared = attempts.exam_attempts_prepare(actor=teacher, exam=exam, learners=learners)
    for index, attempt in enumerate(prepared):
        attempt = attempts.attempt_start(attempt=attempt, learner=attempt.learner, now=start)
        question = attempt.questions.get()
        attempts.answer_save(
            attempt=attempt,
            learner=attempt.learner,
            question_key=question.key,
            seq=1,
            response=ESSAY_ANSWERS[index % len(ESSAY_ANSWERS)],
            now=start + timedelta(minutes=5),
        )
        attempts.attempt_submit(
            attempt=attempt, actor=attempt.learner, now=start + timedelta(minutes=20)
        )
        first, second = DEMO_MARKS[index % len(DEMO_MARKS)]
        marking.response_mark(
            actor=teacher,
            question=question,
            marking={"levels": first},
            notes="Chấm lần 1.",
            now=start + timedelta(hours=2),
        )
        if len(staff) < 2:
            continue  # no second marker and moderator in this institution
        if marking.needs_second_mark(question, marking.exam_marking(exam)):
            # Without a planned disagreement, the second marker agrees.
            marking.response_mark(
                actor=staff[0],
                question=question,
                marking={"levels": second or first},
                notes="Chấm lần 2, độc lập.",
                now=start + timedelta(hours=3),
            )
        if second is not None and second != first:
            # Moderated whether or not the draw second-marked it (a sample moderation).
            marking.response_moderate(
                actor=staff[1],
                question=question,
                decision="adjust",
                marking={"levels": {"steps": "1", "safety": "1"}},
                reason="Thiếu bước nối đất nhưng có biện pháp an toàn: điểm của lần chấm 1.",
                now=start + timedelta(hours=4),
            )
    marking.results_release(actor=teacher, exam=exam, now=start + timedelta(hours=5))
