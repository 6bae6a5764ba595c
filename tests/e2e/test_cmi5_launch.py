"""A cmi5 AU launched from a lesson in the real Chromium: it fetches its token, reads
LMS.LaunchData and the learner preferences, reports initialized, completed, passed and
terminated to the platform's LRS, and the learner's dashboard shows the course passed."""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from playwright.sync_api import expect

from courseware.models import Cmi5Session
from courseware.services import package_import
from lms import services as lms_services
from lms.models import CoursewareProgress, LessonPage
from lrs.models import Statement
from tests.courseware.packages import zip_bytes

from .conftest import PHONE, _tab
from .helpers import assert_accessible, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

STRUCTURE = """<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://taynghe.example/e2e/course">
    <title><langstring lang="vi-VN">Đo điện trở</langstring></title>
    <description><langstring lang="vi-VN">Một AU</langstring></description>
  </course>
  <au id="https://taynghe.example/e2e/au" moveOn="CompletedAndPassed" masteryScore="0.8">
    <title><langstring lang="vi-VN">Bài đo</langstring></title>
    <description><langstring lang="vi-VN">AU</langstring></description>
    <url>au/index.html</url>
  </au>
</courseStructure>"""

# The smallest honest AU: what any cmi5 runtime library does, in plain fetch calls.
AU_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Bài đo</title></head>
<body><main><h1>Bài đo</h1><p id="status">loading</p></main>
<script>
(async () => {
  const status = document.getElementById("status");
  try {
    const q = new URLSearchParams(location.search);
    const endpoint = q.get("endpoint"), actor = JSON.parse(q.get("actor"));
    const registration = q.get("registration"), activityId = q.get("activityId");
    const token = await (await fetch(q.get("fetch"), {method: "POST"})).json();
    const headers = {"Authorization": "Basic " + token["auth-token"],
                     "X-Experience-API-Version": "1.0.3"};
    const state = new URLSearchParams({stateId: "LMS.LaunchData", activityId,
                                       agent: JSON.stringify(actor), registration});
    const launch = await (await fetch(endpoint + "/activities/state?" + state, {headers})).json();
    const prefs = new URLSearchParams({profileId: "cmi5LearnerPreferences",
                                       agent: JSON.stringify(actor)});
    await fetch(endpoint + "/agents/profile?" + prefs, {headers});
    const send = async (verb, result, moveon) => {
      const context = JSON.parse(JSON.stringify(launch.contextTemplate));
      context.registration = registration;
      context.contextActivities.category = [{id: "https://w3id.org/xapi/cmi5/context/categories/cmi5"}];
      if (moveon) context.contextActivities.category.push({id: "https://w3id.org/xapi/cmi5/context/categories/moveon"});
      if (result && result.score) context.extensions["https://w3id.org/xapi/cmi5/context/extensions/masteryscore"] = launch.masteryScore;
      const statement = {id: crypto.randomUUID(), timestamp: new Date().toISOString(), actor,
                         verb: {id: "http://adlnet.gov/expapi/verbs/" + verb},
                         object: {id: activityId}, context};
      if (result) statement.result = result;
      const response = await fetch(endpoint + "/statements?statementId=" + statement.id,
        {method: "PUT", headers: {...headers, "Content-Type": "application/json"},
         body: JSON.stringify(statement)});
      if (response.status !== 204) throw new Error(verb + " " + response.status);
    };
    await send("initialized");
    await send("completed", {completion: true, duration: "PT2M"}, true);
    await send("passed", {success: true, duration: "PT2M", score: {scaled: 0.9}}, true);
    await send("terminated", {duration: "PT2M"});
    status.textContent = "done";
    const back = document.createElement("a");
    back.id = "back"; back.href = launch.returnURL; back.textContent = "Quay lại bài học";
    document.querySelector("main").append(back);
  } catch (error) {
    status.textContent = "error: " + error.message;
  }
})();
</script></body></html>"""


@pytest.fixture(autouse=True)
def _package_files(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "files")


def _place(platform) -> LessonPage:
    result = package_import(
        actor=platform.teacher,
        institution=platform.institution,
        file=io.BytesIO(zip_bytes({"cmi5.xml": STRUCTURE, "au/index.html": AU_PAGE})),
        title="Đo điện trở",
    )
    lesson = LessonPage.objects.descendant_of(platform.course).live().first()
    lesson.body = json.dumps(
        [
            {
                "type": "courseware",
                "value": {
                    "package": result.package.pk,
                    "item": "",
                    "version": result.version.number,
                    "display": "embedded",
                },
            }
        ]
    )
    lesson.save_revision().publish()
    return LessonPage.objects.get(pk=lesson.pk)


def test_a_cmi5_au_reports_to_the_lrs_and_the_dashboard_shows_it_passed(
    chromium, platform, base_url
):
    lesson = _place(platform)
    lms_services.enrolment_self_enrol(learner=platform.learner, course=platform.course)
    with _tab(chromium, PHONE) as page:
        page.goto(base_url + lesson.url)
        page.get_by_role("link", name=re.compile("Đăng nhập|Log in")).first.click()
        log_in(page, platform.learner.username)
        page.goto(base_url + lesson.url)
        page.locator(".courseware-block button[type=submit]").click()
        # The AU opens at its own URL with the cmi5 launch parameters.
        expect(page).to_have_url(re.compile(r"/courseware/content/.*au/index\.html\?.*fetch="))
        expect(page.locator("#status")).to_have_text("done", timeout=15_000)
        screenshot(page, "cmi5-au-done-phone")

        registration = Cmi5Session.objects.get().attempt_id
        verbs = [
            s.verb_id.rsplit("/", 1)[-1]
            for s in Statement.objects.filter(registration=registration).order_by("stored", "pk")
        ]
        assert verbs == [
            "launched",
            "initialized",
            "completed",
            "passed",
            "satisfied",
            "terminated",
        ]
        assert Cmi5Session.objects.get().status == "terminated"
        deadline = time.monotonic() + 10
        while not CoursewareProgress.objects.filter(success_status="passed").exists():
            assert time.monotonic() < deadline, "the satisfied AU never reached lms progress"
            time.sleep(0.1)

        page.locator("#back").click()
        expect(page).to_have_url(re.compile(re.escape(lesson.url) + "$"))
        page.goto(base_url + "/dashboard/")
        card = page.locator(".card").filter(has_text="Đo điện trở")
        expect(card.locator(".badge.status-passed")).to_be_visible()
        screenshot(page, "cmi5-dashboard-passed-phone")
        assert_accessible(page, "the dashboard after a cmi5 AU")
