import socket
import threading
import weakref

import pytest
from django.conf import settings as django_settings
from django.db.backends.signals import connection_created
from django.test import Client

from tests.auth import force_login_with_second_factor
from wsa import queueing
from wsa.celery import app as celery_app

# force_login stands for a finished sign-in, second factor included (staff and employer owners may not
# enter their areas otherwise); the sign-in itself is tested through its pages, and a password-only
# session with tests.auth.force_login_password_only.
Client.force_login = force_login_with_second_factor


_connections_opened = weakref.WeakSet()


def _remember_connection(sender, connection, **kwargs):
    _connections_opened.add(connection)


connection_created.connect(_remember_connection, weak=False, dispatch_uid="tests-remember-connection")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Closes every connection this process opened before the test database is dropped. While an event loop
    runs in a thread, Django keeps that thread's connections per asyncio context, and Playwright's sync API
    runs one in the test thread from the first browser test until Playwright stops: a connection a later
    test opened is out of reach of the teardown's `close_all` once the loop has stopped, and the database
    could not be dropped ("is being accessed by other users")."""
    yield
    this_thread = threading.get_ident()
    for wrapper in list(_connections_opened):
        if wrapper.connection is None:
            continue
        if wrapper._thread_ident == this_thread:
            wrapper.close()
        else:  # a live server's request thread, long finished: only its socket is left to close
            wrapper.connection.close()


@pytest.fixture(scope="session", autouse=True)
def _celery_queues_per_test_process(worker_id):
    """With pytest-xdist each process gets its own queues (the settings' three, renamed), so a real
    worker never runs a task that another process queued against its own test database."""
    renamed = {name: f"{name}-test-{worker_id}" for name in django_settings.CELERY_TASK_QUEUES}
    conf = celery_app.conf
    conf.task_default_queue = renamed[django_settings.CELERY_TASK_DEFAULT_QUEUE]
    conf.task_queues = {new: {"exchange": new, "routing_key": new} for new in renamed.values()}
    conf.task_routes = {task: {**route, "queue": renamed[route["queue"]]}
                        for task, route in django_settings.CELERY_TASK_ROUTES.items()}
    amqp = celery_app.amqp
    for computed in ("queues", "default_queue", "router"):  # computed from the old names, if already used
        amqp.__dict__.pop(computed, None)
    amqp.flush_routes()


@pytest.fixture(autouse=True)
def _fresh_cache(settings, worker_id):
    """Rate-limit counters and cached pages must not leak from one test into the next (on Redis they
    would even survive the run); each test process gets its own key space."""
    from django.core.cache import cache

    settings.CACHES = {name: {**config, "KEY_PREFIX": f"test-{worker_id}"} for name, config in settings.CACHES.items()}
    from applications.services import cases as case_services

    cache.clear()
    case_services._notify_queued_here.clear()  # the process's memory of queued e-mails is a cache too
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Tasks run in-process unless a test starts a real worker (see tests/wsa/test_worker.py)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _cache_per_test(settings):
    """Every test starts on an empty cache namespace, so that allauth's rate limits and the HR API's
    throttle of failed tokens never carry over from one test to the next (also on a shared Redis)."""
    from uuid import uuid4

    prefix = f"test-{uuid4().hex[:12]}"
    settings.CACHES = {name: {**config, "KEY_PREFIX": prefix} for name, config in settings.CACHES.items()}


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the portal's default language, as a fresh process would: a request or a
    test that activated another language must not decide the language of the next test's messages."""
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def pytest_terminal_summary(terminalreporter, config):
    """The order's seed again at the end of the run, where a failure is read, with the command that
    replays the same order (pytest-randomly prints it at the top too)."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int):
        terminalreporter.write_line(
            f"Test order: random, seed {seed}. Replay this order: make test PYTEST_ARGS='--randomly-seed={seed}'")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dead_broker(settings):
    """The broker is a Redis port nobody listens on; restored (and back to eager) afterwards."""
    previous = celery_app.conf.broker_url

    def use(url, eager):
        celery_app.conf.broker_url = url
        celery_app.conf.task_always_eager = eager
        settings.CELERY_TASK_ALWAYS_EAGER = eager
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    use(f"redis://127.0.0.1:{_free_port()}/0", eager=False)
    yield lambda: use(previous, eager=True)
    use(previous, eager=True)
    queueing.broker_circuit_reset()


@pytest.fixture(autouse=True)
def _letter_templates(request):
    """The letter templates the migration seeds are data, and a transactional test (browser walks, live
    servers) flushes the database when it ends: every later test of the process would find none and no
    decision could be issued. Each test that uses the database gets them back if they are gone."""
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in names and "transactional_db" not in names:
        yield
        return
    transactional = bool(marker is not None and marker.kwargs.get("transaction")) or "transactional_db" in names \
        or "live_server" in names
    request.getfixturevalue("transactional_db" if transactional else "db")
    from importlib import import_module

    from django.apps import apps

    if not apps.get_model("applications", "LetterTemplate").objects.exists():
        import_module("applications.migrations.0021_letters_templates").seed_templates(apps, None)
        import_module("applications.migrations.0024_blue_card_letters").seed_blue_card_letters(apps, None)
    yield
