"""wsa.queueing takes a task or its registered name: a service names the task that runs it, since the
tasks module imports the service."""

import re
from pathlib import Path

import pytest
from celery.exceptions import NotRegistered

from applications import tasks
from wsa import queueing
from wsa.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
NAMED_TASK = re.compile(r"""["']((?:accounts|documents|authorities|applications)(?:\.\w+)*\.tasks\.\w+)["']""")


def test_a_task_is_enqueued_by_its_name(monkeypatch):
    sent = []
    monkeypatch.setattr(celery_app.tasks[tasks.mail_send.name], "apply_async",
                        lambda args, **options: sent.append(args))
    assert queueing.enqueue("applications.tasks.mail_send", ("a@example.org", "Subject", "Body"))
    assert sent == [("a@example.org", "Subject", "Body")]


def test_a_name_that_no_task_bears_fails_in_the_caller_not_after_the_commit():
    with pytest.raises(NotRegistered):
        queueing.enqueue_on_commit("applications.tasks.no_such_task", ())


def test_every_task_the_code_names_is_registered_once_django_is_set_up():
    """A misspelt name would otherwise only fail where that task is enqueued (some only with a broker)."""
    named = {match for app in ("accounts", "documents", "authorities", "applications")
             for path in (ROOT / app).rglob("*.py")
             for match in NAMED_TASK.findall(path.read_text(encoding="utf-8"))}
    assert {"authorities.tasks.outbox_relay", "applications.tasks.notify_case",
            "documents.tasks.check_document"} <= named
    assert sorted(named - set(celery_app.tasks)) == []
