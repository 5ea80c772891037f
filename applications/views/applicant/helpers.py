"""What the applicant pages share: the profile to show and to write to, form data, safe return
addresses, uploads."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext

from documents import services as document_services
from documents.models import DocumentType

from ... import services
from ...models import Person
from ...selectors.applicant import person_for_user


def posted(request):
    """The submitted form data, or None on GET (an empty POST is still a submission)."""
    return request.POST if request.method == "POST" else None


def posted_files(request):
    return request.FILES if request.method == "POST" else None


def person_to_show(request):
    """The applicant's once-only profile to show: an empty, unsaved one until something is saved
    (person_to_write), so that reading a page never writes."""
    return person_for_user(viewer=request.user) or Person(user=request.user, email=request.user.email)


def person_to_write(request, person):
    """The profile to write to: created with the first thing the applicant saves."""
    return person if person.pk is not None else services.person_ensure(user=request.user)


def next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def max_size_label() -> str:
    return filesizeformat(document_services.upload_max_bytes())


def upload_files(request, *, person, files, case=None, document_type=DocumentType.UNKNOWN, requirement=""):
    """Stores each file; returns (stored documents, ["name: why it was refused", ...])."""
    stored, errors = [], []
    for file in files:
        try:
            stored.append(document_services.document_upload(
                person=person, uploaded_by=request.user, file=file, case=case, document_type=document_type,
                requirement=requirement,
            ))
        except ValidationError as exc:
            name = document_services.display_name(getattr(file, "name", ""), limit=80)
            errors.append(gettext("%(name)s: %(problem)s") % {"name": name, "problem": " ".join(exc.messages)})
    return stored, errors


def announce_uploads(request, stored) -> None:
    if stored:
        messages.success(request, ngettext(
            "%(count)d file was uploaded. It is being checked now.",
            "%(count)d files were uploaded. They are being checked now.", len(stored),
        ) % {"count": len(stored)})
