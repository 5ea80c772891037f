from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import employer_required
from accounts.selectors import employer_organisations_for_user

from .. import selectors


@employer_required
@require_GET
def home(request):
    organisations = employer_organisations_for_user(user=request.user)
    cases = selectors.case_list(viewer=request.user).filter(employer__in=organisations)
    return render(request, "employer/home.html", {"organisations": organisations, "cases": cases})
