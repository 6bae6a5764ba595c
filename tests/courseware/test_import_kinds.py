"""cmi5 course structures, plain web content and Common Cartridges are recognised and read."""

from decimal import Decimal

from courseware.models import Activity, PackageVersion

from . import packages


def test_cmi5_course_structure_becomes_blocks_and_aus(import_bytes):
    result = import_bytes(packages.zip_bytes(packages.cmi5_course()))
    version = result.version
    assert version.kind == PackageVersion.Kind.CMI5
    assert result.package.title == "Khóa cmi5"
    assert result.launchable_count == 2
    local = Activity.objects.get(version=version, identifier="https://taynghe.example/au/1")
    assert local.href == "au1/index.html"
    assert local.min_normalized_measure == Decimal("0.7")
    assert local.launch_parameters == '{"mode": "practice"}'
    assert local.launch_settings["moveOn"] == "CompletedAndPassed"
    assert local.launch_settings["launchMethod"] == "OwnWindow"
    block = Activity.objects.get(version=version, identifier="https://taynghe.example/block/1")
    remote = block.children.get()
    assert remote.href == "https://content.taynghe.example/au2/"
    assert remote.launch_settings["moveOn"] == "NotApplicable"


def test_plain_web_content_launches_its_index(import_bytes):
    result = import_bytes(packages.zip_bytes(packages.web_content()), title="Trang web")
    assert result.version.kind == PackageVersion.Kind.WEB
    assert result.package.title == "Trang web"
    [page] = Activity.objects.filter(version=result.version)
    assert (page.href, page.is_launchable) == ("index.html", True)


def test_common_cartridge_pages_and_links_launch_and_other_resources_are_kept(import_bytes):
    result = import_bytes(packages.zip_bytes(packages.common_cartridge()))
    version = result.version
    assert version.kind == PackageVersion.Kind.COMMON_CARTRIDGE
    assert version.schema_version == "1.1.0"
    assert result.launchable_count == 2
    reading = Activity.objects.get(version=version, identifier="I1")
    assert reading.href == "week1/reading.html"
    link = Activity.objects.get(version=version, identifier="I2")
    assert link.href == "https://example.org/page"
    quiz = Activity.objects.get(version=version, identifier="I3")
    assert not quiz.is_launchable
    assert quiz.launch_settings["resourceType"] == "imsqti_xmlv1p2/imscc_xmlv1p1/assessment"
    assert quiz.parent.identifier == "M1"
