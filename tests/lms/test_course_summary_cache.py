"""A course's header and outline are cached for every visitor and renewed by any publish."""

from django.core.cache import cache
from django.test.utils import override_settings

from lms.models import LessonPage


@override_settings(TAYNGHE_FRAGMENT_CACHE_SECONDS=300)
def test_outline_is_served_from_cache_then_renewed_by_a_publish(
    client, tenant_a, django_capture_on_commit_callbacks
):
    cache.clear()
    first = client.get(tenant_a.course.url).content.decode()
    assert "Bài 1" in first
    lesson = LessonPage.objects.descendant_of(tenant_a.course).get()

    # Changed in the database behind the platform's back: the cached outline stands.
    LessonPage.objects.filter(pk=lesson.pk).update(title="Bài đổi tên")
    assert "Bài đổi tên" not in client.get(tenant_a.course.url).content.decode()

    # Published through Wagtail: the next visitor sees the change.
    lesson.refresh_from_db()
    lesson.title = "Bài mới xuất bản"
    with django_capture_on_commit_callbacks(execute=True):
        lesson.save_revision().publish()
    assert "Bài mới xuất bản" in client.get(tenant_a.course.url).content.decode()


@override_settings(TAYNGHE_FRAGMENT_CACHE_SECONDS=0)
def test_turned_off_the_outline_is_read_every_time(client, tenant_a):
    cache.clear()
    client.get(tenant_a.course.url)
    lesson = LessonPage.objects.descendant_of(tenant_a.course).get()
    LessonPage.objects.filter(pk=lesson.pk).update(title="Bài đổi tên")
    assert "Bài đổi tên" in client.get(tenant_a.course.url).content.decode()
