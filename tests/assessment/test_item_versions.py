"""Versioning: an unused version is edited in place; a used one never changes again."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessment import services
from assessment.models import Item, ItemVersion
from institutions.models import AuditEvent

from . import factories


@pytest.fixture
def bank(tenant_a):
    return factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)


@pytest.fixture
def version(bank, tenant_a):
    return factories.make_item(
        bank,
        actor=tenant_a.teacher,
        tags=["an toàn", " an  toàn ", "đo lường"],
        outcome_codes=["LO1"],
    )


def test_item_create_makes_version_one_and_records_it(version, tenant_a):
    assert version.number == 1
    assert version.created_by == tenant_a.teacher
    assert version.tags == ["an toàn", "đo lường"]
    assert version.item.latest_version == version
    assert AuditEvent.objects.filter(
        action="item.create", object_id=str(version.item.pk), institution=tenant_a.institution
    ).exists()


@pytest.mark.parametrize(
    ("question_type", "body"),
    [
        ("single_choice", {"options": [{"id": "a", "text": "x"}], "correct": "a"}),
        ("numeric", {"answers": []}),
        ("hotspot", {}),
    ],
)
def test_item_create_refuses_a_malformed_definition(bank, tenant_a, question_type, body):
    with pytest.raises(ValidationError):
        factories.make_item(bank, question_type, actor=tenant_a.teacher, body=body)
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [{"tags": "an toàn"}, {"tags": [3]}, {"difficulty": 6}, {"language": "fr"}, {"stem": ""}],
)
def test_item_create_refuses_bad_metadata(bank, tenant_a, extra):
    with pytest.raises(ValidationError):
        factories.make_item(bank, actor=tenant_a.teacher, **extra)


def test_editing_an_unused_item_changes_the_same_version(version, tenant_a):
    updated = services.item_update(
        actor=tenant_a.teacher, item=version.item, stem="<p>Điện áp pha?</p>", difficulty=4
    )
    assert updated.pk == version.pk
    assert updated.number == 1
    assert ItemVersion.objects.filter(item=version.item).count() == 1
    stored = ItemVersion.objects.get(pk=version.pk)
    assert (stored.stem, stored.difficulty, stored.tags) == ("<p>Điện áp pha?</p>", 4, version.tags)
    assert AuditEvent.objects.filter(action="item.update").exists()


def test_editing_a_used_item_makes_a_new_version_and_keeps_the_old(version, tenant_a):
    original_body = version.body
    services.item_version_lock(actor=tenant_a.teacher, version=version, reason="exam 1")
    new_body = dict(original_body, correct="b")
    updated = services.item_update(actor=tenant_a.teacher, item=version.item, body=new_body)

    assert updated.pk != version.pk
    assert updated.number == 2
    assert updated.item_id == version.item_id
    assert not updated.is_locked
    assert updated.created_by == tenant_a.teacher
    assert updated.tags == version.tags  # unchanged fields carry over
    old = ItemVersion.objects.get(pk=version.pk)
    assert old.body == original_body and old.is_locked
    assert version.item.latest_version == updated
    assert AuditEvent.objects.filter(action="item.version_create").exists()


def test_the_new_version_is_edited_in_place_until_it_is_used_too(version, tenant_a):
    services.item_version_lock(actor=tenant_a.teacher, version=version)
    second = services.item_update(actor=tenant_a.teacher, item=version.item, difficulty=2)
    again = services.item_update(actor=tenant_a.teacher, item=version.item, difficulty=5)
    assert again.pk == second.pk
    services.item_version_lock(actor=tenant_a.teacher, version=again)
    third = services.item_update(actor=tenant_a.teacher, item=version.item, difficulty=1)
    assert [v.number for v in version.item.versions.all()] == [1, 2, 3]
    assert third.number == 3
    assert list(version.item.versions.values_list("difficulty", flat=True)) == [3, 5, 1]


def test_locking_is_idempotent_and_recorded_once(version, tenant_a):
    first = services.item_version_lock(actor=tenant_a.teacher, version=version)
    second = services.item_version_lock(actor=tenant_a.teacher, version=version)
    assert first.locked_at == second.locked_at is not None
    assert AuditEvent.objects.filter(action="item.version_lock").count() == 1


def test_a_locked_version_refuses_to_be_saved_directly(version, tenant_a):
    services.item_version_lock(actor=tenant_a.teacher, version=version)
    stored = ItemVersion.objects.get(pk=version.pk)
    stored.stem = "<p>sửa lén</p>"
    with pytest.raises(ValidationError):
        stored.save()
    assert ItemVersion.objects.get(pk=version.pk).stem == version.stem


def test_an_edit_with_a_malformed_definition_changes_nothing(version, tenant_a):
    services.item_version_lock(actor=tenant_a.teacher, version=version)
    with pytest.raises(ValidationError):
        services.item_update(actor=tenant_a.teacher, item=version.item, body={"correct": "a"})
    assert version.item.versions.count() == 1


@pytest.mark.parametrize("field", ["item_id", "number", "locked_at", "created_by"])
def test_item_update_refuses_fields_that_are_not_content(version, tenant_a, field):
    with pytest.raises(ValidationError):
        services.item_update(actor=tenant_a.teacher, item=version.item, **{field: None})


def test_changing_the_question_type_validates_against_the_new_type(version, tenant_a):
    with pytest.raises(ValidationError):
        services.item_update(actor=tenant_a.teacher, item=version.item, question_type="numeric")
    updated = services.item_update(
        actor=tenant_a.teacher,
        item=version.item,
        question_type="true_false",
        body={"correct": False},
    )
    assert updated.question.mark(updated.body, False).score == 1


def test_a_learner_cannot_create_or_edit_items(bank, version, tenant_a):
    with pytest.raises(PermissionDenied):
        factories.make_item(bank, actor=tenant_a.learner)
    with pytest.raises(PermissionDenied):
        services.item_update(actor=tenant_a.learner, item=version.item, difficulty=1)
    with pytest.raises(PermissionDenied):
        services.item_version_lock(actor=tenant_a.learner, version=version)


def test_an_edit_that_changes_nothing_makes_no_new_version(version, tenant_a):
    services.item_version_lock(actor=tenant_a.teacher, version=version)
    same = services.item_update(
        actor=tenant_a.teacher, item=version.item, stem=version.stem, body=version.body
    )
    assert same.pk == version.pk
    assert version.item.versions.count() == 1
    assert not AuditEvent.objects.filter(action__in=["item.update", "item.version_create"]).exists()


def test_tags_are_compared_in_composed_form(bank, tenant_a):
    decomposed = "an toa\u0300n"  # 'à' typed as a + combining grave
    version = factories.make_item(bank, actor=tenant_a.teacher, tags=[decomposed, "an toàn"])
    assert version.tags == ["an toàn"]
