from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from documents.signals import document_checked


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Cases")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from . import receivers, status_poll

        def forget_user(sender, instance, **kwargs):
            # A new password or a deactivation must end the cache-only polls of that user at once.
            status_poll.forget_user(instance.pk)

        user_model = get_user_model()
        post_save.connect(forget_user, sender=user_model, weak=False, dispatch_uid="status_poll_forget_user")
        post_delete.connect(forget_user, sender=user_model, weak=False, dispatch_uid="status_poll_forget_user_delete")
        document_checked.connect(receivers.document_checked, dispatch_uid="applications_document_checked")
