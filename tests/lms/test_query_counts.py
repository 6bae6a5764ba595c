"""Course and catalogue pages issue a fixed number of queries whatever the catalogue size."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .. import factories


def _add_courses(*, institutions: int, courses_each: int):
    """`institutions` new sections, each with one programme of `courses_each` live courses."""
    courses = []
    for _index in range(institutions):
        programme = factories.make_programme(factories.make_institution())
        courses += [
            factories.make_course(programme, title=f"Khóa {number}")
            for number in range(courses_each)
        ]
    return courses


def _measure(client, path: str) -> tuple[int, str]:
    """The number of queries of one anonymous visit, and the page."""
    client.get(path)  # fills per-process caches (content types, site root paths) first
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_course_and_catalogue_query_counts_do_not_grow_with_the_catalogue(client, site):
    course = _add_courses(institutions=2, courses_each=2)[0]
    few_course, _page = _measure(client, course.url)
    few_catalogue, few_page = _measure(client, "/catalogue/")

    _add_courses(institutions=2, courses_each=13)  # 30 courses: more than a catalogue page
    many_course, _page = _measure(client, course.url)
    many_catalogue, many_page = _measure(client, "/catalogue/")

    assert few_page.count('<li class="card">') == 4
    assert many_page.count('<li class="card">') == 24
    assert many_course == few_course
    assert many_catalogue == few_catalogue
