"""Host separation, the launcher and player pages, the lesson block and the lms launch."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.exceptions import ValidationError

from courseware import api
from courseware.models import Attempt
from courseware.services import package_import, package_version_add
from lms.blocks import CoursewareBlock
from lms.models import LessonPage
from tests.courseware.packages import scorm12_single, zip_bytes

from .scos import scorm12_playable

pytestmark = pytest.mark.django_db

CONTENT = "http://content.example.org"


@pytest.fixture
def imported(tenant_a):
    return package_import(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        file=io.BytesIO(zip_bytes(scorm12_playable())),
        title="Gói A",
    )


@pytest.fixture
def separate_origin(settings):
    settings.TAYNGHE_CONTENT_ORIGIN = CONTENT
    settings.ALLOWED_HOSTS = ["testserver", "content.example.org"]


def preview_token(user, version, origin="http://testserver"):
    return api.launch_token(learner_id=user.pk, version_id=version.pk, platform_origin=origin)


# Hosts


@pytest.mark.parametrize("path", ["/", "/admin/", "/en/", "/dashboard/", "/api/v1/"])
def test_platform_pages_refuse_the_content_host(client, separate_origin, path):
    assert client.get(path, HTTP_HOST="content.example.org").status_code == 404


def test_runtime_and_player_are_not_on_the_content_host(
    client, separate_origin, tenant_a, imported
):
    token = preview_token(tenant_a.teacher, imported.version)
    for path in [f"/courseware/rt/{token}/nav", f"/courseware/play/{token}/"]:
        assert client.get(path, HTTP_HOST="content.example.org").status_code == 404


def test_content_is_served_only_on_the_content_host(client, separate_origin, tenant_a, imported):
    token = preview_token(tenant_a.teacher, imported.version)
    path = f"/courseware/content/{token}/index.html"
    assert client.get(path).status_code == 404  # the platform's host
    response = client.get(path, HTTP_HOST="content.example.org")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "allow-same-origin" in csp  # safe: the content origin is not the platform's
    assert f"frame-ancestors http://testserver {CONTENT}" in csp
    assert not response.cookies


def test_on_a_laptop_content_runs_on_the_other_loopback_name(client, tenant_a, imported):
    token = preview_token(tenant_a.teacher, imported.version, origin="http://localhost:8000")
    path = f"/courseware/content/{token}/index.html"
    assert client.get(path, HTTP_HOST="localhost:8000").status_code == 404
    response = client.get(path, HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert (
        "frame-ancestors http://localhost:8000 http://127.0.0.1:8000"
        in (response["Content-Security-Policy"])
    )


def test_the_deploy_settings_allow_the_content_host(monkeypatch):
    from config import env

    assert env.origin_hosts("https://content.example.org") == ["content.example.org"]
    assert env.origin_hosts("") == []


# Launcher


def test_the_launcher_holds_the_runtime_and_points_at_both_origins(
    client, separate_origin, tenant_a, imported
):
    activity = imported.version.activities.get(is_launchable=True)
    token = preview_token(tenant_a.teacher, imported.version)
    path = f"/courseware/launch/{token}/{activity.pk}"
    assert client.get(path).status_code == 404  # not on the platform's host
    response = client.get(path, HTTP_HOST="content.example.org")
    assert response.status_code == 200
    html = response.content.decode()
    config = json.loads(
        re.search(r'id="tn-launch" type="application/json">(.*?)</script>', html).group(1)
    )
    assert config["standard"] == "scorm12"
    assert config["preview"] is True and config["runtimeUrl"] == ""
    assert config["scoUrl"].startswith(f"{CONTENT}/courseware/content/{token}/index.html")
    assert config["platformOrigin"] == "http://testserver"
    assert "courseware/vendor/scorm12.min.js" in html
    assert "X-Frame-Options" not in response
    assert "frame-ancestors http://testserver" in response["Content-Security-Policy"]
    assert not response.cookies


def test_the_launcher_refuses_an_activity_of_another_version(client, tenant_a, tenant_b, imported):
    other = package_import(
        actor=tenant_b.teacher,
        institution=tenant_b.institution,
        file=io.BytesIO(zip_bytes(scorm12_single())),
    )
    foreign = other.version.activities.get(is_launchable=True)
    token = preview_token(tenant_a.teacher, imported.version)
    assert client.get(f"/courseware/launch/{token}/{foreign.pk}").status_code == 404
    assert client.get(f"/courseware/launch/bad-token/{foreign.pk}").status_code == 403


# Player


def test_the_player_needs_the_tokens_own_user(client, tenant_a, imported):
    token = preview_token(tenant_a.teacher, imported.version)
    url = f"/courseware/play/{token}/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(tenant_a.learner)
    assert client.get(url).status_code == 403
    client.force_login(tenant_a.teacher)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    # "testserver" has no content origin: the opaque sandbox, and a notice for staff.
    assert 'sandbox="allow-scripts allow-forms' in html
    assert "allow-same-origin" not in html.split('id="launcher"')[1].split(">")[0]
    assert "TAYNGHE_CONTENT_ORIGIN" in html


def test_a_token_made_on_another_origin_does_not_open_the_player(client, tenant_a, imported):
    token = preview_token(tenant_a.teacher, imported.version, origin="https://elsewhere.example")
    client.force_login(tenant_a.teacher)
    assert client.get(f"/courseware/play/{token}/").status_code == 403


def test_author_preview_is_for_the_packages_institution(client, tenant_a, tenant_b, imported):
    url = f"/courseware/preview/{imported.version.pk}/"
    client.force_login(tenant_b.teacher)
    assert client.get(url).status_code == 404
    client.force_login(tenant_a.learner)
    assert client.get(url).status_code == 404
    client.force_login(tenant_a.teacher)
    assert client.get(url).status_code == 200


# The lesson block and the launch


def lesson_with_block(tenant, package, version=None, item="") -> tuple[LessonPage, str]:
    lesson = LessonPage.objects.descendant_of(tenant.course).first()
    lesson.body = json.dumps(
        [
            {
                "type": "courseware",
                "id": "b1",
                "value": {
                    "package": package.pk,
                    "item": item,
                    "version": version,
                    "display": "embedded",
                },
            }
        ]
    )
    lesson.save_revision().publish()
    return LessonPage.objects.get(pk=lesson.pk), "b1"


def launch(client, lesson, block_id):
    return client.post(f"/lessons/{lesson.pk}/courseware/{block_id}/")


def test_an_enrolled_learner_gets_an_attempt_and_the_player(client, tenant_a, imported):
    from lms import services

    lesson, block = lesson_with_block(tenant_a, imported.package, 1)
    services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    client.force_login(tenant_a.learner)
    response = launch(client, lesson, block)
    assert response.status_code == 302
    assert response["Location"].startswith("/courseware/play/")
    attempt = Attempt.objects.get(learner=tenant_a.learner)
    assert attempt.placement == f"lesson:{lesson.pk}:{block}"
    assert client.get(response["Location"]).status_code == 200
    # Launching again resumes the same attempt.
    launch(client, lesson, block)
    assert Attempt.objects.filter(learner=tenant_a.learner).count() == 1
    assert client.get(f"/lessons/{lesson.pk}/courseware/{block}/").status_code == 405


def test_learners_not_enrolled_are_refused(client, tenant_a, tenant_b, imported):
    lesson, block = lesson_with_block(tenant_a, imported.package, 1)
    for user in (tenant_a.learner, tenant_b.learner, tenant_b.teacher):
        client.force_login(user)
        assert launch(client, lesson, block).status_code == 403
    assert not Attempt.objects.exists()
    client.logout()
    assert launch(client, lesson, block).status_code == 302  # to the login page
    assert launch(client, lesson, "no-such-block").status_code == 302


def test_staff_get_a_preview_without_an_attempt(client, tenant_a, imported):
    lesson, block = lesson_with_block(tenant_a, imported.package, 1)
    client.force_login(tenant_a.teacher)
    response = launch(client, lesson, block)
    assert response.status_code == 302
    assert not Attempt.objects.exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert '"preview": true' in page.content.decode()


def test_another_institutions_package_cannot_be_launched(client, tenant_a, tenant_b):
    from lms import services

    foreign = package_import(
        actor=tenant_b.teacher,
        institution=tenant_b.institution,
        file=io.BytesIO(zip_bytes(scorm12_single())),
    )
    lesson, block = lesson_with_block(tenant_a, foreign.package, 1)
    services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    client.force_login(tenant_a.learner)
    assert launch(client, lesson, block).status_code == 403


def test_learners_stay_on_their_version_when_the_teacher_moves_the_course(
    client, tenant_a, imported
):
    from lms import services
    from tests import factories

    services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    lesson, block = lesson_with_block(tenant_a, imported.package, 1)
    client.force_login(tenant_a.learner)
    launch(client, lesson, block)
    v2 = package_version_add(
        actor=tenant_a.teacher,
        package=imported.package,
        file=io.BytesIO(zip_bytes(scorm12_playable())),
    )
    lesson, block = lesson_with_block(tenant_a, imported.package, v2.version.number)
    launch(client, lesson, block)
    assert Attempt.objects.get(learner=tenant_a.learner).version.number == 1
    newcomer = factories.make_learner(tenant_a.institution, "newcomer")
    services.enrolment_self_enrol(learner=newcomer, course=tenant_a.course)
    client.force_login(newcomer)
    launch(client, lesson, block)
    assert Attempt.objects.get(learner=newcomer).version.number == 2


def test_the_block_pins_the_latest_version_and_checks_the_item(imported):
    block = CoursewareBlock()
    value = block.to_python({"package": imported.package.pk, "item": "", "version": None})
    assert block.clean(value)["version"] == imported.version.number
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"package": imported.package.pk, "item": "NOPE"}))
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"package": imported.package.pk, "version": 9}))
    item = block.to_python({"package": imported.package.pk, "item": "ITEM1", "version": 1})
    assert block.clean(item)["item"] == "ITEM1"


def test_the_package_chooser_lists_the_editors_institutions_packages(
    client, tenant_a, tenant_b, imported
):
    foreign = package_import(
        actor=tenant_b.teacher,
        institution=tenant_b.institution,
        file=io.BytesIO(zip_bytes(scorm12_single())),
        title="Gói của trường B",
    )
    client.force_login(tenant_a.admin)
    listing = client.get("/admin/courseware_package_chooser/")
    assert listing.status_code == 200
    text = listing.json()["html"]
    assert "Gói A" in text
    assert "Gói của trường B" not in text
    assert (
        client.get(f"/admin/courseware_package_chooser/chosen/{foreign.package.pk}/").status_code
        == 404
    )
    assert (
        client.get(f"/admin/courseware_package_chooser/chosen/{imported.package.pk}/").status_code
        == 200
    )


def test_the_lesson_shows_start_to_learners_and_preview_to_staff(client, tenant_a, imported):
    from lms import services

    lesson, _block = lesson_with_block(tenant_a, imported.package, 1)
    page = client.get(lesson.url)
    assert "courseware-block" in page.content.decode()
    client.force_login(tenant_a.teacher)
    assert "/courseware/b1/" in client.get(lesson.url).content.decode()
    services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    client.force_login(tenant_a.learner)
    html = client.get(lesson.url).content.decode()
    assert f"/lessons/{lesson.pk}/courseware/b1/" in html


# The opaque fallback's injected runtime


def test_the_opaque_launch_document_carries_the_runtime(client, tenant_a, imported):
    activity = imported.version.activities.get(is_launchable=True)
    token = preview_token(tenant_a.teacher, imported.version)  # "testserver": opaque fallback
    launcher = client.get(f"/courseware/launch/{token}/{activity.pk}").content.decode()
    assert '"inject": true' in launcher
    path = f"/courseware/content/{token}/index.html"
    response = client.get(f"{path}?tn_launch={activity.pk}")
    html = response.content.decode()
    head = html.index("<head>") + len("<head>")
    assert html[head:].startswith('<script id="tn-launch" type="application/json">')
    assert "courseware/vendor/scorm12.min.js" in html
    assert html.index("courseware/launcher.js") < html.index('src="sco.js"')
    assert response["Cache-Control"] == "no-store"
    assert "allow-same-origin" not in response["Content-Security-Policy"]
    # Without the marker, or for another file, the file is served as stored.
    plain = b"".join(client.get(path).streaming_content).decode()
    assert "tn-launch" not in plain
    other = client.get(f"/courseware/content/{token}/sco.js?tn_launch={activity.pk}")
    assert b"tn-launch" not in b"".join(other.streaming_content)


def test_nothing_is_injected_when_content_has_its_own_origin(
    client, separate_origin, tenant_a, imported
):
    activity = imported.version.activities.get(is_launchable=True)
    token = preview_token(tenant_a.teacher, imported.version)
    response = client.get(
        f"/courseware/content/{token}/index.html?tn_launch={activity.pk}",
        HTTP_HOST="content.example.org",
    )
    assert b"tn-launch" not in b"".join(response.streaming_content)


def test_the_player_hides_the_controls_a_sco_draws_itself(client, tenant_a):
    from tests.courseware.packages import scorm2004_sequenced

    result = package_import(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        file=io.BytesIO(zip_bytes(scorm2004_sequenced())),
    )
    sco1 = result.version.activities.get(identifier="SCO1")
    client.force_login(tenant_a.teacher)
    html = client.get(f"/courseware/preview/{result.version.pk}/").content.decode()
    config = json.loads(
        re.search(r'id="tn-player" type="application/json">(.*?)</script>', html).group(1)
    )
    assert sorted(config["hideUi"][str(sco1.pk)]) == ["continue", "previous"]
    assert config["identifiers"]["SCO2"] == result.version.activities.get(identifier="SCO2").pk


def test_the_lesson_editor_offers_the_courseware_block(client, tenant_a, imported):
    lesson, _block = lesson_with_block(tenant_a, imported.package, 1)
    client.force_login(tenant_a.admin)
    response = client.get(f"/admin/pages/{lesson.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    # The block's definition (with the scoped chooser) and its saved value reach the editor.
    assert "/admin/courseware_package_chooser/" in html
    assert "G\\u00f3i A" in html or "Gói A" in html
