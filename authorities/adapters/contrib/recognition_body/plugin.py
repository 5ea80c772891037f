"""Recognition body (ZAB, IHK FOSA, chambers, Land authorities): equivalence of the foreign
qualification (§ 4 BQFG); two months in the accelerated procedure (§ 14a BQFG)."""

from django.utils.translation import gettext_lazy as _

from ...base import BasePlugin
from ...registry import register


@register("recognition_body")
class RecognitionBodyPlugin(BasePlugin):
    verbose_name = _("Recognition body")
    purposes = ("recognition",)
    document_types = ("degree_certificate", "transcript", "recognition_notice", "cv")
    # equivalence: "full" | "partial" | "none"; measure: what a partial result needs (§ 16d).
    condition_keys = ("equivalence", "reference_occupation", "measure", "reason")

    def build_data(self, request) -> dict:
        case = request.case
        employment = self.employment(case) or {}
        return {
            **super().build_data(request),
            "applicant": self.identity(case.person),
            "qualifications": self.qualifications(case.person),
            "targetOccupation": {
                "jobTitle": employment.get("jobTitle", ""),
                "occupationIsco": employment.get("occupationIsco", ""),
            },
        }
