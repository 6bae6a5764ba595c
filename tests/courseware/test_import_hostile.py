"""Hostile and broken archives are refused with a specific reason, and nothing of them is kept."""

import io
import os
import zipfile

import pytest

from courseware.importing import PackageImportError
from courseware.importing.archive import BoundedReader

from . import packages
from .conftest import assert_nothing_kept

GOOD = packages.scorm12_single


def _manifest_with(resources_and_orgs: str, version: str = "1.2") -> dict:
    return {
        "imsmanifest.xml": packages.scorm12_manifest(resources_and_orgs, version),
        "index.html": packages.HTML,
    }


MISSING_LAUNCH = _manifest_with(
    """<organizations><organization identifier="O"><title>T</title>
    <item identifier="I" identifierref="R"><title>x</title></item></organization></organizations>
    <resources><resource identifier="R" type="webcontent" adlcp:scormtype="sco"
    href="lesson/missing.html"/></resources>"""
)
UNKNOWN_RESOURCE = _manifest_with(
    """<organizations><organization identifier="O"><title>T</title>
    <item identifier="I" identifierref="NOPE"><title>x</title></item></organization></organizations>
    <resources><resource identifier="R" type="webcontent" adlcp:scormtype="sco"
    href="index.html"/></resources>"""
)
NO_ITEMS = _manifest_with(
    """<organizations><organization identifier="O"><title>T</title></organization></organizations>
    <resources/>"""
)


def _refused(import_bytes, data: bytes) -> PackageImportError:
    with pytest.raises(PackageImportError) as caught:
        import_bytes(data)
    return caught.value


CASES = [
    ("zip_slip", lambda: packages.with_entry(GOOD(), "../../evil.html"), "../../evil.html"),
    ("zip_slip", lambda: packages.with_entry(GOOD(), "a/../../evil.html"), "a/../../evil.html"),
    ("zip_slip", lambda: packages.with_entry(GOOD(), "..\\evil.html"), "..\\evil.html"),
    ("absolute_path", lambda: packages.with_entry(GOOD(), "/etc/cron.d/x"), "/etc/cron.d/x"),
    ("absolute_path", lambda: packages.with_entry(GOOD(), "C:/Windows/x.dll"), "C:/Windows/x.dll"),
    (
        "absolute_path",
        lambda: packages.with_entry(GOOD(), "C:\\Windows\\x.dll"),
        "C:\\Windows\\x.dll",
    ),
    (
        "absolute_path",
        lambda: packages.with_entry(GOOD(), "\\\\server\\share"),
        "\\\\server\\share",
    ),
    ("symlink", lambda: packages.with_symlink(GOOD(), "link"), "link"),
    ("encrypted", lambda: packages.with_encrypted(GOOD(), "secret.html"), "secret.html"),
    ("duplicate_entry", lambda: packages.with_entry(GOOD(), "./index.html"), "index.html"),
    ("not_a_zip", lambda: b"this is not a zip archive", ""),
    (
        "xml_forbidden",
        lambda: packages.zip_bytes({"imsmanifest.xml": packages.XXE_MANIFEST}),
        "imsmanifest.xml",
    ),
    (
        "xml_forbidden",
        lambda: packages.zip_bytes({"imsmanifest.xml": packages.BILLION_LAUGHS}),
        "imsmanifest.xml",
    ),
    (
        "xml_forbidden",
        lambda: packages.zip_bytes({"imsmanifest.xml": packages.EXTERNAL_DTD}),
        "imsmanifest.xml",
    ),
    (
        "xml_malformed",
        lambda: packages.zip_bytes({"imsmanifest.xml": "<manifest><organizations>"}),
        "imsmanifest.xml",
    ),
    ("missing_launch_file", lambda: packages.zip_bytes(MISSING_LAUNCH), "lesson/missing.html"),
    ("unknown_resource", lambda: packages.zip_bytes(UNKNOWN_RESOURCE), "imsmanifest.xml"),
    ("no_launchable_item", lambda: packages.zip_bytes(NO_ITEMS), "imsmanifest.xml"),
    (
        "unsupported_version",
        lambda: packages.zip_bytes(_manifest_with("<organizations/>", "2004 5th Edition")),
        "imsmanifest.xml",
    ),
    (
        "unsupported_version",
        lambda: packages.zip_bytes(_manifest_with("<organizations/>", "1.1")),
        "imsmanifest.xml",
    ),
    ("unknown_kind", lambda: packages.zip_bytes({"readme.txt": "hello"}), ""),
    ("bad_manifest", lambda: packages.zip_bytes({"cmi5.xml": "<course/>"}), "cmi5.xml"),
]


@pytest.mark.parametrize(
    ("code", "build", "path"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_hostile_or_broken_archive_is_refused_and_nothing_is_kept(
    import_bytes, storage_root, code, build, path
):
    error = _refused(import_bytes, build())
    assert error.codes[0] == code
    assert error.problems[0].path == path
    assert error.problems[0].message
    assert_nothing_kept(storage_root)


def test_unknown_resource_message_names_the_item_and_the_reference(import_bytes):
    error = _refused(import_bytes, packages.zip_bytes(UNKNOWN_RESOURCE))
    assert "“I”" in error.problems[0].message
    assert "“NOPE”" in error.problems[0].message


def test_every_missing_launch_file_is_reported_at_once(import_bytes, storage_root):
    files = packages.scorm12_multi()
    del files["sco1/index.html"], files["sco2/index.html"]
    error = _refused(import_bytes, packages.zip_bytes(files))
    # I1 and J1 (second organization) use sco1; I2 uses sco2.
    assert error.codes == ["missing_launch_file"] * 3
    assert {p.path for p in error.problems} == {"sco1/index.html", "sco2/index.html"}
    assert_nothing_kept(storage_root)


def test_zip_bomb_is_refused_by_compression_ratio(import_bytes, storage_root, settings):
    settings.COURSEWARE_MAX_COMPRESSION_RATIO = 50
    data = packages.with_entry(GOOD(), "video.bin", b"\0" * (4 * 1024 * 1024))
    error = _refused(import_bytes, data)
    assert (error.codes, error.problems[0].path) == (["compression_ratio"], "video.bin")
    assert_nothing_kept(storage_root)


def test_archive_over_the_file_count_limit_is_refused(import_bytes, storage_root, settings):
    settings.COURSEWARE_MAX_FILES = 5
    files = {**GOOD(), **{f"img/{n}.png": b"png" for n in range(5)}}
    assert _refused(import_bytes, packages.zip_bytes(files)).codes == ["too_many_files"]
    assert_nothing_kept(storage_root)


def test_archive_over_the_unpacked_size_limit_is_refused(import_bytes, storage_root, settings):
    settings.COURSEWARE_MAX_UNCOMPRESSED_BYTES = 10_000
    data = packages.with_entry(GOOD(), "big.bin", os.urandom(20_000))
    error = _refused(import_bytes, data)
    assert (error.codes, error.problems[0].path) == (["too_large"], "big.bin")
    assert_nothing_kept(storage_root)


def test_upload_over_the_archive_size_limit_is_refused(import_bytes, storage_root, settings):
    settings.COURSEWARE_MAX_ARCHIVE_BYTES = 100
    assert _refused(import_bytes, packages.zip_bytes(GOOD())).codes == ["archive_too_large"]
    assert_nothing_kept(storage_root)


def test_entry_whose_header_understates_its_size_is_refused_after_files_were_written(
    import_bytes, storage_root
):
    # "z.bin" sorts last, so earlier files reach storage before the lie is found; they go.
    files = {**GOOD(), "z.bin": b"0123456789" * 100}
    error = _refused(import_bytes, packages.with_lying_size(files, "z.bin"))
    assert error.codes[0] in {"corrupt_entry", "entry_size_mismatch"}
    assert error.problems[0].path == "z.bin"
    assert_nothing_kept(storage_root)


def test_reader_stops_when_more_bytes_come_than_declared():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", b"abc")
    archive = zipfile.ZipFile(buffer)
    reader = BoundedReader(archive, archive.getinfo("a.txt"), "a.txt")
    reader._raw = io.BytesIO(b"abc and much more than declared")  # a lying stream
    with pytest.raises(PackageImportError) as caught:
        reader.read()
    assert caught.value.codes == ["entry_size_mismatch"]


def test_storage_failure_midway_removes_the_files_already_written(
    import_bytes, storage_root, monkeypatch
):
    from django.core.files.storage import default_storage

    real_save = default_storage.save
    calls = []

    def failing_save(name, content, **kwargs):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(default_storage, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        import_bytes(packages.zip_bytes(GOOD()))
    assert_nothing_kept(storage_root)


def test_failure_after_every_file_was_stored_removes_files_and_rows(
    import_bytes, storage_root, monkeypatch
):
    from courseware import services

    def broken_audit(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError, match="audit store down"):
        import_bytes(packages.zip_bytes(packages.scorm12_multi()))
    assert_nothing_kept(storage_root)
