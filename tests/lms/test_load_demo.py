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
