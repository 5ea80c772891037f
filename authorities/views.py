"""The back-office overview of authority requests, and the endpoint for the offices' callbacks."""

import json
import logging

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required

from . import callbacks, selectors, services

logger = logging.getLogger("authorities")


@staff_required
@require_GET
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
        payload = json.loads(request.body)
        entries = payload.get("submissions") or []
        submission_ids = [entry["submissionId"] for entry in entries]
        submission_ids += [str(s) for s in payload.get("submissionIds") or []]  # deprecated form
    except (ValueError, AttributeError, KeyError, TypeError):
        return JsonResponse({"detail": "malformed"}, status=400)
    services.authority_callback_received(submission_ids=submission_ids)
    return HttpResponse(status=200)
