"""Pages are found by their URL path in one query, with Wagtail's own answers."""

from lms.models import LessonPage

from .. import factories


def test_course_and_lesson_are_found_by_their_path(client, tenant_a):
    lesson = LessonPage.objects.descendant_of(tenant_a.course).get()
    assert client.get(tenant_a.course.url).status_code == 200
    response = client.get(lesson.url)
    assert response.status_code == 200
    assert response.context["page"].pk == lesson.pk


def test_draft_course_and_unknown_path_are_not_found(client, tenant_a):
    draft = factories.make_course(tenant_a.course.get_parent().specific, live=False)
    draft_url = f"{tenant_a.course.get_parent().url}{draft.slug}/"
    assert client.get(draft_url).status_code == 404
    assert client.get(f"{tenant_a.course.url}no-such-page/").status_code == 404


def test_changed_slug_moves_the_page(client, tenant_a):
    course = tenant_a.course
    old_url = course.url
    course.slug = "new-slug"
    course.save_revision().publish()
    course.refresh_from_db()
    assert course.url.endswith("/new-slug/")
    assert client.get(course.url).status_code == 200
    assert client.get(old_url).status_code == 404
