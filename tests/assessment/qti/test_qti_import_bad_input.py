"""Malformed items are reported one by one and never stored; hostile packages are refused whole."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from assessment.models import Item
from assessment.qti.package import QtiPackageError
from assessment.qti.services import qti_import

from ..factories import make_bank
from .helpers import example, package

GOOD = example("order.xml")


@pytest.fixture
def bank(tenant_a):
    return make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Nhập QTI")


def _item(body: str, declarations: str = "", processing: str = "") -> str:
    return (
        '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="x"'
        f' title="x" adaptive="false" timeDependent="false">{declarations}'
        f"<itemBody>{body}</itemBody>{processing}</assessmentItem>"
    )


CHOICE_DECLARATION = (
    '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">'
    "<correctResponse><value>A</value></correctResponse></responseDeclaration>"
)
CHOICES = (
    '<choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">'
    '<simpleChoice identifier="A">Một</simpleChoice><simpleChoice identifier="B">Hai</simpleChoice>'
    "</choiceInteraction>"
)

MALFORMED = {
    "xml_malformed": "<assessmentItem><itemBody></assessmentItem>",
    "unsupported_version": GOOD.replace("imsqti_v2p1", "example.org/not-qti"),
    "not_an_item": '<assessmentTest xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"/>',
    "no_interaction": _item("<p>Không có gì để trả lời.</p>"),
    "unsupported_interaction": _item(
        '<hotspotInteraction responseIdentifier="RESPONSE" maxChoices="1"/>', CHOICE_DECLARATION
    ),
    "several_interactions": _item(CHOICES + CHOICES, CHOICE_DECLARATION),
    "undeclared_response": _item(CHOICES),
    "bad_correct_response": _item(CHOICES, CHOICE_DECLARATION.replace(">A<", ">Z<")),
    "no_correct_response": _item(
        CHOICES,
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier"/>',
    ),
    "bad_response_processing": _item(
        CHOICES,
        CHOICE_DECLARATION,
        '<responseProcessing template="http://example.org/rptemplates/my_own"/>',
    ),
    "missing_file": _item(
        '<p><img src="images/nowhere.png" alt=""/></p>' + CHOICES, CHOICE_DECLARATION
    ),
    "invalid_item": _item(
        '<choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">'
        '<simpleChoice identifier="A">Chỉ một lựa chọn</simpleChoice></choiceInteraction>',
        CHOICE_DECLARATION,
    ),
    "bad_declaration": _item(
        CHOICES.replace("choiceInteraction", "orderInteraction"), CHOICE_DECLARATION
    ),
}


@pytest.mark.parametrize("code", sorted(MALFORMED))
def test_a_malformed_item_is_reported_with_its_reason_and_the_good_one_imported(
    tenant_a, bank, code
):
    files = {"items/good.xml": GOOD, "items/bad.xml": MALFORMED[code]}
    report = qti_import(
        actor=tenant_a.teacher,
        bank=bank,
        fileobj=package(files, items=["items/good.xml", "items/bad.xml"]),
    )
    assert [item.href for item in report.imported] == ["items/good.xml"]
    (failed,) = report.failed
    assert (failed.href, failed.code) == ("items/bad.xml", code)
    assert failed.message
    assert Item.objects.filter(bank=bank).count() == 1


def test_an_item_file_missing_from_the_package_is_reported(tenant_a, bank):
    report = qti_import(
        actor=tenant_a.teacher,
        bank=bank,
        fileobj=package({"items/good.xml": GOOD}, items=["items/good.xml", "items/gone.xml"]),
    )
    assert [item.code for item in report.failed] == ["missing_file"]


def test_a_broken_image_fails_its_item_and_leaves_no_image(tenant_a, bank):
    from wagtail.images import get_image_model

    body = _item('<p><img src="pic.png" alt=""/></p>' + CHOICES, CHOICE_DECLARATION)
    report = qti_import(
        actor=tenant_a.teacher,
        bank=bank,
        fileobj=package(
            {"items/a.xml": body, "items/pic.png": b"not a png"}, items=["items/a.xml"]
        ),
    )
    assert [item.code for item in report.failed] == ["bad_image"]
    assert not get_image_model().objects.exists()
    assert not Item.objects.exists()


XXE = (
    '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>&x;</resources></manifest>'
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1">&lol2;</assessmentItem>'
)


def _zip_with(name: str, data: bytes, *, symlink: bool = False) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        if symlink:
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, data)
    buffer.seek(0)
    return buffer


HOSTILE = {
    "zip_slip": lambda: _zip_with("../../etc/evil.xml", b"<x/>"),
    "absolute_path": lambda: _zip_with("/etc/evil.xml", b"<x/>"),
    "symlink": lambda: _zip_with("imsmanifest.xml", b"/etc/passwd", symlink=True),
    "compression_ratio": lambda: _zip_with("items/bomb.xml", b"\0" * (8 * 1024 * 1024)),
    "xml_forbidden": lambda: package({"imsmanifest.xml": XXE}),
    "not_a_zip": lambda: io.BytesIO(b"this is not a zip archive"),
    "no_manifest": lambda: package({"items/good.xml": GOOD}),
    "no_items": lambda: package(
        {"items/good.xml": GOOD}, items=["items/good.xml"], kind="webcontent"
    ),
}


@pytest.mark.parametrize("code", sorted(HOSTILE))
def test_a_hostile_package_is_refused_whole(tenant_a, bank, code):
    with pytest.raises(QtiPackageError) as refused:
        qti_import(actor=tenant_a.teacher, bank=bank, fileobj=HOSTILE[code]())
    assert refused.value.code == code
    assert refused.value.message
    assert not Item.objects.exists()


def test_billion_laughs_in_a_later_item_refuses_the_package_and_keeps_nothing(tenant_a, bank):
    files = {"items/good.xml": GOOD, "items/laughs.xml": LAUGHS}
    with pytest.raises(QtiPackageError) as refused:
        qti_import(
            actor=tenant_a.teacher,
            bank=bank,
            fileobj=package(files, items=["items/good.xml", "items/laughs.xml"]),
        )
    assert refused.value.code == "xml_forbidden"
    assert not Item.objects.exists()


def test_oversized_files_are_refused(tenant_a, bank, settings):
    settings.ASSESSMENT_QTI_MAX_XML_BYTES = 1000
    with pytest.raises(QtiPackageError) as refused:
        qti_import(
            actor=tenant_a.teacher,
            bank=bank,
            fileobj=package({"items/good.xml": GOOD}, items=["items/good.xml"]),
        )
    assert refused.value.code == "file_too_large"
    settings.ASSESSMENT_QTI_MAX_ARCHIVE_BYTES = 100
    with pytest.raises(QtiPackageError) as refused:
        qti_import(
            actor=tenant_a.teacher,
            bank=bank,
            fileobj=package({"items/good.xml": GOOD}, items=["items/good.xml"]),
        )
    assert refused.value.code == "archive_too_large"
    assert not Item.objects.exists()
