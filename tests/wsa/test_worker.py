"""The notification task on a real Celery worker over Redis (skipped on the embedded defaults)."""

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from applications import services
from tests.factories import PersonFactory
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


@pytest.mark.django_db(transaction=True)
def test_event_notification_is_delivered_by_a_real_worker(redis_worker):
    person = PersonFactory()
    case = services.case_create(person=person, actor=None)  # news from the portal, not the person's own doing
    deadline = time.monotonic() + 20
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [message.to for message in mail.outbox] == [[person.user.email]]
    assert case.reference in mail.outbox[0].subject
