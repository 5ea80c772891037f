from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from documents.signals import document_checked


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Cases")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_delete

        from documents.selectors import case_reader_register

        # site_info registers the operator's deploy check; tasks the tasks that the services enqueue by name.
        from . import procedure, receivers, site_info, status_poll, tasks  # noqa: F401
        from .selectors.visibility import case_list

        # Staff read the documents of the cases they may read: documents stands below the case store.
        case_reader_register(case_list)

        def forget_user(sender, instance, created=False, **kwargs):
            # A new password or a deactivation must end the cache-only polls of that user at once; before
            # a deletion, while their cases still name them (Person.user is set to NULL on deletion).
            if not created:
                status_poll.forget_user(instance.pk)

        user_model = get_user_model()
        post_save.connect(forget_user, sender=user_model, weak=False, dispatch_uid="status_poll_forget_user")
        pre_delete.connect(forget_user, sender=user_model, weak=False, dispatch_uid="status_poll_forget_user_delete")
        # The authority hub's news of a case: timeline entries, the move to the visa decision.
        procedure.receivers_connect()
        document_checked.connect(receivers.document_checked, dispatch_uid="applications_document_checked")
