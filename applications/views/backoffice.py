from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from accounts.selectors import authority_organisations_for_user

from .. import selectors
from ..lifecycle import CaseState


@staff_required
@require_GET
def home(request):
    state = request.GET.get("state") or None
    if state not in CaseState.values:
        state = None
    cases = selectors.case_list(viewer=request.user, state=state).order_by("submitted_at", "pk")[:50]
    return render(request, "backoffice/home.html", {
        "cases": cases, "offices": authority_organisations_for_user(user=request.user),
        "states": CaseState.choices, "state": state,
    })
