"""cmi5 loose ends: staff waive an AU or abandon a session from the package's learners screen
(scoped to their institutions), the scheduled expiry of sessions left open, and the AUs' own
time (the duration of `terminated`) in the attempt's total and the learner's progress."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from courseware.cmi5.tasks import cmi5_sessions_expire_task
from courseware.models import Attempt, Cmi5AuState, Cmi5Session
from lms.models import CoursewareProgress
from lrs import cmi5 as rules
from lrs.models import Statement

from .conftest import aus


def _login(client, user):
    """Sign in with the admin's door open (lms gives staff groups this permission), so the
    refusals tested are the screen's own."""
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(user)


def _screen(result):
    return reverse("courseware_admin:cmi5_learners", kwargs={"pk": result.package.pk})


def _waive(client, result, attempt, activity, reason="Tested Out"):
    return client.post(
        reverse("courseware_admin:cmi5_waive", kwargs={"pk": result.package.pk}),
        {"attempt": str(attempt.pk), "activity": str(activity.pk), "reason": reason},
    )


def _abandon(client, result, session):
    return client.post(
        reverse(
            "courseware_admin:cmi5_abandon",
            kwargs={"pk": result.package.pk, "session_id": session.pk},
        )
    )


def test_staff_see_each_learners_aus_and_open_sessions_and_waive_from_the_screen(
    client, school, course, launch, django_capture_on_commit_callbacks
):
    _i, teacher, learner, _o = school
    result = course(move_on="Passed")
    launch(result).start()
    attempt = Attempt.objects.get()
    session = Cmi5Session.objects.get()
    _login(client, teacher)
    package_page = client.get(reverse("courseware_admin:package", kwargs={"pk": result.package.pk}))
    assert _screen(result).encode() in package_page.content
    page = client.get(_screen(result)).content.decode()
    assert f'data-attempt="{attempt.pk}"' in page
    assert (
        reverse(
            "courseware_admin:cmi5_abandon",
            kwargs={"pk": result.package.pk, "session_id": session.pk},
        )
        in page
    )
    first = aus(result.version)[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = _waive(client, result, attempt, first, reason="Equivalent AU")
    assert response.status_code == 302 and response["Location"] == _screen(result)
    state = Cmi5AuState.objects.get(attempt=attempt, activity=first)
    assert state.waived and state.satisfied
    waived = Statement.objects.get(verb_id=rules.WAIVED).payload
    assert waived["result"]["extensions"][rules.EXT_REASON] == "Equivalent AU"
    # The course is satisfied (the second AU is NotApplicable): lms shows it completed.
    assert CoursewareProgress.objects.get(learner=learner).completion_status == "completed"
    # A satisfied AU offers no waiver any more, and a second one changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        _waive(client, result, attempt, first)
    assert Statement.objects.filter(verb_id=rules.WAIVED).count() == 1


def test_a_waiver_needs_one_of_the_cmi5_reasons(client, school, course, launch):
    _i, teacher, _l, _o = school
    result = course()
    launch(result).start()
    _login(client, teacher)
    response = _waive(client, result, Attempt.objects.get(), aus(result.version)[0], "Because")
    assert response.status_code == 302
    assert not Cmi5AuState.objects.filter(waived=True).exists()
    assert not Statement.objects.filter(verb_id=rules.WAIVED).exists()


def test_staff_abandon_an_open_session_from_the_screen(client, school, course, launch):
    _i, teacher, _l, _o = school
    result = course()
    au = launch(result).start()
    session = Cmi5Session.objects.get()
    _login(client, teacher)
    assert _abandon(client, result, session).status_code == 302
    session.refresh_from_db()
    assert session.status == "abandoned"
    assert Statement.objects.filter(verb_id=rules.ABANDONED).count() == 1
    assert au.send(au.statement(rules.TERMINATED)).status_code == 401  # its credentials stop
    # An ended session cannot be abandoned again.
    assert _abandon(client, result, session).status_code == 302
    assert Statement.objects.filter(verb_id=rules.ABANDONED).count() == 1


def test_another_institutions_staff_and_the_learner_cannot_act(
    client, school, school_b, course, launch
):
    _i, _t, learner, _o = school
    _ib, other_teacher, _lb, _ob = school_b
    result = course()
    launch(result).start()
    attempt, session = Attempt.objects.get(), Cmi5Session.objects.get()
    for user in (other_teacher, learner):
        _login(client, user)
        assert client.get(_screen(result)).status_code == 404
        assert _waive(client, result, attempt, aus(result.version)[0]).status_code == 404
        assert _abandon(client, result, session).status_code == 404
    assert not Cmi5AuState.objects.filter(waived=True).exists()
    assert Cmi5Session.objects.get().status == "open"
    assert not Statement.objects.filter(verb_id__in=[rules.WAIVED, rules.ABANDONED]).exists()


def test_malformed_ids_are_not_found(client, school, course, launch):
    _i, teacher, _l, _o = school
    result = course()
    launch(result).start()
    _login(client, teacher)
    url = reverse("courseware_admin:cmi5_waive", kwargs={"pk": result.package.pk})
    bad = {"attempt": "not-a-uuid", "activity": "x", "reason": "Administrative"}
    assert client.post(url, bad).status_code == 404
    good_attempt = {"attempt": str(Attempt.objects.get().pk), "activity": "x"}
    assert client.post(url, {**good_attempt, "reason": "Administrative"}).status_code == 404


def test_sessions_left_open_expire_by_the_task_and_the_command(course, launch):
    result = course()
    launch(result).start()
    old = Cmi5Session.objects.get()
    Cmi5Session.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(hours=13))
    assert cmi5_sessions_expire_task.call() == 1
    old.refresh_from_db()
    assert old.status == "abandoned"
    launch(result, 1).start()  # a fresh session of the second AU stays open
    fresh = Cmi5Session.objects.get(status="open")
    out = StringIO()
    call_command("cmi5_sessions_expire", stdout=out)
    assert out.getvalue().strip() == "0"
    Cmi5Session.objects.filter(pk=fresh.pk).update(started_at=timezone.now() - timedelta(hours=2))
    call_command("cmi5_sessions_expire", "--hours", "1", stdout=out)
    fresh.refresh_from_db()
    assert fresh.status == "abandoned"


def test_terminated_durations_add_to_the_attempts_time_and_the_learners_progress(
    school, course, launch
):
    _i, _t, learner, _o = school
    result = course(move_on="Completed")
    au = launch(result).start()
    assert au.send(au.statement(rules.COMPLETED, moveon=True, completion=True)).status_code == 200
    response = au.send(au.statement(rules.TERMINATED, duration="PT3M30S"))
    assert response.status_code == 200, response.content
    attempt = Attempt.objects.get()
    assert attempt.total_time_seconds == pytest.approx(210.0)
    second = launch(result, attempt=attempt).start()
    assert second.send(second.statement(rules.TERMINATED, duration="PT1M")).status_code == 200
    attempt.refresh_from_db()
    assert attempt.total_time_seconds == pytest.approx(270.0)
    progress = CoursewareProgress.objects.get(learner=learner)
    assert progress.total_time_seconds == pytest.approx(270.0)
    assert progress.completion_status == "completed"
    # An abandoned session's time is the LMS's guess, not the AU's: it is not added.
    third = launch(result, attempt=attempt).start()
    launch(result, attempt=attempt)  # abandons the third
    assert third.session_id
    attempt.refresh_from_db()
    assert attempt.total_time_seconds == pytest.approx(270.0)
