"""QTI files are validated against the IMS XSDs on import; our own exports validate.

Two kinds of schema: the IMS/1EdTech XSDs where they are installed in the schema folder
(`assessment/qti/schemas/SOURCES.md`; tests needing them skip where they are absent, and
say so), and a small schema written here for the behaviour that does not depend on the
IMS text (item-by-item report with lines, the local-only resolver, the cache).
"""

from __future__ import annotations

import io
import socket
import zipfile

import pytest
from django.utils import translation
from lxml import etree

from assessment.exams import RuleSpec, SectionSpec, exam_create
from assessment.models import ItemVersion
from assessment.qti import schema
from assessment.qti.services import qti_export_bank, qti_export_exam, qti_import

from ..factories import make_bank, make_item
from .helpers import example, package

INSTALLED = schema.available_versions()
# Versions whose IMS XSD is not installed here are checked only where it is.
needs_xsd = {
    version: pytest.mark.skipif(
        version not in INSTALLED,
        reason=f"the IMS XSD of QTI {version} is not installed (see schemas/SOURCES.md)",
    )
    for version in schema.ENTRY_SCHEMAS
}

# A stand-in "QTI 2.1" schema: an item holds an itemBody, which holds p elements.
MINI_21 = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"
    targetNamespace="http://www.imsglobal.org/xsd/imsqti_v2p1"
    elementFormDefault="qualified">
  <xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="%s"/>
  <xs:element name="assessmentItem">
    <xs:complexType>
      <xs:sequence><xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
      <xs:attribute name="identifier" type="xs:string" use="required"/>
      <xs:attribute name="title" type="xs:string"/>
      <xs:attribute name="adaptive" type="xs:boolean"/>
      <xs:attribute name="timeDependent" type="xs:boolean"/>
      <xs:attribute ref="xml:lang"/>
      <xs:anyAttribute namespace="http://www.w3.org/2001/XMLSchema-instance"
          processContents="skip"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""
XML_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
    targetNamespace="http://www.w3.org/XML/1998/namespace">
  <xs:attribute name="lang" type="xs:language"/>
</xs:schema>
"""


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English (the interface's other language is Vietnamese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def schema_folder(tmp_path, settings):
    """A schema folder holding only what the test writes; the cache is cleared around."""
    settings.ASSESSMENT_QTI_SCHEMA_DIR = str(tmp_path)
    schema.clear_cache()
    yield tmp_path
    schema.clear_cache()


def _write_mini(folder, import_location="http://www.w3.org/2001/xml.xsd", xml_xsd=True):
    (folder / "qtiv2p1").mkdir(exist_ok=True)
    (folder / "qtiv2p1" / "imsqti_v2p1.xsd").write_text(MINI_21 % import_location)
    if xml_xsd:
        (folder / "w3").mkdir(exist_ok=True)
        (folder / "w3" / "xml.xsd").write_text(XML_XSD)


@pytest.fixture
def no_network(monkeypatch):
    """Any socket connection fails the test (the resolver must never reach out)."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError(f"network use: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return calls


def _files(data: bytes, prefix: str) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {n: archive.read(n) for n in archive.namelist() if n.startswith(prefix)}


def _errors(files: dict[str, bytes], version: str) -> dict[str, list]:
    return {
        name: problems
        for name, data in files.items()
        if (problems := schema.validate(data, version))
    }


# ------------------------------------------------------------- our exports validate


@pytest.mark.parametrize(
    "qti_version", [pytest.param(v, marks=needs_xsd[v]) for v in ("2.1", "2.2", "3.0")]
)
def test_every_exported_type_validates_against_the_ims_schema(
    tenant_a, every_type, qti_version, no_network
):
    bank, versions = every_type
    data = qti_export_bank(actor=tenant_a.teacher, bank=bank, qti_version=qti_version)
    items = _files(data, "items/")
    assert len(items) == len(versions)
    assert _errors(items, qti_version) == {}
    assert no_network == []


@pytest.mark.parametrize(
    "qti_version", [pytest.param(v, marks=needs_xsd[v]) for v in ("2.1", "2.2", "3.0")]
)
def test_an_exported_exam_validates_against_the_ims_schema(tenant_a, qti_version):
    bank = make_bank(tenant_a.institution, actor=tenant_a.teacher)
    fixed = [make_item(bank, actor=tenant_a.teacher) for _ in range(2)]
    make_item(bank, "true_false", actor=tenant_a.teacher, tags=["an toàn"])
    exam = exam_create(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        title="Kiểm tra an toàn điện",
        sections=[
            SectionSpec(title="Lý thuyết", items=fixed),
            SectionSpec(title="Ngẫu nhiên", rules=[RuleSpec(bank=bank, count=1, tag="an toàn")]),
        ],
        time_limit_minutes=45,
        shuffle_items=True,
    )
    data = qti_export_exam(actor=tenant_a.teacher, exam=exam, qti_version=qti_version)
    tests = _files(data, "tests/")
    assert len(tests) == 1
    assert _errors(tests, qti_version) == {}
    assert _errors(_files(data, "items/"), qti_version) == {}


@needs_xsd["2.1"]
def test_the_ims_schema_finds_what_the_structural_checks_miss(tenant_a):
    """A misplaced element and an unknown attribute: refused with their lines, by the
    real 2.1 schema, while the valid item beside them is imported."""
    valid = example("choice.xml")
    misplaced = valid.replace(
        "<itemBody>", "<itemBody>\n<outcomeDeclaration identifier='X' cardinality='single'/>"
    )
    unknown = valid.replace('adaptive="false"', 'adaptive="false" colour="red"')
    bank = make_bank(tenant_a.institution, actor=tenant_a.teacher)
    files = {"a.xml": valid, "b.xml": misplaced, "c.xml": unknown}
    files["images/sign.png"] = _png()
    report = qti_import(
        actor=tenant_a.teacher,
        bank=bank,
        fileobj=package(files, items=["a.xml", "b.xml", "c.xml"]),
    )
    outcome = {item.href: (item.imported, item.code) for item in report.items}
    assert outcome == {"a.xml": (True, ""), "b.xml": (False, "schema"), "c.xml": (False, "schema")}
    messages = {item.href: item.message for item in report.failed}
    line = next(n for n, text in enumerate(misplaced.splitlines(), 1) if "'X'" in text)
    assert f"Line {line}:" in messages["b.xml"]
    assert "outcomeDeclaration" in messages["b.xml"]
    assert "colour" in messages["c.xml"]
    assert ItemVersion.objects.filter(item__bank=bank).count() == 1


# ----------------------------------------------- behaviour, with a schema written here


def _item(body: str = "", attrs: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"\n'
        f'    identifier="q" title="Q" adaptive="false" timeDependent="false" {attrs}>\n'
        '  <responseDeclaration identifier="RESPONSE" cardinality="single"'
        ' baseType="identifier"><correctResponse><value>A</value></correctResponse>'
        "</responseDeclaration>\n"
        "  <itemBody><choiceInteraction responseIdentifier='RESPONSE' maxChoices='1'>"
        "<simpleChoice identifier='A'>một</simpleChoice>"
        "<simpleChoice identifier='B'>hai</simpleChoice></choiceInteraction></itemBody>\n"
        f"{body}"
        "</assessmentItem>\n"
    )


def test_a_schema_error_reports_the_item_with_its_line_and_keeps_the_valid_one(
    tenant_a, schema_folder, no_network
):
    _write_mini(schema_folder)
    bank = make_bank(tenant_a.institution, actor=tenant_a.teacher)
    report = qti_import(
        actor=tenant_a.teacher,
        bank=bank,
        fileobj=package(
            {"ok.xml": _item(), "bad.xml": _item(attrs='colour="red"')},
            items=["ok.xml", "bad.xml"],
        ),
    )
    ok, bad = report.items
    assert (ok.imported, ok.code) == (True, "")
    assert (bad.imported, bad.code, bad.version_id) == (False, "schema", None)
    assert bad.message.startswith("The item does not follow the QTI 2.1 schema. Line 3:")
    assert "colour" in bad.message
    assert [v.pk for v in ItemVersion.objects.filter(item__bank=bank)] == [ok.version_id]
    assert no_network == []


def test_without_an_installed_schema_the_import_says_so_and_checks_structurally(
    tenant_a, schema_folder
):
    bank = make_bank(tenant_a.institution, actor=tenant_a.teacher)
    report = qti_import(
        actor=tenant_a.teacher,
        bank=bank,
        fileobj=package({"ok.xml": _item(attrs='colour="red"')}, items=["ok.xml"]),
    )
    assert [item.imported for item in report.items] == [True]
    assert report.schema_unchecked == ["2.1"]
    assert report.schema_notes[0].startswith("No XML schema for QTI 2.1 is installed")


def test_a_remote_schema_location_is_answered_from_the_local_folder(schema_folder, no_network):
    _write_mini(schema_folder, "http://www.w3.org/2001/xml.xsd")
    assert schema.validate(_item(attrs='xml:lang="vi"').encode(), "2.1") == []
    problems = schema.validate(_item(attrs='xml:lang="không hợp lệ"').encode(), "2.1")
    assert len(problems) == 1 and problems[0].line == 3  # the attribute's line
    assert no_network == []


def test_a_remote_schema_not_in_the_folder_is_refused_not_fetched(
    tenant_a, schema_folder, no_network
):
    _write_mini(schema_folder, "http://evil.example/elsewhere.xsd", xml_xsd=False)
    with pytest.raises(schema.SchemaUnavailable, match=r"evil\.example"):
        schema.schema_for("2.1")
    assert no_network == []
    # The import carries on without the schema and says so.
    bank = make_bank(tenant_a.institution, actor=tenant_a.teacher)
    report = qti_import(
        actor=tenant_a.teacher, bank=bank, fileobj=package({"a.xml": _item()}, items=["a.xml"])
    )
    assert [item.imported for item in report.items] == [True]
    assert report.schema_unchecked == ["2.1"]
    assert report.schema_notes[0].startswith("No XML schema for QTI 2.1 is installed")


def test_a_schema_path_leaving_the_folder_is_refused(schema_folder, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.xsd").write_text(XML_XSD)
    _write_mini(schema_folder, str(outside / "secret.xsd"), xml_xsd=False)
    with pytest.raises(schema.SchemaUnavailable, match=r"secret\.xsd"):
        schema.schema_for("2.1")


def test_the_schema_is_compiled_once_per_process(schema_folder):
    _write_mini(schema_folder)
    first = schema.schema_for("2.1")
    assert isinstance(first, etree.XMLSchema)
    assert schema.schema_for("2.1") is first
    assert schema.schema_for("2.2") is None  # not installed in this folder


def test_validation_expands_no_entity_and_loads_no_dtd(schema_folder, tmp_path_factory):
    _write_mini(schema_folder)
    secret = tmp_path_factory.mktemp("secret") / "secret.txt"
    secret.write_text("SECRET-CONTENT")
    hostile = (
        f'<?xml version="1.0"?>\n<!DOCTYPE assessmentItem [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
        '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="q">'
        "<p>&x;</p></assessmentItem>\n"
    ).encode()
    parsed = etree.fromstring(hostile, schema._safe_parser())
    assert b"SECRET-CONTENT" not in etree.tostring(parsed)
    problems = schema.validate(hostile, "2.1")
    assert all("SECRET-CONTENT" not in p.message for p in problems)


def _png() -> bytes:
    from .helpers import png_bytes

    return png_bytes()
