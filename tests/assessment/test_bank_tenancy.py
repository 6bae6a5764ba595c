"""Tenancy: a private bank is its institution's alone; a nationally shared bank is readable
by every institution's staff and editable only by its owner."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessment import services
from assessment.models import Item, ItemBank, ItemVersion
from institutions.models import AuditEvent
from institutions.roles import NationalRole

from .. import factories as base_factories
from . import factories


@pytest.fixture
def banks(tenant_a, tenant_b):
    """B has a private and a shared bank, each with one item."""
    private = factories.make_bank(tenant_b.institution, actor=tenant_b.teacher, name="Riêng")
    shared = factories.make_bank(
        tenant_b.institution, actor=tenant_b.teacher, name="Dùng chung", shared_nationally=True
    )
    return {
        "private": factories.make_item(private, actor=tenant_b.teacher),
        "shared": factories.make_item(shared, actor=tenant_b.teacher),
    }


def _scopes(model, user):
    return set(model.objects.visible_to(user)), set(model.objects.editable_by(user))


def test_teacher_of_a_cannot_read_or_edit_bs_private_bank(tenant_a, banks):
    version = banks["private"]
    teacher = tenant_a.teacher
    assert version.item.bank not in ItemBank.objects.visible_to(teacher)
    assert version.item not in Item.objects.visible_to(teacher)
    assert version not in ItemVersion.objects.visible_to(teacher)
    with pytest.raises(PermissionDenied):
        services.item_update(actor=teacher, item=version.item, difficulty=1)
    with pytest.raises(PermissionDenied):
        factories.make_item(version.item.bank, actor=teacher)
    with pytest.raises(PermissionDenied):
        services.item_version_lock(actor=teacher, version=version)
    with pytest.raises(PermissionDenied):
        services.bank_update(
            actor=teacher, bank=version.item.bank, name="Của A", shared_nationally=True
        )


def test_teacher_of_a_reads_bs_shared_bank_but_cannot_edit_it(tenant_a, banks):
    version = banks["shared"]
    teacher = tenant_a.teacher
    assert version.item.bank in ItemBank.objects.visible_to(teacher)
    assert version.item in Item.objects.visible_to(teacher)
    assert version in ItemVersion.objects.visible_to(teacher)
    assert version.item.bank not in ItemBank.objects.editable_by(teacher)
    assert version.item not in Item.objects.editable_by(teacher)
    assert version not in ItemVersion.objects.editable_by(teacher)
    with pytest.raises(PermissionDenied):
        services.item_update(actor=teacher, item=version.item, difficulty=1)
    with pytest.raises(PermissionDenied):
        factories.make_item(version.item.bank, actor=teacher)
    assert ItemVersion.objects.get(pk=version.pk).difficulty == version.difficulty


def test_an_exam_of_a_may_lock_a_version_of_bs_shared_bank(tenant_a, tenant_b, banks):
    version = services.item_version_lock(actor=tenant_a.teacher, version=banks["shared"])
    assert version.is_locked
    # B's next edit then makes a new version, leaving the one A's exam uses.
    updated = services.item_update(actor=tenant_b.teacher, item=version.item, difficulty=5)
    assert updated.number == 2


def test_owner_reads_and_edits_both_its_banks(tenant_b, banks):
    for version in banks.values():
        assert version in ItemVersion.objects.visible_to(tenant_b.teacher)
        assert version in ItemVersion.objects.editable_by(tenant_b.admin)
    updated = services.item_update(actor=tenant_b.teacher, item=banks["private"].item, difficulty=1)
    assert updated.difficulty == 1


def test_learners_and_strangers_see_no_bank_not_even_a_shared_one(tenant_a, banks):
    outsider = base_factories.make_user()
    for user in (tenant_a.learner, outsider):
        assert not ItemBank.objects.visible_to(user).exists()
        assert not ItemVersion.objects.visible_to(user).exists()


def test_national_admin_sees_and_edits_every_bank(tenant_a, banks):
    ministry = base_factories.make_user(national_role=NationalRole.MINISTRY_ADMIN)
    visible, editable = _scopes(ItemVersion, ministry)
    assert set(banks.values()) <= visible and set(banks.values()) <= editable


def test_a_own_bank_is_not_visible_to_b(tenant_a, tenant_b, banks):
    own = factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)
    factories.make_item(own, actor=tenant_a.teacher)
    assert own not in ItemBank.objects.visible_to(tenant_b.teacher)
    assert set(ItemBank.objects.visible_to(tenant_a.teacher)) == {
        own,
        banks["shared"].item.bank,
    }


def test_teacher_cannot_create_a_bank_in_another_institution(tenant_a, tenant_b):
    with pytest.raises(PermissionDenied):
        factories.make_bank(tenant_b.institution, actor=tenant_a.teacher)
    assert not ItemBank.objects.exists()


def test_bank_names_are_unique_within_an_institution(tenant_a, tenant_b):
    factories.make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Điện")
    with pytest.raises(ValidationError):
        factories.make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Điện")
    factories.make_bank(tenant_b.institution, actor=tenant_b.teacher, name="Điện")


def test_sharing_a_bank_is_recorded(tenant_a):
    bank = factories.make_bank(tenant_a.institution, actor=tenant_a.admin)
    services.bank_update(actor=tenant_a.admin, bank=bank, name=bank.name, shared_nationally=True)
    event = AuditEvent.objects.get(action="item_bank.update", object_id=str(bank.pk))
    assert event.data["shared_nationally"] is True
    assert event.institution == tenant_a.institution
