"""latest_versions: one query, the newest version per item, only inside the reader's scope."""

import pytest

from assessment import selectors, services
from institutions.models import User

from . import factories


@pytest.fixture
def versions(tenant_a, tenant_b):
    own = factories.make_bank(tenant_a.institution, actor=tenant_a.teacher, name="A")
    shared = factories.make_bank(
        tenant_b.institution, actor=tenant_b.teacher, name="B chung", shared_nationally=True
    )
    private = factories.make_bank(tenant_b.institution, actor=tenant_b.teacher, name="B riêng")
    made = {
        "own": [
            factories.make_item(own, name, actor=tenant_a.teacher) for name in ("numeric", "essay")
        ],
        "shared": [factories.make_item(shared, actor=tenant_b.teacher)],
        "private": [factories.make_item(private, actor=tenant_b.teacher)],
    }
    # The first own item gets a second version.
    services.item_version_lock(actor=tenant_a.teacher, version=made["own"][0])
    made["own"][0] = services.item_update(
        actor=tenant_a.teacher, item=made["own"][0].item, difficulty=5
    )
    return made


def test_latest_versions_in_one_query(versions, tenant_a, django_assert_num_queries):
    reader = User.objects.get(pk=tenant_a.teacher.pk)  # no roles cached yet
    with django_assert_num_queries(2):  # the reader's roles, then the versions
        found = list(selectors.latest_versions(user=reader))
        [version.item.bank.name for version in found]
    assert set(found) == {*versions["own"], *versions["shared"]}
    assert {version.number for version in found} == {1, 2}


def test_latest_versions_of_one_bank(versions, tenant_a):
    bank = versions["own"][0].item.bank
    assert set(selectors.latest_versions(user=tenant_a.teacher, bank=bank)) == set(versions["own"])


def test_latest_versions_never_show_another_institutions_private_bank(versions, tenant_a):
    private_bank = versions["private"][0].item.bank
    assert not selectors.latest_versions(user=tenant_a.teacher, bank=private_bank).exists()
