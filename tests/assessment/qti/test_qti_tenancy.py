"""Import only into your own institution's banks; export only what you may read."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied

from assessment.models import Item
from assessment.qti.services import qti_export_bank, qti_export_exam, qti_export_items, qti_import

from ..factories import make_bank, make_exam, make_item
from .helpers import example, package


def test_importing_into_another_institutions_bank_is_refused(tenant_a, tenant_b):
    bank_b = make_bank(tenant_b.institution, actor=tenant_b.teacher, shared_nationally=True)
    files = {"items/order.xml": example("order.xml")}
    for intruder in (tenant_a.teacher, tenant_a.admin, tenant_b.learner):
        with pytest.raises(PermissionDenied):
            qti_import(
                actor=intruder, bank=bank_b, fileobj=package(files, items=["items/order.xml"])
            )
    assert not Item.objects.exists()


def test_exporting_a_bank_you_cannot_read_is_refused(tenant_a, tenant_b):
    private = make_bank(tenant_b.institution, actor=tenant_b.teacher, name="Riêng")
    version = make_item(private, actor=tenant_b.teacher)
    with pytest.raises(PermissionDenied):
        qti_export_bank(actor=tenant_a.teacher, bank=private)
    with pytest.raises(PermissionDenied):
        qti_export_bank(actor=tenant_b.learner, bank=private)
    with pytest.raises(PermissionDenied):
        qti_export_items(actor=tenant_a.teacher, versions=[version])


def test_a_nationally_shared_bank_is_exported_by_any_institutions_staff(tenant_a, tenant_b):
    shared = make_bank(tenant_b.institution, actor=tenant_b.teacher, shared_nationally=True)
    make_item(shared, actor=tenant_b.teacher)
    data = qti_export_bank(actor=tenant_a.teacher, bank=shared, qti_version="3.0")
    mine = make_bank(tenant_a.institution, actor=tenant_a.teacher)
    report = qti_import(actor=tenant_a.teacher, bank=mine, fileobj=io.BytesIO(data))
    assert len(report.imported) == 1


def test_exporting_another_institutions_exam_is_refused(tenant_a, tenant_b):
    bank = make_bank(tenant_b.institution, actor=tenant_b.teacher)
    exam = make_exam(
        tenant_b.institution,
        actor=tenant_b.teacher,
        items=[make_item(bank, actor=tenant_b.teacher)],
    )
    with pytest.raises(PermissionDenied):
        qti_export_exam(actor=tenant_a.teacher, exam=exam)
