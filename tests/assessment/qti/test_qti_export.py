"""What other tools see: items without the platform's extension, and exams as tests."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from defusedxml.ElementTree import fromstring

from assessment.exams import RuleSpec, SectionSpec, exam_create
from assessment.models import ItemVersion
from assessment.qti.names import local
from assessment.qti.services import qti_export_bank, qti_export_exam, qti_import

from ..factories import make_bank, make_item


def _without_extension(data: bytes) -> io.BytesIO:
    """The package as another tool reads it: the manifest's platform metadata removed."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "imsmanifest.xml":
                content = re.sub(rb"<tn:taynghe .*?</tn:taynghe>", b"", content, flags=re.S)
                assert b"taynghe" not in content
            target.writestr(name, content)
    buffer.seek(0)
    return buffer


def test_without_the_extension_every_type_degrades_to_a_sensible_item(tenant_a, every_type):
    bank, versions = every_type
    data = qti_export_bank(actor=tenant_a.teacher, bank=bank, qti_version="2.2")
    target = make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Công cụ khác")
    report = qti_import(actor=tenant_a.teacher, bank=target, fileobj=_without_extension(data))
    assert report.failed == []
    by_stem = {
        v.stem.split(":")[0]: v
        for v in ItemVersion.objects.filter(pk__in=[i.version_id for i in report.imported])
    }
    got = {name: by_stem[versions[name].stem.split(":")[0]] for name in versions}
    # Natively expressed: the same.
    assert got["single_choice"].body == versions["single_choice"].body
    assert got["true_false"].body == versions["true_false"].body
    assert got["matching"].body == versions["matching"].body
    assert got["multiple_choice_all"].body["scoring"] == "all_or_nothing"
    numeric = got["numeric"].body
    assert numeric["answers"] == versions["numeric"].body["answers"]
    assert numeric["points"] == 3
    # Not expressible in QTI: the documented fallbacks.
    assert got["multiple_choice"].body["scoring"] == "partial"  # per_option has no QTI form
    assert "units" not in numeric
    assert got["ordering"].body["scoring"] == "all_or_nothing"
    assert "diacritic_sensitive" not in got["short_answer"].body
    assert got["essay"].question_type == "essay" and "rubric" not in got["essay"].body
    assert got["essay"].body["points"] == 5  # the rubric's maximum
    checklist = got["practical_checklist"]
    assert checklist.question_type == "file_upload"
    assert checklist.body["points"] == 8
    assert [g["id"] for g in got["cloze"].body["gaps"]] == ["g1", "g2", "g3"]
    # Tags and outcomes travel only in the extension.
    assert got["single_choice"].tags == []


@pytest.mark.parametrize("qti_version", ["2.1", "3.0"])
def test_an_exam_is_a_test_with_sections_fixed_items_and_blueprint_selection(tenant_a, qti_version):
    bank = make_bank(tenant_a.institution, actor=tenant_a.teacher)
    fixed = [make_item(bank, actor=tenant_a.teacher) for _ in range(2)]
    pool = [
        make_item(bank, "true_false", actor=tenant_a.teacher, tags=["an toàn"]) for _ in range(3)
    ]
    make_item(bank, "true_false", actor=tenant_a.teacher, tags=["khác"])
    exam = exam_create(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        title="Kiểm tra an toàn điện",
        sections=[
            SectionSpec(title="Lý thuyết", items=fixed),
            SectionSpec(title="Ngẫu nhiên", rules=[RuleSpec(bank=bank, count=2, tag="an toàn")]),
        ],
        time_limit_minutes=45,
        shuffle_items=True,
    )
    data = qti_export_exam(actor=tenant_a.teacher, exam=exam, qti_version=qti_version)
    archive = zipfile.ZipFile(io.BytesIO(data))
    (test_name,) = [n for n in archive.namelist() if n.startswith("tests/")]
    test = fromstring(archive.read(test_name))
    assert local(test.tag) == "assessmentTest"
    assert test.get("title") == "Kiểm tra an toàn điện"
    if qti_version == "3.0":
        assert test.tag == "{http://www.imsglobal.org/xsd/imsqtiasi_v3p0}qti-assessment-test"
    sections = [n for n in test.iter() if local(n.tag) == "assessmentSection"]
    titles = [s.get("title") for s in sections]
    assert titles[:2] == ["Lý thuyết", "Ngẫu nhiên"]
    refs = lambda section: [n for n in section if local(n.tag) == "assessmentItemRef"]  # noqa: E731
    assert len(refs(sections[0])) == 2
    rule = sections[2]
    selection = next(n for n in rule if local(n.tag) == "selection")
    assert selection.get("select") == "2"
    assert len(refs(rule)) == len(pool)
    time_limits = next(n for n in test.iter() if local(n.tag) == "timeLimits")
    assert time_limits.get("maxTime" if qti_version != "3.0" else "max-time") == "2700"
    for section in sections:
        for ref in refs(section):
            assert f"items/{ref.get('identifier')}.xml" in archive.namelist()
    # The package imports: its items go into a bank, the test becomes an exam.
    target = make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Từ bài thi")
    report = qti_import(actor=tenant_a.teacher, bank=target, fileobj=io.BytesIO(data))
    assert len(report.imported) == 5 and report.failed == []
    (test_report,) = report.tests
    assert test_report.made and test_report.problems == []
    assert (test_report.sections, test_report.items, test_report.rules) == (2, 2, 1)
