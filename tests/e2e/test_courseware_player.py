"""SCORM packages played end to end in the real Chromium, through the lesson and the player.

The SCOs' own JavaScript finds the API in its parent frame (the launcher, on the content
origin) and calls it; the test then reads what the server stored, resumes on another device
(a second browser context) and checks the exact location and suspend data come back.
"""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from playwright.sync_api import Page, expect

from courseware.models import Activity, Attempt, CmiRecord
from courseware.services import package_import
from lms import services as lms_services
from lms.models import LessonPage
from tests.courseware.delivery.scos import scorm12_playable, scorm2004_two_scos
from tests.courseware.packages import zip_bytes

from .conftest import DESKTOP, PHONE, _tab
from .helpers import assert_accessible, assert_fits_width, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SUSPEND_12 = "s" * 5000 + "|end-of-1.2"  # past SCORM 1.2's 4096 characters
SUSPEND_2004 = "t" * 20000 + "|end-of-2004"


@pytest.fixture(autouse=True)
def _package_files(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "files")


def place(platform, files: dict, title: str) -> LessonPage:
    """Import a package as the teacher and put it in the course's lesson."""
    result = package_import(
        actor=platform.teacher,
        institution=platform.institution,
        file=io.BytesIO(zip_bytes(files)),
        title=title,
    )
    lesson = LessonPage.objects.descendant_of(platform.course).live().first()
    lesson.body = json.dumps(
        [
            {"type": "paragraph", "value": "<p>Học phần thực hành</p>"},
            {
                "type": "courseware",
                "value": {
                    "package": result.package.pk,
                    "item": "",
                    "version": result.version.number,
                    "display": "embedded",
                },
            },
        ]
    )
    lesson.save_revision().publish()
    return LessonPage.objects.get(pk=lesson.pk)


def sco_frame(page: Page, path_part: str):
    """The SCO's frame (nested in the launcher frame) once its script has run."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "/courseware/content/" in frame.url and path_part in frame.url:
                try:
                    state = frame.evaluate("document.getElementById('state').textContent")
                except Exception:  # the frame is still navigating
                    state = "loading"
                if state and state != "loading":
                    return frame, json.loads(state)
        page.wait_for_timeout(100)
    raise AssertionError(f"no SCO frame for {path_part}: {[f.url for f in page.frames]}")


def wait_for(condition, message: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(message)


def start_from_lesson(page: Page, base_url: str, lesson: LessonPage, username: str, button: str):
    page.goto(base_url + lesson.url)
    page.get_by_role("link", name=re.compile("Đăng nhập|Log in")).first.click()
    log_in(page, username)
    page.goto(base_url + lesson.url)
    page.locator(".courseware-block button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/courseware/play/"))
    expect(page.locator(".courseware-block, #player")).to_be_visible()
    return page


def test_scorm12_plays_saves_and_resumes_on_another_device(chromium, platform, base_url):
    lesson = place(platform, scorm12_playable(), "An toàn điện (SCORM 1.2)")
    lms_services.enrolment_self_enrol(learner=platform.learner, course=platform.course)

    with _tab(chromium, DESKTOP) as page:
        start_from_lesson(page, base_url, lesson, platform.learner.username, "Start")
        frame, state = sco_frame(page, "index.html")
        assert state["started"] is True
        assert state["entry"] == "ab-initio"
        # The content origin is the other loopback name: the SCO is not on the platform's origin.
        assert frame.url.split("/courseware/")[0] != base_url
        assert (
            frame.evaluate(
                "learnerSaves(arguments[0], arguments[1], 85, 'passed')".replace(
                    "arguments[0], arguments[1]",
                    json.dumps("trang-7") + "," + json.dumps(SUSPEND_12),
                )
            )
            == "true"
        )
        expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
        screenshot(page, "courseware-player-scorm12-desktop")
        assert frame.evaluate("learnerLeaves()") == "true"

    attempt = Attempt.objects.get(learner=platform.learner)
    record = wait_for(
        lambda: CmiRecord.objects.filter(attempt=attempt, seq__gt=0).first(),
        "nothing was stored",
    )
    assert record.data["cmi.core.lesson_location"] == "trang-7"
    assert record.data["cmi.suspend_data"] == SUSPEND_12
    wait_for(
        lambda: Attempt.objects.get(pk=attempt.pk).success_status == "passed",
        "the attempt did not roll up to passed",
    )
    attempt.refresh_from_db()
    assert attempt.score_scaled == pytest.approx(0.85)

    # Another device: a fresh browser context, the same learner.
    with _tab(chromium, DESKTOP) as other:
        start_from_lesson(other, base_url, lesson, platform.learner.username, "Resume")
        _frame, resumed = sco_frame(other, "index.html")
        assert resumed["entry"] == "resume"
        assert resumed["location"] == "trang-7"
        assert resumed["suspendLength"] == len(SUSPEND_12)
        assert resumed["suspendTail"] == SUSPEND_12[-12:]


def test_scorm2004_navigates_with_continue_and_previous(chromium, platform, base_url):
    lesson = place(platform, scorm2004_two_scos(), "Hàn cơ bản (SCORM 2004)")
    lms_services.enrolment_self_enrol(learner=platform.learner, course=platform.course)
    first = Activity.objects.get(identifier="SCO1")

    with _tab(chromium, DESKTOP) as page:
        start_from_lesson(page, base_url, lesson, platform.learner.username, "Start")
        frame, state = sco_frame(page, "one/index.html")
        assert state["started"] is True
        saved = frame.evaluate(
            f"learnerSaves('muc-3', {json.dumps(SUSPEND_2004)}, 0.9, 'completed', 'passed')"
        )
        assert saved == "true"
        expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
        # The SCO asks for the next activity itself (adl.nav.request), as 2004 content does.
        frame.evaluate("learnerNavigates('continue')")
        _frame2, second = sco_frame(page, "two/index.html")
        assert second["started"] is True
        expect(page.locator("#toc button[aria-current=true]")).to_contain_text("Bài 2")
        screenshot(page, "courseware-player-scorm2004-desktop")
        # The player's own Previous button goes back; the first SCO resumes where it was.
        page.locator("#nav-previous").click()
        _frame1, back = sco_frame(page, "one/index.html")
        assert back["location"] == "muc-3"
        assert back["suspendTail"] == SUSPEND_2004[-12:]

    record = CmiRecord.objects.get(activity=first)
    assert record.data["cmi.suspend_data"] == SUSPEND_2004
    assert record.completion_status == "completed"


def test_the_player_works_on_a_phone_and_passes_axe(chromium, platform, base_url):
    lesson = place(platform, scorm2004_two_scos(), "Hàn cơ bản (SCORM 2004)")
    lms_services.enrolment_self_enrol(learner=platform.learner, course=platform.course)
    with _tab(chromium, PHONE) as page:
        page.goto(base_url + lesson.url)
        page.get_by_role("link", name=re.compile("Đăng nhập|Log in")).first.click()
        log_in(page, platform.learner.username)
        page.goto(base_url + lesson.url)
        expect(page.locator(".courseware-block")).to_contain_text("Hàn cơ bản")
        screenshot(page, "courseware-lesson-block-phone")
        assert_accessible(page, "a lesson with a courseware block (phone)")
        page.locator(".courseware-block button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/courseware/play/"))
        sco_frame(page, "one/index.html")
        expect(page.locator("#toc")).to_contain_text("Bài 1")
        screenshot(page, "courseware-player-phone")
        assert_fits_width(page, "the courseware player")
        assert_accessible(page, "the courseware player (phone)")


def test_without_a_content_origin_the_runtime_runs_inside_the_opaque_sco(
    chromium, platform, base_url, monkeypatch
):
    # A host that is neither configured nor a loopback name: the opaque fallback.
    monkeypatch.setattr("courseware.origins.LOOPBACK_PAIRS", {})
    lesson = place(platform, scorm12_playable(), "An toàn điện (SCORM 1.2)")
    lms_services.enrolment_self_enrol(learner=platform.learner, course=platform.course)
    with _tab(chromium, DESKTOP) as page:
        start_from_lesson(page, base_url, lesson, platform.learner.username, "Start")
        frame, state = sco_frame(page, "index.html")
        assert state["started"] is True
        assert "tn_launch=" in frame.url
        # Served from the platform's host, yet the SCO's origin is opaque: no cookie, no DOM.
        assert frame.url.startswith(base_url)
        assert frame.evaluate("window.origin") == "null"
        assert frame.evaluate(
            "(() => { try { return document.cookie; } catch (e) { return 'blocked'; } })()"
        ) in {"", "blocked"}
        saved = frame.evaluate(f"learnerSaves('trang-2', {json.dumps(SUSPEND_12)}, 40, 'failed')")
        assert saved == "true"
        expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
        screenshot(page, "courseware-player-opaque-fallback-desktop")
    record = CmiRecord.objects.get(attempt__learner=platform.learner)
    assert record.data["cmi.core.lesson_location"] == "trang-2"
    assert record.data["cmi.suspend_data"] == SUSPEND_12


def test_two_tabs_on_one_attempt_never_lose_the_newer_data(chromium, platform, base_url):
    lesson = place(platform, scorm12_playable(), "An toàn điện (SCORM 1.2)")
    lms_services.enrolment_self_enrol(learner=platform.learner, course=platform.course)
    with _tab(chromium, DESKTOP) as first:
        start_from_lesson(first, base_url, lesson, platform.learner.username, "Start")
        first_frame, _state = sco_frame(first, "index.html")
        # The same learner opens the activity again in a second tab (same browser session).
        second = first.context.new_page()
        second.goto(base_url + lesson.url)
        second.locator(".courseware-block button[type=submit]").click()
        second_frame, _state = sco_frame(second, "index.html")

        assert second_frame.evaluate("learnerSaves('tab-2', 'newer', 60, 'incomplete')") == "true"
        expect(second.locator("#save-status")).to_have_attribute("data-state", "saved")
        # The first tab loaded before that commit: its data is older and is refused…
        first_frame.evaluate("learnerSaves('tab-1', 'older', 10, 'incomplete')")
        expect(first.locator("#save-status")).to_have_attribute("data-state", "stale")
        screenshot(first, "courseware-player-stale-tab-desktop")
        # …and so is anything it commits later, which would otherwise overwrite tab 2.
        first_frame.evaluate("learnerSaves('tab-1-later', 'older', 10, 'incomplete')")
        first.wait_for_timeout(500)
        record = CmiRecord.objects.get(attempt__learner=platform.learner)
        assert record.data["cmi.core.lesson_location"] == "tab-2"
        assert record.data["cmi.suspend_data"] == "newer"

        # Reloading the first tab resumes from the newer state.
        first.reload()
        _frame, resumed = sco_frame(first, "index.html")
        assert resumed["location"] == "tab-2"


def test_scorm2004_choice_and_suspend_all_from_the_sco(chromium, platform, base_url):
    lesson = place(platform, scorm2004_two_scos(), "Hàn cơ bản (SCORM 2004)")
    lms_services.enrolment_self_enrol(learner=platform.learner, course=platform.course)
    with _tab(chromium, DESKTOP) as page:
        start_from_lesson(page, base_url, lesson, platform.learner.username, "Start")
        frame, _state = sco_frame(page, "one/index.html")
        frame.evaluate("learnerNavigates('{target=SCO2}choice')")
        frame2, second = sco_frame(page, "two/index.html")
        assert second["started"] is True
        frame2.evaluate("learnerSaves('buoc-4', 'giua-chung', 0.5, 'incomplete', 'unknown')")
        expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
        # suspendAll: the attempt is suspended and the learner is back in the lesson.
        frame2.evaluate("learnerNavigates('suspendAll')")
        expect(page).to_have_url(base_url + lesson.url)
        # Resuming delivers the suspended activity with its data.
        page.locator(".courseware-block button[type=submit]").click()
        _frame, resumed = sco_frame(page, "two/index.html")
        assert resumed["entry"] == "resume"
        assert resumed["location"] == "buoc-4"
