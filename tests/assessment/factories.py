"""Item banks and items built through the assessment services."""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass

from assessment import services
from assessment.models import ItemBank, ItemVersion
from institutions import services as institution_services
from institutions.roles import InstitutionRole

_counter = itertools.count(1)

# One valid definition per question type: the factories' default and the tests' baseline.
BODIES = {
    "single_choice": {
        "options": [
            {"id": "a", "text": "220 V"},
            {"id": "b", "text": "380 V"},
            {"id": "c", "text": "110 V"},
        ],
        "correct": "a",
    },
    "multiple_choice": {
        "options": [
            {"id": "a", "text": "Găng tay cách điện"},
            {"id": "b", "text": "Ủng cách điện"},
            {"id": "c", "text": "Dép tổ ong"},
            {"id": "d", "text": "Kính bảo hộ"},
        ],
        "correct": ["a", "b", "d"],
        "scoring": "partial",
    },
    "true_false": {"correct": True},
    "short_answer": {"accepted": [{"text": "Điện áp"}], "diacritic_sensitive": True},
    "numeric": {
        "answers": [{"value": 220, "tolerance": 5}],
        "units": [{"unit": "V", "factor": 1}, {"unit": "kV", "factor": 1000}],
    },
    "matching": {
        "prompts": [{"id": "p1", "text": "Ampe kế"}, {"id": "p2", "text": "Vôn kế"}],
        "choices": [
            {"id": "c1", "text": "Dòng điện"},
            {"id": "c2", "text": "Điện áp"},
            {"id": "c3", "text": "Điện trở"},
        ],
        "pairs": {"p1": "c1", "p2": "c2"},
    },
    "ordering": {
        "steps": [
            {"id": "s1", "text": "Cắt nguồn"},
            {"id": "s2", "text": "Kiểm tra không còn điện"},
            {"id": "s3", "text": "Nối đất"},
            {"id": "s4", "text": "Treo biển báo"},
        ]
    },
    "cloze": {
        "text": "Điện áp lưới là {{g1}} V, đo bằng {{g2}}, gọi là {{g3}}.",
        "gaps": [
            {"id": "g1", "kind": "numeric", "answers": [{"value": 220, "tolerance": 0}]},
            {
                "id": "g2",
                "kind": "select",
                "options": [{"id": "v", "text": "vôn kế"}, {"id": "a", "text": "ampe kế"}],
                "correct": "v",
            },
            {"id": "g3", "kind": "text", "accepted": [{"text": "điện áp"}], "points": 2},
        ],
    },
    "essay": {
        "rubric": {
            "criteria": [
                {
                    "id": "accuracy",
                    "title": "Đúng kỹ thuật",
                    "levels": [
                        {"id": "0", "label": "Sai", "points": 0},
                        {"id": "1", "label": "Đúng một phần", "points": 2},
                        {"id": "2", "label": "Đúng", "points": 4},
                    ],
                },
                {
                    "id": "clarity",
                    "title": "Trình bày",
                    "levels": [
                        {"id": "0", "label": "Khó hiểu", "points": 0},
                        {"id": "1", "label": "Rõ ràng", "points": 1},
                    ],
                },
            ]
        },
        "max_words": 500,
    },
    "file_upload": {
        "accepted_types": ["image/*", "application/pdf"],
        "max_files": 2,
        "max_file_mb": 5,
        "points": 10,
    },
    "practical_checklist": {
        "standard": {"code": "TCKNQG-ĐCN-05", "title": "Lắp đặt tủ điện"},
        "criteria": [
            {
                "id": "ppe",
                "text": "Sử dụng bảo hộ lao động",
                "mode": "met",
                "critical": True,
            },
            {
                "id": "wiring",
                "text": "Đấu nối đúng sơ đồ",
                "mode": "scored",
                "max": 5,
                "evidence_required": True,
            },
            {"id": "tidy", "text": "Gọn gàng vị trí làm việc", "mode": "met", "points": 2},
        ],
    },
}


def make_bank(institution, *, actor=None, shared_nationally: bool = False, **kwargs) -> ItemBank:
    """An item bank of `institution`."""
    return services.bank_create(
        actor=actor,
        institution=institution,
        name=kwargs.pop("name", f"Ngân hàng câu hỏi {next(_counter)}"),
        shared_nationally=shared_nationally,
        **kwargs,
    )


def make_item(
    bank: ItemBank, question_type: str = "single_choice", *, actor=None, **kwargs
) -> ItemVersion:
    """An item (its first version) of `question_type`, with that type's default definition."""
    body = kwargs.pop("body") if "body" in kwargs else copy.deepcopy(BODIES[question_type])
    return services.item_create(
        actor=actor,
        bank=bank,
        question_type=question_type,
        stem=kwargs.pop("stem", "<p>Điện áp lưới điện sinh hoạt ở Việt Nam là bao nhiêu?</p>"),
        body=body,
        **kwargs,
    )


def make_exam(institution, *, actor=None, items=(), rules=(), publish=True, **settings):
    """An exam with one section of fixed `items` and blueprint `rules`, published by default."""
    from assessment import exams

    exam = exams.exam_create(
        actor=actor,
        institution=institution,
        title=settings.pop("title", f"Bài thi {next(_counter)}"),
        sections=[exams.SectionSpec(title="Phần 1", items=list(items), rules=list(rules))],
        **settings,
    )
    if publish:
        exams.exam_publish(actor=actor, exam=exam)
    return exam


@dataclass
class People:
    """An institution with a teacher and a learner."""

    institution: object
    teacher: object
    learner: object


def make_people(code: str, prefix: str) -> People:
    """An institution without the Wagtail site (for transactional tests, whose flush removes
    it), its teacher `<prefix>-teacher` and its learner `<prefix>-hv`."""
    institution = institution_services.institution_create(
        actor=None, code=code, name="Trường thi", kind="college", province="Hà Nội"
    )
    users = []
    for name, role in (
        (f"{prefix}-teacher", InstitutionRole.TEACHER),
        (f"{prefix}-hv", InstitutionRole.LEARNER),
    ):
        user = institution_services.user_create(username=name, password="x-pass-123")
        institution_services.membership_grant(
            actor=None, user=user, institution=institution, role=role
        )
        users.append(user)
    return People(institution, *users)
