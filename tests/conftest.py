import pytest

from wsa.celery import app as celery_app


@pytest.fixture(scope="session", autouse=True)
def _celery_queue_per_test_process(worker_id):
    """With pytest-xdist each process gets its own queue, so a real worker never runs a task that
    another process queued against its own test database."""
    celery_app.conf.task_default_queue = f"wsa-test-{worker_id}"


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Tasks run in-process unless a test starts a real worker (see tests/wsa/test_worker.py)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    celery_app.conf.task_always_eager = previous
