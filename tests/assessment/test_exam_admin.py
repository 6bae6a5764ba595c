"""Exam authoring in the Wagtail admin: list, create, settings, sections, publish,
accommodations and a standalone sitting's candidates, each scoped to the examiner's
institution."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessment import attempts
from assessment.models import Accommodation, Attempt, BlueprintRule, Exam, ExamItem

from . import factories


def settings_data(**overrides) -> dict:
    data = {
        "title": "Kiểm tra cuối mô-đun",
        "instructions": "Không dùng tài liệu.",
        "time_limit_minutes": "30",
        "opens_at": "",
        "closes_at": "",
        "attempts_allowed": "1",
        "access_code": "",
        "allowed_networks": "",
        "negative_marking": "0",
        "review_when": "after_close",
        "review_marks": "on",
        "review_feedback": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def bank(tenant_a):
    return factories.make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Điện cơ bản")


@pytest.fixture
def items(tenant_a, bank):
    return [
        factories.make_item(bank, "single_choice", actor=tenant_a.teacher, tags=["an-toan"]),
        factories.make_item(bank, "true_false", actor=tenant_a.teacher, tags=["an-toan"]),
        factories.make_item(bank, "numeric", actor=tenant_a.teacher, tags=["do-luong"]),
    ]


@pytest.fixture
def exam(tenant_a, items):
    return factories.make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=items[:1], title="Đề A"
    )


def url(name, *args):
    return reverse(f"assessment_exams:{name}", args=args)


def test_the_list_shows_only_the_examiners_institutions_exams(client, tenant_a, tenant_b, exam):
    other_bank = factories.make_bank(tenant_b.institution, actor=tenant_b.teacher)
    other_item = factories.make_item(other_bank, actor=tenant_b.teacher)
    factories.make_exam(
        tenant_b.institution, actor=tenant_b.teacher, items=[other_item], title="Đề B"
    )
    client.force_login(tenant_a.teacher)
    response = client.get(url("index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Đề A" in page
    assert "Đề B" not in page


def test_creating_an_exam_through_the_form_makes_version_one(client, tenant_a):
    client.force_login(tenant_a.teacher)
    assert client.get(url("create")).status_code == 200
    response = client.post(
        url("create"),
        settings_data(institution=str(tenant_a.institution.pk), access_code="PHONG-2"),
    )
    exam = Exam.objects.get(title="Kiểm tra cuối mô-đun")
    assert response.status_code == 302
    assert response.url == url("edit", exam.pk)
    version = exam.current_version
    assert (version.number, version.time_limit_minutes, version.access_code) == (1, 30, "PHONG-2")
    assert exam.institution == tenant_a.institution
    assert exam.published_at is None


def test_creating_in_another_institution_is_refused(client, tenant_a, tenant_b):
    client.force_login(tenant_a.teacher)
    response = client.post(url("create"), settings_data(institution=str(tenant_b.institution.pk)))
    assert response.status_code == 200  # the form says the choice is not valid
    assert not Exam.objects.exists()


def test_malformed_settings_are_errors_on_the_form_not_rows(client, tenant_a, exam):
    client.force_login(tenant_a.teacher)
    response = client.post(
        url("edit", exam.pk),
        settings_data(
            allowed_networks="10.0.0.0/8\nkhông-phải-ip",
            opens_at="2030-01-02T10:00",
            closes_at="2030-01-01T10:00",
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "allowed_networks" in form.errors
    assert "closes_at" in form.errors
    assert exam.current_version.allowed_networks == []


def test_editing_settings_without_attempts_changes_the_version_in_place(client, tenant_a, exam):
    client.force_login(tenant_a.teacher)
    response = client.post(
        url("edit", exam.pk),
        settings_data(title="Đề A (sửa)", time_limit_minutes="45", allowed_networks="10.1.0.0/16"),
    )
    assert response.status_code == 302
    exam.refresh_from_db()
    assert exam.title == "Đề A (sửa)"
    assert exam.versions.count() == 1
    assert exam.current_version.time_limit_minutes == 45
    assert exam.current_version.allowed_networks == ["10.1.0.0/16"]


def test_editing_an_exam_with_attempts_makes_a_new_version_and_says_so(client, tenant_a, exam):
    [attempt] = attempts.exam_attempts_prepare(
        actor=tenant_a.teacher, exam=exam, learners=[tenant_a.learner]
    )
    client.force_login(tenant_a.teacher)
    page = client.get(url("edit", exam.pk)).content.decode()
    assert 'data-versioning="on"' in page
    response = client.post(
        url("edit", exam.pk), settings_data(title="Đề A", time_limit_minutes="60"), follow=True
    )
    assert exam.versions.count() == 2
    assert exam.current_version.time_limit_minutes == 60
    attempt.refresh_from_db()
    assert attempt.version.number == 1
    assert attempt.version.time_limit_minutes is None  # the fixture exam is untimed
    warnings = [str(m) for m in response.context["messages"]]
    assert any("2" in text and "1" in text for text in warnings), warnings


def test_items_are_added_from_readable_banks_and_removed(client, tenant_a, exam, items):
    client.force_login(tenant_a.teacher)
    picker = client.get(url("items", exam.pk, 1), {"tag": "an-toan"})
    assert picker.status_code == 200
    found = {version.pk for version in picker.context["results"]}
    assert found == {items[0].pk, items[1].pk}
    response = client.post(
        url("sections", exam.pk),
        {"action": "add_items", "section": "1", "item_version": [items[1].pk, items[2].pk]},
    )
    assert response.status_code == 302
    version = exam.current_version
    assert list(
        ExamItem.objects.filter(section__version=version).values_list("item_version", flat=True)
    ) == [items[0].pk, items[1].pk, items[2].pk]
    client.post(
        url("sections", exam.pk), {"action": "remove_item", "section": "1", "position": "1"}
    )
    assert list(
        ExamItem.objects.filter(section__version=exam.current_version).values_list(
            "item_version", flat=True
        )
    ) == [items[1].pk, items[2].pk]


def test_an_item_of_another_institutions_private_bank_cannot_be_added(
    client, tenant_a, tenant_b, exam
):
    private = factories.make_item(
        factories.make_bank(tenant_b.institution, actor=tenant_b.teacher), actor=tenant_b.teacher
    )
    client.force_login(tenant_a.teacher)
    response = client.post(
        url("sections", exam.pk),
        {"action": "add_items", "section": "1", "item_version": [private.pk]},
    )
    assert response.status_code == 404
    assert not ExamItem.objects.filter(item_version=private).exists()


def test_a_blueprint_rule_is_added_with_a_live_count_of_matching_items(
    client, tenant_a, exam, bank, items
):
    client.force_login(tenant_a.teacher)
    count = client.get(url("rule_count"), {"bank": bank.pk, "tag": "an-toan"})
    assert count.json() == {"count": 2}
    assert client.get(url("rule_count"), {"bank": bank.pk, "difficulty": "5"}).json() == {
        "count": 0
    }
    response = client.post(
        url("sections", exam.pk),
        {"action": "add_rule", "section": "1", "bank": bank.pk, "count": "2", "tag": "an-toan"},
    )
    assert response.status_code == 302
    rule = BlueprintRule.objects.get(section__version=exam.current_version)
    assert (rule.bank, rule.count, rule.tag) == (bank, 2, "an-toan")
    page = client.get(url("edit", exam.pk))
    [section] = page.context["sections"]
    assert section.rules.all()[0].matching == 2


def test_a_rule_on_another_institutions_private_bank_is_refused(client, tenant_a, tenant_b, exam):
    other = factories.make_bank(tenant_b.institution, actor=tenant_b.teacher)
    client.force_login(tenant_a.teacher)
    assert client.get(url("rule_count"), {"bank": other.pk}).status_code == 400
    client.post(
        url("sections", exam.pk),
        {"action": "add_rule", "section": "1", "bank": other.pk, "count": "1"},
    )
    assert not BlueprintRule.objects.exists()


def test_sections_are_added_renamed_and_removed(client, tenant_a, exam):
    client.force_login(tenant_a.teacher)
    client.post(url("sections", exam.pk), {"action": "add_section", "title": "Thực hành"})
    client.post(
        url("sections", exam.pk), {"action": "rename_section", "section": "1", "title": "Lý thuyết"}
    )
    titles = list(exam.current_version.sections.values_list("title", flat=True))
    assert titles == ["Lý thuyết", "Thực hành"]
    client.post(url("sections", exam.pk), {"action": "remove_section", "section": "2"})
    assert list(exam.current_version.sections.values_list("title", flat=True)) == ["Lý thuyết"]
    assert (
        client.post(
            url("sections", exam.pk), {"action": "remove_section", "section": "9"}
        ).status_code
        == 404
    )


def test_publish_needs_a_question(client, tenant_a, items):
    draft = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, publish=False)
    client.force_login(tenant_a.teacher)
    client.post(url("publish", draft.pk))
    draft.refresh_from_db()
    assert draft.published_at is None
    client.post(
        url("sections", draft.pk),
        {"action": "add_items", "section": "1", "item_version": [items[0].pk]},
    )
    client.post(url("publish", draft.pk))
    draft.refresh_from_db()
    assert draft.published_at is not None


def test_accommodations_are_granted_to_the_institutions_learners_only(
    client, tenant_a, tenant_b, exam
):
    client.force_login(tenant_a.teacher)
    response = client.post(
        url("accommodations", exam.pk),
        {
            "learner": tenant_a.learner.pk,
            "extra_percent": "25",
            "extra_minutes": "5",
            "reason": "Khiếm thị",
        },
    )
    assert response.status_code == 302
    row = Accommodation.objects.get(exam=exam)
    assert (row.learner, row.extra_percent, row.extra_minutes) == (tenant_a.learner, 25, 5)
    response = client.post(
        url("accommodations", exam.pk),
        {"learner": tenant_b.learner.pk, "extra_percent": "25", "extra_minutes": "0"},
    )
    assert response.status_code == 200
    assert "learner" in response.context["form"].errors
    assert Accommodation.objects.count() == 1


def test_candidates_of_a_standalone_sitting_get_attempts_and_a_list_with_the_code(
    client, tenant_a, exam
):
    from tests import factories as site_factories

    extra = site_factories.make_learner(tenant_a.institution, "thi-sinh-2")
    client.force_login(tenant_a.teacher)
    client.post(url("edit", exam.pk), settings_data(title="Đề A", access_code="TT-0512"))
    response = client.post(
        url("candidates", exam.pk), {"cohort": tenant_a.cohort.pk, "usernames": "thi-sinh-2\n"}
    )
    assert response.status_code == 302
    assert set(Attempt.objects.filter(exam=exam).values_list("learner", flat=True)) == {
        tenant_a.learner.pk,
        extra.pk,
    }
    page = client.get(url("candidates", exam.pk)).content.decode()
    assert "TT-0512" in page
    assert "thi-sinh-2" in page
    # Unknown usernames are named back, and nothing is prepared.
    response = client.post(url("candidates", exam.pk), {"usernames": "khong-co-ai"})
    assert response.status_code == 200
    assert "khong-co-ai" in response.content.decode()
    assert Attempt.objects.filter(exam=exam).count() == 2


@pytest.mark.parametrize(
    "name", ["edit", "accommodations", "candidates", "publish", "sections", "items"]
)
def test_another_institutions_staff_get_404_on_every_screen(client, tenant_b, exam, name):
    client.force_login(tenant_b.admin)
    args = (exam.pk, 1) if name == "items" else (exam.pk,)
    method = client.post if name in ("publish", "sections") else client.get
    response = method(url(name, *args), {"action": "add_section"} if name == "sections" else {})
    assert response.status_code == 404
    assert exam.current_version.sections.count() == 1


def test_a_learner_cannot_reach_the_authoring_screens(client, tenant_a, exam):
    client.force_login(tenant_a.learner)
    for target in (url("index"), url("edit", exam.pk), url("create")):
        response = client.get(target)
        assert response.status_code in (302, 403, 404), target
    response = client.post(url("create"), settings_data(institution=str(tenant_a.institution.pk)))
    assert response.status_code in (302, 403, 404)
    assert Exam.objects.count() == 1


def test_the_invigilator_locks_a_learner_out_keeping_confirmed_answers(
    client, tenant_a, tenant_b, exam
):
    [attempt] = attempts.exam_attempts_prepare(
        actor=tenant_a.teacher, exam=exam, learners=[tenant_a.learner]
    )
    attempts.attempt_start(attempt=attempt, learner=tenant_a.learner)
    question = attempt.questions.get()
    key, option = question.key, question.view["body"]["options"][0]["id"]
    attempts.answer_save(
        attempt=attempt, learner=tenant_a.learner, question_key=key, seq=1, response=option
    )
    act = reverse("assessment:invigilate_act", args=[attempt.public_id])
    # Another institution's staff cannot lock it, nor can the learner.
    client.force_login(tenant_b.teacher)
    assert client.post(act, {"action": "lock"}).status_code == 404
    client.force_login(tenant_a.learner)
    assert client.post(act, {"action": "lock"}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"

    client.force_login(tenant_a.teacher)
    page = client.get(reverse("assessment:invigilate", args=[exam.pk])).content.decode()
    assert 'value="lock"' in page
    assert client.post(act, {"action": "lock"}).status_code == 302
    attempt.refresh_from_db()
    assert (attempt.status, attempt.submitted_by) == ("submitted", "staff")
    assert attempt.questions.get().answer.response == option
    with pytest.raises(attempts.AttemptClosed):
        attempts.answer_save(
            attempt=attempt, learner=tenant_a.learner, question_key=key, seq=2, response=option
        )


# ---------------------------------------------------------------------------
# Item banks and items.


def item_data(**overrides) -> dict:
    data = {
        "stem": "<p>Điện áp lưới điện sinh hoạt?</p><script>alert(1)</script>",
        "tags": "an-toan, dien-ap",
        "outcome_codes": "KN-01",
        "difficulty": "3",
        "language": "vi",
    }
    data.update(overrides)
    return data


def test_a_bank_is_created_and_items_of_simple_types_are_authored(client, tenant_a):
    from assessment.models import ItemBank, ItemVersion

    client.force_login(tenant_a.teacher)
    response = client.post(
        url("banks"),
        {"institution": tenant_a.institution.pk, "name": "Đo lường", "description": ""},
    )
    bank = ItemBank.objects.get(name="Đo lường")
    assert response.status_code == 302
    assert bank.institution == tenant_a.institution
    create = url("item_create", bank.pk)
    assert client.get(create, {"type": "single_choice"}).status_code == 200
    client.post(f"{create}?type=single_choice", item_data(options="*220 V\n380 V\n110 V"))
    client.post(f"{create}?type=multiple_choice", item_data(options="*Găng tay\n*Ủng\nDép"))
    client.post(f"{create}?type=true_false", item_data(correct_bool="false"))
    client.post(
        f"{create}?type=short_answer",
        item_data(accepted="Điện áp\nhiệu điện thế", diacritic_sensitive="on"),
    )
    client.post(
        f"{create}?type=numeric", item_data(value="220", tolerance="5", units="V 1\nkV 1000")
    )
    versions = {v.question_type: v for v in ItemVersion.objects.filter(item__bank=bank)}
    assert set(versions) == {
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_answer",
        "numeric",
    }
    assert versions["single_choice"].body["correct"] == "a"
    assert versions["multiple_choice"].body["correct"] == ["a", "b"]
    assert versions["true_false"].body == {"correct": False}
    assert [a["text"] for a in versions["short_answer"].body["accepted"]] == [
        "Điện áp",
        "hiệu điện thế",
    ]
    assert versions["numeric"].body["units"][1] == {"unit": "kV", "factor": 1000.0}
    assert versions["single_choice"].tags == ["an-toan", "dien-ap"]
    assert "<script" not in versions["single_choice"].stem


def test_malformed_items_are_refused_with_the_reason(client, tenant_a, bank):
    from assessment.models import Item

    client.force_login(tenant_a.teacher)
    create = url("item_create", bank.pk)
    response = client.post(f"{create}?type=single_choice", item_data(options="220 V\n380 V"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    response = client.post(f"{create}?type=matching", item_data(body_json="{not json"))
    assert response.status_code == 200
    assert "JSON" in " ".join(response.context["form"].non_field_errors())
    response = client.post(f"{create}?type=matching", item_data(body_json='{"prompts": []}'))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Item.objects.filter(bank=bank).exists()


def test_a_json_typed_item_is_created_from_its_definition(client, tenant_a, bank):
    import json

    from assessment.models import ItemVersion

    client.force_login(tenant_a.teacher)
    body = json.dumps(factories.BODIES["matching"], ensure_ascii=False)
    response = client.post(
        url("item_create", bank.pk) + "?type=matching", item_data(body_json=body)
    )
    assert response.status_code == 302
    assert ItemVersion.objects.get(item__bank=bank).body == factories.BODIES["matching"]


def test_editing_an_item_an_exam_used_makes_a_new_version(client, tenant_a, exam, items):
    item = items[0].item  # used by the exam: locked
    client.force_login(tenant_a.teacher)
    page = client.get(url("item_edit", item.pk))
    assert page.status_code == 200
    assert 'data-versioning="on"' in page.content.decode()
    response = client.post(
        url("item_edit", item.pk), item_data(options="220 V\n*380 V\n110 V"), follow=True
    )
    assert response.status_code == 200
    assert list(item.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert item.versions.get(number=1).body["correct"] == "a"
    assert item.versions.get(number=2).body["correct"] == "b"
    # An unused item is edited in place.
    unused = items[2].item
    client.post(url("item_edit", unused.pk), item_data(value="230", tolerance="1", units=""))
    assert unused.versions.count() == 1
    assert unused.versions.get().body["answers"][0]["value"] == 230.0


def test_another_institutions_bank_is_read_only_or_hidden(client, tenant_a, tenant_b, bank, items):
    from assessment import services

    client.force_login(tenant_b.teacher)
    assert client.get(url("bank", bank.pk)).status_code == 404
    assert client.get(url("item_edit", items[0].item.pk)).status_code == 404
    assert (
        client.post(
            url("item_create", bank.pk) + "?type=true_false", item_data(correct_bool="true")
        ).status_code
        == 404
    )
    services.bank_update(actor=tenant_a.teacher, bank=bank, name=bank.name, shared_nationally=True)
    page = client.get(url("bank", bank.pk))
    assert page.status_code == 200
    assert not page.context["editable"]
    # Wagtail's admin answers a refusal by sending the person back to the dashboard.
    assert client.post(url("bank", bank.pk), {"name": "Đổi tên"}).status_code in (302, 403)
    assert client.get(url("item_edit", items[0].item.pk)).status_code == 404
    bank.refresh_from_db()
    assert bank.name == "Điện cơ bản"
