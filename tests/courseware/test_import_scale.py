"""An import's database work does not grow with the number of items."""

from . import packages


def _many_scos(count: int) -> dict:
    items = "".join(
        f'<item identifier="I{n}" identifierref="R{n}"><title>Bài {n}</title></item>'
        for n in range(count)
    )
    resources = "".join(
        f'<resource identifier="R{n}" type="webcontent" adlcp:scormtype="sco"'
        f' href="sco{n}/index.html"><file href="sco{n}/index.html"/></resource>'
        for n in range(count)
    )
    manifest = packages.scorm12_manifest(
        f"""<organizations default="O"><organization identifier="O"><title>Lớn</title>
        <item identifier="CH"><title>Chương</title>{items}</item></organization></organizations>
        <resources>{resources}</resources>"""
    )
    return {
        "imsmanifest.xml": manifest,
        **{f"sco{n}/index.html": packages.HTML for n in range(count)},
    }


def test_import_queries_do_not_grow_with_items(import_bytes, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        result = import_bytes(packages.zip_bytes(_many_scos(200)))
    assert result.launchable_count == 200
    assert result.version.activities.filter(parent__identifier="CH").count() == 200
