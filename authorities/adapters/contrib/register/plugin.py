"""Register and security checks (Ausländerzentralregister, SIS, visa warning file; § 73 AufenthG):
identity data only, no documents."""

from django.utils.translation import gettext_lazy as _

from ...base import BasePlugin
from ...registry import register


@register("register")
class RegisterPlugin(BasePlugin):
    verbose_name = _("Central register (AZR)")
    purposes = ("register_check",)
    condition_keys = ("hits", "reason")

    def build_data(self, request) -> dict:
        person = request.case.person
        return {**super().build_data(request), "applicant": self.identity(person), "passport": self.passport(person)}
