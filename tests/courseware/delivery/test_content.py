"""Package files: MIME types, validators, byte ranges, confinement to the version, isolation."""

from __future__ import annotations

import pytest
from django.core import signing
from django.core.files.storage import InMemoryStorage

from courseware.views.tokens import SALT, launch_token

from .conftest import PLATFORM

pytestmark = pytest.mark.django_db


def url(token: str, path: str) -> str:
    return f"/courseware/content/{token}/{path}"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("api.js", "text/javascript; charset=utf-8"),
        ("app.mjs", "text/javascript; charset=utf-8"),
        ("data.json", "application/json"),
        ("fonts/f.woff2", "font/woff2"),
        ("fonts/f.woff", "font/woff"),
        ("media/clip.mp4", "video/mp4"),
        ("media/clip.webm", "video/webm"),
        ("media/subs.vtt", "text/vtt; charset=utf-8"),
        ("media/a.m4a", "audio/mp4"),
        ("img/logo.svg", "image/svg+xml"),
        ("bin/m.wasm", "application/wasm"),
        ("schema/x.xsd", "application/xml"),
        ("imsmanifest.xml", "application/xml"),
    ],
)
def test_files_are_served_with_the_type_content_expects(client, preview_token, path, content_type):
    response = client.get(url(preview_token, path))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_file_is_served_whole_with_validators_sandbox_and_no_cookie(client, preview_token):
    response = client.get(url(preview_token, "index.html"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert b"SCO" in body
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]
    csp = response["Content-Security-Policy"]
    # No content origin for "testserver": the opaque sandbox, without allow-same-origin.
    assert csp.startswith("sandbox allow-scripts")
    assert "allow-same-origin" not in csp
    assert f"frame-ancestors {PLATFORM}" in csp
    assert "X-Frame-Options" not in response
    assert not response.cookies


def test_non_ascii_paths_are_served(client, preview_token):
    response = client.get(url(preview_token, "th%C6%B0%20m%E1%BB%A5c/b%C3%A0i%201.html"))
    assert response.status_code == 200
    assert "Tiếng Việt" in b"".join(response.streaming_content).decode()


def test_etag_and_last_modified_answer_304(client, preview_token):
    first = client.get(url(preview_token, "api.js"))
    again = client.get(url(preview_token, "api.js"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    since = client.get(url(preview_token, "api.js"), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    other = client.get(url(preview_token, "api.js"), HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


def test_a_single_range_is_answered_206(client, preview_token):
    whole = b"".join(client.get(url(preview_token, "media/clip.mp4")).streaming_content)
    assert len(whole) == 10240
    response = client.get(url(preview_token, "media/clip.mp4"), HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 100-199/10240"
    assert response["Content-Length"] == "100"
    assert b"".join(response.streaming_content) == whole[100:200]


def test_open_and_suffix_ranges(client, preview_token):
    whole = b"".join(client.get(url(preview_token, "media/clip.mp4")).streaming_content)
    tail = client.get(url(preview_token, "media/clip.mp4"), HTTP_RANGE="bytes=-16")
    assert tail.status_code == 206
    assert b"".join(tail.streaming_content) == whole[-16:]
    rest = client.get(url(preview_token, "media/clip.mp4"), HTTP_RANGE="bytes=10000-")
    assert rest["Content-Range"] == "bytes 10000-10239/10240"
    assert b"".join(rest.streaming_content) == whole[10000:]
    past_end = client.get(url(preview_token, "media/clip.mp4"), HTTP_RANGE="bytes=10200-99999")
    assert past_end["Content-Range"] == "bytes 10200-10239/10240"


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=20000-30000", "bytes=-0", "bytes=9-3"])
def test_unsatisfiable_ranges_are_answered_416(client, preview_token, header):
    response = client.get(url(preview_token, "media/clip.mp4"), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */10240"


def test_a_range_on_a_changed_file_sends_the_whole_file(client, preview_token):
    response = client.get(
        url(preview_token, "media/clip.mp4"), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"'
    )
    assert response.status_code == 200
    assert response["Content-Length"] == "10240"


def test_head_gives_the_length_without_a_body(client, preview_token):
    response = client.head(url(preview_token, "media/clip.mp4"))
    assert response.status_code == 200
    assert response["Content-Length"] == "10240"
    assert response.content == b""


@pytest.mark.parametrize(
    "path",
    [
        "../index.html",
        "a/../../index.html",
        "%2e%2e/index.html",
        "%252e%252e/index.html",
        "..%2findex.html",
        "..%5cindex.html",
        "a%5c..%5c..%5cindex.html",
        "index.html%00.js",
        "./index.html",
        "a//index.html",
        "C:/windows/win.ini",
        "%2Fetc%2Fpasswd",
    ],
)
def test_paths_that_could_leave_the_package_are_refused(client, preview_token, path):
    response = client.get(url(preview_token, path))
    assert response.status_code in {400, 404}


def test_a_missing_file_is_not_found(client, preview_token):
    assert client.get(url(preview_token, "nope.html")).status_code == 404


def test_a_token_for_package_a_never_reads_package_b(client, preview_token, package_b):
    # B's file does not exist under A's prefix, whatever the path says.
    assert client.get(url(preview_token, "secret.html")).status_code == 404
    prefix_b = package_b.storage_prefix
    assert client.get(url(preview_token, f"{prefix_b}secret.html")).status_code == 404
    assert client.get(url(preview_token, f"../../{prefix_b}secret.html")).status_code == 404


def test_a_tampered_token_is_refused(client, preview_token, package_b):
    payload = signing.loads(preview_token, salt=SALT)
    payload["v"] = package_b.pk
    forged = signing.dumps(payload, salt="another-salt", compress=True)
    assert client.get(url(forged, "secret.html")).status_code == 403
    broken = preview_token[:-3] + ("AAA" if not preview_token.endswith("AAA") else "BBB")
    assert client.get(url(broken, "index.html")).status_code == 403
    assert client.get(url("not-a-token", "index.html")).status_code == 403


def test_an_expired_token_is_refused(client, package_a, school, monkeypatch):
    import time

    token = launch_token(user_id=school[1].pk, version_id=package_a.pk, platform_origin=PLATFORM)
    later = time.time() + 12 * 3600 + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(url(token, "index.html")).status_code == 403


def test_a_version_not_ready_is_not_served(client, preview_token, package_a):
    package_a.status = package_a.Status.FAILED
    package_a.save(update_fields=["status"])
    assert client.get(url(preview_token, "index.html")).status_code == 404


def test_only_get_and_head(client, preview_token):
    assert client.post(url(preview_token, "index.html")).status_code == 405


class PathlessStorage(InMemoryStorage):
    """Like object storage: files without a filesystem path for callers."""

    def _relative_path(self, name):
        import os

        from django.utils._os import safe_join

        return os.path.relpath(safe_join(self.location, name), self.location)

    def path(self, name):
        raise NotImplementedError("no filesystem here")


def test_files_are_read_through_the_storage_api_only(client, settings, school):
    """No filesystem path: a storage without one (like S3) serves the same, ranges included."""
    import io

    from django.core.files.storage import default_storage

    from courseware import services
    from tests.courseware.packages import scorm12_single, zip_bytes

    from .conftest import EXTRA_FILES

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.courseware.delivery.test_content.PathlessStorage"},
    }
    with pytest.raises(NotImplementedError):
        default_storage.path("x")
    institution, teacher = school
    result = services.package_import(
        actor=teacher,
        institution=institution,
        file=io.BytesIO(zip_bytes({**scorm12_single(), **EXTRA_FILES})),
    )
    token = launch_token(user_id=teacher.pk, version_id=result.version.pk, platform_origin=PLATFORM)
    response = client.get(url(token, "media/clip.mp4"), HTTP_RANGE="bytes=10-19")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == (bytes(range(256)) * 40)[10:20]
    assert client.get(url(token, "index.html")).status_code == 200
