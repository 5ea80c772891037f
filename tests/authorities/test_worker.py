"""submit → delivered → answered → visa decision, on a real Celery worker over Redis (skipped without REDIS_URL)."""

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker

from applications.lifecycle import CaseState
from applications.models import Case
from authorities.models import AuthorityRequest, Outbox, OutboxState, RequestState
from tests.authorities.conftest import attend_appointment, confirm_complete
from wsa.celery import app as celery_app

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: a real broker for a real worker"),
]


@pytest.fixture
def redis_worker(settings):
    celery_app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert celery_app.conf.broker_url.startswith("redis://")
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def wait_for(check, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_submit_is_delivered_answered_and_referred_by_a_real_worker(redis_worker, offices, make_case):
    case = make_case("18a", accelerated=True)
    confirm_complete(case)  # commits: the relay tasks go to Redis, the worker sends and fetches the answers
    approvals = AuthorityRequest.objects.filter(case=case).exclude(purpose="visa")
    assert wait_for(lambda: set(approvals.values_list("state", flat=True)) == {RequestState.ANSWERED})
    # The approvals are in; the case waits for the applicant at the visa office.
    assert Case.objects.get(pk=case.pk).state == CaseState.AUTHORITY_REVIEW
    attend_appointment(case)  # commits too: the worker fetches the visa office's answer
    assert wait_for(lambda: AuthorityRequest.objects.get(case=case, purpose="visa").state == RequestState.ANSWERED)
    assert Case.objects.get(pk=case.pk).state == CaseState.VISA_DECISION
    requests = AuthorityRequest.objects.filter(case=case)
    assert requests.count() == 4
    assert set(requests.values_list("state", "outcome")) == {(RequestState.ANSWERED, "approved")}
    assert set(Outbox.objects.filter(request__case=case).values_list("state", flat=True)) == {OutboxState.DELIVERED}
