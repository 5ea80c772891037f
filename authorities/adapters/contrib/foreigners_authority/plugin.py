"""Foreigners' authority (Ausländerbehörde): the pre-approval in the accelerated procedure
(§ 81a Abs. 3 AufenthG, § 31 Abs. 3 AufenthV) and the residence permit after entry (§ 71 AufenthG)."""

from django.utils.translation import gettext_lazy as _

from ...base import BasePlugin
from ...registry import register


@register("foreigners_authority")
class ForeignersAuthorityPlugin(BasePlugin):
    verbose_name = _("Foreigners' authority")
    purposes = ("pre_approval_81a", "residence_permit")
    document_types = ("passport", "employment_contract", "degree_certificate", "recognition_notice", "photo")
    condition_keys = ("valid_months", "employer", "occupation", "reason")

    def build_data(self, request) -> dict:
        case = request.case
        return {
            **super().build_data(request),
            "applicant": self.identity(case.person),
            "passport": self.passport(case.person),
            "address": self.address(case.person),
            "qualifications": self.qualifications(case.person),
            "employment": self.employment(case),
            "employer": self.employer(case),
        }
