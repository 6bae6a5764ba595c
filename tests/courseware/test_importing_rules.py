"""The small rules of the import: names, paths, versions, durations, odd manifests."""

import pytest

from courseware.importing import PackageImportError
from courseware.importing.archive import safe_name
from courseware.importing.manifest import duration_seconds, manifest_kind
from courseware.importing.paths import is_unsafe_url, is_web_url, package_path
from courseware.importing.xmlsafe import xml_parse

from . import packages
from .conftest import assert_nothing_kept


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("a/b.html", "a/b.html"), ("./a//b.html", "a/b.html"), ("a\\b.html", "a/b.html")],
)
def test_safe_names_are_normalised(raw, expected):
    assert safe_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("x\x00.html", "unsafe_path"),
        ("../x", "zip_slip"),
        ("/x", "absolute_path"),
        ("d:x", "absolute_path"),
    ],
)
def test_unsafe_names_are_refused(raw, code):
    with pytest.raises(PackageImportError) as caught:
        safe_name(raw)
    assert caught.value.codes == [code]


def test_paths_inside_the_package_may_climb_but_not_out():
    assert package_path("l2/", "../shared/a.js") == "shared/a.js"
    assert package_path("l2/", "../../a.js") is None
    assert package_path("/etc/passwd") is None
    assert package_path("C:/x") is None
    assert is_web_url("https://example.org/x")
    assert not is_web_url("javascript:alert(1)")
    assert is_unsafe_url("javascript:alert(1)")
    assert is_unsafe_url("data:text/html,x")
    assert is_unsafe_url("//evil.example/x")
    assert not is_unsafe_url("lesson/index.html")


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ("<schemaversion>1.2</schemaversion>", ("scorm12", "", "1.2")),
        ("<schemaversion>CAM 1.3</schemaversion>", ("scorm2004", "2nd", "CAM 1.3")),
        (
            "<schemaversion>2004 3rd Edition</schemaversion>",
            ("scorm2004", "3rd", "2004 3rd Edition"),
        ),
        (
            "<schemaversion>2004 4th Edition</schemaversion>",
            ("scorm2004", "4th", "2004 4th Edition"),
        ),
        (
            "<schema>IMS Common Cartridge</schema><schemaversion>1.3.0</schemaversion>",
            ("common_cartridge", "", "1.3.0"),
        ),
    ],
)
def test_kind_and_edition_come_from_the_declared_version(metadata, expected):
    root = xml_parse(f"<manifest><metadata>{metadata}</metadata></manifest>".encode(), "m")
    assert manifest_kind(root) == expected


def test_kind_without_a_declared_version_comes_from_the_namespaces():
    scorm12 = f"<manifest {packages.SCORM12_NS}><x adlcp:scormtype='sco'/></manifest>"
    scorm2004 = f"<manifest {packages.SCORM2004_NS}><adlcp:x/></manifest>"
    assert manifest_kind(xml_parse(scorm12.encode(), "m"))[0] == "scorm12"
    assert manifest_kind(xml_parse(scorm2004.encode(), "m"))[0] == "scorm2004"
    with pytest.raises(PackageImportError) as caught:
        manifest_kind(xml_parse(b"<manifest/>", "m"))
    assert caught.value.codes == ["unsupported_version"]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("00:30:00", 1800),
        ("0001:02:03.5", 3723.5),
        ("PT1H30M", 5400),
        ("P1DT1S", 86401),
        ("PT0.5S", 0.5),
        ("soon", None),
        ("P", None),
    ],
)
def test_time_limits_in_both_notations(value, seconds):
    assert duration_seconds(value) == seconds


def _one_item(item_xml: str, resource_xml: str = "") -> dict:
    body = f"""<organizations><organization identifier="O"><title>T</title>{item_xml}
    </organization></organizations><resources>{
        resource_xml
        or '<resource identifier="R" type="webcontent" adlcp:scormtype="sco" href="index.html"/>'
    }
    </resources>"""
    return {"imsmanifest.xml": packages.scorm12_manifest(body), "index.html": packages.HTML}


@pytest.mark.parametrize(
    ("files", "code"),
    [
        (
            _one_item(
                '<item identifier="I" identifierref="R"/>',
                '<resource identifier="R" type="webcontent" href="javascript:alert(1)"/>',
            ),
            "unsafe_url",
        ),
        (
            _one_item(
                '<item identifier="I" identifierref="R"/>',
                '<resource identifier="R" type="webcontent" href="../../etc/passwd"/>',
            ),
            "zip_slip",
        ),
        (
            _one_item(
                '<item identifier="I" identifierref="R"><adlcp:masteryscore>120</adlcp:masteryscore></item>'
            ),
            "invalid_value",
        ),
        (
            _one_item(
                '<item identifier="I" identifierref="R"><adlcp:masteryscore>high</adlcp:masteryscore></item>'
            ),
            "invalid_value",
        ),
        (_one_item(f'<item identifier="{"I" * 300}" identifierref="R"/>'), "value_too_long"),
        (
            _one_item(
                '<item identifier="I" identifierref="R"/><item identifier="I" identifierref="R"/>'
            ),
            "duplicate_identifier",
        ),
    ],
    ids=["javascript-href", "href-leaves", "mastery-range", "mastery-text", "long-id", "dup-id"],
)
def test_bad_manifest_values_are_refused(import_bytes, storage_root, files, code):
    with pytest.raises(PackageImportError) as caught:
        import_bytes(packages.zip_bytes(files))
    assert caught.value.codes[0] == code
    assert caught.value.problems[0].path == "imsmanifest.xml"
    assert_nothing_kept(storage_root)


def test_unknown_sequencing_collection_reference_is_refused(import_bytes, storage_root):
    files = packages.scorm2004_sequenced()
    files["imsmanifest.xml"] = files["imsmanifest.xml"].replace('IDRef="common"', 'IDRef="gone"')
    with pytest.raises(PackageImportError) as caught:
        import_bytes(packages.zip_bytes(files))
    assert caught.value.codes == ["unknown_sequencing"]
    assert_nothing_kept(storage_root)


def test_cmi5_au_with_a_script_url_is_refused(import_bytes, storage_root):
    files = packages.cmi5_course()
    files["cmi5.xml"] = files["cmi5.xml"].replace(
        "https://content.taynghe.example/au2/", "javascript:alert(1)"
    )
    with pytest.raises(PackageImportError) as caught:
        import_bytes(packages.zip_bytes(files))
    assert caught.value.codes == ["unsafe_url"]
    assert_nothing_kept(storage_root)


def test_shared_file_reached_with_dot_dot_inside_the_package_is_accepted(import_bytes):
    files = _one_item(
        '<item identifier="I" identifierref="R"/>',
        '<resource identifier="R" type="webcontent" adlcp:scormtype="sco" xml:base="lesson/"'
        ' href="../index.html"/>',
    )
    result = import_bytes(packages.zip_bytes(files))
    assert result.version.activities.get(identifier="I").href == "index.html"


def test_metadata_is_kept_and_checked(import_bytes):
    from django.core.exceptions import ValidationError

    result = import_bytes(
        packages.zip_bytes(packages.web_content()),
        title="Hàn điện",
        occupation_code="6520123",
        level="college",
        keywords=["hàn", "điện"],
        licence="cc-by-sa",
        language="en",
    )
    package = result.package
    assert (package.occupation_code, package.level, package.licence) == (
        "6520123",
        "college",
        "cc-by-sa",
    )
    assert package.keywords == ["hàn", "điện"]
    with pytest.raises(ValidationError):
        import_bytes(packages.zip_bytes(packages.web_content()), licence="pirated")
