"""abandoned (a new launch, or staff ending a session) and waived (staff), with tenancy."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from courseware.cmi5 import services as cmi5
from courseware.models import Attempt, Cmi5AuState, Cmi5Session
from lms.models import CoursewareProgress
from lrs import cmi5 as rules
from lrs.models import Statement

from .conftest import aus


def test_a_new_launch_abandons_the_open_session(course, launch):
    result = course()
    first = launch(result).start()
    launch(result)
    abandoned = Statement.objects.get(verb_id=rules.ABANDONED)
    payload = abandoned.payload
    assert payload["context"]["extensions"][rules.EXT_SESSION] == first.session_id
    assert payload["object"]["id"] == first.activity_id
    assert payload["actor"] == first.actor
    assert "duration" in payload["result"]
    assert {"id": rules.CATEGORY_CMI5} in payload["context"]["contextActivities"]["category"]
    statuses = sorted(Cmi5Session.objects.values_list("status", flat=True))
    assert statuses == ["abandoned", "open"]


def test_a_terminated_session_is_not_abandoned(course, launch):
    result = course()
    first = launch(result).start()
    assert first.send(first.statement(rules.TERMINATED)).status_code == 200
    assert Cmi5Session.objects.get().status == "terminated"
    launch(result)
    assert not Statement.objects.filter(verb_id=rules.ABANDONED).exists()


def test_staff_abandon_a_session_and_its_credentials_stop(school, course, launch):
    _i, teacher, learner, _o = school
    au = launch(course()).start()
    session = Cmi5Session.objects.get()
    with pytest.raises(PermissionDenied):
        cmi5.cmi5_session_abandon(actor=learner, session_id=session.pk)
    cmi5.cmi5_session_abandon(actor=teacher, session_id=session.pk)
    assert Statement.objects.filter(verb_id=rules.ABANDONED).count() == 1
    response = au.send(au.statement(rules.COMPLETED, moveon=True, completion=True))
    assert response.status_code == 401
    with pytest.raises(ValidationError):
        cmi5.cmi5_session_abandon(actor=teacher, session_id=session.pk)


def test_staff_of_another_institution_cannot_abandon(school_b, course, launch):
    _i, other_teacher, _l, _o = school_b
    launch(course()).start()
    with pytest.raises(PermissionDenied):
        cmi5.cmi5_session_abandon(actor=other_teacher, session_id=Cmi5Session.objects.get().pk)
    assert Cmi5Session.objects.get().status == "open"


def test_waive_satisfies_the_au_and_the_course(
    school, course, launch, django_capture_on_commit_callbacks
):
    _i, teacher, learner, _o = school
    result = course(move_on="Passed")
    au = launch(result).start()
    attempt = Attempt.objects.get()
    with pytest.raises(PermissionDenied):
        cmi5.cmi5_au_waive(
            actor=learner, attempt=attempt, activity=aus(result.version)[0], reason="Tested Out"
        )
    with pytest.raises(ValidationError):
        cmi5.cmi5_au_waive(
            actor=teacher, attempt=attempt, activity=aus(result.version)[0], reason="Because"
        )
    with django_capture_on_commit_callbacks(execute=True):
        cmi5.cmi5_au_waive(
            actor=teacher, attempt=attempt, activity=aus(result.version)[0], reason="Administrative"
        )
    waived = Statement.objects.get(verb_id=rules.WAIVED).payload
    assert waived["result"]["success"] is True
    assert waived["result"]["completion"] is True
    assert waived["result"]["extensions"][rules.EXT_REASON] == "Administrative"
    assert {"id": rules.CATEGORY_MOVEON} in waived["context"]["contextActivities"]["category"]
    assert waived["object"]["id"] == au.activity_id
    assert Cmi5AuState.objects.get(activity=aus(result.version)[0]).satisfied
    course_satisfied = [
        s.payload["object"]["definition"]["type"]
        for s in Statement.objects.filter(verb_id=rules.SATISFIED)
    ]
    assert course_satisfied.count("https://w3id.org/xapi/cmi5/activitytype/course") == 1
    assert CoursewareProgress.objects.get(learner=learner).completion_status == "completed"
    with pytest.raises(ValidationError):  # a satisfied AU is not waived again
        cmi5.cmi5_au_waive(
            actor=teacher, attempt=attempt, activity=aus(result.version)[0], reason="Tested Out"
        )


def test_staff_of_another_institution_cannot_waive(school_b, course, launch):
    _i, other_teacher, _l, _o = school_b
    result = course(move_on="Passed")
    launch(result)
    with pytest.raises(PermissionDenied):
        cmi5.cmi5_au_waive(
            actor=other_teacher,
            attempt=Attempt.objects.get(),
            activity=aus(result.version)[0],
            reason="Administrative",
        )
    assert not Statement.objects.filter(verb_id=rules.WAIVED).exists()


def test_only_the_attempts_learner_launches(school, course, open_attempt):
    _i, _t, _learner, other = school
    result = course()
    attempt = open_attempt(result)
    with pytest.raises(PermissionDenied):
        cmi5.cmi5_launch(
            learner=other,
            attempt=attempt,
            activity=aus(result.version)[0],
            platform_origin="http://testserver",
            return_url="http://testserver/",
        )


def test_credentials_write_only_their_learner_and_registration(school, course, launch):
    _i, _t, _learner, other = school
    result = course()
    mine = launch(result).start()
    theirs = launch(result, user=other).start()
    # The other learner's statement sent with my credentials: the launch bounds refuse it.
    statement = theirs.statement(rules.COMPLETED, moveon=True, completion=True)
    assert mine.send(statement).status_code == 403
    assert not Statement.objects.filter(verb_id=rules.COMPLETED).exists()


def test_launch_credentials_do_not_read_another_institutions_launch_data(
    school_b, course, launch, imported
):
    au = launch(course()).start()
    # Another institution's LRS namespace never holds this LaunchData.
    _i, _t, _l, _o = school_b
    from lrs.models import Document

    assert Document.objects.filter(document_id=rules.LAUNCH_DATA).count() == 1
    assert Document.objects.get(document_id=rules.LAUNCH_DATA).institution_id == (
        Attempt.objects.get().institution_id
    )
    assert au.read_launch_data()["launchMode"] == "Normal"
