"""The item statistics screens and downloads: who may see them, what they show."""

from __future__ import annotations

import io

import h5py
import pytest
from django.urls import reverse

from assessment import statistics
from institutions.models import AuditEvent
from tests import factories as site_factories

from . import factories
from .stats_helpers import sit


@pytest.fixture
def exam(tenant_a):
    """Four learners, three single-choice items; the third is answered right by the weakest
    learner only, so it discriminates negatively and is dubious."""
    bank = factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)
    items = [
        factories.make_item(bank, "single_choice", actor=tenant_a.teacher, stem=f"<p>Câu {n}</p>")
        for n in (1, 2, 3)
    ]
    exam = factories.make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=items, title="Kiểm tra an toàn điện"
    )
    for index, choices in enumerate(["aab", "aab", "abb", "bba"]):
        learner = site_factories.make_learner(tenant_a.institution, f"screen-{index}")
        sit(
            tenant_a.teacher,
            exam,
            learner,
            {item.pk: c for item, c in zip(items, choices, strict=True)},
        )
    return exam


def url(exam, *parts, **query):
    if parts:
        path = reverse("assessment_statistics:download", args=[exam.pk, parts[0]])
    else:
        path = reverse("assessment_statistics:exam", args=[exam.pk])
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def test_staff_see_the_summary_the_items_and_the_charts(client, tenant_a, exam):
    client.force_login(tenant_a.teacher)
    listing = client.get(reverse("assessment_statistics:index"))
    assert listing.status_code == 200
    assert "Kiểm tra an toàn điện" in listing.content.decode()
    page = client.get(url(exam))
    assert page.status_code == 200
    html = page.content.decode()
    stats = page.context["stats"]
    assert stats.test.n_attempts == 4
    assert stats.items[2].discrimination_index < 0 and stats.items[2].dubious
    assert html.count('class="item-stats__dubious"') == sum(i.dubious for i in stats.items)
    assert 'role="img"' in html and '<title id="scatter-title">' in html
    assert '<desc id="histogram-desc">' in html
    assert "point--dubious" in html
    for kind in ("hdf5", "xlsx", "scores.csv", "responses.csv", "items.csv"):
        assert reverse("assessment_statistics:download", args=[exam.pk, kind]) in html


def test_the_page_reads_a_fixed_number_of_queries(
    client, tenant_a, exam, django_assert_max_num_queries
):
    client.force_login(tenant_a.teacher)
    client.get(url(exam))  # warm the session and Wagtail's caches
    with django_assert_max_num_queries(20):
        assert client.get(url(exam)).status_code == 200


def test_downloads_are_the_files_and_each_is_audited(client, tenant_a, exam):
    client.force_login(tenant_a.teacher)
    response = client.get(url(exam, "hdf5", attempts="all"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-hdf5"
    assert "attachment" in response["Content-Disposition"]
    with h5py.File(io.BytesIO(response.content), "r") as store:
        assert store["responses/score"].shape == (4, 3)
        assert store.attrs["attempts"] == "all"
    xlsx = client.get(url(exam, "xlsx"))
    assert xlsx.content[:2] == b"PK"
    csv = client.get(url(exam, "items.csv")).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("number,item_uid")
    events = AuditEvent.objects.filter(action="exam.statistics_export", object_id=str(exam.pk))
    assert sorted(e.data["format"] for e in events) == ["hdf5", "items.csv", "xlsx"]
    assert all(e.actor == tenant_a.teacher for e in events)


def test_another_institutions_staff_get_a_404(client, tenant_b, exam):
    for person in (tenant_b.teacher, tenant_b.admin):
        client.force_login(person)
        assert client.get(url(exam)).status_code == 404
        assert client.get(url(exam, "hdf5")).status_code == 404
        listing = client.get(reverse("assessment_statistics:index"))
        assert "Kiểm tra an toàn điện" not in listing.content.decode()
    assert not AuditEvent.objects.filter(action="exam.statistics_export").exists()


def test_a_learner_and_a_visitor_are_refused(client, tenant_a, exam):
    client.force_login(tenant_a.learner)
    for path in (url(exam), url(exam, "items.csv"), reverse("assessment_statistics:index")):
        response = client.get(path)
        assert response.status_code in (302, 403)
        assert b"item_uid" not in response.content and "Kiểm tra" not in response.content.decode()
    client.logout()
    assert client.get(url(exam, "hdf5")).status_code == 302


def test_bad_choices_are_404_not_500(client, tenant_a, exam):
    client.force_login(tenant_a.teacher)
    assert client.get(url(exam, "passwd")).status_code == 404
    assert client.get(url(exam, version="9")).status_code == 404
    assert client.get(url(exam, version="x")).status_code == 404
    # An unknown attempts option falls back to first attempts.
    assert client.get(url(exam, attempts="everything")).context["attempts"] == statistics.FIRST


def test_an_exam_without_attempts_says_there_is_not_enough_data(client, tenant_a):
    bank = factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)
    item = factories.make_item(bank, "true_false", actor=tenant_a.teacher)
    empty = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=[item])
    client.force_login(tenant_a.teacher)
    page = client.get(url(empty))
    assert page.status_code == 200
    notes = page.context["stats"].test.notes
    assert page.context["stats"].test.n_attempts == 0 and notes
    assert str(notes[0]) in page.content.decode()
    assert client.get(url(empty, "xlsx")).status_code == 200
