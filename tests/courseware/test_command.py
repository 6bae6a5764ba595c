"""`manage.py import_package` reports the kind and launchable items, and fails loudly."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from courseware.models import Package

from . import packages
from .conftest import assert_nothing_kept


def test_command_imports_and_prints_kind_and_launchable_items(school, write_zip):
    path = write_zip(packages.zip_bytes(packages.scorm2004_sequenced("4th")))
    out = StringIO()
    # The command speaks the active language (Vietnamese by default); read it in English.
    with translation.override("en"):
        call_command("import_package", str(path), "--institution", "CDN1", stdout=out)
    text = out.getvalue()
    assert "kind: SCORM 2004 4th edition" in text
    assert "launchable items: 2" in text
    package = Package.objects.get()
    assert package.institution.code == "CDN1"
    assert f"imported package {package.pk}" in text


def test_command_adds_a_version_to_an_existing_package(school, write_zip):
    path = write_zip(packages.zip_bytes(packages.scorm12_single()))
    call_command("import_package", str(path), "--institution", "CDN1", stdout=StringIO())
    package = Package.objects.get()
    out = StringIO()
    call_command(
        "import_package",
        str(path),
        "--institution",
        "CDN1",
        "--package",
        str(package.pk),
        stdout=out,
    )
    assert "version 2" in out.getvalue()


def test_command_prints_errors_and_exits_non_zero(school, write_zip, storage_root):
    path = write_zip(packages.with_entry(packages.scorm12_single(), "../evil.html"))
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_package", str(path), "--institution", "CDN1", stderr=err)
    assert caught.value.returncode == 2
    assert "error [zip_slip] ../evil.html:" in err.getvalue()
    assert_nothing_kept(storage_root)


def test_command_refuses_an_unknown_institution(school, write_zip):
    path = write_zip(packages.zip_bytes(packages.web_content()))
    with pytest.raises(CommandError, match="No institution"):
        call_command("import_package", str(path), "--institution", "NOPE")


def test_command_exit_status_is_non_zero_for_a_refused_package(school, write_zip, capsys):
    """The process exit status, as a bulk-loading shell script sees it."""
    from django.core.management import ManagementUtility

    path = write_zip(packages.zip_bytes({"readme.txt": "x"}))
    utility = ManagementUtility(["manage.py", "import_package", str(path), "--institution", "CDN1"])
    with pytest.raises(SystemExit) as caught:
        utility.execute()
    assert caught.value.code == 2
    assert "error [unknown_kind]" in capsys.readouterr().err


def test_command_as_a_user_checks_that_user_is_staff_there(school, write_zip, storage_root):
    from institutions.services import user_create

    user_create(username="outsider", password=None)
    path = write_zip(packages.zip_bytes(packages.web_content()))
    with pytest.raises(CommandError, match="was not imported"):
        call_command("import_package", str(path), "--institution", "CDN1", "--user", "outsider")
    assert_nothing_kept(storage_root)
    out = StringIO()
    call_command("import_package", str(path), "--institution", "CDN1", "--user", "gv1", stdout=out)
    assert Package.objects.get().created_by.username == "gv1"
