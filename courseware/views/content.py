"""Package files: `/courseware/content/<token>/<path inside the package>`.

The token names one version; the path is confined to that version's storage prefix and read
through the storage API only (a local folder or S3 alike). Responses carry the MIME type
content expects, validators (ETag, Last-Modified, 304), single byte ranges (206/416), a
sandboxing Content-Security-Policy and no cookie.
"""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import re
from urllib.parse import unquote

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import (
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from courseware.models import PackageVersion
from courseware.origins import placement_for

from .tokens import BadToken, read_token

CHUNK = 64 * 1024

# What `mimetypes` gets wrong or leaves out on some systems; content breaks without these
# (module scripts refuse a wrong type, fonts and video need theirs for Range playback).
MIME_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".oga": "audio/ogg",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".vtt": "text/vtt; charset=utf-8",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".swf": "application/x-shockwave-flash",
}

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def mime_type(path: str) -> str:
    """The Content-Type a package file is served with."""
    extension = posixpath.splitext(path)[1].lower()
    if extension in MIME_TYPES:
        return MIME_TYPES[extension]
    guessed, _encoding = mimetypes.guess_type(path, strict=False)
    return guessed or "application/octet-stream"


def safe_package_path(path: str) -> str | None:
    """The path inside a package, or None when it could leave the package's prefix.

    Refused: empty, absolute, `.`/`..` segments (also when still percent-encoded), backslashes,
    NUL and other control characters, and empty segments.
    """
    if not path or len(path) > 2000:
        return None
    for candidate in (path, unquote(path)):
        if candidate.startswith("/") or "\\" in candidate:
            return None
        if any(ord(char) < 32 or ord(char) == 127 for char in candidate):
            return None
        segments = candidate.split("/")
        if any(segment in {"", ".", ".."} for segment in segments):
            return None
        if re.match(r"^[A-Za-z]:", candidate):
            return None
    return path


def _refusal(response, placement=None):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    if placement is not None:
        response["Content-Security-Policy"] = placement.content_security_policy()
    return response


def _parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(first, last) of a single satisfiable range; None to ignore the header; False for 416."""
    match = _RANGE.match(header.strip())
    if not match:
        return None  # multiple ranges or another unit: serve the whole file (RFC 9110 allows it)
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return False
    return start, min(end, size - 1)


def _stream(name: str, start: int, length: int):
    with default_storage.open(name, "rb") as handle:
        if start:
            handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def grant_and_placement(token: str):
    """(grant, placement) for a token, or None when it is not valid."""
    try:
        grant = read_token(token)
    except BadToken:
        return None
    return grant, placement_for(grant.platform_origin)


@require_safe
@xframe_options_exempt
def content_file(request, token: str, path: str):
    """One file of the token's package version, as a browser and content expect it."""
    found = grant_and_placement(token)
    if found is None:
        return _refusal(HttpResponseForbidden(b"", content_type="text/plain"))
    grant, placement = found
    if placement.refuses_host(request):
        return _refusal(HttpResponseNotFound(b"", content_type="text/plain"), placement)
    relative = safe_package_path(path)
    if relative is None:
        return _refusal(HttpResponseNotFound(b"", content_type="text/plain"), placement)
    prefix = (
        PackageVersion.objects.filter(pk=grant.version_id, status=PackageVersion.Status.READY)
        .values_list("storage_prefix", flat=True)
        .first()
    )
    if not prefix:
        return _refusal(HttpResponseNotFound(b"", content_type="text/plain"), placement)
    name = f"{prefix}{relative}"
    try:
        size = default_storage.size(name)
        modified = default_storage.get_modified_time(name)
    except (FileNotFoundError, OSError, SuspiciousFileOperation, NotImplementedError):
        return _refusal(HttpResponseNotFound(b"", content_type="text/plain"), placement)

    launch = request.GET.get("tn_launch", "")
    if not placement.isolated and launch.isdigit() and mime_type(relative).startswith("text/html"):
        from .launcher import injected_response

        injected = injected_response(request, token, grant, placement, int(launch), relative, name)
        if injected is not None:
            return _finish(injected, placement)

    modified_at = int(modified.timestamp())
    etag = '"' + hashlib.sha256(f"{name}:{size}:{modified_at}".encode()).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(modified_at),
        "Accept-Ranges": "bytes",
        # The token is in the path, so a shared cache can never hand one learner's URL
        # to another; the browser may keep files for the launch's life.
        "Cache-Control": "private, max-age=3600",
    }

    if _not_modified(request, etag, modified_at):
        response = HttpResponseNotModified()
        for key, value in headers.items():
            response[key] = value
        return _finish(response, placement)

    content_type = mime_type(relative)
    range_header = request.META.get("HTTP_RANGE", "")
    if_range = request.META.get("HTTP_IF_RANGE", "")
    if range_header and if_range and if_range not in {etag, http_date(modified_at)}:
        range_header = ""  # the client's copy changed: send the whole file
    selected = _parse_range(range_header, size) if range_header else None
    if selected is False:
        response = HttpResponse(status=416, content_type="text/plain")
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return _finish(response, placement)
    if selected:
        first, last = selected
        length = last - first + 1
        status = 206
    else:
        first, length, status = 0, size, 200
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=content_type)
    else:
        response = StreamingHttpResponse(
            _stream(name, first, length), status=status, content_type=content_type
        )
    for key, value in headers.items():
        response[key] = value
    response["Content-Length"] = str(length)
    if status == 206:
        response["Content-Range"] = f"bytes {first}-{first + length - 1}/{size}"
    return _finish(response, placement)


def _not_modified(request, etag: str, modified_at: int) -> bool:
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and modified_at <= since


def _finish(response, placement):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = placement.content_security_policy()
    response["Referrer-Policy"] = "no-referrer"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
