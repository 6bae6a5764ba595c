"""The public site: home, catalogue, course pages in Vietnamese by default and in English."""

import pytest

from lms import services
from lms.models import CatalogueIndexPage, HomePage


def test_site_ensure_is_idempotent(site):
    services.site_ensure()
    assert HomePage.objects.filter(locale__language_code="vi").count() == 1
    assert CatalogueIndexPage.objects.filter(locale__language_code="vi").count() == 1
    assert HomePage.objects.filter(locale__language_code="en").count() == 1


def test_home_is_vietnamese_by_default_and_english_under_en(client, site):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.content.decode()
    assert "Danh mục" in response.content.decode()
    english = client.get("/en/")
    assert english.status_code == 200
    assert '<html lang="en">' in english.content.decode()
    assert "Catalogue" in english.content.decode()


def test_catalogue_lists_live_courses_and_filters(client, tenant_a):
    response = client.get("/catalogue/")
    assert tenant_a.course.title in response.content.decode()
    filtered = client.get("/catalogue/", {"q": "không-có-khóa-nào"})
    assert tenant_a.course.title not in filtered.content.decode()


def test_course_page_shows_outline_and_login_to_enrol(client, tenant_a):
    response = client.get(tenant_a.course.url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mô-đun 1" in body and "Bài 1" in body
    assert "/accounts/login/" in body


@pytest.mark.parametrize("path", ["/dashboard/", "/teach/"])
def test_private_views_need_login(client, site, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
