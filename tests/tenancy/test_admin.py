"""Wagtail admin: institution A's staff can neither see nor change institution B's pages or records."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from institutions.models import Cohort, Institution, Membership
from institutions.roles import InstitutionRole
from lms.models import CatalogueIndexPage, CoursePage

from .. import factories
from .conftest import STAFF_ROLES, staff_of

REFUSED = (302, 403, 404)


def _course_edit_data(course: CoursePage, **changes) -> dict:
    fields = {
        "title": course.title,
        "slug": course.slug,
        "code": course.code,
        "summary": course.summary,
        "description": rich_text(course.description or ""),
        "hours": course.hours,
        "comments": inline_formset([]),
        **changes,
    }
    if course.allow_self_enrolment:
        fields["allow_self_enrolment"] = "on"
    return nested_form_data(fields)


def _latest_title(page) -> str:
    return Page.objects.get(pk=page.pk).specific.get_latest_revision_as_object().title


# -- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_edit_their_own_course_page(client, tenant_a, role):
    client.force_login(staff_of(tenant_a, role))
    url = reverse("wagtailadmin_pages:edit", args=[tenant_a.course.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _course_edit_data(tenant_a.course, title="Tên mới của AAA"))
    assert response.status_code == 302
    assert _latest_title(tenant_a.course) == "Tên mới của AAA"


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_editing_another_institutions_course_page_is_refused(client, tenant_a, tenant_b, role):
    course = tenant_b.course
    revisions = course.revisions.count()
    client.force_login(staff_of(tenant_a, role))
    url = reverse("wagtailadmin_pages:edit", args=[course.pk])
    assert client.get(url).status_code in REFUSED
    response = client.post(url, _course_edit_data(course, title="Bị sửa trộm"))
    assert response.status_code in REFUSED
    assert _latest_title(course) == course.title
    assert course.revisions.count() == revisions


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_another_institutions_draft_is_neither_viewable_nor_previewable(
    client, tenant_a, tenant_b, role
):
    draft = factories.make_course(
        tenant_b.course.get_parent().specific, title="Zebra draft of BBB", live=False
    )
    client.force_login(staff_of(tenant_a, role))
    for name in ("view_draft", "preview_on_edit", "history", "delete", "move", "copy"):
        response = client.get(reverse(f"wagtailadmin_pages:{name}", args=[draft.pk]))
        assert response.status_code in REFUSED, name
        assert b"Zebra draft" not in response.content
    chooser = client.get(reverse("wagtailadmin_choose_page_search"), {"q": "Zebra"})
    assert "Zebra draft of BBB" not in chooser.content.decode()


def test_own_draft_is_viewable_by_own_admin(client, tenant_b):
    draft = factories.make_course(
        tenant_b.course.get_parent().specific, title="Zebra draft of BBB", live=False
    )
    client.force_login(tenant_b.admin)
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[draft.pk]))
    assert response.status_code == 200
    chooser = client.get(reverse("wagtailadmin_choose_page_search"), {"q": "Zebra"})
    assert "Zebra draft of BBB" in chooser.content.decode()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_explorer_does_not_offer_another_institutions_section(client, tenant_a, tenant_b, role):
    section_a = factories.section_of(tenant_a.institution)
    section_b = factories.section_of(tenant_b.institution)
    client.force_login(staff_of(tenant_a, role))
    catalogue = CatalogueIndexPage.objects.filter(alias_of__isnull=True).first()
    for page in (catalogue, section_b):
        response = client.get(reverse("wagtailadmin_explore", args=[page.pk]), follow=True)
        body = response.content.decode()
        assert reverse("wagtailadmin_pages:edit", args=[section_b.pk]) not in body
        assert reverse("wagtailadmin_explore", args=[section_b.pk]) not in body
        assert tenant_b.course.title not in body
        # The explorer falls back to the person's own section.
        assert response.request["PATH_INFO"] == reverse("wagtailadmin_explore", args=[section_a.pk])
    own = client.get(reverse("wagtailadmin_explore", args=[section_a.pk])).content.decode()
    assert reverse("wagtailadmin_pages:edit", args=[section_a.pk]) in own


# -- cohorts -------------------------------------------------------------------------------


def _edit(name, obj):
    return reverse(f"{name}:edit", args=[obj.pk])


def _delete(name, obj):
    return reverse(f"{name}:delete", args=[obj.pk])


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_cohort_screen_lists_only_own_institutions_cohorts(client, tenant_a, tenant_b, role):
    client.force_login(staff_of(tenant_a, role))
    response = client.get(reverse("cohorts:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert _edit("cohorts", tenant_a.cohort) in body
    assert _edit("cohorts", tenant_b.cohort) not in body
    assert tenant_b.institution.name not in body


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_another_institutions_cohort_cannot_be_opened_changed_or_deleted(
    client, tenant_a, tenant_b, role
):
    cohort = tenant_b.cohort
    client.force_login(staff_of(tenant_a, role))
    for url in (
        _edit("cohorts", cohort),
        _delete("cohorts", cohort),
        reverse("cohorts:history", args=[cohort.pk]),
        reverse("cohorts:usage", args=[cohort.pk]),
    ):
        assert client.get(url).status_code in REFUSED, url
    edit = client.post(
        _edit("cohorts", cohort),
        {"institution": tenant_a.institution.pk, "code": "HACK", "name": "Bị sửa", "learners": []},
    )
    assert edit.status_code in REFUSED
    assert client.post(_delete("cohorts", cohort)).status_code in REFUSED
    cohort.refresh_from_db()
    assert (cohort.institution_id, cohort.code, cohort.name) == (
        tenant_b.institution.pk,
        "K1",
        "Khóa 1",
    )
    assert list(cohort.learners.all()) == [tenant_b.learner]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_edit_their_own_cohort(client, tenant_a, role):
    client.force_login(staff_of(tenant_a, role))
    url = _edit("cohorts", tenant_a.cohort)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "institution": tenant_a.institution.pk,
            "code": "K1",
            "name": "Khóa 1 (đổi tên)",
            "learners": [tenant_a.learner.pk],
        },
    )
    assert response.status_code == 302
    tenant_a.cohort.refresh_from_db()
    assert tenant_a.cohort.name == "Khóa 1 (đổi tên)"


def test_institution_admin_deletes_own_cohort(client, tenant_a):
    client.force_login(tenant_a.admin)
    assert client.post(_delete("cohorts", tenant_a.cohort)).status_code == 302
    assert not Cohort.objects.filter(pk=tenant_a.cohort.pk).exists()


def test_teacher_cannot_delete_cohorts(client, tenant_a):
    client.force_login(tenant_a.teacher)
    assert client.post(_delete("cohorts", tenant_a.cohort)).status_code in REFUSED
    assert Cohort.objects.filter(pk=tenant_a.cohort.pk).exists()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_cohort_form_offers_only_own_institution_and_learners(client, tenant_a, tenant_b, role):
    client.force_login(staff_of(tenant_a, role))
    form = client.get(reverse("cohorts:add")).context["form"]
    assert list(form.fields["institution"].queryset) == [tenant_a.institution]
    assert list(form.fields["learners"].queryset) == [tenant_a.learner]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_creating_a_cohort_in_another_institution_is_refused(client, tenant_a, tenant_b, role):
    client.force_login(staff_of(tenant_a, role))
    response = client.post(
        reverse("cohorts:add"),
        {"institution": tenant_b.institution.pk, "code": "K9", "name": "Trộm", "learners": []},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["institution"]
    # Nor may another institution's learner be put in one's own cohort.
    response = client.post(
        reverse("cohorts:add"),
        {
            "institution": tenant_a.institution.pk,
            "code": "K9",
            "name": "Trộm",
            "learners": [tenant_b.learner.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["learners"]
    assert not Cohort.objects.filter(code="K9").exists()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_create_a_cohort_in_their_own_institution(client, tenant_a, role):
    client.force_login(staff_of(tenant_a, role))
    response = client.post(
        reverse("cohorts:add"),
        {
            "institution": tenant_a.institution.pk,
            "code": "K2",
            "name": "Khóa 2",
            "learners": [tenant_a.learner.pk],
        },
    )
    assert response.status_code == 302
    cohort = Cohort.objects.get(institution=tenant_a.institution, code="K2")
    assert list(cohort.learners.all()) == [tenant_a.learner]


def test_ministry_admin_sees_and_changes_every_institutions_cohorts(
    client, tenant_a, tenant_b, ministry_admin
):
    client.force_login(ministry_admin)
    body = client.get(reverse("cohorts:index")).content.decode()
    assert _edit("cohorts", tenant_a.cohort) in body
    assert _edit("cohorts", tenant_b.cohort) in body
    response = client.post(
        _edit("cohorts", tenant_b.cohort),
        {
            "institution": tenant_b.institution.pk,
            "code": "K1",
            "name": "Sửa bởi Bộ",
            "learners": [tenant_b.learner.pk],
        },
    )
    assert response.status_code == 302
    tenant_b.cohort.refresh_from_db()
    assert tenant_b.cohort.name == "Sửa bởi Bộ"


# -- memberships ---------------------------------------------------------------------------


def test_membership_screen_lists_only_own_institutions_roles(client, tenant_a, tenant_b):
    client.force_login(tenant_a.admin)
    response = client.get(reverse("memberships:index"))
    assert response.status_code == 200
    body = response.content.decode()
    for membership in Membership.objects.filter(institution=tenant_a.institution):
        assert _edit("memberships", membership) in body
    for membership in Membership.objects.filter(institution=tenant_b.institution):
        assert _edit("memberships", membership) not in body
    assert tenant_b.teacher.username not in body


def test_teachers_do_not_reach_the_membership_screen(client, tenant_a):
    client.force_login(tenant_a.teacher)
    assert client.get(reverse("memberships:index")).status_code in REFUSED
    membership = Membership.objects.get(user=tenant_a.learner)
    assert client.post(_delete("memberships", membership)).status_code in REFUSED
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_another_institutions_roles_cannot_be_changed_or_revoked(client, tenant_a, tenant_b):
    membership = Membership.objects.get(user=tenant_b.teacher, institution=tenant_b.institution)
    client.force_login(tenant_a.admin)
    assert client.get(_edit("memberships", membership)).status_code in REFUSED
    assert client.get(_delete("memberships", membership)).status_code in REFUSED
    response = client.post(_edit("memberships", membership), {"role": InstitutionRole.ADMIN})
    assert response.status_code in REFUSED
    assert client.post(_delete("memberships", membership)).status_code in REFUSED
    membership.refresh_from_db()
    assert membership.role == InstitutionRole.TEACHER
    assert not Membership.objects.filter(user=tenant_b.teacher, role=InstitutionRole.ADMIN).exists()


def test_granting_a_role_in_another_institution_is_refused(client, tenant_a, tenant_b):
    newcomer = factories.make_user("newcomer")
    client.force_login(tenant_a.admin)
    response = client.post(
        reverse("memberships:add"),
        {
            "username": "newcomer",
            "institution": tenant_b.institution.pk,
            "role": InstitutionRole.ADMIN,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["institution"]
    assert not newcomer.memberships.exists()
    assert not newcomer.groups.exists()


def test_granting_and_revoking_a_role_moves_the_person_between_wagtail_groups(client, tenant_a):
    newcomer = factories.make_user("newcomer")
    authors = Group.objects.get(name="AAA · authors")
    client.force_login(tenant_a.admin)
    response = client.post(
        reverse("memberships:add"),
        {
            "username": "newcomer",
            "institution": tenant_a.institution.pk,
            "role": InstitutionRole.TEACHER,
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer, institution=tenant_a.institution)
    assert authors in newcomer.groups.all()
    assert client.post(_delete("memberships", membership)).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert authors not in newcomer.groups.all()


def test_changing_a_role_swaps_the_wagtail_groups(client, tenant_a):
    membership = Membership.objects.get(user=tenant_a.teacher)
    client.force_login(tenant_a.admin)
    response = client.post(_edit("memberships", membership), {"role": InstitutionRole.ADMIN})
    assert response.status_code == 302
    assert set(tenant_a.teacher.groups.values_list("name", flat=True)) == {"AAA · reviewers"}
    assert list(
        Membership.objects.filter(user=tenant_a.teacher).values_list("role", flat=True)
    ) == [InstitutionRole.ADMIN]


# -- institutions --------------------------------------------------------------------------


def test_institution_admin_sees_only_own_institution(client, tenant_a, tenant_b):
    client.force_login(tenant_a.admin)
    response = client.get(reverse("institutions:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("institutions:inspect", args=[tenant_a.institution.pk]) in body
    assert tenant_b.institution.code not in body
    own = client.get(reverse("institutions:inspect", args=[tenant_a.institution.pk]))
    assert own.status_code == 200
    other = client.get(reverse("institutions:inspect", args=[tenant_b.institution.pk]))
    assert other.status_code in REFUSED


def test_institution_admin_cannot_change_institutions(client, tenant_a, tenant_b):
    client.force_login(tenant_a.admin)
    for institution in (tenant_a.institution, tenant_b.institution):
        assert client.get(_edit("institutions", institution)).status_code in REFUSED
        response = client.post(
            _edit("institutions", institution),
            {"code": institution.code, "name": "Bị sửa", "kind": "college", "province": "X"},
        )
        assert response.status_code in REFUSED
        assert client.post(_delete("institutions", institution)).status_code in REFUSED
    assert not Institution.objects.filter(name="Bị sửa").exists()
    assert Institution.objects.count() == 2


def test_teachers_do_not_reach_the_institution_screen(client, tenant_a):
    client.force_login(tenant_a.teacher)
    assert client.get(reverse("institutions:index")).status_code in REFUSED
    inspect = reverse("institutions:inspect", args=[tenant_a.institution.pk])
    assert client.get(inspect).status_code in REFUSED


def test_ministry_admin_sees_and_edits_every_institution(
    client, tenant_a, tenant_b, ministry_admin
):
    client.force_login(ministry_admin)
    body = client.get(reverse("institutions:index")).content.decode()
    assert _edit("institutions", tenant_a.institution) in body
    assert _edit("institutions", tenant_b.institution) in body
    institution = tenant_b.institution
    response = client.post(
        _edit("institutions", institution),
        {
            "code": institution.code,
            "name": "Trường đổi tên",
            "kind": institution.kind,
            "province": institution.province,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.name == "Trường đổi tên"


def test_menu_groups_the_institution_screens(client, tenant_a):
    client.force_login(tenant_a.admin)
    body = client.get(reverse("wagtailadmin_home")).content.decode()
    for name in ("institutions", "cohorts", "memberships"):
        assert reverse(f"{name}:index") in body
