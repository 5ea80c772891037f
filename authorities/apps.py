from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthoritiesConfig(AppConfig):
    name = "authorities"
    verbose_name = _("Authorities")

    def ready(self):
        from . import tasks  # noqa: F401 - registers the tasks that the services enqueue by name
        from .adapters import contrib  # noqa: F401 - registers the adapters
