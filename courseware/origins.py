"""Where package content runs: a content origin apart from the platform's, and what follows.

Package JavaScript must never act as the logged-in learner on the platform's own pages.
Content (package files and the launcher page holding the SCORM API object) is therefore
served from a *content origin* that carries no platform cookie:

- `TAYNGHE_CONTENT_ORIGIN` (for example `https://content.example.org`) in production;
- on a laptop, the other loopback name on the same port (`127.0.0.1` <-> `localhost`), so a
  developer gets real isolation with no setup;
- otherwise the platform's own origin, with the frames sandboxed *without*
  `allow-same-origin`: content then runs in an opaque origin (isolation holds, but content
  that scripts across frames or uses storage may break).

The platform origin a launch was made from travels inside the signed launch token, so every
content response knows which origin may frame it and which origin it talks back to.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseNotFound

LOOPBACK_PAIRS = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}

# The iframe sandbox of the launcher when content runs on its own (cross-origin) origin:
# allow-same-origin is safe only because that origin is not the platform's.
SANDBOX_ISOLATED = (
    "allow-scripts allow-same-origin allow-forms allow-popups "
    "allow-popups-to-escape-sandbox allow-modals allow-downloads"
)
# The fallback on the platform's own origin: an opaque origin instead.
SANDBOX_OPAQUE = (
    "allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox "
    "allow-modals allow-downloads"
)

# Paths the content host answers; everything else there is refused.
CONTENT_PATH_PREFIXES = ("/courseware/content/", "/courseware/launch/", "/static/")


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, lower-cased, without a path or trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return ""
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}".lower()


def configured_content_origin() -> str:
    """TAYNGHE_CONTENT_ORIGIN normalised, or '' when the deployment has none."""
    return origin_of(getattr(settings, "TAYNGHE_CONTENT_ORIGIN", "") or "")


def request_origin(request) -> str:
    """The origin a request was made to (host validated by Django)."""
    return f"{request.scheme}://{request.get_host()}".lower()


def content_origin_for(platform_origin: str) -> str:
    """The content origin paired with a platform origin, or '' for the opaque fallback."""
    configured = configured_content_origin()
    if configured:
        return "" if configured == platform_origin else configured
    parts = urlsplit(platform_origin)
    other = LOOPBACK_PAIRS.get(parts.hostname or "")
    if other is None:
        return ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{other}{port}"


@dataclass(frozen=True)
class ContentPlacement:
    """How one launch isolates its content."""

    platform_origin: str
    content_origin: str  # '' in the opaque fallback

    @property
    def isolated(self) -> bool:
        """True when content runs on an origin of its own."""
        return bool(self.content_origin)

    @property
    def serving_origin(self) -> str:
        """The origin content URLs point at."""
        return self.content_origin or self.platform_origin

    @property
    def sandbox(self) -> str:
        """The iframe `sandbox` attribute of the launcher frame."""
        return SANDBOX_ISOLATED if self.isolated else SANDBOX_OPAQUE

    @property
    def runtime_cors_origin(self) -> str:
        """The Origin header the runtime endpoints accept: the content origin, or 'null'."""
        return self.content_origin or "null"

    def content_security_policy(self) -> str:
        """CSP of every content response: sandboxed, framed only by the platform and itself."""
        ancestors = " ".join(dict.fromkeys([self.platform_origin, self.serving_origin]))
        return f"sandbox {self.sandbox}; frame-ancestors {ancestors}"

    def refuses_host(self, request) -> bool:
        """Content must not be served on the platform's host when a content origin exists."""
        return self.isolated and request_origin(request) != self.content_origin


def placement_for(platform_origin: str) -> ContentPlacement:
    """The content placement of a launch made from `platform_origin`."""
    return ContentPlacement(platform_origin, content_origin_for(platform_origin))


def content_host() -> str:
    """The configured content origin's host name ('' when none), for ALLOWED_HOSTS checks."""
    configured = configured_content_origin()
    return urlsplit(configured).hostname or "" if configured else ""


class ContentHostMiddleware:
    """On the configured content host, answer only content paths: no platform page there.

    A platform page served on the content host would run next to package JavaScript in
    one origin; refusing it keeps the two apart even if someone links there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        configured = configured_content_origin()
        on_content_host = configured and request_origin(request) == configured
        if on_content_host and not request.path.startswith(CONTENT_PATH_PREFIXES):
            return HttpResponseNotFound(b"", content_type="text/plain")
        return self.get_response(request)
