"""cmi5.xml is held to the course structure XSD's content model (cmi5 §13.2, 13.2.0.0-1):
element order, required elements, known cmi5 names, extensions only where the XSD allows."""

from __future__ import annotations

import io

import pytest
from django.utils import translation

from courseware.importing import PackageImportError
from courseware.models import Activity
from courseware.services import package_import

NS = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
EXT = "https://taynghe.example/ns/ext"
TITLE = "<title><langstring>T</langstring></title>"
DESCRIPTION = "<description><langstring>D</langstring></description>"
URL = "<url>https://content.example.org/a/</url>"


def structure(
    body: str, *, course: str = TITLE + DESCRIPTION, before: str = "", after: str = ""
) -> bytes:
    """A standalone cmi5.xml; `body` goes after the course (and `before`), `after` at the end."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<courseStructure xmlns="{NS}" xmlns:x="{EXT}">'
        f'<course id="https://taynghe.example/course/o">{course}</course>'
        f"{before}{body}{after}</courseStructure>"
    ).encode()


def au(content: str, identifier: str = "https://taynghe.example/au/o1") -> str:
    return f'<au id="{identifier}">{content}</au>'


@pytest.fixture
def upload(school):
    institution, teacher, _learner, _other = school

    def run(data: bytes):
        return package_import(actor=teacher, institution=institution, file=io.BytesIO(data))

    return run


@pytest.fixture
def refused(upload):
    """The messages of a refused upload (the test fails if it imports)."""

    def run(data: bytes) -> list[str]:
        with pytest.raises(PackageImportError) as caught:
            upload(data)
        assert set(caught.value.codes) == {"bad_manifest"}
        assert all(problem.path == "cmi5.xml" for problem in caught.value.problems)
        return [problem.message for problem in caught.value.problems]

    return run


@pytest.fixture(autouse=True)
def english():
    """The messages read in English (the default language is Vietnamese)."""
    with translation.override("en"):
        yield


def test_url_before_title_is_refused_naming_the_element_and_what_was_expected(refused):
    messages = refused(structure(au(URL + TITLE + DESCRIPTION)))
    assert messages == [
        'In /courseStructure/au[@id="https://taynghe.example/au/o1"], “url” is out of order; '
        "expected “title”."
    ]


def test_description_before_title_in_the_course_is_refused(refused):
    messages = refused(structure(au(TITLE + DESCRIPTION + URL), course=DESCRIPTION + TITLE))
    assert "“description” is out of order; expected “title”" in messages[0]
    assert "/courseStructure/course" in messages[0]


def test_launch_parameters_before_url_is_refused(refused):
    body = au(TITLE + DESCRIPTION + "<launchParameters>x</launchParameters>" + URL)
    (message,) = refused(structure(body))
    assert "“launchParameters” is out of order; expected one of “objectives”, “url”" in message


def test_entitlement_key_before_launch_parameters_is_refused(refused):
    body = au(
        TITLE
        + DESCRIPTION
        + URL
        + "<entitlementKey>k</entitlementKey><launchParameters>x</launchParameters>"
    )
    (message,) = refused(structure(body))
    assert "“launchParameters” is out of order" in message


def test_objectives_after_the_aus_of_the_course_are_refused(refused):
    objectives = (
        '<objectives><objective id="https://taynghe.example/obj/1">'
        f"{TITLE}{DESCRIPTION}</objective></objectives>"
    )
    (message,) = refused(structure(au(TITLE + DESCRIPTION + URL), after=objectives))
    assert "In /courseStructure, “objectives” is out of order" in message


def test_an_au_before_the_course_is_refused(refused):
    data = (
        f'<courseStructure xmlns="{NS}">{au(TITLE + DESCRIPTION + URL)}'
        f'<course id="https://taynghe.example/course/o">{TITLE}{DESCRIPTION}</course>'
        "</courseStructure>"
    ).encode()
    (message,) = refused(data)
    assert "“au” is out of order; expected “course”" in message


def test_an_element_given_twice_is_refused(refused):
    (message,) = refused(structure(au(TITLE + TITLE + DESCRIPTION + URL)))
    assert "“title” is out of order; expected “description”" in message


def test_a_second_url_is_refused(refused):
    (message,) = refused(structure(au(TITLE + DESCRIPTION + URL + URL)))
    assert "“url” is out of order" in message


@pytest.mark.parametrize(
    ("body", "course", "where", "missing"),
    [
        (au(TITLE + URL), TITLE + DESCRIPTION, "au[", None),
        (au(TITLE + DESCRIPTION), TITLE + DESCRIPTION, "au[", "“url”"),
        (au(TITLE + DESCRIPTION + URL), TITLE, "/courseStructure/course", "“description”"),
        ("", TITLE + DESCRIPTION, "In /courseStructure,", "one of “au”, “block”"),
        (
            f'<block id="https://taynghe.example/block/o">{TITLE}{DESCRIPTION}</block>',
            TITLE + DESCRIPTION,
            "block[",
            "one of “au”, “block”",
        ),
        (au("<title/>" + DESCRIPTION + URL), TITLE + DESCRIPTION, "/title[1]", "“langstring”"),
        (
            au(TITLE + DESCRIPTION + "<objectives/>" + URL),
            TITLE + DESCRIPTION,
            "/objectives[1]",
            "“objective”",
        ),
    ],
)
def test_a_missing_required_element_is_refused(refused, body, course, where, missing):
    (message,) = refused(structure(body, course=course))
    assert where in message
    if missing:
        assert f"{missing} is missing" in message
    else:
        # The url comes where the description was required.
        assert "“url” is out of order; expected “description”" in message


def test_a_structure_without_the_cmi5_namespace_is_refused(refused):
    data = structure(au(TITLE + DESCRIPTION + URL)).replace(f'xmlns="{NS}"'.encode(), b"")
    (message,) = refused(data)
    assert NS in message


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (au(TITLE + DESCRIPTION + URL + "<duration>PT1H</duration>"), "duration"),
        (au(TITLE + DESCRIPTION + "<objective/>" + URL), "objective"),
        (
            au("<title><langstring>T</langstring><lang>en</lang></title>" + DESCRIPTION + URL),
            "lang",
        ),
        (au(TITLE + DESCRIPTION + URL) + "<lesson/>", "lesson"),
    ],
    ids=["in-au", "known-name-elsewhere", "in-title", "in-course-structure"],
)
def test_elements_of_the_cmi5_namespace_the_schema_does_not_know_are_refused(refused, body, name):
    (message,) = refused(structure(body))
    if name == "objective":
        # Known to the schema, but not here.
        assert "“objective” is out of order; expected one of “objectives”, “url”" in message
    else:
        assert f"“{name}” is not an element of the cmi5 course structure" in message


def test_an_extension_element_between_cmi5_elements_is_refused(refused):
    (message,) = refused(structure(au(TITLE + "<x:note>n</x:note>" + DESCRIPTION + URL)))
    assert "the extension element “note” is not allowed here; expected “description”" in message


def test_a_cmi5_element_after_extension_elements_is_refused(refused):
    body = au(
        TITLE + DESCRIPTION + URL + "<x:note>n</x:note><launchParameters>p</launchParameters>"
    )
    (message,) = refused(structure(body))
    assert "“launchParameters” is out of order; expected only extension elements" in message


def test_an_element_in_no_namespace_is_not_an_extension(refused):
    body = au(TITLE + DESCRIPTION + URL + '<note xmlns="">n</note>')
    (message,) = refused(structure(body))
    assert "the element “note” is in no namespace" in message


def test_an_extension_inside_a_course_objective_is_refused(refused):
    objectives = (
        '<objectives><objective id="https://taynghe.example/obj/1">'
        f"{TITLE}<x:note/>{DESCRIPTION}</objective></objectives>"
    )
    (message,) = refused(structure(au(TITLE + DESCRIPTION + URL), before=objectives))
    assert 'objective[@id="https://taynghe.example/obj/1"]' in message
    assert "the extension element “note” is not allowed here" in message


def test_a_course_objective_without_description_is_refused(refused):
    objectives = f'<objectives><objective id="https://taynghe.example/obj/1">{TITLE}</objective></objectives>'
    (message,) = refused(structure(au(TITLE + DESCRIPTION + URL), before=objectives))
    assert "“description” is missing" in message


def test_an_objective_reference_with_content_is_refused(refused):
    body = au(
        TITLE
        + DESCRIPTION
        + f'<objectives><objective idref="https://taynghe.example/obj/1">{TITLE}</objective>'
        + "</objectives>"
        + URL
    )
    (message,) = refused(structure(body))
    assert 'objective[@idref="https://taynghe.example/obj/1"]' in message
    assert "“title” is out of order; expected no further element" in message


def test_text_between_elements_is_refused(refused):
    (message,) = refused(structure(au(TITLE + "stray words" + DESCRIPTION + URL)))
    assert "the text “stray words” is not allowed between elements" in message


def test_an_element_inside_the_url_is_refused(refused):
    body = au(TITLE + DESCRIPTION + "<url>https://c.example/<x:b/></url>")
    (message,) = refused(structure(body))
    assert "it holds text only" in message


def test_problems_in_several_aus_are_all_reported(refused):
    body = au(URL + TITLE + DESCRIPTION) + au(
        TITLE + URL + DESCRIPTION, "https://taynghe.example/au/o2"
    )
    messages = refused(structure(body))
    assert len(messages) == 2
    assert "au/o1" in messages[0] and "au/o2" in messages[1]


def test_extension_elements_where_the_xsd_allows_them_are_accepted(upload):
    """Extensions at the end of courseStructure, course, objectives, block, au and a text."""
    objectives = (
        '<objectives><objective id="https://taynghe.example/obj/1">'
        f"{DESCRIPTION}{TITLE}</objective><x:more/></objectives>"
    )
    ext = '<x:meta kind="a"><x:deep>any <b xmlns="">content</b></x:deep></x:meta>'
    body = (
        '<block id="https://taynghe.example/block/o">'
        f"<title><langstring>B</langstring>{ext}</title>{DESCRIPTION}"
        '<objectives><objective idref="https://taynghe.example/obj/1"/><x:r/></objectives>'
        '<au id="https://taynghe.example/au/o1" moveOn="Passed">'
        f"{TITLE}{DESCRIPTION}"
        '<objectives><objective idref="https://taynghe.example/obj/1"/></objectives>'
        f"{URL}<launchParameters>{{}}</launchParameters>"
        f"<entitlementKey>k</entitlementKey>{ext}{ext}</au>{ext}</block>"
    )
    result = upload(
        structure(body, course=TITLE + DESCRIPTION + ext, before=objectives, after=ext + ext)
    )
    hrefs = list(
        Activity.objects.filter(version=result.version, is_launchable=True).values_list(
            "href", flat=True
        )
    )
    assert hrefs == ["https://content.example.org/a/"]


def test_comments_and_whitespace_between_elements_are_accepted(upload):
    body = au(f"\n  <!-- first -->\n  {TITLE}\n  {DESCRIPTION}\n  <?pi x?>{URL}\n")
    assert upload(structure(body)).version.kind == "cmi5"


def test_optional_elements_left_out_are_accepted(upload):
    body = au(TITLE + DESCRIPTION + URL + "<entitlementKey>k</entitlementKey>")
    assert upload(structure(body)).version.kind == "cmi5"


def test_a_structure_nested_thousands_deep_is_refused_not_a_crash(refused):
    levels = 3000
    opening = "".join(
        f'<block id="https://taynghe.example/block/{n}">{TITLE}{DESCRIPTION}' for n in range(levels)
    )
    body = opening + au(TITLE + DESCRIPTION + URL) + "</block>" * levels
    (message,) = refused(structure(body))
    assert "more than 100 levels deep" in message


def test_blocks_nested_a_few_levels_deep_are_accepted(upload):
    levels = 20
    opening = "".join(
        f'<block id="https://taynghe.example/block/{n}">{TITLE}{DESCRIPTION}' for n in range(levels)
    )
    body = opening + au(TITLE + DESCRIPTION + URL) + "</block>" * levels
    assert upload(structure(body)).version.kind == "cmi5"
