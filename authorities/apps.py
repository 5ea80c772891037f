from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthoritiesConfig(AppConfig):
    name = "authorities"
    verbose_name = _("Authorities")

    def ready(self):
        from applications.services import on_transition

        from . import services
        from .adapters import contrib  # noqa: F401 - registers the adapters

        if getattr(services, "hooks_registered", False):
            return
        services.hooks_registered = True
        # Inside the transition's transaction: the requests and outbox rows commit with it.
        # The procedure's order (services, "the order of the procedure"): requests go out when the WSA
        # confirms completeness; the visa is referred and granted only after approvals and attendance.
        on_transition("start_authority_review")(services.on_start_authority_review)
        on_transition("refer_to_visa_decision")(services.on_refer_to_visa_decision)
        on_transition("grant_visa")(services.on_grant_visa)
        on_transition("report_entry")(services.on_report_entry)
        on_transition("withdraw")(services.on_withdraw)
