"""Document views shared by every portal: download (as an attachment only) and the live check state."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import selectors


def attachment_response(file, *, filename: str, content_type: str) -> FileResponse:
    """A private file as a download: never rendered inline, never sniffed, never cached by proxies."""
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def download(request, public_id):
    document = selectors.document_get(viewer=request.user, public_id=public_id)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    return attachment_response(handle, filename=document.original_name, content_type=document.content_type)


@login_required
@require_safe
def status(request, public_id):
    """The check state of one document; polled by htmx while the checks run, then it stops."""
    document = selectors.document_get(viewer=request.user, public_id=public_id)
    (document,) = selectors.documents_for_display([document])
    response = render(request, "documents/partials/document_state.html", {"document": document})
    response["Cache-Control"] = "private, no-cache"
    return response
