"""The applicant's start page: drafts and cases."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.decorators import applicant_required

from ...lifecycle import CaseState
from ...selectors.applicant import applicant_case_list, person_for_user


@applicant_required
@require_safe
def home(request):
    cases = list(applicant_case_list(viewer=request.user))
    person = person_for_user(viewer=request.user)
    return render(request, "applicant/home.html", {
        "drafts": [c for c in cases if c.state == CaseState.DRAFT],
        "cases": [c for c in cases if c.state != CaseState.DRAFT],
        "person": person,
        "profile_complete": bool(person and person.surname and person.birth_date and person.passport_number),
    })
