"""The principals' "Representatives" pages: an applicant (/applicant/representatives/) or an employer owner
(/employer/representatives/) finds a verified representative, grants it a mandate, sees every mandate
(active, expired, revoked) and revokes any of them at once."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.decorators import applicant_required, employer_required
from wsa.http import GET_OR_POST

from .. import services
from ..employer.views import _organisation as _employer_organisation
from ..employer.views import _require_owner as _require_employer_owner
from ..mandates import forms
from ..mandates import services as mandate_services
from ..mandates.selectors import (
    mandate_granted_get,
    mandates_granted,
    representative_get_verified,
    representatives_search,
)
from ..models import Case


def _representatives_page(request, *, person=None, organisation=None, cases, template_base: str,
                          revoke_url: str, self_url: str):
    applicant = person is not None
    search = forms.RepresentativeSearchForm(data=request.GET or None)
    found = representatives_search(term=search.cleaned_data["q"]) if search.is_bound and search.is_valid() else []
    representatives = list(found)
    if request.method == "POST":
        chosen = representative_get_verified(public_id=request.POST.get("representative"))
        representatives = [chosen] if chosen is not None else []
    form = forms.MandateGrantForm(data=request.POST if request.method == "POST" else None,
                                  files=request.FILES if request.method == "POST" else None,
                                  representatives=representatives, cases=cases, applicant=applicant)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                mandate = mandate_services.mandate_grant(actor=request.user, person=person, organisation=organisation,
                                                         **form.grant_kwargs())
            except mandate_services.MandateError as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:  # the uploaded power of attorney was refused
                form.add_error("power_of_attorney", " ".join(exc.messages))
            else:
                messages.success(request, gettext("%(representative)s now represents you.")
                                 % {"representative": mandate.representative.name})
                return redirect(self_url)
        status = 400
    return render(request, "mandates/representatives.html", {
        "base": template_base, "search": search, "found": found, "form": form if representatives else None,
        "mandates": mandates_granted(person=person, organisation=organisation), "revoke_url": revoke_url,
        "self_url": self_url, "applicant": applicant, "organisation": organisation,
    }, status=status)


# --- Applicant --------------------------------------------------------------------------------

@applicant_required
@GET_OR_POST
def applicant_representatives(request):
    person = services.person_ensure(user=request.user)
    return _representatives_page(request, person=person, cases=Case.objects.filter(person=person),
                                 template_base="base.html", revoke_url="applicant:representative_revoke",
                                 self_url="applicant:representatives")


@applicant_required
@require_POST
def applicant_representative_revoke(request, public_id):
    person = services.person_ensure(user=request.user)
    mandate = mandate_granted_get(person=person, public_id=public_id)
    mandate_services.mandate_revoke(mandate=mandate, actor=request.user)
    messages.success(request, gettext("The mandate of %(representative)s was revoked. It ends now.")
                     % {"representative": mandate.representative.name})
    return redirect("applicant:representatives")


# --- Employer (owners) ------------------------------------------------------------------------

@employer_required
@GET_OR_POST
def employer_representatives(request):
    organisation = _employer_organisation(request)
    _require_employer_owner(request, organisation)
    return _representatives_page(request, organisation=organisation,
                                 cases=Case.objects.filter(employer=organisation).order_by("-created_at")[:200],
                                 template_base="base.html", revoke_url="employer:representative_revoke",
                                 self_url="employer:representatives")


@employer_required
@require_POST
def employer_representative_revoke(request, public_id):
    organisation = _employer_organisation(request)
    _require_employer_owner(request, organisation)
    mandate = mandate_granted_get(organisation=organisation, public_id=public_id)
    mandate_services.mandate_revoke(mandate=mandate, actor=request.user)
    messages.success(request, gettext("The mandate of %(representative)s was revoked. It ends now.")
                     % {"representative": mandate.representative.name})
    return redirect("employer:representatives")
