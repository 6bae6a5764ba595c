"""Items written by other tools, in the style of the QTI specifications' examples."""

from __future__ import annotations

import pytest

from assessment import questions
from assessment.models import ItemVersion
from assessment.qti.services import qti_import

from ..factories import make_bank
from .helpers import example, package, png_bytes


@pytest.fixture
def bank(tenant_a):
    return make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Nhập QTI")


def _import_one(teacher, bank, name, extra_files=None, kind=None):
    files = {f"items/{name}": example(name), **(extra_files or {})}
    report = qti_import(
        actor=teacher, bank=bank, fileobj=package(files, items=[f"items/{name}"], kind=kind)
    )
    assert [(i.code, i.message) for i in report.failed] == []
    return ItemVersion.objects.get(pk=report.imported[0].version_id)


def test_choice_with_an_image_becomes_single_choice_with_the_image_kept(tenant_a, bank):
    version = _import_one(
        tenant_a.teacher, bank, "choice.xml", {"items/images/sign.png": png_bytes()}
    )
    assert version.question_type == "single_choice"
    assert version.body["correct"] == "ChoiceA"
    assert [o["id"] for o in version.body["options"]] == ["ChoiceA", "ChoiceB", "ChoiceC"]
    assert "Look at the text in the picture." in version.stem
    assert "What does it say?" in version.stem
    assert 'embedtype="image"' in version.stem
    assert 'alt="NEVER LEAVE LUGGAGE UNATTENDED"' in version.stem
    assert version.language == "en"
    from wagtail.images import get_image_model

    image = get_image_model().objects.get()
    assert f'id="{image.pk}"' in version.stem
    assert (image.width, image.height) == (4, 3)


def test_choice_multiple_with_a_mapping_is_partial_credit(tenant_a, bank):
    version = _import_one(tenant_a.teacher, bank, "choice_multiple.xml")
    assert version.question_type == "multiple_choice"
    assert version.body["correct"] == ["H", "O"]
    assert version.body["scoring"] == "partial"
    assert version.body["shuffle"] is True
    assert questions.get("multiple_choice").mark(version.body, ["H", "O"]).fraction == 1


def test_text_entry_in_a_quotation_is_short_answer_with_weighted_variants(tenant_a, bank):
    version = _import_one(tenant_a.teacher, bank, "text_entry.xml")
    assert version.question_type == "short_answer"
    assert version.body["accepted"] == [{"text": "York"}, {"text": "york", "fraction": 0.5}]
    assert version.body["case_sensitive"] is True
    assert "_____" in version.stem and "winter of our discontent" in version.stem
    mark = questions.get("short_answer").mark
    assert mark(version.body, "york").fraction == pytest.approx(0.5)
    assert mark(version.body, "YORK").fraction == 0


def test_order_is_ordering_all_or_nothing_as_match_correct_says(tenant_a, bank):
    version = _import_one(tenant_a.teacher, bank, "order.xml")
    assert version.question_type == "ordering"
    assert [s["id"] for s in version.body["steps"]] == ["DriverC", "DriverA", "DriverB"]
    assert version.body["scoring"] == "all_or_nothing"


def test_match_is_matching_with_directed_pairs(tenant_a, bank):
    version = _import_one(tenant_a.teacher, bank, "match.xml")
    assert version.question_type == "matching"
    assert version.body["pairs"] == {"C": "R", "D": "M", "L": "M", "P": "T"}
    assert [c["id"] for c in version.body["choices"]] == ["M", "R", "T"]


def test_inline_choice_is_cloze_with_a_select_gap(tenant_a, bank):
    version = _import_one(tenant_a.teacher, bank, "inline_choice.xml")
    assert version.question_type == "cloze"
    (gap,) = version.body["gaps"]
    assert gap["kind"] == "select" and gap["correct"] == "Y" and gap["id"] == "RESPONSE"
    assert "sun of {{RESPONSE}};" in " ".join(version.body["text"].split())
    assert "famous quote" in version.stem


def test_extended_text_is_essay(tenant_a, bank):
    version = _import_one(tenant_a.teacher, bank, "extended_text.xml")
    assert version.question_type == "essay"
    assert "Write Sam a postcard" in version.stem


def test_v3_true_false_ignores_feedback_and_end_attempt_and_takes_maxscore(tenant_a, bank):
    version = _import_one(tenant_a.teacher, bank, "choice_v3.xml", kind="imsqti_item_xmlv3p0")
    assert version.question_type == "true_false"
    assert version.body == {"correct": True, "points": 10}


def test_v3_float_text_entry_is_numeric_with_relative_tolerance(tenant_a, bank):
    version = _import_one(tenant_a.teacher, bank, "numeric_v3.xml", kind="imsqti_item_xmlv3p0")
    assert version.question_type == "numeric"
    assert version.body["answers"] == [
        {"value": 220, "tolerance": 0.02, "tolerance_type": "relative"}
    ]
    mark = questions.get("numeric").mark
    assert mark(version.body, "224").fraction == 1
    assert mark(version.body, "225").fraction == 0


def test_v22_upload_is_file_upload_of_that_type(tenant_a, bank):
    version = _import_one(tenant_a.teacher, bank, "upload_v22.xml", kind="imsqti_item_xmlv2p2")
    assert version.question_type == "file_upload"
    assert version.body == {"accepted_types": ["image/jpeg"], "points": 5}
