from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents and checks")

    def ready(self):
        # system_checks registers the deploy check of the virus scanner; tasks the check that the services
        # enqueue by name.
        from . import system_checks, tasks  # noqa: F401
