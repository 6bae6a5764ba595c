"""Courseware progress people can read: the teacher's table, its export and the dashboard.

Progress reaches lms through the contract (courseware's outcome → `courseware_progress_record`);
these tests feed outcomes through that service and read them back through the pages.
"""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from openpyxl import load_workbook

from courseware import services as courseware_services
from courseware.data import AttemptOutcome
from lms import services
from lms.models import LessonPage
from lms.progress import courseware_progress_record
from tests.courseware.packages import scorm12_single, zip_bytes


@pytest.fixture
def placed(tenant_a, settings, tmp_path):
    """Tenant A's course with a package placed in its lesson; the learner enrolled."""
    settings.MEDIA_ROOT = str(tmp_path)
    result = courseware_services.package_import(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        file=io.BytesIO(zip_bytes(scorm12_single())),
        title="Hàn điện",
    )
    lesson = LessonPage.objects.descendant_of(tenant_a.course).get()
    lesson.body = [
        ("paragraph", "<p>Đọc trước</p>"),
        (
            "courseware",
            {"package": result.package, "item": "", "version": 1, "display": "embedded"},
        ),
    ]
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    block_id = next(child.id for child in lesson.body if child.block_type == "courseware")
    services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    return tenant_a, result.package, f"lesson:{lesson.pk}:{block_id}"


def _outcome(tenant, package, placement, *, sequence, **fields) -> None:
    values = {
        "completion_status": "incomplete",
        "success_status": "unknown",
        "score_scaled": None,
        "total_time_seconds": 0.0,
        **fields,
    }
    courseware_progress_record(
        outcome=AttemptOutcome(
            attempt_id=uuid.UUID(int=1),
            attempt_number=1,
            learner_id=tenant.learner.pk,
            package_id=package.pk,
            version_id=package.latest_version().pk,
            institution_id=tenant.institution.pk,
            placement=placement,
            changed_at=timezone.now(),
            sequence=sequence,
            **values,
        )
    )


def test_teacher_sees_each_learners_status_score_time_and_attempts(client, placed):
    tenant, package, placement = placed
    page = client
    page.force_login(tenant.teacher)
    url = reverse("lms:teach_course", kwargs={"course_id": tenant.course.pk})
    with override("en"):
        before = page.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not started" in before or "Chưa bắt đầu" in before
    _outcome(
        tenant,
        package,
        placement,
        sequence=3,
        completion_status="completed",
        success_status="passed",
        score_scaled=0.875,
        total_time_seconds=3725,
    )
    html = page.get(url).content.decode()
    assert "88%" in html and "1:02:05" in html
    assert "status-passed" in html
    assert "1 / 1" in html  # activities done


def test_export_csv_and_xlsx_hold_the_same_progress(client, placed):
    tenant, package, placement = placed
    _outcome(
        tenant,
        package,
        placement,
        sequence=1,
        completion_status="completed",
        success_status="failed",
        score_scaled=0.4,
        total_time_seconds=61,
    )
    learner = tenant.learner
    learner.first_name, learner.last_name = '=HYPERLINK("http://x")', "@SUM(1)"
    learner.save()  # names that a spreadsheet would run as formulas: the export must not
    client.force_login(tenant.teacher)
    course_id = tenant.course.pk
    response = client.get(reverse("lms:teach_course_export", args=[course_id, "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, line = rows[0], rows[1]
    assert line[1] == learner.learner_id
    assert line[-3:] == ["40", "0:01:01", "1"]
    assert line[0].startswith("'=HYPERLINK")  # neutralised
    assert "Bài 1 — Hàn điện: " in header[4]

    response = client.get(reverse("lms:teach_course_export", args=[course_id, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][1] == learner.learner_id
    assert values[1][-3:] == [40, "0:01:01", 1]
    assert all(not str(cell).startswith("=") for row in values for cell in row if cell)


def test_an_older_outcome_does_not_go_back_in_the_table(client, placed):
    tenant, package, placement = placed
    _outcome(
        tenant,
        package,
        placement,
        sequence=5,
        completion_status="completed",
        success_status="passed",
        score_scaled=1.0,
    )
    _outcome(tenant, package, placement, sequence=4, completion_status="incomplete")
    client.force_login(tenant.teacher)
    response = client.get(reverse("lms:teach_course_export", args=[tenant.course.pk, "csv"]))
    line = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))[1]
    assert line[-3] == "100"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_another_institutions_teacher_cannot_export(client, placed, tenant_b, fmt):
    tenant, _package, _placement = placed
    client.force_login(tenant_b.teacher)
    url = reverse("lms:teach_course_export", args=[tenant.course.pk, fmt])
    assert client.get(url).status_code == 404


def test_learner_cannot_export_and_unknown_format_is_not_found(client, placed):
    tenant, _package, _placement = placed
    client.force_login(tenant.learner)
    assert (
        client.get(reverse("lms:teach_course_export", args=[tenant.course.pk, "csv"])).status_code
        == 404
    )
    client.force_login(tenant.teacher)
    assert (
        client.get(reverse("lms:teach_course_export", args=[tenant.course.pk, "pdf"])).status_code
        == 404
    )


def test_learner_dashboard_lists_the_activity_with_their_status(client, placed):
    tenant, package, placement = placed
    client.force_login(tenant.learner)
    html = client.get(reverse("lms:dashboard")).content.decode()
    assert "status-not_started" in html
    _outcome(
        tenant,
        package,
        placement,
        sequence=2,
        completion_status="incomplete",
        total_time_seconds=30,
    )
    html = client.get(reverse("lms:dashboard")).content.decode()
    assert "status-incomplete" in html and "0:00:30" in html


def test_the_enrolment_figure_follows_the_share_of_activities_done(placed):
    from courseware.signals import attempt_outcome_changed
    from lms.models import Enrolment

    tenant, package, placement = placed
    lesson = LessonPage.objects.descendant_of(tenant.course).get()
    lesson.body.append(
        ("courseware", {"package": package, "item": "", "version": 1, "display": "window"})
    )
    lesson.save_revision().publish()
    outcome = {
        "attempt_id": uuid.UUID(int=7),
        "attempt_number": 1,
        "learner_id": tenant.learner.pk,
        "package_id": package.pk,
        "version_id": package.latest_version().pk,
        "institution_id": tenant.institution.pk,
        "placement": placement,
        "completion_status": "completed",
        "success_status": "passed",
        "score_scaled": 1.0,
        "total_time_seconds": 10.0,
        "changed_at": timezone.now(),
        "sequence": 1,
    }
    enrolment = Enrolment.objects.get(learner=tenant.learner, course=tenant.course)
    assert enrolment.progress_percent == 0
    for _ in range(2):  # the receiver is idempotent
        attempt_outcome_changed.send(sender=None, outcome=AttemptOutcome(**outcome))
        enrolment.refresh_from_db()
        assert enrolment.progress_percent == 50  # one of the two blocks


def test_the_dashboard_reads_courseware_in_the_same_queries_whatever_the_courses(
    client, placed, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    tenant, package, _placement = placed
    client.force_login(tenant.learner)
    with CaptureQueriesContext(connection) as one_course:
        assert client.get(reverse("lms:dashboard")).status_code == 200
    for number in range(3):  # three more courses, each with the package in its lesson
        course = factories.make_course(
            tenant.course.get_parent().specific, title=f"Học phần {number}"
        )
        lesson = LessonPage.objects.descendant_of(course).get()
        lesson.body = [
            ("courseware", {"package": package, "item": "", "version": 1, "display": "embedded"})
        ]
        lesson.save_revision().publish()
        services.enrolment_self_enrol(learner=tenant.learner, course=course)
    with django_assert_max_num_queries(len(one_course.captured_queries)):
        html = client.get(reverse("lms:dashboard")).content.decode()
    assert html.count("status-not_started") == 4
