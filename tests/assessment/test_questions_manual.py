"""Essay, file upload and practical checklist: auto-marking defers to an assessor, whose
marking (rubric levels, a score, or checklist observations) is checked and scored."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessment import questions

from .helpers import body

PHOTO = {"file": "evidence/abc.jpg", "content_type": "image/jpeg", "size": 120_000}
VIDEO = {"file": "evidence/abc.mp4", "content_type": "video/mp4", "size": 9_000_000}
PDF = {"file": "evidence/report.pdf", "content_type": "application/pdf", "size": 50_000}


@pytest.mark.parametrize(
    ("name", "response"),
    [
        ("essay", "Trước khi sửa chữa phải cắt nguồn và treo biển báo."),
        ("file_upload", [PHOTO]),
        ("file_upload", [PHOTO, PDF]),
        ("practical_checklist", [PHOTO, VIDEO]),
        ("practical_checklist", []),
    ],
)
def test_auto_marking_says_needs_manual_marking(name, response):
    result = questions.get(name).mark(body(name), response)
    assert result.needs_manual
    assert result.score == 0
    assert result.feedback


@pytest.mark.parametrize(
    ("name", "maximum"), [("essay", 5), ("file_upload", 10), ("practical_checklist", 8)]
)
def test_manual_types_are_worth_their_rubric_points_or_criteria(name, maximum):
    assert questions.get(name).max_score(body(name)) == maximum


# Essay with a rubric: accuracy 0/2/4, clarity 0/1.
@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ({"accuracy": "2", "clarity": "1"}, 5),
        ({"accuracy": "1", "clarity": "1"}, 3),
        ({"accuracy": "0", "clarity": "0"}, 0),
    ],
)
def test_essay_rubric_marking(levels, expected):
    result = questions.get("essay").mark_manual(body("essay"), {"levels": levels})
    assert (result.score, result.max_score, result.needs_manual) == (expected, 5, False)


@pytest.mark.parametrize(
    "marking",
    [
        {"levels": {"accuracy": "2"}},
        {"levels": {"accuracy": "2", "clarity": "9"}},
        {"levels": {"accuracy": "2", "clarity": "1", "style": "1"}},
        {"score": 5},
        "5",
    ],
)
def test_essay_rubric_marking_must_fit_the_rubric(marking):
    with pytest.raises(ValidationError):
        questions.get("essay").mark_manual(body("essay"), marking)


@pytest.mark.parametrize(
    ("given", "ok"), [(0, True), (7.5, True), (10, True), (10.5, False), (-1, False)]
)
def test_essay_without_rubric_takes_a_score_up_to_its_points(given, ok):
    definition = {"points": 10}
    question = questions.get("essay")
    question.validate_body(definition)
    if ok:
        assert question.mark_manual(definition, {"score": given}).score == Decimal(str(given))
    else:
        with pytest.raises(ValidationError):
            question.mark_manual(definition, {"score": given})


@pytest.mark.parametrize(
    "overrides",
    [
        {"rubric": {"criteria": []}},
        {
            "rubric": {
                "criteria": [
                    {"id": "a", "title": "A", "levels": [{"id": "0", "label": "x", "points": 1}]}
                ]
            }
        },
        {
            "rubric": {
                "criteria": [
                    {
                        "id": "a",
                        "title": "A",
                        "levels": [
                            {"id": "0", "label": "x", "points": 0},
                            {"id": "1", "label": "y", "points": 0},
                        ],
                    }
                ]
            }
        },
        {"rubric": {"criteria": [{"id": "a", "title": "", "levels": []}]}},
        {"rubric": "4 điểm"},
        {"min_words": 100, "max_words": 50},
        {"max_words": 0},
    ],
)
def test_essay_refuses_malformed_definitions(overrides):
    with pytest.raises(ValidationError):
        questions.get("essay").validate_body(body("essay", **overrides))


@pytest.mark.parametrize("response", [["text"], 42, {"html": "<p>x</p>"}, "x" * 100_001])
def test_essay_refuses_malformed_responses(response):
    with pytest.raises(ValidationError):
        questions.get("essay").mark(body("essay"), response)


@pytest.mark.parametrize(
    "response",
    [
        [PHOTO, PDF, PHOTO],  # more than max_files
        [VIDEO],  # type not accepted
        [dict(PHOTO, size=6 * 1024 * 1024)],  # larger than 5 MB
        [dict(PHOTO, size=-1)],
        [dict(PHOTO, size="120kB")],
        [{"file": "", "content_type": "image/jpeg", "size": 1}],
        [{"content_type": "image/jpeg", "size": 1}],
        "evidence/abc.jpg",
        [["evidence/abc.jpg"]],
    ],
)
def test_file_upload_refuses_files_outside_its_rules(response):
    with pytest.raises(ValidationError):
        questions.get("file_upload").mark(body("file_upload"), response)


@pytest.mark.parametrize(
    "overrides",
    [
        {"accepted_types": "image/*"},
        {"accepted_types": [""]},
        {"max_files": 0},
        {"max_files": 21},
        {"max_file_mb": -1},
        {"points": 0},
    ],
)
def test_file_upload_refuses_malformed_definitions(overrides):
    with pytest.raises(ValidationError):
        questions.get("file_upload").validate_body(body("file_upload", **overrides))


def test_file_upload_marked_by_score():
    result = questions.get("file_upload").mark_manual(body("file_upload"), {"score": 7})
    assert (result.score, result.max_score) == (7, 10)


# Checklist: ppe met (1, critical), wiring scored 0–5 (evidence required), tidy met (2).
@pytest.mark.parametrize(
    ("observations", "expected"),
    [
        (
            {
                "ppe": {"met": True},
                "wiring": {"score": 5, "evidence": [PHOTO]},
                "tidy": {"met": True},
            },
            8,
        ),
        (
            {
                "ppe": {"met": True},
                "wiring": {"score": 3, "evidence": [VIDEO]},
                "tidy": {"met": False},
            },
            4,
        ),
        (
            {
                "ppe": {"met": False},
                "wiring": {"score": 5, "evidence": [PHOTO]},
                "tidy": {"met": True},
            },
            0,
        ),
        (
            {
                "ppe": {"met": True},
                "wiring": {"score": 2.5, "evidence": [PHOTO]},
                "tidy": {"met": True},
            },
            5.5,
        ),
    ],
)
def test_practical_checklist_marking(observations, expected):
    marking = {"criteria": observations, "notes": "Thao tác cẩn thận."}
    result = questions.get("practical_checklist").mark_manual(body("practical_checklist"), marking)
    assert result.score == Decimal(str(expected))
    assert result.max_score == 8


def test_critical_criterion_not_met_fails_the_task_and_says_which():
    marking = {
        "criteria": {
            "ppe": {"met": False},
            "wiring": {"score": 5, "evidence": [PHOTO]},
            "tidy": {"met": True},
        }
    }
    result = questions.get("practical_checklist").mark_manual(body("practical_checklist"), marking)
    assert result.score == 0
    assert "ppe" in result.feedback[0]


@pytest.mark.parametrize(
    "observations",
    [
        # evidence required for wiring and missing
        {"ppe": {"met": True}, "wiring": {"score": 5}, "tidy": {"met": True}},
        # a criterion not observed
        {"ppe": {"met": True}, "wiring": {"score": 5, "evidence": [PHOTO]}},
        # score above the criterion's maximum
        {"ppe": {"met": True}, "wiring": {"score": 6, "evidence": [PHOTO]}, "tidy": {"met": True}},
        # met/not met recorded as text
        {"ppe": {"met": "yes"}, "wiring": {"score": 5, "evidence": [PHOTO]}, "tidy": {"met": True}},
        # evidence must be photo or video
        {"ppe": {"met": True}, "wiring": {"score": 5, "evidence": [PDF]}, "tidy": {"met": True}},
        # an unknown criterion
        {
            "ppe": {"met": True},
            "wiring": {"score": 5, "evidence": [PHOTO]},
            "tidy": {"met": True},
            "extra": {"met": True},
        },
    ],
)
def test_practical_checklist_refuses_incomplete_or_malformed_observations(observations):
    with pytest.raises(ValidationError):
        questions.get("practical_checklist").mark_manual(
            body("practical_checklist"), {"criteria": observations}
        )


def test_practical_checklist_notes_must_be_text():
    observations = {
        "ppe": {"met": True},
        "wiring": {"score": 5, "evidence": [PHOTO]},
        "tidy": {"met": True},
    }
    with pytest.raises(ValidationError):
        questions.get("practical_checklist").mark_manual(
            body("practical_checklist"), {"criteria": observations, "notes": ["ok"]}
        )


@pytest.mark.parametrize(
    "criteria",
    [
        [],
        [{"id": "a", "text": "Đo điện trở", "mode": "graded"}],
        [{"id": "a", "text": "Đo điện trở", "mode": "scored"}],
        [{"id": "a", "text": "Đo điện trở", "mode": "scored", "max": 0}],
        [{"id": "a", "text": "Đo điện trở", "mode": "met", "points": 0}],
        [{"id": "a", "text": "", "mode": "met"}],
        [{"id": "a", "text": "Đo điện trở", "critical": "yes"}],
        [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}],
    ],
)
def test_practical_checklist_refuses_malformed_definitions(criteria):
    with pytest.raises(ValidationError):
        questions.get("practical_checklist").validate_body(
            body("practical_checklist", criteria=criteria)
        )


def test_practical_checklist_standard_needs_a_code():
    with pytest.raises(ValidationError):
        questions.get("practical_checklist").validate_body(
            body("practical_checklist", standard={"title": "Lắp đặt tủ điện"})
        )


@pytest.mark.parametrize(
    ("words", "notes"), [(3, 1), (5, 0), (10, 0), (11, 1)], ids=["short", "min", "max", "long"]
)
def test_essay_word_limits_are_told_to_the_marker_not_enforced(words, notes):
    definition = {"points": 10, "min_words": 5, "max_words": 10}
    result = questions.get("essay").mark(definition, " ".join(["từ"] * words))
    assert result.needs_manual
    assert len(result.feedback) == 1 + notes
