"""The family on the pages that already exist: the applicant's home and the back-office case file,
without their views having to know about households."""

from django import template

from ..selectors import household as household_selectors

register = template.Library()


@register.inclusion_tag("applicant/partials/household_summary.html", takes_context=True)
def household_summary(context):
    request = context["request"]
    return {"overview": household_selectors.household_overview(viewer=request.user)}


@register.inclusion_tag("backoffice/partials/family.html", takes_context=True)
def family_cases(context, case):
    request = context["request"]
    family = household_selectors.family_for_case_file(viewer=request.user, case=case)
    return {"case": case, "family": family, "family_permits": bool(
        household_selectors.family_permits_to_decide(viewer=request.user, case=case, family=family))}
