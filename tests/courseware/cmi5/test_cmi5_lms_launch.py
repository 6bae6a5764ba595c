"""The lesson's launch (lms's one access decision) hands an enrolled learner the AU itself."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from courseware.models import Cmi5Session
from courseware.services import package_import
from lms import services as lms_services
from lms.models import LessonPage
from tests import factories
from tests.courseware.packages import zip_bytes

from .conftest import course_files


def _place(tenant) -> tuple[LessonPage, str]:
    result = package_import(
        actor=tenant.teacher,
        institution=tenant.institution,
        file=io.BytesIO(zip_bytes(course_files())),
    )
    lesson = LessonPage.objects.descendant_of(tenant.course).live().first()
    lesson.body = json.dumps(
        [
            {
                "type": "courseware",
                "value": {
                    "package": result.package.pk,
                    "item": "https://taynghe.example/au/t2",
                    "version": result.version.number,
                    "display": "embedded",
                },
            }
        ]
    )
    lesson.save_revision().publish()
    lesson = LessonPage.objects.get(pk=lesson.pk)
    block_id = lesson.body[0].id
    url = reverse("lms:courseware_launch", kwargs={"page_id": lesson.pk, "block_id": block_id})
    return lesson, url


def test_an_enrolled_learner_is_sent_to_the_au_with_the_launch_parameters(
    client, tenant_a, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    _lesson, url = _place(tenant_a)
    lms_services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    client.force_login(tenant_a.learner)
    response = client.post(url)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    # The block names the remote AU of the block: it opens at its own address.
    assert (
        f"{target.scheme}://{target.netloc}{target.path}" == "https://content.taynghe.example/au2/"
    )
    query = parse_qs(target.query)
    assert {"endpoint", "fetch", "actor", "registration", "activityId"} <= set(query)
    session = Cmi5Session.objects.get()
    assert query["registration"] == [str(session.attempt_id)]
    assert session.activity.identifier == "https://taynghe.example/au/t2"


def test_a_learner_of_another_institution_is_refused(
    client, tenant_a, tenant_b, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    _lesson, url = _place(tenant_a)
    client.force_login(tenant_b.learner)
    assert client.post(url).status_code == 403
    stranger = factories.make_learner(tenant_a.institution, "aaa-not-enrolled")
    client.force_login(stranger)
    assert client.post(url).status_code == 403
    assert not Cmi5Session.objects.exists()
