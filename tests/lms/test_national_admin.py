"""Ministry administrators reach the staff area and may publish in every institution's section."""

from institutions.roles import NationalRole
from lms import services

from .. import factories


def test_ministry_admin_can_publish_any_section_and_loses_it_with_the_role(tenant_a, tenant_b):
    ministry = factories.make_user(national_role=NationalRole.MINISTRY_ADMIN)
    assert not tenant_a.course.permissions_for_user(ministry).can_publish()
    services.national_admin_access_sync(user=ministry)
    ministry = type(ministry).objects.get(pk=ministry.pk)
    assert ministry.has_perm("wagtailadmin.access_admin")
    for course in (tenant_a.course, tenant_b.course):
        assert course.permissions_for_user(ministry).can_publish()

    ministry.national_role = NationalRole.NONE
    ministry.save()
    services.national_admin_access_sync(user=ministry)
    ministry = type(ministry).objects.get(pk=ministry.pk)
    assert not ministry.has_perm("wagtailadmin.access_admin")
    assert not tenant_a.course.permissions_for_user(ministry).can_publish()


def test_analyst_gets_no_staff_area(site):
    analyst = factories.make_user(national_role=NationalRole.MINISTRY_ANALYST)
    services.national_admin_access_sync(user=analyst)
    analyst = type(analyst).objects.get(pk=analyst.pk)
    assert not analyst.has_perm("wagtailadmin.access_admin")
