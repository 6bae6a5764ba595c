"""Authoring: teachers draft under their own section, institution admins review and publish."""

from wagtail.models import WorkflowState

from lms.models import CoursePage


def test_teacher_drafts_but_cannot_publish(tenant_a):
    perms = tenant_a.course.permissions_for_user(tenant_a.teacher)
    assert perms.can_edit()
    assert not perms.can_publish()
    assert tenant_a.course.permissions_for_user(tenant_a.admin).can_publish()


def test_teacher_cannot_edit_another_institutions_course(tenant_a, tenant_b):
    perms = tenant_b.course.permissions_for_user(tenant_a.teacher)
    assert not perms.can_edit()
    assert not tenant_b.course.permissions_for_user(tenant_a.admin).can_publish()


def test_submission_goes_to_the_institutions_reviewers_then_publishes(tenant_a):
    course = CoursePage.objects.get(pk=tenant_a.course.pk)
    course.summary = "Bản sửa chờ duyệt"
    revision = course.save_revision(user=tenant_a.teacher)
    workflow = course.get_workflow()
    assert workflow is not None and workflow.name.startswith("AAA")
    state = workflow.start(course, tenant_a.teacher)
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    task_state = state.current_task_state
    task = task_state.task.specific
    assert task.user_can_access_editor(course, tenant_a.admin)
    assert not task.get_actions(course, tenant_a.teacher)
    assert task.get_actions(course, tenant_a.admin)
    # Still the old text for learners until a reviewer approves.
    assert CoursePage.objects.get(pk=course.pk).summary != "Bản sửa chờ duyệt"
    task.on_action(task_state, tenant_a.admin, "approve")
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    course.refresh_from_db()
    assert course.summary == "Bản sửa chờ duyệt"
    assert course.live_revision_id == revision.pk
