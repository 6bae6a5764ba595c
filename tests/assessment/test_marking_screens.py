"""The marking screens in the admin and the learner's result page, over HTTP."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from assessment import marking
from assessment.models import Attempt, ResponseMark

from .marking_setup import RUBRIC_TOP, another_learner, essay_exam, question, sit

pytestmark = pytest.mark.django_db


def test_examiner_marks_an_essay_through_the_form_and_releases(client, tenant_a):
    exam = essay_exam(tenant_a, blind=True)
    attempt = sit(tenant_a, exam, essay="Ngắt cầu dao, treo biển báo.")
    sit(tenant_a, exam, another_learner(tenant_a, "hv2"))
    essay = question(attempt, "essay")
    client.force_login(tenant_a.teacher)
    listing = client.get(reverse("assessment_marking:queue", args=[exam.pk]))
    html = listing.content.decode()
    assert listing.status_code == 200
    assert tenant_a.learner.display_name not in html  # blind: candidate numbers only
    assert marking.candidate_number(attempt) in html
    page = client.get(reverse("assessment_marking:mark", args=[essay.pk]))
    html = page.content.decode()
    assert "Ngắt cầu dao" in html and tenant_a.learner.display_name not in html
    assert 'name="level-accuracy"' in html and 'accesskey="n"' in html
    response = client.post(
        reverse("assessment_marking:mark", args=[essay.pk]),
        {"action": "mark", "level-accuracy": "2", "level-clarity": "1", "notes": "Tốt"},
    )
    assert response.status_code == 302
    mark = ResponseMark.objects.get(question=essay)
    assert (mark.score, mark.notes, mark.marker) == (Decimal(5), "Tốt", tenant_a.teacher)
    response = client.post(reverse("assessment_marking:attempt", args=[attempt.pk]))
    assert response.status_code == 302 and marking.is_released(attempt)
    history = client.get(reverse("assessment_marking:attempt", args=[attempt.pk]))
    assert history.context["history"][0].action == "first_mark"


def test_an_incomplete_rubric_is_refused_on_the_form(client, tenant_a):
    exam = essay_exam(tenant_a)
    essay = question(sit(tenant_a, exam), "essay")
    client.force_login(tenant_a.teacher)
    response = client.post(
        reverse("assessment_marking:mark", args=[essay.pk]),
        {"action": "mark", "level-accuracy": "2"},
    )
    assert response.status_code == 200 and response.context["errors"]
    assert not ResponseMark.objects.exists()


def test_moderation_without_reason_is_refused_on_the_form(client, tenant_a):
    exam = essay_exam(tenant_a)
    essay = question(sit(tenant_a, exam), "essay")
    marking.response_mark(actor=tenant_a.teacher, question=essay, marking=RUBRIC_TOP)
    client.force_login(tenant_a.admin)
    response = client.post(
        reverse("assessment_marking:mark", args=[essay.pk]),
        {"action": "moderate", "decision": "agree-first", "reason": ""},
    )
    assert response.status_code == 200 and response.context["errors"]
    assert not ResponseMark.objects.filter(role="moderation").exists()


def test_another_institutions_examiner_gets_404_everywhere(client, tenant_a, tenant_b):
    exam = essay_exam(tenant_a)
    attempt = sit(tenant_a, exam)
    essay = question(attempt, "essay")
    client.force_login(tenant_b.teacher)
    assert list(client.get(reverse("assessment_marking:index")).context["exams"]) == []
    for name, args in [
        ("assessment_marking:queue", [exam.pk]),
        ("assessment_marking:mark", [essay.pk]),
        ("assessment_marking:attempt", [attempt.pk]),
        ("assessment_marking:key", [essay.item_version_id]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404
    assert client.post(reverse("assessment_marking:release", args=[exam.pk])).status_code == 404
    assert (
        client.post(
            reverse("assessment_marking:mark", args=[essay.pk]),
            {"action": "mark", "level-accuracy": "2", "level-clarity": "1"},
        ).status_code
        == 404
    )
    assert not ResponseMark.objects.exists() and not marking.is_released(attempt)


def test_a_learner_cannot_reach_the_queue(client, tenant_a):
    exam = essay_exam(tenant_a)
    essay = question(sit(tenant_a, exam), "essay")
    client.force_login(tenant_a.learner)
    for url in [
        reverse("assessment_marking:index"),
        reverse("assessment_marking:queue", args=[exam.pk]),
        reverse("assessment_marking:mark", args=[essay.pk]),
    ]:
        assert client.get(url).status_code in (302, 403)
    assert not ResponseMark.objects.exists()


def test_learner_result_page_says_awaiting_until_release(client, tenant_a):
    exam = essay_exam(tenant_a, pass_percent=Decimal(50))
    attempt = sit(tenant_a, exam)
    client.force_login(tenant_a.learner)
    url = reverse("assessment:result", args=[attempt.public_id])
    # (Checked by the page's parts, not its words: the interface may be in either language.)
    page = client.get(url)
    assert page.context["result"]["state"] == "awaiting"
    assert 'class="callout" role="status"' in page.content.decode()
    assert "/ 6" not in page.content.decode()
    marking.response_mark(
        actor=tenant_a.teacher, question=question(attempt, "essay"), marking=RUBRIC_TOP
    )
    page = client.get(url)  # marked, not released
    assert page.context["result"]["state"] == "awaiting" and "/ 6" not in page.content.decode()
    marking.results_release(actor=tenant_a.teacher, exam=exam)
    page = client.get(url).content.decode()
    assert "6 / 6" in page and "status-passed" in page
    # Another learner's result is not found.
    client.force_login(another_learner(tenant_a, "hv2"))
    assert client.get(url).status_code == 404


def test_key_correction_screen_regrades(client, tenant_a):
    exam = essay_exam(tenant_a)
    attempt = sit(tenant_a, exam, choice="b")
    choice = question(attempt, "single_choice")
    client.force_login(tenant_a.teacher)
    body = dict(choice.item_version.body, correct="b")

    response = client.post(
        reverse("assessment_marking:key", args=[choice.item_version_id]),
        {"body": json.dumps(body), "reason": "Đáp án đúng là B"},
    )
    assert response.status_code == 200 and len(response.context["changes"]) == 1
    assert Attempt.objects.get(pk=attempt.pk).score == Decimal(1)
