"""A teacher works with their own institution's courseware only."""

import io

import pytest
from django.core.exceptions import PermissionDenied

from courseware import services
from courseware.models import Activity, Package, PackageVersion
from institutions.roles import NationalRole

from .. import factories
from . import packages
from .conftest import assert_nothing_kept


def _import(tenant):
    return services.package_import(
        actor=tenant.teacher,
        institution=tenant.institution,
        file=io.BytesIO(packages.zip_bytes(packages.scorm12_single())),
    )


def test_teacher_cannot_import_into_another_institution(tenant_a, tenant_b, storage_root):
    with pytest.raises(PermissionDenied):
        services.package_import(
            actor=tenant_a.teacher,
            institution=tenant_b.institution,
            file=io.BytesIO(packages.zip_bytes(packages.scorm12_single())),
        )
    assert_nothing_kept(storage_root)


def test_learner_cannot_import_into_their_own_institution(tenant_a, storage_root):
    with pytest.raises(PermissionDenied):
        services.package_import(
            actor=tenant_a.learner,
            institution=tenant_a.institution,
            file=io.BytesIO(packages.zip_bytes(packages.scorm12_single())),
        )
    assert_nothing_kept(storage_root)


def test_teacher_cannot_add_a_version_to_another_institutions_package(tenant_a, tenant_b):
    theirs = _import(tenant_b).package
    with pytest.raises(PermissionDenied):
        services.package_version_add(
            actor=tenant_a.teacher,
            package=theirs,
            file=io.BytesIO(packages.zip_bytes(packages.scorm12_multi())),
        )
    assert theirs.versions.count() == 1


def test_packages_versions_and_activities_are_visible_to_their_institution_only(tenant_a, tenant_b):
    mine = _import(tenant_a)
    theirs = _import(tenant_b)
    teacher = tenant_a.teacher
    assert list(Package.objects.visible_to(teacher)) == [mine.package]
    assert list(PackageVersion.objects.visible_to(teacher)) == [mine.version]
    assert set(Activity.objects.visible_to(teacher).values_list("version", flat=True)) == {
        mine.version.pk
    }
    assert not Package.objects.editable_by(teacher).filter(pk=theirs.package.pk).exists()
    assert not Package.objects.visible_to(tenant_a.learner).exists()
    ministry = factories.make_user(national_role=NationalRole.MINISTRY_ADMIN)
    assert Package.objects.visible_to(ministry).count() == 2
