"""Launch paths and URLs named in manifests: inside the package, or a web address."""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

WEB_SCHEMES = frozenset({"http", "https"})


def is_web_url(href: str) -> bool:
    """True for an http(s) address; other schemes (javascript:, data:, file:) are not launchable."""
    parts = urlsplit(href)
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.netloc)


def is_unsafe_url(href: str) -> bool:
    """A scheme or network path that is neither a web address nor a path inside the package."""
    parts = urlsplit(href)
    if href.startswith("//"):
        return True
    # One letter is a Windows drive ("C:/…"), handled as a path outside the package.
    return bool(parts.scheme) and len(parts.scheme) > 1 and not is_web_url(href)


def package_path(*segments: str) -> str | None:
    """The normalised path inside the package that `segments` join to, or None if it leaves it."""
    joined = posixpath.join(*[s for s in segments if s]) if any(segments) else ""
    if (
        not joined
        or joined.startswith("/")
        or "\\" in joined
        or (len(joined) > 1 and joined[1] == ":")
    ):
        return None
    normal = posixpath.normpath(joined)
    if normal == ".." or normal.startswith("../"):
        return None
    return normal


def file_part(href: str) -> str:
    """The stored file a launch path names: query and fragment dropped, %-escapes decoded."""
    return unquote(href.partition("?")[0].partition("#")[0])
