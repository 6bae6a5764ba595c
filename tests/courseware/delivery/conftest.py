"""Two imported packages (of two institutions) and tokens for them."""

from __future__ import annotations

import io

import pytest

from courseware import services
from courseware.views.tokens import launch_token
from tests.courseware.packages import scorm12_single, zip_bytes

PLATFORM = "http://testserver"

EXTRA_FILES = {
    "app.mjs": "export const a = 1;",
    "lib/app.js": "var a = 1;",
    "data.json": "{}",
    "fonts/f.woff2": b"wOF2" + b"\0" * 60,
    "fonts/f.woff": b"wOFF" + b"\0" * 60,
    "media/clip.mp4": bytes(range(256)) * 40,
    "media/clip.webm": b"\x1aE\xdf\xa3" + b"\0" * 100,
    "media/subs.vtt": "WEBVTT\n",
    "media/a.m4a": b"\0" * 10,
    "img/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "bin/m.wasm": b"\0asm\x01\0\0\0",
    "schema/x.xsd": "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'/>",
    "thư mục/bài 1.html": "<p>Tiếng Việt</p>",
}


@pytest.fixture
def package_a(school):
    institution, teacher = school
    files = {**scorm12_single(), **EXTRA_FILES}
    package = services.package_import(
        actor=teacher, institution=institution, file=io.BytesIO(zip_bytes(files)), title="A"
    )
    return package.version


@pytest.fixture
def package_b(db):
    from institutions import services as institution_services
    from institutions.models import Institution
    from institutions.roles import InstitutionRole

    institution = institution_services.institution_create(
        actor=None,
        code="CDN2",
        name="Cao đẳng Nghề 2",
        kind=Institution.Kind.COLLEGE,
        province="Huế",
    )
    teacher = institution_services.user_create(username="gv2", password=None)
    institution_services.membership_grant(
        actor=None, user=teacher, institution=institution, role=InstitutionRole.TEACHER
    )
    files = {**scorm12_single(), "secret.html": "<p>B only</p>"}
    package = services.package_import(
        actor=teacher, institution=institution, file=io.BytesIO(zip_bytes(files)), title="B"
    )
    return package.version


@pytest.fixture
def preview_token(package_a, school):
    _institution, teacher = school
    return launch_token(user_id=teacher.pk, version_id=package_a.pk, platform_origin=PLATFORM)
