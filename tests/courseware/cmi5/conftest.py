"""A cmi5 course imported, a learner's registration, and an AU that talks to the real LRS."""

from __future__ import annotations

import base64
import json
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, TestCase

from courseware import api
from courseware.cmi5 import services as cmi5
from courseware.models import Activity
from lrs import cmi5 as rules
from tests.courseware.runtime import conftest as runtime

# The runtime tests' people and import helpers, shared.
school = runtime.school
school_b = runtime.school_b
imported = runtime.imported
open_attempt = runtime.open_attempt

PLATFORM = "http://testserver"

STRUCTURE = """<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://taynghe.example/course/t">
    <title><langstring lang="vi-VN">Khóa cmi5</langstring></title>
    <description><langstring lang="vi-VN">Mô tả</langstring></description>
  </course>
  <au id="https://taynghe.example/au/t1" moveOn="{move_on}" {mastery}>
    <title><langstring lang="vi-VN">Bài 1</langstring></title>
    <description><langstring lang="vi-VN">AU 1</langstring></description>
    <url>au1/index.html?paramA=1</url>
    <launchParameters>{{"mode": "practice"}}</launchParameters>
  </au>
  <block id="https://taynghe.example/block/t">
    <title><langstring lang="vi-VN">Phần 2</langstring></title>
    <description><langstring lang="vi-VN">Khối</langstring></description>
    <au id="https://taynghe.example/au/t2" moveOn="{second_move_on}">
      <title><langstring lang="vi-VN">Bài 2</langstring></title>
      <description><langstring lang="vi-VN">AU 2</langstring></description>
      <url>https://content.taynghe.example/au2/</url>
    </au>
  </block>
</courseStructure>"""


def course_files(
    move_on="CompletedAndPassed", mastery="0.7", second_move_on="NotApplicable"
) -> dict:
    mastery_attr = f'masteryScore="{mastery}"' if mastery else ""
    return {
        "cmi5.xml": STRUCTURE.format(
            move_on=move_on, mastery=mastery_attr, second_move_on=second_move_on
        ),
        "au1/index.html": "<!doctype html><title>AU</title>",
    }


def aus(version) -> list[Activity]:
    return list(Activity.objects.filter(version=version, is_launchable=True).order_by("sort_order"))


class AU:
    """An AU as a browser runs it: read the launch URL, fetch the token, talk to the LRS."""

    def __init__(self, url: str):
        self.url = url
        query = parse_qs(urlsplit(url).query)
        self.params = {name: values[0] for name, values in query.items()}
        self.actor = json.loads(self.params["actor"])
        self.registration = self.params["registration"]
        self.activity_id = self.params["activityId"]
        self.client = Client()
        self.auth = ""
        self.launch_data: dict = {}

    @property
    def fetch_path(self) -> str:
        return urlsplit(self.params["fetch"]).path

    @property
    def endpoint_path(self) -> str:
        return urlsplit(self.params["endpoint"]).path + "/"

    def fetch(self):
        response = self.client.post(self.fetch_path)
        body = response.json()
        if "auth-token" in body:
            self.auth = "Basic " + body["auth-token"]
        return response

    def headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": self.auth, "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}

    def read_launch_data(self) -> dict:
        response = self.client.get(
            self.endpoint_path + "activities/state",
            {
                "activityId": self.activity_id,
                "agent": json.dumps(self.actor),
                "registration": self.registration,
                "stateId": "LMS.LaunchData",
            },
            **self.headers(),
        )
        assert response.status_code == 200, response.content
        self.launch_data = response.json()
        return self.launch_data

    @property
    def session_id(self) -> str:
        return self.launch_data["contextTemplate"]["extensions"][rules.EXT_SESSION]

    def statement(self, verb: str, *, defined=True, moveon=False, **result) -> dict:
        categories = []
        if defined:
            categories.append({"id": rules.CATEGORY_CMI5})
        if moveon:
            categories.append({"id": rules.CATEGORY_MOVEON})
        context = {
            "registration": self.registration,
            "contextActivities": {
                **self.launch_data["contextTemplate"]["contextActivities"],
                **({"category": categories} if categories else {}),
            },
            "extensions": dict(self.launch_data["contextTemplate"]["extensions"]),
        }
        if verb in (rules.PASSED, rules.FAILED) and "masteryScore" in self.launch_data:
            context["extensions"][rules.EXT_MASTERY] = self.launch_data["masteryScore"]
        if verb in (rules.COMPLETED, rules.PASSED, rules.FAILED, rules.TERMINATED):
            result = {"duration": "PT1M", **result}
        statement = {
            "id": str(uuid.uuid4()),
            "timestamp": "2026-12-05T02:00:00.000Z",
            "actor": self.actor,
            "verb": {"id": verb},
            "object": {"objectType": "Activity", "id": self.activity_id},
            "context": context,
        }
        if result:
            statement["result"] = result
        return statement

    def read_preferences(self):
        return self.client.get(
            self.endpoint_path + "agents/profile",
            {"profileId": "cmi5LearnerPreferences", "agent": json.dumps(self.actor)},
            **self.headers(),
        )

    def send(self, statement: dict | list):
        # On-commit callbacks run as each request ends, as they do outside a test transaction.
        with TestCase.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                self.endpoint_path + "statements",
                data=json.dumps(statement),
                content_type="application/json",
                **self.headers(),
            )

    def start(self):
        """Fetch, read LaunchData and send initialized (asserting each step)."""
        assert self.fetch().status_code == 200 and self.auth
        self.read_launch_data()
        assert self.read_preferences().status_code == 404
        response = self.send(self.statement(rules.INITIALIZED))
        assert response.status_code == 200, response.content
        return self


@pytest.fixture
def course(imported):
    """Import a cmi5 course (moveOn variants as keyword arguments)."""

    def run(**kwargs):
        return imported(course_files(**kwargs))

    return run


@pytest.fixture
def launch(school, open_attempt, django_capture_on_commit_callbacks):
    """Launch an AU of an imported course for the learner; returns an AU driver."""
    _institution, _teacher, learner, _other = school

    def run(result, index=0, *, attempt=None, user=None, mode="Normal"):
        attempt = attempt or open_attempt(result, user=user)
        activity = aus(result.version)[index]
        with django_capture_on_commit_callbacks(execute=True):
            _session, url = cmi5.cmi5_launch(
                learner=user or learner,
                attempt=attempt,
                activity=activity,
                platform_origin=PLATFORM,
                return_url=PLATFORM + "/lesson/",
                launch_mode=mode,
            )
        return AU(url)

    return run


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


__all__ = ["AU", "api"]
