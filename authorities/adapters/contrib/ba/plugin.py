"""Federal Employment Agency (BA): approval of the employment (§ 39 AufenthG), judged on the
working conditions from the "Erklärung zum Beschäftigungsverhältnis". Silence for one week
(§ 81a) or two weeks counts as approval (§ 36 Abs. 2 BeschV)."""

from django.utils.translation import gettext_lazy as _

from ...base import BasePlugin
from ...registry import register


@register("ba")
class BAPlugin(BasePlugin):
    verbose_name = _("Federal Employment Agency (BA)")
    purposes = ("ba_approval",)
    document_types = ("employment_contract",)
    # An approval is limited to the employer, the occupation and a duration (§ 34 BeschV).
    condition_keys = ("employer", "employer_ba_number", "occupation", "occupation_isco", "duration_months",
                      "weekly_hours", "reason")

    def build_data(self, request) -> dict:
        case = request.case
        person = case.person
        return {
            **super().build_data(request),
            # Only what the working-conditions check needs about the person.
            "applicant": {
                "surname": person.surname,
                "givenNames": person.given_names,
                "birthDate": self.identity(person)["birthDate"],
                "nationality": person.nationality,
            },
            "employment": self.employment(case),
            "employer": self.employer(case),
        }
