from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents and checks")

    def ready(self):
        from . import system_checks  # noqa: F401 - registers the deploy check of the virus scanner
