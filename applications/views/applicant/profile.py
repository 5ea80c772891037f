"""The once-only profile: personal data, address, languages, qualifications, work experience, and the
prefill from a passport."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from accounts.decorators import applicant_required
from documents import selectors as document_selectors
from documents.models import DocumentType
from wsa.http import GET_OR_POST

from ... import forms, services
from ...selectors.applicant import qualification_get, work_experience_get
from .helpers import next_url, person_to_show, person_to_write, posted


@applicant_required
@require_safe
def profile(request):
    person = person_to_show(request)
    saved = person.pk is not None
    return render(request, "applicant/profile.html", {
        "person": person,
        "qualifications": person.qualifications.all() if saved else [],
        "languages": person.languages.all() if saved else [],
        "experience": person.experience.order_by("-started_on") if saved else [],
        "passport_source": document_selectors.passport_prefill_source(viewer=request.user),
    })


def _profile_form_view(request, form_class, *, title, template="applicant/profile_form.html"):
    person = person_to_show(request)
    form = form_class(posted(request), instance=person)
    if request.method == "POST" and form.is_valid():
        services.person_update(person=person_to_write(request, person), actor=request.user, **form.cleaned_data)
        messages.success(request, gettext("Your profile was saved."))
        return redirect(next_url(request, reverse("applicant:profile")))
    return render(request, template, {"form": form, "title": title,
                                      "next": next_url(request, reverse("applicant:profile"))})


@applicant_required
@GET_OR_POST
def profile_personal(request):
    return _profile_form_view(request, forms.PersonalForm, title=_("Personal and passport details"))


@applicant_required
@GET_OR_POST
def profile_contact(request):
    return _profile_form_view(request, forms.ContactForm, title=_("Address and contact"))


@applicant_required
@GET_OR_POST
def profile_languages(request):
    person = person_to_show(request)
    form = forms.LanguagesForm(posted(request), initial=forms.LanguagesForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        services.language_skills_set(person=person_to_write(request, person), levels=form.levels())
        messages.success(request, gettext("Your language skills were saved."))
        return redirect(next_url(request, reverse("applicant:profile")))
    return render(request, "applicant/profile_form.html", {
        "form": form, "title": _("Language skills"), "next": next_url(request, reverse("applicant:profile")),
    })


@applicant_required
@GET_OR_POST
def qualification_edit(request, pk=None):
    person = person_to_show(request)
    instance = qualification_get(viewer=request.user, pk=pk) if pk else None
    form = forms.QualificationForm(posted(request), instance=instance)
    if request.method == "POST" and form.is_valid():
        services.qualification_save(person=person_to_write(request, person), qualification=instance,
                                    **form.cleaned_data)
        messages.success(request, gettext("The qualification was saved."))
        return redirect(next_url(request, reverse("applicant:profile")))
    return render(request, "applicant/profile_form.html", {
        "form": form, "title": _("Change the qualification") if instance else _("Add a qualification"),
        "next": next_url(request, reverse("applicant:profile")),
    })


@applicant_required
@GET_OR_POST
def experience_edit(request, pk=None):
    person = person_to_show(request)
    instance = work_experience_get(viewer=request.user, pk=pk) if pk else None
    form = forms.WorkExperienceForm(posted(request), instance=instance)
    if request.method == "POST" and form.is_valid():
        services.work_experience_save(person=person_to_write(request, person), experience=instance, **form.cleaned_data)
        messages.success(request, gettext("The work experience was saved."))
        return redirect(next_url(request, reverse("applicant:profile")))
    return render(request, "applicant/profile_form.html", {
        "form": form, "title": _("Change the work experience") if instance else _("Add work experience"),
        "next": next_url(request, reverse("applicant:profile")),
    })


@applicant_required
@GET_OR_POST
def qualification_remove(request, pk):
    item = qualification_get(viewer=request.user, pk=pk)
    if request.method == "POST":
        services.qualification_delete(qualification=item)
        messages.success(request, gettext("The qualification was removed."))
        return redirect(next_url(request, reverse("applicant:profile")))
    return render(request, "applicant/confirm_remove.html", {
        "item": item, "title": _("Remove this qualification?"),
        "next": next_url(request, reverse("applicant:profile")),
    })


@applicant_required
@GET_OR_POST
def experience_remove(request, pk):
    item = work_experience_get(viewer=request.user, pk=pk)
    if request.method == "POST":
        services.work_experience_delete(experience=item)
        messages.success(request, gettext("The work experience was removed."))
        return redirect(next_url(request, reverse("applicant:profile")))
    return render(request, "applicant/confirm_remove.html", {
        "item": item, "title": _("Remove this work experience?"),
        "next": next_url(request, reverse("applicant:profile")),
    })


PREFILL_LABELS = {
    "surname": _("Surname"), "given_names": _("Given names"), "birth_date": _("Date of birth"), "sex": _("Sex"),
    "nationality": _("Nationality"), "passport_number": _("Passport number"),
    "passport_issuing_state": _("Issuing state"), "passport_expiry": _("Passport valid until"),
}


@applicant_required
@GET_OR_POST
def passport_prefill(request, public_id):
    """"Prefill my profile from my passport": shows what would change, changes it on confirmation."""
    document = document_selectors.document_get_own(viewer=request.user, public_id=public_id)
    if document.document_type != DocumentType.PASSPORT:
        raise Http404
    person = person_to_show(request)
    values = services.passport_prefill_values(document.extracted or {})
    if not values:
        messages.error(request, gettext("No data could be read from this passport. Please enter it yourself."))
        return redirect("applicant:profile")
    if request.method == "POST":
        changed = services.person_prefill_from_passport(person=person_to_write(request, person), document=document,
                                                        actor=request.user)
        messages.success(request, ngettext("%(count)d field of your profile was updated from your passport.",
                                           "%(count)d fields of your profile were updated from your passport.",
                                           len(changed)) % {"count": len(changed)})
        return redirect(next_url(request, reverse("applicant:profile")))
    rows = [{"label": PREFILL_LABELS[name], "current": getattr(person, name) or "", "new": value,
             "changes": getattr(person, name) != value} for name, value in values.items()]
    return render(request, "applicant/passport_prefill.html", {
        "document": document, "rows": rows, "next": next_url(request, reverse("applicant:profile")),
    })
