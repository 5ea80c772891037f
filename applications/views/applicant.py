from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import applicant_required

from .. import selectors


@applicant_required
@require_GET
def home(request):
    cases = selectors.case_list(viewer=request.user).filter(person__user=request.user)
    return render(request, "applicant/home.html", {"cases": cases})


@applicant_required
@require_GET
def case_detail(request, public_id):
    case = selectors.case_get(viewer=request.user, public_id=public_id)
    events = selectors.case_timeline(viewer=request.user, case=case)
    return render(request, "applicant/case_detail.html", {"case": case, "events": events})
