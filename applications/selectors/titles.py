"""The holder's titles and share codes, and what a share-code check shows. A title or code of someone
else is a 404; staff and employers hold no titles of their own here."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from documents.models import Document, DocumentType

from ..models import ResidenceTitle, ShareCode, ShareCodeCheck
from ..rules.purpose_change import switch_start

logger = logging.getLogger(__name__)

# The photo on the check page is inlined (the page's policy admits data: images): small images only.
PHOTO_TYPES = ("image/jpeg", "image/png")
PHOTO_MAX_BYTES = 2 * 1024 * 1024


def holder_titles(*, viewer) -> QuerySet[ResidenceTitle]:
    """The viewer's titles, newest first, with their codes and each code's checks."""
    if not viewer.is_authenticated:
        return ResidenceTitle.objects.none()
    codes = ShareCode.objects.prefetch_related(Prefetch("checks", queryset=ShareCodeCheck.objects.all()))
    return (ResidenceTitle.objects.filter(holder__user=viewer)
            .select_related("employer", "issued_by", "replaces", "case")
            .prefetch_related(Prefetch("share_codes", queryset=codes))
            .order_by("-valid_from", "-pk"))


def holder_title_get(*, viewer, public_id) -> ResidenceTitle:
    try:
        return holder_titles(viewer=viewer).get(public_id=public_id)
    except (ResidenceTitle.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def holder_share_code_get(*, viewer, public_id) -> ShareCode:
    if not viewer.is_authenticated:
        raise Http404
    try:
        return ShareCode.objects.select_related("title").get(public_id=public_id, title__holder__user=viewer)
    except (ShareCode.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class TitleView:
    """A title as the holder's page shows it."""

    title: ResidenceTitle
    valid_now: bool
    days_left: int | None
    codes: list
    # A title for studies, training or job search: the change of purpose to work is offered.
    switchable: bool = False


def share_code_status(code: ShareCode, now=None) -> str:
    now = now or timezone.now()
    if code.revoked_at is not None:
        return "revoked"
    if code.expires_at <= now or not code.title.is_valid_on(timezone.localdate()):
        return "expired"
    return "active"


def holder_title_views(*, viewer, today: date | None = None) -> list[TitleView]:
    today = today or timezone.localdate()
    now = timezone.now()
    views = []
    for title in holder_titles(viewer=viewer):
        valid = title.is_valid_on(today)
        codes = [{"code": code, "status": share_code_status(code, now), "checks": list(code.checks.all())}
                 for code in title.share_codes.all()]
        views.append(TitleView(title=title, valid_now=valid,
                               days_left=(title.valid_until - today).days if valid and title.valid_until else None,
                               codes=codes,
                               switchable=switch_start(code=title.title_code, kind=title.kind,
                                                       ended=title.ended_at is not None,
                                                       valid_until=title.valid_until, today=today).allowed))
    return views


def holder_photo_data_uri(*, title: ResidenceTitle) -> str:
    """The holder's biometric photo from their document library as a data: address, or "" if there is
    none that passed the checks as an image."""
    photo = (Document.objects.filter(owner_id=title.holder_id, document_type=DocumentType.PHOTO,
                                     state=Document.State.PASSED, content_type__in=PHOTO_TYPES,
                                     size__lte=PHOTO_MAX_BYTES)
             .order_by("-pk").first())
    if photo is None:
        return ""
    try:
        with photo.file.open("rb") as handle:
            data = handle.read(PHOTO_MAX_BYTES + 1)
    except OSError:
        logger.warning("The photo %s could not be read for a share-code check.", photo.public_id)
        return ""
    if len(data) > PHOTO_MAX_BYTES:
        return ""
    return f"data:{photo.content_type};base64,{base64.b64encode(data).decode('ascii')}"
