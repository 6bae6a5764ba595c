"""The demo's own SCORM package, played by a demo learner, shows in their dashboard and the teacher's table.

This is what `make run` offers a visitor: load_demo's first institution, its learner `…-hv1`
enrolled with the demo cohort, the lesson that holds "An toàn điện cơ bản" (SCORM 1.2).
"""

from __future__ import annotations

import contextlib
import re
import time

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from courseware.models import CmiRecord
from institutions.models import Institution, User
from lms.demo import data
from lms.models import CoursePage, CoursewareProgress, LessonPage

from .conftest import DESKTOP, PHONE, _tab
from .helpers import assert_accessible, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _lesson_with(title: str) -> LessonPage:
    """The demo lesson whose courseware block plays the package called `title`."""
    return next(
        lesson
        for lesson in LessonPage.objects.filter(alias_of__isnull=True, locale__language_code="vi")
        if any(
            child.block_type == "courseware" and child.value["package"].title == title
            for child in lesson.body
        )
    )


@pytest.fixture
def demo(settings, tmp_path, live_server):
    settings.MEDIA_ROOT = str(tmp_path / "files")
    call_command("load_demo", institutions=1, quiet_logins=True)
    code = Institution.objects.get().code.lower()
    return code, _lesson_with("An toàn điện cơ bản")


def _log_in(page, base_url, username, next_path):
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(data.DEMO_PASSWORD)
    page.locator("form[action*='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(base_url + next_path)


def _sco(page, document: str = "index.html", ready: str = "#quiz"):
    """The SCO's frame (inside the launcher's frame) once `ready` is on its page."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "/courseware/content/" in frame.url and frame.url.split("?")[0].endswith(document):
                with contextlib.suppress(Exception):  # the frame is still navigating
                    if frame.locator(ready).count():
                        return frame
        page.wait_for_timeout(100)
    raise AssertionError([frame.url for frame in page.frames])


def test_demo_learner_passes_the_demo_package_and_everyone_sees_it(chromium, demo, base_url):
    code, lesson = demo
    learner = f"{code}-hv1"
    learner_id = User.objects.get(username=learner).learner_id
    with _tab(chromium, PHONE) as page:
        _log_in(page, base_url, learner, lesson.url)
        page.locator(".courseware-block button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/courseware/play/"))
        sco = _sco(page)
        expect(sco.locator("#status")).to_contain_text("Bắt đầu")
        for _ in range(3):
            sco.locator("#next").click()
        sco.locator("input[name=q1][value=b]").check()
        sco.locator("input[name=q2][value=a]").check()
        sco.locator("input[name=q3][value=a]").check()
        sco.get_by_role("button", name="Nộp bài").click()
        expect(sco.locator("#result")).to_contain_text("100/100")
        expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
        screenshot(page, "demo-courseware-passed-phone")

        deadline = time.monotonic() + 10
        while not CoursewareProgress.objects.filter(success_status="passed").exists():
            assert time.monotonic() < deadline, "the outcome never reached lms progress"
            time.sleep(0.1)
        record = CmiRecord.objects.get(attempt__learner__username=learner)
        assert record.data["cmi.core.lesson_location"] == "4"
        assert record.data["cmi.core.score.raw"] in ("100", 100)

        page.goto(base_url + "/dashboard/")
        card = page.locator(".card").filter(has_text="An toàn điện cơ bản")
        expect(card.locator(".badge.status-passed")).to_be_visible()
        expect(card).to_contain_text("100%")
        screenshot(page, "demo-dashboard-passed-phone")
        assert_accessible(page, "the learner's dashboard with courseware progress")

    course = CoursePage.objects.ancestor_of(lesson).get()
    with _tab(chromium, DESKTOP) as page:
        _log_in(page, base_url, f"{code}-teacher", f"/teach/courses/{course.pk}/")
        table = page.locator(".progress-table")
        expect(table.get_by_role("columnheader")).to_contain_text(["An toàn điện cơ bản"])
        row = table.get_by_role("row").filter(has_text=learner_id)
        expect(row.locator(".badge.status-passed")).to_have_count(1)
        expect(row).to_contain_text("100%")
        screenshot(page, "demo-teacher-progress-desktop")
        assert_accessible(page, "the teacher's progress table")


def test_demo_scorm2004_course_unlocks_its_test_by_sequencing_and_rolls_up(
    chromium, demo, base_url
):
    code, _lesson = demo
    lesson = _lesson_with("Đo lường điện")
    learner = f"{code}-hv2"
    with _tab(chromium, DESKTOP) as page:
        _log_in(page, base_url, learner, lesson.url)
        page.locator(".courseware-block button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/courseware/play/"))
        toc = page.locator("#toc")
        # The test is disabled until both lessons are done (a precondition on a global objective).
        expect(toc.get_by_role("button", name=re.compile("Kiểm tra"))).to_be_disabled()
        for document in ("bai1.html", "bai2.html"):
            sco = _sco(page, document, "#next")
            sco.locator("#next").click()  # page 2: the lesson is completed and passed
            expect(sco.locator("#next")).to_have_text("Bài tiếp theo")
            sco.locator("#next").click()  # adl.nav.request = continue, then Terminate
        test = _sco(page, "kiemtra.html", "#quiz")
        expect(toc.get_by_role("button", name=re.compile("Kiểm tra"))).to_be_enabled()
        test.locator("input[name=q1][value=a]").check()
        test.locator("input[name=q2][value=b]").check()
        test.get_by_role("button", name="Nộp bài").click()
        expect(test.locator("#result")).to_contain_text("2/2")
        expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
        screenshot(page, "demo-scorm2004-test-passed-desktop")

        deadline = time.monotonic() + 10
        placement_rows = CoursewareProgress.objects.filter(learner__username=learner)
        while not placement_rows.filter(completion_status="completed").exists():
            assert time.monotonic() < deadline, list(placement_rows.values())
            time.sleep(0.1)
        row = placement_rows.get()
        assert (row.completion_status, row.success_status) == ("completed", "passed")
