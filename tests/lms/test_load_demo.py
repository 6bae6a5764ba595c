"""The demo loader builds a national picture through the services and can run twice."""

from django.core.management import call_command

from institutions.models import Cohort, Institution, Membership, User
from lms.models import CoursePage, Enrolment, LessonPage, ProgrammePage


def _counts():
    return (
        Institution.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Cohort.objects.count(),
        ProgrammePage.objects.count(),
        CoursePage.objects.count(),
        LessonPage.objects.count(),
        Enrolment.objects.count(),
    )


def test_load_demo_is_idempotent_and_vietnamese(db):
    call_command("load_demo", institutions=2, quiet_logins=True)
    first = _counts()
    assert first[0] == 2
    assert first[4] >= 2 * 2  # programmes, Vietnamese and English alias
    call_command("load_demo", institutions=2, quiet_logins=True)
    assert _counts() == first
    lesson = LessonPage.objects.filter(locale__language_code="vi").first()
    assert "Bài học" in str(lesson.body)
    assert User.objects.filter(learner_id__startswith="TN").count() == 12
    assert Enrolment.objects.count() == 12


def test_demo_courses_contain_playable_scorm_courseware(db, settings, tmp_path):
    from courseware.models import Package, PackageVersion

    settings.MEDIA_ROOT = str(tmp_path)
    call_command("load_demo", institutions=1, quiet_logins=True)
    kinds = set(PackageVersion.objects.values_list("kind", "edition"))
    assert kinds == {("scorm12", ""), ("scorm2004", "4th")}
    placed = [
        child.value["package"]
        for lesson in LessonPage.objects.filter(alias_of__isnull=True)
        for child in lesson.body
        if child.block_type == "courseware"
    ]
    assert sorted(package.title for package in placed) == ["An toàn điện cơ bản", "Đo lường điện"]
    # The lessons are in the course the demo cohort is enrolled in.
    enrolled = Enrolment.objects.values_list("course_id", flat=True).distinct().get()
    for package in placed:
        version = package.latest_version()
        assert (tmp_path / version.storage_prefix / "imsmanifest.xml").exists()
    lessons = LessonPage.objects.descendant_of(CoursePage.objects.get(pk=enrolled))
    assert sum(child.block_type == "courseware" for lesson in lessons for child in lesson.body) == 2
    call_command("load_demo", institutions=1, quiet_logins=True)  # again: nothing doubles
    assert Package.objects.count() == 2


def test_demo_learners_find_an_exam_to_sit(db, client, settings, tmp_path):
    from django.urls import reverse

    from assessment.models import Exam

    settings.MEDIA_ROOT = str(tmp_path)
    call_command("load_demo", institutions=1, quiet_logins=True)
    exam = Exam.objects.get(title__startswith="Kiểm tra")
    call_command("load_demo", institutions=1, quiet_logins=True)  # again: still the same
    assert Exam.objects.count() == 2  # and the marked written exam (assessment/demo.py)
    learner = User.objects.filter(username__endswith="-hv6").get()
    client.force_login(learner)
    dashboard = client.get(reverse("lms:dashboard")).content.decode()
    assert reverse("assessment:my_exams") in dashboard
    assert exam.title in client.get(reverse("assessment:my_exams")).content.decode()
