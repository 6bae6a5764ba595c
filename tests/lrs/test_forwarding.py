"""Forwarding without a network: the outbox, its filters and atomicity, the encrypted
password, permissions, the admin screen and the command. The sending itself, against real
servers, is in `test_forwarding_live.py`."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from institutions.models import AuditEvent
from lrs import api, forwarding
from lrs.models import ForwardingDestination, ForwardingItem
from lrs.tasks import lrs_forward_task

from .conftest import make_credentials, make_statement

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
# Nothing listens on the discard port: a send fails at once.
NOWHERE = "http://127.0.0.1:9/xapi/"


def _destination(institution, endpoint=NOWHERE, **options):
    return forwarding.destination_create(
        actor=None,
        institution=institution,
        name="LRS của trường",
        endpoint=endpoint,
        username="truong-key",
        password="mật-khẩu-bí-mật",
        **options,
    )


def _platform_statement(**overrides):
    return make_statement(
        id=str(uuid.uuid4()),
        actor=api.learner_actor(home_page="http://taynghe.test", learner_id="HV0001"),
        **overrides,
    )


def test_the_password_is_stored_encrypted_and_reads_back(institution):
    destination = _destination(institution)
    stored = ForwardingDestination.objects.values_list("password_encrypted", flat=True).get()
    assert "mật-khẩu" not in stored
    assert forwarding.password_decrypt(stored) == "mật-khẩu-bí-mật"
    # Two encryptions of one password differ (random IV): equal passwords are not visible.
    assert forwarding.password_encrypt("x") != forwarding.password_encrypt("x")
    assert destination.endpoint == NOWHERE


def test_a_password_encrypted_under_another_secret_key_is_an_error_not_a_crash(institution):
    destination = _destination(institution)
    api.record(institution=institution, statement=_platform_statement())
    with override_settings(SECRET_KEY="another-deployment-secret"):
        report = forwarding.destination_forward(destination)
    assert report.retried == 1
    assert "cannot be read" in ForwardingItem.objects.get().last_error


def test_each_matching_destination_gets_one_outbox_row_per_statement(institution):
    every = _destination(institution)
    platform = _destination(institution, only_platform=True)
    completions = _destination(institution, verbs=[COMPLETED])
    stopped = _destination(institution)
    forwarding.destination_deactivate(actor=None, destination=stopped)
    content = make_credentials(institution)
    assert (
        content.post([make_statement(), make_statement(verb={"id": f"{COMPLETED}x"})]).status_code
        == 200
    )
    api.record(institution=institution, statement=_platform_statement())

    def queued(destination):
        return ForwardingItem.objects.filter(destination=destination).count()

    assert queued(every) == 3
    assert queued(platform) == 1
    assert queued(completions) == 2
    assert queued(stopped) == 0
    assert set(ForwardingItem.objects.values_list("status", flat=True)) == {"pending"}


def test_another_institutions_destination_gets_nothing(institution, tenant_a):
    theirs = _destination(tenant_a.institution)
    api.record(institution=institution, statement=_platform_statement())
    assert not ForwardingItem.objects.filter(destination=theirs).exists()


def test_a_batch_that_does_not_store_queues_nothing(institution):
    destination = _destination(institution)
    content = make_credentials(institution)
    taken = str(uuid.uuid4())
    assert content.post(make_statement(id=taken)).status_code == 200
    assert ForwardingItem.objects.filter(destination=destination).count() == 1
    # The second statement conflicts (same id, other content): the whole batch is refused.
    batch = [make_statement(), make_statement(id=taken, result={"success": False})]
    assert content.post(batch).status_code == 409
    assert ForwardingItem.objects.filter(destination=destination).count() == 1
    # A repeat of a stored statement is a no-op: not queued twice.
    assert content.post(make_statement(id=taken)).status_code == 200
    assert ForwardingItem.objects.filter(destination=destination).count() == 1


def test_destinations_are_validated(institution):
    for bad in ("ftp://lrs.example/", "not a url", "https://lrs.example/xapi/?a=1"):
        with pytest.raises(api.XAPIValidationError, match="endpoint"):
            _destination(institution, endpoint=bad)
    with pytest.raises(api.XAPIValidationError, match="verbs"):
        _destination(institution, verbs=["not an iri"])
    with pytest.raises(api.XAPIValidationError, match="version"):
        _destination(institution, version="0.9")
    assert _destination(institution, endpoint="https://lrs.example/xapi").endpoint == (
        "https://lrs.example/xapi/"
    )


def test_only_the_institutions_administrators_configure_forwarding(tenant_a, tenant_b):
    for outsider in (tenant_a.teacher, tenant_a.learner, tenant_b.admin):
        with pytest.raises(PermissionDenied):
            forwarding.destination_create(
                actor=outsider,
                institution=tenant_a.institution,
                name="x",
                endpoint=NOWHERE,
                username="u",
                password="p",
            )
    destination = forwarding.destination_create(
        actor=tenant_a.admin,
        institution=tenant_a.institution,
        name="x",
        endpoint=NOWHERE,
        username="u",
        password="p",
    )
    for action in (forwarding.destination_retry_failed, forwarding.destination_deactivate):
        with pytest.raises(PermissionDenied):
            action(actor=tenant_b.admin, destination=destination)
    event = AuditEvent.objects.get(action="lrs_forwarding.create")
    assert event.actor == tenant_a.admin and "p" not in event.data.values()


def test_backoff_doubles_up_to_a_cap():
    assert [forwarding.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert forwarding.backoff(40) == forwarding.BACKOFF_CAP


def test_sent_rows_are_deleted_after_a_week(institution):
    destination = _destination(institution)
    api.record(institution=institution, statement=_platform_statement())
    ForwardingItem.objects.update(status="sent", sent_at=timezone.now() - timedelta(days=8))
    forwarding.forward_due(destination_id=destination.pk)
    assert not ForwardingItem.objects.exists()


def test_the_command_and_the_task_send_what_is_due(institution, capsys):
    _destination(institution, max_attempts=1)
    api.record(institution=institution, statement=_platform_statement())
    call_command("lrs_forward")
    out = capsys.readouterr()
    assert "sent=0 retried=0 failed=1" in out.out
    assert "ConnectionError" in out.err
    assert ForwardingItem.objects.get().status == "failed"
    result = lrs_forward_task.enqueue()  # the immediate backend in tests
    assert result.return_value == {"sent": 0, "retried": 0, "failed": 0}


def test_a_write_to_an_institution_that_forwards_nothing_costs_one_lookup(institution):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        api.record(institution=institution, statement=_platform_statement())
    forwarding_queries = [q["sql"] for q in captured if "lrs_forwarding" in q["sql"]]
    assert len(forwarding_queries) == 1 and forwarding_queries[0].startswith("SELECT")


# The admin screen ------------------------------------------------------------------------


def test_admin_adds_a_destination_and_sees_its_queue_and_errors(client, tenant_a):
    client.force_login(tenant_a.admin)
    answer = client.post(
        reverse("lrs_forwarding:create"),
        {
            "institution": tenant_a.institution.pk,
            "name": "LRS của trường",
            "endpoint": NOWHERE,
            "version": "1.0.3",
            "username": "truong-key",
            "password": "mật-khẩu-bí-mật",
            "verbs": f"{COMPLETED}\n",
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    destination = ForwardingDestination.objects.get()
    assert destination.verbs == [COMPLETED]
    api.record(institution=tenant_a.institution, statement=_platform_statement())
    forwarding.forward_due()
    page = client.get(reverse("lrs_forwarding:index")).content.decode()
    assert "LRS của trường" in page
    assert 'data-count="pending">1<' in page
    assert "ConnectionError" in page
    assert "mật-khẩu" not in page
    ForwardingItem.objects.update(status="failed")
    page = client.get(reverse("lrs_forwarding:index")).content.decode()
    retry = reverse("lrs_forwarding:retry", args=[destination.pk])
    assert 'data-count="failed">1<' in page and f'action="{retry}"' in page
    assert client.post(reverse("lrs_forwarding:retry", args=[destination.pk])).status_code == 302
    assert ForwardingItem.objects.get().status == "pending"


def test_another_institutions_admin_sees_nothing_and_cannot_retry(client, tenant_a, tenant_b):
    destination = _destination(tenant_a.institution)
    client.force_login(tenant_b.admin)
    assert "LRS của trường" not in client.get(reverse("lrs_forwarding:index")).content.decode()
    for name in ("retry", "deactivate"):
        assert client.post(
            reverse(f"lrs_forwarding:{name}", args=[destination.pk])
        ).status_code == (404)
    # Nor can they create one for tenant A through the form.
    answer = client.post(
        reverse("lrs_forwarding:create"),
        {
            "institution": tenant_a.institution.pk,
            "name": "x",
            "endpoint": NOWHERE,
            "version": "1.0.3",
            "username": "u",
            "password": "p",
        },
    )
    assert answer.status_code == 200
    assert ForwardingDestination.objects.count() == 1


@pytest.mark.parametrize("who", ["teacher", "learner"])
def test_teachers_and_learners_reach_no_forwarding_screen(client, tenant_a, who):
    client.force_login(getattr(tenant_a, who))
    assert client.get(reverse("lrs_forwarding:index")).status_code in (302, 403)
    assert client.get(reverse("lrs_forwarding:create")).status_code in (302, 403)


def test_a_claimed_batch_is_not_claimed_again_until_its_lease_ends(institution):
    """Two senders (the task and cron) never send the same rows at the same time."""
    destination = _destination(institution, batch_size=2)
    for _ in range(3):
        api.record(institution=institution, statement=_platform_statement())
    now = timezone.now()
    first = forwarding._claim(destination, now)
    second = forwarding._claim(destination, now)
    assert len(first) == 2 and len(second) == 1
    assert not {item.pk for item in first} & {item.pk for item in second}
    assert forwarding._claim(destination, now) == []
    # A sender that died leaves its rows due again once the lease is over.
    assert len(forwarding._claim(destination, now + forwarding.LEASE)) == 2
