"""Stems keep rich text and images but lose scripts, handlers and unsafe links."""

import pytest

from assessment import services
from assessment.richtext import stem_clean

from . import factories


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("<p>Điện áp <b>U</b> = I·R</p>", "<p>Điện áp <b>U</b> = I·R</p>"),
        ("<p>m<sup>2</sup>, H<sub>2</sub>O</p>", "<p>m<sup>2</sup>, H<sub>2</sub>O</p>"),
        (
            '<embed embedtype="image" id="3" format="fullwidth" alt="Sơ đồ"/>',
            '<embed alt="Sơ đồ" embedtype="image" format="fullwidth" id="3"/>',
        ),
        ('<a linktype="page" id="7">Bài 1</a>', '<a id="7" linktype="page">Bài 1</a>'),
        ("<table><tr><td>1</td></tr></table>", "<table><tr><td>1</td></tr></table>"),
    ],
)
def test_rich_text_and_images_are_kept(given, kept):
    assert stem_clean(given) == kept


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("<p>a<script>alert(1)</script></p>", "<p>aalert(1)</p>"),
        ('<p onclick="steal()">a</p>', "<p>a</p>"),
        ('<a href="javascript:alert(1)">a</a>', "<a>a</a>"),
        ('<embed embedtype="script" id="1"/>', '<embed id="1"/>'),
        ('<p style="display:none">đáp án: A</p>', "<p>đáp án: A</p>"),
        ("<iframe src='https://x'></iframe><p>b</p>", "<p>b</p>"),
    ],
)
def test_unsafe_markup_is_removed(given, cleaned):
    assert stem_clean(given) == cleaned


def test_services_clean_the_stem_on_create_and_update(tenant_a):
    bank = factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)
    version = factories.make_item(
        bank, actor=tenant_a.teacher, stem='<p onmouseover="x()">Câu 1</p>'
    )
    assert version.stem == "<p>Câu 1</p>"
    updated = services.item_update(
        actor=tenant_a.teacher, item=version.item, stem="<p>Câu 1<script>x()</script></p>"
    )
    assert updated.stem == "<p>Câu 1x()</p>"
