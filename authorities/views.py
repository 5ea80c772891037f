"""The back-office overview of authority requests and the endpoint for the offices' callbacks. Reads
through selectors, writes through services."""

import logging

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import staff_required

from . import callbacks, selectors, services

logger = logging.getLogger("authorities")


@staff_required
@require_safe
def request_board(request):
    return render(request, "backoffice/authorities.html", {"board": selectors.authority_board(viewer=request.user),
                                                           "rows": selectors.BOARD_ROWS})


@csrf_exempt
@require_POST
def callback(request):
    """FIT-Connect-style callback: verified, then the answers are fetched by a task; 200 with no body."""
    try:
        callbacks.verify(
            secret=callbacks.callback_secret(),
            timestamp=request.headers.get("callback-timestamp"),
            signature=request.headers.get("callback-authentication"),
            raw_body=request.body,
        )
    except callbacks.CallbackRejected as reason:
        logger.warning("Authority callback rejected: %s", reason)
        return JsonResponse({"detail": "rejected"}, status=403)
    try:
        submission_ids = callbacks.submission_ids(request.body)
    except callbacks.CallbackMalformed:
        return JsonResponse({"detail": "malformed"}, status=400)
    services.authority_callback_received(submission_ids=submission_ids)
    return HttpResponse(status=200)
