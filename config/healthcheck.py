"""Container health probe: `python -m config.healthcheck [port]` GETs /healthz on this host.

Django answers 400 to a Host header it does not know, so the probe sends the first
allowed host name rather than 127.0.0.1. Exit status 0 means healthy.
"""

from __future__ import annotations

import http.client
import sys

from config import env


def probe_host() -> str:
    """The Host header to send: the first DJANGO_ALLOWED_HOSTS entry (a leading dot is a domain)."""
    hosts = env.env_list("DJANGO_ALLOWED_HOSTS", "localhost")
    return hosts[0].lstrip(".") or "localhost"


def healthz_ok(port: int = 8000, timeout: float = 5.0) -> bool:
    """True when http://127.0.0.1:<port>/healthz answers 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/healthz", headers={"Host": probe_host()})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(0 if healthz_ok(int(sys.argv[1]) if len(sys.argv) > 1 else 8000) else 1)
