"""Browser fixtures: one real headless Chromium for the session, a fresh context per test.

The tests drive pytest-django's live server (a transactional database, so the server
thread sees the data the test builds) with Playwright's sync API.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import connections
from playwright.sync_api import Browser, Page, sync_playwright

from lms import services
from lms.models import CatalogueIndexPage
from tests.conftest import Tenant

from . import helpers

# The Debian package; Playwright must never download its own browser here (no internet).
CHROMIUM = os.environ.get("TAYNGHE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Viewport:
    """A screen the pages must work on."""

    name: str
    width: int
    height: int
    is_mobile: bool = False

    def context_options(self) -> dict:
        options = {
            "viewport": {"width": self.width, "height": self.height},
            "locale": "vi-VN",
            "timezone_id": "Asia/Ho_Chi_Minh",
        }
        if self.is_mobile:
            options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
        return options


DESKTOP = Viewport("desktop", 1280, 800)
PHONE = Viewport("phone", 390, 844, is_mobile=True)


@pytest.fixture(scope="session")
def chromium(django_db_setup) -> Iterator[Browser]:
    """The real Chromium; a browser that cannot start fails the run instead of skipping it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM} (apt-get install chromium, or set "
            "TAYNGHE_CHROMIUM); the browser tests must run.",
            pytrace=False,
        )
    saved_state = {alias: _serialized_contents(connections[alias]) for alias in connections}
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # Playwright's sync API keeps an event loop running in this thread. Django then
        # takes the test for async code: it would refuse the fixtures' ORM calls, and
        # asgiref hands out new connection objects that lack the database state saved
        # for `serialized_rollback` (Wagtail's root page and default groups, which a
        # transactional test's flush removes). Allow the calls and carry the state over.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        for alias, contents in saved_state.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}", pytrace=False)
        yield browser
        browser.close()


def _serialized_contents(connection) -> str | None:
    return getattr(connection, "_test_serialized_contents", None)


@contextmanager
def _tab(chromium: Browser, viewport: Viewport) -> Iterator[Page]:
    """A tab in its own context: no cookie or session shared between tests."""
    context = chromium.new_context(**viewport.context_options())
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()
        _live_server_quiet()


def _live_server_quiet(*, quiet: float = 0.3, timeout: float = 10.0) -> None:
    """Wait until the live server has handled every request the closed tab sent.

    A page sends its last request as its context closes (the courseware player's unload
    beacon, a journal flush); handled while the test's database flush runs, its row locks
    and the flush's TRUNCATE deadlock on PostgreSQL. The server handles each request in a
    thread named after `process_request_thread`: wait for none to be running for `quiet`
    seconds (a request still in flight gets its thread within that time).
    """
    deadline = time.monotonic() + timeout
    idle_since = time.monotonic()
    while time.monotonic() < deadline:
        if any("process_request_thread" in thread.name for thread in threading.enumerate()):
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= quiet:
            return
        time.sleep(0.05)


@pytest.fixture
def desktop(chromium) -> Iterator[Page]:
    """A 1280×800 desktop tab."""
    with _tab(chromium, DESKTOP) as page:
        yield page


@pytest.fixture
def phone(chromium) -> Iterator[Page]:
    """A 390×844 touch phone tab."""
    with _tab(chromium, PHONE) as page:
        yield page


@pytest.fixture(params=[DESKTOP, PHONE], ids=lambda viewport: viewport.name)
def screen(request, chromium) -> Iterator[tuple[Viewport, Page]]:
    """The same test on the desktop and on the phone."""
    with _tab(chromium, request.param) as page:
        yield request.param, page


@pytest.fixture
def platform(live_server, tenant_a: Tenant) -> Tenant:
    """One institution's people and live course, with the English aliases the demo has."""
    services.translations_sync(page=CatalogueIndexPage.objects.get(locale__language_code="vi"))
    return tenant_a


@pytest.fixture
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture(autouse=True)
def _screenshots_dir() -> None:
    helpers.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
