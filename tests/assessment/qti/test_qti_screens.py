"""The QTI admin screens and the qti_import / qti_export commands."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessment.models import Item
from institutions.models import AuditEvent

from ..factories import make_bank, make_exam, make_item
from .helpers import example, package

ORDER = example("order.xml")


@pytest.fixture
def bank(tenant_a):
    bank = make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Ngân hàng A")
    make_item(bank, actor=tenant_a.teacher)
    make_item(bank, "true_false", actor=tenant_a.teacher)
    return bank


def _upload(data: io.BytesIO, name="goi.zip"):
    return SimpleUploadedFile(name, data.getvalue(), content_type="application/zip")


def test_upload_shows_the_item_by_item_report(client, tenant_a, bank):
    client.force_login(tenant_a.teacher)
    assert client.get(reverse("assessment_qti:index")).status_code == 200
    form = client.get(reverse("assessment_qti:import"))
    assert form.status_code == 200 and bank.name in form.content.decode()
    files = {"items/order.xml": ORDER, "items/bad.xml": "<assessmentItem>"}
    response = client.post(
        reverse("assessment_qti:import"),
        {
            "bank": bank.pk,
            "file": _upload(package(files, items=["items/order.xml", "items/bad.xml"])),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="qti-report"' in page
    assert "Grand Prix of Bahrain" in page and "xml_malformed" in page
    assert Item.objects.filter(bank=bank).count() == 3
    assert AuditEvent.objects.filter(action="item_bank.qti_import").count() == 1


def test_a_refused_package_is_a_form_error_and_stores_nothing(client, tenant_a, bank):
    client.force_login(tenant_a.teacher)
    response = client.post(
        reverse("assessment_qti:import"),
        {"bank": bank.pk, "file": _upload(io.BytesIO(b"not a zip"))},
    )
    assert response.status_code == 400
    assert "zip" in response.content.decode()
    assert Item.objects.filter(bank=bank).count() == 2


def test_export_downloads_a_package_of_the_bank_or_the_ticked_items(client, tenant_a, bank):
    client.force_login(tenant_a.teacher)
    assert client.get(reverse("assessment_qti:bank", args=[bank.pk])).status_code == 200
    url = reverse("assessment_qti:bank_export", args=[bank.pk])
    whole = client.get(url, {"version": "3.0"})
    assert whole.status_code == 200 and whole["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(whole.content)).namelist()
    assert "imsmanifest.xml" in names and len([n for n in names if n.startswith("items/")]) == 2
    first = bank.items.order_by("pk").first()
    some = client.get(url, {"version": "2.2", "item": [first.pk]})
    names = zipfile.ZipFile(io.BytesIO(some.content)).namelist()
    assert [n for n in names if n.startswith("items/")] == [f"items/ITEM-{first.uid}-v1.xml"]
    assert client.get(url, {"version": "9.9"}).status_code == 404


def test_exam_export_downloads_a_test_package(client, tenant_a, bank):
    exam = make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=[bank.items.first().latest_version]
    )
    client.force_login(tenant_a.teacher)
    response = client.get(reverse("assessment_qti:exam_export", args=[exam.pk]), {"version": "2.1"})
    assert response.status_code == 200
    assert any(
        n.startswith("tests/") for n in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    )


def test_other_institutions_and_learners_are_kept_out(client, tenant_a, tenant_b, bank):
    exam = make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=[bank.items.first().latest_version]
    )
    client.force_login(tenant_b.teacher)
    assert client.get(reverse("assessment_qti:bank", args=[bank.pk])).status_code == 404
    assert client.get(reverse("assessment_qti:bank_export", args=[bank.pk])).status_code == 404
    assert client.get(reverse("assessment_qti:exam_export", args=[exam.pk])).status_code == 404
    files = {"items/order.xml": ORDER}
    response = client.post(
        reverse("assessment_qti:import"),
        {"bank": bank.pk, "file": _upload(package(files, items=["items/order.xml"]))},
    )
    assert response.status_code == 400  # A's bank is not a choice for B
    assert Item.objects.filter(bank=bank).count() == 2
    client.force_login(tenant_a.learner)
    assert client.get(reverse("assessment_qti:index")).status_code in (302, 403)


def test_commands_export_and_import(tmp_path, tenant_a, bank):
    target = make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Đích")
    path = tmp_path / "bank.zip"
    out = io.StringIO()
    call_command(
        "qti_export", "--bank", str(bank.pk), "--user", tenant_a.teacher.username,
        "--qti-version", "3.0", str(path), stdout=out,
    )  # fmt: skip
    assert "QTI 3.0" in out.getvalue()
    out = io.StringIO()
    call_command("qti_import", str(path), "--bank", str(target.pk), stdout=out)
    assert "2 imported, 0 not imported." in out.getvalue()
    with pytest.raises(CommandError):
        call_command(
            "qti_import", str(path), "--bank", str(target.pk), "--user", tenant_a.learner.username
        )


def test_the_import_command_prints_each_test_and_the_exam_made_of_it(tmp_path, tenant_a, bank):
    from .test_qti_test_import import build, items, make_test, ref, section

    good = make_test(section("S1", ref(1)), title="Đề từ QTI")
    empty = make_test(section("S1", ref(1, href="../../x.xml")), title="Rỗng")
    path = tmp_path / "tests.zip"
    path.write_bytes(build(items(1), {"tests/good.xml": good, "tests/empty.xml": empty}).read())
    out = io.StringIO()
    call_command("qti_import", str(path), "--bank", str(bank.pk), stdout=out)
    printed = out.getvalue()
    assert "exam      tests/good.xml" in printed and "'Đề từ QTI'" in printed
    assert "NO EXAM   tests/empty.xml  no_items" in printed
    assert "1 exam(s) made of 2 test(s)." in printed


def test_the_report_links_the_exam_a_test_became_and_says_why_another_did_not(
    client, tenant_a, bank
):
    from assessment.models import Exam

    from .test_qti_test_import import build, items, make_test, ref, section

    good = make_test(section("S1", ref(1)), title="Đề từ QTI")
    empty = make_test(section("S1", ref(1, href="../../x.xml")), title="Rỗng")
    data = build(items(1), {"tests/good.xml": good, "tests/empty.xml": empty})
    client.force_login(tenant_a.teacher)
    response = client.post(
        reverse("assessment_qti:import"),
        {"bank": bank.pk, "file": _upload(data)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    exam = Exam.objects.get(title="Đề từ QTI")
    assert f'href="{reverse("assessment_exams:edit", args=[exam.pk])}"' in page
    # The refused test's code and its problem (which names the href that left the package).
    assert 'id="qti-tests"' in page and "no_items" in page and "../../x.xml" in page
    assert client.get(reverse("assessment_exams:edit", args=[exam.pk])).status_code == 200
