"""A course structure uploaded alone (cmi5.xml, AUs at absolute URLs), and what cmi5 refuses."""

from __future__ import annotations

import io

import pytest

from courseware.importing import PackageImportError
from courseware.models import Activity
from courseware.services import package_import

from .conftest import course_files

HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
NS = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"


def structure(body: str, course_id: str = "https://taynghe.example/course/s") -> bytes:
    return (
        f'{HEAD}<courseStructure xmlns="{NS}"><course id="{course_id}">'
        "<title><langstring>C</langstring></title>"
        f"<description><langstring>D</langstring></description></course>{body}"
        "</courseStructure>"
    ).encode()


def au(identifier: str, url: str, **attributes) -> str:
    extra = " ".join(f'{name}="{value}"' for name, value in attributes.items())
    return (
        f'<au id="{identifier}" {extra}><title><langstring>A</langstring></title>'
        f"<description><langstring>A</langstring></description><url>{url}</url></au>"
    )


@pytest.fixture
def upload(school):
    institution, teacher, _learner, _other = school

    def run(data: bytes):
        return package_import(actor=teacher, institution=institution, file=io.BytesIO(data))

    return run


def test_standalone_structure_with_remote_aus_imports(upload):
    result = upload(
        b"\xef\xbb\xbf"
        + structure(
            au("https://taynghe.example/au/r1", "https://content.example.org/r1/index.html")
            + au(
                "https://taynghe.example/au/r2", "https://content.example.org/r2/", moveOn="Passed"
            )
        )
    )
    assert result.version.kind == "cmi5"
    hrefs = list(
        Activity.objects.filter(version=result.version, is_launchable=True)
        .order_by("sort_order")
        .values_list("href", "launch_settings__moveOn")
    )
    assert hrefs == [
        ("https://content.example.org/r1/index.html", "NotApplicable"),
        ("https://content.example.org/r2/", "Passed"),
    ]


def test_the_same_structure_gives_the_same_digest(upload):
    data = structure(au("https://taynghe.example/au/r1", "https://content.example.org/r1/"))
    assert upload(data).version.sha256 == upload(data).version.sha256


def test_a_zip_is_still_read_as_a_zip(imported):
    assert imported(course_files()).version.kind == "cmi5"


@pytest.mark.parametrize(
    ("body", "course_id", "code"),
    [
        # A relative URL needs the package's files (cmi5 §14.2).
        (au("https://taynghe.example/au/x", "index.html"), None, "missing_launch_file"),
        (au("taynghe.example/au/x", "https://c.example/x"), None, "invalid_value"),
        (au("https://taynghe.example/au/x", "https://c.example/x"), "course/1", "invalid_value"),
        (
            au("https://taynghe.example/au/x", "https://c.example/x")
            + au("https://taynghe.example/au/x", "https://c.example/y"),
            None,
            "duplicate_identifier",
        ),
        (au("https://taynghe.example/au/x", "https://c.example/a b"), None, "invalid_value"),
        (
            au("https://taynghe.example/au/x", "https://c.example/?endpoint=https://lrs.example"),
            None,
            "invalid_value",
        ),
        (
            au("https://taynghe.example/au/x", "https://c.example/", moveOn="Often"),
            None,
            "invalid_value",
        ),
    ],
)
def test_structures_cmi5_forbids_are_refused(upload, body, course_id, code):
    data = structure(body, course_id) if course_id else structure(body)
    with pytest.raises(PackageImportError) as refused:
        upload(data)
    assert code in refused.value.codes


def test_text_that_is_not_a_structure_is_refused(upload):
    with pytest.raises(PackageImportError) as refused:
        upload(b"# A markdown file\n")
    assert refused.value.codes == ["not_a_zip"]
