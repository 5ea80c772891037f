import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wsa.settings")

app = Celery("wsa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
