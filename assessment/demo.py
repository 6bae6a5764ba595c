"""Demo data for assessment: an item bank, an exam and marked attempts (for `load_demo`).

`demo_assessment_load(institution=, teacher=, learners=)` is idempotent: a second call
finds the demo bank and does nothing. Every record goes through the services.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from . import attempts, exams, services
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
    return bank
