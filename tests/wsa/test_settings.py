"""The settings resolve as the README documents: embedded defaults, real services by variable."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'db': s.DATABASES['default']['ENGINE'], 'db_name': str(s.DATABASES['default']['NAME']),"
    "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, 'email': s.EMAIL_BACKEND,"
    "'storage': s.STORAGES['default']['BACKEND'], 'cache': s.CACHES['default']['BACKEND'],"
    "'transport': s.WSA_AUTHORITY_TRANSPORT, 'debug': s.DEBUG,"
    "'pool': s.DATABASES['default'].get('OPTIONS', {}).get('pool'),"
    "'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE']}))"
)
SERVICE_VARIABLES = ["DATABASE_URL", "DATABASE_POOL_MAX_SIZE", "WSA_CLAMD_ADDRESS", "SITE_URL",
                     "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "AWS_STORAGE_BUCKET_NAME",
                     "CELERY_TASK_ALWAYS_EAGER", "DJANGO_ENV", "SECRET_KEY",
                     # set for the browser tests in this process; never part of a real deployment
                     "DJANGO_ALLOW_ASYNC_UNSAFE"]


def resolve(**variables):
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="wsa.settings", **variables)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_defaults_need_no_service():
    resolved = resolve()
    assert resolved["db"] == "django.db.backends.sqlite3"
    assert resolved["db_name"].endswith("var/db.sqlite3")
    assert resolved["eager"] is True
    assert resolved["email"] == "django.core.mail.backends.console.EmailBackend"
    assert resolved["storage"] == "django.core.files.storage.FileSystemStorage"
    assert resolved["cache"].endswith("LocMemCache")
    assert resolved["transport"] == "simulated"
    assert resolved["debug"] is True


def test_real_services_by_environment():
    resolved = resolve(
        DATABASE_URL="postgres://wsa:pw@db.example:5432/wsa",
        REDIS_URL="redis://cache.example:6379/0",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example:587",
        AWS_STORAGE_BUCKET_NAME="wsa-documents",
    )
    assert resolved["db"] == "django.db.backends.postgresql"
    assert resolved["db_name"] == "wsa"
    assert resolved["eager"] is False
    assert resolved["broker"] == "redis://cache.example:6379/0"
    assert resolved["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert resolved["storage"] == "storages.backends.s3.S3Storage"
    assert resolved["cache"].endswith("RedisCache")


def test_a_bounded_connection_pool_by_environment():
    resolved = resolve(DATABASE_URL="postgres://wsa:pw@db.example:5432/wsa", DATABASE_POOL_MAX_SIZE="4",
                       DJANGO_ENV="production", SECRET_KEY="k" * 60, ALLOWED_HOSTS="wsa.example",
                       SITE_URL="https://wsa.example")
    assert resolved["pool"] == {"min_size": 1, "max_size": 4, "timeout": 10.0}
    assert resolved["conn_max_age"] == 0  # Django refuses persistent connections beside a pool
    assert resolve(DATABASE_URL="postgres://wsa:pw@db.example:5432/wsa")["pool"] is None


def test_separate_broker_url_wins_over_redis_url():
    resolved = resolve(REDIS_URL="redis://cache.example:6379/0", CELERY_BROKER_URL="amqp://guest@mq.example//")
    assert resolved["broker"] == "amqp://guest@mq.example//"


def test_production_refuses_to_start_without_its_public_address():
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="wsa.settings", DJANGO_ENV="production", SECRET_KEY="k" * 60,
               ALLOWED_HOSTS="wsa.example")
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    assert result.returncode != 0 and "SITE_URL" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="wsa.settings", DJANGO_ENV="production")
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.slow
def test_production_deploy_check_is_clean(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    # An empty database: the developer's var/db.sqlite3 holds the seeded, unreviewed letter templates,
    # which the check rightly refuses (wsa.E011, tests/applications/backoffice/test_letter_templates.py).
    env.update(DJANGO_ENV="production", SECRET_KEY="x" * 20 + "-a-real-random-production-key-" + "y" * 20,
               ALLOWED_HOSTS="wsa.example", SITE_URL="https://wsa.example", WSA_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "wsa.E010" in result.stderr  # the imprint would name the demo operator
    env.update(WSA_OPERATOR_EMAIL="kontakt@wsa.test", WSA_DATA_PROTECTION_OFFICER_EMAIL="datenschutz@wsa.test",
               WSA_ACCESSIBILITY_EMAIL="barrierefreiheit@wsa.test")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr
    # Without a virus scanner the check says so plainly; with one it is silent.
    assert "wsa.I001" in result.stdout + result.stderr and "NOT scanned for viruses" in result.stdout + result.stderr
    env["WSA_CLAMD_ADDRESS"] = "tcp://clamav:3310"
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "wsa.I001" not in result.stdout + result.stderr
