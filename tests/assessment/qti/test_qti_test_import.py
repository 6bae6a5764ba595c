"""A QTI test in a package becomes an exam: the mapping, what is reported, hostile tests."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from assessment import services as item_services
from assessment.models import Exam, ExamItem, ExamSection, Item
from assessment.qti.package import QtiPackageError
from assessment.qti.services import qti_import
from institutions.models import AuditEvent

from ..factories import make_bank
from .helpers import example

QTI21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI30 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP30 = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
ORDER = example("order.xml")
NUMERIC_V3 = example("numeric_v3.xml")


@pytest.fixture(autouse=True)
def _english():
    """The report's sentences are checked in English (the site's default language is
    Vietnamese, whose catalogue translates them)."""
    with translation.override("en"):
        yield


def order_item(n: int) -> str:
    """The spec's order item, its first option renamed so each copy is told apart."""
    return ORDER.replace("Rubens Barrichello", f"Driver {n}")


def build(
    items: dict[str, str],
    tests: dict[str, str],
    *,
    item_kind="imsqti_item_xmlv2p1",
    test_kind="imsqti_test_xmlv2p1",
    cp=None,
    extra_files: dict[str, str] | None = None,
) -> io.BytesIO:
    """A package of item and test resources (identifier = file name without folder)."""
    rows = "".join(
        f'<resource identifier="{path.rsplit("/", 1)[-1][:-4]}" type="{kind}" href="{path}">'
        f'<file href="{path}"/></resource>'
        for kind, paths in ((item_kind, items), (test_kind, tests))
        for path in paths
    )
    namespace = cp or "http://www.imsglobal.org/xsd/imscp_v1p1"
    manifest = (
        f'<?xml version="1.0" encoding="UTF-8"?><manifest xmlns="{namespace}" identifier="M">'
        f"<organizations/><resources>{rows}</resources></manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", manifest)
        for path, data in {**items, **tests, **(extra_files or {})}.items():
            archive.writestr(path, data)
    buffer.seek(0)
    return buffer


def make_test(body: str, *, title="Bài kiểm tra", head="") -> str:
    return (
        f'<assessmentTest xmlns="{QTI21}" identifier="T" title="{title}">{head}'
        f'<testPart identifier="P" navigationMode="nonlinear" submissionMode="simultaneous">'
        f"{body}</testPart></assessmentTest>"
    )


def ref(n: int, href: str | None = None, extra="", inner="") -> str:
    return (
        f'<assessmentItemRef identifier="i{n}" href="{href or f"../items/i{n}.xml"}" {extra}>'
        f"{inner}</assessmentItemRef>"
    )


def section(ident: str, body: str, *, title=None, extra="") -> str:
    return (
        f'<assessmentSection identifier="{ident}" title="{title or ident}" visible="true"'
        f" {extra}>{body}</assessmentSection>"
    )


def items(*numbers: int) -> dict[str, str]:
    return {f"items/i{n}.xml": order_item(n) for n in numbers}


def layout(exam: Exam) -> list[tuple[str, list[str]]]:
    """(section title, the renamed option of each fixed item) of the exam's current version."""
    return [
        (
            s.title,
            [
                next(
                    step["text"]
                    for step in row.item_version.body["steps"]
                    if step["text"].startswith("Driver")
                )
                for row in s.items.order_by("position").select_related("item_version")
            ],
        )
        for s in exam.current_version.sections.order_by("position")
    ]


@pytest.fixture
def bank(tenant_a):
    return make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Nhập bài thi")


def run(tenant, bank, data):
    report = qti_import(actor=tenant.teacher, bank=bank, fileobj=data)
    return report, report.tests[0]


def test_a_foreign_test_becomes_an_exam_with_its_sections_items_shuffle_and_time(tenant_a, bank):
    body = section(
        "S1", '<ordering shuffle="true"/>' + ref(1) + ref(2), title="Phần một"
    ) + section("S2", '<ordering shuffle="true"/>' + ref(3) + ref(4), title="Phần hai")
    data = build(
        items(1, 2, 3, 4),
        {"tests/t.xml": make_test(body, head='<timeLimits maxTime="1800"/>')},
    )
    _, test = run(tenant_a, bank, data)
    assert test.made, test.message
    assert test.problems == [] and test.notes == []
    exam = Exam.objects.get(pk=test.exam_id)
    assert exam.institution == tenant_a.institution and exam.title == "Bài kiểm tra"
    assert layout(exam) == [
        ("Phần một", ["Driver 1", "Driver 2"]),
        ("Phần hai", ["Driver 3", "Driver 4"]),
    ]
    version = exam.current_version
    assert version.time_limit_minutes == 30 and version.shuffle_items is True
    assert exam.published_at is None  # the examiner checks it and publishes
    audit = AuditEvent.objects.get(action="item_bank.qti_import")
    assert audit.data["exams"] == [exam.pk]


def test_nested_sections_flatten_in_order_and_invisible_ones_join_their_parent(tenant_a, bank):
    inner_visible = section("S1b", ref(2), title="Giữa")
    inner_invisible = (
        '<assessmentSection identifier="S1c" title="ẩn" visible="false">'
        + ref(4)
        + "</assessmentSection>"
    )
    body = section("S1", ref(1) + inner_visible + ref(3) + inner_invisible, title="Ngoài")
    _, test = run(tenant_a, bank, build(items(1, 2, 3, 4), {"tests/t.xml": make_test(body)}))
    assert test.made, test.message
    assert layout(Exam.objects.get(pk=test.exam_id)) == [
        ("Ngoài", ["Driver 1"]),
        ("Giữa", ["Driver 2"]),
        ("Ngoài", ["Driver 3", "Driver 4"]),
    ]


def test_what_the_exam_cannot_say_is_reported_one_by_one(tenant_a, bank):
    body = (
        section(
            "S1",
            '<ordering shuffle="true"/>'
            '<rubricBlock view="candidate"><p>Đọc kỹ</p></rubricBlock>'
            + ref(1, inner='<weight identifier="W" value="2"/>')
            + ref(
                2,
                inner='<preCondition><baseValue baseType="boolean">true</baseValue></preCondition>',
            )
            + ref(
                3,
                inner='<templateDefault templateIdentifier="A"><baseValue baseType="integer">'
                "1</baseValue></templateDefault>",
            ),
        )
        + section(
            "S2",
            '<selection select="1" withReplacement="true"/>' + ref(4) + ref(5),
        )
        + section("S3", "")
    )
    head = (
        '<timeLimits maxTime="90"/>'
        '<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>'
    )
    test = (
        make_test(body, head=head)
        .replace(
            "</testPart>",
            '<branchRule target="EXIT_TEST"><baseValue baseType="boolean">true</baseValue>'
            "</branchRule></testPart>",
        )
        .replace('navigationMode="nonlinear"', 'navigationMode="linear"')
    )
    test = test.replace(
        "</assessmentTest>",
        '<outcomeProcessing><setOutcomeValue identifier="SCORE"><sum><testVariables'
        ' variableIdentifier="SCORE" weightIdentifier="W"/></sum></setOutcomeValue>'
        "</outcomeProcessing></assessmentTest>",
    )
    _, report = run(tenant_a, bank, build(items(1, 2, 3, 4, 5), {"tests/t.xml": test}))
    assert report.made, report.message
    text = "\n".join(report.problems)
    for expected in (
        "<rubricBlock>",
        "weight 2",
        "<preCondition>",
        "<templateDefault>",
        "with replacement",
        "selection of 1 of 2",
        "<branchRule>",
        "linear navigation",
        "outcome processing",
        "Section S1: shuffle is not carried",
        "Section S3 holds no item.",
    ):
        assert expected in text, expected
    assert any("rounded up to 2 minutes" in note for note in report.notes)
    exam = Exam.objects.get(pk=report.exam_id)
    # Every item is kept, the selection's two as fixed questions; S2 keeps its order.
    assert [len(items) for _title, items in layout(exam)] == [3, 2]
    assert exam.current_version.shuffle_items is False
    assert exam.current_version.time_limit_minutes == 2


def test_a_summed_score_and_weights_of_one_are_not_reported(tenant_a, bank):
    test = make_test(section("S1", ref(1, inner='<weight identifier="W" value="1.0"/>'))).replace(
        "</assessmentTest>",
        '<outcomeProcessing><setOutcomeValue identifier="SCORE"><sum><testVariables'
        ' variableIdentifier="SCORE"/></sum></setOutcomeValue></outcomeProcessing>'
        "</assessmentTest>",
    )
    _, report = run(tenant_a, bank, build(items(1), {"tests/t.xml": test}))
    assert report.made and report.problems == []


def test_a_missing_or_failed_item_is_reported_and_the_exam_made_from_the_rest(tenant_a, bank):
    files = items(1, 3)
    files["items/i2.xml"] = "<assessmentItem>"  # malformed: not imported
    body = section("S1", ref(1) + ref(2) + ref(3) + ref(9))  # i9 is in no resource
    report, test = run(tenant_a, bank, build(files, {"tests/t.xml": make_test(body)}))
    assert [i.code for i in report.failed] == ["xml_malformed"]
    assert test.made and test.items == 2
    text = "\n".join(test.problems)
    assert "Item i2: the item was not imported (xml_malformed)" in text
    assert "Item i9: ../items/i9.xml is not an item resource" in text
    assert layout(Exam.objects.get(pk=test.exam_id)) == [("S1", ["Driver 1", "Driver 3"])]


def test_an_item_referred_to_twice_is_kept_once(tenant_a, bank):
    body = section("S1", ref(1) + ref(2)) + section(
        "S2",
        ref(1).replace('identifier="i1"', 'identifier="again"') + ref(2, href="../items/i2.xml"),
    )
    _, test = run(tenant_a, bank, build(items(1, 2), {"tests/t.xml": make_test(body)}))
    assert test.made
    assert sum("more than once" in p for p in test.problems) == 2
    # S2 is left with nothing: it is not made, and the report says so.
    assert "Section S2 has no item left; no exam section is made of it." in test.problems
    assert layout(Exam.objects.get(pk=test.exam_id)) == [("S1", ["Driver 1", "Driver 2"])]
    assert ExamItem.objects.count() == 2


@pytest.mark.parametrize(
    "href", ["../../etc/passwd", "../../../items/i1.xml", "http://evil.example/i1.xml", "/i1.xml"]
)
def test_an_item_href_leaving_the_package_is_reported_and_nothing_is_made_of_it(
    tenant_a, bank, href
):
    body = section("S1", ref(1, href=href))
    report, test = run(tenant_a, bank, build(items(1), {"tests/t.xml": make_test(body)}))
    assert report.failed == []  # the item itself was imported into the bank
    assert not test.made and test.code == "no_items"
    assert any("outside the package" in p for p in test.problems)
    assert Exam.objects.count() == 0 and ExamSection.objects.count() == 0


def test_a_test_with_no_items_makes_no_exam(tenant_a, bank):
    body = section("S1", "") + section("S2", '<ordering shuffle="true"/>')
    report, test = run(tenant_a, bank, build(items(1), {"tests/t.xml": make_test(body)}))
    assert report.imported and not test.made and test.code == "no_items"
    assert Exam.objects.count() == 0


def test_a_huge_section_count_is_refused_before_anything_is_made(tenant_a, bank):
    body = "".join(section(f"S{n}", ref(1)) for n in range(201))
    report, test = run(tenant_a, bank, build(items(1), {"tests/t.xml": make_test(body)}))
    assert test.code == "too_many_sections" and "201" in test.message
    assert report.imported and Exam.objects.count() == 0


def test_sections_nested_too_deep_are_refused(tenant_a, bank):
    body = ref(1)
    for depth in range(30):
        body = section(f"S{depth}", body)
    _, test = run(tenant_a, bank, build(items(1), {"tests/t.xml": make_test(body)}))
    assert test.code == "too_deep" and Exam.objects.count() == 0


def test_a_failure_half_way_leaves_nothing_of_that_test_and_the_next_test_is_made(
    tenant_a, bank, monkeypatch
):
    real = item_services.item_version_lock
    calls = []

    def failing_second_time(**kwargs):
        calls.append(kwargs["version"].pk)
        if len(calls) == 2:
            raise ValidationError("locking failed")
        return real(**kwargs)

    monkeypatch.setattr(item_services, "item_version_lock", failing_second_time)
    first = make_test(section("S1", ref(1) + ref(2)), title="Hỏng")
    second = make_test(section("S1", ref(3)), title="Tốt")
    report = qti_import(
        actor=tenant_a.teacher,
        bank=bank,
        fileobj=build(items(1, 2, 3), {"tests/a.xml": first, "tests/b.xml": second}),
    )
    bad, good = report.tests
    assert not bad.made and bad.code == "invalid_test" and "locking failed" in bad.message
    assert good.made
    assert list(Exam.objects.values_list("title", flat=True)) == ["Tốt"]
    assert ExamSection.objects.count() == 1 and ExamItem.objects.count() == 1
    # The item the failed test locked first is unlocked again (rolled back with it).
    assert Item.objects.get(versions__pk=calls[0]).latest_version.locked_at is None


def test_mixed_shuffle_keeps_every_section_in_order_and_says_which(tenant_a, bank):
    body = section("S1", '<ordering shuffle="true"/>' + ref(1) + ref(2)) + section(
        "S2", ref(3) + ref(4)
    )
    _, test = run(tenant_a, bank, build(items(1, 2, 3, 4), {"tests/t.xml": make_test(body)}))
    assert Exam.objects.get(pk=test.exam_id).current_version.shuffle_items is False
    assert test.problems == [
        "Section S1: shuffle is not carried, because other sections keep their order (the exam"
        " shuffles every section or none)."
    ]


def test_a_malformed_test_is_reported_and_its_items_kept(tenant_a, bank):
    report, test = run(tenant_a, bank, build(items(1), {"tests/t.xml": "<assessmentTest"}))
    assert test.code == "xml_malformed" and len(report.imported) == 1
    assert Exam.objects.count() == 0


def test_an_item_given_as_the_test_is_not_a_test(tenant_a, bank):
    _, test = run(tenant_a, bank, build(items(1), {"tests/t.xml": order_item(5)}))
    assert test.code == "not_a_test"


def test_entities_in_a_test_refuse_the_whole_package(tenant_a, bank):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa">]><assessmentTest>&a;</assessmentTest>'
    )
    with pytest.raises(QtiPackageError) as error:
        qti_import(
            actor=tenant_a.teacher, bank=bank, fileobj=build(items(1), {"tests/t.xml": bomb})
        )
    assert error.value.code == "xml_forbidden"
    assert Item.objects.filter(bank=bank).count() == 0 and Exam.objects.count() == 0


def test_a_qti3_test_becomes_an_exam(tenant_a, bank):
    items3 = {
        "items/n1.xml": NUMERIC_V3,
        "items/n2.xml": NUMERIC_V3.replace('title="Mains voltage"', 'title="Hai"'),
    }
    test = (
        f'<qti-assessment-test xmlns="{QTI30}" identifier="T3" title="Đề QTI 3">'
        '<qti-time-limits max-time="600"/>'
        '<qti-test-part identifier="P" navigation-mode="nonlinear" submission-mode="simultaneous">'
        '<qti-assessment-section identifier="A" title="Số" visible="true">'
        '<qti-ordering shuffle="true"/>'
        '<qti-assessment-item-ref identifier="n1" href="../items/n1.xml"/>'
        '<qti-assessment-item-ref identifier="n2" href="../items/n2.xml"/>'
        "</qti-assessment-section></qti-test-part></qti-assessment-test>"
    )
    report, result = run(
        tenant_a,
        bank,
        build(
            items3,
            {"tests/t.xml": test},
            item_kind="imsqti_item_xmlv3p0",
            test_kind="imsqti_test_xmlv3p0",
            cp=CP30,
        ),
    )
    assert report.failed == [] and result.made and result.problems == [], result.problems
    exam = Exam.objects.get(pk=result.exam_id)
    version = exam.current_version
    assert exam.title == "Đề QTI 3" and version.time_limit_minutes == 10 and version.shuffle_items
    (only,) = version.sections.all()
    assert only.title == "Số" and only.items.count() == 2


def test_bad_settings_in_the_platform_extension_are_reported_not_applied(tenant_a, bank):
    data = build(items(1), {"tests/t.xml": make_test(section("S1", ref(1)))})
    raw = zipfile.ZipFile(data)
    manifest = raw.read("imsmanifest.xml").decode()
    extension = (
        '<metadata><tn:taynghe xmlns:tn="https://taynghe.vn/xsd/qti-extension/v1" version="1">'
        '{"type": "exam", "settings": {"attempts_allowed": 1000, "negative_marking": "NaN",'
        ' "review_when": "immediately", "instructions": 5}}</tn:taynghe></metadata>'
    )
    manifest = manifest.replace('href="tests/t.xml">', f'href="tests/t.xml">{extension}')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in raw.namelist():
            archive.writestr(name, manifest if name == "imsmanifest.xml" else raw.read(name))
    buffer.seek(0)
    _, test = run(tenant_a, bank, buffer)
    assert test.made
    assert sorted(p.split()[2] for p in test.problems) == [
        "attempts_allowed",
        "instructions",
        "negative_marking",
    ]
    version = Exam.objects.get(pk=test.exam_id).current_version
    assert version.review_when == "immediately"
    assert version.attempts_allowed == 1 and version.negative_marking == Decimal(0)


def test_the_exam_goes_to_the_bank_institution_never_another(tenant_a, tenant_b):
    bank_b = make_bank(tenant_b.institution, actor=tenant_b.teacher)
    data = build(items(1), {"tests/t.xml": make_test(section("S1", ref(1)))})
    _, test = run(tenant_b, bank_b, data)
    assert Exam.objects.get(pk=test.exam_id).institution == tenant_b.institution
    data.seek(0)
    with pytest.raises(PermissionDenied):
        qti_import(actor=tenant_a.teacher, bank=bank_b, fileobj=data)
    assert Exam.objects.count() == 1


def test_hostile_weights_and_floods_of_unknown_elements_are_reported_within_bounds(tenant_a, bank):
    flood = "".join(f"<foo{n}/>" for n in range(5000)) + "<bar/>" * 100
    body = section(
        "S1",
        ref(1, inner='<weight identifier="W" value="sNaN"/><weight identifier="V" value="1e9999"/>')
        + ref(2, inner=flood),
    )
    _, test = run(tenant_a, bank, build(items(1, 2), {"tests/t.xml": make_test(body)}))
    assert test.made and test.items == 2
    assert test.problems[:2] == [
        "Item i1: its weight sNaN is not carried; the item keeps its own marks.",
        "Item i1: its weight 1e9999 is not carried; the item keeps its own marks.",
    ]
    # Each kind of element once (<bar> a hundred times is one problem), at most 200 listed.
    assert len(test.problems) == 200 and test.problems_left_out == 2 + 5001 - 200


def test_thousands_of_empty_test_parts_are_refused(tenant_a, bank):
    parts = '<testPart identifier="P" navigationMode="linear" submissionMode="individual"/>' * 500
    test = make_test(section("S1", ref(1))).replace(
        "</assessmentTest>", parts + "</assessmentTest>"
    )
    _, result = run(tenant_a, bank, build(items(1), {"tests/t.xml": test}))
    assert result.code == "too_many_sections" and result.problems == []


def test_a_selection_of_every_child_is_no_selection_at_all(tenant_a, bank):
    body = section("S1", '<selection select="2"/>' + ref(1) + ref(2))
    _, test = run(tenant_a, bank, build(items(1, 2), {"tests/t.xml": make_test(body)}))
    assert test.made and test.items == 2 and test.problems == []
