"""Package files go to a temporary storage folder; helpers to see that nothing remains."""

from __future__ import annotations

from pathlib import Path

import pytest

from courseware.models import Activity, Organization, Package, PackageVersion, Resource


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path) -> Path:
    """The folder default storage writes to during the test."""
    root = tmp_path / "files"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def assert_nothing_kept(root: Path) -> None:
    """No row of any courseware model and no stored file."""
    assert Package.objects.count() == 0
    assert PackageVersion.objects.count() == 0
    assert Organization.objects.count() == 0
    assert Resource.objects.count() == 0
    assert Activity.objects.count() == 0
    assert stored_files(root) == []
    assert not (root / "courseware").exists() or not any((root / "courseware").iterdir())


@pytest.fixture
def write_zip(tmp_path):
    """Write archive bytes to a file in tmp_path and return its path."""

    def write(data: bytes, name: str = "package.zip") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def school(db):
    """An institution with a teacher, without the page tree (imports do not need it)."""
    from institutions import services
    from institutions.models import Institution
    from institutions.roles import InstitutionRole

    institution = services.institution_create(
        actor=None,
        code="CDN1",
        name="Cao đẳng Nghề 1",
        kind=Institution.Kind.COLLEGE,
        province="Hà Nội",
    )
    teacher = services.user_create(username="gv1", password=None)
    services.membership_grant(
        actor=None, user=teacher, institution=institution, role=InstitutionRole.TEACHER
    )
    return institution, teacher


@pytest.fixture
def import_bytes(school):
    """Import archive bytes as the school's teacher."""
    import io

    from courseware import services

    institution, teacher = school

    def run(data: bytes, **kwargs):
        return services.package_import(
            actor=teacher, institution=institution, file=io.BytesIO(data), **kwargs
        )

    return run
