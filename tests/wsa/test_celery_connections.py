"""Celery workers keep their database connection between tasks, as Django keeps it between requests
(Celery alone would open a new PostgreSQL backend for every task)."""

import time
from types import SimpleNamespace

import pytest
from django.db import connection

from wsa.celery import app, close_old_database_connections


def task_signal():
    return {"task": SimpleNamespace(request=SimpleNamespace(is_eager=False))}


@pytest.mark.django_db(transaction=True)
def test_a_connection_is_kept_between_tasks_and_closed_once_it_is_too_old(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()
    connection.ensure_connection()
    connection.close_at = time.monotonic() + 60
    raw = connection.connection
    close_old_database_connections(**task_signal())   # task_prerun
    close_old_database_connections(**task_signal())   # task_postrun
    assert connection.connection is raw
    if connection.vendor == "sqlite":
        return  # Django never closes the in-memory test database
    connection.close_at = time.monotonic() - 1  # older than CONN_MAX_AGE
    close_old_database_connections(**task_signal())
    assert connection.connection is None


@pytest.mark.django_db
def test_an_eager_task_leaves_the_callers_connection_alone():
    connection.ensure_connection()
    raw = connection.connection
    close_old_database_connections(task=SimpleNamespace(request=SimpleNamespace(is_eager=True)))
    assert connection.connection is raw  # inside the caller's transaction


def test_celerys_own_closing_is_switched_off():
    assert app.conf.get("CELERY_DB_REUSE_MAX") >= 1_000_000
