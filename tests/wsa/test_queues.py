"""Celery queues (wsa/settings.py, "Scale-out: Celery queues"): every task of the project has its
queue, and a real worker on the three queues runs what lands in each of them."""

import json
import os
import time

import pytest
import redis
from celery.app.routes import Router, prepare
from celery.contrib.testing.worker import start_worker
from celery.exceptions import QueueNotFound
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services as case_services
from applications.models import StatisticsSnapshot
from applications.tasks import statistics_refresh
from documents import services as document_services
from documents.models import Document
from documents.testing import hostile
from tests.factories import PersonFactory
from wsa.celery import app as celery_app

QUEUES = {"documents", "hub", "default"}


def project_tasks() -> set[str]:
    """Every task the project registers (autodiscovered as a worker does), without Celery's own, the
    benchmarks' no-op (only the benchmarks' workers load it) and the tasks other test modules define
    to exercise the worker (they exist only in a test run)."""
    celery_app.loader.import_default_modules()
    return {name for name in celery_app.tasks if not name.startswith(("celery.", "bench.", "tests."))}


def settings_router() -> Router:
    """The router a production worker builds from the settings, refusing a queue that is not declared."""
    queues = celery_app.amqp.Queues(django_settings.CELERY_TASK_QUEUES, create_missing=False)
    return Router(prepare(django_settings.CELERY_TASK_ROUTES), queues, create_missing=False, app=celery_app)


def test_the_settings_declare_three_queues_and_default_to_the_default_one():
    assert set(django_settings.CELERY_TASK_QUEUES) == QUEUES
    assert django_settings.CELERY_TASK_DEFAULT_QUEUE == "default"


def test_every_task_of_the_project_is_in_the_routing_table_and_nothing_else_is():
    tasks = project_tasks()
    assert len(tasks) >= 15, "autodiscovery found too few tasks"
    assert sorted(tasks - set(django_settings.CELERY_TASK_ROUTES)) == [], "tasks without a queue"
    assert sorted(set(django_settings.CELERY_TASK_ROUTES) - tasks) == [], "routes of tasks that do not exist"


def test_every_task_resolves_to_a_declared_queue():
    router = settings_router()
    resolved = {name: router.route({}, name)["queue"].name for name in project_tasks()}
    assert set(resolved.values()) == QUEUES
    assert resolved["documents.tasks.check_document"] == "documents"
    hub = {
        "authorities.tasks.outbox_relay", "authorities.tasks.authority_answer_fetch",
        "authorities.tasks.outbox_sweep", "authorities.tasks.answers_poll",
        "applications.tasks.webhook_deliver", "accounts.tasks.invitation_send",
        "applications.tasks.notify_case", "applications.tasks.mail_send",
    }
    assert {resolved[name] for name in hub} == {"hub"}
    assert [name for name, queue in resolved.items() if queue == "documents"] == ["documents.tasks.check_document"]


def test_a_route_to_an_undeclared_queue_is_refused_not_silently_created():
    queues = celery_app.amqp.Queues(django_settings.CELERY_TASK_QUEUES, create_missing=False)
    router = Router(prepare({"documents.tasks.check_document": {"queue": "dokuments"}}), queues,
                    create_missing=False, app=celery_app)
    with pytest.raises(QueueNotFound):
        router.route({}, "documents.tasks.check_document")


def test_every_beat_entry_names_a_routed_task():
    tasks = project_tasks()
    for entry in django_settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in tasks
        assert entry["task"] in django_settings.CELERY_TASK_ROUTES


# --- on Redis, with a real worker -------------------------------------------------------------------


def queued_task_names(client: redis.Redis, queue: str) -> list[str]:
    """The tasks waiting in a queue on the broker (kombu keeps a Redis list per queue)."""
    return sorted(json.loads(raw)["headers"]["task"] for raw in client.lrange(queue, 0, -1))


def wait_for(check, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.worker
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: a real broker for a real worker")
@pytest.mark.django_db(transaction=True)
def test_tasks_land_in_their_queue_on_redis_and_a_worker_on_all_queues_runs_them(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "private")}}}
    celery_app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert celery_app.conf.broker_url.startswith("redis://")
    queue = {name: celery_app.amqp.router.route({}, task)["queue"].name for name, task in [
        ("documents", "documents.tasks.check_document"), ("hub", "applications.tasks.notify_case"),
        ("default", "applications.tasks.statistics_refresh")]}
    client = redis.Redis.from_url(celery_app.conf.broker_url)
    client.delete(*queue.values())

    # No worker yet: each task waits in its own queue.
    person = PersonFactory()
    case_services.case_create(person=person, actor=None)  # news for the applicant: an e-mail (hub)
    document = document_services.document_upload(  # a check (documents)
        person=person, uploaded_by=person.user, file=SimpleUploadedFile("contract.pdf", hostile.contract_pdf()))
    statistics_refresh.delay()  # what beat sends (default)
    assert queued_task_names(client, queue["documents"]) == ["documents.tasks.check_document"]
    assert queued_task_names(client, queue["hub"]) == ["applications.tasks.notify_case"]
    assert queued_task_names(client, queue["default"]) == ["applications.tasks.statistics_refresh"]
    assert document.state == Document.State.UPLOADED and not mail.outbox

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        assert wait_for(lambda: Document.objects.get(pk=document.pk).checked_at is not None)
        assert wait_for(lambda: len(mail.outbox) == 1)
        assert wait_for(lambda: StatisticsSnapshot.objects.exists())
        assert wait_for(lambda: not any(client.llen(name) for name in queue.values()), 10)
    assert Document.objects.get(pk=document.pk).state in ("passed", "needs_attention")
    assert mail.outbox[0].to == [person.user.email]
