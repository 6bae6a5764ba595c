"""Export then import gives the same items, for every question type and each QTI version."""

from __future__ import annotations

import io

import pytest

from assessment import questions
from assessment.models import ItemVersion
from assessment.qti.services import qti_export_bank, qti_import

from ..factories import make_bank
from .helpers import normalised

QTI_VERSIONS = ["2.1", "2.2", "3.0"]


def _snapshot(version: ItemVersion) -> dict:
    return {
        "question_type": version.question_type,
        "stem": version.stem,
        "body": normalised(version.question_type, version.body),
        "tags": version.tags,
        "outcome_codes": version.outcome_codes,
        "difficulty": version.difficulty,
        "language": version.language,
        "max_score": questions.get(version.question_type).max_score(version.body),
    }


@pytest.mark.parametrize("qti_version", QTI_VERSIONS)
def test_round_trip_keeps_every_type(tenant_a, every_type, qti_version):
    bank, versions = every_type
    data = qti_export_bank(actor=tenant_a.teacher, bank=bank, qti_version=qti_version)
    target = make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Nhập lại")
    report = qti_import(actor=tenant_a.teacher, bank=target, fileobj=io.BytesIO(data))
    assert [(i.identifier, i.code, i.message) for i in report.failed] == []
    assert report.qti_versions == [qti_version]
    imported = [ItemVersion.objects.get(pk=entry.version_id) for entry in report.imported]
    assert len(imported) == len(versions)
    expected = sorted((_snapshot(v) for v in versions.values()), key=lambda s: s["stem"])
    got = sorted((_snapshot(v) for v in imported), key=lambda s: s["stem"])
    for want, have in zip(expected, got, strict=True):
        assert have == want


@pytest.mark.parametrize("qti_version", ["2.1", "3.0"])
def test_stem_images_travel_as_files_and_come_back_as_images(tenant_a, qti_version):
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    from .helpers import png_bytes

    image = get_image_model()(
        title="Sơ đồ", file=ImageFile(io.BytesIO(png_bytes()), name="so-do.png")
    )
    image.save()
    bank = make_bank(tenant_a.institution, actor=tenant_a.teacher)
    stem = (
        '<p>Xem sơ đồ:</p><embed alt="Sơ đồ tủ điện" embedtype="image" format="left"'
        f' id="{image.pk}"/>'
    )
    from ..factories import make_item

    original = make_item(bank, actor=tenant_a.teacher, stem=stem)
    data = qti_export_bank(actor=tenant_a.teacher, bank=bank, qti_version=qti_version)
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert [n for n in names if n.startswith("images/")] == [
        f"images/{image.pk}-{image.file.name.rsplit('/', 1)[-1]}"
    ]
    target = make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Có ảnh")
    report = qti_import(actor=tenant_a.teacher, bank=target, fileobj=io.BytesIO(data))
    assert report.failed == []
    copy = ItemVersion.objects.get(pk=report.imported[0].version_id)
    new_image = get_image_model().objects.exclude(pk=image.pk).get()
    assert copy.stem == original.stem.replace(f'id="{image.pk}"', f'id="{new_image.pk}"')
    assert (new_image.width, new_image.height) == (image.width, image.height)


def test_ids_that_are_not_qti_identifiers_survive_the_round_trip(tenant_a):
    from ..factories import make_item

    bank = make_bank(tenant_a.institution, actor=tenant_a.teacher)
    bodies = {
        "single_choice": {
            "options": [{"id": "1", "text": "Một"}, {"id": "2 b", "text": "Hai"}],
            "correct": "2 b",
        },
        "ordering": {"steps": [{"id": "0", "text": "Đầu"}, {"id": "a", "text": "Cuối"}]},
        "cloze": {
            "text": "{{1}} và {{a}}",
            "gaps": [
                {"id": "1", "kind": "select", "correct": "a",
                 "options": [{"id": "a", "text": "x"}, {"id": "9", "text": "y"}]},
                {"id": "a", "kind": "text", "accepted": [{"text": "z"}]},
            ],
        },
    }  # fmt: skip
    originals = {
        kind: make_item(bank, kind, actor=tenant_a.teacher, body=body, stem=f"<p>{kind}</p>")
        for kind, body in bodies.items()
    }
    data = qti_export_bank(actor=tenant_a.teacher, bank=bank, qti_version="2.2")
    target = make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Mã lạ")
    report = qti_import(actor=tenant_a.teacher, bank=target, fileobj=io.BytesIO(data))
    assert report.failed == []
    for entry in report.imported:
        copy = ItemVersion.objects.get(pk=entry.version_id)
        kind = copy.question_type
        assert normalised(kind, copy.body) == normalised(kind, originals[kind].body)
