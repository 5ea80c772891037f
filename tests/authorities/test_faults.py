"""Faults: offices that fail, hang or talk garbage, a dead broker, a killed worker. Retries with
backoff, dead letters after the limit, and nothing is lost or sent twice."""

import logging
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from applications.models import Event
from authorities import services, tasks
from authorities.models import (
    AuthorityRequest,
    ErrorCode,
    Outbox,
    OutboxState,
    RequestState,
    SimulatedSubmission,
)
from tests.authorities.conftest import confirm_complete, deliver_all, make_due
from wsa import queueing


def register_row(case) -> Outbox:
    return Outbox.objects.get(request__case=case, request__purpose="register_check")


def relay(row) -> str:
    return services.outbox_relay_deliver(outbox_id=row.pk)


@pytest.fixture
def register_case(http_transport, make_case, settings):
    settings.WSA_OUTBOX_MAX_ATTEMPTS = 3
    case = make_case("18g")  # visa and register check; no attachments
    confirm_complete(case)
    return case


@pytest.mark.django_db
def test_an_office_answering_500_is_retried_with_backoff_then_dead_then_retried(register_case, http_transport):
    http_transport.inject("500", times=3)
    row = register_row(register_case)
    before = timezone.now()
    assert relay(row) == "retry"
    row.refresh_from_db()
    assert row.attempts == 1 and "HTTP 500" in row.last_error
    assert before + timedelta(seconds=15) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    assert relay(row) == "skipped"  # not due yet: the backoff holds it back
    make_due(row)
    assert relay(row) == "retry"
    row.refresh_from_db()
    assert timezone.now() + timedelta(seconds=30) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=60)
    make_due(row)
    assert relay(row) == "dead"
    row.refresh_from_db()
    request = row.request
    assert (row.state, row.attempts, row.next_attempt_at) == (OutboxState.DEAD, 3, None)
    assert (request.state, request.error_code, request.attempts) == (RequestState.FAILED, ErrorCode.DELIVERY_FAILED, 3)
    failed = Event.objects.get(case=register_case, kind="authority", payload__status="failed")
    assert failed.internal and failed.payload["purpose"] == "register_check"
    assert services.outbox_sweep_run() == 1  # only the visa row; dead letters wait for a person

    # Nothing lost: the admin's "retry dead letters" sends it once the office is back.
    assert services.outbox_retry_dead(outbox_ids=[row.pk]) == 1
    assert relay(row) == "delivered"
    request.refresh_from_db()
    assert request.state in (RequestState.SENT, RequestState.ANSWERED) and request.error_code == ""
    assert [r["deliveries"] for r in http_transport.submissions()] == [1, 1]  # register and visa, once each


@pytest.mark.django_db
def test_a_timeout_after_the_office_took_the_submission_does_not_make_a_second_one(register_case, http_transport):
    http_transport.inject("ok")  # announce goes through ...
    http_transport.inject("timeout")  # ... the submission is taken but its answer comes too late
    row = register_row(register_case)
    assert relay(row) == "retry"
    row.refresh_from_db()
    assert "timed out" in row.last_error
    make_due(row)
    assert relay(row) == "delivered"
    submissions = http_transport.submissions()
    assert len(submissions) == 1
    assert (submissions[0]["state"], submissions[0]["deliveries"]) == ("submitted", 2)
    assert row.request.__class__.objects.get(pk=row.request_id).remote_id == submissions[0]["submission_id"]


@pytest.mark.django_db
def test_garbage_from_the_office_is_retried_then_dead(register_case, http_transport):
    http_transport.inject("garbage", times=3)
    row = register_row(register_case)
    results = []
    for _ in range(3):
        results.append(relay(row))
        make_due(row)
    assert results == ["retry", "retry", "dead"]
    row.refresh_from_db()
    assert "not JSON" in row.last_error


@pytest.mark.django_db
def test_a_garbage_answer_is_recorded_and_the_next_poll_reads_the_real_one(register_case, http_transport):
    row = register_row(register_case)
    http_transport.inject("ok", times=2)  # announce, submit
    http_transport.inject("garbage")  # the first look at the answer
    assert relay(row) == "delivered"  # (the immediate answer fetch runs only after a commit)
    assert services.authority_request_fetch_answer(request_id=row.request_id) == "bad_answer"
    request = AuthorityRequest.objects.get(pk=row.request_id)
    assert (request.state, request.error_code) == (RequestState.SENT, ErrorCode.BAD_ANSWER)
    assert services.answers_poll_run() == 1
    request.refresh_from_db()
    assert (request.state, request.outcome, request.error_code) == (RequestState.ANSWERED, "approved", "")


class WorkerKilled(BaseException):
    """The worker process died: nothing after this line ran."""


@pytest.mark.django_db
@pytest.mark.parametrize("transport", ["simulated", "http"])
def test_a_row_redelivered_after_a_killed_worker_is_one_request_at_the_office(
        transport, offices, make_case, settings, request, monkeypatch):
    if transport == "http":
        server = request.getfixturevalue("http_transport")
        received = server.submissions
    else:
        received = lambda: list(SimulatedSubmission.objects.values("submission_id", "deliveries"))  # noqa: E731
    case = make_case("18g")
    confirm_complete(case)
    row = register_row(case)
    original = services._outbox_mark_delivered

    def killed(*args, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(services, "_outbox_mark_delivered", killed)
    with pytest.raises(WorkerKilled):
        relay(row)  # sent, but never marked delivered
    monkeypatch.setattr(services, "_outbox_mark_delivered", original)
    row.refresh_from_db()
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    # The broker redelivers the task at once (acks_late): the lease keeps it from sending again ...
    assert relay(row) == "skipped"
    assert services.outbox_sweep_run() == 1  # (only the visa row is due)
    # ... until the lease has run out; then the sweep sends it again with the same idempotency key.
    make_due(row)
    tasks.outbox_sweep.delay()
    row.refresh_from_db()
    assert (row.state, row.attempts) == (OutboxState.DELIVERED, 2)
    records = [r for r in received() if r["deliveries"] == 2]
    assert len(records) == 1 and len(received()) == 2  # register (sent twice, one request) and visa
    assert str(records[0]["submission_id"]) == AuthorityRequest.objects.get(pk=row.request_id).remote_id


@pytest.mark.django_db
def test_a_claimed_row_is_not_sent_by_a_second_worker(offices, make_case):
    case = make_case("18g")
    confirm_complete(case)
    row = register_row(case)
    assert [claimed.pk for claimed in services._outbox_claim([row.pk])] == [row.pk]
    assert relay(row) == "skipped"
    assert SimulatedSubmission.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_one_worker_is_skipped_by_another(offices, make_case, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SELECT … FOR UPDATE SKIP LOCKED needs PostgreSQL")
    monkeypatch.setattr(services, "outbox_enqueue", lambda ids, **options: None)  # no relay after the commit
    case = make_case("18g")
    confirm_complete(case)
    row = register_row(case)
    assert row.state == OutboxState.PENDING
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        from django.db import connection as thread_connection

        with transaction.atomic():
            Outbox.objects.select_for_update().get(pk=row.pk)
            locked.set()
            release.wait(10)
        thread_connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        assert locked.wait(10)
        assert relay(row) == "skipped"
    finally:
        release.set()
        worker.join(10)
    assert relay(row) == "delivered"


@pytest.mark.django_db
def test_failing_demo_adapter_is_retried_then_dead(offices, make_case, settings):
    settings.WSA_OUTBOX_MAX_ATTEMPTS = 2
    offices["register"].adapter = "failing-demo"
    offices["register"].save()
    offices["visa_ind"].adapter = "demo"
    offices["visa_ind"].save()
    case = make_case("18g")
    confirm_complete(case)
    assert sorted(deliver_all()) == ["delivered", "retry"]
    assert deliver_all() == ["dead"]
    register = AuthorityRequest.objects.get(case=case, purpose="register_check")
    assert "failing-demo adapter always fails" in register.last_error
    visa = AuthorityRequest.objects.get(case=case, purpose="visa")
    assert services.authority_request_fetch_answer(request_id=visa.pk) == "answered"
    visa.refresh_from_db()
    assert visa.conditions == {"demo": True}


@pytest.mark.django_db
def test_submit_with_the_broker_down_is_stored_and_delivered_by_the_sweep_later(
        offices, make_case, dead_broker, django_capture_on_commit_callbacks, caplog):
    case = make_case("18b")
    with django_capture_on_commit_callbacks() as callbacks:
        confirm_complete(case)
    ours = [c for c in callbacks
            if getattr(c, "func", None) is queueing.enqueue and c.args[0].name == tasks.outbox_relay.name]
    assert len(ours) == 1
    with caplog.at_level(logging.WARNING, logger="authorities"):
        for callback in ours:
            callback()  # would raise kombu.OperationalError if not caught
    assert caplog.text.count("a beat sweep will pick it up") == 1  # tried once, then not again for a while
    assert set(Outbox.objects.values_list("state", flat=True)) == {OutboxState.PENDING}
    assert AuthorityRequest.objects.filter(case=case).count() == 3
    # The sweep itself survives the dead broker too.
    assert services.outbox_sweep_run() == 3
    # The broker is back: the beat sweep delivers everything.
    dead_broker()
    tasks.outbox_sweep.delay()
    assert set(Outbox.objects.values_list("state", flat=True)) == {OutboxState.DELIVERED}
    assert AuthorityRequest.objects.filter(case=case, state=RequestState.PENDING).count() == 0
