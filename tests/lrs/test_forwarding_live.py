"""Forwarding against real servers: a second instance of this platform as the external LRS,
a server that answers 500, one that is down, and one that loses its answers.

The external LRS is a separate `manage.py runserver` process on its own SQLite copy of the
test database, taken before the forwarding institution writes anything, so it is another
deployment: statement ids are global in one store (another institution's id is refused
with 409), so a live_server sharing our database could not receive them.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.utils import timezone

from institutions import services as institution_services
from lrs import api, forwarding
from lrs.models import ForwardingItem, Statement

from .conftest import make_credentials, make_statement

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="the second server runs on a copy of SQLite"
    ),
]

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_VERB = "http://adlnet.gov/expapi/verbs/registered"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode())
        try:
            requests.get(f"http://127.0.0.1:{port}/xapi/about", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise TimeoutError("the external LRS did not start")


@pytest.fixture
def external(transactional_db, tmp_path):
    """Another deployment of the platform: its institution EXT and credentials for it."""
    institution = institution_services.institution_create(
        actor=None, code="EXT", name="LRS riêng của trường", kind="college", province="Huế"
    )
    credentials = make_credentials(institution, name="Forwarded from Taynghe")
    copy = tmp_path / "external.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(copy)
    connection.connection.backup(target)
    target.close()
    port = _free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{copy}",
        "TAYNGHE_VAR_DIR": str(tmp_path),
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port, process)
        yield {
            "endpoint": f"http://127.0.0.1:{port}/xapi/",
            "key": credentials.lrs_client.key,
            "secret": credentials.secret,
        }
    finally:
        process.terminate()
        process.wait(10)


def _remote_statements(external, **params) -> list[dict]:
    found, url = [], external["endpoint"] + "statements"
    while url:
        answer = requests.get(
            url,
            params=params,
            auth=(external["key"], external["secret"]),
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        found += body["statements"]
        url = external["endpoint"].removesuffix("/xapi/") + body["more"] if body["more"] else ""
        params = {}
    return found


def _without_lrs_fields(statement: dict) -> dict:
    return {k: v for k, v in statement.items() if k not in ("stored", "authority")}


def _destination(institution, endpoint, key="k", secret="", **options):
    return forwarding.destination_create(
        actor=None,
        institution=institution,
        name="External LRS",
        endpoint=endpoint,
        username=key,
        password=secret or "not-used",
        **options,
    )


def _platform_statement(index: int) -> dict:
    return make_statement(
        id=f"00000000-0000-4000-8000-{index:012d}",
        actor=api.learner_actor(home_page="http://taynghe.test", learner_id=f"HV{index:04d}"),
        verb={"id": PLATFORM_VERB, "display": {"en-US": "registered"}},
    )


def test_statements_arrive_at_the_external_lrs_identical_in_batches(institution, external):
    destination = _destination(
        institution, external["endpoint"], external["key"], external["secret"], batch_size=4
    )
    writer = make_credentials(institution)
    # Content statements (one with a result and context) and platform statements.
    content = [
        make_statement(result={"score": {"scaled": 0.5}, "success": True}),
        *(make_statement(context={"registration": str(uuid.uuid4())}) for _ in [1, 2]),
    ]
    assert writer.post(content).status_code == 200
    for index in range(7):
        api.record(institution=institution, statement=_platform_statement(index))
    assert ForwardingItem.objects.filter(destination=destination).count() == 10

    report = forwarding.forward_due()
    assert (report.sent, report.retried, report.failed) == (10, 0, 0)
    assert set(ForwardingItem.objects.values_list("status", flat=True)) == {"sent"}

    ours = {str(s.id): s.payload for s in Statement.objects.filter(institution=institution)}
    theirs = {s["id"]: s for s in _remote_statements(external)}
    assert set(theirs) == set(ours)
    for statement_id, payload in ours.items():
        assert _without_lrs_fields(theirs[statement_id]) == _without_lrs_fields(payload)
    # The receiving LRS set its own authority: the credentials we forwarded with.
    assert {s["authority"]["account"]["name"] for s in theirs.values()} == {external["key"]}

    # A second run finds nothing due and sends nothing.
    assert forwarding.forward_due().sent == 0


def test_only_platform_statements_and_only_some_verbs(institution, external):
    platform_only = _destination(
        institution,
        external["endpoint"],
        external["key"],
        external["secret"],
        only_platform=True,
    )
    completions = _destination(
        institution,
        external["endpoint"],
        external["key"],
        external["secret"],
        verbs=["http://adlnet.gov/expapi/verbs/completed"],
    )
    writer = make_credentials(institution)
    assert writer.post(make_statement()).status_code == 200  # content, completed
    api.record(institution=institution, statement=_platform_statement(1))  # platform, registered
    assert ForwardingItem.objects.filter(destination=platform_only).count() == 1
    assert ForwardingItem.objects.filter(destination=completions).count() == 1
    forwarding.forward_due()
    verbs = sorted(s["verb"]["id"] for s in _remote_statements(external))
    assert verbs == ["http://adlnet.gov/expapi/verbs/completed", PLATFORM_VERB]


class _Flaky(BaseHTTPRequestHandler):
    """Answers 500 to every request, or (relay mode) passes the request to the external LRS
    and then loses its answer: the statements arrive but the sender sees 500."""

    relay_to: str | None = None
    requests: list = []

    def _handle(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).requests.append((self.command, self.path, body))
        if self.relay_to:
            requests.request(
                self.command,
                self.relay_to + self.path.removeprefix("/xapi/"),
                data=body,
                headers={
                    k: v
                    for k, v in self.headers.items()
                    if k in ("Authorization", "Content-Type", "X-Experience-API-Version")
                },
                timeout=10,
            )
        payload = b'{"error": "internal"}'
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_PUT = _handle

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky():
    handler = type("Handler", (_Flaky,), {"requests": [], "relay_to": None})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_port}/xapi/"
    server.shutdown()
    server.server_close()


def _due_now():
    ForwardingItem.objects.filter(status="pending").update(next_attempt_at=timezone.now())


def test_a_destination_answering_500_is_retried_with_backoff_then_failed(institution, flaky):
    handler, endpoint = flaky
    destination = _destination(institution, endpoint, max_attempts=3)
    api.record(institution=institution, statement=_platform_statement(1))
    api.record(institution=institution, statement=_platform_statement(2))

    first = forwarding.forward_due()
    assert (first.sent, first.retried, first.failed) == (0, 2, 0)
    item = ForwardingItem.objects.first()
    assert item.status == "pending" and item.attempts == 1
    assert item.next_attempt_at - item.last_attempt_at == forwarding.BACKOFF_BASE
    assert "HTTP 500" in item.last_error
    # Not due yet: a run now sends nothing.
    assert forwarding.forward_due().retried == 0
    assert len(handler.requests) == 1

    _due_now()
    forwarding.forward_due()
    item.refresh_from_db()
    assert item.attempts == 2
    assert item.next_attempt_at - item.last_attempt_at == 2 * forwarding.BACKOFF_BASE
    _due_now()
    third = forwarding.forward_due()
    assert third.failed == 2
    assert set(ForwardingItem.objects.values_list("status", flat=True)) == {"failed"}
    assert len(handler.requests) == 3  # one batch POST per run, never more

    # What the admin view shows: the counts and the error; "retry failed" queues them again.
    [summary] = forwarding.destinations_summary([destination])
    assert (summary.pending, summary.sent, summary.failed) == (0, 0, 2)
    assert all("HTTP 500" in error for _id, error, _at in summary.errors)
    assert forwarding.destination_retry_failed(actor=None, destination=destination) == 2
    assert set(ForwardingItem.objects.values_list("status", "attempts")) == {("pending", 0)}


def test_a_destination_that_is_down_is_retried_with_the_error_kept(institution):
    endpoint = f"http://127.0.0.1:{_free_port()}/xapi/"  # nothing listens there
    _destination(institution, endpoint, max_attempts=2)
    api.record(institution=institution, statement=_platform_statement(1))
    forwarding.forward_due()
    _due_now()
    report = forwarding.forward_due()
    assert report.failed == 1
    item = ForwardingItem.objects.get()
    assert item.status == "failed" and item.attempts == 2
    assert "ConnectionError" in item.last_error


def test_a_lost_answer_is_resent_without_duplicating_at_the_destination(
    institution, external, flaky
):
    handler, endpoint = flaky
    handler.relay_to = external["endpoint"]
    destination = _destination(institution, endpoint, external["key"], external["secret"])
    for index in range(3):
        api.record(institution=institution, statement=_platform_statement(index))
    assert forwarding.forward_due().retried == 3  # arrived, but the answer was a 500
    assert len(_remote_statements(external)) == 3

    # The destination now answers directly: the same batch again is a no-op there.
    destination.endpoint = external["endpoint"]
    destination.save(update_fields=["endpoint"])
    _due_now()
    assert forwarding.forward_due().sent == 3
    remote = _remote_statements(external)
    assert len(remote) == 3
    assert len({s["id"] for s in remote}) == 3


def test_a_statement_the_destination_refuses_fails_alone(institution, external):
    """A conflicting id at the destination fails that statement at once; the rest go."""
    clash = _platform_statement(1)
    other = requests.post(
        external["endpoint"] + "statements",
        data=json.dumps({**clash, "result": {"success": False}}),
        auth=(external["key"], external["secret"]),
        headers={"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"},
        timeout=10,
    )
    assert other.status_code == 200
    _destination(institution, external["endpoint"], external["key"], external["secret"])
    api.record(institution=institution, statement=clash)
    api.record(institution=institution, statement=_platform_statement(2))
    report = forwarding.forward_due()
    assert (report.sent, report.failed) == (1, 1)
    failed = ForwardingItem.objects.get(status="failed")
    assert str(failed.statement_id) == clash["id"]
    assert "HTTP 409" in failed.last_error
    assert failed.attempts == 1


def test_wrong_credentials_are_retried_not_dropped(institution, external):
    _destination(institution, external["endpoint"], external["key"], "wrong-secret")
    api.record(institution=institution, statement=_platform_statement(1))
    report = forwarding.forward_due()
    assert report.retried == 1
    assert "HTTP 401" in ForwardingItem.objects.get().last_error
