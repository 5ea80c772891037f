"""Visa office abroad (mission / BfAA): the national visa application, answered with a receipt that
asks the applicant to book the in-person appointment from the office's slots, then the mission's
decision (§ 6 Abs. 3 AufenthG; § 31a AufenthV in the § 81a procedure). Once booked, the data carry
the appointment (`appointment`, ISO), e.g. on a resend."""

from django.utils.translation import gettext_lazy as _

from ....selectors import booked_appointment
from ...base import BasePlugin
from ...registry import register


@register("visa_office")
class VisaOfficePlugin(BasePlugin):
    verbose_name = _("Visa office abroad")
    purposes = ("visa",)
    document_types = ("passport", "photo", "employment_contract", "degree_certificate", "health_insurance", "cv")
    condition_keys = ("valid_months", "valid_from", "employer", "occupation")

    def build_data(self, request) -> dict:
        case = request.case
        return {
            **super().build_data(request),
            "applicant": self.identity(case.person),
            "passport": self.passport(case.person),
            "address": self.address(case.person),
            "employment": self.employment(case),
            "employer": self.employer(case),
            **self.appointment(request),
        }

    @staticmethod
    def appointment(request) -> dict:
        starts = booked_appointment(request=request)
        return {"appointment": starts} if starts else {}
