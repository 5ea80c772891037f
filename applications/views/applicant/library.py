"""The document library: upload, replace and delete documents of one's own."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from accounts.decorators import applicant_required
from documents import selectors as document_selectors
from documents import services as document_services
from wsa.http import GET_OR_POST

from ... import forms
from .helpers import (
    announce_uploads,
    max_size_label,
    next_url,
    person_to_show,
    person_to_write,
    posted,
    posted_files,
    upload_files,
)


@applicant_required
@GET_OR_POST
def documents(request):
    person = person_to_show(request)
    form = forms.DocumentUploadForm(posted(request), posted_files(request), max_size_label=max_size_label())
    upload_errors = []
    if request.method == "POST" and form.is_valid():
        stored, upload_errors = upload_files(request, person=person_to_write(request, person),
                                              files=form.cleaned_data["files"],
                                              document_type=form.cleaned_data["document_type"])
        announce_uploads(request, stored)
        if not upload_errors:
            return redirect("applicant:documents")
        form.add_error("files", upload_errors)
    items = document_selectors.documents_for_display(document_selectors.document_list(viewer=request.user))
    return render(request, "applicant/documents.html", {
        "form": form, "error_forms": [form], "documents": items, "person": person,
        "passport_source": document_selectors.passport_prefill_source(viewer=request.user),
    })


@applicant_required
@GET_OR_POST
def document_replace(request, public_id):
    document = document_selectors.document_get_own(viewer=request.user, public_id=public_id)
    back = next_url(request, reverse("applicant:documents"))
    if not document_selectors.document_is_changeable(document):
        messages.error(request, document_services.DocumentLocked().messages[0])
        return redirect(back)
    form = forms.DocumentReplaceForm(posted(request), posted_files(request))
    if request.method == "POST" and form.is_valid():
        try:
            document_services.document_replace(document=document, file=form.cleaned_data["file"], actor=request.user)
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, gettext("The document was replaced. The new file is being checked now."))
            return redirect(back)
    return render(request, "applicant/document_replace.html", {"form": form, "error_forms": [form],
                                                                "document": document, "next": back,
                                                                "max_size": max_size_label()})


@applicant_required
@GET_OR_POST
def document_delete(request, public_id):
    document = document_selectors.document_get_own(viewer=request.user, public_id=public_id)
    back = next_url(request, reverse("applicant:documents"))
    if not document_selectors.document_is_changeable(document):
        messages.error(request, document_services.DocumentLocked().messages[0])
        return redirect(back)
    if request.method == "POST":
        document_services.document_delete(document=document, actor=request.user)
        messages.success(request, gettext("The document “%(name)s” was deleted.") % {"name": document.original_name})
        return redirect(back)
    return render(request, "applicant/document_delete.html", {"document": document, "next": back})
